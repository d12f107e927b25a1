package fit_test

import (
	"testing"

	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/pcf"
)

// meanLags are the delays of the points of bins with upper edges e (the
// first from lag 0): each bin's mean lag.
func meanLags(e []int) []float64 {
	tau := make([]float64, len(e))
	lo := 0
	for i, hi := range e {
		tau[i] = float64(lo+hi-1) / 2
		lo = hi
	}
	return tau
}

// TestContiguousBinsOfTheEngine: the delays of every log and linear
// binning of the engine (sizes 2^1..2^24, 2 to 200 bins, and prefixes of
// their points) give their bins back; every second to fifth point of a
// curve (FIT19's F1: bins rebuilt between the points kept, D 0.019 to
// 0.098 for 0.05, converged) is refused where the bins rebuilt are not
// the engine's.
func TestContiguousBinsOfTheEngine(t *testing.T) {
	decimated, refused := 0, 0
	for p := 1; p <= 24; p++ {
		size := 1 << p
		for nb := 2; nb <= 200; nb++ {
			for mode, gen := range map[string]func(int, int) ([]int, error){"log": pcf.LogBins, "linear": pcf.LinearBins} {
				e, err := gen(size, nb)
				if err != nil {
					t.Fatal(err)
				}
				tau := meanLags(e)
				for n := len(tau); n >= 1; n-- {
					if n != len(tau) && nb%8 != 0 {
						break // (prefixes of 8, 16, ... bins)
					}
					got, err := fit.ContiguousBins(tau[:n])
					if err != nil || len(got) != n || got[n-1].To != int64(e[n-1]) {
						t.Fatalf("%s bins of %d, %d bins, the first %d points: %v, %v", mode, size, nb, n, got, err)
					}
				}
				if p < 8 || nb < 12 {
					continue
				}
				for step := 2; step <= 5; step++ {
					var sel []float64
					for i := 0; i < len(tau); i += step {
						sel = append(sel, tau[i])
					}
					if len(sel) < 6 {
						continue
					}
					decimated++
					if _, err := fit.ContiguousBins(sel); err != nil {
						refused++
					} else if testing.Verbose() {
						t.Logf("%s %d %d step %d: %d points %v", mode, size, nb, step, len(sel), sel[:min(8, len(sel))])
					}
				}
			}
		}
	}
	// (a selection of nearly even linear bins can be even linear bins
	// itself: every second of 129 bins of 256 lags, the bins [1, 5), [5,
	// 9), ... of the same mean lags as the points kept)
	if refused < decimated-1 {
		t.Errorf("%d of %d selections of every 2nd to 5th point refused", refused, decimated)
	}
	// FIT19's case: 16 linear or log bins of 2048 frames, every 2nd point
	for _, gen := range []func(int, int) ([]int, error){pcf.LinearBins, pcf.LogBins} {
		e, _ := gen(1024, 16)
		tau := meanLags(e)
		var sel []float64
		for i := 0; i < len(tau); i += 2 {
			sel = append(sel, tau[i])
		}
		if got, err := fit.ContiguousBins(sel); err == nil {
			t.Errorf("every second point of %v: bins %v", tau, got)
		}
	}
}
