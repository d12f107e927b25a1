package main

// The fits of core/fit through the C ABI (issue 14): ipcf_fit_options,
// ipcf_fit_nparams and ipcf_fit. The models, their parameters, the derived
// parameters and the unit factors are core/fit's (fit.Columns), the same
// as ipcf fit's maps.

/*
#include "ipcf.h"
typedef const ipcf_array ipcf_carray;
typedef const ipcf_fit_options ipcf_cfit_options;
typedef const int32_t ipcf_cint32;
typedef const double ipcf_cdouble;
*/
import "C"

import (
	"context"
	"encoding/binary"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"unsafe"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
)

// fitModelNames are the models' names, for messages: every host's (Python's
// model='ccf2d', Octave's 'Model', Fiji's model=, ipcf fit --model) and
// the C constant's, as these messages reach every host (the C wording
// alone reached Python, Octave and Fiji users: REVIEW23's m2, FIJI18's m2).
var fitModelNames = [...]string{"model pcf1d (IPCF_MODEL_PCF1D)", "model acf2d (IPCF_MODEL_ACF2D)", "model acf3d (IPCF_MODEL_ACF3D)", "model ccf2d (IPCF_MODEL_CCF2D)", "model itir (IPCF_MODEL_ITIR)"}

const (
	fitFlow  = C.IPCF_FIT_FLOW
	fitGinf  = C.IPCF_FIT_GINF
	fitJoint = C.IPCF_FIT_JOINT
	fitDelta = C.IPCF_FIT_DELTA
	fitBins  = C.IPCF_FIT_BINS
	fitMulti = C.IPCF_FIT_MULTITAU
	fitFlags = fitFlow | fitGinf | fitJoint | fitDelta | fitBins | fitMulti
	// fitMaxIter bounds options.max_iter.
	fitMaxIter = 1 << 20
)

// headerDefaultWaist is ipcf.h's IPCF_FIT_DEFAULT_WAIST, which the hosts
// report: fit.DefaultWaist, the value used (TestHeaderDefaultWaist).
var headerDefaultWaist = float64(C.IPCF_FIT_DEFAULT_WAIST)

// fitSpec is a checked ipcf_fit_options.
type fitSpec struct {
	model int32     // IPCF_MODEL_*
	m     fit.Model // at the offset (0, 0)
	waist float64   // pixels
	units fit.Units // of the outputs
	joint bool      // one fit per pixel
	bins  bool      // IPCF_FIT_BINS: the points are log or linear bins
	multi bool      // IPCF_FIT_MULTITAU: the points are multi-tau points
	mtM   int       // their m (0: read from the delays)
	opts  fit.AllOptions
	tok   *cToken // the caller's token (nil: none)
}

func (s *fitSpec) name() string { return fitModelNames[s.model] }

// acf reports the models of the autocorrelation, which take no offsets.
func (s *fitSpec) acf() bool { return s.model == C.IPCF_MODEL_ACF2D || s.model == C.IPCF_MODEL_ACF3D }

//export ipcfgo_check_units
func ipcfgo_check_units(pixelSize, frameInterval C.double) (st status) {
	const fn = "ipcf_check_units"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	for _, v := range []struct {
		name string
		v    C.double
	}{{"pixel_size", pixelSize}, {"frame_interval", frameInterval}} {
		if err := checkFinite(v.name, v.v); err != nil {
			return finish(fn, err)
		}
		if v.v < 0 {
			return finish(fn, fail(eInvalid, "%s=%g, want >= 0 (0: unknown)", v.name, float64(v.v)))
		}
	}
	return finish(fn, fit.Units{PixelSize: float64(pixelSize), FrameInterval: float64(frameInterval)}.Check())
}

//export ipcfgo_fit_options_init
func ipcfgo_fit_options_init(o *C.ipcf_fit_options) {
	if o == nil {
		return
	}
	*o = C.ipcf_fit_options{struct_size: C.uint32_t(unsafe.Sizeof(*o)), model: C.IPCF_MODEL_PCF1D,
		first: 1, last: 1, pixel_side: 1}
}

