package pcf

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/internal/cuda"
	"github.com/ipcf/ipcf/core/npy"
)

// The emulated device (tools/cuda-emu) runs the library's own kernels on
// the CPU behind stand-ins for the CUDA driver, NVRTC and cuFFT. These
// tests run the GPU path against it in child processes (the loader state
// is per process; the emulator is configured through the environment).

var emuOnce struct {
	sync.Once
	dir  string
	err  error
	out  []byte
	made bool // dir is a temporary folder of this run: TestMain removes it
}

// TestMain removes the emulator this run built (a folder in /tmp was
// left by every run without IPCF_CUDA_EMU_DIR).
func TestMain(m *testing.M) {
	code := m.Run()
	if emuOnce.made {
		os.RemoveAll(emuOnce.dir)
	}
	os.Exit(code)
}

// emuDir returns a folder with the emulator: $IPCF_CUDA_EMU_DIR (make
// test-go builds it there), else one built here with tools/cuda-emu.
func emuDir(t *testing.T) string {
	t.Helper()
	if !cuda.Available {
		t.Skip("pure-Go build: no GPU path")
	}
	emuOnce.Do(func() {
		if d := os.Getenv("IPCF_CUDA_EMU_DIR"); d != "" {
			emuOnce.dir, emuOnce.err = filepath.Abs(d)
			if _, err := os.Stat(filepath.Join(emuOnce.dir, "libcuda.so.1")); err != nil {
				emuOnce.err = err
			}
			return
		}
		d, err := os.MkdirTemp("", "ipcf-cuda-emu")
		if err != nil {
			emuOnce.err = err
			return
		}
		emuOnce.dir, emuOnce.made = d, true
		emuOnce.out, emuOnce.err = exec.Command("sh", filepath.Join("..", "..", "tools", "cuda-emu", "build.sh"), d).CombinedOutput()
	})
	if emuOnce.err != nil {
		if os.Getenv("IPCF_REQUIRE_ALL") != "" {
			t.Fatalf("cannot build the CUDA emulator: %v\n%s", emuOnce.err, emuOnce.out)
		}
		t.Skipf("cannot build the CUDA emulator: %v\n%s", emuOnce.err, emuOnce.out)
	}
	return emuOnce.dir
}

// TestEmulatedGPU runs each scenario in a child process with the emulator
// selected (IPCF_CUDA_LIBDIR) and the scenario's environment.
func TestEmulatedGPU(t *testing.T) {
	if s := os.Getenv("IPCF_EMU_SCENARIO"); s != "" {
		emuScenarios[s](t)
		return
	}
	dir := emuDir(t)
	for _, sc := range []struct {
		name string
		env  []string
	}{
		{"conformance", nil},
		{"big", nil},
		{"blocks", []string{"IPCF_EMU_MEM_MIB=1"}},
		{"pinned", []string{"IPCF_EMU_MEM_MIB=1"}},
		{"dtypes", nil},
		{"fallback", nil},
		{"toolkit", nil},
		{"noinit", []string{"IPCF_EMU_FAIL=init"}},
		{"nocompile", []string{"IPCF_EMU_FAIL=compile"}},
		{"ptx", []string{"IPCF_EMU_NVRTC_MAX=80"}},
		{"cubinrejected", []string{"IPCF_EMU_FAIL=cubin"}},
		{"direction", nil},
		{"concurrent", nil},
		{"cancel", nil},
		{"waitcancel", nil},
		{"progresscancel", nil},
		{"progressstop", []string{"IPCF_EMU_MEM_MIB=48"}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			log := filepath.Join(t.TempDir(), "emu.log")
			cmd := exec.Command(os.Args[0], "-test.run", "^TestEmulatedGPU$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "IPCF_EMU_SCENARIO="+sc.name, "IPCF_CUDA_LIBDIR="+dir, "IPCF_EMU_LOG="+log,
				"IPCF_EMU_FAIL=", "IPCF_EMU_MEM_MIB=", "IPCF_EMU_NVRTC_MAX=", "IPCF_EMU_CC=")
			cmd.Env = append(cmd.Env, sc.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			t.Log(strings.TrimSpace(string(out)))
		})
	}
}

var emuScenarios = map[string]func(t *testing.T){
	"conformance":    emuConformance,
	"big":            emuBig,
	"blocks":         emuBlocks,
	"pinned":         emuPinned,
	"dtypes":         emuDTypes,
	"fallback":       emuFallback,
	"toolkit":        emuToolkit,
	"noinit":         emuNoInit,
	"nocompile":      emuNoCompile,
	"ptx":            emuPTX,
	"cubinrejected":  emuCubinRejected,
	"direction":      emuDirection,
	"concurrent":     emuConcurrent,
	"cancel":         emuCancel,
	"waitcancel":     emuWaitCancel,
	"progresscancel": emuProgressCancel,
	"progressstop":   emuProgressStop,
}

