//go:build !cgo || ipcf_purego

package fft

// Backend names the FFT implementation that New returns.
const Backend = "gonum"

// New returns a plan of the fastest backend for length n >= 1.
func New(n int) Plan { return NewGonum(n) }

// HasPairKernel reports whether NewPairKernel is available.
const HasPairKernel = false

// PairKernel is not available in pure-Go builds.
type PairKernel struct{}

// NewPairKernel panics in pure-Go builds; check HasPairKernel first.
func NewPairKernel(n int, bins []int) *PairKernel {
	panic("fft: no pair kernel in pure-Go builds")
}

// Pair2 is not available in pure-Go builds.
func (k *PairKernel) Pair2(a1, b1, a2, b2 []complex64, f1, w1, f2, w2 []float64) {
	panic("fft: no pair kernel in pure-Go builds")
}

// Unit is not available in pure-Go builds.
type Unit struct{}

// NewUnit is not available in pure-Go builds.
func NewUnit(p1, q1, p2, q2 int, needB1, needB2 bool) Unit {
	panic("fft: no pair kernel in pure-Go builds")
}

// Pairs is not available in pure-Go builds.
func (k *PairKernel) Pairs(base []complex64, units []Unit, out []float64) {
	panic("fft: no pair kernel in pure-Go builds")
}

// HasWisdom is false in pure-Go builds.
func HasWisdom(n int) bool { return false }

// HasSpectraU16 reports whether SpectraU16 is available.
const HasSpectraU16 = false

// FFTW is not available in pure-Go builds.
type FFTW struct{ Gonum }

// SpectraU16 is not available in pure-Go builds.
func (f *FFTW) SpectraU16(data []byte, o, stT, stY, n, ny, nx int, big bool, base []complex64, off []int64, scratch []float32, sums, norm []float64) {
	panic("fft: no SpectraU16 in pure-Go builds")
}

// SpectraChunk is the cgo build's chunk of SpectraU16Part.
const SpectraChunk = 256

// SpectraU16Part is not available in pure-Go builds.
func (f *FFTW) SpectraU16Part(data []byte, o, stT, stY, t0, k, n, ny, nx int, big bool, base []complex64, off []int64, sums []float64) {
	panic("fft: no SpectraU16Part in pure-Go builds")
}

// SpectraU16Finish is not available in pure-Go builds.
func (f *FFTW) SpectraU16Finish(n, ny, nx int, base []complex64, off []int64, scratch []float32, sums, norm []float64) {
	panic("fft: no SpectraU16Finish in pure-Go builds")
}
