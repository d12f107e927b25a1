package ooc

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// testMeta is metadata as a job writes it: units, delays, offsets.
func testMeta(g pcf.Geometry, pixel, interval float64) map[string]any {
	type off struct {
		U          int      `json:"u"`
		V          int      `json:"v"`
		DistancePx float64  `json:"distance_px"`
		DistanceUm *float64 `json:"distance_um"`
	}
	offs := make([]off, len(g.Offsets))
	for i, o := range g.Offsets {
		d := math.Hypot(float64(o.U), float64(o.V))
		um := d * pixel
		offs[i] = off{o.U, o.V, d, &um}
	}
	s := make([]float64, len(g.Delays))
	for i, d := range g.Delays {
		s[i] = d * interval
	}
	return map[string]any{
		"software": Marker, "job_key": "k", "units": map[string]any{"frame_interval_s": interval, "pixel_size_um": pixel},
		"delay_frames": g.Delays, "delay_s": s, "offsets": offs, "mode": "circle", "radius": 2, "crop_origin": []int{1, 3},
		"engine": "ooc",
	}
}

// TestTiffAndOMEZarrOutputs writes the out-of-core result, in edge tiles,
// as an ImageJ TIFF and as OME-Zarr, and reads every value back: the
// in-memory engine's, in the layouts' axis orders.
func TestTiffAndOMEZarrOutputs(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 256, 17, 19)
	o := pcf.Options{Radius: 2, Npoints: 6, Nbins: 5}
	want := inMemory(t, in, o)
	g, _ := pcf.Plan([]int{256, 17, 19}, o)
	sh := g.OutShape // 13 x 15 x 6 x 5
	at := func(y, x, k, j int) float32 {
		return math.Float32frombits(binary.NativeEndian.Uint32(want[4*(((y*sh[1]+x)*sh[2]+k)*sh[3]+j):]))
	}
	meta := func(uint32, uint32) map[string]any { return testMeta(g, 0.25, 0.002) }
	src, err := source.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	tif := filepath.Join(dir, "out.tif")
	if _, err := Run(context.Background(), src, NewTiffOutput(tif), Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{4, 6}, Key: "k", Meta: meta}); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < sh[2]; k++ {
		ch, err := source.OpenChannel(tif, k)
		if err != nil {
			t.Fatalf("channel %d: %v", k, err)
		}
		T, H, W := ch.Shape()
		if T != sh[3] || H != sh[0] || W != sh[1] {
			t.Fatalf("channel %d: %dx%dx%d, want %dx%dx%d", k, T, H, W, sh[3], sh[0], sh[1])
		}
		for j := 0; j < T; j++ {
			fr, _ := ch.Frame(j)
			for y := 0; y < H; y++ {
				for x := 0; x < W; x++ {
					got := float32(fr.Load(fr.Offset + y*fr.Strides[0] + x*fr.Strides[1]))
					if w := at(y, x, k, j); math.Float32bits(got) != math.Float32bits(w) {
						t.Fatalf("tif offset %d delay %d (%d,%d): %v, want %v", k, j, y, x, got, w)
					}
				}
			}
		}
		if u := source.UnitsOf(ch); math.Abs(u.PixelSize-0.25) > 1e-9 {
			t.Errorf("tif pixel size %v, want 0.25", u.PixelSize)
		}
		ch.Close()
	}
	if !NewTiffOutput(tif).Verify("k") || NewTiffOutput(tif).Verify("other") {
		t.Error("tif: Verify")
	}

	z := filepath.Join(dir, "out.ome.zarr")
	if _, err := Run(context.Background(), src, NewOMEZarrOutput(z), Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{4, 6}, Key: "k", Meta: meta}); err != nil {
		t.Fatal(err)
	}
	var arr struct {
		Shape  []int  `json:"shape"`
		Chunks []int  `json:"chunks"`
		Sep    string `json:"dimension_separator"`
	}
	b, _ := os.ReadFile(filepath.Join(z, "0", ".zarray"))
	if err := json.Unmarshal(b, &arr); err != nil {
		t.Fatal(err)
	}
	if arr.Sep != "/" || len(arr.Shape) != 4 || arr.Shape[0] != sh[3] || arr.Shape[1] != sh[2] || arr.Shape[2] != sh[0] || arr.Shape[3] != sh[1] ||
		arr.Chunks[2] != 4 || arr.Chunks[3] != sh[1] { // bands of 4 rows on the CPU
		t.Fatalf(".zarray %+v", arr)
	}
	cw := arr.Chunks[3]
	for cy := 0; cy*4 < sh[0]; cy++ {
		for cx := 0; cx*cw < sh[1]; cx++ {
			c, err := os.ReadFile(filepath.Join(z, "0", "0", "0", itoa(cy), itoa(cx)))
			if err != nil || len(c) != sh[3]*sh[2]*4*cw*4 {
				t.Fatalf("chunk %d/%d: %d bytes, %v", cy, cx, len(c), err)
			}
			for j := 0; j < sh[3]; j++ {
				for k := 0; k < sh[2]; k++ {
					for y := 0; y < 4; y++ {
						for x := 0; x < cw; x++ {
							got := math.Float32frombits(binary.LittleEndian.Uint32(c[4*(((j*sh[2]+k)*4+y)*cw+x):]))
							yy, xx := cy*4+y, cx*cw+x
							if yy >= sh[0] || xx >= sh[1] {
								if !math.IsNaN(float64(got)) {
									t.Fatalf("padding of chunk %d/%d: %v, want NaN", cy, cx, got)
								}
								continue
							}
							if w := at(yy, xx, k, j); math.Float32bits(got) != math.Float32bits(w) {
								t.Fatalf("ome.zarr (%d,%d,%d,%d): %v, want %v", j, k, yy, xx, got, w)
							}
						}
					}
				}
			}
		}
	}
	var attrs struct {
		Multiscales []struct {
			Version string `json:"version"`
			Axes    []struct {
				Name, Type, Unit string
			} `json:"axes"`
			Datasets []struct {
				Path string `json:"path"`
				CT   []struct {
					Type        string    `json:"type"`
					Scale       []float64 `json:"scale"`
					Translation []float64 `json:"translation"`
				} `json:"coordinateTransformations"`
			} `json:"datasets"`
		} `json:"multiscales"`
	}
	b, _ = os.ReadFile(filepath.Join(z, ".zattrs"))
	if err := json.Unmarshal(b, &attrs); err != nil || len(attrs.Multiscales) != 1 {
		t.Fatalf(".zattrs: %v %s", err, b)
	}
	ms := attrs.Multiscales[0]
	var names []string
	for _, a := range ms.Axes {
		names = append(names, a.Name+":"+a.Type+":"+a.Unit)
	}
	if ms.Version != "0.4" || strings.Join(names, " ") != "delay:time: offset:channel: y:space:micrometer x:space:micrometer" {
		t.Errorf("multiscales %s %v", ms.Version, names)
	}
	ct := ms.Datasets[0].CT
	// Output pixel (0, 0) is input pixel (radius + crop origin) = (3, 5).
	if ms.Datasets[0].Path != "0" || len(ct) != 2 || ct[0].Scale[2] != 0.25 || ct[0].Scale[3] != 0.25 ||
		ct[1].Translation[2] != 0.75 || ct[1].Translation[3] != 1.25 {
		t.Errorf("coordinate transformations %+v", ct)
	}
	if !NewOMEZarrOutput(z).Verify("k") || NewZarrOutput(z).Verify("k") {
		t.Error("ome.zarr: Verify (or a plain Zarr output took it for its own)")
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

// TestTiffResume: a partial TIFF whose IFDs an earlier Finish wrote, and
// one with a damaged tile, resume to the same bytes.
func TestTiffResume(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 128, 12, 13)
	o := pcf.Options{Radius: 2, Npoints: 4, Nbins: 4}
	g, _ := pcf.Plan([]int{128, 12, 13}, o)
	meta := func(uint32, uint32) map[string]any { return testMeta(g, 0.1, 0.01) }
	src, _ := source.Open(in)
	defer src.Close()
	ref := filepath.Join(dir, "ref", "out.tif")
	os.Mkdir(filepath.Dir(ref), 0o755)
	opts := Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{2, 4}, Key: "k", Meta: meta} // 4 bands on the CPU
	if _, err := Run(context.Background(), src, NewTiffOutput(ref), opts); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(ref)
	out := filepath.Join(dir, "out.tif")
	n := 0
	cancelled := opts
	cancelled.Progress = func(ph string, done, total int) bool { n++; return !(ph == "pcf" && done >= 3) }
	if _, err := Run(context.Background(), src, NewTiffOutput(out), cancelled); err == nil {
		t.Fatal("not cancelled")
	}
	// An earlier Finish left IFDs after the pages, and a tile is damaged.
	p := PartialName(out)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(bytes.Repeat([]byte{0xee}, 999))
	f.WriteAt([]byte{1, 2, 3, 4}, 8+4*13) // page 0, row 1
	f.Close()
	sum, err := Run(context.Background(), src, NewTiffOutput(out), opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed == 0 || sum.Resumed >= sum.Tiles {
		t.Errorf("resumed %d of %d tiles", sum.Resumed, sum.Tiles)
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, want) {
		t.Fatal("resumed TIFF differs from an uninterrupted run's")
	}
}

