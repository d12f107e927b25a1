//go:build !cgo || ipcf_purego

package fft

// Backend names the FFT implementation that New returns.
const Backend = "gonum"

// New returns a plan of the fastest backend for length n >= 1.
func New(n int) Plan { return NewGonum(n) }
