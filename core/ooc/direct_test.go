package ooc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// TestInPlaceChangedInput: band mode reading the input in place fails
// with source.ErrChanged, never a result, when the input changes during
// a run (a new modification time, a truncation) or between a cancelled
// run and its resumption without the job key noticing (same size and
// time, other samples: the journaled checksums of the pieces catch it).
// Its input checksum is FrameCRC's over the frames in order.
func TestInPlaceChangedInput(t *testing.T) {
	defer func(min int) { directMinRowBytes = min }(directMinRowBytes)
	directMinRowBytes = 0
	const T, H, W = 256, 30, 20
	o := pcf.Options{Radius: 2, Npoints: 8, Nbins: 8}
	base := Options{PCF: o, Memory: 64 << 20, Tile: [2]int{3, 0}, Key: "k"}
	for _, c := range []string{"touched", "truncated", "same size and time, rows read again", "same size and time, rows done"} {
		t.Run(c, func(t *testing.T) {
			dir := t.TempDir()
			in := writeStack(t, dir, T, H, W)
			out := filepath.Join(dir, "out.npy")
			st0, _ := os.Stat(in)
			change := func() {
				switch c {
				case "touched":
					now := time.Now().Add(time.Hour)
					os.Chtimes(in, now, now)
				case "truncated":
					os.Truncate(in, st0.Size()/2)
				default:
					at := st0.Size() - 1000 // the last frame's last rows
					if c == "same size and time, rows done" {
						at = st0.Size() - T*H*W*2 + 100 // the first frame's first rows
					}
					f, _ := os.OpenFile(in, os.O_RDWR, 0)
					f.WriteAt([]byte{1, 2, 3, 4}, at)
					f.Close()
					os.Chtimes(in, st0.ModTime(), st0.ModTime())
				}
			}
			src, err := source.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			r := base
			bands := 0
			r.Progress = func(phase string, done, total int) bool {
				bands = done
				if done == 2 && !strings.HasPrefix(c, "same") {
					change()
				}
				return !(done == 2 && strings.HasPrefix(c, "same"))
			}
			_, err = Run(context.Background(), src, NewNpyOutput(out), r)
			src.Close()
			if strings.HasPrefix(c, "same") {
				if !errors.Is(err, pcf.ErrCancelled) {
					t.Fatalf("cancelled after 2 bands: %v", err)
				}
				change()
				src, err = source.Open(in)
				if err != nil {
					t.Fatal(err)
				}
				_, err = Run(context.Background(), src, NewNpyOutput(out), base)
				src.Close()
			}
			if !errors.Is(err, source.ErrChanged) {
				t.Fatalf("after %d bands: %v, want source.ErrChanged", bands, err)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatalf("an output was published")
			}
			t.Logf("%v", err)
		})
	}
	// Unchanged: the checksum is FrameCRC's.
	dir := t.TempDir()
	in := writeStack(t, dir, T, H, W)
	src, _ := source.Open(in)
	defer src.Close()
	out := filepath.Join(dir, "out.npy")
	sum, err := Run(context.Background(), src, NewNpyOutput(out), base)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := pcf.Plan([]int{T, H, W}, o)
	if w := fileCRCOf(t, in, g.N); sum.InputCRC != w || sum.Chunks != 0 {
		t.Errorf("input CRC %08x (%d chunks), want %08x read in place", sum.InputCRC, sum.Chunks, w)
	}
	if !bytes.Equal(npyData(t, out), inMemory(t, in, o)) {
		t.Errorf("result differs from in memory")
	}
}