func TestUniformDelay(t *testing.T) {
	for _, c := range []struct {
		s    []float64
		want float64
	}{
		{[]float64{0, 0.5, 1, 1.5}, 0.5},
		{[]float64{0, 0.5, 1.5}, 0},
		{[]float64{0.1, 0.2}, 0},
		{nil, 0},
	} {
		if got := (resultInfo{delaysS: c.s}).uniformDelay(); got != c.want {
			t.Errorf("%v: %v, want %v", c.s, got, c.want)
		}
	}
	in := resultInfo{shape: [4]int{2, 2, 3, 4}, pixelSize: 0.2, delaysS: []float64{0, 1e-3, 2e-3, 3e-3}}
	d := imageJDescription(in, 0.5)
	for _, w := range []string{"images=12\n", "channels=3\n", "frames=4\n", "hyperstack=true\n", "unit=micron\n", "finterval=0.001\n", "min=-0.5\n", "max=0.5\n"} {
		if !strings.Contains(d, w) {
			t.Errorf("description %q lacks %q", d, w)
		}
	}
}

// TestNeverThroughALink: a link someone put at one of ipcf's own hidden
// names (the partial output, a Zarr's partial folder, the scratch folder;
// scratch pieces and the journal are opened the same way, openOwn) is
// removed, never written through, and so is a hard link: the file
// or folder it points to is unchanged, the output is a regular file or
// folder with the in-memory result, for every output format and engine.
func TestNeverThroughALink(t *testing.T) {
	forEngines(t, func(t *testing.T, e engine) {
		dir := t.TempDir()
		in := writeStack(t, dir, 128, 12, 12)
		o := pcf.Options{Radius: 2, Npoints: 8, Nbins: 6}
		want := inMemory(t, in, o)
		elsewhere := filepath.Join(dir, "elsewhere")
		os.Mkdir(elsewhere, 0o755)
		precious := []byte("my thesis data")
		for _, c := range []struct {
			name string
			out  Output
			link func(out string) string // where the link goes; returns its target
		}{
			{"npy partial", NewNpyOutput(filepath.Join(dir, "a.npy")), func(out string) string { return PartialName(out) }},
			{"tif partial", NewTiffOutput(filepath.Join(dir, "b.tif")), func(out string) string { return PartialName(out) }},
			{"zarr partial folder", NewZarrOutput(filepath.Join(dir, "c.zarr")), func(out string) string { return PartialName(out) }},
			{"scratch folder", NewNpyOutput(filepath.Join(dir, "d.npy")), func(out string) string { return ScratchDir("", out) }},
		} {
			target := filepath.Join(elsewhere, c.name)
			if c.name == "zarr partial folder" || c.name == "scratch folder" {
				os.Mkdir(target, 0o755)
				target = filepath.Join(target, "inside")
			}
			if err := os.WriteFile(target, precious, 0o644); err != nil {
				t.Fatal(err)
			}
			at := c.link(c.out.Path())
			linkTo := target
			if filepath.Base(target) == "inside" {
				linkTo = filepath.Dir(target)
			}
			if err := os.Symlink(linkTo, at); err != nil {
				t.Fatal(err)
			}
			src, err := source.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Run(context.Background(), src, c.out, Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{4, 4}, Key: c.name, CopyInput: true})
			src.Close()
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if b, _ := os.ReadFile(target); !bytes.Equal(b, precious) {
				t.Errorf("%s: the file behind the link was changed: %q", c.name, b)
			}
			if ents, _ := os.ReadDir(filepath.Dir(target)); filepath.Base(target) == "inside" && len(ents) != 1 {
				t.Errorf("%s: the folder behind the link gained %d entries", c.name, len(ents)-1)
			}
			st, err := os.Lstat(c.out.Path())
			if err != nil || st.Mode()&os.ModeSymlink != 0 {
				t.Fatalf("%s: output %v, %v", c.name, st, err)
			}
			if nb, ok := c.out.(*NpyOutput); ok && !bytes.Equal(npyData(t, nb.Path()), want) {
				t.Errorf("%s: the result differs from in-memory", c.name)
			}
		}
		// A hard link at the partial name: the file's other name keeps
		// its bytes.
		out := filepath.Join(dir, "e.npy")
		hard := filepath.Join(elsewhere, "hard")
		os.WriteFile(hard, precious, 0o644)
		if err := os.Link(hard, PartialName(out)); err != nil {
			t.Fatal(err)
		}
		src, _ := source.Open(in)
		_, err := Run(context.Background(), src, NewNpyOutput(out), Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{4, 4}, Key: "hard"})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(hard); !bytes.Equal(b, precious) {
			t.Errorf("hard link at the partial name: the other name's file was changed: %q", b)
		}
		if !bytes.Equal(npyData(t, out), want) {
			t.Error("hard link at the partial name: the result differs from in-memory")
		}
	})
}

