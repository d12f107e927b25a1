/* Error bars (ipcf_pcf_errors, since 0.3) through the C ABI, against a
 * slow direct implementation written here from docs/toolkit.md, section 9:
 * each point's series z[t] summed directly over the bin's delays (or the
 * multi-tau block sums), linearised in the means, first point and
 * smoothing applied at every t, then blocked level by level (or cut into
 * segments). Also: the means of those series are ipcf_pcf_compute's
 * curves, NaN where the curves are NaN, every refused argument with its
 * status and a message naming it, cancellation, and a forked child.
 * Built with -fsanitize=address,undefined like the other C tests; run
 * without arguments. Prints 'test_errbars: all passed'. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcf.h"

/* Run bare (not from make, whose LSAN_OPTIONS name tests/c/lsan.supp),
 * LeakSanitizer would report the library's process-lifetime allocations:
 * the same suppressions, built in. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:fftwf_malloc_plain\nleak:_Cfunc__Cmalloc\n"; }

static int failures, checks;
#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);              \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, " [last error: %s]\n", ipcf_last_error());       \
        }                                                                     \
    } while (0)

#define T_FRAMES 256
#define SIZE 9

static uint16_t *px; /* (T_FRAMES, SIZE, SIZE) */
static ipcf_array data;

static double at(int t, int y, int x) { return px[((size_t)t * SIZE + y) * SIZE + x]; }

static void *xcalloc(size_t n, size_t s) {
    void *p = calloc(n ? n : 1, s);
    if (!p) {
        perror("calloc");
        exit(1);
    }
    return p;
}

/* ------------------------------------------------ the direct reference */

typedef struct {
    int nbins;           /* log bins (IPCF_BINS_LOG) ... */
    int multitau_m;      /* ... or a multi-tau correlator with m channels (> 0) */
    int delta;
    double smooth;       /* 0: off */
    int method, segments;
} spec;

/* points: upper bin edges (log) or lags and levels (multi-tau) of N frames */
typedef struct {
    int P;
    int64_t edges[64];
    int lags[256], levels[256];
} points;

static void points_of(const spec *s, int N, points *p) {
    memset(p, 0, sizeof *p);
    if (s->multitau_m > 0) {
        int m = s->multitau_m;
        for (int l = 0; l < m && l < N / 2; l++) p->lags[p->P] = l, p->levels[p->P++] = 0;
        for (int k = 1; (m / 2) << k < N / 2; k++)
            for (int l = m / 2; l < m && (l << k) < N / 2; l++) p->lags[p->P] = l << k, p->levels[p->P++] = k;
        return;
    }
    size_t count = 0;
    if (ipcf_logbins(N / 2, s->nbins, p->edges, 64, &count) != IPCF_OK) {
        fprintf(stderr, "FAIL fixture: logbins: %s\n", ipcf_last_error());
        exit(1);
    }
    p->P = (int)count;
}

static double mean(const double *x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s / n;
}

