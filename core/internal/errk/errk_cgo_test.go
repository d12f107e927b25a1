//go:build cgo && !ipcf_purego

package errk

import (
	"math/rand/v2"
	"testing"
)

// TestCMatchesGo: the C code gives the Go code's bits, for lengths with
// and without a tail of the vector loops, several bin sets, smoothing,
// and every level of the blocking analysis. On a CPU without AVX2 the
// package runs the Go code alone, and this compares it with itself.
func TestCMatchesGo(t *testing.T) {
	if binsImpl == nil || smoothRowImpl == nil || levelsImpl == nil {
		t.Fatal("no implementation set")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 32, 100, 1024, 4096} {
		u, v := series(rng, n), series(rng, n)
		// Spread magnitudes: rounding differences would show.
		for i := range u {
			u[i] *= float64(1 + i%7*1000)
		}
		pv := prefix2(v)
		n64 := int64(n)
		for _, bins := range [][]int64{{1}, {1, 2, 3}, {n64}, {1, (n64 + 1) / 2, n64}} {
			if bins[len(bins)-1] > n64 || (len(bins) > 1 && bins[1] <= bins[0]) {
				continue
			}
			zg, zc := make([]float64, len(bins)*n), make([]float64, len(bins)*n)
			binsGo(zg, n, u, v, pv, bins)
			binsImpl(zc, n, u, v, pv, bins)
			equal(t, "Bins", n, zg, zc)
			if len(bins) >= 2 {
				smoothWith(smoothRow, zg, n, len(bins))
				smoothWith(smoothRowImpl, zc, n, len(bins))
				equal(t, "Smooth", n, zg, zc)
			}
		}
		xg := series(rng, n)
		for i := range xg {
			xg[i] += 1e3 // a mean far from 0
		}
		xc := append([]float64(nil), xg...)
		cg, cc := make([]float64, 64), make([]float64, 64)
		mg, lg := levelsGo(xg, 16, cg)
		mc, lc := levelsImpl(xc, 16, cc)
		if mg != mc || lg != lc {
			t.Fatalf("Levels n %d: mean %v and %d levels, the Go code %v and %d", n, mc, lc, mg, lg)
		}
		equal(t, "Levels variances", n, cg, cc)
		equal(t, "Levels block means", n, xg, xc)
	}
}

// smoothWith runs Smooth (0.3, 0.7) with row as its row function.
func smoothWith(row func(zi, zo []float64, wn, wo float64), z []float64, n, nb int) {
	defer func(r func(zi, zo []float64, wn, wo float64)) { smoothRowImpl = r }(smoothRowImpl)
	smoothRowImpl = row
	Smooth(z, n, nb, true, 0.3, 0.7, nil)
}
