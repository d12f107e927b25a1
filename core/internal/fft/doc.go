// Package fft is the small internal interface behind which the real FFTs
// of the pCF hot path live.
//
// Two backends exist. FFTW (C, via cgo, float32 "fftwf" plans) is the fast
// one and is used whenever the package is built with cgo. A pure-Go backend
// on top of gonum's FFTPACK port (float64 internally) builds everywhere,
// including with CGO_ENABLED=0 or the build tag ipcf_purego, and serves as a
// cross-check: the tests compare both.
//
// Transforms follow FFTW's conventions: Forward is the unnormalized real to
// half-complex transform X[k] = sum_t x[t] exp(-2 pi i k t / n) for
// k = 0..n/2, and Inverse is the unnormalized inverse, so that
// Inverse(Forward(x)) = n*x.
package fft
