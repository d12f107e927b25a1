package pcf

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/fft"
)

// direct computes every mode of the toolkit from its definition (see
// docs/toolkit.md): direct time-domain sums in float64, no FFT, no
// symmetry, no deviations. It is slow: small inputs only.
func direct(data, data2 array.View, o Options) ([]float64, Geometry) {
	g, err := Plan(data.Shape, o)
	if err != nil {
		panic(err)
	}
	series := func(d array.View, y, x int) []float64 {
		s := make([]float64, g.N)
		for t := range s {
			s[t] = d.At(t, y, x)
		}
		return s
	}
	sum := func(s []float64) float64 {
		var v float64
		for _, x := range s {
			v += x
		}
		return v
	}
	// corr is G(a -> b) at lag tau over series of length n.
	corr := func(a, b []float64, tau int) float64 {
		n := len(a)
		var s float64
		for t := range a {
			s += a[t] * b[(t+tau)%n]
		}
		return float64(n)*s/(sum(a)*sum(b)) - 1
	}
	blocks := func(a []float64, k int) []float64 {
		s := 1 << k
		out := make([]float64, len(a)/s)
		for t := range out {
			for i := 0; i < s; i++ {
				out[t] += a[t*s+i]
			}
		}
		return out
	}
	curve := func(a, b []float64) []float64 {
		var c []float64
		if g.Lags != nil {
			for i, lag := range g.Lags {
				k := g.Levels[i]
				c = append(c, corr(blocks(a, k), blocks(b, k), lag>>k))
			}
		} else {
			lo := 0
			for _, hi := range g.Bins {
				var s float64
				for tau := lo; tau < hi; tau++ {
					s += corr(a, b, tau)
				}
				c = append(c, s/float64(hi-lo))
				lo = hi
			}
		}
		w := DefaultSmooth
		if o.Smooth != 0 {
			w = o.Smooth
		}
		c[0] = c[1]
		if !o.NoSmooth {
			for i := 1; i < len(c); i++ {
				c[i] = (1-w)*c[i] + w*c[i-1]
			}
			for i := len(c) - 2; i >= 0; i-- {
				c[i] = (1-w)*c[i] + w*c[i+1]
			}
		}
		return c
	}
	os := g.OutShape
	out := make([]float64, os[0]*os[1]*os[2]*os[3])
	my, mx := g.Margin[0], g.Margin[1]
	for y := my; y < g.H-my; y++ {
		for x := mx; x < g.W-mx; x++ {
			a := series(data, y, x)
			for i, c := range g.Offsets {
				b := series(data2, y+c.V, x+c.U)
				var cv []float64
				switch {
				case o.ThresholdOn && sum(a)/float64(g.N) <= o.Threshold,
					o.Mask != nil && o.Mask.At(y, x) == 0, sum(a) == 0, sum(b) == 0:
					cv = make([]float64, os[3])
					for k := range cv {
						cv[k] = math.NaN()
					}
				case o.Delta:
					cv = curve(a, b)
					for k, v := range curve(b, a) {
						cv[k] -= v
					}
				default:
					cv = curve(a, b)
				}
				copy(out[(((y-my)*os[1]+x-mx)*os[2]+i)*os[3]:], cv)
			}
		}
	}
	return out, g
}

func computeTK(t *testing.T, data array.View, o Options) ([]float32, Geometry) {
	t.Helper()
	return compute(t, data, o)
}

func checkClose(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		w := want[i]
		if math.IsNaN(w) != math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: out[%d]=%v, want %v", name, i, got[i], w)
		}
		if d := math.Abs(float64(got[i]) - w); d > tol {
			t.Fatalf("%s: out[%d]=%v, want %v (diff %.3g)", name, i, got[i], w, d)
		}
	}
}

