/* Bad input never crashes, hangs or quietly gives a wrong number: a table of
 * refused calls, each with the exact status and a message that names the
 * argument, each under alarm(). Built with -fsanitize=address,undefined by
 * `make test-c`. Prints PASS. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipcf.h"

/* Run bare (not from make, whose LSAN_OPTIONS name tests/c/lsan.supp),
 * LeakSanitizer would report the library's process-lifetime allocations:
 * the same suppressions, built in. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:fftwf_malloc_plain\nleak:_Cfunc__Cmalloc\n"; }

static int failures, cases;
static const char *current = "";
static char tmpdir[256];

static void on_alarm(int sig) {
    (void)sig;
    static const char m[] = "FAIL: timeout (a hang) in case ";
    ssize_t r = write(2, m, sizeof m - 1);
    r = write(2, current, strlen(current));
    r = write(2, "\n", 1);
    (void)r;
    _exit(3);
}

/* expect: status want and every '|'-separated word of msg in the message. */
static void expect(const char *name, ipcf_status got, ipcf_status want, const char *msg) {
    cases++;
    const char *e = ipcf_last_error();
    int ok = got == want;
    char words[256];
    snprintf(words, sizeof words, "%s", msg ? msg : "");
    for (char *w = strtok(words, "|"); ok && w; w = strtok(NULL, "|"))
        if (!strstr(e, w)) ok = 0;
    if (!ok) {
        failures++;
        fprintf(stderr, "FAIL %s: status %d (%s), want %d (%s); message %s, want words \"%s\"\n", name, got,
                ipcf_status_string(got), want, ipcf_status_string(want), e, msg ? msg : "");
    }
}

/* ------------------------------------------------- unwritable structs */

/* The initialisers return nothing: given a struct in memory they cannot
 * write (read-only, unmapped, or reaching from a writable page into a
 * read-only one) they leave it as it is and say so in ipcf_last_error,
 * never end the host (their plain write did, with SIGSEGV: every stop's
 * note since stop 52). In a forked child too (the initialisers' own C
 * path). Returns the number of failures. */
static int unwritable_inits(int in_child) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); return 1; }
    memset(m, 0x5a, 3 * pg);
    mprotect(m + pg, pg, PROT_READ);  /* page 1 read-only */
    mprotect(m + 2 * pg, pg, PROT_NONE); /* page 2 unmapped to the library */
    struct { const char *what; char *p; } at[] = {
        {"read-only", m + pg + 64},
        {"unreadable", m + 2 * pg + 64},
        {"writable, then read-only", m + pg - 8}, /* struct_size and a field writable, the rest not */
    };
    int bad = 0;
#define UNWRITABLE(fn, type)                                                                           \
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {                                           \
        char before[sizeof(type)];                                                                    \
        int readable = at[i].p < m + 2 * pg && at[i].p + sizeof(type) <= m + 2 * pg;                   \
        if (readable) memcpy(before, at[i].p, sizeof before);                                         \
        fn((type *)(void *)at[i].p);                                                                  \
        const char *e_ = ipcf_last_error();                                                           \
        cases++;                                                                                      \
        if (!strstr(e_, #fn) || !strstr(e_, "cannot be written") || !strstr(e_, "left as it was") ||  \
            (readable && memcmp(before, at[i].p, sizeof before) != 0)) {                              \
            fprintf(stderr, "FAIL%s %s into %s memory: message %s%s\n", in_child ? " (child)" : "", #fn,   \
                    at[i].what, e_, readable && memcmp(before, at[i].p, sizeof before) ? ", struct changed" : ""); \
            bad++;                                                                                    \
        }                                                                                             \
    }
    UNWRITABLE(ipcf_array_init, ipcf_array)
    UNWRITABLE(ipcf_pcf_options_init, ipcf_pcf_options)
    UNWRITABLE(ipcf_bleach_options_init, ipcf_bleach_options)
    UNWRITABLE(ipcf_simulate_options_init, ipcf_simulate_options)
    UNWRITABLE(ipcf_source_options_init, ipcf_source_options)
    UNWRITABLE(ipcf_job_options_init, ipcf_job_options)
    UNWRITABLE(ipcf_fit_options_init, ipcf_fit_options)
#undef UNWRITABLE
    /* a writable struct beside them is still filled */
    ipcf_pcf_options *o = (ipcf_pcf_options *)(void *)(m + 64);
    ipcf_pcf_options_init(o);
    ipcf_array *a = (ipcf_array *)(void *)(m + pg - 8 - sizeof *a);
    ipcf_array_init(a);
    cases++;
    if (o->struct_size != sizeof *o || a->struct_size != sizeof *a || a->ndim != 0) {
        fprintf(stderr, "FAIL%s initialisers of writable structs: struct_size %u and %u\n", in_child ? " (child)" : "",
                o->struct_size, a->struct_size);
        bad++;
    }
    munmap(m, 3 * pg);
    return bad;
}

static void test_unwritable_structs(void) {
    current = "unwritable structs";
    alarm(30);
    failures += unwritable_inits(0);
    alarm(0);
}

/* ------------------------------------------------------------------ fork */

/* In a forked child every Go-backed call must return IPCF_E_FORKED at once
 * (no hang), with a message that names the function and the cause; the
 * C-only calls keep working. Exit code 0 means all held. */
static int child_checks(void) {
    alarm(10);
    int bad = 0;
#define CHILD(expr, fn)                                                                      \
    do {                                                                                     \
        ipcf_status s_ = (expr);                                                             \
        const char *e_ = ipcf_last_error();                                                  \
        if (s_ != IPCF_E_FORKED || !strstr(e_, fn) || !strstr(e_, "after fork()") ||         \
            !strstr(e_, "Go runtime does not survive fork")) {                               \
            fprintf(stderr, "FAIL child %s: status %d, message %s\n", fn, s_, e_);           \
            bad++;                                                                           \
        }                                                                                    \
    } while (0)
    int32_t uv[8];
    CHILD(ipcf_circle(3, 4, uv, 8), "ipcf_circle");
    ipcf_token t = 0;
    CHILD(ipcf_token_create(&t), "ipcf_token_create");
    uint16_t px[4 * 4 * 4] = {0};
    float res[1];
    int64_t sh3[3] = {4, 4, 4}, sh4[4] = {1, 1, 1, 1};
    ipcf_array in, out;
    ipcf_array_init(&in);
    in.dtype = IPCF_DTYPE_UINT16; in.ndim = 3; in.data = px;
    for (int i = 0; i < 3; i++) in.shape[i] = sh3[i];
    in.strides[0] = 32; in.strides[1] = 8; in.strides[2] = 2;
    CHILD(ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, sh4, res), "ipcf_array_init_contiguous");
    CHILD(ipcf_pcf_compute(&in, NULL, &out), "ipcf_pcf_compute");
    CHILD(ipcf_pcf_file("/nonexistent.npy", NULL, "/tmp/x.npy", NULL, NULL, NULL), "ipcf_pcf_file");
    char buf[64];
    CHILD(ipcf_devices(buf, sizeof buf), "ipcf_devices");
    CHILD(ipcf_last_device_note(buf, sizeof buf), "ipcf_last_device_note");
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    if (o.struct_size != sizeof o || !strstr(ipcf_last_error(), "ipcf_pcf_options_init")) {
        fprintf(stderr, "FAIL child ipcf_pcf_options_init: struct_size %u, message %s\n", o.struct_size, ipcf_last_error());
        bad++;
    }
    /* C-only functions answer. */
    if (ipcf_version_number() != IPCF_VERSION_NUMBER || strncmp(ipcf_version_string(), "0.", 2) != 0 ||
        ipcf_array_struct_size() != sizeof(ipcf_array) || strcmp(ipcf_status_string(IPCF_E_FORKED), "called after fork") != 0) {
        fprintf(stderr, "FAIL child: constants\n");
        bad++;
    }
#undef CHILD
    bad += unwritable_inits(1);
    return bad ? 1 : 0;
}

/* raw: the child is made by the fork system call itself, as _Fork() does,
 * without glibc's fork handlers (pthread_atfork): the library tells it by
 * its process id. */
static void test_fork_with(int raw) {
    current = raw ? "raw fork" : "fork";
    /* The parent has used the library (the Go runtime runs). */
    int32_t uv[8];
    expect("fork: parent before", ipcf_circle(3, 4, uv, 8), IPCF_OK, NULL);
    fflush(NULL);
#ifdef SYS_fork
    pid_t pid = raw ? (pid_t)syscall(SYS_fork) : fork();
#else /* (arm64 has clone only; its argument order differs on some others) */
    pid_t pid = raw ? (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) : fork();
#endif
    if (pid < 0) { perror("fork"); failures++; return; }
    if (pid == 0) _exit(child_checks());
    int ws = 0;
    alarm(20);
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    alarm(0);
    cases++;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        failures++;
        fprintf(stderr, "FAIL fork: child %s %d\n", WIFEXITED(ws) ? "exited" : "killed by signal",
                WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
    }
    /* The parent still works. */
    expect("fork: parent after", ipcf_circle(3, 4, uv, 8), IPCF_OK, NULL);
}

static void test_fork(void) {
    test_fork_with(0);
    test_fork_with(1);
}

/* ------------------------------------------------------------ fixtures */

enum { T = 16, H = 12, W = 12 };
static uint16_t px[T * H * W];
static uint8_t maskpx[H * W];
static float *res;
static size_t res_n;
static int64_t oshape[4];
static uint16_t bres[T * H * W];
static double va[8], vb[8], vc[8];
static int32_t img[16], ker[9], cres[64];
static float cresf[64];
static double cresd[64];
static uint16_t sim[4 * 8 * 8];
static uint16_t px2[T * H * W];   /* a second channel */
static int32_t offs[8];           /* four offsets that reach as far as the circle */
static double delays[64];

static ipcf_array D, D2, OUT, M, BOUT, A, B, C, IMG, KER, COUT, SOUT;
static ipcf_pcf_options O;
static ipcf_bleach_options BO;
static ipcf_simulate_options SO;
static ipcf_source_options SRC;
static ipcf_job_options JOB;
static ipcf_job_summary SUM;
static char fifo[300], folder[300], output[300], missing[300];
static int gpu0; /* a CUDA device 0 is usable (asked of the library in setup) */

static void contiguous(ipcf_array *a, uint32_t dtype, uint32_t ndim, int64_t s0, int64_t s1, int64_t s2, int64_t s3, void *p) {
    int64_t sh[4] = {s0, s1, s2, s3};
    if (ipcf_array_init_contiguous(a, dtype, ndim, sh, p) != IPCF_OK) {
        fprintf(stderr, "FAIL fixture: %s\n", ipcf_last_error());
        exit(1);
    }
}

