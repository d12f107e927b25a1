// An emulated CUDA device for testing ipcf's GPU path without a GPU: one
// library that stands in for the CUDA driver (libcuda.so.1), NVRTC
// (libnvrtc.so.12) and cuFFT (libcufft.so.11), selected with
// IPCF_CUDA_LIBDIR=build/cuda-emu.
//
// The kernels are ipcf's own source (core/internal/cuda/kernels.cu.h),
// compiled into this library as C++ through a small shim: blockIdx,
// threadIdx, blockDim and gridDim are globals set for each thread; the
// threads of a block run one after another, and in kernels that call
// __syncthreads each thread is a fiber (its own stack) that yields to the
// block's scheduler at the barrier, so every thread of the block reaches
// a barrier before any passes it; __shared__ variables are static (one
// block runs at a time). The fake NVRTC "compiles" by checking that the
// source it is given is the one compiled in, and returns a token image
// that the fake driver maps to the compiled functions. cuFFT is FFTW
// (single precision, unnormalized, like cuFFT). Launches are checked
// against the real limits (grid y and z <= 65,535, 1,024 threads per
// block) and run synchronously on the calling thread. Asynchronous copies
// land only where a program may rely on them (see "Streams" below), and
// device memory starts as NaN patterns: a missing cuStreamWaitEvent or
// synchronisation shows as wrong numbers. Every call takes one lock, so
// a job's upload can be issued from another thread during a block.
//
// Environment:
//   IPCF_EMU_FAIL=a,b,...  make calls fail: init (cuInit), compile (NVRTC),
//                          cubin (the driver rejects CUBINs, as an old
//                          driver rejects newer PTX), alloc (cuMemAlloc),
//                          launch (cuLaunchKernel), fft (cufftExec*),
//                          hostalloc (cuMemHostAlloc: no page-locked memory)
//   IPCF_EMU_FAIL_AFTER=N  launches after the first N fail (a GPU that
//                          fails mid-job)
//   IPCF_EMU_MEM_MIB=N     device memory (default 1024)
//   IPCF_EMU_CC=NN         compute capability x 10 (default 90)
//   IPCF_EMU_NVRTC_MAX=NN  newest architecture the fake NVRTC knows
//                          (default 90): below IPCF_EMU_CC, the library
//                          must fall back to PTX for an older one
//   IPCF_EMU_LOG=FILE      append one line per call of interest
#include <atomic>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <fftw3.h>
#include <string>
#include <type_traits>
#include <utility>
#include <mutex>
#include <vector>

#if !defined(__x86_64__)
#error "the emulator's fibers are written for x86-64"
#endif

// ---- the CUDA C shim -------------------------------------------------
struct uint3 {
    unsigned x, y, z;
};
struct float2 {
    float x, y;
};
static inline float2 make_float2(float x, float y) { return float2{x, y}; }
static inline float __int_as_float(int x) {
    float f;
    memcpy(&f, &x, 4);
    return f;
}
static inline double __longlong_as_double(long long x) {
    double d;
    memcpy(&d, &x, 8);
    return d;
}
static uint3 threadIdx, blockIdx, blockDim, gridDim;
static void __syncthreads();

#define __global__ static
#define __device__ static
#define __shared__ static
#define IPCF_KERNEL_SOURCE(...) __VA_ARGS__
namespace kern {
#include "../../core/internal/cuda/kernels.cu.h"
}
#undef IPCF_KERNEL_SOURCE
#define IPCF_KERNEL_SOURCE(...) #__VA_ARGS__
static const char emu_source[] =
#include "../../core/internal/cuda/kernels.cu.h"
    ;

