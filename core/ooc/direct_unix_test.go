//go:build unix

package ooc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// TestInPlaceInputBecomesFIFO: an input replaced by a named pipe after it
// was opened (mapped) fails the run with source.ErrChanged, without
// waiting for a writer on the pipe, and publishes nothing.
func TestInPlaceInputBecomesFIFO(t *testing.T) {
	defer func(min int) { directMinRowBytes = min }(directMinRowBytes)
	directMinRowBytes = 0
	dir := t.TempDir()
	in := writeStack(t, dir, 256, 30, 20)
	src, err := source.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := os.Remove(in); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(in, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.npy")
	o := Options{PCF: pcf.Options{Radius: 2, Npoints: 8, Nbins: 8}, Memory: 64 << 20, Tile: [2]int{3, 0}, Key: "k"}
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), src, NewNpyOutput(out), o)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, source.ErrChanged) {
			t.Fatalf("input replaced by a named pipe: %v, want source.ErrChanged", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the run waits on a named pipe put in place of its input")
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an output was published")
	}
}
