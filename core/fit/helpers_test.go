package fit

import (
	"math"
	"sort"
)

// logDelays returns the delays, in frames, of the library's default log
// bins: logbins(n/2, nbins) (pcf.LogBins), the delay of the bin [lo, hi)
// being (lo + hi - 1) / 2.
func logDelays(n, nbins int) []float64 {
	size := n / 2
	l := math.Log(float64(size)) / math.Log(2)
	step := l / float64(nbins-1)
	var bins []int
	for k := 0; k < nbins; k++ {
		y := float64(k) * step
		if k == nbins-1 {
			y = l
		}
		bins = append(bins, int(math.Pow(2, y)))
	}
	sort.Ints(bins)
	out := bins[:1]
	for _, b := range bins[1:] {
		if b != out[len(out)-1] {
			out = append(out, b)
		}
	}
	var d []float64
	lo := 0
	for _, hi := range out {
		d = append(d, float64(lo+hi-1)/2)
		lo = hi
	}
	return d
}

func curve(m Model, p, tau []float64) []float64 {
	f := make([]float64, len(tau))
	m.Eval(p, tau, f, nil)
	return f
}
