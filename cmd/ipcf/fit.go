package main

import (
	"context"
	byteorder "encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	stdmaps "maps" // (maps is the fit's maps in this file)
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/source"
)

// The fit command's help, registered in help.go's table.
func init() { helps["fit"] = cmdHelp{fitSynopsis, fitAbout} }

const (
	fitSynopsis = "ipcf fit RESULT.npy -o MAPS.npy|MAPS.zarr|MAPS.tif [--model pcf1d|acf2d|acf3d|ccf2d|itir] [flags]"
	fitAbout    = `Fits a model to every curve of a correlation result (the .npy of ipcf pcf with
its RESULT.npy.json metadata: offsets, delays, units) and writes the parameter
maps (core/fit; docs: go doc ./core/fit). The maps' rows and columns are the
result's. Fits run in pixels and frames; the maps are converted to the units.

Models (W: the PSF waist, 1/e^2 radius; q = 4 D tau + W^2):
  pcf1d  G = DC W^2/q exp(-d^2/q) at each offset's distance d (ICSx64's 1-D pCF)
  acf2d  G = G0 W^2/q [exp(-v^2 tau^2/q)] [+ Ginf], on the offset (0, 0)
  acf3d  acf2d / sqrt(1 + 4 D tau/(kappa W)^2), on the offset (0, 0); --kappa
  ccf2d  G = G0 W^2/q exp(-|R - v tau|^2/q) [+ Ginf] (a delta result: the
         delta-CCF), the offsets of a pixel fitted jointly: D, vx, vy; offsets
         on one axis (a line scan's) hold the velocity across it at 0
  itir   imaging FCS: square camera pixels of side 1 pixel (Sankaran 2009);
         with --flow, only with --joint over offsets in two directions: an
         ACF, each curve alone, or offsets on one line fit the velocity's
         mirror image as well, and are refused (the speed: acf2d --flow)
Every curve is fitted but its first and last points; pcf1d clips negative points.
The models describe unsmoothed curves: a result smoothed (by default, pcf's
smoothing is 0.7) gives biased parameters, and fit warns (stderr, and
"warnings" in the metadata); compute the curves with --smooth 0, best with
multi-tau bins (pcf --bins multitau).

The waist: --waist in pixels or --waist-um in micrometres. Without either, a
result without a pixel size (such as one of ipcf simulate's data) takes
W = 2 pixels, the simulator's PSF (sigma 1 pixel sampled at the pixel centres:
W = 2 sigma); a calibrated result needs one of them.

Outputs (float32 unless said; K: the offsets, present when each offset is
fitted alone, absent for acf2d, acf3d, ccf2d and --joint):
  MAPS.npy         (rows, columns[, K], parameters): the fitted parameters,
                   then derived ones (tauD = W^2/(4D); pcf1d: tau_peak, the
                   delay of the fitted curve's maximum (per offset, or --joint
                   over offsets of one distance); ccf2d, itir --flow:
                   speed and angle (degrees from the columns' axis towards
                   the rows'))
  MAPS.stderr.npy  their standard errors (derived ones to first order in the
                   fitted parameters, speed and angle with the vx-vy
                   covariance)
  MAPS.chisq.npy   (rows, columns[, K]): chi-square of each fit
  MAPS.status.npy  (rows, columns[, K]) uint8: 0 converged, 1 at a bound,
                   2 out of iterations, 3 failed (NaN parameters for a
                   masked pixel)
  MAPS.npy.json    the parameters' names and units, the model and its fixed
                   constants, the offsets, the status counts
  MAPS.zarr        instead of the above: a Zarr v2 group of the arrays params,
                   stderr, chisq and status (their dimensions y, x[, offset],
                   param in _ARRAY_DIMENSIONS), the metadata in .zattrs
  MAPS.tif         (or .tiff) instead: an ImageJ stack, one float32 slice per parameter
                   (label "D (um^2/s)"), then their standard errors, the
                   chi-square and the status; the offsets as channels; the
                   pixel size in micrometres; the metadata as its Info
Weights: a result of ipcf pcf --errors has its error bars beside it
(RESULT.sd.npy, named in RESULT.npy.json): the fits are then weighted by
1/sd^2 (chi-square weighted, standard errors not rescaled). --sigma SD.npy
gives error bars of the result's shape; --no-sigma fits unweighted. A point
whose error bar is not positive and finite fails its curve's fit.
Units: D in um^2/s when the pixel size and the frame interval are known (from
the result or --pixel-size, --frame-interval), else px^2/frame (or um^2/frame,
px^2/s); speeds in um/s (px/frame); times in s (frames). Each file is written
atomically, MAPS.npy last; MAPS.zarr in a hidden folder renamed when complete
(an existing MAPS.zarr is replaced only when it is an ipcf Zarr). ipcf plot
MAPS.npy (or MAPS.zarr) --param D draws a map.`
)

// fitFlags are the fit command's options.
type fitFlags struct {
	in, out          string
	model            string
	waist, waistUm   float64
	kappa            float64
	pixelSize, frame float64
	flow, ginf       bool
	joint            bool
	given            map[string]bool
	threads          int
	quiet, json      bool
	sigma            string // --sigma: the error bars' file ("": the result's, if any)
	noSigma          bool   // --no-sigma: unweighted
}

// fitModels are the --model values.
var fitModels = []string{"pcf1d", "acf2d", "acf3d", "ccf2d", "itir"}

