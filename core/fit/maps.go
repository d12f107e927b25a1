package fit

import (
	"errors"
	"fmt"
	"math"
)

// Units are the scales of a fit's maps. The fits run in the units of the
// model's constants and of the delays: pixels (the waist, the offsets) and
// frames, as ipcf fit, the C ABI's ipcf_fit and the bindings run them. The
// maps are the fitted values times each column's Scale, from these units.
type Units struct {
	// PixelSize is the micrometres per pixel; 0: unknown, the maps'
	// distances stay in pixels.
	PixelSize float64
	// FrameInterval is the seconds per delay unit (per frame); 0:
	// unknown, the maps' times stay in the delays' unit.
	FrameInterval float64
}

// Distance returns the maps' distance unit: "um", or "px".
func (u Units) Distance() string {
	if u.PixelSize > 0 {
		return "um"
	}
	return "px"
}

// Time returns the maps' time unit: "s", or "frame".
func (u Units) Time() string {
	if u.FrameInterval > 0 {
		return "s"
	}
	return "frame"
}

// The ranges of the units and of the waist that Check accepts. Within
// them every scale of the maps (D's pixel size^2 / frame interval up to
// 1e24) keeps a fitted value of ordinary size finite and non-zero in the
// float32 maps; beyond them a map of +Inf or 0 came out "converged".
const (
	MinPixelSize, MaxPixelSize         = 1e-6, 1e6  // micrometres
	MinFrameInterval, MaxFrameInterval = 1e-12, 1e6 // seconds
	MinWaist, MaxWaist                 = 1e-6, 1e6  // pixels
)

// Check refuses a pixel size or frame interval (when known: > 0) outside
// the ranges above, or not a number. Every host (ipcf fit, the C ABI's
// ipcf_fit and the bindings through it) calls it, and CheckWaist, before
// fitting.
func (u Units) Check() error {
	if err := inRange("pixel size", "um (micrometres)", u.PixelSize, MinPixelSize, MaxPixelSize, u.PixelSize != 0); err != nil {
		return err
	}
	return inRange("frame interval", "s (seconds)", u.FrameInterval, MinFrameInterval, MaxFrameInterval, u.FrameInterval != 0)
}

// CheckDelays refuses delays tau given in seconds where they must be in
// frames (the fit scales D and the velocities by the frame interval):
// with a frame interval known, delays that are not whole or half frames
// while, divided by the frame interval (to float32 rounding: delays kept
// as float32), they are the engine's delays of a curve from lag 0, its
// log or linear bins' mean lags or multi-tau lags. Such delays gave D
// 1/frame interval times too large, "converged" (UNITS18's m3:
// ipcf.delays(..., frame_interval=) or a result's delay_s given for the
// delays of plain curves). Other delays (another program's, of a few
// decimals) pass, as do delays that could be either (a frame interval of
// 1 s): the check is the engine's structure, not the numbers' digits
// (REVIEW22's F1: 1.41 and 2.45 frames at 1 ms were refused).
func (u Units) CheckDelays(tau []float64) error {
	fi := u.FrameInterval
	if !(fi > 0) || len(tau) < 2 {
		return nil
	}
	half := func(x, tol float64) (float64, bool) {
		h := math.Round(2*x) / 2
		return h, math.Abs(x-h) <= tol*(1+math.Abs(x))
	}
	frames := true
	scaled := make([]float64, len(tau))
	for i, t := range tau {
		if _, ok := half(t, 1e-9); !ok {
			frames = false
		}
		h, ok := half(t/fi, 1e-6) // (float32 delays: 6e-8 of each)
		if !ok {
			return nil
		}
		scaled[i] = h
	}
	if frames {
		return nil
	}
	if _, err := ContiguousBins(scaled); err == nil {
		return fmt.Errorf("delays in seconds (divided by the frame interval %g s they are the mean lags of the engine's log or linear bins, in frames): give the delays in frames (the delays without the frame interval); the frame interval converts D and the velocities", fi)
	}
	if _, err := MultiTauBins(scaled, 0); err == nil {
		return fmt.Errorf("delays in seconds (divided by the frame interval %g s they are the engine's multi-tau lags, in frames): give the delays in frames (the delays without the frame interval); the frame interval converts D and the velocities", fi)
	}
	return nil
}

// DefaultWaist is the PSF waist (1/e^2 radius, pixels) of a result
// without a pixel size when none is given: the simulator's PSF (sigma 1
// pixel, W = 2 sigma). ipcf fit and the C ABI's ipcf_fit both take it from
// here; a calibrated result needs its waist given.
const DefaultWaist = 2.0

// CheckWaist refuses a waist (pixels) outside MinWaist..MaxWaist: D =
// W^2/(4 tauD).
func CheckWaist(w float64) error {
	return inRange("PSF waist", "pixels", w, MinWaist, MaxWaist, true)
}

