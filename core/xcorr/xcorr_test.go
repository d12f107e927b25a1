package xcorr

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestSameTutorialVectors(t *testing.T) {
	// The tutorial's test vectors for numpy.correlate(a, b, 'same'), plus
	// unequal lengths checked against numpy 1.24.
	cases := []struct{ a, b, want []float64 }{
		{[]float64{1, 2}, []float64{3, 4}, []float64{4, 11}},
		{[]float64{1, 2, 3}, []float64{4, 8, 16}, []float64{40, 68, 32}},
		{[]float64{1, 2, 3, 4}, []float64{5, 6, 7, 8}, []float64{23, 44, 70, 56}},
		{[]float64{1, 2, 3}, []float64{1, 10}, []float64{10, 21, 32}},
		{[]float64{1, 10}, []float64{1, 2, 3}, []float64{32, 21, 10}},
		{[]float64{1, 2, 3, 4}, []float64{1, 10, 100}, []float64{210, 321, 432, 43}},
		{[]float64{1, 10, 100}, []float64{1, 2, 3, 4}, []float64{43, 432, 321, 210}},
		{[]float64{1, 2}, []float64{1, 10, 100, 1000}, []float64{2100, 210, 21, 2}},
		{[]float64{7}, []float64{3}, []float64{21}},
	}
	for _, c := range cases {
		got, err := Same(nil, c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Fatalf("Same(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("Same(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
			}
		}
	}
	if _, err := Same(nil, nil, []float64{1}); !errors.Is(err, ErrLength) {
		t.Fatalf("empty input: err=%v, want ErrLength", err)
	}
}

func randSeries(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 100 + 10*rng.NormFloat64()
	}
	return x
}

func TestFastAgainstDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{2, 3, 5, 16, 17, 31, 64, 127, 128, 129, 1000} {
		a, b := randSeries(rng, n), randSeries(rng, n)
		for _, f := range []struct {
			name       string
			fast, slow func(dst, a, b []float64) ([]float64, error)
		}{{"circular", Circular, CircularDirect}, {"linear", Linear, LinearDirect}} {
			got, err := f.fast(nil, a, b)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := f.slow(nil, a, b)
			if len(got) != n/2 {
				t.Fatalf("%s n=%d: len %d", f.name, n, len(got))
			}
			for i := range got {
				if math.Abs(got[i]-want[i]) > 1e-12 {
					t.Fatalf("%s n=%d: c[%d]=%g, want %g", f.name, n, i, got[i], want[i])
				}
			}
		}
	}
}

func TestCircularZeroSumAndLengths(t *testing.T) {
	got, err := Circular(nil, []float64{0, 0, 0, 0}, []float64{1, 2, 3, 4})
	if !errors.Is(err, ErrZeroSum) || !math.IsNaN(got[0]) {
		t.Fatalf("zero sum: %v %v", got, err)
	}
	// Sums of exactly 0 whose rounded float64 sums are not (NUMERIC9's
	// F10: correlations of 1e15 came back): ErrZeroSum from every mode.
	b := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}
	for _, a := range [][]float64{
		{1e16, 1, -1e16, -1, 1e16, 1, -1e16, -1, 1e16, 1, -1e16, -1, 1e16, 1, -1e16, -1},
		{0.1, 0.2, -0.1, -0.2, 0.1, 0.2, -0.1, -0.2, 0.1, 0.2, -0.1, -0.2, 0.1, 0.2, -0.1, -0.2},
	} {
		var plain float64
		for _, v := range a {
			plain += v
		}
		if plain == 0 {
			t.Fatalf("%v: the plain sum is 0 already: the case tests nothing", a)
		}
		for name, f := range map[string]func(dst, a, b []float64) ([]float64, error){
			"Circular": Circular, "CircularDirect": CircularDirect, "Linear": Linear, "LinearDirect": LinearDirect} {
			if got, err := f(nil, a, b); !errors.Is(err, ErrZeroSum) || !math.IsNaN(got[0]) {
				t.Errorf("%s of %v: %v, %v; want NaN and ErrZeroSum", name, a[:4], got[:2], err)
			}
		}
	}
	if _, err := Circular(nil, []float64{1, 2}, []float64{1, 2, 3}); !errors.Is(err, ErrLength) {
		t.Fatalf("unequal lengths: %v", err)
	}
	if _, err := Linear(nil, []float64{1}, []float64{1}); !errors.Is(err, ErrLength) {
		t.Fatalf("length 1: %v", err)
	}
}