/* reset: every descriptor and option valid again, before each case. */
static void reset(void) {
    contiguous(&D, IPCF_DTYPE_UINT16, 3, T, H, W, 0, px);
    ipcf_pcf_options_init(&O);
    O.radius = 2; O.npoints = 4; O.nbins = 4; O.threads = 1; O.device = IPCF_DEVICE_CPU;
    contiguous(&OUT, IPCF_DTYPE_FLOAT32, 4, oshape[0], oshape[1], oshape[2], oshape[3], res);
    contiguous(&D2, IPCF_DTYPE_UINT16, 3, T, H, W, 0, px2);
    static const int32_t uv[8] = {2, 0, 0, 2, -2, 0, 0, -2};
    memcpy(offs, uv, sizeof offs);
    contiguous(&M, IPCF_DTYPE_UINT8, 2, H, W, 0, 0, maskpx);
    ipcf_bleach_options_init(&BO);
    BO.filtersize = 2; BO.threads = 1;
    contiguous(&BOUT, IPCF_DTYPE_UINT16, 3, T - 4, H, W, 0, bres);
    contiguous(&A, IPCF_DTYPE_FLOAT64, 1, 8, 0, 0, 0, va);
    contiguous(&B, IPCF_DTYPE_FLOAT64, 1, 8, 0, 0, 0, vb);
    contiguous(&C, IPCF_DTYPE_FLOAT64, 1, 4, 0, 0, 0, vc);
    contiguous(&IMG, IPCF_DTYPE_INT32, 2, 4, 4, 0, 0, img);
    contiguous(&KER, IPCF_DTYPE_INT32, 2, 3, 3, 0, 0, ker);
    contiguous(&COUT, IPCF_DTYPE_INT32, 2, 6, 6, 0, 0, cres);
    ipcf_simulate_options_init(&SO);
    SO.frames = 4; SO.size = 8; SO.particles = 5; SO.threads = 1;
    contiguous(&SOUT, IPCF_DTYPE_UINT16, 3, 4, 8, 8, 0, sim);
    ipcf_source_options_init(&SRC);
    ipcf_job_options_init(&JOB);
    memset(&SUM, 0, sizeof SUM);
    SUM.struct_size = sizeof SUM;
    for (int i = 0; i < 16; i++) img[i] = i + 1;
    for (int i = 0; i < 9; i++) ker[i] = (i % 3) - 1;
}

static void setup(void) {
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof px / sizeof px[0]; i++) {
        x = x * 1664525u + 1013904223u;
        px[i] = (uint16_t)(1 + (x >> 24));
        px2[i] = (uint16_t)(3 + (x >> 25));
    }
    memset(maskpx, 1, sizeof maskpx);
    for (int i = 0; i < 8; i++) { va[i] = 1 + i % 3; vb[i] = 2 + i % 2; }
    reset();
    if (ipcf_pcf_output_shape(&D, &O, oshape) != IPCF_OK) {
        fprintf(stderr, "FAIL fixture: %s\n", ipcf_last_error());
        exit(1);
    }
    res_n = (size_t)(oshape[0] + 1) * oshape[1] * oshape[2] * oshape[3];
    res = calloc(res_n, sizeof *res);
    snprintf(fifo, sizeof fifo, "%s/fifo.npy", tmpdir);
    snprintf(folder, sizeof folder, "%s/folder", tmpdir);
    snprintf(output, sizeof output, "%s/out.npy", tmpdir);
    snprintf(missing, sizeof missing, "%s/missing.npy", tmpdir);
    if (mkfifo(fifo, 0600) != 0 || mkdir(folder, 0700) != 0) { perror("mkfifo/mkdir"); exit(1); }
    /* Is a CUDA device 0 usable (a GPU, or IPCF_CUDA_LIBDIR naming the
     * emulated one)? A plain pCF on device 0 says so: IPCF_OK, or
     * IPCF_E_NO_DEVICE where none is (ipcf_devices lists a usable one). */
    reset();
    O.device = 0;
    ipcf_status st = ipcf_pcf_compute(&D, &O, &OUT);
    char devs[4096] = "";
    if ((st != IPCF_OK && st != IPCF_E_NO_DEVICE) || ipcf_devices(devs, sizeof devs) != IPCF_OK ||
        (st == IPCF_OK && strncmp(devs, "cuda:0 ", 7) != 0)) {
        fprintf(stderr, "FAIL fixture: device 0: status %d (%s), ipcf_devices \"%s\"\n", st, ipcf_last_error(), devs);
        exit(1);
    }
    gpu0 = st == IPCF_OK;
    reset();
}

/* CASE: one row of the table: reset the fixtures, run expr (a comma
 * expression that first breaks one thing, then calls) under alarm(10),
 * and check the status and the message's words. */
#define CASE(name, want, words, expr)            \
    do {                                         \
        reset();                                 \
        current = name;                          \
        alarm(10);                               \
        ipcf_status st_ = (expr);                \
        alarm(0);                                \
        expect(name, st_, want, words);          \
    } while (0)

#define INV IPCF_E_INVALID_ARGUMENT
#define LAY IPCF_E_UNSUPPORTED_LAYOUT
#define SMALL IPCF_E_BUFFER_TOO_SMALL

static ipcf_status pcf(void) { return ipcf_pcf_compute(&D, &O, &OUT); }
static ipcf_status bleach(void) { return ipcf_correct_bleaching(&D, &BO, &BOUT); }
static ipcf_status corr(int32_t mode) { return ipcf_correlate(&A, &B, mode, &C); }
static ipcf_status conv(void) { return ipcf_convolve2d(&IMG, &KER, &COUT); }
static ipcf_status simulate(void) { return ipcf_simulate(&SO, &SOUT); }
static ipcf_status file(const char *in, const char *out) { return ipcf_pcf_file(in, &SRC, out, &O, &JOB, &SUM); }
static ipcf_status shape(void) { int64_t s[4]; return ipcf_pcf_output_shape(&D, &O, s); }
static ipcf_status pdelays(size_t cap, size_t *count) { return ipcf_pcf_delays(&D, &O, delays, cap, count); }
static ipcf_status offsets(int32_t kind, int32_t radius, int32_t npoints, int32_t *uv, size_t cap, size_t *count) {
    return ipcf_offsets(kind, radius, npoints, uv, cap, count);
}

/* The toolkit options (Since 0.3): each field out of its range is
 * IPCF_E_INVALID_ARGUMENT naming the field, before any work; the offsets
 * (four, reaching 2 like the fixture's circle) keep the output shape. */
