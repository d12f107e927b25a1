package pcf

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/internal/errk"
	"github.com/ipcf/ipcf/core/pool"
)

// Error bars (docs/toolkit.md, section 9).
//
// Every point of a curve is a time average. For a pair (a, b) with means
// ma, mb and relative deviations u[t] = (a[t] - ma)/ma, v[t] = (b[t] - mb)/mb
// (t < N), the point of a bin of delays [lo, hi), w = hi - lo, is
//
//	G = (1/N) sum_t x[t],  x[t] = u[t] * V[t] / w,  V[t] = sum_{tau=lo}^{hi-1} v[(t + tau) mod N]
//
// (G(tau) = N sum_t a[t] b[t+tau] / (sum a sum b) - 1 = (1/N) sum_t u[t]
// v[t+tau], the deviations summing to zero), and V comes from prefix sums
// of v in O(N) per bin. A multi-tau point of level k, lag l, is the same
// with u and v replaced by their means over blocks of s = 2^k frames
// (M = N/s of them) and one lag l/s: G = (1/M) sum_t uk[t] vk[(t + l/s) mod M].
//
// G is a ratio: ma and mb are estimates too. Linearised in the three
// averages (of the products, of a, of b) its fluctuation is the mean of
//
//	z[t] = x[t] - G * (u[t] + v[t])
//
// whose mean is G itself (the second term sums to zero), so the standard
// error of G is the standard error of the mean of the series z. The
// delta-CCF's point is the mean of x_f - x_b, with x_b[t] = v[t] U[t] / w
// (U: the window sums of u), and its z is x_f - x_b - D (u + v), D the
// point's value. The curve's first point takes the second's value, and the
// smoothing is linear: applied to the vector z[.][t] at every t it gives
// series whose means are the reported (smoothed) points, so the error
// bars are those of the points returned by Compute, covariances between
// bins included. A multi-tau point's series of M values is spread over
// the N frames (each value repeated s times) so that points of every
// level can be combined.
//
// Blocking (Flyvbjerg and Petersen 1989, as Wohland, Rigler and Vogel 2001
// apply it to FCS and the Imaging FCS plugin to every pixel): average
// neighbouring pairs of the series again and again; at level k the n_k =
// N/2^k block means have the biased variance c_k, and sigma_k^2 = c_k /
// (n_k - 1) is the variance of the mean if the blocks are independent, with
// the error e_k = sigma_k / sqrt(2 (n_k - 1)). sigma_k grows (or, for
// anticorrelated series such as a delta-CCF's at short delays, falls)
// until the blocks are longer than the series' correlations, then stays:
// the estimate is the first level of that plateau, the first k whose
// sigma_k lies within the error bars of the next two levels
// (|sigma_k - sigma_{k+j}| <= e_{k+j}, j = 1, 2), among the levels with at
// least 16 blocks; without a plateau, the largest sigma_k of those levels
// (series of fewer than 16 values: sigma_0). Segments: the means of S
// segments of the series (segment s: frames [floor(s N/S),
// floor((s+1) N/S))), std(ddof=1)/sqrt(S); a segment's mean of z is the
// segment's curve (its frames correlated with the frames tau later, over
// the whole series' means) plus the means' correction term.

// ErrMethod selects how ErrorBars estimates a point's standard deviation.
type ErrMethod int

const (
	// Blocking is the blocking analysis of each point's series, the
	// block level chosen automatically.
	Blocking ErrMethod = iota
	// Segments is the spread of the point over ErrOptions.Segments
	// segments of the series, divided by sqrt(Segments).
	Segments
)

func (m ErrMethod) String() string {
	switch m {
	case Blocking:
		return "blocking"
	case Segments:
		return "segments"
	}
	return fmt.Sprintf("ErrMethod(%d)", int(m))
}

// DefaultSegments is the segments of ErrOptions.Segments = 0.
const DefaultSegments = 8

// SegmentsProblem says why given segments (0: DefaultSegments) do not fit
// n frames used, naming the option as the host spells it before its
// value (name: "--segments ", "segments="), or "" when they fit. The
// default was named as "segments 0" or "0 (8)", values the user never
// gave (a campaign).
func SegmentsProblem(given, n int, name string) string {
	s := given
	if s == 0 {
		s = DefaultSegments
	}
	if s >= 2 && s <= n {
		return ""
	}
	if given == 0 {
		return fmt.Sprintf("%s: the default, %d, is more than the %d frames used: give 2 to %d",
			strings.TrimRight(name, " ="), DefaultSegments, n, n)
	}
	return fmt.Sprintf("%s%d: want 2 to %d (the frames used)", name, given, n)
}

