package main

// The C boundary under fuzzing. cgo cannot appear in _test.go files, so
// the harness that builds C descriptors and options from fuzz bytes lives
// here; FuzzCAPI in fuzz_test.go is a thin wrapper. Nothing here is called
// by the library, so the linker drops it from libipcf.so.

/*
#include <stdlib.h>
#include <string.h>
#include "ipcf.h"
void ipcf_set_error(const char *msg, size_t n);
typedef const int64_t ipcf_cint64;
*/
import "C"

import (
	"fmt"
	"math"
	"math/big"
	"runtime"
	"strings"
	"unsafe"
)

// fuzzBytes reads the fuzz input; past its end every value is 0.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) u8() byte {
	if len(f.b) == 0 {
		return 0
	}
	v := f.b[0]
	f.b = f.b[1:]
	return v
}

func (f *fuzzBytes) u64() uint64 {
	var v uint64
	for i := 0; i < 8; i++ {
		v = v<<8 | uint64(f.u8())
	}
	return v
}

var extremes = []int64{-1, 0, 1, 2, 3, 4, 1 << 20, 1 << 31, -1 << 31, 1 << 40, 1 << 47, 1 << 62,
	math.MaxInt64, math.MinInt64, math.MaxInt32, math.MinInt32}

// small returns mostly values in 0..n-1, sometimes an extreme.
func (f *fuzzBytes) small(n int) int64 {
	v := f.u8()
	if v >= 240 {
		return extremes[int(v-240)%len(extremes)]
	}
	return int64(int(v) % n)
}

// i32 returns an int32 option: mostly small, sometimes an extreme clipped.
func (f *fuzzBytes) i32(n int) C.int32_t {
	v := f.small(n)
	if v > math.MaxInt32 || v < math.MinInt32 {
		v = int64(int32(v))
	}
	return C.int32_t(v)
}

var floats = []float64{0, 0.5, 1, 2, 4, -1, math.NaN(), math.Inf(1), math.Inf(-1), 1e300, 5e-324, 10}

func (f *fuzzBytes) f64() C.double { return C.double(floats[int(f.u8())%len(floats)]) }

// structSize is mostly right, sometimes wrong.
func (f *fuzzBytes) structSize(size uintptr) C.uint32_t {
	v := f.u8()
	if v < 224 {
		return C.uint32_t(size)
	}
	return []C.uint32_t{0, 2, 3, 4, 8, C.uint32_t(size) - 8, C.uint32_t(size) + 8, 1 << 20, math.MaxUint32}[int(v-224)%9]
}

const fuzzGuard = 64

// fuzzBuf is a C allocation with guard bytes on both sides.
type fuzzBuf struct {
	base unsafe.Pointer
	n    int // bytes between the guards
	copy []byte
}

func (b *fuzzBuf) bytes() []byte { return unsafe.Slice((*byte)(b.base), b.n+2*fuzzGuard) }

// fuzzCall is one call through the C boundary: its function, status and
// the problems found (empty when every invariant held).
type fuzzCall struct {
	fn       string
	st       status
	msg      string
	problems []string
	skipped  bool
	toolkit  string // the toolkit options decoded (TestFuzzCAPISeeds)
}

type fuzzHarness struct {
	toolkit string
	f       fuzzBytes
	bufs    []*fuzzBuf
	outs    map[*fuzzBuf]bool
	free    []unsafe.Pointer
}

func (h *fuzzHarness) calloc(n uintptr) unsafe.Pointer {
	p := C.calloc(1, C.size_t(n))
	h.free = append(h.free, p)
	return p
}

func (h *fuzzHarness) buffer(n int, out bool) *fuzzBuf {
	b := &fuzzBuf{base: h.calloc(uintptr(n + 2*fuzzGuard)), n: n}
	all := b.bytes()
	for i := range all {
		all[i] = 0xA5
	}
	for i := fuzzGuard; i < fuzzGuard+n; i++ { // arbitrary sample bytes
		all[i] = byte(i*7 + 3)
	}
	h.bufs = append(h.bufs, b)
	if out {
		h.outs[b] = true
	}
	b.copy = append([]byte(nil), all...)
	return b
}

