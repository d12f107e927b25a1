package fit_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/fit"
)

// TestColumns: the maps' columns of each model, their units and scales,
// and the derived values of At.
func TestColumns(t *testing.T) {
	u := fit.Units{PixelSize: 0.1, FrameInterval: 0.01}
	for _, c := range []struct {
		m     fit.Model
		dists []float64
		names []string
	}{
		{fit.PCF1D{W: 2}, []float64{4, 3}, []string{"DC", "D", "tauD", "tau_peak"}},
		{fit.PCF1D{W: 2}, nil, []string{"DC", "D", "tauD"}},
		{fit.ACF2D{W: 2, Flow: true, Offset: true}, nil, []string{"G0", "D", "v", "Ginf", "tauD"}},
		{fit.ACF3D{W: 2, Kappa: 4}, nil, []string{"G0", "D", "tauD"}},
		{fit.CCF2D{W: 2}, nil, []string{"G0", "D", "vx", "vy", "tauD", "speed", "angle"}},
		{fit.ITIRFCS{A: 1, W: 2, Flow: true, Offset: true}, nil, []string{"G0", "D", "vx", "vy", "Ginf", "tauD", "speed", "angle"}},
	} {
		cols := fit.Columns(c.m, 2, u, c.dists)
		var names []string
		for _, col := range cols {
			names = append(names, col.Name)
			want := map[string]string{"D": "um^2/s", "v": "um/s", "vx": "um/s", "vy": "um/s", "speed": "um/s",
				"tauD": "s", "tau_peak": "s", "angle": "deg"}[col.Name]
			if want == "" {
				want = "1"
			}
			if col.Unit != want {
				t.Errorf("%T %s: unit %q, want %q", c.m, col.Name, col.Unit, want)
			}
		}
		if !slices.Equal(names, c.names) {
			t.Errorf("%T: columns %v, want %v", c.m, names, c.names)
		}
	}
	// At: the fitted values and the derived ones, times the scales
	cols := fit.Columns(fit.CCF2D{W: 2}, 2, u, nil)
	maps := &fit.Maps{H: 1, W: 1, K: 1, NP: 4, Params: []float64{0.01, 0.2, 0.3, 0.4}, StdErr: []float64{1e-4, 0.01, 0.02, 0.03},
		ChiSq: []float64{0}, DoF: []int32{1}, Status: []fit.Status{fit.Converged}}
	for j, want := range []float64{0.01, 0.2 * 0.1 * 0.1 / 0.01, 0.3 * 0.1 / 0.01, 0.4 * 0.1 / 0.01, 4 / (4 * 0.2) * 0.01,
		0.5 * 0.1 / 0.01, math.Atan2(0.4, 0.3) * 180 / math.Pi} {
		if v, _ := fit.At(maps, cols, 0, j); math.Abs(v-want) > 1e-12*math.Abs(want) {
			t.Errorf("column %s: %g, want %g", cols[j].Name, v, want)
		}
	}
	if _, se := fit.At(maps, cols, 0, 4); math.Abs(se-4/(4*0.2)*0.01/0.2*0.01) > 1e-15 {
		t.Errorf("tauD's standard error %g", se)
	}
	// no units: pixels and frames
	if c := fit.Columns(fit.PCF1D{W: 2}, 2, fit.Units{}, nil); c[1].Unit != "px^2/frame" || c[1].Scale != 1 {
		t.Errorf("no units: D in %q times %g", c[1].Unit, c[1].Scale)
	}
}

func TestPeakDistances(t *testing.T) {
	d := []float64{4, 4, 3}
	if got := fit.PeakDistances(d, false); !slices.Equal(got, d) {
		t.Errorf("per offset: %v", got)
	}
	if got := fit.PeakDistances(d, true); got != nil {
		t.Errorf("joint, several distances: %v, want nil", got)
	}
	if got := fit.PeakDistances(d[:2], true); !slices.Equal(got, []float64{4}) {
		t.Errorf("joint, one distance: %v", got)
	}
	if got := fit.PeakDistances(nil, true); got != nil {
		t.Errorf("none: %v", got)
	}
}

// Units whose scales leave float32 (D of 1e-40 s frames was +Inf in every
// map, each fit "converged") are refused, at the ranges' edges exactly.
func TestUnitsCheck(t *testing.T) {
	for _, c := range []struct {
		u    fit.Units
		w    float64
		want string // "" accepted
	}{
		{fit.Units{}, 2, ""},
		{fit.Units{PixelSize: 1e-6, FrameInterval: 1e-12}, 1e-6, ""},
		{fit.Units{PixelSize: 1e6, FrameInterval: 1e6}, 1e6, ""},
		{fit.Units{PixelSize: 0.1, FrameInterval: 1e-40}, 2, "frame interval 1e-40: want 1e-12 to 1e+06 s"},
		{fit.Units{PixelSize: 1e20}, 2, "pixel size 1e+20: want 1e-06 to 1e+06 um"},
		{fit.Units{PixelSize: math.NaN()}, 2, "pixel size NaN"},
		{fit.Units{FrameInterval: -1}, 2, "frame interval -1"},
		{fit.Units{}, 1e-7, "PSF waist 1e-07: want 1e-06 to 1e+06 pixels"},
		{fit.Units{}, math.Inf(1), "PSF waist +Inf"},
	} {
		err := c.u.Check()
		if err == nil {
			err = fit.CheckWaist(c.w)
		}
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v, waist %g: %v", c.u, c.w, err)
		case c.want != "" && (!errors.Is(err, fit.ErrUnits) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v, waist %g: %v, want ErrUnits with %q", c.u, c.w, err, c.want)
		}
	}
}

