package ooc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// writeStack writes a random (t, h, w) uint16 stack as .npy and returns its path.
func writeStack(t *testing.T, dir string, T, H, W int) string {
	rng := rand.New(rand.NewPCG(uint64(T*H*W), 3))
	buf := make([]byte, T*H*W*2)
	for i := 0; i < T*H*W; i++ {
		v := uint16(40 + rng.IntN(30))
		buf[2*i], buf[2*i+1] = byte(v), byte(v>>8)
	}
	p := filepath.Join(dir, "in.npy")
	if err := npy.WriteFile(p, array.Uint16, []int{T, H, W}, buf); err != nil {
		t.Fatal(err)
	}
	return p
}

func inMemory(t *testing.T, path string, o pcf.Options) []byte {
	f, err := npy.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := pcf.Plan(f.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, g.OutShape[0]*g.OutShape[1]*g.OutShape[2]*g.OutShape[3]*4)
	out, _ := array.Contiguous(array.Float32, g.OutShape[:], buf)
	if err := pcf.Compute(context.Background(), out, f.View, o); err != nil {
		t.Fatal(err)
	}
	return buf
}

func npyData(t *testing.T, path string) []byte {
	f, err := npy.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return append([]byte(nil), f.Data[f.Header.Offset:]...)
}

// engine is the engine a test runs out of core.
type engine struct {
	name    string
	tiles   bool // the GPU's tiles with halos, on the CPU (tilesOnCPU)
	inPlace bool // bands read from the input in place (directInput)
}

var (
	engines     = []engine{{"bands in place", false, true}, {"bands copied", false, false}, {"tiles", true, false}}
	bandEngines = engines[:2]
)

// forEngines runs f as a subtest with each engine.
func forEngines(t *testing.T, f func(t *testing.T, e engine)) { forThese(t, engines, f) }

// forThese runs f as a subtest with each of the engines es.
func forThese(t *testing.T, es []engine, f func(t *testing.T, e engine)) {
	defer func(min int) { tilesOnCPU, directMinRowBytes = false, min }(directMinRowBytes)
	for _, e := range es {
		tilesOnCPU, directMinRowBytes = e.tiles, math.MaxInt
		if e.inPlace {
			directMinRowBytes = 0
		}
		t.Run(e.name, func(t *testing.T) { f(t, e) })
	}
}

func TestEqualsInMemory(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) { testEqualsInMemory(t) })
}

// testEqualsInMemory: every case out of core (bands on the CPU, or the
// GPU's tiles with halos) gives the in-memory bytes.
func testEqualsInMemory(t *testing.T) {
	disk2, _ := pcf.Disk(2)
	tk := pcf.Options{Offsets: []pcf.Offset{{U: 1, V: 1}, {U: -1, V: -1}, {U: 2, V: 0}}, Bins: pcf.Multitau, M: 4}
	tk.SetSmooth(0.4)
	tk.SetThreshold(54)
	dir := t.TempDir()
	in := writeStack(t, dir, 300, 23, 29)
	cases := []struct {
		name string
		o    pcf.Options
		mem  int64
		tile [2]int
	}{
		{"many tiles, many chunks", pcf.Options{Radius: 2, Npoints: 8, Nbins: 8}, 1 << 20, [2]int{5, 7}},
		{"budget-chosen tiles", pcf.Options{Radius: 3, Npoints: 12, Nbins: 10, Threads: 2}, 1 << 20, [2]int{}},
		{"odd points and bleaching", pcf.Options{Radius: 2, Npoints: 7, Nbins: 6, Bleach: 20, BleachMean: bleach.Floor}, 2 << 20, [2]int{6, 6}},
		// the toolkit's modes (docs/toolkit.md)
		{"offsets", pcf.Options{Offsets: []pcf.Offset{{U: 3, V: -1}, {U: -3, V: 1}, {U: 0, V: 2}, {U: 1, V: 0}}, Nbins: 8}, 1 << 20, [2]int{4, 9}},
		{"acf", pcf.Options{Offsets: []pcf.Offset{{U: 0, V: 0}}, Nbins: 8}, 1 << 20, [2]int{5, 7}},
		{"disk linear delta", pcf.Options{Offsets: disk2, Nbins: 9, Bins: pcf.LinearBinning, Delta: true}, 1 << 20, [2]int{6, 5}},
		{"multitau smooth threshold", tk, 1 << 20, [2]int{7, 8}},
	}
	for _, c := range cases {
		want := inMemory(t, in, c.o)
		src, err := source.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out.npy")
		mem := ProcessOverhead + c.mem // c.mem for the data
		sum, err := Run(context.Background(), src, NewNpyOutput(out), Options{PCF: c.o, Memory: mem, Tile: c.tile, Key: c.name})
		src.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if sum.Tiles < 2 {
			t.Errorf("%s: only %d tile(s): the test wants several", c.name, sum.Tiles)
		}
		if got := npyData(t, out); !bytes.Equal(got, want) {
			t.Fatalf("%s: out-of-core result differs from in-memory (%d tiles, %d chunks)", c.name, sum.Tiles, sum.Chunks)
		}
		t.Logf("%s: %d tiles of %v, %d chunks: identical", c.name, sum.Tiles, c.tile, sum.Chunks)
		if ents, _ := filepath.Glob(filepath.Join(dir, ".ipcf-scratch-*")); len(ents) != 0 {
			t.Errorf("%s: scratch left behind: %v", c.name, ents)
		}
	}
}

