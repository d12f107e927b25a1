package fit

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// MaxParams is the largest number of parameters a model may have.
const MaxParams = 8

// ErrModel reports a model whose constants are unusable (a waist that is
// not positive and finite, for example).
var ErrModel = errors.New("fit: invalid model")

// Model is a correlation curve model with analytic derivatives. Parameter
// 0 is an amplitude (G0, ICSx64's DC): the model is linear in it, and a
// parameter named "Ginf", if any, is an additive constant. The models of
// this package have the diffusion coefficient D as parameter 1. See the
// package documentation for each model's formula, parameters and units.
//
// Implementations must not allocate in Eval and Guess: the fitter calls
// them for every curve.
type Model interface {
	// NumParams returns the number of parameters, at most MaxParams.
	NumParams() int
	// ParamNames returns the parameters' names, in order. The slice is
	// shared: do not modify it.
	ParamNames() []string
	// Eval sets f[i] to the model at the delay tau[i] for the parameters p
	// and, unless jac is nil, jac[i*NumParams()+j] to its derivative with
	// respect to p[j].
	Eval(p, tau, f, jac []float64)
	// Guess writes initial parameters estimated from the curve y at the
	// delays tau (finite, ascending, non-negative delays) to p. It need
	// not estimate the amplitude G0 nor Ginf: the model is linear in
	// them, and the Fitter sets them by least squares from the guess.
	Guess(p, tau, y []float64)
	// Bounds writes the default box bounds of the parameters to lo and hi.
	Bounds(lo, hi []float64)
	// Check returns an error wrapping ErrModel when the model's constants
	// are unusable.
	Check() error
}

// Vec is a displacement in the image plane: X along the columns, Y along
// the rows, in the distance units of the model's waist. The pcf engine's
// offset (U, V) of a neighbour is Vec{U * pixelSize, V * pixelSize}.
type Vec struct{ X, Y float64 }

// OffsetModel is a model of the correlation between a pixel and its
// neighbour at a displacement: At returns the same model at another one.
// FitAll uses it to fit each offset of a (H, W, K, P) array with its own
// displacement.
type OffsetModel interface {
	Model
	At(r Vec) Model
}

var (
	_ OffsetModel = PCF1D{}
	_ OffsetModel = CCF2D{}
	_ OffsetModel = ITIRFCS{}
	_ Model       = ACF2D{}
	_ Model       = ACF3D{}
)

func positive(name string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%w: %s=%g, want a positive finite number", ErrModel, name, v)
	}
	return nil
}

func finiteVec(name string, r Vec) error {
	if math.IsNaN(r.X) || math.IsInf(r.X, 0) || math.IsNaN(r.Y) || math.IsInf(r.Y, 0) {
		return fmt.Errorf("%w: %s=(%g, %g), want finite numbers", ErrModel, name, r.X, r.Y)
	}
	return nil
}

// Parameter name tables: index bit 0 = flow, bit 1 = offset (Ginf).
var (
	namesPCF1D = []string{"DC", "D"}
	namesSpeed = [4][]string{{"G0", "D"}, {"G0", "D", "v"}, {"G0", "D", "Ginf"}, {"G0", "D", "v", "Ginf"}}
	namesVel   = [4][]string{{"G0", "D"}, {"G0", "D", "vx", "vy"}, {"G0", "D", "Ginf"}, {"G0", "D", "vx", "vy", "Ginf"}}
	namesCCF   = [2][]string{{"G0", "D", "vx", "vy"}, {"G0", "D", "vx", "vy", "Ginf"}}
	inf        = math.Inf(1)
	invSqrtPi  = 1 / math.Sqrt(math.Pi)
)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---------------------------------------------------------------- PCF1D

// PCF1D is the pair correlation of a Gaussian PSF at a known distance, with
// ICSx64's semantics (ipcf_nlsp_1dpcf):
//
//	G(tau) = DC / (1 + 4 D tau / W^2) * exp(-Dist^2 / (4 D tau + W^2))
//
// Parameters: DC (the amplitude, dimensionless) and D (distance^2 per delay
// unit). W is the PSF waist (1/e^2 radius) and Dist the distance between the
// two pixels, both in the same units (pixels or micrometres). ICSx64 also
// leaves out the first and last points of each curve and clips negative
// data to 0: DefaultOptions(PCF1D{...}) does the same.
type PCF1D struct {
	W    float64 // PSF waist (1/e^2 radius)
	Dist float64 // distance between the two pixels (>= 0)
}