// array builds a descriptor. want, when not nil, is offered as the shape
// (the fuzz bytes decide whether to use it, so valid calls are reachable).
// It returns nil (a NULL descriptor) sometimes, and ok=false when the
// descriptor describes more memory than the harness can provide but not
// so much that the library must refuse it.
func (h *fuzzHarness) array(want []int, dtype C.uint32_t, out bool) (a *C.ipcf_array, usable bool) {
	f := &h.f
	mode := f.u8()
	if mode == 255 {
		return nil, true
	}
	a = (*C.ipcf_array)(h.calloc(unsafe.Sizeof(C.ipcf_array{})))
	a.struct_size = f.structSize(unsafe.Sizeof(*a))
	a.dtype = dtype
	if mode&1 != 0 || dtype == 0 {
		a.dtype = C.uint32_t(f.u8() % 8)
	}
	a.byte_order = C.uint32_t(f.u8()%8) % 4
	a.ndim = C.uint32_t(f.small(11))
	if want != nil && mode&2 == 0 {
		a.ndim = C.uint32_t(len(want))
	}
	nd := min(int(a.ndim), C.IPCF_MAX_NDIM)
	for i := 0; i < nd; i++ {
		a.shape[i] = C.int64_t(f.small(20))
		if want != nil && mode&2 == 0 && i < len(want) {
			a.shape[i] = C.int64_t(want[i])
		}
	}
	item := int64(array_dtypeSize(a.dtype))
	if mode&4 == 0 { // C order
		st := max(item, 1)
		for i := nd - 1; i >= 0; i-- {
			a.strides[i] = C.int64_t(st)
			if s := int64(a.shape[i]); s > 0 && s < 1<<20 {
				st *= s
			}
		}
	} else {
		for i := 0; i < nd; i++ {
			v := f.u8()
			if v >= 240 {
				a.strides[i] = C.int64_t(extremes[int(v-240)%len(extremes)])
			} else {
				a.strides[i] = C.int64_t(int8(v))
			}
		}
	}
	// The byte extent, exactly (big integers), as the caller would know it.
	lo, hi := new(big.Int), new(big.Int)
	elems := new(big.Int).SetInt64(1)
	empty, invalid := false, nd < 1 || a.ndim > C.IPCF_MAX_NDIM
	for i := 0; i < nd; i++ {
		s := int64(a.shape[i])
		if s < 0 {
			invalid = true
		}
		if s <= 0 {
			empty = true
			continue
		}
		elems.Mul(elems, big.NewInt(s))
		d := new(big.Int).Mul(big.NewInt(s-1), big.NewInt(int64(a.strides[i])))
		if d.Sign() < 0 {
			lo.Add(lo, d)
		} else {
			hi.Add(hi, d)
		}
	}
	hi.Add(hi, big.NewInt(max(item, 1)))
	span := new(big.Int).Sub(hi, lo)
	switch {
	case f.u8() == 254:
		return a, true // data NULL
	case invalid || empty || item == 0:
		a.data = h.buffer(16, out).at(0)
	case span.IsInt64() && span.Int64() <= 1<<20 && elems.IsInt64() && elems.Int64() <= 1<<14:
		b := h.buffer(int(span.Int64()), out)
		a.data = b.at(-lo.Int64())
	case span.Cmp(big.NewInt(1<<47)) > 0:
		a.data = h.buffer(16, out).at(0) // the library must refuse it
	default:
		return a, false
	}
	return a, true
}

func (b *fuzzBuf) at(off int64) unsafe.Pointer { return unsafe.Add(b.base, fuzzGuard+int(off)) }