// ---- logging and failure switches -----------------------------------
static void logf_(const char *fmt, ...) {
    const char *p = getenv("IPCF_EMU_LOG");
    if (!p || !*p) return;
    FILE *f = fopen(p, "a");
    if (!f) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

static bool fail(const char *what) {
    const char *s = getenv("IPCF_EMU_FAIL");
    if (!s) return false;
    size_t n = strlen(what);
    for (const char *p = s; (p = strstr(p, what)); p += n)
        if ((p == s || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return true;
    return false;
}

static int envint(const char *name, int def) {
    const char *s = getenv(name);
    return s && *s ? atoi(s) : def;
}

// ---- kernels: argument unpacking, fibers ------------------------------
template <typename... A, size_t... I>
static void call_impl(void (*f)(A...), void **args, std::index_sequence<I...>) {
    f(*(typename std::remove_reference<A>::type *)args[I]...);
}
template <typename... A> static void call(void (*f)(A...), void **args) {
    call_impl(f, args, std::index_sequence_for<A...>{});
}

struct Kernel {
    const char *name;
    void (*run)(void **);
    int barrier; // the kernel calls __syncthreads: run its threads as fibers
};
#define K(f) {#f, [](void **a) { call(kern::f, a); }, -1}
static Kernel kernels[] = {K(ipcf_bleach), K(ipcf_sums), K(ipcf_transpose), K(ipcf_mulconj), K(ipcf_bins)};
#undef K

extern "C" void ipcf_emu_swap(void **save, void *to);
__asm__(".text\n"
        ".globl ipcf_emu_swap\n"
        ".hidden ipcf_emu_swap\n"
        ".type ipcf_emu_swap,@function\n"
        "ipcf_emu_swap:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  movq %rsp, (%rdi)\n  movq %rsi, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size ipcf_emu_swap, .-ipcf_emu_swap\n");

enum { STACK = 64 << 10 };
struct Fiber {
    void *sp;
    int done;
};
static std::vector<Fiber> fib;
static char *stacks;
static size_t nstacks;
static void *sched_sp;
static int cur = -1;
static void (*cur_run)(void **);
static void **cur_args;

static void set_thread(unsigned t) {
    threadIdx.x = t % blockDim.x;
    threadIdx.y = t / blockDim.x % blockDim.y;
    threadIdx.z = t / (blockDim.x * blockDim.y);
}

static void fiber_main() {
    cur_run(cur_args);
    fib[cur].done = 1;
    ipcf_emu_swap(&fib[cur].sp, sched_sp);
    abort(); // never resumed
}

static void __syncthreads() {
    if (cur < 0) {
        fprintf(stderr, "cuda-emu: __syncthreads in a kernel not run as fibers\n");
        abort();
    }
    ipcf_emu_swap(&fib[cur].sp, sched_sp);
}

// run_block runs the threads of one block; with barriers, as fibers in
// rounds: each round lets every live thread run to its next barrier.
static void run_block(Kernel *k, void **args, unsigned nt) {
    if (!k->barrier) {
        for (unsigned t = 0; t < nt; t++) {
            set_thread(t);
            k->run(args);
        }
        return;
    }
    if (nstacks < nt) {
        free(stacks);
        stacks = (char *)aligned_alloc(64, (size_t)nt * STACK);
        nstacks = nt;
    }
    fib.assign(nt, Fiber{0, 0});
    cur_run = k->run;
    cur_args = args;
    for (unsigned t = 0; t < nt; t++) {
        void **sp = (void **)(stacks + (size_t)(t + 1) * STACK); // 16-byte aligned
        *--sp = 0;                                                // fiber_main's return slot
        *--sp = (void *)fiber_main;                               // ipcf_emu_swap returns here
        for (int r = 0; r < 6; r++) *--sp = 0;                    // rbp rbx r12-r15
        fib[t].sp = sp;
    }
    for (unsigned live = nt; live;) {
        for (unsigned t = 0; t < nt; t++) {
            if (fib[t].done) continue;
            cur = (int)t;
            set_thread(t);
            ipcf_emu_swap(&sched_sp, fib[t].sp);
            if (fib[t].done) live--;
        }
    }
    cur = -1;
}

// ---- the driver API -------------------------------------------------
typedef int CUresult;
typedef unsigned long long CUdeviceptr;
enum {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NO_DEVICE = 100,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_LAUNCH_FAILED = 719,
};

static size_t allocated;
static size_t memsize() { return (size_t)envint("IPCF_EMU_MEM_MIB", 1024) << 20; }
static int devcc() { return envint("IPCF_EMU_CC", 90); }

// Streams run their work at once, but asynchronous copies land only
// when the program may rely on them, as on a GPU: a copy to the host
// (its data taken when it is queued) at a synchronisation that covers it
// (its event, its stream, the context); a copy to the device (its source
// read when it lands, so a host that refills the buffer too early sends
// the new data) when its stream runs more work, when a stream waits on
// an event recorded after it (cuStreamWaitEvent), or at such a
// synchronisation. A kernel on another stream that was not told to wait
// reads the stale device memory. Non-blocking streams
// (CU_STREAM_NON_BLOCKING) do not synchronise with the legacy stream
// (0); other streams' pending copies land at a synchronous copy.
struct Stream {
    unsigned flags;
    long long seq; // copies queued so far
};
struct Event {
    Stream *s;
    long long seq;
    bool recorded;
};
struct Copy {
    Stream *s;
    long long seq;
    bool todev;
    char *dst;
    const char *src;       // to the device: read when it lands
    std::vector<char> data; // to the host: taken when queued
};
static std::vector<Copy> pending;
static std::recursive_mutex mu;
#define LOCK std::lock_guard<std::recursive_mutex> lock_(mu)
static Stream legacy{0, 0};
static Stream *stream(void *s) { return s ? (Stream *)s : &legacy; }
// land lands the pending copies that match (in the order queued).
template <typename F> static void land_if(F match) {
    std::vector<Copy> keep;
    for (Copy &c : pending) {
        if (!match(c)) {
            keep.push_back(std::move(c));
            continue;
        }
        if (c.todev) memcpy(c.dst, c.src, c.data.size());
        else memcpy(c.dst, c.data.data(), c.data.size());
    }
    pending.swap(keep);
}
static void land() { land_if([](Copy &) { return true; }); }
// ordered: work queued on s runs after s's earlier copies to the device.
static void ordered(Stream *s) { land_if([s](Copy &c) { return c.s == s && c.todev; }); }
static void blocking_sync() { land_if([](Copy &c) { return c.s == &legacy || !(c.s->flags & 1); }); }
static long long n_htod_async, n_wait, n_hostalloc;

extern "C" {
CUresult cuInit(unsigned) { return fail("init") ? CUDA_ERROR_NO_DEVICE : CUDA_SUCCESS; }
CUresult cuDriverGetVersion(int *v) { *v = 12040; return 0; }
CUresult cuDeviceGetCount(int *n) { *n = 1; return 0; }
CUresult cuDeviceGet(int *d, int i) { *d = i; return i == 0 ? 0 : CUDA_ERROR_INVALID_DEVICE; }
CUresult cuDeviceGetName(char *s, int n, int) { snprintf(s, n, "ipcf emulated GPU"); return 0; }
CUresult cuDeviceGetAttribute(int *v, int a, int) {
    *v = a == 75 ? devcc() / 10 : a == 76 ? devcc() % 10 : 0;
    return 0;
}
CUresult cuDeviceTotalMem_v2(size_t *m, int) { *m = memsize(); return 0; }
CUresult cuDevicePrimaryCtxRetain(void **c, int) { *c = (void *)1; return 0; }
CUresult cuCtxSetCurrent(void *) { return 0; }
CUresult cuCtxSynchronize(void);
CUresult cuMemGetInfo_v2(size_t *f, size_t *t) {
    std::lock_guard<std::recursive_mutex> lock_(mu);
    *t = memsize();
    *f = *t > allocated ? *t - allocated : 0;
    return 0;
}
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
    std::lock_guard<std::recursive_mutex> lock_(mu);
    if (fail("alloc") || allocated + n > memsize()) {
        logf_("alloc %zu failed", n);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    size_t *m = (size_t *)aligned_alloc(256, 256 + (n + 255) / 256 * 256);
    if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
    m[0] = n;
    allocated += n;
    *p = (CUdeviceptr)(size_t)((char *)m + 256);
    memset((char *)m + 256, 0xff, n); // device memory is not cleared: NaN patterns
    return 0;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
    if (!p) return 0;
    std::lock_guard<std::recursive_mutex> lock_(mu);
    size_t *m = (size_t *)((char *)(size_t)p - 256);
    const char *a = (const char *)(size_t)p, *b = a + m[0];
    // what is in flight to this memory lands first (the driver waits)
    land_if([a, b](Copy &c) { return c.todev && c.dst >= a && c.dst < b; });
    allocated -= m[0];
    free(m);
    return 0;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) {
    LOCK;
    blocking_sync();
    logf_("htod sync %zu", n);
    memcpy((void *)(size_t)d, s, n);
    return 0;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *h, size_t n, void *s) {
    LOCK;
    Stream *st = stream(s);
    Copy c{st, ++st->seq, true, (char *)(size_t)d, (const char *)h, {}};
    c.data.resize(n); // its size only
    pending.push_back(std::move(c));
    n_htod_async++;
    logf_("htod async %zu stream %p", n, s);
    return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr src, size_t n, void *s) {
    LOCK;
    Stream *st = stream(s);
    ordered(st);
    const char *p = (const char *)(size_t)src;
    pending.push_back(Copy{st, ++st->seq, false, (char *)d, 0, std::vector<char>(p, p + n)});
    return 0;
}
CUresult cuStreamCreate(void **s, unsigned flags) {
    *s = new Stream{flags, 0};
    logf_("stream create flags %u %p", flags, *s);
    return 0;
}
CUresult cuStreamDestroy_v2(void *s) {
    LOCK;
    Stream *st = stream(s);
    land_if([st](Copy &c) { return c.s == st; });
    if (s) delete st;
    return 0;
}
CUresult cuStreamSynchronize(void *s) {
    LOCK;
    Stream *st = stream(s);
    land_if([st](Copy &c) { return c.s == st; });
    return 0;
}
CUresult cuEventCreate(void **e, unsigned) { *e = new Event{0, 0, false}; return 0; }
CUresult cuEventRecord(void *e, void *s) {
    LOCK;
    Event *ev = (Event *)e;
    ev->s = stream(s);
    ev->seq = ev->s->seq;
    ev->recorded = true;
    return 0;
}
static void reached(Event *ev, bool host) {
    if (!ev->recorded) return;
    Stream *st = ev->s;
    long long seq = ev->seq;
    land_if([st, seq, host](Copy &c) { return c.s == st && c.seq <= seq && (host || c.todev); });
}
CUresult cuEventSynchronize(void *e) {
    LOCK;
    reached((Event *)e, true);
    return 0;
}
CUresult cuStreamWaitEvent(void *s, void *e, unsigned) {
    LOCK;
    (void)s;
    reached((Event *)e, false);
    n_wait++;
    logf_("stream wait event");
    return 0;
}
CUresult cuEventDestroy_v2(void *e) { delete (Event *)e; return 0; }
CUresult cuMemHostAlloc(void **p, size_t n, unsigned) {
    LOCK;
    if (fail("hostalloc")) {
        logf_("hostalloc %zu failed", n);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    size_t *m = (size_t *)malloc(16 + (n ? n : 1));
    if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
    m[0] = n;
    *p = (char *)m + 16;
    memset(*p, 0xff, n); // NaN patterns: a read before the copy lands shows
    n_hostalloc++;
    logf_("hostalloc %zu", n);
    return 0;
}
CUresult cuMemFreeHost(void *p) {
    LOCK;
    if (!p) return 0;
    size_t *m = (size_t *)((char *)p - 16);
    const char *a = (const char *)p, *b = a + m[0];
    // what is in flight from or to this memory lands first
    land_if([a, b](Copy &c) { return c.todev ? c.src >= a && c.src < b : c.dst >= a && c.dst < b; });
    free(m);
    return 0;
}
CUresult cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) {
    LOCK;
    blocking_sync();
    memcpy(d, (void *)(size_t)s, n);
    return 0;
}
// ipcf_emu_counts reports the asynchronous uploads, stream waits and
// page-locked allocations so far (for tests that dlopen the emulator).
void ipcf_emu_counts(long long *htod_async, long long *waits, long long *hostallocs) {
    LOCK;
    *htod_async = n_htod_async;
    *waits = n_wait;
    *hostallocs = n_hostalloc;
}
CUresult cuCtxSynchronize(void) {
    LOCK;
    land();
    return 0;
}
CUresult cuGetErrorString(CUresult r, const char **s) {
    switch (r) {
    case CUDA_ERROR_INVALID_VALUE: *s = "invalid argument (emulated)"; break;
    case CUDA_ERROR_OUT_OF_MEMORY: *s = "out of memory (emulated)"; break;
    case CUDA_ERROR_NO_DEVICE: *s = "no CUDA-capable device is detected (emulated)"; break;
    case CUDA_ERROR_INVALID_IMAGE: *s = "device kernel image is invalid (emulated)"; break;
    case CUDA_ERROR_NO_BINARY_FOR_GPU: *s = "no kernel image is available for execution on the device (emulated)"; break;
    case CUDA_ERROR_NOT_FOUND: *s = "named symbol not found (emulated)"; break;
    case CUDA_ERROR_LAUNCH_FAILED: *s = "unspecified launch failure (emulated)"; break;
    default: *s = "unknown error (emulated)";
    }
    return 0;
}

// A module image is "IPCFEMU <CUBIN sm_NN|PTX compute_NN>".
CUresult cuModuleLoadData(void **m, const void *img) {
    const char *s = (const char *)img;
    int arch = 0;
    char kind[8] = "";
    if (strncmp(s, "IPCFEMU ", 8) || sscanf(s + 8, "%7s %*[a-z]_%d", kind, &arch) != 2) return CUDA_ERROR_INVALID_IMAGE;
    logf_("load %s", s + 8);
    if (!strcmp(kind, "CUBIN") && (fail("cubin") || arch != devcc())) return CUDA_ERROR_NO_BINARY_FOR_GPU;
    if (arch > devcc()) return CUDA_ERROR_NO_BINARY_FOR_GPU;
    for (Kernel &k : kernels) {
        if (k.barrier >= 0) continue;
        std::string pat = std::string("void ") + k.name + "(";
        const char *a = strstr(emu_source, pat.c_str());
        if (!a) return CUDA_ERROR_INVALID_IMAGE;
        const char *b = strstr(a + 1, "__global__");
        std::string body = b ? std::string(a, b) : std::string(a);
        k.barrier = body.find("__syncthreads") != std::string::npos;
    }
    *m = (void *)kernels;
    return 0;
}
CUresult cuModuleUnload(void *) { return 0; }
CUresult cuModuleGetFunction(void **f, void *, const char *name) {
    for (Kernel &k : kernels)
        if (!strcmp(k.name, name)) {
            *f = &k;
            return 0;
        }
    return CUDA_ERROR_NOT_FOUND;
}
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shmem, void *stream, void **args, void **extra) {
    std::lock_guard<std::recursive_mutex> lock_(mu);
    Kernel *k = (Kernel *)f;
    ordered(::stream(stream));
    (void)extra;
    logf_("launch %s %u %u %u %u %u %u", k->name, gx, gy, gz, bx, by, bz);
    if (fail("launch")) return CUDA_ERROR_LAUNCH_FAILED;
    {
        static std::atomic<long> launches{0};
        int after = envint("IPCF_EMU_FAIL_AFTER", -1);
        if (after >= 0 && ++launches > after) {
            logf_("launch %s failed (after %d)", k->name, after);
            return CUDA_ERROR_LAUNCH_FAILED;
        }
    }
    if (!gx || !gy || !gz || !bx || !by || !bz || gx > 0x7fffffffu || gy > 65535 || gz > 65535 || bx > 1024 ||
        by > 1024 || bz > 64 || (unsigned long long)bx * by * bz > 1024 || shmem > 48 * 1024) {
        logf_("launch %s rejected: grid %u %u %u block %u %u %u", k->name, gx, gy, gz, bx, by, bz);
        return CUDA_ERROR_INVALID_VALUE;
    }
    gridDim = uint3{gx, gy, gz};
    blockDim = uint3{bx, by, bz};
    for (unsigned z = 0; z < gz; z++)
        for (unsigned y = 0; y < gy; y++)
            for (unsigned x = 0; x < gx; x++) {
                blockIdx = uint3{x, y, z};
                run_block(k, args, bx * by * bz);
            }
    return 0;
}

// ---- NVRTC -----------------------------------------------------------
struct Prog {
    std::string src, log, arch;
};
typedef int nvrtcResult;
enum { NVRTC_SUCCESS = 0, NVRTC_ERROR_INVALID_INPUT = 3, NVRTC_ERROR_INVALID_OPTION = 5, NVRTC_ERROR_COMPILATION = 6 };
static const int archs[] = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90, 100, 120};

nvrtcResult nvrtcVersion(int *ma, int *mi) { *ma = 12; *mi = 4; return 0; }
nvrtcResult nvrtcGetNumSupportedArchs(int *n) {
    *n = 0;
    for (int a : archs) *n += a <= envint("IPCF_EMU_NVRTC_MAX", 90);
    return 0;
}
nvrtcResult nvrtcGetSupportedArchs(int *out) {
    for (int a : archs)
        if (a <= envint("IPCF_EMU_NVRTC_MAX", 90)) *out++ = a;
    return 0;
}
nvrtcResult nvrtcCreateProgram(void **p, const char *src, const char *, int, const char *const *,
                               const char *const *) {
    *p = new Prog{src, "", ""};
    return 0;
}
nvrtcResult nvrtcCompileProgram(void *p, int n, const char *const *opts) {
    Prog *g = (Prog *)p;
    for (int k = 0; k < n; k++) {
        logf_("nvrtc option %s", opts[k]);
        if (!strncmp(opts[k], "--gpu-architecture=", 19)) g->arch = opts[k] + 19;
    }
    int a = 0;
    if (sscanf(g->arch.c_str(), "%*[a-z]_%d", &a) != 1 || a > envint("IPCF_EMU_NVRTC_MAX", 90)) {
        g->log = "nvrtc: error: invalid value for --gpu-architecture (-arch) (emulated)";
        return NVRTC_ERROR_INVALID_OPTION;
    }
    if (fail("compile")) {
        g->log = "ipcf_kernels.cu(1): error: emulated compilation failure";
        return NVRTC_ERROR_COMPILATION;
    }
    if (g->src != emu_source) {
        g->log = "the kernel source differs from the one built into the emulator: rebuild it (make cuda-emu)";
        return NVRTC_ERROR_COMPILATION;
    }
    return 0;
}
static std::string image(Prog *g, bool cubin) {
    return std::string("IPCFEMU ") + (cubin ? "CUBIN " : "PTX ") + g->arch;
}
nvrtcResult nvrtcGetPTXSize(void *p, size_t *n) { *n = image((Prog *)p, false).size() + 1; return 0; }
nvrtcResult nvrtcGetPTX(void *p, char *s) { strcpy(s, image((Prog *)p, false).c_str()); return 0; }
nvrtcResult nvrtcGetCUBINSize(void *p, size_t *n) {
    Prog *g = (Prog *)p;
    if (g->arch.compare(0, 3, "sm_")) return NVRTC_ERROR_INVALID_INPUT; // PTX-only compilation
    *n = image(g, true).size() + 1;
    return 0;
}
nvrtcResult nvrtcGetCUBIN(void *p, char *s) { strcpy(s, image((Prog *)p, true).c_str()); return 0; }
nvrtcResult nvrtcGetProgramLogSize(void *p, size_t *n) { *n = ((Prog *)p)->log.size() + 1; return 0; }
nvrtcResult nvrtcGetProgramLog(void *p, char *s) { strcpy(s, ((Prog *)p)->log.c_str()); return 0; }
nvrtcResult nvrtcDestroyProgram(void **p) {
    delete (Prog *)*p;
    *p = 0;
    return 0;
}

// ---- cuFFT (FFTW) ----------------------------------------------------
typedef int cufftResult;
enum { CUFFT_INVALID_PLAN = 1, CUFFT_INVALID_TYPE = 4, CUFFT_EXEC_FAILED = 6, CUFFT_INVALID_VALUE = 4 };
enum { CUFFT_R2C = 0x2a, CUFFT_C2R = 0x2c };
struct Plan {
    int type;
    long long n, idist, odist, batch;
    fftwf_plan p;
    void *stream;
};
static std::vector<Plan *> plans(1);

cufftResult cufftCreate(int *h) {
    LOCK;
    plans.push_back(new Plan{0, 0, 0, 0, 0, 0, 0});
    *h = (int)plans.size() - 1;
    return 0;
}
static cufftResult make(int h, int rank, long long n, long long istride, long long idist, long long ostride,
                        long long odist, int type, long long batch) {
    LOCK;
    if (h <= 0 || h >= (int)plans.size() || !plans[h]) return CUFFT_INVALID_PLAN;
    if (rank != 1 || istride != 1 || ostride != 1 || n < 1 || batch < 1 || batch > 0x7fffffff || n > 0x7fffffff)
        return CUFFT_INVALID_VALUE;
    if (type != CUFFT_R2C && type != CUFFT_C2R) return CUFFT_INVALID_TYPE;
    Plan *p = plans[h];
    *p = Plan{type, n, idist, odist, batch, 0, 0};
    // Planned on small scratch arrays (FFTW_ESTIMATE reads and writes
    // nothing; only their alignment and distinctness count) and run
    // with fftwf_execute_dft_*: FFTW_UNALIGNED allows any device pointer.
    long long rs = (type == CUFFT_R2C ? idist : odist), cs = (type == CUFFT_R2C ? odist : idist);
    float *r = fftwf_alloc_real(rs);
    fftwf_complex *c = fftwf_alloc_complex(cs);
    int nn = (int)n;
    unsigned fl = FFTW_ESTIMATE | FFTW_UNALIGNED;
    int nbatch = (int)batch;
    p->p = type == CUFFT_R2C ? fftwf_plan_many_dft_r2c(1, &nn, nbatch, r, 0, 1, (int)idist, c, 0, 1, (int)odist, fl)
                             : fftwf_plan_many_dft_c2r(1, &nn, nbatch, c, 0, 1, (int)idist, r, 0, 1, (int)odist, fl);
    fftwf_free(r);
    fftwf_free(c);
    logf_("plan %s %lld %lld", type == CUFFT_R2C ? "r2c" : "c2r", n, batch);
    return p->p ? 0 : CUFFT_INVALID_VALUE;
}
cufftResult cufftMakePlanMany64(int h, int rank, long long *n, long long *, long long istride, long long idist,
                                long long *, long long ostride, long long odist, int type, long long batch,
                                size_t *work) {
    if (work) *work = 0;
    return make(h, rank, n[0], istride, idist, ostride, odist, type, batch);
}
cufftResult cufftPlanMany(int *h, int rank, int *n, int *, int istride, int idist, int *, int ostride, int odist,
                          int type, int batch) {
    cufftCreate(h);
    return make(*h, rank, n[0], istride, idist, ostride, odist, type, batch);
}
static Plan *get(int h, int type) {
    return h > 0 && h < (int)plans.size() && plans[h] && plans[h]->p && plans[h]->type == type ? plans[h] : 0;
}
cufftResult cufftExecR2C(int h, float *in, void *out) {
    LOCK;
    Plan *p = get(h, CUFFT_R2C);
    if (!p) return CUFFT_INVALID_PLAN;
    ordered(stream(p->stream));
    if (fail("fft")) return CUFFT_EXEC_FAILED;
    fftwf_execute_dft_r2c(p->p, in, (fftwf_complex *)out);
    return 0;
}
cufftResult cufftExecC2R(int h, void *in, float *out) {
    LOCK;
    Plan *p = get(h, CUFFT_C2R);
    if (!p) return CUFFT_INVALID_PLAN;
    ordered(stream(p->stream));
    if (fail("fft")) return CUFFT_EXEC_FAILED;
    fftwf_execute_dft_c2r(p->p, (fftwf_complex *)in, out);
    return 0;
}
cufftResult cufftSetStream(int h, void *s) {
    LOCK;
    if (h <= 0 || h >= (int)plans.size() || !plans[h]) return CUFFT_INVALID_PLAN;
    plans[h]->stream = s;
    return 0;
}
cufftResult cufftDestroy(int h) {
    LOCK;
    if (h <= 0 || h >= (int)plans.size() || !plans[h]) return CUFFT_INVALID_PLAN;
    if (plans[h]->p) fftwf_destroy_plan(plans[h]->p);
    delete plans[h];
    plans[h] = 0;
    return 0;
}
} // extern "C"
