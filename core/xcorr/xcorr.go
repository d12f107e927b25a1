package xcorr

import (
	"errors"
	"fmt"
	"math"

	"github.com/ipcf/ipcf/core/internal/fsum"
	"gonum.org/v1/gonum/dsp/fourier"
)

// Errors returned for bad input.
var (
	ErrLength  = errors.New("xcorr: invalid length")
	ErrZeroSum = errors.New("xcorr: series sums to zero")
)

// sum is the sum of x, exact where its terms cancel (fsum: a series that
// sums to exactly 0 is ErrZeroSum, never a correlation of 1e15 from a
// rounding error; NUMERIC9's F10).
func sum(x []float64) float64 {
	var s, abs float64
	for _, v := range x {
		s += v
		abs += math.Abs(v)
	}
	return fsum.OrExact(s, abs, x)
}

// tame returns x, or a copy of it scaled by a power of two when its
// largest |value| is so large (above 2^500) or so small (below 2^-500)
// that sums, FFT products or the normalization could overflow or vanish.
// The normalized correlations do not depend on a series' scale, and a
// power of two scales exactly: series of usual magnitudes are used as
// they are, bit for bit.
func tame(x []float64) []float64 {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	if !(m > 0) || math.IsInf(m, 0) || (m <= 0x1p500/float64(len(x)) && m >= 0x1p-500) {
		return x
	}
	_, e := math.Frexp(m)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = math.Ldexp(v, -e)
	}
	return y
}

func checkPair(a, b []float64, min int) error {
	if len(a) != len(b) {
		return fmt.Errorf("%w: len(a)=%d, len(b)=%d, want equal", ErrLength, len(a), len(b))
	}
	if len(a) < min {
		return fmt.Errorf("%w: len(a)=%d, want >= %d", ErrLength, len(a), min)
	}
	return nil
}

func resize(dst []float64, n int) []float64 {
	if cap(dst) < n {
		return make([]float64, n)
	}
	return dst[:n]
}

// Circular returns the normalized circular cross-correlation
//
//	c[tau] = n * sum_t a[t]*b[(t+tau) mod n] / (sum(a)*sum(b)) - 1
//
// for tau = 0..n/2-1, computed with real FFTs in float64 from the
// deviations (equal in exact arithmetic; see deviations). a and b must
// have the same length n >= 2.
// If dst has enough capacity it is used for the result. If either series
// sums to zero the result is all NaN and ErrZeroSum is returned.
func Circular(dst, a, b []float64) ([]float64, error) {
	if err := checkPair(a, b, 2); err != nil {
		return nil, err
	}
	a, b = tame(a), tame(b)
	n := len(a)
	dst = resize(dst, n/2)
	sa, sb := sum(a), sum(b)
	if sa == 0 || sb == 0 {
		for i := range dst {
			dst[i] = math.NaN()
		}
		return dst, ErrZeroSum
	}
	// On the deviations: n*sum a[t]b[t+tau] = n*sum da*db + n^2*ma*mb (the
	// deviations sum to 0), so c = n*sum da*db/(sa*sb) with no "- 1",
	// whose rounding swamped the curves of series with an offset (100 %
	// of them at 1e9: REVIEW9's F2), as the pCF engines compute it.
	f := fourier.NewFFT(n)
	fa := f.Coefficients(nil, deviations(a, sa))
	fb := f.Coefficients(nil, deviations(b, sb))
	for i := range fb {
		fb[i] *= complex(real(fa[i]), -imag(fa[i]))
	}
	c := f.Sequence(nil, fb) // unnormalized: n * sum_t da[t] db[t+tau]
	scale := 1 / (sa * sb)
	for i := range dst {
		dst[i] = c[i] * scale
	}
	return dst, nil
}

// deviations returns x less its mean (sum/len(x)), less the mean of those
// differences: a rounded mean (samples of 1e15, spaced 0.125) leaves all
// of them one bias, which the correlations would carry; they sum to 0
// within rounding.
func deviations(x []float64, sum float64) []float64 {
	m := sum / float64(len(x))
	d := make([]float64, len(x))
	var c float64
	for i, v := range x {
		d[i] = v - m
		c += d[i]
	}
	c /= float64(len(x))
	for i := range d {
		d[i] -= c
	}
	return d
}

