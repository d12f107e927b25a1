// Spectra of a block of image rows from uint16 samples: transpose into
// time-contiguous float32 series, sum, subtract the mean, forward FFT.
// See spectra.go.
#include <fftw3.h>
#include <stdint.h>
#include <string.h>
#include "kernel.h"

#pragma GCC optimize("fp-contract=off")

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IPCF_CLONES2 __attribute__((target_clones("avx2", "default")))
#else
#define IPCF_CLONES2
#endif

// Blocks of 8 frames x 8 pixels: each frame row segment (16 bytes) is read
// once, each pixel's 8 floats (32 bytes) written together.
IPCF_CLONES2
static void transpose_u16(const uint8_t *data, int64_t st_t, int64_t st_y, int n, int ny, int nx,
                          int big, float *ring, const int64_t *off) {
	for (int t0 = 0; t0 < n; t0 += 8) {
		int tn = n - t0 < 8 ? n - t0 : 8;
		for (int y = 0; y < ny; y++) {
			const uint8_t *row = data + (int64_t)t0 * st_t + (int64_t)y * st_y;
			for (int x = 0; x < nx; x++) {
				float *dst = ring + 2 * off[y * nx + x] + t0;
				const uint8_t *p = row + 2 * x;
				for (int k = 0; k < tn; k++) {
					uint16_t v = big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[0] | p[1] << 8);
					dst[k] = (float)v;
					p += st_t;
				}
			}
		}
	}
}

void ipcf_spectra_u16(void *plan, const uint8_t *data, int64_t st_t, int64_t st_y, int n, int ny,
                      int nx, int big, float *ring, const int64_t *off, float *scratch, double *sums) {
	transpose_u16(data, st_t, st_y, n, ny, nx, big, ring, off);
	for (int p = 0; p < ny * nx; p++) {
		float *s = ring + 2 * off[p];
		// The same order of additions as the Go path: four accumulators.
		double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
		for (int i = 0; i + 4 <= n; i += 4) {
			s0 += s[i];
			s1 += s[i + 1];
			s2 += s[i + 2];
			s3 += s[i + 3];
		}
		double sum = (s0 + s1) + (s2 + s3);
		double mean = sum / n;
		sums[p] = sum;
		for (int i = 0; i < n; i++) scratch[i] = (float)((double)s[i] - mean);
		fftwf_execute_dft_r2c((fftwf_plan)plan, scratch, (fftwf_complex *)s);
	}
}
