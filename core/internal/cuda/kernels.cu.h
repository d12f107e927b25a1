/* CUDA C kernels of the GPU pCF path, compiled at run time with NVRTC (no
 * CUDA toolkit at build time).
 *
 * The source is the argument of IPCF_KERNEL_SOURCE, which the includer
 * defines: cuda.c stringifies it (#__VA_ARGS__, plain C11: the kernels
 * reach NVRTC as one line of text), the emulator in tools/cuda-emu
 * expands it as C++ code and runs it on the CPU, and gpu_check compiles
 * the same text with clang. One copy, so the emulator runs exactly what
 * the GPU gets. Inside the argument: no preprocessor directives, no
 * string literals other than "C", balanced parentheses.
 *
 * Every kernel loops grid-stride over its work, so any launch geometry
 * covers any size (a grid's y and z are capped at 65,535). */
IPCF_KERNEL_SOURCE(
extern "C" {

typedef unsigned long long ipcf_u64;

/* ipcf_load returns sample i of raw as a double: dtype 1 uint8, 2 uint16,
 * 3 int16, 4 int32, 5 float32, 6 float64 (core/array's codes), with the
 * bytes swapped if swap (the other byte order). */
__device__ double ipcf_load(const void *raw, int dtype, int swap, ipcf_u64 i) {
    if (dtype == 1) return ((const unsigned char *)raw)[i];
    if (dtype == 2 || dtype == 3) {
        unsigned short u = ((const unsigned short *)raw)[i];
        if (swap) u = (unsigned short)((u >> 8) | (u << 8));
        return dtype == 2 ? (double)u : (double)(short)u;
    }
    if (dtype == 4 || dtype == 5) {
        unsigned int u = ((const unsigned int *)raw)[i];
        if (swap) u = (u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) | (u << 24);
        return dtype == 4 ? (double)(int)u : (double)__int_as_float((int)u);
    }
    ipcf_u64 u = ((const ipcf_u64 *)raw)[i];
    if (swap) {
        ipcf_u64 r = 0;
        for (int b = 0; b < 8; b++) r = (r << 8) | ((u >> (8 * b)) & 0xff);
        u = r;
    }
    return __longlong_as_double((long long)u);
}

/* core/internal/fsum's Cancels and Exact, the same operations in the same
 * order: sum, the rounded sum of pixel p's n float samples whose
 * magnitudes sum to a, or their exact sum where cancellation may have
 * moved it off zero (a series that sums to exactly 0 has NaN curves). */
__device__ double ipcf_exact_if_cancels(const void *raw, int dtype, int swap, int n, int npix, int p, double sum,
                                        double a) {
    if (!(sum - sum == 0 && a - a == 0 && fabs(sum) <= ldexp((double)n, -50) * a)) return sum;
    double part[128];
    int np = 0;
    for (int t = 0; t < n; t++) {
        double x = ipcf_load(raw, dtype, swap, (ipcf_u64)t * npix + p);
        int i = 0;
        for (int j = 0; j < np; j++) {
            double y = part[j];
            if (fabs(x) < fabs(y)) {
                double s = x;
                x = y;
                y = s;
            }
            double hi = x + y;
            double lo = y - (hi - x);
            if (lo != 0) part[i++] = lo;
            x = hi;
        }
        if (i == 128) return sum; /* fsum.MaxPartials */
        part[i] = x;
        np = i + 1;
    }
    double e = 0;
    for (int i = np - 1; i >= 0; i--) e += part[i];
    return e;
}

/* For each pixel p of raw ((n, npix) samples, time slowest): sums[p], the
 * sum of its samples in double (four interleaved accumulators for the
 * dtypes exact in float32, one for int32 and float64 with its rounding
 * error added back: the CPU engine's orders), and its normalisation norm[p] = sum * 2^shift[p]. With scale
 * != 0 (the engine sets it for every dtype) shift[p] puts the largest
 * deviation from the mean in [0.5, 1), as the CPU engine scales every
 * series before its float32 FFTs; a zero or non-finite sum is not scaled
 * (its curves are NaN). */
__global__ void ipcf_sums(const void *raw, int dtype, int swap, int n, int npix, int scale, double *sums, double *norm,
                          int *shift) {
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < npix; p += blockDim.x * gridDim.x) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, sum;
        int t = 0;
        if (dtype == 4 || dtype == 6) {
            for (; t < n; t++) s0 += ipcf_load(raw, dtype, swap, (ipcf_u64)t * npix + p);
            sum = s0;
            if (sum - sum == 0) { /* its rounding error added back, as core/pcf seriesSum does */
                double mean = sum / n, d = 0, a = 0;
                for (t = 0; t < n; t++) {
                    double v = ipcf_load(raw, dtype, swap, (ipcf_u64)t * npix + p);
                    d += v - mean;
                    a += fabs(v);
                }
                sum += d;
                if (dtype == 6) sum = ipcf_exact_if_cancels(raw, dtype, swap, n, npix, p, sum, a);
            }
        } else {
            for (; t + 4 <= n; t += 4) {
                s0 += ipcf_load(raw, dtype, swap, (ipcf_u64)t * npix + p);
                s1 += ipcf_load(raw, dtype, swap, (ipcf_u64)(t + 1) * npix + p);
                s2 += ipcf_load(raw, dtype, swap, (ipcf_u64)(t + 2) * npix + p);
                s3 += ipcf_load(raw, dtype, swap, (ipcf_u64)(t + 3) * npix + p);
            }
            for (; t < n; t++) s0 += ipcf_load(raw, dtype, swap, (ipcf_u64)t * npix + p);
            sum = (s0 + s1) + (s2 + s3);
            if (dtype == 5) {
                double a = 0;
                for (t = 0; t < n; t++) a += fabs(ipcf_load(raw, dtype, swap, (ipcf_u64)t * npix + p));
                sum = ipcf_exact_if_cancels(raw, dtype, swap, n, npix, p, sum, a);
            }
        }
        int k = 0;
        if (scale && sum != 0 && sum - sum == 0) {
            double mean = sum / n, m = 0;
            for (t = 0; t < n; t++) {
                double d = ipcf_load(raw, dtype, swap, (ipcf_u64)t * npix + p) - mean;
                if (d < 0) d = -d;
                if (d > m) m = d;
            }
            if (m > 0 && m - m == 0) {
                frexp(m, &k);
                k = -k;
            } else if (m == 0) { /* a constant series: scaled by its mean (core/pcf scaleOf) */
                frexp(mean, &k);
                k = -k;
            }
        }
        sums[p] = sum;
        norm[p] = k ? ldexp(sum, k) : sum;
        shift[p] = k;
    }
}