// CircularDirect is the O(n^2) definition of Circular.
func CircularDirect(dst, a, b []float64) ([]float64, error) {
	if err := checkPair(a, b, 2); err != nil {
		return nil, err
	}
	a, b = tame(a), tame(b)
	n := len(a)
	dst = resize(dst, n/2)
	sa, sb := sum(a), sum(b)
	if sa == 0 || sb == 0 { // all NaN, as Circular
		for i := range dst {
			dst[i] = math.NaN()
		}
		return dst, ErrZeroSum
	}
	for tau := range dst {
		var s float64
		for t := 0; t < n; t++ {
			s += a[t] * b[(t+tau)%n]
		}
		dst[tau] = float64(n)*s/(sa*sb) - 1
	}
	return dst, nil
}

// Linear returns the linear (zero-padded) correlation of the fluctuations
//
//	c[tau] = sum_{t < n-tau} (a[t]-mean(a)) * (b[t+tau]-mean(b)) / (n*mean(a)*mean(b))
//
// for tau = 0..n/2-1, computed by FFT of length 2n. a and b must have the
// same length n >= 2. If either mean is zero the result is all NaN and
// ErrZeroSum is returned.
func Linear(dst, a, b []float64) ([]float64, error) {
	if err := checkPair(a, b, 2); err != nil {
		return nil, err
	}
	a, b = tame(a), tame(b)
	n := len(a)
	dst = resize(dst, n/2)
	sa, sb := sum(a), sum(b)
	if sa == 0 || sb == 0 {
		for i := range dst {
			dst[i] = math.NaN()
		}
		return dst, ErrZeroSum
	}
	ma, mb := sa/float64(n), sb/float64(n)
	pa := make([]float64, 2*n)
	pb := make([]float64, 2*n)
	copy(pa, deviations(a, sa)) // (the bias of a rounded mean taken out)
	copy(pb, deviations(b, sb))
	f := fourier.NewFFT(2 * n)
	fa := f.Coefficients(nil, pa)
	fb := f.Coefficients(nil, pb)
	for i := range fb {
		fb[i] *= complex(real(fa[i]), -imag(fa[i]))
	}
	c := f.Sequence(nil, fb) // 2n * sum
	scale := 1 / (float64(2*n) * float64(n) * ma * mb)
	for i := range dst {
		dst[i] = c[i] * scale
	}
	return dst, nil
}

// LinearDirect is the O(n^2) definition of Linear.
func LinearDirect(dst, a, b []float64) ([]float64, error) {
	if err := checkPair(a, b, 2); err != nil {
		return nil, err
	}
	a, b = tame(a), tame(b)
	n := len(a)
	dst = resize(dst, n/2)
	ma, mb := sum(a)/float64(n), sum(b)/float64(n)
	if ma == 0 || mb == 0 { // all NaN, as Linear
		for i := range dst {
			dst[i] = math.NaN()
		}
		return dst, ErrZeroSum
	}
	for tau := range dst {
		var s float64
		for t := 0; t+tau < n; t++ {
			s += (a[t] - ma) * (b[t+tau] - mb)
		}
		dst[tau] = s / (float64(n) * ma * mb)
	}
	return dst, nil
}

// Same returns numpy's correlate(a, b, 'same'): the max(len(a), len(b))
// central values of the full sliding dot product
//
//	full[k] = sum_n a[n+k] * b[n],  k = -(len(b)-1) .. len(a)-1.
//
// It is computed directly in float64, so it is exact for integer samples
// whose products and sums stay below 2**53. Both series must be non-empty.
func Same(dst, a, b []float64) ([]float64, error) {
	na, nb := len(a), len(b)
	if na == 0 || nb == 0 {
		return nil, fmt.Errorf("%w: len(a)=%d, len(b)=%d, want >= 1", ErrLength, na, nb)
	}
	m := max(na, nb)
	dst = resize(dst, m)
	// numpy swaps the operands when b is longer and reverses the result,
	// which moves the window of the full result by one for even lengths.
	start := (min(na, nb) - 1) / 2
	if nb > na {
		start = na + nb - 1 - m - start
	}
	for i := range dst {
		k := start + i - (nb - 1)
		var s float64
		for j := max(0, -k); j < nb && j+k < na; j++ {
			s += a[j+k] * b[j]
		}
		dst[i] = s
	}
	return dst, nil
}