// TestScratchRecordsNotFiles: a FIFO (or a link) in place of the scratch
// folder's job record or journal never hangs a rerun in open(2): the
// scratch is started again and the result is the in-memory one.
func TestScratchRecordsNotFiles(t *testing.T) {
	for _, name := range []string{"job.json", "journal"} {
		for _, kind := range []string{"fifo", "link", "socket", "folder"} {
			dir := t.TempDir()
			in := writeStack(t, dir, 128, 12, 12)
			o := pcf.Options{Radius: 2, Npoints: 8, Nbins: 6}
			out := filepath.Join(dir, "out.npy")
			run := func(progress func(string, int, int) bool) error {
				src, _ := source.Open(in)
				defer src.Close()
				_, err := Run(context.Background(), src, NewNpyOutput(out), Options{PCF: o, Memory: ProcessOverhead + 1<<20,
					Tile: [2]int{4, 4}, Key: "k", CopyInput: true, Progress: progress})
				return err
			}
			if err := run(func(ph string, done, _ int) bool { return !(ph == "pcf" && done >= 1) }); err == nil {
				t.Fatal("no cancellation")
			}
			rec := filepath.Join(ScratchDir("", out), name)
			os.Remove(rec)
			switch kind {
			case "fifo":
				if err := syscall.Mkfifo(rec, 0o644); err != nil {
					t.Fatal(err)
				}
			case "folder":
				if err := os.MkdirAll(filepath.Join(rec, "sub"), 0o755); err != nil {
					t.Fatal(err)
				}
			case "socket":
				l, err := net.Listen("unix", rec)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
			default:
				if err := os.Symlink(in, rec); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := readOwn(rec); err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s a %s: readOwn: %v", name, kind, err)
			}
			done := make(chan error, 1)
			go func() { done <- run(nil) }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("%s a %s: %v", name, kind, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("%s a %s: the rerun hangs", name, kind)
			}
			if !bytes.Equal(npyData(t, out), inMemory(t, in, o)) {
				t.Errorf("%s a %s: the result differs from in-memory", name, kind)
			}
		}
	}
}

