//go:build cgo && !ipcf_purego

// Package cuda is the GPU path of the pCF: the CUDA driver, NVRTC and
// cuFFT are loaded at run time (dlopen), so the library builds and runs
// on machines without CUDA. gorgonia.org/cu was not used: it needs cuda.h
// and libcuda at build time, which the build machines (and CI) lack.
package cuda

/*
#cgo CFLAGS: -O2
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "cuda.h"
*/
import "C"

import (
	"errors"
	"fmt"
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

// Devices lists the usable devices, or returns the reason there are none.
func Devices() ([]Device, error) {
	why := make([]byte, 512)
	n := int(C.ipcf_cuda_init((*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why))))
	if n == 0 {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, cstr(why))
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

// Compile compiles the kernels for device i (once; cached).
func Compile(i int) error {
	why := make([]byte, 1024)
	if C.ipcf_cuda_compile(C.int(i), (*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why))) != 0 {
		return fmt.Errorf("%w: %s", ErrUnavailable, cstr(why))
	}
	return nil
}

// Source returns the CUDA C source of the kernels.
func Source() string { return C.GoString(C.ipcf_cuda_source()) }

// Available is true in builds with the GPU path.
const Available = true

// Block is the GPU work of one block of pixels.
type Block struct {
	Tile     []uint16 // (N, H, W) frames, C order, native byte order
	N, H, W  int
	Sums     []float64
	NPairs   []int32 // per group
	WantBwd  []int32 // per group
	P, Q     []int32 // pixel indices of the pairs, groups back to back
	Scale    []float64
	Bins     []int32
	Fwd, Bwd []float32 // len(P) * len(Bins) each
}

// PCF runs a block on device dev.
func PCF(dev int, b *Block) error {
	nb := len(b.Bins)
	np := len(b.P)
	if len(b.Tile) != b.N*b.H*b.W || len(b.Sums) != b.H*b.W || len(b.Q) != np || len(b.Scale) != np ||
		len(b.Fwd) < np*nb || len(b.Bwd) < np*nb || len(b.WantBwd) != len(b.NPairs) || nb == 0 {
		return errors.New("cuda: inconsistent block")
	}
	if np == 0 {
		return nil
	}
	why := make([]byte, 1024)
	r := C.ipcf_cuda_pcf(C.int(dev), (*C.uint16_t)(unsafe.Pointer(&b.Tile[0])), C.int(b.N), C.int(b.H), C.int(b.W), 0,
		(*C.double)(unsafe.Pointer(&b.Sums[0])), C.int(len(b.NPairs)), (*C.int)(unsafe.Pointer(&b.NPairs[0])),
		(*C.int)(unsafe.Pointer(&b.WantBwd[0])), (*C.int)(unsafe.Pointer(&b.P[0])), (*C.int)(unsafe.Pointer(&b.Q[0])),
		(*C.double)(unsafe.Pointer(&b.Scale[0])), (*C.int)(unsafe.Pointer(&b.Bins[0])), C.int(nb),
		(*C.float)(unsafe.Pointer(&b.Fwd[0])), (*C.float)(unsafe.Pointer(&b.Bwd[0])),
		(*C.char)(unsafe.Pointer(&why[0])), C.size_t(len(why)))
	if r != 0 {
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