func TestResumeAfterCancel(t *testing.T) {
	forEngines(t, testResumeAfterCancel)
}

func testResumeAfterCancel(t *testing.T, e engine) {
	dir := t.TempDir()
	in := writeStack(t, dir, 256, 20, 20)
	o := pcf.Options{Radius: 2, Npoints: 8, Nbins: 8}
	want := inMemory(t, in, o)
	out := filepath.Join(dir, "out.npy")
	for _, stopAt := range []struct {
		phase string
		at    int
	}{{"transpose", 100}, {"transpose", 200}, {"pcf", 3}} {
		if e.inPlace && stopAt.phase == "transpose" {
			continue // nothing is transposed
		}
		os.Remove(out)
		src, _ := source.Open(in)
		calls := 0
		_, err := Run(context.Background(), src, NewNpyOutput(out), Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{4, 4}, Key: "resume",
			Progress: func(phase string, done, total int) bool {
				if phase == stopAt.phase {
					calls++
				}
				return !(phase == stopAt.phase && done >= stopAt.at)
			}})
		src.Close()
		if err == nil || calls == 0 {
			t.Fatalf("stop in %s: err=%v after %d calls, want a cancellation", stopAt.phase, err, calls)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Fatalf("stop in %s: a partial output has the final name", stopAt.phase)
		}
		src, _ = source.Open(in)
		sum, err := Run(context.Background(), src, NewNpyOutput(out), Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{4, 4}, Key: "resume"})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		if stopAt.phase == "pcf" && sum.Resumed == 0 {
			t.Errorf("stop in pcf: nothing resumed")
		}
		if !bytes.Equal(npyData(t, out), want) {
			t.Fatalf("stop in %s: resumed result differs", stopAt.phase)
		}
	}
}

// TestResumeAfterInputRewritten: an input rewritten in place between an
// interrupted run and its rerun (same job key: same size and time, as
// after `touch -r`) is not resumed from the old copy in scratch, in either
// channel; the rerun gives the new input's result. Reading in place, the
// pieces' checksums catch it (TestDirect*).
func TestResumeAfterInputRewritten(t *testing.T) {
	forThese(t, engines[1:], func(t *testing.T, e engine) {
		for _, twoChannels := range []bool{false, true} {
			for _, stopAt := range []struct {
				phase string
				at    int
			}{{"transpose", 150}, {"pcf", 3}} {
				testResumeAfterInputRewritten(t, stopAt.phase, stopAt.at, twoChannels)
			}
		}
	})
}

