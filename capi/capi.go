// Command capi is the C ABI of ipcf (libipcf.so): thin //export wrappers
// that validate C descriptors, call core/, and map errors to status codes.
// Nothing numeric lives here. The exported ipcf_* symbols are the C
// functions of abi.c, which refuse a forked child before entering Go and
// call the //export ipcfgo_* functions of this package; exports.map keeps
// everything but the header's functions local.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include <stdlib.h>
#include "ipcf.h"
typedef const ipcf_array ipcf_carray;
typedef const ipcf_pcf_options ipcf_cpcf_options;
typedef const ipcf_bleach_options ipcf_cbleach_options;
typedef const ipcf_simulate_options ipcf_csimulate_options;
typedef const char ipcf_cchar;
typedef const void ipcf_cvoid;
typedef const int64_t ipcf_cint64;
void ipcf_set_error(const char *msg, size_t n);
char *ipcf_note_snapshot(size_t *n);
void ipcf_note_store(const char *s, size_t n);
int ipcf_call_progress(ipcf_progress_fn f, void *user, int64_t done, int64_t total);
int ipcf_call_job_progress(ipcf_job_progress_fn f, void *user, const char *phase, int64_t done, int64_t total);
void ipcf_call_log(ipcf_job_log_fn f, void *user, const char *msg);
int ipcf_tok_claim(uint64_t t, int any);
int ipcf_tok_state(uint64_t t);
int ipcf_tok_cancel(uint64_t t);
int ipcf_tok_release(uint64_t t);
typedef const ipcf_source_options ipcf_csource_options;
typedef const ipcf_job_options ipcf_cjob_options;
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"sync"
	"unsafe"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/conv"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/simulate"
	"github.com/ipcf/ipcf/core/xcorr"
)

// ipcf.h's IPCF_MAX_THREADS is pool.MaxThreads: a compile error otherwise.
var _ = [1]struct{}{}[C.IPCF_MAX_THREADS-pool.MaxThreads]

func main() {}

// Version is the library version; it must equal the header's.
const Version = job.Version

type status = C.ipcf_status

const (
	ok         = C.IPCF_OK
	eInvalid   = C.IPCF_E_INVALID_ARGUMENT
	eBadHandle = C.IPCF_E_BAD_HANDLE
	eTooSmall  = C.IPCF_E_BUFFER_TOO_SMALL
	eLayout    = C.IPCF_E_UNSUPPORTED_LAYOUT
	eMemory    = C.IPCF_E_OUT_OF_MEMORY
	eCancelled = C.IPCF_E_CANCELLED
	eInternal  = C.IPCF_E_INTERNAL
	eNoDevice  = C.IPCF_E_NO_DEVICE
	eIO        = C.IPCF_E_IO
	eBusy      = C.IPCF_E_BUSY
	eForked    = C.IPCF_E_FORKED
)

// apiError carries a status code with its message.
type apiError struct {
	code status
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func fail(code status, format string, args ...any) error {
	return &apiError{code, fmt.Sprintf(format, args...)}
}

func setError(fn, msg string) {
	s := fn + ": " + msg
	cs := C.CString(s)
	C.ipcf_set_error(cs, C.size_t(len(s)))
	C.free(unsafe.Pointer(cs))
}

// guard turns a panic in an export into IPCF_E_INTERNAL. Every export
// defers guard(fn, &st, debug.SetPanicOnFault(true)): a fault in the
// caller's memory on the calling goroutine is then a panic, not the end of
// the host process, reported as the engines' workers' are (finish,
// faultError): a curves, mask or series array memory-mapped from a file
// truncated meanwhile IPCF_E_IO, an array reaching past its buffer or an
// output in read-only memory IPCF_E_INVALID_ARGUMENT; faultWas is
// restored.
func guard(fn string, st *status, faultWas bool) {
	debug.SetPanicOnFault(faultWas)
	if r := recover(); r != nil {
		if f, ok := r.(interface{ Addr() uintptr }); ok {
			if err := faultError(f.Addr()); err != nil {
				*st = finish(fn, err)
				return
			}
		}
		stack := string(debug.Stack())
		if len(stack) > 1200 {
			stack = stack[:1200]
		}
		setError(fn, fmt.Sprintf("internal error: %v\n%s", r, stack))
		*st = eInternal
	}
}

// checkSize validates the struct_size of a versioned options struct: at
// least the struct_size field, at most this library's struct (a larger one
// comes from a newer header, whose fields would be ignored).
func checkSize(name string, ss C.uint32_t, size uintptr, init string) error {
	if ss < 4 || uintptr(ss) > size {
		return fail(eInvalid, "%s.struct_size=%d, want 4..%d (call %s)", name, ss, size, init)
	}
	return nil
}

// checkThreads refuses a threads option outside pool.CheckThreads' range.
func checkThreads(name string, n C.int32_t) error {
	if err := pool.CheckThreads(name, int(n)); err != nil {
		return fail(eInvalid, "%v", err)
	}
	return nil
}

// checkFinite refuses NaN and infinite float options.
func checkFinite(name string, x C.double) error {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return fail(eInvalid, "%s=%g, want a finite number", name, float64(x))
	}
	return nil
}

// maxSpan bounds the bytes one descriptor may span: user-space addresses on
// 64-bit Linux have 47 bits, so anything larger cannot be real memory.
const maxSpan = 1 << 47

// has reports whether a struct of struct_size ss holds the field at off.
func has(ss C.uint32_t, off, size uintptr) bool { return uintptr(ss) >= off+size }

// lowPointer refuses a pointer below 64 KiB, where no process maps memory
// (&p->field of a NULL p, in a struct the caller filled): a fault there
// read as a nil pointer's, the library's own bug. The exports' own
// arguments are checked in abi.c (IPCF_LOW).
// lowCallback is lowPointer for a callback the library would call: a
// function pointer below 64 KiB ended the host with Go's dump (CAPI14's M2).
func lowCallback(name string, fn unsafe.Pointer) error { return lowPointer(name, fn) }

func lowPointer(name string, p unsafe.Pointer) error {
	if p != nil && uintptr(p) < 1<<16 {
		return fail(eInvalid, "%s is %#x, below 64 KiB, where no process maps memory: not valid memory (a field of a NULL struct?)", name, uintptr(p))
	}
	return nil
}

