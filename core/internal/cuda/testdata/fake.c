/* A fake CUDA driver, NVRTC and cuFFT in one library, for testing the
 * host-side GPU code without a GPU: one device ("ipcf fake GPU", compute
 * 9.0); memory is host memory; kernels and FFTs do nothing but are
 * logged (to $IPCF_FAKE_LOG) with their launch geometry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *source;
static void logf_(const char *fmt, const char *a, long b, long c) {
    const char *p = getenv("IPCF_FAKE_LOG");
    FILE *f = p ? fopen(p, "a") : 0;
    if (!f) return;
    fprintf(f, fmt, a, b, c);
    fputc('\n', f);
    fclose(f);
}

int cuInit(unsigned f) { (void)f; return 0; }
int cuDriverGetVersion(int *v) { *v = 12040; return 0; }
int cuDeviceGetCount(int *n) { *n = 1; return 0; }
int cuDeviceGet(int *d, int i) { *d = i; return i == 0 ? 0 : 101; }
int cuDeviceGetName(char *s, int n, int d) { (void)d; snprintf(s, n, "ipcf fake GPU"); return 0; }
int cuDeviceGetAttribute(int *v, int a, int d) { (void)d; *v = a == 75 ? 9 : 0; return 0; }
int cuDeviceTotalMem_v2(size_t *m, int d) { (void)d; *m = 1UL << 30; return 0; }
int cuDevicePrimaryCtxRetain(void **c, int d) { (void)d; *c = (void *)1; return 0; }
int cuCtxSetCurrent(void *c) { (void)c; return 0; }
int cuMemGetInfo_v2(size_t *f, size_t *t) { *f = 512UL << 20; *t = 1UL << 30; return 0; }
int cuModuleLoadData(void **m, const void *ptx) {
    *m = (void *)2;
    return strcmp(ptx, "FAKEPTX") == 0 ? 0 : 200;
}
int cuModuleGetFunction(void **f, void *m, const char *name) {
    (void)m;
    char pat[128];
    snprintf(pat, sizeof pat, "void %s(", name);
    if (!source || !strstr(source, pat)) return 500;
    *f = strdup(name);
    return 0;
}
int cuMemAlloc_v2(unsigned long long *p, size_t n) {
    void *m = calloc(1, n ? n : 1);
    *p = (unsigned long long)(size_t)m;
    return m ? 0 : 2;
}
int cuMemFree_v2(unsigned long long p) { free((void *)(size_t)p); return 0; }
int cuMemcpyHtoD_v2(unsigned long long d, const void *s, size_t n) { memcpy((void *)(size_t)d, s, n); return 0; }
int cuMemcpyDtoH_v2(void *d, unsigned long long s, size_t n) { memcpy(d, (void *)(size_t)s, n); return 0; }
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned sh,
                   void *st, void **args, void **extra) {
    (void)gz; (void)bx; (void)by; (void)bz; (void)sh; (void)st; (void)args; (void)extra;
    logf_("launch %s %ld %ld", (const char *)f, gx, gy);
    return 0;
}
int cuCtxSynchronize(void) { return 0; }
int cuMemcpyDtoHAsync_v2(void *d, unsigned long long s, size_t n, void *st) { (void)st; memcpy(d, (void *)(size_t)s, n); return 0; }
int cuMemcpyHtoDAsync_v2(unsigned long long d, const void *s, size_t n, void *st) { (void)st; memcpy((void *)(size_t)d, s, n); return 0; }
int cuStreamWaitEvent(void *s, void *e, unsigned f) { (void)s; (void)e; (void)f; return 0; }
int cuStreamSynchronize(void *s) { (void)s; return 0; }
int cuStreamCreate(void **s, unsigned f) { (void)f; *s = (void *)3; return 0; }
int cuStreamDestroy_v2(void *s) { (void)s; return 0; }
int cuEventCreate(void **e, unsigned f) { (void)f; *e = (void *)4; return 0; }
int cuEventRecord(void *e, void *s) { (void)e; (void)s; return 0; }
int cuEventSynchronize(void *e) { (void)e; return 0; }
int cuEventDestroy_v2(void *e) { (void)e; return 0; }
int cuMemHostAlloc(void **p, size_t n, unsigned f) { (void)f; *p = malloc(n ? n : 1); return *p ? 0 : 2; }
int cuMemFreeHost(void *p) { free(p); return 0; }
int cuGetErrorString(int r, const char **s) { (void)r; *s = "fake error"; return 0; }

int nvrtcCreateProgram(void **p, const char *src, const char *name, int n, const char *const *h, const char *const *i) {
    (void)name; (void)n; (void)h; (void)i;
    free(source);
    source = strdup(src);
    *p = (void *)3;
    return 0;
}
int nvrtcCompileProgram(void *p, int n, const char *const *opts) {
    (void)p;
    for (int k = 0; k < n; k++) logf_("nvrtc option %s", opts[k], 0, 0);
    return 0;
}
int nvrtcGetPTXSize(void *p, size_t *n) { (void)p; *n = 7; return 0; }
int nvrtcGetPTX(void *p, char *s) { (void)p; memcpy(s, "FAKEPTX", 7); return 0; }
int nvrtcGetProgramLogSize(void *p, size_t *n) { (void)p; *n = 1; return 0; }
int nvrtcGetProgramLog(void *p, char *s) { (void)p; s[0] = 0; return 0; }
int nvrtcDestroyProgram(void **p) { *p = 0; return 0; }

int cufftPlanMany(int *plan, int rank, int *n, int *ie, int is, int id, int *oe, int os, int od, int type, int batch) {
    (void)rank; (void)ie; (void)is; (void)id; (void)oe; (void)os; (void)od;
    static int next = 1;
    *plan = next++;
    logf_("plan %s %ld %ld", type == 0x2a ? "r2c" : "c2r", n[0], batch);
    return 0;
}
int cufftExecR2C(int plan, float *in, void *out) { (void)plan; (void)in; (void)out; return 0; }
int cufftExecC2R(int plan, void *in, float *out) { (void)plan; (void)in; (void)out; return 0; }
int cufftDestroy(int plan) { (void)plan; return 0; }
int cufftSetStream(int plan, void *s) { (void)plan; (void)s; return 0; }
