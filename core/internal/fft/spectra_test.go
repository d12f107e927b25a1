//go:build cgo && !ipcf_purego

package fft

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSpectraU16Paths: the AVX2 transposition (groups of eight pixels,
// chunks of frames, sums accumulated on the way) gives bitwise the scalar
// reference's sums and spectra, for both byte orders, widths with and
// without a remainder of columns, row strides wider than the row, and
// series lengths from 4 (below the SIMD path's 8) up, with and without
// scaling; and the spectra are those of Forward on the mean-subtracted
// series, scaled by the power of two that puts the largest deviation in
// [0.5, 1) (the pCF engine's scaleOf), with norm the sum times it.
func TestSpectraU16Paths(t *testing.T) {
	if spectraLevel(-1) == 0 {
		t.Log("no AVX2 on this CPU: the scalar path is compared with itself and with Forward")
	}
	defer spectraLevel(-1)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ n, ny, nx, pad int }{
		{4, 2, 9, 0}, {8, 1, 8, 0}, {16, 2, 16, 1}, {32, 1, 11, 0}, {64, 3, 17, 6}, {128, 2, 24, 0}, {256, 5, 13, 2}, {1024, 1, 40, 0}, {2048, 2, 19, 1},
	} {
		for _, v := range []struct{ big, scale bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			big := v.big
			stY := 2*c.nx + 2*c.pad
			stT := stY*c.ny + 10
			data := make([]byte, c.n*stT+64)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			f := NewFFTW(c.n)
			slot := int64(c.n/2+1+15) &^ 15
			npx := c.ny * c.nx
			if v.scale {
				// Pixel 0 constant (scaled by its mean), pixel 1 all zero (sums
				// to 0), pixel 2 one large sample among small ones.
				for i := 0; i < c.n; i++ {
					o := 6 + i*stT
					data[o], data[o+1] = 7, 7
					data[o+2], data[o+3] = 0, 0
					data[o+4], data[o+5] = byte(i%3), 0
				}
				data[6+(c.n/2)*stT+4], data[6+(c.n/2)*stT+5] = 0xff, 0xff
			}
			run := func(level int, chunked bool) ([]complex64, []float64, []float64) {
				spectraLevel(level)
				base, _, _ := BigComplex64s(int(slot) * (npx + 1))
				off := make([]int64, npx)
				for p := range off {
					off[p] = int64(npx-p) * slot // slots in reverse order
				}
				sums := make([]float64, npx)
				var norm []float64
				if v.scale {
					norm = make([]float64, npx)
				}
				if !chunked {
					f.SpectraU16(data, 6, stT, stY, c.n, c.ny, c.nx, big, base, off, Float32s(c.n), sums, norm)
					return base, sums, norm
				}
				for i := range sums {
					sums[i] = -1 // Part zeroes them
				}
				// Each chunk's rows copied out back to back (frame stride
				// ny*stY), as the engine copies a file's mapping.
				for t0 := 0; t0 < c.n; t0 += SpectraChunk {
					k := min(SpectraChunk, c.n-t0)
					fr := c.ny * stY
					buf := make([]byte, k*fr)
					for i := 0; i < k; i++ {
						copy(buf[i*fr:(i+1)*fr], data[6+(t0+i)*stT:])
					}
					f.SpectraU16Part(buf, 0, fr, stY, t0, k, c.n, c.ny, c.nx, big, base, off, sums)
				}
				f.SpectraU16Finish(c.n, c.ny, c.nx, base, off, Float32s(c.n), sums, norm)
				return base, sums, norm
			}
			refBase, refSums, refNorm := run(0, false)
			for _, r := range []struct {
				level   int
				chunked bool
			}{{1, false}, {0, true}, {1, true}} {
				gotBase, gotSums, gotNorm := run(r.level, r.chunked)
				compare(t, fmt.Sprintf("%+v big=%v level=%d chunked=%v", c, big, r.level, r.chunked), refBase, refSums, refNorm, gotBase, gotSums, gotNorm, v.scale)
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
				mean := sum / float64(c.n)
				f2, norm := 1.0, sum
				if m := 0.0; v.scale {
					for _, s := range series {
						m = max(m, math.Abs(float64(s)-mean))
					}
					if m == 0 {
						m = mean // a constant series: scaled by its mean
					}
					if sum != 0 && m > 0 {
						_, e := math.Frexp(m)
						f2, norm = math.Ldexp(1, -e), math.Ldexp(sum, -e)
					}
					if refNorm[p] != norm {
						t.Fatalf("%+v big=%v: pixel %d norm %v, want %v", c, big, p, refNorm[p], norm)
					}
					if p == 2 && c.n >= 8 && f2 != 1.0/65536 {
						t.Fatalf("%+v: the spiked pixel scaled by %v, want 2^-16", c, f2)
					}
				}
				for i := range series {
					series[i] = float32((float64(series[i]) - mean) * f2)
				}
				f.Forward(want, series)
				want[0] = 0 // deviations' spectra: 0 at frequency 0 (core/pcf's note before usable)
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

// compare fails t where got's sums, norms (when scaled) or spectra differ
// in a bit from the reference's.
func compare(t *testing.T, what string, refBase []complex64, refSums, refNorm []float64, gotBase []complex64, gotSums, gotNorm []float64, scaled bool) {
	t.Helper()
	for p := range refSums {
		if refSums[p] != gotSums[p] {
			t.Fatalf("%s: sum of pixel %d: %v, reference %v", what, p, gotSums[p], refSums[p])
		}
		if scaled && refNorm[p] != gotNorm[p] {
			t.Fatalf("%s: norm of pixel %d: %v, reference %v", what, p, gotNorm[p], refNorm[p])
		}
	}
	for i := range refBase {
		if math.Float32bits(real(refBase[i])) != math.Float32bits(real(gotBase[i])) ||
			math.Float32bits(imag(refBase[i])) != math.Float32bits(imag(gotBase[i])) {
			t.Fatalf("%s: spectra differ at %d: %v, reference %v", what, i, gotBase[i], refBase[i])
		}
	}
}
