/* The correlation toolkit (ipcf_pcf_options since 0.3) through the C ABI,
 * against a slow direct implementation of every mode written here from the
 * definitions (docs/toolkit.md): double precision, time-domain sums, no
 * FFT, no symmetry. Small random uint16 stacks made here. Built with
 * -fsanitize=address,undefined by `make test-c`; run without arguments.
 * Prints one line per check group and 'test_toolkit: all passed'. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define TOL 2e-6

/* ------------------------------------------------------------ stacks */

typedef struct {
    int T, H, W;
    uint16_t *px; /* C order (T, H, W) */
    ipcf_array a;
} stack;

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint32_t rnd(void) { /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545F4914F6CDD1Du) >> 32);
}

static void stack_init(stack *s, int T, int H, int W) {
    s->T = T; s->H = H; s->W = W;
    s->px = calloc((size_t)T * H * W, sizeof *s->px);
    if (!s->px) { perror("calloc"); exit(1); }
    int64_t sh[3] = {T, H, W};
    if (ipcf_array_init_contiguous(&s->a, IPCF_DTYPE_UINT16, 3, sh, s->px) != IPCF_OK) {
        fprintf(stderr, "FAIL fixture: %s\n", ipcf_last_error());
        exit(1);
    }
}

/* values lo .. lo+span-1 */
static void stack_random(stack *s, int lo, int span) {
    for (size_t i = 0; i < (size_t)s->T * s->H * s->W; i++) s->px[i] = (uint16_t)(lo + rnd() % (uint32_t)span);
}

static double at(const stack *s, int t, int y, int x) { return s->px[((size_t)t * s->H + y) * s->W + x]; }

/* ------------------------------------------------ the direct reference */

/* One computation as the test describes it; turned into ipcf_pcf_options
 * by options() and computed from the definitions by reference(). */
typedef struct {
    const char *name;
    const stack *d, *d2;    /* d2 NULL: one channel */
    int noff;               /* 0: the circle of radius, npoints */
    const int32_t *uv;
    int radius, npoints, nbins;
    int bins, m;            /* IPCF_BINS_*, multi-tau channels (0: default 16) */
    double smooth;          /* weight; the default is 0.7 */
    double threshold;       /* -INFINITY: none */
    int delta;
    const uint8_t *mask;    /* (H, W) or NULL */
    const ipcf_array *d2a;  /* if set, the library gets this view of d2's values */
} tcase;

typedef struct {
    int N, n;                    /* frames used, offsets */
    int32_t *uv;                 /* n (u, v) pairs */
    int my, mx;                  /* margins: rows, columns */
    int P;                       /* points per curve */
    int64_t edges[1 << 12];      /* bins: upper edges */
    int lags[1 << 12], levels[1 << 12];
    int multitau;
    double delays[1 << 12];
    int64_t shape[4];
} geom;

static int pow2floor(int n) {
    int p = 1;
    while (p <= n / 2) p *= 2;
    return p;
}

/* circle: angle_i = i*2pi/npoints, U = round-half-even(r cos), V = (r sin) */
static int32_t *ref_circle(int r, int np) {
    int32_t *uv = malloc(2 * (size_t)np * sizeof *uv);
    double step = 2 * M_PI / np;
    for (int i = 0; i < np; i++) {
        double a = i * step;
        uv[2 * i] = (int32_t)nearbyint(r * cos(a));
        uv[2 * i + 1] = (int32_t)nearbyint(r * sin(a));
    }
    return uv;
}

/* disk: every (u, v) != (0, 0) with u^2+v^2 <= r^2, v ascending, then u */
static int ref_disk(int r, int32_t *uv) {
    int n = 0;
    for (int v = -r; v <= r; v++)
        for (int u = -r; u <= r; u++)
            if ((u || v) && u * u + v * v <= r * r) { uv[2 * n] = u; uv[2 * n + 1] = v; n++; }
    return n;
}

/* line: (u, 0) for u = -r..-1, 1..r */
static int ref_line(int r, int32_t *uv) {
    int n = 0;
    for (int u = -r; u <= r; u++)
        if (u) { uv[2 * n] = u; uv[2 * n + 1] = 0; n++; }
    return n;
}

static int uniq(int64_t *b, int n) {
    /* sort (insertion) and drop repeats */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && b[j] < b[j - 1]; j--) { int64_t t = b[j]; b[j] = b[j - 1]; b[j - 1] = t; }
    int k = 0;
    for (int i = 0; i < n; i++)
        if (k == 0 || b[i] != b[k - 1]) b[k++] = b[i];
    return k;
}

/* log: unique(trunc(logspace(0, L, nbins, base=2))), L = log2(size) */
static int ref_logbins(int size, int nbins, int64_t *b) {
    double l = log((double)size) / log(2.0), step = l / (nbins - 1);
    for (int k = 0; k < nbins; k++) b[k] = (int64_t)pow(2.0, k == nbins - 1 ? l : k * step);
    return uniq(b, nbins);
}

/* linear: unique(trunc(linspace(1, size, nbins))) */
static int ref_linbins(int size, int nbins, int64_t *b) {
    double step = (double)(size - 1) / (nbins - 1);
    for (int k = 0; k < nbins; k++) b[k] = k == nbins - 1 ? size : (int64_t)(1 + k * step);
    return uniq(b, nbins);
}

