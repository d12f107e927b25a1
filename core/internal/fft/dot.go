//go:build cgo && !ipcf_purego

package fft

/*
#include "kernel.h"
*/
import "C"

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// The dot path of the pair kernel computes the same bin sums as the
// transform, without the transform. For real series of even length n, the
// unnormalized circular correlation is
//
//	c(τ) = Σ_f X(f) e^{2πifτ/n} = X(0) + X(n/2)(-1)^τ + 2 Σ_{f=1}^{n/2-1} Re(X(f) e^{2πifτ/n})
//
// with X = b·conj(a) (a, b the pixel's and the neighbour's spectra). A bin
// sum over τ in [lo, hi) is therefore, with Cj(f) = 2 Σ cos(2πfτ/n) and
// Sj(f) = 2 Σ sin(2πfτ/n) over the bin,
//
//	forward:  cnt_j X(0) + alt_j X(n/2) + Σ_f (Re X(f) Cj(f) - Im X(f) Sj(f))
//	backward: cnt_j X(0) + alt_j X(n/2) + Σ_f (Re X(f) Cj(f) + Im X(f) Sj(f))
//
// (backward: c(-τ), the reverse direction), cnt_j the bin's width and alt_j
// the sum of (-1)^τ over it. Per pair that is 2·nb multiply-adds per
// frequency against the transform's ~2.5·log2(n) flops per point; with
// the weights of a block of frequencies in L1 and the accumulators in
// registers, it runs near the FMA units' peak where the FFT does not. It
// is the exact definition (no approximation); only the rounding differs
// from the transform's: each weight's products are summed in float32 in frequency order within groups of 32
// frequencies from f = 0 (a group's loads then start on a cache line of
// the spectra: from f = 1, every 64-byte load spanned two, and the cross
// spectra cost a third more), less the group's mean of the cross spectrum
// (added back in float64 as the mean times the group's sum of the
// weights), and the groups' sums in float64, on every code path alike
// (dot.c's reference with fmaf and fma, and the SIMD code). X(0) and
// X(n/2), the mean's large term included, are taken in float64 apart from
// the sums (X(0) counts as 0 in its group). Where one delay dominates the correlation
// (sparse photon counts, a saturated frame), every bin sum cancels large
// terms. Its error is then on average below the transform's (ACFs of
// sparse photon counts, 100 seeds each at n = 128 to 4,096: 0.45-0.73
// times the transform's mean error of G), though single cases reach a
// few times it (29 of those 400 over 1.5 times, at most 6.2 at n = 128,
// where both errors are near 1e-6; REVIEW7's F4); TestDotPathIllConditioned
// holds its cases within 1.5 times (groups of 128 frequencies without the
// means gave 6 to 10 times).

// dotMaxBins is the most bins the dot path takes (its cost grows with
// them; the transform's does not), dotMaxWeights the most bytes of
// weights (n = 32,768 with 32 bins; they live on the Go heap, within the
// process's own allowance of the out-of-core budgets). Measured against
// the transform on the Zen 5 machine (BenchmarkPairsSizes): 0.18-0.59x
// the CPU per pair with 15 bins or fewer, 0.50-0.77x with 25-30, and
// 1.00x with 48 (n = 4,096 and 16,384), where the dot path is no gain.
const (
	dotMaxBins    = 32
	dotMaxWeights = 4 << 20
)

// dotWeights are the weights of one (n, bins).
type dotWeights struct {
	n, nb, nj int
	w         []float32 // n/2 rows (f = 0..n/2-1) of nj cosine, then nj sine weights; row 0 zeros
	gsum      []float64 // per group of IPCF_DOT_FS rows (from f = 0): the sums of w's rows, in row order
	cnt, alt  []float64
}

// dotCache holds the weights per (n, bins), under planMu; at most
// dotCacheMax entries (the kernels hold their own).
var dotCache = map[string]*dotWeights{}

const dotCacheMax = 8

// dotWeightsFor returns the dot path's weights for n and bins (upper
// edges, increasing, at most n-1), or nil where the path does not apply:
// odd or small n, more than dotMaxBins bins, or weights above
// dotMaxWeights.
func dotWeightsFor(n int, bins []int) *dotWeights {
	nb := len(bins)
	if n%2 != 0 || n < 64 || nb == 0 || nb > dotMaxBins || bins[nb-1] >= n ||
		n/2*2*((nb+15)/16*16)*4 > dotMaxWeights {
		return nil
	}
	key := fmt.Sprint(n, bins)
	planMu.Lock()
	defer planMu.Unlock()
	if d := dotCache[key]; d != nil {
		return d
	}
	d := newDotWeights(n, bins)
	if len(dotCache) >= dotCacheMax {
		for k := range dotCache {
			delete(dotCache, k)
			break
		}
	}
	dotCache[key] = d
	return d
}

