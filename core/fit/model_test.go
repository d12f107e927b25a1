package fit

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// modelCase is a model at a parameter set, for the tests.
type modelCase struct {
	name string
	m    Model
	p    []float64
}

// modelCases covers every model and option at several parameter sets, in
// pixels and frames, with features inside the library's delays (1..7158
// frames for 16384 frames).
func modelCases() []modelCase {
	return []modelCase{
		{"PCF1D/d6", PCF1D{W: 2.5, Dist: 6}, []float64{0.05, 0.8}},
		{"PCF1D/d6-slow", PCF1D{W: 2.5, Dist: 6}, []float64{0.01, 0.02}},
		{"PCF1D/d3-fast", PCF1D{W: 2, Dist: 3}, []float64{0.2, 3}},
		{"PCF1D/d0", PCF1D{W: 2.5, Dist: 0}, []float64{0.05, 0.8}},
		{"PCF1D/um-s", PCF1D{W: 0.3, Dist: 0.2}, []float64{0.1, 1e-3}}, // micrometres, delays in frames
		{"ACF2D", ACF2D{W: 2.5}, []float64{0.05, 0.8}},
		{"ACF2D/slow", ACF2D{W: 1.2}, []float64{1.5, 0.004}},
		{"ACF2D/offset", ACF2D{W: 2.5, Offset: true}, []float64{0.05, 0.3, 0.002}},
		{"ACF2D/flow", ACF2D{W: 2.5, Flow: true}, []float64{0.05, 0.1, 0.05}},
		{"ACF2D/flow-offset", ACF2D{W: 2.5, Flow: true, Offset: true}, []float64{0.05, 0.8, 0.05, 0.001}},
		{"ACF3D", ACF3D{W: 2.5, Kappa: 5}, []float64{0.05, 0.8}},
		{"ACF3D/k2", ACF3D{W: 1, Kappa: 2}, []float64{0.3, 0.05}},
		{"ACF3D/offset", ACF3D{W: 2.5, Kappa: 5, Offset: true}, []float64{0.05, 0.8, 0.001}},
		{"ACF3D/flow", ACF3D{W: 2.5, Kappa: 4, Flow: true}, []float64{0.05, 0.2, 0.02}},
		{"ACF3D/flow-offset", ACF3D{W: 2.5, Kappa: 4, Flow: true, Offset: true}, []float64{0.05, 0.2, 0.02, -0.001}},
		{"CCF2D", CCF2D{W: 2.5, R: Vec{6, 0}}, []float64{0.05, 0.8, 0.1, 0.03}},
		{"CCF2D/offset", CCF2D{W: 2.5, R: Vec{-4, 4}, Offset: true}, []float64{0.05, 0.3, -0.05, 0.02, 0.001}},
		{"CCF2D/delta", CCF2D{W: 2.5, R: Vec{4, -4}, Delta: true}, []float64{0.05, 0.3, 0.05, -0.02}},
		{"ITIRFCS", ITIRFCS{A: 1, W: 2.5}, []float64{0.05, 0.8}},
		{"ITIRFCS/big-pixel", ITIRFCS{A: 4, W: 1}, []float64{0.02, 0.3}},
		{"ITIRFCS/offset", ITIRFCS{A: 1, W: 2.5, Offset: true}, []float64{0.05, 0.8, 0.002}},
		{"ITIRFCS/um", ITIRFCS{A: 0.24, W: 0.4}, []float64{0.05, 1e-3}},
		{"ITIRFCS/ccf-flow", ITIRFCS{A: 1, W: 2.5, R: Vec{3, 2}, Flow: true}, []float64{0.05, 0.8, 0.05, -0.02}},
		{"ITIRFCS/ccf-flow-offset", ITIRFCS{A: 2, W: 1.5, R: Vec{-4, 0}, Flow: true, Offset: true}, []float64{0.05, 0.3, -0.03, 0.01, 0.001}},
	}
}

