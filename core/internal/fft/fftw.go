//go:build cgo && !ipcf_purego

package fft

/*
#cgo LDFLAGS: -lfftw3f
#include <fftw3.h>
#include "kernel.h"
*/
import "C"

import (
	"math"
	"sync"
	"unsafe"
)

// Backend names the FFT implementation that New returns.
const Backend = "fftw3f"

// FFTW's planner (and wisdom import) is not thread-safe; execution with
// the new-array interface is. Every plan is made once per length under
// planMu and kept, so every goroutine uses the same plan for a length.
var (
	planMu sync.Mutex
	plans  = map[int]*fftwPlans{}
)

type fftwPlans struct {
	n        int
	fwd, inv C.fftwf_plan // for Alignment-aligned arrays
	ufwd     C.fftwf_plan // FFTW_UNALIGNED variants, made on first need
	uinv     C.fftwf_plan
	// For even n >= 8, the forward transform is half's complex transform of
	// n/2 points and ipcf_r2c's split, with the twiddles tw (r2c.c):
	// about half the time of FFTW's r2c, whose Debian build runs SSE2
	// codelets there.
	half C.fftwf_plan
	tw   []float32
}

// Planning never measures at run time: a plan comes from the embedded
// wisdom (FFTW_WISDOM_ONLY at the rigour wisdomgen used for the size:
// FFTW_PATIENT up to 2^17, FFTW_MEASURE up to 2^20), else from
// FFTW_ESTIMATE. Each is a function of the embedded wisdom and the problem
// alone, so a length gets the same plan, and the same rounding, in every
// thread and every process of a build, and a missing size costs
// microseconds of planning, not seconds.
var wisdomRigour = []C.uint{C.FFTW_PATIENT, C.FFTW_MEASURE}

// Transform kinds for newPlan.
const (
	kindR2C = iota // forward real to half-complex (input preserved)
	kindC2R        // inverse half-complex to real (input destroyed)
	kindC2C        // complex backward, out of place, input destroyed (pair kernel)
)

// newPlan returns a plan of the given kind for length n (from wisdom where it
// applies, see wisdomRigour) and whether it came from wisdom. The arrays
// it is made for are aligned like Alignment unless unaligned is set (then
// FFTW_UNALIGNED, never in the wisdom). The caller holds planMu. The
// problems must stay exactly those of wisdomgen/wisdomgen.c.
func newPlan(kind, n int, unaligned bool) (C.fftwf_plan, bool) {
	loadWisdom()
	a := C.fftwf_malloc(C.size_t(8 * n))
	b := C.fftwf_malloc(C.size_t(8 * n))
	defer C.fftwf_free(a)
	defer C.fftwf_free(b)
	mk := func(flags C.uint) C.fftwf_plan {
		switch kind {
		case kindR2C:
			return C.fftwf_plan_dft_r2c_1d(C.int(n), (*C.float)(a), (*C.fftwf_complex)(b), flags)
		case kindC2R:
			return C.fftwf_plan_dft_c2r_1d(C.int(n), (*C.fftwf_complex)(b), (*C.float)(a), flags|C.FFTW_DESTROY_INPUT)
		default:
			return C.fftwf_plan_dft_1d(C.int(n), (*C.fftwf_complex)(a), (*C.fftwf_complex)(b), C.FFTW_BACKWARD, flags|C.FFTW_DESTROY_INPUT)
		}
	}
	if unaligned {
		return mk(C.FFTW_ESTIMATE | C.FFTW_UNALIGNED), false
	}
	for _, r := range wisdomRigour {
		if p := mk(r | C.FFTW_WISDOM_ONLY); p != nil {
			return p, true
		}
	}
	return mk(C.FFTW_ESTIMATE), false
}

