package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pcf"
)

// BenchmarkDefaultDataset runs the CLI as a separate process on the
// default simulated dataset (64 x 64 pixels, 32,000 frames, radius 6,
// 32 points, 32 bins) with 2 threads, and reports what the process used:
// CPU seconds (user + system, reading the input and writing the output
// included), peak resident memory against 1.5 x (input + output + spectra),
// and the CPU cost per correlated pair. The tutorial's Cython code needs
// 3.6-3.8 CPU-s for this job on this machine (shared/PERFORMANCE.md).
func BenchmarkDefaultDataset(b *testing.B) {
	bin := benchBinary(b)
	in := filepath.Join("..", "..", "build", "demo", "channel.npy")
	if _, err := os.Stat(in); err != nil {
		os.MkdirAll(filepath.Dir(in), 0o755)
		if out, err := exec.Command(bin, "simulate", "-o", in, "--quiet").CombinedOutput(); err != nil {
			b.Fatalf("simulate: %v\n%s", err, out)
		}
	}
	f, err := npy.Open(in)
	if err != nil {
		b.Fatal(err)
	}
	g, err := pcf.Plan(f.Shape, pcf.DefaultOptions())
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(in)
	inBytes := st.Size()
	outBytes := int64(g.OutShape[0]*g.OutShape[1]*g.OutShape[2]*g.OutShape[3]) * 4
	bound := 1.5 * float64(inBytes+outBytes+g.SpectraBytes())
	out := filepath.Join(b.TempDir(), "out.npy")
	// One untimed run: page cache and FFTW wisdom, as any second run has.
	exec.Command(bin, "pcf", in, "-o", out, "--threads", "2", "--quiet").Run()
	var cpu, wall time.Duration
	var rss int64
	b.ResetTimer()
	for b.Loop() {
		// A complete output would make the run a no-op ("nothing to do").
		b.StopTimer()
		os.Remove(out)
		b.StartTimer()
		cmd := exec.Command(bin, "pcf", in, "-o", out, "--threads", "2", "--quiet", "--json")
		t0 := time.Now()
		o, err := cmd.Output()
		if err != nil {
			b.Fatalf("pcf: %v\n%s", err, o)
		}
		wall += time.Since(t0)
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		rss = max(rss, childPeak(b, o))
	}
	n := float64(b.N)
	cpuS := cpu.Seconds() / n
	pairs := g.Pairs()
	b.ReportMetric(cpuS, "cpu-s/op")
	b.ReportMetric(wall.Seconds()/n, "wall-s/op")
	b.ReportMetric(cpuS/float64(pairs)*1e6, "cpu-us/pair")
	b.ReportMetric(float64(rss)/(1<<20), "peak-MiB")
	fmt.Printf("default dataset: %d pairs, %.3f CPU-s (tutorial Cython 3.6-3.8, ratio %.2f), %.3f wall-s, %.2f CPU-us/pair\n",
		pairs, cpuS, cpuS/3.7, wall.Seconds()/n, cpuS/float64(pairs)*1e6)
	if np, err := numpyReference(in); err != nil {
		fmt.Printf("numpy reference: not run (%v)\n", err)
	} else {
		fmt.Printf("same run, vectorized numpy reference (bindings/python/tests/reference.py, 1 thread): %.2f CPU-s; ipcf %.3f CPU-s at 2 threads (%.3fx, %.0fx faster)\n",
			np, cpuS, cpuS/np, np/cpuS)
	}
	fmt.Printf("peak RSS %.0f MiB; input %.0f + output %.0f + spectra %.0f MiB; bound 1.5x = %.0f MiB (%.2fx of the sum)\n",
		float64(rss)/(1<<20), float64(inBytes)/(1<<20), float64(outBytes)/(1<<20), float64(g.SpectraBytes())/(1<<20),
		bound/(1<<20), float64(rss)/(bound/1.5))
}

