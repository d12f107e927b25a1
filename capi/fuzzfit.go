package main

// The fits' C boundary under fuzzing (FuzzFit in fuzzfit_test.go): the
// harness of fuzzcall.go builds the descriptors, the delays, the offsets
// and the options of ipcf_fit and ipcf_fit_nparams from fuzz bytes.

/*
#include <stdlib.h>
#include "ipcf.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// fitOpts decodes ipcf_fit_options (nil sometimes); zero bytes keep the
// defaults but the model.
func (h *fuzzHarness) fitOpts() *C.ipcf_fit_options {
	f := &h.f
	if f.u8() == 255 {
		return nil
	}
	o := (*C.ipcf_fit_options)(h.calloc(unsafe.Sizeof(C.ipcf_fit_options{})))
	ipcfgo_fit_options_init(o)
	o.struct_size = f.structSize(unsafe.Sizeof(*o))
	o.model = f.i32(6)
	o.flags = C.uint32_t(f.u8() % 20)
	if v := f.u8(); v != 0 {
		o.first, o.last = f.i32(4), f.i32(4)
	}
	o.max_iter, o.threads = f.i32(40), f.i32(3)
	for _, p := range []*C.double{&o.waist, &o.kappa, &o.pixel_side, &o.pixel_size, &o.frame_interval} {
		if f.u8() >= 200 {
			*p = f.f64()
		}
	}
	o.token = h.token()
	return o
}

// fitOffsetsBuf fills an input buffer with k (u, v) offsets (nil sometimes).
func (h *fuzzHarness) fitOffsetsBuf(k int) *C.int32_t {
	f := &h.f
	if f.u8() >= 224 || k < 1 || k > 64 {
		return nil
	}
	b := h.buffer(8*k, false)
	uv := unsafe.Slice((*C.int32_t)(b.at(0)), 2*k)
	for i := range uv {
		uv[i] = f.offset()
	}
	copy(b.copy, b.bytes())
	return (*C.int32_t)(b.at(0))
}

// fuzzFitRun decodes one call of ipcf_fit or ipcf_fit_nparams from data,
// makes it and checks the invariants.
func fuzzFitRun(data []byte) (c fuzzCall) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := &fuzzHarness{f: fuzzBytes{data}, outs: map[*fuzzBuf]bool{}}
	defer func() {
		for _, p := range h.free {
			C.free(p)
		}
	}()
	f := &h.f
	var st status
	if f.u8()%2 == 0 {
		c.fn = "ipcf_fit_nparams"
		o := h.fitOpts()
		k := f.small(12)
		uv := h.fitOffsetsBuf(int(k))
		capacity := int(f.u8() % 64)
		b := h.buffer(capacity, true)
		names := (*C.char)(b.at(0))
		if f.u8() == 255 {
			names = nil
		}
		np := (*C.int32_t)(h.calloc(4))
		if f.u8() == 255 {
			np = nil
		}
		clearError()
		st = ipcfgo_fit_nparams(o, uv, C.int64_t(k), np, names, C.size_t(capacity))
		if st == ok && (*np < 3 || *np > 10) {
			c.problems = append(c.problems, fmt.Sprintf("nparams=%d", *np))
		}
		h.check(&c, st)
		return c
	}
	c.fn = "ipcf_fit"
	o := h.fitOpts()
	curves, ok1 := h.array(nil, C.IPCF_DTYPE_FLOAT32, false)
	var sh []int
	if curves != nil && curves.ndim == 4 {
		for i := 0; i < 4; i++ {
			sh = append(sh, int(curves.shape[i]))
		}
	}
	p, k := int(f.small(40)), int(f.small(10))
	if sh != nil {
		p, k = sh[3], sh[2]
	}
	if p < 0 || p > 1<<12 {
		// The library reads the P delays the curves declare (after the
		// memory check): more than the harness provides.
		return fuzzCall{skipped: true}
	}
	if n := 1; sh != nil {
		for _, d := range sh {
			if d > 0 && n > (1<<22)/d {
				// Legitimate but long work (zero strides can describe a
				// billion curves in a few bytes): more than a fuzz call's
				// time limit, not a fault (testdata/fuzz/FuzzFit/a4bf8ce7516113ca).
				return fuzzCall{skipped: true}
			}
			n *= max(d, 1)
		}
	}
	var delays *C.double
	if v := f.u8(); v < 240 {
		b := h.buffer(8*max(p, 1), false)
		t := unsafe.Slice((*C.double)(b.at(0)), max(p, 1))
		for i := range t {
			t[i] = C.double(float64(i) * float64(1+v%4))
			if f.u8() >= 250 {
				t[i] = f.f64()
			}
		}
		copy(b.copy, b.bytes())
		delays = &t[0]
	}
	uv := h.fitOffsetsBuf(k)
	var sigma *C.ipcf_array
	ok2 := true
	if f.u8() >= 200 {
		sigma, ok2 = h.array(sh, C.IPCF_DTYPE_FLOAT32, false)
	}
	// the outputs' shapes when the options and offsets are valid
	var psh, ssh []int
	var np C.int32_t
	if sh != nil && ipcfgo_fit_nparams(o, uv, C.int64_t(sh[2]), &np, nil, 0) == ok {
		kf := sh[2]
		if o != nil && (o.flags&C.IPCF_FIT_JOINT != 0 || o.model == C.IPCF_MODEL_CCF2D) {
			kf = 1
		}
		psh, ssh = []int{sh[0], sh[1], kf, int(np)}, []int{sh[0], sh[1], kf}
	}
	params, ok3 := h.array(psh, C.IPCF_DTYPE_FLOAT32, true)
	var se, chisq, stat *C.ipcf_array
	ok4, ok5, ok6 := true, true, true
	if f.u8() < 128 {
		se, ok4 = h.array(psh, C.IPCF_DTYPE_FLOAT32, true)
	}
	if f.u8() < 128 {
		chisq, ok5 = h.array(ssh, C.IPCF_DTYPE_FLOAT32, true)
	}
	if f.u8() < 128 {
		stat, ok6 = h.array(ssh, C.IPCF_DTYPE_UINT8, true)
	}
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return fuzzCall{skipped: true}
	}
	clearError()
	st = ipcfgo_fit(curves, delays, uv, sigma, o, params, se, chisq, stat)
	if st == ok && stat != nil && stat.ndim == 3 {
		n := int(stat.shape[0] * stat.shape[1] * stat.shape[2])
		if n > 0 && stat.strides[0] > 0 && stat.strides[1] > 0 && stat.strides[2] > 0 && n <= 1<<14 {
			for y := 0; y < int(stat.shape[0]); y++ {
				for x := 0; x < int(stat.shape[1]); x++ {
					for q := 0; q < int(stat.shape[2]); q++ {
						off := int64(y)*int64(stat.strides[0]) + int64(x)*int64(stat.strides[1]) + int64(q)*int64(stat.strides[2])
						if v := *(*uint8)(unsafe.Add(stat.data, off)); v > 3 {
							c.problems = append(c.problems, fmt.Sprintf("status %d at (%d, %d, %d)", v, y, x, q))
						}
					}
				}
			}
		}
	}
	h.check(&c, st)
	return c
}