func TestToolkitAgainstDirect(t *testing.T) {
	data := randomStack(11, 70, 9, 10, 40)
	data2 := randomStack(12, 70, 9, 10, 30)
	// a second channel correlated with the first: its sum plus noise
	mix := randomStack(13, 70, 9, 10, 30)
	for i := 0; i < 70*9*10; i++ {
		mix.Store(2*i, data.Load(2*i)+mix.Load(2*i))
	}
	// a pixel below the threshold and one with a zero series
	for tt := 0; tt < 70; tt++ {
		data.Store(2*(tt*90+4*10+4), 1)
		data.Store(2*(tt*90+5*10+6), 0)
	}
	mask := make([]byte, 9*10)
	for i := range mask {
		mask[i] = 1
	}
	mask[6*10+3] = 0
	mv, _ := array.Contiguous(array.Uint8, []int{9, 10}, mask)
	disk, _ := Disk(2)
	line, _ := Line(3)
	disk4, _ := Disk(4) // margins of 4: 1 x 2 outputs, most pairs of no use
	thr := Options{Offsets: []Offset{{1, 0}, {-1, 0}, {0, 2}, {0, -2}}, Nbins: 8}
	thr.SetThreshold(2)
	off := Options{Offsets: []Offset{{1, 2}, {-1, -2}, {3, 0}, {0, 0}, {3, 0}}, Nbins: 8}
	off.SetSmooth(0)
	cases := []struct {
		name  string
		o     Options
		data2 array.View
	}{
		{"offsets", Options{Offsets: []Offset{{1, 2}, {-1, -2}, {3, 0}, {0, 0}, {-2, 1}, {3, 0}}, Nbins: 8}, data},
		{"offsets no smoothing", off, data},
		{"disk", Options{Offsets: disk, Nbins: 6}, data},
		{"line", Options{Offsets: line, Nbins: 6}, data},
		{"disk over the image", Options{Offsets: disk4, Nbins: 6}, data},
		{"far offsets", Options{Offsets: []Offset{{4, 0}, {-3, 1}, {0, -4}, {2, 3}, {-2, -3}}, Nbins: 6}, data},
		{"far offsets delta", Options{Offsets: []Offset{{4, 0}, {-3, 1}, {0, -4}}, Nbins: 6, Delta: true}, data},
		{"acf", Options{Offsets: []Offset{{0, 0}}, Nbins: 10, Mask: &mv}, data},
		{"acf smooth 0.5", Options{Offsets: []Offset{{0, 0}}, Nbins: 10, Smooth: 0.5}, data},
		{"two channels", Options{Offsets: []Offset{{0, 0}, {1, 0}, {-1, 0}, {0, 1}}, Nbins: 8, Data2: &mix}, mix},
		{"two channels circle", Options{Radius: 2, Npoints: 8, Nbins: 8, Data2: &data2}, data2},
		{"delta", Options{Offsets: []Offset{{2, 0}, {-2, 0}, {0, 1}}, Nbins: 8, Delta: true}, data},
		{"delta two channels", Options{Offsets: []Offset{{1, 1}}, Nbins: 8, Delta: true, Data2: &mix}, mix},
		{"linear bins", Options{Radius: 2, Npoints: 8, Nbins: 7, Bins: LinearBinning}, data},
		{"multitau", Options{Offsets: []Offset{{0, 0}, {1, 0}, {-1, 0}}, Bins: Multitau, M: 4}, data},
		{"multitau m8 delta", Options{Offsets: []Offset{{2, 1}}, Bins: Multitau, M: 8, Delta: true}, data},
		{"threshold", thr, data},
	}
	for _, c := range cases {
		want, _ := direct(data, c.data2, c.o)
		for _, threads := range []int{1, 3} {
			for _, backend := range []string{"default", "gonum"} {
				o := c.o
				o.Threads = threads
				if backend == "gonum" {
					o.NewFFT = func(n int) fft.Plan { return fft.NewGonum(n) }
				}
				got, _ := computeTK(t, data, o)
				checkClose(t, c.name+" "+backend, got, want, 2e-6)
			}
		}
		// Band 1 (the least memory) gives the same bytes.
		o := c.o
		a, _ := computeTK(t, data, o)
		o.Band = 1
		b, _ := computeTK(t, data, o)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s: band 1 differs at %d", c.name, i)
			}
		}
	}
}