// SmoothedErrorsNote is the warning for error bars of curves that o
// smooths, "" for unsmoothed ones: the error bars of the last points of
// smoothed curves are biased (NUMERIC12's F15: on 40 simulations of
// TestErrorBarsStatistics's regime the last six log bins' mean error bar
// was up to 2.2 times the spread for the ACF and down to 0.57 times for
// the delta-CCF, 1.1 to 1.5 times at the last two multi-tau levels,
// against 0.81 to 1.04 unsmoothed): the values of those wide bins are
// more anticorrelated than blocks or segments of z show, and smoothing
// adds them. The hosts say it where error bars are asked for with
// smoothing (the job's log; Python's SmoothedCurvesWarning).
func SmoothedErrorsNote(o Options) string {
	_, w, on := o.smoothWeights()
	if !on {
		return ""
	}
	return fmt.Sprintf("warning: error bars of smoothed curves (smooth %g) are biased at their last points (in simulations up to 2.2 times the spread for an ACF, 0.57 times for a delta-CCF): for error bars of the last points, or fits weighted by them, compute the curves with smoothing off (--smooth 0, smooth=0, 'Smooth' 0)", w)
}

// ErrOptions are the parameters of ErrorBars.
type ErrOptions struct {
	Method   ErrMethod
	Segments int // Segments: 2..N (the frames used); 0 means DefaultSegments
}

// errPlan is the validated work of an ErrorBars call.
type errPlan struct {
	g        Geometry
	o        Options
	e        ErrOptions
	wNew     float64
	wPrev    float64
	smooth   bool
	segments int
	dtype    array.DType // the input's: the bleaching correction's clipping range
	bins64   []int64     // g.Bins, for errk.Bins
}

// ErrorBars writes into sd, a float32 array of shape Geometry.OutShape
// (any strides, either byte order), the standard deviation of every point
// of the curves that Compute writes for data and o: the standard error of
// the time average each point is, estimated by blocking (e.Method =
// Blocking) or from segments of the series (Segments). The error bars are
// those of the smoothed points when o smooths (and of the first point,
// which takes the second one's value); a delta-CCF gets the standard
// deviation of the difference. Curves that Compute makes NaN (masked
// pixels, pixels at or below the threshold, series summing to zero or
// holding a NaN or infinity) get NaN error bars. It runs on the CPU
// whatever o.Device; o.Band, o.RowsRead and o.NewFFT do not apply. The
// method, its derivation and the rule that chooses the block level are
// in docs/toolkit.md, section 9. It returns Compute's errors, an error
// for a bad method or segment count, and ErrCancelled.
func ErrorBars(ctx context.Context, sd, data array.View, o Options, e ErrOptions) error {
	g, err := Plan(data.Shape, o)
	if err != nil {
		return err
	}
	if err := checkOut(sd, data, g, o); err != nil {
		return err
	}
	p := errPlan{g: g, o: o, e: e, segments: e.Segments, dtype: data.DType}
	for _, b := range g.Bins {
		p.bins64 = append(p.bins64, int64(b))
	}
	switch e.Method {
	case Blocking:
	case Segments:
		if p.segments == 0 {
			p.segments = DefaultSegments
		}
		if msg := SegmentsProblem(e.Segments, g.N, "segments="); msg != "" {
			return fmt.Errorf("%w: %s", ErrParam, msg)
		}
	default:
		return fmt.Errorf("%w: error bar method=%d, want blocking or segments", ErrParam, int(e.Method))
	}
	p.wNew, p.wPrev, p.smooth = o.smoothWeights()
	threads := pool.Threads(o.Threads)
	npt := g.OutShape[3]
	perWorker := int64(npt+6) * int64(g.N) * 8 // series of every point, the pair's, prefix sums
	if o.Bleach > 0 {
		perWorker += int64(g.T) * 8
	}
	if err := CheckMemory("the error bars' series", int64(min(threads, g.OutShape[0]*g.OutShape[1]*g.OutShape[2]))*perWorker); err != nil {
		return err
	}
	return p.run(ctx, sd, data, threads)
}

