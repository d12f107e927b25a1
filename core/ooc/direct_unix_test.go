//go:build unix

package ooc

import (
	"bytes"
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

// TestResumeScratchPieceFIFO: a run cancelled part-way and resumed after
// its scratch pieces were replaced by named pipes (or links) computes
// them again and gives the in-memory result: reading a piece opened it
// with os.Open, which waited for a writer on the pipe for good.
func TestResumeScratchPieceFIFO(t *testing.T) {
	const T, H, W = 256, 30, 20
	po := pcf.Options{Radius: 2, Npoints: 8, Nbins: 8}
	for _, tile := range [][2]int{{3, 0}, {8, 8}} {
		for _, kind := range []string{"fifo", "link"} {
			dir := t.TempDir()
			in := writeStack(t, dir, T, H, W)
			out := filepath.Join(dir, "out.npy")
			o := Options{PCF: po, Memory: 64 << 20, Tile: tile, Key: "k", CopyInput: true}
			run := func(stopAt int) error {
				src, err := source.Open(in)
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				r := o
				// Cancelled once a tile's pairs are done: every piece is
				// written and journaled, and the resumed run reads them.
				r.Progress = func(phase string, done, total int) bool {
					return stopAt == 0 || phase != "pcf" || done < stopAt
				}
				done := make(chan error, 1)
				go func() { _, err := Run(context.Background(), src, NewNpyOutput(out), r); done <- err }()
				select {
				case err := <-done:
					return err
				case <-time.After(60 * time.Second):
					t.Fatalf("tile %v, %s: the run hangs", tile, kind)
				}
				return nil
			}
			if err := run(1); !errors.Is(err, pcf.ErrCancelled) {
				t.Fatalf("tile %v: cancelled run: %v", tile, err)
			}
			pieces, _ := filepath.Glob(filepath.Join(dir, ".ipcf-scratch-*", "tile-*.bin"))
			if len(pieces) == 0 {
				t.Fatalf("tile %v: no scratch pieces", tile)
			}
			for _, p := range pieces {
				os.Remove(p)
				var err error
				if kind == "fifo" {
					err = syscall.Mkfifo(p, 0o644)
				} else {
					err = os.Symlink(in, p)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := run(0); err != nil {
				t.Fatalf("tile %v, %s: resumed run: %v", tile, kind, err)
			}
			if !bytes.Equal(npyData(t, out), inMemory(t, in, po)) {
				t.Errorf("tile %v, %s: the resumed result differs from in memory", tile, kind)
			}
		}
	}
}
