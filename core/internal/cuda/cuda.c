/* GPU path of the pCF: CUDA driver, NVRTC and cuFFT loaded at run time
 * with dlopen, the few functions declared here (no CUDA headers or
 * libraries at build time). Plain C11. Kernels: kernels.cu.h, compiled
 * with NVRTC on first use and cached per device. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <sys/stat.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda.h"

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUstream;
typedef void *CUevent;
typedef unsigned long long CUdeviceptr;
typedef void *nvrtcProgram;
typedef int nvrtcResult;
typedef int cufftHandle;
typedef int cufftResult;

#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR 75
#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR 76
#define CU_STREAM_NON_BLOCKING 0x1
#define CUFFT_R2C 0x2a
#define CUFFT_C2R 0x2c

static struct {
    int loaded, ndev, nvrtc_version;
    int present; /* the driver's device count, whether or not NVRTC and cuFFT load */
    char why[1024];
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
    CUresult (*cuModuleUnload)(CUmodule);
    CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
    CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
    CUresult (*cuMemFree)(CUdeviceptr);
    CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
    CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
    CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                               CUstream, void **, void **);
    CUresult (*cuCtxSynchronize)(void);
    CUresult (*cuStreamCreate)(CUstream *, unsigned);
    CUresult (*cuStreamDestroy)(CUstream);
    CUresult (*cuEventCreate)(CUevent *, unsigned);
    CUresult (*cuEventRecord)(CUevent, CUstream);
    CUresult (*cuEventSynchronize)(CUevent);
    CUresult (*cuEventDestroy)(CUevent);
    CUresult (*cuMemHostAlloc)(void **, size_t, unsigned);
    CUresult (*cuMemFreeHost)(void *);
    CUresult (*cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
    CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
    CUresult (*cuStreamWaitEvent)(CUstream, CUevent, unsigned);
    CUresult (*cuStreamSynchronize)(CUstream);
    CUresult (*cuGetErrorString)(CUresult, const char **);
    nvrtcResult (*nvrtcVersion)(int *, int *);
    nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                                      const char *const *);
    nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram, int, const char *const *);
    nvrtcResult (*nvrtcGetPTXSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetPTX)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcGetCUBINSize)(nvrtcProgram, size_t *);   /* optional: NVRTC 11.1+ */
    nvrtcResult (*nvrtcGetCUBIN)(nvrtcProgram, char *);         /* optional */
    nvrtcResult (*nvrtcGetNumSupportedArchs)(int *);            /* optional: NVRTC 11.2+ */
    nvrtcResult (*nvrtcGetSupportedArchs)(int *);               /* optional */
    nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram, size_t *);
    nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram, char *);
    nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram *);
    cufftResult (*cufftPlanMany)(cufftHandle *, int, int *, int *, int, int, int *, int, int, int, int);
    cufftResult (*cufftCreate)(cufftHandle *);                  /* optional: with MakePlanMany64 */
    cufftResult (*cufftMakePlanMany64)(cufftHandle, int, long long *, long long *, long long, long long,
                                       long long *, long long, long long, int, long long, size_t *);
    cufftResult (*cufftExecR2C)(cufftHandle, float *, void *);
    cufftResult (*cufftExecC2R)(cufftHandle, void *, float *);
    cufftResult (*cufftDestroy)(cufftHandle);
    cufftResult (*cufftSetStream)(cufftHandle, CUstream);
} L;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

#define MAXDEV 64
static struct {
    int compiled;
    char image[64];
    CUcontext ctx;
    CUmodule mod;
    CUfunction bleach, sums, transpose, mulconj, bins;
} D[MAXDEV];

/* The kernels as one line of text (see kernels.cu.h). */
#define IPCF_KERNEL_SOURCE(...) #__VA_ARGS__
static const char kernel_source[] =
#include "kernels.cu.h"
    ;
#undef IPCF_KERNEL_SOURCE

const char *ipcf_cuda_source(void) { return kernel_source; }

static void setwhy(char *why, size_t n, const char *fmt, ...) {
    va_list ap;
    if (!why || !n) return;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
}

/* elf_cut reports (1) whether path is no regular file, or a 64-bit ELF
 * file whose loadable segments reach past its end: a library cut short
 * (an interrupted install, a full disk). glibc's dlopen maps such a segment past the end
 * of the file and the process dies of SIGBUS when it zero-fills its tail
 * (GPU19's F1: every front end, also with the device "auto"), so the file
 * is refused before it. Anything else (no such file, not ELF, unreadable
 * headers) is left to dlopen, whose reasons are kept. */
#if defined(__aarch64__)
#define IPCF_EM EM_AARCH64
#else
#define IPCF_EM EM_X86_64
#endif

/* elf_check: 1 where path is no regular file, or a 64-bit ELF file of
 * this machine whose loadable segments reach past its end (refused, why
 * set); -1 where it is an ELF file of another class or machine (which the
 * loader skips in a search: REVIEW22's F4); 0 otherwise (left to dlopen,
 * whose reasons are kept). */
static int elf_check(const char *path, char *why, size_t n) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (!S_ISREG(st.st_mode)) {
        /* (dlopen of a FIFO blocked the process for good: GPU19's m1) */
        setwhy(why, n, "%s: not a regular file (a %s)", path,
               S_ISFIFO(st.st_mode) ? "FIFO" : S_ISDIR(st.st_mode) ? "folder" : "device or socket");
        return 1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int res = 0;
    Elf64_Ehdr eh;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > 0 && fseek(f, 0, SEEK_SET) == 0 && fread(&eh, sizeof eh, 1, f) == 1 &&
            memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0) {
            if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != IPCF_EM) {
                res = -1;
            } else if (eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum > 0 && eh.e_phnum < 4096) {
                if (eh.e_phoff > (Elf64_Off)size || (Elf64_Off)size - eh.e_phoff < (Elf64_Off)eh.e_phnum * sizeof(Elf64_Phdr)) {
                    setwhy(why, n, "%s: cut short (%ld bytes, its program headers end past them)", path, size);
                    res = 1;
                } else if (fseek(f, (long)eh.e_phoff, SEEK_SET) == 0) {
                    for (int i = 0; i < eh.e_phnum && res == 0; i++) {
                        Elf64_Phdr ph;
                        if (fread(&ph, sizeof ph, 1, f) != 1) break;
                        if (ph.p_type == PT_LOAD && (ph.p_offset > (Elf64_Off)size || ph.p_filesz > (Elf64_Off)size - ph.p_offset)) {
                            setwhy(why, n, "%s: cut short (%ld bytes; a loadable segment ends at byte %llu: an interrupted install or a full disk? reinstall it)",
                                   path, size, (unsigned long long)(ph.p_offset + ph.p_filesz));
                            res = 1;
                        }
                    }
                }
            }
        }
    }
    fclose(f);
    return res;
}