// errScratch is a worker's buffers.
type errScratch struct {
	a, b   []float64   // the pair's series (N samples; bleaching: T)
	u, v   []float64   // relative deviations
	pu, pv []float64   // prefix sums over 2N samples (bins), block means (multitau)
	z      [][]float64 // each point's series, N samples: rows of zb
	zb     []float64
	bc     *bleach.Corrector
	blk    []float64 // blocking scratch
	aAt    [2]int    // the image pixel whose series a holds ({-1, -1}: none)
	sa     float64   // its sum and scale (read)
	ka     int
}

func (p *errPlan) newScratch() *errScratch {
	g := p.g
	n := g.N
	sc := &errScratch{a: make([]float64, n), b: make([]float64, n), u: make([]float64, n), v: make([]float64, n)}
	if g.Lags == nil {
		sc.pu, sc.pv = make([]float64, 2*n+1), make([]float64, 2*n+1)
	} else {
		sc.pu, sc.pv = make([]float64, n), make([]float64, n)
	}
	if p.o.Bleach > 0 {
		sc.a, sc.b = make([]float64, g.Frames), make([]float64, g.Frames)
		lo, hi := bleach.Limits(p.dtype)
		sc.bc, _ = bleach.NewCorrector(g.T, p.o.Bleach, p.o.BleachMean, lo, hi) // Plan checked the parameters
	}
	nb := g.OutShape[3]
	sc.zb = make([]float64, nb*n)
	sc.z = make([][]float64, nb)
	for j := range sc.z {
		sc.z[j] = sc.zb[j*n : (j+1)*n : (j+1)*n]
	}
	sc.blk = make([]float64, 0, 64)
	sc.aAt = [2]int{-1, -1}
	return sc
}

// read fills dst with pixel (y, x)'s series of d, the frames used (after
// the bleaching correction), and returns its sum and the power of two
// seriesSum scaled it by.
func (p *errPlan) read(sc *errScratch, dst []float64, d array.View, y, x int) (float64, int) {
	at := d.Offset + y*d.Strides[1] + x*d.Strides[2]
	if sc.bc != nil {
		sc.bc.Gather([][]float64{dst}, d, at, d.Strides[0], d.Strides[2])
	} else {
		d.Gather(dst, at, d.Strides[0], p.g.N)
	}
	return seriesSum(dst[:p.g.N], !p.dtype.IsInteger() && p.o.Bleach == 0)
}

func (p *errPlan) run(ctx context.Context, sd, data array.View, threads int) error {
	g, o := p.g, p.o
	d2 := data
	if o.Data2 != nil {
		d2 = *o.Data2
	}
	os := g.OutShape
	nt := os[0] * os[1] * os[2]
	scr := make([]*errScratch, threads)
	res := make([][]float64, threads)
	// A task is a curve; it looks at the stop between its points (a curve
	// of 2^22 frames took 2.8 s, and Ctrl+C waited for it).
	return wrapErr(pool.RunPolled(ctx, threads, nt, func(w, task int, stopped func() bool) error {
		if scr[w] == nil {
			scr[w] = p.newScratch()
			res[w] = make([]float64, os[3])
		}
		sc, out := scr[w], res[w]
		i := task % os[2]
		x := task / os[2] % os[1]
		y := task / os[2] / os[1]
		yi, xi := y+g.Margin[0], x+g.Margin[1]
		if o.Mask != nil && o.Mask.At(yi, xi) == 0 {
			storeErr(sd, y, x, i, nil)
			return nil
		}
		// A worker's tasks come in order, the offsets of a pixel together:
		// its series is read once for them.
		if sc.aAt != [2]int{yi, xi} {
			sc.sa, sc.ka = p.read(sc, sc.a, data, yi, xi)
			sc.aAt = [2]int{yi, xi}
		}
		sa, ka := sc.sa, sc.ka
		if o.ThresholdOn && !(meanOf(sa, ka, g.N) > o.Threshold) {
			storeErr(sd, y, x, i, nil)
			return nil
		}
		off := g.Offsets[i]
		sb, _ := p.read(sc, sc.b, d2, yi+off.V, xi+off.U)
		if !usable(sa) || !usable(sb) {
			storeErr(sd, y, x, i, nil)
			return nil
		}
		if !p.pair(sc, sa, sb, out, stopped) {
			return pool.ErrCancelled
		}
		storeErr(sd, y, x, i, out)
		return nil
	}, o.Progress))
}

