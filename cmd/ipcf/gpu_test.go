package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
)

// TestDefaultDatasetOnEmulatedGPU runs the default dataset (64 x 64 x
// 32,000, radius 6, 32 points) through `ipcf pcf --device cuda` on the
// emulated device (the library's own kernels on the CPU, FFTW for cuFFT)
// and compares it with the CPU engine: within 1e-6, NaN where the CPU has
// NaN.
func TestDefaultDatasetOnEmulatedGPU(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the default dataset and emulates the GPU (~20 s): skipped with -short")
	}
	emu := emuDir(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "channel.npy")
	// Every step runs in a child: a large test process would inflate the
	// peak RSS that later children report (Linux counts the parent's at
	// fork), which TestPeakMemory measures.
	if out, err := exec.Command(binary(t), "simulate", "-o", in, "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("simulate: %v %s", err, out)
	}
	gpu, cpu := filepath.Join(dir, "gpu.npy"), filepath.Join(dir, "cpu.npy")
	cmd := exec.Command(binary(t), "pcf", in, "-o", gpu, "--device", "cuda")
	cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+emu)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cuda:0") {
		t.Fatalf("--device cuda: %v\n%s", err, out)
	}
	if out, err := exec.Command(binary(t), "pcf", in, "-o", cpu, "--device", "cpu", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("cpu: %v %s", err, out)
	}
	a, err := npy.Open(gpu)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := npy.Open(cpu)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Len() != b.Len() || a.Len() != 52*52*32*30 {
		t.Fatalf("shapes %v and %v", a.Shape, b.Shape)
	}
	worst := 0.0
	for i := 0; i < a.Len(); i++ {
		x, y := a.Load(a.Offset+4*i), b.Load(b.Offset+4*i)
		if math.IsNaN(x) != math.IsNaN(y) {
			t.Fatalf("element %d: GPU %v, CPU %v", i, x, y)
		}
		if d := math.Abs(x - y); d > worst {
			worst = d
		}
	}
	if worst > 1e-6 {
		t.Fatalf("GPU and CPU differ by %g > 1e-6", worst)
	}
	t.Logf("default dataset, emulated GPU against CPU: max abs difference %.2g", worst)
}

// emuDir is the emulated CUDA device's folder (make test-go builds it and
// sets IPCF_CUDA_EMU_DIR); under make test its absence is a failure.
func emuDir(t *testing.T) string {
	t.Helper()
	emu := os.Getenv("IPCF_CUDA_EMU_DIR")
	if emu == "" {
		if os.Getenv("IPCF_REQUIRE_ALL") != "" {
			t.Fatal("IPCF_CUDA_EMU_DIR not set: make test-go builds the emulated device")
		}
		t.Skip("IPCF_CUDA_EMU_DIR not set (make test-go sets it)")
	}
	return emu
}

