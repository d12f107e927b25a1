// Package pcf computes the image pair correlation function (pCF) of an
// image time series, as defined in shared/spec/pcf.md and C. Gohlke's
// tutorial "Pair Correlation Function Analysis of Fluorescence Fluctuations
// in Big Image Time Series using Python" (cgohlke/ipcf.ipynb).
//
// For every pixel p and every point (u, v) of a circle of neighbours, the
// normalized cross-correlation G(tau) of the pixel's intensity with that of
// its neighbour is averaged into log-spaced delay bins and smoothed. The
// engine computes each pixel's spectrum once, one inverse FFT per unordered
// pair of pixels, and reads both delay directions from it where the circle
// points are exact negations of each other.
//
// References: Digman MA, Gratton E (2009) Imaging barriers to diffusion by
// pair correlation functions. Biophys J 97: 665-673.
// doi:10.1016/j.bpj.2009.04.048
package pcf