func parseFit(args []string) (fitFlags, error) {
	fs := flag.NewFlagSet("fit", flag.ContinueOnError)
	var f fitFlags
	out := fs.String("o", "", "output MAPS.npy (companions MAPS.stderr.npy, MAPS.chisq.npy, MAPS.status.npy, MAPS.npy.json), MAPS.zarr (a Zarr group) or MAPS.tif (an ImageJ stack; .tiff too) (required)")
	fs.StringVar(&f.model, "model", "pcf1d", "model: pcf1d, acf2d, acf3d, ccf2d or itir")
	floatVar(fs, &f.waist, "waist", 0, "PSF waist (1/e^2 radius) in pixels, 1e-6 to 1e6 (0: --waist-um, or 2 pixels for a result without a pixel size)")
	floatVar(fs, &f.waistUm, "waist-um", 0, "PSF waist in micrometres (needs the pixel size; 0: --waist)")
	floatVar(fs, &f.kappa, "kappa", 0, "acf3d: axial / lateral waist (required for acf3d)")
	floatVar(fs, &f.pixelSize, "pixel-size", 0, "pixel size in micrometres, 1e-6 to 1e6 (0: the result's, if any)")
	floatVar(fs, &f.frame, "frame-interval", 0, "seconds between frames, 1e-12 to 1e6 (0: the result's, if any)")
	fs.BoolVar(&f.flow, "flow", false, "acf2d, acf3d: fit a flow speed v; itir: a velocity (vx, vy)")
	fs.BoolVar(&f.ginf, "ginf", false, "fit a constant offset Ginf (acf2d, acf3d, itir; ccf2d of a result that is not a delta-CCF)")
	fs.BoolVar(&f.joint, "joint", false, "pcf1d, itir: fit a pixel's offsets together, one set of parameters per pixel (ccf2d: always)")
	intVar(fs, &f.threads, "threads", 0, "worker threads (0: all cores)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar or summary")
	fs.BoolVar(&f.json, "json", false, "print a JSON summary on stdout (outputs, shape, parameters, statuses, seconds)")
	fs.StringVar(&f.sigma, "sigma", "", "error bars of the result's points (.npy, the result's shape): weighted fits (default: RESULT.sd.npy when the result's metadata names it)")
	fs.BoolVar(&f.noSigma, "no-sigma", false, "fit unweighted, ignoring the result's error bars")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return f, err
	}
	// (through "link/..": the kernel's folders, onto which companions and
	// a Zarr's files are joined; see npy.KernelPath)
	if fitFormatOf(strings.TrimRight(*out, "/")) != "zarr" && strings.HasSuffix(*out, "/") {
		// (MAPS.npy/ wrote MAPS.npy, exit 0, where simulate, bleach and plot
		// refuse it: CLI20's m3)
		return f, usageError{fmt.Sprintf("fit: -o %s: a file's name ends without a slash", *out)}
	}
	f.in, f.out = npy.KernelPath(pos[0]), npy.KernelPath(strings.TrimRight(*out, "/"))
	f.given = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.given[fl.Name] = true })
	if f.out == "" {
		return f, usageError{"fit: -o MAPS.npy is required"}
	}
	if err := bareExtension("fit", f.out); err != nil {
		return f, err
	}
	if fitFormatOf(f.out) == "" {
		return f, usageError{fmt.Sprintf("fit: -o %s: want MAPS.npy, MAPS.zarr or MAPS.tif (.tiff) (the extension chooses the format)", f.out)}
	}
	known := false
	for _, m := range fitModels {
		known = known || f.model == m
	}
	if !known {
		return f, usageError{fmt.Sprintf("fit: --model %q: want one of %s", f.model, strings.Join(fitModels, ", "))}
	}
	// 0 is these options' default, as their help says (and pcf's
	// --pixel-size and --frame-interval take it): given, it is left out.
	for name, v := range map[string]float64{"waist": f.waist, "waist-um": f.waistUm, "pixel-size": f.pixelSize, "frame-interval": f.frame} {
		if v == 0 {
			delete(f.given, name)
		}
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"waist", f.waist}, {"waist-um", f.waistUm}, {"kappa", f.kappa}, {"pixel-size", f.pixelSize}, {"frame-interval", f.frame}} {
		if f.given[v.name] && !(v.v > 0 && v.v < math.Inf(1)) {
			return f, usageError{fmt.Sprintf("fit: --%s %g: want a positive finite number", v.name, v.v)}
		}
	}
	if f.given["waist"] && f.given["waist-um"] {
		return f, usageError{"fit: give --waist (pixels) or --waist-um (micrometres), not both"}
	}
	if err := pool.CheckThreads("--threads", f.threads); err != nil {
		return f, usageError{"fit: " + err.Error()}
	}
	if err := checkSigmaFlags(f); err != nil {
		return f, err
	}
	// Options that the model does not take.
	refuse := func(name, why string) error {
		if f.given[name] {
			return usageError{fmt.Sprintf("fit: --%s does not apply to --model %s (%s)", name, f.model, why)}
		}
		return nil
	}
	var errs []error
	switch f.model {
	case "pcf1d":
		errs = append(errs, refuse("flow", "it has no flow; fit a delta result with ccf2d"), refuse("ginf", "ICSx64's model has no offset"), refuse("kappa", "acf3d only"))
	case "acf2d":
		errs = append(errs, refuse("joint", "it fits the one curve at the offset (0, 0)"), refuse("kappa", "acf3d only"))
	case "acf3d":
		errs = append(errs, refuse("joint", "it fits the one curve at the offset (0, 0)"))
		if !f.given["kappa"] {
			errs = append(errs, usageError{"fit: --model acf3d needs --kappa K, the axial / lateral waist"})
		} else if err := fit.CheckKappa(f.kappa); err != nil {
			errs = append(errs, usageError{"fit: --" + err.Error()})
		}
	case "ccf2d":
		errs = append(errs, refuse("flow", "it always fits the velocity (vx, vy)"), refuse("kappa", "acf3d only"))
		if f.given["joint"] && !f.joint {
			errs = append(errs, usageError{"fit: --model ccf2d fits a pixel's offsets jointly (one CCF does not determine the direction of the flow): --joint=false is not possible"})
		}
		f.joint = true
	case "itir":
		errs = append(errs, refuse("kappa", "acf3d only"))
	}
	for _, e := range errs {
		if e != nil {
			return f, e
		}
	}
	return f, nil
}

// fitResultMeta is what fit reads of a result's metadata (RESULT.npy.json,
// written by core/job).
type fitResultMeta struct {
	Shape       []int  `json:"shape"`
	OutputCRC   string `json:"output_crc32c"` // of the whole file, when ipcf wrote it
	OutputBytes *int64 `json:"output_bytes"`
	Offsets     []struct {
		U          *int     `json:"u"`
		V          *int     `json:"v"`
		DistancePx *float64 `json:"distance_px"`
	} `json:"offsets"`
	OffsetsUV   [][]int   `json:"offsets_uv"` // the same offsets as (u, v) pairs
	DelayFrames []float64 `json:"delay_frames"`
	Units       struct {
		FrameInterval *float64 `json:"frame_interval_s"`
		PixelSize     *float64 `json:"pixel_size_um"`
	} `json:"units"`
	Delta    bool   `json:"delta"`
	Mode     string `json:"mode"`
	JobKey   string `json:"job_key"`
	BinsMode string `json:"bins_mode"`
	// MultitauM is a multi-tau result's channels a level (absent in a
	// sidecar of before 0.3: its points are fitted at their lags).
	MultitauM *int `json:"multitau_m"`
	// Smooth is the curves' smoothing weight (0: none; absent in a sidecar
	// of before 0.3: the tutorial's 0.7 unless the mode says otherwise).
	Smooth *float64 `json:"smooth"`

	// Errors is the record of the result's error bars, or null.
	Errors json.RawMessage `json:"errors"`
}

// fitOffset is one offset of the result, in pixels.
type fitOffset struct {
	U    int      `json:"u"`
	V    int      `json:"v"`
	Dist float64  `json:"distance_px"`
	Um   *float64 `json:"distance_um"`
}

// fitInput is a result read for fitting.
type fitInput struct {
	smooth     float64 // the curves' smoothing weight (0: none, or unknown)
	h, w, k, p int
	data       []float32 // (h, w, k, p)
	tau        []float64 // delays in frames
	lagBins    []fit.Bin // each point's lags (log and linear bins), or nil
	offsets    []fitOffset
	delta      bool
	jobKey     string
	mode, bins string
	pixelSize  float64 // micrometres, 0: unknown
	frame      float64 // seconds, 0: unknown
	unitsFrom  map[string]string
	sigma      []float32      // the error bars (h, w, k, p), or nil: unweighted
	weights    map[string]any // whether and how the fits are weighted, for the metadata
}

// fitNeedsError is a result that lacks what the model needs, or an option
// that does not fit the result: exit status 2 (it is a job.ErrOption),
// without the usage text.
type fitNeedsError struct{ msg string }

func (e fitNeedsError) Error() string { return e.msg }
func (e fitNeedsError) Unwrap() error { return job.ErrOption }

func fitNeeds(format string, a ...any) error {
	return fitNeedsError{fmt.Sprintf(format, a...)}
}

// unitsOrigin says where a unit came from, for messages.
func unitsOrigin(from string) string {
	switch from {
	case "options":
		return "given"
	case "result":
		return "the result's"
	}
	return "none"
}

