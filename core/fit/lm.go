package fit

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
)

// Status is the outcome of a fit.
type Status uint8

const (
	// Converged: the fit met a convergence criterion with every free
	// parameter strictly inside its bounds.
	Converged Status = iota
	// AtBound: converged with at least one parameter on a bound.
	AtBound
	// MaxIter: Options.MaxIter trial steps without convergence (or
	// without a step that lowers chi-square as the damping grew without
	// bound); the parameters are the best found.
	MaxIter
	// Failed: no usable fit: a NaN or infinite point, delay or error bar,
	// a non-positive error bar, too few points for the free parameters, a
	// model that evaluates to NaN or infinity at the start, or a free
	// parameter the data do not determine (a singular normal matrix, as
	// for an all-zero curve) while off its bounds.
	Failed
)

func (s Status) String() string {
	switch s {
	case Converged:
		return "converged"
	case AtBound:
		return "at bound"
	case MaxIter:
		return "max iterations"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Result is the outcome of one fit. It holds no slices: a Fitter returns it
// without allocating.
type Result struct {
	Params  [MaxParams]float64 // the parameters (Params[:NParams])
	StdErr  [MaxParams]float64 // their standard errors (0 for a fixed parameter, +Inf for one the data do not determine)
	NParams int                // the model's number of parameters
	ChiSq   float64            // sum over the fitted points of w (y - G)^2, w = 1/sigma^2 or 1
	N       int                // points fitted
	DoF     int                // N - free parameters
	Iter    int                // trial steps taken
	Status  Status

	// Cov is the covariance of the parameters, of which StdErr holds the
	// square roots of the diagonal: 0 in the rows and columns of fixed
	// parameters and those the data do not determine; NaN for a failed fit.
	Cov [MaxParams][MaxParams]float64
}

// P returns the fitted parameters as a slice of r.Params.
func (r *Result) P() []float64 { return r.Params[:r.NParams] }

// SE returns the standard errors as a slice of r.StdErr.
func (r *Result) SE() []float64 { return r.StdErr[:r.NParams] }

// RedChiSq returns ChiSq / DoF (NaN without degrees of freedom).
func (r *Result) RedChiSq() float64 {
	if r.DoF <= 0 {
		return math.NaN()
	}
	return r.ChiSq / float64(r.DoF)
}

// Options controls the fits of a Fitter. The zero value fits every point
// of a curve, without clipping, within the model's default bounds, from a
// guess made from the data.
type Options struct {
	// Lower and Upper are the parameters' box bounds (length NumParams);
	// nil takes the model's Bounds. A parameter with Lower == Upper is
	// held fixed at that value. Infinite bounds are allowed.
	Lower, Upper []float64
	// Guess, when not nil, is the start of every fit (clamped to the
	// bounds) instead of the model's guess from the data.
	Guess []float64
	// First and Last are the numbers of points left out at the start and
	// at the end of each curve (ICSx64 leaves out one of each).
	First, Last int
	// ClipNegative replaces negative points by 0 before fitting (ICSx64).
	ClipNegative bool
	// MaxIter is the most trial steps of a fit; 0 means 200.
	MaxIter int
	// XTol: converged when a step, scaled by the Jacobian's column norms,
	// is at most XTol times the scaled parameters (0 means 1e-10).
	XTol float64
	// FTol: converged when both the actual and the predicted relative
	// reductions of chi-square are at most FTol (0 means 1e-12).
	FTol float64
	// GTol: converged when every scaled gradient component of the
	// unconstrained parameters is at most GTol times sqrt(chi-square)
	// (0 means 1e-12).
	GTol float64
	// Bins, when not nil, holds for every point of a curve (First and
	// Last included) the integer lags [From, To) whose mean of G the point
	// is (a log or linear bin of the engine): the model is then averaged
	// over those lags instead of taken at the point's delay, which
	// biases the parameters where the curve bends within a bin (D 2.2
	// times the truth with bins of 32 lags, 14 % low with 8 log bins, in a
	// test). A point's delay must be its bin's mean lag, (From + To -
	// 1) / 2, in the delays' unit (frames, or seconds: times the frame
	// interval). A multi-tau point is a Triangle bin (MultiTauBins): the
	// correlation of block sums of s frames averages G over the lags
	// within s of its own, weighted (s - |d|) / s^2; taken at its lag
	// alone, D came out 3.4 % low at m = 4 and a flow's 7 % high at m = 16.
	Bins []Bin
}

// Bin is the range of integer lags [From, To) a curve point averages:
// uniformly (a log or linear bin), or with Triangle the weights (s - |d|)
// / s^2 of the lags d from its middle lag, s = (To - From + 1) / 2 (a
// multi-tau point of blocks of s frames; To - From is then odd).
type Bin struct {
	From, To int64
	Triangle bool
}

// MultiTauBins returns the bins of multi-tau points at the delays tau (in
// frames, any selection of the engine's points) of m channels a level:
// level 0 holds the lags 0..m-1, each its own bin, and level k >= 1 the
// lags l 2^k, l = m/2..m-1, each the Triangle of the lags within 2^k.
// m = 0: m is read from the delays, the engine's points from lag 0 (the
// lags 0..m step by 1, the next by 2); a curve of level 0 alone has a lag
// a point.
func MultiTauBins(tau []float64, m int) ([]Bin, error) {
	if m == 0 {
		j := 0
		for j < len(tau) && tau[j] == float64(j) {
			j++
		}
		switch {
		case j == len(tau) && j >= 3 && (j-1)%2 == 0:
			m = j - 1 // the lags 0..m: m channels and the first point of level 1 (the engine's curve of m = N/2 - 2)
		case j == len(tau):
			m = max(2, len(tau)+len(tau)%2) // level 0 alone
		case j >= 3 && (j-1)%2 == 0:
			m = j - 1
		default:
			return nil, fmt.Errorf("fit: multi-tau m cannot be told from delays %v...: give the curves' m (their channels a level: multitau_m, m= in Python, INFO.m in Octave), or whole curves from lag 0", tau[:min(len(tau), j+2)])
		}
	}
	if m < 2 || m%2 != 0 || m > 1<<20 {
		return nil, fmt.Errorf("fit: multi-tau m=%d, want an even number of 2 to 2^20 (the curves' channels a level)", m)
	}
	bins := make([]Bin, len(tau))
	for i, t := range tau {
		l := int64(t)
		if !(t >= 0) || t >= 1<<40 || float64(l) != t {
			return nil, fmt.Errorf("fit: delay %d, %g, is not a multi-tau lag (whole frames)", i, t)
		}
		s := int64(1)
		for l >= int64(m)*s {
			s *= 2
		}
		if l%s != 0 {
			return nil, fmt.Errorf("fit: delay %d, %g, is not a multi-tau lag of m=%d (at level %d the lags are multiples of %d)", i, t, m, bits.TrailingZeros64(uint64(s)), s)
		}
		bins[i] = Bin{From: l - s + 1, To: l + s, Triangle: s > 1}
	}
	return bins, nil
}

// DefaultOptions returns the options a model is meant to be fitted with:
// the first and last points left out (the library's first point repeats
// the second, as ICSx64's; the last bin reaches the circular correlation's
// wrap-around) and, for PCF1D, negative points clipped to 0, as ICSx64's
// ipcf_nlsp_1dpcf does.
func DefaultOptions(m Model) Options {
	_, clip := m.(PCF1D)
	return Options{First: 1, Last: 1, ClipNegative: clip}
}

// Fitted returns how many of a curve's p points are fitted: all but the
// First and Last left out (<= 0 when none is).
func (o Options) Fitted(p int) int { return p - o.First - o.Last }

func (o Options) check(np int) error {
	if o.First < 0 || o.Last < 0 {
		return fmt.Errorf("fit: First=%d, Last=%d, want >= 0", o.First, o.Last)
	}
	if o.MaxIter < 0 {
		return fmt.Errorf("fit: MaxIter=%d, want >= 0", o.MaxIter)
	}
	for _, t := range []float64{o.XTol, o.FTol, o.GTol} {
		if !(t >= 0) || math.IsInf(t, 0) {
			return fmt.Errorf("fit: tolerance %g, want a finite number >= 0", t)
		}
	}
	for _, s := range []struct {
		name string
		v    []float64
	}{{"Lower", o.Lower}, {"Upper", o.Upper}, {"Guess", o.Guess}} {
		if s.v != nil && len(s.v) != np {
			return fmt.Errorf("fit: %s has %d values, the model %d parameters", s.name, len(s.v), np)
		}
		for _, v := range s.v {
			if math.IsNaN(v) {
				return fmt.Errorf("fit: %s holds NaN", s.name)
			}
		}
	}
	for j := range o.Guess {
		if math.IsInf(o.Guess[j], 0) {
			return fmt.Errorf("fit: Guess[%d] is infinite", j)
		}
	}
	for i, b := range o.Bins {
		if b.From < 0 || b.To <= b.From || b.To > 1<<40 {
			return fmt.Errorf("fit: Bins[%d] = [%d, %d), want 0 <= From < To", i, b.From, b.To)
		}
		if b.Triangle && (b.To-b.From)%2 == 0 {
			return fmt.Errorf("fit: Bins[%d] = [%d, %d), a triangle of an even number of lags: want 2 s - 1 lags around the middle one", i, b.From, b.To)
		}
	}
	if o.Lower != nil && o.Upper != nil {
		for j := range o.Lower {
			if o.Lower[j] > o.Upper[j] {
				return fmt.Errorf("fit: Lower[%d]=%g > Upper[%d]=%g", j, o.Lower[j], j, o.Upper[j])
			}
		}
	}
	return nil
}

type segment struct {
	m        Model
	lo, hi   int
	nlo, nhi int // its nodes (Options.Bins)
}

// Fitter fits models to curves by Levenberg-Marquardt with box bounds. It
// keeps its buffers between fits, so that a fit allocates nothing once the
// buffers have grown to the largest curve; use one Fitter per goroutine.
type Fitter struct {
	o                Options
	xtol, ftol, gtol float64
	maxIter          int
	// stopped (FitAll's, nil elsewhere) is looked at between the
	// iterations of long fits: a joint fit of 32,768 curves took 6.6 s,
	// and Ctrl+C waited for it. Once it reports true the Fitter is halted:
	// its fits end at once, with results to be thrown away.
	stopped   func() bool
	halted    bool
	work      int  // points evaluated since stopped was looked at
	checkedNP int  // the parameter count o was last checked for
	optsOK    bool // o passed that check

	tau, y, w []float64 // the points fitted; w: weights 1/sigma^2 when weighted
	weighted  bool
	segs      []segment
	f, ft     []float64
	jac, jt   []float64
	gbuf, col []float64 // joint guesses
	sm        []float64 // the curves averaged over 5 points (retry)
	dscale    float64   // not 0: the start's D is the guess's times it (spreadStarts)
	vstart    Vec       // the start's velocity (vx, vy) when vset (velocityStarts)
	vset      bool
	vstarts   [3 + velocityDirs]Vec
	probe     bool // run returns the start's chi-square only (spreadStarts)
	pf, pg    [MaxParams]float64
	// With Options.Bins: the delays the model is evaluated at (nt), each
	// with its weight in its point's mean (nw); point i's are
	// nptr[i]..nptr[i+1]; nf and nj hold the model there.
	nt, nw, nf, nj []float64
	nptr           []int
	gy             []float64 // not nil: the values the models' guesses read (retry)
	sc             float64   // the scale run divided the points by (scale)
	// Parameters handed to the models: interface calls make their
	// arguments escape, so they live here rather than on the stack.
	pe, ml, mh [MaxParams]float64
}

// NewFitter returns a Fitter with the options o.
func NewFitter(o Options) *Fitter {
	ft := &Fitter{o: o}
	ft.xtol, ft.ftol, ft.gtol, ft.maxIter = o.XTol, o.FTol, o.GTol, o.MaxIter
	if ft.xtol == 0 {
		ft.xtol = 1e-10
	}
	if ft.ftol == 0 {
		ft.ftol = 1e-12
	}
	if ft.gtol == 0 {
		ft.gtol = 1e-12
	}
	if ft.maxIter == 0 {
		ft.maxIter = 200
	}
	return ft
}

// Options returns the Fitter's options.
func (ft *Fitter) Options() Options { return ft.o }

// Fit fits the model m to the curve y at the delays tau (same length),
// weighted by 1/sigma^2 when sigma (the points' error bars, same length) is
// not nil. It never panics on bad data: a curve it cannot fit gives the
// status Failed.
func (ft *Fitter) Fit(m Model, tau, y, sigma []float64) Result {
	var r Result
	if !ft.begin(m, &r) {
		return r
	}
	if !load(ft, m, tau, y, sigma) {
		return failed(r)
	}
	ft.run(&r)
	ft.retry(&r)
	return r
}

// FitJoint fits the curves ys[k] at the delays tau with the models ms[k]
// (the same model at each curve's offset: same parameters) at once: one set
// of parameters for all of them, as for the direction and speed of a flow
// from a pixel's CCFs at several offsets. sigmas is nil or holds each
// curve's error bars.
func (ft *Fitter) FitJoint(ms []Model, tau []float64, ys, sigmas [][]float64) Result {
	var r Result
	if len(ms) == 0 || len(ms) != len(ys) || (sigmas != nil && len(sigmas) != len(ys)) {
		r.Status = Failed
		return failed(r)
	}
	if !ft.begin(ms[0], &r) {
		return r
	}
	for k, m := range ms {
		if m == nil || m.NumParams() != r.NParams || m.Check() != nil {
			return failed(r)
		}
		var s []float64
		if sigmas != nil {
			s = sigmas[k]
		}
		if !load(ft, m, tau, ys[k], s) {
			return failed(r)
		}
	}
	ft.run(&r)
	ft.retry(&r)
	return r
}

// retry fits again from other starts where the first fit may have
// stopped short of the best: once from the curves averaged over 5 points
// when it did not converge (smoothedStart), then from starts spread over
// D when the fit leaves much of the curves unexplained (spreadStarts).
// It keeps the fit with the lowest chi-square.
func (ft *Fitter) retry(r *Result) {
	if ft.o.Guess != nil || ft.halted {
		return
	}
	if r.Status != Converged {
		ft.smoothedStart(r)
	}
	ft.spreadStarts(r)
	ft.velocityStarts(r)
}

// velocityStarts fits a model with a velocity (parameters 2 and 3 are vx
// and vy: CCF2D, ITIRFCS with Flow) again from other velocities and keeps
// the best fit: the fit's velocity mirrored (negated, and across each
// axis) and the four directions of the axes at its speed (or, at rest, the speed at
// which the curves' peaks would be reached). The first start has no flow,
// and from there the fit can slide into the basin of a mirror image:
// noise-free CCFs at offsets (3, 0) and (0, 3) of a flow against both,
// v = (-0.20, -0.23), converged (status 0) to v = (0.33, 0.27) with
// chi-square 3.5e-8 where the truth fits to 4e-20; in 24 of 81 flows of
// a grid (an adversarial fit campaign).
func (ft *Fitter) velocityStarts(r *Result) {
	np := r.NParams
	if np < 4 || len(ft.segs) == 0 {
		return
	}
	if names := ft.segs[0].m.ParamNames(); len(names) < 4 || names[2] != "vx" || names[3] != "vy" {
		return
	}
	ft.unscale()
	ss := ft.sumSquares()
	v := Vec{r.Params[2], r.Params[3]}
	speed := math.Hypot(v.X, v.Y)
	starts := ft.vstarts[:0]
	if r.Status != Failed && finite(speed) && speed > 0 {
		starts = append(starts, Vec{-v.X, -v.Y}, Vec{v.X, -v.Y}, Vec{-v.X, v.Y})
	} else {
		speed = ft.peakSpeed()
	}
	if !(speed > 0) || !finite(speed) {
		return
	}
	for k := 0; k < velocityDirs; k++ {
		a := float64(k) * 2 * math.Pi / float64(velocityDirs)
		starts = append(starts, Vec{speed * math.Cos(a), speed * math.Sin(a)})
	}
	ft.vset = true
	for _, st := range starts {
		ft.vstart = st
		// D from the guess, and from a thousandth of it: a flow away from
		// the neighbours gives CCFs without a peak, whose guess of D is far
		// too large, and from it the fit converged to D 13 to 1400 times
		// the truth, status Converged (a campaign; choosing the start by
		// its chi-square alone left 5 of 30 such flows wrong, a hundredth
		// left slow flows at offsets (6, 0), (0, 6), and a third start
		// costs half as much again).
		for _, k := range velocityScales {
			ft.dscale = k
			r2 := Result{NParams: np}
			ft.run(&r2)
			ft.unscale()
			if better(&r2, r, ss) {
				*r = r2
			}
		}
	}
	ft.vset, ft.dscale = false, 0
}

// velocityScales are the factors of the guessed D velocityStarts starts from.
var velocityScales = [...]float64{1, 1e-3}

const velocityDirs = 4

// peakSpeed is a velocity scale from the curves: the median over the
// curves at an offset R of |R| over the delay of the curve's peak.
func (ft *Fitter) peakSpeed() float64 {
	c := ft.col[:0]
	for _, s := range ft.segs {
		om, ok := s.m.(interface{ Displacement() Vec })
		if !ok || s.hi-s.lo < 1 {
			continue
		}
		r := om.Displacement()
		d := math.Hypot(r.X, r.Y)
		if tp := peakDelay(ft.tau[s.lo:s.hi], ft.y[s.lo:s.hi]); d > 0 && tp > 0 && finite(tp) {
			c = append(c, d/tp)
		}
	}
	if len(c) == 0 {
		return 0
	}
	slices.Sort(c)
	ft.col = c
	return c[len(c)/2]
}

// unscale undoes run's scaling of the points (ft.sc), so that the next
// run scales them the same way.
func (ft *Fitter) unscale() {
	if ft.sc != 1 && ft.sc != 0 {
		for i := range ft.y {
			ft.y[i] *= ft.sc
		}
		for i := range ft.w {
			ft.w[i] /= ft.sc * ft.sc
		}
		ft.sc = 1
	}
}

// sumSquares is the curves' weighted sum of squares (the chi-square of
// the model 0), on the points as loaded.
func (ft *Fitter) sumSquares() float64 {
	var ss float64
	for i, v := range ft.y {
		w := 1.0
		if ft.weighted {
			w = ft.w[i]
		}
		ss += w * v * v
	}
	return ss
}

// better reports whether r2 replaces r: a usable fit whose chi-square is
// lower by more than rounding: a billionth of r's chi-square, or of the
// curves' own sum of squares ss times 1e-3 where r fits exactly (two exact
// fits differ by round-off). A millionth of ss was more than the whole
// chi-square of curves of high signal to noise (image-averaged ones): a
// restart's far better fit was thrown away, status 0 with a velocity 33
// standard errors off (FIT13's F2).
func better(r2, r *Result, ss float64) bool {
	return r2.Status != Failed && (r.Status == Failed || lower(r2.ChiSq, r.ChiSq, ss))
}

// lower reports whether chi-square c is below than by more than rounding
// (see better).
func lower(c, than, ss float64) bool { return c < than-max(1e-9*than, 1e-12*ss) }

// smoothedStart fits once more from a second start when the fit did not
// converge (at a bound, out of iterations, failed), and keeps the better
// fit. The models' guesses read a curve's highest point, and a noisy
// point far from the peak can be it (the fit then slides to D = 0,
// chi-square 605 where 64 was there); the second start is the guess from
// the curves averaged over 5 points, and when weighted (1/sigma^2)
// divided by the mean's error: the peak that stands out of the noise.
func (ft *Fitter) smoothedStart(r *Result) {
	np := r.NParams
	ft.unscale()
	ft.sm = grow(ft.sm, len(ft.y))
	for _, s := range ft.segs {
		for i := s.lo; i < s.hi; i++ {
			var sw, sy float64
			for j := max(s.lo, i-2); j < min(s.hi, i+3); j++ {
				w := 1.0
				if ft.weighted {
					w = ft.w[j]
				}
				sw, sy = sw+w, sy+w*ft.y[j]
			}
			ft.sm[i] = sy / sw
			if ft.weighted {
				ft.sm[i] = sy / math.Sqrt(sw) // the mean over its error: where the curve is high beyond its noise
			}
		}
	}
	ft.pf, ft.pg = [MaxParams]float64{}, [MaxParams]float64{}
	ft.guessFrom(np, ft.pf[:np], ft.y)
	ft.guessFrom(np, ft.pg[:np], ft.sm)
	if ft.pf == ft.pg {
		return // the same start: the same fit
	}
	ss := ft.sumSquares() // before run scales the points again
	ft.gy = ft.sm         // the start from the averaged curves, the amplitude set as for the first
	r2 := Result{NParams: np}
	ft.run(&r2)
	ft.gy = nil
	if better(&r2, r, ss) {
		*r = r2
	}
}

// unbracketed reports whether a curve's largest value is its last point
// or all its values are equal: its peak, if any, is beyond the delays
// fitted, and the guess of D that reads it may lie far from the fit.
func (ft *Fitter) unbracketed() bool {
	for _, s := range ft.segs {
		y := ft.y[s.lo:s.hi]
		if len(y) == 0 {
			continue
		}
		top, flat := 0, true
		for i, v := range y {
			if v > y[top] {
				top = i
			}
			flat = flat && v == y[0]
		}
		if flat || top == len(y)-1 {
			return true
		}
	}
	return false
}

// spreadScales are the factors of the guessed D that spreadStarts tries.
var spreadScales = [...]float64{1e-4, 1e-3, 1e-2, 1e-1, 10, 100}

// spreadStarts looks at starts with the guess's D (every model's second
// parameter) times each of spreadScales, the amplitude set by least
// squares as for the first start, and fits again from each whose
// chi-square is already lower than the fit's at its turn, then from the
// two best of them not yet fitted: a start in another basin. It keeps the
// best fit. It looks only at curves whose largest value is
// the last point fitted, or constant (unbracketed). A pCF still rising at its last delay (slow
// diffusion, a far offset) has its peak, which the guess of D reads,
// beyond the delays: the guess lay on the far side of a barrier, and the
// fit converged (status 0) in a local minimum whose chi-square was 4 to 11
// times the curve's largest value squared, where the true parameters fit
// exactly; a constant curve (D = 0) likewise. Looking costs about a
// fifth of a fit per start.
func (ft *Fitter) spreadStarts(r *Result) {
	if r.Status == Failed || r.NParams < 2 || r.ChiSq == 0 {
		return
	}
	ft.unscale()
	if !ft.unbracketed() {
		return
	}
	ss := ft.sumSquares()
	np := r.NParams
	ft.pf = [MaxParams]float64{}
	ft.guessFrom(np, ft.pf[:np], ft.y)
	if d := ft.pf[1]; !(d > 0) || math.IsInf(d, 0) {
		return
	}
	// Fitted from every start whose chi-square beats the fit's (at its
	// turn, as before), then from the two best starts whatever theirs
	// where not yet: starts far worse than the fit can lie in the better
	// basin (a pCF of high signal to noise rising at its last delay
	// converged, status 0, at 8 times the chi-square that the starts of
	// D/10^4 to D/100 reached, all three skipped: FIT13's F3). The second
	// pass comes after the first, so a fit ends no higher than the first
	// pass alone leaves it (REVIEW13's F7: sorted in one pass, a joint fit
	// ended 2 % higher).
	var chi [len(spreadScales)]float64
	var fitted [len(spreadScales)]bool
	order := [len(spreadScales)]int{}
	for i, k := range spreadScales {
		ft.dscale = k
		ft.probe = true
		s := Result{NParams: np}
		ft.run(&s)
		ft.unscale()
		ft.probe = false
		chi[i], order[i] = math.Inf(1), i
		if s.Status != Failed && !math.IsNaN(s.ChiSq) {
			chi[i] = s.ChiSq
		}
		if !better(&s, r, ss) {
			continue
		}
		fitted[i] = true
		r2 := Result{NParams: np}
		ft.run(&r2)
		ft.unscale()
		if better(&r2, r, ss) {
			*r = r2
		}
	}
	slices.SortStableFunc(order[:], func(a, b int) int { return cmp.Compare(chi[a], chi[b]) })
	for _, i := range order[:2] {
		if fitted[i] || math.IsInf(chi[i], 1) {
			continue
		}
		ft.dscale = spreadScales[i]
		r2 := Result{NParams: np}
		ft.run(&r2)
		ft.unscale()
		if better(&r2, r, ss) {
			*r = r2
		}
	}
	ft.dscale = 0
}

// begin resets the points and checks the model and options.
func (ft *Fitter) begin(m Model, r *Result) bool {
	ft.tau, ft.y, ft.w, ft.segs, ft.sc = ft.tau[:0], ft.y[:0], ft.w[:0], ft.segs[:0], 1
	ft.nt, ft.nw, ft.nptr = ft.nt[:0], ft.nw[:0], append(ft.nptr[:0], 0)
	if m == nil {
		*r = failed(*r)
		return false
	}
	np := m.NumParams()
	if np != ft.checkedNP {
		ft.checkedNP, ft.optsOK = np, ft.o.check(np) == nil
	}
	if np < 1 || np > MaxParams || !ft.optsOK || m.Check() != nil {
		*r = failed(*r)
		return false
	}
	r.NParams = np
	return true
}

// stop reports whether the Fitter is halted, looking at stopped (where
// set) once the fits since the last look evaluated 2^16 points or more:
// every iteration of a fit of that many, every few fits of small curves.
func (ft *Fitter) stop(points int) bool {
	if ft.stopped == nil || ft.halted {
		return ft.halted
	}
	if ft.work += points; ft.work < 1<<16 {
		return false
	}
	ft.work = 0
	ft.halted = ft.stopped()
	return ft.halted
}

func failed(r Result) Result {
	r.Status = Failed
	for j := range r.Params {
		r.Params[j], r.StdErr[j] = math.NaN(), math.NaN()
		for k := range r.Cov[j] {
			r.Cov[j][k] = math.NaN()
		}
	}
	r.ChiSq = math.NaN()
	return r
}

// load appends the points of one curve, leaving out First and Last,
// clipping when asked; false for a curve that cannot be fitted.
func load[T float32 | float64](ft *Fitter, m Model, tau []float64, y, sigma []T) bool {
	if len(tau) != len(y) || (sigma != nil && len(sigma) != len(y)) || (ft.o.Bins != nil && len(ft.o.Bins) != len(y)) {
		return false
	}
	if len(ft.segs) == 0 {
		ft.weighted = sigma != nil
	} else if (sigma != nil) != ft.weighted {
		return false // weighted and unweighted curves mixed
	}
	lo, hi := ft.o.First, len(y)-ft.o.Last
	if hi-lo < 1 {
		return false
	}
	start, nstart := len(ft.y), len(ft.nt)
	pieces := binPiece
	if bp, ok := m.(binPiecer); ok {
		pieces = bp.binPieces()
	}
	for i := lo; i < hi; i++ {
		t, v := tau[i], float64(y[i])
		if math.IsNaN(t) || math.IsInf(t, 0) || t < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
		if i > lo && t < tau[i-1] {
			return false
		}
		if ft.o.ClipNegative && v < 0 {
			v = 0
		}
		ft.tau = append(ft.tau, t)
		ft.y = append(ft.y, v)
		if ft.o.Bins != nil {
			ft.nt, ft.nw = binNodes(t, ft.o.Bins[i], pieces, ft.nt, ft.nw)
			ft.nptr = append(ft.nptr, len(ft.nt))
		}
		if sigma != nil {
			s := float64(sigma[i])
			if !(s > 0) || math.IsInf(s, 0) {
				return false
			}
			ft.w = append(ft.w, 1/(s*s))
		}
	}
	ft.segs = append(ft.segs, segment{m: m, lo: start, hi: len(ft.y), nlo: nstart, nhi: len(ft.nt)})
	return true
}

// ContiguousBins returns the bins of lags of curve points at the delays
// tau (in frames) that are the engine's log or linear bins: contiguous
// from lag 0, each point's delay its bin's mean lag (From + To - 1) / 2.
// It fails for delays that are not (multi-tau's lags: MultiTauBins; delays in
// seconds); multi-tau's lags may pass as bins (0, 1, 2, 3, 4, 6, 8, ...
// are the means of [0, 1), ..., [5, 8), ...): the caller knows its curves'
// bins mode.
//
// The engine's log and linear bins start with the point of delay 0 (the
// bin [0, 1)): delays from another point are refused. Bins rebuilt from
// lag 0 under them have the same mean lags but other lags (a curve without
// its first point: [0, 257) for [1, 256) of linear bins), and the model
// was averaged over those with no error (D 0.622 for 0.5).
func ContiguousBins(tau []float64) ([]Bin, error) {
	if len(tau) > 0 && tau[0] != 0 {
		return nil, fmt.Errorf("fit: delay 0 is %g, not 0: log and linear bins start with the point of delay 0 (the bin of lag 0); give whole curves, from their first point (Options.First leaves points out of the fit), or fit the model at each delay without bins", tau[0])
	}
	bins := make([]Bin, len(tau))
	var lo int64
	for i, t := range tau {
		h := 2*t + 1 - float64(lo)
		hi := int64(math.Round(h))
		if !(t >= 0) || math.IsInf(t, 0) || math.Abs(h-float64(hi)) > 1e-9*(1+t) || hi <= lo || hi > 1<<40 {
			return nil, fmt.Errorf("fit: delay %d, %g, is not the mean lag of a bin of lags from %d (the bins of log or linear curves in frames; not multi-tau points)", i, t, lo)
		}
		bins[i] = Bin{From: lo, To: hi}
		lo = hi
	}
	if !engineEdges(bins) {
		return nil, fmt.Errorf("fit: the delays %s are not those of the engine's log or linear bins of a curve from lag 0 (bins rebuilt from them grow unevenly: a selection of a curve's points, such as every second one, whose bins lie between the points kept); give whole curves, or their first points (Options.First and Last, first= and last=, leave points out of the fit), or fit the model at each delay without bins", clipDelays(tau))
	}
	return bins, nil
}

// engineEdges reports whether the upper edges of bins, rebuilt from their
// mean lags, can be the engine's linear bins (trunc(1 + k step)) or log
// bins (trunc(2^(k q)), unique) of some step, of a whole curve or its
// first points (the last edge, the end point set exactly, is not
// checked). A selection of a curve's points (every second one: FIT19's
// F1) has mean lags that rebuild into bins of the right means from lag 0
// but not the curve's lags, and the model was averaged over those (D
// 0.019 to 0.098 for 0.05, converged).
func engineEdges(bins []Bin) bool {
	if len(bins) < 4 {
		return true // (too few to tell)
	}
	e := make([]float64, len(bins)-1) // the edges checked: all but the end point
	for i := range e {
		e[i] = float64(bins[i].To)
	}
	if e[0] != 1 {
		return false
	}
	const eps = 1e-9
	// linear: e[i] = trunc(1 + i*step) for a step >= 1 (a smaller step
	// gives the edges 1, 2, 3, ...: widths of 1, which log bins pass too)
	lo, hi := 0.0, math.Inf(1)
	for i := 1; i < len(e); i++ {
		lo = max(lo, (e[i]-1)/float64(i)-eps)
		hi = min(hi, e[i]/float64(i)+eps)
	}
	if lo < hi {
		return true
	}
	// log: where an edge lies 2 or more above the one before, 2^(k q)
	// grows by more than 1 a step from there on, so the edges from the one
	// before it are those of consecutive k = c + i: for some whole c,
	// log2 e[i] <= (c + i) q < log2(e[i] + 1) for all of them. The step
	// into that edge bounds q from below (2^(k q) (2^q - 1) > 1 with
	// 2^(k q) < e[i0-1] + 1), and so c from above.
	i0 := 1
	for i0 < len(e) && e[i0]-e[i0-1] < 2 {
		i0++
	}
	if i0 >= len(e)-1 {
		return true // (one step of more than 1: too few to tell)
	}
	first := e[i0-1]
	qmin := math.Log2(1 + 1/(first+1))
	cmax := int(math.Log2(first+1)/qmin) + 1
	for c := 0; c <= cmax; c++ {
		lo, hi := 0.0, math.Inf(1)
		for i := i0 - 1; i < len(e) && lo < hi; i++ {
			k := float64(c + i)
			if k == 0 {
				continue // (2^0 = 1 = e[0])
			}
			lo = max(lo, math.Log2(e[i])/k-eps)
			hi = min(hi, math.Log2(e[i]+1)/k+eps)
		}
		if lo < hi {
			return true
		}
	}
	return false
}

// clipDelays is the first delays of tau, for a message.
func clipDelays(tau []float64) string {
	if len(tau) <= 6 {
		return fmt.Sprint(tau)
	}
	return strings.TrimSuffix(fmt.Sprint(tau[:6]), "]") + " ...]"
}

// binExact is the lag below which a bin's lags are all evaluated: there a
// curve may bend within a few lags.
const binExact = 32

// binPiece: above binExact, a bin is averaged in pieces of at most
// 1/binPiece of their first lag, 4 nodes each, where the model is smooth
// on that scale (binPiecer says otherwise).
const binPiece = 4

// binPiecer is a model whose curve may change within a small fraction
// of the lag far from lag 0: a flow carries a neighbour's displacement R
// past the pixel at lag |R|/|v| in a peak about W/|v| lags wide, a
// fraction W/|R| of its lag. binPieces is the binPiece it needs.
type binPiecer interface{ binPieces() int }

// flowPieces is binPieces of a model with a flow over the displacement r:
// pieces of about the peak's width, sqrt(2) |R| / W a lag (a peak of W at
// 12 pixels with v = 0.25: 1e-9 of the peak, where a quarter of the lag
// gave 6e-4 and a 1.5 % bias of D; at most 4e-5 for |R| of 3 to 24 pixels
// and v of 0.05 to 1 px/frame, the bins' own error far from the peak).
func flowPieces(r Vec, w float64) int {
	n := math.Sqrt2 * math.Hypot(r.X, r.Y) / w
	if !(n < 1024) {
		return 1024
	}
	return max(binPiece, int(math.Ceil(n)))
}

func (m CCF2D) binPieces() int { return flowPieces(m.R, m.W) }

func (m ITIRFCS) binPieces() int {
	if !m.Flow {
		return binPiece
	}
	return flowPieces(m.R, m.W)
}

// gauss4 returns the nodes (offsets from the middle, (n - 1) / 2) and
// weights (summing to n) of the 4-point Gauss quadrature of the sum over
// the n lags 0..n-1 (n >= 4): exact for polynomials up to degree 7, as
// Gauss-Legendre is for the integral, but of the sum the bin's mean is.
// The integral over [-1/2, n - 1/2] it replaced differs from the sum by
// (f'(n - 1/2) - f'(-1/2)) / 24: 1e-4 to 8e-4 of D in fits of exact
// curves over linear bins (a campaign's measurement).
//
// The nodes are the eigenvalues of the Jacobi matrix of the discrete
// Chebyshev (Gram) polynomials, centred: zero diagonal, off-diagonal
// b_k = sqrt(beta_k), beta_k = k^2 (n^2 - k^2) / (4 (4 k^2 - 1)). Its
// characteristic polynomial is x^4 - (b1^2 + b2^2 + b3^2) x^2 + b1^2 b3^2,
// and a node's weight is n v_1^2 of its unit eigenvector v.
func gauss4(n int64) (x, w [4]float64) {
	nn := float64(n) * float64(n)
	var b2 [4]float64 // b2[k] = beta_k
	for k := 1; k <= 3; k++ {
		kk := float64(k * k)
		b2[k] = kk * (nn - kk) / (4 * (4*kk - 1))
	}
	s, p := b2[1]+b2[2]+b2[3], b2[1]*b2[3]
	big := (s + math.Sqrt(s*s-4*p)) / 2 // the roots x^2 of the quadratic
	for i, x2 := range [2]float64{p / big, big} {
		l := math.Sqrt(x2)
		// v = (1, v2, v3, v4) from the first three rows of (J - l) v = 0.
		b1, bb2, b3 := math.Sqrt(b2[1]), math.Sqrt(b2[2]), math.Sqrt(b2[3])
		v2 := l / b1
		v3 := (l*v2 - b1) / bb2
		v4 := (l*v3 - bb2*v2) / b3
		wt := float64(n) / (1 + v2*v2 + v3*v3 + v4*v4)
		x[1-i], w[1-i] = -l, wt
		x[2+i], w[2+i] = l, wt
	}
	return x, w
}

// binNodes appends the delays and weights that average a model over the
// lags of bin b, whose mean lag is the point's delay t: every lag below
// binExact (and every lag of a piece of at most 8); above it, the sum
// over pieces of lags a..c (at most a/pieces of them) by gauss4, 4 nodes
// a piece (pieces: binPiece, or a flow's binPieces). The README gives the
// fits' cost.
//
// A Triangle bin is summed so in two halves, [From, middle) and [middle,
// To), where its weight is linear in the lag: gauss4 is exact for the
// product with a polynomial of degree 6.
func binNodes(t float64, b Bin, pieces int, nt, nw []float64) ([]float64, []float64) {
	n := b.To - b.From
	if n == 1 {
		return append(nt, t), append(nw, 1)
	}
	u := t / (float64(b.From+b.To-1) / 2) // the delays' unit per lag
	if !b.Triangle {
		inv := 1 / float64(n)
		return lagNodes(b.From, b.To, pieces, u, func(float64) float64 { return inv }, nt, nw)
	}
	s := (n + 1) / 2
	mid := b.From + s - 1
	inv := 1 / float64(s*s)
	tri := func(k float64) float64 { return (float64(s) - math.Abs(k-float64(mid))) * inv }
	nt, nw = lagNodes(b.From, mid, pieces, u, tri, nt, nw)
	return lagNodes(mid, b.To, pieces, u, tri, nt, nw)
}

// lagNodes appends the nodes (times u) and weights of the sum over the
// lags [from, to) of weight(lag) times a curve, for binNodes.
func lagNodes(from, to int64, pieces int, u float64, weight func(float64) float64, nt, nw []float64) ([]float64, []float64) {
	k := from
	for ; k < to && k < binExact; k++ {
		nt, nw = append(nt, u*float64(k)), append(nw, weight(float64(k)))
	}
	for k < to {
		end := min(to, k+max(1, k/int64(pieces))) // the piece [k, end)
		if end-k <= 8 {
			for ; k < end; k++ {
				nt, nw = append(nt, u*float64(k)), append(nw, weight(float64(k)))
			}
			continue
		}
		// the lags k..end-1
		mid := float64(k+end-1) / 2
		x, w := gauss4(end - k)
		for i := range x {
			nt, nw = append(nt, u*(mid+x[i])), append(nw, w[i]*weight(mid+x[i]))
		}
		k = end
	}
	return nt, nw
}

// eval sets f (and jac) to the model at p[:np] over all points.
func (ft *Fitter) eval(np int, pv *[MaxParams]float64, f, jac []float64) {
	ft.pe = *pv
	p := ft.pe[:np]
	if ft.o.Bins != nil {
		ft.evalBins(np, p, f, jac)
		return
	}
	for _, s := range ft.segs {
		var j []float64
		if jac != nil {
			j = jac[s.lo*np : s.hi*np]
		}
		s.m.Eval(p, ft.tau[s.lo:s.hi], f[s.lo:s.hi], j)
	}
}

// evalBins is eval with Options.Bins: each point the mean of the model
// (and of its derivatives) over its bin's nodes.
func (ft *Fitter) evalBins(np int, p, f, jac []float64) {
	for _, s := range ft.segs {
		n := s.nhi - s.nlo
		ft.nf = grow(ft.nf, n)
		var nj []float64
		if jac != nil {
			ft.nj = grow(ft.nj, n*np)
			nj = ft.nj
		}
		s.m.Eval(p, ft.nt[s.nlo:s.nhi], ft.nf, nj)
		for i := s.lo; i < s.hi; i++ {
			var v float64
			var d [MaxParams]float64
			for k := ft.nptr[i]; k < ft.nptr[i+1]; k++ {
				w, kk := ft.nw[k], k-s.nlo
				v += w * ft.nf[kk]
				if jac != nil {
					for j := range np {
						d[j] += w * nj[kk*np+j]
					}
				}
			}
			f[i] = v
			if jac != nil {
				copy(jac[i*np:(i+1)*np], d[:np])
			}
		}
	}
}

type sq = [MaxParams][MaxParams]float64

// normal returns chi-square and sets A = J^T W J and g = J^T W (y - f).
func (ft *Fitter) normal(np int, f, jac []float64, a *sq, g *[MaxParams]float64) float64 {
	*a = sq{}
	*g = [MaxParams]float64{}
	chi2 := 0.0
	for i, yi := range ft.y {
		r := yi - f[i]
		w := 1.0
		if ft.weighted {
			w = ft.w[i]
		}
		chi2 += w * r * r
		row := jac[i*np : i*np+np]
		for j, jj := range row {
			wj := w * jj
			g[j] += wj * r
			for k := 0; k <= j; k++ {
				a[j][k] += wj * row[k]
			}
		}
	}
	for j := 0; j < np; j++ {
		for k := 0; k < j; k++ {
			a[k][j] = a[j][k]
		}
	}
	return chi2
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func finiteNormal(np int, a *sq, g *[MaxParams]float64) bool {
	for j := 0; j < np; j++ {
		if !finite(g[j]) {
			return false
		}
		for k := 0; k < np; k++ {
			if !finite(a[j][k]) {
				return false
			}
		}
	}
	return true
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n, n+n/4)
	}
	return s[:n]
}

// guess sets p to the start of the fit.
func (ft *Fitter) guess(np int, p []float64) {
	if ft.o.Guess != nil {
		copy(p, ft.o.Guess)
		return
	}
	if ft.gy != nil {
		ft.guessFrom(np, p, ft.gy)
	} else {
		ft.guessFrom(np, p, ft.y)
	}
	if ft.dscale != 0 {
		p[1] *= ft.dscale // spreadStarts
	}
	if ft.vset {
		p[2], p[3] = ft.vstart.X, ft.vstart.Y // velocityStarts
	}
}

// guessFrom sets p to the models' guess from the values y (ft.y, or
// another curve at the same points).
func (ft *Fitter) guessFrom(np int, p, y []float64) {
	if len(ft.segs) == 1 {
		s := ft.segs[0]
		s.m.Guess(p, ft.tau[s.lo:s.hi], y[s.lo:s.hi])
		return
	}
	// Joint: the median of the curves' guesses, parameter by parameter.
	k := len(ft.segs)
	ft.gbuf = grow(ft.gbuf, k*np)
	for i, s := range ft.segs {
		s.m.Guess(ft.gbuf[i*np:i*np+np], ft.tau[s.lo:s.hi], y[s.lo:s.hi])
	}
	ft.col = grow(ft.col, k)
	for j := 0; j < np; j++ {
		c := ft.col[:0]
		for i := 0; i < k; i++ {
			if v := ft.gbuf[i*np+j]; finite(v) {
				c = append(c, v)
			}
		}
		if len(c) == 0 {
			p[j] = 0
			continue
		}
		slices.Sort(c)
		p[j] = c[len(c)/2]
		if len(c)%2 == 0 {
			p[j] = (c[len(c)/2-1] + c[len(c)/2]) / 2
		}
	}
}

// run fits the loaded points.
func (ft *Fitter) run(r *Result) {
	np := r.NParams
	n := len(ft.y)
	if ft.stop(n) {
		*r = failed(*r)
		return
	}
	if ft.weighted && len(ft.w) != n {
		*r = failed(*r)
		return
	}
	var lo, hi, p, pt, dsc [MaxParams]float64
	if ft.o.Lower != nil {
		copy(lo[:], ft.o.Lower)
	}
	if ft.o.Upper != nil {
		copy(hi[:], ft.o.Upper)
	}
	if ft.o.Lower == nil || ft.o.Upper == nil {
		ft.ml, ft.mh = [MaxParams]float64{}, [MaxParams]float64{}
		ft.segs[0].m.Bounds(ft.ml[:np], ft.mh[:np])
		if ft.o.Lower == nil {
			lo = ft.ml
		}
		if ft.o.Upper == nil {
			hi = ft.mh
		}
	}
	var free [MaxParams]int
	nf := 0
	for j := 0; j < np; j++ {
		if lo[j] > hi[j] {
			*r = failed(*r)
			return
		}
		if lo[j] < hi[j] {
			free[nf] = j
			nf++
		}
	}
	r.N = n
	r.DoF = n - nf
	if n <= nf {
		*r = failed(*r)
		r.N, r.DoF = n, n-nf
		return
	}
	ft.f, ft.ft = grow(ft.f, n), grow(ft.ft, n)
	ft.jac, ft.jt = grow(ft.jac, n*np), grow(ft.jt, n*np)

	// The fit runs on the data scaled by a power of two to a largest
	// |value| in [0.5, 1): the model is linear in G0 and Ginf, which scale
	// with it, and the normal equations of curves of 1e-150 or 1e150 stay
	// clear of underflow and overflow.
	gi := -1 // Ginf
	for j, name := range ft.segs[0].m.ParamNames() {
		if name == "Ginf" && j > 0 && j < np {
			gi = j
		}
	}
	sc := ft.scale()
	lo0, hi0 := lo, hi
	lo[0], hi[0] = lo[0]/sc, hi[0]/sc
	if gi >= 0 {
		lo[gi], hi[gi] = lo[gi]/sc, hi[gi]/sc
	}

	ft.pe = [MaxParams]float64{}
	ft.guess(np, ft.pe[:np])
	p = ft.pe
	if ft.o.Guess != nil {
		p[0] /= sc
		if gi >= 0 {
			p[gi] /= sc
		}
	}
	for j := 0; j < np; j++ {
		if !finite(p[j]) {
			p[j] = 0
		}
		p[j] = min(max(p[j], lo[j]), hi[j])
	}
	if ft.o.Guess == nil {
		ft.amplitude(np, gi, &p, &lo, &hi)
	}

	var a, at sq
	var g, gt [MaxParams]float64
	ft.eval(np, &p, ft.f, ft.jac)
	chi2 := ft.normal(np, ft.f, ft.jac, &a, &g)
	if !finite(chi2) || !finiteNormal(np, &a, &g) {
		*r = failed(*r)
		r.N, r.DoF = n, n-nf
		return
	}
	if ft.probe {
		// spreadStarts: the start's chi-square only.
		r.Status, r.ChiSq = Converged, chi2
		if !ft.weighted {
			r.ChiSq = r.ChiSq * sc * sc
		}
		return
	}
	for _, j := range free[:nf] {
		dsc[j] = math.Sqrt(a[j][j])
		if dsc[j] == 0 {
			dsc[j] = 1
		}
	}
	mu, nu := 1e-3, 2.0
	status := MaxIter
	iter := 0
	var act [MaxParams]bool
	var m sq
	var rhs, delta [MaxParams]float64
	var idx [MaxParams]int
	for iter < ft.maxIter {
		if chi2 == 0 {
			status = Converged
			break
		}
		if ft.stop(n) {
			break
		}
		// Active bounds: a parameter on a bound that the gradient pushes
		// outwards takes no step (projected Levenberg-Marquardt).
		ni := 0
		gmax := 0.0
		for _, j := range free[:nf] {
			act[j] = (p[j] <= lo[j] && g[j] <= 0) || (p[j] >= hi[j] && g[j] >= 0)
			if !act[j] {
				idx[ni] = j
				ni++
				gmax = max(gmax, math.Abs(g[j])/dsc[j])
			}
		}
		if gmax <= ft.gtol*math.Sqrt(chi2) {
			status = Converged
			break
		}
		iter++
		for u := 0; u < ni; u++ {
			j := idx[u]
			for v := 0; v < ni; v++ {
				m[u][v] = a[j][idx[v]]
			}
			m[u][u] += mu * dsc[j] * dsc[j]
			rhs[u] = g[j]
		}
		if !cholSolve(&m, ni, &rhs, &delta) {
			mu *= nu
			nu *= 2
			if mu > 1e300 {
				break
			}
			continue
		}
		var s [MaxParams]float64
		snorm, pnorm := 0.0, 0.0
		pt = p
		for u := 0; u < ni; u++ {
			j := idx[u]
			pt[j] = min(max(p[j]+delta[u], lo[j]), hi[j])
			s[j] = pt[j] - p[j]
		}
		for _, j := range free[:nf] {
			snorm += (dsc[j] * s[j]) * (dsc[j] * s[j])
			pnorm += (dsc[j] * p[j]) * (dsc[j] * p[j])
		}
		snorm, pnorm = math.Sqrt(snorm), math.Sqrt(pnorm)
		small := snorm <= ft.xtol*pnorm
		// Predicted reduction of chi-square: 2 s.g - s.A.s.
		pred := 0.0
		for _, j := range free[:nf] {
			pred += 2 * s[j] * g[j]
			for _, k := range free[:nf] {
				pred -= s[j] * a[j][k] * s[k]
			}
		}
		ft.eval(np, &pt, ft.ft, ft.jt)
		chi2t := ft.normal(np, ft.ft, ft.jt, &at, &gt)
		actual := chi2 - chi2t
		if finite(chi2t) && actual > 0 && finiteNormal(np, &at, &gt) {
			rho := 0.5
			if pred > 0 {
				rho = actual / pred
			}
			old := chi2
			p, a, g, chi2 = pt, at, gt, chi2t
			ft.f, ft.ft = ft.ft, ft.f
			ft.jac, ft.jt = ft.jt, ft.jac
			for _, j := range free[:nf] {
				dsc[j] = max(dsc[j], math.Sqrt(a[j][j]))
			}
			c := 2*rho - 1
			mu *= max(1.0/3, 1-c*c*c)
			nu = 2
			if small || chi2 == 0 || (actual <= ft.ftol*old && pred <= ft.ftol*old) {
				status = Converged
				break
			}
			continue
		}
		mu *= nu
		nu *= 2
		if small || mu > 1e300 {
			if small {
				status = Converged
			}
			break
		}
	}
	r.Iter = iter

	if status == Converged {
		ft.snap(np, free[:nf], &lo, &hi, &p, &dsc, &chi2, &a, &g)
	}
	for j := 0; j < np; j++ {
		r.Params[j] = p[j]
	}
	r.ChiSq = chi2
	at0 := false
	for _, j := range free[:nf] {
		if p[j] == lo[j] || p[j] == hi[j] {
			at0 = true
		}
	}
	if status == Converged && at0 {
		status = AtBound
	}
	// Covariance (J^T W J)^-1 over the free parameters, scaled by the
	// reduced chi-square when the points carry no error bars.
	s2 := 1.0
	if !ft.weighted {
		s2 = chi2 / float64(n-nf)
	}
	var sing [MaxParams]bool
	covariance(np, free[:nf], &a, &sing, &r.Cov)
	for j := 0; j < np; j++ {
		r.StdErr[j] = r.Cov[j][j]
		for k := 0; k < np; k++ {
			switch {
			case lo[j] == hi[j] || lo[k] == hi[k] || sing[j] || sing[k]:
				r.Cov[j][k] = 0
			default:
				r.Cov[j][k] *= s2
			}
		}
	}
	for j := 0; j < np; j++ {
		switch {
		case lo[j] == hi[j]:
			r.StdErr[j] = 0
		case sing[j]:
			r.StdErr[j] = math.Inf(1)
			if p[j] != lo[j] && p[j] != hi[j] {
				status = Failed
			}
		default:
			r.StdErr[j] = math.Sqrt(r.StdErr[j] * s2)
			if math.IsNaN(r.StdErr[j]) {
				r.StdErr[j] = math.Inf(1)
				if p[j] != lo[j] && p[j] != hi[j] {
					status = Failed
				}
			}
		}
	}
	r.Status = status
	r.Params[0] *= sc
	r.StdErr[0] *= sc
	if gi >= 0 {
		r.Params[gi] *= sc
		r.StdErr[gi] *= sc
	}
	for j := 0; j < np; j++ { // (the amplitudes' rows and columns, as their errors)
		for k := 0; k < np; k++ {
			if j == 0 || j == gi {
				r.Cov[j][k] *= sc
			}
			if k == 0 || k == gi {
				r.Cov[j][k] *= sc
			}
		}
	}
	if !ft.weighted {
		// In two steps: sc*sc overflows for curves near 1e154 and beyond,
		// and 0 * Inf is NaN (an exact fit of such a curve).
		r.ChiSq = r.ChiSq * sc * sc
	}
	for j := 0; j < np; j++ {
		if !finite(r.Params[j]) { // an amplitude beyond float64
			r.Status = Failed
		}
		// Bounds scaled into subnormals lose bits.
		r.Params[j] = min(max(r.Params[j], lo0[j]), hi0[j])
	}
	if r.Status == Failed {
		// No usable fit: NaN, never values that a map would show as
		// fitted (an all-zero curve kept its start values).
		*r = failed(*r)
	}
}

// scale divides the points by a power of two that brings their largest
// |value| into [0.5, 1) (and multiplies the weights by its square), and
// returns it.
func (ft *Fitter) scale() float64 {
	ymax := 0.0
	for _, y := range ft.y {
		ymax = max(ymax, math.Abs(y))
	}
	ft.sc = 1
	if !(ymax > 0) || math.IsInf(ymax, 0) {
		return 1
	}
	_, e := math.Frexp(ymax)
	sc := math.Ldexp(1, e)
	ft.sc = sc
	for i := range ft.y {
		ft.y[i] /= sc
	}
	if ft.weighted {
		for i := range ft.w {
			ft.w[i] *= sc * sc
		}
	}
	return sc
}

// amplitude sets the guess's amplitude p[0], and its Ginf if the model
// has one, to their weighted least-squares values with the other
// parameters held: the model is linear in them.
func (ft *Fitter) amplitude(np, gi int, p, lo, hi *[MaxParams]float64) {
	if !(lo[0] < hi[0]) {
		return
	}
	if gi >= 0 && !(lo[gi] < hi[gi]) {
		gi = -1
	}
	ft.eval(np, p, ft.f, ft.jac)
	var ss, su, uu, sz, uz float64
	for i, yi := range ft.y {
		w := 1.0
		if ft.weighted {
			w = ft.w[i]
		}
		s := ft.jac[i*np]
		u, pg := 0.0, 0.0
		if gi >= 0 {
			u, pg = ft.jac[i*np+gi], p[gi]
		}
		z := yi - (ft.f[i] - p[0]*s - pg*u) // the data less the rest of the model
		ss += w * s * s
		su += w * s * u
		uu += w * u * u
		sz += w * s * z
		uz += w * u * z
	}
	a, b := 0.0, 0.0
	if gi >= 0 {
		det := ss*uu - su*su
		if !(det > 1e-12*ss*uu) {
			return
		}
		a, b = (sz*uu-su*uz)/det, (ss*uz-su*sz)/det
	} else {
		if !(ss > 0) {
			return
		}
		a = sz / ss
	}
	if !finite(a) || !finite(b) {
		return
	}
	if a < 0 && lo[0] == 0 {
		// A shape that the data do not follow (a joint start from noise
		// peaks: FIT13's F1): clipped to 0, the amplitude zeroes every
		// other column of the Jacobian, and the fit stopped there at its
		// first step ("converged", then failed or at a bound). It starts
		// from |a| instead (on the campaign's flow map this reached the
		// lower chi-square at every such pixel; keeping the guess's own
		// amplitude left two of four stuck).
		a = -a
	}
	p[0] = min(max(a, lo[0]), hi[0])
	if gi >= 0 {
		p[gi] = min(max(b, lo[gi]), hi[gi])
	}
}

// snap moves a parameter that converged next to a bound onto it when that
// costs no chi-square: a parameter whose derivative vanishes at its bound
// (a speed at 0) creeps towards it and would never reach it.
func (ft *Fitter) snap(np int, free []int, lo, hi, p, dsc *[MaxParams]float64, chi2 *float64, a *sq, g *[MaxParams]float64) {
	pnorm := 0.0
	for _, j := range free {
		pnorm += (dsc[j] * p[j]) * (dsc[j] * p[j])
	}
	pnorm = math.Sqrt(pnorm)
	// The model may move by 1e-10 of the data's norm (noise-free curves
	// have a chi-square of round-off) or chi-square by 1e-9 of itself.
	yy := 0.0
	for i, y := range ft.y {
		w := 1.0
		if ft.weighted {
			w = ft.w[i]
		}
		yy += w * y * y
	}
	tol := max(1e-9**chi2, 1e-20*yy)
	// Near a bound: by 1e-4 of the parameters' scaled norm, or of the
	// data's where the model is next to nothing (an amplitude of 7e-19
	// left every parameter's scaled value tiny: the fit of a zero model
	// with D and v arbitrary was "converged" instead of at the bound,
	// where D and v are seen undetermined).
	near := 1e-4 * max(pnorm, math.Sqrt(yy))
	for _, j := range free {
		for _, b := range [2]float64{lo[j], hi[j]} {
			if !finite(b) || p[j] == b || dsc[j]*math.Abs(p[j]-b) > near {
				continue
			}
			pt := *p
			pt[j] = b
			ft.eval(np, &pt, ft.ft, ft.jt)
			var at sq
			var gt [MaxParams]float64
			c := ft.normal(np, ft.ft, ft.jt, &at, &gt)
			if finite(c) && finiteNormal(np, &at, &gt) && c <= *chi2+tol {
				*p, *chi2, *a, *g = pt, c, at, gt
				ft.f, ft.ft = ft.ft, ft.f
				ft.jac, ft.jt = ft.jt, ft.jac
			}
		}
	}
}

// cholSolve solves m x = b for the leading n x n block of the symmetric
// positive definite m (overwritten by its Cholesky factor); false when m is
// not positive definite.
func cholSolve(m *sq, n int, b, x *[MaxParams]float64) bool {
	for j := 0; j < n; j++ {
		d := m[j][j]
		for k := 0; k < j; k++ {
			d -= m[j][k] * m[j][k]
		}
		if !(d > 0) || math.IsInf(d, 0) {
			return false
		}
		d = math.Sqrt(d)
		m[j][j] = d
		for i := j + 1; i < n; i++ {
			s := m[i][j]
			for k := 0; k < j; k++ {
				s -= m[i][k] * m[j][k]
			}
			m[i][j] = s / d
		}
	}
	for i := 0; i < n; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= m[i][k] * x[k]
		}
		x[i] = s / m[i][i]
	}
	for i := n - 1; i >= 0; i-- {
		s := x[i]
		for k := i + 1; k < n; k++ {
			s -= m[k][i] * x[k]
		}
		x[i] = s / m[i][i]
	}
	return true
}