/* elf_cut: elf_check's refusal (1) of a file given by its path. */
static int elf_cut(const char *path, char *why, size_t n) { return elf_check(path, why, n) == 1; }

/* The folders the system's loader searches for a library name, as the
 * loader itself lists them (dlinfo RTLD_DI_SERINFO: LD_LIBRARY_PATH as it
 * was when the process started, its $ORIGIN, $PLATFORM and $LIB expanded,
 * ':' or ';' between folders, an empty one the current folder; the
 * program's RPATH or RUNPATH; the default folders: the environment read
 * now was not the loader's, REVIEW24's F2, F4), then the usual places of
 * ld.so.cache's entries (the cache itself is not read). In each folder the
 * loader tries subfolders first: the glibc-hwcaps levels and the legacy
 * ones (tls/, the platform's, x86_64/, glibc < 2.37). Which of them it
 * tries depends on the CPU, GLIBC_TUNABLES masks as the loader reads them
 * and the glibc version, which ipcf cannot know without loading (a guess
 * from the masks' text crashed or refused good libraries: REVIEW24's F1),
 * so every one is checked: a library cut short anywhere the loader may
 * look, before the first folder that holds the name itself, is named and
 * refused (never mapped: SIGBUS), even in a subfolder this CPU's loader
 * would skip; a file the loader would skip (32-bit, another machine's) is
 * passed over. */
static const char *const sysdirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
                                      "/usr/local/cuda/lib64", "/usr/lib/wsl/lib", "/lib", "/usr/lib", 0};

/* subdir returns the i-th subfolder (with its '/') that the loader may try
 * in a folder before the folder itself, "" after the last. */
static const char *subdir(int i, char *buf, size_t n) {
#if defined(__x86_64__)
    static const char *const levels[] = {"glibc-hwcaps/x86-64-v4/", "glibc-hwcaps/x86-64-v3/", "glibc-hwcaps/x86-64-v2/"};
    static const char *const tls[] = {"tls/", ""};
    static const char *const plat[] = {"haswell/", "xeon_phi/", "x86_64/", ""};
    static const char *const caps[] = {"avx512_1/x86_64/", "avx512_1/", "x86_64/", ""};
    if (i < 3) return levels[i];
    i -= 3;
    if (i >= 2 * 4 * 4 - 1) return ""; /* (the last combination is the folder itself) */
    snprintf(buf, n, "%s%s%s", tls[i / 16], plat[i / 4 % 4], caps[i % 4]);
    return buf;
#else
    (void)buf, (void)n;
    return i == 0 ? "tls/" : "";
#endif
}

/* dir_cut: elf_check of name in dir (len bytes) and every subfolder the
 * loader may try: 1 refused (one is cut), 0 the folder holds the name
 * itself (fine: the loader stops here at the latest), -1 go on. */
static int dir_cut(const char *dir, size_t len, const char *name, char *why, size_t n) {
    char path[1200], sub[64];
    if (len == 0) dir = ".", len = 1;
    if (len > 900) return -1;
    for (int i = 0;; i++) {
        const char *sd = subdir(i, sub, sizeof sub);
        snprintf(path, sizeof path, "%.*s/%s%s", (int)len, dir, sd, name);
        struct stat st;
        int r = stat(path, &st) == 0 ? elf_check(path, why, n) : -1;
        if (r == 1) return 1;
        if (!*sd) return r == 0 ? 0 : -1;
    }
}

/* serinfo_cut runs dir_cut over the folders of the loader's search for
 * the object of handle self as dlinfo lists them, until one decides (*res:
 * dir_cut's result); it returns 0 where they could not be listed. */
static int serinfo_cut(void *self, const char *name, char *why, size_t n, int *res) {
    Dl_serinfo size;
    if (dlinfo(self, RTLD_DI_SERINFOSIZE, &size) != 0 || size.dls_size < sizeof(Dl_serinfo) || size.dls_size > (1 << 20))
        return 0;
    Dl_serinfo *si = malloc(size.dls_size);
    if (!si) return 0;
    *si = size;
    int ok = dlinfo(self, RTLD_DI_SERINFOSIZE, si) == 0 && dlinfo(self, RTLD_DI_SERINFO, si) == 0;
    for (unsigned i = 0; ok && i < si->dls_cnt && *res < 0; i++) {
        const char *d = si->dls_serpath[i].dls_name;
        *res = dir_cut(d, strlen(d), name, why, n);
    }
    free(si);
    return ok;
}

/* sys_cut_listed runs dir_cut over the loader's search as dlinfo lists
 * it for a dlopen from this library (the DT_RPATH of this library and of
 * the chain of objects that loaded it come first: REVIEW25's F2), then
 * for the program's; it returns 0 where neither could be listed (sys_cut
 * then reads LD_LIBRARY_PATH itself). */
static int sys_cut_listed(const char *name, char *why, size_t n, int *res) {
    int listed = 0;
    *res = -1;
    Dl_info info;
    if (dladdr((void *)sys_cut_listed, &info) && info.dli_fname) {
        void *lib = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
        if (lib) {
            listed |= serinfo_cut(lib, name, why, n, res);
            dlclose(lib);
        }
    }
    void *self = dlopen(NULL, RTLD_LAZY);
    if (self) {
        if (*res < 0) listed |= serinfo_cut(self, name, why, n, res);
        dlclose(self);
    }
    return listed;
}