func array_dtypeSize(d C.uint32_t) int {
	switch d {
	case C.IPCF_DTYPE_UINT8:
		return 1
	case C.IPCF_DTYPE_UINT16, C.IPCF_DTYPE_INT16:
		return 2
	case C.IPCF_DTYPE_INT32, C.IPCF_DTYPE_FLOAT32:
		return 4
	case C.IPCF_DTYPE_FLOAT64:
		return 8
	}
	return 0
}

func (h *fuzzHarness) token() C.ipcf_token {
	if h.f.u8() < 240 {
		return 0
	}
	return C.ipcf_token(h.f.u64())
}

// pcfOpts decodes pCF options; data, when not nil, offers its shape to a
// second channel (options.data2).
func (h *fuzzHarness) pcfOpts(data *C.ipcf_array) *C.ipcf_pcf_options {
	f := &h.f
	if f.u8() == 255 {
		return nil
	}
	o := (*C.ipcf_pcf_options)(h.calloc(unsafe.Sizeof(C.ipcf_pcf_options{})))
	ipcfgo_pcf_options_init(o)
	o.struct_size = f.structSize(unsafe.Sizeof(*o))
	o.radius, o.npoints, o.nbins = 1+f.i32(3), 1+f.i32(6), 2+f.i32(6)
	o.bleach, o.bleach_mean, o.threads = f.i32(2), f.i32(3), f.i32(3)
	o.device = C.IPCF_DEVICE_CPU
	if v := f.u8(); v >= 250 {
		o.device = []C.int32_t{-1, 0, 5, -3, math.MinInt32, math.MaxInt32}[v-250]
	}
	o.token = h.token()
	if f.u8() >= 224 {
		m, ok := h.array(nil, C.IPCF_DTYPE_UINT8, false)
		if ok {
			o.mask = (*C.ipcf_array)(unsafe.Pointer(m))
		}
	}
	h.toolkitOpts(o, data)
	return o
}

// offset is one offset component: mostly -4..4, sometimes an extreme.
func (f *fuzzBytes) offset() C.int32_t {
	v := f.u8()
	if v >= 248 {
		return []C.int32_t{1 << 20, 1<<20 + 1, -1 << 20, -1<<20 - 1, math.MaxInt32, math.MinInt32, 64, -64}[v-248]
	}
	return C.int32_t(int8(v) % 5)
}

// toolkitOpts decodes the fields since 0.3; zero bytes keep the defaults
// (so the seeds of earlier fields decode as before).
func (h *fuzzHarness) toolkitOpts(o *C.ipcf_pcf_options, data *C.ipcf_array) {
	f := &h.f
	// offsets: a list from the fuzz bytes in an input buffer (writes to it
	// are caught), or a noffsets the library must refuse before reading
	switch v := f.u8(); {
	case v >= 160 && v < 240:
		n := 1 + int(v-160)%12
		b := h.buffer(8*n, false)
		uv := unsafe.Slice((*C.int32_t)(b.at(0)), 2*n)
		for i := range uv {
			uv[i] = f.offset()
		}
		copy(b.copy, b.bytes())
		o.offsets, o.noffsets = (*C.int32_t)(b.at(0)), C.int64_t(n)
	case v >= 240 && v < 250:
		b := h.buffer(8, false)
		o.offsets = (*C.int32_t)(b.at(0))
		o.noffsets = C.int64_t([]int64{0, -1, 65537, math.MinInt64, math.MaxInt64, 1 << 32, 65536 * 2, -65536, 0, -2}[v-240])
	case v >= 250:
		o.noffsets = C.int64_t(f.small(20)) // offsets NULL
	}
	if v := f.u8(); v >= 240 {
		o.bins = C.int32_t(extremes[int(v-240)%len(extremes)])
	} else {
		o.bins = C.int32_t(v % 3)
	}
	if v := f.u8(); v != 0 {
		o.multitau_m = C.int32_t(int(v%20) - 2) // -2..17: odd, even, zero, negative
		if v >= 240 {
			o.multitau_m = f.i32(1 << 14)
		}
	}
	if v := f.u8(); v != 0 {
		o.smooth = C.double([]float64{0, 0.5, 0.3, 0.99, 0.999999, -0.1, 1, math.NaN(), math.Inf(1), math.Inf(-1), 5e-324, -0.0}[int(v)%12])
	}
	if v := f.u8(); v != 0 {
		o.threshold = C.double([]float64{0, 5, 100, 1e300, math.NaN(), math.Inf(1), -1, 10, -1e300, 5e-324}[int(v)%10])
	}
	if v := f.u8(); v != 0 {
		o.output = C.int32_t(int(v) % 3)
		if v >= 240 {
			o.output = f.i32(4)
		}
	}
	// data2: mostly data's shape, sometimes data itself or any descriptor
	switch v := f.u8(); {
	case v == 199 && data != nil:
		o.data2 = data
	case v >= 200:
		var want []int
		if data != nil && data.ndim >= 1 && data.ndim <= C.IPCF_MAX_NDIM {
			for i := 0; i < int(data.ndim); i++ {
				want = append(want, int(data.shape[i]))
			}
		}
		dt := C.uint32_t(C.IPCF_DTYPE_UINT16)
		if data != nil {
			dt = data.dtype
		}
		if d2, ok := h.array(want, dt, false); ok {
			o.data2 = d2
		}
	}
	h.toolkit = fmt.Sprintf("noffsets=%d bins=%d multitau_m=%d smooth=%g threshold=%g output=%d data2=%t",
		int64(o.noffsets), o.bins, o.multitau_m, float64(o.smooth), float64(o.threshold), o.output, o.data2 != nil)
}