// TestAutoDeviceFallbackSaysWhy: with the emulated CUDA device failing
// its launches, --device auto runs on the CPU (the CPU's bytes) and the
// summary says why; --device cuda fails naming the device.
func TestAutoDeviceFallbackSaysWhy(t *testing.T) {
	emu := emuDir(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{128, 12, 12}, func(i int) float64 { return float64(50 + (i*7919)%23) })
	run := func(out string, env []string, extra ...string) (string, error) {
		cmd := exec.Command(binary(t), append([]string{"pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "6"}, extra...)...)
		cmd.Env = append(os.Environ(), env...)
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	cpu := filepath.Join(dir, "cpu.npy")
	if msg, err := run(cpu, nil, "--device", "cpu"); err != nil {
		t.Fatalf("cpu: %v %s", err, msg)
	}
	fail := []string{"IPCF_CUDA_LIBDIR=" + emu, "IPCF_EMU_FAIL=launch"}
	auto := filepath.Join(dir, "auto.npy")
	msg, err := run(auto, fail, "--device", "auto")
	if err != nil || !strings.Contains(msg, "cpu (auto: cuda:0 failed, ran on the CPU") {
		t.Fatalf("auto with a failing GPU: %v %q", err, msg)
	}
	a, _ := os.ReadFile(cpu)
	b, _ := os.ReadFile(auto)
	if !bytes.Equal(a, b) {
		t.Fatal("auto after a GPU failure is not the CPU result")
	}
	msg, err = run(filepath.Join(dir, "cuda.npy"), fail, "--device", "cuda")
	if err == nil || !strings.Contains(msg, "cuda") {
		t.Fatalf("--device cuda with a failing GPU: %v %q", err, msg)
	}
	msg, err = run(filepath.Join(dir, "gpu.npy"), []string{"IPCF_CUDA_LIBDIR=" + emu}, "--device", "auto")
	if err != nil || !strings.Contains(msg, "cuda:0") {
		t.Fatalf("auto with the emulated GPU: %v %q", err, msg)
	}
	// The metadata say where each result was computed.
	for name, want := range map[string]string{"cpu.npy": "cpu", "auto.npy": "cpu (auto: cuda:0 failed, ran on the CPU", "gpu.npy": "cuda:0 ("} {
		m := readMeta(t, filepath.Join(dir, name))
		if got, _ := m["device_used"].(string); !strings.HasPrefix(got, want) {
			t.Errorf("%s: device_used %q, want %q...", name, got, want)
		}
	}
}

// TestAutoDeviceTightBudgetRunsOnCPU: a --memory budget too small for the
// GPU's tiles (with halos) but enough for the CPU's bands runs on the CPU
// under --device auto, saying why, with the CPU's bytes; it failed where a
// GPU was found (and ran where none was). --device cuda refuses it as a
// budget too small (exit 2), with the budget that works.
func TestAutoDeviceTightBudgetRunsOnCPU(t *testing.T) {
	emu := emuDir(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{512, 31, 29}, func(i int) float64 { return float64(80 + (i*7919)%41) })
	run := func(out string, extra ...string) (string, int) {
		cmd := exec.Command(binary(t), append([]string{"pcf", in, "-o", out, "--radius", "3", "--npoints", "18", "--threads", "1", "--memory", fmt.Sprintf("%dMiB", ooc.ProcessOverhead>>20+2), "--json"}, extra...)...)
		cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+emu)
		b, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(b), code
	}
	cpu, auto := filepath.Join(dir, "cpu.npy"), filepath.Join(dir, "auto.npy")
	// Out of core on the CPU as asked: the note says so (it was empty).
	if msg, code := run(cpu, "--device", "cpu"); code != 0 || !strings.Contains(msg, `"device_note":"cpu"`) {
		t.Fatalf("cpu: exit %d: %s", code, msg)
	}
	msg, code := run(auto, "--device", "auto")
	if code != 0 || !strings.Contains(msg, `cpu (auto: the GPU's tiles need a memory budget of at least`) {
		t.Fatalf("auto on a budget too small for the GPU's tiles: exit %d: %s", code, msg)
	}
	if got, _ := readMeta(t, auto)["device_used"].(string); !strings.HasPrefix(got, "cpu (auto: the GPU's tiles need") {
		t.Errorf("auto out of core on the CPU: device_used %q", got)
	}
	a, _ := os.ReadFile(cpu)
	b, _ := os.ReadFile(auto)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("auto on the CPU is not the CPU result")
	}
	msg, code = run(filepath.Join(dir, "cuda.npy"), "--device", "cuda")
	if code != 2 || !strings.Contains(msg, "give at least") {
		t.Fatalf("--device cuda on a budget too small for its tiles: exit %d: %s; want 2 with the budget that works", code, msg)
	}
}

// TestGPUErrorsNoteCPU: with --errors the curves run on the GPU and the
// error bars on the CPU; the summary and device_used say both (they said
// only "cuda:0 (...)"), as ipcf_pcf_errors' note does.
func TestGPUErrorsNoteCPU(t *testing.T) {
	emu := emuDir(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{128, 10, 10}, func(i int) float64 { return float64(60 + (i*7919)%29) })
	for _, c := range []struct {
		dev, errs string
		want      string
	}{
		{"cuda", "blocking", "cpu (error bars run on the CPU)"},
		{"cuda", "", ""},
		{"cpu", "blocking", ""},
	} {
		out := filepath.Join(dir, c.dev+c.errs+".npy")
		args := []string{"pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "4", "--device", c.dev, "--json"}
		if c.errs != "" {
			args = append(args, "--errors", c.errs)
		}
		cmd := exec.Command(binary(t), args...)
		cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+emu)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v %s", c.dev, c.errs, err, b)
		}
		got, _ := readMeta(t, out)["device_used"].(string)
		if c.want != "" && (!strings.HasPrefix(got, "cuda:0 (") || !strings.HasSuffix(got, "; "+c.want)) {
			t.Errorf("--device %s --errors %s: device_used %q, want the GPU's note and %q", c.dev, c.errs, got, c.want)
		}
		if c.want == "" && strings.Contains(got, "error bars") {
			t.Errorf("--device %s --errors %q: device_used %q", c.dev, c.errs, got)
		}
		if !strings.Contains(string(b), strings.ReplaceAll(got, `"`, `\"`)) {
			t.Errorf("--device %s: the JSON summary lacks device_used's %q: %s", c.dev, got, b)
		}
	}
}

// TestGPUOptionRefusalsAreUsage: --device cuda with an option the GPU
// kernels do not compute is a conflict of options, decided before any
// work: exit status 2 (it was 1, a failed run).
func TestGPUOptionRefusalsAreUsage(t *testing.T) {
	emu := emuDir(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{64, 10, 10}, func(i int) float64 { return float64(60 + (i*7919)%29) })
	for _, extra := range [][]string{{"--threshold", "5"}, {"--delta"}, {"--bins", "linear"}, {"--smooth", "0"}} {
		args := append([]string{"pcf", in, "-o", filepath.Join(dir, "o.npy"), "--radius", "2", "--device", "cuda", "--quiet"}, extra...)
		cmd := exec.Command(binary(t), args...)
		cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+emu)
		b, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != 2 || !strings.Contains(string(b), "the GPU engine computes the pCF of one channel") {
			t.Errorf("--device cuda %v: exit %d, want 2: %s", extra, code, b)
		}
	}
}

