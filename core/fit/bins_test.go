package fit

import (
	"math"
	"slices"
	"testing"
)

// binnedCurve is the model m at parameters p averaged over the lags of
// each bin (the engine's bins: the mean of G over [From, To)), at the
// bins' mean lags times unit.
func binnedCurve(m Model, p []float64, bins []Bin, unit float64) (tau, y []float64) {
	for _, b := range bins {
		var s float64
		one := make([]float64, 1)
		half, mid := (b.To-b.From+1)/2, (b.From+b.To-1)/2
		for k := b.From; k < b.To; k++ {
			m.Eval(p, []float64{float64(k) * unit}, one, nil)
			if b.Triangle { // a multi-tau point: the lags within half weighted (half - |d|) / half^2
				s += one[0] * float64(half-max(k-mid, mid-k)) / float64(half*half)
			} else {
				s += one[0] / float64(b.To-b.From)
			}
		}
		tau = append(tau, float64(b.From+b.To-1)/2*unit)
		y = append(y, s)
	}
	return tau, y
}

// offsetCurves is model m's exact binned curves with the parameters p at
// each offset of rs (binnedCurve), with the models at those offsets.
func offsetCurves(m CCF2D, p []float64, bins []Bin, rs []Vec) (tau []float64, ms []Model, ys [][]float64) {
	for _, r := range rs {
		m.R = r
		var y []float64
		tau, y = binnedCurve(m, p, bins, 1)
		ms, ys = append(ms, m), append(ys, y)
	}
	return tau, ms, ys
}

// multiTauLags are the engine's multi-tau lags below n/2 for m.
func multiTauLags(n, m int) []float64 {
	var lags []float64
	for l := 0; l < m && l < n/2; l++ {
		lags = append(lags, float64(l))
	}
	for s := 2; m/2*s < n/2; s *= 2 {
		for l := m / 2; l < m && l*s < n/2; l++ {
			lags = append(lags, float64(l*s))
		}
	}
	return lags
}

// TestMultiTauAveraged: exact multi-tau curves (each point of level k the
// correlation of block sums of s = 2^k frames: G averaged over the lags
// within s, weighted (s - |d|) / s^2) give back their parameters when the
// fit averages the model so (MultiTauBins); taken at the points' lags, as
// before, D was 3.4 % low at m = 4, and a flow's 7 % high at m = 16 (the
// numerics campaign).
func TestMultiTauAveraged(t *testing.T) {
	for _, mt := range []int{4, 8, 16} {
		tau := multiTauLags(16384, mt)
		bins, err := MultiTauBins(tau, mt)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []float64{0.05, 0.5, 5} {
			truth := []float64{0.02, d}
			_, y := binnedCurve(ACF2D{W: 2}, truth, bins, 1)
			plain := NewFitter(Options{}).Fit(ACF2D{W: 2}, tau, y, nil)
			got := NewFitter(Options{Bins: bins}).Fit(ACF2D{W: 2}, tau, y, nil)
			if mt == 4 && d == 0.5 && math.Abs(plain.Params[1]-d) < 0.01*d {
				t.Errorf("m=4: at the lags D=%g: the bias this test is about is gone", plain.Params[1])
			}
			if got.Status != Converged || math.Abs(got.Params[1]-d) > 1e-8*d || math.Abs(got.Params[0]-truth[0]) > 1e-8*truth[0] {
				t.Errorf("m=%d: %v D=%.9g G0=%.9g, want %g, %g (at the lags: D=%.4g)", mt, got.Status, got.Params[1], got.Params[0], d, truth[0], plain.Params[1])
			}
		}
		// a flow's delta-CCFs
		for _, c := range []struct{ d, vx, vy float64 }{{0.01, 0.2, 0}, {0.05, 0.05, 0.02}, {0.2, 0.5, 0.3}} {
			p := []float64{0.02, c.d, c.vx, c.vy}
			_, ms, ys := offsetCurves(CCF2D{W: 2, Delta: true}, p, bins, []Vec{{6, 0}, {0, 6}, {-6, 0}, {0, -6}})
			plain := NewFitter(Options{}).FitJoint(ms, tau, ys, nil)
			got := NewFitter(Options{Bins: bins}).FitJoint(ms, tau, ys, nil)
			if mt == 16 && c.d == 0.01 && math.Abs(plain.Params[1]-c.d) < 0.03*c.d {
				t.Errorf("m=16, a flow: at the lags D=%g: the bias this test is about is gone", plain.Params[1])
			}
			if got.Status != Converged || math.Abs(got.Params[1]-c.d) > 1e-7*c.d || math.Abs(got.Params[2]-c.vx) > 1e-8 || math.Abs(got.Params[3]-c.vy) > 1e-8 {
				t.Errorf("m=%d, delta-CCFs %+v: %v %v (at the lags: %v)", mt, c, got.Status, got.Params[:4], plain.Params[:4])
			}
		}
	}
}

