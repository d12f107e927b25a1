//go:build cgo && !ipcf_purego

package fft

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestPairKernel checks the fused kernel against per-pair Forward, direct
// products and Inverse on the gonum backend.
func TestPairKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{4, 8, 64, 1024} {
		bins := []int{1, 2, 3, n / 4, n / 2}
		if n == 4 {
			bins = []int{1, 2}
		}
		g := NewGonum(n)
		spec := make([][]complex64, 4)
		for i := range spec {
			x := make([]float32, n)
			for k := range x {
				x[k] = float32(rng.NormFloat64())
			}
			spec[i] = Complex64s(n/2 + 1)
			g.Forward(spec[i], x)
		}
		ref := func(a, b []complex64) (f, w []float64) {
			prod := make([]complex64, n/2+1)
			for k := range prod {
				prod[k] = b[k] * complex(real(a[k]), -imag(a[k]))
			}
			c := make([]float32, n)
			g.Inverse(c, prod)
			lo := 0
			for _, hi := range bins {
				var sf, sw float64
				for tau := lo; tau < hi; tau++ {
					sf += float64(c[tau])
					sw += float64(c[(n-tau)%n])
				}
				f, w = append(f, sf), append(w, sw)
				lo = hi
			}
			return f, w
		}
		{
			k := NewPairKernel(n, bins)
			nb := len(bins)
			out := [4][]float64{make([]float64, nb), make([]float64, nb), make([]float64, nb), make([]float64, nb)}
			k.Pair2(spec[0], spec[1], spec[2], spec[3], out[0], out[1], out[2], out[3])
			f1, w1 := ref(spec[0], spec[1])
			f2, w2 := ref(spec[2], spec[3])
			for j := range bins {
				for i, pair := range [][2]float64{{out[0][j], f1[j]}, {out[1][j], w1[j]}, {out[2][j], f2[j]}, {out[3][j], w2[j]}} {
					if math.Abs(pair[0]-pair[1]) > 1e-3*float64(n) {
						t.Fatalf("n=%d bin %d output %d: %v, want %v", n, j, i, pair[0], pair[1])
					}
				}
			}
			// A single pair gives the same first pair.
			k.Pair2(spec[0], spec[1], nil, nil, out[2], out[3], nil, nil)
			for j := range bins {
				if math.Abs(out[2][j]-f1[j]) > 1e-3*float64(n) || math.Abs(out[3][j]-w1[j]) > 1e-3*float64(n) {
					t.Fatalf("n=%d single pair bin %d differs", n, j)
				}
			}
		}
	}
}

func BenchmarkPair2(b *testing.B) {
	n := 16384
	bins := []int{1, 2, 3, 4, 5, 7, 10, 13, 17, 23, 31, 41, 55, 74, 99, 133, 178, 239, 320, 428, 574, 769, 1030, 1380, 1849, 2477, 3318, 4445, 5955, 8192}
	k := NewPairKernel(n, bins)
	s := make([][]complex64, 4)
	for i := range s {
		s[i] = Complex64s(n/2 + 1)
		for j := range s[i] {
			s[i][j] = complex(float32(j%7), float32(i))
		}
	}
	o := make([]float64, len(bins)*4)
	nb := len(bins)
	for b.Loop() {
		k.Pair2(s[0], s[1], s[2], s[3], o[:nb], o[nb:2*nb], o[2*nb:3*nb], o[3*nb:])
	}
}