static void ref_geometry(const tcase *c, int T, int H, int W, geom *g) {
    memset(g, 0, sizeof *g);
    g->N = pow2floor(T);
    if (c->noff) {
        g->n = c->noff;
        g->uv = malloc(2 * (size_t)g->n * sizeof *g->uv);
        memcpy(g->uv, c->uv, 2 * (size_t)g->n * sizeof *g->uv);
        for (int i = 0; i < g->n; i++) {
            int u = abs(g->uv[2 * i]), v = abs(g->uv[2 * i + 1]);
            if (u > g->mx) g->mx = u;
            if (v > g->my) g->my = v;
        }
    } else { /* the circle keeps the radius as margin on both axes */
        g->n = c->npoints;
        g->uv = ref_circle(c->radius, c->npoints);
        g->my = g->mx = c->radius;
    }
    if (c->bins == IPCF_BINS_MULTITAU) {
        int m = c->m ? c->m : 16, N = g->N;
        g->multitau = 1;
        for (int l = 0; l < m && l < N / 2; l++) { g->lags[g->P] = l; g->levels[g->P] = 0; g->P++; }
        for (int k = 1; (m / 2) << k < N / 2; k++)
            for (int l = m / 2; l < m && (l << k) < N / 2; l++) { g->lags[g->P] = l << k; g->levels[g->P] = k; g->P++; }
        for (int i = 0; i < g->P; i++) g->delays[i] = g->lags[i];
    } else {
        g->P = c->bins == IPCF_BINS_LINEAR ? ref_linbins(g->N / 2, c->nbins, g->edges) : ref_logbins(g->N / 2, c->nbins, g->edges);
        int64_t lo = 0;
        for (int i = 0; i < g->P; i++) { g->delays[i] = (double)(lo + g->edges[i] - 1) / 2; lo = g->edges[i]; }
    }
    g->shape[0] = H - 2 * g->my; g->shape[1] = W - 2 * g->mx; g->shape[2] = g->n; g->shape[3] = g->P;
}

static double sum(const double *a, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += a[i];
    return s;
}

/* G(a -> b)(tau) = n sum_t a[t] b[(t+tau) mod n] / (sum a sum b) - 1 */
static double corr(const double *a, const double *b, int n, int tau) {
    double s = 0;
    for (int t = 0; t < n; t++) s += a[t] * b[(t + tau) % n];
    return n * s / (sum(a, n) * sum(b, n)) - 1;
}

/* one curve, binned or multi-tau, smoothed */
static void curve(const tcase *c, const geom *g, const double *a, const double *b, double *out) {
    int N = g->N, P = g->P;
    if (g->multitau) {
        double *A = malloc(N * sizeof *A), *B = malloc(N * sizeof *B);
        for (int i = 0; i < P; i++) {
            int k = g->levels[i], s = 1 << k, M = N / s;
            for (int t = 0; t < M; t++) {
                A[t] = B[t] = 0;
                for (int j = 0; j < s; j++) { A[t] += a[t * s + j]; B[t] += b[t * s + j]; }
            }
            out[i] = corr(A, B, M, g->lags[i] >> k);
        }
        free(A);
        free(B);
    } else {
        int64_t lo = 0;
        for (int i = 0; i < P; i++) {
            double s = 0;
            for (int64_t tau = lo; tau < g->edges[i]; tau++) s += corr(a, b, N, (int)tau);
            out[i] = s / (double)(g->edges[i] - lo);
            lo = g->edges[i];
        }
    }
    double w = c->smooth;
    out[0] = out[1];
    if (w > 0) {
        for (int i = 1; i < P; i++) out[i] = (1 - w) * out[i] + w * out[i - 1];
        for (int i = P - 2; i >= 0; i--) out[i] = (1 - w) * out[i] + w * out[i + 1];
    }
}

/* reference: the output of case c, shape g->shape, C order */
static double *reference(const tcase *c, const geom *g) {
    const stack *d = c->d, *d2 = c->d2 ? c->d2 : c->d;
    int N = g->N, P = g->P;
    int64_t *s = (int64_t *)g->shape;
    double *out = malloc((size_t)(s[0] * s[1] * s[2] * s[3]) * sizeof *out);
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *cv = malloc(P * sizeof *cv), *cb = malloc(P * sizeof *cb);
    for (int y = g->my; y < d->H - g->my; y++)
        for (int x = g->mx; x < d->W - g->mx; x++) {
            for (int t = 0; t < N; t++) a[t] = at(d, t, y, x);
            for (int i = 0; i < g->n; i++) {
                int u = g->uv[2 * i], v = g->uv[2 * i + 1];
                for (int t = 0; t < N; t++) b[t] = at(d2, t, y + v, x + u);
                int nan = sum(a, N) == 0 || sum(b, N) == 0 || (c->mask && c->mask[y * d->W + x] == 0) ||
                          sum(a, N) / N <= c->threshold;
                if (nan) {
                    for (int k = 0; k < P; k++) cv[k] = NAN;
                } else {
                    curve(c, g, a, b, cv);
                    if (c->delta) {
                        curve(c, g, b, a, cb);
                        for (int k = 0; k < P; k++) cv[k] -= cb[k];
                    }
                }
                memcpy(out + ((((int64_t)(y - g->my) * s[1] + x - g->mx) * s[2] + i) * s[3]), cv, P * sizeof *cv);
            }
        }
    free(a); free(b); free(cv); free(cb);
    return out;
}

/* ------------------------------------------------ the library's result */

static void options(const tcase *c, ipcf_pcf_options *o, ipcf_array *d2) {
    ipcf_pcf_options_init(o);
    o->threads = 1;
    o->device = IPCF_DEVICE_CPU;
    o->radius = c->radius ? c->radius : 6;
    o->npoints = c->npoints ? c->npoints : 32;
    o->nbins = c->nbins ? c->nbins : 32;
    if (c->noff) { o->offsets = c->uv; o->noffsets = c->noff; }
    if (c->d2) { *d2 = c->d2a ? *c->d2a : c->d2->a; o->data2 = d2; }
    o->bins = c->bins;
    if (c->m) o->multitau_m = c->m;
    o->smooth = c->smooth;
    o->threshold = c->threshold;
    o->output = c->delta ? IPCF_OUTPUT_DELTA : IPCF_OUTPUT_CCF;
    static ipcf_array mask;
    if (c->mask) {
        int64_t sh[2] = {c->d->H, c->d->W};
        ipcf_array_init_contiguous(&mask, IPCF_DTYPE_UINT8, 2, sh, (void *)c->mask);
        o->mask = &mask;
    }
}

