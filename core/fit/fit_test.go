package fit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// circle returns the library's circle offsets (pcf.Circle): n points of
// radius r, rounded half to even.
func circle(r float64, n int) []Vec {
	out := make([]Vec, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = Vec{math.RoundToEven(r * math.Cos(a)), math.RoundToEven(r * math.Sin(a))}
	}
	return out
}

// jointCase fits the curves of a model at several offsets together.
func jointCurves(m OffsetModel, p, tau []float64, offs []Vec) ([]Model, [][]float64) {
	ms := make([]Model, len(offs))
	ys := make([][]float64, len(offs))
	for k, r := range offs {
		ms[k] = m.At(r)
		ys[k] = curve(ms[k], p, tau)
	}
	return ms, ys
}

// needsJoint reports whether one curve leaves the model's velocity
// undetermined (its component across the offset).
func needsJoint(m Model) bool {
	switch m := m.(type) {
	case CCF2D:
		return true
	case ITIRFCS:
		return m.Flow
	}
	return false
}

func checkParams(t *testing.T, name string, r Result, want []float64, tol float64) {
	t.Helper()
	if r.Status != Converged {
		t.Errorf("%s: status %v after %d steps, want converged; params %v", name, r.Status, r.Iter, r.P())
		return
	}
	for j, w := range want {
		got := r.Params[j]
		scale := math.Abs(w)
		if scale == 0 {
			scale = 1e-3 // absolute for a zero parameter
		}
		if math.Abs(got-w) > tol*scale {
			t.Errorf("%s: param %d = %.15g, want %.15g (relative error %.2g)", name, j, got, w, math.Abs(got-w)/scale)
		}
	}
}

// TestNoiseFree: fits of model curves without noise return the true
// parameters to 1e-6 relative, from the guesses the models make from the
// data, for every model and option at several parameter sets.
func TestNoiseFree(t *testing.T) {
	for _, nframes := range []int{16384, 1024} {
		tau := logDelays(nframes, 32)
		for _, c := range modelCases() {
			o := DefaultOptions(c.m)
			ft := NewFitter(o)
			if !needsJoint(c.m) {
				r := ft.Fit(c.m, tau, curve(c.m, c.p, tau), nil)
				checkParams(t, c.name, r, c.p, 1e-6)
				// All points, no clipping: the same.
				r = NewFitter(Options{}).Fit(c.m, tau, curve(c.m, c.p, tau), nil)
				checkParams(t, c.name+"/all-points", r, c.p, 1e-6)
				continue
			}
			om := c.m.(OffsetModel)
			for _, offs := range [][]Vec{circle(6, 32), circle(3, 8), circle(4, 4)} {
				ms, ys := jointCurves(om, c.p, tau, offs)
				r := ft.FitJoint(ms, tau, ys, nil)
				checkParams(t, c.name+"/joint", r, c.p, 1e-6)
			}
		}
	}
}

// TestNoiseFreeSweep varies the parameters of the pCF and ACF models over
// the range a default dataset sees.
func TestNoiseFreeSweep(t *testing.T) {
	tau := logDelays(16384, 32)
	for _, dist := range []float64{0, 1, 3, 6, 8.5} {
		for _, d := range []float64{0.01, 0.1, 1, 5} {
			for _, g0 := range []float64{1e-3, 0.05, 2} {
				m := PCF1D{W: 2.5, Dist: dist}
				p := []float64{g0, d}
				r := NewFitter(DefaultOptions(m)).Fit(m, tau, curve(m, p, tau), nil)
				checkParams(t, "PCF1D", r, p, 1e-6)
				a := ACF3D{W: 2.5, Kappa: 3 + dist, Offset: true}
				q := []float64{g0, d, g0 * 0.03}
				r = NewFitter(DefaultOptions(a)).Fit(a, tau, curve(a, q, tau), nil)
				checkParams(t, "ACF3D", r, q, 1e-6)
			}
		}
	}
	// Flow along every direction, from a pixel's pCFs and delta-CCFs.
	for _, ang := range []float64{0, 0.4, 1.3, 2.9, 4, 5.5} {
		for _, speed := range []float64{0.01, 0.05, 0.2} {
			for _, delta := range []bool{false, true} {
				m := CCF2D{W: 2.5, Delta: delta}
				p := []float64{0.05, 0.5, speed * math.Cos(ang), speed * math.Sin(ang)}
				ms, ys := jointCurves(m, p, tau, circle(6, 32))
				r := NewFitter(DefaultOptions(m)).FitJoint(ms, tau, ys, nil)
				checkParams(t, "CCF2D", r, p, 1e-6)
			}
		}
	}
}