func inRange(what, unit string, v, lo, hi float64, known bool) error {
	if known && !(v >= lo && v <= hi) {
		return fmt.Errorf("%w: %s %g: want %g to %g %s (beyond, the float32 maps would hold +Inf or 0)", ErrUnits, what, v, lo, hi, unit)
	}
	return nil
}

// CheckResult refuses the units of a correlation job as Check refuses a
// fit's, saying why a job that fits nothing is held to them: a fit of
// its result could not use them.
func (u Units) CheckResult() error {
	for _, c := range []struct {
		what, unit string
		v, lo, hi  float64
	}{{"pixel size", "um (micrometres)", u.PixelSize, MinPixelSize, MaxPixelSize}, {"frame interval", "s (seconds)", u.FrameInterval, MinFrameInterval, MaxFrameInterval}} {
		if c.v != 0 && !(c.v >= c.lo && c.v <= c.hi) {
			return fmt.Errorf("%s %g: want %g to %g %s, the range a fit of the result takes", c.what, c.v, c.lo, c.hi, c.unit)
		}
	}
	return nil
}

// ErrUnits reports units or a waist that Units.Check refuses.
var ErrUnits = errors.New("fit: units out of range")

// scales returns the factors from pixels and frames to the units.
func (u Units) scales() (ps, fi float64) {
	ps, fi = 1, 1
	if u.PixelSize > 0 {
		ps = u.PixelSize
	}
	if u.FrameInterval > 0 {
		fi = u.FrameInterval
	}
	return ps, fi
}

// Column is one parameter of the maps: a fitted parameter of the model, or
// one derived from them, with its unit and the factor from the fit's units
// (JSON: the metadata ipcf fit writes for each).
type Column struct {
	Name        string  `json:"name"`
	Unit        string  `json:"unit"`
	Scale       float64 `json:"scale"`
	Derived     string  `json:"derived,omitempty"`
	Description string  `json:"description"`
	// Value and StdErr compute a derived column (nil for a fitted one)
	// from the fitted parameters p and standard errors se, in the fit's
	// units, the covariance cv of vx and vy (Maps.CovV; 0 for other
	// models), and the index k of the fit's offset (0 for a joint fit).
	Value  func(p []float64, k int) float64                 `json:"-"`
	StdErr func(p, se []float64, cv float64, k int) float64 `json:"-"`
}

// Columns returns the parameters of the maps of the model m fitted with
// the waist w (in the fit's units): the model's parameters, then the
// derived ones: tauD = W^2/(4 D); for PCF1D, when dists is not nil,
// tau_peak = max(d^2 - W^2, 0)/(4 D), the delay of the fitted pCF's
// maximum at the distance dists[k] of the fit's offset k (dists holds one
// distance per offset for fits of each offset alone, the common distance
// of the offsets of a joint fit); with a velocity (vx, vy), speed and
// angle (degrees from the columns' axis towards the rows'). Derived
// standard errors are first order in the fitted parameters, with the
// covariance of vx and vy (Maps.CovV) for speed and angle.
func Columns(m Model, w float64, u Units, dists []float64) []Column {
	dist, tim := u.Distance(), u.Time()
	ps, fi := u.scales()
	diff, vel := dist+"^2/"+tim, dist+"/"+tim
	var cols []Column
	hasV := false
	for _, n := range m.ParamNames() {
		c := Column{Name: n, Unit: "1", Scale: 1}
		switch n {
		case "DC":
			c.Description = "amplitude (G at tau = 0 without the distance factor)"
		case "G0":
			c.Description = "amplitude G(0) (1/N for N particles in the PSF)"
		case "Ginf":
			c.Description = "constant offset"
		case "D":
			c.Unit, c.Scale, c.Description = diff, ps*ps/fi, "diffusion coefficient"
		case "v":
			c.Unit, c.Scale, c.Description = vel, ps/fi, "flow speed"
		case "vx":
			c.Unit, c.Scale, c.Description = vel, ps/fi, "flow velocity along the columns (x, u)"
			hasV = true
		case "vy":
			c.Unit, c.Scale, c.Description = vel, ps/fi, "flow velocity along the rows (y, v; down the image)"
		}
		cols = append(cols, c)
	}
	w2 := w * w
	cols = append(cols, Column{Name: "tauD", Unit: tim, Scale: fi, Derived: "W^2/(4 D)",
		Description: "diffusion time through the waist",
		Value:       func(p []float64, _ int) float64 { return w2 / (4 * p[1]) },
		StdErr:      func(p, se []float64, _ float64, _ int) float64 { return w2 / (4 * p[1]) * se[1] / p[1] }})
	if _, pcf := m.(PCF1D); pcf && dists != nil {
		cols = append(cols, Column{Name: "tau_peak", Unit: tim, Scale: fi, Derived: "max(d^2 - W^2, 0)/(4 D)",
			Description: "transit time: the delay of the fitted pCF's maximum at the distance d",
			Value:       func(p []float64, k int) float64 { d := dists[k]; return max(d*d-w2, 0) / (4 * p[1]) },
			StdErr: func(p, se []float64, _ float64, k int) float64 {
				d := dists[k]
				return max(d*d-w2, 0) / (4 * p[1]) * se[1] / p[1]
			}})
	}
	if hasV {
		cols = append(cols,
			Column{Name: "speed", Unit: vel, Scale: ps / fi, Derived: "hypot(vx, vy)", Description: "flow speed",
				Value: func(p []float64, _ int) float64 { return math.Hypot(p[2], p[3]) },
				StdErr: func(p, se []float64, cv float64, _ int) float64 {
					return speedStdErr(p[2], p[3], se[2], se[3], cv)
				}},
			Column{Name: "angle", Unit: "deg", Scale: 1, Derived: "atan2(vy, vx)",
				Description: "flow direction, degrees from the columns' axis (x) towards the rows' (y, down the image)",
				Value:       func(p []float64, _ int) float64 { return math.Atan2(p[3], p[2]) * 180 / math.Pi },
				StdErr: func(p, se []float64, cv float64, _ int) float64 {
					return angleStdErr(p[2], p[3], se[2], se[3], cv) * 180 / math.Pi
				}})
	}
	return cols
}