/* Photobleaching correction (spec/pcf.md; core/bleach.Correct, the same
 * operations in the same order) of each pixel p of raw ((nt, npix)
 * samples, time slowest), one thread per pixel:
 *   s[0] = d[0];  s[i] = d[i]*f0 + s[i-1]*f1       forward (f0 = 1/f)
 *   s[i] = s[i]*f0 + s[i+1]*f1                     backward
 *   out[i] = clip(round(sqrt(|m/s[i]|)*(d[i]-s[i]) + m), 0, hi)
 * with m the mean (floormean: floor(sum/n), the tutorial's) and hi 65535
 * within the input type's range (uint8 255, int16 32767: core/bleach's
 * Limits, the corrected series keep the input's type). s is
 * (nt, npix) doubles, time slowest; frames f..nt-f-1 of it receive the
 * corrected samples. */
__global__ void ipcf_bleach(const void *raw, int dtype, int swap, int nt, int npix, int f, int floormean, double *s) {
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < npix; p += blockDim.x * gridDim.x) {
        double f0 = 1 / (double)f, f1 = 1 - f0;
        double hi = dtype == 1 ? 255 : dtype == 3 ? 32767 : 65535;
        double c = ipcf_load(raw, dtype, swap, p), sum = c, m;
        s[p] = c;
        for (int i = 1; i < nt; i++) {
            double d = ipcf_load(raw, dtype, swap, (ipcf_u64)i * npix + p);
            c = d * f0 + c * f1;
            s[(ipcf_u64)i * npix + p] = c;
            sum += d;
        }
        if (!floormean) {
            m = sum / nt;
        } else if (fabs(sum) < 4611686018427387904.0 && sum == trunc(sum)) {
            long long q = (long long)sum / (long long)nt; /* floor, as core/bleach's meanOf */
            if ((long long)sum % (long long)nt != 0 && sum < 0) q--;
            m = (double)q;
        } else {
            double q = sum / nt; /* floor(q), from the builtins NVRTC has */
            m = trunc(q);
            if (m > q) m -= 1;
        }
        int i = nt - 2;
        for (; i >= nt - f; i--) c = s[(ipcf_u64)i * npix + p] * f0 + c * f1;
        for (; i >= f; i--) {
            c = s[(ipcf_u64)i * npix + p] * f0 + c * f1;
            double d = ipcf_load(raw, dtype, swap, (ipcf_u64)i * npix + p);
            double v = round(sqrt(fabs(m / c)) * (d - c) + m);
            if (!(v >= 0)) {
                v = 0;
            } else if (v > hi) {
                v = hi;
            }
            s[(ipcf_u64)i * npix + p] = v;
        }
    }
}