// TestMultiTauBins: the level of each of the engine's multi-tau lags, any
// selection of them; lags that are none of m's are refused.
func TestMultiTauBins(t *testing.T) {
	bins, err := MultiTauBins([]float64{0, 3, 4, 6, 8, 12, 16, 24, 96}, 4)
	want := []Bin{{From: 0, To: 1}, {From: 3, To: 4}, {From: 3, To: 6, Triangle: true}, {From: 5, To: 8, Triangle: true},
		{From: 5, To: 12, Triangle: true}, {From: 9, To: 16, Triangle: true}, {From: 9, To: 24, Triangle: true}, {From: 17, To: 32, Triangle: true}, {From: 65, To: 128, Triangle: true}}
	if err != nil || !slices.Equal(bins, want) {
		t.Errorf("m=4: %v, %v; want %v", bins, err, want)
	}
	// m read from whole curves from lag 0
	for _, mt := range []int{2, 4, 16} {
		tau := multiTauLags(4096, mt)
		want, err1 := MultiTauBins(tau, mt)
		got, err2 := MultiTauBins(tau, 0)
		if err1 != nil || err2 != nil || !slices.Equal(got, want) {
			t.Errorf("m=%d read from the delays: %v %v", mt, err1, err2)
		}
	}
	if got, err := MultiTauBins([]float64{0, 1, 2, 3, 4, 5}, 0); err != nil || slices.ContainsFunc(got, func(b Bin) bool { return b.Triangle }) {
		t.Errorf("level 0 alone: %v, %v, want a lag a point", got, err)
	}
	// the lags 0..m, an odd count: m channels and level 1's first point (the
	// engine's whole curve for m = N/2 - 2; taken for level 0 alone before)
	if got, err := MultiTauBins([]float64{0, 1, 2, 3, 4, 5, 6}, 0); err != nil || got[6] != (Bin{From: 5, To: 8, Triangle: true}) || got[5].Triangle {
		t.Errorf("lags 0..6: %v, %v, want those of m = 6", got, err)
	}
	for _, c := range []struct {
		tau []float64
		m   int
	}{{[]float64{4, 6, 8}, 0}, {[]float64{0, 1, 2, 3, 4, 5, 8}, 0}, {[]float64{5}, 4}, {[]float64{0, 17}, 16}, {[]float64{34}, 16}, {[]float64{1.5}, 16}, {[]float64{-1}, 16}, {[]float64{0}, 3}, {[]float64{0}, -2}} {
		if got, err := MultiTauBins(c.tau, c.m); err == nil {
			t.Errorf("%v, m=%d: %v, want an error", c.tau, c.m, got)
		}
	}
}

func linearBins(n, width int64) []Bin {
	var b []Bin
	for i := int64(0); i < n; i++ {
		b = append(b, Bin{From: i * width, To: (i + 1) * width})
	}
	return b
}

func logBins(edges []int64) []Bin {
	var b []Bin
	lo := int64(0)
	for _, e := range edges {
		b = append(b, Bin{From: lo, To: e})
		lo = e
	}
	return b
}

// TestBinsAveraged: exact curves binned as the engine bins them (each
// point the mean of G over its lags) give back their parameters when the
// fit averages the model over the bins (Options.Bins); taken at the bins'
// mean delays, as before, they gave D 2.2 times the truth with linear
// bins of 32 lags and 14 % low with 8 log bins; averaged, to 1e-8 (the
// Gauss rule of the sum above lag 32; the integral it replaced was off
// by up to 3.4e-5 of D here). Delays in seconds (a frame interval) too,
// and bins of one lag equal the plain fit.
func TestBinsAveraged(t *testing.T) {
	m := ACF2D{W: 2}
	for _, d := range []float64{0.05, 0.5, 5, 50} {
		binsAveraged(t, m, []float64{0.02, d})
	}
	binsFlow(t)
}

