package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/internal/asuser"
)

// fitRig is a small simulation (the default channel data, 1024 frames of
// 20 x 20 pixels) and the results of ipcf pcf that the fit tests read.
type fitRig struct {
	dir, sim string
}

func newFitRig(t *testing.T) *fitRig {
	t.Helper()
	r := &fitRig{dir: t.TempDir()}
	r.sim = filepath.Join(r.dir, "sim.npy")
	if code, out := ipcf(t, "simulate", "-o", r.sim, "--frames", "1024", "--size", "20", "--quiet"); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, out)
	}
	return r
}

// pcf runs ipcf pcf on the simulation into dir/name.
func (r *fitRig) pcf(t *testing.T, name string, extra ...string) string {
	t.Helper()
	out := filepath.Join(r.dir, name)
	args := append([]string{"pcf", r.sim, "-o", out, "--quiet", "--bins", "multitau", "--smooth", "0"}, extra...)
	if code, msg := ipcf(t, args...); code != 0 {
		t.Fatalf("pcf %v: exit %d: %s", extra, code, msg)
	}
	return out
}

// fitSidecar is what the test reads of a result's metadata, on its own
// (not through the command's reader).
type fitSidecar struct {
	Offsets []struct {
		U, V       int
		DistancePx float64 `json:"distance_px"`
	} `json:"offsets"`
	DelayFrames []float64 `json:"delay_frames"`
	Units       struct {
		FrameInterval *float64 `json:"frame_interval_s"`
		PixelSize     *float64 `json:"pixel_size_um"`
	} `json:"units"`
	BinsMode  string `json:"bins_mode"`
	MultitauM int    `json:"multitau_m"`
}

// fitDirect fits the result with core/fit.FitAll as the documentation of
// ipcf fit says it does: in pixels and frames, every curve (or the offset
// (0, 0) alone, acfK >= 0) with the model's default options.
func fitDirect(t *testing.T, result string, m fit.Model, acfK int, joint bool) (*fit.Maps, fitSidecar) {
	t.Helper()
	return fitDirectSigma(t, result, "", m, acfK, joint)
}

// fitDirectSigma is fitDirect with the error bars in the file sd (none
// when sd is "") as Curves.Sigma.
func fitDirectSigma(t *testing.T, result, sd string, m fit.Model, acfK int, joint bool) (*fit.Maps, fitSidecar) {
	t.Helper()
	f, err := npy.Open(result)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var s *npy.File
	if sd != "" {
		if s, err = npy.Open(sd); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
	}
	var sc fitSidecar
	b, err := os.ReadFile(result + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sc); err != nil {
		t.Fatal(err)
	}
	sh := [4]int{f.Shape[0], f.Shape[1], f.Shape[2], f.Shape[3]}
	var data, sigma []float32
	for i := 0; i < f.Len(); i++ {
		if k := i / sh[3] % sh[2]; acfK < 0 || k == acfK {
			data = append(data, float32(f.Load(f.Offset+4*i)))
			if s != nil {
				sigma = append(sigma, float32(s.Load(s.Offset+4*i)))
			}
		}
	}
	c := fit.Curves{Data: data, Shape: sh, Tau: sc.DelayFrames, Sigma: sigma}
	if acfK >= 0 {
		c.Shape[2] = 1
	} else {
		for _, o := range sc.Offsets {
			c.Offsets = append(c.Offsets, fit.Vec{X: float64(o.U), Y: float64(o.V)})
		}
	}
	o := fit.AllOptions{Options: fit.DefaultOptions(m), Joint: joint, Threads: 3}
	// each point the mean of G over its lags: a log or linear bin's, a
	// multi-tau point's blocks (a triangle)
	if sc.BinsMode == "multitau" {
		o.Bins, err = fit.MultiTauBins(sc.DelayFrames, sc.MultitauM)
	} else {
		o.Bins, err = fit.ContiguousBins(sc.DelayFrames)
	}
	if err != nil {
		t.Fatal(err)
	}
	maps, err := fit.FitAll(context.Background(), m, c, o)
	if err != nil {
		t.Fatal(err)
	}
	return maps, sc
}

// fitMeta is what the test reads of MAPS.npy.json.
type fitMeta struct {
	Model      string `json:"model"`
	Joint      bool   `json:"joint"`
	OffsetAxis bool   `json:"offset_axis"`
	Shape      []int  `json:"shape"`
	Axes       string `json:"axes"`
	Fixed      struct {
		WaistPx float64  `json:"waist_px"`
		WaistUm *float64 `json:"waist_um"`
		Kappa   *float64 `json:"kappa"`
	} `json:"fixed"`
	Units struct {
		Distance, Time string
		PixelSize      *float64 `json:"pixel_size_um"`
		FrameInterval  *float64 `json:"frame_interval_s"`
	} `json:"units"`
	Parameters []struct {
		Name, Unit, Derived string
		Scale               float64
	} `json:"parameters"`
	Offsets []struct {
		U, V int
	} `json:"offsets"`
	Files        map[string]string `json:"files"`
	StatusCounts map[string]int    `json:"status_counts"`
	DoF          *int              `json:"dof"`
	DelayFrames  []float64         `json:"delay_frames"`
}

// fitCase is one run of ipcf fit and what its maps must hold.
type fitCase struct {
	name     string
	result   string
	args     []string
	model    fit.Model
	acfK     int
	joint    bool
	waistPx  float64
	ps, fi   float64  // the units' factors (1: unknown)
	names    []string // the maps' parameters, fitted then derived
	units    []string
	perK     bool
	distUnit string
}