/* compute: the library's result of o on d; NULL on failure (checked) */
static float *compute(const char *name, const ipcf_array *d, const ipcf_pcf_options *o, int64_t shape[4], ipcf_status *st) {
    *st = ipcf_pcf_output_shape(d, o, shape);
    if (*st != IPCF_OK) return NULL;
    size_t n = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
    float *res = malloc(n * sizeof *res);
    for (size_t i = 0; i < n; i++) res[i] = -12345.f; /* every value must be written */
    ipcf_array out;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, shape, res);
    *st = ipcf_pcf_compute(d, o, &out);
    if (*st != IPCF_OK) {
        free(res);
        return NULL;
    }
    (void)name;
    return res;
}

/* compare: got against want (NaN where want is NaN); returns the max
 * absolute difference, counting the NaNs. */
static double compare(const char *name, const float *got, const double *want, size_t n, int *nans) {
    double m = 0;
    int bad = 0;
    *nans = 0;
    for (size_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        if (isnan(w)) {
            (*nans)++;
            if (!isnan(g)) {
                if (bad++ < 3) fprintf(stderr, "  %s: out[%zu]=%g, want NaN\n", name, i, g);
            }
            continue;
        }
        double e = fabs(g - w);
        if (!(e <= TOL)) {
            if (bad++ < 3) fprintf(stderr, "  %s: out[%zu]=%.9g, want %.9g (diff %.3g)\n", name, i, g, w, e);
            if (isnan(e)) e = INFINITY;
        }
        if (e > m) m = e;
    }
    CHECK(bad == 0, "%s: %d values differ from the direct reference", name, bad);
    return m;
}

/* run_case: output shape, delays and values (threads 1 and 3) against the
 * reference; prints one line. */
static void run_case(const tcase *c) {
    geom g;
    ref_geometry(c, c->d->T, c->d->H, c->d->W, &g);
    ipcf_pcf_options o;
    ipcf_array d2;
    options(c, &o, &d2);
    int64_t shape[4] = {0};
    CHECK(ipcf_pcf_output_shape(&c->d->a, &o, shape) == IPCF_OK, "%s: output shape", c->name);
    CHECK(memcmp(shape, g.shape, sizeof shape) == 0, "%s: output shape (%lld, %lld, %lld, %lld), want (%lld, %lld, %lld, %lld)",
          c->name, (long long)shape[0], (long long)shape[1], (long long)shape[2], (long long)shape[3],
          (long long)g.shape[0], (long long)g.shape[1], (long long)g.shape[2], (long long)g.shape[3]);
    double delays[1 << 12];
    size_t count = 0;
    ipcf_status st = ipcf_pcf_delays(&c->d->a, &o, delays, 1 << 12, &count);
    CHECK(st == IPCF_OK && count == (size_t)g.P, "%s: delays: status %d, count %zu, want %d", c->name, st, count, g.P);
    if (st == IPCF_OK && count == (size_t)g.P)
        for (int i = 0; i < g.P; i++) CHECK(delays[i] == g.delays[i], "%s: delay %d = %g, want %g", c->name, i, delays[i], g.delays[i]);
    double *want = reference(c, &g);
    size_t n = (size_t)(g.shape[0] * g.shape[1] * g.shape[2] * g.shape[3]);
    double worst = 0;
    int nans = 0;
    for (int threads = 1; threads <= 3; threads += 2) {
        o.threads = threads;
        int64_t sh[4];
        float *got = compute(c->name, &c->d->a, &o, sh, &st);
        CHECK(got != NULL, "%s: threads %d: status %d", c->name, threads, st);
        if (!got) continue;
        double m = compare(c->name, got, want, n, &nans);
        if (m > worst) worst = m;
        free(got);
    }
    printf("%-28s shape (%lld, %lld, %lld, %lld), max abs diff %.2g, %d NaN\n", c->name, (long long)g.shape[0],
           (long long)g.shape[1], (long long)g.shape[2], (long long)g.shape[3], worst, nans);
    free(want);
    free(g.uv);
}

/* ----------------------------------------------------------- checks */

static stack D, MIX, IND, LINE, BIG;
static uint8_t mask[9 * 10];
static uint16_t mixf[70 * 9 * 10]; /* MIX in Fortran order, big-endian */
static ipcf_array MIXF;

static void fixtures(void) {
    stack_init(&D, 70, 9, 10);
    stack_random(&D, 20, 41);
    /* a pixel below the threshold (mean 1) and one whose series sums to 0 */
    for (int t = 0; t < D.T; t++) {
        D.px[(t * 9 + 4) * 10 + 4] = 1;
        D.px[(t * 9 + 5) * 10 + 6] = 0;
    }
    /* a second channel correlated with the first: its counts plus noise */
    stack_init(&MIX, 70, 9, 10);
    stack_random(&MIX, 0, 31);
    for (size_t i = 0; i < 70 * 9 * 10; i++) MIX.px[i] += D.px[i];
    for (int t = 0; t < 70; t++)
        for (int y = 0; y < 9; y++)
            for (int x = 0; x < 10; x++) {
                uint16_t v = MIX.px[(t * 9 + y) * 10 + x];
                mixf[t + 70 * (y + 9 * x)] = (uint16_t)(v >> 8 | v << 8);
            }
    MIXF = MIX.a;
    MIXF.data = mixf;
    MIXF.byte_order = IPCF_ORDER_BIG; /* the test runs on little-endian machines */
    MIXF.strides[0] = 2; MIXF.strides[1] = 2 * 70; MIXF.strides[2] = 2 * 70 * 9;
    /* an independent second channel */
    stack_init(&IND, 70, 9, 10);
    stack_random(&IND, 10, 31);
    for (int t = 0; t < IND.T; t++) IND.px[(t * 9 + 2) * 10 + 7] = 0; /* a zero series as a neighbour */
    /* a line scan, (T, 1, W) */
    stack_init(&LINE, 70, 1, 12);
    stack_random(&LINE, 5, 50);
    /* big enough for the defaults (radius 6) */
    stack_init(&BIG, 300, 14, 15);
    stack_random(&BIG, 3, 20);
    memset(mask, 1, sizeof mask);
    mask[6 * 10 + 3] = 0;
    mask[3 * 10 + 5] = 0;
    mask[2 * 10 + 2] = 0;
}

static const double NONE = -INFINITY;