func getPlans(n int, unaligned bool) *fftwPlans {
	planMu.Lock()
	defer planMu.Unlock()
	p := plans[n]
	if p == nil {
		p = &fftwPlans{n: n}
		p.fwd, _ = newPlan(kindR2C, n, false)
		p.inv, _ = newPlan(kindC2R, n, false)
		if n%2 == 0 && n >= 8 { // (the wisdom's complex plans start at 4 points)
			p.half, _ = newPlan(kindC2C, n/2, false)
			p.tw = twiddles(n)
		}
		plans[n] = p
	}
	if unaligned && p.ufwd == nil {
		p.ufwd, _ = newPlan(kindR2C, n, true)
		p.uinv, _ = newPlan(kindC2R, n, true)
	}
	return p
}

// twiddles returns w^k = e^(-2 pi i k/n) for k < n/4 (ipcf_r2c's split
// takes k < (n/2)/2), rounded from float64 to float32 pairs.
func twiddles(n int) []float32 {
	tw := make([]float32, 2*((n/2+1)/2)+2)
	for k := 0; 2*k+1 < len(tw); k++ {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		tw[2*k], tw[2*k+1] = float32(c), float32(s)
	}
	return tw
}

// FFTW is the FFTW backend.
type FFTW struct {
	p      *fftwPlans
	pk, zc []float32 // Forward's packed input and half transform (with half)
}

// NewFFTW returns an FFTW plan for length n >= 1.
func NewFFTW(n int) *FFTW { return &FFTW{p: getPlans(n, false)} }

// New returns a plan of the fastest backend for length n >= 1.
func New(n int) Plan { return NewFFTW(n) }

// Len returns the series length.
func (f *FFTW) Len() int { return f.p.n }

// Forward implements Plan.
func (f *FFTW) Forward(dst []complex64, src []float32) {
	checkLen(f.p.n, len(src), len(dst), false)
	if f.p.half != nil {
		// Packed and transformed in buffers of its own (aligned as the
		// plan's): the same bits for any alignment of src and dst.
		if f.pk == nil {
			f.pk, f.zc = Float32s(f.p.n), Float32s(f.p.n)
		}
		C.ipcf_r2c_pack((*C.float)(unsafe.Pointer(&src[0])), fptr32(f.pk), C.int(f.p.n))
		C.ipcf_r2c(unsafe.Pointer(f.p.half), fptr32(f.p.tw), C.int(f.p.n), fptr32(f.pk), fptr32(f.zc), (*C.float)(unsafe.Pointer(&dst[0])))
		return
	}
	in, out := unsafe.Pointer(&src[0]), unsafe.Pointer(&dst[0])
	plan := f.p.fwd
	if !aligned(in) || !aligned(out) {
		plan = getPlans(f.p.n, true).ufwd
	}
	// FFTW does not write to the input of an out-of-place 1-D r2c (and the
	// plan is made without FFTW_DESTROY_INPUT).
	C.fftwf_execute_dft_r2c(plan, (*C.float)(in), (*C.fftwf_complex)(out))
}

// Inverse implements Plan.
func (f *FFTW) Inverse(dst []float32, src []complex64) {
	checkLen(f.p.n, len(src), len(dst), true)
	in, out := unsafe.Pointer(&src[0]), unsafe.Pointer(&dst[0])
	plan := f.p.inv
	if !aligned(in) || !aligned(out) {
		plan = getPlans(f.p.n, true).uinv
	}
	C.fftwf_execute_dft_c2r(plan, (*C.fftwf_complex)(in), (*C.float)(out))
}

// WisdomPlans reports, for length n, which of the forward (r2c), inverse
// (c2r) and pair-kernel (complex) plans come from the embedded wisdom
// rather than FFTW_ESTIMATE.
func WisdomPlans(n int) (forward, inverse, pair bool) {
	planMu.Lock()
	defer planMu.Unlock()
	check := func(kind int) bool {
		p, ok := newPlan(kind, n, false)
		C.fftwf_destroy_plan(p)
		return ok
	}
	forward = check(kindR2C)
	if n%2 == 0 && n >= 8 {
		p, ok := newPlan(kindC2C, n/2, false) // Forward's
		C.fftwf_destroy_plan(p)
		forward = ok
	}
	return forward, check(kindC2R), check(kindC2C)
}

func fptr32(v []float32) *C.float { return (*C.float)(unsafe.Pointer(&v[0])) }