// view converts a C array descriptor into a View over the caller's memory.
func view(name string, a *C.ipcf_array) (array.View, error) {
	if a == nil {
		return array.View{}, fail(eInvalid, "%s is NULL", name)
	}
	if err := lowPointer(name, unsafe.Pointer(a)); err != nil {
		return array.View{}, err
	}
	if uintptr(a.struct_size) != unsafe.Sizeof(*a) {
		return array.View{}, fail(eInvalid, "%s.struct_size=%d, want %d (call ipcf_array_init)", name, a.struct_size, unsafe.Sizeof(*a))
	}
	nd := int(a.ndim)
	if nd < 1 || nd > array.MaxNDim {
		return array.View{}, fail(eInvalid, "%s.ndim=%d, want 1..%d", name, nd, array.MaxNDim)
	}
	dt := array.DType(a.dtype)
	if dt.Size() == 0 {
		return array.View{}, fail(eLayout, "%s.dtype=%d is not a known IPCF_DTYPE", name, a.dtype)
	}
	if a.byte_order > C.IPCF_ORDER_BIG {
		return array.View{}, fail(eLayout, "%s.byte_order=%d is not a known IPCF_ORDER", name, a.byte_order)
	}
	shape := make([]int, nd)
	strides := make([]int, nd)
	for i := 0; i < nd; i++ {
		s, st := int64(a.shape[i]), int64(a.strides[i])
		if s < 0 {
			return array.View{}, fail(eInvalid, "%s.shape[%d]=%d is negative", name, i, s)
		}
		if s == 1 {
			st = 0 // never used: any value (numpy's relaxed strides may leave one of 2^63-1)
		}
		shape[i], strides[i] = int(s), int(st)
	}
	lo, hi, err := array.Extent(shape, strides, dt.Size())
	if err != nil {
		return array.View{}, fail(eInvalid, "%s: %v", name, err)
	}
	var data []byte
	off := 0
	if hi > lo {
		if a.data == nil {
			return array.View{}, fail(eInvalid, "%s.data is NULL", name)
		}
		base := uintptr(a.data)
		if lo < 0 && uintptr(-lo) > base {
			return array.View{}, fail(eInvalid, "%s: negative strides reach below address 0", name)
		}
		if base < 1<<16 {
			// no process maps memory there: a fault read as a nil pointer's (a bug)
			return array.View{}, fail(eInvalid, "%s.data is %#x, below 64 KiB, where no process maps memory: not an array's memory", name, base)
		}
		if hi-lo > maxSpan || base+uintptr(hi) < base || base+uintptr(hi) > 1<<63 || pcf.BeyondUserSpace(base+uintptr(hi)) {
			return array.View{}, fail(eInvalid, "%s: shape and strides span bytes [%d, %d) from data, beyond the address space", name, lo, hi)
		}
		data = unsafe.Slice((*byte)(unsafe.Add(a.data, lo)), hi-lo)
		off = -lo
	}
	v, err := array.New(dt, array.ByteOrder(a.byte_order), shape, strides, data, off)
	if err != nil {
		return v, fail(eInvalid, "%s: %v", name, err)
	}
	return v, nil
}

// outView validates an output descriptor after the inputs: a descriptor
// (view), a dtype the function writes (IPCF_E_UNSUPPORTED_LAYOUT), exactly
// the required shape (IPCF_E_BUFFER_TOO_SMALL, smaller or larger), samples
// that never share bytes and no overlap with any input
// (IPCF_E_INVALID_ARGUMENT). The one rule of every array output.
func outView(name string, a *C.ipcf_array, want []int, dtypeOK func(array.DType) bool, dtypes string, inputs ...array.View) (array.View, error) {
	v, err := view(name, a)
	if err != nil {
		return v, err
	}
	if !dtypeOK(v.DType) {
		return v, fail(eLayout, "%s.dtype=%s, want %s", name, v.DType, dtypes)
	}
	if len(v.Shape) != len(want) {
		return v, fail(eTooSmall, "%s.ndim=%d, want %d (shape %v)", name, len(v.Shape), len(want), want)
	}
	for i, n := range want {
		if v.Shape[i] != n {
			return v, fail(eTooSmall, "%s.shape[%d]=%d, want %d (shape %v)", name, i, v.Shape[i], n, want)
		}
	}
	if v.SelfOverlaps() {
		return v, fail(eInvalid, "%s: samples alias each other (shape %v, strides %v): every sample needs its own bytes", name, v.Shape, v.Strides)
	}
	for _, in := range inputs {
		if v.Overlaps(in) {
			return v, fail(eInvalid, "%s overlaps an input", name)
		}
	}
	return v, nil
}

func anyDType(array.DType) bool        { return true }
func isFloat(d array.DType) bool       { return d == array.Float32 || d == array.Float64 }
func isFloat32(d array.DType) bool     { return d == array.Float32 }
func isIntegerType(d array.DType) bool { return d.IsInteger() }

// --- tokens ---

// Tokens live in a table in C (abi.c), which ipcf_token_cancel sets
// without entering Go: cancelling from a signal handler must not call
// into the Go runtime.
const (
	tokenBits  = 16
	tokenSlots = 1 << tokenBits
)

var (
	tokMu     sync.Mutex
	tokSerial uint64 // the serial of the last token made
	tokSlot   uint64 // where the search for a free slot starts
)

// cToken is a token a computation polls; nil is none.
type cToken uint64

// Load reports whether the token was cancelled (also when it was
// destroyed since, while the call ran).
func (t *cToken) Load() bool {
	if t == nil {
		return false
	}
	st := C.ipcf_tok_state(C.uint64_t(*t))
	return st >= 0 && st&1 != 0
}

func tokenFlag(t C.ipcf_token) (*cToken, error) {
	if t == 0 {
		return nil, nil
	}
	if st := C.ipcf_tok_state(C.uint64_t(t)); st < 0 || st&2 != 0 {
		return nil, fail(eBadHandle, "token %d is unknown or destroyed", uint64(t))
	}
	c := cToken(t)
	return &c, nil
}

//export ipcfgo_token_create
func ipcfgo_token_create(out *C.ipcf_token) (st status) {
	defer guard("ipcf_token_create", &st, debug.SetPanicOnFault(true))
	if out == nil {
		return finish("ipcf_token_create", fail(eInvalid, "token is NULL"))
	}
	tokMu.Lock()
	defer tokMu.Unlock()
	// A slot of a destroyed token that was cancelled is passed over for a
	// free one among the next 1024 (a call may still run with it:
	// ipcf_tok_claim); beyond them, as every slot: a host that cancels
	// each token it destroys paid a search of all 65,536 slots a token
	// (2 ms: REVIEW14's m1).
	for _, last := range []C.int{0, 1} {
		n := tokenSlots
		if last == 0 {
			n = 1024
		}
		for range n {
			slot := tokSlot % tokenSlots
			tokSlot++
			tokSerial++
			t := tokSerial<<tokenBits | slot
			if t>>62 != 0 {
				tokSerial = 1 // (after 2^46 tokens) serials start again
				t = tokSerial<<tokenBits | slot
			}
			if C.ipcf_tok_claim(C.uint64_t(t), last) != 0 {
				*out = C.ipcf_token(t)
				return ok
			}
		}
	}
	return finish("ipcf_token_create", fail(eMemory, "%d tokens exist: destroy those no longer used (ipcf_token_destroy)", tokenSlots))
}