// emuProgressStop: a progress that says stop at a block's end (block 0
// stored while block 1 runs) stops the running block between its
// launches and is not called again; the block ran all its launches and
// progress was called after (REVIEW15's F5). Counted, not timed.
func emuProgressStop(t *testing.T) {
	big := randomStack(18, 1024, 64, 64, 25)
	o := Options{Radius: 3, Npoints: 8, Nbins: 8, Device: "cuda"}
	total := 0
	o.Progress = func(d, tot int) bool { total = tot; return true }
	os.Truncate(os.Getenv("IPCF_EMU_LOG"), 0)
	if _, _, err := gpuCompute(t, big, o); err != nil {
		t.Fatal(err)
	}
	whole, nblk := strings.Count(emuLog(t), "launch ipcf_mulconj"), total
	if nblk < 3 {
		t.Fatalf("%d blocks; the check wants 3 or more", nblk)
	}
	os.Truncate(os.Getenv("IPCF_EMU_LOG"), 0)
	var after []int
	said := false
	o.Progress = func(d, tot int) bool {
		if said {
			after = append(after, d)
			return true
		}
		said = d == 1 // block 0 stored, block 1 running
		return !said
	}
	if _, _, err := gpuCompute(t, big, o); !errors.Is(err, ErrCancelled) {
		t.Fatalf("progress said stop: err %v, want ErrCancelled", err)
	}
	if n := strings.Count(emuLog(t), "launch ipcf_mulconj"); float64(n) > 1.5*float64(whole)/float64(nblk) {
		t.Errorf("%d launches of pairs (a block has about %d): the running block ran on after the progress said stop", n, whole/nblk)
	}
	if len(after) > 0 {
		t.Errorf("progress called again after it said stop: %v", after)
	}
}

// emuProgressCancel: a progress function that cancels stops a block
// between its launches of pairs, and it is called while the block runs
// (the blocks finished: 0 of 1 here). It was called between blocks alone:
// with one block, first when all its launches had run (GPU15's F2).
// Counted in the device's log, not timed: at most half of the block's
// launches.
func emuProgressCancel(t *testing.T) {
	data := randomStack(19, 1024, 32, 32, 20)
	o := Options{Radius: 3, Npoints: 16, Nbins: 8, Device: "cuda"}
	os.Truncate(os.Getenv("IPCF_EMU_LOG"), 0)
	if _, _, err := gpuCompute(t, data, o); err != nil {
		t.Fatal(err)
	}
	whole := strings.Count(emuLog(t), "launch ipcf_mulconj")
	if whole < 8 {
		t.Fatalf("%d launches of pairs in the block; the check wants 8 or more", whole)
	}
	os.Truncate(os.Getenv("IPCF_EMU_LOG"), 0)
	var seen [][2]int
	o.Progress = func(done, total int) bool {
		seen = append(seen, [2]int{done, total})
		return false
	}
	if _, _, err := gpuCompute(t, data, o); !errors.Is(err, ErrCancelled) {
		t.Fatalf("progress returned false: err %v, want ErrCancelled", err)
	}
	if n := strings.Count(emuLog(t), "launch ipcf_mulconj"); n > whole/2 {
		t.Errorf("%d of the block's %d launches of pairs ran after its progress said stop", n, whole)
	}
	if len(seen) != 1 || seen[0] != [2]int{0, 1} {
		t.Errorf("progress calls %v; want one, (0, 1): none of the one block finished", seen)
	}
}

// emuConcurrent: jobs at once in one process on one device (dask's
// threads) each compute their result, equal to the CPU's. Each sized its
// blocks from the free memory and kept its buffers there, and with 8 MiB
// they were refused ("a block of 5x5 pixels does not fit the GPU's
// memory", or out of memory at an allocation: GPUEMU's F1); they now take
// the device one after another.
func emuConcurrent(t *testing.T) {
	// float64 samples (the campaign's: 8 bytes a sample fill the device)
	rng := rand.New(rand.NewPCG(11, 2))
	buf := make([]byte, 4096*16*16*8)
	data, _ := array.Contiguous(array.Float64, []int{4096, 16, 16}, buf)
	for i := 0; i < 4096*16*16; i++ {
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(float64(rng.IntN(13))))
	}
	os.Setenv("IPCF_EMU_MEM_MIB", "12") // (read by the emulator at each call)
	o := Options{Radius: 2, Npoints: 8, Nbins: 8, Device: "cuda"}
	// The job alone on the device (within 1e-5 of the CPU's), then four
	// at once: each the same bytes.
	alone, _, err := gpuCompute(t, data, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Device = "cpu"
	cpu, _, err := gpuCompute(t, data, o)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, "alone", alone, func(i int) float64 { return float64(cpu[i]) }); d > 1e-5 {
		t.Fatalf("alone: max abs difference to the CPU %g", d)
	}
	o.Device = "cuda"
	errs := make(chan error, 8)
	for k := 0; k < 8; k++ {
		go func() {
			got, _, err := gpuCompute(t, data, o)
			if err == nil && !slices.Equal(got, alone) {
				err = fmt.Errorf("a result other than the job's alone")
			}
			errs <- err
		}()
	}
	for k := 0; k < 8; k++ {
		if err := <-errs; err != nil {
			t.Errorf("a job of 8 at once: %v", err)
		}
	}
}

// emuCancel: a cancelled context stops a GPU block between its chunks of
// pairs (ErrCancelled), without running the job again on the CPU: a
// Ctrl+C waited for the whole block (half a minute emulated, seconds on a
// GPU: GPUEMU's F5). The block here takes seconds emulated; its context
// ends once the emulator has launched its first kernel.
func emuCancel(t *testing.T) {
	data := randomStack(12, 256, 120, 120, 20)
	log := os.Getenv("IPCF_EMU_LOG")
	for _, dev := range []string{"cuda", "auto"} {
		os.Truncate(log, 0)
		ctx, cancel := context.WithCancel(context.Background())
		go func(ctx context.Context, cancel func()) {
			for ctx.Err() == nil {
				if b, _ := os.ReadFile(log); bytes.Contains(b, []byte("launch")) {
					cancel()
					return
				}
				time.Sleep(time.Millisecond)
			}
		}(ctx, cancel)
		o := Options{Radius: 2, Npoints: 8, Nbins: 4, Device: dev}
		g, err := Plan(data.Shape, o)
		if err != nil {
			t.Fatal(err)
		}
		s := g.OutShape
		out, _ := array.Contiguous(array.Float32, s[:], make([]byte, s[0]*s[1]*s[2]*s[3]*4))
		err = Compute(ctx, out, data, o)
		if !errors.Is(err, ErrCancelled) {
			t.Errorf("device %s, cancelled in its first block: %v (note %q); want ErrCancelled", dev, err, LastDeviceNote())
		}
		cancel()
		// Stopped before its chunks of pairs: at most the one in flight
		// (the whole block launched one a group of offsets, 4 here).
		if n := strings.Count(emuLog(t), "launch ipcf_mulconj"); n > 1 {
			t.Errorf("device %s: %d chunks of pairs launched after the cancel; want at most 1", dev, n)
		}
	}
}