/* z[j][t] for the pair (a, b) of N frames, finished; z is P x N */
static void point_series(const spec *s, const points *p, const double *a, const double *b, int N, double *z) {
    double *A = xcalloc(N, sizeof *A), *B = xcalloc(N, sizeof *B), *x = xcalloc(N, sizeof *x);
    int lo = 0;
    for (int j = 0; j < p->P; j++) {
        int sz = 1, l = 0, hi = 0;
        if (s->multitau_m > 0) {
            sz = 1 << p->levels[j];
            l = p->lags[j] / sz;
        } else {
            hi = (int)p->edges[j];
        }
        int M = N / sz;
        for (int t = 0; t < M; t++) {
            A[t] = B[t] = 0;
            for (int i = 0; i < sz; i++) A[t] += a[t * sz + i], B[t] += b[t * sz + i];
        }
        double mA = mean(A, M), mB = mean(B, M);
        for (int t = 0; t < M; t++) {
            x[t] = 0;
            if (s->multitau_m > 0) {
                x[t] = (A[t] - mA) * (B[(t + l) % M] - mB) / (mA * mB);
                if (s->delta) x[t] -= (B[t] - mB) * (A[(t + l) % M] - mA) / (mA * mB);
            } else {
                for (int tau = lo; tau < hi; tau++) {
                    x[t] += (A[t] - mA) * (B[(t + tau) % M] - mB) / (mA * mB);
                    if (s->delta) x[t] -= (B[t] - mB) * (A[(t + tau) % M] - mA) / (mA * mB);
                }
                x[t] /= hi - lo;
            }
        }
        double G = mean(x, M);
        for (int t = 0; t < N; t++) {
            int b0 = t / sz;
            z[(size_t)j * N + t] = x[b0] - G * ((A[b0] - mA) / mA + (B[b0] - mB) / mB);
        }
        lo = hi;
    }
    double *c = xcalloc(p->P, sizeof *c);
    for (int t = 0; t < N; t++) {
        for (int j = 0; j < p->P; j++) c[j] = z[(size_t)j * N + t];
        c[0] = c[1];
        if (s->smooth > 0) {
            double w = s->smooth;
            for (int i = 1; i < p->P; i++) c[i] = (1 - w) * c[i] + w * c[i - 1];
            for (int i = p->P - 2; i >= 0; i--) c[i] = (1 - w) * c[i] + w * c[i + 1];
        }
        for (int j = 0; j < p->P; j++) z[(size_t)j * N + t] = c[j];
    }
    free(c);
    free(A);
    free(B);
    free(x);
}

/* the standard error of the mean of z (N values) by the spec's method */
static double estimate(const spec *s, const double *z, int N) {
    double m = mean(z, N);
    if (s->method == IPCF_ERRORS_SEGMENTS) {
        int S = s->segments ? s->segments : 8;
        double *ms = xcalloc(S, sizeof *ms), mm = 0, ss = 0;
        for (int k = 0; k < S; k++) {
            int lo = (int)((int64_t)k * N / S), hi = (int)((int64_t)(k + 1) * N / S);
            ms[k] = mean(z + lo, hi - lo);
            mm += ms[k] / S;
        }
        for (int k = 0; k < S; k++) ss += (ms[k] - mm) * (ms[k] - mm);
        free(ms);
        return sqrt(ss / (S - 1) / S);
    }
    double sig[64], err[64];
    int L = 0;
    for (int bs = 1; bs <= N; bs *= 2) {
        int n = N / bs;
        if (bs > 1 && n < 16) break;
        double c = 0;
        for (int i = 0; i < n; i++) {
            double v = mean(z + (size_t)i * bs, bs) - m;
            c += v * v;
        }
        sig[L] = sqrt(c / n / (n - 1));
        err[L] = sig[L] / sqrt(2.0 * (n - 1));
        L++;
    }
    for (int k = 0; k + 2 < L; k++)
        if (fabs(sig[k] - sig[k + 1]) <= err[k + 1] && fabs(sig[k] - sig[k + 2]) <= err[k + 2]) return sig[k];
    double best = 0;
    for (int k = 0; k < L; k++) best = sig[k] > best ? sig[k] : best;
    return best;
}

/* ------------------------------------------------------------ checks */

static void options_of(const spec *s, ipcf_pcf_options *o, const int32_t *uv, int noff) {
    ipcf_pcf_options_init(o);
    o->offsets = uv;
    o->noffsets = noff;
    o->nbins = s->nbins ? s->nbins : 32;
    if (s->multitau_m > 0) {
        o->bins = IPCF_BINS_MULTITAU;
        o->multitau_m = s->multitau_m;
    }
    o->smooth = s->smooth;
    o->output = s->delta ? IPCF_OUTPUT_DELTA : IPCF_OUTPUT_CCF;
    o->threads = 2;
}

/* ipcf_pcf_compute and ipcf_pcf_errors of the whole image; float32 C order */
static int run(const ipcf_pcf_options *o, int method, int segments, int64_t shape[4], float **curves, float **sd) {
    if (ipcf_pcf_output_shape(&data, o, shape) != IPCF_OK) return -1;
    size_t n = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
    *curves = xcalloc(n, sizeof **curves);
    *sd = xcalloc(n, sizeof **sd);
    ipcf_array ac, as;
    ipcf_array_init_contiguous(&ac, IPCF_DTYPE_FLOAT32, 4, shape, *curves);
    ipcf_array_init_contiguous(&as, IPCF_DTYPE_FLOAT32, 4, shape, *sd);
    if (ipcf_pcf_compute(&data, o, &ac) != IPCF_OK) return -2;
    return ipcf_pcf_errors(&data, o, method, segments, &as);
}