//export ipcfgo_last_device_note
func ipcfgo_last_device_note(buf *C.char, n C.size_t) (st status) {
	const fn = "ipcf_last_device_note"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	// The note and its NUL into the caller's buffer of n bytes (abi.c
	// checked buf and n): as much as fits, and IPCF_E_BUFFER_TOO_SMALL when
	// it does not; a buffer that cannot be written (read-only memory) is
	// an error, not a fault of the host.
	var m C.size_t
	snap := C.ipcf_note_snapshot(&m)
	if snap == nil {
		return finish(fn, fail(eMemory, "out of memory"))
	}
	defer C.free(unsafe.Pointer(snap))
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
	text := unsafe.Slice((*byte)(unsafe.Pointer(snap)), int(m))
	k := copy(dst[:len(dst)-1], text)
	dst[k] = 0
	if k < len(text) {
		return finish(fn, fail(eTooSmall, "len=%d: the text needs %d bytes", int(n), int(m)+1))
	}
	return ok
}

//export ipcfgo_token_destroy
func ipcfgo_token_destroy(t C.ipcf_token) (st status) {
	defer guard("ipcf_token_destroy", &st, debug.SetPanicOnFault(true))
	if C.ipcf_tok_release(C.uint64_t(t)) == 0 {
		return finish("ipcf_token_destroy", fail(eBadHandle, "token %d is unknown or destroyed", uint64(t)))
	}
	return ok
}

// progressFunc builds the pool callback: the C callback (on this thread)
// and the token.
func progressFunc(fn C.ipcf_progress_fn, user unsafe.Pointer, tok *cToken) pool.Progress {
	if fn == nil && tok == nil {
		return nil
	}
	return func(done, total int) bool {
		if tok != nil && tok.Load() {
			return false
		}
		if fn != nil && C.ipcf_call_progress(fn, user, C.int64_t(done), C.int64_t(total)) != 0 {
			return false
		}
		return true
	}
}

// --- versions and constants ---

var versionString = C.CString(Version + " (" + pcf.FFTBackend + ")")

//export ipcfgo_version_string
func ipcfgo_version_string() *C.ipcf_cchar { return versionString }

//export ipcfgo_array_init_contiguous
func ipcfgo_array_init_contiguous(a *C.ipcf_array, dtype, ndim C.uint32_t, shape *C.ipcf_cint64, data unsafe.Pointer) (st status) {
	const fn = "ipcf_array_init_contiguous"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if a == nil || shape == nil {
		return finish(fn, fail(eInvalid, "array or shape is NULL"))
	}
	if ndim < 1 || ndim > C.IPCF_MAX_NDIM {
		return finish(fn, fail(eInvalid, "ndim=%d, want 1..%d", ndim, C.IPCF_MAX_NDIM))
	}
	sz := array.DType(dtype).Size()
	if sz == 0 {
		return finish(fn, fail(eLayout, "dtype=%d is not a known IPCF_DTYPE", dtype))
	}
	sh := unsafe.Slice(shape, int(ndim))
	*a = C.ipcf_array{struct_size: C.uint32_t(unsafe.Sizeof(*a)), dtype: dtype, ndim: ndim, data: data}
	st64 := int64(sz)
	for i := int(ndim) - 1; i >= 0; i-- {
		if sh[i] < 0 {
			return finish(fn, fail(eInvalid, "shape[%d]=%d is negative", i, int64(sh[i])))
		}
		a.shape[i] = sh[i]
		a.strides[i] = C.int64_t(st64)
		if sh[i] > 0 && st64 > math.MaxInt64/4/int64(sh[i]) {
			return finish(fn, fail(eInvalid, "shape overflows"))
		}
		st64 *= max(int64(sh[i]), 1)
	}
	return ok
}

// --- parameters ---

//export ipcfgo_circle
func ipcfgo_circle(radius, npoints C.int32_t, uv *C.int32_t, n C.size_t) (st status) {
	const fn = "ipcf_circle"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if radius < 1 || npoints < 1 || radius > 1<<20 || npoints > 1<<20 {
		_, err := pcf.Circle(int(radius), int(npoints))
		return finish(fn, err)
	}
	if uv == nil {
		return finish(fn, fail(eInvalid, "uv is NULL"))
	}
	if uint64(n) < 2*uint64(npoints) {
		return finish(fn, fail(eTooSmall, "len=%d: uv holds %d values, want %d", uint64(n), uint64(n), 2*int64(npoints)))
	}
	c, err := pcf.Circle(int(radius), int(npoints))
	if err != nil {
		return finish(fn, err)
	}
	out := unsafe.Slice(uv, 2*len(c))
	for i, o := range c {
		out[2*i], out[2*i+1] = C.int32_t(o.U), C.int32_t(o.V)
	}
	return ok
}

//export ipcfgo_offsets
func ipcfgo_offsets(kind, radius, npoints C.int32_t, uv *C.int32_t, cp C.size_t, count *C.size_t) (st status) {
	const fn = "ipcf_offsets"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if count == nil {
		return finish(fn, fail(eInvalid, "count is NULL"))
	}
	var offs []pcf.Offset
	var err error
	switch kind {
	case C.IPCF_OFFSETS_CIRCLE:
		offs, err = pcf.Circle(int(radius), int(npoints))
	case C.IPCF_OFFSETS_DISK:
		offs, err = pcf.Disk(int(radius))
	case C.IPCF_OFFSETS_LINE:
		offs, err = pcf.Line(int(radius))
	default:
		err = fail(eInvalid, "kind=%d, want IPCF_OFFSETS_CIRCLE, IPCF_OFFSETS_DISK or IPCF_OFFSETS_LINE", kind)
	}
	if err != nil {
		return finish(fn, err)
	}
	*count = C.size_t(len(offs))
	if uint64(cp) < uint64(len(offs)) {
		return finish(fn, fail(eTooSmall, "cap=%d: uv holds %d offsets, want %d", uint64(cp), uint64(cp), len(offs)))
	}
	if uv == nil {
		return finish(fn, fail(eInvalid, "uv is NULL"))
	}
	out := unsafe.Slice(uv, 2*len(offs))
	for i, o := range offs {
		out[2*i], out[2*i+1] = C.int32_t(o.U), C.int32_t(o.V)
	}
	return ok
}

//export ipcfgo_logbins
func ipcfgo_logbins(size C.int64_t, nbins C.int32_t, bins *C.int64_t, cp C.size_t, count *C.size_t) (st status) {
	const fn = "ipcf_logbins"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if count == nil {
		return finish(fn, fail(eInvalid, "count is NULL"))
	}
	b, err := pcf.LogBins(int(size), int(nbins))
	if err != nil {
		return finish(fn, err)
	}
	*count = C.size_t(len(b))
	if uint64(cp) < uint64(len(b)) {
		return finish(fn, fail(eTooSmall, "cap=%d: bins holds %d values, want %d", uint64(cp), uint64(cp), len(b)))
	}
	if bins == nil {
		return finish(fn, fail(eInvalid, "bins is NULL"))
	}
	out := unsafe.Slice(bins, len(b))
	for i, v := range b {
		out[i] = C.int64_t(v)
	}
	return ok
}