static void test_modes(void) {
    static const int32_t offs[] = {1, 2, -1, -2, 3, 0, 0, 0, -2, 1, 3, 0}; /* (0, 0) and (3, 0) twice */
    static const int32_t offs5[] = {1, 2, -1, -2, 3, 0, 0, 0, 3, 0};
    static const int32_t acf[] = {0, 0};
    static const int32_t two[] = {0, 0, 1, 0, -1, 0, 0, 1};
    static const int32_t del[] = {2, 0, -2, 0, 0, 1};
    static const int32_t diag[] = {1, 1};
    static const int32_t mt[] = {0, 0, 1, 0, -1, 0};
    static const int32_t mt8[] = {2, 1};
    static const int32_t thr[] = {1, 0, -1, 0, 0, 2, 0, -2};
    static int32_t disk[64], line[64], diskq[64];
    size_t nd = 0, nl = 0;
    CHECK(ipcf_offsets(IPCF_OFFSETS_DISK, 2, 0, disk, 32, &nd) == IPCF_OK && nd == 12, "disk(2): %zu offsets", nd);
    CHECK(ref_disk(2, diskq) == 12 && memcmp(disk, diskq, 24 * sizeof(int32_t)) == 0, "disk(2) offsets");
    CHECK(ipcf_offsets(IPCF_OFFSETS_LINE, 3, 0, line, 32, &nl) == IPCF_OK && nl == 6, "line(3): %zu offsets", nl);
    tcase cases[] = {
        {"circle", &D, NULL, 0, NULL, 2, 8, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 0, NULL},
        {"offsets", &D, NULL, 6, offs, 0, 0, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 0, NULL},
        {"offsets smooth 0", &D, NULL, 5, offs5, 0, 0, 8, IPCF_BINS_LOG, 0, 0, NONE, 0, NULL},
        {"disk preset", &D, NULL, (int)nd, disk, 0, 0, 6, IPCF_BINS_LOG, 0, 0.7, NONE, 0, NULL},
        {"line preset, 9x10", &D, NULL, (int)nl, line, 0, 0, 6, IPCF_BINS_LOG, 0, 0.7, NONE, 0, NULL},
        {"line preset, line scan", &LINE, NULL, (int)nl, line, 0, 0, 6, IPCF_BINS_LOG, 0, 0.7, NONE, 0, NULL},
        {"acf, mask", &D, NULL, 1, acf, 0, 0, 10, IPCF_BINS_LOG, 0, 0.7, NONE, 0, mask},
        {"acf smooth 0.5", &D, NULL, 1, acf, 0, 0, 10, IPCF_BINS_LOG, 0, 0.5, NONE, 0, NULL},
        {"circle mask", &D, NULL, 0, NULL, 1, 4, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 0, mask},
        {"two channels", &D, &MIX, 4, two, 0, 0, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 0, NULL},
        {"two ch F-order BE delta", &D, &MIX, 4, two, 0, 0, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 1, NULL, &MIXF},
        {"two channels circle", &D, &IND, 0, NULL, 2, 8, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 0, NULL},
        {"delta", &D, NULL, 3, del, 0, 0, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 1, NULL},
        {"delta two channels", &D, &MIX, 1, diag, 0, 0, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 1, NULL},
        {"delta circle smooth 0", &D, NULL, 0, NULL, 1, 6, 8, IPCF_BINS_LOG, 0, 0, NONE, 1, NULL},
        {"linear bins", &D, NULL, 0, NULL, 2, 8, 7, IPCF_BINS_LINEAR, 0, 0.7, NONE, 0, NULL},
        {"linear bins acf 32", &D, NULL, 1, acf, 0, 0, 32, IPCF_BINS_LINEAR, 0, 0, NONE, 0, NULL},
        {"multitau m4", &D, NULL, 3, mt, 0, 0, 0, IPCF_BINS_MULTITAU, 4, 0.7, NONE, 0, NULL},
        {"multitau m8 delta", &D, NULL, 1, mt8, 0, 0, 0, IPCF_BINS_MULTITAU, 8, 0.7, NONE, 1, NULL},
        {"multitau m8 two ch smooth 0", &D, &MIX, 2, two, 0, 0, 0, IPCF_BINS_MULTITAU, 8, 0, NONE, 0, NULL},
        {"threshold 1 (= a mean)", &D, NULL, 4, thr, 0, 0, 8, IPCF_BINS_LOG, 0, 0.7, 1, 0, NULL},
        {"threshold 39.5 two ch", &D, &MIX, 1, two, 0, 0, 8, IPCF_BINS_LINEAR, 0, 0.5, 39.5, 0, mask},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) run_case(&cases[i]);
    /* the threshold really cut something and kept something */
    {
        int n = 0;
        for (int y = 0; y < 9; y++)
            for (int x = 0; x < 10; x++) {
                double s = 0;
                for (int t = 0; t < 64; t++) s += at(&D, t, y, x);
                n += s / 64 <= 39.5;
            }
        CHECK(n > 5 && n < 85, "threshold 39.5 cuts %d of 90 pixels", n);
    }
}