// fitOptions reads and checks the options (NULL: the defaults), every
// field within the caller's struct_size.
func fitOptions(co *C.ipcf_fit_options) (fitSpec, error) {
	var o C.ipcf_fit_options
	ipcfgo_fit_options_init(&o)
	var tok *cToken
	if co != nil {
		ss := co.struct_size
		if err := checkSize("options", ss, unsafe.Sizeof(o), "ipcf_fit_options_init"); err != nil {
			return fitSpec{}, err
		}
		// Each field the caller's struct holds whole, over the defaults.
		rd := func(off, size uintptr) bool { return has(ss, off, size) }
		if rd(unsafe.Offsetof(o.model), 4) {
			o.model = co.model
		}
		if rd(unsafe.Offsetof(o.flags), 4) {
			o.flags = co.flags
		}
		if rd(unsafe.Offsetof(o.first), 4) {
			o.first = co.first
		}
		if rd(unsafe.Offsetof(o.last), 4) {
			o.last = co.last
		}
		if rd(unsafe.Offsetof(o.max_iter), 4) {
			o.max_iter = co.max_iter
		}
		if rd(unsafe.Offsetof(o.threads), 4) {
			o.threads = co.threads
		}
		if rd(unsafe.Offsetof(o.multitau_m), 4) {
			o.multitau_m = co.multitau_m
		}
		if rd(unsafe.Offsetof(o.waist), 8) {
			o.waist = co.waist
		}
		if rd(unsafe.Offsetof(o.kappa), 8) {
			o.kappa = co.kappa
		}
		if rd(unsafe.Offsetof(o.pixel_side), 8) {
			o.pixel_side = co.pixel_side
		}
		if rd(unsafe.Offsetof(o.pixel_size), 8) {
			o.pixel_size = co.pixel_size
		}
		if rd(unsafe.Offsetof(o.frame_interval), 8) {
			o.frame_interval = co.frame_interval
		}
		if rd(unsafe.Offsetof(o.progress_user), 8) {
			o.progress, o.progress_user = co.progress, co.progress_user
			if err := lowCallback("options.progress", unsafe.Pointer(o.progress)); err != nil {
				return fitSpec{}, err
			}
		}
		if rd(unsafe.Offsetof(o.token), 8) {
			var err error
			if tok, err = tokenFlag(co.token); err != nil {
				return fitSpec{}, err
			}
		}
	}
	var s fitSpec
	if o.model < 0 || int(o.model) >= len(fitModelNames) {
		return s, fail(eInvalid, "options.model=%d, want IPCF_MODEL_PCF1D, _ACF2D, _ACF3D, _CCF2D or _ITIR", o.model)
	}
	s.model = int32(o.model)
	if o.flags&^fitFlags != 0 {
		return s, fail(eInvalid, "options.flags=%#x: unknown bits %#x (want IPCF_FIT_FLOW, _GINF, _JOINT, _DELTA, _BINS, _MULTITAU)", uint32(o.flags), uint32(o.flags&^fitFlags))
	}
	switch m := o.multitau_m; {
	case o.flags&fitMulti == 0 && m != 0:
		return s, fail(eInvalid, "options.multitau_m=%d without IPCF_FIT_MULTITAU: want 0", m)
	case o.flags&fitMulti != 0 && o.flags&fitBins != 0:
		return s, fail(eInvalid, "options.flags: IPCF_FIT_BINS and IPCF_FIT_MULTITAU: the points are log or linear bins or multi-tau points, not both")
	case o.flags&fitMulti != 0 && m != 0 && (m < 2 || m%2 != 0 || m > 1<<20):
		return s, fail(eInvalid, "options.multitau_m=%d with IPCF_FIT_MULTITAU, want an even number of 2 to 2^20 (the curves' channels a level; 0 reads it from the delays)", m)
	}
	s.multi, s.mtM = o.flags&fitMulti != 0, int(o.multitau_m)
	for _, v := range []struct {
		name   string
		v, max C.int32_t
	}{{"first", o.first, 1 << 30}, {"last", o.last, 1 << 30}, {"max_iter", o.max_iter, fitMaxIter}} {
		if v.v < 0 || v.v > v.max {
			return s, fail(eInvalid, "options.%s=%d, want 0..%d", v.name, v.v, v.max)
		}
	}
	if err := checkThreads("options.threads", o.threads); err != nil {
		return s, err
	}
	for _, v := range []struct {
		name string
		v    C.double
	}{{"waist", o.waist}, {"kappa", o.kappa}, {"pixel_side", o.pixel_side}, {"pixel_size", o.pixel_size}, {"frame_interval", o.frame_interval}} {
		if err := checkFinite("options."+v.name, v.v); err != nil {
			return s, err
		}
		if v.v < 0 {
			return s, fail(eInvalid, "options.%s=%g, want >= 0", v.name, float64(v.v))
		}
	}
	s.units = fit.Units{PixelSize: float64(o.pixel_size), FrameInterval: float64(o.frame_interval)}
	switch w := float64(o.waist); {
	case w > 0:
		s.waist = w
	case s.units.PixelSize > 0:
		return s, fail(eInvalid, "options.waist=0 with options.pixel_size=%g: give the PSF waist (1/e^2 radius) in pixels; the default %g pixels is the simulator's PSF, for uncalibrated data", s.units.PixelSize, fit.DefaultWaist)
	default:
		s.waist = fit.DefaultWaist
	}
	if err := s.units.Check(); err != nil {
		return s, fail(eInvalid, "options: %v", err)
	}
	if err := fit.CheckWaist(s.waist); err != nil {
		return s, fail(eInvalid, "options.waist: %v", err)
	}
	flow, ginf, delta := o.flags&fitFlow != 0, o.flags&fitGinf != 0, o.flags&fitDelta != 0
	s.joint = o.flags&fitJoint != 0
	s.bins = o.flags&fitBins != 0
	refuse := func(bit C.uint32_t, flag, why string) error {
		if o.flags&bit != 0 {
			return fail(eInvalid, "options.flags: %s does not apply to %s (%s)", flag, s.name(), why)
		}
		return nil
	}
	var errs []error
	kappa := float64(o.kappa)
	switch s.model {
	case C.IPCF_MODEL_PCF1D:
		errs = append(errs, refuse(fitFlow, "flow (IPCF_FIT_FLOW)", "it has no flow; fit delta-CCFs with model ccf2d"),
			refuse(fitGinf, "ginf (IPCF_FIT_GINF)", "ICSx64's model has no offset"),
			refuse(fitDelta, "delta (IPCF_FIT_DELTA)", "delta-CCFs are fitted with model ccf2d"))
		s.m = fit.PCF1D{W: s.waist}
	case C.IPCF_MODEL_ACF2D, C.IPCF_MODEL_ACF3D:
		errs = append(errs, refuse(fitJoint, "joint (IPCF_FIT_JOINT)", "it fits each autocorrelation alone"),
			refuse(fitDelta, "delta (IPCF_FIT_DELTA)", "delta-CCFs are fitted with model ccf2d"))
		if s.model == C.IPCF_MODEL_ACF2D {
			s.m = fit.ACF2D{W: s.waist, Flow: flow, Offset: ginf}
		} else {
			if !(kappa > 0) {
				errs = append(errs, fail(eInvalid, "options.kappa=0: model acf3d (IPCF_MODEL_ACF3D) needs kappa, the axial / lateral waist ratio"))
			} else if err := fit.CheckKappa(kappa); err != nil {
				errs = append(errs, fail(eInvalid, "options.%v", err))
			}
			s.m = fit.ACF3D{W: s.waist, Kappa: kappa, Flow: flow, Offset: ginf}
		}
	case C.IPCF_MODEL_CCF2D:
		errs = append(errs, refuse(fitFlow, "flow (IPCF_FIT_FLOW)", "it always fits the velocity (vx, vy)"))
		if ginf && delta {
			errs = append(errs, fail(eInvalid, "options.flags: IPCF_FIT_GINF with IPCF_FIT_DELTA: a delta-CCF has no offset (it cancels between the two directions)"))
		}
		s.joint = true // one CCF does not determine the direction of the flow
		s.m = fit.CCF2D{W: s.waist, Delta: delta, Offset: ginf}
	case C.IPCF_MODEL_ITIR:
		errs = append(errs, refuse(fitDelta, "delta (IPCF_FIT_DELTA)", "delta-CCFs are fitted with model ccf2d"))
		if !(o.pixel_side > 0) {
			errs = append(errs, fail(eInvalid, "options.pixel_side=0: model itir (IPCF_MODEL_ITIR) needs the camera pixel's side (1: the pixels of the offsets)"))
		}
		s.m = fit.ITIRFCS{A: float64(o.pixel_side), W: s.waist, Flow: flow, Offset: ginf}
	}
	if s.model != C.IPCF_MODEL_ACF3D && kappa != 0 {
		errs = append(errs, fail(eInvalid, "options.kappa=%g applies to model acf3d (IPCF_MODEL_ACF3D) only (0 for %s)", kappa, s.name()))
	}
	for _, e := range errs {
		if e != nil {
			return s, e
		}
	}
	if err := s.m.Check(); err != nil {
		return s, fail(eInvalid, "options: %v", err)
	}
	fo := fit.DefaultOptions(s.m)
	fo.First, fo.Last, fo.MaxIter = int(o.first), int(o.last), int(o.max_iter)
	s.opts = fit.AllOptions{Options: fo, Joint: s.joint, Threads: int(o.threads)}
	s.opts.Progress = progressFunc(o.progress, o.progress_user, tok)
	s.tok = tok
	return s, nil
}