func testResumeAfterInputRewritten(t *testing.T, phase string, at int, twoChannels bool) {
	dir := t.TempDir()
	in := writeStack(t, dir, 256, 20, 20)
	in2 := in
	if twoChannels {
		in2 = filepath.Join(dir, "in2.npy")
		b, _ := os.ReadFile(in)
		if err := os.WriteFile(in2, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := pcf.Options{Radius: 2, Npoints: 8, Nbins: 8}
	out := filepath.Join(dir, "out.npy")
	run := func(progress func(string, int, int) bool) (Summary, error) {
		src, err := source.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		oo := Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{4, 4}, Key: "rewritten", CopyInput: true, Progress: progress}
		if twoChannels {
			if oo.Src2, err = source.Open(in2); err != nil {
				t.Fatal(err)
			}
			defer oo.Src2.Close()
		}
		return Run(context.Background(), src, NewNpyOutput(out), oo)
	}
	if _, err := run(func(ph string, done, total int) bool { return !(ph == phase && done >= at) }); err == nil {
		t.Fatalf("stop in %s: no cancellation", phase)
	}
	// Rewrite frame 10 (copied before the stop) of the channel read last.
	f, err := npy.Open(in2)
	if err != nil {
		t.Fatal(err)
	}
	off := int64(f.Header.Offset) + 10*20*20*2
	f.Close()
	fh, err := os.OpenFile(in2, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteAt(bytes.Repeat([]byte{90, 0}, 20*20), off); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	var logs []string
	src, _ := source.Open(in)
	oo := Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{4, 4}, Key: "rewritten", CopyInput: true, Log: func(m string) { logs = append(logs, m) }}
	if twoChannels {
		oo.Src2, _ = source.Open(in2)
		defer oo.Src2.Close()
	}
	sum, err := Run(context.Background(), src, NewNpyOutput(out), oo)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed != 0 {
		t.Errorf("stop in %s (2 channels %v): %d tiles resumed from the old input", phase, twoChannels, sum.Resumed)
	}
	var want []byte
	if twoChannels {
		want = inMemory2(t, in, in2, o)
	} else {
		want = inMemory(t, in, o)
	}
	if !bytes.Equal(npyData(t, out), want) {
		t.Fatalf("stop in %s (2 channels %v): the rerun's result is not the rewritten input's (log %q)", phase, twoChannels, logs)
	}
	found := false
	for _, l := range logs {
		found = found || bytes.Contains([]byte(l), []byte("starting over"))
	}
	if !found && phase == "pcf" { // every chunk was copied before this stop
		t.Errorf("stop in %s: no note that the run started over: %q", phase, logs)
	}
}

func TestZarrOutput(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 128, 17, 19)
	o := pcf.Options{Radius: 2, Npoints: 4, Nbins: 6}
	want := inMemory(t, in, o)
	src, _ := source.Open(in)
	out := filepath.Join(dir, "out.zarr")
	// On the CPU the tiles are bands of 5 rows, the image's width.
	sum, err := Run(context.Background(), src, NewZarrOutput(out), Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{5, 6}})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	g := sum.Geometry
	np, nb := g.OutShape[2], g.OutShape[3]
	// Read the chunks back and compare element by element.
	for y := 0; y < g.OutShape[0]; y++ {
		for x := 0; x < g.OutShape[1]; x++ {
			ow := g.OutShape[1]
			b, err := os.ReadFile(filepath.Join(out, chunkName(y/5, 0)))
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; k < np*nb; k++ {
				got := b[4*(((y%5)*ow+x)*np*nb+k):]
				w := want[4*((y*g.OutShape[1]+x)*np*nb+k):]
				if !bytes.Equal(got[:4], w[:4]) {
					t.Fatalf("zarr (%d,%d,%d) differs", y, x, k)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, ".zattrs")); err != nil {
		t.Fatal(err)
	}
	_ = math.NaN
}

func chunkName(i, j int) string { return string(rune('0'+i)) + "." + string(rune('0'+j)) + ".0.0" }

// TestZarrUserFileAddedDuringRun: a file put into the Zarr result that a
// run replaces, while the run computes, stops the publication (error
// naming it; the file kept); moved out, the next run publishes.
func TestZarrUserFileAddedDuringRun(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 128, 17, 19)
	out := filepath.Join(dir, "out.zarr")
	run := func(o pcf.Options, progress func(string, int, int) bool) error {
		src, _ := source.Open(in)
		defer src.Close()
		_, err := Run(context.Background(), src, NewZarrOutput(out), Options{PCF: o, Memory: ProcessOverhead + 1<<20,
			Tile: [2]int{5, 6}, Key: fmt.Sprint(o.Nbins), Progress: progress})
		return err
	}
	if err := run(pcf.Options{Radius: 2, Npoints: 4, Nbins: 6}, nil); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(out, "notes.txt")
	err := run(pcf.Options{Radius: 2, Npoints: 4, Nbins: 8}, func(string, int, int) bool {
		os.WriteFile(notes, []byte("mine"), 0o644)
		return true
	})
	if err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Fatalf("publish over a result holding a user's file: %v", err)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" {
		t.Fatalf("the user's file was lost: %v", err)
	}
	os.Remove(notes)
	if err := run(pcf.Options{Radius: 2, Npoints: 4, Nbins: 8}, nil); err != nil {
		t.Fatal(err)
	}
	if !NewZarrOutput(out).Verify("8") {
		t.Error("the run after the file was moved out did not publish its result")
	}
}