static void test_offsets(void) {
    int32_t uv[4096], want[4096];
    size_t count = 0;
    /* circle: ipcf_circle's and the definition's */
    CHECK(ipcf_offsets(IPCF_OFFSETS_CIRCLE, 6, 32, uv, 32, &count) == IPCF_OK && count == 32, "circle count %zu", count);
    int32_t c2[64], *rc = ref_circle(6, 32);
    CHECK(ipcf_circle(6, 32, c2, 64) == IPCF_OK && memcmp(uv, c2, sizeof c2) == 0, "circle equals ipcf_circle");
    CHECK(memcmp(uv, rc, sizeof c2) == 0, "circle equals the definition");
    free(rc);
    /* disk and line, counts and values */
    int radii[] = {1, 2, 3, 5};
    int dcount[] = {4, 12, 28, 80};
    for (int i = 0; i < 4; i++) {
        int n = ref_disk(radii[i], want);
        CHECK(n == dcount[i], "reference disk(%d) %d", radii[i], n);
        CHECK(ipcf_offsets(IPCF_OFFSETS_DISK, radii[i], 0, uv, 2048, &count) == IPCF_OK && count == (size_t)n &&
                  memcmp(uv, want, 2 * n * sizeof *uv) == 0, "disk(%d): count %zu, want %d", radii[i], count, n);
        n = ref_line(radii[i], want);
        CHECK(ipcf_offsets(IPCF_OFFSETS_LINE, radii[i], 0, uv, 2048, &count) == IPCF_OK && count == (size_t)(2 * radii[i]) &&
                  memcmp(uv, want, 2 * n * sizeof *uv) == 0, "line(%d): count %zu, want %d", radii[i], count, n);
    }
    /* npoints is the circle's only: any value for disk and line */
    CHECK(ipcf_offsets(IPCF_OFFSETS_DISK, 2, -7, uv, 12, &count) == IPCF_OK && count == 12, "disk ignores npoints");
    CHECK(ipcf_offsets(IPCF_OFFSETS_LINE, 2, 0, uv, 4, &count) == IPCF_OK && count == 4, "line cap = count");
    /* a small buffer: BUFFER_TOO_SMALL, count = the need, uv untouched */
    for (int i = 0; i < 64; i++) uv[i] = 777;
    count = 0;
    CHECK(ipcf_offsets(IPCF_OFFSETS_DISK, 2, 0, uv, 11, &count) == IPCF_E_BUFFER_TOO_SMALL && count == 12, "disk cap 11: count %zu", count);
    CHECK(strstr(ipcf_last_error(), "ipcf_offsets") && strstr(ipcf_last_error(), "cap=11"), "disk cap 11 message");
    int untouched = 1;
    for (int i = 0; i < 64; i++) untouched &= uv[i] == 777;
    CHECK(untouched, "a refused call wrote uv");
    count = 0;
    CHECK(ipcf_offsets(IPCF_OFFSETS_CIRCLE, 6, 32, uv, 31, &count) == IPCF_E_BUFFER_TOO_SMALL && count == 32, "circle cap 31");
    count = 0;
    CHECK(ipcf_offsets(IPCF_OFFSETS_LINE, 4, 0, NULL, 0, &count) == IPCF_E_BUFFER_TOO_SMALL && count == 8, "line size query (NULL, 0): count %zu", count);
    /* the pairs past count are not written */
    for (int i = 0; i < 64; i++) uv[i] = 777;
    CHECK(ipcf_offsets(IPCF_OFFSETS_LINE, 2, 0, uv, 30, &count) == IPCF_OK && count == 4 && uv[8] == 777 && uv[59] == 777, "line writes past count");
    /* NULL pointers, a bad kind, radius and npoints out of range */
    CHECK(ipcf_offsets(IPCF_OFFSETS_DISK, 2, 0, uv, 64, NULL) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "count is NULL"), "count NULL");
    CHECK(ipcf_offsets(IPCF_OFFSETS_DISK, 2, 0, NULL, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "uv is NULL"), "uv NULL");
    CHECK(ipcf_offsets(IPCF_OFFSETS_CIRCLE, 2, 8, NULL, 8, &count) == IPCF_E_INVALID_ARGUMENT, "circle uv NULL");
    CHECK(ipcf_offsets(3, 2, 8, uv, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "kind=3"), "kind 3");
    CHECK(ipcf_offsets(-1, 2, 8, uv, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "kind=-1"), "kind -1");
    CHECK(ipcf_offsets(IPCF_OFFSETS_CIRCLE, 0, 8, uv, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "radius=0"), "circle radius 0");
    CHECK(ipcf_offsets(IPCF_OFFSETS_CIRCLE, 2, 0, uv, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "npoints=0"), "circle npoints 0");
    CHECK(ipcf_offsets(IPCF_OFFSETS_DISK, 0, 8, uv, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "radius=0"), "disk radius 0");
    CHECK(ipcf_offsets(IPCF_OFFSETS_LINE, -3, 8, uv, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "radius=-3"), "line radius -3");
    CHECK(ipcf_offsets(IPCF_OFFSETS_DISK, INT32_MAX, 8, uv, 64, &count) == IPCF_E_INVALID_ARGUMENT, "disk radius INT32_MAX");
    printf("%-28s circle, disk, line: counts, values, small buffer, NULL, bad kind\n", "ipcf_offsets");
}

