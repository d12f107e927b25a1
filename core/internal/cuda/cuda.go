//go:build cgo && !ipcf_purego

// Package cuda is the GPU path of the pCF: the CUDA driver, NVRTC and
// cuFFT are loaded at run time (dlopen), so the library builds and runs
// on machines without CUDA. gorgonia.org/cu was not used: it needs cuda.h
// and libcuda at build time, which the build machines (and CI) lack.
package cuda

/*
#cgo CFLAGS: -O2 -std=c11 -Wall
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "cuda.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// ErrUnavailable reports that no usable CUDA device was found; the
// message says why (library not found, no device, driver too old, ...).
var ErrUnavailable = errors.New("cuda: not available")

// Device describes a CUDA device.
type Device struct {
	Index   int
	Desc    string // "cuda:0 NVIDIA H200, compute 9.0, 143771 MiB"
	FreeMem int64
	CC      int // compute capability x 10
}

// none is the reason no device is usable, once ipcf_cuda_init has found
// none: it loads the libraries once per process and keeps its answer, so
// the reason is kept here too (device "auto" asks on every pCF call).
var none atomic.Pointer[error]

// Count returns the number of devices the driver reports (what Devices
// would list), or the reason there are none, without asking the devices
// anything: no free-memory query, which waits while another thread's
// block runs (so a job choosing its device stays cancellable; REVIEW8's
// F7).
func Count() (int, error) {
	if err := none.Load(); err != nil {
		return 0, *err
	}
	why := make([]byte, 512)
	n := int(C.ipcf_cuda_init((*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why))))
	if n == 0 {
		err := fmt.Errorf("%w: %s", ErrUnavailable, cstr(why))
		none.Store(&err)
		return 0, err
	}
	return n, nil
}

// Present reports whether the driver found a device, usable or not: where
// NVRTC or cuFFT does not load, Count finds none, yet a GPU is there and
// device "auto" running on the CPU is worth a word (REVIEW17's F4).
func Present() bool {
	return C.ipcf_cuda_present() > 0
}

// Devices lists the usable devices, or returns the reason there are none.
func Devices() ([]Device, error) {
	if err := none.Load(); err != nil {
		return nil, *err
	}
	n, err := Count()
	if err != nil {
		return nil, err
	}
	var out []Device
	buf := make([]byte, 512)
	for i := 0; i < n; i++ {
		var free C.int64_t
		var cc C.int
		if C.ipcf_cuda_describe(C.int(i), (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &free, &cc) == 0 {
			out = append(out, Device{Index: i, Desc: cstr(buf), FreeMem: int64(free), CC: int(cc)})
		}
	}
	return out, nil
}

// Compile compiles the kernels for device i (once; cached) and returns
// what was loaded ("sm_90 CUBIN", or "compute_90 PTX" where NVRTC cannot
// make a CUBIN the driver accepts).
func Compile(i int) (string, error) {
	why := make([]byte, 1024)
	img := make([]byte, 64)
	if C.ipcf_cuda_compile(C.int(i), (*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why)),
		(*C.char)(unsafe.Pointer(&img[0])), C.size_t(len(img))) != 0 {
		return "", fmt.Errorf("%w: %s", ErrUnavailable, cstr(why))
	}
	return cstr(img), nil
}

// Source returns the CUDA C source of the kernels.
func Source() string { return C.GoString(C.ipcf_cuda_source()) }

// Available is true in builds with the GPU path.
const Available = true

// Block is the GPU work of one block of NPix pixels (indexed 0..NPix-1):
// Raw holds (NT, NPix) samples of DType (core/array's codes) as stored,
// time slowest. The device swaps the bytes if Swap, corrects bleaching if
// Bleach > 0 (the filter size; FloorMean: the tutorial's mean; frames
// Bleach.. are kept), converts, sums the N frames used, scales each
// series by a power of two if Scale (the CPU engine's scaleOf; the engine
// sets it for every dtype), and transposes. Pairs: for each
// group g, NPairs[g] pairs (P, Q, pixel indices) back to back; WantBwd[g]
// asks for the backward curves. Results: Fwd and Bwd, len(P)*len(Bins)
// each; a pair with a zero or non-finite sum gets NaN curves.
type Block struct {
	N, NT, NPix int
	Raw         []byte
	DType       int
	Swap, Scale bool
	Bleach      int
	FloorMean   bool
	NPairs      []int32 // per group
	WantBwd     []int32 // per group
	P, Q        []int32
	Bins        []int32
	Fwd, Bwd    []float32
}

// dtypeSize is the sample size of core/array's dtype codes.
var dtypeSize = [7]int{0, 1, 2, 2, 4, 4, 8}

// Job uploads a job's blocks to one device through two staging buffers
// (slots 0 and 1) in page-locked host memory, double-buffered: the host
// fills one slot's buffer while the device computes the other slot's
// block, and Upload copies it asynchronously on an upload stream whose
// event the block's compute stream waits on, so the upload of block k+1
// overlaps the compute of block k. Where page-locked memory cannot be
// had, the buffers are pageable and Upload synchronous (Pinned says
// which; the results are the same). Buffer and Upload of one slot may
// run while PCF runs the other slot on another goroutine; each slot is
// used by one goroutine at a time.
type Job struct {
	h      *C.ipcf_cuda_job
	size   int
	pinned bool
}

// Open opens a job on device dev with staging buffers of size bytes.
func Open(dev, size int) (*Job, error) {
	why := make([]byte, 1024)
	var pinned C.int
	h := C.ipcf_cuda_job_open(C.int(dev), C.size_t(size), &pinned, (*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why)))
	if h == nil {
		return nil, fmt.Errorf("cuda: %s", cstr(why))
	}
	return &Job{h: h, size: size, pinned: pinned != 0}, nil
}

// Pinned says whether the staging buffers are page-locked (and the
// uploads asynchronous).
func (j *Job) Pinned() bool { return j.pinned }

// Buffer returns slot's staging buffer (size bytes, not Go memory: valid
// until Close), once its previous upload has finished.
func (j *Job) Buffer(slot int) ([]byte, error) {
	why := make([]byte, 512)
	p := C.ipcf_cuda_job_buffer(j.h, C.int(slot&1), (*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why)))
	if p == nil {
		return nil, fmt.Errorf("cuda: %s", cstr(why))
	}
	return unsafe.Slice((*byte)(p), j.size), nil
}

// Upload copies the first n bytes of slot's staging buffer to the device.
func (j *Job) Upload(slot, n int) error {
	why := make([]byte, 512)
	if C.ipcf_cuda_job_upload(j.h, C.int(slot&1), C.size_t(n), (*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why))) != 0 {
		return fmt.Errorf("cuda: %s", cstr(why))
	}
	return nil
}

// Close waits for the uploads in flight and frees the job's buffers.
func (j *Job) Close() {
	if j.h != nil {
		C.ipcf_cuda_job_close(j.h)
		j.h = nil
	}
}

// PCF runs a block on device dev through a job of its own (for tests and
// single blocks; core/pcf pipelines its blocks through one Job).
func PCF(dev int, b *Block) error {
	if err := check(b); err != nil || len(b.P) == 0 {
		return err
	}
	j, err := Open(dev, len(b.Raw))
	if err != nil {
		return err
	}
	defer j.Close()
	buf, err := j.Buffer(0)
	if err != nil {
		return err
	}
	copy(buf, b.Raw)
	if err := j.Upload(0, len(b.Raw)); err != nil {
		return err
	}
	return j.PCF(b, 0, nil)
}

// ErrCancelled: a block stopped by its cancel channel.
var ErrCancelled = errors.New("cuda: cancelled")

func check(b *Block) error {
	nb := len(b.Bins)
	np := len(b.P)
	if b.DType < 1 || b.DType > 6 || b.NT < b.N || len(b.Raw) != b.NT*b.NPix*dtypeSize[b.DType] ||
		(b.Bleach > 0 && b.NT-2*b.Bleach < b.N) || b.Bleach < 0 {
		return errors.New("cuda: inconsistent block input")
	}
	var sum int
	for _, k := range b.NPairs {
		sum += int(k)
	}
	if len(b.Q) != np || sum != np || len(b.Fwd) < np*nb || len(b.Bwd) < np*nb || len(b.WantBwd) != len(b.NPairs) ||
		nb == 0 || b.N < 4 || b.NPix < 1 || int64(b.N)*int64(b.NPix) >= 1<<40 {
		return errors.New("cuda: inconsistent block")
	}
	return nil
}

// PCF runs a block whose samples were uploaded to slot: b.Raw (its
// length is checked) is the slot's staging buffer, filled before Upload.
// A close of cancel (nil: none) stops it between chunks of pairs, with
// ErrCancelled.
func (j *Job) PCF(b *Block, slot int, cancel <-chan struct{}) error {
	if err := check(b); err != nil {
		return err
	}
	if len(b.P) == 0 {
		return nil
	}
	if len(b.Raw) > j.size {
		return errors.New("cuda: the block's samples do not fit the job's staging buffers")
	}
	nb := len(b.Bins)
	var cb C.ipcf_cuda_block
	// cb holds Go pointers: pin what they point to for the call.
	var pin runtime.Pinner
	defer pin.Unpin()
	cb.dtype = C.int(b.DType)
	if b.Swap {
		cb.swap = 1
	}
	if b.Scale {
		cb.scale = 1
	}
	if b.FloorMean {
		cb.floormean = 1
	}
	cb.bleach = C.int(b.Bleach)
	cb.nt, cb.n, cb.npix = C.int(b.NT), C.int(b.N), C.int(b.NPix)
	cb.ngroups = C.int(len(b.NPairs))
	cb.npairs = (*C.int)(unsafe.Pointer(&b.NPairs[0]))
	cb.wantbwd = (*C.int)(unsafe.Pointer(&b.WantBwd[0]))
	cb.pp = (*C.int)(unsafe.Pointer(&b.P[0]))
	cb.qq = (*C.int)(unsafe.Pointer(&b.Q[0]))
	cb.bins = (*C.int)(unsafe.Pointer(&b.Bins[0]))
	cb.nb = C.int(nb)
	cb.fwd = (*C.float)(unsafe.Pointer(&b.Fwd[0]))
	cb.bwd = (*C.float)(unsafe.Pointer(&b.Bwd[0]))
	for _, p := range []any{&b.NPairs[0], &b.WantBwd[0], &b.P[0], &b.Q[0], &b.Bins[0], &b.Fwd[0], &b.Bwd[0]} {
		pin.Pin(p)
	}
	if cancel != nil {
		// The flag the C loop reads, in C memory; set when cancel closes.
		flag := (*int32)(C.calloc(1, 4))
		defer C.free(unsafe.Pointer(flag))
		stop := make(chan struct{})
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			select {
			case <-cancel:
				atomic.StoreInt32(flag, 1)
			case <-stop:
			}
		}()
		defer func() { close(stop); <-watched }() // (before the flag is freed)
		cb.cancel = (*C.int)(unsafe.Pointer(flag))
	}
	why := make([]byte, 1024)
	if r := C.ipcf_cuda_pcf(&cb, j.h, C.int(slot&1), (*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why))); r != 0 {
		if r == C.IPCF_CUDA_CANCELLED {
			return ErrCancelled
		}
		return fmt.Errorf("cuda: %s", cstr(why))
	}
	return nil
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