// emuWaitCancel: a job that waits for the device, which another job of
// the process holds for its block, stops at its cancel, long before that
// block ends. It waited in the CUDA library's lock, which the running
// block holds, not in acquireGPU, and returned only when the block ended
// (REVIEW8's F7). The check counts the running job's launches of pairs,
// not time: at most half of its block's when the waiting one returns.
func emuWaitCancel(t *testing.T) {
	big := randomStack(12, 1024, 48, 48, 50)
	small := randomStack(13, 256, 16, 16, 50)
	log := os.Getenv("IPCF_EMU_LOG")
	run := func(ctx context.Context, d array.View, dev string) error {
		o := Options{Radius: 3, Npoints: 16, Nbins: 8, Device: dev}
		g, err := Plan(d.Shape, o)
		if err != nil {
			t.Fatal(err)
		}
		s := g.OutShape
		out, _ := array.Contiguous(array.Float32, s[:], make([]byte, s[0]*s[1]*s[2]*s[3]*4))
		return Compute(ctx, out, d, o)
	}
	if err := run(context.Background(), small, "cuda"); err != nil { // compiled: the jobs below start at once
		t.Fatal(err)
	}
	for _, dev := range []string{"cuda", "auto"} {
		os.Truncate(log, 0)
		aDone := make(chan error, 1)
		go func() { aDone <- run(context.Background(), big, "cuda") }()
		for ctx := t.Context(); ctx.Err() == nil; time.Sleep(time.Millisecond) {
			if b, _ := os.ReadFile(log); bytes.Contains(b, []byte("launch ipcf_mulconj")) {
				break // the first job's block runs
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		bDone := make(chan error, 1)
		go func() { bDone <- run(ctx, small, dev) }()
		time.Sleep(50 * time.Millisecond)
		cancel()
		err := <-bDone
		at := strings.Count(emuLog(t), "launch ipcf_mulconj")
		if !errors.Is(err, ErrCancelled) {
			t.Errorf("device %s, waiting job cancelled: %v; want ErrCancelled", dev, err)
		}
		if err := <-aDone; err != nil {
			t.Fatalf("the running job: %v", err)
		}
		total := strings.Count(emuLog(t), "launch ipcf_mulconj")
		t.Logf("device %s: the waiting job returned after %d of the running job's %d launches of pairs", dev, at, total)
		if total < 4 || 2*at > total {
			t.Errorf("device %s: the waiting job returned after %d of the running job's %d launches of pairs; want at most half", dev, at, total)
		}
	}
}

// emuDirection: on the GPU too, the curve at -o is the same whether
// computed with o (the backward direction of its pairs) or alone.
func emuDirection(t *testing.T) {
	directionCheck(t, "GPU, log", Options{Nbins: 12, Device: "cuda"})
}

func emuLog(t *testing.T) string {
	b, _ := os.ReadFile(os.Getenv("IPCF_EMU_LOG"))
	return string(b)
}

// gpuCompute runs Compute and returns the result and LastDeviceNote.
func gpuCompute(t *testing.T, data array.View, o Options) ([]float32, string, error) {
	t.Helper()
	g, err := Plan(data.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	os := g.OutShape
	out, _ := array.Contiguous(array.Float32, os[:], make([]byte, os[0]*os[1]*os[2]*os[3]*4))
	err = Compute(context.Background(), out, data, o)
	res := make([]float32, out.Len())
	for i := range res {
		res[i] = float32(out.Load(4 * i))
	}
	return res, LastDeviceNote(), err
}

// maxDiff is the largest absolute difference; a NaN in only one of them
// fails the test.
func maxDiff(t *testing.T, what string, got []float32, want func(i int) float64) float64 {
	t.Helper()
	worst := 0.0
	for i := range got {
		w := want(i)
		if math.IsNaN(w) != math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: out[%d]=%v, want %v", what, i, got[i], w)
		}
		if d := math.Abs(float64(got[i]) - w); d > worst {
			worst = d
		}
	}
	return worst
}

// againstCPU computes on the (emulated) GPU with device "cuda" and on the
// CPU, and fails unless they agree within 1e-6 (NaN where the other has).
func againstCPU(t *testing.T, what string, data array.View, o Options) {
	t.Helper()
	o.Device = "cuda"
	got, note, err := gpuCompute(t, data, o)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !strings.HasPrefix(note, "cuda:0 (") {
		t.Fatalf("%s: ran on %q", what, note)
	}
	o.Device = "cpu"
	want, _, err := gpuCompute(t, data, o)
	if err != nil {
		t.Fatal(err)
	}
	d := maxDiff(t, what, got, func(i int) float64 { return float64(want[i]) })
	if d > 1e-6 {
		t.Fatalf("%s: max abs difference to the CPU %g > 1e-6", what, d)
	}
	// The same NaN, bit for bit: the kernel's 0/0 was 0xffc00000 here and
	// 0x7fffffff on NVIDIA GPUs, the CPU's 0x7fc00000 (EQUIV13's M1).
	for i := range got {
		if math.IsNaN(float64(got[i])) && math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: out[%d] is NaN %#08x on the GPU, %#08x on the CPU", what, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
	}
	t.Logf("%s: max abs difference to the CPU %.2g", what, d)
}

// emuConformance: every pcf conformance case, device cuda, within 1e-6 of
// the expected values (the same check as TestConformance).
func emuConformance(t *testing.T) {
	n := 0
	for _, dir := range caseSets {
		m := loadManifest(t, dir)
		for _, c := range m.Cases {
			if c.Op != "pcf" && c.Op != "bleach+pcf" {
				continue
			}
			in, err := npy.Open(filepath.Join(dir, c.Input.File))
			if err != nil {
				t.Fatal(err)
			}
			o := Options{Radius: c.Params.Radius, Npoints: c.Params.Npoints, Nbins: c.Params.Nbins,
				Bleach: c.Params.Filtersize, Device: "cuda"}
			if c.Params.Mean == "floor" || c.Params.Mean == "int" {
				o.BleachMean = bleach.Floor
			}
			got, note, err := gpuCompute(t, in.View, o)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if !strings.HasPrefix(note, "cuda:0 (sm_90 CUBIN)") {
				t.Fatalf("%s: ran on %q", c.Name, note)
			}
			for _, ex := range c.Outputs {
				if ex.Role != "expected" {
					continue
				}
				want, err := npy.Open(filepath.Join(dir, ex.File))
				if err != nil {
					t.Fatal(err)
				}
				if want.Len() != len(got) {
					t.Fatalf("%s: %d values, want %d", c.Name, len(got), want.Len())
				}
				d := maxDiff(t, c.Name, got, func(i int) float64 { return want.Load(want.Offset + 4*i) })
				if d > 1e-6 {
					t.Fatalf("%s: max abs error %g > 1e-6", c.Name, d)
				}
				t.Logf("%s/%s on the emulated GPU: max abs error %.2g", filepath.Base(dir), c.Name, d)
				want.Close()
				n++
			}
			in.Close()
		}
	}
	if n < 4 {
		t.Fatalf("only %d pcf conformance cases", n)
	}
}

// emuBig: 300 x 300 pixels, more pairs per circle point than a grid's y
// may have blocks (65,535; the old launch failed from about 265 x 265).
func emuBig(t *testing.T) {
	data := randomStack(7, 32, 300, 300, 30)
	againstCPU(t, "300x300", data, Options{Radius: 1, Npoints: 4, Nbins: 4})
	for _, l := range strings.Split(emuLog(t), "\n") {
		if strings.Contains(l, "rejected") {
			t.Fatalf("emulator: %s", l)
		}
	}
}

// emuBlocks: 1 MiB of device memory splits the image into several blocks,
// with the circle and with offsets of their own.
func emuBlocks(t *testing.T) {
	data := randomStack(8, 64, 40, 36, 25)
	againstCPU(t, "blocks", data, Options{Radius: 3, Npoints: 8, Nbins: 8})
	if n := strings.Count(emuLog(t), "plan r2c"); n < 2 {
		t.Fatalf("%d blocks, want several", n)
	}
	for name, offs := range testOffsets() {
		os.Truncate(os.Getenv("IPCF_EMU_LOG"), 0)
		againstCPU(t, "blocks, offsets "+name, data, Options{Offsets: offs, Nbins: 8})
		if n := strings.Count(emuLog(t), "plan r2c"); n < 2 {
			t.Fatalf("offsets %s: %d blocks, want several", name, n)
		}
	}
}

// testOffsets are offsets of their own for the GPU: the circle's, margins
// that differ by axis or are 0, the autocorrelation, repeats, offsets
// without an opposite.
func testOffsets() map[string][]Offset {
	circle, _ := Circle(2, 8)
	disk, _ := Disk(2)
	line, _ := Line(3)
	disk5, _ := Disk(5)
	return map[string][]Offset{
		"the circle's":         circle,
		"disk":                 disk,
		"line":                 line,
		"one column":           {{U: 1, V: 0}},
		"autocorrelation only": {{U: 0, V: 0}},
		"rows only, repeats":   {{U: 0, V: 2}, {U: 0, V: -2}, {U: 0, V: 2}, {U: 0, V: 0}, {U: 0, V: -1}},
		"no opposites":         {{U: 3, V: 1}, {U: -1, V: 2}, {U: 2, V: -2}},
		// most pairs of the block touch no output (the pair lists' spans)
		"disk 5":                    disk5,
		"far, over the whole image": {{U: 5, V: 0}, {U: -4, V: 3}, {U: 0, V: -5}, {U: 2, V: 5}, {U: -2, V: -5}},
	}
}

// emuPinned: a job of several blocks uploads each block's samples
// asynchronously (cuMemcpyHtoDAsync on the job's upload stream) from two
// page-locked staging buffers of the largest block's size, and each
// block's stream waits on its upload's event (the emulator lands an
// upload only then: without the wait the kernels read stale memory and
// the comparison with the CPU fails). With page-locked allocations
// failing (IPCF_EMU_FAIL=hostalloc) the uploads are synchronous from
// pageable memory, and the results bitwise the same.
func emuPinned(t *testing.T) {
	data := randomStack(8, 64, 40, 36, 25)
	o := Options{Radius: 3, Npoints: 8, Nbins: 8}
	againstCPU(t, "pinned", data, o)
	o.Device = "cuda"
	os.Truncate(os.Getenv("IPCF_EMU_LOG"), 0)
	pinned, _, err := gpuCompute(t, data, o)
	if err != nil {
		t.Fatal(err)
	}
	var upload string
	var hostallocs []int
	tiles := map[int]int{}
	blocks, waits, syncs := 0, 0, 0
	for _, l := range strings.Split(emuLog(t), "\n") {
		f := strings.Fields(l)
		switch {
		case strings.HasPrefix(l, "stream create flags 1 ") && upload == "":
			upload = f[4] // the job's stream, opened before the first block's
		case strings.HasPrefix(l, "hostalloc ") && len(f) == 2:
			n, _ := strconv.Atoi(f[1])
			hostallocs = append(hostallocs, n)
		case strings.HasPrefix(l, "htod async ") && f[4] == upload:
			n, _ := strconv.Atoi(f[2])
			tiles[n]++
			tiles[-1]++
		case strings.HasPrefix(l, "htod sync "):
			syncs++
		case l == "stream wait event":
			waits++
		case strings.HasPrefix(l, "plan r2c"):
			blocks++
		}
	}
	largest := 0
	for n := range tiles {
		largest = max(largest, n)
	}
	if blocks < 3 || upload == "" || tiles[-1] != blocks || waits != blocks || syncs != 0 || len(hostallocs) < 2 ||
		hostallocs[0] != largest || hostallocs[1] != largest {
		t.Fatalf("%d blocks: %d asynchronous uploads on the upload stream %q (largest %d bytes), %d stream waits, %d synchronous uploads, page-locked allocations %v",
			blocks, tiles[-1], upload, largest, waits, syncs, hostallocs)
	}
	t.Logf("%d blocks: %d asynchronous uploads from 2 page-locked staging buffers of %d bytes, %d stream waits",
		blocks, tiles[-1], largest, waits)
	os.Truncate(os.Getenv("IPCF_EMU_LOG"), 0)
	os.Setenv("IPCF_EMU_FAIL", "hostalloc")
	pageable, note, err := gpuCompute(t, data, o)
	os.Setenv("IPCF_EMU_FAIL", "")
	if err != nil || !strings.HasPrefix(note, "cuda:0 (") {
		t.Fatalf("page-locked memory failing: %q, %v", note, err)
	}
	log := emuLog(t)
	if n, m := strings.Count(log, "htod sync "), strings.Count(log, "plan r2c"); n != m || n < 3 || !strings.Contains(log, "hostalloc") ||
		strings.Count(log, "hostalloc") != strings.Count(log, " failed") {
		t.Fatalf("page-locked memory failing: %d synchronous uploads for %d blocks", n, m)
	}
	for i := range pinned {
		if math.Float32bits(pinned[i]) != math.Float32bits(pageable[i]) {
			t.Fatalf("pageable staging differs from page-locked at %d", i)
		}
	}
}

// convert returns v (uint16) as dtype dt in byte order bo, scaled by s and
// shifted by a.
func convert(v array.View, dt array.DType, bo array.ByteOrder, s, a float64) array.View {
	n := v.Len()
	w, err := array.New(dt, bo, v.Shape, []int{v.Shape[1] * v.Shape[2] * dt.Size(), v.Shape[2] * dt.Size(), dt.Size()},
		make([]byte, n*dt.Size()), 0)
	if err != nil {
		panic(err)
	}
	for i := 0; i < n; i++ {
		w.Store(i*dt.Size(), v.Load(2*i)*s+a)
	}
	return w
}

// emuDTypes: every input dtype, both byte orders, strided input,
// bleaching correction, a mask, NaN samples and zero-sum pixels.
func emuDTypes(t *testing.T) {
	base := randomStack(9, 128, 14, 13, 40)
	o := Options{Radius: 2, Npoints: 8, Nbins: 8}
	for _, c := range []struct {
		name string
		dt   array.DType
		bo   array.ByteOrder
		s, a float64
	}{
		{"uint8", array.Uint8, array.Little, 1, 0},
		{"uint16 big-endian", array.Uint16, array.Big, 1, 0},
		{"int16", array.Int16, array.Little, 3, -20},
		{"int32 big-endian", array.Int32, array.Big, 1000, 7},
		{"float32", array.Float32, array.Little, 1e-3, 0.5},
		{"float64 big-endian", array.Float64, array.Big, 1e12, 1e13},
		{"float64 tiny", array.Float64, array.Little, 1e-300, 0},
	} {
		againstCPU(t, c.name, convert(base, c.dt, c.bo, c.s, c.a), o)
	}
	// A constant pixel of any magnitude: its curves are 0 on both (its
	// normalisation is scaled by its mean; see TestConstantPixelAnyMagnitude).
	for _, c := range []struct {
		dt array.DType
		v  float64
	}{{array.Float32, 1e-40}, {array.Float64, 1e-290}, {array.Float64, 1e300}, {array.Uint16, 7}} {
		d := convert(base, c.dt, array.Little, 1, 0)
		for tt := 0; tt < d.Shape[0]; tt++ {
			d.Store(((tt*d.Shape[1]+6)*d.Shape[2]+5)*c.dt.Size(), c.v)
		}
		againstCPU(t, fmt.Sprintf("%s constant %g", c.dt, c.v), d, o)
		got, _, _ := gpuCompute(t, d, Options{Radius: 2, Npoints: 8, Nbins: 8, Device: "cuda"})
		g, _ := Plan(d.Shape, o)
		os := g.OutShape
		for i := range g.Offsets {
			for b := 0; b < os[3]; b++ {
				if v := got[(((6-2)*os[1]+5-2)*os[2]+i)*os[3]+b]; !(math.Abs(float64(v)) <= 1e-6) {
					t.Fatalf("%s constant %g: its curve %d bin %d on the GPU is %v, want 0", c.dt, c.v, i, b, v)
				}
			}
		}
	}
	// float64 samples of 1e13 varying by about 2: the sums' rounding
	// error is added back on both (seriesSum, ipcf_sums): the curves, of
	// 1e-26, agree to 1e-5 of their scale (2e-4 apart with the GPU's
	// plain sum; the FFTs differ in the last bits).
	// At 1e15 (means rounded to 0.125) the deviations' shared bias is
	// taken out on both: frequency 0 of their spectra (products) is 0
	// (TestLargeOffsetDeviationBias; 3e-3 of the scale apart without it).
	for _, m := range []float64{1e13, 1e15} {
		d := convert(base, array.Float64, array.Little, 0.37, m)
		cpu, _, err := gpuCompute(t, d, Options{Radius: 2, Npoints: 8, Nbins: 8, Device: "cpu"})
		if err != nil {
			t.Fatal(err)
		}
		gpu, _, err := gpuCompute(t, d, Options{Radius: 2, Npoints: 8, Nbins: 8, Device: "cuda"})
		if err != nil {
			t.Fatal(err)
		}
		var peak, worst float64
		for i := range cpu {
			peak = max(peak, math.Abs(float64(cpu[i])))
			worst = max(worst, math.Abs(float64(gpu[i])-float64(cpu[i])))
		}
		if !(worst <= 1e-5*peak) {
			t.Fatalf("float64 of %g: the GPU's curves %.3g apart from the CPU's, of %.3g", m, worst, peak)
		}
	}
	// Float series that sum to exactly 0 with rounded sums that do not
	// (ipcf_sums sums them exactly, as seriesSum does): NaN curves on both,
	// the same NaN everywhere (againstCPU), finite elsewhere.
	for name, series := range zeroSumSeries(128, 2) {
		for _, dt := range []array.DType{array.Float64, array.Float32} {
			if name == "1e30 and 1 in float32" && dt != array.Float32 {
				continue
			}
			d := withSeries(base, dt, array.Big, 6, 5, series)
			againstCPU(t, fmt.Sprintf("zero sum, %s, %s", name, dt), d, o)
			got, _, _ := gpuCompute(t, d, Options{Radius: 2, Npoints: 8, Nbins: 8, Device: "cuda"})
			g, _ := Plan(d.Shape, o)
			if v := got[(((6-2)*g.OutShape[1]+5-2)*g.OutShape[2])*g.OutShape[3]]; !math.IsNaN(float64(v)) {
				t.Fatalf("zero sum, %s, %s: its curve on the GPU is %v, want NaN", name, dt, v)
			}
		}
	}
	// A float64 series in the subnormal range: the CPU scales it (seriesSum),
	// 'cuda' refuses it.
	sub := convert(base, array.Float64, array.Little, 5e-324, 0)
	if _, _, err := gpuCompute(t, sub, Options{Radius: 2, Npoints: 8, Nbins: 8, Device: "cuda"}); err == nil || !strings.Contains(err.Error(), "2^-1000") {
		t.Fatalf("subnormal float64, cuda: %v, want a refusal", err)
	}
	// float64 samples whose pixel sums overflow: the CPU scales such series
	// (seriesSum); 'auto' runs them there and says why, 'cuda' refuses.
	var top float64
	for i := 0; i < base.Len(); i++ {
		top = max(top, base.Load(2*i))
	}
	huge := convert(base, array.Float64, array.Little, math.MaxFloat64/top/4, 0)
	ho := o
	ho.Device = "auto"
	got, note, err := gpuCompute(t, huge, ho)
	if err != nil || !strings.Contains(note, "pixel's sum can overflow") {
		t.Fatalf("huge float64, auto: %q, %v", note, err)
	}
	ho.Device = "cpu"
	want, _, _ := gpuCompute(t, base, o)
	if d := maxDiff(t, "huge float64", got, func(i int) float64 { return float64(want[i]) }); d > 1e-6 {
		t.Fatalf("huge float64: max abs difference to the unscaled data %g", d)
	}
	ho.Device = "cuda"
	if _, _, err := gpuCompute(t, huge, ho); err == nil {
		t.Fatal("huge float64, cuda: no error")
	}
	// A huge sample in a frame after the first N (never summed without
	// bleaching): the GPU computes it (it was refused: EDGE19's m2).
	late := convert(randomStack(12, 70, 12, 12, 40), array.Float64, array.Little, 1, 0)
	late.Store(66*late.Strides[0]+5*late.Strides[1]+6*late.Strides[2], math.MaxFloat64/2)
	againstCPU(t, "a huge float64 sample after the frames used", late, o)
	// Every other column: strided uint16.
	wide := randomStack(10, 64, 12, 26, 30)
	strided := wide
	strided.Shape = []int{64, 12, 13}
	strided.Strides = []int{wide.Strides[0], wide.Strides[1], 4}
	againstCPU(t, "strided uint16", strided, o)
	// Bleaching correction (uint16 and float32 input), both means.
	bl := randomStack(11, 160, 12, 12, 50)
	againstCPU(t, "bleach", bl, Options{Radius: 2, Npoints: 8, Nbins: 6, Bleach: 8})
	againstCPU(t, "bleach floor", bl, Options{Radius: 2, Npoints: 8, Nbins: 6, Bleach: 8, BleachMean: bleach.Floor})
	againstCPU(t, "bleach float32", convert(bl, array.Float32, array.Little, 1, 0), Options{Radius: 2, Npoints: 8, Nbins: 6, Bleach: 8})
	// Strong bleaching (a decay from 60,000) and int32 samples past
	// 65,535 and below 0: the correction clips to [0, 65535].
	decay := convert(bl, array.Int32, array.Big, 1, 0)
	for tt := 0; tt < 160; tt++ {
		for i := 0; i < 12*12; i++ {
			o := tt*decay.Strides[0] + i*4
			v := decay.Load(o)
			decay.Store(o, math.Round(60000*math.Exp(-float64(tt)/40)+(v-50)*200))
		}
	}
	decay.Store(7*decay.Strides[0]+3*4, 200000)
	decay.Store(9*decay.Strides[0]+5*4, -3000)
	againstCPU(t, "bleach decay clipped", decay, Options{Radius: 2, Npoints: 8, Nbins: 6, Bleach: 10})
	againstCPU(t, "bleach decay floor", decay, Options{Radius: 2, Npoints: 8, Nbins: 6, Bleach: 10, BleachMean: bleach.Floor})
	// Corrected values past uint8's 255 and int16's 32767 are clipped to
	// the input type's range (bleach.Limits), as on the CPU.
	for _, dt := range []array.DType{array.Uint8, array.Int16} {
		againstCPU(t, "bleach saturating "+dt.String(), saturating(dt, 400, 8, 8), Options{Radius: 2, Npoints: 8, Nbins: 6, Bleach: 20})
	}
	// A mask.
	mask, _ := array.Contiguous(array.Uint8, []int{14, 13}, make([]byte, 14*13))
	for i := range mask.Data {
		if i%3 != 0 {
			mask.Data[i] = 1
		}
	}
	mo := o
	mo.Mask = &mask
	againstCPU(t, "mask", base, mo)
	// Zero-sum pixels (uint16, summed on the device) and NaN samples.
	z := randomStack(12, 64, 12, 12, 20)
	for tt := 0; tt < 64; tt++ {
		z.Store(tt*z.Strides[0]+5*z.Strides[1]+6*2, 0)
	}
	againstCPU(t, "zero-sum pixel", z, o)
	f := convert(z, array.Float64, array.Little, 1, 0)
	f.Store(3*f.Strides[0]+2*f.Strides[1]+7*8, math.NaN())
	f.Store(9*f.Strides[0]+8*f.Strides[1]+3*8, math.Inf(1))
	againstCPU(t, "NaN and Inf samples", f, o)
	// Radius 3 with 18 points: points without an opposite.
	againstCPU(t, "no symmetry", base, Options{Radius: 3, Npoints: 18, Nbins: 8})
	// Offsets of their own (margins that differ by axis, none, the
	// autocorrelation, repeats, no opposites), whole and in tiles: they
	// ran on the CPU only ("offsets other than the circle"), even the
	// circle's own.
	for name, offs := range testOffsets() {
		againstCPU(t, "offsets "+name, base, Options{Offsets: offs, Nbins: 6})
	}
	// The circle given as offsets is bit for bit the circle.
	circle, _ := Circle(2, 8)
	a, _, errA := gpuCompute(t, base, Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cuda"})
	b, _, errB := gpuCompute(t, base, Options{Offsets: circle, Nbins: 6, Device: "cuda"})
	if errA != nil || errB != nil || len(a) != len(b) {
		t.Fatalf("circle: %v, %v, %d and %d values", errA, errB, len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("the circle as offsets differs from the circle at %d", i)
		}
	}
}

// emuFallback: with a failure switched on, device "auto" runs on the CPU
// (the same numbers) and says why; device "cuda" fails with ErrNoDevice.
func emuFallback(t *testing.T) {
	data := randomStack(13, 64, 12, 12, 20)
	o := Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cpu"}
	cpu, _, err := gpuCompute(t, data, o)
	if err != nil {
		t.Fatal(err)
	}
	for sw, reason := range map[string]string{"launch": "launch failure", "alloc": "out of memory", "fft": "cufftExec"} {
		os.Setenv("IPCF_EMU_FAIL", sw)
		o.Device = "auto"
		got, note, err := gpuCompute(t, data, o)
		if err != nil {
			t.Fatalf("%s: auto: %v", sw, err)
		}
		if !strings.HasPrefix(note, "cpu (auto: cuda:0 failed, ran on the CPU: ") || !strings.Contains(note, reason) {
			t.Fatalf("%s: note %q, want the fallback and %q", sw, note, reason)
		}
		t.Logf("IPCF_EMU_FAIL=%s: %s", sw, note)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(cpu[i]) {
				t.Fatalf("%s: auto after a GPU failure differs from the CPU at %d", sw, i)
			}
		}
		o.Device = "cuda"
		if _, _, err := gpuCompute(t, data, o); !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), reason) {
			t.Fatalf("%s: device cuda: err = %v, want ErrNoDevice with %q", sw, err, reason)
		}
	}
	os.Setenv("IPCF_EMU_FAIL", "")
	o.Device = "auto"
	if _, note, err := gpuCompute(t, data, o); err != nil || !strings.HasPrefix(note, "cuda:0") {
		t.Fatalf("auto without failures: %q, %v", note, err)
	}
	// Cancelled on the GPU (several blocks): ErrCancelled, no CPU rerun.
	os.Setenv("IPCF_EMU_MEM_MIB", "1")
	big := randomStack(18, 64, 40, 36, 25)
	// (the blocks finished: 2 is the second block stored)
	last := -1
	co := Options{Radius: 3, Npoints: 8, Nbins: 8, Device: "auto", Progress: func(done, total int) bool {
		if done < last || done > total {
			t.Errorf("progress (%d, %d) after %d", done, total, last)
		}
		last = done
		return done < 2
	}}
	if _, _, err := gpuCompute(t, big, co); !errors.Is(err, ErrCancelled) || last != 2 {
		t.Fatalf("cancelled after the second of several blocks: err %v, last progress %d", err, last)
	}
	os.Setenv("IPCF_EMU_MEM_MIB", "")
	// Twice the same: the binning reduction has a fixed order.
	a, _, _ := gpuCompute(t, data, o)
	b, _, _ := gpuCompute(t, data, o)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatal("two GPU runs differ")
		}
	}
}