static void test_shapes_and_delays(void) {
    ipcf_array d;
    int64_t sh3[3] = {64, 20, 30}, shape[4];
    ipcf_array_init_contiguous(&d, IPCF_DTYPE_UINT16, 3, sh3, NULL); /* data may be NULL */
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.nbins = 8;
    static const int32_t far[] = {3, -1, -2, 4};
    o.offsets = far; o.noffsets = 2;
    int64_t want[4] = {12, 24, 2, 0};
    size_t nb = 0;
    int64_t bins[64];
    ipcf_logbins(32, 8, bins, 64, &nb);
    want[3] = (int64_t)nb;
    CHECK(ipcf_pcf_output_shape(&d, &o, shape) == IPCF_OK && memcmp(shape, want, sizeof want) == 0,
          "offsets shape (%lld, %lld, %lld, %lld)", (long long)shape[0], (long long)shape[1], (long long)shape[2], (long long)shape[3]);
    static const int32_t acf[] = {0, 0};
    o.offsets = acf; o.noffsets = 1;
    want[0] = 20; want[1] = 30; want[2] = 1;
    CHECK(ipcf_pcf_output_shape(&d, &o, shape) == IPCF_OK && memcmp(shape, want, sizeof want) == 0, "acf shape (H, W, 1, P)");
    /* the circle keeps the radius as margin where no point reaches it */
    o.offsets = NULL; o.noffsets = 0; o.radius = 3; o.npoints = 1;
    want[0] = 14; want[1] = 24; want[2] = 1;
    CHECK(ipcf_pcf_output_shape(&d, &o, shape) == IPCF_OK && memcmp(shape, want, sizeof want) == 0, "circle npoints 1 margin");
    /* the same offsets as a list: margin 0 rows */
    static const int32_t right3[] = {3, 0};
    o.offsets = right3; o.noffsets = 1;
    want[0] = 20;
    CHECK(ipcf_pcf_output_shape(&d, &o, shape) == IPCF_OK && memcmp(shape, want, sizeof want) == 0, "offset (3, 0) margin");
    /* a line scan (T, 1, W) with the line preset */
    int32_t line[16];
    size_t nl;
    ipcf_offsets(IPCF_OFFSETS_LINE, 4, 0, line, 8, &nl);
    int64_t shl[3] = {64, 1, 30};
    ipcf_array dl;
    ipcf_array_init_contiguous(&dl, IPCF_DTYPE_UINT16, 3, shl, NULL);
    o.offsets = line; o.noffsets = (int64_t)nl;
    want[0] = 1; want[1] = 22; want[2] = 8;
    CHECK(ipcf_pcf_output_shape(&dl, &o, shape) == IPCF_OK && memcmp(shape, want, sizeof want) == 0, "line scan shape");
    printf("%-28s offsets, ACF, circle margin, line scan\n", "ipcf_pcf_output_shape");

    /* ipcf_pcf_delays, in frames: log, linear, multi-tau (m 4, 8, 16) */
    int64_t shb[3] = {1000, 20, 30}; /* N = 512 */
    ipcf_array db;
    ipcf_array_init_contiguous(&db, IPCF_DTYPE_UINT16, 3, shb, NULL);
    struct { const char *name; int bins, nbins, m; } dc[] = {
        {"log 32", IPCF_BINS_LOG, 32, 0}, {"log 8", IPCF_BINS_LOG, 8, 0}, {"linear 7", IPCF_BINS_LINEAR, 7, 0},
        {"linear 300", IPCF_BINS_LINEAR, 300, 0}, {"multitau 4", IPCF_BINS_MULTITAU, 0, 4},
        {"multitau 8", IPCF_BINS_MULTITAU, 0, 8}, {"multitau 16", IPCF_BINS_MULTITAU, 0, 16},
    };
    for (size_t i = 0; i < sizeof dc / sizeof *dc; i++) {
        tcase c = {0};
        c.radius = 2; c.npoints = 4; c.nbins = dc[i].nbins; c.bins = dc[i].bins; c.m = dc[i].m;
        geom g;
        ref_geometry(&c, 1000, 20, 30, &g);
        free(g.uv);
        ipcf_pcf_options_init(&o);
        o.radius = 2; o.npoints = 4; o.bins = dc[i].bins;
        if (dc[i].nbins) o.nbins = dc[i].nbins;
        if (dc[i].m) o.multitau_m = dc[i].m;
        double del[1024];
        size_t count = 0;
        ipcf_status st = ipcf_pcf_delays(&db, &o, del, 1024, &count);
        CHECK(st == IPCF_OK && count == (size_t)g.P, "delays %s: status %d count %zu, want %d", dc[i].name, st, count, g.P);
        for (int k = 0; st == IPCF_OK && k < g.P && k < (int)count; k++)
            CHECK(del[k] == g.delays[k], "delays %s: [%d] = %g, want %g", dc[i].name, k, del[k], g.delays[k]);
        CHECK(ipcf_pcf_output_shape(&db, &o, shape) == IPCF_OK && shape[3] == (int64_t)count, "delays %s: count = shape[3]", dc[i].name);
        if (dc[i].bins == IPCF_BINS_LOG) { /* the log edges are ipcf_logbins' */
            int64_t lb[64];
            size_t n = 0;
            CHECK(ipcf_logbins(256, dc[i].nbins, lb, 64, &n) == IPCF_OK && n == (size_t)g.P &&
                      memcmp(lb, g.edges, n * sizeof *lb) == 0, "delays %s: the reference's log edges are ipcf_logbins'", dc[i].name);
        }
        if (dc[i].m == 16) /* N = 512, m 16: 16 lags at level 0, 8 at levels 1..4 (lags < 256) */
            CHECK(count == 16 + 4 * 8 && del[15] == 15 && del[16] == 16 && del[count - 1] == 15 << 4, "multitau 16 lags");
        if (dc[i].bins == IPCF_BINS_LINEAR && dc[i].nbins == 7)
            CHECK(count == 7 && del[0] == 0 && del[6] == (double)(g.edges[5] + 256 - 1) / 2, "linear 7 delays");
    }
    /* the protocol: a size query, a small buffer, NULL pointers */
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 4; o.bins = IPCF_BINS_MULTITAU; o.multitau_m = 8;
    double del[64];
    size_t count = 0;
    CHECK(ipcf_pcf_delays(&db, &o, NULL, 0, &count) == IPCF_E_BUFFER_TOO_SMALL && count == 8 + 4 * 5, "delays query: count %zu", count);
    size_t need = count;
    for (int i = 0; i < 64; i++) del[i] = -1;
    count = 0;
    CHECK(ipcf_pcf_delays(&db, &o, del, need - 1, &count) == IPCF_E_BUFFER_TOO_SMALL && count == need &&
              strstr(ipcf_last_error(), "ipcf_pcf_delays") && strstr(ipcf_last_error(), "cap="), "delays cap - 1");
    int untouched = 1;
    for (int i = 0; i < 64; i++) untouched &= del[i] == -1;
    CHECK(untouched, "a refused ipcf_pcf_delays wrote delays");
    CHECK(ipcf_pcf_delays(&db, &o, del, need, &count) == IPCF_OK && count == need && del[need - 1] == 7 << 5 && del[need] == -1, "delays cap = need");
    CHECK(ipcf_pcf_delays(&db, &o, del, 64, &count) == IPCF_OK && count == need && del[need] == -1, "delays cap > need");
    CHECK(ipcf_pcf_delays(&db, &o, del, 64, NULL) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "count is NULL"), "delays count NULL");
    CHECK(ipcf_pcf_delays(&db, &o, NULL, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "delays is NULL"), "delays NULL");
    CHECK(ipcf_pcf_delays(NULL, &o, del, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "data is NULL"), "delays data NULL");
    o.multitau_m = 5;
    CHECK(ipcf_pcf_delays(&db, &o, del, 64, &count) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "multitau_m=5"), "delays m 5");
    /* options NULL: the defaults (log, 32 bins) */
    CHECK(ipcf_pcf_delays(&db, NULL, del, 64, &count) == IPCF_OK && count > 2 && del[0] == 0, "delays options NULL");
    {
        int64_t lb[64];
        size_t n = 0;
        ipcf_logbins(256, 32, lb, 64, &n);
        CHECK(count == n && del[count - 1] == (double)(lb[n - 2] + lb[n - 1] - 1) / 2, "delays defaults");
    }
    printf("%-28s log, linear, multitau (frames); query, BUFFER_TOO_SMALL, NULL\n", "ipcf_pcf_delays");
}