static int sys_cut(const char *name, char *why, size_t n) {
    int r = -1;
    if (!sys_cut_listed(name, why, n, &r)) {
        const char *lp = getenv("LD_LIBRARY_PATH");
        if (lp && *lp) {
            const char *p = lp;
            for (;;) {
                size_t len = strcspn(p, ":;");
                r = dir_cut(p, len, name, why, n);
                if (r >= 0) break;
                p += len;
                if (!*p) break;
                p++; /* (a separator at the end: an empty folder, the current one) */
            }
        }
    }
    for (int i = 0; r < 0 && sysdirs[i]; i++) r = dir_cut(sysdirs[i], strlen(sysdirs[i]), name, why, n);
    return r == 1;
}

/* open_any opens the first of names that loads (from IPCF_CUDA_LIBDIR
 * first, then the system's search path); where none does, it sets L.why:
 * what was not found (with hint), or, for a library that is there but does
 * not load (not an ELF library, a missing dependency, another
 * architecture), the loader's reason: "not found" would send the user to
 * install what is installed. */
static void *open_any(const char *const *names, const char *what, const char *hint) {
    const char *dir = getenv("IPCF_CUDA_LIBDIR");
    char path[1024], tried[768] = "";
    int present = 0;
    for (int k = 0; names[k]; k++) {
        void *h = 0;
        char err[400] = ""; /* (dlerror's text: copied, the next dlopen overwrites it) */
        const char *e;
        if (dir && *dir) {
            snprintf(path, sizeof path, "%s/%s", dir, names[k]);
            if (!elf_cut(path, err, sizeof err)) {
                h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
                if (!h && (e = dlerror()) && !strstr(e, "No such file")) snprintf(err, sizeof err, "%s", e);
            }
        }
        if (!h) {
            char serr[400] = "";
            if (sys_cut(names[k], serr, sizeof serr)) {
                if (!err[0]) snprintf(err, sizeof err, "%s", serr);
            } else {
                h = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
                if (!h && !err[0] && (e = dlerror()) && !strstr(e, "No such file")) snprintf(err, sizeof err, "%s", e);
            }
        }
        if (h) return h;
        size_t used = strlen(tried);
        if (err[0]) {
            snprintf(tried + used, sizeof tried - used, "%s%s: %s", used ? "; " : "", names[k], err);
            present = 1;
        } else {
            snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", names[k]);
        }
    }
    if (present)
        snprintf(L.why, sizeof L.why, "%s did not load (tried %s)", what, tried);
    else
        snprintf(L.why, sizeof L.why, "%s not found (tried %s): %s", what, tried, hint);
    return 0;
}

/* libpath is the file a handle of dlopen was loaded from, for messages. */
static const char *libpath(void *h) {
    struct link_map *lm = 0;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name && *lm->l_name) return lm->l_name;
    return "the library";
}

#define SYM(lib, field, name)                                                         \
    do {                                                                              \
        *(void **)&L.field = dlsym(lib, name);                                        \
        if (!L.field) {                                                               \
            snprintf(L.why, sizeof L.why, "%s lacks %s (driver or library too old?)", \
                     libpath(lib), name);                                             \
            return 0;                                                                 \
        }                                                                             \
    } while (0)
#define OPTSYM(lib, field, name) (*(void **)&L.field = dlsym(lib, name))

