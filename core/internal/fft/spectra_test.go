//go:build cgo && !ipcf_purego

package fft

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSpectraU16Paths: the AVX2 transposition (groups of eight pixels,
// chunks of frames, sums accumulated on the way) gives bitwise the scalar
// reference's sums and spectra, for both byte orders, widths with and
// without a remainder of columns, row strides wider than the row, and
// series lengths from 4 (below the SIMD path's 8) up; and the spectra are
// those of Forward on the mean-subtracted series.
func TestSpectraU16Paths(t *testing.T) {
	if spectraLevel(-1) == 0 {
		t.Log("no AVX2 on this CPU: the scalar path is compared with itself and with Forward")
	}
	defer spectraLevel(-1)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ n, ny, nx, pad int }{
		{4, 2, 9, 0}, {8, 1, 8, 0}, {16, 2, 16, 1}, {32, 1, 11, 0}, {64, 3, 17, 6}, {128, 2, 24, 0}, {256, 5, 13, 2}, {1024, 1, 40, 0},
	} {
		for _, big := range []bool{false, true} {
			stY := 2*c.nx + 2*c.pad
			stT := stY*c.ny + 10
			data := make([]byte, c.n*stT+64)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			f := NewFFTW(c.n)
			slot := int64(c.n/2+1+15) &^ 15
			npx := c.ny * c.nx
			run := func(level int) ([]complex64, []float64) {
				spectraLevel(level)
				base, _ := BigComplex64s(int(slot) * (npx + 1))
				off := make([]int64, npx)
				for p := range off {
					off[p] = int64(npx-p) * slot // slots in reverse order
				}
				sums := make([]float64, npx)
				f.SpectraU16(data, 6, stT, stY, c.n, c.ny, c.nx, big, base, off, Float32s(c.n), sums)
				return base, sums
			}
			refBase, refSums := run(0)
			gotBase, gotSums := run(1)
			for p := range refSums {
				if refSums[p] != gotSums[p] {
					t.Fatalf("%+v big=%v: sum of pixel %d: %v, reference %v", c, big, p, gotSums[p], refSums[p])
				}
			}
			for i := range refBase {
				if math.Float32bits(real(refBase[i])) != math.Float32bits(real(gotBase[i])) ||
					math.Float32bits(imag(refBase[i])) != math.Float32bits(imag(gotBase[i])) {
					t.Fatalf("%+v big=%v: spectra differ at %d: %v, reference %v", c, big, i, gotBase[i], refBase[i])
				}
			}
			// The reference against Forward on the series built here.
			series := Float32s(c.n)
			want := Complex64s(c.n/2 + 1)
			for p := 0; p < npx; p++ {
				y, x := p/c.nx, p%c.nx
				sum := 0.0
				for i := 0; i < c.n; i++ {
					o := 6 + i*stT + y*stY + 2*x
					v := uint16(data[o]) | uint16(data[o+1])<<8
					if big {
						v = uint16(data[o])<<8 | uint16(data[o+1])
					}
					series[i] = float32(v)
					sum += float64(v)
				}
				if sum != refSums[p] {
					t.Fatalf("%+v big=%v: pixel %d sum %v, want %v", c, big, p, refSums[p], sum)
				}
				for i := range series {
					series[i] = float32(float64(series[i]) - sum/float64(c.n))
				}
				f.Forward(want, series)
				o := int64(npx-p) * slot
				for k := range want {
					if want[k] != refBase[o+int64(k)] {
						t.Fatalf("%+v big=%v: pixel %d bin %d: %v, Forward %v", c, big, p, k, refBase[o+int64(k)], want[k])
					}
				}
			}
		}
	}
}
