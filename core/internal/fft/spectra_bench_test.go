//go:build cgo && !ipcf_purego

package fft

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSpectraU16: the spectra of 24 rows of 64 columns of the default
// dataset (64 pixels x 16,384 frames of a 64 x 64 uint16 stack), one
// thread: per pixel, the transposition, sum, mean subtraction and forward
// transform; level=0 is the scalar reference, level=1 the AVX2 path.
func BenchmarkSpectraU16(b *testing.B) {
	const n, ny, nx, W = 16384, 24, 64, 64
	data := make([]byte, n*W*W*2)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	f := NewFFTW(n)
	slot := int64(n/2+1+15) &^ 15
	base, _, _ := BigComplex64s(int(slot) * ny * nx)
	off := make([]int64, ny*nx)
	for p := range off {
		off[p] = int64(p) * slot
	}
	scratch := Float32s(n)
	sums := make([]float64, ny*nx)
	norm := make([]float64, ny*nx)
	for _, level := range []int{0, spectraLevel(-1)} {
		b.Run(fmt.Sprintf("level=%d", level), func(b *testing.B) {
			spectraLevel(level)
			defer spectraLevel(-1)
			for b.Loop() {
				f.SpectraU16(data, 0, W*W*2, W*2, n, ny, nx, false, base, off, scratch, sums, norm)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*ny*nx), "us/pixel")
		})
	}
}