// newDotWeights computes the weights in float64 from the closed form
// Σ_{τ=lo}^{hi-1} e^{iφτ} = e^{iφ(lo+hi-1)/2} sin(φ(hi-lo)/2) / sin(φ/2),
// φ = 2πf/n, each angle reduced exactly in integers first.
func newDotWeights(n int, bins []int) *dotWeights {
	nb := len(bins)
	nj := (nb + 15) / 16 * 16
	h := n / 2
	d := &dotWeights{n: n, nb: nb, nj: nj, w: Float32s(h * 2 * nj), cnt: make([]float64, nb), alt: make([]float64, nb)}
	// sinPi(m) = sin(π m / n) for an integer m, reduced mod 2n: from
	// tables of the 2n values (the same calls, made once each, where
	// every weight calling them took 10 ms of the default dataset's run).
	sinT, cosT := make([]float64, 2*n), make([]float64, 2*n)
	for k := range sinT {
		sinT[k] = math.Sin(math.Pi * float64(k) / float64(n))
		cosT[k] = math.Cos(math.Pi * float64(k) / float64(n))
	}
	sinPi := func(m int64) float64 { return sinT[m%int64(2*n)] }
	cosPi := func(m int64) float64 { return cosT[m%int64(2*n)] }
	lo := 0
	for j, hi := range bins {
		d.cnt[j] = float64(hi - lo)
		// (-1)^τ over [lo, hi): 0 for an even width, else (-1)^lo.
		if (hi-lo)%2 != 0 {
			d.alt[j] = 1 - 2*float64(lo%2)
		}
		for f := 1; f < h; f++ {
			f64 := int64(f)
			amp := sinPi(f64*int64(hi-lo)) / sinPi(f64)
			mid := f64 * int64(lo+hi-1) // the phase π·mid/n
			row := d.w[f*2*nj:]
			row[j] = float32(2 * amp * cosPi(mid))
			row[nj+j] = float32(2 * amp * sinPi(mid))
		}
		lo = hi
	}
	// The groups' sums of the weights as rounded (dot.c takes each
	// group's mean of the cross spectrum out of the float32 sums and adds
	// it back as mean times these).
	fs := int(C.IPCF_DOT_FS)
	ng := (h + fs - 1) / fs
	d.gsum = make([]float64, ng*2*nj)
	for f := 1; f < h; f++ {
		g := d.gsum[f/fs*2*nj:]
		for j, v := range d.w[f*2*nj : (f+1)*2*nj] {
			g[j] += float64(v)
		}
	}
	return d
}

// dotLevel forces the dot path for tests and benchmarks and returns the
// previous setting: -1 (the default) runs it where the CPU has AVX-512F,
// and the transform elsewhere; 0 runs the transform; 1 the dot path's
// reference; 2 its AVX-512F code.
func dotLevel(level int) int {
	old := dotMode
	dotMode = level
	return old
}

var dotMode = -1

// dotCode returns the dot path's code level for this call (dotLevel's
// numbering; 0: the transform).
func dotCode() int {
	switch dotMode {
	case -1:
		if dotSIMD() {
			return 2
		}
		return 0
	case 1, 2:
		return dotMode
	}
	return 0
}

// dotSIMD reports whether the CPU runs the dot path's AVX-512F code
// (asked of C once, not on every Pairs call).
var dotSIMD = sync.OnceValue(func() bool { return C.ipcf_dot_best() == 2 })

// pairsDot is Pairs by the dot path on code level code (dotLevel's
// numbering, 1 or 2).
func (k *PairKernel) pairsDot(code int, base []complex64, units []Unit, out []float64) {
	d := k.dot
	np := 0
	for _, u := range units {
		np++
		if u.p2 >= 0 {
			np++
		}
	}
	if len(k.dotPQ) < 4*len(units) {
		k.dotPQ = make([]int64, 4*len(units))
	}
	if len(k.dotAcc) < np*2*d.nj {
		k.dotAcc = make([]float64, np*2*d.nj)
	}
	if k.dotX == nil {
		k.dotX = Float32s(C.IPCF_DOT_XLEN)
	}
	C.ipcf_pairs_dot(C.int(2*(code-1)), C.int(d.n), C.int(d.nb), C.int(d.nj), (*C.float)(unsafe.Pointer(&d.w[0])),
		dptr(d.gsum), dptr(d.cnt), dptr(d.alt), fptr(base), &units[0], C.int(len(units)),
		(*C.int64_t)(unsafe.Pointer(&k.dotPQ[0])), (*C.float)(unsafe.Pointer(&k.dotX[0])), dptr(k.dotAcc), dptr(out))
}
