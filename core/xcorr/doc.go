// Package xcorr computes cross-correlations of two series: the normalized
// circular correlation G(tau) of the pCF contract (by FFT), its linear
// zero-padded variant, and numpy's correlate(a, b, 'same'), each with a
// slow direct implementation beside it for cross-checks.
package xcorr