// fitOffsets checks the k offsets for the model and returns them as the
// fit's displacements in pixels (nil for the ACF models).
func fitOffsets(s *fitSpec, uv *C.ipcf_cint32, k int64, what string) ([]fit.Vec, []float64, error) {
	if k < 1 || k > pcf.MaxOffsets {
		return nil, nil, fail(eInvalid, "%s=%d, want 1..%d", what, k, pcf.MaxOffsets)
	}
	if uv == nil {
		if s.acf() {
			return nil, nil, nil
		}
		return nil, nil, fail(eInvalid, "offsets is NULL: %s needs each curve's offset (u, v)", s.name())
	}
	raw := unsafe.Slice(uv, 2*k)
	vecs := make([]fit.Vec, k)
	dists := make([]float64, k)
	offs := make([]pcf.Offset, k)
	for i := range vecs {
		u, v := int(raw[2*i]), int(raw[2*i+1])
		offs[i] = pcf.Offset{U: u, V: v}
		vecs[i] = fit.Vec{X: float64(u), Y: float64(v)}
		dists[i] = math.Hypot(float64(u), float64(v))
		if s.acf() && (u != 0 || v != 0) {
			return nil, nil, fail(eInvalid, "offsets[%d]=(%d, %d): %s fits autocorrelations, the offset (0, 0) (pass NULL, or the curves at (0, 0) only)", i, u, v, s.name())
		}
	}
	if err := pcf.CheckOffsets(offs); err != nil {
		return nil, nil, fail(eInvalid, "offsets: %v", err)
	}
	if s.acf() {
		return nil, nil, nil
	}
	if s.model == C.IPCF_MODEL_CCF2D {
		// Two directions: some offset off the line through (0, 0) and the
		// first other than (0, 0) (one pass; a pair loop took seconds for
		// 65,536 offsets).
		twoD := false
		if a := slices.IndexFunc(offs, func(o pcf.Offset) bool { return o != pcf.Offset{} }); a >= 0 {
			twoD = slices.ContainsFunc(offs, func(b pcf.Offset) bool { return offs[a].U*b.V != offs[a].V*b.U })
		}
		if !twoD {
			// On one axis (a line scan's): the velocity across it held at 0.
			if !slices.ContainsFunc(vecs, func(v fit.Vec) bool { return v != fit.Vec{} }) {
				return nil, nil, fail(eInvalid, "offsets: %s needs offsets other than (0, 0): autocorrelations alone carry no flow's direction (model acf2d with flow, IPCF_MODEL_ACF2D with IPCF_FIT_FLOW, fits their speed)", s.name())
			}
			lo, hi, ok := s.m.(fit.CCF2D).LineBounds(vecs)
			if !ok {
				return nil, nil, fail(eInvalid, "offsets: %s needs offsets in two directions, or on one axis (a line scan's, the velocity across it held at 0), to determine the flow's velocity (vx, vy); the %d offset(s) lie on one line off the axes", s.name(), k)
			}
			s.opts.Lower, s.opts.Upper = lo, hi
		}
	}
	if m, ok := s.m.(fit.ITIRFCS); ok {
		if why := m.FlowDetermined(vecs, s.joint); why != "" {
			return nil, nil, fail(eInvalid, "offsets: %s with flow (IPCF_FIT_FLOW): %s (or fit the speed alone: model acf2d with flow, IPCF_MODEL_ACF2D with IPCF_FIT_FLOW)", s.name(), why)
		}
	}
	return vecs, dists, nil
}