func TestToolkitGeometry(t *testing.T) {
	g, err := Plan([]int{64, 20, 30}, Options{Offsets: []Offset{{3, -1}, {-2, 4}}, Nbins: 8})
	if err != nil {
		t.Fatal(err)
	}
	if g.Margin != [2]int{4, 3} || g.OutShape != [4]int{12, 24, 2, len(g.Bins)} {
		t.Fatalf("margin %v shape %v", g.Margin, g.OutShape)
	}
	// the circle keeps the radius as margin even where no point reaches it
	g, _ = Plan([]int{64, 20, 30}, Options{Radius: 3, Npoints: 1, Nbins: 8})
	if g.Margin != [2]int{3, 3} {
		t.Fatalf("circle margin %v", g.Margin)
	}
	lin, _ := LinearBins(8192, 32)
	if lin[0] != 1 || lin[len(lin)-1] != 8192 || len(lin) != 32 {
		t.Fatalf("linear bins %v", lin)
	}
	lags, levels, _ := MultitauLags(16384, 16)
	if len(lags) != 16+9*8 || lags[15] != 15 || lags[16] != 16 || lags[len(lags)-1] != 15<<9 || levels[len(levels)-1] != 9 {
		t.Fatalf("multitau lags %v", lags)
	}
	g, _ = Plan([]int{64, 5, 5}, Options{Radius: 1, Npoints: 4, Nbins: 32})
	if g.Delays[0] != 0 || g.Delays[1] != 1 || g.Delays[len(g.Delays)-1] != float64(g.Bins[len(g.Bins)-2]+g.Bins[len(g.Bins)-1]-1)/2 {
		t.Fatalf("delays %v for bins %v", g.Delays, g.Bins)
	}
	d, _ := Disk(2)
	if len(d) != 12 {
		t.Fatalf("disk(2) has %d offsets, want 12", len(d))
	}
	bad := []Options{
		{Offsets: []Offset{}, Nbins: 8},
		{Offsets: []Offset{{20, 0}}, Nbins: 8},
		{Radius: 1, Npoints: 4, Nbins: 8, Smooth: 1},
		{Radius: 1, Npoints: 4, Nbins: 8, Smooth: -0.1},
		{Radius: 1, Npoints: 4, Nbins: 8, Smooth: math.NaN()},
		{Radius: 1, Npoints: 4, Bins: Multitau, M: 3},
		{Radius: 1, Npoints: 4, Nbins: 8, Bins: BinMode(7)},
		{Radius: 1, Npoints: 4, Nbins: 8, Threshold: math.NaN(), ThresholdOn: true},
	}
	for i, o := range bad {
		if _, err := Plan([]int{64, 20, 30}, o); err == nil {
			t.Errorf("bad options %d accepted", i)
		}
	}
	// an output of more than 2^63 bytes is refused, not planned with a
	// size that wraps (ipcf_pcf_output_shape said OK for (2^40)^3)
	if _, err := Plan([]int{64, 1 << 40, 1 << 40}, Options{Radius: 1, Npoints: 4, Nbins: 8}); err == nil || !strings.Contains(err.Error(), "more than 2^63 bytes") {
		t.Errorf("output of more than 2^63 bytes: %v", err)
	}
	d2 := randomStack(1, 64, 20, 29, 5)
	if _, err := Plan([]int{64, 20, 30}, Options{Radius: 1, Npoints: 4, Nbins: 8, Data2: &d2}); err == nil {
		t.Error("second channel of another shape accepted")
	}
}

// The defaults are today's results: Smooth 0.7 given explicitly changes
// no bit.
func TestExplicitDefaultsAreBitwiseDefaults(t *testing.T) {
	data := randomStack(3, 128, 12, 12, 30)
	a, _ := compute(t, data, Options{Radius: 2, Npoints: 8, Nbins: 12})
	o := Options{Radius: 2, Npoints: 8, Nbins: 12, Bins: LogBinning}
	o.SetSmooth(0.7)
	circ, _ := Circle(2, 8)
	o.Offsets = circ
	b, _ := compute(t, data, o)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("explicit defaults differ at %d: %v %v", i, a[i], b[i])
		}
	}
	_ = context.Background
}

// TestPlanEmptyImage: an image without pixels is refused as such, for an
// ACF too (its one offset reaches nothing: "offsets reach 0 rows and 0
// columns: too far for a 0x16 image", HOSTS14's M4).
func TestPlanEmptyImage(t *testing.T) {
	for _, shape := range [][]int{{512, 0, 16}, {512, 16, 0}, {512, 0, 0}} {
		for _, o := range []Options{{Offsets: []Offset{{0, 0}}}, {Radius: 2, Npoints: 8, Nbins: 8}} {
			_, err := Plan(shape, o)
			if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "no pixel to correlate") {
				t.Errorf("%v, %+v: %v, want ErrShape naming no pixel", shape, o.Offsets, err)
			}
		}
	}
}