/* The defaults are the explicit circle, log bins and smoothing 0.7,
 * bitwise; an options struct of the 0.2 layout still works and gives the
 * defaults. */
static void test_defaults_and_layout(void) {
    ipcf_pcf_options def;
    ipcf_pcf_options_init(&def);
    CHECK(def.struct_size == sizeof def && def.offsets == NULL && def.noffsets == 0 && def.data2 == NULL &&
              def.bins == IPCF_BINS_LOG && def.multitau_m == 16 && def.smooth == 0.7 && isinf(def.threshold) &&
              def.threshold < 0 && def.output == IPCF_OUTPUT_CCF && def.device == IPCF_DEVICE_AUTO,
          "ipcf_pcf_options_init defaults");
    CHECK(ipcf_pcf_options_struct_size() == sizeof(ipcf_pcf_options), "options struct size");
    def.device = IPCF_DEVICE_CPU;
    int64_t s1[4], s2[4], s3[4];
    ipcf_status st;
    float *a = compute("defaults", &BIG.a, &def, s1, &st);
    CHECK(a != NULL, "defaults: status %d", st);
    int32_t circ[64];
    size_t n = 0;
    CHECK(ipcf_offsets(IPCF_OFFSETS_CIRCLE, 6, 32, circ, 32, &n) == IPCF_OK && n == 32, "circle(6, 32)");
    ipcf_pcf_options ex = def;
    ex.offsets = circ; ex.noffsets = 32; ex.bins = IPCF_BINS_LOG; ex.smooth = 0.7;
    float *b = compute("explicit", &BIG.a, &ex, s2, &st);
    CHECK(b != NULL, "explicit circle: status %d", st);
    if (a && b) {
        CHECK(memcmp(s1, s2, sizeof s1) == 0, "explicit circle shape");
        CHECK(memcmp(a, b, (size_t)(s1[0] * s1[1] * s1[2] * s1[3]) * sizeof *a) == 0, "explicit circle + LOG + 0.7 not bitwise the defaults");
    }
    /* the defaults against the reference too */
    {
        tcase c = {"defaults", &BIG, NULL, 0, NULL, 6, 32, 32, IPCF_BINS_LOG, 0, 0.7, NONE, 0, NULL};
        geom g;
        ref_geometry(&c, BIG.T, BIG.H, BIG.W, &g);
        double *want = reference(&c, &g);
        int nans;
        if (a) compare("defaults", a, want, (size_t)(g.shape[0] * g.shape[1] * g.shape[2] * g.shape[3]), &nans);
        free(want);
        free(g.uv);
    }
    /* the 0.2 layout: a struct that ends before offsets, in a heap block of
     * exactly that size (AddressSanitizer sees a read beyond it) */
    size_t old = offsetof(ipcf_pcf_options, offsets);
    ipcf_pcf_options *o2 = malloc(old);
    memcpy(o2, &def, old);
    o2->struct_size = (uint32_t)old;
    float *c = compute("0.2 layout", &BIG.a, o2, s3, &st);
    CHECK(c != NULL, "0.2 layout: status %d", st);
    if (a && c) {
        CHECK(memcmp(s1, s3, sizeof s1) == 0, "0.2 layout shape");
        CHECK(memcmp(a, c, (size_t)(s1[0] * s1[1] * s1[2] * s1[3]) * sizeof *a) == 0, "0.2 layout differs from the defaults");
    }
    double del[64];
    size_t count = 0;
    CHECK(ipcf_pcf_delays(&BIG.a, o2, del, 64, &count) == IPCF_OK && (int64_t)count == s1[3], "0.2 layout delays");
    /* the 0.2 layout ignores toolkit fields beyond its struct_size */
    ipcf_pcf_options big = def;
    big.struct_size = (uint32_t)old;
    big.offsets = (const int32_t *)16; big.noffsets = -5; big.bins = 99; big.multitau_m = 3;
    big.smooth = NAN; big.threshold = NAN; big.output = 7; big.data2 = (const ipcf_array *)16;
    float *e = compute("0.2 layout, garbage beyond", &BIG.a, &big, s3, &st);
    CHECK(e != NULL, "0.2 layout with garbage beyond struct_size: status %d", st);
    if (a && e) CHECK(memcmp(a, e, (size_t)(s1[0] * s1[1] * s1[2] * s1[3]) * sizeof *a) == 0, "0.2 layout (garbage beyond) differs");
    free(o2);
    free(a); free(b); free(c); free(e);
    printf("%-28s explicit circle + LOG + 0.7 bitwise; struct_size %zu (0.2) gives the defaults\n", "defaults and 0.2 layout", old);
}

/* cuda0_usable: whether a CUDA device 0 is usable here (a GPU, or
 * IPCF_CUDA_LIBDIR naming the emulated one), asked of the library: a plain
 * pCF on device 0 is IPCF_OK, or IPCF_E_NO_DEVICE where none is; a usable
 * one is listed by ipcf_devices. */
static int cuda0_usable(void) {
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 4; o.nbins = 6; o.threads = 1; o.device = 0;
    int64_t s[4];
    ipcf_status st;
    float *r = compute("device 0 probe", &D.a, &o, s, &st);
    free(r);
    char devs[4096] = "";
    CHECK(st == IPCF_OK || st == IPCF_E_NO_DEVICE, "device 0, plain pCF: status %d (%s)", st, ipcf_last_error());
    CHECK(ipcf_devices(devs, sizeof devs) == IPCF_OK && (st != IPCF_OK || strncmp(devs, "cuda:0 ", 7) == 0),
          "device 0 ran, ipcf_devices: \"%s\"", devs);
    return st == IPCF_OK;
}

