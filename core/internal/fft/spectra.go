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
	f.checkSpectra(n, ny, nx, base, off, scratch, sums, norm)
	checkSamples(data, o, stT, stY, n, ny, nx)
	plan, tw := f.forwardC()
	C.ipcf_spectra_u16(plan, tw, (*C.uint8_t)(unsafe.Pointer(&data[o])), C.int64_t(stT), C.int64_t(stY),
		C.int(n), C.int(ny), C.int(nx), C.int(bint(big)), fptr(base), (*C.int64_t)(unsafe.Pointer(&off[0])),
		(*C.float)(unsafe.Pointer(&scratch[0])), dptr(sums), dptr(norm))
}

// SpectraChunk is the number of frames a SpectraU16Part call takes (the
// last call of a series: the rest): a multiple of 16, as the AVX2
// transposition's frame blocks, and small enough that a chunk of a few
// rows stays in the L2 cache.
const SpectraChunk = 256

// SpectraU16Part is SpectraU16's transposition of samples t0 to t0+k-1
// (t0 a multiple of SpectraChunk, k = SpectraChunk or the rest of the
// series), read from data as SpectraU16 reads the series but with sample
// t0 first (data[o + (i-t0)*stT + y*stY + 2*x] for sample i). The caller
// brings each chunk of the frames into memory it owns (a copy of a file's
// mapping, read in Go: a file cut short faults there, not in C) and calls
// SpectraU16Finish with the same arguments once all n samples are in.
// The spectra are bitwise those of SpectraU16.
func (f *FFTW) SpectraU16Part(data []byte, o, stT, stY, t0, k, n, ny, nx int, big bool, base []complex64, off []int64, sums []float64) {
	f.checkSpectra(n, ny, nx, base, off, nil, sums, nil)
	if t0 < 0 || t0%SpectraChunk != 0 || k < 1 || t0+k > n || (k != SpectraChunk && t0+k != n) {
		panic("fft: SpectraU16Part: bad chunk")
	}
	checkSamples(data, o, stT, stY, k, ny, nx)
	C.ipcf_spectra_u16_part((*C.uint8_t)(unsafe.Pointer(&data[o])), C.int64_t(stT), C.int64_t(stY), C.int(t0), C.int(k),
		C.int(n), C.int(ny), C.int(nx), C.int(bint(big)), fptr(base), (*C.int64_t)(unsafe.Pointer(&off[0])), dptr(sums))
}

// SpectraU16Finish completes the spectra whose samples SpectraU16Part
// put in the slots: as SpectraU16 after its transposition.
func (f *FFTW) SpectraU16Finish(n, ny, nx int, base []complex64, off []int64, scratch []float32, sums, norm []float64) {
	f.checkSpectra(n, ny, nx, base, off, scratch, sums, norm)
	plan, tw := f.forwardC()
	C.ipcf_spectra_u16_finish(plan, tw, C.int(n), C.int(ny), C.int(nx), fptr(base),
		(*C.int64_t)(unsafe.Pointer(&off[0])), (*C.float)(unsafe.Pointer(&scratch[0])), dptr(sums), dptr(norm))
}

// forwardC is the forward transform as the C spectra take it: the
// complex plan of n/2 points and the twiddles (ipcf_r2c), or FFTW's r2c
// and no twiddles.
func (f *FFTW) forwardC() (unsafe.Pointer, *C.float) {
	if f.p.half != nil {
		return unsafe.Pointer(f.p.half), fptr32(f.p.tw)
	}
	return unsafe.Pointer(f.p.fwd), nil
}

// checkSpectra panics on arguments the C code would read or write
// outside of (scratch nil: not used).
func (f *FFTW) checkSpectra(n, ny, nx int, base []complex64, off []int64, scratch []float32, sums, norm []float64) {
	if n != f.p.n || ny < 1 || nx < 1 || len(off) != ny*nx || len(sums) < ny*nx || (norm != nil && len(norm) < ny*nx) ||
		(scratch != nil && (len(scratch) < n || !aligned(unsafe.Pointer(&scratch[0])))) {
		panic("fft: SpectraU16: bad arguments")
	}
	h := int64(n/2 + 1)
	for _, v := range off {
		if v < 0 || v+h > int64(len(base)) || !aligned(unsafe.Pointer(&base[v])) {
			panic("fft: SpectraU16: slot outside base or unaligned")
		}
	}
}

// checkSamples panics where n samples of ny rows of nx pixels from
// data[o:] (strides stT, stY) would lie outside data.
func checkSamples(data []byte, o, stT, stY, n, ny, nx int) {
	if stT < 0 || stY < 0 || o < 0 {
		panic("fft: SpectraU16: negative strides")
	}
	if last := o + (n-1)*stT + (ny-1)*stY + 2*nx; last > len(data) {
		panic("fft: SpectraU16: samples outside data")
	}
}

func bint(b bool) int {
	if b {
		return 1
	}
	return 0
}

// spectraLevel forces the code path of SpectraU16's transposition and mean
// subtraction (-1: the best the CPU has; 0: the scalar reference; 1: AVX2)
// and returns the one that will run. Tests use it; every path gives
// bitwise the same spectra.
func spectraLevel(level int) int { return int(C.ipcf_spectra_level(C.int(level))) }

// r2cLevel forces the code path of ipcf_r2c's split (-1: the best the CPU
// has; 0: scalar; 1: AVX-512F) and returns the one that will run. Tests
// use it; both give bitwise the same spectra.
func r2cLevel(level int) int { return int(C.ipcf_r2c_level(C.int(level))) }

// fftwR2C is FFTW's own r2c of src into dst (aligned), for tests to
// compare Forward with.
func (f *FFTW) fftwR2C(dst []complex64, src []float32) {
	C.fftwf_execute_dft_r2c(f.p.fwd, (*C.float)(unsafe.Pointer(&src[0])), (*C.fftwf_complex)(unsafe.Pointer(&dst[0])))
}
