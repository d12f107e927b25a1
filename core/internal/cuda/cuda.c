/* GPU path of the pCF: CUDA driver, NVRTC and cuFFT loaded at run time
 * with dlopen, the few functions declared here (no CUDA headers or
 * libraries at build time). Kernels: kernels.cu.h, compiled with NVRTC on
 * first use and cached per device. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda.h"

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef unsigned long long CUdeviceptr;
typedef void *nvrtcProgram;
typedef int nvrtcResult;
typedef int cufftHandle;
typedef int cufftResult;

#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR 75
#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR 76
#define CUFFT_R2C 0x2a
#define CUFFT_C2R 0x2c

static struct {
    int loaded, ndev;
    char why[512];
    void *cu, *nvrtc, *cufft;
    CUresult (*cuInit)(unsigned);
    CUresult (*cuDriverGetVersion)(int *);
    CUresult (*cuDeviceGetCount)(int *);
    CUresult (*cuDeviceGet)(CUdevice *, int);
    CUresult (*cuDeviceGetName)(char *, int, CUdevice);
    CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
    CUresult (*cuDeviceTotalMem)(size_t *, CUdevice);
    CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
    CUresult (*cuCtxSetCurrent)(CUcontext);
    CUresult (*cuMemGetInfo)(size_t *, size_t *);
    CUresult (*cuModuleLoadData)(CUmodule *, const void *);
    CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
    CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
    CUresult (*cuMemFree)(CUdeviceptr);
    CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
    CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
    CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                               CUstream, void **, void **);
    CUresult (*cuCtxSynchronize)(void);
    CUresult (*cuGetErrorString)(CUresult, const char **);
    nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                                      const char *const *);
    nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram, int, const char *const *);
    nvrtcResult (*nvrtcGetPTXSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetPTX)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram *);
    cufftResult (*cufftPlanMany)(cufftHandle *, int, int *, int *, int, int, int *, int, int, int, int);
    cufftResult (*cufftExecR2C)(cufftHandle, float *, void *);
    cufftResult (*cufftExecC2R)(cufftHandle, void *, float *);
    cufftResult (*cufftDestroy)(cufftHandle);
} L;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

#define MAXDEV 64
static struct {
    int compiled;
    CUcontext ctx;
    CUmodule mod;
    CUfunction sums, transpose, mulconj, bins;
} D[MAXDEV];

static const char *kernel_source =
#include "kernels.cu.h"
    ;

const char *ipcf_cuda_source(void) { return kernel_source; }

static void setwhy(char *why, size_t n, const char *fmt, ...) {
    va_list ap;
    if (!why || !n) return;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
}

/* dlopen the first name that loads; IPCF_CUDA_LIBDIR is tried first. */
static void *open_any(const char *const *names, char *tried, size_t n) {
    const char *dir = getenv("IPCF_CUDA_LIBDIR");
    char path[1024];
    tried[0] = 0;
    for (int k = 0; names[k]; k++) {
        void *h = 0;
        if (dir && *dir) {
            snprintf(path, sizeof path, "%s/%s", dir, names[k]);
            h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        }
        if (!h) h = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
        if (h) return h;
        size_t used = strlen(tried);
        snprintf(tried + used, n - used, "%s%s", used ? ", " : "", names[k]);
    }
    return 0;
}