func (m PCF1D) NumParams() int       { return 2 }
func (m PCF1D) ParamNames() []string { return namesPCF1D }
func (m PCF1D) At(r Vec) Model       { return PCF1D{W: m.W, Dist: math.Hypot(r.X, r.Y)} }

func (m PCF1D) Check() error {
	if err := positive("PCF1D.W", m.W); err != nil {
		return err
	}
	if !(m.Dist >= 0) || math.IsInf(m.Dist, 0) {
		return fmt.Errorf("%w: PCF1D.Dist=%g, want a finite number >= 0", ErrModel, m.Dist)
	}
	return nil
}

func (m PCF1D) Bounds(lo, hi []float64) {
	lo[0], hi[0] = 0, inf
	lo[1], hi[1] = 0, inf
}

func (m PCF1D) Eval(p, tau, f, jac []float64) {
	w2, d2 := m.W*m.W, m.Dist*m.Dist
	dc, dd := p[0], p[1]
	for i, t := range tau {
		q := 4*dd*t + w2
		s := w2 / q * math.Exp(-d2/q) // 1/(1 + 4 D tau / w^2) * exp(-d^2 / q)
		f[i] = dc * s
		if jac != nil {
			j := jac[2*i : 2*i+2]
			j[0] = s
			j[1] = dc * s * 4 * t * (d2 - q) / (q * q)
		}
	}
}

func (m PCF1D) Guess(p, tau, y []float64) {
	w2, d2 := m.W*m.W, m.Dist*m.Dist
	var d float64
	if d2 > 1.2*w2 {
		// The curve peaks where 4 D tau + w^2 = d^2.
		d = (d2 - w2) / (4 * peakDelay(tau, y))
	} else {
		d = w2 / (4 * halfDelay(tau, y, 0))
	}
	p[0], p[1] = 1, d // the Fitter sets DC by least squares
}

// ---------------------------------------------------------------- ACF2D

// ACF2D is the autocorrelation of 2-D diffusion through a Gaussian PSF,
// with an optional flow term and an optional offset:
//
//	G(tau) = G0 / (1 + 4 D tau / W^2) [* exp(-v^2 tau^2 / (4 D tau + W^2))] [+ Ginf]
//
// Parameters: G0, D, then v (the speed, >= 0) when Flow, then Ginf when
// Offset.
type ACF2D struct {
	W      float64 // PSF waist (1/e^2 radius)
	Flow   bool    // fit a flow speed v
	Offset bool    // fit a constant Ginf
}

func (m ACF2D) NumParams() int       { return 2 + b2i(m.Flow) + b2i(m.Offset) }
func (m ACF2D) ParamNames() []string { return namesSpeed[b2i(m.Flow)+2*b2i(m.Offset)] }
func (m ACF2D) Check() error         { return positive("ACF2D.W", m.W) }

func (m ACF2D) Bounds(lo, hi []float64) {
	speedBounds(lo, hi, m.Flow, m.Offset)
}

func (m ACF2D) Eval(p, tau, f, jac []float64) {
	acfEval(p, tau, f, jac, m.W, 0, m.Flow, m.Offset)
}

func (m ACF2D) Guess(p, tau, y []float64) {
	acfGuess(p, tau, y, m.W, m.Flow, m.Offset)
}

// ---------------------------------------------------------------- ACF3D

// ACF3D is the autocorrelation of 3-D diffusion through a Gaussian
// ellipsoid of lateral waist W and axial waist Kappa*W, with optional flow
// (in the plane) and offset:
//
//	G(tau) = G0 / (1 + 4 D tau / W^2) / sqrt(1 + 4 D tau / (Kappa^2 W^2))
//	         [* exp(-v^2 tau^2 / (4 D tau + W^2))] [+ Ginf]
//
// Parameters: G0, D, then v when Flow, then Ginf when Offset.
type ACF3D struct {
	W      float64 // lateral PSF waist (1/e^2 radius)
	Kappa  float64 // structure parameter: axial / lateral waist
	Flow   bool    // fit a flow speed v
	Offset bool    // fit a constant Ginf
}