// columns returns the outputs' columns for the offsets' distances.
func (s *fitSpec) columns(dists []float64) []fit.Column {
	if s.model == C.IPCF_MODEL_PCF1D {
		dists = fit.PeakDistances(dists, s.joint)
	} else {
		dists = nil
	}
	return fit.Columns(s.m, s.waist, s.units, dists)
}

//export ipcfgo_fit_nparams
func ipcfgo_fit_nparams(co *C.ipcf_cfit_options, uv *C.ipcf_cint32, k C.int64_t, nparams *C.int32_t, names *C.char, cp C.size_t) (st status) {
	const fn = "ipcf_fit_nparams"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if nparams == nil {
		return finish(fn, fail(eInvalid, "nparams is NULL"))
	}
	if names == nil && cp != 0 {
		return finish(fn, fail(eInvalid, "names is NULL with cap=%d", uint64(cp)))
	}
	s, err := fitOptions((*C.ipcf_fit_options)(co))
	if err != nil {
		return finish(fn, err)
	}
	_, dists, err := fitOffsets(&s, uv, int64(k), "noffsets")
	if err != nil {
		return finish(fn, err)
	}
	cols := s.columns(dists)
	*nparams = C.int32_t(len(cols))
	if names == nil {
		return ok
	}
	text := make([]string, len(cols))
	for i, c := range cols {
		text[i] = c.Name
	}
	all := strings.Join(text, ",")
	if cp == 0 {
		return finish(fn, fail(eTooSmall, "cap=0: the names need %d bytes", len(all)+1))
	}
	return copyText(fn, names, cp, all)
}