static void test_against_direct(void) {
    static const int32_t uv[] = {0, 0, 1, 0, -2, 1};
    const int noff = 3, margin_v = 1, margin_u = 2;
    spec specs[] = {
        {.nbins = 12, .smooth = 0.7},
        {.nbins = 10, .smooth = 0},
        {.nbins = 10, .smooth = 0.5, .delta = 1},
        {.multitau_m = 4, .smooth = 0.7},
        {.multitau_m = 8, .smooth = 0, .delta = 1},
        {.nbins = 10, .smooth = 0.7, .method = IPCF_ERRORS_SEGMENTS},
        {.nbins = 10, .smooth = 0, .method = IPCF_ERRORS_SEGMENTS, .segments = 5},
        {.multitau_m = 4, .smooth = 0.7, .method = IPCF_ERRORS_SEGMENTS, .segments = 32},
    };
    const int N = T_FRAMES;
    double *a = xcalloc(N, sizeof *a), *b = xcalloc(N, sizeof *b);
    for (size_t si = 0; si < sizeof specs / sizeof specs[0]; si++) {
        const spec *s = &specs[si];
        ipcf_pcf_options o;
        options_of(s, &o, uv, noff);
        int64_t shape[4];
        float *curves = NULL, *sd = NULL;
        int st = run(&o, s->method, s->segments, shape, &curves, &sd);
        CHECK(st == IPCF_OK, "spec %zu: status %d", si, st);
        if (st != IPCF_OK) {
            free(curves);
            free(sd);
            continue;
        }
        points p;
        points_of(s, N, &p);
        CHECK(shape[3] == p.P, "spec %zu: %lld points, want %d", si, (long long)shape[3], p.P);
        double *z = xcalloc((size_t)p.P * N, sizeof *z);
        int pix[][2] = {{0, 0}, {3, 2}, {(int)shape[0] - 1, (int)shape[1] - 1}};
        int bad = 0;
        for (int ip = 0; ip < 3; ip++) {
            int y = pix[ip][0] + margin_v, x = pix[ip][1] + margin_u;
            for (int t = 0; t < N; t++) a[t] = at(t, y, x);
            for (int i = 0; i < noff; i++) {
                for (int t = 0; t < N; t++) b[t] = at(t, y + uv[2 * i + 1], x + uv[2 * i]);
                point_series(s, &p, a, b, N, z);
                size_t base = (((size_t)pix[ip][0] * shape[1] + pix[ip][1]) * shape[2] + i) * shape[3];
                for (int j = 0; j < p.P; j++) {
                    double c = mean(z + (size_t)j * N, N), e = estimate(s, z + (size_t)j * N, N);
                    if (fabs(curves[base + j] - c) > 2e-6 || fabs(sd[base + j] - e) > 1e-5 * e + 1e-9 || !(e >= 0)) { /* 0: the delta of offset (0, 0) */
                        if (bad++ < 5)
                            fprintf(stderr, "spec %zu pixel (%d, %d) offset %d point %d: curve %g (series mean %g), sd %g, want %g\n",
                                    si, pix[ip][0], pix[ip][1], i, j, curves[base + j], c, sd[base + j], e);
                    }
                }
            }
        }
        CHECK(bad == 0, "spec %zu: %d values differ from the direct reference", si, bad);
        free(z);
        free(curves);
        free(sd);
    }
    free(a);
    free(b);
}