// TestPairsBatch checks that the batch call equals Pair2 pair by pair.
func TestPairsBatch(t *testing.T) {
	defer dotLevel(dotLevel(0)) // the transform's path (TestDotPath: the dot path)
	n, bins := 64, []int{1, 2, 5, 11, 32}
	nb := len(bins)
	h := n/2 + 1
	stride := (h + 7) / 8 * 8
	base := Complex64s(5 * stride)
	rng := rand.New(rand.NewPCG(9, 9))
	g := NewGonum(n)
	for i := 0; i < 5; i++ {
		x := make([]float32, n)
		for k := range x {
			x[k] = float32(rng.NormFloat64())
		}
		g.Forward(base[i*stride:i*stride+h], x)
	}
	k := NewPairKernel(n, bins)
	offP := []int64{0, int64(stride), int64(4 * stride)}
	offQ := []int64{int64(2 * stride), int64(3 * stride), 0}
	units := []Unit{NewUnit(0, 2*stride, stride, 3*stride, true, false), NewUnit(4*stride, 0, -1, -1, true, false)}
	out := make([]float64, 4*nb*2)
	k.Pairs(base, units, out)
	out = append(out[:2*nb], append(out[2*nb:4*nb], out[4*nb:]...)...) // already in order
	f1, w1, f2, w2 := make([]float64, nb), make([]float64, nb), make([]float64, nb), make([]float64, nb)
	sp := func(o int64) []complex64 { return base[o : o+int64(h)] }
	k.Pair2(sp(offP[0]), sp(offQ[0]), sp(offP[1]), sp(offQ[1]), f1, w1, f2, w2)
	f3, w3 := make([]float64, nb), make([]float64, nb)
	k.Pair2(sp(offP[2]), sp(offQ[2]), nil, nil, f3, w3, nil, nil)
	for j := 0; j < nb; j++ {
		if out[j] != f1[j] || out[nb+j] != w1[j] || out[2*nb+j] != f2[j] || out[4*nb+j] != f3[j] || out[5*nb+j] != w3[j] {
			t.Fatalf("bin %d: batch differs from Pair2", j)
		}
	}
}

// TestEmbeddedWisdom checks that the embedded wisdom gives the plans of
// every transform here (the project's machines: FFTW 3.3.10 with AVX), for
// every power of two the engines may meet up to 2^20.
func TestEmbeddedWisdom(t *testing.T) {
	for _, n := range []int{4, 1024, 16384, 131072} {
		if !HasWisdom(n) {
			t.Errorf("no embedded wisdom applies to n=%d (FFTW build or CPU differ from wisdomgen's?)", n)
		}
	}
	for n := 4; n <= 1<<20; n *= 2 {
		if f, i, p := WisdomPlans(n); !f || !i || !p {
			t.Errorf("n=%d: plans from wisdom: forward %v, inverse %v, pair kernel %v; want all (make wisdom)", n, f, i, p)
		}
	}
}

// TestBuildLevels checks that every code path packing Z and summing the
// bins (reference, AVX2, AVX-512) gives bitwise the same bin sums, for one and two pairs, at
// lengths around the vector widths, with a -0 among the inputs (the engine
// never passes non-finite spectra).
func TestBuildLevels(t *testing.T) {
	defer dotLevel(dotLevel(0)) // the transform's path
	best := buildLevel(-1)
	defer buildLevel(-1)
	t.Logf("code paths 0..%d", best)
	rng := rand.New(rand.NewPCG(5, 6))
	for i, n := range []int{4, 8, 16, 32, 64, 1024, 16384, 64, 1024, 16384} {
		bins := []int{1, 2, n / 4, n / 2}
		if n == 4 {
			bins = []int{1, 2}
		}
		if i >= 7 {
			// Bins of every width from 1 up, most of them not a multiple
			// of the 16 values a vector pass takes (the engine's log bins).
			bins = bins[:0]
			for e, w := 0, 1; e+w < n/2; w = w*5/4 + 1 {
				e += w
				bins = append(bins, e)
			}
			bins = append(bins, n/2)
		}
		nb := len(bins)
		h := n/2 + 1
		stride := (h + 7) / 8 * 8
		base := Complex64s(5 * stride)
		for i := range base {
			base[i] = complex(float32(rng.NormFloat64()), float32(rng.NormFloat64()))
		}
		base[3] = complex(float32(math.Copysign(0, -1)), 0)
		units := []Unit{NewUnit(0, stride, 2*stride, 3*stride, true, true), NewUnit(4*stride, 0, -1, -1, true, false),
			NewUnit(stride, stride, stride, 2*stride, true, true)}
		k := NewPairKernel(n, bins)
		var ref []float64
		for level := 0; level <= best; level++ {
			buildLevel(level)
			out := make([]float64, 4*nb*len(units))
			k.Pairs(base, units, out)
			zin := append([]complex64(nil), k.zin...)
			if level == 0 {
				ref = out
				continue
			}
			for i := range out {
				if math.Float64bits(out[i]) != math.Float64bits(ref[i]) {
					t.Fatalf("n=%d level %d: out[%d] = %v, reference %v", n, level, i, out[i], ref[i])
				}
			}
			// The kernel's buffers after the last unit are bitwise the same.
			buildLevel(0)
			k.Pairs(base, units, out)
			for i := range zin {
				if math.Float32bits(real(zin[i])) != math.Float32bits(real(k.zin[i])) ||
					math.Float32bits(imag(zin[i])) != math.Float32bits(imag(k.zin[i])) {
					t.Fatalf("n=%d level %d: Z[%d] = %v, reference %v", n, level, i, zin[i], k.zin[i])
				}
			}
		}
	}
}