static void test_toolkit(void) {
    size_t count = 0;
    int32_t uv[64];
#define OFFS (O.offsets = offs, O.noffsets = 4)
#define TWO (O.data2 = &D2)
    /* sanity: valid toolkit calls */
    CASE("valid offsets", IPCF_OK, NULL, (OFFS, pcf()));
    CASE("valid toolkit", IPCF_OK, NULL, (OFFS, TWO, O.output = IPCF_OUTPUT_DELTA, O.smooth = 0.5, O.threshold = 3, pcf()));
    CASE("valid data2 = data", IPCF_OK, NULL, (O.data2 = &D, pcf()));
    CASE("valid linear bins", IPCF_OK, NULL, (O.bins = IPCF_BINS_LINEAR, pcf()));
    CASE("valid smooth 0", IPCF_OK, NULL, (O.smooth = 0, pcf()));
    CASE("valid threshold +1e300", IPCF_OK, NULL, (O.threshold = 1e300, pcf()));
    CASE("valid multitau delays", IPCF_OK, NULL, (O.bins = IPCF_BINS_MULTITAU, O.multitau_m = 2, pdelays(64, &count)));

    /* offsets and noffsets */
    CASE("noffsets 0 with offsets", INV, "ipcf_pcf_compute|options.noffsets=0|1..65536", (OFFS, O.noffsets = 0, pcf()));
    CASE("noffsets -1", INV, "options.noffsets=-1", (OFFS, O.noffsets = -1, pcf()));
    CASE("noffsets INT64_MIN", INV, "options.noffsets=-9223372036854775808", (OFFS, O.noffsets = INT64_MIN, pcf()));
    CASE("noffsets 65537", INV, "options.noffsets=65537", (OFFS, O.noffsets = 65537, pcf()));
    CASE("noffsets INT64_MAX", INV, "options.noffsets=9223372036854775807", (OFFS, O.noffsets = INT64_MAX, pcf()));
    CASE("offsets NULL, noffsets 3", INV, "options.offsets is NULL|noffsets=3", (O.noffsets = 3, pcf()));
    CASE("offsets NULL, noffsets -1", INV, "options.offsets is NULL|noffsets=-1", (O.noffsets = -1, pcf()));
    CASE("offsets too far", INV, "offsets reach|6 columns|too far", (OFFS, offs[0] = 6, pcf()));
    CASE("offsets too far (rows)", INV, "offsets reach 7 rows|too far", (OFFS, offs[7] = -7, pcf()));
    CASE("offsets too far, output_shape", INV, "ipcf_pcf_output_shape|offsets reach", (OFFS, offs[2] = -1, offs[3] = 6, shape()));
    CASE("offset beyond 2^20", INV, "options.offsets|offset 1|(0, 2097152)", (OFFS, offs[3] = 1 << 21, pcf()));
    CASE("offset INT32_MIN", INV, "options.offsets|offset 0", (OFFS, offs[0] = INT32_MIN, pcf()));
    CASE("noffsets 0, output_shape", INV, "ipcf_pcf_output_shape|options.noffsets=0", (OFFS, O.noffsets = 0, shape()));
    CASE("noffsets 65537, delays", INV, "ipcf_pcf_delays|options.noffsets=65537", (OFFS, O.noffsets = 65537, pdelays(64, &count)));

    /* bins, multitau_m, smooth, threshold, output */
    CASE("bins 3", INV, "options.bins=3", (O.bins = 3, pcf()));
    CASE("bins -1", INV, "options.bins=-1", (O.bins = -1, pcf()));
    CASE("bins INT32_MAX, output_shape", INV, "ipcf_pcf_output_shape|options.bins=2147483647", (O.bins = INT32_MAX, shape()));
    CASE("multitau_m 3", INV, "options.multitau_m=3|even", (O.bins = IPCF_BINS_MULTITAU, O.multitau_m = 3, pcf()));
    CASE("multitau_m 0", INV, "options.multitau_m=0", (O.bins = IPCF_BINS_MULTITAU, O.multitau_m = 0, pcf()));
    CASE("multitau_m -2", INV, "options.multitau_m=-2", (O.bins = IPCF_BINS_MULTITAU, O.multitau_m = -2, pcf()));
    CASE("multitau_m INT32_MIN", INV, "options.multitau_m=-2147483648", (O.bins = IPCF_BINS_MULTITAU, O.multitau_m = INT32_MIN, pcf()));
    /* fields the mode does not use are still checked against their ranges */
    CASE("offsets with radius -5", INV, "options.radius=-5", (OFFS, O.radius = -5, pcf()));
    CASE("offsets with npoints INT32_MIN, output_shape", INV, "options.npoints=-2147483648",
         (OFFS, O.npoints = INT32_MIN, shape()));
    CASE("multitau with nbins 1", INV, "options.nbins=1", (O.bins = IPCF_BINS_MULTITAU, O.nbins = 1, pcf()));
    CASE("multitau with nbins 65537", INV, "options.nbins=65537", (O.bins = IPCF_BINS_MULTITAU, O.nbins = 65537, pcf()));
    CASE("multitau with nbins -7, delays", INV, "options.nbins=-7",
         (O.bins = IPCF_BINS_MULTITAU, O.nbins = -7, pdelays(64, &count)));
    CASE("multitau_m 8192", INV, "options.multitau_m=8192", (O.bins = IPCF_BINS_MULTITAU, O.multitau_m = 8192, pcf()));
    CASE("multitau_m 1, delays", INV, "ipcf_pcf_delays|options.multitau_m=1", (O.bins = IPCF_BINS_MULTITAU, O.multitau_m = 1, pdelays(64, &count)));
    CASE("multitau_m 0 with log bins", INV, "options.multitau_m=0", (O.multitau_m = 0, pcf()));
    CASE("smooth -0.1", INV, "options.smooth=-0.1", (O.smooth = -0.1, pcf()));
    CASE("smooth 1", INV, "options.smooth=1|smooth < 1", (O.smooth = 1, pcf()));
    CASE("smooth NaN", INV, "options.smooth=NaN", (O.smooth = NAN, pcf()));
    CASE("smooth +Inf", INV, "options.smooth=+Inf", (O.smooth = INFINITY, pcf()));
    CASE("smooth -Inf", INV, "options.smooth=-Inf", (O.smooth = -INFINITY, pcf()));
    CASE("smooth NaN, output_shape", INV, "ipcf_pcf_output_shape|options.smooth=NaN", (O.smooth = NAN, shape()));
    CASE("threshold NaN", INV, "options.threshold=NaN", (O.threshold = NAN, pcf()));
    CASE("threshold NaN, delays", INV, "ipcf_pcf_delays|options.threshold=NaN", (O.threshold = NAN, pdelays(64, &count)));
    CASE("threshold +Inf", INV, "options.threshold=+Inf|finite", (O.threshold = INFINITY, pcf()));
    CASE("output 2", INV, "options.output=2", (O.output = 2, pcf()));
    CASE("output -1", INV, "options.output=-1", (O.output = -1, pcf()));

    /* data2: another shape, dtype or ndim; overlapping out; a bad descriptor */
    CASE("data2 narrower", INV, "options.data2 shape [16 12 11]|want [16 12 12]", (TWO, D2.shape[2] = W - 1, pcf()));
    CASE("data2 fewer frames", INV, "options.data2 shape [15 12 12]", (TWO, D2.shape[0] = T - 1, pcf()));
    CASE("data2 narrower, output_shape", INV, "ipcf_pcf_output_shape|options.data2 shape", (TWO, D2.shape[2] = W - 1, shape()));
    CASE("data2 uint8", INV, "options.data2 dtype uint8|want uint16", (TWO, D2.dtype = IPCF_DTYPE_UINT8, pcf()));
    CASE("data2 float32", INV, "options.data2 dtype float32", (TWO, contiguous(&D2, IPCF_DTYPE_FLOAT32, 3, T, H, W / 2, 0, px2),
                                                             D2.strides[2] = 2, D2.shape[2] = W, pcf()));
    CASE("data2 2-D", INV, "options.data2 shape [16 12]", (TWO, D2.ndim = 2, pcf()));
    CASE("data2 4-D", INV, "options.data2 shape [16 12 12 1]", (TWO, D2.ndim = 4, D2.shape[3] = 1, D2.strides[3] = 2, pcf()));
    CASE("out overlaps data2", INV, "out overlaps an input", (TWO, OUT.data = px2, pcf()));
    /* the offsets are an input too (an output over them was taken: CAPI14's F5) */
    CASE("out overlaps offsets", INV, "out overlaps an input", (memcpy(OUT.data, offs, sizeof offs), O.offsets = (int32_t *)OUT.data, O.noffsets = 4, pcf()));
    CASE("data2 struct_size 0", INV, "options.data2.struct_size=0", (TWO, D2.struct_size = 0, pcf()));
    CASE("data2 ndim 0", INV, "options.data2.ndim=0", (TWO, D2.ndim = 0, pcf()));
    CASE("data2 dtype 99", LAY, "options.data2.dtype=99", (TWO, D2.dtype = 99, pcf()));
    CASE("data2 byte order 3", LAY, "options.data2.byte_order=3", (TWO, D2.byte_order = 3, pcf()));
    CASE("data2 data NULL", INV, "options.data2.data is NULL", (TWO, D2.data = NULL, pcf()));
    CASE("data2 negative shape", INV, "options.data2.shape[1]=-1", (TWO, D2.shape[1] = -1, pcf()));
    CASE("data2 huge stride", INV, "options.data2|strides[0]", (TWO, D2.strides[0] = INT64_MAX, pcf()));
    CASE("data2 struct_size, output_shape", INV, "ipcf_pcf_output_shape|options.data2.struct_size=0", (TWO, D2.struct_size = 0, shape()));

    /* device 0 (a CUDA ordinal) refuses the toolkit: IPCF_E_NO_DEVICE; a
     * list of offsets the GPU computes, where a CUDA device 0 is usable */
    CASE("device 0 with offsets", gpu0 ? IPCF_OK : IPCF_E_NO_DEVICE, gpu0 ? NULL : "ipcf_pcf_compute|cuda:0",
         (OFFS, O.device = 0, pcf()));
    CASE("device 0 with data2", IPCF_E_NO_DEVICE, "ipcf_pcf_compute|cuda:0", (TWO, O.device = 0, pcf()));

    /* ipcf_pcf_delays: NULL pointers, capacity */
    CASE("delays count NULL", INV, "ipcf_pcf_delays|count is NULL", pdelays(64, NULL));
    CASE("delays NULL", INV, "ipcf_pcf_delays|delays is NULL", ipcf_pcf_delays(&D, &O, NULL, 64, &count));
    CASE("delays data NULL", INV, "ipcf_pcf_delays|data is NULL", ipcf_pcf_delays(NULL, &O, delays, 64, &count));
    CASE("delays data 2-D", INV, "ipcf_pcf_delays|data.ndim=2", (D.ndim = 2, pdelays(64, &count)));
    CASE("delays data struct_size", INV, "ipcf_pcf_delays|data.struct_size=0", (D.struct_size = 0, pdelays(64, &count)));
    CASE("delays options struct_size 1", INV, "ipcf_pcf_delays|options.struct_size=1", (O.struct_size = 1, pdelays(64, &count)));
    CASE("delays token 999", IPCF_E_BAD_HANDLE, "ipcf_pcf_delays|token 999", (O.token = 999, pdelays(64, &count)));
    CASE("delays cap 3", SMALL, "ipcf_pcf_delays|cap=3|want 4", pdelays(3, &count));
    CASE("delays 3 frames", INV, "ipcf_pcf_delays|frames", (D.shape[0] = 3, pdelays(64, &count)));

    /* ipcf_offsets */
    CASE("offsets kind 3", INV, "ipcf_offsets|kind=3", offsets(3, 2, 4, uv, 32, &count));
    CASE("offsets kind -1", INV, "ipcf_offsets|kind=-1", offsets(-1, 2, 4, uv, 32, &count));
    CASE("offsets circle radius 0", INV, "ipcf_offsets|radius=0", offsets(IPCF_OFFSETS_CIRCLE, 0, 4, uv, 32, &count));
    CASE("offsets circle npoints -1", INV, "ipcf_offsets|npoints=-1", offsets(IPCF_OFFSETS_CIRCLE, 2, -1, uv, 32, &count));
    CASE("offsets disk radius -1", INV, "ipcf_offsets|radius=-1", offsets(IPCF_OFFSETS_DISK, -1, 4, uv, 32, &count));
    CASE("offsets disk radius 2^20", INV, "ipcf_offsets|radius=1048576", offsets(IPCF_OFFSETS_DISK, 1 << 20, 4, uv, 32, &count));
    CASE("offsets line radius 0", INV, "ipcf_offsets|radius=0", offsets(IPCF_OFFSETS_LINE, 0, 4, uv, 32, &count));
    CASE("offsets count NULL", INV, "ipcf_offsets|count is NULL", offsets(IPCF_OFFSETS_DISK, 2, 0, uv, 32, NULL));
    CASE("offsets uv NULL", INV, "ipcf_offsets|uv is NULL", offsets(IPCF_OFFSETS_DISK, 2, 0, NULL, 32, &count));
    CASE("offsets cap 11", SMALL, "ipcf_offsets|cap=11|want 12", offsets(IPCF_OFFSETS_DISK, 2, 0, uv, 11, &count));
    CASE("offsets line cap 0", SMALL, "ipcf_offsets|cap=0|want 6", offsets(IPCF_OFFSETS_LINE, 3, 0, uv, 0, &count));
    CASE("offsets cap SIZE_MAX", IPCF_OK, NULL, offsets(IPCF_OFFSETS_LINE, 3, 0, uv, SIZE_MAX, &count));
#undef OFFS
#undef TWO
}

static void test_correlate_same_exact(void);

