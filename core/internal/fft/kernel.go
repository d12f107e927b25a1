//go:build cgo && !ipcf_purego

package fft

/*
#cgo CFLAGS: -O3
#cgo LDFLAGS: -lfftw3f -lm
#include <fftw3.h>
#include "kernel.h"
*/
import "C"

import "unsafe"

// PairKernel is the fused hot loop of the pCF: for two pairs of spectra
// (a = pixel, b = neighbour, each n/2+1 coefficients of Forward) it forms
// X = b*conj(a) for both, packs them as Z = X1 + i*X2 (extended to n
// points with Hermitian symmetry) so that one complex inverse FFT yields
// both correlations (real and imaginary part), and sums them over the
// delay bins in both directions. This "two real transforms for one
// complex" packing costs one complex FFT of length n per two pairs, which
// FFTW runs in about 65% of the time of two c2r transforms here.
type PairKernel struct {
	n         int
	plan      C.fftwf_plan
	zin, zout []complex64
	bins      []C.int
	// The dot path's weights (nil where it does not apply) and scratch.
	dot    *dotWeights
	dotPQ  []int64
	dotX   []float32
	dotAcc []float64
}

// HasPairKernel reports whether NewPairKernel is available.
const HasPairKernel = true

// c2cPlans holds the pair kernel's plan per length (under planMu).
var c2cPlans = map[int]C.fftwf_plan{}

// NewPairKernel returns a kernel for series of length n >= 4 and the given
// upper bin edges. The complex plan comes from the embedded wisdom where it
// has the size, else from FFTW_ESTIMATE (see newPlan): never from
// measuring, so the choice, and the rounding, is the same in every thread
// and every process.
func NewPairKernel(n int, bins []int) *PairKernel {
	k := &PairKernel{n: n, zin: Complex64s(n), zout: Complex64s(n)}
	for _, b := range bins {
		k.bins = append(k.bins, C.int(b))
	}
	planMu.Lock()
	p, ok := c2cPlans[n]
	if !ok {
		p, _ = newPlan(kindC2C, n, false)
		c2cPlans[n] = p
	}
	planMu.Unlock()
	k.plan = p
	k.dot = dotWeightsFor(n, bins)
	return k
}

// HasWisdom reports whether the pair kernel of length n uses a plan from
// the embedded wisdom.
func HasWisdom(n int) bool {
	_, _, pair := WisdomPlans(n)
	return pair
}

// buildLevel forces the code paths that pack Z and sum the bins (-1: the
// best the CPU has; 0: the reference, 1: AVX2, 2: AVX-512F packing and
// bin sums) and returns the one that will run. Tests use it; every path
// gives bitwise the same results.
func buildLevel(level int) int { return int(C.ipcf_build_level(C.int(level))) }

func fptr(c []complex64) *C.float {
	if c == nil {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&c[0]))
}

func dptr(d []float64) *C.double {
	if d == nil {
		return nil
	}
	return (*C.double)(unsafe.Pointer(&d[0]))
}

// Pair2 computes the bin sums of the unnormalized circular correlations
// c1 = n*irfft(b1*conj(a1)) and c2 (likewise): f1[j] is the sum of c1 over
// bin j, w1[j] the sum of c1[(n - tau) mod n] (the reverse direction). The
// second pair may be nil (a2 == nil); w1 and w2 may be nil. Spectra must be
// Alignment-aligned and hold n/2+1 values.
func (k *PairKernel) Pair2(a1, b1, a2, b2 []complex64, f1, w1, f2, w2 []float64) {
	h := k.n/2 + 1
	if len(a1) < h || len(b1) < h || (a2 != nil && (len(a2) < h || len(b2) < h)) {
		panic("fft: short spectrum")
	}
	nb := len(k.bins)
	if len(f1) < nb || (w1 != nil && len(w1) < nb) || (a2 != nil && (len(f2) < nb || (w2 != nil && len(w2) < nb))) {
		panic("fft: short bin buffer")
	}
	C.ipcf_pair2(unsafe.Pointer(k.plan), fptr(a1), fptr(b1), fptr(a2), fptr(b2),
		fptr(k.zin), fptr(k.zout), C.int(k.n), &k.bins[0], C.int(nb),
		dptr(f1), dptr(w1), dptr(f2), dptr(w2))
}

// Unit is one transform's worth of work for Pairs: pair (P1, Q1) packed
// with pair (P2, Q2), or alone if P2 < 0. P and Q are the offsets (in
// complex64 values) of the pixel's and the neighbour's spectrum in base.
type Unit = C.ipcf_unit

// NewUnit returns a Unit; p2 < 0 means a single pair.
func NewUnit(p1, q1, p2, q2 int, needB1, needB2 bool) Unit {
	b := func(v bool) C.int8_t {
		if v {
			return 1
		}
		return 0
	}
	return Unit{p1: C.int64_t(p1), q1: C.int64_t(q1), p2: C.int64_t(p2), q2: C.int64_t(q2), needb1: b(needB1), needb2: b(needB2)}
}

// Pairs runs Pair2 over a batch of units in one C call, or, where the
// CPU has AVX-512F and the dot path applies (even n >= 64, at most 32
// bins, see dot.go), computes the same bin sums from the cross spectra
// without a transform: the same values up to rounding (closer to the
// definition), each pair's independent of the batch. Unit u's bin sums
// go to out[u*4*nb:]: forward 1, backward 1, forward 2, backward 2 (each nb
// = len(bins) values; backward ones only if asked for). out must hold
// 4*nb*len(units) values.
func (k *PairKernel) Pairs(base []complex64, units []Unit, out []float64) {
	n, nb, h := len(units), len(k.bins), int64(k.n/2+1)
	if n == 0 {
		return
	}
	if len(out) < 4*nb*n {
		panic("fft: Pairs: out too short")
	}
	in := func(o C.int64_t) bool { return o >= 0 && int64(o)+h <= int64(len(base)) }
	for _, u := range units {
		if !in(u.p1) || !in(u.q1) || (u.p2 >= 0 && (!in(u.p2) || !in(u.q2))) {
			panic("fft: Pairs: spectrum outside base")
		}
	}
	if code := dotCode(); k.dot != nil && code != 0 {
		k.pairsDot(code, base, units, out)
		return
	}
	C.ipcf_pairs(unsafe.Pointer(k.plan), fptr(base), &units[0], C.int(n), fptr(k.zin), fptr(k.zout),
		C.int(k.n), &k.bins[0], C.int(nb), dptr(out))
}

// binSums runs the kernel's bin sums (on the code path buildLevel set) on
// z as the transform's output, for tests: f2 and w2 are for z's imaginary
// parts and nil with them for one pair; w1 may be nil.
func binSums(z []complex64, bins []int, f1, w1, f2, w2 []float64) {
	cb := make([]C.int, len(bins))
	for i, b := range bins {
		cb[i] = C.int(b)
	}
	C.ipcf_bin_sums(fptr(z), C.int(len(z)), &cb[0], C.int(len(bins)), dptr(f1), dptr(w1), dptr(f2), dptr(w2))
}

// transformLoop runs the kernel's complex transform iters times on copies
// of the last packed Z (copyOnly: only the copies), for benchmarks: the
// difference of the two is the transform's cost, the floor of a unit.
func (k *PairKernel) transformLoop(iters int, copyOnly bool) {
	work := Complex64s(k.n)
	c := C.int(0)
	if copyOnly {
		c = 1
	}
	C.ipcf_transform_loop(unsafe.Pointer(k.plan), fptr(k.zin), fptr(work), fptr(k.zout), C.int(k.n), C.int(iters), c)
}
