package fft

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// dft is the O(n^2) definition of the forward transform.
func dft(x []float32) []complex128 {
	n := len(x)
	out := make([]complex128, n/2+1)
	for k := range out {
		var s complex128
		for t, v := range x {
			s += complex(float64(v), 0) * cmplx.Rect(1, -2*math.Pi*float64(k*t%n)/float64(n))
		}
		out[k] = s
	}
	return out
}

func backends(n int) map[string]Plan {
	return map[string]Plan{"default": New(n), "gonum": NewGonum(n)}
}

func TestForwardInverseAgainstDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 7, 8, 16, 31, 64, 100, 127, 1024} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		want := dft(x)
		for name, p := range backends(n) {
			for _, align := range []bool{true, false} {
				src := Float32s(n + 1)
				dst := Complex64s(n/2 + 2)
				if !align {
					src, dst = src[1:], dst[1:]
				} else {
					src, dst = src[:n], dst[:n/2+1]
				}
				copy(src, x)
				p.Forward(dst, src)
				for k := range want {
					if d := cmplx.Abs(complex128(dst[k]) - want[k]); d > 1e-4*math.Sqrt(float64(n)) {
						t.Fatalf("%s n=%d aligned=%v: X[%d]=%v, want %v", name, n, align, k, dst[k], want[k])
					}
				}
				back := make([]float32, n)
				p.Inverse(back, dst)
				for i := range x {
					if d := math.Abs(float64(back[i]) - float64(n)*float64(x[i])); d > 1e-4*float64(n) {
						t.Fatalf("%s n=%d: inverse[%d]=%v, want %v", name, n, i, back[i], float64(n)*float64(x[i]))
					}
				}
				if n >= 1 && src[0] != x[0] {
					t.Fatalf("%s: Forward modified its input", name)
				}
			}
		}
	}
}

func TestWrongLengthPanics(t *testing.T) {
	for name, p := range backends(8) {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic for a wrong length", name)
				}
			}()
			p.Forward(make([]complex64, 4), make([]float32, 8))
		}()
	}
}

func BenchmarkInverse16384(b *testing.B) {
	for name, p := range backends(16384) {
		b.Run(name, func(b *testing.B) {
			src := Complex64s(8193)
			dst := Float32s(16384)
			for b.Loop() {
				src[1] = 1
				p.Inverse(dst, src)
			}
		})
	}
}