func emuNoInit(t *testing.T) {
	data := randomStack(14, 64, 12, 12, 20)
	if _, note, err := gpuCompute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 6}); err != nil ||
		!strings.HasPrefix(note, "cpu (auto: no CUDA device: cuInit failed") {
		t.Fatalf("auto with cuInit failing: note %q, err %v", note, err)
	}
	if _, _, err := gpuCompute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cuda"}); !errors.Is(err, ErrNoDevice) {
		t.Fatalf("cuda with cuInit failing: %v", err)
	}
}

func emuNoCompile(t *testing.T) {
	data := randomStack(15, 64, 12, 12, 20)
	_, note, err := gpuCompute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 6})
	if err != nil || !strings.HasPrefix(note, "cpu (auto: cuda:0 unusable: NVRTC could not compile") ||
		!strings.Contains(note, "emulated compilation failure") {
		t.Fatalf("auto with NVRTC failing: note %q, err %v", note, err)
	}
	if _, _, err := gpuCompute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cuda"}); !errors.Is(err, ErrNoDevice) ||
		!strings.Contains(err.Error(), "emulated compilation failure") {
		t.Fatalf("cuda with NVRTC failing: %v", err)
	}
}

// emuPTX: an NVRTC older than the device (it knows sm_80 at most, the
// device is 9.0) compiles PTX for compute_80, which the driver accepts.
func emuPTX(t *testing.T) {
	data := randomStack(16, 64, 12, 12, 20)
	againstCPU(t, "ptx", data, Options{Radius: 2, Npoints: 8, Nbins: 6})
	if note := LastDeviceNote(); note != "cpu" {
		t.Fatalf("note %q", note)
	}
	if _, note, _ := gpuCompute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cuda"}); note != "cuda:0 (compute_80 PTX)" {
		t.Fatalf("note %q, want compute_80 PTX", note)
	}
}