func series(v array.View) []float64 {
	s := make([]float64, v.Shape[0])
	v.Gather(s, v.Offset, v.Strides[0], len(s))
	return s
}

//export ipcfgo_correlate
func ipcfgo_correlate(a, b *C.ipcf_carray, mode C.int32_t, out *C.ipcf_array) (st status) {
	const fn = "ipcf_correlate"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		va, err := view("a", (*C.ipcf_array)(a))
		if err != nil {
			return err
		}
		vb, err := view("b", (*C.ipcf_array)(b))
		if err != nil {
			return err
		}
		if va.NDim() != 1 || vb.NDim() != 1 {
			return fail(eInvalid, "a.ndim=%d, b.ndim=%d, want 1", va.NDim(), vb.NDim())
		}
		na, nb := va.Shape[0], vb.Shape[0]
		var n int
		switch mode {
		case C.IPCF_CORR_CIRCULAR, C.IPCF_CORR_LINEAR:
			if na != nb || na < 2 {
				return fail(eInvalid, "len(a)=%d, len(b)=%d, want equal lengths >= 2", na, nb)
			}
			n = na / 2
		case C.IPCF_CORR_SAME:
			if na < 1 || nb < 1 {
				return fail(eInvalid, "len(a)=%d, len(b)=%d, want >= 1", na, nb)
			}
			n = max(na, nb)
		default:
			return fail(eInvalid, "mode=%d, want IPCF_CORR_CIRCULAR, _LINEAR or _SAME", mode)
		}
		vo, err := outView("out", out, []int{n}, isFloat, "float32 or float64", va, vb)
		if err != nil {
			return err
		}
		// Inputs with zero strides can describe far more samples than
		// their memory: the float64 copies and the (padded, complex) FFTs
		// take about 64 bytes per sample, and Go cannot survive running
		// out of memory.
		if err := pcf.CheckMemory("the correlation", 64*(int64(na)+int64(nb))); err != nil {
			return err
		}
		sa, sb := series(va), series(vb)
		if mode == C.IPCF_CORR_SAME && va.DType.IsInteger() && vb.DType.IsInteger() {
			// The header promises exact sums for integer samples: refused
			// where out (or the float64 sums) could round one (it returned
			// rounded values with IPCF_OK: an Octave campaign).
			amax, asum := absMaxSum(sa)
			bmax, bsum := absMaxSum(sb)
			advice := "a float64 out holds more; else scale the samples down"
			if vo.DType != array.Float32 {
				advice = "scale the samples down"
			}
			if err := exactBound(vo, min(amax*bsum, asum*bmax), "min(max|a| * sum|b|, sum|a| * max|b|)", advice); err != nil {
				return err
			}
		}
		var res []float64
		switch mode {
		case C.IPCF_CORR_CIRCULAR:
			res, err = xcorr.Circular(nil, sa, sb)
		case C.IPCF_CORR_LINEAR:
			res, err = xcorr.Linear(nil, sa, sb)
		default:
			res, err = xcorr.Same(nil, sa, sb)
		}
		if errors.Is(err, xcorr.ErrZeroSum) {
			err = nil // NaN values, by contract
		}
		if err != nil {
			return err
		}
		for i, v := range res {
			vo.Store(vo.Offset+i*vo.Strides[0], v)
		}
		return nil
	}())
}

// --- pCF ---

//export ipcfgo_pcf_options_init
func ipcfgo_pcf_options_init(o *C.ipcf_pcf_options) {
	if o == nil {
		return
	}
	*o = C.ipcf_pcf_options{struct_size: C.uint32_t(unsafe.Sizeof(*o)), radius: 6, npoints: 32, nbins: 32,
		device: C.IPCF_DEVICE_AUTO, bins: C.IPCF_BINS_LOG, multitau_m: pcf.DefaultM, smooth: pcf.DefaultSmooth,
		threshold: C.double(math.Inf(-1)), output: C.IPCF_OUTPUT_CCF}
}

func pcfOptions(co *C.ipcf_pcf_options) (pcf.Options, error) {
	o := pcf.DefaultOptions()
	if co == nil {
		return o, nil
	}
	var d C.ipcf_pcf_options
	ss := co.struct_size
	if err := checkSize("options", ss, unsafe.Sizeof(d), "ipcf_pcf_options_init"); err != nil {
		return o, err
	}
	if has(ss, unsafe.Offsetof(d.radius), 4) {
		o.Radius = int(co.radius)
	}
	if has(ss, unsafe.Offsetof(d.npoints), 4) {
		o.Npoints = int(co.npoints)
	}
	if has(ss, unsafe.Offsetof(d.nbins), 4) {
		o.Nbins = int(co.nbins)
	}
	if has(ss, unsafe.Offsetof(d.bleach), 4) {
		o.Bleach = int(co.bleach)
	}
	if has(ss, unsafe.Offsetof(d.bleach_mean), 4) {
		o.BleachMean = bleach.Mean(co.bleach_mean)
		if o.BleachMean != bleach.Real && o.BleachMean != bleach.Floor {
			return o, fail(eInvalid, "options.bleach_mean=%d, want IPCF_MEAN_REAL or IPCF_MEAN_FLOOR", co.bleach_mean)
		}
	}
	if has(ss, unsafe.Offsetof(d.threads), 4) {
		if err := checkThreads("options.threads", co.threads); err != nil {
			return o, err
		}
		o.Threads = int(co.threads)
	}
	if has(ss, unsafe.Offsetof(d.mask), 8) && co.mask != nil {
		m, err := view("options.mask", (*C.ipcf_array)(unsafe.Pointer(co.mask)))
		if err != nil {
			return o, err
		}
		o.Mask = &m
	}
	var fn C.ipcf_progress_fn
	var user unsafe.Pointer
	var tok *cToken
	if has(ss, unsafe.Offsetof(d.progress_user), 8) {
		fn, user = co.progress, co.progress_user
	}
	if err := lowCallback("options.progress", unsafe.Pointer(fn)); err != nil {
		return o, err
	}
	if has(ss, unsafe.Offsetof(d.token), 8) {
		var err error
		if tok, err = tokenFlag(co.token); err != nil {
			return o, err
		}
	}
	o.Progress = progressFunc(fn, user, tok)
	if has(ss, unsafe.Offsetof(d.device), 4) {
		switch dev := int(co.device); {
		case dev == C.IPCF_DEVICE_AUTO:
			o.Device = "auto"
		case dev == C.IPCF_DEVICE_CPU:
			o.Device = "cpu"
		case dev >= 0:
			o.Device = fmt.Sprintf("cuda:%d", dev)
		default:
			return o, fail(eInvalid, "options.device=%d, want IPCF_DEVICE_AUTO, IPCF_DEVICE_CPU or a CUDA ordinal", dev)
		}
	}
	if err := toolkitOptions(co, &o); err != nil {
		return o, err
	}
	return o, unusedInRange(o)
}

