package pcf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/cuda"
	"github.com/ipcf/ipcf/core/internal/fft"
)

func TestDeviceOptionWithoutGPU(t *testing.T) {
	if os.Getenv("IPCF_CUDA_LIBDIR") != "" {
		t.Skip("a fake CUDA is configured")
	}
	if _, err := cuda.Devices(); err == nil {
		t.Skip("this machine has a usable CUDA device")
	}
	msg := Devices()
	if !strings.HasPrefix(msg, "no CUDA device: ") || len(msg) < 30 {
		t.Fatalf("Devices() = %q: want the reason", msg)
	}
	t.Log(msg)
	data := randomStack(4, 64, 12, 12, 20)
	o := Options{Radius: 2, Npoints: 8, Nbins: 6}
	cpu, _ := compute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cpu"})
	auto, _ := compute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "auto"})
	for i := range cpu {
		if cpu[i] != auto[i] {
			t.Fatal("device auto without a GPU differs from cpu")
		}
	}
	out, _ := array.Contiguous(array.Float32, []int{8, 8, 8, 6}, make([]byte, 8*8*8*6*4))
	for dev, want := range map[string]error{"cuda": ErrNoDevice, "cuda:1": ErrNoDevice, "gpu": ErrParam, "cuda:x": ErrParam,
		"cuda:+0": ErrParam, "cuda: 0": ErrParam, "cuda:-1": ErrParam} { // (decimal digits alone: "cuda:+0" was taken, GPU15's minor)
		o.Device = dev
		err := Compute(context.Background(), out, data, o)
		if !errors.Is(err, want) {
			t.Errorf("device %q: err = %v, want %v", dev, err, want)
		}
	}
}

func TestGPUTiles(t *testing.T) {
	for _, c := range []struct {
		h, w int
		m    [2]int
		max  int64
	}{{64, 64, [2]int{6, 6}, 1 << 20}, {512, 1024, [2]int{6, 6}, 100000}, {100, 37, [2]int{3, 3}, 500}, {20, 20, [2]int{2, 2}, 30},
		{40, 50, [2]int{0, 3}, 200}, {41, 23, [2]int{5, 1}, 150}, {30, 30, [2]int{0, 0}, 7}} {
		tiles, err := gpuTiles(c.h, c.w, c.m, c.max)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		oh, ow := c.h-2*c.m[0], c.w-2*c.m[1]
		cover := make([]int, oh*ow)
		for _, tl := range tiles {
			bh := min(c.h, tl[1]+2*c.m[0]) - tl[0]
			bw := min(c.w, tl[3]+2*c.m[1]) - tl[2]
			if int64(bh*bw) > c.max {
				t.Fatalf("%+v: block %v has %d pixels", c, tl, bh*bw)
			}
			for y := tl[0]; y < tl[1]; y++ {
				for x := tl[2]; x < tl[3]; x++ {
					cover[y*ow+x]++
				}
			}
		}
		for i, n := range cover {
			if n != 1 {
				t.Fatalf("%+v: output pixel %d covered %d times", c, i, n)
			}
		}
	}
	if _, err := gpuTiles(64, 64, [2]int{6, 6}, 10); !errors.Is(err, ErrNoDevice) {
		t.Errorf("too little memory: %v", err)
	}
}