func (m ACF3D) NumParams() int       { return 2 + b2i(m.Flow) + b2i(m.Offset) }
func (m ACF3D) ParamNames() []string { return namesSpeed[b2i(m.Flow)+2*b2i(m.Offset)] }

func (m ACF3D) Check() error {
	if err := positive("ACF3D.W", m.W); err != nil {
		return err
	}
	if err := CheckKappa(m.Kappa); err != nil {
		return fmt.Errorf("%w: ACF3D.Kappa: %w", ErrModel, err)
	}
	return nil
}

// KappaMin and KappaMax bound the structure parameter (axial / lateral
// waist) a fit takes: 3 to 10 for a confocal volume. Beyond, the float32
// maps overflow or every fit fails: kappa 1e-100 gave G0 = +Inf,
// "converged"; 1e-160 failed every fit without a word (FIT13's M1).
const KappaMin, KappaMax = 0.01, 1e4

// CheckKappa refuses a structure parameter outside KappaMin..KappaMax.
func CheckKappa(k float64) error {
	if !(k >= KappaMin && k <= KappaMax) {
		return fmt.Errorf("kappa %g: want %g to %g (the axial / lateral waist ratio, 3 to 10 for a confocal volume)", k, KappaMin, KappaMax)
	}
	return nil
}

func (m ACF3D) Bounds(lo, hi []float64) {
	speedBounds(lo, hi, m.Flow, m.Offset)
}

func (m ACF3D) Eval(p, tau, f, jac []float64) {
	acfEval(p, tau, f, jac, m.W, m.Kappa, m.Flow, m.Offset)
}

func (m ACF3D) Guess(p, tau, y []float64) {
	acfGuess(p, tau, y, m.W, m.Flow, m.Offset)
}

func speedBounds(lo, hi []float64, flow, offset bool) {
	lo[0], hi[0] = 0, inf
	lo[1], hi[1] = 0, inf
	k := 2
	if flow {
		lo[k], hi[k] = 0, inf
		k++
	}
	if offset {
		lo[k], hi[k] = -inf, inf
	}
}

// acfEval evaluates the 2-D (kappa == 0) or 3-D Gaussian ACF.
func acfEval(p, tau, f, jac []float64, w, kappa float64, flow, offset bool) {
	np := 2 + b2i(flow) + b2i(offset)
	w2 := w * w
	z2 := kappa * kappa * w2
	g0, d := p[0], p[1]
	var v, ginf float64
	k := 2
	if flow {
		v = p[k]
		k++
	}
	if offset {
		ginf = p[k]
	}
	for i, t := range tau {
		q := 4*d*t + w2
		s := w2 / q // 1 / (1 + 4 D tau / w^2)
		dlog := -4 * t / q
		if kappa != 0 {
			y := 1 + 4*d*t/z2
			s /= math.Sqrt(y)
			dlog -= 2 * t / (z2 * y)
		}
		var e float64 = 1
		if flow {
			e = math.Exp(-v * v * t * t / q)
			dlog += 4 * t * v * v * t * t / (q * q)
		}
		s *= e
		f[i] = g0*s + ginf
		if jac != nil {
			j := jac[np*i : np*i+np]
			j[0] = s
			j[1] = g0 * s * dlog
			k := 2
			if flow {
				j[k] = -g0 * s * 2 * v * t * t / q
				k++
			}
			if offset {
				j[k] = 1
			}
		}
	}
}

func acfGuess(p, tau, y []float64, w float64, flow, offset bool) {
	base := 0.0
	if offset {
		base = tailMean(y)
	}
	th := halfDelay(tau, y, base)
	p[1] = w * w / (4 * th)
	k := 2
	if flow {
		// A start off zero, where the speed's derivative vanishes: a flow
		// time of a few half-decay times.
		p[k] = 0.3 * w / th
		k++
	}
	if offset {
		p[k] = base
	}
	p[0] = 1 // the Fitter sets G0 (and Ginf) by least squares
}

// ---------------------------------------------------------------- CCF2D