static void test_table(void) {
    int32_t uv[64];
    int64_t bins[64], sh[4] = {2, -3, 1, 1}, big[2] = {INT64_C(1) << 40, INT64_C(1) << 40};
    size_t count = 0;
    ipcf_token tok = 0;
    char buf[2];
    ipcf_array tmp;

    /* sanity: the fixtures are valid */
    CASE("valid pcf_compute", IPCF_OK, NULL, pcf());
    CASE("valid correct_bleaching", IPCF_OK, NULL, bleach());
    CASE("valid correlate", IPCF_OK, NULL, corr(IPCF_CORR_CIRCULAR));
    CASE("valid convolve2d", IPCF_OK, NULL, conv());
    CASE("valid simulate", IPCF_OK, NULL, simulate());

    /* NULL pointers */
    CASE("null data", INV, "ipcf_pcf_compute|data is NULL", ipcf_pcf_compute(NULL, &O, &OUT));
    CASE("null out", INV, "ipcf_pcf_compute|out is NULL", ipcf_pcf_compute(&D, &O, NULL));
    CASE("null shape", INV, "ipcf_pcf_output_shape|shape is NULL", ipcf_pcf_output_shape(&D, &O, NULL));
    CASE("null output_shape data", INV, "data is NULL", ipcf_pcf_output_shape(NULL, &O, sh));
    CASE("null uv", INV, "ipcf_circle|uv is NULL", ipcf_circle(3, 4, NULL, 8));
    CASE("null count", INV, "ipcf_logbins|count is NULL", ipcf_logbins(100, 8, bins, 64, NULL));
    CASE("null bins", INV, "ipcf_logbins|bins is NULL", ipcf_logbins(100, 8, NULL, 64, &count));
    CASE("null token", INV, "ipcf_token_create|token is NULL", ipcf_token_create(NULL));
    CASE("null array", INV, "ipcf_array_init_contiguous|NULL", ipcf_array_init_contiguous(NULL, 1, 1, sh, px));
    CASE("null init shape", INV, "ipcf_array_init_contiguous|NULL", ipcf_array_init_contiguous(&tmp, 1, 1, NULL, px));
    CASE("null devices buf", INV, "ipcf_devices|buf", ipcf_devices(NULL, 10));
    CASE("null device note buf", INV, "ipcf_last_device_note|buf", ipcf_last_device_note(NULL, 10));
    {
        /* buffers below 64 KiB given with a length (a field of a NULL
         * struct): named, not IPCF_E_INTERNAL's "internal error" (the ABI
         * campaign); of length 0 they are not read */
        void *low = (void *)(uintptr_t)0x10;
        size_t cnt;
        int32_t np;
        CASE("devices buf at 0x10", INV, "ipcf_devices|buf is 0x10|below 64 KiB", ipcf_devices(low, 10));
        CASE("circle uv at 0x10", INV, "ipcf_circle|uv|below 64 KiB", ipcf_circle(2, 4, low, 8));
        CASE("offsets uv at 0x10", INV, "ipcf_offsets|uv|below 64 KiB", ipcf_offsets(IPCF_OFFSETS_CIRCLE, 2, 4, low, 8, &cnt));
        CASE("logbins bins at 0x10", INV, "ipcf_logbins|bins|below 64 KiB", ipcf_logbins(1024, 8, low, 8, &cnt));
        CASE("crc32c data at 0x10", INV, "ipcf_crc32c|data|below 64 KiB", ipcf_crc32c(low, 8, (uint32_t *)&np));
        CASE("crc32c data at 0x10, len 0", IPCF_OK, NULL, ipcf_crc32c(low, 0, (uint32_t *)&np));
        CASE("check_metadata text at 0x10", INV, "ipcf_check_metadata|text|below 64 KiB", ipcf_check_metadata(low, 8));
        CASE("fit_nparams names at 0x10", INV, "ipcf_fit_nparams|names|below 64 KiB", ipcf_fit_nparams(NULL, NULL, 0, &np, low, 8));
        ipcf_array lowa;
        int64_t one[1] = {4};
        float f4[4] = {0};
        ipcf_array_init_contiguous(&lowa, IPCF_DTYPE_FLOAT32, 1, one, f4);
        CASE("array_init_contiguous shape at 0x10", INV, "ipcf_array_init_contiguous|shape|below 64 KiB", ipcf_array_init_contiguous(&lowa, IPCF_DTYPE_FLOAT32, 1, low, f4));
        CASE("fit delays at 0x10", INV, "ipcf_fit|delays|below 64 KiB", ipcf_fit(&lowa, low, NULL, NULL, NULL, &lowa, NULL, NULL, NULL));
        CASE("fit offsets at 0x10", INV, "ipcf_fit|offsets|below 64 KiB", ipcf_fit(&lowa, (double *)f4, low, NULL, NULL, &lowa, NULL, NULL, NULL));
        /* the initialisers ignore such a struct, as NULL, and say so (they
         * aborted the host) */
        CASE("pcf_options_init at 0x10", INV, "ipcf_pcf_options_init|below 64 KiB",
             (ipcf_pcf_options_init(low), strstr(ipcf_last_error(), "ipcf_pcf_options_init") ? INV : IPCF_OK));
        CASE("fit_options_init at 0x10", INV, "ipcf_fit_options_init|below 64 KiB",
             (ipcf_fit_options_init(low), strstr(ipcf_last_error(), "ipcf_fit_options_init") ? INV : IPCF_OK));
        CASE("array_init at 0x10", INV, "ipcf_array_init|below 64 KiB",
             (ipcf_array_init(low), strstr(ipcf_last_error(), "ipcf_array_init") ? INV : IPCF_OK));
    }
    CASE("device note len 0", INV, "ipcf_last_device_note|len is 0", ipcf_last_device_note(buf, 0));
    {
        /* after a CPU computation the note says "cpu" */
        char note[256];
        CASE("valid pcf on the cpu", IPCF_OK, NULL, pcf());
        CASE("device note", IPCF_OK, NULL, ipcf_last_device_note(note, sizeof note));
        if (strcmp(note, "cpu") != 0) {
            fprintf(stderr, "FAIL device note after a CPU run: \"%s\", want \"cpu\"\n", note);
            exit(1);
        }
        CASE("device note len 2", SMALL, "ipcf_last_device_note|len=2|needs 4 bytes", ipcf_last_device_note(note, 2));
        if (strcmp(note, "c") != 0) {
            fprintf(stderr, "FAIL device note cut to len 2: \"%s\", want \"c\"\n", note);
            exit(1);
        }
    }
    CASE("null file input", INV, "ipcf_pcf_file|input", ipcf_pcf_file(NULL, NULL, output, NULL, NULL, NULL));
    CASE("null file output", INV, "ipcf_pcf_file|output", ipcf_pcf_file(missing, NULL, NULL, NULL, NULL, NULL));
    CASE("null simulate options", INV, "ipcf_simulate|options is NULL", ipcf_simulate(NULL, &SOUT));
    CASE("null data.data", INV, "data.data is NULL", (D.data = NULL, pcf()));
    CASE("null correlate a", INV, "ipcf_correlate|a is NULL", ipcf_correlate(NULL, &B, 0, &C));
    CASE("null kernel", INV, "ipcf_convolve2d|kernel is NULL", ipcf_convolve2d(&IMG, NULL, &COUT));
    CASE("null bleach out", INV, "ipcf_correct_bleaching|out is NULL", ipcf_correct_bleaching(&D, &BO, NULL));

    /* dtype and byte order codes */
    CASE("dtype 0", LAY, "data.dtype=0", (D.dtype = 0, pcf()));
    CASE("dtype 99", LAY, "data.dtype=99", (D.dtype = 99, pcf()));
    CASE("init dtype 7", LAY, "dtype=7", ipcf_array_init_contiguous(&tmp, 7, 1, sh, px));
    CASE("byte order 3", LAY, "data.byte_order=3", (D.byte_order = 3, pcf()));
    CASE("pcf out float64", LAY, "out.dtype=float64|float32", (OUT.dtype = IPCF_DTYPE_FLOAT64, pcf()));
    CASE("bleach out float32", LAY, "out.dtype=float32|integer", (BOUT.dtype = IPCF_DTYPE_FLOAT32, BOUT.strides[2] = 4,
                                                                  BOUT.strides[1] = 4 * W, BOUT.strides[0] = 4 * W * H, bleach()));
    CASE("correlate out int16", LAY, "out.dtype=int16", (C.dtype = IPCF_DTYPE_INT16, corr(0)));
    CASE("kernel dtype 12", LAY, "kernel.dtype=12", (KER.dtype = 12, conv()));

    /* ndim */
    CASE("ndim 0", INV, "data.ndim=0", (D.ndim = 0, pcf()));
    CASE("ndim 9", INV, "data.ndim=9", (D.ndim = 9, pcf()));
    CASE("ndim 2 for pcf", INV, "data.ndim=2|want 3", (D.ndim = 2, pcf()));
    CASE("init ndim 9", INV, "ndim=9", ipcf_array_init_contiguous(&tmp, 1, 9, sh, px));
    CASE("correlate a 2-D", INV, "a.ndim=2", (A.ndim = 2, A.shape[1] = 1, A.strides[1] = 8, corr(0)));
    CASE("convolve image 3-D", INV, "image.ndim=3", (IMG.ndim = 3, IMG.shape[2] = 1, IMG.strides[2] = 4, conv()));

    /* shapes and strides */
    CASE("negative shape", INV, "data.shape[1]=-1", (D.shape[1] = -1, pcf()));
    CASE("huge shape", INV, "data", (D.shape[0] = INT64_MAX, pcf()));
    CASE("huge stride", INV, "data|strides[0]", (D.strides[0] = INT64_MAX, pcf()));
    CASE("below address 0", INV, "data|address 0", (D.data = (void *)64, D.strides[0] = -4096, pcf()));
    CASE("beyond address space", INV, "a|address space", (A.shape[0] = big[0], A.strides[0] = big[1] >> 20, corr(0)));
    CASE("init negative shape", INV, "shape[1]=-3", ipcf_array_init_contiguous(&tmp, 1, 2, sh, px));
    CASE("init overflow", INV, "overflows", ipcf_array_init_contiguous(&tmp, 6, 2, big, px));
    CASE("logbins size -5", INV, "ipcf_logbins|size=-5", ipcf_logbins(-5, 8, bins, 64, &count));
    CASE("logbins size max", INV, "ipcf_logbins|size=", ipcf_logbins(INT64_MAX, 8, bins, 64, &count));
    CASE("output_shape negative", INV, "data.shape[2]=-7", (D.shape[2] = -7, ipcf_pcf_output_shape(&D, &O, sh)));

    /* aliasing outputs */
    CASE("out zero stride", INV, "out|alias", (OUT.strides[3] = 0, pcf()));
    CASE("out repeated stride", INV, "out|alias", (OUT.strides[2] = OUT.strides[3], pcf()));
    CASE("out overlaps data", INV, "out overlaps an input", (OUT.data = px, pcf()));
    CASE("out overlaps mask", INV, "out overlaps an input", (O.mask = &M, OUT.data = maskpx, pcf()));
    CASE("bleach out overlaps data", INV, "out overlaps an input", (BOUT.data = px, bleach()));
    CASE("bleach out zero stride", INV, "out|alias", (BOUT.strides[0] = 0, bleach()));
    CASE("correlate out overlaps a", INV, "out overlaps an input", (C.data = va, corr(0)));
    CASE("convolve out zero stride", INV, "out|alias", (COUT.strides[1] = 0, conv()));
    CASE("simulate out negative overlap", INV, "out|alias", (SOUT.strides[1] = -2, simulate()));

    /* wrong-shape outputs: one rule, IPCF_E_BUFFER_TOO_SMALL */
    CASE("pcf out smaller", SMALL, "out.shape[0]", (OUT.shape[0] -= 1, pcf()));
    CASE("pcf out larger", SMALL, "out.shape[0]", (OUT.shape[0] += 1, pcf()));
    CASE("pcf out 3-D", SMALL, "out.ndim=3", (OUT.ndim = 3, pcf()));
    CASE("bleach out wrong shape", SMALL, "out.shape[0]", (BOUT.shape[0] = T, bleach()));
    CASE("bleach out 2-D", SMALL, "out.ndim=2", (BOUT.ndim = 2, bleach()));
    CASE("correlate out larger", SMALL, "out.shape[0]=5|want 4", (C.shape[0] = 5, corr(IPCF_CORR_CIRCULAR)));
    CASE("correlate same out smaller", SMALL, "out.shape[0]=4|want 8", corr(IPCF_CORR_SAME));
    CASE("convolve out wrong shape", SMALL, "out.shape[1]=5|want 6", (COUT.shape[1] = 5, conv()));
    CASE("simulate out wrong shape", SMALL, "out.shape[2]=7|want 8", (SOUT.shape[2] = 7, simulate()));
    CASE("circle len too small", SMALL, "ipcf_circle|len=7", ipcf_circle(3, 4, uv, 7));
    CASE("circle len SIZE_MAX", IPCF_OK, NULL, ipcf_circle(3, 4, uv, SIZE_MAX));
    CASE("logbins cap too small", SMALL, "ipcf_logbins|cap=1", ipcf_logbins(100, 8, bins, 1, &count));
    CASE("devices len 1", SMALL, "ipcf_devices|len=1", ipcf_devices(buf, 1));

    /* integer options out of range */
    CASE("radius 0", INV, "radius=0", (O.radius = 0, pcf()));
    CASE("npoints -1", INV, "npoints=-1", (O.npoints = -1, pcf()));
    CASE("nbins 1", INV, "nbins=1", (O.nbins = 1, pcf()));
    CASE("threads -1", INV, "options.threads=-1", (O.threads = -1, pcf()));
    CASE("threads 2^30", INV, "options.threads=1073741824", (O.threads = 1 << 30, pcf()));
    CASE("bleach_mean 5", INV, "options.bleach_mean=5", (O.bleach_mean = 5, pcf()));
    CASE("device -3", INV, "options.device=-3", (O.device = -3, pcf()));
    CASE("radius larger than image", INV, "radius=7", (O.radius = 7, pcf()));
    CASE("circle npoints INT32_MAX", INV, "ipcf_circle|npoints=2147483647", ipcf_circle(3, INT32_MAX, uv, 64));
    CASE("logbins nbins 2^20", INV, "ipcf_logbins|nbins=1048576", ipcf_logbins(100, 1 << 20, bins, 64, &count));
    CASE("bleach filtersize 0", INV, "filtersize=0", (BO.filtersize = 0, bleach()));
    CASE("bleach filtersize max", INV, "filtersize=2147483647", (BO.filtersize = INT32_MAX, bleach()));
    CASE("bleach mean 9", INV, "mean=9", (BO.mean = 9, bleach()));
    CASE("bleach threads -2", INV, "options.threads=-2", (BO.threads = -2, bleach()));
    CASE("simulate frames 0", INV, "frames=0", (SO.frames = 0, simulate()));
    CASE("simulate size 2^20", INV, "size=1048576", (SO.size = 1 << 20, simulate()));
    CASE("simulate threads max", INV, "options.threads=2147483647", (SO.threads = INT32_MAX, simulate()));
    CASE("correlate mode 7", INV, "mode=7", corr(7));
    {
        /* Broadcast inputs (stride 0) of 2^29 samples: the output is real
         * memory (1 GiB, never touched: refused first), the work would
         * take ~64 GiB. Out of memory, not Go's fatal error. */
        float *big_out = calloc((size_t)1 << 28, sizeof(float));
        if (!big_out) { fprintf(stderr, "calloc 1 GiB failed\n"); exit(1); }
        CASE("correlate broadcast inputs beyond RAM", IPCF_E_OUT_OF_MEMORY, "the correlation",
             (A.shape[0] = B.shape[0] = INT64_C(1) << 29, A.strides[0] = B.strides[0] = 0,
              C.dtype = IPCF_DTYPE_FLOAT32, C.shape[0] = INT64_C(1) << 28, C.strides[0] = 4, C.data = big_out,
              corr(IPCF_CORR_CIRCULAR)));
        free(big_out);
    }
    CASE("job tile_rows -1", INV, "job.tile_rows=-1", (JOB.tile_rows = -1, file(missing, output)));
    CASE("job memory", INV, "the memory budget (job.memory; Memory, memory= in the hosts): size \"lots\"", (JOB.memory = "lots", file(missing, output)));
    /* strings of the file job's structs below 64 KiB (&p->field of a NULL p): named, not IPCF_E_INTERNAL */
    CASE("job scratch at 0x10", INV, "job.scratch is 0x10|below 64 KiB", (JOB.scratch = (const char *)(uintptr_t)0x10, file(missing, output)));
    CASE("source crop at 0x10", INV, "source.crop is 0x10|below 64 KiB", (SRC.crop = (const char *)(uintptr_t)0x10, file(missing, output)));
    /* "" is not NULL: mask="" ran without the mask, frames="" over every frame (APIS12's F2) */
    CASE("source mask \"\"", INV, "source.mask is \"\" (an empty string): give NULL for the default", (SRC.mask = "", file(missing, output)));
    CASE("source frames \"\"", INV, "source.frames is \"\"", (SRC.frames = "", file(missing, output)));
    CASE("source crop \"\"", INV, "source.crop is \"\"", (SRC.crop = "", file(missing, output)));
    CASE("source format \"\"", INV, "source.format is \"\"", (SRC.format = "", file(missing, output)));
    CASE("job memory \"\"", INV, "job.memory is \"\"", (JOB.memory = "", file(missing, output)));
    CASE("job scratch \"\"", INV, "job.scratch is \"\"", (JOB.scratch = "", file(missing, output)));
    CASE("job engine \"\"", INV, "job.engine is \"\"", (JOB.engine = "", file(missing, output)));
    /* an unknown format with a raw shape (READ16's minor: taken, read as raw) */
    CASE("source format bmp, raw", INV, "format \"bmp\"", (SRC.format = "bmp", SRC.raw_shape[0] = SRC.raw_shape[1] = SRC.raw_shape[2] = 4, file(missing, output)));
    CASE("raw_shape -1", INV, "source.raw_shape[0]=-1", (SRC.raw_shape[0] = -1, SRC.raw_shape[1] = SRC.raw_shape[2] = 4, file(missing, output)));
    CASE("raw_offset -1", INV, "source.raw_offset=-1", (SRC.raw_shape[0] = SRC.raw_shape[1] = SRC.raw_shape[2] = 4, SRC.raw_offset = -1, file(missing, output)));
    CASE("raw_dtype 42", LAY, "source.raw_dtype=42", (SRC.raw_shape[0] = SRC.raw_shape[1] = SRC.raw_shape[2] = 4, SRC.raw_dtype = 42, file(missing, output)));
    CASE("unknown token", IPCF_E_BAD_HANDLE, "ipcf_token_cancel|token 12345", ipcf_token_cancel(12345));
    CASE("options token 999", IPCF_E_BAD_HANDLE, "token 999", (O.token = 999, pcf()));
    CASE("destroyed token", IPCF_E_BAD_HANDLE, "ipcf_token_destroy",
         (ipcf_token_create(&tok), ipcf_token_destroy(tok), ipcf_token_destroy(tok)));

    /* struct_size */
    CASE("array struct_size 0", INV, "data.struct_size=0", (D.struct_size = 0, pcf()));
    CASE("array struct_size larger", INV, "data.struct_size=", (D.struct_size += 8, pcf()));
    CASE("output_shape struct_size", INV, "data.struct_size=3", (D.struct_size = 3, ipcf_pcf_output_shape(&D, &O, sh)));
    CASE("pcf options struct_size 2", INV, "options.struct_size=2", (O.struct_size = 2, pcf()));
    CASE("pcf options struct_size 4096", INV, "options.struct_size=4096", (O.struct_size = 4096, pcf()));
    CASE("bleach options struct_size", INV, "options.struct_size=65536", (BO.struct_size = 65536, bleach()));
    CASE("simulate options struct_size 0", INV, "options.struct_size=0", (SO.struct_size = 0, simulate()));
    /* a struct_size that ends inside frames: its default (32000) is used, not half of the caller's 4 */
    CASE("simulate options struct_size inside a field", SMALL, "32000",
         (SO.struct_size = offsetof(ipcf_simulate_options, frames) + 2, simulate()));
    /* a struct_size that holds offsets but ends before noffsets: refused, not the circle (CAPI14's M4) */
    CASE("pcf options struct_size without noffsets", INV, "holds offsets but not noffsets",
         (O.offsets = offs, O.struct_size = offsetof(ipcf_pcf_options, noffsets), pcf()));
    CASE("job struct_size", INV, "job.struct_size=1048576", (JOB.struct_size = 1 << 20, file(missing, output)));
    CASE("source struct_size 3", INV, "source.struct_size=3", (SRC.struct_size = 3, file(missing, output)));
    CASE("summary struct_size 2", INV, "summary.struct_size=2", (SUM.struct_size = 2, file(missing, output)));

    /* NaN and infinite floats */
    CASE("diffusion NaN", INV, "options.diffusion=NaN", (SO.diffusion = NAN, simulate()));
    CASE("bleach_tau +Inf", INV, "options.bleach_tau=+Inf", (SO.bleach_tau = INFINITY, simulate()));
    CASE("psf_sigma -Inf", INV, "options.psf_sigma=-Inf", (SO.psf_sigma = -INFINITY, simulate()));
    CASE("brightness NaN", INV, "options.brightness=NaN", (SO.brightness = NAN, simulate()));
    CASE("frame_interval NaN", INV, "job.frame_interval=NaN", (JOB.frame_interval = NAN, file(missing, output)));
    CASE("pixel_size +Inf", INV, "pixel_size=+Inf", (JOB.pixel_size = INFINITY, file(missing, output)));

    /* file paths: missing, a folder, special files; none may hang */
    CASE("file missing", IPCF_E_IO, "ipcf_pcf_file|missing.npy", file(missing, output));
    CASE("file empty folder", INV, "ipcf_pcf_file|folder", file(folder, output));
    CASE("file FIFO input", IPCF_E_IO, "ipcf_pcf_file|input|FIFO", file(fifo, output));
    CASE("file FIFO output", IPCF_E_IO, "ipcf_pcf_file|output|FIFO", file(missing, fifo));
    CASE("file device input", IPCF_E_IO, "ipcf_pcf_file|/dev/zero|device", file("/dev/zero", output));
    CASE("file empty input", INV, "ipcf_pcf_file|input is empty", file("", output));

    /* integer convolution never rounds into a float out */
    CASE("int32 into float32, exact", IPCF_OK, NULL,
         (contiguous(&COUT, IPCF_DTYPE_FLOAT32, 2, 6, 6, 0, 0, cresf), conv()));
    CASE("int32 into float32, not exact", INV, "out.dtype=float32|exactly",
         (img[5] = (1 << 24) + 1, contiguous(&COUT, IPCF_DTYPE_FLOAT32, 2, 6, 6, 0, 0, cresf), conv()));
    CASE("int32 into float64, exact", IPCF_OK, NULL,
         (img[5] = (1 << 24) + 1, contiguous(&COUT, IPCF_DTYPE_FLOAT64, 2, 6, 6, 0, 0, cresd), conv()));
    /* every value exact: a direct reference of h[x, y] = sum g[i, j] f[x-i, y-j] */
    for (int x = 0; x < 6; x++)
        for (int y = 0; y < 6; y++) {
            int64_t h = 0;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    if (x - a >= 0 && x - a < 4 && y - b >= 0 && y - b < 4) h += (int64_t)ker[a * 3 + b] * img[(x - a) * 4 + y - b];
            cases++;
            if (cresd[x * 6 + y] != (double)h) {
                failures++;
                fprintf(stderr, "FAIL convolve2d float64: h[%d, %d] = %.17g, want %lld\n", x, y, cresd[x * 6 + y], (long long)h);
            }
        }
    CASE("int32 into int16 out of range", INV, "int16",
         (img[5] = 1 << 20, contiguous(&COUT, IPCF_DTYPE_INT16, 2, 6, 6, 0, 0, cres), conv()));
    test_correlate_same_exact();
    test_toolkit();
}