// TestFlowAbsent: an ACF with a flow term fitted to pure diffusion puts
// the speed on its bound, 0.
func TestFlowAbsent(t *testing.T) {
	tau := logDelays(16384, 32)
	for _, m := range []Model{ACF2D{W: 2.5, Flow: true}, ACF3D{W: 2.5, Kappa: 5, Flow: true, Offset: true}} {
		p := make([]float64, m.NumParams())
		p[0], p[1] = 0.05, 0.8
		r := NewFitter(DefaultOptions(m)).Fit(m, tau, curve(m, p, tau), nil)
		if r.Status != AtBound || r.Params[2] != 0 {
			t.Errorf("%T: status %v, v = %g, want at bound, 0", m, r.Status, r.Params[2])
		}
		if !math.IsInf(r.StdErr[2], 1) {
			t.Errorf("%T: SE(v) = %g at v = 0, want +Inf (no derivative)", m, r.StdErr[2])
		}
		for j := 0; j < 2; j++ {
			if math.Abs(r.Params[j]-p[j]) > 1e-6*p[j] || !(r.StdErr[j] >= 0) {
				t.Errorf("%T: param %d = %g (SE %g), want %g", m, j, r.Params[j], r.StdErr[j], p[j])
			}
		}
	}
}

// coverage fits draws noisy copies of a curve and returns, per parameter,
// the fraction of fits whose parameter lies within 2 standard errors of
// the truth, and the mean reduced chi-square.
func coverage(t *testing.T, fit func(rng *rand.Rand) Result, p []float64, draws int) ([]float64, float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(len(p))))
	in := make([]float64, len(p))
	chi := 0.0
	for range draws {
		r := fit(rng)
		if r.Status != Converged {
			t.Fatalf("status %v, params %v", r.Status, r.P())
		}
		for j := range p {
			if math.Abs(r.Params[j]-p[j]) <= 2*r.StdErr[j] {
				in[j]++
			}
		}
		chi += r.RedChiSq()
	}
	for j := range in {
		in[j] /= float64(draws)
	}
	return in, chi / float64(draws)
}

// TestNoisyCoverage: over 200 noise draws, about 95 % of the fitted
// parameters lie within 2 standard errors of the truth, with error bars
// (weighted) and without (the errors scaled by the reduced chi-square).
func TestNoisyCoverage(t *testing.T) {
	tau := logDelays(16384, 32)
	const draws = 200
	check := func(name string, frac []float64, chi float64, weighted bool) {
		t.Helper()
		for j, f := range frac {
			if f < 0.90 || f > 0.99 {
				t.Errorf("%s: parameter %d within 2 sigma in %.1f %% of the fits, want ~95 %%", name, j, 100*f)
			}
		}
		if weighted && math.Abs(chi-1) > 0.1 {
			t.Errorf("%s: mean reduced chi-square %.3f, want ~1", name, chi)
		}
		t.Logf("%s: within 2 sigma %v, mean reduced chi-square %.3f", name, frac, chi)
	}
	// The pCF, unweighted, equal noise on every point (2 % of the peak).
	{
		m := PCF1D{W: 2.5, Dist: 6}
		p := []float64{0.05, 0.8}
		y0 := curve(m, p, tau)
		ft := NewFitter(Options{First: 1, Last: 1})
		y := make([]float64, len(tau))
		frac, chi := coverage(t, func(rng *rand.Rand) Result {
			for i := range y {
				y[i] = y0[i] + 2e-4*rng.NormFloat64()
			}
			return ft.Fit(m, tau, y, nil)
		}, p, draws)
		check("PCF1D unweighted", frac, chi, false)
	}
	// The 3-D ACF with an offset, weighted by error bars that shrink with
	// the delay, as those of a multi-tau correlator.
	{
		m := ACF3D{W: 2.5, Kappa: 4, Offset: true}
		p := []float64{0.05, 0.8, 0.002}
		y0 := curve(m, p, tau)
		sig := make([]float64, len(tau))
		for i, t := range tau {
			sig[i] = 0.002 / math.Sqrt(1+t/50)
		}
		ft := NewFitter(DefaultOptions(m))
		y := make([]float64, len(tau))
		frac, chi := coverage(t, func(rng *rand.Rand) Result {
			for i := range y {
				y[i] = y0[i] + sig[i]*rng.NormFloat64()
			}
			return ft.Fit(m, tau, y, sig)
		}, p, draws)
		check("ACF3D weighted", frac, chi, true)
	}
	// Flow from a pixel's 32 pCFs, weighted.
	{
		m := CCF2D{W: 2.5}
		p := []float64{0.05, 0.5, 0.03, -0.02}
		offs := circle(6, 32)
		ms, y0 := jointCurves(m, p, tau, offs)
		ys := make([][]float64, len(offs))
		sigs := make([][]float64, len(offs))
		for k := range ys {
			ys[k] = make([]float64, len(tau))
			sigs[k] = make([]float64, len(tau))
			for i := range tau {
				sigs[k][i] = 1e-3
			}
		}
		ft := NewFitter(DefaultOptions(m))
		frac, chi := coverage(t, func(rng *rand.Rand) Result {
			for k := range ys {
				for i := range tau {
					ys[k][i] = y0[k][i] + 1e-3*rng.NormFloat64()
				}
			}
			return ft.FitJoint(ms, tau, ys, sigs)
		}, p, draws)
		check("CCF2D joint weighted", frac, chi, true)
	}
	// The camera-pixel ACF, unweighted.
	{
		m := ITIRFCS{A: 1, W: 1.5, Offset: true}
		p := []float64{0.02, 0.4, 1e-4}
		y0 := curve(m, p, tau)
		ft := NewFitter(DefaultOptions(m))
		y := make([]float64, len(tau))
		frac, chi := coverage(t, func(rng *rand.Rand) Result {
			for i := range y {
				y[i] = y0[i] + 2e-4*rng.NormFloat64()
			}
			return ft.Fit(m, tau, y, nil)
		}, p, draws)
		check("ITIRFCS unweighted", frac, chi, false)
	}
}

