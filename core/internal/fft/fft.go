package fft

import (
	"unsafe"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Plan transforms real float32 series of one length. A Plan is not safe
// for concurrent use: give each goroutine its own (they share the
// underlying FFTW plan, so that costs nothing).
type Plan interface {
	// Len returns the series length n.
	Len() int
	// Forward stores the n/2+1 coefficients of src (length n) in dst. It
	// panics if the lengths are wrong. src is not modified.
	Forward(dst []complex64, src []float32)
	// Inverse stores the unnormalized inverse transform of the n/2+1
	// coefficients src in dst (length n). src is overwritten (FFTW's c2r
	// destroys its input). It panics if the lengths are wrong.
	Inverse(dst []float32, src []complex64)
}

// Alignment is the byte alignment of the slices returned by Float32s and
// Complex64s. Slices aligned like this take FFTW's SIMD code paths.
const Alignment = 64

// Float32s returns a zeroed slice of n float32 aligned to Alignment bytes.
func Float32s(n int) []float32 {
	b := make([]float32, n+Alignment/4)
	off := (Alignment - int(uintptr(unsafe.Pointer(&b[0]))%Alignment)) % Alignment / 4
	return b[off : off+n : off+n]
}

// Complex64s returns a zeroed slice of n complex64 aligned to Alignment bytes.
func Complex64s(n int) []complex64 {
	b := make([]complex64, n+Alignment/8)
	off := (Alignment - int(uintptr(unsafe.Pointer(&b[0]))%Alignment)) % Alignment / 8
	return b[off : off+n : off+n]
}

func aligned(p unsafe.Pointer) bool { return uintptr(p)%Alignment == 0 }

func checkLen(n, nsrc, ndst int, inverse bool) {
	if inverse {
		if nsrc != n/2+1 || ndst != n {
			panic("fft: wrong length")
		}
		return
	}
	if nsrc != n || ndst != n/2+1 {
		panic("fft: wrong length")
	}
}

// Gonum is the pure-Go backend. It computes in float64.
type Gonum struct {
	n int
	f *fourier.FFT
	x []float64
	c []complex128
}

// NewGonum returns a pure-Go plan for length n >= 1.
func NewGonum(n int) *Gonum {
	return &Gonum{n: n, f: fourier.NewFFT(n), x: make([]float64, n), c: make([]complex128, n/2+1)}
}

// Len returns the series length.
func (g *Gonum) Len() int { return g.n }

// Forward implements Plan.
func (g *Gonum) Forward(dst []complex64, src []float32) {
	checkLen(g.n, len(src), len(dst), false)
	for i, v := range src {
		g.x[i] = float64(v)
	}
	g.f.Coefficients(g.c, g.x)
	for i, v := range g.c {
		dst[i] = complex64(v)
	}
}

// Inverse implements Plan.
func (g *Gonum) Inverse(dst []float32, src []complex64) {
	checkLen(g.n, len(src), len(dst), true)
	for i, v := range src {
		g.c[i] = complex128(v)
	}
	g.f.Sequence(g.x, g.c)
	for i, v := range g.x {
		dst[i] = float32(v)
	}
}