// CCF2D is the cross-correlation of two points of a Gaussian PSF at the
// displacement R (from the pixel to its neighbour) under diffusion and
// flow with velocity (vx, vy):
//
//	G(tau) = G0 / (1 + 4 D tau / W^2) * exp(-|R - v tau|^2 / (4 D tau + W^2)) [+ Ginf]
//
// With Delta, the model is the delta-CCF, the difference of the two
// directions of the pair (no Ginf, which cancels):
//
//	G(tau) = G0 / (1 + 4 D tau / W^2) * (exp(-|R - v tau|^2 / q) - exp(-|R + v tau|^2 / q))
//
// Parameters: G0, D, vx, vy (distance per delay unit; x along columns, y
// along rows), then Ginf when Offset (and not Delta). One curve determines
// only v.R and |v|^2: fit the curves of a pixel's offsets jointly
// (Fitter.FitJoint, FitAll with Joint) for the direction and speed.
type CCF2D struct {
	W      float64 // PSF waist (1/e^2 radius)
	R      Vec     // displacement from the pixel to its neighbour
	Delta  bool    // model the delta-CCF (forward - backward)
	Offset bool    // fit a constant Ginf (ignored with Delta)
}

func (m CCF2D) off() bool            { return m.Offset && !m.Delta }
func (m CCF2D) NumParams() int       { return 4 + b2i(m.off()) }
func (m CCF2D) ParamNames() []string { return namesCCF[b2i(m.off())] }
func (m CCF2D) At(r Vec) Model       { m.R = r; return m }
func (m CCF2D) Displacement() Vec    { return m.R }

func (m CCF2D) Check() error {
	if err := positive("CCF2D.W", m.W); err != nil {
		return err
	}
	return finiteVec("CCF2D.R", m.R)
}

func (m CCF2D) Bounds(lo, hi []float64) {
	lo[0], hi[0] = 0, inf
	lo[1], hi[1] = 0, inf
	lo[2], hi[2] = -inf, inf
	lo[3], hi[3] = -inf, inf
	if m.off() {
		lo[4], hi[4] = -inf, inf
	}
}

// LineBounds returns, for curves at offsets that all lie on one axis
// through (0, 0) (a line scan's (u, 0), or (0, v) alone), the model's
// bounds with the velocity across that axis held at 0: a flow along the
// line is determined by such curves, one across it is not, and the model
// cannot be fitted otherwise. ok is false where the offsets lie in two
// directions (no bound needed) or on another line (a diagonal: not held
// by box bounds).
func (m CCF2D) LineBounds(offsets []Vec) (lower, upper []float64, ok bool) {
	alongX, alongY, any := true, true, false
	for _, r := range offsets {
		alongX, alongY, any = alongX && r.Y == 0, alongY && r.X == 0, any || r != Vec{}
	}
	if !any || alongX == alongY {
		return nil, nil, false
	}
	lower, upper = make([]float64, m.NumParams()), make([]float64, m.NumParams())
	m.Bounds(lower, upper)
	k := 3 // vy, across a line along x
	if alongY {
		k = 2
	}
	lower[k], upper[k] = 0, 0
	return lower, upper, true
}

func (m CCF2D) Eval(p, tau, f, jac []float64) {
	np := m.NumParams()
	w2 := m.W * m.W
	g0, d, vx, vy := p[0], p[1], p[2], p[3]
	var ginf float64
	if m.off() {
		ginf = p[4]
	}
	rx, ry := m.R.X, m.R.Y
	for i, t := range tau {
		q := 4*d*t + w2
		a := w2 / q
		sx, sy := rx-vx*t, ry-vy*t
		s2 := sx*sx + sy*sy
		e := math.Exp(-s2 / q)
		u := a * e // shape of the forward term
		// sd: d(shape)/dD; svx, svy: d(shape)/dv times q / (2 tau)
		sd := u * 4 * t * (s2 - q) / (q * q)
		svx, svy := u*sx, u*sy
		if m.Delta {
			bx, by := rx+vx*t, ry+vy*t
			b2 := bx*bx + by*by
			ub := a * math.Exp(-b2/q)
			u -= ub
			sd -= ub * 4 * t * (b2 - q) / (q * q)
			svx += ub * bx
			svy += ub * by
		}
		f[i] = g0*u + ginf
		if jac != nil {
			j := jac[np*i : np*i+np]
			c := g0 * 2 * t / q
			j[0] = u
			j[1] = g0 * sd
			j[2] = c * svx
			j[3] = c * svy
			if np == 5 {
				j[4] = 1
			}
		}
	}
}