// speedStdErr is the first-order standard error of hypot(vx, vy) from
// those of vx and vy (sx, sy) and their covariance cv:
// sqrt(vx^2 sx^2 + vy^2 sy^2 + 2 vx vy cv) / hypot(vx, vy).
func speedStdErr(vx, vy, sx, sy, cv float64) float64 {
	return quadErr(vx*sx, vy*sy, corr(cv, sx, sy)) / math.Hypot(vx, vy)
}

// angleStdErr is the first-order standard error, in radians, of
// atan2(vy, vx): sqrt(vy^2 sx^2 + vx^2 sy^2 - 2 vx vy cv) / (vx^2 + vy^2).
func angleStdErr(vx, vy, sx, sy, cv float64) float64 {
	return quadErr(vy*sx, vx*sy, -corr(cv, sx, sy)) / (vx*vx + vy*vy)
}

// corr is the correlation cv/(sx sy) of two parameters of standard errors
// sx and sy and covariance cv, within [-1, 1]; 0 where sx or sy is 0 or
// not finite.
func corr(cv, sx, sy float64) float64 {
	if !(sx > 0 && sy > 0) || math.IsInf(sx, 0) || math.IsInf(sy, 0) || math.IsNaN(cv) {
		return 0
	}
	return min(max(cv/sx/sy, -1), 1)
}

// quadErr returns sqrt(a^2 + b^2 + 2 rho a b) for |rho| <= 1, scaled so
// that it overflows only where the result does; hypot(a, b) where rho is
// 0 or a or b is not finite.
func quadErr(a, b, rho float64) float64 {
	m := max(math.Abs(a), math.Abs(b))
	if rho == 0 || m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		return math.Hypot(a, b)
	}
	a, b = a/m, b/m
	return m * math.Sqrt(max(a*a+b*b+2*rho*a*b, 0))
}

// At returns column j of cols for fit i of maps, in the column's units
// (the value times its Scale), and its standard error likewise. cols must
// be Columns of the model that gave maps.
func At(maps *Maps, cols []Column, i, j int) (v, se float64) {
	p := maps.Params[i*maps.NP : (i+1)*maps.NP]
	s := maps.StdErr[i*maps.NP : (i+1)*maps.NP]
	c := &cols[j]
	if j < maps.NP {
		v, se = p[j], s[j]
	} else {
		k := i % maps.K
		cv := 0.0
		if maps.CovV != nil {
			cv = maps.CovV[i]
		}
		v, se = c.Value(p, k), c.StdErr(p, s, cv, k)
	}
	return v * c.Scale, se * c.Scale
}

// PeakDistances returns the dists argument of Columns for PCF1D fits of
// curves at offsets of the distances d: d itself for fits of each offset
// alone, their common distance for a joint fit, and nil (no tau_peak) for a
// joint fit of offsets at several distances.
func PeakDistances(d []float64, joint bool) []float64 {
	if !joint || len(d) == 0 {
		return d
	}
	for _, x := range d {
		if x != d[0] {
			return nil
		}
	}
	return d[:1]
}

// SmoothedWarning is the warning for fits to curves smoothed with weight
// smooth (> 0; the pCF's default 0.7): smoothing shifts each point
// towards its neighbours, so the models, which describe unsmoothed
// curves, give biased parameters (a simulation of D = 0.5 px^2/frame fitted
// with acf2d gave 0.20 from smoothed log-binned curves, 0.52 unsmoothed).
func SmoothedWarning(smooth float64) string {
	return fmt.Sprintf("the curves are smoothed (smooth %g): the models describe unsmoothed curves, and fits to smoothed ones give biased parameters "+
		"(D 0.2 for 0.5 in a test); compute the curves with smoothing off (--smooth 0, smooth=0, 'Smooth' 0), best with multi-tau bins", smooth)
}