// unusedInRange refuses radius, npoints and nbins outside the header's
// ranges also where the mode does not use them (radius and npoints with
// offsets, nbins with multi-tau bins), as it refuses multitau_m and
// bleach_mean out of range: a value no call could mean is an error.
func unusedInRange(o pcf.Options) error {
	const most = 1 << 20
	if o.Offsets != nil {
		if o.Radius < 1 || o.Radius > most {
			return fail(eInvalid, "options.radius=%d, want 1..%d (checked with options.offsets set too)", o.Radius, most)
		}
		if o.Npoints < 1 || o.Npoints > most {
			return fail(eInvalid, "options.npoints=%d, want 1..%d (checked with options.offsets set too)", o.Npoints, most)
		}
	}
	if o.Bins == pcf.Multitau && (o.Nbins < 2 || o.Nbins > pcf.MaxNbins) {
		return fail(eInvalid, "options.nbins=%d, want 2..%d (checked with IPCF_BINS_MULTITAU too)", o.Nbins, pcf.MaxNbins)
	}
	return nil
}

// checkData2 refuses a second channel whose shape or dtype differs from
// the data's, naming the field.
func checkData2(shape []int, dt array.DType, o pcf.Options) error {
	if o.Data2 == nil {
		return nil
	}
	d2 := o.Data2
	if !slices.Equal(d2.Shape, shape) {
		return fail(eInvalid, "options.data2 shape %v, want %v (data's)", d2.Shape, shape)
	}
	if dt != 0 && d2.DType != dt {
		return fail(eInvalid, "options.data2 dtype %s, want %s (data's)", d2.DType, dt)
	}
	return nil
}

// toolkitOptions reads the fields of ipcf_pcf_options since 0.3.
func toolkitOptions(co *C.ipcf_pcf_options, o *pcf.Options) error {
	var d C.ipcf_pcf_options
	ss := co.struct_size
	if !has(ss, unsafe.Offsetof(d.noffsets), 8) && has(ss, unsafe.Offsetof(d.offsets), 8) && co.offsets != nil {
		// (no header has such a size: the offsets were ignored, the
		// circle computed, CAPI14's M4)
		return fail(eInvalid, "options.struct_size=%d holds offsets but not noffsets, which says how many: call ipcf_pcf_options_init", ss)
	}
	if has(ss, unsafe.Offsetof(d.noffsets), 8) {
		n := int64(co.noffsets)
		switch {
		case co.offsets == nil && n != 0:
			return fail(eInvalid, "options.offsets is NULL with options.noffsets=%d", n)
		case co.offsets != nil && (n < 1 || n > pcf.MaxOffsets):
			return fail(eInvalid, "options.noffsets=%d, want 1..%d", n, pcf.MaxOffsets)
		case co.offsets != nil:
			if err := lowPointer("options.offsets", unsafe.Pointer(co.offsets)); err != nil {
				return err
			}
			uv := unsafe.Slice(co.offsets, 2*n)
			o.Offsets = make([]pcf.Offset, n)
			for i := range o.Offsets {
				o.Offsets[i] = pcf.Offset{U: int(uv[2*i]), V: int(uv[2*i+1])}
			}
			if err := pcf.CheckOffsets(o.Offsets); err != nil {
				return fail(eInvalid, "options.offsets: %v", err)
			}
		}
	}
	if has(ss, unsafe.Offsetof(d.data2), 8) && co.data2 != nil {
		v, err := view("options.data2", (*C.ipcf_array)(unsafe.Pointer(co.data2)))
		if err != nil {
			return err
		}
		o.Data2 = &v
	}
	if has(ss, unsafe.Offsetof(d.bins), 4) {
		switch co.bins {
		case C.IPCF_BINS_LOG:
			o.Bins = pcf.LogBinning
		case C.IPCF_BINS_LINEAR:
			o.Bins = pcf.LinearBinning
		case C.IPCF_BINS_MULTITAU:
			o.Bins = pcf.Multitau
		default:
			return fail(eInvalid, "options.bins=%d, want IPCF_BINS_LOG, IPCF_BINS_LINEAR or IPCF_BINS_MULTITAU", co.bins)
		}
	}
	if has(ss, unsafe.Offsetof(d.multitau_m), 4) {
		m := int(co.multitau_m)
		if m < 2 || m%2 != 0 || m > 1<<12 {
			return fail(eInvalid, "options.multitau_m=%d, want an even number 2..%d", m, 1<<12)
		}
		o.M = m
	}
	if has(ss, unsafe.Offsetof(d.smooth), 8) {
		w := float64(co.smooth)
		if !(w >= 0 && w < 1) {
			return fail(eInvalid, "options.smooth=%g, want 0 <= smooth < 1 (0 turns smoothing off)", w)
		}
		o.SetSmooth(w)
	}
	if has(ss, unsafe.Offsetof(d.threshold), 8) {
		t := float64(co.threshold)
		if math.IsNaN(t) || math.IsInf(t, 1) {
			return fail(eInvalid, "options.threshold=%g, want a finite number or -INFINITY (none)", t)
		}
		if !math.IsInf(t, -1) {
			o.SetThreshold(t)
		}
	}
	if has(ss, unsafe.Offsetof(d.output), 4) {
		switch co.output {
		case C.IPCF_OUTPUT_CCF:
		case C.IPCF_OUTPUT_DELTA:
			o.Delta = true
		default:
			return fail(eInvalid, "options.output=%d, want IPCF_OUTPUT_CCF or IPCF_OUTPUT_DELTA", co.output)
		}
	}
	return nil
}

//export ipcfgo_devices
func ipcfgo_devices(buf *C.char, n C.size_t) (st status) {
	const fn = "ipcf_devices"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if buf == nil || n == 0 {
		return finish(fn, fail(eInvalid, "buf is NULL or len is 0"))
	}
	return copyText(fn, buf, n, pcf.Devices())
}

// The C side keeps a copy of the device note for ipcf_last_device_note
// (abi.c), which answers without entering Go.
func init() {
	pcf.OnNote(func(s string) {
		C.ipcf_note_store((*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)))
	})
}

// copyText writes text, NUL-terminated and cut to n bytes, into buf.
func copyText(fn string, buf *C.char, n C.size_t, text string) status {
	m := min(uint64(n), uint64(len(text))+1) // never trust len beyond the text
	out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(m))
	k := copy(out[:m-1], text)
	out[k] = 0
	if k < len(text) {
		return finish(fn, fail(eTooSmall, "len=%d: the text needs %d bytes", uint64(n), len(text)+1))
	}
	return ok
}

func shapeOf(a *C.ipcf_array) ([]int, error) {
	if a == nil {
		return nil, fail(eInvalid, "data is NULL")
	}
	if uintptr(a.struct_size) != unsafe.Sizeof(*a) {
		return nil, fail(eInvalid, "data.struct_size=%d, want %d (call ipcf_array_init)", a.struct_size, unsafe.Sizeof(*a))
	}
	if a.ndim != 3 {
		return nil, fail(eInvalid, "data.ndim=%d, want 3 (time, rows, columns)", a.ndim)
	}
	s := []int{int(a.shape[0]), int(a.shape[1]), int(a.shape[2])}
	for i, v := range s {
		if v < 0 {
			return nil, fail(eInvalid, "data.shape[%d]=%d is negative", i, v)
		}
	}
	return s, nil
}

