package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/npy"
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
	emu := os.Getenv("IPCF_CUDA_EMU_DIR")
	if emu == "" {
		if os.Getenv("IPCF_REQUIRE_ALL") != "" {
			t.Fatal("IPCF_CUDA_EMU_DIR not set: make test-go builds the emulated device")
		}
		t.Skip("IPCF_CUDA_EMU_DIR not set (make test-go sets it)")
	}
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