// storeErr writes the error bars e (NaN if nil) of output pixel (y, x),
// offset i.
func storeErr(out array.View, y, x, i int, e []float64) {
	o := out.Offset + y*out.Strides[0] + x*out.Strides[1] + i*out.Strides[2]
	put := binary.LittleEndian.PutUint32
	if out.Order == array.Big {
		put = binary.BigEndian.PutUint32
	}
	nan := math.Float32bits(float32(math.NaN()))
	for k := 0; k < out.Shape[3]; k++ {
		bits := nan
		if e != nil {
			bits = math.Float32bits(float32(e[k]))
		}
		put(out.Data[o:], bits)
		o += out.Strides[3]
	}
}

// pair computes the error bars of the pair whose series are in sc.a and
// sc.b (sums sa, sb) into out; false, out unfinished, where stopped
// reported the run stopped (looked at between the points).
func (p *errPlan) pair(sc *errScratch, sa, sb float64, out []float64, stopped func() bool) bool {
	if !p.series(sc, sa, sb, stopped) {
		return false
	}
	for j, z := range sc.z {
		if stopped() {
			return false
		}
		out[j] = p.sd(sc, z)
	}
	return true
}

// series fills sc.z with the series z of every point of the curve: the
// linearised, finished (first point, smoothing) series whose means are the
// curve's points; false if stopped reported the run stopped.
func (p *errPlan) series(sc *errScratch, sa, sb float64, stopped func() bool) bool {
	g := p.g
	n := g.N
	ma, mb := sa/float64(n), sb/float64(n)
	u, v := sc.u, sc.v
	// The deviations less their own mean: a rounded mean (float64
	// samples of 1e15, spaced 0.125) gave them all one bias, and the
	// derivation above needs them to sum to 0 (error bars 51-94 % off at
	// 1e15: REVIEW9's F1; the curves' spectra drop it at frequency 0).
	var ca, cb float64
	for t := 0; t < n; t++ {
		ca += sc.a[t] - ma
		cb += sc.b[t] - mb
	}
	ca /= float64(n)
	cb /= float64(n)
	for t := 0; t < n; t++ {
		u[t] = (sc.a[t] - ma - ca) / ma
		v[t] = (sc.b[t] - mb - cb) / mb
	}
	done := false
	if g.Lags == nil {
		done = p.binSeries(sc, stopped)
	} else {
		done = p.multitauSeries(sc, stopped)
	}
	return done && errk.Smooth(sc.zb, n, len(sc.z), p.smooth, p.wNew, p.wPrev, stopped)
}

// binSeries fills sc.z for log or linear bins (false: stopped).
func (p *errPlan) binSeries(sc *errScratch, stopped func() bool) bool {
	g := p.g
	n := g.N
	u, v := sc.u, sc.v
	prefix := func(dst, s []float64) {
		dst[0] = 0
		var acc float64
		for i := 0; i < 2*n; i++ {
			acc += s[i&(n-1)] // n is a power of two
			dst[i+1] = acc
		}
	}
	prefix(sc.pv, v)
	if p.o.Delta {
		prefix(sc.pu, u)
	}
	if !p.o.Delta {
		return errk.Bins(sc.zb, n, u, v, sc.pv, p.bins64, stopped)
	}
	// The delta-CCF's points (errk.Bins's order of operations, with the
	// backward term).
	lo := 0
	for j, hi := range g.Bins {
		if stopped() {
			return false
		}
		z := sc.z[j][:n]
		inv := 1 / float64(hi-lo)
		vh, vl := sc.pv[hi:hi+n], sc.pv[lo:lo+n]
		uh, ul := sc.pu[hi:hi+n], sc.pu[lo:lo+n]
		uu, vv := u[:n], v[:n]
		var s [4]float64
		for t := 0; t < n; t++ {
			x := (float64(uu[t]*(vh[t]-vl[t])) - float64(vv[t]*(uh[t]-ul[t]))) * inv // unfused (errk)
			z[t] = x
			s[t&3] += x
		}
		gj := ((s[0] + s[1]) + (s[2] + s[3])) / float64(n)
		for t := range z {
			z[t] -= float64(gj * (uu[t] + vv[t]))
		}
		lo = hi
	}
	return true
}

