//go:build cgo && !ipcf_purego

package fft

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestR2CPaths: the forward transform of even n by a complex transform of
// n/2 points and ipcf_r2c's split gives the same bits with the AVX-512
// split and the scalar one, for any alignment of its arrays; n/2 odd and
// even, and n/4 not a multiple of the vector's eight values.
func TestR2CPaths(t *testing.T) {
	defer r2cLevel(-1)
	if r2cLevel(1) != 1 {
		t.Log("this CPU has no AVX-512F: the scalar split only") // (CI's machines have it; the dot path's tests say so too)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{8, 10, 12, 14, 16, 18, 34, 36, 64, 66, 100, 130, 1000, 1024, 16384, 1 << 17} {
		x := Float32s(n + 1)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(40)-20)))
		}
		var got [2][]complex64
		for level := 0; level < 2; level++ {
			r2cLevel(level)
			for _, shift := range []int{0, 1} {
				p := NewFFTW(n)
				dst := Complex64s(n/2 + 2)[shift : shift+n/2+1]
				src := Float32s(n + 1)[shift : shift+n]
				copy(src, x)
				p.Forward(dst, src)
				if shift == 0 && level == 0 {
					got[0] = append([]complex64(nil), dst...)
				} else {
					got[1] = dst
					for k := range dst {
						if math.Float32bits(real(dst[k])) != math.Float32bits(real(got[0][k])) ||
							math.Float32bits(imag(dst[k])) != math.Float32bits(imag(got[0][k])) {
							t.Fatalf("n=%d level %d shift %d: X[%d] = %v, the scalar split's aligned %v", n, level, shift, k, dst[k], got[0][k])
						}
					}
				}
			}
		}
	}
}

// TestR2CAccuracy: Forward's error against a float64 transform is that of
// FFTW's own r2c (which it replaces for even n): root-mean-square within
// 1.25 times, largest within 2 times, over series of camera counts less
// their mean (the engines' input) and of Gaussian noise.
func TestR2CAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{64, 1024, 16384} {
		g := NewGonum(n) // float64 inside
		p := NewFFTW(n)
		var e2 [2]float64
		var emax [2]float64
		for trial := 0; trial < 20; trial++ {
			x := Float32s(n)
			var mean float64
			for i := range x {
				if trial%2 == 0 {
					x[i] = float32(rng.IntN(40))
				} else {
					x[i] = float32(rng.NormFloat64())
				}
				mean += float64(x[i])
			}
			mean /= float64(n)
			for i := range x {
				x[i] = float32((float64(x[i]) - mean) / 64)
			}
			x64 := make([]float64, n)
			for i, v := range x {
				x64[i] = float64(v)
			}
			want := g.f.Coefficients(nil, x64)
			a, b := Complex64s(n/2+1), Complex64s(n/2+1)
			p.Forward(a, x)
			p.fftwR2C(b, x)
			for k := range want {
				for i, got := range []complex64{a[k], b[k]} {
					d := math.Hypot(float64(real(got))-real(want[k]), float64(imag(got))-imag(want[k]))
					e2[i] += d * d
					emax[i] = math.Max(emax[i], d)
				}
			}
		}
		t.Logf("n=%d: rms error %.3g (FFTW's r2c %.3g), largest %.3g (%.3g)", n, math.Sqrt(e2[0]), math.Sqrt(e2[1]), emax[0], emax[1])
		if math.Sqrt(e2[0]) > 1.25*math.Sqrt(e2[1]) || emax[0] > 2*emax[1] {
			t.Errorf("n=%d: rms error %.3g against FFTW's r2c %.3g, largest %.3g against %.3g", n, math.Sqrt(e2[0]), math.Sqrt(e2[1]), emax[0], emax[1])
		}
	}
}

// TestR2CEveryEvenN: Forward against a float64 transform for every n from
// 4 to 600 and larger ones of every residue mod 4 (n = 2 mod 4, whose n/2
// is odd, left two values unwritten: REVIEW8's F1), both splits, arrays
// aligned and shifted by one value, the destination filled with NaN first.
func TestR2CEveryEvenN(t *testing.T) {
	defer r2cLevel(-1)
	rng := rand.New(rand.NewPCG(7, 8))
	var ns []int
	for n := 4; n <= 600; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 1000, 1022, 1024, 2046, 4096, 8190, 16384, 30002)
	for _, n := range ns {
		x := make([]float32, n)
		x64 := make([]float64, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
			x64[i] = float64(x[i])
		}
		want := NewGonum(n).f.Coefficients(nil, x64)
		var rms float64
		for _, w := range want {
			rms += real(w)*real(w) + imag(w)*imag(w)
		}
		rms = math.Sqrt(rms / float64(len(want)))
		for level := 0; level < 2; level++ {
			if r2cLevel(level) != level {
				continue
			}
			for _, shift := range []int{0, 1} {
				p := NewFFTW(n)
				dst := Complex64s(n/2 + 2)[shift : shift+n/2+1]
				for i := range dst {
					dst[i] = complex(float32(math.NaN()), 0)
				}
				src := Float32s(n + 1)[shift : shift+n]
				copy(src, x)
				p.Forward(dst, src)
				for k, w := range want {
					d := math.Hypot(float64(real(dst[k]))-real(w), float64(imag(dst[k]))-imag(w))
					if !(d <= 1e-5*rms) {
						t.Fatalf("n=%d split level %d shift %d: X[%d] = %v, float64 %v", n, level, shift, k, dst[k], w)
					}
				}
			}
		}
	}
}
