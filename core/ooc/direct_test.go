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

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
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

// TestInPlaceLayouts: read in place, a big-endian raw file with a header,
// and a selection of frames and rows of an npy file, give the in-memory
// bytes of the same samples; a selection of columns (rows no longer
// contiguous) is copied into scratch instead, with the same bytes.
func TestInPlaceLayouts(t *testing.T) {
	defer func(min int) { directMinRowBytes = min }(directMinRowBytes)
	directMinRowBytes = 0
	const T, H, W = 256, 24, 18
	o := pcf.Options{Radius: 2, Npoints: 8, Nbins: 8, Threads: 2}
	dir := t.TempDir()
	in := writeStack(t, dir, T, H, W)
	native := npyData(t, in)
	run := func(name string, src source.Source, wantInPlace bool, want []byte) {
		t.Helper()
		defer src.Close()
		out := filepath.Join(dir, name+".npy")
		sum, err := Run(context.Background(), src, NewNpyOutput(out), Options{PCF: o, Memory: 64 << 20, Tile: [2]int{4, 0}, Key: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sum.InPlace != wantInPlace {
			t.Errorf("%s: read in place %v, want %v", name, sum.InPlace, wantInPlace)
		}
		if !bytes.Equal(npyData(t, out), want) {
			t.Errorf("%s: differs from in memory", name)
		}
	}
	// Big endian, after a 100-byte header.
	raw := filepath.Join(dir, "in.raw")
	b := make([]byte, 100+len(native))
	for i := 0; i < len(native); i += 2 {
		b[100+i], b[100+i+1] = native[i+1], native[i]
	}
	if err := os.WriteFile(raw, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := source.OpenRaw(raw, source.Raw{T: T, H: H, W: W, DType: array.Uint16, Order: array.Big, Offset: 100})
	if err != nil {
		t.Fatal(err)
	}
	run("big-endian", src, true, inMemory(t, in, o))
	// Frames 10:250, rows 3:21, and then also columns 2:17.
	for _, c := range []struct {
		name    string
		cols    source.Range
		inPlace bool
	}{{"frames and rows", source.Range{}, true}, {"columns too", source.Range{Start: 2, Stop: 17}, false}} {
		src, _ := source.Open(in)
		sel, err := source.Select(src, source.Range{Start: 10, Stop: 250}, source.Range{Start: 3, Stop: 21}, c.cols)
		if err != nil {
			t.Fatal(err)
		}
		t1, h1, w1 := sel.Shape()
		x0 := c.cols.Start
		crop := make([]byte, 0, t1*h1*w1*2)
		for t := 10; t < 250; t++ {
			for y := 3; y < 21; y++ {
				o := ((t*H+y)*W + x0) * 2
				crop = append(crop, native[o:o+w1*2]...)
			}
		}
		cin := filepath.Join(dir, "crop.npy")
		if err := npy.WriteFile(cin, array.Uint16, []int{t1, h1, w1}, crop); err != nil {
			t.Fatal(err)
		}
		run(c.name, sel, c.inPlace, inMemory(t, cin, o))
	}
}

// TestInPlaceLineScan: a line scan, (T, 1, W), read in place out of core
// is one piece (one row): the read-ahead of the pieces after the last
// panicked on a goroutine (index out of range, the process ended with a
// Go stack: a campaign's finding, rows of 2 KiB and more). Now equal to
// in memory, at the default threshold of in-place reading.
func TestInPlaceLineScan(t *testing.T) {
	const T, H, W = 512, 1, 1100 // a row of 2,200 bytes: read in place
	dir := t.TempDir()
	in := writeStack(t, dir, T, H, W)
	offs, err := pcf.Line(3)
	if err != nil {
		t.Fatal(err)
	}
	o := pcf.Options{Offsets: offs, Nbins: 8, Threads: 2}
	src, err := source.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(dir, "line.npy")
	sum, err := Run(context.Background(), src, NewNpyOutput(out), Options{PCF: o, Memory: 64 << 20, Key: "line"})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.InPlace {
		t.Errorf("not read in place: the case is not tested")
	}
	if !bytes.Equal(npyData(t, out), inMemory(t, in, o)) {
		t.Error("differs from in memory")
	}
}