// cView is a view over n elements of C memory, for the overlap checks.
func cView(dt array.DType, p unsafe.Pointer, shape ...int) array.View {
	n := dt.Size()
	for _, s := range shape {
		n *= s
	}
	v, err := array.Contiguous(dt, shape, unsafe.Slice((*byte)(p), n))
	if err != nil {
		panic(err) // the caller's memory was described by its own counts
	}
	return v
}

// gather copies a (H, W, K, P) float32 view into C order, into memory
// that free releases. The token is looked at before each row: the copy of
// a 288 MiB result took a second, which Ctrl+C waited for (HOSTS14's F3).
func gather(v array.View, tok *cToken) ([]float32, func(), error) {
	h, w, k, p := v.Shape[0], v.Shape[1], v.Shape[2], v.Shape[3]
	out, free, err := curveBuffer(h * w * k * p)
	if err != nil {
		return nil, free, err
	}
	line := make([]float64, p)
	native := v.Order == array.NativeOrder && v.Strides[3] == 4
	i := 0
	for y := 0; y < h; y++ {
		if tok != nil && tok.Load() {
			free()
			return nil, func() {}, pool.ErrCancelled
		}
		for x := 0; x < w; x++ {
			for c := 0; c < k; c++ {
				o := v.Offset + y*v.Strides[0] + x*v.Strides[1] + c*v.Strides[2]
				if native {
					// The bits as they are (the caller's NaN too).
					for j, b := 0, v.Data[o:o+4*p]; j < p; j++ {
						out[i+j] = math.Float32frombits(binary.NativeEndian.Uint32(b[4*j:]))
					}
					i += p
					continue
				}
				v.Gather(line, o, v.Strides[3], p)
				for _, f := range line {
					out[i] = float32(f) // exact: the samples are float32
					i++
				}
			}
		}
	}
	return out, free, nil
}