// geometry is the pCF's geometry for data's shape (data->data may be
// NULL) and the options: ipcf_pcf_output_shape and ipcf_pcf_delays.
func geometry(data *C.ipcf_carray, co *C.ipcf_cpcf_options) (pcf.Geometry, error) {
	s, err := shapeOf((*C.ipcf_array)(data))
	if err != nil {
		return pcf.Geometry{}, err
	}
	o, err := pcfOptions((*C.ipcf_pcf_options)(co))
	if err != nil {
		return pcf.Geometry{}, err
	}
	if err := checkData2(s, 0, o); err != nil {
		return pcf.Geometry{}, err
	}
	return pcf.Plan(s, o)
}

//export ipcfgo_pcf_output_shape
func ipcfgo_pcf_output_shape(data *C.ipcf_carray, co *C.ipcf_cpcf_options, shape *C.int64_t) (st status) {
	const fn = "ipcf_pcf_output_shape"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		if shape == nil {
			return fail(eInvalid, "shape is NULL")
		}
		g, err := geometry(data, co)
		if err != nil {
			return err
		}
		out := unsafe.Slice(shape, 4)
		for i, v := range g.OutShape {
			out[i] = C.int64_t(v)
		}
		return nil
	}())
}

//export ipcfgo_pcf_delays
func ipcfgo_pcf_delays(data *C.ipcf_carray, co *C.ipcf_cpcf_options, delays *C.double, cp C.size_t, count *C.size_t) (st status) {
	const fn = "ipcf_pcf_delays"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		if count == nil {
			return fail(eInvalid, "count is NULL")
		}
		g, err := geometry(data, co)
		if err != nil {
			return err
		}
		*count = C.size_t(len(g.Delays))
		if uint64(cp) < uint64(len(g.Delays)) {
			return fail(eTooSmall, "cap=%d: delays holds %d values, want %d", uint64(cp), uint64(cp), len(g.Delays))
		}
		if delays == nil {
			return fail(eInvalid, "delays is NULL")
		}
		out := unsafe.Slice(delays, len(g.Delays))
		for i, v := range g.Delays {
			out[i] = C.double(v)
		}
		return nil
	}())
}

//export ipcfgo_pcf_compute
func ipcfgo_pcf_compute(data *C.ipcf_carray, co *C.ipcf_cpcf_options, out *C.ipcf_array) (st status) {
	const fn = "ipcf_pcf_compute"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		o, err := pcfOptions((*C.ipcf_pcf_options)(co))
		if err != nil {
			return err
		}
		vd, g, err := pcfData(data, o)
		if err != nil {
			return err
		}
		vo, err := outView("out", out, g.OutShape[:], isFloat32, "float32", pcfInputs(vd, o, (*C.ipcf_pcf_options)(co))...)
		if err != nil {
			return err
		}
		o.HostMemory = true // the caller may free it during the call: an error, never a crash
		ctx, cancel := tokenContext(co)
		defer cancel()
		return pcf.Compute(ctx, vo, vd, o)
	}())
}

// pcfData is the (time, rows, columns) input of ipcf_pcf_compute and
// ipcf_pcf_errors, checked against the options, and its geometry.
func pcfData(data *C.ipcf_carray, o pcf.Options) (array.View, pcf.Geometry, error) {
	vd, err := view("data", (*C.ipcf_array)(data))
	if err != nil {
		return vd, pcf.Geometry{}, err
	}
	if vd.NDim() != 3 {
		return vd, pcf.Geometry{}, fail(eInvalid, "data.ndim=%d, want 3 (time, rows, columns)", vd.NDim())
	}
	if err := checkData2(vd.Shape, vd.DType, o); err != nil {
		return vd, pcf.Geometry{}, err
	}
	g, err := pcf.Plan(vd.Shape, o)
	return vd, g, err
}

// pcfInputs is every array a pCF output must not overlap: the data, the
// mask, the second channel and the offsets (co's, where given: an output
// over them was taken, though the header refuses an output over any
// input: CAPI14's F5).
func pcfInputs(vd array.View, o pcf.Options, co *C.ipcf_pcf_options) []array.View {
	inputs := []array.View{vd}
	var d C.ipcf_pcf_options
	if co != nil && has(co.struct_size, unsafe.Offsetof(d.noffsets), 8) && co.offsets != nil && co.noffsets > 0 {
		inputs = append(inputs, cView(array.Int32, unsafe.Pointer(co.offsets), int(co.noffsets), 2))
	}
	if o.Mask != nil {
		inputs = append(inputs, *o.Mask)
	}
	if o.Data2 != nil {
		inputs = append(inputs, *o.Data2)
	}
	return inputs
}

//export ipcfgo_pcf_errors
func ipcfgo_pcf_errors(data *C.ipcf_carray, co *C.ipcf_cpcf_options, method, segments C.int32_t, sd *C.ipcf_array) (st status) {
	const fn = "ipcf_pcf_errors"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		o, err := pcfOptions((*C.ipcf_pcf_options)(co))
		if err != nil {
			return err
		}
		var e pcf.ErrOptions
		switch method {
		case C.IPCF_ERRORS_BLOCKING:
			if segments != 0 {
				return fail(eInvalid, "segments=%d with IPCF_ERRORS_BLOCKING, want 0", segments)
			}
		case C.IPCF_ERRORS_SEGMENTS:
			e = pcf.ErrOptions{Method: pcf.Segments, Segments: int(segments)}
			if segments < 0 || segments == 1 {
				return fail(eInvalid, "segments=%d, want 0 (8) or 2..the frames used", segments)
			}
		default:
			return fail(eInvalid, "method=%d, want IPCF_ERRORS_BLOCKING or IPCF_ERRORS_SEGMENTS", method)
		}
		vd, g, err := pcfData(data, o)
		if err != nil {
			return err
		}
		if e.Method == pcf.Segments {
			if msg := pcf.SegmentsProblem(int(segments), g.N, "segments="); msg != "" {
				return fail(eInvalid, "%s", msg)
			}
		}
		vo, err := outView("sd", sd, g.OutShape[:], isFloat32, "float32", pcfInputs(vd, o, (*C.ipcf_pcf_options)(co))...)
		if err != nil {
			return err
		}
		// The device is checked, not used: the note says where this ran.
		pcf.NoteCPU(context.Background(), "error bars run on the CPU")
		return pcf.ErrorBars(context.Background(), vo, vd, o, e)
	}())
}

// --- bleaching ---

//export ipcfgo_bleach_options_init
func ipcfgo_bleach_options_init(o *C.ipcf_bleach_options) {
	if o == nil {
		return
	}
	*o = C.ipcf_bleach_options{struct_size: C.uint32_t(unsafe.Sizeof(*o)), filtersize: C.int32_t(bleach.DefaultFilterSize)}
}