// TestFitCLI: ipcf pcf then ipcf fit for each model; the maps have the
// documented shapes, units and metadata, and hold exactly (bit for bit)
// what core/fit.FitAll gives for the same curves, times the units'
// factors; the derived parameters follow their formulas.
func TestFitCLI(t *testing.T) {
	r := newFitRig(t)
	const ps, fi = 0.1, 0.002
	circle := r.pcf(t, "circle.npy", "--radius", "3", "--npoints", "8")
	calib := r.pcf(t, "calib.npy", "--radius", "3", "--npoints", "8", "--pixel-size", "0.1", "--frame-interval", "0.002")
	acf := r.pcf(t, "acf.npy", "--offsets", "2,0;0,0;0,2")
	delta := r.pcf(t, "delta.npy", "--radius", "3", "--npoints", "8", "--delta", "--pixel-size", "0.1", "--frame-interval", "0.002")
	cases := []fitCase{
		{name: "pcf1d", result: circle, args: nil, model: fit.PCF1D{W: 2}, acfK: -1, waistPx: 2, ps: 1, fi: 1,
			names: []string{"DC", "D", "tauD", "tau_peak"}, units: []string{"1", "px^2/frame", "frame", "frame"}, perK: true, distUnit: "px"},
		{name: "pcf1d joint calibrated", result: calib, args: []string{"--joint", "--waist-um", "0.25"}, model: fit.PCF1D{W: 2.5}, acfK: -1, joint: true,
			waistPx: 2.5, ps: ps, fi: fi, names: []string{"DC", "D", "tauD"}, units: []string{"1", "um^2/s", "s"}, distUnit: "um"},
		{name: "pcf1d units overridden", result: circle, args: []string{"--pixel-size", "0.1", "--frame-interval", "0.002", "--waist", "1.5"},
			model: fit.PCF1D{W: 1.5}, acfK: -1, waistPx: 1.5, ps: ps, fi: fi,
			names: []string{"DC", "D", "tauD", "tau_peak"}, units: []string{"1", "um^2/s", "s", "s"}, perK: true, distUnit: "um"},
		{name: "acf2d", result: acf, args: []string{"--model", "acf2d", "--ginf", "--flow"}, model: fit.ACF2D{W: 2, Flow: true, Offset: true}, acfK: 1,
			waistPx: 2, ps: 1, fi: 1, names: []string{"G0", "D", "v", "Ginf", "tauD"}, units: []string{"1", "px^2/frame", "px/frame", "1", "frame"}, distUnit: "px"},
		{name: "acf3d", result: acf, args: []string{"--model", "acf3d", "--kappa", "4"}, model: fit.ACF3D{W: 2, Kappa: 4}, acfK: 1,
			waistPx: 2, ps: 1, fi: 1, names: []string{"G0", "D", "tauD"}, units: []string{"1", "px^2/frame", "frame"}, distUnit: "px"},
		{name: "ccf2d delta", result: delta, args: []string{"--model", "ccf2d", "--waist", "2"}, model: fit.CCF2D{W: 2, Delta: true}, acfK: -1, joint: true,
			waistPx: 2, ps: ps, fi: fi, names: []string{"G0", "D", "vx", "vy", "tauD", "speed", "angle"},
			units: []string{"1", "um^2/s", "um/s", "um/s", "s", "um/s", "deg"}, distUnit: "um"},
		{name: "ccf2d ginf", result: circle, args: []string{"--model", "ccf2d", "--ginf"}, model: fit.CCF2D{W: 2, Offset: true}, acfK: -1, joint: true,
			waistPx: 2, ps: 1, fi: 1, names: []string{"G0", "D", "vx", "vy", "Ginf", "tauD", "speed", "angle"},
			units: []string{"1", "px^2/frame", "px/frame", "px/frame", "1", "frame", "px/frame", "deg"}, distUnit: "px"},
		// (itir --flow fits each pixel's curves of offsets in two directions
		// together: an ACF's, or each curve alone, leave the velocity's sign
		// open and are refused, FIT19's F2 and m2; TestITIRFlowDetermined)
		{name: "itir", result: circle, args: []string{"--model", "itir", "--flow", "--joint"}, model: fit.ITIRFCS{A: 1, W: 2, Flow: true}, acfK: -1, joint: true,
			waistPx: 2, ps: 1, fi: 1, names: []string{"G0", "D", "vx", "vy", "tauD", "speed", "angle"},
			units: []string{"1", "px^2/frame", "px/frame", "px/frame", "frame", "px/frame", "deg"}, distUnit: "px"},
		{name: "itir no flow", result: acf, args: []string{"--model", "itir"}, model: fit.ITIRFCS{A: 1, W: 2}, acfK: -1,
			waistPx: 2, ps: 1, fi: 1, names: []string{"G0", "D", "tauD"},
			units: []string{"1", "px^2/frame", "frame"}, perK: true, distUnit: "px"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(r.dir, "maps"+string(rune('a'+i))+".npy")
			args := append([]string{"fit", c.result, "-o", out, "--json"}, c.args...)
			code, stdout, stderr := runSplit(args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s %s", args, code, stdout, stderr)
			}
			var sum struct {
				OK         bool
				Shape      []int
				Parameters []string
				Fits       int
			}
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil || !sum.OK {
				t.Fatalf("--json: %q (%v)", stdout, err)
			}
			want, sc := fitDirect(t, c.result, c.model, c.acfK, c.joint)
			checkFitMaps(t, c, out, want, sc)
			if sum.Fits != len(want.Status) || strings.Join(sum.Parameters, ",") != strings.Join(c.names, ",") {
				t.Errorf("--json: %+v", sum)
			}
		})
	}
	// Rerunning replaces the outputs; no temporary file is left behind.
	out := filepath.Join(r.dir, "mapsa.npy")
	if code, msg := ipcf(t, "fit", circle, "-o", out, "--quiet", "--threads", "1"); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, msg)
	}
	want, sc := fitDirect(t, circle, fit.PCF1D{W: 2}, -1, false)
	checkFitMaps(t, cases[0], out, want, sc)
	tmp, _ := filepath.Glob(filepath.Join(r.dir, ".ipcf-*"))
	if len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func checkFitMaps(t *testing.T, c fitCase, out string, want *fit.Maps, sc fitSidecar) {
	t.Helper()
	base := strings.TrimSuffix(out, ".npy")
	h, w := want.H, want.W
	sshape := []int{h, w}
	if c.perK {
		sshape = append(sshape, want.K)
	}
	pshape := append(append([]int(nil), sshape...), len(c.names))
	load := func(path string, dt array.DType, shape []int) *npy.File {
		f, err := npy.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if f.DType != dt || len(f.Shape) != len(shape) {
			t.Fatalf("%s: %s %v, want %s %v", path, f.DType, f.Shape, dt, shape)
		}
		for i := range shape {
			if f.Shape[i] != shape[i] {
				t.Fatalf("%s: shape %v, want %v", path, f.Shape, shape)
			}
		}
		return f
	}
	params := load(out, array.Float32, pshape)
	ses := load(base+".stderr.npy", array.Float32, pshape)
	chisq := load(base+".chisq.npy", array.Float32, sshape)
	status := load(base+".status.npy", array.Uint8, sshape)

	// The metadata.
	var meta fitMeta
	b, err := os.ReadFile(out + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.OffsetAxis != c.perK || meta.Joint != c.joint || len(meta.Shape) != len(pshape) || meta.Fixed.WaistPx != c.waistPx ||
		meta.Units.Distance != c.distUnit || (meta.Units.Time == "s") != (c.fi != 1) {
		t.Errorf("metadata: %+v", meta)
	}
	if wu := meta.Fixed.WaistUm; (wu != nil) != (c.ps != 1) || (wu != nil && math.Abs(*wu-c.waistPx*c.ps) > 1e-12) {
		t.Errorf("metadata: waist_um %v for waist %g px, pixel size %g", wu, c.waistPx, c.ps)
	}
	if k, ok := c.model.(fit.ACF3D); ok && (meta.Fixed.Kappa == nil || *meta.Fixed.Kappa != k.Kappa) {
		t.Errorf("metadata: kappa %v, want %g", meta.Fixed.Kappa, k.Kappa)
	}
	if c.perK != strings.Contains(meta.Axes, "offset") {
		t.Errorf("metadata: axes %q", meta.Axes)
	}
	if len(meta.Parameters) != len(c.names) {
		t.Fatalf("metadata: parameters %+v, want %v", meta.Parameters, c.names)
	}
	for j, p := range meta.Parameters {
		if p.Name != c.names[j] || p.Unit != c.units[j] || (j < want.NP) != (p.Derived == "") {
			t.Errorf("parameter %d: %+v, want %s in %s", j, p, c.names[j], c.units[j])
		}
	}
	if c.acfK >= 0 && (len(meta.Offsets) != 1 || meta.Offsets[0].U != 0 || meta.Offsets[0].V != 0) {
		t.Errorf("metadata: offsets %+v, want the offset (0, 0) alone", meta.Offsets)
	}
	if c.acfK < 0 && len(meta.Offsets) != len(sc.Offsets) {
		t.Errorf("metadata: %d offsets, the result %d", len(meta.Offsets), len(sc.Offsets))
	}
	if meta.Files["params"] != filepath.Base(out) || meta.Files["status"] != filepath.Base(base)+".status.npy" {
		t.Errorf("metadata: files %v", meta.Files)
	}
	if len(meta.DelayFrames) != len(sc.DelayFrames) {
		t.Errorf("metadata: %d delays, the result %d", len(meta.DelayFrames), len(sc.DelayFrames))
	}

	// The values: the fitted parameters bit for bit, times their factors.
	scale := func(name string) float64 {
		switch name {
		case "D":
			return c.ps * c.ps / c.fi
		case "v", "vx", "vy", "speed":
			return c.ps / c.fi
		case "tauD", "tau_peak":
			return c.fi
		}
		return 1
	}
	var counts [fit.Failed + 1]int
	nc := len(c.names)
	w2 := c.waistPx * c.waistPx
	nbad := 0
	for i, st := range want.Status {
		counts[st]++
		if got := fit.Status(status.Data[status.Offset+i]); got != st {
			t.Fatalf("fit %d: status %v, FitAll %v", i, got, st)
		}
		if g, e := math.Float32bits(float32(chisq.Load(chisq.Offset+4*i))), math.Float32bits(float32(want.ChiSq[i])); g != e {
			t.Fatalf("fit %d: chi-square %v, FitAll %v", i, math.Float32frombits(g), want.ChiSq[i])
		}
		p := want.Params[i*want.NP : (i+1)*want.NP]
		se := want.StdErr[i*want.NP : (i+1)*want.NP]
		for j, name := range c.names {
			gp := float32(params.Load(params.Offset + 4*(i*nc+j)))
			gs := float32(ses.Load(ses.Offset + 4*(i*nc+j)))
			if j < want.NP {
				if math.Float32bits(gp) != math.Float32bits(float32(p[j]*scale(name))) || math.Float32bits(gs) != math.Float32bits(float32(se[j]*scale(name))) {
					t.Fatalf("fit %d %s: %v ± %v, FitAll %v ± %v times %g", i, name, gp, gs, p[j], se[j], scale(name))
				}
				continue
			}
			var v float64
			switch name {
			case "tauD":
				v = w2 / (4 * p[1])
			case "tau_peak":
				d := sc.Offsets[i%want.K].DistancePx
				v = max(d*d-w2, 0) / (4 * p[1])
			case "speed":
				v = math.Hypot(p[2], p[3])
			case "angle":
				v = math.Atan2(p[3], p[2]) * 180 / math.Pi
			}
			v *= scale(name)
			if math.IsNaN(v) != math.IsNaN(float64(gp)) || (!math.IsNaN(v) && math.Abs(float64(gp)-v) > 1e-6*math.Abs(v)) {
				if nbad++; nbad < 5 {
					t.Errorf("fit %d %s: %v, want %v", i, name, gp, v)
				}
			}
		}
	}
	for st, n := range counts {
		if meta.StatusCounts[fit.Status(st).String()] != n {
			t.Errorf("metadata: status counts %v, FitAll %v", meta.StatusCounts, counts)
		}
	}
	if counts[fit.Converged]+counts[fit.AtBound] == 0 {
		t.Errorf("no fit converged: %v", counts)
	}
	if meta.DoF == nil {
		t.Errorf("metadata: dof null")
	}
}

// TestFitCLIBadInput: mistaken options and results that lack what a model
// needs exit with status 2 and a message naming the problem, and write
// nothing; unreadable results and damaged metadata (delays, offsets,
// units ipcf never writes) exit 1.
func TestFitCLIBadInput(t *testing.T) {
	r := newFitRig(t)
	circle := r.pcf(t, "circle.npy", "--radius", "2", "--npoints", "4")
	calib := r.pcf(t, "calib.npy", "--radius", "2", "--npoints", "4", "--pixel-size", "0.1")
	acf := r.pcf(t, "acf.npy", "--acf")
	delta := r.pcf(t, "delta.npy", "--radius", "2", "--npoints", "4", "--delta")
	line := r.pcf(t, "line.npy", "--offsets", "2,2;-2,-2") // on a diagonal: vx, vy not held by bounds
	// Results whose metadata lack what fit needs.
	sidecar := func(name, from string, edit func(m map[string]any)) string {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(r.dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if edit == nil {
			return path
		}
		var m map[string]any
		b, _ = os.ReadFile(from + ".json")
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		if err := os.WriteFile(path+".json", sealed(t, m), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	noSide := sidecar("noside.npy", circle, nil)
	noOffsets := sidecar("nooffsets.npy", circle, func(m map[string]any) { delete(m, "offsets") })
	noDist := sidecar("nodist.npy", circle, func(m map[string]any) {
		for _, o := range m["offsets"].([]any) {
			delete(o.(map[string]any), "distance_px")
		}
	})
	noDelays := sidecar("nodelays.npy", circle, func(m map[string]any) { delete(m, "delay_frames") })
	unsorted := sidecar("unsorted.npy", circle, func(m map[string]any) {
		d := m["delay_frames"].([]any)
		d[0], d[1] = d[1], d[0]
	})
	farther := sidecar("farther.npy", circle, func(m map[string]any) {
		m["offsets"].([]any)[0].(map[string]any)["distance_px"] = 7.5
	})
	// one offset moved, consistently (u and distance), in offsets only:
	// the file's checksum still matches
	movedUV := sidecar("moved.npy", circle, func(m map[string]any) {
		o := m["offsets"].([]any)[0].(map[string]any)
		o["u"], o["v"], o["distance_px"] = 4.0, 0.0, 4.0
	})
	tifRes := r.pcf(t, "res.tif", "--radius", "2", "--npoints", "4")
	zarrRes := r.pcf(t, "res.zarr", "--radius", "2", "--npoints", "4")
	omeRes := r.pcf(t, "res.ome.zarr", "--radius", "2", "--npoints", "4")
	fittedZarr := filepath.Join(r.dir, "fitted-maps.zarr")
	if code, msg := ipcf(t, "fit", circle, "-o", fittedZarr, "--quiet"); code != 0 {
		t.Fatalf("fit to Zarr: %d %s", code, msg)
	}
	if code, msg := ipcf(t, "pcf", r.sim, "-o", filepath.Join(fittedZarr, "res.zarr"), "--radius", "2", "--npoints", "4", "--quiet"); code != 0 {
		t.Fatalf("pcf into the maps' folder: %d %s", code, msg)
	}
	fitted := filepath.Join(r.dir, "fitted-maps.npy")
	if code, msg := ipcf(t, "fit", circle, "-o", fitted, "--quiet"); code != 0 {
		t.Fatalf("fit: exit %d: %s", code, msg)
	}
	negUnits := sidecar("negunits.npy", circle, func(m map[string]any) {
		m["units"] = map[string]any{"frame_interval_s": -0.001, "pixel_size_um": nil}
	})
	companion := sidecar("m.stderr.npy", circle, func(map[string]any) {}) // what -o m.npy writes
	// Another result's sidecar (same shape, other bytes: smoothed).
	smooth := r.pcf(t, "smooth.npy", "--radius", "2", "--npoints", "4", "--smooth", "0.5")
	foreign := sidecar("foreign.npy", circle, nil)
	if b, err := os.ReadFile(smooth + ".json"); err != nil || os.WriteFile(foreign+".json", b, 0o644) != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(r.dir, "garbage.npy")
	os.WriteFile(garbage, []byte("not a .npy file"), 0o644)
	linked := filepath.Join(r.dir, "linked.npy")
	if os.Symlink(circle, linked) != nil || os.Symlink(circle+".json", linked+".json") != nil {
		t.Fatal("symlink")
	}
	out := filepath.Join(r.dir, "maps.npy")
	for _, c := range []struct {
		code int
		msg  string
		args []string
	}{
		{2, "-o MAPS.npy is required", []string{circle}},
		{2, "want MAPS.npy, MAPS.zarr or MAPS.tif", []string{circle, "-o", filepath.Join(r.dir, "maps.csv")}},
		{2, "want MAPS.npy, MAPS.zarr or MAPS.tif", []string{circle, "-o", filepath.Join(r.dir, "maps.ome.zarr")}},
		{2, "want 1 input file", []string{"-o", out}},
		{2, `--model "nope"`, []string{circle, "-o", out, "--model", "nope"}},
		{2, "--waist -1", []string{circle, "-o", out, "--waist", "-1"}},
		{2, "--waist NaN", []string{circle, "-o", out, "--waist", "NaN"}},
		{2, "not both", []string{calib, "-o", out, "--waist", "2", "--waist-um", "0.2"}},
		{2, "--threads=-1", []string{circle, "-o", out, "--threads", "-1"}},
		{2, "--threads=99999999999", []string{circle, "-o", out, "--threads", "99999999999"}},
		{2, "--kappa does not apply", []string{circle, "-o", out, "--kappa", "3"}},
		{2, "--flow does not apply", []string{circle, "-o", out, "--flow"}},
		{2, "--ginf does not apply", []string{circle, "-o", out, "--ginf"}},
		{2, "--joint does not apply", []string{acf, "-o", out, "--model", "acf2d", "--joint"}},
		// (REVIEW11's F12: the companions of M.NPY were read unchecked)
		{2, "-o M.NPY: write the maps as .npy in lower case", []string{circle, "-o", filepath.Join(r.dir, "M.NPY")}},
		// (HOSTS11's F2: the companions were named with U+FFFD)
		{2, `-o "m\xe9.npy": the name is not UTF-8 text`, []string{circle, "-o", filepath.Join(r.dir, "m\xe9.npy")}},
		{2, "needs --kappa", []string{acf, "-o", out, "--model", "acf3d"}},
		{2, "a file's name ends without a slash", []string{circle, "-o", out + "/"}},
		// (FIT13's M1: 1e-100 gave G0 = +Inf maps, "converged")
		{2, "fit: --kappa 1e-100: want 0.01 to 10000", []string{acf, "-o", out, "--model", "acf3d", "--kappa", "1e-100"}},
		{2, "fit: --kappa 20000: want 0.01 to 10000", []string{acf, "-o", out, "--model", "acf3d", "--kappa", "2e4"}},
		{2, "--joint=false is not possible", []string{delta, "-o", out, "--model", "ccf2d", "--joint=false"}},
		{2, "--flow does not apply", []string{delta, "-o", out, "--model", "ccf2d", "--flow"}},
		{2, "the offset (0, 0), which the result lacks", []string{circle, "-o", out, "--model", "acf2d"}},
		{2, "delta-CCFs", []string{delta, "-o", out}},
		{2, "delta-CCFs", []string{delta, "-o", out, "--model", "itir"}},
		{2, "a delta-CCF has no offset", []string{delta, "-o", out, "--model", "ccf2d", "--ginf"}},
		{2, "offsets in two directions, or on one axis (a line scan's, the velocity across it held at 0), to determine the flow's velocity (vx, vy); the result has 2 offset(s) on one line off the axes", []string{line, "-o", out, "--model", "ccf2d"}},
		{2, "needs offsets other than (0, 0): the result holds autocorrelations alone", []string{acf, "-o", out, "--model", "ccf2d"}},
		// itir --flow of autocorrelations: --joint advised, unless given (REVIEW24's m3)
		{2, "does not determine the velocity's sign across its offset (at (0, 0), its direction): fit the curves of each pixel together (joint), with offsets in two directions (--joint, and a result", []string{acf, "-o", out, "--model", "itir", "--flow"}},
		{2, "do not determine the velocity's direction, only its speed: give curves of offsets in two directions (or fit the speed alone with --model acf2d --flow)", []string{acf, "-o", out, "--model", "itir", "--flow", "--joint"}},
		{2, "the result is calibrated (pixel size", []string{calib, "-o", out}},
		// the pixel size from the command line, not the result: said so
		{2, "--pixel-size gives the pixels a size (0.1 um): give the PSF waist", []string{circle, "-o", out, "--pixel-size", "0.1"}},
		{2, "--waist-um needs the pixel size", []string{circle, "-o", out, "--waist-um", "0.3"}},
		{1, "not found: fit needs the result's metadata", []string{noSide, "-o", out}},
		{1, "0 offsets for 4 curves per pixel", []string{noOffsets, "-o", out}},
		{1, "lacks u, v or distance_px", []string{noDist, "-o", out}},
		{1, "0 delays (delay_frames)", []string{noDelays, "-o", out}},
		{1, "want finite, non-negative, ascending delays", []string{unsorted, "-o", out}},
		{1, "has distance_px 7.5", []string{farther, "-o", out}},
		{1, "offsets and offsets_uv name different offsets", []string{movedUV, "-o", out}},
		{1, "is a TIFF file: ipcf fit reads .npy results", []string{tifRes, "-o", out}},
		{1, "is a Zarr result: ipcf fit reads .npy results (ipcf pcf ... -o OUT.npy; Python's fit_result reads Zarr)", []string{zarrRes, "-o", out}},
		// Python's fit_result refuses OME-Zarr: not advised for one.
		{1, "res.ome.zarr is an OME-Zarr result: ipcf fit reads .npy results (ipcf pcf ... -o OUT.npy)\n", []string{omeRes, "-o", out}},
		{1, "units.frame_interval_s -0.001: want a positive number or null", []string{negUnits, "-o", out}},
		{0, "", []string{negUnits, "-o", filepath.Join(r.dir, "negunits-maps.npy"), "--frame-interval", "0.001"}},
		{1, "would overwrite the input", []string{circle, "-o", circle}},
		{1, "would overwrite the input", []string{companion, "-o", filepath.Join(r.dir, "m.npy")}},
		// the maps named as the result's error bars (here none): said so
		// (it was "would overwrite the input", of no such file: CLI11's M8)
		{1, "is the name of " + circle + "'s error bars, which the fit reads where they are", []string{circle, "-o", strings.TrimSuffix(circle, ".npy") + ".sd.npy"}},
		{1, "not this result's metadata", []string{foreign, "-o", out}},
		{0, "", []string{linked, "-o", filepath.Join(r.dir, "linked-maps.npy")}}, // a result reached through links
		{2, "PSF waist 1e+30: want 1e-06 to 1e+06 pixels", []string{acf, "-o", out, "--model", "acf2d", "--waist", "1e30"}},
		{2, "want 1e-06 to 1e+06 pixels (beyond, the float32 maps would hold +Inf or 0) (--waist-um)", []string{calib, "-o", out, "--waist-um", "1e-30"}},
		{2, "pixel size 1e+300: want 1e-06 to 1e+06 um", []string{acf, "-o", out, "--model", "acf2d", "--waist", "2", "--pixel-size", "1e300", "--frame-interval", "1e-300"}},
		{2, "pixel size 1e-320: want 1e-06 to 1e+06 um", []string{acf, "-o", out, "--model", "acf2d", "--pixel-size", "1e-320", "--waist-um", "0.2"}},
		// D = 1e-40 s per frame: D in um^2/s overflowed float32, every fit "converged"
		{2, "frame interval 1e-40: want 1e-12 to 1e+06 s (seconds)", []string{acf, "-o", out, "--model", "acf2d", "--frame-interval", "1e-40"}},
		{2, "frame interval 1e+07: want 1e-12 to 1e+06 s", []string{acf, "-o", out, "--model", "acf2d", "--frame-interval", "1e7"}},
		{1, "garbage.npy", []string{garbage, "-o", out}},
		// fit's own maps (and their companions) are no curves: maps of the
		// curves' shape were fitted, exit 0
		{1, "fitted-maps.npy holds ipcf fit's maps (parameters, not curves): fit the correlation result they were fitted from", []string{fitted, "-o", out}},
		{1, "fitted-maps.stderr.npy holds the standard errors of ipcf fit's maps", []string{strings.TrimSuffix(fitted, ".npy") + ".stderr.npy", "-o", out}},
		// an array of the Zarr maps: called a Zarr result
		{1, "fitted-maps.zarr/params is an array of ipcf fit's maps " + fittedZarr + " (parameters, not curves)", []string{filepath.Join(fittedZarr, "params"), "-o", out}},
		{1, "fitted-maps.zarr holds ipcf fit's maps (parameters, not curves)", []string{fittedZarr, "-o", out}},
		// a user's own result written inside the maps' group is no array of them (a review)
		{1, "fitted-maps.zarr/res.zarr is a Zarr result: ipcf fit reads .npy results", []string{filepath.Join(fittedZarr, "res.zarr"), "-o", out}},
		{1, "nothere.npy", []string{filepath.Join(r.dir, "nothere.npy"), "-o", out}},
		{1, "want a correlation result", []string{r.sim, "-o", out}},
	} {
		args := append([]string{"fit"}, c.args...)
		code, msg := ipcf(t, args...)
		if code != c.code || !strings.Contains(msg, c.msg) {
			t.Errorf("%v: exit %d, want %d with %q: %s", c.args, code, c.code, c.msg, firstLine(msg))
		}
		for _, f := range []string{out, out + ".json", filepath.Join(r.dir, "maps.status.npy")} {
			if _, err := os.Stat(f); err == nil {
				t.Fatalf("%v: %s written", c.args, f)
			}
		}
	}
	// --json reports a failure as JSON too.
	code, stdout, _ := runSplit("fit", circle, "-o", out, "--model", "acf2d", "--json")
	var fail struct {
		OK       bool
		ExitCode int `json:"exit_code"`
		Error    string
	}
	if err := json.Unmarshal([]byte(stdout), &fail); err != nil || code != 2 || fail.OK || fail.ExitCode != 2 || !strings.Contains(fail.Error, "(0, 0)") {
		t.Errorf("--json failure: exit %d, %q (%v)", code, stdout, err)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// TestFitWarnsOnSmoothedCurves: a fit to smoothed curves (the pCF's
// default smoothing) says so on stderr and in the maps' metadata
// (result_smooth, warnings); unsmoothed curves give neither.
func TestFitWarnsOnSmoothedCurves(t *testing.T) {
	r := newFitRig(t)
	for _, c := range []struct {
		name   string
		extra  []string
		smooth float64
	}{
		{"smoothed.npy", []string{"--bins", "log", "--smooth", "0.7"}, 0.7},
		{"default.npy", []string{"--bins", "log", "--smooth", "0.5"}, 0.5},
		{"plain.npy", nil, 0},
	} {
		res := r.pcf(t, c.name, append([]string{"--radius", "2", "--npoints", "4"}, c.extra...)...)
		out := filepath.Join(r.dir, "maps_"+c.name)
		code, stdout, stderr := runSplit("fit", res, "-o", out, "--quiet")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s %s", c.name, code, stdout, stderr)
		}
		want := fmt.Sprintf("ipcf fit: warning: %s: the curves are smoothed (smooth %g)", res, c.smooth)
		if warned := strings.Contains(stderr, want); warned != (c.smooth > 0) {
			t.Errorf("%s: stderr %q: warned %v, want %v (%q)", c.name, stderr, warned, c.smooth > 0, want)
		}
		var meta struct {
			ResultSmooth *float64 `json:"result_smooth"`
			Warnings     []string `json:"warnings"`
		}
		b, err := os.ReadFile(out + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &meta); err != nil {
			t.Fatal(err)
		}
		if meta.ResultSmooth == nil || *meta.ResultSmooth != c.smooth || meta.Warnings == nil || (len(meta.Warnings) == 1) != (c.smooth > 0) ||
			(c.smooth > 0 && !strings.Contains(meta.Warnings[0], "biased")) {
			t.Errorf("%s: metadata result_smooth %v, warnings %q; want %g and one warning iff smoothed", c.name, meta.ResultSmooth, meta.Warnings, c.smooth)
		}
	}
}

// TestEditedMetadataRefused: a result's sidecar (or a Zarr result's
// .zattrs) with one value changed since ipcf wrote it (its delays, units
// or radius) is refused by fit and plot, and a rerun does not replace it;
// the metadata as written are taken again.
func TestEditedMetadataRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	if code, msg := ipcf(t, "simulate", "-o", in, "--frames", "1024", "--size", "16", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	res := filepath.Join(dir, "r.npy")
	z := filepath.Join(dir, "r.zarr")
	for _, out := range []string{res, z} {
		if code, msg := ipcf(t, "pcf", in, "-o", out, "--radius", "2", "--npoints", "4", "--nbins", "8", "--smooth", "0",
			"--frame-interval", "0.001", "--quiet"); code != 0 {
			t.Fatal(msg)
		}
	}
	side := res + ".json"
	orig, _ := os.ReadFile(side)
	if !bytes.Contains(orig, []byte(`"`+ooc.SealKey+`": "`)) || !bytes.Contains(orig, []byte(`"frame_interval_s": 0.001`)) {
		t.Fatalf("the sidecar records no seal or frame interval:\n%s", orig)
	}
	for _, edit := range [][2]string{
		{`"frame_interval_s": 0.001`, `"frame_interval_s": 0.002`},
		{`"radius": 2`, `"radius": 3`},
		{`"` + ooc.SealKey + `"`, `"self_crc32C"`},
		{`"` + ooc.SealKey + `"`, ` ` + ooc.SealKey + `"`}, // its quote: no longer JSON
	} {
		os.WriteFile(side, bytes.Replace(orig, []byte(edit[0]), []byte(edit[1]), 1), 0o644)
		for _, args := range [][]string{
			{"fit", res, "-o", filepath.Join(dir, "m.npy")},
			{"plot", res, "-o", filepath.Join(dir, "p.png")},
		} {
			if code, msg := ipcf(t, args...); code != 1 || !strings.Contains(msg, "metadata changed since ipcf wrote it") {
				t.Errorf("%s, %v: exit %d, %q", edit[1], args[:1], code, msg)
			}
		}
		code, msg := ipcf(t, "pcf", in, "-o", res, "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet")
		if b, _ := os.ReadFile(side); code != 1 || !bytes.Contains(b, []byte(edit[1])) || !strings.Contains(msg, "not ipcf's metadata") {
			t.Errorf("%s: a rerun over the edited sidecar: exit %d %q; the sidecar replaced: %v", edit[1], code, msg, !bytes.Contains(b, []byte(edit[1])))
		}
	}
	os.WriteFile(side, orig, 0o644)
	if code, msg := ipcf(t, "fit", res, "-o", filepath.Join(dir, "m.npy")); code != 0 {
		t.Errorf("fit of the metadata as written: %d %s", code, msg)
	}
	za := filepath.Join(z, ".zattrs")
	zorig, _ := os.ReadFile(za)
	os.WriteFile(za, bytes.Replace(zorig, []byte(`"radius": 2`), []byte(`"radius": 3`), 1), 0o644)
	if code, msg := ipcf(t, "plot", z, "-o", filepath.Join(dir, "pz.png")); code != 1 || !strings.Contains(msg, "metadata changed since ipcf wrote it") {
		t.Errorf("plot of a Zarr result with edited .zattrs: exit %d, %q", code, msg)
	}
	// fit's Zarr maps: every file but the group's .zattrs is recorded there
	// (files_crc32c); a chunk's byte or an array's metadata changed is
	// refused by plot.
	for _, damage := range []func(mz string) error{
		func(mz string) error {
			f := filepath.Join(mz, "params", ".zarray")
			b, err := os.ReadFile(f)
			if err != nil || !bytes.Contains(b, []byte(`"dimension_separator": "."`)) {
				return fmt.Errorf("%s: %v %s", f, err, b)
			}
			return os.WriteFile(f, bytes.Replace(b, []byte(`"dimension_separator": "."`), []byte(`"dimension_separator": "/"`), 1), 0o644)
		},
		func(mz string) error {
			chunks, _ := filepath.Glob(filepath.Join(mz, "params", "0.*"))
			if len(chunks) == 0 {
				return fmt.Errorf("no chunk in %s", mz)
			}
			b, err := os.ReadFile(chunks[0])
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 4
			return os.WriteFile(chunks[0], b, 0o644)
		},
	} {
		mz := filepath.Join(dir, "mz.zarr")
		os.RemoveAll(mz)
		if code, msg := ipcf(t, "fit", res, "-o", mz, "--no-sigma"); code != 0 {
			t.Fatal(msg)
		}
		if code, msg := ipcf(t, "plot", mz, "-o", filepath.Join(dir, "mz.png"), "--param", "D"); code != 0 {
			t.Fatalf("plot of fit's Zarr maps: %d %s", code, msg)
		}
		if err := damage(mz); err != nil {
			t.Fatal(err)
		}
		if code, msg := ipcf(t, "plot", mz, "-o", filepath.Join(dir, "mz.png"), "--param", "D"); code != 1 || !strings.Contains(msg, "files_crc32c") {
			t.Errorf("plot of damaged Zarr maps: exit %d, %q", code, msg)
		}
	}
	code, msg := ipcf(t, "pcf", in, "-o", z, "--radius", "2", "--npoints", "4", "--nbins", "8", "--quiet")
	if b, _ := os.ReadFile(za); code != 1 || !bytes.Contains(b, []byte(`"radius": 3`)) || !strings.Contains(msg, "changed since ipcf wrote it") {
		t.Errorf("a rerun over a Zarr result with edited .zattrs: exit %d, %q", code, msg)
	}
}

// TestInputWrittenByIpcfChecked: a file ipcf wrote (a bleached stack, a
// simulation), read as an input by pcf, bleach or plot --mean, is checked
// against its sidecar: one bit flipped, or the sidecar edited or another
// file's, is refused; without its sidecar it is read as it is.
func TestConvolveOutputChecked(t *testing.T) {
	// An image ipcf convolve wrote is read only as it wrote it, as a
	// stack of bleach or simulate is: one byte changed was convolved
	// again, or drawn, with exit 0 (TOOLS14's F2).
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	writeNpy(t, p("img.npy"), array.Float64, []int{40, 30}, func(i int) float64 { return float64(i%17) - 3 })
	writeNpy(t, p("k.npy"), array.Float64, []int{3, 3}, func(i int) float64 { return float64(i + 1) })
	if code, msg := ipcf(t, "convolve", p("img.npy"), p("k.npy"), "-o", p("c.npy")); code != 0 {
		t.Fatal(msg)
	}
	reads := [][]string{{"convolve", p("c.npy"), p("k.npy"), "-o", p("cc.npy")}, {"plot", "--mean", p("c.npy"), "-o", p("m.png")}}
	for _, args := range reads {
		if code, msg := ipcf(t, args...); code != 0 {
			t.Fatalf("%v: %d %s", args[:2], code, msg)
		}
	}
	data, _ := os.ReadFile(p("c.npy"))
	data[len(data)-3] ^= 0x10
	os.WriteFile(p("c.npy"), data, 0o644)
	for _, args := range reads {
		if code, msg := ipcf(t, args...); code != 1 || !strings.Contains(msg, "changed or damaged since ipcf wrote it") || !strings.Contains(msg, "remove c.npy.json") {
			t.Errorf("one byte changed, %v: exit %d, %q", args[:2], code, msg)
		}
	}
	os.Remove(p("c.npy.json")) // the user's file now: read as it is
	for _, args := range reads {
		if code, msg := ipcf(t, args...); code != 0 {
			t.Errorf("without its sidecar, %v: exit %d, %q", args[:2], code, msg)
		}
	}
}

func TestInputWrittenByIpcfChecked(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	if code, msg := ipcf(t, "simulate", "-o", p("in.npy"), "--frames", "1024", "--size", "12", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	for _, n := range []string{"b.npy", "c.npy"} {
		if code, msg := ipcf(t, "bleach", p("in.npy"), "-o", p(n), "--filtersize", "32", "--quiet"); code != 0 {
			t.Fatal(msg)
		}
	}
	pcfArgs := []string{"pcf", p("b.npy"), "-o", p("r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet"}
	reads := [][]string{pcfArgs, {"bleach", p("b.npy"), "-o", p("bb.npy"), "--filtersize", "16", "--quiet"}, {"plot", "--mean", p("b.npy"), "-o", p("m.png")}}
	for _, args := range reads {
		if code, msg := ipcf(t, args...); code != 0 {
			t.Fatalf("%v: %d %s", args[:2], code, msg)
		}
	}
	data, _ := os.ReadFile(p("b.npy"))
	side, _ := os.ReadFile(p("b.npy.json"))
	other, _ := os.ReadFile(p("in.npy.json"))
	// c.npy (the same bytes as b.npy) replaced by a rerun with another
	// filter size: its sidecar records the file it replaced too, as a
	// kill between the rerun's renames leaves it beside that file.
	if code, msg := ipcf(t, "bleach", p("in.npy"), "-o", p("c.npy"), "--filtersize", "16", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	rerun, _ := os.ReadFile(p("c.npy.json"))
	if !bytes.Contains(rerun, []byte("previous_output_crc32c")) {
		t.Fatalf("the rerun's sidecar records no previous file: %s", rerun)
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)-100] ^= 0x40
	// In the frames that pcf reads (the in-memory job checks the file
	// with the frames it reads in the mapping, and reads only the rest),
	// and in the header.
	inFrames, inHeader := bytes.Clone(data), bytes.Clone(data)
	inFrames[200] ^= 0x01
	inHeader[20] ^= 0x01
	for _, c := range []struct {
		name       string
		data, side []byte
		want       string
	}{
		{"one bit flipped", flipped, side, "changed or damaged since ipcf wrote it"},
		{"one bit flipped in the frames read", inFrames, side, "changed or damaged since ipcf wrote it"},
		{"one bit flipped in the header", inHeader, side, "changed or damaged since ipcf wrote it"},
		{"cut short", data[:len(data)-2], side, "changed or damaged since ipcf wrote it"},
		{"the sidecar edited", data, bytes.Replace(side, []byte(`"bleach_filtersize": 32`), []byte(`"bleach_filtersize": 33`), 1), "metadata changed since ipcf wrote it"},
		{"another file's sidecar", data, other, "changed or damaged since ipcf wrote it"},
		{"the earlier file under a rerun's sidecar", data, rerun, "changed or damaged since ipcf wrote it"},
	} {
		if c.name == "the sidecar edited" && bytes.Equal(c.side, side) {
			t.Fatalf("%s: the edit did not apply", c.name)
		}
		os.WriteFile(p("b.npy"), c.data, 0o644)
		os.WriteFile(p("b.npy.json"), c.side, 0o644)
		for _, args := range reads {
			if code, msg := ipcf(t, args...); code != 1 || !strings.Contains(msg, c.want) || !strings.Contains(msg, "remove b.npy.json") {
				t.Errorf("%s, %v: exit %d, %q", c.name, args[:2], code, msg)
			}
		}
	}
	// A complete result of the stack, which is then damaged in frames
	// the job does not read: its rerun is refused, as the job's open
	// refused it, not "already complete".
	os.WriteFile(p("b.npy"), data, 0o644)
	os.WriteFile(p("b.npy.json"), side, 0o644)
	if code, msg := ipcf(t, pcfArgs...); code != 0 {
		t.Fatal(msg)
	}
	os.WriteFile(p("b.npy"), flipped, 0o644)
	if code, msg := ipcf(t, pcfArgs...); code != 1 || !strings.Contains(msg, "changed or damaged since ipcf wrote it") {
		t.Errorf("a complete result's input damaged outside the frames read: exit %d, %q", code, msg)
	}
	// A damaged sidecar, or something else at its path, switched the
	// check off: the damaged file was read with exit 0 (a campaign).
	cut := side[:len(side)/2]
	bit := bytes.Clone(side)
	bit[bytes.IndexByte(bit, '{')] ^= 0x01 // '{' becomes 'z'
	os.WriteFile(p("side.json"), side, 0o644)
	for _, c := range []struct {
		name, want string
		put        func() error
	}{
		{"the sidecar cut short", "not valid JSON", func() error { return os.WriteFile(p("b.npy.json"), cut, 0o644) }},
		{"a bit of the sidecar flipped", "not valid JSON", func() error { return os.WriteFile(p("b.npy.json"), bit, 0o644) }},
		{"a named pipe", "not a regular file", func() error { return syscall.Mkfifo(p("b.npy.json"), 0o644) }},
		{"a folder", "not a regular file", func() error { return os.Mkdir(p("b.npy.json"), 0o755) }},
		// Still JSON, a key's byte damaged ("softwarg"): its own checksum
		// no longer matches (it was taken for another program's JSON, and
		// the damaged file read with exit 0: a campaign).
		{"the sidecar's software key damaged", "metadata changed since ipcf wrote it", func() error {
			return os.WriteFile(p("b.npy.json"), bytes.Replace(side, []byte(`"software"`), []byte(`"softwarg"`), 1), 0o644)
		}},
		// Followed: the record is checked, the damaged file refused.
		{"a link to the sidecar", "changed or damaged since ipcf wrote it", func() error { return os.Symlink(p("side.json"), p("b.npy.json")) }},
	} {
		os.WriteFile(p("b.npy"), flipped, 0o644)
		os.RemoveAll(p("b.npy.json"))
		if err := c.put(); err != nil {
			t.Fatal(err)
		}
		for _, args := range reads {
			if code, msg := ipcf(t, args...); code != 1 || !strings.Contains(msg, c.want) || !strings.Contains(msg, "remove b.npy.json") {
				t.Errorf("%s, %v: exit %d, %q; want 1, %q", c.name, args[:2], code, msg, c.want)
			}
		}
	}
	// Another program's JSON (or null, {}): the user's metadata, not
	// ipcf's record; the file is the user's, read as it is.
	// So is a user's own that is not strict JSON (NaN from Python's
	// json.dump, a BOM, an empty file): it names nothing of ipcf's.
	// (Also a user's metadata that embed ipcf's, sealed, and another
	// program's that name a software and a version of their own.)
	embedded := `{"pipeline": "mine", "upstream": ` + string(side) + `}`
	for _, other := range []string{`{"exposure_ms": 1}`, `null`, `{}`, `{"exposure_ms": NaN}`, "\ufeff{\"exposure_ms\": 1}", ``, embedded,
		`{"software": "MicroManager", "version": "2.0", "exposure": 10}`, `[{"software": "MicroManager"}]`} {
		os.RemoveAll(p("b.npy.json"))
		os.WriteFile(p("b.npy.json"), []byte(other), 0o644)
		if code, msg := ipcf(t, pcfArgs...); code != 0 {
			t.Errorf("a sidecar %s: exit %d, %s", other, code, msg)
		}
	}
	// Through a link to the file (a dataset linked into a work folder):
	// the sidecar beside the file it names is checked. It was looked up
	// beside the link alone, and the damaged stack read with exit 0.
	os.WriteFile(p("b.npy"), flipped, 0o644)
	os.WriteFile(p("b.npy.json"), side, 0o644)
	if err := os.Symlink(p("b.npy"), p("link.npy")); err != nil {
		t.Fatal(err)
	}
	for _, args := range reads {
		linked := slices.Clone(args)
		linked[slices.Index(args, p("b.npy"))] = p("link.npy")
		if code, msg := ipcf(t, linked...); code != 1 || !strings.Contains(msg, "changed or damaged since ipcf wrote it") || !strings.Contains(msg, "remove b.npy.json") {
			t.Errorf("a link to the damaged file, %v: exit %d, %q", args[:2], code, msg)
		}
	}
	// Without its sidecar: the user's file, read as it is.
	os.Remove(p("b.npy.json"))
	if code, msg := ipcf(t, pcfArgs...); code != 0 {
		t.Errorf("the file without its sidecar: %d %s", code, msg)
	}
}

// TestUnreadableMetadataRefused: metadata that are there but cannot be
// read (another user's, mode 600) are refused, not taken for absent:
// a damaged stack that ipcf simulated was read with exit 0 as its
// sidecar's record went unchecked, and plot drew a damaged result (a
// permissions campaign). Run as nobody where the test runs as root.
func TestUnreadableMetadataRefused(t *testing.T) {
	check := func(t *testing.T, dir string) {
		p := func(n string) string { return filepath.Join(dir, n) }
		for _, c := range []struct{ args []string }{
			{[]string{"pcf", p("s.npy"), "-o", p("out/r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet"}},
			{[]string{"bleach", p("s.npy"), "-o", p("out/b.npy"), "--filtersize", "16", "--quiet"}},
			{[]string{"plot", "--mean", p("s.npy"), "-o", p("out/m.png")}},
			{[]string{"plot", p("r.npy"), "-o", p("out/r.png"), "--point", "0", "--bin", "0"}},
		} {
			code, msg := ipcf(t, c.args...)
			if code != 1 || !strings.Contains(msg, "cannot be read") {
				t.Errorf("%v: exit %d, %q; want 1, the metadata cannot be read", c.args[:2], code, msg)
			}
		}
	}
	if asuser.Child() {
		wd, _ := os.Getwd()
		check(t, wd)
		return
	}
	dir := asuser.Dir(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	if code, msg := ipcf(t, "simulate", "-o", p("s.npy"), "--frames", "256", "--size", "8", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "pcf", p("s.npy"), "-o", p("r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if err := os.Mkdir(p("out"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p("out"), 0o777)
	mode := os.FileMode(0o600) // root's: nobody cannot read it
	if os.Getuid() != 0 {
		mode = 0 // the user's own, unreadable
	}
	for _, n := range []string{"s.npy.json", "r.npy.json"} {
		if err := os.Chmod(p(n), mode); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getuid() != 0 {
		check(t, dir)
		return
	}
	asuser.Rerun(t, "TestUnreadableMetadataRefused", dir)
}

// TestLockOfAnotherUser: an output whose lock file another user owns says
// whose it is and whether a run holds it (busy: that user's run, exit 1;
// else a lock left behind, to remove), instead of "permission denied".
// Run as nobody against root's lock where the test runs as root.
func TestLockOfAnotherUser(t *testing.T) {
	if asuser.Child() {
		wd, _ := os.Getwd()
		want, _ := os.ReadFile(filepath.Join(wd, "expect"))
		code, msg := ipcf(t, "pcf", filepath.Join(wd, "in.npy"), "-o", filepath.Join(wd, "out", "r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet")
		frag := map[string]string{"busy": "being written by another user's ipcf run (user 0: pid 1", "stale": "belongs to user 0, and no run holds it"}[string(want)]
		if code != 1 || frag == "" || !strings.Contains(msg, frag) {
			t.Fatalf("%s lock of another user: exit %d, %q; want 1 and %q", want, code, msg, frag)
		}
		return
	}
	if os.Getuid() != 0 {
		t.Skip("needs root to own a lock that the test's user (nobody) cannot write")
	}
	dir := asuser.Dir(t)
	if code, msg := ipcf(t, "simulate", "-o", filepath.Join(dir, "in.npy"), "--frames", "64", "--size", "6", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "out"), 0o777)
	lock := filepath.Join(dir, "out", ".r.npy.lock")
	if err := os.WriteFile(lock, []byte("pid 1 on host since 2026-12-04T08:00:00Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"busy", "stale"} {
		if err := os.WriteFile(filepath.Join(dir, "expect"), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		var held *os.File
		if c == "busy" {
			f, err := os.Open(lock)
			if err != nil {
				t.Fatal(err)
			}
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
			held = f
		}
		asuser.Rerun(t, "TestLockOfAnotherUser", dir)
		if held != nil {
			held.Close()
		}
	}
	if b, err := os.ReadFile(lock); err != nil || !strings.HasPrefix(string(b), "pid 1 ") {
		t.Errorf("the other user's lock changed: %q, %v", b, err)
	}
}

// TestStickyOutputOfAnotherUser: in a sticky folder (as /tmp) an output
// that belongs to another user cannot be replaced by this one; every
// command refuses it before any work, saying whose it is, and leaves
// nothing behind (it failed when it published: "operation not permitted"
// after the whole run, with a scratch folder and a partial file left). A
// rerun of the job that wrote it is still "already complete". Run as
// nobody against files of user 1 where the test runs as root.
func TestStickyOutputOfAnotherUser(t *testing.T) {
	if asuser.Child() {
		wd, _ := os.Getwd()
		out := filepath.Join(wd, "out")
		in := filepath.Join(wd, "in.npy")
		before, _ := os.ReadDir(out)
		if code, msg := ipcf(t, "pcf", in, "-o", filepath.Join(out, "r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "8"); code != 0 || !strings.Contains(msg, "already complete") {
			t.Errorf("the same job on the other user's result: exit %d, %q; want 0, already complete", code, msg)
		}
		for _, args := range [][]string{
			{"pcf", in, "-o", filepath.Join(out, "r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "9", "--quiet"},
			{"pcf", in, "-o", filepath.Join(out, "r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "9", "--engine", "ooc", "--quiet"},
			{"bleach", in, "-o", filepath.Join(out, "b.npy"), "--filtersize", "8", "--quiet"},
			{"simulate", "-o", filepath.Join(out, "s.npy"), "--frames", "32", "--size", "8", "--seed", "3", "--quiet"},
			{"fit", filepath.Join(out, "r.npy"), "-o", filepath.Join(out, "f.npy"), "--waist", "1.5", "--no-sigma"},
		} {
			code, msg := ipcf(t, args...)
			if code != 1 || !strings.Contains(msg, "belongs to user 1 and its folder") || !strings.Contains(msg, "is sticky") {
				t.Errorf("%s over user 1's file in a sticky folder: exit %d, %q; want 1, whose it is", args[0], code, msg)
			}
		}
		after, _ := os.ReadDir(out)
		if len(after) != len(before) {
			t.Errorf("the refused runs left files: %d entries before, %d after", len(before), len(after))
		}
		return
	}
	if os.Getuid() != 0 {
		t.Skip("needs root to give files to user 1 and run as nobody")
	}
	dir := asuser.Dir(t)
	out := filepath.Join(dir, "out")
	in := filepath.Join(dir, "in.npy")
	if err := os.Mkdir(out, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(out, 0o777|os.ModeSticky)
	for _, args := range [][]string{
		{"simulate", "-o", in, "--frames", "256", "--size", "6", "--quiet"},
		{"pcf", in, "-o", filepath.Join(out, "r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "8", "--quiet"},
		{"bleach", in, "-o", filepath.Join(out, "b.npy"), "--filtersize", "16", "--quiet"},
		{"simulate", "-o", filepath.Join(out, "s.npy"), "--frames", "32", "--size", "8", "--quiet"},
		{"fit", filepath.Join(out, "r.npy"), "-o", filepath.Join(out, "f.npy"), "--waist", "1", "--no-sigma"},
	} {
		if code, msg := ipcf(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, msg)
		}
	}
	files := map[string][]byte{}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		p := filepath.Join(out, e.Name())
		if err := os.Lchown(p, 1, 1); err != nil {
			t.Fatal(err)
		}
		files[p], _ = os.ReadFile(p)
	}
	asuser.Rerun(t, "TestStickyOutputOfAnotherUser", dir)
	for p, b := range files {
		if now, err := os.ReadFile(p); err != nil || !bytes.Equal(now, b) {
			t.Errorf("%s changed: %v", p, err)
		}
	}
}

// The files that --json names are the files written, the metadata file
// among them: for MAPS.tif it named MAPS.tif (twice over) and not the
// MAPS.tif.json beside it.
func TestFitJSONNamesTheFilesWritten(t *testing.T) {
	r := newFitRig(t)
	res := r.pcf(t, "res.npy", "--radius", "2", "--npoints", "4")
	for _, out := range []string{"m.npy", "m.tif", "m.zarr"} {
		path := filepath.Join(r.dir, out)
		var stdout, stderr bytes.Buffer
		if code := run([]string{"fit", res, "-o", path, "--json"}, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", out, code, stderr.String())
		}
		var j struct {
			Files map[string]string `json:"files"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &j); err != nil {
			t.Fatalf("%s: %v: %s", out, err, stdout.String())
		}
		meta := j.Files["metadata"]
		want := map[string]string{"m.npy": path + ".json", "m.tif": path + ".json", "m.zarr": filepath.Join(path, ".zattrs")}[out]
		if meta != want {
			t.Errorf("%s: --json names the metadata %q, want %q", out, meta, want)
		}
		for k, f := range j.Files {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%s: --json names the %s %s: %v", out, k, f, err)
			}
		}
	}
}

// TestFitZeroIsDefault: --waist, --waist-um, --pixel-size and
// --frame-interval given 0, their help's default, are left out (pcf takes
// --pixel-size 0 and --frame-interval 0 so); they were refused (exit 2).
func TestFitZeroIsDefault(t *testing.T) {
	r := newFitRig(t)
	res := r.pcf(t, "res.npy", "--radius", "2", "--npoints", "4")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.npy"), filepath.Join(dir, "b.npy")
	if code, msg := ipcf(t, "fit", res, "-o", a, "--quiet"); code != 0 {
		t.Fatalf("fit: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "fit", res, "-o", b, "--quiet", "--waist", "0", "--waist-um", "0", "--pixel-size", "0", "--frame-interval", "0"); code != 0 {
		t.Fatalf("fit with 0s: exit %d: %s", code, msg)
	}
	for _, ext := range []string{".npy", ".stderr.npy", ".chisq.npy", ".status.npy"} {
		x, _ := os.ReadFile(strings.TrimSuffix(a, ".npy") + ext)
		y, _ := os.ReadFile(strings.TrimSuffix(b, ".npy") + ext)
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s: %d bytes, the maps with 0s given differ", ext, len(x))
		}
	}
	// 0 with the other waist: that one alone.
	c := filepath.Join(dir, "c.npy")
	if code, msg := ipcf(t, "fit", res, "-o", c, "--quiet", "--waist", "2.5", "--waist-um", "0"); code != 0 {
		t.Fatalf("--waist 2.5 --waist-um 0: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "fit", res, "-o", c, "--quiet", "--waist", "-0.5"); code != 2 || !strings.Contains(msg, "--waist -0.5: want a positive finite number") {
		t.Errorf("--waist -0.5: exit %d: %s", code, msg)
	}
}

// TestFitLineScanDelta: a line scan's delta-CCFs (the line preset) are
// fitted by ccf2d with the velocity across the line held at 0: every model
// refused them, pcf1d and itir pointing to ccf2d, which refused offsets on
// one line (the numerics campaign). The flow along the line is the one
// simulated, its sign too.
func TestFitLineScanDelta(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	// a line scan: 4,096 time points of 32 pixels, a Gaussian spot
	// drifting by +0.25 pixel a frame, wrapping (noise-free)
	const T, X = 4096, 32
	line := make([]float32, T*X)
	for ti := range T {
		for x := range X {
			for k := -2; k <= 2; k++ {
				d := float64(x) - math.Mod(0.25*float64(ti), X) - float64(k*X)
				line[ti*X+x] += float32(100 * math.Exp(-d*d/4))
			}
			line[ti*X+x] += 10
		}
	}
	writeNpy(t, p("line.npy"), array.Float32, []int{T, X}, func(i int) float64 { return float64(line[i]) })
	if code, msg := ipcf(t, "pcf", p("line.npy"), "-o", p("d.npy"), "--preset", "line", "--radius", "4", "--delta", "--bins", "multitau", "--smooth", "0", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "fit", p("d.npy"), "-o", p("m.npy"), "--model", "ccf2d", "--quiet"); code != 0 {
		t.Fatalf("ccf2d of a line scan's delta-CCFs: exit %d: %s", code, msg)
	}
	f, err := npy.Open(p("m.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// (x, parameter): G0, D, vx, vy, tauD, speed, angle
	n := f.Shape[len(f.Shape)-1]
	for x := 0; x < f.Shape[1]; x++ {
		vx, vy := f.Load(f.Offset+4*(x*n+2)), f.Load(f.Offset+4*(x*n+3))
		if math.Abs(vx-0.25) > 0.04 || vy != 0 { // (a spot, not the model's diffusing particles: a few % off)
			t.Fatalf("pixel %d: vx %g, vy %g, want 0.25 and 0", x, vx, vy)
		}
	}
}

// TestResultThroughLink: a result linked into a work folder (no sidecar
// beside the link) is fitted and drawn with the metadata beside the file
// the link names, and refused damaged: fit refused it as lacking metadata,
// and plot drew it unchecked (a review).
func TestResultThroughLink(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	os.Mkdir(p("data"), 0o755)
	os.Mkdir(p("work"), 0o755)
	if code, msg := ipcf(t, "simulate", "-o", p("sim.npy"), "--frames", "512", "--size", "10", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if code, msg := ipcf(t, "pcf", p("sim.npy"), "-o", p("data/r.npy"), "--acf", "--bins", "multitau", "--smooth", "0", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if err := os.Symlink("../data/r.npy", p("work/r.npy")); err != nil {
		t.Fatal(err)
	}
	if code, msg := ipcf(t, "fit", p("work/r.npy"), "-o", p("work/m.npy"), "--model", "acf2d", "--quiet"); code != 0 {
		t.Fatalf("fit through a link: exit %d: %s", code, msg)
	}
	if code, msg := ipcf(t, "plot", p("work/r.npy"), "-o", p("work/r.png"), "--pixel", "3,3"); code != 0 {
		t.Fatalf("plot through a link: exit %d: %s", code, msg)
	}
	b, _ := os.ReadFile(p("data/r.npy"))
	b[len(b)-3] ^= 0x10
	os.WriteFile(p("data/r.npy"), b, 0o644)
	for _, args := range [][]string{{"fit", p("work/r.npy"), "-o", p("work/m2.npy"), "--model", "acf2d", "--quiet"}, {"plot", p("work/r.npy"), "-o", p("work/r2.png"), "--pixel", "3,3"}} {
		if code, msg := ipcf(t, args...); code != 1 || !strings.Contains(msg, "checksum") {
			t.Errorf("%s of a damaged result through a link: exit %d: %s", args[0], code, msg)
		}
	}
}

// TestUnreadableOutputMetadataNamed: an earlier output whose metadata (or
// file) another user's mode keeps from being read is refused as
// unreadable, not as "not ipcf's metadata ... remove it" or "no sidecar
// describing it" (CLI11's F4: advice to delete a colleague's good
// result), and left as it is. Run as nobody against root's files where
// the test runs as root.
func TestUnreadableOutputMetadataNamed(t *testing.T) {
	outs := []struct {
		name string
		args func(p func(string) string) []string
	}{
		{"sim.npy", func(p func(string) string) []string {
			return []string{"simulate", "-o", p("shared/sim.npy"), "--frames", "256", "--size", "8", "--quiet"}
		}},
		{"r.npy", func(p func(string) string) []string {
			return []string{"pcf", p("s.npy"), "-o", p("shared/r.npy"), "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet"}
		}},
		{"z.zarr", func(p func(string) string) []string {
			return []string{"pcf", p("s.npy"), "-o", p("shared/z.zarr"), "--radius", "1", "--npoints", "4", "--nbins", "4", "--engine", "ooc", "--quiet"}
		}},
		{"f.npy", func(p func(string) string) []string { // the result unreadable, its sidecar not
			return []string{"pcf", p("s.npy"), "-o", p("shared/f.npy"), "--radius", "1", "--npoints", "4", "--nbins", "4", "--quiet"}
		}},
		{"e.npy", func(p func(string) string) []string { // its error bars unreadable (REVIEW11's F10)
			return []string{"pcf", p("s.npy"), "-o", p("shared/e.npy"), "--radius", "1", "--npoints", "4", "--nbins", "4", "--errors", "blocking", "--quiet"}
		}},
		{"mz.zarr", func(p func(string) string) []string { // (REVIEW11's F3: "not an ipcf Zarr", exit 2)
			return []string{"fit", p("fin.npy"), "-o", p("shared/mz.zarr"), "--quiet"}
		}},
		{"mn.npy", func(p func(string) string) []string { // a companion unreadable (REVIEW11's M5: "output refused: ... permission denied")
			return []string{"fit", p("fin.npy"), "-o", p("shared/mn.npy"), "--quiet"}
		}},
	}
	check := func(dir string) {
		p := func(n string) string { return filepath.Join(dir, n) }
		for _, o := range outs {
			args := o.args(p)
			code, msg := ipcf(t, args...)
			if code != 1 || !strings.Contains(msg, "could not be read") || strings.Contains(msg, "remove it") {
				t.Errorf("%s over an unreadable %s: exit %d, %q; want 1, 'could not be read', no advice to remove it", args[0], o.name, code, msg)
			}
		}
	}
	if asuser.Child() {
		wd, _ := os.Getwd()
		check(wd)
		return
	}
	dir := asuser.Dir(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	if code, msg := ipcf(t, "simulate", "-o", p("s.npy"), "--frames", "256", "--size", "8", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if err := os.Mkdir(p("shared"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p("shared"), 0o777)
	if code, msg := ipcf(t, "pcf", p("s.npy"), "-o", p("fin.npy"), "--radius", "1", "--npoints", "4", "--nbins", "16", "--smooth", "0", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	for _, o := range outs {
		if code, msg := ipcf(t, o.args(p)...); code != 0 {
			t.Fatal(o.name, msg)
		}
	}
	unread := []string{"shared/sim.npy.json", "shared/r.npy.json", "shared/z.zarr/.zattrs", "shared/f.npy", "shared/mz.zarr/.zattrs", "shared/e.sd.npy", "shared/mn.chisq.npy"}
	before := map[string][]byte{}
	mode := os.FileMode(0o600) // root's: nobody cannot read it
	if os.Getuid() != 0 {
		mode = 0 // the user's own, unreadable
	}
	for _, n := range unread {
		before[n], _ = os.ReadFile(p(n))
		if err := os.Chmod(p(n), mode); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getuid() != 0 {
		check(dir)
		for _, n := range unread {
			os.Chmod(p(n), 0o600)
		}
	} else {
		asuser.Rerun(t, "TestUnreadableOutputMetadataNamed", dir)
	}
	for _, n := range unread {
		if b, err := os.ReadFile(p(n)); err != nil || !bytes.Equal(b, before[n]) {
			t.Errorf("%s changed (%v)", n, err)
		}
	}
}

// TestFitLongOutputNames: an output name whose files kept aside on a refit
// (.ipcf-MAPS.stderr.npy-DIGITS.old) or whose Zarr group built aside
// (.ipcf-MAPS.zarr-N.tmp) would be longer than a file name may be is
// refused before any work; such fits ran to the end and failed "file name
// too long" (every refit of a 234-byte MAPS.npy, the first fit of a
// 245-byte MAPS.zarr: OUT15's F12). A first fit of such a MAPS.npy sets
// nothing aside and is written (refused too at first: REVIEW15's F3); its
// refit is refused, the maps left as they are. Names a little shorter are
// fitted and refitted.
func TestFitLongOutputNames(t *testing.T) {
	r := newFitRig(t)
	res := r.pcf(t, "acf.npy", "--acf")
	for _, c := range []struct {
		name  string
		first bool // the first fit is written
		refit bool // and the second too
	}{
		{strings.Repeat("m", 230) + ".npy", true, false},
		{strings.Repeat("z", 235) + ".zarr", false, false},
		{strings.Repeat("k", 205) + ".npy", true, true},
		{strings.Repeat("y", 220) + ".zarr", true, true},
	} {
		out := filepath.Join(r.dir, c.name)
		var first []byte
		for run, extra := range [][]string{nil, {"--ginf"}} {
			want := c.first
			if run == 1 {
				want = c.refit
			}
			code, msg := ipcf(t, append([]string{"fit", res, "-o", out, "--model", "acf2d", "--quiet"}, extra...)...)
			switch {
			case want && code != 0:
				t.Errorf("%d-byte name, fit %d: exit %d: %s", len(c.name), run, code, msg)
			case !want && (code != 1 || !strings.Contains(msg, "is too long") || !strings.Contains(msg, "choose a shorter name")):
				t.Errorf("%d-byte name, fit %d: exit %d: %s; want 1, refused as too long", len(c.name), run, code, msg)
			}
			if run == 0 && c.first && !c.refit {
				first, _ = os.ReadFile(out)
			}
		}
		switch {
		case !c.first:
			if left, _ := filepath.Glob(filepath.Join(r.dir, string(c.name[0])+"*")); len(left) != 0 {
				t.Errorf("%d-byte name refused, but written: %v", len(c.name), left)
			}
		case !c.refit:
			if b, err := os.ReadFile(out); err != nil || len(first) == 0 || !bytes.Equal(b, first) {
				t.Errorf("%d-byte name: the first fit's maps not left as they were by the refused refit (%v)", len(c.name), err)
			}
		}
	}
}

// TestFitCCF2DOnOneAxisOfAnImageWarns: ccf2d of an image's curves whose
// offsets lie on one axis holds the velocity across it at 0, which a flow
// across it turns into a biased D (FIT19's m1): said on stderr and in the
// maps' warnings; a line scan's (its geometry) is not.
func TestFitCCF2DOnOneAxisOfAnImageWarns(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "img.npy")
	writeNpy(t, img, array.Uint16, []int{512, 12, 16}, func(i int) float64 { return float64(20 + (i*7919)%13) })
	line := filepath.Join(dir, "line.npy")
	writeNpy(t, line, array.Uint16, []int{512, 16}, func(i int) float64 { return float64(20 + (i*7919)%13) })
	two := filepath.Join(dir, "two.npy") // (2 rows: no offset across them to give, REVIEW24's m2)
	writeNpy(t, two, array.Uint16, []int{512, 2, 16}, func(i int) float64 { return float64(20 + (i*7919)%13) })
	const held = "the velocity across it is held at 0"
	for _, c := range []struct {
		in   string
		want bool
	}{{img, true}, {line, false}, {two, false}} {
		res := c.in + ".pcf.npy"
		if code, msg := runIn(t, "pcf", c.in, "-o", res, "--offsets", "4,0;-4,0", "--nbins", "8", "--smooth", "0", "--quiet"); code != 0 {
			t.Fatalf("pcf %s: %d %s", c.in, code, msg)
		}
		maps := c.in + ".maps.npy"
		code, msg := runIn(t, "fit", res, "-o", maps, "--model", "ccf2d")
		side, _ := os.ReadFile(maps + ".json")
		if code != 0 || strings.Contains(msg, held) != c.want || strings.Contains(string(side), held) != c.want {
			t.Errorf("fit of %s: exit %d, warned %v (want %v): %q", filepath.Base(c.in), code, strings.Contains(msg, held), c.want, msg)
		}
	}
}