// TestBounds: bounds hold, give the status AtBound, and fix parameters.
func TestBounds(t *testing.T) {
	tau := logDelays(16384, 32)
	m := PCF1D{W: 2.5, Dist: 6}
	p := []float64{0.05, 0.8}
	y := curve(m, p, tau)
	for _, b := range []struct {
		lo, hi []float64
		at     int     // the parameter on its bound
		val    float64 // its value
	}{
		{[]float64{0, 0}, []float64{1, 0.5}, 1, 0.5},
		{[]float64{0, 1.2}, []float64{1, 10}, 1, 1.2},
		{[]float64{0.06, 0}, []float64{1, 10}, 0, 0.06},
		{[]float64{1e-6, 1e-6}, []float64{0.04, 1e3}, 0, 0.04},
	} {
		o := DefaultOptions(m)
		o.Lower, o.Upper = b.lo, b.hi
		r := NewFitter(o).Fit(m, tau, y, nil)
		if r.Status != AtBound || r.Params[b.at] != b.val {
			t.Errorf("bounds %v %v: status %v, params %v, want at bound with p[%d] = %g", b.lo, b.hi, r.Status, r.P(), b.at, b.val)
		}
		for j := range p {
			if r.Params[j] < b.lo[j] || r.Params[j] > b.hi[j] || !(r.StdErr[j] >= 0) {
				t.Errorf("bounds %v %v: param %d = %g (SE %g) out of bounds", b.lo, b.hi, j, r.Params[j], r.StdErr[j])
			}
		}
	}
	// ICSx64's bounds and its start (args 0.1, 1.0) hold the truth inside.
	o := DefaultOptions(m)
	o.Lower, o.Upper, o.Guess = []float64{1e-6, 1e-6}, []float64{1e3, 1e3}, []float64{0.1, 1}
	checkParams(t, "ICSx64 bounds", NewFitter(o).Fit(m, tau, y, nil), p, 1e-6)
	// A start outside the bounds is clamped.
	o.Guess, o.Upper = []float64{10, 100}, []float64{1, 5}
	checkParams(t, "clamped guess", NewFitter(o).Fit(m, tau, y, nil), p, 1e-6)
	// Lower == Upper fixes a parameter: no standard error, one degree of
	// freedom more.
	o = DefaultOptions(m)
	o.Lower, o.Upper = []float64{0.05, 0}, []float64{0.05, math.Inf(1)}
	r := NewFitter(o).Fit(m, tau, y, nil)
	checkParams(t, "fixed DC", r, p, 1e-6)
	if r.StdErr[0] != 0 || r.DoF != r.N-1 {
		t.Errorf("fixed DC: SE %g, DoF %d of %d points, want 0 and N-1", r.StdErr[0], r.DoF, r.N)
	}
	// Every parameter fixed: nothing to fit, but a chi-square.
	o.Lower, o.Upper = []float64{0.05, 0.8}, []float64{0.05, 0.8}
	r = NewFitter(o).Fit(m, tau, y, nil)
	if r.Status != Converged || r.ChiSq > 1e-30 {
		t.Errorf("all fixed: status %v, chi-square %g", r.Status, r.ChiSq)
	}
	// The flow model's velocity along x only, from one curve: vy fixed.
	c := CCF2D{W: 2.5, R: Vec{6, 0}}
	q := []float64{0.05, 0.8, 0.04, 0}
	o = DefaultOptions(c)
	o.Lower = []float64{0, 0, math.Inf(-1), 0}
	o.Upper = []float64{math.Inf(1), math.Inf(1), math.Inf(1), 0}
	checkParams(t, "CCF2D vy fixed", NewFitter(o).Fit(c, tau, curve(c, q, tau), nil), q, 1e-6)
}