// multitauSeries fills sc.z for the multi-tau points: level k's block
// means in sc.pu, sc.pv, each value of a point's series repeated 2^k times
// (false: stopped).
func (p *errPlan) multitauSeries(sc *errScratch, stopped func() bool) bool {
	g := p.g
	n := g.N
	uk, vk := sc.pu[:n], sc.pv[:n]
	copy(uk, sc.u)
	copy(vk, sc.v)
	level, m := 0, n
	for j, lag := range g.Lags {
		if stopped() {
			return false
		}
		for level < g.Levels[j] {
			m /= 2
			for t := 0; t < m; t++ {
				uk[t] = (uk[2*t] + uk[2*t+1]) / 2
				vk[t] = (vk[2*t] + vk[2*t+1]) / 2
			}
			level++
		}
		l := lag >> level
		z := sc.z[j]
		// The M values first, in z[:m].
		var sum float64
		for t := 0; t < m; t++ {
			q := (t + l) & (m - 1)
			x := uk[t] * vk[q]
			if p.o.Delta {
				x -= vk[t] * uk[q]
			}
			z[t] = x
			sum += x
		}
		gj := sum / float64(m)
		for t := 0; t < m; t++ {
			z[t] -= gj * (uk[t] + vk[t])
		}
		// Spread: z[t] for frame t is value t >> level (backwards, in place).
		if level > 0 {
			for t := n - 1; t >= 0; t-- {
				z[t] = z[t>>level]
			}
		}
	}
	return true
}

// sd is the standard error of the mean of z (destroyed) by the plan's method.
func (p *errPlan) sd(sc *errScratch, z []float64) float64 {
	if p.e.Method == Segments {
		return segmentsSD(z, p.segments)
	}
	return blockingSD(z)
}

// segmentsSD returns the standard deviation of the means of s segments of
// x, divided by sqrt(s): segment k holds x[floor(k n/s) : floor((k+1) n/s)].
func segmentsSD(x []float64, s int) float64 {
	n := len(x)
	var mean float64
	ms := make([]float64, s)
	for k := range ms {
		a, b := k*n/s, (k+1)*n/s
		var sum float64
		for _, v := range x[a:b] {
			sum += v
		}
		ms[k] = sum / float64(b-a)
		mean += ms[k]
	}
	mean /= float64(s)
	var ss float64
	for _, m := range ms {
		ss += (m - mean) * (m - mean)
	}
	return math.Sqrt(ss / float64(s-1) / float64(s))
}

// minBlocks is the fewest block means a level of the blocking analysis
// may have to be chosen: the relative error of sigma_k is
// 1/sqrt(2 (n_k - 1)), 18% at 16 blocks.
const minBlocks = 16

// blockingSD returns the standard error of the mean of x (len a power of
// two >= 4; destroyed) by blocking: sigma_k = sqrt(c_k / (n_k - 1)) at
// levels k = 0..last (n_k = len(x) >> k >= minBlocks block means of
// 2^k values, biased variance c_k), error e_k = sigma_k / sqrt(2 (n_k -
// 1)); the first level whose sigma lies within the error bars of the next
// two levels' (|sigma_k - sigma_{k+j}| <= e_{k+j}, j = 1, 2; both of
// those levels with minBlocks blocks or more too; differences below
// 2^-24 of the largest sigma_k, the float32 result's resolution, count
// as none) is the plateau. Without one, the largest sigma_k; with fewer
// than minBlocks values, sigma_0.
func blockingSD(x []float64) float64 {
	var sig, e, c [64]float64
	_, levels := errk.Levels(x, minBlocks, c[:])
	for k := 0; k < levels; k++ {
		m := len(x) >> k
		sig[k] = math.Sqrt(c[k] / float64(m-1))
		e[k] = sig[k] / math.Sqrt(2*float64(m-1))
	}
	last := levels - 1
	// Levels whose sigmas differ by less than the float32 result can show
	// of the largest are level: an exactly periodic series has block means
	// all equal from some level on (sigma_k = 0 there), which the rounding
	// of its prefix sums makes tiny but unequal, with tinier error bars.
	top := 0.0
	for k := 0; k <= last; k++ {
		top = max(top, sig[k])
	}
	tol := top * 0x1p-24
	best := sig[0]
	for k := 0; k <= last; k++ {
		if k+2 <= last && math.Abs(sig[k]-sig[k+1]) <= e[k+1]+tol && math.Abs(sig[k]-sig[k+2]) <= e[k+2]+tol {
			return sig[k]
		}
		best = max(best, sig[k])
	}
	return best
}