// sum2Model is the order of additions every code path of the bin sums
// keeps (kernel.c's sum2): 32 float64 accumulators over blocks of 16
// complex values, the remaining values into the first two, then a fixed
// tree.
func sum2Model(z []float32, a, b int) (float64, float64) {
	var acc [32]float64
	t := a
	for ; t+16 <= b; t += 16 {
		for j := range acc {
			acc[j] += float64(z[2*t+j])
		}
	}
	for ; t < b; t++ {
		acc[0] += float64(z[2*t])
		acc[1] += float64(z[2*t+1])
	}
	for w := 16; w >= 2; w /= 2 {
		for j := 0; j < w; j++ {
			acc[j] += acc[j+w]
		}
	}
	return acc[0], acc[1]
}

// TestBinSumsOrder checks every code path of the bin sums against
// sum2Model bit for bit, on values whose magnitudes span 2^-40..2^40, so
// that the float64 sums round and any other order of additions shows; with
// bins of every width from 1 (most not a multiple of 16).
func TestBinSumsOrder(t *testing.T) {
	best := buildLevel(-1)
	defer buildLevel(-1)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{4, 64, 1000, 16384} {
		z := Complex64s(n)
		zf := unsafe.Slice((*float32)(unsafe.Pointer(&z[0])), 2*n)
		for i := range zf {
			zf[i] = float32(math.Ldexp(rng.Float64()+1, rng.IntN(81)-40))
			if rng.IntN(2) == 0 {
				zf[i] = -zf[i]
			}
		}
		var bins []int
		for e, w := 0, 1; e+w < n/2; w = w*5/4 + 1 {
			e += w
			bins = append(bins, e)
		}
		bins = append(bins, n/2)
		nb := len(bins)
		want := make([]float64, 4*nb)
		lo := 0
		for j, hi := range bins {
			want[j], want[2*nb+j] = sum2Model(zf, lo, hi)
			var b1, b2 float64
			if lo == 0 {
				b1, b2 = sum2Model(zf, n-hi+1, n)
				b1 += float64(zf[0])
				b2 += float64(zf[1])
			} else {
				b1, b2 = sum2Model(zf, n-hi+1, n-lo+1)
			}
			want[nb+j], want[3*nb+j] = b1, b2
			lo = hi
		}
		inexact := 0
		for level := 0; level <= best; level++ {
			buildLevel(level)
			got := make([]float64, 4*nb)
			binSums(z, bins, got[:nb], got[nb:2*nb], got[2*nb:3*nb], got[3*nb:])
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("n=%d level %d: sum %d (bin %d) = %v, the model's order gives %v", n, level, i, i%nb, got[i], want[i])
				}
			}
			// One pair (forward sums only): the same real-part sums.
			one := make([]float64, nb)
			binSums(z, bins, one, nil, nil, nil)
			for j := 0; j < nb; j++ {
				if math.Float64bits(one[j]) != math.Float64bits(want[j]) {
					t.Fatalf("n=%d level %d, one pair: bin %d = %v, want %v", n, level, j, one[j], want[j])
				}
			}
		}
		// The data make the order matter: summed in plain order, some bins differ.
		lo = 0
		for j, hi := range bins {
			var s float64
			for t := lo; t < hi; t++ {
				s += float64(zf[2*t])
			}
			if s != want[j] {
				inexact++
			}
			lo = hi
		}
		if n >= 1000 && inexact == 0 {
			t.Fatalf("n=%d: no bin's sum depends on the order of additions; the test data do not discriminate", n)
		}
	}
}