var emptyMsg = [1]byte{}

func clearError() { C.ipcf_set_error((*C.char)(unsafe.Pointer(&emptyMsg[0])), 0) }

// run decodes one call from data, makes it and checks the invariants.
func fuzzRun(data []byte) (c fuzzCall) {
	// The message lives per OS thread, as for a C caller, whose thread an
	// export keeps; a goroutine must not move between the calls.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := &fuzzHarness{f: fuzzBytes{data}, outs: map[*fuzzBuf]bool{}}
	defer func() {
		for _, p := range h.free {
			C.free(p)
		}
	}()
	var st status
	f := &h.f
	switch f.u8() % 11 {
	case 0:
		c.fn = "ipcf_pcf_output_shape"
		d, good := h.array(nil, C.IPCF_DTYPE_UINT16, false)
		o := h.pcfOpts(d)
		sh := (*C.int64_t)(h.calloc(4 * 8))
		if f.u8() == 255 {
			sh = nil
		}
		if !good {
			return fuzzCall{skipped: true}
		}
		clearError()
		st = ipcfgo_pcf_output_shape(d, o, sh)
		if st == ok && sh != nil {
			for i, v := range unsafe.Slice(sh, 4) {
				if v < 1 {
					c.problems = append(c.problems, fmt.Sprintf("shape[%d]=%d", i, v))
				}
			}
		}
	case 1:
		c.fn = "ipcf_pcf_compute"
		d, ok1 := h.array(nil, C.IPCF_DTYPE_UINT16, false)
		o := h.pcfOpts(d)
		var want []int
		if d != nil {
			var sh [4]C.int64_t
			if ipcfgo_pcf_output_shape(d, o, &sh[0]) == ok && sh[0]*sh[1]*sh[2]*sh[3] <= 1<<14 {
				want = []int{int(sh[0]), int(sh[1]), int(sh[2]), int(sh[3])}
			}
		}
		out, ok2 := h.array(want, C.IPCF_DTYPE_FLOAT32, true)
		if !ok1 || !ok2 {
			return fuzzCall{skipped: true}
		}
		// sometimes the output is the second channel: it must be refused
		outIsData2 := false
		if v := f.u8(); v == 255 && o != nil && out != nil && out.data != nil {
			o.data2, outIsData2 = out, true
		}
		clearError()
		st = ipcfgo_pcf_compute(d, o, out)
		if outIsData2 && st == ok {
			c.problems = append(c.problems, "the output as options.data2 was accepted")
		}
	case 2:
		c.fn = "ipcf_correct_bleaching"
		d, ok1 := h.array(nil, C.IPCF_DTYPE_UINT16, false)
		var o *C.ipcf_bleach_options
		fs := 1 + f.i32(3)
		if f.u8() != 255 {
			o = (*C.ipcf_bleach_options)(h.calloc(unsafe.Sizeof(C.ipcf_bleach_options{})))
			ipcfgo_bleach_options_init(o)
			o.struct_size = f.structSize(unsafe.Sizeof(*o))
			o.filtersize, o.mean, o.threads, o.token = fs, f.i32(3), f.i32(3), h.token()
		}
		var want []int
		if d != nil && d.ndim == 3 {
			want = []int{int(d.shape[0]) - 2*int(fs), int(d.shape[1]), int(d.shape[2])}
		}
		out, ok2 := h.array(want, C.IPCF_DTYPE_UINT16, true)
		if !ok1 || !ok2 {
			return fuzzCall{skipped: true}
		}
		clearError()
		st = ipcfgo_correct_bleaching(d, o, out)
	case 3:
		c.fn = "ipcf_convolve2d"
		img, ok1 := h.array(nil, C.IPCF_DTYPE_INT32, false)
		ker, ok2 := h.array(nil, C.IPCF_DTYPE_INT32, false)
		var want []int
		if img != nil && ker != nil && img.ndim == 2 && ker.ndim == 2 {
			want = []int{int(img.shape[0] + ker.shape[0] - 1), int(img.shape[1] + ker.shape[1] - 1)}
		}
		out, ok3 := h.array(want, C.IPCF_DTYPE_FLOAT32, true)
		if !ok1 || !ok2 || !ok3 {
			return fuzzCall{skipped: true}
		}
		clearError()
		st = ipcfgo_convolve2d(img, ker, out)
	case 4:
		c.fn = "ipcf_correlate"
		a, ok1 := h.array(nil, C.IPCF_DTYPE_FLOAT64, false)
		b, ok2 := h.array(nil, C.IPCF_DTYPE_FLOAT64, false)
		mode := C.int32_t(f.u8() % 4)
		var want []int
		if a != nil && b != nil && a.ndim == 1 && b.ndim == 1 {
			if mode == C.IPCF_CORR_SAME {
				want = []int{int(max(a.shape[0], b.shape[0]))}
			} else {
				want = []int{int(a.shape[0] / 2)}
			}
		}
		out, ok3 := h.array(want, C.IPCF_DTYPE_FLOAT64, true)
		if !ok1 || !ok2 || !ok3 {
			return fuzzCall{skipped: true}
		}
		clearError()
		st = ipcfgo_correlate(a, b, mode, out)
	case 5:
		c.fn = "ipcf_simulate"
		var o *C.ipcf_simulate_options
		want := []int{}
		if f.u8() != 255 {
			o = (*C.ipcf_simulate_options)(h.calloc(unsafe.Sizeof(C.ipcf_simulate_options{})))
			ipcfgo_simulate_options_init(o)
			o.struct_size = f.structSize(unsafe.Sizeof(*o))
			o.frames, o.size, o.particles, o.threads = f.i32(6), f.i32(12), f.i32(8), f.i32(3)
			o.seed, o.token = C.uint64_t(f.u8()), h.token()
			for _, p := range []*C.double{&o.diffusion, &o.channel_width, &o.psf_sigma, &o.brightness, &o.background, &o.bleach_tau} {
				if f.u8() >= 200 {
					*p = f.f64()
				}
			}
			want = []int{int(o.frames), int(o.size), int(o.size)}
			if int64(o.particles)*int64(o.frames) > 1<<14 {
				return fuzzCall{skipped: true} // valid, but seconds of work
			}
		}
		out, good := h.array(want, C.IPCF_DTYPE_UINT16, true)
		if !good {
			return fuzzCall{skipped: true}
		}
		clearError()
		st = ipcfgo_simulate(o, out)
	case 6:
		c.fn = "ipcf_circle"
		r, n := f.i32(8), f.i32(40)
		capacity := int(f.u8() % 96)
		b := h.buffer(4*capacity, true)
		uv := (*C.int32_t)(b.at(0))
		if f.u8() == 255 {
			uv = nil
		}
		clearError()
		st = ipcfgo_circle(r, n, uv, C.size_t(capacity))
		if st == ok {
			for i, v := range unsafe.Slice(uv, 2*int(n)) {
				if v < -r || v > r {
					c.problems = append(c.problems, fmt.Sprintf("uv[%d]=%d outside radius %d", i, v, r))
				}
			}
		}
	case 7:
		c.fn = "ipcf_logbins"
		size, nbins := C.int64_t(f.small(5000)), f.i32(40)
		capacity := int(f.u8() % 64)
		b := h.buffer(8*capacity, true)
		bins := (*C.int64_t)(b.at(0))
		if f.u8() == 255 {
			bins = nil
		}
		count := (*C.size_t)(h.calloc(8))
		if f.u8() == 255 {
			count = nil
		}
		clearError()
		st = ipcfgo_logbins(size, nbins, bins, C.size_t(capacity), count)
		if st == ok {
			n := int(*count)
			if n > capacity || n < 1 {
				c.problems = append(c.problems, fmt.Sprintf("count=%d, capacity %d", n, capacity))
			} else {
				v := unsafe.Slice(bins, n)
				for i := 1; i < n; i++ {
					if v[i] <= v[i-1] {
						c.problems = append(c.problems, fmt.Sprintf("bins not increasing: %v", v))
						break
					}
				}
			}
		}
	case 9:
		c.fn = "ipcf_offsets"
		kind, r, n := f.i32(4), f.i32(6), f.i32(40)
		capacity := int(f.u8() % 96)
		b := h.buffer(8*capacity, true)
		uv := (*C.int32_t)(b.at(0))
		if f.u8() == 255 {
			uv = nil
		}
		count := (*C.size_t)(h.calloc(8))
		if f.u8() == 255 {
			count = nil
		}
		clearError()
		st = ipcfgo_offsets(kind, r, n, uv, C.size_t(capacity), count)
		switch {
		case st == ok && (int(*count) > capacity || *count < 1):
			c.problems = append(c.problems, fmt.Sprintf("count=%d, capacity %d", *count, capacity))
		case st == ok:
			v := unsafe.Slice(uv, 2*int(*count))
			for i := 0; i < len(v); i += 2 {
				u, w := v[i], v[i+1]
				bad := u < -r || u > r || w < -r || w > r
				switch kind {
				case C.IPCF_OFFSETS_DISK:
					bad = bad || u == 0 && w == 0 || int64(u)*int64(u)+int64(w)*int64(w) > int64(r)*int64(r)
				case C.IPCF_OFFSETS_LINE:
					bad = bad || u == 0 || w != 0
				}
				if bad {
					c.problems = append(c.problems, fmt.Sprintf("kind %d radius %d: offset %d is (%d, %d)", kind, r, i/2, u, w))
					break
				}
			}
		case st == eTooSmall && int(*count) <= capacity:
			c.problems = append(c.problems, fmt.Sprintf("IPCF_E_BUFFER_TOO_SMALL with count=%d, capacity %d", *count, capacity))
		}
	case 10:
		c.fn = "ipcf_pcf_delays"
		capacity := int(f.u8() % 64)
		b := h.buffer(8*capacity, true)
		delays := (*C.double)(b.at(0))
		if f.u8() == 255 {
			delays = nil
		}
		count := (*C.size_t)(h.calloc(8))
		if f.u8() == 255 {
			count = nil
		}
		d, good := h.array(nil, C.IPCF_DTYPE_UINT16, false)
		o := h.pcfOpts(d)
		if !good {
			return fuzzCall{skipped: true}
		}
		clearError()
		st = ipcfgo_pcf_delays(d, o, delays, C.size_t(capacity), count)
		switch {
		case st == ok && (int(*count) > capacity || *count < 2):
			c.problems = append(c.problems, fmt.Sprintf("count=%d, capacity %d", *count, capacity))
		case st == ok:
			v := unsafe.Slice(delays, int(*count))
			var sh [4]C.int64_t
			if s2 := ipcfgo_pcf_output_shape(d, o, &sh[0]); s2 != ok || sh[3] != C.int64_t(*count) {
				c.problems = append(c.problems, fmt.Sprintf("count=%d, output shape %v (status %d)", *count, sh, s2))
			}
			clearError()
			for i := range v {
				if v[i] < 0 || i > 0 && v[i] <= v[i-1] {
					c.problems = append(c.problems, fmt.Sprintf("delays not increasing from 0: %v", v))
					break
				}
			}
		case st == eTooSmall && int(*count) <= capacity:
			c.problems = append(c.problems, fmt.Sprintf("IPCF_E_BUFFER_TOO_SMALL with count=%d, capacity %d", *count, capacity))
		}
	case 8:
		c.fn = "ipcf_array_init_contiguous"
		var a *C.ipcf_array
		if f.u8() != 255 {
			a = (*C.ipcf_array)(h.calloc(unsafe.Sizeof(C.ipcf_array{})))
		}
		dt, nd := C.uint32_t(f.u8()%8), C.uint32_t(f.small(11))
		sh := (*C.int64_t)(h.calloc(8 * 8))
		for i := range unsafe.Slice(sh, 8) {
			unsafe.Slice(sh, 8)[i] = C.int64_t(f.small(30))
		}
		if f.u8() == 255 {
			sh = nil
		}
		clearError()
		st = ipcfgo_array_init_contiguous(a, dt, nd, (*C.ipcf_cint64)(sh), nil)
		if st == ok {
			if a.struct_size != C.uint32_t(unsafe.Sizeof(*a)) || a.ndim != nd || a.dtype != dt {
				c.problems = append(c.problems, "init_contiguous: fields not set")
			}
		}
	}
	h.check(&c, st)
	return c
}

