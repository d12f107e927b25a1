package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPeakMemory runs both engines with a memory budget and checks the
// peak resident memory of the process (its own VmHWM, which counts mapped
// input pages too, from --json; the child's getrusage would start at this
// test process's resident memory) against the budget.
func TestPeakMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a 128 MiB input: skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	if out, err := exec.Command(bin, "simulate", "-o", in, "--frames", "4096", "--size", "128", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	for _, c := range []struct {
		budget, engine string
		bytes          int64
	}{
		{"320MiB", "in memory", 320 << 20},
		{"128MiB", "out of core", 128 << 20},
		{"96MiB", "out of core", 96 << 20},
	} {
		out := filepath.Join(dir, "out-"+c.budget+".npy")
		cmd := exec.Command(bin, "pcf", in, "-o", out, "--memory", c.budget, "--json")
		msg, err := cmd.Output()
		if err != nil {
			t.Fatalf("--memory %s: %v %s", c.budget, err, msg)
		}
		var js struct {
			Summary string `json:"summary"`
			Peak    int64  `json:"peak_memory_bytes"`
		}
		if err := json.Unmarshal(msg, &js); err != nil || !strings.Contains(js.Summary, c.engine) {
			t.Fatalf("--memory %s: want the %s engine: %v %s", c.budget, c.engine, err, msg)
		}
		peak := js.Peak
		t.Logf("--memory %s (%s): peak resident %.1f MiB", c.budget, c.engine, float64(peak)/(1<<20))
		if peak > c.bytes {
			t.Errorf("--memory %s (%s): peak resident memory %.1f MiB is over the budget", c.budget, c.engine, float64(peak)/(1<<20))
		}
	}
}

// writeNoiseRaw writes n little-endian uint16 samples of deterministic
// noise, base + (a hash of the byte offset >> shift) % spread, to path.
func writeNoiseRaw(t *testing.T, path string, n, shift, base, spread int) {
	t.Helper()
	b := make([]byte, 2*n)
	for i := 0; i < len(b); i += 2 {
		v := base + (i*2654435761>>shift)%spread
		b[i], b[i+1] = byte(v), byte(v>>8)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPeakMemorySmallestBudget runs a wide input (1024 columns) out of
// core at the smallest budget the CLI takes, read in place and copied:
// the peak stays within it. (The Go heap's limit was the whole budget less
// the spectra, and the garbage of the bands took the peak 2.6 MiB over the
// budget for 1024 x 32 x 16,384 at 558 MiB; this smaller input, kept small
// for CI, stayed within its budget with that limit too.)
func TestPeakMemorySmallestBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 64 MiB input: skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "wide.raw")
	writeNoiseRaw(t, in, 2048*16*1024, 7, 100, 61) // deterministic noise around 130
	raw := []string{in, "--shape", "2048,16,1024", "--dtype", "uint16"}
	mib := smallestBudget(t, bin, raw...)
	for _, extra := range [][]string{nil, {"--copy-input"}} {
		out := filepath.Join(dir, "out.npy")
		os.Remove(out)
		args := append(append([]string{"pcf"}, raw...), "-o", out, "--engine", "ooc", "--threads", "2", "--memory", fmt.Sprintf("%dMiB", mib), "--json")
		msg, err := exec.Command(bin, append(args, extra...)...).Output()
		if err != nil {
			t.Fatalf("--memory %dMiB %v: %v %s", mib, extra, err, msg)
		}
		peak := childPeak(t, msg)
		t.Logf("--memory %dMiB %v: peak resident %.1f MiB", mib, extra, float64(peak)/(1<<20))
		if peak > int64(mib)<<20 {
			t.Errorf("--memory %dMiB %v: peak resident memory %.1f MiB is over the budget", mib, extra, float64(peak)/(1<<20))
		}
	}
}

