//go:build cgo && !ipcf_purego

package fft

/*
#cgo LDFLAGS: -lfftw3f
#include <fftw3.h>
*/
import "C"

import (
	"sync"
	"unsafe"
)

// Backend names the FFT implementation that New returns.
const Backend = "fftw3f"

// FFTW's planner is not thread-safe; execution with the new-array
// interface is. Plans are made once per length and kept.
var (
	planMu sync.Mutex
	plans  = map[int]*fftwPlans{}
)

type fftwPlans struct {
	n        int
	fwd, inv C.fftwf_plan // for Alignment-aligned arrays
	ufwd     C.fftwf_plan // FFTW_UNALIGNED variants, made on first need
	uinv     C.fftwf_plan
}

// planFlags: FFTW_ESTIMATE plans in microseconds; FFTW_MEASURE takes
// about 0.8 s for n = 16384 here and executes only ~10% faster, which a
// single default-dataset run does not win back.
const planFlags = C.FFTW_ESTIMATE

func getPlans(n int, unaligned bool) *fftwPlans {
	planMu.Lock()
	defer planMu.Unlock()
	p := plans[n]
	if p == nil {
		p = &fftwPlans{n: n}
		in := (*C.float)(C.fftwf_malloc(C.size_t(4 * n)))
		out := (*C.fftwf_complex)(C.fftwf_malloc(C.size_t(8 * (n/2 + 1))))
		p.fwd = C.fftwf_plan_dft_r2c_1d(C.int(n), in, out, planFlags)
		p.inv = C.fftwf_plan_dft_c2r_1d(C.int(n), out, in, planFlags)
		C.fftwf_free(unsafe.Pointer(in))
		C.fftwf_free(unsafe.Pointer(out))
		plans[n] = p
	}
	if unaligned && p.ufwd == nil {
		in := (*C.float)(C.fftwf_malloc(C.size_t(4 * n)))
		out := (*C.fftwf_complex)(C.fftwf_malloc(C.size_t(8 * (n/2 + 1))))
		p.ufwd = C.fftwf_plan_dft_r2c_1d(C.int(n), in, out, planFlags|C.FFTW_UNALIGNED)
		p.uinv = C.fftwf_plan_dft_c2r_1d(C.int(n), out, in, planFlags|C.FFTW_UNALIGNED)
		C.fftwf_free(unsafe.Pointer(in))
		C.fftwf_free(unsafe.Pointer(out))
	}
	return p
}

// FFTW is the FFTW backend.
type FFTW struct {
	p *fftwPlans
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
	in, out := unsafe.Pointer(&src[0]), unsafe.Pointer(&dst[0])
	plan := f.p.fwd
	if !aligned(in) || !aligned(out) {
		plan = getPlans(f.p.n, true).ufwd
	}
	// FFTW does not write to the input of an out-of-place 1-D r2c.
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