// TestJacobians compares every model's analytic derivatives with central
// finite differences (gonum's diff/fd).
func TestJacobians(t *testing.T) {
	tau := logDelays(16384, 32)
	for _, c := range modelCases() {
		t.Run(c.name, func(t *testing.T) {
			np, n := c.m.NumParams(), len(tau)
			if got := len(c.m.ParamNames()); got != np {
				t.Fatalf("%d names for %d parameters", got, np)
			}
			f := make([]float64, n)
			jac := make([]float64, n*np)
			c.m.Eval(c.p, tau, f, jac)
			f2 := make([]float64, n)
			c.m.Eval(c.p, tau, f2, nil)
			for i := range f {
				if f[i] != f2[i] {
					t.Fatalf("point %d: %g with the Jacobian, %g without", i, f[i], f2[i])
				}
			}
			// Finite differences in parameters scaled to 1 (a diffusion
			// coefficient of 1e-3 um^2/frame needs a relative step).
			sc := make([]float64, np)
			x0 := make([]float64, np)
			for j, v := range c.p {
				sc[j] = math.Abs(v)
				if sc[j] == 0 {
					sc[j] = 1
				}
				x0[j] = v / sc[j]
			}
			num := mat.NewDense(n, np, nil)
			pp := make([]float64, np)
			fd.Jacobian(num, func(y, x []float64) {
				for j := range x {
					pp[j] = x[j] * sc[j]
				}
				c.m.Eval(pp, tau, y, nil)
			}, x0, &fd.JacobianSettings{Formula: fd.Central})
			for j := 0; j < np; j++ {
				for i := 0; i < n; i++ {
					num.Set(i, j, num.At(i, j)/sc[j])
				}
			}
			for j := 0; j < np; j++ {
				scale := 0.0 // the column's size
				for i := 0; i < n; i++ {
					scale = max(scale, math.Abs(num.At(i, j)))
				}
				for i := 0; i < n; i++ {
					if d := math.Abs(jac[i*np+j] - num.At(i, j)); d > 1e-6*scale+1e-12 {
						t.Errorf("d f(tau=%g) / d %s = %g, finite differences %g", tau[i], c.m.ParamNames()[j], jac[i*np+j], num.At(i, j))
					}
				}
			}
		})
	}
}

// TestModelRelations checks the models against each other where their
// formulas meet.
func TestModelRelations(t *testing.T) {
	tau := logDelays(16384, 32)
	close := func(name string, a, b []float64, tol float64) {
		t.Helper()
		for i := range a {
			if math.Abs(a[i]-b[i]) > tol*math.Max(math.Abs(a[i]), math.Abs(b[i]))+1e-300 {
				t.Errorf("%s: point %d (tau %g): %g != %g", name, i, tau[i], a[i], b[i])
				return
			}
		}
	}
	p := []float64{0.05, 0.8}
	// The pCF at distance d is the CCF at any R with |R| = d, without flow.
	close("PCF1D = CCF2D(v=0)", curve(PCF1D{W: 2.5, Dist: 5}, p, tau),
		curve(CCF2D{W: 2.5, R: Vec{3, -4}}, []float64{0.05, 0.8, 0, 0}, tau), 1e-14)
	// At distance 0 it is the 2-D ACF.
	close("PCF1D(0) = ACF2D", curve(PCF1D{W: 2.5}, p, tau), curve(ACF2D{W: 2.5}, p, tau), 1e-14)
	// A long ellipsoid is a 2-D spot.
	close("ACF3D(kappa 1e8) = ACF2D", curve(ACF3D{W: 2.5, Kappa: 1e8}, p, tau), curve(ACF2D{W: 2.5}, p, tau), 1e-9)
	// Flow at speed v along R: the CCF at R, at the delay |R| / v, is the
	// ACF without flow.
	c := curve(CCF2D{W: 2.5, R: Vec{6, 0}}, []float64{0.05, 0.8, 6.0 / 8, 0}, []float64{8})
	a := curve(ACF2D{W: 2.5}, p, []float64{8})
	close("CCF2D(R = v tau) = ACF2D", c, a, 1e-14)
	// The ACF with flow: the CCF at R = 0 with velocity (vx, vy).
	close("ACF2D flow = CCF2D(R=0)", curve(ACF2D{W: 2.5, Flow: true}, []float64{0.05, 0.8, 0.05}, tau),
		curve(CCF2D{W: 2.5}, []float64{0.05, 0.8, 0.03, 0.04}, tau), 1e-14)
	// The delta-CCF is the forward curve at R minus that at -R.
	q := []float64{0.05, 0.3, 0.05, -0.02}
	fw := curve(CCF2D{W: 2.5, R: Vec{4, -3}}, q, tau)
	bw := curve(CCF2D{W: 2.5, R: Vec{-4, 3}}, q, tau)
	for i := range fw {
		fw[i] -= bw[i]
	}
	close("delta-CCF", curve(CCF2D{W: 2.5, R: Vec{4, -3}, Delta: true}, q, tau), fw, 1e-12)
	// A point-like pixel is the Gaussian ACF (G0 is G(0) in both).
	close("ITIRFCS(a -> 0) = ACF2D", curve(ITIRFCS{A: 1e-2, W: 2.5}, p, tau), curve(ACF2D{W: 2.5}, p, tau), 1e-5)
	// ... and the Gaussian CCF with flow, at an offset.
	close("ITIRFCS(a -> 0) = CCF2D", curve(ITIRFCS{A: 3e-3, W: 2.5, R: Vec{3, -2}, Flow: true}, []float64{0.05, 0.8, 0.1, 0.02}, tau),
		curve(CCF2D{W: 2.5, R: Vec{3, -2}}, []float64{0.05, 0.8, 0.1, 0.02}, tau), 3e-6)
}