/* ipcf_correlate(SAME), "exact" for integer samples: refused where the out
 * (or the float64 sums) could round a value; it returned rounded ones with
 * IPCF_OK (uint16 65535 * 65533 + 65535 into float32; int32 products near
 * 2^60 into float64: an Octave campaign). */
static ipcf_status corr_same(int32_t dt, const void *a, const void *b, int64_t n, int32_t odt, void *out) {
    ipcf_array A, B, O;
    ipcf_array_init_contiguous(&A, dt, 1, &n, (void *)a);
    ipcf_array_init_contiguous(&B, dt, 1, &n, (void *)b);
    ipcf_array_init_contiguous(&O, odt, 1, &n, out);
    return ipcf_correlate(&A, &B, IPCF_CORR_SAME, &O);
}

static void test_correlate_same_exact(void) {
    static const uint16_t a16[2] = {65535, 65535}, b16[2] = {65533, 1}, s16[2] = {2000, 2000};
    static const int32_t a32[3] = {1073741825, 1073741827, -1073741817}, b32[3] = {1073741823, 1073741829, 1073741833};
    float f[3];
    double d[3];
    CASE("correlate same uint16 into float32, not exact", INV, "out.dtype=float32|exactly|float64 out",
         corr_same(IPCF_DTYPE_UINT16, a16, b16, 2, IPCF_DTYPE_FLOAT32, f));
    CASE("correlate same uint16 into float32, exact", IPCF_OK, NULL,
         corr_same(IPCF_DTYPE_UINT16, s16, s16, 2, IPCF_DTYPE_FLOAT32, f));
    cases++;
    if (f[0] != 2000.0f * 2000 || f[1] != 2.0f * 2000 * 2000) {
        failures++;
        fprintf(stderr, "FAIL correlate same float32: [%.9g, %.9g]\n", f[0], f[1]);
    }
    CASE("correlate same uint16 into float64, exact", IPCF_OK, NULL,
         corr_same(IPCF_DTYPE_UINT16, a16, b16, 2, IPCF_DTYPE_FLOAT64, d));
    cases++;
    /* numpy.correlate(a, b, 'same') = [a0*b1, a0*b0 + a1*b1] */
    if (d[0] != 65535.0 || d[1] != 65535.0 * 65533 + 65535) {
        failures++;
        fprintf(stderr, "FAIL correlate same float64: [%.17g, %.17g]\n", d[0], d[1]);
    }
    CASE("correlate same int32 into float64, not exact", INV, "out.dtype=float64|exactly|2^53",
         corr_same(IPCF_DTYPE_INT32, a32, b32, 3, IPCF_DTYPE_FLOAT64, d));
}