// TestDeviceSpellingsOneJob: --device cuda and --device cuda:0 (and
// Python's device='cuda', an ordinal) are one job: the rerun with the
// other spelling finds the result complete. They were two keys.
func TestDeviceSpellingsOneJob(t *testing.T) {
	emu := emuDir(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.npy"), filepath.Join(dir, "out.npy")
	writeNpy(t, in, array.Uint16, []int{64, 10, 10}, func(i int) float64 { return float64(60 + (i*7919)%29) })
	for i, dev := range []string{"cuda", "cuda:0", "cuda:00"} {
		cmd := exec.Command(binary(t), "pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "4", "--device", dev, "--json")
		cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+emu)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("--device %s: %v %s", dev, err, b)
		}
		if done := strings.Contains(string(b), `"already_complete":true`); done != (i > 0) {
			t.Errorf("--device %s after %d runs: %s", dev, i, b)
		}
	}
	for dev, want := range map[string]string{"": "auto", "auto": "auto", "cpu": "cpu", "cuda": "cuda:0", "cuda:0": "cuda:0", "cuda:007": "cuda:7"} {
		if got := pcf.CanonicalDevice(dev); got != want {
			t.Errorf("CanonicalDevice(%q) = %q, want %q", dev, got, want)
		}
	}
}

// TestAutoOutOfCoreStopsUsingAFailingGPU: out of core with --device
// auto, a GPU failing mid-job (the emulator's launches fail after the
// first 100) leaves the later tiles to the CPU at once: each tried the
// GPU again, and a slow failure was paid once a tile (GPU19's m2). The
// result is the CPU's within float32 rounding, and the note says why.
func TestAutoOutOfCoreStopsUsingAFailingGPU(t *testing.T) {
	emu := emuDir(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{256, 40, 40}, func(i int) float64 { return float64(3 + (i*7919)%11) })
	args := []string{"--radius", "3", "--npoints", "16", "--nbins", "8", "--engine", "ooc", "--tile", "6,6", "--quiet"}
	cpu := filepath.Join(dir, "cpu.npy")
	if code, msg := runIn(t, append([]string{"pcf", in, "-o", cpu, "--device", "cpu"}, args...)...); code != 0 {
		t.Fatalf("cpu: %d %s", code, msg)
	}
	log := filepath.Join(dir, "emu.log")
	out := filepath.Join(dir, "auto.npy")
	cmd := exec.Command(binary(t), append([]string{"pcf", in, "-o", out, "--device", "auto", "--json"}, args...)...)
	cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+emu, "IPCF_EMU_FAIL_AFTER=100", "IPCF_EMU_LOG="+log)
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("auto: %v %s", err, b)
	}
	if !strings.Contains(string(b), "failed earlier in this job, the rest ran on the CPU") {
		t.Errorf("auto: the note does not say the rest ran on the CPU: %s", b)
	}
	lb, _ := os.ReadFile(log)
	lines := strings.Split(string(lb), "\n")
	first := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "failed (after 100)") })
	if first < 0 {
		t.Fatalf("the emulated GPU never failed: %d log lines", len(lines))
	}
	if n := strings.Count(strings.Join(lines[first+1:], "\n"), "failed (after 100)"); n != 0 {
		t.Errorf("%d more GPU launches after the first failure, want none: every later tile tried the GPU again", n)
	}
	want := readF32(t, cpu)
	got := readF32(t, out)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-6 || math.IsNaN(float64(got[i])) != math.IsNaN(float64(want[i])) {
			t.Fatalf("value %d: %g, the CPU's %g", i, got[i], want[i])
		}
	}
}

