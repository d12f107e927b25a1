package pcf

import (
	"math"
	"testing"
)

// TestBlockingSDPeriodic: a series whose block means are all equal from
// level 1 on (exactly periodic) has the plateau sigma_1 = sigma_2 = 0 of
// the rule, also when rounding leaves those sigmas tiny and unequal (its
// values carry the noise that prefix sums leave); the largest sigma of a
// series without plateau stays the estimate.
func TestBlockingSDPeriodic(t *testing.T) {
	const n = 1024
	x := make([]float64, n)
	for i := range x {
		x[i] = 0.3
		if i%2 == 1 {
			x[i] = -0.1
		}
		x[i] += float64((i*7919)%13-6) * 0x1p-52 // rounding noise of prefix sums
	}
	var mean, c float64
	for _, v := range x {
		mean += v
	}
	mean /= n
	for _, v := range x {
		c += (v - mean) * (v - mean)
	}
	sigma0 := math.Sqrt(c / n / (n - 1))
	got := blockingSD(append([]float64(nil), x...))
	if got > sigma0*1e-9 {
		t.Errorf("periodic series: %g, want the plateau of level 1 (about 0; sigma_0 is %g)", got, sigma0)
	}
	// Independent values: the plateau at level 0, sigma_0.
	for i := range x {
		x[i] = float64((i*2654435761)%1000) / 1000
	}
	mean, c = 0, 0
	for _, v := range x {
		mean += v
	}
	mean /= n
	for _, v := range x {
		c += (v - mean) * (v - mean)
	}
	sigma0 = math.Sqrt(c / n / (n - 1))
	if got := blockingSD(append([]float64(nil), x...)); math.Abs(got-sigma0) > 0.3*sigma0 {
		t.Errorf("independent values: %g, want about sigma_0 %g", got, sigma0)
	}
}