// TestPeakMemoryBleachFloat runs a float32 input with --bleach out of
// core: the scan for samples that are not counts (the warning that the
// correction rounds them) mapped the whole input, and 128 MiB of it took
// the run to 142 MiB with --memory 51MiB; uint16 inputs are not scanned.
func TestPeakMemoryBleachFloat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 128 MiB input: skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.raw")
	const T, H, W = 8192, 64, 64
	b := make([]byte, T*H*W*4)
	for i := 0; i < len(b); i += 4 {
		f := math.Float32bits(float32(20 + (i*2654435761>>9)%21)) // whole counts around 30
		b[i], b[i+1], b[i+2], b[i+3] = byte(f), byte(f>>8), byte(f>>16), byte(f>>24)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.npy")
	msg, err := exec.Command(bin, "pcf", in, "--shape", "8192,64,64", "--dtype", "float32", "-o", out, "--engine", "ooc",
		"--memory", "51MiB", "--bleach", "100", "--threads", "1", "--radius", "2", "--npoints", "4", "--json").Output()
	if err != nil {
		t.Fatalf("%v %s", err, msg)
	}
	peak := childPeak(t, msg)
	t.Logf("float32 --bleach 100 --memory 51MiB: peak resident %.1f MiB", float64(peak)/(1<<20))
	if peak > 51<<20 {
		t.Errorf("float32 --bleach 100 --memory 51MiB: peak resident memory %.1f MiB is over the budget", float64(peak)/(1<<20))
	}
}

// TestPeakMemoryErrorsOutOfCore runs error bars out of core in bands of
// one row: the peak stays within the budget. The bands' memory limit ended
// with them, and their garbage (a band's error-bar rows, 13 rows of 8,192
// frames) grew the heap during the reads back of the tiles: 112.1 MiB
// under --memory 108MiB.
func TestPeakMemoryErrorsOutOfCore(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 128 MiB input and computes error bars for 40 s: skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.raw")
	writeNoiseRaw(t, in, 8192*64*128, 7, 30, 41) // deterministic noise around 50
	out := filepath.Join(dir, "out.npy")
	msg, err := exec.Command(bin, "pcf", in, "--shape", "8192,64,128", "--dtype", "uint16", "-o", out, "--engine", "ooc",
		"--memory", "108MiB", "--errors", "blocking", "--npoints", "16", "--threads", "2", "--json").Output()
	if err != nil {
		t.Fatalf("%v %s", err, msg)
	}
	var js struct {
		Tiles int `json:"tiles"`
	}
	if err := json.Unmarshal(msg, &js); err != nil || js.Tiles < 32 {
		t.Fatalf("want bands of one or two rows (32 tiles or more): %v %s", err, msg)
	}
	peak := childPeak(t, msg)
	t.Logf("--errors blocking --memory 108MiB, %d tiles: peak resident %.1f MiB", js.Tiles, float64(peak)/(1<<20))
	if peak > 108<<20 {
		t.Errorf("--errors blocking --memory 108MiB: peak resident memory %.1f MiB is over the budget", float64(peak)/(1<<20))
	}
}

// TestPeakMemoryManyPointsThreads: with many delay points every worker
// thread keeps sums that grow with them; the estimate by which --engine
// auto runs in memory counted none, the same for every --threads, and 8
// threads with 512 linear bins ran in memory at a budget just above it
// and peaked 31-42 % over it (OOC15's F2). At the smallest budget auto
// takes the in-memory engine at (its estimate and margin), the peak stays
// within the budget.
func TestPeakMemoryManyPointsThreads(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20 MiB input and runs it with 8 threads: skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.raw")
	writeNoiseRaw(t, in, 4096*40*64, 9, 10, 21) // deterministic noise around 20
	args := []string{"pcf", in, "--shape", "4096,40,64", "--dtype", "uint16", "--bins", "linear", "--nbins", "512", "--threads", "8"}
	// The estimate, as the in-memory engine's refusal of a small budget says it.
	msg, _ := exec.Command(bin, append(args, "-o", filepath.Join(dir, "probe.npy"), "--engine", "memory", "--memory", "45MiB")...).CombinedOutput()
	m := regexp.MustCompile(`needs about ([0-9.]+) MiB`).FindSubmatch(msg)
	if m == nil {
		t.Fatalf("no estimate in %s", msg)
	}
	est, _ := strconv.ParseFloat(string(m[1]), 64)
	budget := int64(est*1.1*(1<<20)) + 1<<16
	out, err := exec.Command(bin, append(args, "-o", filepath.Join(dir, "out.npy"), "--memory", strconv.FormatInt(budget, 10), "--json")...).Output()
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if !strings.Contains(string(out), `"engine":"memory"`) {
		t.Fatalf("--memory %d (estimate %.1f MiB): want the in-memory engine: %s", budget, est, out)
	}
	peak := childPeak(t, out)
	t.Logf("estimate %.1f MiB, budget %.1f MiB, peak resident %.1f MiB", est, float64(budget)/(1<<20), float64(peak)/(1<<20))
	if peak > budget {
		t.Errorf("8 threads, 512 bins, in memory: peak resident memory %.1f MiB is over the budget of %.1f MiB", float64(peak)/(1<<20), float64(budget)/(1<<20))
	}
}