// check records the call's status and message and checks the invariants of
// every call: a documented status, a message naming the function on
// failure and none on success, no byte changed outside an output.
func (h *fuzzHarness) check(c *fuzzCall, st status) {
	c.st = st
	c.msg = C.GoString(C.ipcf_last_error())
	c.toolkit = h.toolkit
	switch {
	case st == eInternal:
		c.problems = append(c.problems, "IPCF_E_INTERNAL (a recovered panic): "+c.msg)
	case st < ok || st > eForked:
		c.problems = append(c.problems, fmt.Sprintf("undocumented status %d", st))
	case st != ok && (!strings.HasPrefix(c.msg, c.fn+": ") || len(c.msg) <= len(c.fn)+2):
		c.problems = append(c.problems, fmt.Sprintf("status %d with message %q, want %q and the cause", st, c.msg, c.fn+": "))
	case st == ok && c.msg != "":
		c.problems = append(c.problems, "IPCF_OK left a message: "+c.msg)
	}
	// Never a write outside an output's bytes, never a write to an input.
	for _, b := range h.bufs {
		all := b.bytes()
		for i := range all {
			inside := i >= fuzzGuard && i < fuzzGuard+b.n
			if all[i] != b.copy[i] && (!inside || !h.outs[b]) {
				c.problems = append(c.problems, fmt.Sprintf("byte %d of a %d-byte %s buffer changed (status %d)",
					i-fuzzGuard, b.n, map[bool]string{true: "output", false: "input"}[h.outs[b]], st))
				break
			}
		}
	}
}

// lastError is ipcf_last_error's text, for tests (cgo cannot appear in
// _test.go files).
func lastError() string { return C.GoString(C.ipcf_last_error()) }