//export ipcfgo_correct_bleaching
func ipcfgo_correct_bleaching(data *C.ipcf_carray, co *C.ipcf_cbleach_options, out *C.ipcf_array) (st status) {
	const fn = "ipcf_correct_bleaching"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		var d C.ipcf_bleach_options
		filtersize, mean, threads := bleach.DefaultFilterSize, bleach.Real, 0
		var prog pool.Progress
		if co != nil {
			ss := co.struct_size
			if err := checkSize("options", ss, unsafe.Sizeof(d), "ipcf_bleach_options_init"); err != nil {
				return err
			}
			if has(ss, unsafe.Offsetof(d.filtersize), 4) {
				filtersize = int(co.filtersize)
			}
			if has(ss, unsafe.Offsetof(d.mean), 4) {
				mean = bleach.Mean(co.mean)
			}
			if has(ss, unsafe.Offsetof(d.threads), 4) {
				if err := checkThreads("options.threads", co.threads); err != nil {
					return err
				}
				threads = int(co.threads)
			}
			var tok *cToken
			if has(ss, unsafe.Offsetof(d.token), 8) {
				var err error
				if tok, err = tokenFlag(co.token); err != nil {
					return err
				}
			}
			if has(ss, unsafe.Offsetof(d.progress_user), 8) {
				if err := lowCallback("options.progress", unsafe.Pointer(co.progress)); err != nil {
					return err
				}
				prog = progressFunc(co.progress, co.progress_user, tok)
			} else {
				prog = progressFunc(nil, nil, tok)
			}
		}
		vd, err := view("data", (*C.ipcf_array)(data))
		if err != nil {
			return err
		}
		if vd.NDim() != 3 {
			return fail(eInvalid, "data.ndim=%d, want 3 (time, rows, columns)", vd.NDim())
		}
		if err := bleach.Check(vd.Shape[0], filtersize, mean); err != nil {
			return err
		}
		want := []int{vd.Shape[0] - 2*filtersize, vd.Shape[1], vd.Shape[2]}
		vo, err := outView("out", out, want, isIntegerType, "an integer type", vd)
		if err != nil {
			return err
		}
		return bleach.Stack(context.Background(), vo, vd, filtersize, mean, threads, prog)
	}())
}

//export ipcfgo_check_counts
func ipcfgo_check_counts(data *C.ipcf_carray, counts *C.int32_t, buf *C.char, n C.size_t) (st status) {
	const fn = "ipcf_check_counts"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if counts == nil {
		return finish(fn, fail(eInvalid, "counts is NULL"))
	}
	*counts = 0
	vd, err := view("data", (*C.ipcf_array)(data))
	if err != nil {
		return finish(fn, err)
	}
	if vd.NDim() != 3 {
		return finish(fn, fail(eInvalid, "data.ndim=%d, want 3 (time, rows, columns)", vd.NDim()))
	}
	err = bleach.CheckCounts(vd)
	if err == nil {
		*counts = 1
		return ok
	}
	if !errors.Is(err, bleach.ErrCounts) {
		return finish(fn, err)
	}
	if buf != nil && n > 0 {
		// Cut to len, still IPCF_OK: copyText's "too small" would record an
		// error message for a successful call. Never trust len beyond the
		// text (a len of SIZE_MAX, "as large as it takes").
		text := err.Error()
		m := min(uint64(n), uint64(len(text))+1)
		out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(m))
		out[copy(out[:m-1], text)] = 0
	}
	return ok
}

//export ipcfgo_file_crc32c
func ipcfgo_file_crc32c(path *C.ipcf_cchar, crc *C.uint32_t, bytes *C.int64_t) (st status) {
	const fn = "ipcf_file_crc32c"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if path == nil || crc == nil || bytes == nil {
		return finish(fn, fail(eInvalid, "path, crc or bytes is NULL"))
	}
	c, n, err := ooc.FileCRC(C.GoString((*C.char)(path)))
	if err != nil {
		return finish(fn, fail(eIO, "%v", err))
	}
	*crc, *bytes = C.uint32_t(c), C.int64_t(n)
	return ok
}

//export ipcfgo_lock_holder
func ipcfgo_lock_holder(output *C.ipcf_cchar, buf *C.char, n C.size_t, state *C.int32_t) (st status) {
	const fn = "ipcf_lock_holder"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if output == nil || state == nil || (buf == nil && n > 0) {
		return finish(fn, fail(eInvalid, "output or state is NULL, or buf is NULL with len %d", uint64(n)))
	}
	path := C.GoString((*C.char)(output))
	if path == "" {
		// (IPCF_LOCK_NONE told a host with an unset name that no run
		// writes it: CAPI17's m1)
		return finish(fn, fail(eInvalid, "output is empty"))
	}
	holder, found, live := job.LockHolder(path)
	switch {
	case !found:
		*state, holder = C.IPCF_LOCK_NONE, ""
	case live:
		*state = C.IPCF_LOCK_LIVE
	default:
		*state = C.IPCF_LOCK_STOPPED
	}
	if n == 0 {
		return ok
	}
	return copyText(fn, buf, n, holder)
}

//export ipcfgo_crc32c
func ipcfgo_crc32c(data *C.ipcf_cvoid, n C.size_t, crc *C.uint32_t) (st status) {
	const fn = "ipcf_crc32c"
	defer guard(fn, &st, debug.SetPanicOnFault(true)) // a mapping cut short: IPCF_E_IO
	if crc == nil || (data == nil && n > 0) {
		return finish(fn, fail(eInvalid, "crc is NULL, or data is NULL with len %d", uint64(n)))
	}
	if base := uintptr(unsafe.Pointer(data)); uint64(n) > maxSpan || base+uintptr(n) < base || base+uintptr(n) > 1<<63 || pcf.BeyondUserSpace(base+uintptr(n)) {
		return finish(fn, fail(eInvalid, "len %d from data: beyond the address space", uint64(n)))
	}
	var b []byte
	if n > 0 {
		b = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n))
	}
	*crc = C.uint32_t(ooc.CRC(b))
	return ok
}

//export ipcfgo_check_metadata
func ipcfgo_check_metadata(text *C.ipcf_cvoid, n C.size_t) (st status) {
	const fn = "ipcf_check_metadata"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if text == nil && n > 0 {
		return finish(fn, fail(eInvalid, "text is NULL with len %d", uint64(n)))
	}
	if uint64(n) > 1<<30 {
		return finish(fn, fail(eInvalid, "len %d: ipcf's metadata are far smaller (at most 1 GiB is read)", uint64(n)))
	}
	var b []byte
	if n > 0 {
		b = unsafe.Slice((*byte)(unsafe.Pointer(text)), int(n))
	}
	if err := ooc.CheckMetaTextUse(b); err != nil {
		return finish(fn, err)
	}
	return ok
}

// --- convolution and simulation ---