// TestFakeCUDA runs the GPU path against a fake CUDA driver, NVRTC and
// cuFFT (testdata/fake.c): loading, device query, kernel compilation
// through NVRTC (architecture and options), module and function lookup,
// plans, launches and transfers, in a child process (the loader state is
// per process). The fake computes nothing, so no values are checked.
func TestFakeCUDA(t *testing.T) {
	if !cuda.Available {
		t.Skip("pure-Go build: no GPU path")
	}
	switch os.Getenv("IPCF_FAKE_CHILD") {
	case "1":
		fakeChild(t)
		return
	case "nonvrtc":
		fakeChildWithoutNVRTC(t)
		return
	}
	dir := t.TempDir()
	lib := filepath.Join(dir, "libcuda.so.1")
	src := filepath.Join("..", "internal", "cuda", "testdata", "fake.c")
	if out, err := exec.Command("cc", "-shared", "-fPIC", "-O1", "-o", lib, src).CombinedOutput(); err != nil {
		if os.Getenv("IPCF_REQUIRE_ALL") != "" {
			t.Fatalf("cannot build the fake CUDA library: %v\n%s", err, out)
		}
		t.Skipf("cannot build the fake CUDA library: %v\n%s", err, out)
	}
	for _, n := range []string{"libnvrtc.so.12", "libcufft.so.11"} {
		os.Symlink(lib, filepath.Join(dir, n))
	}
	log := filepath.Join(dir, "calls.log")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestFakeCUDA$", "-test.v")
	cmd.Env = append(os.Environ(), "IPCF_FAKE_CHILD=1", "IPCF_CUDA_LIBDIR="+dir, "IPCF_FAKE_LOG="+log)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	calls := string(b)
	for _, want := range []string{
		"nvrtc option --gpu-architecture=compute_90", "nvrtc option --fmad=false",
		"plan r2c 64 144", "launch ipcf_transpose 5 2", "launch ipcf_mulconj", "launch ipcf_bins",
	} {
		if !strings.Contains(calls, want) {
			t.Errorf("fake CUDA log lacks %q:\n%s", want, calls)
		}
	}
	// One mulconj and one bins launch per point group (8 points: 4
	// groups), in each of the two jobs (plain and with bleaching).
	if n := strings.Count(calls, "launch ipcf_mulconj"); n != 8 {
		t.Errorf("%d mulconj launches, want 8", n)
	}
	if n := strings.Count(calls, "launch ipcf_bins"); n != 8 {
		t.Errorf("%d bins launches, want 8", n)
	}
	t.Log(strings.TrimSpace(string(out)))
	// The driver alone, without NVRTC and cuFFT beside it: a GPU there
	// but unusable (it was "no CUDA device", and Python did not warn:
	// REVIEW17's F4).
	alone := filepath.Join(dir, "alone")
	if err := os.Mkdir(alone, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(lib, filepath.Join(alone, "libcuda.so.1")); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(os.Args[0], "-test.run", "^TestFakeCUDA$", "-test.v")
	cmd.Env = append(os.Environ(), "IPCF_FAKE_CHILD=nonvrtc", "IPCF_CUDA_LIBDIR="+alone)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child without NVRTC: %v\n%s", err, out)
	}
}

// fakeChildWithoutNVRTC: device auto with a driver that finds a GPU and
// no NVRTC runs on the CPU, its note saying the GPU is unusable and why.
func fakeChildWithoutNVRTC(t *testing.T) {
	data := randomStack(6, 64, 12, 12, 20)
	o := Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "auto"}
	auto, _ := compute(t, data, o)
	note := LastDeviceNote()
	if strings.HasPrefix(note, "cuda:0") {
		// (the loader finds the system's NVRTC and cuFFT beside a CUDA
		// toolkit: the fake driver alone cannot be had here)
		t.Skipf("this host's NVRTC and cuFFT load beside the fake driver: %s", note)
	}
	if !strings.HasPrefix(note, "cpu (auto: cuda:0 unusable: ") {
		t.Fatalf("device auto with a GPU but no NVRTC: note %q, want cpu (auto: cuda:0 unusable: ...)", note)
	}
	if d := Devices(); !strings.HasPrefix(d, "no usable CUDA device: cuda:0 is there, but ") {
		t.Errorf("Devices() with a GPU but no NVRTC: %q", d)
	}
	o.Device = "cpu"
	cpu, _ := compute(t, data, o)
	for i := range cpu {
		if cpu[i] != auto[i] {
			t.Fatal("device auto on an unusable GPU differs from cpu")
		}
	}
	o.Device = "cuda"
	out, _ := array.Contiguous(array.Float32, []int{8, 8, 8, 6}, make([]byte, 8*8*8*6*4))
	if err := Compute(context.Background(), out, data, o); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("device cuda with a GPU but no NVRTC: %v, want ErrNoDevice", err)
	}
}

func fakeChild(t *testing.T) {
	msg := Devices()
	if !strings.Contains(msg, "cuda:0 ipcf fake GPU, compute 9.0, 1024 MiB, 512 MiB free") {
		t.Fatalf("Devices() = %q", msg)
	}
	data := randomStack(6, 64, 12, 12, 20) // 144 pixels, 64 frames
	g, _ := Plan(data.Shape, Options{Radius: 2, Npoints: 8, Nbins: 6})
	out, _ := array.Contiguous(array.Float32, g.OutShape[:], make([]byte, 8*8*8*len(g.Bins)*4))
	if err := Compute(context.Background(), out, data, Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cuda"}); err != nil {
		t.Fatalf("device cuda on the fake: %v", err)
	}
	// Bleaching correction runs on the GPU too (the host corrects, the
	// device correlates).
	bo := Options{Radius: 2, Npoints: 8, Nbins: 6, Bleach: 4, Device: "cuda"}
	bg, _ := Plan(data.Shape, bo)
	bout, _ := array.Contiguous(array.Float32, bg.OutShape[:], make([]byte, bg.OutShape[0]*bg.OutShape[1]*bg.OutShape[2]*bg.OutShape[3]*4))
	if err := Compute(context.Background(), bout, data, bo); err != nil {
		t.Fatalf("cuda with bleaching: %v", err)
	}
	// A custom FFT backend has no GPU path: "cuda" says so.
	co := Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cuda", NewFFT: fft.New}
	if err := Compute(context.Background(), out, data, co); !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "FFT") {
		t.Fatalf("cuda with a custom FFT: %v", err)
	}
	if !strings.Contains(cuda.Source(), "__global__ void ipcf_bins(") {
		t.Fatal("kernel source")
	}
}

