// Package conv computes the full 2-D discrete convolution with the
// contract of the Cython tutorial's naive_convolve: odd kernel dimensions
// only, output (H+kh-1, W+kw-1), exact for integers.
package conv