// The normalized correlations do not depend on the series' scale, also
// near float64's largest and smallest values (where sums, FFT products and
// the normalization would overflow or vanish) and with the two series far
// apart in scale.
func TestNormalizedScaleFree(t *testing.T) {
	a := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}
	b := []float64{2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4, 5}
	fns := map[string]func(dst, a, b []float64) ([]float64, error){
		"Circular": Circular, "CircularDirect": CircularDirect, "Linear": Linear, "LinearDirect": LinearDirect}
	scaled := func(x []float64, e int) []float64 {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = math.Ldexp(v, e)
		}
		return y
	}
	for name, f := range fns {
		want, err := f(nil, a, b)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range [][2]int{{1018, 0}, {1018, 1018}, {-1070, 0}, {-1060, 1000}, {600, -600}} {
			got, err := f(nil, scaled(a, e[0]), scaled(b, e[1]))
			if err != nil {
				t.Fatalf("%s 2^%v: %v", name, e, err)
			}
			for i := range want {
				if d := math.Abs(got[i] - want[i]); !(d <= 1e-12) {
					t.Errorf("%s 2^%v: [%d] = %v, want %v", name, e, i, got[i], want[i])
					break
				}
			}
		}
	}
}

// TestOffsetSeries: Circular and Linear of counts plus an offset M are
// those of the counts times sum(a)sum(b)/((sum(a)+nM)(sum(b)+nM)), to
// 1e-9 of the curves' scale, up to M = 2^52: computed from the
// deviations, less their own mean. Circular's "- 1" left nothing of the
// curves at 1e9, Linear's rounded mean 5 times their scale at 1e15
// (REVIEW9's F2).
func TestOffsetSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 256
	a, b := make([]float64, n), make([]float64, n)
	var sa, sb float64
	for i := range a {
		a[i], b[i] = float64(rng.IntN(11)), float64(rng.IntN(11))
		sa, sb = sa+a[i], sb+b[i]
	}
	for name, f := range map[string]func(dst, a, b []float64) ([]float64, error){"Circular": Circular, "Linear": Linear} {
		ref, err := f(nil, a, b)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []float64{1e9, 1e13, 1e15, 1 << 52} {
			am, bm := make([]float64, n), make([]float64, n)
			for i := range a {
				am[i], bm[i] = a[i]+m, b[i]+m
			}
			got, err := f(nil, am, bm)
			if err != nil {
				t.Fatal(err)
			}
			k := sa * sb / ((sa + n*m) * (sb + n*m))
			var peak, worst float64
			for i := range ref {
				peak = max(peak, math.Abs(ref[i]*k))
				worst = max(worst, math.Abs(got[i]-ref[i]*k))
			}
			if !(worst <= 1e-9*peak) {
				t.Errorf("%s, offset %g: %.3g off, %.2g of the curve's scale", name, m, worst, worst/peak)
			}
		}
	}
}

// TestHugeLongSeries: series of 2^499 over 16,384 samples (inside the
// range tame left unscaled) give the curves of the same series at an
// ordinary scale; the normalisation 1/(sum a * sum b) overflowed to 0, and
// the curves were all 0 (REVIEW10's F2). tame's bound now allows for n.
func TestHugeLongSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	const n = 16384
	a, b := make([]float64, n), make([]float64, n)
	ha, hb := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i], b[i] = float64(8+rng.IntN(8)), float64(8+rng.IntN(8))
		ha[i], hb[i] = math.Ldexp(a[i], 496), math.Ldexp(b[i], 496) // below 2^500, sums of 2^513
	}
	for name, f := range map[string]func(dst, a, b []float64) ([]float64, error){"Circular": Circular, "Linear": Linear} {
		want, err := f(nil, a, b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f(nil, ha, hb)
		if err != nil {
			t.Fatal(err)
		}
		var peak, worst float64
		for i := range want {
			peak = max(peak, math.Abs(want[i]))
			worst = max(worst, math.Abs(got[i]-want[i]))
		}
		if !(worst <= 1e-12*peak) {
			t.Errorf("%s of series of 2^499: %.3g off, of a scale of %.3g", name, worst, peak)
		}
	}
}