#define SYM(lib, field, name)                                                        \
    do {                                                                             \
        *(void **)&L.field = dlsym(lib, name);                                       \
        if (!L.field) {                                                              \
            snprintf(L.why, sizeof L.why, "%s lacks %s (driver or library too old?)", \
                     #lib, name);                                                   \
            return 0;                                                                \
        }                                                                            \
    } while (0)

static int load(void) {
    static const char *const cu[] = {"libcuda.so.1", "libcuda.so", 0};
    static const char *const nv[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so", 0};
    static const char *const ff[] = {"libcufft.so.12", "libcufft.so.11", "libcufft.so.10", "libcufft.so", 0};
    char tried[512];
    int v = 0;
    if (!(L.cu = open_any(cu, tried, sizeof tried))) {
        snprintf(L.why, sizeof L.why, "CUDA driver library not found (tried %s): no NVIDIA driver installed", tried);
        return 0;
    }
    SYM(L.cu, cuInit, "cuInit");
    SYM(L.cu, cuDriverGetVersion, "cuDriverGetVersion");
    SYM(L.cu, cuDeviceGetCount, "cuDeviceGetCount");
    SYM(L.cu, cuDeviceGet, "cuDeviceGet");
    SYM(L.cu, cuDeviceGetName, "cuDeviceGetName");
    SYM(L.cu, cuDeviceGetAttribute, "cuDeviceGetAttribute");
    SYM(L.cu, cuDeviceTotalMem, "cuDeviceTotalMem_v2");
    SYM(L.cu, cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
    SYM(L.cu, cuCtxSetCurrent, "cuCtxSetCurrent");
    SYM(L.cu, cuMemGetInfo, "cuMemGetInfo_v2");
    SYM(L.cu, cuModuleLoadData, "cuModuleLoadData");
    SYM(L.cu, cuModuleGetFunction, "cuModuleGetFunction");
    SYM(L.cu, cuMemAlloc, "cuMemAlloc_v2");
    SYM(L.cu, cuMemFree, "cuMemFree_v2");
    SYM(L.cu, cuMemcpyHtoD, "cuMemcpyHtoD_v2");
    SYM(L.cu, cuMemcpyDtoH, "cuMemcpyDtoH_v2");
    SYM(L.cu, cuLaunchKernel, "cuLaunchKernel");
    SYM(L.cu, cuCtxSynchronize, "cuCtxSynchronize");
    SYM(L.cu, cuGetErrorString, "cuGetErrorString");
    if (L.cuInit(0) != 0) {
        snprintf(L.why, sizeof L.why, "cuInit failed: no usable NVIDIA device or driver");
        return 0;
    }
    L.cuDriverGetVersion(&v);
    if (v < 11020) {
        snprintf(L.why, sizeof L.why, "CUDA driver %d.%d too old: 11.2 or newer needed", v / 1000, v % 1000 / 10);
        return 0;
    }
    if (L.cuDeviceGetCount(&L.ndev) != 0 || L.ndev < 1) {
        snprintf(L.why, sizeof L.why, "the CUDA driver reports no device");
        L.ndev = 0;
        return 0;
    }
    if (!(L.nvrtc = open_any(nv, tried, sizeof tried))) {
        snprintf(L.why, sizeof L.why, "NVRTC not found (tried %s): install the CUDA runtime compiler", tried);
        return 0;
    }
    SYM(L.nvrtc, nvrtcCreateProgram, "nvrtcCreateProgram");
    SYM(L.nvrtc, nvrtcCompileProgram, "nvrtcCompileProgram");
    SYM(L.nvrtc, nvrtcGetPTXSize, "nvrtcGetPTXSize");
    SYM(L.nvrtc, nvrtcGetPTX, "nvrtcGetPTX");
    SYM(L.nvrtc, nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize");
    SYM(L.nvrtc, nvrtcGetProgramLog, "nvrtcGetProgramLog");
    SYM(L.nvrtc, nvrtcDestroyProgram, "nvrtcDestroyProgram");
    if (!(L.cufft = open_any(ff, tried, sizeof tried))) {
        snprintf(L.why, sizeof L.why, "cuFFT not found (tried %s): install libcufft", tried);
        return 0;
    }
    SYM(L.cufft, cufftPlanMany, "cufftPlanMany");
    SYM(L.cufft, cufftExecR2C, "cufftExecR2C");
    SYM(L.cufft, cufftExecC2R, "cufftExecC2R");
    SYM(L.cufft, cufftDestroy, "cufftDestroy");
    return L.ndev;
}

int ipcf_cuda_init(char *why, size_t n) {
    pthread_mutex_lock(&mu);
    if (!L.loaded) {
        L.loaded = 1;
        if (!load()) L.ndev = 0;
        if (L.ndev > MAXDEV) L.ndev = MAXDEV;
    }
    int nd = L.ndev;
    if (!nd) setwhy(why, n, "%s", L.why);
    pthread_mutex_unlock(&mu);
    return nd;
}

static const char *cuerr(CUresult r) {
    const char *s = 0;
    if (L.cuGetErrorString) L.cuGetErrorString(r, &s);
    return s ? s : "unknown CUDA error";
}

int ipcf_cuda_describe(int i, char *buf, size_t n, int64_t *free_mem, int *cc) {
    CUdevice d;
    char name[256] = "";
    int ma = 0, mi = 0;
    size_t total = 0, fr = 0, tot2 = 0;
    if (ipcf_cuda_init(0, 0) <= i || i < 0) return -1;
    if (L.cuDeviceGet(&d, i) || L.cuDeviceGetName(name, sizeof name, d)) return -1;
    L.cuDeviceGetAttribute(&ma, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d);
    L.cuDeviceGetAttribute(&mi, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d);
    L.cuDeviceTotalMem(&total, d);
    if (free_mem) {
        CUcontext ctx;
        *free_mem = 0;
        if (!L.cuDevicePrimaryCtxRetain(&ctx, d) && !L.cuCtxSetCurrent(ctx) && !L.cuMemGetInfo(&fr, &tot2))
            *free_mem = (int64_t)fr;
    }
    if (cc) *cc = ma * 10 + mi;
    snprintf(buf, n, "cuda:%d %s, compute %d.%d, %zu MiB", i, name, ma, mi, total >> 20);
    return 0;
}

/* ipcf_cuda_compile compiles the kernels for device i once. Caller holds mu. */
static int compile_locked(int i, char *why, size_t n) {
    CUdevice d;
    int ma = 0, mi = 0;
    nvrtcProgram prog = 0;
    char arch[64];
    const char *opts[3];
    size_t sz = 0;
    char *ptx = 0;
    if (D[i].compiled) return 0;
    if (L.cuDeviceGet(&d, i) || L.cuDevicePrimaryCtxRetain(&D[i].ctx, d) || L.cuCtxSetCurrent(D[i].ctx)) {
        setwhy(why, n, "cuda:%d: cannot create a context", i);
        return -1;
    }
    L.cuDeviceGetAttribute(&ma, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d);
    L.cuDeviceGetAttribute(&mi, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d);
    if (ma < 6) {
        setwhy(why, n, "cuda:%d has compute capability %d.%d; 6.0 or newer is needed", i, ma, mi);
        return -1;
    }
    snprintf(arch, sizeof arch, "--gpu-architecture=compute_%d%d", ma, mi);
    opts[0] = arch;
    opts[1] = "--fmad=false"; /* the same rounding as the CPU path's unfused multiply-adds */
    opts[2] = "-default-device";
    if (L.nvrtcCreateProgram(&prog, kernel_source, "ipcf_kernels.cu", 0, 0, 0)) {
        setwhy(why, n, "NVRTC: cannot create the program");
        return -1;
    }
    if (L.nvrtcCompileProgram(prog, 3, opts)) {
        size_t ls = 0;
        char log[1024] = "";
        L.nvrtcGetProgramLogSize(prog, &ls);
        if (ls && ls < sizeof log) L.nvrtcGetProgramLog(prog, log);
        setwhy(why, n, "NVRTC could not compile the kernels for %s: %s", arch, log);
        L.nvrtcDestroyProgram(&prog);
        return -1;
    }
    L.nvrtcGetPTXSize(prog, &sz);
    ptx = malloc(sz + 1);
    if (!ptx) {
        L.nvrtcDestroyProgram(&prog);
        setwhy(why, n, "out of host memory");
        return -1;
    }
    L.nvrtcGetPTX(prog, ptx);
    ptx[sz] = 0;
    L.nvrtcDestroyProgram(&prog);
    CUresult r = L.cuModuleLoadData(&D[i].mod, ptx);
    free(ptx);
    if (r) {
        setwhy(why, n, "cuda:%d: loading the kernels failed: %s", i, cuerr(r));
        return -1;
    }
    if (L.cuModuleGetFunction(&D[i].sums, D[i].mod, "ipcf_sums") ||
        L.cuModuleGetFunction(&D[i].transpose, D[i].mod, "ipcf_transpose") ||
        L.cuModuleGetFunction(&D[i].mulconj, D[i].mod, "ipcf_mulconj") ||
        L.cuModuleGetFunction(&D[i].bins, D[i].mod, "ipcf_bins")) {
        setwhy(why, n, "cuda:%d: a kernel is missing from the module", i);
        return -1;
    }
    D[i].compiled = 1;
    return 0;
}

int ipcf_cuda_compile(int i, char *why, size_t n) {
    if (ipcf_cuda_init(why, n) <= i || i < 0) {
        if (i >= 0 && L.ndev) setwhy(why, n, "cuda:%d: no such device (%d found)", i, L.ndev);
        return -1;
    }
    pthread_mutex_lock(&mu);
    int r = compile_locked(i, why, n);
    pthread_mutex_unlock(&mu);
    return r;
}

#define CK(call, what)                                                        \
    do {                                                                      \
        CUresult r_ = (call);                                                 \
        if (r_) {                                                             \
            setwhy(why, wn, "cuda:%d: %s failed: %s", dev, what, cuerr(r_));   \
            goto fail;                                                        \
        }                                                                     \
    } while (0)

int ipcf_cuda_pcf(int dev, const uint16_t *tile, int n, int h, int w, int bigendian, const double *sums,
                  int ngroups, const int *npairs, const int *wantbwd, const int *pp, const int *qq,
                  const double *scale, const int *bins, int nb, float *fwd, float *bwd, char *why, size_t wn) {
    CUdeviceptr d_tile = 0, d_sums = 0, d_series = 0, d_spec = 0, d_prod = 0, d_corr = 0, d_pp = 0, d_qq = 0,
                d_scale = 0, d_bins = 0, d_f = 0, d_b = 0;
    cufftHandle fwdplan = 0, invplan = 0;
    int npix = h * w, hh = n / 2 + 1, maxp = 0, status = -1, planned = 0, fplanned = 0;
    if (ipcf_cuda_compile(dev, why, wn)) return -1;
    pthread_mutex_lock(&mu);
    L.cuCtxSetCurrent(D[dev].ctx);
    for (int g = 0; g < ngroups; g++) {
        if (npairs[g] > maxp) maxp = npairs[g];
    }
    CK(L.cuMemAlloc(&d_tile, (size_t)n * npix * 2), "cuMemAlloc(tile)");
    CK(L.cuMemAlloc(&d_sums, (size_t)npix * 8), "cuMemAlloc(sums)");
    CK(L.cuMemAlloc(&d_series, (size_t)npix * n * 4), "cuMemAlloc(series)");
    CK(L.cuMemAlloc(&d_spec, (size_t)npix * hh * 8), "cuMemAlloc(spectra)");
    CK(L.cuMemAlloc(&d_bins, (size_t)nb * 4), "cuMemAlloc(bins)");
    CK(L.cuMemcpyHtoD(d_tile, tile, (size_t)n * npix * 2), "upload(tile)");
    CK(L.cuMemcpyHtoD(d_sums, sums, (size_t)npix * 8), "upload(sums)");
    CK(L.cuMemcpyHtoD(d_bins, bins, (size_t)nb * 4), "upload(bins)");
    {
        /* time-contiguous, mean-subtracted float32 series; batched R2C */
        int stride = n;
        void *args[] = {&d_tile, &n, &npix, &bigendian, &d_sums, &d_series, &stride};
        CK(L.cuLaunchKernel(D[dev].transpose, (npix + 31) / 32, (n + 31) / 32, 1, 32, 8, 1, 0, 0, args, 0),
           "launch(transpose)");
        int dims[1] = {n};
        if (L.cufftPlanMany(&fwdplan, 1, dims, 0, 1, n, 0, 1, hh, CUFFT_R2C, npix)) {
            setwhy(why, wn, "cuda:%d: cufftPlanMany(R2C, n=%d, batch=%d) failed (out of memory?)", dev, n, npix);
            goto fail;
        }
        fplanned = 1;
        if (L.cufftExecR2C(fwdplan, (float *)(size_t)d_series, (void *)(size_t)d_spec)) {
            setwhy(why, wn, "cuda:%d: cufftExecR2C failed", dev);
            goto fail;
        }
    }
    L.cuMemFree(d_series);
    d_series = 0;
    if (maxp > 0) {
        CK(L.cuMemAlloc(&d_prod, (size_t)maxp * hh * 8), "cuMemAlloc(products)");
        CK(L.cuMemAlloc(&d_corr, (size_t)maxp * n * 4), "cuMemAlloc(correlations)");
        CK(L.cuMemAlloc(&d_pp, (size_t)maxp * 4), "cuMemAlloc(pairs)");
        CK(L.cuMemAlloc(&d_qq, (size_t)maxp * 4), "cuMemAlloc(pairs)");
        CK(L.cuMemAlloc(&d_scale, (size_t)maxp * 8), "cuMemAlloc(scales)");
        CK(L.cuMemAlloc(&d_f, (size_t)maxp * nb * 4), "cuMemAlloc(curves)");
        CK(L.cuMemAlloc(&d_b, (size_t)maxp * nb * 4), "cuMemAlloc(curves)");
        int dims[1] = {n};
        if (L.cufftPlanMany(&invplan, 1, dims, 0, 1, hh, 0, 1, n, CUFFT_C2R, maxp)) {
            setwhy(why, wn, "cuda:%d: cufftPlanMany(C2R, n=%d, batch=%d) failed (out of memory?)", dev, n, maxp);
            goto fail;
        }
        planned = 1;
    }
    for (int g = 0, off = 0; g < ngroups; off += npairs[g], g++) {
        int np = npairs[g], want = wantbwd[g];
        if (!np) continue;
        CK(L.cuMemcpyHtoD(d_pp, pp + off, (size_t)np * 4), "upload(pairs)");
        CK(L.cuMemcpyHtoD(d_qq, qq + off, (size_t)np * 4), "upload(pairs)");
        CK(L.cuMemcpyHtoD(d_scale, scale + off, (size_t)np * 8), "upload(scales)");
        int ss = hh, ps = hh;
        void *margs[] = {&d_spec, &ss, &d_pp, &d_qq, &np, &hh, &d_prod, &ps};
        CK(L.cuLaunchKernel(D[dev].mulconj, (hh + 255) / 256, np, 1, 256, 1, 1, 0, 0, margs, 0), "launch(mulconj)");
        /* the plan's batch is maxp: the rows past np are computed and ignored */
        if (L.cufftExecC2R(invplan, (void *)(size_t)d_prod, (float *)(size_t)d_corr)) {
            setwhy(why, wn, "cuda:%d: cufftExecC2R failed", dev);
            goto fail;
        }
        int cs = n;
        void *bargs[] = {&d_corr, &cs, &n, &d_bins, &nb, &d_scale, &want, &d_f, &d_b};
        CK(L.cuLaunchKernel(D[dev].bins, np, 1, 1, 256, 1, 1, (unsigned)(2 * nb * 8), 0, bargs, 0), "launch(bins)");
        CK(L.cuMemcpyDtoH(fwd + (size_t)off * nb, d_f, (size_t)np * nb * 4), "download(curves)");
        if (want) CK(L.cuMemcpyDtoH(bwd + (size_t)off * nb, d_b, (size_t)np * nb * 4), "download(curves)");
    }
    CK(L.cuCtxSynchronize(), "synchronize");
    status = 0;
fail:
    if (fplanned) L.cufftDestroy(fwdplan);
    if (planned) L.cufftDestroy(invplan);
    CUdeviceptr all[] = {d_tile, d_sums, d_series, d_spec, d_prod, d_corr, d_pp, d_qq, d_scale, d_bins, d_f, d_b};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        if (all[k]) L.cuMemFree(all[k]);
    pthread_mutex_unlock(&mu);
    return status;
}