func (m CCF2D) Guess(p, tau, y []float64) {
	w2 := m.W * m.W
	d2 := m.R.X*m.R.X + m.R.Y*m.R.Y
	p[2], p[3] = 0, 0
	if m.off() {
		p[4] = 0
	}
	if m.Delta {
		// The delta-CCF peaks (in absolute value) near the pCF's peak; its
		// sign gives the direction along R.
		i, tp := absPeak(tau, y)
		if d2 > 1.2*w2 {
			p[1] = (d2 - w2) / (4 * tp)
		} else {
			p[1] = w2 / (4 * tp)
		}
		v := 0.25 * math.Sqrt(max(d2, w2)) / tp
		if y[i] < 0 {
			v = -v
		}
		if d2 > 0 {
			r := math.Sqrt(d2)
			p[2], p[3] = v*m.R.X/r, v*m.R.Y/r
		} else {
			p[2] = v
		}
		p[0] = 1 // the Fitter sets G0 by least squares
		return
	}
	if d2 > 1.2*w2 {
		p[1] = (d2 - w2) / (4 * peakDelay(tau, y))
	} else {
		p[1] = w2 / (4 * halfDelay(tau, y, 0))
	}
	p[0] = 1 // the Fitter sets G0 (and Ginf) by least squares
}

// -------------------------------------------------------------- ITIRFCS

// ITIRFCS is the imaging-FCS (ITIR-FCS) correlation of square camera
// pixels of side A (Sankaran, Wohland et al. 2009): 2-D diffusion and flow
// seen through a Gaussian PSF of waist W, integrated over the two pixels,
// displaced by R (zero for the ACF):
//
//	G(tau) = G0 * F(Rx - vx tau, p) * F(Ry - vy tau, p) / F(0, W)^2 [+ Ginf]
//	p = sqrt(4 D tau + W^2)
//	F(r, p) = (h(r + A) + h(r - A) - 2 h(r)) / 2
//	h(z) = z erf(z / p) + p / sqrt(pi) * exp(-z^2 / p^2)
//
// G0 is G(0) of the ACF (1/N, N the particles seen by a pixel). Parameters:
// G0, D, then vx, vy when Flow, then Ginf when Offset.
type ITIRFCS struct {
	A      float64 // pixel side
	W      float64 // PSF waist (1/e^2 radius)
	R      Vec     // displacement between the pixels (zero: the ACF)
	Flow   bool    // fit a flow velocity (vx, vy)
	Offset bool    // fit a constant Ginf
}

func (m ITIRFCS) NumParams() int       { return 2 + 2*b2i(m.Flow) + b2i(m.Offset) }
func (m ITIRFCS) ParamNames() []string { return namesVel[b2i(m.Flow)+2*b2i(m.Offset)] }
func (m ITIRFCS) At(r Vec) Model       { m.R = r; return m }
func (m ITIRFCS) Displacement() Vec    { return m.R }

// FlowDetermined reports why an ITIR-FCS fit of a velocity cannot tell
// it from its mirror image ("" where it can): a curve at the offset r is
// the same for velocities mirrored across r's line (at (0, 0), any
// direction of one speed), so curves fitted each alone, or together with
// offsets all on one line through (0, 0), gave one of two velocities,
// converged with a standard error of 3e-9 (an angle of +26.6 degrees for
// -26.6: FIT19's F2, m2). Curves of offsets in two directions, fitted
// together, determine it.
func (m ITIRFCS) FlowDetermined(offsets []Vec, joint bool) string {
	if !m.Flow {
		return ""
	}
	if !joint {
		return "each curve fitted alone does not determine the velocity's sign across its offset (at (0, 0), its direction): fit the curves of each pixel together (joint), with offsets in two directions"
	}
	// two directions: an offset off the line of the first other than (0, 0)
	i := slices.IndexFunc(offsets, func(v Vec) bool { return v != Vec{} })
	if i < 0 {
		return "autocorrelations alone (the offset (0, 0)) do not determine the velocity's direction, only its speed: give curves of offsets in two directions"
	}
	a := offsets[i]
	if slices.ContainsFunc(offsets, func(b Vec) bool { return a.X*b.Y != a.Y*b.X }) {
		return ""
	}
	return "curves whose offsets all lie on one line through (0, 0) do not determine the velocity's sign across it (its mirror image fits them as well): give curves of offsets in two directions"
}

