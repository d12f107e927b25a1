package pcf

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFinish2: finish2 of two curves is finish of each, bit for bit, with
// and without smoothing, with bins and without (multi-tau values), over
// values of every magnitude and sign.
func TestFinish2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bins := []int{1, 2, 3, 4, 5, 7, 10, 13, 18, 24, 32, 43, 58, 78, 104, 139, 187, 250}
	for _, c := range []struct {
		bins   []int
		smooth bool
	}{{bins, true}, {bins, false}, {nil, true}, {bins[:2], true}} {
		e := &engine{}
		e.g.Bins = c.bins
		e.wNew, e.wPrev, e.smooth = 0.3, 0.7, c.smooth
		n := len(c.bins)
		if n == 0 {
			n = 24
		}
		for trial := 0; trial < 200; trial++ {
			f, b := make([]float64, n), make([]float64, n)
			for i := range f {
				f[i] = math.Ldexp(rng.NormFloat64(), rng.IntN(80)-40)
				b[i] = math.Ldexp(rng.NormFloat64(), rng.IntN(80)-40)
			}
			scale := math.Ldexp(rng.Float64()+0.5, rng.IntN(40)-20)
			wf := e.finish(append([]float64(nil), f...), scale)
			wb := e.finish(append([]float64(nil), b...), scale)
			e.finish2(f, b, scale)
			for i := range f {
				if math.Float64bits(f[i]) != math.Float64bits(wf[i]) || math.Float64bits(b[i]) != math.Float64bits(wb[i]) {
					t.Fatalf("bins %v smooth %v: point %d: finish2 gives %v, %v; finish %v, %v", c.bins, c.smooth, i, f[i], b[i], wf[i], wb[i])
				}
			}
		}
	}
}