// TestTileDamagedBeforeFinish: a tile changed in the partial output after
// it was written, while the run goes on (another program, a storage
// fault), is computed again before the output is finished: .npy and TIFF
// outputs published it with exit 0 and a checksum vouching for it (Zarr
// checked its chunks). One that keeps changing fails the run.
func TestTileDamagedBeforeFinish(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 128, 12, 13)
	o := pcf.Options{Radius: 2, Npoints: 4, Nbins: 4}
	g, _ := pcf.Plan([]int{128, 12, 13}, o)
	meta := func(uint32, uint32) map[string]any { return testMeta(g, 0.1, 0.01) }
	src, _ := source.Open(in)
	defer src.Close()
	opts := Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{2, 4}, Key: "k", Meta: meta}
	defer func() { testHookComputed = nil }()
	for _, c := range []struct {
		name string
		out  func(string) Output
		at   int64 // a byte of the first tile's values
	}{
		{"npy", func(p string) Output { return NewNpyOutput(p) }, 200},
		{"tif", func(p string) Output { return NewTiffOutput(p) }, 8 + 4*13},
	} {
		ref := filepath.Join(dir, "ref."+c.name)
		testHookComputed = nil
		if _, err := Run(context.Background(), src, c.out(ref), opts); err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(ref)
		damage := func(partial string) {
			f, err := os.OpenFile(partial, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte{0x55, 0x55, 0x55, 0x55}, c.at)
			f.Close()
		}
		times := 0
		testHookComputed = func(partial string) {
			if times++; times == 1 {
				damage(partial)
			}
		}
		out := filepath.Join(dir, "out."+c.name)
		if _, err := Run(context.Background(), src, c.out(out), opts); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
			t.Errorf("%s: a tile damaged before the output was finished was published", c.name)
		}
		if times != 2 {
			t.Errorf("%s: %d checks of the computed tiles, want 2 (the damaged tile computed again)", c.name, times)
		}
		// Damaged after every computation: the run fails, nothing published.
		out2 := filepath.Join(dir, "out2."+c.name)
		testHookComputed = damage
		if _, err := Run(context.Background(), src, c.out(out2), opts); err == nil || !strings.Contains(err.Error(), "keep changing after they are written") {
			t.Errorf("%s: damaged again and again: %v", c.name, err)
		}
		if _, err := os.Stat(out2); err == nil {
			t.Errorf("%s: published", c.name)
		}
	}
}

