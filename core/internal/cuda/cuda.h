#ifndef IPCF_CUDA_H
#define IPCF_CUDA_H
#include <stddef.h>
#include <stdint.h>

/* Loads the CUDA driver, NVRTC and cuFFT with dlopen and counts devices.
 * Returns the device count (>= 1), or 0 with the reason in why. */
int ipcf_cuda_init(char *why, size_t n);
/* The driver's device count, also where NVRTC or cuFFT did not load (so
 * ipcf_cuda_init found no usable device): a GPU there but unusable. */
int ipcf_cuda_present(void);
/* Describes device i ("name, compute X.Y, N MiB"); returns 0 on success. */
int ipcf_cuda_describe(int i, char *buf, size_t n, int64_t *free_mem, int *cc);
/* Compiles the kernels for device i (cached); 0 on success, reason in why.
 * image (may be NULL) receives what was loaded, e.g. "sm_90 CUBIN". */
int ipcf_cuda_compile(int i, char *why, size_t n, char *image, size_t in);
/* The kernel source (for tests). */
const char *ipcf_cuda_source(void);

/* One block of pixels (npix of them, indexed 0..npix-1): data is (nt, npix)
 * samples as stored, time slowest, of dtype (core/array's codes: 1 uint8,
 * 2 uint16, 3 int16, 4 int32, 5 float32, 6 float64), bytes swapped if
 * swap. The device corrects bleaching if bleach > 0 (the filter size;
 * floormean: the tutorial's mean; frames bleach.. are kept), converts,
 * sums the first n frames used (the norms), scales each series by a
 * power of two if scale (the engine sets it for every dtype), and transposes into mean-subtracted float32
 * series. For each group g, npairs[g] pairs (pp, qq: pixel indices;
 * wantbwd[g]) back to back; results fwd[pair*nb], bwd[pair*nb] in the
 * same order; a pair with a zero or non-finite norm gets NaN curves. */
typedef struct {
    int dtype, swap, scale, nt, n, npix, bleach, floormean;
    const void *data;
    int ngroups;
    const int *npairs, *wantbwd, *pp, *qq;
    const int *bins;
    int nb;
    float *fwd, *bwd;
    /* If not NULL, read between chunks of pairs: nonzero stops the block,
     * which then returns IPCF_CUDA_CANCELLED (a Ctrl+C waited for the whole
     * block, up to seconds on a GPU, half a minute emulated). */
    const volatile int *cancel;
} ipcf_cuda_block;
#define IPCF_CUDA_CANCELLED (-2)

/* A job on one device: two staging buffers of size bytes (page-locked,
 * or pageable where that fails: *pinned says which), two device tiles,
 * an upload stream and an event per slot (0 or 1). The host fills slot
 * s's buffer (ipcf_cuda_job_buffer waits for its previous upload),
 * ipcf_cuda_job_upload copies its first n bytes to the device
 * (asynchronously from page-locked memory) and records the slot's
 * event, and ipcf_cuda_pcf runs the block on a stream that waits on it.
 * The job's own functions do not serialise with ipcf_cuda_pcf: slot s
 * can be filled and uploaded while another thread runs the other slot. */
typedef struct ipcf_cuda_job ipcf_cuda_job;
ipcf_cuda_job *ipcf_cuda_job_open(int dev, size_t size, int *pinned, char *why, size_t wn);
void *ipcf_cuda_job_buffer(ipcf_cuda_job *j, int slot, char *why, size_t wn);
int ipcf_cuda_job_upload(ipcf_cuda_job *j, int slot, size_t n, char *why, size_t wn);
void ipcf_cuda_job_close(ipcf_cuda_job *j);

/* Runs a block whose samples (b->data is not read) job j's slot holds,
 * uploaded; 0, or -1 with the reason in why. */
int ipcf_cuda_pcf(const ipcf_cuda_block *b, ipcf_cuda_job *j, int slot, char *why, size_t wn);
#endif
