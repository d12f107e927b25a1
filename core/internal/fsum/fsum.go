// Package fsum tells a float sum that cancellation may have moved off zero
// and sums such a series exactly: a pixel whose series sums to exactly
// zero has NaN curves (spec/pcf.md), and a rounded sum of float samples
// that cancel ([1e16, 1, -1e16, -1], or a series and its negation) comes
// out as a tiny nonzero number, whose normalisation then gave curves of
// 1e15 and more (NUMERIC9's F10). The GPU kernel ipcf_sums
// (core/internal/cuda) does the same operations in the same order.
package fsum

import "math"

// Cancels reports whether sum, a float64 sum of n terms whose magnitudes
// sum to abs (both finite), may be a zero or sign that rounding changed:
// |sum| <= n * 2^-50 * abs, 8 times the bound of the rounding error of
// any order of summation of n terms in float64 (n * 2^-53 * abs). Sums of
// real data (positive counts, or a background level) are far above it.
func Cancels(sum, abs float64, n int) bool {
	return sum-sum == 0 && abs-abs == 0 && math.Abs(sum) <= math.Ldexp(float64(n), -50)*abs
}

// MaxPartials bounds the partials Exact keeps (fixed, as the GPU kernel
// keeps them in an array): every series but one built for it needs far
// fewer (two partials a float64 sum cannot merge span more than 53 bits,
// and samples span at most 2,098).
const MaxPartials = 128

// Exact returns the sum of s: Shewchuk's non-overlapping partials (as
// Python's math.fsum keeps them) added from the smallest, so 0 exactly
// where the exact sum is 0 and of its sign otherwise (within a rounding
// of it); ok is false (and the sum 0) where the series needs more than
// MaxPartials. Finite samples whose partial sums stay below 2^1023 in
// magnitude (the engines scale larger series first).
func Exact[T float32 | float64](s []T) (sum float64, ok bool) {
	var partials [MaxPartials]float64
	np := 0
	for _, v := range s {
		x := float64(v)
		i := 0
		for _, y := range partials[:np] {
			if math.Abs(x) < math.Abs(y) {
				x, y = y, x
			}
			hi := x + y
			lo := y - (hi - x)
			if lo != 0 {
				partials[i] = lo
				i++
			}
			x = hi
		}
		if i == MaxPartials {
			return 0, false
		}
		partials[i] = x
		np = i + 1
	}
	for i := np - 1; i >= 0; i-- {
		sum += partials[i]
	}
	return sum, true
}

// OrExact returns sum, the rounded sum of the samples s whose magnitudes
// sum to abs, or, where it Cancels, their Exact sum (sum itself where
// Exact cannot say).
func OrExact[T float32 | float64](sum, abs float64, s []T) float64 {
	if Cancels(sum, abs, len(s)) {
		if e, ok := Exact(s); ok {
			return e
		}
	}
	return sum
}
