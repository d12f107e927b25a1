package pcf

import (
	"fmt"
	"github.com/ipcf/ipcf/core/internal/libm"
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
	// (each named apart: "radius=..., npoints=32, want <= ..." left the
	// reader to guess which; NUMERIC9's M4)
	if radius > 1<<20 {
		return nil, fmt.Errorf("%w: radius=%d, want <= %d", ErrParam, radius, 1<<20)
	}
	if npoints > 1<<20 {
		return nil, fmt.Errorf("%w: npoints=%d, want <= %d", ErrParam, npoints, 1<<20)
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
// as numpy's unique(logspace(0, L, nbins, base=2).astype(intp)) with the C
// library's log and pow (core/internal/libm; without cgo, correctly
// rounded values, which differ from glibc's at a few sizes near halfway
// points, such as 9170, never at powers of two; numpy's vectorized power,
// where it takes SIMD code of its own, can differ in the last bit). The first edge is 1; the
// last is size for a power of two, and for other sizes whatever trunc
// gives (size 14 with 8 bins ends at 13, as numpy's does). It returns an
// error for size < 1 or nbins < 2.
func LogBins(size, nbins int) ([]int, error) {
	if nbins < 2 {
		return nil, fmt.Errorf("%w: nbins=%d, want >= 2", ErrParam, nbins)
	}
	if nbins > MaxNbins {
		return nil, fmt.Errorf("%w: nbins=%d, want <= %d", ErrParam, nbins, MaxNbins)
	}
	if size < 1 || size > 1<<52 {
		return nil, fmt.Errorf("%w: bin size=%d, want 1..2**52", ErrParam, size)
	}
	l := libm.Log(float64(size)) / libm.Log(2)
	step := l / float64(nbins-1)
	bins := make([]int, 0, nbins)
	for k := 0; k < nbins; k++ {
		y := float64(k) * step
		if k == nbins-1 {
			y = l
		}
		bins = append(bins, libm.TruncExp2(y))
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

// Disk returns every offset (U, V) other than (0, 0) with U² + V² <=
// radius², row by row (V ascending, then U ascending): the 2-D pCF. It
// returns an error for radius < 1.
func Disk(radius int) ([]Offset, error) {
	if radius < 1 || radius > 1<<10 {
		return nil, fmt.Errorf("%w: disk radius=%d, want 1..%d", ErrParam, radius, 1<<10)
	}
	var out []Offset
	for v := -radius; v <= radius; v++ {
		for u := -radius; u <= radius; u++ {
			if (u != 0 || v != 0) && u*u+v*v <= radius*radius {
				out = append(out, Offset{u, v})
			}
		}
	}
	return out, nil
}

// Line returns the offsets (U, 0) for U = -radius..-1, 1..radius: the
// pCF of line scans, given as (time, 1, x) data. It returns an error for
// radius < 1.
func Line(radius int) ([]Offset, error) {
	if radius < 1 || radius > 1<<20 {
		return nil, fmt.Errorf("%w: line radius=%d, want 1..%d", ErrParam, radius, 1<<20)
	}
	out := make([]Offset, 0, 2*radius)
	for u := -radius; u <= radius; u++ {
		if u != 0 {
			out = append(out, Offset{u, 0})
		}
	}
	return out, nil
}

// MaxOffsets is the most offsets one computation takes.
const MaxOffsets = 1 << 16

// MaxNbins is the most log or linear bins a curve may ask for.
const MaxNbins = 1 << 16

// CheckOffsets returns an error for an empty or too long offset list or
// an offset that does not fit the library's integers.
func CheckOffsets(offs []Offset) error {
	if len(offs) == 0 || len(offs) > MaxOffsets {
		return fmt.Errorf("%w: %d offsets, want 1..%d", ErrParam, len(offs), MaxOffsets)
	}
	for i, o := range offs {
		if o.U < -1<<20 || o.U > 1<<20 || o.V < -1<<20 || o.V > 1<<20 {
			return fmt.Errorf("%w: offset %d is (%d, %d), want |u|, |v| <= %d", ErrParam, i, o.U, o.V, 1<<20)
		}
	}
	return nil
}

// LinearBins returns the upper bin edges unique(trunc(linspace(1, size,
// nbins))): evenly spaced delays, the first bin holding delay 0 alone
// and the last edge size, as LogBins. It returns an error for size < 1 or
// nbins < 2.
func LinearBins(size, nbins int) ([]int, error) {
	if nbins < 2 {
		return nil, fmt.Errorf("%w: nbins=%d, want >= 2", ErrParam, nbins)
	}
	if nbins > MaxNbins {
		return nil, fmt.Errorf("%w: nbins=%d, want <= %d", ErrParam, nbins, MaxNbins)
	}
	if size < 1 || size > 1<<52 {
		return nil, fmt.Errorf("%w: bin size=%d, want 1..2**52", ErrParam, size)
	}
	step := float64(size-1) / float64(nbins-1)
	out := make([]int, 0, nbins)
	for k := 0; k < nbins; k++ {
		b := int(1 + float64(float64(k)*step)) // the product rounded first, as numpy: never fused (FMA)
		if k == nbins-1 {
			b = size
		}
		if len(out) == 0 || b != out[len(out)-1] {
			out = append(out, b)
		}
	}
	return out, nil
}

// DefaultM is the multi-tau correlator's default channels per level.
const DefaultM = 16

// MultitauLags returns the lags, in frames, of a multi-tau correlator
// with m channels per level over n frames: level 0 has lags 0..m-1,
// level k >= 1 has lags l*2^k for l = m/2..m-1 (on the series summed over
// blocks of 2^k frames), every lag below n/2. levels[i] is lag i's level.
// It returns an error for an odd m or m < 2.
func MultitauLags(n, m int) (lags, levels []int, err error) {
	if m < 2 || m%2 != 0 || m > 1<<12 {
		return nil, nil, fmt.Errorf("%w: multitau m=%d, want an even number 2..%d", ErrParam, m, 1<<12)
	}
	for l := 0; l < m && l < n/2; l++ {
		lags, levels = append(lags, l), append(levels, 0)
	}
	for k := 1; (m/2)<<k < n/2; k++ {
		for l := m / 2; l < m && l<<k < n/2; l++ {
			lags, levels = append(lags, l<<k), append(levels, k)
		}
	}
	return lags, levels, nil
}

// BinMode selects the delay bins of the curves.
type BinMode int

const (
	LogBinning    BinMode = iota // logarithmic bins (LogBins), the tutorial's
	LinearBinning                // evenly spaced bins (LinearBins)
	Multitau                     // a multi-tau correlator (MultitauLags)
)

// ParseBinMode returns the mode named "log", "linear" or "multitau".
func ParseBinMode(s string) (BinMode, error) {
	switch s {
	case "log", "":
		return LogBinning, nil
	case "linear":
		return LinearBinning, nil
	case "multitau":
		return Multitau, nil
	}
	return 0, fmt.Errorf("%w: bins=%q, want log, linear or multitau", ErrParam, s)
}

func (b BinMode) String() string {
	switch b {
	case LogBinning:
		return "log"
	case LinearBinning:
		return "linear"
	case Multitau:
		return "multitau"
	}
	return fmt.Sprintf("BinMode(%d)", int(b))
}

// DefaultSmooth is the tutorial's smoothing weight (0.3 new, 0.7 previous).
const DefaultSmooth = 0.7

// SetSmooth sets the smoothing weight as the hosts take it: w in [0, 1),
// 0 turns smoothing off.
func (o *Options) SetSmooth(w float64) {
	o.Smooth, o.NoSmooth = w, w == 0
}

// SetThreshold sets the intensity threshold: pixels whose mean is at or
// below t give NaN curves.
func (o *Options) SetThreshold(t float64) {
	o.Threshold, o.ThresholdOn = t, true
}

// smoothWeights returns the weights (new, previous) of the smoothing, and
// false when smoothing is off.
func (o Options) smoothWeights() (float64, float64, bool) {
	switch {
	case o.NoSmooth:
		return 1, 0, false
	case o.Smooth == 0 || o.Smooth == DefaultSmooth:
		return 0.3, 0.7, true // the tutorial's literals: bitwise its results
	}
	return 1 - o.Smooth, o.Smooth, true
}