func binsAveraged(t *testing.T, m ACF2D, truth []float64) {
	cases := []struct {
		name string
		bins []Bin
	}{
		{"linear, 32 lags", linearBins(512, 32)},
		{"linear, 8 lags", linearBins(2048, 8)},
		{"linear, 4096 lags", linearBins(4, 4096)},
		{"log, 8 bins", logBins([]int64{1, 2, 5, 17, 64, 256, 1024, 16384})},
		{"log, 16 bins", logBins([]int64{1, 2, 3, 5, 8, 13, 22, 38, 64, 110, 190, 330, 570, 1000, 4000, 16384})},
	}
	for _, unit := range []float64{1, 1e-3} {
		for _, c := range cases {
			tau, y := binnedCurve(m, truth, c.bins, unit)
			mu := ACF2D{W: m.W}
			plain := NewFitter(Options{}).Fit(mu, tau, y, nil)
			got := NewFitter(Options{Bins: c.bins}).Fit(mu, tau, y, nil)
			d := got.Params[1] // (the truth's D per delay unit: the curves are the model's)
			if unit == 1 && truth[1] == 0.5 && (c.name == "linear, 32 lags" || c.name == "log, 8 bins") && math.Abs(plain.Params[1]-truth[1]) < 0.03*truth[1] {
				t.Errorf("%s: at the mean delays D=%g: the bias this test is about is gone", c.name, plain.Params[1])
			}
			if got.Status != Converged || math.Abs(d-truth[1]) > 1e-8*truth[1] || math.Abs(got.Params[0]-truth[0]) > 1e-8*truth[0] {
				t.Errorf("%s, unit %g: %v D=%.6g G0=%.6g, want %g, %g (at the mean delays: D=%.4g)",
					c.name, unit, got.Status, d, got.Params[0], truth[1], truth[0], plain.Params[1])
			}
		}
	}
}

func binsFlow(t *testing.T) {
	m := ACF2D{W: 2}
	truth := []float64{0.02, 0.5}
	// A flow's peak: delta-CCFs at 12 pixels with v = 0.25 px/frame peak at
	// lag 48, about 8 lags wide (a 1.5 % bias of D with pieces of a
	// quarter of the lag, 2.6 % with half: a campaign).
	var edges []int64
	for e := 1.0; e < 8192; e *= 1.3 {
		if n := int64(e); len(edges) == 0 || n > edges[len(edges)-1] {
			edges = append(edges, n)
		}
	}
	bins := logBins(append(edges, 8192))
	for _, d := range []float64{0.002, 0.01} {
		p := []float64{0.02, d, 0.25, 0}
		tau, ms, ys := offsetCurves(CCF2D{W: 2, Delta: true}, p, bins, []Vec{{12, 0}, {0, 12}, {-12, 0}, {0, -12}})
		got := NewFitter(Options{Bins: bins}).FitJoint(ms, tau, ys, nil)
		if got.Status != Converged || math.Abs(got.Params[1]-d) > 1e-8*d || math.Abs(got.Params[2]-0.25) > 1e-8 || math.Abs(got.Params[3]) > 1e-8 {
			t.Errorf("delta-CCFs, D %g: %v %v", d, got.Status, got.Params[:4])
		}
	}
	// One lag per bin (multi-tau's points): the plain fit, bit for bit.
	bins = linearBins(64, 1)
	tau, y := binnedCurve(m, truth, bins, 1)
	a := NewFitter(Options{}).Fit(m, tau, y, nil)
	b := NewFitter(Options{Bins: bins}).Fit(m, tau, y, nil)
	if a.Params != b.Params || a.ChiSq != b.ChiSq {
		t.Errorf("bins of one lag: %v, the plain fit %v", b.Params, a.Params)
	}
	// Bins that do not fit the curve or are empty: the fit fails.
	if r := NewFitter(Options{Bins: bins[:10]}).Fit(m, tau, y, nil); r.Status != Failed {
		t.Errorf("10 bins for 64 points: %v", r.Status)
	}
	if r := NewFitter(Options{Bins: []Bin{{From: 5, To: 5}}}).Fit(m, tau[:1], y[:1], nil); r.Status != Failed {
		t.Errorf("an empty bin: %v", r.Status)
	}
}