/* ------------------------------------------------------------ unreadable */

/* An array whose descriptor reaches past its buffer into an unreadable page
 * (here its last frame): IPCF_E_INVALID_ARGUMENT saying so, for uint16 (read
 * in C for large anonymous inputs: it killed the host with SIGSEGV) and
 * float32 (IPCF_E_INTERNAL, "a bug", with a Go stack). */
static void test_unreadable(void) {
    for (int f32 = 0; f32 < 2; f32++) {
        int64_t T = 512, H = 32, W = 32, es = f32 ? 4 : 2; /* 512 KiB or 2 MiB: over the C path's 256 KiB */
        size_t need = (size_t)(T * H * W * es), pg = (size_t)sysconf(_SC_PAGESIZE);
        size_t len = (need + pg - 1) / pg * pg + pg;
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); failures++; return; }
        memset(p, 1, len);
        mprotect(p + len - pg, pg, PROT_NONE);
        char *data = p + len - pg - need + H * W * es; /* the last frame in the unreadable page */
        ipcf_array a, ao;
        int64_t sh[3] = {T, H, W}, os[4];
        ipcf_array_init_contiguous(&a, f32 ? IPCF_DTYPE_FLOAT32 : IPCF_DTYPE_UINT16, 3, sh, data);
        ipcf_pcf_options o;
        ipcf_pcf_options_init(&o);
        o.radius = 2; o.npoints = 4; o.nbins = 8; o.threads = 1;
        ipcf_pcf_output_shape(&a, &o, os);
        float *out = malloc((size_t)(os[0] * os[1] * os[2] * os[3]) * sizeof *out);
        ipcf_array_init_contiguous(&ao, IPCF_DTYPE_FLOAT32, 4, os, out);
        current = f32 ? "unreadable float32" : "unreadable uint16";
        alarm(60);
        expect(current, ipcf_pcf_compute(&a, &o, &ao), IPCF_E_INVALID_ARGUMENT, "ipcf_pcf_compute|cannot be read|reaching past its buffer");
        alarm(0);
        free(out);
        munmap(p, len);
    }
    /* An output in read-only memory: IPCF_E_INVALID_ARGUMENT saying so (was
     * IPCF_E_INTERNAL with a nil-dereference stack); a data pointer beyond
     * the user address space (x86-64: non-canonical, whose fault reads as a
     * nil pointer's), also through a negative stride: refused up front. */
    int64_t sh[3] = {256, 12, 12}, os[4];
    uint16_t *px = malloc(256 * 12 * 12 * sizeof *px);
    for (int i = 0; i < 256 * 12 * 12; i++) px[i] = (uint16_t)(100 + i % 7);
    ipcf_array a, ao;
    ipcf_array_init_contiguous(&a, IPCF_DTYPE_UINT16, 3, sh, px);
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 4; o.nbins = 8; o.threads = 1;
    ipcf_pcf_output_shape(&a, &o, os);
    size_t n = (size_t)(os[0] * os[1] * os[2] * os[3]) * sizeof(float);
    float *ro = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ipcf_array_init_contiguous(&ao, IPCF_DTYPE_FLOAT32, 4, os, ro);
    current = "read-only output";
    alarm(60);
    expect(current, ipcf_pcf_compute(&a, &o, &ao), IPCF_E_INVALID_ARGUMENT, "cannot be written|read-only memory");
    /* The device note into read-only memory, or below 64 KiB: errors (a
     * plain memcpy ended the host with SIGSEGV: the ABI campaign). */
    current = "device note into read-only memory";
    expect(current, ipcf_last_device_note((char *)ro, 64), IPCF_E_INVALID_ARGUMENT, "ipcf_last_device_note|read-only memory");
    current = "device note below 64 KiB";
    expect(current, ipcf_last_device_note((char *)(uintptr_t)4096, 64), IPCF_E_INVALID_ARGUMENT, "ipcf_last_device_note|below 64 KiB");
    float *out = malloc(n);
    ipcf_array_init_contiguous(&ao, IPCF_DTYPE_FLOAT32, 4, os, out);
#if defined(__x86_64__)
    ipcf_array_init_contiguous(&a, IPCF_DTYPE_UINT16, 3, sh, (void *)(uintptr_t)0x900000000000ULL);
    current = "non-canonical data";
    expect(current, ipcf_pcf_compute(&a, &o, &ao), IPCF_E_INVALID_ARGUMENT, "data: shape and strides|beyond the address space");
    ipcf_array_init_contiguous(&a, IPCF_DTYPE_UINT16, 3, sh, (void *)(uintptr_t)((1ULL << 47) + (1ULL << 40)));
    a.strides[0] = -((int64_t)1 << 38); /* frames from 2^47 - 254 * 2^38 up: the first frame past 2^47 */
    current = "negative stride from beyond the address space";
    expect(current, ipcf_pcf_compute(&a, &o, &ao), IPCF_E_INVALID_ARGUMENT, "beyond the address space");
#endif
    /* A file job's summary in read-only memory: refused before the job (it
     * ran, published its output, then failed writing the summary:
     * CAPIJOB20's F1). */
    {
        long pgs = sysconf(_SC_PAGESIZE);
        ipcf_job_summary *rs = mmap(NULL, (size_t)pgs, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(rs, 0, sizeof *rs);
        rs->struct_size = sizeof *rs;
        mprotect(rs, (size_t)pgs, PROT_READ);
        current = "read-only file job summary";
        expect(current, ipcf_pcf_file("/tmp/nonexistent-ipcf-input.npy", NULL, "/tmp/nonexistent-ipcf-summary-out.npy", NULL, NULL, rs),
               IPCF_E_INVALID_ARGUMENT, "ipcf_pcf_file|the summary at|cannot be written|nothing was done");
        munmap(rs, (size_t)pgs);
    }
    alarm(0);
    munmap(ro, n);
    free(out);
    free(px);
}