// TestGPUMaxPixels: the largest block whose device memory (per pixel:
// samples twice (two device tiles: the next block's upload overlaps),
// corrected samples with bleaching, series, spectra, pair
// indices; per pair of a launch, at most gpuChunk of them: products and
// correlations twice) fits 80% of the free memory.
func TestGPUMaxPixels(t *testing.T) {
	for _, c := range []struct {
		n, nt  int
		bleach bool
	}{{64, 64, false}, {16384, 16384, false}, {16384, 32000, true}} {
		h := int64(c.n/2 + 1)
		per := 2*int64(c.nt)*8 + int64(c.n)*4 + h*8 + 8*32 + 64
		if c.bleach {
			per += int64(c.nt) * 8
		}
		need := func(m int64) int64 { return m*per + min(m, gpuChunk)*2*(h*8+int64(c.n)*4) }
		for _, free := range []int64{1 << 20, 1 << 30, 140 << 30} {
			m := gpuMaxPixels(c.n, c.nt, 32, c.bleach, free)
			budget := int64(float64(free) * 0.8)
			if m < 0 || need(m) > budget || need(m+1) <= budget {
				t.Errorf("%+v free=%d: %d pixels (need %d, next %d, budget %d)", c, free, m, need(m), need(m+1), budget)
			}
		}
	}
}

// TestGPUHostPixels: a GPU block's host buffers (staging, pairs and
// curves) stay within half of the process's memory, however much memory
// the GPU has: an 80 GB GPU on a 64 GB host put a 1024 x 1024 image of
// 2,048 frames with the disk of radius 6 (113 offsets) in one block whose
// host buffers were 74 GB, and the job was refused (GPUEMU's F4).
func TestGPUHostPixels(t *testing.T) {
	const total = 64 << 30
	n, nt, offs, nb := 2048, 2048, 113, 22
	dev := gpuMaxPixels(n, nt, offs, false, 80<<30)
	host := gpuHostPixels(nt, 2, offs, nb, total)
	perPix := 2*int64(nt)*2 + 3*int64(offs)*(32+8*int64(nb))
	if m := min(dev, host); m*perPix > total/2 || (m+1)*perPix <= total/2 && m == host {
		t.Errorf("block of %d pixels: host buffers %d bytes, half the memory %d", m, m*perPix, int64(total/2))
	}
	if dev <= host {
		t.Fatalf("the case no longer needs the host's bound: device %d pixels, host %d", dev, host)
	}
	tiles, err := gpuTiles(1024, 1024, [2]int{6, 6}, min(dev, host))
	if err != nil || len(tiles) < 2 {
		t.Errorf("tiles of the 1024 x 1024 image: %d, %v; want several", len(tiles), err)
	}
	if got := gpuHostPixels(nt, 2, offs, nb, 1); got != 1 {
		t.Errorf("no memory: %d pixels, want 1", got)
	}
}

// OnNote hands the current note at once, then every note as it is set, in
// order; nil stops it.
func TestOnNote(t *testing.T) {
	t.Cleanup(func() { OnNote(nil) })
	setNote(context.Background(), "before")
	var got []string
	OnNote(func(s string) { got = append(got, s) })
	setNote(context.Background(), "cpu")
	setNote(context.Background(), "")
	setNote(context.Background(), "cpu (auto: cuda:0 failed, ran on the CPU: x)")
	OnNote(nil)
	setNote(context.Background(), "after")
	want := []string{"before", "cpu", "", "cpu (auto: cuda:0 failed, ran on the CPU: x)"}
	if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
		t.Fatalf("notes handed: %q, want %q", got, want)
	}
	if LastDeviceNote() != "after" {
		t.Fatalf("LastDeviceNote() = %q after the hook was removed", LastDeviceNote())
	}
}

