package pcf

import "testing"

// TestWorkersBytes: the workers' memory counts the workers the engine
// runs, no more than its tasks of pairs: a 16x16 image has 4 tasks (4 rows
// of 16 columns), and 128 threads were counted as 128 workers, which sent
// a small job out of core on a many-core machine (REVIEW15's F7); a large
// image takes every thread.
func TestWorkersBytes(t *testing.T) {
	small, err := Plan([]int{1024, 16, 16}, Options{Radius: 2, Npoints: 32, Nbins: 32})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := small.WorkersBytes(128), 4*small.WorkerBytes(); got != want {
		t.Errorf("16x16, 128 threads: %d bytes, want 4 workers' %d", got, want)
	}
	if got, want := small.WorkersBytes(2), 2*small.WorkerBytes(); got != want {
		t.Errorf("16x16, 2 threads: %d bytes, want %d", got, want)
	}
	big, err := Plan([]int{1024, 256, 256}, Options{Radius: 2, Npoints: 32, Nbins: 32})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := big.WorkersBytes(128), 128*big.WorkerBytes(); got != want {
		t.Errorf("256x256, 128 threads: %d bytes, want %d", got, want)
	}
	if small.WorkerBytes() <= 0 {
		t.Error("no worker bytes")
	}
}
