package pcf

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/internal/fft"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/xcorr"
)

// reference computes the pCF straight from the spec, one pair at a time,
// in float64 (xcorr.Circular), with no symmetry and no mean subtraction.
func reference(data array.View, o Options) ([]float64, Geometry) {
	g, err := Plan(data.Shape, o)
	if err != nil {
		panic(err)
	}
	series := func(y, x int) []float64 {
		s := make([]float64, g.T)
		for t := range s {
			s[t] = data.At(t, y, x)
		}
		if o.Bleach > 0 {
			s = bleach.Correct(s, nil, o.Bleach, o.BleachMean, 0, 65535)
		}
		return s[:g.N]
	}
	r := o.Radius
	os := g.OutShape
	out := make([]float64, os[0]*os[1]*os[2]*os[3])
	nb := len(g.Bins)
	for y := r; y < g.H-r; y++ {
		for x := r; x < g.W-r; x++ {
			a := series(y, x)
			for i, c := range g.Offsets {
				b := series(y+c.V, x+c.U)
				cc, _ := xcorr.Circular(nil, a, b)
				gg := make([]float64, nb)
				lo := 0
				for j, hi := range g.Bins {
					var s float64
					for t := lo; t < hi; t++ {
						s += cc[t]
					}
					gg[j] = s / float64(hi-lo)
					lo = hi
				}
				smoothCurve(gg, 0.3, 0.7, true)
				copy(out[(((y-r)*os[1]+x-r)*os[2]+i)*os[3]:], gg)
			}
		}
	}
	return out, g
}