// TestDevicesSaysWhyALibraryDidNotLoad: a CUDA library that is there but
// does not load (not a library, not the driver) is named with the loader's
// reason; it was "not found ... no NVIDIA driver installed", and a library
// without the driver's functions was named "L.cu".
func TestDevicesSaysWhyALibraryDidNotLoad(t *testing.T) {
	emuDir(t) // (a build with the GPU path: the pure-Go build has none to load)
	dir := t.TempDir()
	lib := filepath.Join(dir, "libcuda.so.1")
	devices := func() string {
		t.Helper()
		cmd := exec.Command(binary(t), "devices")
		cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+dir)
		b, _ := cmd.CombinedOutput()
		return string(b)
	}
	if got := devices(); !strings.Contains(got, "not found") {
		t.Errorf("no library: %q", got)
	}
	os.WriteFile(lib, []byte("not a library\n"), 0o644)
	if got := devices(); !strings.Contains(got, "CUDA driver library did not load (tried libcuda.so.1: "+lib+": ") || strings.Contains(got, "no NVIDIA driver installed") {
		t.Errorf("a text file as the driver: %q", got)
	}
	// A library that loads but is not the driver: named by its file.
	var other string
	for _, p := range []string{"/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6", "/lib64/libm.so.6"} {
		if _, err := os.Stat(p); err == nil {
			other = p
			break
		}
	}
	if other == "" {
		t.Fatal("no libm.so.6 to copy (looked in /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64)")
	}
	b, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(lib, b, 0o644)
	if got := devices(); !strings.Contains(got, lib+" lacks cuInit") {
		t.Errorf("libm as the driver: %q", got)
	}
	// A library cut short (an interrupted install): the loader mapped its
	// segments past the file's end and the process died of SIGBUS, with
	// the device "auto" too (GPU19's F1); it is named, and pcf runs on the
	// CPU. Found in IPCF_CUDA_LIBDIR, or by the system's search
	// (LD_LIBRARY_PATH).
	in := filepath.Join(dir, "in.npy")
	writeNpy(t, in, array.Uint16, []int{64, 5, 5}, func(i int) float64 { return float64(i*7919%13 + 1) })
	for _, n := range []int{1000, 3000, 20000, len(b) / 2} {
		os.WriteFile(lib, b[:n], 0o644)
		for _, env := range [][]string{{"IPCF_CUDA_LIBDIR=" + dir}, {"IPCF_CUDA_LIBDIR=", "LD_LIBRARY_PATH=" + dir}} {
			cmd := exec.Command(binary(t), "devices")
			cmd.Env = append(os.Environ(), env...)
			got, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(got), lib+": cut short ("+strconv.Itoa(n)+" bytes") {
				t.Errorf("libm cut to %d bytes, %v: %v %q", n, env, err, got)
			}
			out := filepath.Join(dir, "o.npy")
			os.Remove(out)
			os.Remove(out + ".json")
			cmd = exec.Command(binary(t), "pcf", in, "-o", out, "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet")
			cmd.Env = append(os.Environ(), env...)
			if got, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("pcf (device auto) beside libm cut to %d bytes, %v: %v %q", n, env, err, got)
			}
		}
	}
	// The loader's search as the check follows it (REVIEW22's F2, F4): a
	// cut library of another machine before a good one is passed over, as
	// the loader passes it; one cut in the current folder, named by an
	// empty LD_LIBRARY_PATH entry, or after a ';', is named.
	arm := filepath.Join(dir, "arm")
	good := filepath.Join(dir, "good")
	os.MkdirAll(arm, 0o755)
	os.MkdirAll(good, 0o755)
	foreign := append([]byte(nil), b[:20000]...)
	foreign[18], foreign[19] = 0xb7, 0 // e_machine: EM_AARCH64
	os.WriteFile(filepath.Join(arm, "libcuda.so.1"), foreign, 0o644)
	for _, n := range []string{"libcuda.so.1", "libnvrtc.so.12", "libcufft.so.11"} {
		lb, err := os.ReadFile(filepath.Join(emuDir(t), n))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(good, n), lb, 0o755)
	}
	for _, c := range []struct {
		path, cwd, want string
	}{
		{arm + ":" + good, "", "cuda:0 "},
		{":" + good, dir, "libcuda.so.1: cut short"},
		{arm + ";" + dir, "", lib + ": cut short"},
	} {
		os.WriteFile(lib, b[:20000], 0o644)
		cmd := exec.Command(binary(t), "devices")
		cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR=", "LD_LIBRARY_PATH="+c.path)
		cmd.Dir = c.cwd
		got, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(got), c.want) {
			t.Errorf("LD_LIBRARY_PATH=%s in %q: %v %q, want %q", c.path, c.cwd, err, got, c.want)
		}
	}
	// The loader's subfolders (REVIEW23's F2; REVIEW24's F1, F2): a cut
	// library in the platform's x86_64/, or in any subfolder the loader may
	// try (tls/, x86_64/x86_64/, a glibc-hwcaps level, even one masked by
	// GLIBC_TUNABLES, as ipcf cannot tell the loader's choice without
	// loading) is named, never mapped; so is one in a folder named with
	// the loader's $PLATFORM (expanded by the loader's own list).
	os.MkdirAll(filepath.Join(good, "x86_64"), 0o755)
	os.WriteFile(filepath.Join(good, "x86_64", "libcuda.so.1"), b[:20000], 0o644)
	hw := filepath.Join(dir, "hw")
	os.MkdirAll(filepath.Join(hw, "glibc-hwcaps", "x86-64-v4"), 0o755)
	os.WriteFile(filepath.Join(hw, "glibc-hwcaps", "x86-64-v4", "libcuda.so.1"), b[:20000], 0o644)
	for _, n := range []string{"libcuda.so.1", "libnvrtc.so.12", "libcufft.so.11"} {
		lb, _ := os.ReadFile(filepath.Join(good, n))
		os.WriteFile(filepath.Join(hw, n), lb, 0o755)
	}
	for _, sub := range []string{"tls", "x86_64/x86_64", "tls/x86_64"} {
		os.MkdirAll(filepath.Join(dir, "sub", sub), 0o755)
		os.WriteFile(filepath.Join(dir, "sub", sub, "libcuda.so.1"), b[:20000], 0o644)
	}
	for _, plat := range []string{"x86_64", "haswell", "xeon_phi"} { // ($PLATFORM: the loader's, one of these)
		os.MkdirAll(filepath.Join(dir, "plat", plat), 0o755)
		os.WriteFile(filepath.Join(dir, "plat", plat, "libcuda.so.1"), b[:20000], 0o644)
	}
	for _, c := range []struct{ env, want string }{
		{"LD_LIBRARY_PATH=" + good, filepath.Join(good, "x86_64", "libcuda.so.1") + ": cut short"},
		{"LD_LIBRARY_PATH=" + hw, filepath.Join(hw, "glibc-hwcaps", "x86-64-v4", "libcuda.so.1") + ": cut short"},
		{"LD_LIBRARY_PATH=" + filepath.Join(dir, "sub") + ":" + hw, filepath.Join(dir, "sub", "tls", "x86_64", "libcuda.so.1") + ": cut short"},
		{"LD_LIBRARY_PATH=" + filepath.Join(dir, "plat", "$PLATFORM") + ":" + good, filepath.Join(dir, "plat") + "/"},
	} {
		cmd := exec.Command(binary(t), "devices")
		cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR=", c.env, "GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F")
		got, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(got), c.want) || !strings.Contains(string(got), "libcuda.so.1: cut short") {
			t.Errorf("%s: %v %q, want %q", c.env, err, got, c.want)
		}
	}
	// A FIFO of the library's name: dlopen blocked for good (GPU19's m1).
	os.Remove(lib)
	if err := syscall.Mkfifo(lib, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "devices")
	cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+dir)
	if got, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(got), lib+": not a regular file (a FIFO)") {
		t.Errorf("a FIFO as the driver: %v %q", err, got)
	}
}

// TestDevicesMarksUnusable: a device pcf refuses (compute capability
// below 6.0) is listed as not usable, saying why; it was listed as any
// other.
func TestDevicesMarksUnusable(t *testing.T) {
	emu := emuDir(t)
	for cc, want := range map[string]string{"35": "compute 3.5, 1024 MiB, 1024 MiB free (not usable: compute capability 3.5; 6.0 or newer is needed)", "90": "compute 9.0, 1024 MiB, 1024 MiB free\n"} {
		cmd := exec.Command(binary(t), "devices")
		cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+emu, "IPCF_EMU_CC="+cc)
		b, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("compute %s: %v %q, want %q", cc, err, b, want)
		}
	}
}

// readF32 reads a float32 .npy result's values.
func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	f, err := npy.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := make([]float32, f.Len())
	for i := range out {
		out[i] = float32(f.Load(f.Offset + i*4))
	}
	return out
}
