package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// hugeBytes sums the sizes of this process's mappings marked for
// transparent huge pages ("hg" in VmFlags of /proc/self/smaps): those of
// fft.BigBytes, which pcf.NewArray's arrays lie in (Go's heap is not
// marked).
func hugeBytes(t *testing.T) int64 {
	t.Helper()
	m, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var n, size int64
	for l := range strings.Lines(string(m)) {
		f := strings.Fields(l)
		switch {
		case len(f) == 3 && f[0] == "Size:":
			fmt.Sscan(f[1], &size)
		case len(f) > 0 && f[0] == "VmFlags:" && slices.Contains(f[1:], "hg"):
			n += size << 10
		}
	}
	return n
}

// TestCommandsReleaseArrays: the large arrays of ipcf simulate, bleach and
// convolve lie outside Go's heap (a mapping of the output's file, or
// pcf.NewArray), so each command releases them once written: commands run in one process (as here) do not keep
// every earlier command's arrays mapped (a simulation of 8 MiB and its
// correction of 7 MiB were 20 MiB of mappings more per round).
func TestCommandsReleaseArrays(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts the mappings in /proc/self/maps (Linux)")
	}
	dir := t.TempDir()
	sim := filepath.Join(dir, "sim.npy")
	round := func(i int) {
		for _, f := range []string{sim, sim + ".json"} {
			os.Remove(f)
		}
		var so, se bytes.Buffer
		// 64 frames of 256 x 256 uint16: 8 MiB.
		if code := run([]string{"simulate", "--frames", "64", "--size", "256", "--particles", "10", "-o", sim, "--quiet"}, &so, &se); code != 0 {
			t.Fatalf("simulate: exit %d: %s", code, se.String())
		}
		bl := filepath.Join(dir, fmt.Sprintf("bl%d.npy", i))
		if code := run([]string{"bleach", sim, "-o", bl, "--filtersize", "4", "--quiet"}, &so, &se); code != 0 {
			t.Fatalf("bleach: exit %d: %s", code, se.String())
		}
	}
	// Outputs written through a mapping of their file (plainArray) leave
	// no mapping of a file of dir behind.
	round(0)
	if maps, err := os.ReadFile("/proc/self/maps"); err != nil || strings.Contains(string(maps), dir) {
		t.Errorf("a mapping of a file in %s is left after the commands (%v)", dir, err)
	}
	// The path from memory (file systems without fallocate).
	mapPlainOutputs = false
	defer func() { mapPlainOutputs = true }()
	round(0) // the pool's threads and their stacks, the spare mapping
	before := hugeBytes(t)
	const rounds = 6
	for i := 1; i <= rounds; i++ {
		round(i)
	}
	if before == 0 {
		t.Fatal("no mapping marked for huge pages after a round: the arrays are not in fft.BigBytes memory")
	}
	if grew := hugeBytes(t) - before; grew > 0 {
		t.Errorf("mappings marked for huge pages grew by %d MiB over %d rounds of simulate and bleach: the arrays are not released", grew>>20, rounds)
	}
}