// TestFailed: bad curves and options give the status Failed, never a
// panic, with NaN parameters.
func TestFailed(t *testing.T) {
	tau := logDelays(16384, 32)
	m := PCF1D{W: 2.5, Dist: 6}
	good := curve(m, []float64{0.05, 0.8}, tau)
	mod := func(f func(y []float64)) []float64 {
		y := append([]float64(nil), good...)
		f(y)
		return y
	}
	ones := make([]float64, len(tau))
	for i := range ones {
		ones[i] = 1e-3
	}
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name       string
		m          Model
		o          Options
		tau, y, sg []float64
	}{
		{"NaN curve", m, DefaultOptions(m), tau, mod(func(y []float64) {
			for i := range y {
				y[i] = nan
			}
		}), nil},
		{"one NaN", m, DefaultOptions(m), tau, mod(func(y []float64) { y[7] = nan }), nil},
		{"Inf", m, DefaultOptions(m), tau, mod(func(y []float64) { y[3] = -inf }), nil},
		{"all zero", m, DefaultOptions(m), tau, make([]float64, len(tau)), nil},
		{"all negative, clipped", m, DefaultOptions(m), tau, mod(func(y []float64) {
			for i := range y {
				y[i] = -1
			}
		}), nil},
		{"all zero ACF", ACF2D{W: 2}, Options{}, tau, make([]float64, len(tau)), nil},
		{"too short", m, DefaultOptions(m), tau[:4], good[:4], nil},
		{"two points, two parameters", m, Options{}, tau[:2], good[:2], nil},
		{"empty", m, Options{}, nil, nil, nil},
		{"lengths differ", m, Options{}, tau, good[:10], nil},
		{"NaN delay", m, Options{}, mod(func(y []float64) { copy(y, tau); y[5] = nan }), good, nil},
		{"negative delay", m, Options{}, mod(func(y []float64) { copy(y, tau); y[0] = -1 }), good, nil},
		{"delays descending", m, Options{}, mod(func(y []float64) { copy(y, tau); y[5], y[6] = y[6], y[5] }), good, nil},
		{"zero sigma", m, Options{}, tau, good, mod(func(y []float64) { copy(y, ones); y[4] = 0 })},
		{"NaN sigma", m, Options{}, tau, good, mod(func(y []float64) { copy(y, ones); y[4] = nan })},
		{"short sigma", m, Options{}, tau, good, ones[:3]},
		{"bad model", PCF1D{W: 0, Dist: 6}, Options{}, tau, good, nil},
		{"nil model", nil, Options{}, tau, good, nil},
		{"short bounds", m, Options{Lower: []float64{0}}, tau, good, nil},
		{"crossed bounds", m, Options{Lower: []float64{0, 2}, Upper: []float64{1, 1}}, tau, good, nil},
		{"NaN guess", m, Options{Guess: []float64{nan, 1}}, tau, good, nil},
		{"negative First", m, Options{First: -1}, tau, good, nil},
		{"First+Last too many", m, Options{First: 20, Last: 20}, tau, good, nil},
	}
	for _, c := range cases {
		ft := NewFitter(c.o)
		r := ft.Fit(c.m, c.tau, c.y, c.sg)
		if r.Status != Failed {
			t.Errorf("%s: status %v, params %v, want failed", c.name, r.Status, r.P())
		}
		for j := 0; j < r.NParams; j++ {
			if !math.IsNaN(r.Params[j]) || !math.IsNaN(r.StdErr[j]) || !math.IsNaN(r.ChiSq) {
				t.Errorf("%s: failed with params %v, stderr %v, chi-square %v: want NaN", c.name, r.P(), r.StdErr[:r.NParams], r.ChiSq)
				break
			}
		}
		if !strings.Contains(r.Status.String(), "fail") {
			t.Errorf("%s: %q", c.name, r.Status)
		}
		// The Fitter still works afterwards.
		if c.m != nil && c.m.Check() == nil && c.o.check(c.m.NumParams()) == nil && c.o.First+c.o.Last < 4 {
			checkParams(t, c.name+" then good", ft.Fit(m, tau, good, nil), []float64{0.05, 0.8}, 1e-6)
		}
	}
	// Joint fits: mismatched models and curves.
	ft := NewFitter(Options{})
	c := CCF2D{W: 2.5}
	for name, r := range map[string]Result{
		"no curves":       ft.FitJoint(nil, tau, nil, nil),
		"counts differ":   ft.FitJoint([]Model{c, c}, tau, [][]float64{good}, nil),
		"params differ":   ft.FitJoint([]Model{c, m}, tau, [][]float64{good, good}, nil),
		"sigma count":     ft.FitJoint([]Model{c}, tau, [][]float64{good}, [][]float64{}),
		"sigma mixed":     ft.FitJoint([]Model{c, c}, tau, [][]float64{good, good}, [][]float64{ones, nil}),
		"nil model":       ft.FitJoint([]Model{c, nil}, tau, [][]float64{good, good}, nil),
		"one NaN curve":   ft.FitJoint([]Model{c, c}, tau, [][]float64{good, mod(func(y []float64) { y[9] = nan })}, nil),
		"invalid offset":  ft.FitJoint([]Model{c, c.At(Vec{nan, 0})}, tau, [][]float64{good, good}, nil),
		"all zero curves": ft.FitJoint([]Model{c, c}, tau, [][]float64{make([]float64, len(tau)), make([]float64, len(tau))}, nil),
	} {
		if r.Status != Failed {
			t.Errorf("joint %s: status %v, want failed", name, r.Status)
		}
		for j := 0; j < r.NParams; j++ {
			if !math.IsNaN(r.Params[j]) {
				t.Errorf("joint %s: failed with params %v: want NaN", name, r.P())
				break
			}
		}
	}
	if s := Status(9).String(); s != "Status(9)" {
		t.Errorf("Status(9).String() = %q", s)
	}
}