// emuCubinRejected: a driver that rejects the CUBIN gets PTX.
func emuCubinRejected(t *testing.T) {
	data := randomStack(17, 64, 12, 12, 20)
	if _, note, err := gpuCompute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 6, Device: "cuda"}); err != nil ||
		note != "cuda:0 (compute_90 PTX)" {
		t.Fatalf("note %q, err %v", note, err)
	}
	if l := emuLog(t); !strings.Contains(l, "load CUBIN sm_90") || !strings.Contains(l, "load PTX compute_90") {
		t.Fatalf("emulator log:\n%s", l)
	}
}

// emuToolkit: the GPU computes the tutorial's analysis only; device auto
// runs the toolkit's other modes on the CPU and says why, and an explicit
// GPU refuses them.
func emuToolkit(t *testing.T) {
	data := randomStack(21, 64, 12, 12, 20)
	thr := Options{Radius: 2, Npoints: 8, Nbins: 6}
	thr.SetThreshold(3)
	sm := Options{Radius: 2, Npoints: 8, Nbins: 6}
	sm.SetSmooth(0)
	for name, o := range map[string]Options{
		"two channels": {Radius: 2, Npoints: 8, Nbins: 6, Data2: &data},
		"linear bins":  {Radius: 2, Npoints: 8, Nbins: 6, Bins: LinearBinning},
		"multitau":     {Radius: 2, Npoints: 8, Bins: Multitau, M: 4},
		"smoothing":    sm,
		"threshold":    thr,
		"delta":        {Radius: 2, Npoints: 8, Nbins: 6, Delta: true},
	} {
		o.Device = "cpu"
		cpu, _, err := gpuCompute(t, data, o)
		if err != nil {
			t.Fatal(err)
		}
		o.Device = "auto"
		got, note, err := gpuCompute(t, data, o)
		if err != nil || !strings.HasPrefix(note, "cpu (auto: cuda:0 not used: the GPU engine computes the pCF of one channel with log bins and the default smoothing, without a threshold or the delta-CCF; asked for ") {
			t.Fatalf("%s: auto: note %q, err %v", name, note, err)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(cpu[i]) {
				t.Fatalf("%s: auto differs from the CPU at %d", name, i)
			}
		}
		o.Device = "cuda:0"
		if _, _, err := gpuCompute(t, data, o); !errors.Is(err, ErrNoDevice) {
			t.Fatalf("%s: cuda:0: err %v, want ErrNoDevice", name, err)
		}
	}
	// The defaults, given explicitly, still run on the GPU.
	o := Options{Radius: 2, Npoints: 8, Nbins: 6, Bins: LogBinning, Smooth: DefaultSmooth, Device: "auto"}
	if _, note, err := gpuCompute(t, data, o); err != nil || !strings.HasPrefix(note, "cuda:0") {
		t.Fatalf("explicit defaults: note %q, err %v", note, err)
	}
}