func (m ITIRFCS) Check() error {
	if err := positive("ITIRFCS.A", m.A); err != nil {
		return err
	}
	if err := positive("ITIRFCS.W", m.W); err != nil {
		return err
	}
	return finiteVec("ITIRFCS.R", m.R)
}

func (m ITIRFCS) Bounds(lo, hi []float64) {
	lo[0], hi[0] = 0, inf
	lo[1], hi[1] = 0, inf
	for k := 2; k < m.NumParams(); k++ {
		lo[k], hi[k] = -inf, inf
	}
}

// pixF returns F(r, p) and its derivatives with respect to r and p for
// pixels of side a. It is written with erfc so that the far tails keep
// their relative precision: h(z) = |z| + g(z), g(z) = p/sqrt(pi) e^(-z^2/p^2)
// - |z| erfc(|z|/p), and the |z| terms sum to max(a - |r|, 0).
func pixF(r, p, a float64) (f, dr, dp float64) {
	ip := 1 / p
	if r == 0 { // the ACF without flow: g(a) = g(-a), g(0) = p / sqrt(pi)
		x := a * ip
		e := math.Exp(-x * x)
		f = a + p*invSqrtPi*e - a*math.Erfc(x) - p*invSqrtPi
		return f, 0, (e - 1) * invSqrtPi
	}
	lin := max(a-math.Abs(r), 0)
	g := func(z float64) (g, e, s float64) {
		az := math.Abs(z)
		x := az * ip
		e = math.Exp(-x * x)
		c := math.Erfc(x)
		g = p*invSqrtPi*e - az*c
		s = 1 - c // erf(|z|/p)
		if z < 0 {
			s = -s
		}
		return g, e, s
	}
	g1, e1, s1 := g(r + a)
	g2, e2, s2 := g(r - a)
	g0, e0, s0 := g(r)
	f = lin + (g1+g2-2*g0)/2
	dr = (s1 + s2 - 2*s0) / 2
	dp = (e1 + e2 - 2*e0) * invSqrtPi / 2
	return f, dr, dp
}

func (m ITIRFCS) Eval(p, tau, f, jac []float64) {
	np := m.NumParams()
	w2 := m.W * m.W
	g0, d := p[0], p[1]
	var vx, vy, ginf float64
	k := 2
	if m.Flow {
		vx, vy = p[2], p[3]
		k = 4
	}
	if m.Offset {
		ginf = p[k]
	}
	f00, _, _ := pixF(0, m.W, m.A)
	norm := 1 / (f00 * f00)
	same := m.R.X == m.R.Y && vx == vy
	for i, t := range tau {
		pp := math.Sqrt(4*d*t + w2)
		fx, dxr, dxp := pixF(m.R.X-vx*t, pp, m.A)
		fy, dyr, dyp := fx, dxr, dxp
		if !same {
			fy, dyr, dyp = pixF(m.R.Y-vy*t, pp, m.A)
		}
		s := norm * fx * fy
		f[i] = g0*s + ginf
		if jac != nil {
			j := jac[np*i : np*i+np]
			j[0] = s
			j[1] = g0 * norm * (dxp*fy + fx*dyp) * 2 * t / pp
			k := 2
			if m.Flow {
				j[2] = -g0 * norm * dxr * fy * t
				j[3] = -g0 * norm * fx * dyr * t
				k = 4
			}
			if m.Offset {
				j[k] = 1
			}
		}
	}
}