// numpyReference runs the vectorized numpy implementation of the spec on
// the dataset once (python3 with numpy; IPCF_BENCH_NUMPY=0 skips it) and
// returns the CPU seconds the child used.
func numpyReference(in string) (float64, error) {
	if os.Getenv("IPCF_BENCH_NUMPY") == "0" {
		return 0, fmt.Errorf("IPCF_BENCH_NUMPY=0")
	}
	py := os.Getenv("PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	cmd := exec.Command(py, "-c", "import sys, numpy, reference; reference.pcf(numpy.load(sys.argv[1], mmap_mode='r'))", in)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join("..", "..", "bindings", "python", "tests"), "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1")
	if o, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%v: %s", err, o)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds(), nil
}

// BenchmarkOutOfCore runs the CLI on a 128 x 128 x 16,384 simulation in
// memory and out of core (--memory 160MiB and 512MiB), interleaved, and
// prints the out-of-core engine's CPU time as a ratio to the in-memory
// engine's (both write the same output pixels), its peak resident memory
// against the budget and the bytes it wrote (rusage output blocks: scratch
// and result) against the input's.
func BenchmarkOutOfCore(b *testing.B) {
	bin := benchBinary(b)
	in := filepath.Join("..", "..", "build", "demo", "sim128.npy")
	if _, err := os.Stat(in); err != nil {
		os.MkdirAll(filepath.Dir(in), 0o755)
		if out, err := exec.Command(bin, "simulate", "-o", in, "--size", "128", "--frames", "16384", "--particles", "800", "--quiet").CombinedOutput(); err != nil {
			b.Fatalf("simulate: %v\n%s", err, out)
		}
	}
	st, err := os.Stat(in)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	run := func(args ...string) benchRes { return runPCF(b, bin, dir, append([]string{in}, args...)...) }
	run("--engine", "memory") // page cache and wisdom
	budgets := []string{fmt.Sprintf("%dMiB", smallestBudget(b, bin, in)), "160MiB", "512MiB"}
	var mem benchRes
	ooc := make([]benchRes, len(budgets))
	b.ResetTimer()
	for b.Loop() {
		r := run("--engine", "memory")
		mem.cpu, mem.wall = mem.cpu+r.cpu, mem.wall+r.wall
		for i, m := range budgets {
			r := run("--engine", "ooc", "--memory", m)
			ooc[i].cpu, ooc[i].wall = ooc[i].cpu+r.cpu, ooc[i].wall+r.wall
			ooc[i].rss, ooc[i].wrote = max(ooc[i].rss, r.rss), max(ooc[i].wrote, r.wrote)
		}
	}
	n := float64(b.N)
	fmt.Printf("128 x 128 x 16,384 (%d MiB), 2 threads: in memory %.2f CPU-s, %.2f wall-s\n", st.Size()>>20, mem.cpu.Seconds()/n, mem.wall.Seconds()/n)
	for i, m := range budgets {
		what := ""
		if i == 0 {
			what = " (the smallest it takes)"
		}
		fmt.Printf("  out of core --memory %s%s: %.2f CPU-s (%.2fx in memory; target <= 1.15), %.2f wall-s, peak %.0f MiB, wrote %.2fx the input\n",
			m, what, ooc[i].cpu.Seconds()/n, ooc[i].cpu.Seconds()/mem.cpu.Seconds(), ooc[i].wall.Seconds()/n,
			float64(ooc[i].rss)/(1<<20), float64(ooc[i].wrote)/float64(st.Size()))
	}
	b.ReportMetric(ooc[0].cpu.Seconds()/mem.cpu.Seconds(), "smallest-ooc/mem-cpu")
	b.ReportMetric(ooc[1].cpu.Seconds()/mem.cpu.Seconds(), "160MiB-ooc/mem-cpu")
}

// smallestBudget is the smallest --memory, in MiB, the CLI takes out of
// core for the input and options of ipcf pcf ARGS: what it says when
// refusing a budget of 1 MiB.
func smallestBudget(tb testing.TB, bin string, args ...string) int {
	args = append(append([]string{"pcf"}, args...), "-o", filepath.Join(tb.TempDir(), "x.npy"), "--engine", "ooc", "--memory", "1MiB")
	o, err := exec.Command(bin, args...).CombinedOutput()
	m := regexp.MustCompile(`give at least (\d+)MiB`).FindSubmatch(o)
	if err == nil || m == nil {
		tb.Fatalf("--memory 1MiB was not refused with the smallest budget (%v): %s", err, o)
	}
	mib, _ := strconv.Atoi(string(m[1]))
	return mib
}

// benchRes is what a run of the CLI took.
type benchRes struct {
	cpu, wall  time.Duration
	rss, wrote int64
}

// runPCF runs ipcf pcf ARGS -o DIR/out.npy on 2 threads and returns its
// CPU (user + system), wall time, peak memory and bytes written.
func runPCF(b *testing.B, bin, dir string, args ...string) benchRes {
	out := filepath.Join(dir, "out.npy")
	os.Remove(out)
	os.Remove(out + ".json")
	cmd := exec.Command(bin, append(append([]string{"pcf"}, args...), "-o", out, "--threads", "2", "--quiet", "--json")...)
	t0 := time.Now()
	o, err := cmd.Output()
	if err != nil {
		b.Fatalf("pcf %v: %v\n%s", args, err, o)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return benchRes{time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), time.Since(t0), childPeak(b, o), ru.Oublock * 512}
}

// childPeak is the peak resident memory a run of ipcf reports in its
// --json summary (VmHWM: rusage's figure of a child starts at the forking
// test process's resident memory).
func childPeak(tb testing.TB, out []byte) int64 {
	var s struct {
		Peak int64 `json:"peak_memory_bytes"`
	}
	if err := json.Unmarshal(out, &s); err != nil || s.Peak <= 0 {
		tb.Fatalf("no peak_memory_bytes in the --json summary (%v): %s", err, out)
	}
	return s.Peak
}

// BenchmarkOutOfCoreInPlace: a raw input of 32 rows of 1024 columns and
// 16,384 frames (1 GiB, tools/gennoise), in memory and out of core with
// bands read in place and copied into scratch (--copy-input). The page
// cache holds the input: this measures CPU, not the disk (make bench-big
// does).
func BenchmarkOutOfCoreInPlace(b *testing.B) {
	bin := benchBinary(b)
	in := filepath.Join("..", "..", "build", "demo", "wide.raw")
	if _, err := os.Stat(in); err != nil {
		os.MkdirAll(filepath.Dir(in), 0o755)
		gen := filepath.Join(b.TempDir(), "gennoise")
		if out, err := exec.Command("go", "build", "-o", gen, "../../tools/gennoise").CombinedOutput(); err != nil {
			b.Fatalf("go build gennoise: %v\n%s", err, out)
		}
		if out, err := exec.Command(gen, "-o", in, "-frames", "16384", "-height", "32", "-width", "1024").CombinedOutput(); err != nil {
			b.Fatalf("gennoise: %v\n%s", err, out)
		}
	}
	dir := b.TempDir()
	raw := []string{in, "--shape", "16384,32,1024", "--dtype", "uint16"}
	cases := [][]string{{"--engine", "memory"}, {"--engine", "ooc", "--memory", "2GiB"}, {"--engine", "ooc", "--memory", "2GiB", "--copy-input"}}
	runPCF(b, bin, dir, append(raw, cases[0]...)...) // page cache and wisdom
	got := make([]benchRes, len(cases))
	b.ResetTimer()
	for b.Loop() {
		for i, c := range cases {
			r := runPCF(b, bin, dir, append(raw, c...)...)
			got[i].cpu, got[i].wall = got[i].cpu+r.cpu, got[i].wall+r.wall
			got[i].rss, got[i].wrote = max(got[i].rss, r.rss), max(got[i].wrote, r.wrote)
		}
	}
	n := float64(b.N)
	fmt.Printf("1024 x 32 x 16,384 raw (1 GiB), 2 threads: in memory %.2f CPU-s, %.2f wall-s, peak %.0f MiB\n",
		got[0].cpu.Seconds()/n, got[0].wall.Seconds()/n, float64(got[0].rss)/(1<<20))
	for i, name := range []string{"read in place", "copied (--copy-input)"} {
		r := got[i+1]
		fmt.Printf("  out of core --memory 2GiB, %s: %.2f CPU-s (%.2fx in memory; target <= 1.15), %.2f wall-s, peak %.0f MiB, wrote %.2f GiB\n",
			name, r.cpu.Seconds()/n, r.cpu.Seconds()/got[0].cpu.Seconds(), r.wall.Seconds()/n, float64(r.rss)/(1<<20), float64(r.wrote)/(1<<30))
	}
	b.ReportMetric(got[1].cpu.Seconds()/got[0].cpu.Seconds(), "inplace/mem-cpu")
}

// benchBinary is the CLI the benchmarks run: IPCF_BIN, or one built now.
func benchBinary(b *testing.B) string {
	bin := os.Getenv("IPCF_BIN")
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "ipcf")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	return bin
}