/* segments 0 is 8; NaN error bars exactly where the curves are NaN */
static void test_defaults_and_nan(void) {
    static const int32_t uv[] = {0, 0, 1, 1};
    ipcf_pcf_options o;
    spec s = {.nbins = 8, .smooth = 0.7};
    options_of(&s, &o, uv, 2);
    uint8_t mask[SIZE * SIZE];
    memset(mask, 1, sizeof mask);
    mask[4 * SIZE + 4] = 0;
    int64_t msh[2] = {SIZE, SIZE};
    ipcf_array am;
    ipcf_array_init_contiguous(&am, IPCF_DTYPE_UINT8, 2, msh, mask);
    o.mask = &am;
    int64_t shape[4];
    float *c8, *s8, *c0, *s0;
    CHECK(run(&o, IPCF_ERRORS_SEGMENTS, 8, shape, &c8, &s8) == IPCF_OK, "segments 8");
    CHECK(run(&o, IPCF_ERRORS_SEGMENTS, 0, shape, &c0, &s0) == IPCF_OK, "segments 0");
    size_t n = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
    int nans = 0, diff = 0, mism = 0;
    for (size_t i = 0; i < n; i++) {
        nans += isnan(s8[i]);
        diff += memcmp(&s8[i], &s0[i], sizeof(float)) != 0;
        mism += isnan(c8[i]) != isnan(s8[i]);
    }
    CHECK(diff == 0, "segments 0 and 8 differ at %d values", diff);
    CHECK(mism == 0, "%d error bars NaN where the curve is not, or not where it is", mism);
    CHECK(nans == 2 * (int)shape[3], "%d NaN error bars, want the masked pixel's %d", nans, 2 * (int)shape[3]);
    free(c8), free(s8), free(c0), free(s0);
}

static void expect(int st, int want, const char *needle, const char *what) {
    CHECK(st == want, "%s: status %d, want %d", what, st, want);
    const char *e = ipcf_last_error();
    CHECK(strstr(e, "ipcf_pcf_errors") && strstr(e, needle), "%s: message '%s' should name ipcf_pcf_errors and '%s'", what, e,
          needle);
}

static int progress_stop(void *user, int64_t done, int64_t total) {
    (void)user, (void)done, (void)total;
    return 1;
}