// TestUnitsCheckDelays: delays in seconds given where frames are due
// (every one a whole or half number of frame intervals, some not of
// frames) are refused; delays in frames (bins' mean lags, multi-tau lags)
// pass with any frame interval, and anything passes without one.
func TestUnitsCheckDelays(t *testing.T) {
	logBins := []float64{0, 1, 2, 3, 4.5, 7.5, 12.5, 21.5}
	multi := []float64{0, 1, 2, 3, 4, 6, 8, 12, 16}
	f32 := func(d []float64) []float64 {
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(float32(v))
		}
		return out
	}
	scaled := func(d []float64, fi float64) []float64 {
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = v * fi
		}
		return out
	}
	for _, c := range []struct {
		tau []float64
		fi  float64
		ok  bool
	}{
		{logBins, 0.002, true},
		{multi, 1e-3, true},
		{logBins, 0.25, true}, // frames are also whole numbers of 0.25 s
		{scaled(logBins, 0.002), 0.002, false},
		{scaled(multi, 1e-3), 1e-3, false},
		{scaled(logBins, 0.003), 0.003, false},
		{scaled(logBins, 1e-9), 1e-9, false},
		{scaled(logBins, 0.002), 0, true},                   // no frame interval: the delays' unit is the maps'
		{scaled(logBins, 1), 1, true},                       // seconds are frames
		{[]float64{0, 0.3333, 0.7071, 1.4142}, 0.002, true}, // neither: a user's own delays
		// another program's delays of a few decimals, in frames, at 1 ms,
		// and anything at a frame interval of 1e-9 s (REVIEW22's F1)
		{[]float64{0, 1.41, 2.45, 3.77, 6.02}, 1e-3, true},
		{[]float64{0, 1.41, 2.45, 3.77, 6.02}, 1e-9, true},
		{[]float64{0, 0.7, 1.7, 2.9}, 4e-9, true},
		{f32(scaled(logBins, 0.002)), 0.002, false}, // seconds kept as float32 (REVIEW22's F3)
		{f32(scaled(multi, 1e-4)), 1e-4, false},
	} {
		err := fit.Units{FrameInterval: c.fi}.CheckDelays(c.tau)
		if (err == nil) != c.ok || err != nil && !strings.Contains(err.Error(), "delays in seconds") {
			t.Errorf("CheckDelays(%v) with frame interval %g: %v, want ok %v", c.tau, c.fi, err, c.ok)
		}
	}
}

// TestITIRFlowDetermined: an ITIR-FCS velocity is fitted only from curves
// of offsets in two directions, together: curves each alone, or of
// offsets on one line through (0, 0), fit its mirror image as well
// (FIT19's F2, m2: an angle of +26.6 degrees for -26.6, converged).
func TestITIRFlowDetermined(t *testing.T) {
	m := fit.ITIRFCS{A: 1, W: 2, Flow: true}
	plus := []fit.Vec{{}, {X: 1}, {Y: 1}, {X: -1}, {Y: -1}}
	for _, c := range []struct {
		offs  []fit.Vec
		joint bool
		ok    bool
	}{
		{plus, true, true},
		{plus, false, false},
		{[]fit.Vec{{}}, true, false},
		{[]fit.Vec{{}, {X: 1}, {X: -1}}, true, false},
		{[]fit.Vec{{X: 2, Y: 2}, {X: -1, Y: -1}}, true, false},
		{[]fit.Vec{{X: 2, Y: 2}, {X: -1, Y: 1}}, true, true},
	} {
		if why := m.FlowDetermined(c.offs, c.joint); (why == "") != c.ok {
			t.Errorf("%v, joint %v: %q, want ok %v", c.offs, c.joint, why, c.ok)
		}
	}
	if why := m.FlowDetermined([]fit.Vec{{}}, true); !strings.Contains(why, "autocorrelations alone") {
		t.Errorf("an ACF, joint: %q", why) // (it said the offsets lie on one line: REVIEW23's m5)
	}
	if why := (fit.ITIRFCS{A: 1, W: 2}).FlowDetermined([]fit.Vec{{}}, false); why != "" {
		t.Errorf("without flow: %q", why)
	}
}