// TestMaxIter: a fit stopped early says so and keeps finite parameters.
func TestMaxIter(t *testing.T) {
	tau := logDelays(16384, 32)
	m := PCF1D{W: 2.5, Dist: 6}
	y := curve(m, []float64{0.05, 0.8}, tau)
	o := DefaultOptions(m)
	o.MaxIter, o.Guess = 2, []float64{1, 1e-3}
	r := NewFitter(o).Fit(m, tau, y, nil)
	if r.Status != MaxIter || r.Iter != 2 {
		t.Errorf("status %v after %d steps, want max iterations after 2", r.Status, r.Iter)
	}
	for j := range r.P() {
		if !finite(r.Params[j]) {
			t.Errorf("param %d = %g", j, r.Params[j])
		}
	}
}

// TestNoAlloc: a Fitter fits without allocating once warm.
func TestNoAlloc(t *testing.T) {
	tau := logDelays(16384, 32)
	for _, c := range modelCases() {
		y := curve(c.m, c.p, tau)
		ft := NewFitter(DefaultOptions(c.m))
		ft.Fit(c.m, tau, y, nil)
		if a := testing.AllocsPerRun(20, func() { ft.Fit(c.m, tau, y, nil) }); a != 0 {
			t.Errorf("%s: %g allocations per fit", c.name, a)
		}
	}
	m := CCF2D{W: 2.5}
	ms, ys := jointCurves(m, []float64{0.05, 0.5, 0.03, -0.02}, tau, circle(6, 32))
	ft := NewFitter(DefaultOptions(m))
	ft.FitJoint(ms, tau, ys, nil)
	if a := testing.AllocsPerRun(20, func() { ft.FitJoint(ms, tau, ys, nil) }); a != 0 {
		t.Errorf("joint: %g allocations per fit", a)
	}
	y32 := make([]float32, len(tau))
	for i, v := range curve(PCF1D{W: 2.5, Dist: 6}, []float64{0.05, 0.8}, tau) {
		y32[i] = float32(v)
	}
	mm := []Model{PCF1D{W: 2.5, Dist: 6}}
	ft = NewFitter(DefaultOptions(mm[0]))
	fitFlat(ft, mm, tau, y32, nil, len(tau))
	if a := testing.AllocsPerRun(20, func() { fitFlat(ft, mm, tau, y32, nil, len(tau)) }); a != 0 {
		t.Errorf("float32 curve: %g allocations per fit", a)
	}
}