/* Memory the host frees during the call (here made unreadable from the
 * progress callback, on the calling thread, before the later rows' spectra
 * are read): IPCF_E_INVALID_ARGUMENT, never a crash. A uint16 input ran the
 * C transposition on the host's memory, whose fault ended the host process
 * (SIGSEGV during cgo execution); every other type returned the error.
 * That is the CPU engine, asked for by name. Where a CUDA device 0 is
 * usable it runs there too: the GPU reads a block's samples before it
 * runs it and reports its progress while it runs, so a call whose samples
 * were all read before the first callback (one or two blocks: the whole
 * image where it fits the device) is IPCF_OK, and then its result is the
 * device's result for the intact input, bit for bit; with more blocks the
 * next one's read fails: IPCF_E_INVALID_ARGUMENT. Never a crash. */
static char *freed_p;
static size_t freed_len;
static int freed_calls;
static int free_on_progress(void *user, int64_t done, int64_t total) {
    (void)user; (void)done; (void)total;
    if (freed_calls++ == 0) mprotect(freed_p, freed_len, PROT_NONE);
    return 0;
}
static void test_freed_during_call(void) {
    for (int run = 0; run < 4; run++) {
        int f32 = run & 1, dev = run < 2 ? IPCF_DEVICE_CPU : 0;
        if (dev == 0 && !gpu0) break;
        int64_t T = 1024, H = 64, W = 32, es = f32 ? 4 : 2;
        size_t pg = (size_t)sysconf(_SC_PAGESIZE), need = (size_t)(T * H * W * es);
        freed_len = (need + pg - 1) / pg * pg;
        freed_p = mmap(NULL, freed_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (freed_p == MAP_FAILED) { perror("mmap"); failures++; return; }
        for (size_t i = 0; i < need / (size_t)es; i++) {
            if (f32) ((float *)freed_p)[i] = (float)(100 + i % 13);
            else ((uint16_t *)freed_p)[i] = (uint16_t)(100 + i % 13);
        }
        freed_calls = 0;
        ipcf_array a, ao;
        int64_t sh[3] = {T, H, W}, os[4];
        ipcf_array_init_contiguous(&a, f32 ? IPCF_DTYPE_FLOAT32 : IPCF_DTYPE_UINT16, 3, sh, freed_p);
        ipcf_pcf_options o;
        ipcf_pcf_options_init(&o);
        o.radius = 2; o.npoints = 4; o.nbins = 8; o.threads = 1; o.device = dev;
        ipcf_pcf_output_shape(&a, &o, os);
        size_t on = (size_t)(os[0] * os[1] * os[2] * os[3]);
        float *out = malloc(on * sizeof *out), *intact = NULL;
        ipcf_array_init_contiguous(&ao, IPCF_DTYPE_FLOAT32, 4, os, out);
        static const char *names[] = {"uint16 freed during the call", "float32 freed during the call",
                                      "uint16 freed during the call, device 0", "float32 freed during the call, device 0"};
        current = names[run];
        alarm(60);
        if (dev == 0) { /* the device's result for the intact input */
            intact = malloc(on * sizeof *intact);
            ipcf_array ai;
            ipcf_array_init_contiguous(&ai, IPCF_DTYPE_FLOAT32, 4, os, intact);
            expect(current, ipcf_pcf_compute(&a, &o, &ai), IPCF_OK, NULL);
        }
        o.progress = free_on_progress;
        ipcf_status st = ipcf_pcf_compute(&a, &o, &ao);
        if (dev == 0 && st == IPCF_OK) {
            cases++;
            if (memcmp(out, intact, on * sizeof *out) != 0) {
                failures++;
                fprintf(stderr, "FAIL %s: IPCF_OK with a result other than the intact input's\n", current);
            }
        } else {
            expect(current, st, IPCF_E_INVALID_ARGUMENT, "ipcf_pcf_compute|cannot be read");
        }
        alarm(0);
        if (freed_calls == 0) {
            failures++;
            fprintf(stderr, "FAIL %s: the progress callback was never called\n", current);
        }
        free(out);
        free(intact);
        munmap(freed_p, freed_len);
    }
}

/* A pointer argument below 64 KiB, where no process maps memory (&p->field
 * of a NULL p): IPCF_E_INVALID_ARGUMENT naming it, not IPCF_E_INTERNAL ("a
 * bug", with a Go stack), as a pointer beyond the address space is. */
static void test_low_pointers(void) {
    const void *low = (const void *)(uintptr_t)0x10;
    int64_t sh[3] = {64, 8, 8}, os[4];
    uint16_t *px = calloc(64 * 8 * 8, sizeof *px);
    ipcf_array a, ao;
    ipcf_array_init_contiguous(&a, IPCF_DTYPE_UINT16, 3, sh, px);
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 1; o.npoints = 4; o.nbins = 4;
    ipcf_pcf_output_shape(&a, &o, os);
    float *out = malloc((size_t)(os[0] * os[1] * os[2] * os[3]) * sizeof *out);
    ipcf_array_init_contiguous(&ao, IPCF_DTYPE_FLOAT32, 4, os, out);
    current = "pcf_compute, options at 0x10";
    expect(current, ipcf_pcf_compute(&a, (const ipcf_pcf_options *)low, &ao), IPCF_E_INVALID_ARGUMENT, "ipcf_pcf_compute|options|below 64 KiB");
    current = "pcf_compute, data at 0x10";
    expect(current, ipcf_pcf_compute((const ipcf_array *)low, &o, &ao), IPCF_E_INVALID_ARGUMENT, "ipcf_pcf_compute|data|below 64 KiB");
    current = "pcf_compute, out at 0x10";
    expect(current, ipcf_pcf_compute(&a, &o, (ipcf_array *)low), IPCF_E_INVALID_ARGUMENT, "out|below 64 KiB");
    /* pointers inside the options */
    ipcf_pcf_options lo = o;
    lo.mask = (const ipcf_array *)low;
    current = "pcf_compute, options.mask at 0x10";
    expect(current, ipcf_pcf_compute(&a, &lo, &ao), IPCF_E_INVALID_ARGUMENT, "options.mask is 0x10|below 64 KiB");
    lo = o;
    lo.data2 = (const ipcf_array *)low;
    current = "pcf_compute, options.data2 at 0x10";
    expect(current, ipcf_pcf_compute(&a, &lo, &ao), IPCF_E_INVALID_ARGUMENT, "options.data2 is 0x10|below 64 KiB");
    lo = o;
    lo.offsets = (const int32_t *)low;
    lo.noffsets = 1;
    current = "pcf_output_shape, options.offsets at 0x10";
    expect(current, ipcf_pcf_output_shape(&a, &lo, os), IPCF_E_INVALID_ARGUMENT, "options.offsets is 0x10|below 64 KiB");
    ipcf_array bad = a;
    bad.data = (void *)(uintptr_t)0x20;
    current = "pcf_compute, the array's data at 0x20";
    expect(current, ipcf_pcf_compute(&bad, &o, &ao), IPCF_E_INVALID_ARGUMENT, "data.data is 0x20|below 64 KiB");
    uint32_t crc;
    current = "file_crc32c, path at 0x10";
    expect(current, ipcf_file_crc32c((const char *)low, &crc, NULL), IPCF_E_INVALID_ARGUMENT, "ipcf_file_crc32c|path|below 64 KiB");
    int32_t lstate;
    current = "lock_holder, output at 0x10";
    expect(current, ipcf_lock_holder((const char *)low, NULL, 0, &lstate), IPCF_E_INVALID_ARGUMENT, "ipcf_lock_holder|output|below 64 KiB");
    current = "lock_holder, output empty";
    expect(current, ipcf_lock_holder("", NULL, 0, &lstate), IPCF_E_INVALID_ARGUMENT, "ipcf_lock_holder|output is empty");
    current = "lock_holder, state at 0x10";
    expect(current, ipcf_lock_holder("/tmp/x.npy", NULL, 0, (int32_t *)low), IPCF_E_INVALID_ARGUMENT, "ipcf_lock_holder|state|below 64 KiB");
    current = "unit_scale, scale at 0x10";
    expect(current, ipcf_unit_scale("um", 0, (double *)low), IPCF_E_INVALID_ARGUMENT, "ipcf_unit_scale|scale|below 64 KiB");
    /* callbacks below 64 KiB: refused, not called (the host died: CAPI14's M2) */
    lo = o;
    lo.progress = (ipcf_progress_fn)(uintptr_t)0x10;
    current = "pcf_compute, options.progress at 0x10";
    expect(current, ipcf_pcf_compute(&a, &lo, &ao), IPCF_E_INVALID_ARGUMENT, "options.progress is 0x10|below 64 KiB");
    ipcf_fit_options fo;
    ipcf_fit_options_init(&fo);
    fo.progress = (ipcf_progress_fn)(uintptr_t)0x10;
    double tau[4] = {1, 2, 3, 4};
    current = "fit, options.progress at 0x10";
    expect(current, ipcf_fit(&ao, tau, NULL, NULL, &fo, &ao, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "ipcf_fit|options.progress is 0x10|below 64 KiB");
    ipcf_simulate_options so;
    ipcf_simulate_options_init(&so);
    so.progress = (ipcf_progress_fn)(uintptr_t)0x10;
    current = "simulate, options.progress at 0x10";
    expect(current, ipcf_simulate(&so, &a), IPCF_E_INVALID_ARGUMENT, "ipcf_simulate|options.progress is 0x10|below 64 KiB");
    ipcf_job_options jo;
    ipcf_job_options_init(&jo);
    jo.log = (ipcf_job_log_fn)(uintptr_t)0x20;
    current = "pcf_file, job.log at 0x20";
    expect(current, ipcf_pcf_file("/tmp/nonexistent-ipcf-input.npy", NULL, "/tmp/nonexistent-ipcf-out.npy", &o, &jo, NULL), IPCF_E_INVALID_ARGUMENT, "ipcf_pcf_file|job.log is 0x20|below 64 KiB");
    ipcf_job_options_init(&jo);
    jo.progress = (ipcf_job_progress_fn)(uintptr_t)0x20;
    current = "pcf_file, job.progress at 0x20";
    expect(current, ipcf_pcf_file("/tmp/nonexistent-ipcf-input.npy", NULL, "/tmp/nonexistent-ipcf-out.npy", &o, &jo, NULL), IPCF_E_INVALID_ARGUMENT, "ipcf_pcf_file|job.progress is 0x20|below 64 KiB");
    /* an empty buffer may be a dangling pointer (Rust's): taken */
    current = "crc32c of 0 bytes at 0x1";
    expect(current, ipcf_crc32c((const void *)(uintptr_t)1, 0, &crc), IPCF_OK, NULL);
    free(out);
    free(px);
}

/* The functions that read the caller's arrays on the calling thread (not in
 * the engines' workers): an argument reaching into an unreadable page, or an
 * output in read-only memory, is IPCF_E_INVALID_ARGUMENT saying so, as for
 * ipcf_pcf_compute (these returned IPCF_E_INTERNAL, "a bug", with a Go
 * stack). */
static void test_unreadable_direct(void) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = 16 * pg;
    char *g = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g == MAP_FAILED) { perror("mmap"); failures++; return; }
    memset(g, 1, len);
    mprotect(g + len, len, PROT_NONE); /* bad: the second half */
    char *ro = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *end = g + len;                /* readable bytes end here */
    alarm(60);
    uint32_t crc;
    current = "crc32c into an unreadable page";
    expect(current, ipcf_crc32c(end - 100, 4096, &crc), IPCF_E_INVALID_ARGUMENT, "ipcf_crc32c|cannot be read");
    int64_t nbytes;
    current = "file_crc32c of a path without its NUL";
    expect(current, ipcf_file_crc32c(end - 100, &crc, &nbytes), IPCF_E_INVALID_ARGUMENT, "ipcf_file_crc32c|cannot be read|a string without its terminating NUL");
    current = "check_metadata into an unreadable page";
    expect(current, ipcf_check_metadata(end - 100, 4096), IPCF_E_INVALID_ARGUMENT, "ipcf_check_metadata|cannot be read");
    /* correlate: a into the unreadable page, then a read-only output */
    int64_t n1 = 2048, n2 = 1024;
    ipcf_array a, b, c;
    ipcf_array_init_contiguous(&a, IPCF_DTYPE_UINT16, 1, &n1, end - 2000);
    ipcf_array_init_contiguous(&b, IPCF_DTYPE_UINT16, 1, &n1, g);
    float *cbuf = malloc(4096 * sizeof *cbuf);
    ipcf_array_init_contiguous(&c, IPCF_DTYPE_FLOAT32, 1, &n2, cbuf);
    current = "correlate, a into an unreadable page";
    expect(current, ipcf_correlate(&a, &b, IPCF_CORR_CIRCULAR, &c), IPCF_E_INVALID_ARGUMENT, "ipcf_correlate|cannot be read");
    ipcf_array_init_contiguous(&a, IPCF_DTYPE_UINT16, 1, &n1, g);
    ipcf_array_init_contiguous(&c, IPCF_DTYPE_FLOAT32, 1, &n2, ro);
    current = "correlate into read-only memory";
    expect(current, ipcf_correlate(&a, &b, IPCF_CORR_LINEAR, &c), IPCF_E_INVALID_ARGUMENT, "ipcf_correlate|cannot be written");
    /* convolve2d: the image into the unreadable page, then a read-only output */
    int64_t is[2] = {16, 16}, ks[2] = {3, 3}, os[2] = {18, 18};
    float k[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    ipcf_array img, ker, out;
    ipcf_array_init_contiguous(&img, IPCF_DTYPE_FLOAT32, 2, is, end - 100);
    ipcf_array_init_contiguous(&ker, IPCF_DTYPE_FLOAT32, 2, ks, k);
    float *obuf = malloc(18 * 18 * sizeof *obuf);
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 2, os, obuf);
    current = "convolve2d, image into an unreadable page";
    expect(current, ipcf_convolve2d(&img, &ker, &out), IPCF_E_INVALID_ARGUMENT, "ipcf_convolve2d|cannot be read");
    memset(g, 0, 16 * 16 * 4);
    ipcf_array_init_contiguous(&img, IPCF_DTYPE_FLOAT32, 2, is, g);
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 2, os, ro);
    current = "convolve2d into read-only memory";
    expect(current, ipcf_convolve2d(&img, &ker, &out), IPCF_E_INVALID_ARGUMENT, "ipcf_convolve2d|cannot be written");
    /* check_counts: the data into the unreadable page */
    int64_t ds[3] = {64, 4, 4};
    ipcf_array d;
    ipcf_array_init_contiguous(&d, IPCF_DTYPE_INT16, 3, ds, end - 100);
    int32_t counts;
    current = "check_counts into an unreadable page";
    expect(current, ipcf_check_counts(&d, &counts, NULL, 0), IPCF_E_INVALID_ARGUMENT, "ipcf_check_counts|cannot be read");
    /* fit: the curves into the unreadable page, then read-only params */
    ipcf_fit_options fo;
    ipcf_fit_options_init(&fo);
    fo.model = IPCF_MODEL_ACF2D;
    int32_t off[2] = {0, 0}, np = 0;
    ipcf_fit_nparams(&fo, off, 1, &np, NULL, 0);
    int64_t cs[4] = {4, 4, 1, 32}, ps[4] = {4, 4, 1, np};
    double dl[32];
    for (int i = 0; i < 32; i++) dl[i] = i + 1;
    ipcf_array cv, par;
    ipcf_array_init_contiguous(&cv, IPCF_DTYPE_FLOAT32, 4, cs, end - 100);
    float *pbuf = malloc(4 * 4 * 16 * sizeof *pbuf);
    ipcf_array_init_contiguous(&par, IPCF_DTYPE_FLOAT32, 4, ps, pbuf);
    current = "fit, curves into an unreadable page";
    expect(current, ipcf_fit(&cv, dl, off, NULL, &fo, &par, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "ipcf_fit|cannot be read");
    float *curves = (float *)g;
    for (int i = 0; i < 4 * 4 * 32; i++) curves[i] = 0.1f / (1 + (float)(i % 32) / 8);
    ipcf_array_init_contiguous(&cv, IPCF_DTYPE_FLOAT32, 4, cs, curves);
    ipcf_array_init_contiguous(&par, IPCF_DTYPE_FLOAT32, 4, ps, ro);
    current = "fit into read-only memory";
    expect(current, ipcf_fit(&cv, dl, off, NULL, &fo, &par, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "ipcf_fit|cannot be written");
    alarm(0);
    free(cbuf);
    free(obuf);
    free(pbuf);
    munmap(ro, len);
    munmap(g, 2 * len);
}

/* The stride of an axis of length 1 is never used: any value is taken (it
 * was refused as overflowing beyond 2^61), with the same result. */
static void test_length1_strides(void) {
    enum { T = 64, H = 5, W = 7 };
    static uint16_t px[T * H * W];
    for (int i = 0; i < T * H * W; i++) px[i] = (uint16_t)(10 + (i * 7919) % 23);
    ipcf_array d, out;
    int64_t sh[3] = {T, H, W}, os[4];
    ipcf_array_init_contiguous(&d, IPCF_DTYPE_UINT16, 3, sh, px);
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 8; o.nbins = 6; o.threads = 1;
    ipcf_pcf_output_shape(&d, &o, os); /* (1, 3, 8, 6) */
    size_t n = (size_t)(os[0] * os[1] * os[2] * os[3]);
    float *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, os, ref);
    current = "length-1 axis: reference";
    expect(current, ipcf_pcf_compute(&d, &o, &out), IPCF_OK, NULL);
    int64_t junk[3] = {INT64_MAX, INT64_MIN, (int64_t)1 << 62};
    for (int k = 0; k < 3; k++) {
        memset(got, 0, n * sizeof *got);
        ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, os, got);
        out.strides[0] = junk[k];
        current = "length-1 axis with a junk stride";
        expect(current, ipcf_pcf_compute(&d, &o, &out), IPCF_OK, NULL);
        cases++;
        if (memcmp(ref, got, n * sizeof *ref) != 0) {
            failures++;
            fprintf(stderr, "FAIL %s %lld: another result\n", current, (long long)junk[k]);
        }
    }
    free(ref);
    free(got);
}