// TestRemoveOldZarrKilledAnywhere: the earlier Zarr result set aside at
// publication is removed so that a kill after any number of its removals
// leaves a folder still taken for ipcf's (ZarrForeign), which the next
// run removes. Removed in directory order, .zattrs and .zarray could go
// before the chunks, and every later run refused the folder. Plain and
// OME-Zarr (a group, nested chunk keys).
func TestRemoveOldZarrKilledAnywhere(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 128, 17, 19)
	o := pcf.Options{Radius: 2, Npoints: 4, Nbins: 6}
	g, _ := pcf.Plan([]int{128, 17, 19}, o)
	meta := func(uint32, uint32) map[string]any { return testMeta(g, 0.25, 0.002) }
	for _, out := range []Output{NewZarrOutput(filepath.Join(dir, "r.zarr")), NewOMEZarrOutput(filepath.Join(dir, "r.ome.zarr"))} {
		src, err := source.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Run(context.Background(), src, out, Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{5, 6}, Key: "k", Meta: meta})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		res := out.Path()
		order, err := zarrRemovalOrder(res)
		if err != nil {
			t.Fatal(err)
		}
		chunks := 0
		for _, p := range order {
			if b := filepath.Base(p); b != ".zattrs" && b != ".zarray" && b != ".zgroup" {
				if st, err := os.Stat(p); err == nil && !st.IsDir() {
					chunks++
				}
			}
		}
		if chunks < 2 {
			t.Fatalf("%s: %d chunks, want several", res, chunks)
		}
		for k := 0; k <= len(order); k++ {
			old := filepath.Join(dir, fmt.Sprintf(".old%d", k))
			if err := os.CopyFS(old, os.DirFS(res)); err != nil {
				t.Fatal(err)
			}
			// Killed after the first k removals.
			for _, p := range order[:k] {
				rel, _ := filepath.Rel(res, p)
				if err := os.Remove(filepath.Join(old, rel)); err != nil {
					t.Fatalf("%s, removal %d: %v", res, k, err)
				}
			}
			if f := ZarrForeign(old); f != "" {
				t.Fatalf("%s killed after %d of %d removals: %s taken for a file ipcf did not write", res, k, len(order), f)
			}
			if err := RemoveOldZarr(old); err != nil {
				t.Fatalf("%s killed after %d removals: %v", res, k, err)
			}
			if _, err := os.Lstat(old); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%s killed after %d removals: the rerun left it: %v", res, k, err)
			}
		}
	}
}