// TestSecondStart: a noisy pCF whose highest point is a noise spike far
// from the peak (error bars growing with the delay, as pcf_errors' do)
// misleads the models' guess (D from the spike's delay); the fit from
// there slid to D = 0 at a bound (chi-square 605 where 64 was there, an
// adversarial campaign against scipy). The second start, from the curve
// averaged over 5 points over its error, finds the fit near the truth.
// A curve without such a spike converges from the first start and is
// fitted exactly as before (the same bits with and without the retry's
// code path, which runs only after a fit that did not converge).
func TestSecondStart(t *testing.T) {
	m := PCF1D{W: 2, Dist: 4}
	truth := []float64{0.05, 0.3}
	tau := make([]float64, 0, 96)
	for l := 0; l < 96; l++ { // multi-tau delays, m = 16
		k, lev := l, 0
		for k >= 16 {
			k, lev = k-8, lev+1
		}
		tau = append(tau, float64(k<<lev))
	}
	y := curve(m, truth, tau)
	peak := slices.Max(y)
	sigma := make([]float64, len(tau))
	rng := rand.New(rand.NewPCG(2, 9))
	for i := range y {
		sigma[i] = 0.05 * peak * (1 + math.Sqrt(tau[i]/50))
		y[i] += sigma[i] * rng.NormFloat64()
	}
	spike := len(y) - 6
	y[spike] = slices.Max(y) + 0.2*peak // the curve's highest point, at a delay of thousands
	if slices.Index(y, slices.Max(y)) != spike {
		t.Fatal("setup: the spike is not the highest point")
	}
	r := NewFitter(DefaultOptions(m)).Fit(m, tau, y, sigma)
	if r.Status != Converged || math.Abs(r.Params[1]/truth[1]-1) > 0.2 || math.Abs(r.Params[0]/truth[0]-1) > 0.2 {
		t.Fatalf("status %v, DC %g, D %g (chi-square %g): want converged near DC %g, D %g", r.Status, r.Params[0], r.Params[1], r.ChiSq, truth[0], truth[1])
	}
	// from the misleading start alone (a given guess: no second start) the
	// fit is worse
	o := DefaultOptions(m)
	g := make([]float64, 2)
	m.Guess(g, tau[1:len(tau)-1], y[1:len(y)-1])
	g[0] = truth[0]
	o.Guess = g
	r1 := NewFitter(o).Fit(m, tau, y, sigma)
	if !(r1.ChiSq > 2*r.ChiSq) {
		t.Errorf("from the spike's guess (D %g): chi-square %g, D %g; the second start's %g: want the second start far better", g[1], r1.ChiSq, r1.Params[1], r.ChiSq)
	}
}

// TestFittedCount: Options.Fitted, which ipcf fit and ipcf_fit use to
// refuse curves too short and to report the points per curve, counts the
// points a fit reads (Result.N) for every First and Last.
func TestFittedCount(t *testing.T) {
	tau := logDelays(1024, 32)
	c := modelCases()[0]
	for _, fl := range [][2]int{{0, 0}, {1, 1}, {3, 0}, {0, 5}, {4, 7}} {
		o := DefaultOptions(c.m)
		o.First, o.Last = fl[0], fl[1]
		r := NewFitter(o).Fit(c.m, tau, curve(c.m, c.p, tau), nil)
		if want := len(tau) - fl[0] - fl[1]; o.Fitted(len(tau)) != want || r.N != want {
			t.Errorf("First %d, Last %d: Fitted %d, Result.N %d, want %d", fl[0], fl[1], o.Fitted(len(tau)), r.N, want)
		}
	}
	if n := (Options{First: 20, Last: 20}).Fitted(32); n != -8 {
		t.Errorf("Fitted(32) with 40 left out = %d, want -8", n)
	}
}

// TestSlowDiffusionUnbracketed checks that pcf1d fits of exact model
// curves whose peak lies beyond the delays (slow diffusion, far offsets)
// or that are constant (D = 0) find the true parameters: their guess of D
// read the last delay as the peak and the fit converged, status 0, in a
// local minimum (D = 0.0176 for 1e-4 at d = 5, chi-square 4 times the
// curve's largest value squared).
func TestSlowDiffusionUnbracketed(t *testing.T) {
	var tau []float64 // multi-tau delays, m = 8, 4096 frames: 0..1792
	for lvl, step := 0, 1.0; len(tau) < 40; lvl, step = lvl+1, step*2 {
		n, t0 := 4, 0.0
		if lvl == 0 {
			n = 8
		} else {
			t0 = tau[len(tau)-1] + step
		}
		for i := 0; i < n && len(tau) < 40; i++ {
			tau = append(tau, t0+float64(i)*step)
		}
	}
	for _, c := range []struct{ d, D float64 }{{5, 1e-4}, {6, 1e-5}, {8, 1e-4}, {4, 0}, {3, 0}} {
		m := PCF1D{W: 2, Dist: c.d}
		y := make([]float64, len(tau))
		for i, tt := range tau {
			q := 4*c.D*tt + 4
			y[i] = float64(float32(0.05 * 4 / q * math.Exp(-c.d*c.d/q)))
		}
		r := NewFitter(DefaultOptions(m)).Fit(m, tau, y, nil)
		dc, d := r.P()[0], r.P()[1]
		okD := math.Abs(d-c.D) <= 1e-4*c.D || (c.D == 0 && d == 0)
		if math.Abs(dc-0.05) > 1e-4*0.05 || !okD || r.Status == Failed || r.Status == MaxIter {
			t.Errorf("d=%g D=%g: fitted DC=%g D=%g, status %v, chi-square %g", c.d, c.D, dc, d, r.Status, r.ChiSq)
		}
	}
}

