package ooc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// inMemory2 is the in-memory two-channel result.
func inMemory2(t *testing.T, path, path2 string, o pcf.Options) []byte {
	f2, err := npy.Open(path2)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	o.Data2 = &f2.View
	return inMemory(t, path, o)
}

// fileCRCOf is the input CRC of the first n frames of a .npy stack.
func fileCRCOf(t *testing.T, path string, n int) uint32 {
	src, err := source.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, H, W := src.Shape()
	var crc uint32
	for i := 0; i < n; i++ {
		fr, err := src.Frame(i)
		if err != nil {
			t.Fatal(err)
		}
		crc = FrameCRC(crc, fr, H, W)
	}
	return crc
}

// TestTwoChannels: a second channel (Options.Src2) gives the in-memory
// result bitwise, whatever the tiles and chunks, also when a run is
// cancelled and resumed; the CRCs of both inputs are reported.
func TestTwoChannels(t *testing.T) {
	forEngines(t, testTwoChannels)
}

func testTwoChannels(t *testing.T, e engine) {
	dir := t.TempDir()
	in := writeStack(t, dir, 256, 21, 19)
	// The second channel: the first's samples with another pattern added.
	in2 := filepath.Join(dir, "in2.npy")
	f, err := npy.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	b := append([]byte(nil), f.Data[f.Header.Offset:]...)
	f.Close()
	for i := 0; i < len(b); i += 2 {
		b[i] += byte(i / 2 % 7 * 3)
	}
	if err := npy.WriteFile(in2, array.Uint16, []int{256, 21, 19}, b); err != nil {
		t.Fatal(err)
	}
	disk1, _ := pcf.Disk(1)
	mt := pcf.Options{Offsets: []pcf.Offset{{U: 1, V: 0}, {U: 0, V: 0}, {U: -2, V: 1}}, Bins: pcf.Multitau, M: 6, Delta: true}
	mt.SetThreshold(50)
	cases := []struct {
		name string
		o    pcf.Options
		tile [2]int
	}{
		{"circle", pcf.Options{Radius: 2, Npoints: 8, Nbins: 8}, [2]int{5, 7}},
		{"disk linear", pcf.Options{Offsets: disk1, Nbins: 9, Bins: pcf.LinearBinning}, [2]int{6, 4}},
		{"offsets multitau delta threshold", mt, [2]int{4, 9}},
	}
	for _, c := range cases {
		want := inMemory2(t, in, in2, c.o)
		out := filepath.Join(dir, "out.npy")
		os.Remove(out)
		run := func(progress func(string, int, int) bool) (Summary, error) {
			src, _ := source.Open(in)
			src2, _ := source.Open(in2)
			defer src.Close()
			defer src2.Close()
			return Run(context.Background(), src, NewNpyOutput(out), Options{PCF: c.o, Src2: src2, Memory: ProcessOverhead + 1<<19,
				Tile: c.tile, Key: c.name, Progress: progress})
		}
		// Cancelled in the transposition (or, read in place, after two
		// bands), then resumed.
		stop, at := "transpose", 150
		if e.inPlace {
			stop, at = "pcf", 2
		}
		if _, err := run(func(phase string, done, _ int) bool { return !(phase == stop && done >= at) }); !errors.Is(err, pcf.ErrCancelled) {
			t.Fatalf("%s: %v, want a cancellation", c.name, err)
		}
		sum, err := run(nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if sum.Tiles < 4 || (sum.Chunks < 2) != e.inPlace {
			t.Errorf("%s: %d tiles, %d chunks: the test wants several", c.name, sum.Tiles, sum.Chunks)
		}
		if got := npyData(t, out); !bytes.Equal(got, want) {
			t.Fatalf("%s: two channels out of core differ from in memory (%d tiles, %d chunks)", c.name, sum.Tiles, sum.Chunks)
		}
		g, _ := pcf.Plan([]int{256, 21, 19}, c.o)
		if w1, w2 := fileCRCOf(t, in, g.N), fileCRCOf(t, in2, g.N); sum.InputCRC != w1 || sum.Input2CRC != w2 {
			t.Errorf("%s: input CRCs %08x %08x, want %08x %08x", c.name, sum.InputCRC, sum.Input2CRC, w1, w2)
		}
		t.Logf("%s: %d tiles, %d chunks, resumed after a cancellation: identical", c.name, sum.Tiles, sum.Chunks)
	}
}

// TestTwoChannelsRefused: the second channel comes as a source of the
// first's shape and type, not as PCF.Data2.
func TestTwoChannelsRefused(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 64, 12, 12)
	small := filepath.Join(dir, "small.npy")
	if err := npy.WriteFile(small, array.Uint16, []int{64, 12, 11}, make([]byte, 64*12*11*2)); err != nil {
		t.Fatal(err)
	}
	src, _ := source.Open(in)
	defer src.Close()
	v, _ := src.Stack()
	out := NewNpyOutput(filepath.Join(dir, "out.npy"))
	o := pcf.Options{Radius: 2, Npoints: 4, Nbins: 6, Data2: &v}
	if _, err := Run(context.Background(), src, out, Options{PCF: o, Memory: ProcessOverhead + 1<<20}); !errors.Is(err, pcf.ErrParam) {
		t.Errorf("PCF.Data2: %v, want pcf.ErrParam", err)
	}
	src2, _ := source.Open(small)
	defer src2.Close()
	o.Data2 = nil
	if _, err := Run(context.Background(), src, out, Options{PCF: o, Src2: src2, Memory: ProcessOverhead + 1<<20}); !errors.Is(err, pcf.ErrShape) {
		t.Errorf("a second channel of another shape: %v, want pcf.ErrShape", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("refused runs left files: %v", ents)
	}
}
