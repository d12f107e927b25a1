package ooc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// scratchBytes sums the sizes of the files under dir.
func scratchBytes(t *testing.T, dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// TestBandsBudget: on the CPU the out-of-core engine streams bands of
// full rows. The budget chooses the band; every budget from the smallest
// it accepts gives the in-memory bytes, and the scratch holds each input
// sample once. A smaller budget is refused with ErrBudget and the
// smallest budget, which then works. Read in place, the scratch holds
// the journal only.
func TestBandsBudget(t *testing.T) {
	forThese(t, bandEngines, testBandsBudget)
}

func testBandsBudget(t *testing.T, e engine) {
	dir := t.TempDir()
	const T, H, W = 256, 40, 24
	in := writeStack(t, dir, T, H, W)
	o := pcf.Options{Radius: 3, Npoints: 12, Nbins: 8, Threads: 2}
	want := inMemory(t, in, o)
	src, err := source.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	g, _ := pcf.Plan([]int{T, H, W}, o)
	p := &plan{g: g, nread: g.N, es: 2, nch: 1}
	// The smallest budget: one band row's memory plus the process's share.
	need := p.bandMemory(o, 1)
	min := MinBudget(need)
	out := filepath.Join(dir, "out.npy")
	_, err = Run(context.Background(), src, NewNpyOutput(out), Options{PCF: o, Memory: min - 1<<20})
	if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), "at least "+MiBText(min)) {
		t.Fatalf("budget %s: %v, want ErrBudget naming %s", MiBText(min-1<<20), err, MiBText(min))
	}
	for _, mem := range []int64{min, min + 8<<20, 1 << 30} {
		os.Remove(out)
		os.Remove(SidecarName(out))
		var peak int64
		o2 := Options{PCF: o, Memory: mem, Key: "k", Progress: func(phase string, done, total int) bool {
			if phase == "pcf" {
				peak = max(peak, scratchBytes(t, ScratchDir("", out)))
			}
			return true
		}}
		sum, err := Run(context.Background(), src, NewNpyOutput(out), o2)
		if err != nil {
			t.Fatalf("budget %s: %v", MiBText(mem), err)
		}
		if !bytes.Equal(npyData(t, out), want) {
			t.Fatalf("budget %s: out of core differs from in memory", MiBText(mem))
		}
		// The journal besides the samples, each stored once.
		input := int64(T * H * W * 2)
		if e.inPlace && peak > 4096 {
			t.Errorf("budget %s: read in place, scratch of %d bytes", MiBText(mem), peak)
		}
		if !e.inPlace && (peak < input || peak > input+input/10) {
			t.Errorf("budget %s: scratch %d bytes for an input of %d", MiBText(mem), peak, input)
		}
		t.Logf("budget %s: %d bands, %d chunks, scratch %d bytes (input %d)", MiBText(mem), sum.Tiles, sum.Chunks, peak, input)
	}
}

// TestBandsResumeEveryBand: killed after each band, a rerun resumes from
// the bands journaled and gives the same bytes, with the error bars.
func TestBandsResumeEveryBand(t *testing.T) {
	forThese(t, bandEngines, func(t *testing.T, e engine) { testBandsResumeEveryBand(t) })
}

func testBandsResumeEveryBand(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 128, 21, 17)
	o := pcf.Options{Offsets: []pcf.Offset{{U: 1, V: -2}, {U: -1, V: 2}, {U: 0, V: 3}, {U: 2, V: 0}, {U: -2, V: 0}}, Nbins: 6}
	want := inMemory(t, in, o)
	src, err := source.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ref := filepath.Join(dir, "ref.npy")
	eo := &pcf.ErrOptions{Method: pcf.Blocking}
	base := Options{PCF: o, Memory: 64 << 20, Tile: [2]int{2, 0}, Key: "k", Errors: eo}
	r := base
	r.ErrOut = NewNpyOutput(ErrorsName(ref))
	sum, err := Run(context.Background(), src, NewNpyOutput(ref), r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(npyData(t, ref), want) {
		t.Fatal("bands with error bars: curves differ from in memory")
	}
	wantSD := npyData(t, ErrorsName(ref))
	for stop := 1; stop < sum.Tiles; stop++ {
		out := filepath.Join(dir, "out.npy")
		c := base
		c.ErrOut = NewNpyOutput(ErrorsName(out))
		c.Progress = func(phase string, done, total int) bool { return !(phase == "pcf+errors" && done >= 2*stop) }
		if _, err := Run(context.Background(), src, NewNpyOutput(out), c); !errors.Is(err, pcf.ErrCancelled) {
			t.Fatalf("stop after %d bands: %v", stop, err)
		}
		c = base
		c.ErrOut = NewNpyOutput(ErrorsName(out))
		s, err := Run(context.Background(), src, NewNpyOutput(out), c)
		if err != nil {
			t.Fatal(err)
		}
		if s.Resumed != stop {
			t.Errorf("stop after %d bands: resumed %d", stop, s.Resumed)
		}
		if !bytes.Equal(npyData(t, out), want) || !bytes.Equal(npyData(t, ErrorsName(out)), wantSD) {
			t.Fatalf("stop after %d bands: resumed result differs", stop)
		}
		os.Remove(out)
		os.Remove(ErrorsName(out))
		os.Remove(SidecarName(out))
	}
}

// TestMemoryLimitRestored: band jobs overlapping in time set the Go
// memory limit to the sum of theirs (each holds its own heap), never above
// the limit found before the first, which is back after the last, whatever
// the order they finish in.
func TestMemoryLimitRestored(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	a := lowerMemoryLimit(300 << 20)
	if got := limit(); got != min(before, 300<<20) {
		t.Fatalf("one job: limit %d, want %d", got, 300<<20)
	}
	b := lowerMemoryLimit(100 << 20)
	if got := limit(); got != min(before, 400<<20) {
		t.Fatalf("two jobs: limit %d, want %d", got, 400<<20)
	}
	a()
	if got := limit(); got != min(before, 100<<20) {
		t.Fatalf("one job left: limit %d, want %d", got, 100<<20)
	}
	c := lowerMemoryLimit(50 << 20)
	if got := limit(); got != min(before, 150<<20) {
		t.Fatalf("a third job with the second: limit %d, want %d", got, 150<<20)
	}
	b()
	c()
	if got := limit(); got != before {
		t.Fatalf("after all: limit %d, want the %d found before", got, before)
	}
	// Below a limit the host set, the host's limit stays the cap.
	debug.SetMemoryLimit(200 << 20)
	defer debug.SetMemoryLimit(before)
	a, b = lowerMemoryLimit(150<<20), lowerMemoryLimit(150<<20)
	if got := limit(); got != 200<<20 {
		t.Fatalf("two jobs under a host's 200 MiB: limit %d", got)
	}
	a()
	b()
	if got := limit(); got != 200<<20 {
		t.Fatalf("after both: limit %d, want the host's 200 MiB", got)
	}
}