// TestFlowAgainstTwoOffsets: a flow against both of two offsets in two
// directions (the fewest a joint fit of the velocity takes) is found, not
// its mirror image: from the first start (no flow) the fit converged to
// about the negated velocity with chi-square 1e-6 of the curves' sum of
// squares, where the truth fits exactly (velocityStarts). A grid of
// velocities and offsets, CCF2D and ITIRFCS.
func TestFlowAgainstTwoOffsets(t *testing.T) {
	tau := logDelays(4096, 36)
	for _, c := range []struct {
		m    OffsetModel
		offs []Vec
	}{
		{CCF2D{W: 2}, []Vec{{3, 0}, {0, 3}}},
		{CCF2D{W: 2}, []Vec{{2, 2}, {-2, 2}}},
		{ITIRFCS{A: 1, W: 2, Flow: true}, []Vec{{0, 0}, {1, 0}, {0, 1}}},
	} {
		for _, d := range []float64{0.1, 0.5} {
			for _, vx := range []float64{-0.3, -0.1, 0.2} {
				for _, vy := range []float64{-0.4, -0.2, 0.1} {
					p := []float64{0.02, d, vx, vy}
					ms, ys := jointCurves(c.m, p, tau, c.offs)
					r := NewFitter(DefaultOptions(c.m)).FitJoint(ms, tau, ys, nil)
					checkParams(t, fmt.Sprintf("%T at %v, D %g, v (%g, %g)", c.m, c.offs, d, vx, vy), r, p, 1e-5)
				}
			}
		}
	}
}

// TestLineBounds: delta-CCFs at offsets on one axis (a line scan's) give
// back the flow along the line with the velocity across it held at 0
// (CCF2D.LineBounds); without it no model fitted them.
func TestLineBounds(t *testing.T) {
	tau := make([]float64, 64)
	for i := range tau {
		tau[i] = float64(i) * 2
	}
	for _, c := range []struct {
		offs []Vec
		p    []float64
	}{
		{[]Vec{{-2, 0}, {-1, 0}, {1, 0}, {2, 0}}, []float64{0.02, 0.05, 0.1, 0}},
		{[]Vec{{0, -3}, {0, 3}}, []float64{0.02, 0.2, 0, -0.15}},
	} {
		var ms []Model
		var ys [][]float64
		for _, r := range c.offs {
			m := CCF2D{W: 2, R: r, Delta: true}
			y := make([]float64, len(tau))
			m.Eval(c.p, tau, y, nil)
			ms, ys = append(ms, m), append(ys, y)
		}
		lo, hi, ok := CCF2D{W: 2, Delta: true}.LineBounds(c.offs)
		if !ok {
			t.Fatalf("%v: no line bounds", c.offs)
		}
		got := NewFitter(Options{Lower: lo, Upper: hi}).FitJoint(ms, tau, ys, nil)
		for j := range 4 {
			if math.Abs(got.Params[j]-c.p[j]) > 1e-7*(1+math.Abs(c.p[j])) {
				t.Errorf("%v: %v %v, want %v", c.offs, got.Status, got.Params[:4], c.p)
				break
			}
		}
		if got.Status != Converged {
			t.Errorf("%v: status %v", c.offs, got.Status)
		}
	}
	for _, offs := range [][]Vec{{{1, 0}, {0, 1}}, {{1, 1}, {-1, -1}}, {{0, 0}}} {
		if _, _, ok := (CCF2D{W: 2}).LineBounds(offs); ok {
			t.Errorf("%v: line bounds, want none", offs)
		}
	}
}