// TestContiguousBins: log and linear bins from their delays; multi-tau
// lags and delays in seconds are refused.
func TestContiguousBins(t *testing.T) {
	for _, want := range [][]Bin{{{From: 0, To: 1}, {From: 1, To: 17}, {From: 17, To: 33}, {From: 33, To: 49}}, logBins([]int64{1, 4, 16, 64, 256, 1024, 4096, 16384}), {{From: 0, To: 1}, {From: 1, To: 9}, {From: 9, To: 17}}} {
		var tau []float64
		for _, b := range want {
			tau = append(tau, float64(b.From+b.To-1)/2)
		}
		got, err := ContiguousBins(tau)
		if err != nil || len(got) != len(want) {
			t.Fatalf("%v: %v, %v", want, got, err)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%v: %v", want, got)
			}
		}
	}
	// (Multi-tau's lags 0, 1, 2, 3, 4, 6, 8, ... happen to fit such bins:
	// the caller knows its curves' bins mode.)
	// Delays from another point than the bin of lag 0 (a curve without its
	// first point): bins rebuilt from lag 0 have the same mean lags but
	// other lags ([0, 257) for [1, 256)), and were taken.
	// Bins that are not the engine's log or linear bins (FIT19's F1: a
	// selection of a curve's points) are refused too: edges 1, 2, 5, 17,
	// 64, ... (TestContiguousBinsOfTheEngine tries the engine's).
	for _, tau := range [][]float64{{0, 1, 2, 3, 5, 6}, {0, 0.001, 0.0025}, {0, 4.5, 3}, {-1}, {128, 383.5, 639.5}, {7.5, 23.5, 39.5}, {0, 1, 3, 10.5, 40, 159.5, 639.5, 8703.5}} {
		if got, err := ContiguousBins(tau); err == nil {
			t.Errorf("%v: %v, want an error", tau, got)
		}
	}
}

// TestBinNodes: the weights of a bin's nodes sum to 1 and give the mean
// lag of the bin, for bins of one lag to 16,384.
func TestBinNodes(t *testing.T) {
	for _, b := range []Bin{{From: 0, To: 1}, {From: 0, To: 2}, {From: 3, To: 7}, {From: 0, To: 32}, {From: 16, To: 48}, {From: 40, To: 41}, {From: 100, To: 190}, {From: 0, To: 16384}, {From: 4096, To: 16384},
		{From: 3, To: 6, Triangle: true}, {From: 1, To: 64, Triangle: true}, {From: 97, To: 160, Triangle: true}, {From: 7169, To: 9216, Triangle: true}} {
		mean := float64(b.From+b.To-1) / 2
		nt, nw := binNodes(mean, b, binPiece, nil, nil)
		var sw, s1, want float64
		for i := range nt {
			sw += nw[i]
			s1 += nw[i] * nt[i]
		}
		for k := b.From; k < b.To; k++ {
			want += float64(k)
		}
		want /= float64(b.To - b.From) // (a triangle's too: symmetric)
		if math.Abs(sw-1) > 1e-12 || math.Abs(s1-want) > 1e-9*math.Max(1, want) {
			t.Errorf("%v: weights sum %v, mean lag %v, want 1 and %v (%d nodes)", b, sw, s1, want, len(nt))
		}
	}
}

// TestGauss4: the 4-point Gauss rule of the sum over n lags sums every
// polynomial up to degree 7 exactly (the sums by brute force), and no
// longer degree 8: it is the Gauss rule of the discrete measure, not a
// rule of higher degree by accident.
func TestGauss4(t *testing.T) {
	for _, n := range []int64{9, 10, 17, 33, 100, 1000, 4096, 1 << 20} {
		x, w := gauss4(n)
		c := float64(n-1) / 2
		for deg := 0; deg <= 8; deg++ {
			var want, comp, got, scale float64 // the sum compensated (Neumaier)
			for k := int64(0); k < n; k++ {
				v := math.Pow((float64(k)-c)/float64(n), float64(deg))
				s := want + v
				if math.Abs(want) >= math.Abs(v) {
					comp += (want - s) + v
				} else {
					comp += (v - s) + want
				}
				want = s
				scale += math.Abs(v)
			}
			want += comp
			for i := range x {
				got += w[i] * math.Pow(x[i]/float64(n), float64(deg))
			}
			err := math.Abs(got-want) / scale
			if deg <= 7 && err > 1e-12 {
				t.Errorf("n %d, degree %d: %.17g, want %.17g (the sum)", n, deg, got, want)
			}
			if deg == 8 && err < 1e-9 {
				t.Errorf("n %d, degree 8: exact (%.3g): not a 4-point Gauss rule", n, err)
			}
		}
		for i := 1; i < 4; i++ {
			if !(x[i] > x[i-1]) || !(w[i] > 0) || math.Abs(x[i]+x[3-i]) > 1e-12*float64(n) || x[3] >= c {
				t.Errorf("n %d: nodes %v weights %v: want 4 ordered nodes inside the lags, symmetric", n, x, w)
			}
		}
	}
}
