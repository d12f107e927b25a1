/* CUDA C kernels of the GPU pCF path, compiled at run time with NVRTC
 * (no CUDA toolkit at build time). Embedded as a string by cuda.c. */
R"IPCF_KERNELS(
extern "C" {

/* Transpose a (n, h, w) uint16 tile (frames slowest) into time-contiguous
 * float32 series (pixel p = y*w + x at series + p*stride), subtracting each
 * pixel's mean (sums[p] / n, computed in double by ipcf_sums). */
__global__ void ipcf_sums(const unsigned short *tile, int n, int npix, int bigendian, double *sums) {
    int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= npix) return;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int t = 0;
    for (; t + 4 <= n; t += 4) {
        unsigned short v0 = tile[(size_t)t * npix + p], v1 = tile[(size_t)(t + 1) * npix + p];
        unsigned short v2 = tile[(size_t)(t + 2) * npix + p], v3 = tile[(size_t)(t + 3) * npix + p];
        if (bigendian) {
            v0 = (v0 >> 8) | (v0 << 8); v1 = (v1 >> 8) | (v1 << 8);
            v2 = (v2 >> 8) | (v2 << 8); v3 = (v3 >> 8) | (v3 << 8);
        }
        s0 += v0; s1 += v1; s2 += v2; s3 += v3;
    }
    sums[p] = (s0 + s1) + (s2 + s3);
}

__global__ void ipcf_transpose(const unsigned short *tile, int n, int npix, int bigendian, const double *sums,
                               float *series, int stride) {
    /* 32 x 32 blocks through shared memory: coalesced reads along pixels,
     * coalesced writes along time. */
    __shared__ float blk[32][33];
    int p0 = blockIdx.x * 32, t0 = blockIdx.y * 32;
    int tx = threadIdx.x, ty = threadIdx.y; /* blockDim (32, 8) */
    for (int k = ty; k < 32; k += 8) {
        int p = p0 + tx, t = t0 + k;
        float v = 0;
        if (p < npix && t < n) {
            unsigned short u = tile[(size_t)t * npix + p];
            if (bigendian) u = (u >> 8) | (u << 8);
            v = (float)((double)u - sums[p] / n);
        }
        blk[k][tx] = v;
    }
    __syncthreads();
    for (int k = ty; k < 32; k += 8) {
        int p = p0 + k, t = t0 + tx;
        if (p < npix && t < n) series[(size_t)p * stride + t] = blk[tx][k];
    }
}

/* prod[j] = spec[q_j] * conj(spec[p_j]) for the pairs j of one offset. */
__global__ void ipcf_mulconj(const float2 *spec, int sstride, const int *pp, const int *qq, int npairs,
                             int h, float2 *prod, int pstride) {
    int k = blockIdx.x * blockDim.x + threadIdx.x;
    int j = blockIdx.y;
    if (k >= h || j >= npairs) return;
    float2 a = spec[(size_t)pp[j] * sstride + k], b = spec[(size_t)qq[j] * sstride + k];
    prod[(size_t)j * pstride + k] = make_float2(b.x * a.x + b.y * a.y, b.y * a.x - b.x * a.y);
}

/* Bin sums of each correlation (length n, unnormalized), both directions,
 * normalized by 1/(sum_p*sum_q), smoothed as the tutorial, stored as
 * float32: fwd to out + j*nb (the pixel's curve), bwd to out2 + j*nb. One
 * block per pair; bins in shared memory; double accumulation. */
__global__ void ipcf_bins(const float *corr, int cstride, int n, const int *bins, int nb, const double *scale,
                          int wantbwd, float *out, float *out2) {
    extern __shared__ double acc[]; /* 2 * nb */
    int j = blockIdx.x;
    const float *c = corr + (size_t)j * cstride;
    for (int b = threadIdx.x; b < 2 * nb; b += blockDim.x) acc[b] = 0;
    __syncthreads();
    for (int b = 0; b < nb; b++) {
        int lo = b ? bins[b - 1] : 0, hi = bins[b];
        double f = 0, w = 0;
        for (int t = lo + threadIdx.x; t < hi; t += blockDim.x) {
            f += c[t];
            if (wantbwd) w += c[(n - t) % n];
        }
        atomicAdd(&acc[b], f);
        if (wantbwd) atomicAdd(&acc[nb + b], w);
    }
    __syncthreads();
    if (threadIdx.x < 2) {
        if (threadIdx.x == 1 && !wantbwd) return;
        double *g = acc + threadIdx.x * nb;
        int lo = 0;
        for (int b = 0; b < nb; b++) {
            g[b] = g[b] * scale[j] / (bins[b] - lo);
            lo = bins[b];
        }
        g[0] = g[1];
        for (int i = 1; i < nb; i++) g[i] = 0.3 * g[i] + 0.7 * g[i - 1];
        for (int i = nb - 2; i >= 0; i--) g[i] = 0.3 * g[i] + 0.7 * g[i + 1];
        float *o = (threadIdx.x == 0 ? out : out2) + (size_t)j * nb;
        for (int b = 0; b < nb; b++) o[b] = (float)g[b];
    }
}

}
)IPCF_KERNELS"