// TestZeroModelNotConverged: delta-CCFs whose flow peak falls within one
// of 400 linear bins fitted to a zero model (G0 = 7e-19, D and v arbitrary,
// standard errors of 1e16) with the status Converged: the amplitude's
// distance to its bound was judged against the parameters' scaled norm,
// itself tiny there, so it was not snapped to 0, where D and v are seen
// undetermined (the numerics campaign). Now such a fit is not Converged,
// or it finds the truth.
func TestZeroModelNotConverged(t *testing.T) {
	const n, nbins = 16384, 400
	step := float64(n/2-1) / float64(nbins-1)
	var bins []Bin
	lo := int64(0)
	for k := 0; k < nbins; k++ {
		e := int64(n / 2)
		if k < nbins-1 {
			e = int64(1 + float64(k)*step)
		}
		if e > lo {
			bins = append(bins, Bin{From: lo, To: e})
			lo = e
		}
	}
	p := []float64{0.02, 0.01, 1, 0}
	tau, ms, ys := offsetCurves(CCF2D{W: 2, Delta: true}, p, bins, []Vec{{6, 0}, {0, 6}, {-6, 0}, {0, -6}})
	for _, y := range ys {
		for i := range y {
			y[i] = float64(float32(y[i])) // as the engine's float32 curves
		}
	}
	o := DefaultOptions(ms[0])
	o.Bins = bins
	got := NewFitter(o).FitJoint(ms, tau, ys, nil)
	if got.Status == Converged && (math.Abs(got.Params[2]-1) > 0.01 || got.Params[0] < 1e-3) {
		t.Errorf("converged to %v (stderr %v), the truth %v", got.Params[:4], got.StdErr[:4], p)
	}
}

// TestFlowAwayFromBothOffsets: CCFs at (4, 0) and (0, 4) of a flow away
// from both neighbours have no peak, and the guess of D they give is far
// too large: from it every velocity start converged (status Converged) to
// D 13 to 1400 times the truth (a campaign). The velocity starts now also
// start from a thousandth of the guessed D.
func TestFlowAwayFromBothOffsets(t *testing.T) {
	tau := multiTauLags(8192, 16)
	bins, err := MultiTauBins(tau, 16)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p []float64
		r float64
	}{{[]float64{0.05, 0.0588, -0.106, -0.191}, 4}, {[]float64{0.05, 0.00242, -0.0258, -0.0106}, 4}, {[]float64{0.05, 0.001, -0.008, -0.006}, 4},
		{[]float64{0.05, 0.001, -0.008, -0.006}, 6}, {[]float64{0.05, 0.003, -0.008, -0.006}, 6}} { // (6, 0), (0, 6): a hundredth of D left these
		p := c.p
		_, ms, ys := offsetCurves(CCF2D{W: 2}, p, bins, []Vec{{c.r, 0}, {0, c.r}})
		o := DefaultOptions(ms[0])
		o.Bins = bins
		got := NewFitter(o).FitJoint(ms, tau, ys, nil)
		if got.Status != Converged || math.Abs(got.Params[1]/p[1]-1) > 1e-6 || math.Abs(got.Params[2]-p[2]) > 1e-8 || math.Abs(got.Params[3]-p[3]) > 1e-8 {
			t.Errorf("offsets at %g, truth %v: %v %v", c.r, p, got.Status, got.Params[:4])
		}
	}
}

// TestJointStartFromNoisePeaks: a joint ccf2d fit of four CCFs of a flow
// (pixel (20, 16) of a simulated flow of (0.2, -0.1) px/frame, offsets
// (4, 0), (0, 4), (-4, 0), (0, -4), multi-tau lags, blocking error bars:
// testdata/ccf2d_flow_curves.txt, lags, then the curves, then their
// error bars) whose off-path curves peak on noise: the start's
// least-squares amplitude was negative, clipped to 0 it zeroed every other
// column of the Jacobian, and the fit failed at its first step (FIT13's
// F1). The expected parameters are scipy's least_squares minimum of the
// same weighted sum of squares (the FIT13 campaign's independent
// implementation), G0, D, vx, vy.
func TestJointStartFromNoisePeaks(t *testing.T) {
	b, err := os.ReadFile("testdata/ccf2d_flow_curves.txt")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]float64
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var row []float64
		for _, f := range strings.Fields(line) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	if len(rows) != 9 {
		t.Fatalf("%d rows, want 9", len(rows))
	}
	tau, ys, sigmas := rows[0], rows[1:5], rows[5:9]
	var ms []Model
	for _, r := range []Vec{{4, 0}, {0, 4}, {-4, 0}, {0, -4}} {
		ms = append(ms, CCF2D{W: 2, R: r})
	}
	got := NewFitter(DefaultOptions(ms[0])).FitJoint(ms, tau, ys, sigmas)
	want := []float64{0.14790013, 0.04598414, 0.24078048, -0.06816347}
	if got.Status != Converged {
		t.Fatalf("status %v, params %v; want converged to %v", got.Status, got.Params[:4], want)
	}
	for i, w := range want {
		if math.Abs(got.Params[i]-w) > 1e-4*math.Abs(w)+1e-6 {
			t.Errorf("parameter %d = %.8g, want %.8g (all: %v)", i, got.Params[i], w, got.Params[:4])
		}
	}
}