// readFitInput reads RESULT.npy and RESULT.npy.json.
func readFitInput(ctx context.Context, path string, f fitFlags) (*fitInput, error) {
	if out := ooc.PartialOf(path); out != "" {
		return nil, partialRefused(path, out)
	}
	// Maps of the curves' shape (a parameter per delay) carry the
	// result's delays and offsets in their metadata: they were fitted.
	if _, ok := readMapsMeta(path); ok {
		return nil, fmt.Errorf("%s holds ipcf fit's maps (parameters, not curves): fit the correlation result they were fitted from", path)
	}
	if group := mapsArrayOf(path); group != "" {
		return nil, fmt.Errorf("%s is an array of ipcf fit's maps %s (parameters, not curves): fit the correlation result they were fitted from", path, group)
	}
	if maps, what := mapsCompanion(path); maps != "" {
		return nil, fmt.Errorf("%s holds the %s of ipcf fit's maps %s, not curves: fit the correlation result they were fitted from", path, what, maps)
	}
	if _, err := os.Lstat(path + ".json"); errors.Is(err, os.ErrNotExist) {
		// A live run publishing over the result (its earlier metadata
		// removed before the renames) is waited for, and a stopped one's
		// files named so, as plot does (checkSeal).
		if err := checkSeal(ctx, path); err != nil {
			return nil, err
		}
	}
	res, err := openNpyResult("fit", path)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	if res.NDim() != 4 || (res.DType != array.Float32 && res.DType != array.Float64) {
		return nil, fmt.Errorf("%s: %s array of shape %v, want a correlation result: float32 (rows, columns, offsets, delays)", path, res.DType, res.Shape)
	}
	in := &fitInput{h: res.Shape[0], w: res.Shape[1], k: res.Shape[2], p: res.Shape[3], unitsFrom: map[string]string{}}
	if in.h == 0 || in.w == 0 || in.k == 0 {
		// (maps of no pixel: an invalid TIFF, and nothing to look at)
		return nil, fmt.Errorf("%s: shape %v: an empty result, nothing to fit", path, res.Shape)
	}
	side := path + ".json"
	b, err := npy.ReadRegular(side, maxJSON)
	if errors.Is(err, os.ErrNotExist) {
		// (a result's part: it said the part's sidecar was missing, where
		// plot names the result: OUT15's minor)
		if res := errorsCompanion(path); res != "" {
			return nil, fmt.Errorf("%s holds the error bars of the result %s (standard deviations, not a pCF result): fit the result (ipcf fit %s), which they weight", path, res, res)
		}
		if maps, key := mapsCompanion(path); maps != "" {
			return nil, fmt.Errorf("%s holds the %s of ipcf fit's maps %s, not a pCF result: fit a pCF result", path, key, maps)
		}
		return nil, fmt.Errorf("%s not found: fit needs the result's metadata (offsets, delays, units) that ipcf pcf writes beside it", side)
	}
	if err != nil {
		return nil, err
	}
	if err := ooc.CheckMeta(side, b); err != nil {
		return nil, err
	}
	if !ipcfMeta(b) {
		return nil, fmt.Errorf("%s: not ipcf's metadata (no JSON object with \"software\": %q): fit needs the result's offsets, delays and units that ipcf pcf writes beside it", side, ooc.Marker)
	}
	var meta fitResultMeta
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", side, err)
	}
	if len(meta.Shape) != 4 || meta.Shape[0] != in.h || meta.Shape[1] != in.w || meta.Shape[2] != in.k || meta.Shape[3] != in.p {
		return nil, fmt.Errorf("%s: shape %v, but %s has %v: not this result's metadata", side, meta.Shape, path, res.Shape)
	}
	if meta.OutputCRC != "" {
		// ipcf's sidecar names its file's bytes: another result's (of the
		// same shape, its offsets and delays other) is refused.
		if ok, err := mappedMatches(res, path, meta.OutputCRC, meta.OutputBytes); err != nil {
			return nil, err
		} else if !ok {
			return nil, fmt.Errorf("%s: its checksum is not the one %s records (output_crc32c %s): not this result's metadata (another result's, or the file changed since); compute the result again", path, side, meta.OutputCRC)
		}
		if testHookChecked != nil {
			testHookChecked(path)
		}
	}
	if len(meta.DelayFrames) != in.p {
		return nil, fmt.Errorf("%s: %d delays (delay_frames) for %d points per curve: fit needs every point's delay", side, len(meta.DelayFrames), in.p)
	}
	for i, t := range meta.DelayFrames {
		if !(t >= 0 && t < math.Inf(1)) || (i > 0 && !(t > meta.DelayFrames[i-1])) {
			return nil, fmt.Errorf("%s: delay_frames %v: want finite, non-negative, ascending delays", side, meta.DelayFrames)
		}
	}
	in.tau = meta.DelayFrames
	if meta.BinsMode != "multitau" {
		// Log and linear bins: each point is the mean of G over its bin's
		// lags, and the models are averaged over them (fit.Options.Bins;
		// the C ABI's IPCF_FIT_BINS, which the other hosts set).
		var err error
		if in.lagBins, err = fit.ContiguousBins(in.tau); err != nil {
			return nil, fmt.Errorf("%s: bins_mode %q: %v", side, meta.BinsMode, err)
		}
	} else if meta.MultitauM != nil {
		// Multi-tau points: each the correlation of block sums, G averaged
		// over the lags within a block of its own, weighted as a triangle
		// (the C ABI's IPCF_FIT_MULTITAU).
		var err error
		if in.lagBins, err = fit.MultiTauBins(in.tau, *meta.MultitauM); err != nil {
			return nil, fmt.Errorf("%s: bins_mode \"multitau\", multitau_m %d: %v", side, *meta.MultitauM, err)
		}
	}
	if len(meta.Offsets) != in.k {
		return nil, fmt.Errorf("%s: %d offsets for %d curves per pixel: fit needs every curve's offset (u, v) and distance", side, len(meta.Offsets), in.k)
	}
	for i, o := range meta.Offsets {
		if o.U == nil || o.V == nil || o.DistancePx == nil {
			return nil, fmt.Errorf("%s: offset %d lacks u, v or distance_px", side, i)
		}
		d := math.Hypot(float64(*o.U), float64(*o.V))
		if math.Abs(*o.DistancePx-d) > 1e-9*(1+d) {
			return nil, fmt.Errorf("%s: offset %d (%d, %d) has distance_px %g, want %g", side, i, *o.U, *o.V, *o.DistancePx, d)
		}
		in.offsets = append(in.offsets, fitOffset{U: *o.U, V: *o.V, Dist: *o.DistancePx})
	}
	// The sidecar names the offsets twice (Python's fit_result reads
	// offsets_uv): metadata edited in one place are refused.
	if meta.OffsetsUV != nil {
		same := len(meta.OffsetsUV) == len(in.offsets)
		for i := 0; same && i < len(in.offsets); i++ {
			uv := meta.OffsetsUV[i]
			same = len(uv) == 2 && uv[0] == in.offsets[i].U && uv[1] == in.offsets[i].V
		}
		if !same {
			return nil, fmt.Errorf("%s: offsets and offsets_uv name different offsets: not metadata as ipcf wrote it (edited?); compute the result again", side)
		}
	}
	in.delta, in.jobKey, in.mode, in.bins = meta.Delta, meta.JobKey, meta.Mode, meta.BinsMode
	if meta.Smooth != nil && *meta.Smooth > 0 {
		in.smooth = *meta.Smooth
	}
	for _, u := range []struct {
		name string
		flag float64
		meta *float64
		dst  *float64
	}{{"pixel_size_um", f.pixelSize, meta.Units.PixelSize, &in.pixelSize}, {"frame_interval_s", f.frame, meta.Units.FrameInterval, &in.frame}} {
		switch {
		case u.flag > 0:
			*u.dst = u.flag
			in.unitsFrom[u.name] = "options"
		case u.meta == nil: // unknown: the maps are in pixels and frames
		case *u.meta > 0 && *u.meta < math.Inf(1):
			*u.dst = *u.meta
			in.unitsFrom[u.name] = "result"
		default:
			// ipcf writes a positive number or null: a damaged sidecar.
			return nil, fmt.Errorf("%s: units.%s %g: want a positive number or null (unknown); give the option to set it", side, u.name, *u.meta)
		}
	}
	// The maps' units must exist in float32: D in um^2/s multiplies by
	// pixel size^2 / frame interval, times by the frame interval, distances
	// by the pixel size. Checked before any fit, naming where they came from.
	if err := (fit.Units{PixelSize: in.pixelSize, FrameInterval: in.frame}).Check(); err != nil {
		return nil, fitNeeds("%v (pixel size: %s; frame interval: %s): give units the maps can be written in",
			err, unitsOrigin(in.unitsFrom["pixel_size_um"]), unitsOrigin(in.unitsFrom["frame_interval_s"]))
	}
	if in.pixelSize > 0 {
		for i := range in.offsets {
			um := in.offsets[i].Dist * in.pixelSize
			in.offsets[i].Um = &um
		}
	}
	n := int64(in.h) * int64(in.w) * int64(in.k) * int64(in.p)
	if err := pcf.CheckMemory("the result", 4*n); err != nil {
		return nil, err
	}
	in.data = make([]float32, n)
	err = source.Guard(path, func() error {
		st := res.Strides
		i := 0
		for y := 0; y < in.h; y++ {
			for x := 0; x < in.w; x++ {
				for k := 0; k < in.k; k++ {
					o := res.Offset + y*st[0] + x*st[1] + k*st[2]
					for j := 0; j < in.p; j++ {
						in.data[i] = float32(res.Load(o + j*st[3]))
						i++
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if meta.OutputCRC != "" {
		// The bytes copied are those checked only if they still are.
		if err := recheckMapped(res, path, meta.OutputCRC, meta.OutputBytes); err != nil {
			return nil, err
		}
	}
	if err := readSigma(in, path, meta.Errors, f); err != nil {
		return nil, err
	}
	return in, nil
}

// fitPlan is what is fitted and how the maps are laid out.
type fitPlan struct {
	model     fit.Model
	curves    fit.Curves
	opts      fit.AllOptions
	lower     []float64 // the bounds of a line scan's ccf2d fit (CCF2D.LineBounds), or nil
	upper     []float64
	waistPx   float64
	waistFrom string
	acfIndex  int         // acf2d, acf3d: the offset (0, 0) fitted; else -1
	fitted    []fitOffset // the offsets whose curves are fitted
	perOffset bool        // the maps have the K axis
}

// planFit checks the result against the model and builds the fits.
func planFit(in *fitInput, f fitFlags) (*fitPlan, error) {
	pl := &fitPlan{acfIndex: -1}
	switch {
	case f.given["waist"]:
		pl.waistPx, pl.waistFrom = f.waist, "--waist"
	case f.given["waist-um"]:
		if in.pixelSize == 0 {
			return nil, fitNeeds("--waist-um needs the pixel size: the result has none; give --pixel-size UM or --waist in pixels")
		}
		pl.waistPx, pl.waistFrom = f.waistUm/in.pixelSize, "--waist-um"
		if !(pl.waistPx > 0 && pl.waistPx < math.Inf(1)) {
			return nil, fitNeeds("--waist-um %g with a pixel size of %g um is a waist of %g pixels: give --waist in pixels, or the pixel size", f.waistUm, in.pixelSize, pl.waistPx)
		}
	case in.pixelSize > 0:
		from := fmt.Sprintf("the result is calibrated (pixel size %g um)", in.pixelSize)
		if f.given["pixel-size"] {
			from = fmt.Sprintf("--pixel-size gives the pixels a size (%g um)", in.pixelSize)
		}
		return nil, fitNeeds("%s: give the PSF waist, --waist W (pixels) or --waist-um W (micrometres); the default %g pixels is the simulator's PSF", from, fit.DefaultWaist)
	default:
		pl.waistPx, pl.waistFrom = fit.DefaultWaist, "default: the simulator's PSF (sigma 1 pixel, W = 2 sigma), for a result without a pixel size"
	}
	if err := fit.CheckWaist(pl.waistPx); err != nil {
		return nil, fitNeeds("%v (%s)", err, pl.waistFrom)
	}
	if in.delta && f.model != "ccf2d" {
		return nil, fitNeeds("the result holds delta-CCFs (forward minus backward): fit them with --model ccf2d, not %s", f.model)
	}
	vecs := make([]fit.Vec, in.k)
	for i, o := range in.offsets {
		vecs[i] = fit.Vec{X: float64(o.U), Y: float64(o.V)}
	}
	w := pl.waistPx
	c := fit.Curves{Data: in.data, Shape: [4]int{in.h, in.w, in.k, in.p}, Tau: in.tau, Offsets: vecs, Sigma: in.sigma}
	pl.fitted = in.offsets
	switch f.model {
	case "pcf1d":
		pl.model = fit.PCF1D{W: w}
	case "acf2d", "acf3d":
		for i, o := range in.offsets {
			if o.U == 0 && o.V == 0 {
				pl.acfIndex = i
				break
			}
		}
		if pl.acfIndex < 0 {
			return nil, fitNeeds("--model %s fits the autocorrelation, the offset (0, 0), which the result lacks (compute it with ipcf pcf --acf, or --offsets including 0,0)", f.model)
		}
		if f.model == "acf2d" {
			pl.model = fit.ACF2D{W: w, Flow: f.flow, Offset: f.ginf}
		} else {
			pl.model = fit.ACF3D{W: w, Kappa: f.kappa, Flow: f.flow, Offset: f.ginf}
		}
		pl.fitted = in.offsets[pl.acfIndex : pl.acfIndex+1]
		if in.k > 1 {
			d := make([]float32, in.h*in.w*in.p)
			for px := 0; px < in.h*in.w; px++ {
				copy(d[px*in.p:(px+1)*in.p], in.data[(px*in.k+pl.acfIndex)*in.p:])
			}
			c.Data = d
			c.Sigma = sigmaAtOffset(in, pl.acfIndex)
		}
		c.Shape[2], c.Offsets = 1, nil
	case "ccf2d":
		if f.ginf && in.delta {
			return nil, fitNeeds("--ginf: a delta-CCF has no offset (it cancels between the two directions)")
		}
		twoD := false
		for _, a := range in.offsets {
			for _, b := range in.offsets {
				twoD = twoD || a.U*b.V != a.V*b.U
			}
		}
		m := fit.CCF2D{W: w, Delta: in.delta, Offset: f.ginf}
		if !twoD {
			// Offsets on one axis (a line scan's): the velocity across it
			// held at 0. (A line scan's delta-CCFs were refused by every
			// model, the message sending the user from one to the other.)
			if !slices.ContainsFunc(vecs, func(v fit.Vec) bool { return v != fit.Vec{} }) {
				return nil, fitNeeds("--model ccf2d needs offsets other than (0, 0): the result holds autocorrelations alone, which carry no flow's direction (fit their speed with --model acf2d --flow)")
			}
			if pl.lower, pl.upper, twoD = m.LineBounds(vecs); !twoD {
				return nil, fitNeeds("--model ccf2d needs offsets in two directions, or on one axis (a line scan's, the velocity across it held at 0), to determine the flow's velocity (vx, vy); the result has %d offset(s) on one line off the axes", in.k)
			}
		}
		pl.model = m
	case "itir":
		m := fit.ITIRFCS{A: 1, W: w, Flow: f.flow, Offset: f.ginf}
		if why := m.FlowDetermined(vecs, f.joint); why != "" {
			need := "--joint, and a result of offsets in two directions; "
			if f.joint { // (given, and the reason says what else: REVIEW24's m3)
				need = ""
			}
			return nil, fitNeeds("--model itir --flow: %s (%sor fit the speed alone with --model acf2d --flow)", why, need)
		}
		pl.model = m
	}
	if err := pl.model.Check(); err != nil {
		return nil, usageError{fmt.Sprintf("fit: %v", err)}
	}
	pl.curves = c
	pl.opts = fit.AllOptions{Options: fit.DefaultOptions(pl.model), Joint: f.joint, Threads: f.threads}
	pl.opts.Bins = in.lagBins
	pl.opts.Lower, pl.opts.Upper = pl.lower, pl.upper
	pl.perOffset = !f.joint && pl.acfIndex < 0
	if n := pl.opts.Fitted(in.p); n <= pl.model.NumParams() {
		return nil, fitNeeds("the curves have %d points, %d fitted (the first and last are left out): too few for the %d parameters of %s", in.p, max(n, 0), pl.model.NumParams(), f.model)
	}
	return pl, nil
}

// fitColumns returns the parameters of the maps, fitted then derived, with
// their units and the factors from the fit's pixels and frames
// (fit.Columns, shared with the C ABI's ipcf_fit).
func fitColumns(pl *fitPlan, in *fitInput, f fitFlags) []fit.Column {
	var dists []float64
	if f.model == "pcf1d" {
		dists = make([]float64, len(pl.fitted))
		for i, o := range pl.fitted {
			dists[i] = o.Dist
		}
		dists = fit.PeakDistances(dists, !pl.perOffset)
	}
	return fit.Columns(pl.model, pl.waistPx, fit.Units{PixelSize: in.pixelSize, FrameInterval: in.frame}, dists)
}

// fitOutputs names the files of MAPS.npy.
type fitOutputs struct {
	Params string `json:"params"`
	StdErr string `json:"stderr"`
	ChiSq  string `json:"chisq"`
	Status string `json:"status"`
	Meta   string `json:"metadata"`
}

func fitOutputNames(out string) fitOutputs {
	switch fitFormatOf(out) {
	case "zarr": // arrays of the group
		return fitOutputs{Params: out + "/params", StdErr: out + "/stderr", ChiSq: out + "/chisq", Status: out + "/status", Meta: out + "/.zattrs"}
	case "tif": // one file; the metadata in it too, and with its size and CRC-32C beside it (named: --json listed the file twice, not the sidecar)
		return fitOutputs{Params: out, StdErr: out, ChiSq: out, Status: out, Meta: out + ".json"}
	}
	base := out[:len(out)-len(".npy")]
	return fitOutputs{Params: out, StdErr: base + ".stderr.npy", ChiSq: base + ".chisq.npy", Status: base + ".status.npy", Meta: out + ".json"}
}

func (o fitOutputs) list() []string { return []string{o.Params, o.Meta, o.StdErr, o.ChiSq, o.Status} }

// companions are the files of MAPS.npy besides it and its metadata, with
// their keys in the metadata's "companions".
func (o fitOutputs) companions() []struct{ key, path string } {
	return []struct{ key, path string }{{"stderr", o.StdErr}, {"chisq", o.ChiSq}, {"status", o.Status}}
}

// testHookFitCompanion, if set, runs after writeMapsNpy renamed the first
// companion into place; an error it returns is a failure there, as a
// rename that fails (tests).
var testHookFitCompanion func(path string) error

// fitAside is a path of the earlier maps' set and what setAside kept of
// it: aside, the name of its file kept aside ("" for none); had, whether
// a file was there.
type fitAside struct {
	path, aside string
	had         bool
	was         os.FileInfo // the file that was there (had)
}

// keptName is the name under which setAside keeps the earlier file of
// path, ".ipcf-NAME-DIGITS.old" beside it: not a temporary file's name,
// which another ipcf run in the folder removes when it is not locked
// (npy.RemoveStaleTemps); removeKept removes those of a killed run.
func keptName(path string, i int) string {
	return filepath.Join(ooc.Folder(path), keptBase(filepath.Base(path), fmt.Sprintf("%d%d%d", os.Getpid(), time.Now().UnixNano(), i)))
}

// keptBase is keptName's file name for a file named base and the digits
// that tell its set apart.
func keptBase(base, digits string) string {
	return ".ipcf-" + base + "-" + digits + ".old"
}

// fitNamesFit refuses, before any work, an output whose longest name the
// fit writes beside it is longer than a file name may be: the earlier
// maps and companions there kept aside on a refit (keptName: 7 digits of
// pid, 19 of nanoseconds, 1 of index), a Zarr group built in ".ipcf-NAME-N.tmp"
// (os.MkdirTemp: 10 digits at most). Such a fit computed the whole fit,
// then failed "file name too long" (every refit of MAPS.npy names of
// about 220 to 239 bytes, the first fit of a 245-byte MAPS.zarr:
// OUT15's F12).
func fitNamesFit(out string, names fitOutputs) error {
	var longest string
	if fitFormatOf(out) == "zarr" {
		longest = ".ipcf-" + filepath.Base(strings.TrimRight(out, "/")) + "-4294967295.tmp"
	} else {
		// (the files there now, which a refit sets aside: a first fit sets
		// none aside and writes any name the lock takes, REVIEW15's F3)
		for _, p := range names.list() {
			if _, err := os.Lstat(p); err != nil {
				continue
			}
			if kept := keptBase(filepath.Base(p), strings.Repeat("9", 27)); len(kept) > len(longest) {
				longest = kept
			}
		}
	}
	if len(longest) > job.NameMax {
		return fmt.Errorf("fit: %w: the name of the output %s is too long: ipcf writes files named like %s beside it, %d bytes, and file names take at most %d; choose a shorter name",
			errTarget, filepath.Base(strings.TrimRight(out, "/")), longest, len(longest), job.NameMax)
	}
	return nil
}

// removeKept removes the files setAside kept for paths that a killed run
// left, once a new set is in place (the caller holds the output's lock:
// no other run keeps them now).
func removeKept(paths []string) {
	for _, p := range paths {
		names := npy.GlobIn(ooc.Folder(p), ".ipcf-*.old")
		for _, n := range names {
			if !leftoverOf(filepath.Base(n), p, ".old") {
				continue // another file's, or not one of ours
			}
			if st, err := os.Lstat(n); err == nil && st.Mode().IsRegular() {
				os.Remove(n)
			}
		}
	}
}

// setAside keeps the earlier set's files (those of paths there now)
// beside them (keptName), so that a run that fails among its renames puts
// them back (putBack): MAPS.npy, the first of paths, is renamed aside
// (the metadata's rename requires it gone, see writeMapsNpy), the others
// hard-linked (they stay in place until replaced). A file that cannot be
// linked (a file system without hard links) is not kept; a failure among
// the renames then leaves a mixed set, as a kill does, which the next run
// replaces.
func setAside(paths []string) ([]fitAside, error) {
	var kept []fitAside
	for i, p := range paths {
		st, err := os.Lstat(p)
		k := fitAside{path: p, had: err == nil, was: st}
		if err == nil && st.Mode().IsRegular() {
			k.aside = keptName(p, i)
			if i == 0 {
				if err := os.Rename(p, k.aside); err != nil {
					return nil, err
				}
			} else if linkFile(p, k.aside) != nil {
				k.aside = ""
			}
		}
		kept = append(kept, k)
	}
	return kept, nil
}

// putBack puts the files setAside kept back at their paths, and removes
// what a failed run put where there was none, in the order that leaves a
// set the next run takes at every step: the companions first; the
// metadata only when every companion is the earlier one again (else the
// new metadata stays, naming the companions of both runs, as after a
// kill); MAPS.npy last, only when the metadata is the earlier one again
// (MAPS.npy beside the new metadata was refused by every later run). It
// returns nil when the earlier set is whole again, else what is not; a
// MAPS.npy not put back stays under its kept name until the next fit to
// it (removeKept).
func putBack(kept []fitAside) error {
	restore := func(k fitAside) error {
		switch {
		case k.aside != "":
			if err := os.Rename(k.aside, k.path); err != nil {
				os.Remove(k.aside)
				return fmt.Errorf("the earlier %s could not be put back: %w", filepath.Base(k.path), err)
			}
			// A file not replaced yet is the link itself: rename(2) then
			// does nothing and leaves both names.
			os.Remove(k.aside)
		case !k.had:
			if err := os.Remove(k.path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		default:
			// Not kept (no hard links here, or an immutable file, which
			// cannot be linked): still there if it was never replaced.
			if st, err := os.Lstat(k.path); err == nil && os.SameFile(st, k.was) {
				return nil
			}
			return fmt.Errorf("the earlier %s could not be kept aside (no hard links here?)", filepath.Base(k.path))
		}
		return nil
	}
	params, meta := kept[0], kept[1]
	var errs []error
	for _, k := range kept[2:] {
		if err := restore(k); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		if err := restore(meta); err != nil {
			errs = append(errs, err)
		}
	} else if meta.aside != "" {
		os.Remove(meta.aside)
	}
	if params.aside != "" {
		if len(errs) > 0 {
			return errors.Join(append(errs, fmt.Errorf("the earlier %s is kept as %s until the next fit to it", filepath.Base(params.path), params.aside))...)
		}
		if err := os.Rename(params.aside, params.path); err != nil {
			errs = append(errs, fmt.Errorf("the earlier %s is kept as %s until the next fit to it: %w", filepath.Base(params.path), params.aside, err))
		}
	}
	return errors.Join(errs...)
}

// linkFile is os.Link (tests make it fail, as on a file system without
// hard links).
var linkFile = os.Link

// dropAside removes the files setAside kept, once the new set is in place.
func dropAside(kept []fitAside) {
	for _, k := range kept {
		if k.aside != "" {
			os.Remove(k.aside)
		}
	}
}

// writeMapsNpy writes MAPS.npy and its companions so that a failure
// while writing them (a full disk, a file size limit) leaves the earlier
// set as it was: every file is first written whole to a temporary file
// beside it and synced, MAPS.npy's first; only then is an earlier MAPS.npy
// set aside and the files renamed into place, the metadata first and
// MAPS.npy last: when it is there, so are its companions of the same run.
// A rename that fails (an immutable or busy file, an I/O error) puts the
// earlier set back (setAside, putBack): it removed the earlier MAPS.npy
// and left the new metadata beside the old companions (a fault campaign).
// A run killed among the renames leaves files that its metadata names as
// a fit's (checkFitNpyTarget replaces them).
func writeMapsNpy(names fitOutputs, mb []byte, d *fitMapsData) error {
	npyFill := func(dt array.DType, shape []int, data []byte) func(io.Writer) error {
		return func(w io.Writer) error { return npy.Write(w, dt, shape, data) }
	}
	// atomic is npy.WriteAtomicThen whose failure to write, sync or close
	// the temporary file names the file being written, not only its
	// temporary one (the metadata's full disk named .ipcf-N.tmp alone:
	// DISK17's m2); the errors of then, run after, name their own.
	atomic := func(path string, fill func(io.Writer) error, then func() error) error {
		ran := false
		err := npy.WriteAtomicThen(path, fill, func() error { ran = true; return then() })
		if err != nil && !ran {
			return fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		return err
	}
	// Each file's step runs once its own temporary file is complete, just
	// before its rename: the next file's, and so on inwards.
	var kept []fitAside
	renaming := false // the renames began: a failure puts the earlier set back
	meta := func() error {
		return atomic(names.Meta, func(w io.Writer) error { _, err := w.Write(mb); return err },
			func() error {
				var err error
				kept, err = setAside([]string{names.Params, names.Meta, names.StdErr, names.ChiSq, names.Status})
				renaming = err == nil
				return err
			})
	}
	stderr := func() error {
		return atomic(names.StdErr, npyFill(array.Float32, d.shape, d.ses), meta)
	}
	chisq := func() error {
		return atomic(names.ChiSq, npyFill(array.Float32, d.sshape, d.chisq), func() error {
			if err := stderr(); err != nil {
				return err
			}
			if testHookFitCompanion != nil {
				return testHookFitCompanion(names.StdErr)
			}
			return nil
		})
	}
	status := func() error {
		return atomic(names.Status, npyFill(array.Uint8, d.sshape, d.status), chisq)
	}
	if err := atomic(names.Params, npyFill(array.Float32, d.shape, d.params), status); err != nil {
		if renaming {
			if perr := putBack(kept); perr != nil {
				err = fmt.Errorf("%w (%w; the next fit to %s replaces what is there)", err, perr, filepath.Base(names.Params))
			} else {
				err = fmt.Errorf("%w (the earlier maps are as they were)", err)
			}
		}
		return fmt.Errorf("fit: writing %s and its companions: %w", names.Params, err)
	}
	dropAside(kept)
	// The files a killed run kept go once a set is in place again (not
	// before: they may be the only copy of the earlier maps).
	removeKept(names.list())
	return nil
}

// checkFitNpyTarget refuses to write MAPS.npy and its companions over
// files that are not a fit's: MAPS.npy is replaced only if its metadata
// (MAPS.npy.json) names ipcf's fit and describes it (plainCheck), the
// metadata only if it names ipcf's fit, and a companion only if the
// metadata's "companions" record names it with its size and CRC-32C, or
// the previous ones (of the run before, still in place when a run is
// killed among the companions). It returns the checksums of the
// companions there now, the next run's previous ones.
func checkFitNpyTarget(names fitOutputs, inputs []string) (map[string]fitCompanion, error) {
	if err := plainCheck("fit", names.Params, inputs...); err != nil {
		return nil, err
	}
	var m struct {
		Software, Command string
		Shape             []int                   `json:"shape"`
		Companions        map[string]fitCompanion `json:"companions"`
	}
	ours := false
	if b, err := npy.ReadRegular(names.Meta, maxJSON); err == nil {
		ours = ooc.CheckSeal(b) == nil && json.Unmarshal(b, &m) == nil && m.Software == ooc.Marker && m.Command == "fit"
	}
	if st, err := os.Lstat(names.Meta); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("fit: %w: %s exists and is %s, not a file: not replacing it", errTarget, names.Meta, npy.Kind(st.Mode()))
	} else if err == nil && !ours {
		return nil, fmt.Errorf("fit: %w: %s exists and is not a fit's metadata: not replacing it; remove it or choose another name", errTarget, names.Meta)
	}
	now := map[string]fitCompanion{}
	for _, c := range names.companions() {
		if err := npy.Unreplaceable(c.path); err != nil {
			return nil, fmt.Errorf("fit: %w: %w", errTarget, err)
		}
		st, err := os.Lstat(c.path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		switch {
		case err != nil:
			return nil, fmt.Errorf("fit: %w: %v", errTarget, err)
		case !st.Mode().IsRegular():
			return nil, fmt.Errorf("fit: %w: %s exists and is %s, not a file: not replacing it", errTarget, c.path, npy.Kind(st.Mode()))
		}
		crc, size, err := ooc.FileCRC(c.path)
		if err != nil {
			// (REVIEW11's M5: "output refused: open ...: permission denied")
			return nil, fmt.Errorf("fit: %s could not be read to check that it is an earlier fit's (%w); nothing was replaced", c.path, err)
		}
		have := fitCompanion{File: filepath.Base(c.path), CRC: fmt.Sprintf("%08x", crc), Bytes: size}
		rec, named := m.Companions[c.key]
		if ours && m.Companions == nil && len(m.Shape) > 1 {
			// Metadata of a fit before the record (2026-12-02): a
			// companion of the maps' dtype and shape is the fit's.
			dt, shape := array.Float32, m.Shape
			if c.key != "stderr" {
				shape = m.Shape[:len(m.Shape)-1]
			}
			if c.key == "status" {
				dt = array.Uint8
			}
			if npyOf(c.path, dt, shape) {
				now[c.key] = have
				continue
			}
		}
		if !ours || !named || !rec.holds(have) { // (its bytes, whatever name it was written under: OUT15's F9b)
			return nil, fmt.Errorf("fit: %w: %s exists and %s does not describe it as a fit's (its size and checksum): not replacing it; remove it or choose another name",
				errTarget, c.path, names.Meta)
		}
		now[c.key] = have
	}
	return now, nil
}

// npyOf reports whether path is a .npy of the dtype and shape.
func npyOf(path string, dt array.DType, shape []int) bool {
	f, err := npy.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.DType == dt && slices.Equal(f.Shape, shape)
}

// fitCompanion is what a fit's metadata records of a companion file of
// MAPS.npy (MAPS.stderr.npy, ...): its name, size and CRC-32C, and those
// of the file it replaced, if any.
type fitCompanion struct {
	File      string `json:"file"`
	CRC       string `json:"crc32c"`
	Bytes     int64  `json:"bytes"`
	PrevCRC   string `json:"previous_crc32c,omitempty"`
	PrevBytes int64  `json:"previous_bytes,omitempty"`
}

// holds reports whether the file described by have is the record's, or
// the one it replaced.
func (r fitCompanion) holds(have fitCompanion) bool {
	return (have.CRC == r.CRC && have.Bytes == r.Bytes) || (r.PrevCRC != "" && have.CRC == r.PrevCRC && have.Bytes == r.PrevBytes)
}

// fitSamePath reports whether two paths name the same file (or would).
func fitSamePath(a, b string) bool {
	aa, e1 := ooc.OutputPath(a) // (folders as the kernel finds them: through links and "..")
	bb, e2 := ooc.OutputPath(b)
	if e1 == nil && e2 == nil && aa == bb {
		return true
	}
	sa, e1 := os.Stat(a)
	sb, e2 := os.Stat(b)
	return e1 == nil && e2 == nil && os.SameFile(sa, sb)
}

func cmdFit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseFit(args)
	if err != nil {
		return err
	}
	// A result linked into a work folder: read with the metadata beside the
	// file the link names (it was refused as lacking metadata).
	f.in = ooc.Linked(f.in)
	stateOf(ctx).json = f.json
	start := time.Now()
	names := fitOutputNames(f.out)
	if fitFormatOf(f.out) == "npy" && filepath.Ext(f.out) != ".npy" {
		// Every reader finds MAPS.chisq.npy's maps as MAPS.npy: those of
		// MAPS.NPY were read unchecked (REVIEW11's F12).
		return usageError{fmt.Sprintf("fit: -o %s: write the maps as .npy in lower case (their companions MAPS.stderr.npy, MAPS.chisq.npy and MAPS.status.npy are found from that name)", filepath.Base(f.out))}
	}
	if fitFormatOf(f.out) == "npy" && !utf8.ValidString(filepath.Base(f.out)) {
		// The metadata names the companions in JSON text, UTF-8 only (a
		// Latin-1 byte was recorded as U+FFFD: HOSTS11's F2).
		return usageError{fmt.Sprintf("fit: -o %q: the name is not UTF-8 text, and the metadata could not name the maps' companion files; choose a name in UTF-8", filepath.Base(f.out))}
	}
	for _, o := range append(names.list(), f.out) {
		for _, i := range append([]string{f.in, f.in + ".json"}, sigmaInputs(f)...) {
			if fitSamePath(o, i) {
				// (exit status 1, as every command's output refused: not a
				// usage mistake)
				if f.sigma == "" && i == job.ErrorsName(f.in) {
					// the result's error bars' name, read where they are
					// (CLI11's M8: "would overwrite the input" of a result
					// without error bars)
					return fmt.Errorf("fit: %w: the output %s is the name of %s's error bars, which the fit reads where they are: choose another name", errTarget, o, f.in)
				}
				return fmt.Errorf("fit: %w: the output %s would overwrite the input %s", errTarget, o, i)
			}
		}
	}
	if err := fitLeftoverInput(append(names.list(), f.out), append([]string{f.in, f.in + ".json"}, sigmaInputs(f)...)); err != nil {
		return err
	}
	if err := fitNamesFit(f.out, names); err != nil {
		return err
	}
	unlock, err := lockPlain("fit", f.out)
	if err != nil {
		return err
	}
	defer unlock()
	var prevCompanions map[string]fitCompanion
	if fitFormatOf(f.out) == "npy" {
		// The companions are outputs too, each under its own lock: a
		// command writing one of those names meanwhile would be
		// overwritten, or overwrite it.
		for _, c := range []string{names.StdErr, names.ChiSq, names.Status} {
			unlockC, err := lockPlain("fit", c)
			if err != nil {
				return err
			}
			defer unlockC()
		}
		if prevCompanions, err = checkFitNpyTarget(names, append([]string{f.in, f.in + ".json"}, sigmaInputs(f)...)); err != nil {
			return err
		}
	} else if fitFormatOf(f.out) == "tif" {
		if err := plainCheck("fit", f.out, append([]string{f.in, f.in + ".json"}, sigmaInputs(f)...)...); err != nil {
			return err
		}
	}
	in, err := readFitInput(ctx, f.in, f)
	if err != nil {
		return err
	}
	pl, err := planFit(in, f)
	if err != nil {
		return err
	}
	cols := fitColumns(pl, in, f)
	nk := 1
	if pl.perOffset {
		nk = len(pl.fitted)
	}
	if err := checkFitTarget(f.out, in.h, in.w, nk, len(cols)); err != nil {
		return err
	}
	if h := heldAcross(in, pl); h != "" {
		fmt.Fprintf(stderr, "ipcf fit: warning: %s: %s\n", f.in, h)
	}
	if in.smooth > 0 {
		fmt.Fprintf(stderr, "ipcf fit: warning: %s: %s\n", f.in, fit.SmoothedWarning(in.smooth))
	}
	b := newBar(stderr, "fit", f.quiet)
	pl.opts.Progress = b.update
	maps, err := fit.FitAll(ctx, pl.model, pl.curves, pl.opts)
	b.done()
	if err != nil {
		return err
	}
	shape, sshape := []int{maps.H, maps.W}, []int{maps.H, maps.W}
	if pl.perOffset {
		shape, sshape = append(shape, maps.K), append(sshape, maps.K)
	}
	shape = append(shape, len(cols))
	params, ses := fitMapValues(maps, cols)
	chisq := make([]byte, 4*len(maps.ChiSq))
	status := make([]byte, len(maps.Status))
	for i := range maps.ChiSq {
		byteorder.NativeEndian.PutUint32(chisq[4*i:], math.Float32bits(float32(maps.ChiSq[i])))
		status[i] = uint8(maps.Status[i])
	}
	meta, err := fitMetadata(f, in, pl, maps, cols, names, shape)
	if err != nil {
		return err
	}
	if fitFormatOf(f.out) == "npy" {
		// MAPS.npy.json describes MAPS.npy (ooc.Describes): it is replaced
		// only by a fit (checkFitNpyTarget).
		crc, size := npyCRC(array.Float32, shape, params)
		meta["output_crc32c"], meta["output_bytes"] = fmt.Sprintf("%08x", crc), size
		// The companions' sizes and checksums, and those of the files they
		// replace: a user's file at their names is never replaced.
		comp := map[string]fitCompanion{}
		for _, c := range []struct {
			key, path string
			dt        array.DType
			shape     []int
			data      []byte
		}{{"stderr", names.StdErr, array.Float32, shape, ses}, {"chisq", names.ChiSq, array.Float32, sshape, chisq},
			{"status", names.Status, array.Uint8, sshape, status}} {
			crc, size := npyCRC(c.dt, c.shape, c.data)
			r := fitCompanion{File: filepath.Base(c.path), CRC: fmt.Sprintf("%08x", crc), Bytes: size}
			if p, ok := prevCompanions[c.key]; ok {
				r.PrevCRC, r.PrevBytes = p.CRC, p.Bytes
			}
			comp[c.key] = r
		}
		meta["companions"] = comp
	}
	mb, err := ooc.Seal(meta)
	if err != nil {
		return err
	}
	d := &fitMapsData{meta: meta, cols: cols, shape: shape, sshape: sshape, params: params, ses: ses, chisq: chisq, status: status,
		pixelSize: in.pixelSize, perOffset: pl.perOffset}
	if pl.perOffset {
		d.offsets = pl.fitted
	}
	npy.RemoveStaleTemps(ooc.Folder(f.out)) // left by runs killed while writing
	if fitFormatOf(f.out) == "zarr" {
		npy.RemoveStaleTemps(f.out)
	}
	switch fitFormatOf(f.out) {
	case "zarr":
		err = writeMapsZarr(f.out, d)
	case "tif":
		err = writeMapsTIFF(f.out, d)
	default:
		// Checked again: a user's file that appeared at MAPS.npy, its
		// metadata or a companion during the run is never replaced.
		var now map[string]fitCompanion
		if now, err = checkFitNpyTarget(names, nil); err == nil && !stdmaps.Equal(now, prevCompanions) {
			err = fmt.Errorf("fit: %w: the companions of %s changed during the run: not replacing them", errTarget, names.Params)
		}
		if err == nil {
			err = writeMapsNpy(names, mb, d)
		}
	}
	if err != nil {
		return err
	}
	counts := maps.Counts()
	secs := time.Since(start).Seconds()
	if f.json {
		return writeJSON(stdout, map[string]any{"command": "fit", "ok": true, "output": f.out, "files": names, "shape": shape,
			"model": f.model, "parameters": fitNames(cols), "units": meta["units"], "fits": len(maps.Status),
			"statuses": meta["status_counts"], "seconds": secs, "peak_memory_bytes": peakRSS(), "weights": in.weights})
	}
	if !f.quiet {
		what := fmt.Sprintf("%d x %d pixels", maps.H, maps.W)
		if pl.perOffset && maps.K > 1 {
			what += fmt.Sprintf(" x %d offsets", maps.K)
		} else if f.joint && in.k > 1 {
			what += fmt.Sprintf(" (%d offsets jointly)", in.k)
		}
		if in.sigma != nil {
			what += fmt.Sprintf(", weighted by %s", in.weights["sigma"])
		}
		fmt.Fprintf(stderr, "fit: %s on %s, %d delays: %d fits in %.2f s: %d converged, %d at a bound, %d out of iterations, %d failed -> %s\n",
			f.model, what, in.p, len(maps.Status), secs, counts[fit.Converged], counts[fit.AtBound], counts[fit.MaxIter], counts[fit.Failed], f.out)
	}
	return nil
}

func fitNames(cols []fit.Column) []string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.Name
	}
	return n
}

// fitMapValues returns the parameter and standard error maps as float32
// bytes: the fitted parameters times their unit factors, then the derived
// ones (fit.At).
func fitMapValues(maps *fit.Maps, cols []fit.Column) (params, ses []byte) {
	nc := len(cols)
	n := len(maps.Status)
	params, ses = make([]byte, 4*n*nc), make([]byte, 4*n*nc)
	for i := 0; i < n; i++ {
		for j := range cols {
			v, s := fit.At(maps, cols, i, j)
			o := 4 * (i*nc + j)
			byteorder.NativeEndian.PutUint32(params[o:], math.Float32bits(float32(v)))
			byteorder.NativeEndian.PutUint32(ses[o:], math.Float32bits(float32(s)))
		}
	}
	return params, ses
}

// fitModelText is each model's formula for the metadata.
var fitModelText = map[string]string{
	"pcf1d": "G = DC / (1 + 4 D tau / W^2) * exp(-d^2 / (4 D tau + W^2))",
	"acf2d": "G = G0 / (1 + 4 D tau / W^2) [* exp(-v^2 tau^2 / (4 D tau + W^2))] [+ Ginf]",
	"acf3d": "G = G0 / (1 + 4 D tau / W^2) / sqrt(1 + 4 D tau / (kappa^2 W^2)) [* exp(-v^2 tau^2 / (4 D tau + W^2))] [+ Ginf]",
	"ccf2d": "G = G0 / (1 + 4 D tau / W^2) * exp(-|R - v tau|^2 / (4 D tau + W^2)) [+ Ginf]; delta: the forward minus the backward term (R + v tau)",
	"itir":  "G = G0 * F(Rx - vx tau, p) F(Ry - vy tau, p) / F(0, W)^2 [+ Ginf], p^2 = 4 D tau + W^2, pixels of side A (core/fit ITIRFCS)",
}

// fitWarnings lists what makes the maps doubtful (smoothed curves), for
// their metadata; empty when nothing does.
func fitWarnings(in *fitInput, pl *fitPlan) []string {
	w := []string{}
	if in.smooth > 0 {
		w = append(w, fit.SmoothedWarning(in.smooth))
	}
	if h := heldAcross(in, pl); h != "" {
		w = append(w, h)
	}
	return w
}

// heldAcross is the warning of a ccf2d fit whose offsets lie on one axis
// of an image (not a line scan): the velocity across the axis is held at
// 0, and a flow across it biases D and the velocity along it (D 0.090 for
// 0.05 with a flow of (0.1, 0.1), the maps saying vy 0 +- 0 without a
// word: FIT19's m1).
func heldAcross(in *fitInput, pl *fitPlan) string {
	if pl.lower == nil || in.h <= 1 || in.w <= 1 { // (a line scan, or one row or column: no other direction)
		return ""
	}
	// an offset across the axis needs more than 2 rows (columns): an image
	// of 2 has none to give (REVIEW24's m2)
	across := in.w // (vx held: offsets along y)
	if pl.lower[3] == 0 && pl.upper[3] == 0 {
		across = in.h // (vy held: offsets along x)
	}
	if across <= 2 {
		return ""
	}
	return "the offsets lie on one axis of an image: the velocity across it is held at 0 (a line scan's geometry), and a flow across it biases D and the velocity along it; give a result of offsets in two directions for an image's flow"
}

func fitMetadata(f fitFlags, in *fitInput, pl *fitPlan, maps *fit.Maps, cols []fit.Column, names fitOutputs, shape []int) (map[string]any, error) {
	nullable := func(v float64) any {
		if v > 0 {
			return v
		}
		return nil
	}
	dist, tim := "px", "frame"
	if in.pixelSize > 0 {
		dist = "um"
	}
	if in.frame > 0 {
		tim = "s"
	}
	fixed := map[string]any{"waist_px": pl.waistPx, "waist_um": nil, "waist_from": pl.waistFrom}
	if in.pixelSize > 0 {
		fixed["waist_um"] = pl.waistPx * in.pixelSize
	}
	if f.model == "acf3d" {
		fixed["kappa"] = f.kappa
	}
	if f.model == "itir" {
		fixed["pixel_side_px"] = 1.0
	}
	base := func(p string) string { return filepath.Base(p) }
	counts := maps.Counts()
	dof := -1
	uniform := true
	for i, s := range maps.Status {
		if s == fit.Failed {
			continue
		}
		if dof < 0 {
			dof = int(maps.DoF[i])
		}
		uniform = uniform && int(maps.DoF[i]) == dof
	}
	var dofv any
	if dof >= 0 && uniform {
		dofv = dof
	}
	axes := "row, column, parameter"
	if pl.perOffset {
		axes = "row, column, offset, parameter"
	}
	o := pl.opts.Options
	delayS := any(nil)
	if in.frame > 0 {
		s := make([]float64, len(in.tau))
		for i, t := range in.tau {
			s[i] = t * in.frame
		}
		delayS = s
	}
	var origin any // the input pixel (row, column) of the maps' pixel (0, 0)
	rm, err := readResultMeta(f.in, [4]int{in.h, in.w, in.k, in.p})
	if err != nil {
		return nil, err
	}
	if rm.known {
		origin = []int{rm.margin[0] + rm.origin[0], rm.margin[1] + rm.origin[1]}
	}
	return map[string]any{
		"software":       "ipcf",
		"version":        Version,
		"command":        "fit",
		"result":         f.in,
		"result_job_key": in.jobKey,
		"result_shape":   []int{in.h, in.w, in.k, in.p},
		"result_mode":    in.mode,
		"result_bins":    in.bins,
		"result_delta":   in.delta,
		"result_smooth":  in.smooth,
		"warnings":       fitWarnings(in, pl),
		"model":          f.model,
		"model_formula":  fitModelText[f.model],
		"flow":           f.flow || f.model == "ccf2d",
		"ginf":           f.ginf,
		"joint":          f.joint,
		"fixed":          fixed,
		"fit_units":      "pixels and frames; each map is the fitted value times its scale",
		"units": map[string]any{"distance": dist, "time": tim, "pixel_size_um": nullable(in.pixelSize),
			"frame_interval_s": nullable(in.frame), "from": in.unitsFrom},
		"parameters":     cols,
		"shape":          shape,
		"axes":           axes,
		"origin_px":      origin,
		"offsets":        pl.fitted,
		"offset_axis":    pl.perOffset,
		"delay_frames":   in.tau,
		"delay_s":        delayS,
		"points_fitted":  map[string]any{"left_out_first": o.First, "left_out_last": o.Last, "negative_clipped_to_zero": o.ClipNegative, "per_curve": o.Fitted(in.p)},
		"files":          map[string]string{"params": base(names.Params), "stderr": base(names.StdErr), "chisq": base(names.ChiSq), "status": base(names.Status)},
		"chisq":          chisqText(in),
		"weights":        in.weights,
		"bins_averaged":  len(in.lagBins) > 0, // the model averaged over each point's lags (fit.Options.Bins)
		"dof":            dofv,
		"status_codes":   map[string]string{"0": fit.Converged.String(), "1": fit.AtBound.String(), "2": fit.MaxIter.String(), "3": fit.Failed.String()},
		"status_counts":  map[string]int{fit.Converged.String(): counts[fit.Converged], fit.AtBound.String(): counts[fit.AtBound], fit.MaxIter.String(): counts[fit.MaxIter], fit.Failed.String(): counts[fit.Failed]},
		"stderr_derived": "derived parameters' standard errors to first order in the fitted ones, speed and angle with the covariance of vx and vy",
	}, nil
}

// testHookOpened, if set, runs when fit or plot has opened a .npy result
// (whose metadata are read next), when plot is about to open a .npy map
// (whose metadata were read before), and when convolve has opened an
// input (which it copies next): tests replace the file and its metadata
// there, as a rerun would, or cut it short.
var testHookOpened func(path string)

// openNpyResult opens the .npy result path for cmd (fit, plot), naming a
// pCF job's other result formats, which these commands do not read.
func openNpyResult(cmd, path string) (*npy.File, error) {
	res, err := npy.Open(path)
	if err == nil {
		if testHookOpened != nil {
			testHookOpened(path)
		}
		return res, nil
	}
	if st, serr := os.Stat(path); serr == nil && st.IsDir() {
		if err := mapsWithoutMeta(path); err != nil {
			return nil, err
		}
		_, zerr := os.Stat(filepath.Join(path, ".zarray"))
		_, gerr := os.Stat(filepath.Join(path, ".zgroup"))
		python := "Python's fit_result reads Zarr"
		if cmd == "plot" {
			python = "Python's ipcf.open_result and ipcf.plot read Zarr"
		}
		switch name := strings.TrimRight(path, "/"); {
		case strings.HasSuffix(name, ".ome.zarr") || (gerr == nil && zerr != nil):
			// Python's open_result reads plain .zarr results only.
			return nil, fmt.Errorf("%s is an OME-Zarr result: ipcf %s reads .npy results (ipcf pcf ... -o OUT.npy)", path, cmd)
		case zerr == nil || strings.HasSuffix(name, ".zarr"):
			return nil, fmt.Errorf("%s is a Zarr result: ipcf %s reads .npy results (ipcf pcf ... -o OUT.npy; %s)", path, cmd, python)
		}
	}
	if isTIFF(path) {
		return nil, fmt.Errorf("%s is a TIFF file: ipcf %s reads .npy results (ipcf pcf ... -o OUT.npy)", path, cmd)
	}
	return nil, err
}

// mapsWithoutMeta is the error for the Zarr folder path holding the
// arrays of ipcf fit's maps without readable group metadata (.zattrs
// removed or damaged), nil for any other path: it was called an OME-Zarr
// result, with the advice that plot reads .npy, or, with --param, no
// maps (a campaign's finding).
func mapsWithoutMeta(path string) error {
	_, zerr := os.Stat(filepath.Join(path, ".zarray"))
	_, gerr := os.Stat(filepath.Join(path, ".zgroup"))
	_, perr := os.Stat(filepath.Join(path, "params", ".zarray"))
	if gerr != nil || zerr == nil || perr != nil {
		return nil
	}
	return fmt.Errorf("%s holds the arrays of ipcf fit's maps, but not their metadata (%s, which names the parameters and units and records the checksums): not read; run the fit again", path, filepath.Join(path, ".zattrs"))
}

// isTIFF reports whether path is a regular file starting as a TIFF or
// BigTIFF file does.
func isTIFF(path string) bool {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	f, _, err := npy.OpenRegular(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 4)
	n, _ := io.ReadFull(f, b)
	m := string(b[:n])
	return m == "II*\x00" || m == "MM\x00*" || m == "II+\x00" || m == "MM\x00+"
}