// singularPivot is the smallest pivot, on the scale of a correlation
// matrix, of a parameter the data determine: a correlation of
// 1 - 5e-13 with the others is taken for a dependence.
const singularPivot = 1e-12

// covariance sets cov to (A^-1) over the free parameters (0 elsewhere)
// and sing[j] for those the data do not determine (a zero column or one
// dependent on the others), which are left out of the inverse.
func covariance(np int, free []int, a *sq, sing *[MaxParams]bool, cov *sq) {
	*cov = sq{}
	var sc [MaxParams]float64
	var idx [MaxParams]int
	n := 0
	for _, j := range free {
		if d := a[j][j]; d > 0 && finite(d) {
			sc[j] = 1 / math.Sqrt(d)
			idx[n] = j
			n++
		} else {
			sing[j] = true
		}
	}
	// Cholesky of the correlation matrix, dropping dependent parameters.
	var l sq
	var keep [MaxParams]int
	nk := 0
	for u := 0; u < n; u++ {
		j := idx[u]
		var row [MaxParams]float64
		for v := 0; v < nk; v++ {
			k := keep[v]
			s := a[j][k] * sc[j] * sc[k]
			for w := 0; w < v; w++ {
				s -= row[w] * l[v][w]
			}
			row[v] = s / l[v][v]
		}
		d := 1.0
		for v := 0; v < nk; v++ {
			d -= row[v] * row[v]
		}
		if !(d > singularPivot) {
			sing[j] = true
			continue
		}
		row[nk] = math.Sqrt(d)
		l[nk] = row
		keep[nk] = j
		nk++
	}
	// Inverse of L L^T: column by column.
	for c := 0; c < nk; c++ {
		var e, x [MaxParams]float64
		e[c] = 1
		for i := 0; i < nk; i++ {
			s := e[i]
			for k := 0; k < i; k++ {
				s -= l[i][k] * x[k]
			}
			x[i] = s / l[i][i]
		}
		for i := nk - 1; i >= 0; i-- {
			s := x[i]
			for k := i + 1; k < nk; k++ {
				s -= l[k][i] * x[k]
			}
			x[i] = s / l[i][i]
		}
		j := keep[c]
		for i := 0; i < nk; i++ {
			cov[keep[i]][j] = x[i] * sc[keep[i]] * sc[j]
		}
	}
}
