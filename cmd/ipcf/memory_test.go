package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	const T, H, W = 2048, 16, 1024
	b := make([]byte, T*H*W*2)
	for i := 0; i < len(b); i += 2 {
		v := 100 + (i*2654435761>>7)%61 // deterministic noise around 130
		b[i], b[i+1] = byte(v), byte(v>>8)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
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