/* Transposes raw ((n, npix) samples) into time-contiguous float32 series
 * (pixel p at series + p*stride), each minus its mean sums[p]/n and
 * scaled by 2^shift[p], rounded as the CPU engine does:
 * (float)ldexp(v - sum/n, shift). 32 x 32 tiles through shared memory
 * (coalesced reads along pixels, writes along time); blockDim must be
 * (32, 8). */
__global__ void ipcf_transpose(const void *raw, int dtype, int swap, int n, int npix, const double *sums,
                               const int *shift, float *series, int stride) {
    __shared__ float blk[32][33];
    int tx = threadIdx.x, ty = threadIdx.y;
    int nbp = (npix + 31) / 32, nbt = (n + 31) / 32;
    for (int bp = blockIdx.x; bp < nbp; bp += gridDim.x) {
        for (int bt = blockIdx.y; bt < nbt; bt += gridDim.y) {
            int p0 = bp * 32, t0 = bt * 32;
            for (int k = ty; k < 32; k += 8) {
                int p = p0 + tx, t = t0 + k;
                float v = 0;
                if (p < npix && t < n) {
                    double d = ipcf_load(raw, dtype, swap, (ipcf_u64)t * npix + p) - sums[p] / n;
                    v = (float)(shift[p] ? ldexp(d, shift[p]) : d);
                }
                blk[k][tx] = v;
            }
            __syncthreads();
            for (int k = ty; k < 32; k += 8) {
                int p = p0 + k, t = t0 + tx;
                if (p < npix && t < n) series[(ipcf_u64)p * stride + t] = blk[tx][k];
            }
            __syncthreads();
        }
    }
}

/* prod[j*pstride + k] = spec[qq[j]] * conj(spec[pp[j]]) at frequency k < h,
 * for the npairs pairs j of one launch (the CPU's mulConj, unfused). */
__global__ void ipcf_mulconj(const float2 *spec, int sstride, const int *pp, const int *qq, int npairs, int h,
                             float2 *prod, int pstride) {
    ipcf_u64 total = (ipcf_u64)npairs * h;
    for (ipcf_u64 i = (ipcf_u64)blockIdx.x * blockDim.x + threadIdx.x; i < total;
         i += (ipcf_u64)blockDim.x * gridDim.x) {
        int j = (int)(i / h), k = (int)(i % h);
        float2 a = spec[(ipcf_u64)pp[j] * sstride + k], b = spec[(ipcf_u64)qq[j] * sstride + k];
        float re = b.x * a.x, im = b.y * a.x;
        re += b.y * a.y;
        im -= b.x * a.y;
        if (k == 0) re = im = 0; /* spectra of deviations: 0 at frequency 0, as the CPU engine sets them */
        prod[(ipcf_u64)j * pstride + k] = make_float2(re, im);
    }
}

