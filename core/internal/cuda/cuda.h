#ifndef IPCF_CUDA_H
#define IPCF_CUDA_H
#include <stddef.h>
#include <stdint.h>

/* Loads the CUDA driver, NVRTC and cuFFT with dlopen and counts devices.
 * Returns the device count (>= 1), or 0 with the reason in why. */
int ipcf_cuda_init(char *why, size_t n);
/* Describes device i ("name, compute X.Y, N MiB"); returns 0 on success. */
int ipcf_cuda_describe(int i, char *buf, size_t n, int64_t *free_mem, int *cc);
/* Compiles the kernels for device i (cached); 0 on success, reason in why. */
int ipcf_cuda_compile(int i, char *why, size_t n);
/* The kernel source (for tests). */
const char *ipcf_cuda_source(void);

/* One block on device dev: tile is (n, h, w) uint16 frames, C order
 * (bigendian: byte-swapped); sums[p] the pixels' sums. For each group g,
 * npairs[g] pairs (pp, qq: pixel indices, scale: 1/(sum_p*sum_q),
 * wantbwd[g]) laid out back to back; results: fwd[pair*nb], bwd[pair*nb]
 * for all pairs in the same order. Returns 0, or -1 with the reason. */
int ipcf_cuda_pcf(int dev, const uint16_t *tile, int n, int h, int w, int bigendian, const double *sums,
                  int ngroups, const int *npairs, const int *wantbwd, const int *pp, const int *qq,
                  const double *scale, const int *bins, int nb, float *fwd, float *bwd, char *why, size_t wn);
#endif