static int load(void) {
    static const char *const cu[] = {"libcuda.so.1", "libcuda.so", 0};
    static const char *const nv[] = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so", 0};
    static const char *const ff[] = {"libcufft.so.12", "libcufft.so.11", "libcufft.so.10", "libcufft.so", 0};
    int v = 0;
    if (!(L.cu = open_any(cu, "CUDA driver library", "no NVIDIA driver installed"))) return 0;
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
    OPTSYM(L.cu, cuModuleUnload, "cuModuleUnload");
    SYM(L.cu, cuModuleGetFunction, "cuModuleGetFunction");
    SYM(L.cu, cuMemAlloc, "cuMemAlloc_v2");
    SYM(L.cu, cuMemFree, "cuMemFree_v2");
    SYM(L.cu, cuMemcpyHtoD, "cuMemcpyHtoD_v2");
    SYM(L.cu, cuMemcpyDtoH, "cuMemcpyDtoH_v2");
    SYM(L.cu, cuLaunchKernel, "cuLaunchKernel");
    SYM(L.cu, cuCtxSynchronize, "cuCtxSynchronize");
    SYM(L.cu, cuStreamCreate, "cuStreamCreate");
    SYM(L.cu, cuStreamDestroy, "cuStreamDestroy_v2");
    SYM(L.cu, cuEventCreate, "cuEventCreate");
    SYM(L.cu, cuEventRecord, "cuEventRecord");
    SYM(L.cu, cuEventSynchronize, "cuEventSynchronize");
    SYM(L.cu, cuEventDestroy, "cuEventDestroy_v2");
    SYM(L.cu, cuMemHostAlloc, "cuMemHostAlloc");
    SYM(L.cu, cuMemFreeHost, "cuMemFreeHost");
    SYM(L.cu, cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
    SYM(L.cu, cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
    SYM(L.cu, cuStreamWaitEvent, "cuStreamWaitEvent");
    SYM(L.cu, cuStreamSynchronize, "cuStreamSynchronize");
    SYM(L.cu, cuGetErrorString, "cuGetErrorString");
    {
        CUresult r = L.cuInit(0);
        if (r != 0) {
            const char *s = 0;
            L.cuGetErrorString(r, &s);
            snprintf(L.why, sizeof L.why, "cuInit failed (%s): no usable NVIDIA device or driver", s ? s : "?");
            return 0;
        }
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
    L.present = L.ndev;
    if (!(L.nvrtc = open_any(nv, "NVRTC", "install the CUDA runtime compiler"))) return 0;
    OPTSYM(L.nvrtc, nvrtcVersion, "nvrtcVersion");
    SYM(L.nvrtc, nvrtcCreateProgram, "nvrtcCreateProgram");
    SYM(L.nvrtc, nvrtcCompileProgram, "nvrtcCompileProgram");
    SYM(L.nvrtc, nvrtcGetPTXSize, "nvrtcGetPTXSize");
    SYM(L.nvrtc, nvrtcGetPTX, "nvrtcGetPTX");
    OPTSYM(L.nvrtc, nvrtcGetCUBINSize, "nvrtcGetCUBINSize");
    OPTSYM(L.nvrtc, nvrtcGetCUBIN, "nvrtcGetCUBIN");
    OPTSYM(L.nvrtc, nvrtcGetNumSupportedArchs, "nvrtcGetNumSupportedArchs");
    OPTSYM(L.nvrtc, nvrtcGetSupportedArchs, "nvrtcGetSupportedArchs");
    SYM(L.nvrtc, nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize");
    SYM(L.nvrtc, nvrtcGetProgramLog, "nvrtcGetProgramLog");
    SYM(L.nvrtc, nvrtcDestroyProgram, "nvrtcDestroyProgram");
    if (!(L.cufft = open_any(ff, "cuFFT", "install libcufft"))) return 0;
    SYM(L.cufft, cufftPlanMany, "cufftPlanMany");
    OPTSYM(L.cufft, cufftCreate, "cufftCreate");
    OPTSYM(L.cufft, cufftMakePlanMany64, "cufftMakePlanMany64");
    SYM(L.cufft, cufftExecR2C, "cufftExecR2C");
    SYM(L.cufft, cufftExecC2R, "cufftExecC2R");
    SYM(L.cufft, cufftDestroy, "cufftDestroy");
    SYM(L.cufft, cufftSetStream, "cufftSetStream");
    return L.ndev;
}

/* The libraries are loaded once, under mu; after that L's loaded, ndev
 * and why do not change and are read without it. mu is held by a job's
 * block for as long as it runs (ipcf_cuda_pcf), and a job of another
 * thread that only asks for the devices, or waits for the device
 * (core/pcf acquireGPU, cancellable), must not wait for it: such a job
 * could not be cancelled until the other's block ended (REVIEW8's F7). */
int ipcf_cuda_init(char *why, size_t n) {
    if (!__atomic_load_n(&L.loaded, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&mu);
        if (!L.loaded) {
            if (!load()) L.ndev = 0;
            if (L.ndev > MAXDEV) L.ndev = MAXDEV;
            __atomic_store_n(&L.loaded, 1, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&mu);
    }
    int nd = L.ndev;
    if (!nd) setwhy(why, n, "%s", L.why);
    return nd;
}

int ipcf_cuda_present(void) {
    ipcf_cuda_init(0, 0);
    return L.present;
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

/* nvrtc compiles the kernels for arch ("sm_90": a CUBIN, "compute_90":
 * PTX) into a malloc'ed image; NULL with the reason in why. */
static char *nvrtc(const char *arch, int cubin, char *why, size_t n) {
    nvrtcProgram prog = 0;
    char opt[64];
    const char *opts[3];
    size_t sz = 0;
    char *img = 0;
    snprintf(opt, sizeof opt, "--gpu-architecture=%s", arch);
    opts[0] = opt;
    opts[1] = "--fmad=false"; /* the same rounding as the CPU path's unfused multiply-adds */
    opts[2] = "-default-device";
    if (L.nvrtcCreateProgram(&prog, kernel_source, "ipcf_kernels.cu", 0, 0, 0)) {
        setwhy(why, n, "NVRTC: cannot create the program");
        return 0;
    }
    if (L.nvrtcCompileProgram(prog, 3, opts)) {
        size_t ls = 0;
        char log[1024] = "";
        L.nvrtcGetProgramLogSize(prog, &ls);
        if (ls && ls < sizeof log) L.nvrtcGetProgramLog(prog, log);
        setwhy(why, n, "NVRTC could not compile the kernels for %s: %s", arch, log);
        L.nvrtcDestroyProgram(&prog);
        return 0;
    }
    if ((cubin ? L.nvrtcGetCUBINSize : L.nvrtcGetPTXSize)(prog, &sz) || !(img = malloc(sz + 1))) {
        L.nvrtcDestroyProgram(&prog);
        setwhy(why, n, "NVRTC: no %s image for %s", cubin ? "CUBIN" : "PTX", arch);
        return 0;
    }
    (cubin ? L.nvrtcGetCUBIN : L.nvrtcGetPTX)(prog, img);
    img[sz] = 0;
    L.nvrtcDestroyProgram(&prog);
    return img;
}

/* best_arch returns the newest architecture NVRTC can compile for that
 * the device (compute capability cc, e.g. 90) runs: cc itself when NVRTC
 * knows it, else the newest older one (PTX, which the driver compiles). */
static int best_arch(int cc) {
    int na = 0, best = 0;
    int archs[128];
    if (!L.nvrtcGetNumSupportedArchs || !L.nvrtcGetSupportedArchs || L.nvrtcGetNumSupportedArchs(&na) || na < 1 ||
        na > 128 || L.nvrtcGetSupportedArchs(archs))
        return cc; /* NVRTC before 11.2: try the device's own */
    for (int k = 0; k < na; k++)
        if (archs[k] <= cc && archs[k] > best) best = archs[k];
    return best ? best : cc;
}

/* compile_locked compiles and loads the kernels for device i once: a CUBIN
 * for the device's architecture when NVRTC can make one and the driver
 * loads it (a driver older than NVRTC rejects NVRTC's newer PTX, but
 * loads its CUBINs), PTX otherwise. Caller holds mu. */
static int compile_locked(int i, char *why, size_t n) {
    CUdevice d;
    int ma = 0, mi = 0, cc, best;
    char arch[32], why1[512] = "";
    char *img;
    CUresult r = 1;
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
    cc = ma * 10 + mi;
    best = best_arch(cc);
    if (best == cc && L.nvrtcGetCUBINSize && L.nvrtcGetCUBIN) {
        snprintf(arch, sizeof arch, "sm_%d", cc);
        if ((img = nvrtc(arch, 1, why1, sizeof why1))) {
            r = L.cuModuleLoadData(&D[i].mod, img);
            free(img);
            if (r) snprintf(why1, sizeof why1, "loading the %s CUBIN failed: %s", arch, cuerr(r));
            else snprintf(D[i].image, sizeof D[i].image, "%s CUBIN", arch);
        }
    }
    if (r) {
        snprintf(arch, sizeof arch, "compute_%d", best);
        if (!(img = nvrtc(arch, 0, why, n))) return -1;
        r = L.cuModuleLoadData(&D[i].mod, img);
        free(img);
        if (r) {
            setwhy(why, n, "cuda:%d: loading the kernels (%s PTX) failed: %s%s%s", i, arch, cuerr(r),
                   *why1 ? "; " : "", why1);
            return -1;
        }
        snprintf(D[i].image, sizeof D[i].image, "%s PTX", arch);
    }
    if (L.cuModuleGetFunction(&D[i].bleach, D[i].mod, "ipcf_bleach") ||
        L.cuModuleGetFunction(&D[i].sums, D[i].mod, "ipcf_sums") ||
        L.cuModuleGetFunction(&D[i].transpose, D[i].mod, "ipcf_transpose") ||
        L.cuModuleGetFunction(&D[i].mulconj, D[i].mod, "ipcf_mulconj") ||
        L.cuModuleGetFunction(&D[i].bins, D[i].mod, "ipcf_bins")) {
        setwhy(why, n, "cuda:%d: a kernel is missing from the module", i);
        if (L.cuModuleUnload) L.cuModuleUnload(D[i].mod);
        return -1;
    }
    __atomic_store_n(&D[i].compiled, 1, __ATOMIC_RELEASE); /* after the image and module: read without mu */
    return 0;
}

int ipcf_cuda_compile(int i, char *why, size_t n, char *image, size_t in) {
    if (ipcf_cuda_init(why, n) <= i || i < 0) {
        if (i >= 0 && L.ndev) setwhy(why, n, "cuda:%d: no such device (%d found)", i, L.ndev);
        return -1;
    }
    /* Compiled once (under mu); a compiled device's image does not
     * change and is read without mu (see ipcf_cuda_init). */
    if (!__atomic_load_n(&D[i].compiled, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&mu);
        int r = compile_locked(i, why, n);
        pthread_mutex_unlock(&mu);
        if (r) return r;
    }
    if (image && in) snprintf(image, in, "%s", D[i].image);
    return 0;
}

/* plan makes a batched 1-D plan of length n (r2c or c2r, the real side
 * rdist floats apart, the complex side cdist): 64-bit sizes through
 * cufftMakePlanMany64 where cuFFT has it (a batch may hold more than 2^31
 * elements), else cufftPlanMany when the sizes fit an int. */
static int plan(cufftHandle *h, int type, long long n, long long rdist, long long cdist, long long batch, char *why,
                size_t wn, int dev) {
    long long dims[1] = {n};
    size_t work = 0;
    int r;
    if (L.cufftCreate && L.cufftMakePlanMany64) {
        if ((r = L.cufftCreate(h))) {
            setwhy(why, wn, "cuda:%d: cufftCreate failed (%d)", dev, r);
            return -1;
        }
        r = type == CUFFT_R2C ? L.cufftMakePlanMany64(*h, 1, dims, dims, 1, rdist, dims, 1, cdist, type, batch, &work)
                              : L.cufftMakePlanMany64(*h, 1, dims, dims, 1, cdist, dims, 1, rdist, type, batch, &work);
        if (r) {
            L.cufftDestroy(*h);
            setwhy(why, wn, "cuda:%d: cufftMakePlanMany64(%s, n=%lld, batch=%lld) failed (%d; out of memory?)", dev,
                   type == CUFFT_R2C ? "R2C" : "C2R", n, batch, r);
            return -1;
        }
        return 0;
    }
    if (rdist * batch > 0x7fffffffLL || cdist * batch > 0x7fffffffLL) {
        setwhy(why, wn, "cuda:%d: cuFFT lacks cufftMakePlanMany64, and a batch of %lld x %lld needs it", dev, batch, n);
        return -1;
    }
    int d32[1] = {(int)n};
    r = type == CUFFT_R2C ? L.cufftPlanMany(h, 1, d32, d32, 1, (int)rdist, d32, 1, (int)cdist, type, (int)batch)
                          : L.cufftPlanMany(h, 1, d32, d32, 1, (int)cdist, d32, 1, (int)rdist, type, (int)batch);
    if (r) {
        setwhy(why, wn, "cuda:%d: cufftPlanMany(n=%lld, batch=%lld) failed (%d; out of memory?)", dev, n, batch, r);
        return -1;
    }
    return 0;
}

#define CK(call, what)                                                      \
    do {                                                                    \
        CUresult r_ = (call);                                               \
        if (r_) {                                                           \
            setwhy(why, wn, "cuda:%d: %s failed: %s", dev, what, cuerr(r_)); \
            goto fail;                                                      \
        }                                                                   \
    } while (0)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* stats appends a block's timings to $IPCF_CUDA_STATS, if set (for
 * tools/gpu_check.sh): device work and transfers, without the host's. */
static void stats(int dev, const ipcf_cuda_block *b, long long npairs, double t0, double t1, double t2) {
    const char *p = getenv("IPCF_CUDA_STATS");
    FILE *f = p && *p ? fopen(p, "a") : 0;
    if (!f) return;
    fprintf(f, "ipcf_cuda_pcf dev=%d dtype=%d bleach=%d npix=%d n=%d pairs=%lld spectra_s=%.6f pairs_s=%.6f total_s=%.6f\n",
            dev, b->dtype, b->bleach, b->npix, b->n, npairs, t1 - t0, t2 - t1, t2 - t0);
    fclose(f);
}

static unsigned grid(long long work, unsigned cap) {
    if (work < 1) return 1;
    return work > cap ? cap : (unsigned)work;
}

/* The most pairs per launch: bounds the products, correlations and the
 * inverse plan's batch (and its work area). gpuChunk in core/pcf. */
#define MAXCHUNK (1 << 16)
/* Grid limits of the grid-stride kernels (x up to 2^31-1, y 65,535). */
#define GRIDX 65535u

/* Jobs: the blocks' samples go to the device through two staging
 * buffers in page-locked host memory, double-buffered: the host fills
 * block k+1's buffer while the device computes block k, and
 * ipcf_cuda_job_upload copies it with cuMemcpyHtoDAsync on the job's
 * upload stream into the slot's device tile, then records the slot's
 * event; ipcf_cuda_pcf's stream waits on that event (cuStreamWaitEvent)
 * before its first kernel, so upload(k+1) overlaps compute(k). Where
 * page-locked memory cannot be had, the buffers are pageable and the
 * upload synchronous (cuMemcpyHtoD; the event, recorded on the legacy
 * stream after it, still orders it before the kernels): same results.
 * A job's functions other than ipcf_cuda_pcf do not take mu, so an
 * upload can be issued while another thread's ipcf_cuda_pcf runs; the
 * caller uses each slot from one thread at a time. */
struct ipcf_cuda_job {
    int dev, pinned;
    size_t size;
    void *host[2];
    CUdeviceptr tile[2];
    CUstream up;
    CUevent ev[2];
    int recorded[2];
};

void ipcf_cuda_job_close(ipcf_cuda_job *j) {
    if (!j) return;
    L.cuCtxSetCurrent(D[j->dev].ctx);
    if (j->up) L.cuStreamSynchronize(j->up);
    for (int k = 0; k < 2; k++) {
        if (j->recorded[k]) L.cuEventSynchronize(j->ev[k]);
        if (j->host[k]) {
            if (j->pinned) L.cuMemFreeHost(j->host[k]);
            else free(j->host[k]);
        }
        if (j->tile[k]) L.cuMemFree(j->tile[k]);
        if (j->ev[k]) L.cuEventDestroy(j->ev[k]);
    }
    if (j->up) L.cuStreamDestroy(j->up);
    free(j);
}

ipcf_cuda_job *ipcf_cuda_job_open(int dev, size_t size, int *pinned, char *why, size_t wn) {
    ipcf_cuda_job *j;
    if (ipcf_cuda_compile(dev, why, wn, 0, 0)) return 0;
    if (!size) size = 1;
    if (!(j = calloc(1, sizeof *j))) {
        setwhy(why, wn, "cuda:%d: out of host memory", dev);
        return 0;
    }
    j->dev = dev;
    j->size = size;
    L.cuCtxSetCurrent(D[dev].ctx);
    j->pinned = 1;
    for (int k = 0; k < 2 && j->pinned; k++)
        if (L.cuMemHostAlloc(&j->host[k], size, 0)) {
            j->host[k] = 0;
            j->pinned = 0;
        }
    if (!j->pinned) {
        for (int k = 0; k < 2; k++) {
            if (j->host[k]) L.cuMemFreeHost(j->host[k]);
            if (!(j->host[k] = malloc(size))) {
                setwhy(why, wn, "cuda:%d: out of host memory for the staging buffers (2 x %zu bytes)", dev, size);
                goto fail;
            }
        }
    }
    for (int k = 0; k < 2; k++) {
        CK(L.cuMemAlloc(&j->tile[k], size), "cuMemAlloc(tile)");
        CK(L.cuEventCreate(&j->ev[k], 0), "cuEventCreate");
    }
    CK(L.cuStreamCreate(&j->up, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    if (pinned) *pinned = j->pinned;
    return j;
fail:
    ipcf_cuda_job_close(j);
    return 0;
}

void *ipcf_cuda_job_buffer(ipcf_cuda_job *j, int slot, char *why, size_t wn) {
    int dev = j->dev;
    L.cuCtxSetCurrent(D[dev].ctx);
    if (j->recorded[slot]) CK(L.cuEventSynchronize(j->ev[slot]), "upload(tile)");
    j->recorded[slot] = 0;
    return j->host[slot];
fail:
    return 0;
}

int ipcf_cuda_job_upload(ipcf_cuda_job *j, int slot, size_t n, char *why, size_t wn) {
    int dev = j->dev;
    if (n > j->size) {
        setwhy(why, wn, "cuda:%d: %zu bytes do not fit the staging buffer (%zu)", dev, n, j->size);
        return -1;
    }
    L.cuCtxSetCurrent(D[dev].ctx);
    if (j->pinned) {
        CK(L.cuMemcpyHtoDAsync(j->tile[slot], j->host[slot], n, j->up), "upload(tile)");
        CK(L.cuEventRecord(j->ev[slot], j->up), "cuEventRecord(upload)");
    } else {
        CK(L.cuMemcpyHtoD(j->tile[slot], j->host[slot], n), "upload(tile)");
        CK(L.cuEventRecord(j->ev[slot], 0), "cuEventRecord(upload)");
    }
    j->recorded[slot] = 1;
    return 0;
fail:
    return -1;
}

/* A chunk's curves in a pinned buffer (fwd, then bwd chunk*nb further). */
struct pending {
    long long at;
    int np, want;
};

static void drain(const ipcf_cuda_block *b, struct pending *p, const float *h, int chunk) {
    memcpy(b->fwd + (size_t)p->at * b->nb, h, (size_t)p->np * b->nb * 4);
    if (p->want) memcpy(b->bwd + (size_t)p->at * b->nb, h + (size_t)chunk * b->nb, (size_t)p->np * b->nb * 4);
    p->np = 0;
}

int ipcf_cuda_pcf(const ipcf_cuda_block *b, ipcf_cuda_job *j, int slot, char *why, size_t wn) {
    CUdeviceptr d_corrected = 0, d_sums = 0, d_shift = 0, d_norm = 0, d_series = 0, d_spec = 0, d_prod = 0, d_corr = 0, d_pp = 0, d_qq = 0,
                d_bins = 0, d_f = 0, d_b = 0, d_scr = 0;
    cufftHandle fwdplan = 0, invplan = 0;
    CUstream st = 0;
    CUevent ev[2] = {0, 0};
    float *hbuf[2] = {0, 0};
    int hpinned[2] = {0, 0};
    struct pending pend[2] = {{0, 0, 0}, {0, 0, 0}};
    int dev = j->dev, n = b->n, npix = b->npix, nb = b->nb, hh = n / 2 + 1, chunk = 0, status = -1, planned = 0, fplanned = 0;
    unsigned bgrid;
    long long npairs = 0;
    double t0 = now(), t1;
    static const int size[7] = {0, 1, 2, 2, 4, 4, 8};
    if (b->dtype < 1 || b->dtype > 6 || (size_t)b->nt * b->npix * size[b->dtype] > j->size || slot < 0 || slot > 1 ||
        !j->recorded[slot]) {
        setwhy(why, wn, "cuda:%d: the block's samples are not in the job's slot %d", dev, slot);
        return -1;
    }
    pthread_mutex_lock(&mu);
    L.cuCtxSetCurrent(D[dev].ctx);
    for (int g = 0; g < b->ngroups; g++) {
        if (b->npairs[g] > chunk) chunk = b->npairs[g];
        npairs += b->npairs[g];
    }
    if (chunk > MAXCHUNK) chunk = MAXCHUNK;
    /* One stream for the block's work, non-blocking: it does not wait
     * for the upload stream (nor for the legacy stream) except where it
     * is told to, at the slot's upload event. */
    CK(L.cuStreamCreate(&st, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    CK(L.cuMemAlloc(&d_norm, (size_t)npix * 8), "cuMemAlloc(norms)");
    CK(L.cuMemAlloc(&d_series, (size_t)npix * n * 4), "cuMemAlloc(series)");
    CK(L.cuMemAlloc(&d_bins, (size_t)nb * 4), "cuMemAlloc(bins)");
    CK(L.cuMemcpyHtoDAsync(d_bins, b->bins, (size_t)nb * 4, st), "upload(bins)");
    {
        /* bleaching correction, conversion, sums (the norms) and the
         * transpose into mean-subtracted series on the device */
        int dt = b->dtype, sw = b->swap, sc = b->scale, nt = b->nt, f = b->bleach, fm = b->floormean, stride = n;
        CUdeviceptr src = j->tile[slot];
        if (nt < n || (f > 0 && nt - 2 * f < n)) {
            setwhy(why, wn, "cuda:%d: inconsistent block (dtype %d, %d frames, %d used, filter %d)", dev, dt, nt, n, f);
            goto fail;
        }
        CK(L.cuStreamWaitEvent(st, j->ev[slot], 0), "cuStreamWaitEvent(upload)");
        if (f > 0) {
            void *bargs[] = {&src, &dt, &sw, &nt, &npix, &f, &fm, &d_corrected};
            CK(L.cuMemAlloc(&d_corrected, (size_t)nt * npix * 8), "cuMemAlloc(corrected)");
            CK(L.cuLaunchKernel(D[dev].bleach, grid((npix + 255) / 256, GRIDX), 1, 1, 256, 1, 1, 0, st, bargs, 0),
               "launch(bleach)");
            src = d_corrected + (CUdeviceptr)f * npix * 8; /* the kept frames, float64 */
            dt = 6;
            sw = 0;
        }
        CK(L.cuMemAlloc(&d_sums, (size_t)npix * 8), "cuMemAlloc(sums)");
        CK(L.cuMemAlloc(&d_shift, (size_t)npix * 4), "cuMemAlloc(shifts)");
        void *sargs[] = {&src, &dt, &sw, &n, &npix, &sc, &d_sums, &d_norm, &d_shift};
        CK(L.cuLaunchKernel(D[dev].sums, grid((npix + 255) / 256, GRIDX), 1, 1, 256, 1, 1, 0, st, sargs, 0),
           "launch(sums)");
        void *targs[] = {&src, &dt, &sw, &n, &npix, &d_sums, &d_shift, &d_series, &stride};
        CK(L.cuLaunchKernel(D[dev].transpose, grid((npix + 31) / 32, GRIDX), grid((n + 31) / 32, GRIDX), 1, 32, 8, 1,
                            0, st, targs, 0),
           "launch(transpose)");
        CK(L.cuStreamSynchronize(st), "transpose");
        CUdeviceptr done[] = {d_corrected, d_sums, d_shift};
        for (int k = 0; k < 3; k++)
            if (done[k]) L.cuMemFree(done[k]);
        d_corrected = d_sums = d_shift = 0;
    }
    CK(L.cuMemAlloc(&d_spec, (size_t)npix * hh * 8), "cuMemAlloc(spectra)");
    if (plan(&fwdplan, CUFFT_R2C, n, n, hh, npix, why, wn, dev)) goto fail;
    fplanned = 1;
    if (L.cufftSetStream(fwdplan, st)) {
        setwhy(why, wn, "cuda:%d: cufftSetStream failed", dev);
        goto fail;
    }
    if (L.cufftExecR2C(fwdplan, (float *)(size_t)d_series, (void *)(size_t)d_spec)) {
        setwhy(why, wn, "cuda:%d: cufftExecR2C failed", dev);
        goto fail;
    }
    CK(L.cuStreamSynchronize(st), "forward FFT");
    t1 = now();
    L.cufftDestroy(fwdplan);
    fplanned = 0;
    L.cuMemFree(d_series);
    d_series = 0;
    /* The pairs: the host never waits for the device except to reuse
     * one of two pinned buffers: chunk c's curves are copied to pinned
     * memory asynchronously, and into fwd/bwd by the host while chunk
     * c+1 runs. */
    bgrid = grid(chunk, 16384);
    if (chunk > 0) {
        CK(L.cuMemAlloc(&d_prod, (size_t)chunk * hh * 8), "cuMemAlloc(products)");
        CK(L.cuMemAlloc(&d_corr, (size_t)chunk * n * 4), "cuMemAlloc(correlations)");
        CK(L.cuMemAlloc(&d_pp, (size_t)npairs * 4), "cuMemAlloc(pairs)");
        CK(L.cuMemAlloc(&d_qq, (size_t)npairs * 4), "cuMemAlloc(pairs)");
        CK(L.cuMemAlloc(&d_f, (size_t)chunk * nb * 4), "cuMemAlloc(curves)");
        CK(L.cuMemAlloc(&d_b, (size_t)chunk * nb * 4), "cuMemAlloc(curves)");
        CK(L.cuMemAlloc(&d_scr, (size_t)bgrid * 2 * nb * 8), "cuMemAlloc(bin sums)");
        CK(L.cuMemcpyHtoDAsync(d_pp, b->pp, (size_t)npairs * 4, st), "upload(pairs)");
        CK(L.cuMemcpyHtoDAsync(d_qq, b->qq, (size_t)npairs * 4, st), "upload(pairs)");
        for (int k = 0; k < 2; k++) {
            /* page-locked where it can be had, else pageable (the
             * copies then return when done: the same results) */
            hpinned[k] = !L.cuMemHostAlloc((void **)&hbuf[k], (size_t)chunk * nb * 8, 0);
            if (!hpinned[k] && !(hbuf[k] = malloc((size_t)chunk * nb * 8))) {
                setwhy(why, wn, "cuda:%d: out of host memory for the curves", dev);
                goto fail;
            }
            CK(L.cuEventCreate(&ev[k], 0), "cuEventCreate");
        }
        if (plan(&invplan, CUFFT_C2R, n, n, hh, chunk, why, wn, dev)) goto fail;
        planned = 1;
        if (L.cufftSetStream(invplan, st)) {
            setwhy(why, wn, "cuda:%d: cufftSetStream failed", dev);
            goto fail;
        }
    }
    for (long long g = 0, off = 0, c = 0; g < b->ngroups; off += b->npairs[g], g++) {
        int want = b->wantbwd[g];
        for (long long c0 = 0; c0 < b->npairs[g]; c0 += chunk, c++) {
            int np = (int)(b->npairs[g] - c0 < chunk ? b->npairs[g] - c0 : chunk), k = (int)(c & 1);
            long long at = off + c0;
            if (b->cancel && *b->cancel) {
                setwhy(why, wn, "cancelled");
                status = IPCF_CUDA_CANCELLED;
                goto fail;
            }
            if (pend[k].np) {
                CK(L.cuEventSynchronize(ev[k]), "download(curves)");
                drain(b, &pend[k], hbuf[k], chunk);
            }
            CUdeviceptr ppc = d_pp + (CUdeviceptr)at * 4, qqc = d_qq + (CUdeviceptr)at * 4;
            int ss = hh, ps = hh, cs = n;
            void *margs[] = {&d_spec, &ss, &ppc, &qqc, &np, &hh, &d_prod, &ps};
            CK(L.cuLaunchKernel(D[dev].mulconj, grid(((long long)np * hh + 255) / 256, 1u << 20), 1, 1, 256, 1, 1, 0,
                                st, margs, 0),
               "launch(mulconj)");
            /* the plan's batch is chunk: rows past np are computed and ignored */
            if (L.cufftExecC2R(invplan, (void *)(size_t)d_prod, (float *)(size_t)d_corr)) {
                setwhy(why, wn, "cuda:%d: cufftExecC2R failed", dev);
                goto fail;
            }
            void *bargs[] = {&d_corr, &cs, &n, &d_bins, &nb, &d_norm, &ppc, &qqc, &np, &want, &d_f, &d_b, &d_scr};
            CK(L.cuLaunchKernel(D[dev].bins, grid(np, bgrid), 1, 1, 256, 1, 1, 0, st, bargs, 0), "launch(bins)");
            CK(L.cuMemcpyDtoHAsync(hbuf[k], d_f, (size_t)np * nb * 4, st), "download(curves)");
            if (want)
                CK(L.cuMemcpyDtoHAsync(hbuf[k] + (size_t)chunk * nb, d_b, (size_t)np * nb * 4, st), "download(curves)");
            CK(L.cuEventRecord(ev[k], st), "cuEventRecord");
            pend[k].at = at;
            pend[k].np = np;
            pend[k].want = want;
        }
    }
    for (int k = 0; k < 2; k++) {
        if (!pend[k].np) continue;
        CK(L.cuEventSynchronize(ev[k]), "download(curves)");
        drain(b, &pend[k], hbuf[k], chunk);
    }
    CK(L.cuStreamSynchronize(st), "synchronize");
    stats(dev, b, npairs, t0, t1, now());
    status = 0;
fail:
    if (st) L.cuStreamSynchronize(st); /* nothing in flight on what is freed */
    if (fplanned) L.cufftDestroy(fwdplan);
    if (planned) L.cufftDestroy(invplan);
    CUdeviceptr all[] = {d_corrected, d_sums, d_shift, d_norm, d_series, d_spec, d_prod, d_corr, d_pp, d_qq, d_bins, d_f, d_b, d_scr};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        if (all[k]) L.cuMemFree(all[k]);
    for (int k = 0; k < 2; k++) {
        if (hbuf[k]) {
            if (hpinned[k]) L.cuMemFreeHost(hbuf[k]);
            else free(hbuf[k]);
        }
        if (ev[k]) L.cuEventDestroy(ev[k]);
    }
    if (st) L.cuStreamDestroy(st);
    pthread_mutex_unlock(&mu);
    return status;
}
