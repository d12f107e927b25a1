//go:build cgo && !ipcf_purego

package fft

/*
#include <fftw3.h>
#include "kernel.h"
*/
import "C"

import "unsafe"

// HasSpectraU16 reports whether SpectraU16 is available.
const HasSpectraU16 = true

// SpectraU16 computes the spectra of ny*nx pixel series of n uint16
// samples (n a power of two >= 4): sample i of pixel (y, x) is the 2 bytes
// at data[o + i*stT + y*stY + 2*x] (big-endian if big). Each series is
// transposed into base[off[p]:] (a spectrum slot of at least n/2+1
// complex64, Alignment-aligned), summed in float64 into sums[p] (four
// accumulators over i mod 4), mean-subtracted, scaled when norm is not nil
// and replaced by its forward transform, in place. Scaled: multiplied by
// the power of two 2^k that puts its largest deviation from the mean in
// [0.5, 1) (k = 0 for a series summing to 0 or constant), and norm[p] =
// sums[p] * 2^k. This is the Go path of the pCF engine moved to C in one
// call per block of rows, with the same arithmetic.
func (f *FFTW) SpectraU16(data []byte, o, stT, stY, n, ny, nx int, big bool, base []complex64, off []int64, scratch []float32, sums, norm []float64) {
	if n != f.p.n || len(off) != ny*nx || len(sums) < ny*nx || (norm != nil && len(norm) < ny*nx) || len(scratch) < n || !aligned(unsafe.Pointer(&scratch[0])) {
		panic("fft: SpectraU16: bad arguments")
	}
	if stT < 0 || stY < 0 || o < 0 {
		panic("fft: SpectraU16: negative strides")
	}
	last := o + (n-1)*stT + (ny-1)*stY + 2*nx
	if last > len(data) {
		panic("fft: SpectraU16: samples outside data")
	}
	h := int64(n/2 + 1)
	for _, v := range off {
		if v < 0 || v+h > int64(len(base)) || !aligned(unsafe.Pointer(&base[v])) {
			panic("fft: SpectraU16: slot outside base or unaligned")
		}
	}
	b := 0
	if big {
		b = 1
	}
	C.ipcf_spectra_u16(unsafe.Pointer(f.p.fwd), (*C.uint8_t)(unsafe.Pointer(&data[o])), C.int64_t(stT), C.int64_t(stY),
		C.int(n), C.int(ny), C.int(nx), C.int(b), fptr(base), (*C.int64_t)(unsafe.Pointer(&off[0])),
		(*C.float)(unsafe.Pointer(&scratch[0])), dptr(sums), dptr(norm))
}

// spectraLevel forces the code path of SpectraU16's transposition and mean
// subtraction (-1: the best the CPU has; 0: the scalar reference; 1: AVX2)
// and returns the one that will run. Tests use it; every path gives
// bitwise the same spectra.
func spectraLevel(level int) int { return int(C.ipcf_spectra_level(C.int(level))) }