// curveBuffer returns n float32 and a function that releases them: for a
// large copy, pages mapped for the call, which the kernel zeroes as the
// copy first writes them (after each row's look at the token). Go's heap
// cleared a reused 288 MiB span up front, 0.8 s that Ctrl+C waited for
// (REVIEW14's F1), and ends the host where a limit of address space
// refuses it; a refused mapping is an error.
func curveBuffer(n int) ([]float32, func(), error) {
	if n < 1<<18 {
		return make([]float32, n), func() {}, nil
	}
	b, err := syscall.Mmap(-1, 0, 4*n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, func() {}, fail(eMemory, "the copy of the curves (%d bytes): %v", 4*n, err)
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n), func() { syscall.Munmap(b) }, nil
}

func isUint8(d array.DType) bool { return d == array.Uint8 }

//export ipcfgo_fit
func ipcfgo_fit(curves *C.ipcf_carray, delays *C.ipcf_cdouble, uv *C.ipcf_cint32, sigma *C.ipcf_carray, co *C.ipcf_cfit_options,
	params, stderr_, chisq, stat *C.ipcf_array) (st status) {
	const fn = "ipcf_fit"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		s, err := fitOptions((*C.ipcf_fit_options)(co))
		if err != nil {
			return err
		}
		vc, err := view("curves", (*C.ipcf_array)(curves))
		if err != nil {
			return err
		}
		if vc.NDim() != 4 {
			return fail(eInvalid, "curves.ndim=%d, want 4 (rows, columns, offsets, delays)", vc.NDim())
		}
		if vc.DType != array.Float32 {
			return fail(eLayout, "curves.dtype=%s, want float32 (ipcf_pcf_compute's output)", vc.DType)
		}
		h, w, k, p := vc.Shape[0], vc.Shape[1], vc.Shape[2], vc.Shape[3]
		if k < 1 || p < 1 {
			return fail(eInvalid, "curves.shape=%v: want at least one curve per pixel (offsets) and one point (delays)", vc.Shape)
		}
		if delays == nil {
			return fail(eInvalid, "delays is NULL")
		}
		// The delays, the copies of the curves (and error bars) and the
		// maps (float64 parameters and errors, chi-square, degrees of
		// freedom, status), counted in float64: zero strides can describe
		// more samples than int64 counts.
		np := s.m.NumParams()
		kf := k
		if s.joint {
			kf = 1
		}
		n := float64(h) * float64(w) * float64(k) * float64(p)
		need := 8*float64(p) + 4*n + float64(h)*float64(w)*float64(kf)*float64(16*np+13)
		if sigma != nil {
			need += 4 * n
		}
		if need > 1<<62 {
			need = -1
		}
		if err := pcf.CheckMemory("the fits", int64(need)); err != nil {
			return err
		}
		tau := make([]float64, p)
		for i, t := range unsafe.Slice(delays, p) {
			tau[i] = float64(t)
			if !(tau[i] >= 0) || math.IsInf(tau[i], 0) {
				return fail(eInvalid, "delays[%d]=%g, want finite delays >= 0", i, tau[i])
			}
			if i > 0 && !(tau[i] > tau[i-1]) {
				return fail(eInvalid, "delays[%d]=%g after delays[%d]=%g: want strictly ascending delays", i, tau[i], i-1, tau[i-1])
			}
		}
		if err := s.units.CheckDelays(tau); err != nil {
			return fail(eInvalid, "delays: %v", err)
		}
		if s.bins {
			bins, err := fit.ContiguousBins(tau)
			if err != nil {
				return fail(eInvalid, "options.flags: IPCF_FIT_BINS, but %v", err)
			}
			s.opts.Bins = bins
		}
		if s.multi {
			bins, err := fit.MultiTauBins(tau, s.mtM)
			if err != nil {
				return fail(eInvalid, "multi-tau points (IPCF_FIT_MULTITAU; bins='multitau' in Python, INFO.bins in Octave, ipcf.bins in Fiji): %v", err)
			}
			s.opts.Bins = bins
		}
		vecs, dists, err := fitOffsets(&s, uv, int64(k), "curves.shape[2] (offsets)")
		if err != nil {
			return err
		}
		inputs := []array.View{vc, cView(array.Float64, unsafe.Pointer(delays), p)}
		if uv != nil {
			inputs = append(inputs, cView(array.Int32, unsafe.Pointer(uv), k, 2))
		}
		var vs array.View
		if sigma != nil {
			if vs, err = view("sigma", (*C.ipcf_array)(sigma)); err != nil {
				return err
			}
			if vs.DType != array.Float32 {
				return fail(eLayout, "sigma.dtype=%s, want float32 (ipcf_pcf_errors' output)", vs.DType)
			}
			if len(vs.Shape) != 4 || vs.Shape[0] != h || vs.Shape[1] != w || vs.Shape[2] != k || vs.Shape[3] != p {
				return fail(eInvalid, "sigma.shape=%v, want the curves' %v", vs.Shape, vc.Shape)
			}
			inputs = append(inputs, vs)
		}
		if n := s.opts.Fitted(p); n <= np {
			return fail(eInvalid, "curves of %d points, %d fitted (options.first=%d and options.last=%d left out): too few for the %d parameters of %s",
				p, max(n, 0), s.opts.First, s.opts.Last, np, s.name())
		}
		cols := s.columns(dists)
		nc := len(cols)
		vp, err := outView("params", params, []int{h, w, kf, nc}, isFloat32, "float32", inputs...)
		if err != nil {
			return err
		}
		// Each output its own memory: one overlapping an earlier output is
		// named with it (it was said to overlap "an input").
		outs := []struct {
			name string
			v    array.View
		}{{"params", vp}}
		another := func(name string, v array.View) error {
			for _, o := range outs {
				if v.Overlaps(o.v) {
					return fail(eInvalid, "%s overlaps %s: every output needs its own memory", name, o.name)
				}
			}
			outs = append(outs, struct {
				name string
				v    array.View
			}{name, v})
			return nil
		}
		var ve, vx, vt array.View
		if stderr_ != nil {
			if ve, err = outView("stderr_", stderr_, []int{h, w, kf, nc}, isFloat32, "float32", inputs...); err != nil {
				return err
			}
			if err := another("stderr_", ve); err != nil {
				return err
			}
		}
		if chisq != nil {
			if vx, err = outView("chisq", chisq, []int{h, w, kf}, isFloat32, "float32", inputs...); err != nil {
				return err
			}
			if err := another("chisq", vx); err != nil {
				return err
			}
		}
		if stat != nil {
			if vt, err = outView("status", stat, []int{h, w, kf}, isUint8, "uint8", inputs...); err != nil {
				return err
			}
			if err := another("status", vt); err != nil {
				return err
			}
		}
		c := fit.Curves{Shape: [4]int{h, w, k, p}, Tau: tau, Offsets: vecs}
		var free func()
		if c.Data, free, err = gather(vc, s.tok); err != nil {
			return err
		}
		defer free()
		if sigma != nil {
			if c.Sigma, free, err = gather(vs, s.tok); err != nil {
				return err
			}
			defer free()
		}
		maps, err := fit.FitAll(context.Background(), s.m, c, s.opts)
		if err != nil {
			return err
		}
		if maps.H != h || maps.W != w || maps.K != kf || maps.NP != np {
			return fail(eInternal, "maps of %d x %d x %d x %d, want %d x %d x %d x %d", maps.H, maps.W, maps.K, maps.NP, h, w, kf, np)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for f := 0; f < kf; f++ {
					i := (y*w+x)*kf + f
					for j := range cols {
						v, se := fit.At(maps, cols, i, j)
						vp.Store(vp.Offset+y*vp.Strides[0]+x*vp.Strides[1]+f*vp.Strides[2]+j*vp.Strides[3], v)
						if stderr_ != nil {
							ve.Store(ve.Offset+y*ve.Strides[0]+x*ve.Strides[1]+f*ve.Strides[2]+j*ve.Strides[3], se)
						}
					}
					if chisq != nil {
						vx.Store(vx.Offset+y*vx.Strides[0]+x*vx.Strides[1]+f*vx.Strides[2], maps.ChiSq[i])
					}
					if stat != nil {
						vt.Store(vt.Offset+y*vt.Strides[0]+x*vt.Strides[1]+f*vt.Strides[2], float64(maps.Status[i]))
					}
				}
			}
		}
		return nil
	}())
}
