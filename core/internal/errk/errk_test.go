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
		Bins(z, n, u, v, prefix2(v), bins)
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
	Smooth(z, n, nb, true, wn, wp)
	for i := range z {
		if z[i] != want[i] {
			t.Fatalf("z[%d] = %v, want %v", i, z[i], want[i])
		}
	}
	// Without smoothing: only the copy.
	z2 := series(rng, n*nb)
	w2 := append([]float64(nil), z2...)
	copy(w2[:n], w2[n:2*n])
	Smooth(z2, n, nb, false, wn, wp)
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