/* Delay-bin sums of each pair's unnormalized circular correlation (corr +
 * j*cstride, length n), forward (tau) and, if wantbwd, backward
 * (element (n - tau) mod n), then bin means times 1/(norm[p]*norm[q]) and
 * the tutorial's double exponential smoothing, stored as float32 at
 * out + j*nb and out2 + j*nb. A pair with a zero or non-finite norm gets
 * NaN curves. blockDim must be (256, 1, 1); scratch holds 2*nb doubles per
 * block of the grid.
 *
 * Deterministic: thread t sums elements t, t+256, ... of a bin in order;
 * the 256 partials of 16 bins at a time are added in a fixed tree (16
 * runs of 16, then the 16 run sums), so the result does not depend on
 * scheduling. */
__global__ void ipcf_bins(const float *corr, int cstride, int n, const int *bins, int nb, const double *norm,
                          const int *pp, const int *qq, int npairs, int wantbwd, float *out, float *out2,
                          double *scratch) {
    __shared__ double part[16][256];
    __shared__ double run[16][16];
    int tid = threadIdx.x;
    int nrows = wantbwd ? 2 * nb : nb;
    double *acc = scratch + (ipcf_u64)blockIdx.x * 2 * nb;
    /* the CPU engine's NaN, 0x7fc00000: 0/0 is 0xffc00000 on x86 and
     * 0x7fffffff on NVIDIA GPUs, so results of the two never shared bytes
     * where such curves lie (EQUIV13's M1) */
    float nan = __int_as_float(0x7fc00000);
    for (int j = blockIdx.x; j < npairs; j += gridDim.x) {
        const float *c = corr + (ipcf_u64)j * cstride;
        double np = norm[pp[j]], nq = norm[qq[j]];
        int bad = !(np != 0 && nq != 0 && np - np == 0 && nq - nq == 0);
        if (bad) {
            for (int b = tid; b < nb; b += blockDim.x) {
                out[(ipcf_u64)j * nb + b] = nan;
                if (wantbwd) out2[(ipcf_u64)j * nb + b] = nan;
            }
            continue;
        }
        for (int r0 = 0; r0 < nrows; r0 += 16) {
            for (int r = r0; r < r0 + 16; r++) {
                double s = 0;
                if (r < nrows) {
                    int b = r < nb ? r : r - nb;
                    int lo = b ? bins[b - 1] : 0, hi = bins[b];
                    if (r < nb) {
                        for (int t = lo + tid; t < hi; t += 256) s += c[t];
                    } else {
                        for (int t = lo + tid; t < hi; t += 256) s += c[(n - t) % n];
                    }
                }
                part[r - r0][tid] = s;
            }
            __syncthreads();
            {
                int row = tid / 16, seg = tid % 16;
                double s = 0;
                for (int i = 0; i < 16; i++) s += part[row][seg * 16 + i];
                run[row][seg] = s;
            }
            __syncthreads();
            if (tid < 16 && r0 + tid < nrows) {
                double s = 0;
                for (int i = 0; i < 16; i++) s += run[tid][i];
                acc[r0 + tid] = s;
            }
        }
        __syncthreads();
        if (tid < 2 && (tid == 0 || wantbwd)) {
            double scale = 1 / (np * nq);
            double *g = acc + tid * nb;
            int lo = 0;
            for (int b = 0; b < nb; b++) {
                g[b] = g[b] * scale / (bins[b] - lo);
                lo = bins[b];
            }
            if (nb > 1) g[0] = g[1];
            for (int i = 1; i < nb; i++) g[i] = 0.3 * g[i] + 0.7 * g[i - 1];
            for (int i = nb - 2; i >= 0; i--) g[i] = 0.3 * g[i] + 0.7 * g[i + 1];
            float *o = (tid == 0 ? out : out2) + (ipcf_u64)j * nb;
            for (int b = 0; b < nb; b++) o[b] = (float)g[b];
        }
        __syncthreads();
    }
}

}
)