// exactFloat refuses a float out for integer image and kernel unless every
// possible result, |h| <= max|image| * sum|kernel| < 2^24 (float32) or
// 2^53 (float64), is an integer the float holds exactly: the header
// promises exact sums, never rounded ones.
func exactFloat(o, f, g array.View) error {
	if !f.DType.IsInteger() || !g.DType.IsInteger() || o.DType.IsInteger() {
		return nil
	}
	var fmax, gsum float64
	for y := 0; y < f.Shape[0]; y++ {
		for x := 0; x < f.Shape[1]; x++ {
			fmax = max(fmax, math.Abs(f.At(y, x)))
		}
	}
	for y := 0; y < g.Shape[0]; y++ {
		for x := 0; x < g.Shape[1]; x++ {
			gsum += math.Abs(g.At(y, x))
		}
	}
	return exactBound(o, fmax*gsum, "max|image| * sum|kernel|", "use an integer or a wider out")
}

// absMaxSum returns the largest magnitude of s and the sum of the
// magnitudes.
func absMaxSum(s []float64) (m, sum float64) {
	for _, v := range s {
		m = max(m, math.Abs(v))
		sum += math.Abs(v)
	}
	return m, sum
}

// exactBound refuses a float out unless bound, the largest magnitude an
// integer result can take (named by what), is below 2^24 (float32) or 2^53
// (float64): every result and every partial sum is then an integer the
// float holds exactly (sums in float64). The factors of bound are exact
// integers below 2^53; their product rounds up at most, which only refuses
// more.
func exactBound(o array.View, bound float64, what, advice string) error {
	bits := 53
	if o.DType == array.Float32 {
		bits = 24
	}
	if bound >= math.Ldexp(1, bits) {
		return fail(eInvalid, "out.dtype=%s cannot hold every integer result exactly: %s = %.0f >= 2^%d (%s)",
			o.DType, what, bound, bits, advice)
	}
	return nil
}

//export ipcfgo_convolve2d
func ipcfgo_convolve2d(image, kernel *C.ipcf_carray, out *C.ipcf_array) (st status) {
	const fn = "ipcf_convolve2d"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		f, err := view("image", (*C.ipcf_array)(image))
		if err != nil {
			return err
		}
		g, err := view("kernel", (*C.ipcf_array)(kernel))
		if err != nil {
			return err
		}
		if f.NDim() != 2 || g.NDim() != 2 {
			return fail(eInvalid, "image.ndim=%d, kernel.ndim=%d, want 2", f.NDim(), g.NDim())
		}
		want := []int{f.Shape[0] + g.Shape[0] - 1, f.Shape[1] + g.Shape[1] - 1}
		if g.Shape[0]%2 != 1 || g.Shape[1]%2 != 1 || f.Len() == 0 {
			return conv.Convolve2D(array.View{Shape: want}, f, g) // its own message
		}
		o, err := outView("out", out, want, anyDType, "any", f, g)
		if err != nil {
			return err
		}
		if err := exactFloat(o, f, g); err != nil {
			return err
		}
		return conv.Convolve2D(o, f, g)
	}())
}

//export ipcfgo_simulate_options_init
func ipcfgo_simulate_options_init(o *C.ipcf_simulate_options) {
	if o == nil {
		return
	}
	d := simulate.DefaultOptions()
	*o = C.ipcf_simulate_options{struct_size: C.uint32_t(unsafe.Sizeof(*o)),
		frames: C.int32_t(d.Frames), size: C.int32_t(d.Size), seed: C.uint64_t(d.Seed),
		particles: C.int32_t(d.Particles), diffusion: C.double(d.Diffusion),
		channel_width: C.double(d.ChannelWidth), psf_sigma: C.double(d.PSFSigma),
		brightness: C.double(d.Brightness), background: C.double(d.Background)}
}

//export ipcfgo_simulate
func ipcfgo_simulate(co *C.ipcf_csimulate_options, out *C.ipcf_array) (st status) {
	const fn = "ipcf_simulate"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		if co == nil {
			return fail(eInvalid, "options is NULL")
		}
		var full C.ipcf_simulate_options
		ipcfgo_simulate_options_init(&full)
		ss := co.struct_size
		if err := checkSize("options", ss, unsafe.Sizeof(full), "ipcf_simulate_options_init"); err != nil {
			return err
		}
		// Copy the caller's prefix over the defaults: whole fields only,
		// as the header promises (a struct_size ending inside a field
		// leaves that field's default).
		f := &full
		n := uintptr(0)
		for _, end := range []uintptr{
			unsafe.Offsetof(f.frames) + 4, unsafe.Offsetof(f.size) + 4, unsafe.Offsetof(f.seed) + 8,
			unsafe.Offsetof(f.particles) + 4, unsafe.Offsetof(f.threads) + 4, unsafe.Offsetof(f.diffusion) + 8,
			unsafe.Offsetof(f.channel_width) + 8, unsafe.Offsetof(f.psf_sigma) + 8,
			unsafe.Offsetof(f.brightness) + 8, unsafe.Offsetof(f.background) + 8,
			unsafe.Offsetof(f.bleach_tau) + 8, unsafe.Offsetof(f.progress) + unsafe.Sizeof(f.progress),
			unsafe.Offsetof(f.progress_user) + unsafe.Sizeof(f.progress_user),
			unsafe.Offsetof(f.token) + unsafe.Sizeof(f.token),
		} {
			if has(ss, 0, end) {
				n = end
			}
		}
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&full)), n), unsafe.Slice((*byte)(unsafe.Pointer(co)), n))
		for _, x := range []struct {
			name string
			v    C.double
		}{{"diffusion", full.diffusion}, {"channel_width", full.channel_width}, {"psf_sigma", full.psf_sigma},
			{"brightness", full.brightness}, {"background", full.background}, {"bleach_tau", full.bleach_tau}} {
			if err := checkFinite("options."+x.name, x.v); err != nil {
				return err
			}
		}
		if err := checkThreads("options.threads", full.threads); err != nil {
			return err
		}
		tok, err := tokenFlag(full.token)
		if err != nil {
			return err
		}
		if err := lowCallback("options.progress", unsafe.Pointer(full.progress)); err != nil {
			return err
		}
		o := simulate.Options{Frames: int(full.frames), Size: int(full.size), Seed: uint64(full.seed),
			Particles: int(full.particles), Diffusion: float64(full.diffusion),
			ChannelWidth: float64(full.channel_width), PSFSigma: float64(full.psf_sigma),
			Brightness: float64(full.brightness), Background: float64(full.background),
			BleachTau: float64(full.bleach_tau), Threads: int(full.threads),
			Progress: progressFunc(full.progress, full.progress_user, tok)}
		if err := o.Check(); err != nil {
			return err
		}
		vo, err := outView("out", out, []int{o.Frames, o.Size, o.Size}, anyDType, "any")
		if err != nil {
			return err
		}
		return simulate.Run(context.Background(), vo, o)
	}())
}