static void test_bad_input(void) {
    static const int32_t uv[] = {0, 0};
    ipcf_pcf_options o;
    spec s = {.nbins = 8};
    options_of(&s, &o, uv, 1);
    int64_t shape[4];
    CHECK(ipcf_pcf_output_shape(&data, &o, shape) == IPCF_OK, "shape");
    size_t n = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
    float *buf = xcalloc(n + 8, sizeof *buf);
    double *dbuf = xcalloc(n, sizeof *dbuf);
    ipcf_array sd, sd64, small, alias;
    ipcf_array_init_contiguous(&sd, IPCF_DTYPE_FLOAT32, 4, shape, buf);
    ipcf_array_init_contiguous(&sd64, IPCF_DTYPE_FLOAT64, 4, shape, dbuf);
    int64_t sm[4] = {shape[0], shape[1], shape[2], shape[3] - 1};
    ipcf_array_init_contiguous(&small, IPCF_DTYPE_FLOAT32, 4, sm, buf);
    ipcf_array_init_contiguous(&alias, IPCF_DTYPE_FLOAT32, 4, shape, px);

    expect(ipcf_pcf_errors(NULL, &o, IPCF_ERRORS_BLOCKING, 0, &sd), IPCF_E_INVALID_ARGUMENT, "data", "data NULL");
    expect(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_BLOCKING, 0, NULL), IPCF_E_INVALID_ARGUMENT, "sd", "sd NULL");
    expect(ipcf_pcf_errors(&data, &o, 2, 0, &sd), IPCF_E_INVALID_ARGUMENT, "method", "method 2");
    expect(ipcf_pcf_errors(&data, &o, -1, 0, &sd), IPCF_E_INVALID_ARGUMENT, "method", "method -1");
    expect(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_BLOCKING, 8, &sd), IPCF_E_INVALID_ARGUMENT, "segments", "blocking, segments 8");
    expect(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_SEGMENTS, 1, &sd), IPCF_E_INVALID_ARGUMENT, "segments", "segments 1");
    expect(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_SEGMENTS, -3, &sd), IPCF_E_INVALID_ARGUMENT, "segments", "segments -3");
    expect(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_SEGMENTS, T_FRAMES + 1, &sd), IPCF_E_INVALID_ARGUMENT, "segments",
           "segments > N");
    expect(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_BLOCKING, 0, &sd64), IPCF_E_UNSUPPORTED_LAYOUT, "sd", "float64 sd");
    expect(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_BLOCKING, 0, &small), IPCF_E_BUFFER_TOO_SMALL, "sd", "short sd");
    expect(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_BLOCKING, 0, &alias), IPCF_E_INVALID_ARGUMENT, "sd", "sd over data");
    ipcf_pcf_options bad = o;
    bad.nbins = 1;
    expect(ipcf_pcf_errors(&data, &bad, IPCF_ERRORS_BLOCKING, 0, &sd), IPCF_E_INVALID_ARGUMENT, "nbins", "nbins 1");
    bad = o;
    bad.struct_size = 2;
    expect(ipcf_pcf_errors(&data, &bad, IPCF_ERRORS_BLOCKING, 0, &sd), IPCF_E_INVALID_ARGUMENT, "struct_size", "struct_size");
    CHECK(ipcf_pcf_errors(&data, &o, IPCF_ERRORS_SEGMENTS, T_FRAMES, &sd) == IPCF_OK, "segments = N");

    /* cancelled: by the progress callback and by a token */
    bad = o;
    bad.progress = progress_stop;
    expect(ipcf_pcf_errors(&data, &bad, IPCF_ERRORS_BLOCKING, 0, &sd), IPCF_E_CANCELLED, "cancel", "progress cancels");
    ipcf_token tok;
    CHECK(ipcf_token_create(&tok) == IPCF_OK, "token");
    CHECK(ipcf_token_cancel(tok) == IPCF_OK, "cancel");
    bad = o;
    bad.token = tok;
    expect(ipcf_pcf_errors(&data, &bad, IPCF_ERRORS_BLOCKING, 0, &sd), IPCF_E_CANCELLED, "cancel", "cancelled token");
    CHECK(ipcf_token_destroy(tok) == IPCF_OK, "destroy");
    expect(ipcf_pcf_errors(&data, &bad, IPCF_ERRORS_BLOCKING, 0, &sd), IPCF_E_BAD_HANDLE, "token", "destroyed token");

    /* options NULL: the defaults (radius 6) do not fit a 9 x 9 image */
    expect(ipcf_pcf_errors(&data, NULL, IPCF_ERRORS_BLOCKING, 0, &sd), IPCF_E_INVALID_ARGUMENT, "radius", "defaults");

    /* a forked child is refused at once */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int st = ipcf_pcf_errors(&data, &o, IPCF_ERRORS_BLOCKING, 0, &sd);
        _exit(st == IPCF_E_FORKED && strstr(ipcf_last_error(), "ipcf_pcf_errors") ? 0 : 1);
    }
    int ws = 0;
    CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
          "forked child: ipcf_pcf_errors did not return IPCF_E_FORKED");
    free(buf);
    free(dbuf);
}

int main(void) {
    px = xcalloc((size_t)T_FRAMES * SIZE * SIZE, sizeof *px);
    int64_t sh[3] = {T_FRAMES, SIZE, SIZE};
    ipcf_array_init_contiguous(&data, IPCF_DTYPE_UINT16, 3, sh, px);
    ipcf_simulate_options so;
    ipcf_simulate_options_init(&so);
    so.frames = T_FRAMES, so.size = SIZE, so.particles = 6, so.diffusion = 0.2, so.channel_width = 0, so.seed = 7;
    if (ipcf_simulate(&so, &data) != IPCF_OK) {
        fprintf(stderr, "FAIL fixture: simulate: %s\n", ipcf_last_error());
        return 1;
    }
    test_against_direct();
    printf("test_errbars: direct reference\n");
    test_defaults_and_nan();
    printf("test_errbars: defaults and NaN\n");
    test_bad_input();
    printf("test_errbars: bad input\n");
    free(px);
    if (failures) {
        fprintf(stderr, "test_errbars: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("test_errbars: %d checks\ntest_errbars: all passed\n", checks);
    return 0;
}
