package pcf

import (
	"fmt"
	"math"
	"sort"
)

// Offset is a circle point: the neighbour of pixel (row y, column x) is at
// (row y+V, column x+U).
type Offset struct{ U, V int }

// Circle returns npoints offsets on a circle of the given radius:
// angle_i = i * (2*pi/npoints), U = round(radius*cos), V = round(radius*sin),
// rounding halves to even, as numpy does. It returns an error for
// radius < 1 or npoints < 1.
func Circle(radius, npoints int) ([]Offset, error) {
	if radius < 1 {
		return nil, fmt.Errorf("%w: radius=%d, want >= 1", ErrParam, radius)
	}
	if npoints < 1 {
		return nil, fmt.Errorf("%w: npoints=%d, want >= 1", ErrParam, npoints)
	}
	if radius > 1<<20 || npoints > 1<<20 {
		return nil, fmt.Errorf("%w: radius=%d, npoints=%d, want <= %d", ErrParam, radius, npoints, 1<<20)
	}
	step := 2 * math.Pi / float64(npoints) // numpy linspace(0, 2pi, n, endpoint=False)
	out := make([]Offset, npoints)
	for i := range out {
		a := float64(i) * step
		out[i] = Offset{
			U: int(math.RoundToEven(float64(radius) * math.Cos(a))),
			V: int(math.RoundToEven(float64(radius) * math.Sin(a))),
		}
	}
	return out, nil
}

// LogBins returns the upper bin edges unique(trunc(2**y_k)) with
// y_k = k*(L/(nbins-1)), y_{nbins-1} = L and L = log(size)/log(2), exactly
// as numpy's unique(logspace(0, L, nbins, base=2).astype(intp)). The first
// edge is 1 and the last is size. It returns an error for size < 1 or
// nbins < 2.
func LogBins(size, nbins int) ([]int, error) {
	if nbins < 2 {
		return nil, fmt.Errorf("%w: nbins=%d, want >= 2", ErrParam, nbins)
	}
	if nbins > 1<<16 {
		return nil, fmt.Errorf("%w: nbins=%d, want <= %d", ErrParam, nbins, 1<<16)
	}
	if size < 1 || size > 1<<52 {
		return nil, fmt.Errorf("%w: bin size=%d, want 1..2**52", ErrParam, size)
	}
	l := math.Log(float64(size)) / math.Log(2)
	step := l / float64(nbins-1)
	bins := make([]int, 0, nbins)
	for k := 0; k < nbins; k++ {
		y := float64(k) * step
		if k == nbins-1 {
			y = l
		}
		bins = append(bins, int(math.Pow(2, y)))
	}
	sort.Ints(bins)
	out := bins[:1]
	for _, b := range bins[1:] {
		if b != out[len(out)-1] {
			out = append(out, b)
		}
	}
	return out, nil
}

// PowerOfTwoFloor returns the largest power of two <= n, or 0 for n < 1.
func PowerOfTwoFloor(n int) int {
	if n < 1 {
		return 0
	}
	p := 1
	for p <= n/2 {
		p *= 2
	}
	return p
}

// FFTBackend names the FFT implementation of this build ("fftw3f" or "gonum").
const FFTBackend = fftBackend