func (m ITIRFCS) Guess(p, tau, y []float64) {
	// The pixel widens the PSF: a Gaussian of the same variance has
	// w_eff^2 = W^2 + A^2 / 3.
	we2 := m.W*m.W + m.A*m.A/3
	d2 := m.R.X*m.R.X + m.R.Y*m.R.Y
	base := 0.0
	k := 2
	if m.Flow {
		k = 4
	}
	if m.Offset {
		base = tailMean(y)
		p[k] = base
	}
	if d2 > 1.2*we2 {
		p[1] = (d2 - we2) / (4 * peakDelay(tau, y))
	} else {
		th := halfDelay(tau, y, base)
		p[1] = we2 / (4 * th)
		if m.Flow {
			// Off zero, where the derivatives of an ACF vanish.
			v := 0.2 * math.Sqrt(we2) / th
			p[2], p[3] = v, 0.5*v
		}
	}
	if m.Flow && d2 > 1.2*we2 {
		p[2], p[3] = 0, 0
	}
	p[0] = 1 // the Fitter sets G0 (and Ginf) by least squares
}

// ------------------------------------------------------------- guesses

// halfDelay returns the delay at which y - base first falls to half of its
// start (the first point), interpolated in log delay; beyond the last delay
// when it never does.
func halfDelay(tau, y []float64, base float64) float64 {
	n := len(tau)
	top := y[0] - base
	if n > 1 {
		top = max(top, y[1]-base)
	}
	lvl := base + top/2
	for i := 1; i < n; i++ {
		if y[i] <= lvl {
			t0, t1 := tau[i-1], tau[i]
			if t0 <= 0 {
				return t1
			}
			y0, y1 := y[i-1], y[i]
			if y0 <= y1 {
				return t1
			}
			fr := (y0 - lvl) / (y0 - y1)
			return t0 * math.Pow(t1/t0, fr)
		}
	}
	return positiveDelay(tau, n-1) * 2
}

// positiveDelay returns tau[i], or the smallest positive delay (1 if none)
// when tau[i] is 0.
func positiveDelay(tau []float64, i int) float64 {
	if tau[i] > 0 {
		return tau[i]
	}
	for _, t := range tau {
		if t > 0 {
			return t
		}
	}
	return 1
}

// peakDelay returns the delay of the curve's maximum, refined by a parabola
// through its neighbours in log delay.
func peakDelay(tau, y []float64) float64 {
	i := 0
	for k := range y {
		if y[k] > y[i] {
			i = k
		}
	}
	return refinePeak(tau, y, i)
}

// absPeak returns the index and delay of the curve's largest |value|.
func absPeak(tau, y []float64) (int, float64) {
	i := 0
	for k := range y {
		if math.Abs(y[k]) > math.Abs(y[i]) {
			i = k
		}
	}
	if y[i] < 0 {
		// refine on -y
		t := positiveDelay(tau, i)
		if i > 0 && i < len(y)-1 && tau[i-1] > 0 {
			t = parabola(tau[i-1:i+2], -y[i-1], -y[i], -y[i+1])
		}
		return i, t
	}
	return i, refinePeak(tau, y, i)
}

func refinePeak(tau, y []float64, i int) float64 {
	if i > 0 && i < len(y)-1 && tau[i-1] > 0 {
		return parabola(tau[i-1:i+2], y[i-1], y[i], y[i+1])
	}
	return positiveDelay(tau, i)
}

// parabola returns the vertex, in log delay, of the parabola through three
// points at the delays t[0..2] (> 0) around a maximum y1.
func parabola(t []float64, y0, y1, y2 float64) float64 {
	x0, x1, x2 := math.Log(t[0]), math.Log(t[1]), math.Log(t[2])
	a := (y0-y1)*(x2-x1) - (y2-y1)*(x0-x1)
	den := (y0-y1)*(x2-x1)*(x2+x1) - (y2-y1)*(x0-x1)*(x0+x1)
	if a == 0 || den == 0 {
		return t[1]
	}
	x := den / (2 * a)
	if !(x >= x0 && x <= x2) {
		return t[1]
	}
	return math.Exp(x)
}

// tailMean is the mean of the last quarter of the curve (at least 1
// point): a guess of Ginf.
func tailMean(y []float64) float64 {
	k := max(len(y)/4, 1)
	s := 0.0
	for _, v := range y[len(y)-k:] {
		s += v
	}
	return s / float64(k)
}
