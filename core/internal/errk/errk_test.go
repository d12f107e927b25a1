package errk

import (
	"math"
	"math/rand/v2"
	"testing"
)

// series returns n random relative deviations.
func series(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64() * 0.3
	}
	return x
}

func prefix2(v []float64) []float64 {
	n := len(v)
	p := make([]float64, 2*n+1)
	for i := 0; i < 2*n; i++ {
		p[i+1] = p[i] + v[i%n]
	}
	return p
}

// TestBinsDefinition: Bins against its definition written out directly
// (the window sums of v by a loop over the delays, not prefix sums).
func TestBinsDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{4, 16, 256, 1024} {
		u, v := series(rng, n), series(rng, n)
		var bins []int64
		for _, b := range []int64{1, 2, 3, 5, 8} {
			if b <= int64(n) {
				bins = append(bins, b)
			}
		}
		for bins[len(bins)-1]*2 <= int64(n) {
			bins = append(bins, bins[len(bins)-1]*2)
		}
		z := make([]float64, len(bins)*n)
		Bins(z, n, u, v, prefix2(v), bins, nil)
		lo := 0
		for j, hi64 := range bins {
			hi := int(hi64)
			x := make([]float64, n)
			var g float64
			for tt := 0; tt < n; tt++ {
				var w float64
				for tau := lo; tau < hi; tau++ {
					w += v[(tt+tau)%n]
				}
				x[tt] = u[tt] * w / float64(hi-lo)
				g += x[tt]
			}
			g /= float64(n)
			for tt := 0; tt < n; tt++ {
				want := x[tt] - g*(u[tt]+v[tt])
				if got := z[j*n+tt]; math.Abs(got-want) > 1e-12 {
					t.Fatalf("n %d bin %d t %d: %v, want %v", n, j, tt, got, want)
				}
			}
			lo = hi
		}
	}
}

// TestSmoothDefinition: the first row a copy of the second, then the
// forward and backward passes, element by element (exact: the same
// operations).
func TestSmoothDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, nb = 37, 6 // n not a multiple of 4: the tail too
	z := series(rng, n*nb)
	want := append([]float64(nil), z...)
	copy(want[:n], want[n:2*n])
	wn, wp := 0.3, 0.7
	for i := 1; i < nb; i++ {
		for k := 0; k < n; k++ {
			want[i*n+k] = float64(wn*want[i*n+k]) + float64(wp*want[(i-1)*n+k]) // unfused, as Smooth
		}
	}
	for i := nb - 2; i >= 0; i-- {
		for k := 0; k < n; k++ {
			want[i*n+k] = float64(wn*want[i*n+k]) + float64(wp*want[(i+1)*n+k])
		}
	}
	Smooth(z, n, nb, true, wn, wp, nil)
	for i := range z {
		if z[i] != want[i] {
			t.Fatalf("z[%d] = %v, want %v", i, z[i], want[i])
		}
	}
	// Without smoothing: only the copy.
	z2 := series(rng, n*nb)
	w2 := append([]float64(nil), z2...)
	copy(w2[:n], w2[n:2*n])
	Smooth(z2, n, nb, false, wn, wp, nil)
	for i := range z2 {
		if z2[i] != w2[i] {
			t.Fatalf("no smoothing: z[%d] = %v, want %v", i, z2[i], w2[i])
		}
	}
}

// TestLevelsDefinition: the mean and each level's biased variance of the
// block means, against block means taken directly from x.
func TestLevelsDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 4, 8, 64, 4096} {
		x := series(rng, n)
		orig := append([]float64(nil), x...)
		var mean float64
		for _, v := range orig {
			mean += v
		}
		mean /= float64(n)
		c := make([]float64, 64)
		gotMean, levels := Levels(x, 16, c)
		if math.Abs(gotMean-mean) > 1e-14 {
			t.Fatalf("n %d: mean %v, want %v", n, gotMean, mean)
		}
		wantLevels := 1
		for k := 1; n>>k >= 16; k++ {
			wantLevels = k + 1
		}
		if levels != wantLevels {
			t.Fatalf("n %d: %d levels, want %d", n, levels, wantLevels)
		}
		for k := 0; k < levels; k++ {
			s, m := 1<<k, n>>k
			var cv float64
			for b := 0; b < m; b++ {
				var bm float64
				for i := b * s; i < (b+1)*s; i++ {
					bm += orig[i]
				}
				bm /= float64(s)
				cv += (bm - mean) * (bm - mean)
			}
			cv /= float64(m)
			if math.Abs(c[k]-cv) > 1e-13*math.Max(cv, 1e-3) {
				t.Fatalf("n %d level %d: %v, want %v", n, k, c[k], cv)
			}
		}
	}
}

// TestBinsPointByPoint: Bins, which runs each point alone on the prefix
// sums from its lower edge, gives the bits of the whole-curve loop
// (binsGo) and of the C code's, and both stop between points.
func TestBinsPointByPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{4, 7, 64, 1000, 4096} {
		u, v := series(rng, n), series(rng, n)
		for i := range u {
			u[i] *= float64(1 + i%5*100)
		}
		pv := prefix2(v)
		bins := []int64{1, 2, 3}
		for b := int64(5); b <= int64(n); b = b*3/2 + 1 {
			bins = append(bins, b)
		}
		for bins[len(bins)-1] > int64(n) {
			bins = bins[:len(bins)-1]
		}
		want, got := make([]float64, len(bins)*n), make([]float64, len(bins)*n)
		binsGo(want, n, u, v, pv, bins)
		binsImpl(got, n, u, v, pv, bins)
		equal(t, "whole-curve C and Go", n, want, got)
		if !Bins(got, n, u, v, pv, bins, func() bool { return false }) {
			t.Fatal("Bins stopped")
		}
		equal(t, "point by point", n, want, got)

		// Stopped after the first point: the rest untouched.
		for i := range got {
			got[i] = math.NaN()
		}
		looks := 0
		if Bins(got, n, u, v, pv, bins, func() bool { looks++; return looks > 1 }) || looks != 2 {
			t.Fatalf("n %d: Bins did not stop at its second look (%d looks)", n, looks)
		}
		equal(t, "the first point", n, want[:n], got[:n])
		for i, x := range got[n:] {
			if !math.IsNaN(x) {
				t.Fatalf("n %d: value %d written after the stop", n, n+i)
			}
		}
		nb := len(bins)
		// The first row smoothed forward, from point 0 (a copy of point 1).
		first := append([]float64(nil), want[n:2*n]...)
		smoothRow(first, want[n:2*n], 0.3, 0.7)
		looks = 0
		part := append([]float64(nil), want...)
		if Smooth(part, n, nb, true, 0.3, 0.7, func() bool { looks++; return looks > 1 }) != (nb < 2) {
			t.Fatalf("n %d: Smooth did not stop at its second look", n)
		}
		if nb >= 2 {
			equal(t, "the first smoothed row", n, first, part[n:2*n])
			equal(t, "the rows not reached", n, want[2*n:], part[2*n:])
		}
	}
}

func equal(t *testing.T, what string, n int, want, got []float64) {
	t.Helper()
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("%s n %d: [%d] = %v, the Go code %v", what, n, i, got[i], want[i])
		}
	}
}