func compute(t *testing.T, data array.View, o Options) ([]float32, Geometry) {
	t.Helper()
	g, err := Plan(data.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	os := g.OutShape
	buf := make([]byte, os[0]*os[1]*os[2]*os[3]*4)
	out, err := array.Contiguous(array.Float32, os[:], buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := Compute(context.Background(), out, data, o); err != nil {
		t.Fatal(err)
	}
	res := make([]float32, len(buf)/4)
	for i := range res {
		res[i] = float32(out.Load(4 * i))
	}
	return res, g
}

func randomStack(seed uint64, t, h, w int, lam float64) array.View {
	rng := rand.New(rand.NewPCG(seed, 1))
	buf := make([]byte, t*h*w*2)
	v, _ := array.Contiguous(array.Uint16, []int{t, h, w}, buf)
	for i := 0; i < t*h*w; i++ {
		v.Store(2*i, math.Floor(lam+math.Sqrt(lam)*rng.NormFloat64()))
	}
	return v
}

func TestAgainstReference(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		t    int
	}{
		{"r2p8", Options{Radius: 2, Npoints: 8, Nbins: 8}, 64},
		{"r3p18 no exact symmetry", Options{Radius: 3, Npoints: 18, Nbins: 10}, 100},
		{"odd points", Options{Radius: 2, Npoints: 5, Nbins: 6}, 32},
		{"r1p64 duplicate points", Options{Radius: 1, Npoints: 64, Nbins: 4}, 16},
		{"bleach", Options{Radius: 2, Npoints: 4, Nbins: 5, Bleach: 8}, 80},
		{"bleach floor", Options{Radius: 2, Npoints: 4, Nbins: 5, Bleach: 8, BleachMean: bleach.Floor}, 80},
	}
	for _, c := range cases {
		data := randomStack(uint64(len(c.name)), c.t, 9, 8, 50)
		want, _ := reference(data, c.o)
		for _, threads := range []int{1, 3} {
			for _, backend := range []string{"default", "gonum"} {
				o := c.o
				o.Threads = threads
				if backend == "gonum" {
					o.NewFFT = func(n int) fft.Plan { return fft.NewGonum(n) }
				}
				got, _ := compute(t, data, o)
				for i := range got {
					if d := math.Abs(float64(got[i]) - want[i]); !(d <= 1e-6) {
						t.Fatalf("%s threads=%d %s: out[%d]=%v, want %v", c.name, threads, backend, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestSaturatedSampleDoesNotLeak: one saturated sample (a hot pixel, a
// cosmic ray) in a dim integer series made its deviations dwarf its
// neighbours', and the pair packed with its own in one complex transform
// took its rounding error: curves of pixels nowhere near it were 7e-6
// off. Every series is now scaled (scaleOf), integers too: every path
// (C spectra for uint16, Go for int16, int32, float32) stays within 1e-6
// of the float64 reference on every curve.
func TestSaturatedSampleDoesNotLeak(t *testing.T) {
	const T, H, W = 1024, 9, 9
	rng := rand.New(rand.NewPCG(0, 0))
	vals := make([]float64, T*H*W)
	for i := range vals { // Poisson(1) counts (Knuth)
		k, p := 0, rng.Float64()
		for ; p > math.Exp(-1); p *= rng.Float64() {
			k++
		}
		vals[i] = float64(k)
	}
	vals[(500*H+3)*W+5] = 65535
	for _, dt := range []array.DType{array.Uint16, array.Int16, array.Int32, array.Float32} {
		if dt == array.Int16 {
			vals[(500*H+3)*W+5] = 32767
		} else {
			vals[(500*H+3)*W+5] = 65535
		}
		buf := make([]byte, T*H*W*dt.Size())
		data, _ := array.Contiguous(dt, []int{T, H, W}, buf)
		for i, v := range vals {
			data.Store(i*dt.Size(), v)
		}
		o := Options{Radius: 1, Npoints: 4, Nbins: 8}
		want, _ := reference(data, o)
		got, _ := compute(t, data, o)
		for i := range got {
			if d := math.Abs(float64(got[i]) - want[i]); !(d <= 1e-6) {
				t.Fatalf("%v: out[%d] = %v, want %v (off by %.2g)", dt, i, got[i], want[i], d)
			}
		}
	}
}

func TestThreadsGiveIdenticalResults(t *testing.T) {
	data := randomStack(5, 256, 20, 17, 20)
	o := Options{Radius: 3, Npoints: 12, Nbins: 12, Threads: 1}
	a, _ := compute(t, data, o)
	o.Threads = 4
	b, _ := compute(t, data, o)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("threads 1 and 4 differ at %d: %v %v", i, a[i], b[i])
		}
	}
}

func TestMaskAndLayouts(t *testing.T) {
	data := randomStack(9, 64, 10, 11, 30)
	o := Options{Radius: 2, Npoints: 8, Nbins: 6}
	full, g := compute(t, data, o)
	mbuf := make([]byte, g.H*g.W)
	for i := range mbuf {
		mbuf[i] = byte(i % 3)
	}
	mask, _ := array.Contiguous(array.Uint8, []int{g.H, g.W}, mbuf)
	o.Mask = &mask
	masked, _ := compute(t, data, o)
	os := g.OutShape
	for y := 0; y < os[0]; y++ {
		for x := 0; x < os[1]; x++ {
			on := mbuf[(y+2)*g.W+x+2] != 0
			for k := 0; k < os[2]*os[3]; k++ {
				i := (y*os[1]+x)*os[2]*os[3] + k
				if on && masked[i] != full[i] || !on && !math.IsNaN(float64(masked[i])) {
					t.Fatalf("mask: pixel (%d,%d) on=%v: %v, full %v", y, x, on, masked[i], full[i])
				}
			}
		}
	}
	// The same data as a Fortran-order, big-endian copy read in place.
	T, H, W := data.Shape[0], data.Shape[1], data.Shape[2]
	fbuf := make([]byte, len(data.Data))
	fv, _ := array.New(array.Uint16, array.Big, []int{T, H, W}, []int{2, 2 * T, 2 * T * H}, fbuf, 0)
	for ti := 0; ti < T; ti++ {
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				fv.Set(data.At(ti, y, x), ti, y, x)
			}
		}
	}
	o.Mask = nil
	got, _ := compute(t, fv, o)
	for i := range got {
		if got[i] != full[i] {
			t.Fatalf("fortran big-endian: out[%d]=%v, want %v", i, got[i], full[i])
		}
	}
}

func TestErrors(t *testing.T) {
	data := randomStack(1, 16, 8, 8, 10)
	cases := map[string]Options{
		"radius too large": {Radius: 4, Npoints: 8, Nbins: 4},
		"radius 0":         {Radius: 0, Npoints: 8, Nbins: 4},
		"npoints 0":        {Radius: 1, Npoints: 0, Nbins: 4},
		"nbins 1":          {Radius: 1, Npoints: 8, Nbins: 1},
		"bleach too large": {Radius: 1, Npoints: 8, Nbins: 4, Bleach: 8},
		"negative threads": {Radius: 1, Npoints: 8, Nbins: 4, Threads: -1},
	}
	for name, o := range cases {
		out, _ := array.Contiguous(array.Float32, []int{1, 1, 1, 1}, make([]byte, 4))
		if err := Compute(context.Background(), out, data, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	short := randomStack(1, 3, 8, 8, 10)
	if _, err := Plan(short.Shape, Options{Radius: 1, Npoints: 4, Nbins: 4}); err == nil {
		t.Error("3 frames: no error")
	}
	out, _ := array.Contiguous(array.Float32, []int{6, 6, 8, 2}, make([]byte, 6*6*8*2*4))
	if err := Compute(context.Background(), out, data, Options{Radius: 1, Npoints: 8, Nbins: 4}); err == nil {
		t.Error("wrong output shape: no error")
	}
}

// TestBleachMeanNeedsBleach: the bleaching correction's mean without the
// correction is refused (every front end reaches Plan), as the CLI's
// --bleach-mean without --bleach; with it, or the default mean alone,
// plans.
func TestBleachMeanNeedsBleach(t *testing.T) {
	shape := []int{64, 8, 8}
	_, err := Plan(shape, Options{Radius: 1, Npoints: 4, Nbins: 4, BleachMean: bleach.Floor})
	if !errors.Is(err, ErrParam) || !strings.Contains(err.Error(), "bleach_mean") {
		t.Errorf("floor mean without bleach: %v, want ErrParam naming bleach_mean", err)
	}
	for _, o := range []Options{
		{Radius: 1, Npoints: 4, Nbins: 4},
		{Radius: 1, Npoints: 4, Nbins: 4, Bleach: 8, BleachMean: bleach.Floor},
		{Radius: 1, Npoints: 4, Nbins: 4, Bleach: 8},
	} {
		if _, err := Plan(shape, o); err != nil {
			t.Errorf("bleach %d, mean %d: %v", o.Bleach, o.BleachMean, err)
		}
	}
}

// --- conformance ---

type manifest struct {
	Cases []struct {
		Name, Op string
		Params   struct {
			Radius, Npoints, Nbins, Filtersize int
			Mean                               string
		}
		Input   struct{ File string }
		Outputs []struct{ Role, File string }
	}
}

// golden holds the project's own cases (tools/golden), in the format of
// the shared conformance folder.
var golden = filepath.Join("..", "..", "testdata", "golden")

// caseSets are the folders of cases every conformance test runs: the
// project's own, and the independent implementation's beside the checkout.
var caseSets = []string{golden, conformance}

func loadManifest(t *testing.T, dir string) manifest {
	t.Helper()
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("cases not found (%v): testdata/golden is in the repository and ../shared must be beside the checkout", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConformance(t *testing.T) {
	for _, dir := range caseSets {
		t.Run(filepath.Base(dir), func(t *testing.T) { testConformance(t, dir) })
	}
}

func testConformance(t *testing.T, conformance string) {
	m := loadManifest(t, conformance)
	n := 0
	for _, c := range m.Cases {
		if c.Op != "pcf" && c.Op != "bleach+pcf" {
			continue
		}
		n++
		in, err := npy.Open(filepath.Join(conformance, c.Input.File))
		if err != nil {
			t.Fatal(err)
		}
		o := Options{Radius: c.Params.Radius, Npoints: c.Params.Npoints, Nbins: c.Params.Nbins, Bleach: c.Params.Filtersize}
		if c.Params.Mean == "floor" || c.Params.Mean == "int" {
			o.BleachMean = bleach.Floor
		}
		got, g := compute(t, in.View, o)
		for _, ex := range c.Outputs {
			if ex.Role != "expected" {
				continue
			}
			want, err := npy.Open(filepath.Join(conformance, ex.File))
			if err != nil {
				t.Fatal(err)
			}
			if want.Len() != len(got) {
				t.Fatalf("%s: %d values, want %d (shape %v vs %v)", c.Name, len(got), want.Len(), g.OutShape, want.Shape)
			}
			worst := 0.0
			for i := range got {
				w := want.Load(want.Offset + 4*i)
				if math.IsNaN(w) != math.IsNaN(float64(got[i])) {
					t.Fatalf("%s: out[%d]=%v, want %v", c.Name, i, got[i], w)
				}
				if d := math.Abs(float64(got[i]) - w); d > worst {
					worst = d
				}
			}
			if worst > 1e-6 {
				t.Fatalf("%s: max abs error %g > 1e-6", c.Name, worst)
			}
			t.Logf("%s: max abs error %.2g", c.Name, worst)
			want.Close()
		}
		in.Close()
	}
	if n < 4 {
		t.Fatalf("only %d pcf conformance cases", n)
	}
}

func TestBleachConformance(t *testing.T) {
	for _, dir := range caseSets {
		t.Run(filepath.Base(dir), func(t *testing.T) { testBleachConformance(t, dir) })
	}
}

func testBleachConformance(t *testing.T, conformance string) {
	m := loadManifest(t, conformance)
	n := 0
	for _, c := range m.Cases {
		for _, ex := range c.Outputs {
			var wantFile string
			switch {
			case c.Op == "bleach" && ex.Role == "expected", ex.Role == "expected_corrected":
				wantFile = ex.File
			default:
				continue
			}
			n++
			in, err := npy.Open(filepath.Join(conformance, c.Input.File))
			if err != nil {
				t.Fatal(err)
			}
			want, err := npy.Open(filepath.Join(conformance, wantFile))
			if err != nil {
				t.Fatal(err)
			}
			mean := bleach.Real
			if c.Params.Mean == "floor" || c.Params.Mean == "int" {
				mean = bleach.Floor
			}
			T, H, W := in.Shape[0], in.Shape[1], in.Shape[2]
			F := c.Params.Filtersize
			s := make([]float64, T)
			for y := 0; y < H; y++ {
				for x := 0; x < W; x++ {
					for ti := range s {
						s[ti] = in.At(ti, y, x)
					}
					got := bleach.Correct(s, nil, F, mean, 0, 65535)
					for ti, v := range got {
						if w := want.At(ti, y, x); w != v {
							t.Fatalf("%s: pixel (%d,%d) frame %d: %v, want %v", c.Name, y, x, ti, v, w)
						}
					}
				}
			}
		}
	}
	if n < 3 {
		t.Fatalf("only %d bleach conformance outputs", n)
	}
}

// TestSpectraInCMatchesGo checks that the C transpose-and-transform path
// gives bitwise the Go path's result, and so does the path of an input in
// a file's mapping (frames copied in Go in chunks, then the C path's
// steps), for both byte orders, with constant
// pixels of the largest and of a small value, whose pairs are exactly 0.
// The input is over smallInput, so the C path is taken (where the build
// has one: fft.HasSpectraU16; the pure-Go build checks its one path).
func TestSpectraInCMatchesGo(t *testing.T) {
	for _, big := range []bool{false, true} {
		data := randomStack(11, 512, 13, 21, 40)
		if readInGo(data, nil) {
			t.Fatalf("%d bytes of input are read in Go: the C path is not tested", len(data.Data))
		}
		// (row, column, value) inside the output, so that pairs reach
		// them: a constant 0 sums to zero, its pairs are NaN.
		constant := [][3]int{{6, 10, 65535}, {6, 3, 7}, {3, 14, 0}}
		for _, c := range constant {
			for tt := 0; tt < data.Shape[0]; tt++ {
				data.Store(((tt*data.Shape[1]+c[0])*data.Shape[2]+c[1])*2, float64(c[2]))
			}
		}
		if big {
			T, H, W := data.Shape[0], data.Shape[1], data.Shape[2]
			bv, _ := array.New(array.Uint16, array.Big, []int{T, H, W}, data.Strides, make([]byte, len(data.Data)), 0)
			for i := 0; i < T*H*W; i++ {
				bv.Store(2*i, data.Load(2*i))
			}
			data = bv
		}
		o := Options{Radius: 3, Npoints: 12, Nbins: 10, Threads: 2}
		a, _ := compute(t, data, o)
		o.inGo = true // a file's mapping: copied in Go a chunk of frames at a time, then C
		c, _ := compute(t, data, o)
		o.noC = true
		b, _ := compute(t, data, o)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("big=%v: C and Go spectra paths differ at %d: %v %v", big, i, a[i], b[i])
			}
			if math.Float32bits(a[i]) != math.Float32bits(c[i]) {
				t.Fatalf("big=%v: C path and C from chunks copied in Go differ at %d: %v %v", big, i, a[i], c[i])
			}
		}
		// Every pair one of whose pixels is constant: exactly 0.
		g, _ := Plan(data.Shape, o)
		constAt := func(y, x int) (value int, ok bool) {
			for _, c := range constant {
				if c[0] == y && c[1] == x {
					return c[2], true
				}
			}
			return 0, false
		}
		s := g.OutShape
		checked := map[int]int{} // bins checked, by the constant's value
		for y := 0; y < s[0]; y++ {
			for x := 0; x < s[1]; x++ {
				for d, off := range g.Offsets {
					py, px := y+g.Margin[0], x+g.Margin[1]
					v1, ok1 := constAt(py, px)
					v2, ok2 := constAt(py+off.V, px+off.U)
					if !ok1 && !ok2 {
						continue
					}
					zero := (ok1 && v1 == 0) || (ok2 && v2 == 0)
					for k := 0; k < s[3]; k++ {
						v := a[((y*s[1]+x)*s[2]+d)*s[3]+k]
						if zero && !math.IsNaN(float64(v)) {
							t.Fatalf("big=%v: pair (%d,%d)+%v bin %d has a pixel of zero sum: %v, want NaN", big, py, px, off, k, v)
						}
						if !zero && math.Float32bits(v) != 0 {
							t.Fatalf("big=%v: pair (%d,%d)+%v bin %d has a constant pixel: %v, want exactly 0", big, py, px, off, k, v)
						}
						if ok1 {
							checked[v1]++
						}
						if ok2 {
							checked[v2]++
						}
					}
				}
			}
		}
		for _, c := range constant {
			if checked[c[2]] == 0 {
				t.Fatalf("no pair of the constant pixel %v checked", c)
			}
		}
	}
}

// sub returns the view of rows [y0, y1) and columns [x0, x1) of a stack.
func sub(v array.View, y0, y1, x0, x1 int) array.View {
	w, err := array.New(v.DType, v.Order, []int{v.Shape[0], y1 - y0, x1 - x0}, v.Strides, v.Data,
		v.Offset+y0*v.Strides[1]+x0*v.Strides[2])
	if err != nil {
		panic(err)
	}
	return w
}

// TestTilesEqualWhole computes tiles with a halo of 2*radius and checks
// that their interiors equal the whole-image result bit for bit (the
// contract of blocked and out-of-core processing).
func TestTilesEqualWhole(t *testing.T) {
	data := randomStack(21, 256, 30, 27, 30)
	for _, o := range []Options{
		{Radius: 3, Npoints: 12, Nbins: 10, Threads: 2},
		{Radius: 2, Npoints: 7, Nbins: 6, Threads: 1}, // odd npoints: unpaired groups
	} {
		whole, g := compute(t, data, o)
		os := g.OutShape
		r, h := o.Radius, 2*o.Radius
		// Output tiles [ty0, ty1) x [tx0, tx1) in output coordinates.
		for _, tile := range [][4]int{{0, 9, 0, 8}, {9, os[0], 0, 8}, {5, 17, 8, os[1]}, {0, os[0], 3, 4}} {
			ty0, ty1, tx0, tx1 := tile[0], tile[1], tile[2], tile[3]
			// Image rows of the tile's pixels: ty0+r .. ty1+r; add a halo of 2r,
			// clipped at the image border (where the whole image has none either).
			iy0, iy1 := max(0, ty0+r-h), min(g.H, ty1+r+h)
			ix0, ix1 := max(0, tx0+r-h), min(g.W, tx1+r+h)
			part, pg := compute(t, sub(data, iy0, iy1, ix0, ix1), o)
			ps := pg.OutShape
			for y := ty0; y < ty1; y++ {
				for x := tx0; x < tx1; x++ {
					py, px := y+r-iy0-r, x+r-ix0-r
					for k := 0; k < os[2]*os[3]; k++ {
						a := whole[(y*os[1]+x)*os[2]*os[3]+k]
						b := part[(py*ps[1]+px)*ps[2]*ps[3]+k]
						if math.Float32bits(a) != math.Float32bits(b) {
							t.Fatalf("%+v tile %v: pixel (%d,%d) value %d: tile %v, whole %v", o, tile, y, x, k, b, a)
						}
					}
				}
			}
		}
	}
}

// saturating returns a (t, h, w) stack of type dt whose first half sits at
// the type's largest count and whose second half jumps between 0 and it:
// the bleaching correction's values overshoot that count (to about 1.8
// times it).
func saturating(dt array.DType, t, h, w int) array.View {
	_, top := bleach.Limits(dt)
	v, _ := array.Contiguous(dt, []int{t, h, w}, make([]byte, t*h*w*dt.Size()))
	rng := rand.New(rand.NewPCG(5, uint64(dt)))
	for i := 0; i < t*h*w; i++ {
		x := top
		if i >= t*h*w/2 && rng.IntN(2) == 0 {
			x = 0
		}
		v.Store(i*dt.Size(), x)
	}
	return v
}

// TestBleachKeepsTheInputType: the pCF with bleaching correction equals
// the pCF of the stack corrected into the input's own type (pcf.md: the
// output keeps the input's integer type), for types whose range ends below
// 65535 too: corrected values are clipped to uint8's 255 and int16's
// 32767, as `ipcf bleach` writes them. The error bars follow the same.
func TestBleachKeepsTheInputType(t *testing.T) {
	const F = 20
	for _, dt := range []array.DType{array.Uint8, array.Int16, array.Uint16, array.Int32} {
		data := saturating(dt, 400, 8, 8)
		lo, hi := bleach.Limits(dt)
		if lo != 0 || hi != math.Min(65535, map[array.DType]float64{array.Uint8: 255, array.Int16: 32767, array.Uint16: 65535, array.Int32: 65535}[dt]) {
			t.Fatalf("%v: Limits %v, %v", dt, lo, hi)
		}
		corr, _ := array.Contiguous(dt, []int{400 - 2*F, 8, 8}, make([]byte, (400-2*F)*64*dt.Size()))
		if err := bleach.Stack(context.Background(), corr, data, F, bleach.Real, 1, nil); err != nil {
			t.Fatal(err)
		}
		o := Options{Radius: 2, Npoints: 8, Nbins: 8}
		want, _ := compute(t, corr, o)
		o.Bleach = F
		got, _ := compute(t, data, o)
		for i := range got {
			if got[i] != want[i] && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
				t.Fatalf("%v: pcf with bleaching [%d] = %v, the corrected stack's %v", dt, i, got[i], want[i])
			}
		}
		o.Bleach = 0
		g, _ := Plan(corr.Shape, o)
		sd := func(d array.View, o Options) []byte {
			buf := make([]byte, g.OutShape[0]*g.OutShape[1]*g.OutShape[2]*g.OutShape[3]*4)
			out, _ := array.Contiguous(array.Float32, g.OutShape[:], buf)
			if err := ErrorBars(context.Background(), out, d, o, ErrOptions{Method: Blocking}); err != nil {
				t.Fatal(err)
			}
			return buf
		}
		wantSD := sd(corr, o)
		o.Bleach = F
		if gotSD := sd(data, o); string(gotSD) != string(wantSD) {
			t.Fatalf("%v: error bars with bleaching differ from the corrected stack's", dt)
		}
	}
}

// TestLargeOffsetFloat64: float64 samples of 1e13 varying by about 10
// (exact in float64; fluctuations 1e-12 of the mean). A running float64
// sum of a series is off by several of the samples' spacings, which the
// deviations from its mean kept: curves off by 2e-4 of their scale (a
// campaign's finding). The reference is the spec on the fluctuations
// alone (the same deviations, exactly), renormalised by the series'
// sums: G = N sum da db / (sum a sum b).
func TestLargeOffsetFloat64(t *testing.T) {
	const T, H, W, off = 1024, 4, 9, 1e13
	rng := rand.New(rand.NewPCG(19, 1))
	small := make([]byte, T*H*W*8)
	big := make([]byte, T*H*W*8)
	sv, _ := array.Contiguous(array.Float64, []int{T, H, W}, small)
	bv, _ := array.Contiguous(array.Float64, []int{T, H, W}, big)
	sums := make([][2]float64, H*W) // per pixel: the sum of the fluctuations, of the samples
	for i := 0; i < T*H*W; i++ {
		k := math.Floor(100 + 10*rng.NormFloat64())
		sv.Store(8*i, k)
		bv.Store(8*i, off+k)
		sums[i%(H*W)][0] += k
	}
	for p := range sums {
		sums[p][1] = T*off + sums[p][0]
	}
	o := Options{Radius: 1, Npoints: 4, Nbins: 8}
	ref, g := reference(sv, o)
	got, _ := compute(t, bv, o)
	os := g.OutShape
	for y := 0; y < os[0]; y++ {
		for x := 0; x < os[1]; x++ {
			for i, c := range g.Offsets {
				a, b := (y+1)*W+x+1, (y+1+c.V)*W+x+1+c.U
				scale := sums[a][0] * sums[b][0] / (sums[a][1] * sums[b][1])
				at := ((y*os[1]+x)*os[2] + i) * os[3]
				var peak, worst float64
				for j := 0; j < os[3]; j++ {
					peak = max(peak, math.Abs(ref[at+j]*scale))
				}
				for j := 0; j < os[3]; j++ {
					worst = max(worst, math.Abs(float64(got[at+j])-ref[at+j]*scale)/peak)
				}
				if worst > 1e-5 {
					t.Fatalf("pixel (%d, %d) offset %v: off by %.3g of the curve's scale (%.3g)", y, x, c, worst, peak)
				}
			}
		}
	}
}

// TestPieces checks the pieces a task of the fast path's spectra is cut
// into: in order, each pixel once, contiguous, within pieceSamples (or one
// pixel), and that a stop is seen before the next piece.
func TestPieces(t *testing.T) {
	defer func(v int) { pieceSamples = v }(pieceSamples)
	for _, c := range []struct{ w, n, limit, a, b, want int }{
		{21, 512, 512 * 21 * 2, 3, 8, 3},   // 2 rows a piece: 3+4, 5+6, 7
		{21, 512, 512 * 3, 5, 7, 14},       // 3 pixels a piece: 7 per row
		{21, 512, 512*3 + 511, 5, 6, 7},    // still 3
		{21, 512, 100, 0, 2, 42},           // one pixel
		{21, 512, 1 << 24, 0, 13, 1},       // the default: one piece
		{64, 16384, 1 << 24, 0, 32, 2},     // the default dataset: 16 rows
		{8, 1 << 22, 1 << 24, 0, 4, 2 * 4}, // 4 pixels of one row
	} {
		pieceSamples = c.limit
		e := &engine{g: Geometry{W: c.w, N: c.n}}
		next, calls := c.a*c.w, 0
		err := e.pieces(c.a, c.b, func() bool { return false }, func(ya, yb, x0, x1 int) {
			calls++
			if p0 := ya*c.w + x0; p0 != next || ya >= yb || x0 >= x1 || x1 > c.w || (yb-ya > 1 && (x0 != 0 || x1 != c.w)) {
				t.Fatalf("%+v: piece rows [%d, %d) columns [%d, %d) after pixel %d", c, ya, yb, x0, x1, next)
			}
			if n := (yb - ya) * (x1 - x0); n > 1 && n*c.n > c.limit {
				t.Fatalf("%+v: piece of %d pixels of %d samples", c, n, c.n)
			}
			next = (yb-1)*c.w + x1
		})
		if err != nil || calls != c.want || next != c.b*c.w {
			t.Fatalf("%+v: %d pieces to pixel %d (%v), want %d to %d", c, calls, next, err, c.want, c.b*c.w)
		}
		looks := 0
		err = e.pieces(c.a, c.b, func() bool { looks++; return looks > 1 }, func(_, _, _, _ int) { calls++ })
		if calls != c.want+1 || (c.want > 1) != errors.Is(err, pool.ErrCancelled) {
			t.Fatalf("%+v: stopped after the first piece: %d pieces, %v", c, calls-c.want, err)
		}
	}
}

// TestSpectraPiecesBitwise checks that the spectra computed in pieces of
// a few pixels are bitwise those computed whole, on each path: C, C from
// chunks copied in Go, Go, and the general path (bleaching, float64).
func TestSpectraPiecesBitwise(t *testing.T) {
	defer func(v int) { pieceSamples = v }(pieceSamples)
	data := randomStack(12, 512, 13, 21, 40)
	f64, _ := array.Contiguous(array.Float64, data.Shape, make([]byte, 4*len(data.Data)))
	for i := 0; i < len(data.Data)/2; i++ {
		f64.Store(8*i, data.Load(2*i)+0.25)
	}
	for _, c := range []struct {
		name string
		data array.View
		o    Options
	}{
		{"C", data, Options{Radius: 3, Npoints: 12, Nbins: 10, Threads: 2}},
		{"C from Go copies", data, Options{Radius: 3, Npoints: 12, Nbins: 10, Threads: 2, inGo: true}},
		{"Go", data, Options{Radius: 3, Npoints: 12, Nbins: 10, Threads: 2, noC: true}},
		{"bleach", data, Options{Radius: 2, Npoints: 8, Nbins: 8, Threads: 2, Bleach: 8}},
		{"float64", f64, Options{Radius: 2, Npoints: 8, Nbins: 8, Threads: 1}},
	} {
		pieceSamples = 1 << 24
		want, _ := compute(t, c.data, c.o)
		for _, limit := range []int{512 * 21 * 2, 512 * 3, 1} {
			pieceSamples = limit
			got, _ := compute(t, c.data, c.o)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s, pieces of %d samples: %d: %v, whole %v", c.name, limit, i, got[i], want[i])
				}
			}
		}
	}
}

// TestTaskSegment checks the segments of pixels a task of pairs takes:
// as before series longer than 16,384 samples were bounded (4 rows of 16
// columns, fewer rows for more than 64 units of pairs a pixel, one row of
// fewer columns for more than 256), and for longer series at most the
// same units times the square of the series' length, one pixel at least.
func TestTaskSegment(t *testing.T) {
	for units := 1; units <= 5000; units++ {
		wantRows := max(1, min(4, 256/units))
		for _, n := range []int{4, 1024, 16384} {
			rows, cols := taskSegment(units, n)
			wantCols := 16
			if units > 256 {
				wantCols = max(1, 4096/units)
			}
			if rows != wantRows || cols != wantCols {
				t.Fatalf("%d units, n %d: %d x %d, want %d x %d", units, n, rows, cols, wantRows, wantCols)
			}
		}
		for n := 1 << 15; n <= 1<<24; n *= 2 {
			rows, cols := taskSegment(units, n)
			r := n / 16384
			if rows < 1 || cols < 1 || rows > 4 || cols > 16 || (rows*cols > 1 && rows*cols*units*r*r > 4096) {
				t.Fatalf("%d units, n %d: %d x %d", units, n, rows, cols)
			}
		}
	}
	if r, c := taskSegment(2, 1<<22); r != 1 || c != 1 {
		t.Fatalf("2 units of 2^22 samples: %d x %d, want one pixel", r, c)
	}
}

// TestPairTasksBitwise checks that the pairs computed one pixel a task
// are bitwise those computed in the default segments, on the pair
// kernel's dot and transform paths and on the Go path.
func TestPairTasksBitwise(t *testing.T) {
	defer func(v int) { taskUnits = v }(taskUnits)
	data := randomStack(13, 512, 13, 21, 40)
	for _, o := range []Options{
		{Radius: 3, Npoints: 12, Nbins: 10, Threads: 2},
		{Radius: 2, Npoints: 8, Nbins: 40, Threads: 2, Bins: LinearBinning}, // over 32 bins: the transform path
		{Radius: 2, Npoints: 8, Nbins: 8, Threads: 2, NewFFT: fft.New},
	} {
		taskUnits = 64 * 64
		want, _ := compute(t, data, o)
		taskUnits = 1
		got, _ := compute(t, data, o)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: %d: %v, in segments %v", o, i, got[i], want[i])
			}
		}
	}
}