// TestITIRFCSIntegral checks the camera-pixel model against its
// definition: the Gaussian propagator of variance p^2/2 per axis
// (diffusion and the PSF's autocorrelation) integrated over the two pixels,
// by gonum's quadrature.
func TestITIRFCSIntegral(t *testing.T) {
	const a, w, d, vx, vy = 1.5, 1.2, 0.4, 0.15, -0.05
	r := Vec{3, -1.5}
	m := ITIRFCS{A: a, W: w, R: r, Flow: true}
	// One axis: int_0^a int_0^a K(x' - x - rho) dx dx', K normal of
	// variance p^2/2, by nested Legendre quadrature.
	axis := func(rho, p float64) float64 {
		inner := func(x float64) float64 {
			return quad.Fixed(func(xp float64) float64 {
				u := xp - x - rho
				return math.Exp(-u*u/(p*p)) / (math.Sqrt(math.Pi) * p)
			}, 0, a, 60, nil, 0)
		}
		return quad.Fixed(inner, 0, a, 60, nil, 0)
	}
	f00 := axis(0, w)
	for _, tt := range []float64{0, 1, 3.5, 10, 40, 200} {
		p := math.Sqrt(4*d*tt + w*w)
		want := 0.07 * axis(r.X-vx*tt, p) * axis(r.Y-vy*tt, p) / (f00 * f00)
		got := curve(m, []float64{0.07, d, vx, vy}, []float64{tt})[0]
		if math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("tau %g: model %g, integral %g", tt, got, want)
		}
		// pixF is the closed form of the axis integral.
		if f, _, _ := pixF(r.X-vx*tt, p, a); math.Abs(f-axis(r.X-vx*tt, p)) > 1e-12 {
			t.Errorf("tau %g: F %g, integral %g", tt, f, axis(r.X-vx*tt, p))
		}
	}
	// Far apart pixels: the erfc form keeps relative precision where the
	// erf form cancels.
	f, _, _ := pixF(8, 1, 1)
	ref := quad.Fixed(func(x float64) float64 {
		return quad.Fixed(func(xp float64) float64 {
			u := xp - x - 8
			return math.Exp(-u*u) / math.Sqrt(math.Pi)
		}, 0, 1, 60, nil, 0)
	}, 0, 1, 60, nil, 0)
	if math.Abs(f-ref) > 1e-9*ref {
		t.Errorf("F(8, 1, 1) = %g, integral %g", f, ref)
	}
}

func TestCheck(t *testing.T) {
	bad := []Model{
		PCF1D{W: 0, Dist: 1}, PCF1D{W: 1, Dist: -1}, PCF1D{W: math.Inf(1)}, PCF1D{W: math.NaN()},
		ACF2D{}, ACF3D{W: 1}, ACF3D{Kappa: 1}, CCF2D{W: 1, R: Vec{math.NaN(), 0}},
		ITIRFCS{W: 1}, ITIRFCS{A: 1}, ITIRFCS{A: 1, W: 1, R: Vec{0, math.Inf(-1)}},
	}
	for _, m := range bad {
		if m.Check() == nil {
			t.Errorf("%#v: Check() = nil, want an error", m)
		}
	}
	for _, c := range modelCases() {
		if err := c.m.Check(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