// TestDeviceNotePerContext: a Compute hands its device notes to the
// function of its own context only: jobs running at once in one process
// (a Python or dask worker) each record their own device, where
// LastDeviceNote is whichever ran last.
func TestDeviceNotePerContext(t *testing.T) {
	data := randomStack(3, 64, 6, 6, 20)
	o := Options{Radius: 1, Npoints: 4, Nbins: 4, Threads: 1}
	g, err := Plan(data.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	notes := make([][]string, 2)
	for k, dev := range []string{"cpu", "auto"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mu sync.Mutex
			ctx := WithDeviceNote(context.Background(), func(s string) { mu.Lock(); notes[k] = append(notes[k], s); mu.Unlock() })
			oo := o
			oo.Device = dev
			for range 20 {
				out, _ := array.Contiguous(array.Float32, g.OutShape[:], make([]byte, 4*g.OutShape[0]*g.OutShape[1]*g.OutShape[2]*g.OutShape[3]))
				if err := Compute(ctx, out, data, oo); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(notes[0]) != 20 || len(notes[1]) < 20 {
		t.Fatalf("notes: %d for cpu, %d for auto; want one a Compute", len(notes[0]), len(notes[1]))
	}
	for _, n := range notes[0] {
		if n != "cpu" {
			t.Fatalf("the cpu job got the note %q", n)
		}
	}
	for _, n := range notes[1] {
		if n == "cpu" || n == "" {
			t.Fatalf("the auto job got the note %q (auto says cuda:N or why it ran on the CPU)", n)
		}
	}
}

// TestSpans: the union of two ranges within bounds, in order, merged.
func TestSpans(t *testing.T) {
	for _, c := range []struct {
		lo, hi int
		a, b   [2]int
		want   [][2]int
	}{
		{0, 10, [2]int{2, 4}, [2]int{6, 8}, [][2]int{{2, 4}, {6, 8}}},
		{0, 10, [2]int{6, 8}, [2]int{2, 4}, [][2]int{{2, 4}, {6, 8}}},
		{0, 10, [2]int{2, 6}, [2]int{4, 8}, [][2]int{{2, 8}}},
		{0, 10, [2]int{2, 4}, [2]int{4, 8}, [][2]int{{2, 8}}},
		{0, 10, [2]int{2, 4}, [2]int{2, 4}, [][2]int{{2, 4}}},
		{0, 10, [2]int{-5, 3}, [2]int{8, 20}, [][2]int{{0, 3}, {8, 10}}},
		{0, 10, [2]int{-5, -1}, [2]int{12, 20}, nil},
		{3, 7, [2]int{0, 10}, [2]int{4, 5}, [][2]int{{3, 7}}},
	} {
		got := spans(c.lo, c.hi, c.a, c.b)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("spans(%d, %d, %v, %v) = %v, want %v", c.lo, c.hi, c.a, c.b, got, c.want)
		}
	}
}

// TestCanonicalDevice: one spelling per request; a device number is
// decimal digits alone ("cuda:+0" was one spelling of cuda:0 on the
// command line, refused by Python: GPU15's minor).
func TestCanonicalDevice(t *testing.T) {
	for in, want := range map[string]string{"": "auto", "auto": "auto", "cpu": "cpu", "cuda": "cuda:0", "cuda:0": "cuda:0",
		"cuda:007": "cuda:7", "cuda:+0": "cuda:+0", "cuda:-1": "cuda:-1", "cuda: 1": "cuda: 1", "cuda:x": "cuda:x"} {
		if got := CanonicalDevice(in); got != want {
			t.Errorf("CanonicalDevice(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGPUWaitFromCallback: a job WithoutGPUWait (started from another
// job's callback, which may hold the GPU) does not wait for a busy GPU:
// ErrNoDevice at once, where it waited forever for its own outer call
// (CAPI17's F1); a free GPU is taken as before.
func TestGPUWaitFromCallback(t *testing.T) {
	ctx := context.Background()
	release, err := acquireGPU(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acquireGPU(WithoutGPUWait(ctx), 7); !errors.Is(err, ErrNoDevice) || !errors.Is(err, errGPUBusy) {
		t.Fatalf("a busy GPU from a callback: %v, want ErrNoDevice at once", err)
	}
	release()
	r2, err := acquireGPU(WithoutGPUWait(ctx), 7)
	if err != nil {
		t.Fatalf("a free GPU from a callback: %v", err)
	}
	r2()
}