/* A child forked inside a progress callback that returns into the
 * library (whose Go runtime did not survive the fork) ends with status 70
 * and a message: it hung for good (CAPI14's F7). The parent's call goes on. */
static pid_t cb_child;
static int fork_on_progress(void *user, int64_t done, int64_t total) {
    (void)user, (void)done, (void)total;
    if (cb_child == 0) {
        fflush(NULL);
        pid_t p = fork();
        if (p == 0) return 0; /* the child returns into the library */
        cb_child = p < 0 ? -1 : p;
    }
    return 0;
}

static void test_fork_in_callback(void) {
    current = "fork in a progress callback";
    reset();
    cb_child = 0;
    O.progress = fork_on_progress;
    O.threads = 1;
    expect(current, pcf(), IPCF_OK, NULL);
    O.progress = NULL;
    cases++;
    if (cb_child <= 0) {
        failures++;
        fprintf(stderr, "FAIL %s: no child forked\n", current);
        return;
    }
    int ws = 0;
    pid_t r = 0;
    for (int i = 0; i < 200 && (r = waitpid(cb_child, &ws, WNOHANG)) == 0; i++) usleep(50000);
    if (r == 0) {
        kill(cb_child, SIGKILL);
        waitpid(cb_child, &ws, 0);
        failures++;
        fprintf(stderr, "FAIL %s: the child still ran after 10 s (a hang)\n", current);
    } else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 70) {
        failures++;
        fprintf(stderr, "FAIL %s: child %s %d, want exit 70\n", current, WIFEXITED(ws) ? "exited" : "killed by signal",
                WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
    }
}

/* A token cancelled, then destroyed while its call runs, stays cancelled
 * for that call also after every other slot was taken again: a destroyed
 * cancelled token's slot is taken last (it was taken after 65,536 token
 * creations, and the call returned IPCF_OK: CAPI14's F2). */
static ipcf_token slot_tok;
static int cancel_destroy_and_churn(void *user, int64_t done, int64_t total) {
    (void)user, (void)done, (void)total;
    if (slot_tok) {
        ipcf_token_cancel(slot_tok);
        ipcf_token_destroy(slot_tok);
        slot_tok = 0;
        for (int k = 0; k < 65537 + 16; k++) {
            ipcf_token x;
            if (ipcf_token_create(&x) == IPCF_OK) ipcf_token_destroy(x);
        }
    }
    return 0;
}

static void test_token_slot_taken_last(void) {
    current = "a cancelled destroyed token's slot";
    reset();
    if (ipcf_token_create(&slot_tok) != IPCF_OK) { failures++; fprintf(stderr, "FAIL %s: token_create\n", current); return; }
    O.token = slot_tok;
    O.progress = cancel_destroy_and_churn;
    O.threads = 1;
    alarm(60);
    expect(current, pcf(), IPCF_E_CANCELLED, "cancelled");
    alarm(0);
    O.progress = NULL;
    O.token = 0;
}

int main(void) {
    signal(SIGALRM, on_alarm);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ipcf_badinput.XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    setup();
    test_table();
    test_unreadable();
    test_freed_during_call();
    test_low_pointers();
    test_unreadable_direct();
    test_length1_strides();
    test_unwritable_structs();
    test_fork();
    test_fork_in_callback();
    test_token_slot_taken_last();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", tmpdir);
    if (failures) {
        fprintf(stderr, "%d of %d cases failed\n", failures, cases);
        return 1;
    }
    printf("test_badinput: %d cases\nPASS\n", cases);
    return 0;
}