/* near: the GPU's curves against the CPU's: the same NaNs, and within
 * float32 rounding (README: about 1e-8; here 1e-6, the conformance
 * tolerance, of the largest |value|). */
static int near(const float *g, const float *c, size_t n, double *maxd) {
    double scale = 0, m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(c[i]) && fabs(c[i]) > scale) scale = fabs(c[i]);
    for (size_t i = 0; i < n; i++) {
        if (isnan(c[i]) != isnan(g[i])) return 0;
        if (!isnan(c[i]) && fabs((double)g[i] - c[i]) > m) m = fabs((double)g[i] - c[i]);
    }
    *maxd = m;
    return m <= 1e-6 * scale;
}

/* device 0 (a CUDA ordinal) refuses the toolkit modes with
 * IPCF_E_NO_DEVICE, and IPCF_DEVICE_AUTO runs them on the CPU, bit for
 * bit; a list of offsets the GPU computes, where a CUDA device 0 is
 * usable (else IPCF_E_NO_DEVICE: no device): then device 0 and auto run it
 * there, within float32 rounding of the CPU. */
static void test_devices(void) {
    static const int32_t acf[] = {0, 0};
    tcase c = {"delta acf", &D, NULL, 1, acf, 0, 0, 8, IPCF_BINS_LOG, 0, 0.7, NONE, 1, NULL};
    ipcf_pcf_options o;
    ipcf_array d2;
    int gpu = cuda0_usable();
    options(&c, &o, &d2);
    int64_t s[4];
    ipcf_status st;
    float *cpu = compute("cpu", &D.a, &o, s, &st);
    CHECK(cpu != NULL, "cpu: status %d", st);
    size_t n = (size_t)(s[0] * s[1] * s[2] * s[3]);
    struct { const char *name; int which; } modes[] = {{"offsets", 0}, {"data2", 1}, {"linear bins", 2}, {"multitau", 3},
                                                       {"smooth 0", 4}, {"threshold", 5}, {"delta", 6}};
    double gpumax = 0;
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        ipcf_pcf_options_init(&o);
        o.radius = 2; o.npoints = 4; o.nbins = 6; o.threads = 1;
        switch (modes[i].which) {
        case 0: o.offsets = acf; o.noffsets = 1; break;
        case 1: d2 = MIX.a; o.data2 = &d2; break;
        case 2: o.bins = IPCF_BINS_LINEAR; break;
        case 3: o.bins = IPCF_BINS_MULTITAU; o.multitau_m = 4; break;
        case 4: o.smooth = 0; break;
        case 5: o.threshold = 2; break;
        case 6: o.output = IPCF_OUTPUT_DELTA; break;
        }
        int on_gpu = gpu && modes[i].which == 0;
        char note[512] = "";
        o.device = 0;
        int64_t sh[4];
        float *g = compute(modes[i].name, &D.a, &o, sh, &st);
        if (on_gpu)
            CHECK(g != NULL && ipcf_last_device_note(note, sizeof note) == IPCF_OK && strncmp(note, "cuda:0", 6) == 0,
                  "device 0 with %s: status %d, note \"%s\", want IPCF_OK on cuda:0", modes[i].name, st, note);
        else
            CHECK(g == NULL && st == IPCF_E_NO_DEVICE && strstr(ipcf_last_error(), "cuda:0"),
                  "device 0 with %s: status %d, want IPCF_E_NO_DEVICE", modes[i].name, st);
        o.device = IPCF_DEVICE_AUTO;
        float *r = compute(modes[i].name, &D.a, &o, sh, &st);
        CHECK(r != NULL && ipcf_last_device_note(note, sizeof note) == IPCF_OK &&
                  strncmp(note, on_gpu ? "cuda:0" : "cpu", on_gpu ? 6 : 3) == 0,
              "device auto with %s: status %d, note \"%s\", want %s", modes[i].name, st, note, on_gpu ? "cuda:0" : "the CPU");
        float *q = NULL;
        o.device = IPCF_DEVICE_CPU;
        q = compute(modes[i].name, &D.a, &o, sh, &st);
        size_t m = (size_t)(sh[0] * sh[1] * sh[2] * sh[3]);
        if (on_gpu) {
            double d = 0;
            CHECK(r && g && memcmp(r, g, m * sizeof *r) == 0, "device auto with %s differs from device 0", modes[i].name);
            CHECK(r && q && near(r, q, m, &d), "device auto (cuda:0) with %s: %.3g from the CPU", modes[i].name, d);
            gpumax = d;
        } else {
            CHECK(r && q && memcmp(r, q, m * sizeof *r) == 0, "device auto with %s differs from the CPU", modes[i].name);
        }
        free(g);
        free(r);
        free(q);
    }
    /* auto: the note says the CPU ran it */
    options(&c, &o, &d2);
    o.device = IPCF_DEVICE_AUTO;
    float *au = compute("auto", &D.a, &o, s, &st);
    char note[512] = "";
    CHECK(au && ipcf_last_device_note(note, sizeof note) == IPCF_OK && strncmp(note, "cpu", 3) == 0, "device note after auto: \"%s\"", note);
    CHECK(au && cpu && memcmp(au, cpu, n * sizeof *au) == 0, "auto differs from the CPU");
    free(au);
    free(cpu);
    if (gpu)
        printf("%-28s device 0: IPCF_E_NO_DEVICE for 6 modes, offsets on cuda:0 (%.2g from the CPU); auto = cpu (%s)\n",
               "devices", gpumax, note);
    else
        printf("%-28s device 0: IPCF_E_NO_DEVICE for 7 modes; auto = cpu (%s)\n", "devices", note);
}

int main(void) {
    fixtures();
    test_modes();
    test_offsets();
    test_shapes_and_delays();
    test_defaults_and_layout();
    test_devices();
    free(D.px); free(MIX.px); free(IND.px); free(LINE.px); free(BIG.px);
    if (failures) {
        fprintf(stderr, "test_toolkit: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("test_toolkit: %d checks\ntest_toolkit: all passed\n", checks);
    return 0;
}