// TestRational: a TIFF RATIONAL keeps the resolution of every pixel size
// of 1e-6 to 1e6 um (1/ps) to 1e-9, exact where it is such a fraction, and
// both terms within 31 bits; 1/700000 was written as 1/10^6 (UNITS14's F9).
func TestRational(t *testing.T) {
	for _, ps := range []float64{1e-6, 2.5e-6, 1.23e-4, 0.065, 0.1, 0.1083, 0.123456789, 0.16, 1, 333.3, 7777, 150000, 700000, 999999.5, 1e6} {
		v := 1 / ps
		num, den := Rational(v)
		got := float64(num) / float64(den)
		if num == 0 || den == 0 || num > math.MaxInt32 || den > math.MaxInt32 || math.Abs(got-v) > 1e-9*v {
			t.Errorf("pixel size %g: %d/%d = %g, want %g", ps, num, den, got, v)
		}
	}
	for i := 0; i <= 20000; i++ { // every pixel size, log-spaced
		v := math.Pow(10, 6-12*float64(i)/20000)
		num, den := Rational(v)
		if got := float64(num) / float64(den); num > math.MaxInt32 || den > math.MaxInt32 || math.Abs(got-v) > 1e-9*v {
			t.Fatalf("resolution %g: %d/%d = %g", v, num, den, got)
		}
	}
	for _, c := range []struct {
		v        float64
		num, den uint32
	}{{10, 10, 1}, {0.5, 1, 2}, {1.0 / 700000, 1, 700000}, {0.375, 3, 8}, {1e12, math.MaxInt32, 1}, {1e-12, 1, math.MaxInt32}} {
		if num, den := Rational(c.v); num != c.num || den != c.den {
			t.Errorf("%g: %d/%d, want %d/%d", c.v, num, den, c.num, c.den)
		}
	}
}
