/* Fits (ipcf_fit, ipcf_fit_nparams, ipcf_fit_options, since 0.3) through
 * the C ABI. Noise-free curves of each model, written here from the
 * formulas of include/ipcf.h and core/fit's documentation, in any strides,
 * give back their parameters to 1e-6; the derived columns and the unit
 * factors follow; the layout and the thread count do not change a bit;
 * NaN curves and bad error bars fail alone; every refused argument gives
 * its status and a message naming it; a token or the progress callback
 * cancels; a forked child is refused. Built with
 * -fsanitize=address,undefined like the other C tests; run without
 * arguments. Prints 'test_fit: all passed'. */
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

static void *xcalloc(size_t n, size_t s) {
    void *p = calloc(n ? n : 1, s);
    if (!p) {
        perror("calloc");
        exit(1);
    }
    return p;
}

/* Multi-tau-like delays in frames: 0..7, then steps doubling every 4. */
#define P 33
static double tau[P];

static void make_delays(void) {
    int i = 0;
    for (; i < 8; i++) tau[i] = i;
    double step = 2;
    for (; i < P; i++) {
        tau[i] = tau[i - 1] + step;
        if (i % 4 == 3) step *= 2;
    }
}

/* ------------------------------------------------------------ the models */

#define WAIST 2.0

typedef struct {
    int model;
    unsigned flags;
    double kappa, side; /* ACF3D; ITIR */
    int K;
    const int32_t *uv;  /* K (u, v) pairs, or NULL */
} spec;

/* p: the model's parameters (G0/DC, D, then v or vx, vy, then Ginf) */
static double h_itir(double z, double p) { return z * erf(z / p) + p / sqrt(M_PI) * exp(-z * z / (p * p)); }
static double f_itir(double r, double p, double a) {
    return (h_itir(r + a, p) + h_itir(r - a, p) - 2 * h_itir(r, p)) / 2;
}

static double model_at(const spec *s, const double *p, int k, double t) {
    double w2 = WAIST * WAIST, q = 4 * p[1] * t + w2;
    double rx = s->uv ? s->uv[2 * k] : 0, ry = s->uv ? s->uv[2 * k + 1] : 0;
    int flow = (s->flags & IPCF_FIT_FLOW) != 0, ginf = (s->flags & IPCF_FIT_GINF) != 0;
    switch (s->model) {
    case IPCF_MODEL_PCF1D:
        return p[0] * w2 / q * exp(-(rx * rx + ry * ry) / q);
    case IPCF_MODEL_ACF2D:
    case IPCF_MODEL_ACF3D: {
        double g = p[0] * w2 / q;
        if (s->model == IPCF_MODEL_ACF3D) g /= sqrt(1 + 4 * p[1] * t / (s->kappa * s->kappa * w2));
        if (flow) g *= exp(-p[2] * p[2] * t * t / q);
        return g + (ginf ? p[2 + flow] : 0);
    }
    case IPCF_MODEL_CCF2D: {
        double ax = rx - p[2] * t, ay = ry - p[3] * t, bx = rx + p[2] * t, by = ry + p[3] * t;
        double g = exp(-(ax * ax + ay * ay) / q);
        if (s->flags & IPCF_FIT_DELTA) g -= exp(-(bx * bx + by * by) / q);
        return p[0] * w2 / q * g + (ginf ? p[4] : 0);
    }
    case IPCF_MODEL_ITIR: {
        double vx = flow ? p[2] : 0, vy = flow ? p[3] : 0, pp = sqrt(q), f0 = f_itir(0, WAIST, s->side);
        double g = p[0] * f_itir(rx - vx * t, pp, s->side) * f_itir(ry - vy * t, pp, s->side) / (f0 * f0);
        return g + (ginf ? p[2 + 2 * flow] : 0);
    }
    }
    return NAN;
}

/* The ipcf_fit_options of a spec (defaults otherwise). */
static ipcf_fit_options options_of(const spec *s) {
    ipcf_fit_options o;
    ipcf_fit_options_init(&o);
    o.model = s->model;
    o.flags = s->flags;
    o.waist = WAIST;
    if (s->model == IPCF_MODEL_ACF3D) o.kappa = s->kappa;
    if (s->model == IPCF_MODEL_ITIR) o.pixel_side = s->side;
    return o;
}

/* The model's parameters for pixel i (of H*W): D and amplitudes vary. */
static void truth(const spec *s, int i, double *p, int np) {
    p[0] = 0.02 + 0.003 * i;
    p[1] = 0.1 + 0.04 * i;
    int flow = (s->flags & IPCF_FIT_FLOW) != 0 || s->model == IPCF_MODEL_CCF2D;
    int j = 2;
    if (flow) {
        if (s->model == IPCF_MODEL_ACF2D || s->model == IPCF_MODEL_ACF3D) {
            p[j++] = 0.15 + 0.01 * i;
        } else {
            p[j++] = 0.12 - 0.02 * i;
            p[j++] = 0.05 + 0.015 * i;
        }
    }
    if (j < np) p[j++] = -0.001 + 0.0003 * i; /* Ginf */
}

#define H 2
#define W 3

/* Fits a spec's noise-free curves, stored in the layout (K, P, H, W)
 * behind a strided (H, W, K, P) descriptor, and checks every fit. */
static void recover(const char *what, const spec *s) {
    ipcf_fit_options o = options_of(s);
    int32_t nc = 0;
    char names[256];
    CHECK(ipcf_fit_nparams(&o, s->uv, s->K, &nc, names, sizeof names) == IPCF_OK, "%s: nparams", what);
    int joint = (s->flags & IPCF_FIT_JOINT) || s->model == IPCF_MODEL_CCF2D;
    int kf = joint ? 1 : s->K;
    /* the model's own parameters: the names before tauD */
    int np = 0;
    for (const char *c = names; c < strstr(names, "tauD"); c++) np += *c == ',';
    size_t nfit = (size_t)H * W * s->K * P;
    float *buf = xcalloc(nfit, sizeof *buf);
    double *want = xcalloc((size_t)H * W * 8, sizeof *want);
    for (int i = 0; i < H * W; i++) {
        truth(s, i, want + 8 * i, np);
        for (int k = 0; k < s->K; k++)
            for (int j = 0; j < P; j++) buf[(((size_t)k * P + j) * H + i / W) * W + i % W] = (float)model_at(s, want + 8 * i, k, tau[j]);
    }
    ipcf_array curves;
    ipcf_array_init(&curves);
    curves.dtype = IPCF_DTYPE_FLOAT32, curves.ndim = 4;
    int64_t sh[4] = {H, W, s->K, P};
    int64_t st[4] = {W * 4, 4, (int64_t)P * H * W * 4, (int64_t)H * W * 4};
    memcpy(curves.shape, sh, sizeof sh), memcpy(curves.strides, st, sizeof st);
    curves.data = buf;
    int64_t psh[4] = {H, W, kf, nc}, ssh[3] = {H, W, kf};
    size_t nout = (size_t)H * W * kf;
    float *par = xcalloc(nout * nc, sizeof *par), *se = xcalloc(nout * nc, sizeof *se), *chi = xcalloc(nout, sizeof *chi);
    uint8_t *stat = xcalloc(nout, 1);
    ipcf_array ap, ae, ac, as;
    ipcf_array_init_contiguous(&ap, IPCF_DTYPE_FLOAT32, 4, psh, par);
    ipcf_array_init_contiguous(&ae, IPCF_DTYPE_FLOAT32, 4, psh, se);
    ipcf_array_init_contiguous(&ac, IPCF_DTYPE_FLOAT32, 3, ssh, chi);
    ipcf_array_init_contiguous(&as, IPCF_DTYPE_UINT8, 3, ssh, stat);
    int rc = ipcf_fit(&curves, tau, s->uv, NULL, &o, &ap, &ae, &ac, &as);
    CHECK(rc == IPCF_OK, "%s: ipcf_fit status %d", what, rc);
    int bad = 0;
    for (size_t f = 0; f < nout; f++) {
        const double *p = want + 8 * (f / kf);
        const float *got = par + f * nc;
        if (stat[f] > 1) {
            if (bad++ < 4) fprintf(stderr, "%s: fit %zu status %d\n", what, f, stat[f]);
            continue;
        }
        for (int j = 0; j < np; j++) {
            double tol = 1e-6 * (j == np - 1 && (s->flags & IPCF_FIT_GINF) ? p[0] : fabs(p[j]));
            if (!(fabs(got[j] - p[j]) <= tol)) {
                if (bad++ < 4) fprintf(stderr, "%s: fit %zu parameter %d: %.9g, want %.9g (%.2g relative)\n", what, f, j, got[j], p[j], fabs(got[j] / p[j] - 1));
            }
        }
        /* tauD = W^2 / (4 D) of the fitted D, in float32 */
        double taud = WAIST * WAIST / (4 * p[1]);
        if (!(fabs(got[np] - taud) <= 2e-6 * taud)) {
            if (bad++ < 4) fprintf(stderr, "%s: fit %zu tauD %.9g, want %.9g\n", what, f, got[np], taud);
        }
        if (!(chi[f] >= 0 && chi[f] < 1e-12)) {
            if (bad++ < 4) fprintf(stderr, "%s: fit %zu chi-square %g\n", what, f, chi[f]);
        }
        if (!(se[f * nc + 1] >= 0 && se[f * nc + 1] < 1e-4 * p[1])) {
            if (bad++ < 4) fprintf(stderr, "%s: fit %zu stderr of D %g\n", what, f, se[f * nc + 1]);
        }
    }
    CHECK(bad == 0, "%s (%s): %d fits off", what, names, bad);

    /* C order, one thread: the same bits */
    float *cbuf = xcalloc(nfit, sizeof *cbuf), *par2 = xcalloc(nout * nc, sizeof *par2);
    for (int i = 0; i < H * W; i++)
        for (int k = 0; k < s->K; k++)
            for (int j = 0; j < P; j++) cbuf[((size_t)i * s->K + k) * P + j] = buf[(((size_t)k * P + j) * H + i / W) * W + i % W];
    ipcf_array cc, ap2;
    ipcf_array_init_contiguous(&cc, IPCF_DTYPE_FLOAT32, 4, sh, cbuf);
    ipcf_array_init_contiguous(&ap2, IPCF_DTYPE_FLOAT32, 4, psh, par2);
    o.threads = 1;
    CHECK(ipcf_fit(&cc, tau, s->uv, NULL, &o, &ap2, NULL, NULL, NULL) == IPCF_OK, "%s: C order", what);
    CHECK(memcmp(par, par2, nout * nc * sizeof *par) == 0, "%s: C order, one thread: other bits", what);
    free(cbuf), free(par2);
    free(buf), free(want), free(par), free(se), free(chi), free(stat);
}

static const int32_t ring4[] = {4, 0, 0, 4, -4, 0, 0, -4};
static const int32_t mixed[] = {4, 0, 0, 3, -3, 3};
static const int32_t star[] = {4, 0, 3, 3, 0, 4, -3, 3, -4, 0, -3, -3, 0, -4, 3, -3};
static const int32_t plus2[] = {0, 0, 2, 0, 0, 2, -2, 0, 0, -2};
static const int32_t zero2[] = {0, 0, 0, 0};

static void test_recovery(void) {
    recover("pcf1d", &(spec){IPCF_MODEL_PCF1D, 0, 0, 0, 4, ring4});
    recover("pcf1d joint", &(spec){IPCF_MODEL_PCF1D, IPCF_FIT_JOINT, 0, 0, 3, mixed});
    recover("acf2d", &(spec){IPCF_MODEL_ACF2D, 0, 0, 0, 1, NULL});
    recover("acf2d flow ginf", &(spec){IPCF_MODEL_ACF2D, IPCF_FIT_FLOW | IPCF_FIT_GINF, 0, 0, 2, zero2});
    recover("acf3d ginf", &(spec){IPCF_MODEL_ACF3D, IPCF_FIT_GINF, 5, 0, 1, NULL});
    recover("ccf2d", &(spec){IPCF_MODEL_CCF2D, 0, 0, 0, 8, star});
    recover("ccf2d delta", &(spec){IPCF_MODEL_CCF2D, IPCF_FIT_DELTA | IPCF_FIT_JOINT, 0, 0, 8, star});
    recover("itir", &(spec){IPCF_MODEL_ITIR, IPCF_FIT_GINF, 0, 1, 5, plus2});
    recover("itir flow joint", &(spec){IPCF_MODEL_ITIR, IPCF_FIT_FLOW | IPCF_FIT_JOINT, 0, 0.8, 5, plus2});
}

/* --------------------------------------------------- names and columns */

static void names_are(const spec *s, const char *want) {
    ipcf_fit_options o = options_of(s);
    int32_t n = -1;
    char names[128];
    int rc = ipcf_fit_nparams(&o, s->uv, s->K, &n, names, sizeof names);
    int commas = 0;
    for (const char *c = want; *c; c++) commas += *c == ',';
    CHECK(rc == IPCF_OK && !strcmp(names, want) && n == commas + 1, "nparams: %d '%s' (status %d), want '%s'", n,
          rc == IPCF_OK ? names : "", rc, want);
}

static void test_names(void) {
    names_are(&(spec){IPCF_MODEL_PCF1D, 0, 0, 0, 4, ring4}, "DC,D,tauD,tau_peak");
    names_are(&(spec){IPCF_MODEL_PCF1D, IPCF_FIT_JOINT, 0, 0, 4, ring4}, "DC,D,tauD,tau_peak");
    names_are(&(spec){IPCF_MODEL_PCF1D, IPCF_FIT_JOINT, 0, 0, 3, mixed}, "DC,D,tauD");
    names_are(&(spec){IPCF_MODEL_ACF2D, 0, 0, 0, 1, NULL}, "G0,D,tauD");
    names_are(&(spec){IPCF_MODEL_ACF2D, IPCF_FIT_FLOW | IPCF_FIT_GINF, 0, 0, 2, zero2}, "G0,D,v,Ginf,tauD");
    names_are(&(spec){IPCF_MODEL_ACF3D, IPCF_FIT_FLOW, 4, 0, 1, NULL}, "G0,D,v,tauD");
    names_are(&(spec){IPCF_MODEL_CCF2D, 0, 0, 0, 8, star}, "G0,D,vx,vy,tauD,speed,angle");
    names_are(&(spec){IPCF_MODEL_CCF2D, IPCF_FIT_GINF, 0, 0, 8, star}, "G0,D,vx,vy,Ginf,tauD,speed,angle");
    names_are(&(spec){IPCF_MODEL_ITIR, 0, 0, 1, 5, plus2}, "G0,D,tauD");
    names_are(&(spec){IPCF_MODEL_ITIR, IPCF_FIT_FLOW | IPCF_FIT_GINF | IPCF_FIT_JOINT, 0, 1, 5, plus2}, "G0,D,vx,vy,Ginf,tauD,speed,angle");

    /* the count alone; a short buffer: the count, the names cut */
    ipcf_fit_options o;
    ipcf_fit_options_init(&o);
    int32_t n = 0;
    CHECK(ipcf_fit_nparams(&o, ring4, 4, &n, NULL, 0) == IPCF_OK && n == 4, "count only: %d", n);
    CHECK(ipcf_fit_nparams(NULL, ring4, 4, &n, NULL, 0) == IPCF_OK && n == 4, "options NULL: %d", n);
    char small[6];
    n = 0;
    CHECK(ipcf_fit_nparams(&o, ring4, 4, &n, small, sizeof small) == IPCF_E_BUFFER_TOO_SMALL && n == 4 && !strcmp(small, "DC,D,"),
          "short names: %d '%s'", n, small);
    CHECK(strstr(ipcf_last_error(), "ipcf_fit_nparams") && strstr(ipcf_last_error(), "19 bytes"), "short names message");
    CHECK(ipcf_fit_options_struct_size() == sizeof(ipcf_fit_options), "struct size %zu", ipcf_fit_options_struct_size());
    CHECK(o.struct_size == sizeof o && o.model == IPCF_MODEL_PCF1D && o.first == 1 && o.last == 1 && o.pixel_side == 1 &&
              o.waist == 0 && o.flags == 0 && o.max_iter == 0 && o.token == 0,
          "defaults");
}

/* Derived columns and units: pixel_size and frame_interval scale the
 * outputs; the fit is the same. */
static void test_units(void) {
    spec s = {IPCF_MODEL_CCF2D, 0, 0, 0, 8, star};
    ipcf_fit_options o = options_of(&s);
    double p[8];
    truth(&s, 0, p, 4);
    float *buf = xcalloc((size_t)8 * P, sizeof *buf);
    for (int k = 0; k < 8; k++)
        for (int j = 0; j < P; j++) buf[k * P + j] = (float)model_at(&s, p, k, tau[j]);
    int64_t sh[4] = {1, 1, 8, P}, psh[4] = {1, 1, 1, 7};
    float a[7], b[7], ea[7], eb[7];
    ipcf_array c, aa, ab, sa, sb;
    ipcf_array_init_contiguous(&c, IPCF_DTYPE_FLOAT32, 4, sh, buf);
    ipcf_array_init_contiguous(&aa, IPCF_DTYPE_FLOAT32, 4, psh, a);
    ipcf_array_init_contiguous(&ab, IPCF_DTYPE_FLOAT32, 4, psh, b);
    ipcf_array_init_contiguous(&sa, IPCF_DTYPE_FLOAT32, 4, psh, ea);
    ipcf_array_init_contiguous(&sb, IPCF_DTYPE_FLOAT32, 4, psh, eb);
    CHECK(ipcf_fit(&c, tau, star, NULL, &o, &aa, &sa, NULL, NULL) == IPCF_OK, "units: pixels");
    o.pixel_size = 0.16, o.frame_interval = 0.002, o.waist = 2.0;
    CHECK(ipcf_fit(&c, tau, star, NULL, &o, &ab, &sb, NULL, NULL) == IPCF_OK, "units: um, s");
    double sd = 0.16 * 0.16 / 0.002, sv = 0.16 / 0.002;
    double want[7] = {a[0], a[1] * sd, a[2] * sv, a[3] * sv, a[4] * 0.002, a[5] * sv, a[6]};
    for (int j = 0; j < 7; j++)
        CHECK(fabs(b[j] - want[j]) <= 1e-6 * fabs(want[j]), "units: column %d %.9g, want %.9g", j, b[j], want[j]);
    CHECK(fabs(a[5] - hypot(p[2], p[3])) <= 1e-6 * hypot(p[2], p[3]), "speed %g, want %g", a[5], hypot(p[2], p[3]));
    double ang = atan2(p[3], p[2]) * 180 / M_PI;
    CHECK(fabs(a[6] - ang) <= 1e-5, "angle %g, want %g", a[6], ang);
    CHECK(fabs(eb[1] - ea[1] * sd) <= 1e-6 * ea[1] * sd, "units: stderr of D %g, want %g", eb[1], ea[1] * sd);
    free(buf);
}

/* PCF1D's tau_peak at each offset's distance; sigma; NaN curves. */
static void test_peak_sigma_nan(void) {
    static const int32_t uv[] = {4, 0, 1, 0, 0, 6};
    spec s = {IPCF_MODEL_PCF1D, 0, 0, 0, 3, uv};
    ipcf_fit_options o = options_of(&s);
    double p[8];
    truth(&s, 2, p, 2);
    enum { NPIX = 3 };
    float *buf = xcalloc((size_t)NPIX * 3 * P, sizeof *buf), *sig = xcalloc((size_t)NPIX * 3 * P, sizeof *sig);
    for (int i = 0; i < NPIX; i++)
        for (int k = 0; k < 3; k++)
            for (int j = 0; j < P; j++) {
                buf[(i * 3 + k) * P + j] = (float)model_at(&s, p, k, tau[j]);
                sig[(i * 3 + k) * P + j] = 0.001f;
            }
    buf[(1 * 3 + 1) * P + 5] = NAN; /* pixel 1, offset 1 */
    sig[(2 * 3 + 2) * P + 7] = 0;   /* pixel 2, offset 2 */
    int64_t sh[4] = {1, NPIX, 3, P}, psh[4] = {1, NPIX, 3, 4}, ssh[3] = {1, NPIX, 3};
    float par[NPIX * 3 * 4], se[NPIX * 3 * 4], chi[NPIX * 3];
    uint8_t stat[NPIX * 3];
    ipcf_array c, sg, ap, ae, ac, as;
    ipcf_array_init_contiguous(&c, IPCF_DTYPE_FLOAT32, 4, sh, buf);
    ipcf_array_init_contiguous(&sg, IPCF_DTYPE_FLOAT32, 4, sh, sig);
    ipcf_array_init_contiguous(&ap, IPCF_DTYPE_FLOAT32, 4, psh, par);
    ipcf_array_init_contiguous(&ae, IPCF_DTYPE_FLOAT32, 4, psh, se);
    ipcf_array_init_contiguous(&ac, IPCF_DTYPE_FLOAT32, 3, ssh, chi);
    ipcf_array_init_contiguous(&as, IPCF_DTYPE_UINT8, 3, ssh, stat);
    CHECK(ipcf_fit(&c, tau, uv, NULL, &o, &ap, &ae, &ac, &as) == IPCF_OK, "peak: fit");
    for (int k = 0; k < 3; k++) {
        double d = hypot(uv[2 * k], uv[2 * k + 1]), want = fmax(d * d - WAIST * WAIST, 0) / (4 * p[1]);
        CHECK(fabs(par[k * 4 + 3] - want) <= 1e-6 * (want + 1), "tau_peak at offset %d: %g, want %g", k, par[k * 4 + 3], want);
    }
    for (int f = 0; f < NPIX * 3; f++) {
        int nan = f == 1 * 3 + 1;
        CHECK(nan ? stat[f] == 3 && isnan(par[f * 4]) && isnan(par[f * 4 + 1]) && isnan(chi[f])
                  : stat[f] <= 1 && fabs(par[f * 4 + 1] - p[1]) <= 1e-6 * p[1],
              "fit %d: status %d, D %g", f, stat[f], par[f * 4 + 1]);
    }
    /* with error bars: the same parameters; a zero error bar fails */
    float par2[NPIX * 3 * 4], se2[NPIX * 3 * 4];
    uint8_t stat2[NPIX * 3];
    ipcf_array ap2, ae2, as2;
    ipcf_array_init_contiguous(&ap2, IPCF_DTYPE_FLOAT32, 4, psh, par2);
    ipcf_array_init_contiguous(&ae2, IPCF_DTYPE_FLOAT32, 4, psh, se2);
    ipcf_array_init_contiguous(&as2, IPCF_DTYPE_UINT8, 3, ssh, stat2);
    CHECK(ipcf_fit(&c, tau, uv, &sg, &o, &ap2, &ae2, NULL, &as2) == IPCF_OK, "sigma: fit");
    for (int f = 0; f < NPIX * 3; f++) {
        int fails = f == 1 * 3 + 1 || f == 2 * 3 + 2;
        CHECK(fails ? stat2[f] == 3 && isnan(par2[f * 4 + 1])
                    : stat2[f] <= 1 && fabs(par2[f * 4 + 1] - p[1]) <= 1e-6 * p[1] && se2[f * 4 + 1] > 0 &&
                          se2[f * 4 + 1] != se[f * 4 + 1],
              "sigma fit %d: status %d, D %g, stderr %g (unweighted %g)", f, stat2[f], par2[f * 4 + 1], se2[f * 4 + 1],
              se[f * 4 + 1]);
    }
    /* an empty image: nothing to fit */
    int64_t esh[4] = {0, 5, 3, P}, epsh[4] = {0, 5, 3, 4};
    ipcf_array ec, ep;
    ipcf_array_init_contiguous(&ec, IPCF_DTYPE_FLOAT32, 4, esh, NULL);
    ipcf_array_init_contiguous(&ep, IPCF_DTYPE_FLOAT32, 4, epsh, NULL);
    CHECK(ipcf_fit(&ec, tau, uv, NULL, &o, &ep, NULL, NULL, NULL) == IPCF_OK, "empty image");
    free(buf), free(sig);
}

/* ---------------------------------------------------------- bad input */

static void expect(const char *fn, int st, int want, const char *needle, const char *what) {
    CHECK(st == want, "%s: status %d, want %d", what, st, want);
    const char *e = ipcf_last_error();
    CHECK(strstr(e, fn) && strstr(e, needle), "%s: message '%s' should name %s and '%s'", what, e, fn, needle);
}
#define FIT(...) expect("ipcf_fit", ipcf_fit(__VA_ARGS__)
#define NP(...) expect("ipcf_fit_nparams", ipcf_fit_nparams(__VA_ARGS__)

static int progress_stop(void *user, int64_t done, int64_t total) {
    (void)user, (void)done, (void)total;
    return 1;
}

static int calls;
static int progress_cancel_token(void *user, int64_t done, int64_t total) {
    (void)done, (void)total;
    calls++;
    ipcf_token_cancel(*(ipcf_token *)user);
    return 0;
}

static void test_bad_input(void) {
    enum { K = 4 };
    float *buf = xcalloc((size_t)2 * 2 * K * P, sizeof *buf);
    for (int i = 0; i < 2 * 2 * K; i++)
        for (int j = 0; j < P; j++) buf[i * P + j] = (float)(0.01 / (1 + tau[j] / 20));
    double *dbuf = xcalloc((size_t)2 * 2 * K * P, sizeof *dbuf);
    int64_t sh[4] = {2, 2, K, P}, psh[4] = {2, 2, K, 4}, ssh[3] = {2, 2, K};
    float par[2 * 2 * K * 4], se[2 * 2 * K * 4], chi[2 * 2 * K];
    uint8_t stat[2 * 2 * K];
    ipcf_array c, c64, c3, ap, ae, ac, as;
    ipcf_array_init_contiguous(&c, IPCF_DTYPE_FLOAT32, 4, sh, buf);
    ipcf_array_init_contiguous(&c64, IPCF_DTYPE_FLOAT64, 4, sh, dbuf);
    ipcf_array_init_contiguous(&c3, IPCF_DTYPE_FLOAT32, 3, sh + 1, buf);
    ipcf_array_init_contiguous(&ap, IPCF_DTYPE_FLOAT32, 4, psh, par);
    ipcf_array_init_contiguous(&ae, IPCF_DTYPE_FLOAT32, 4, psh, se);
    ipcf_array_init_contiguous(&ac, IPCF_DTYPE_FLOAT32, 3, ssh, chi);
    ipcf_array_init_contiguous(&as, IPCF_DTYPE_UINT8, 3, ssh, stat);
    ipcf_fit_options o;
    ipcf_fit_options_init(&o);
    CHECK(ipcf_fit(&c, tau, ring4, NULL, &o, &ap, &ae, &ac, &as) == IPCF_OK, "the valid call");
    CHECK(ipcf_fit(&c, tau, ring4, NULL, NULL, &ap, &ae, &ac, &as) == IPCF_OK, "options NULL");

    /* NULL pointers, descriptors, dtypes */
    FIT(NULL, tau, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "curves", "curves NULL");
    FIT(&c, NULL, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "delays", "delays NULL");
    FIT(&c, tau, NULL, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "offsets is NULL", "offsets NULL");
    FIT(&c, tau, ring4, NULL, &o, NULL, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "params", "params NULL");
    FIT(&c64, tau, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_UNSUPPORTED_LAYOUT, "curves.dtype", "float64 curves");
    FIT(&c3, tau, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "curves.ndim", "3-D curves");
    ipcf_array bad = c;
    bad.struct_size = 8;
    FIT(&bad, tau, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "curves.struct_size", "curves struct_size");
    bad = c;
    bad.dtype = 99;
    FIT(&bad, tau, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_UNSUPPORTED_LAYOUT, "curves.dtype", "unknown dtype");
    bad = c;
    bad.data = NULL;
    FIT(&bad, tau, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "curves.data", "curves data NULL");
    bad = c;
    bad.shape[2] = 0;
    FIT(&bad, tau, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "curves.shape", "no offsets");

    /* options */
    ipcf_fit_options b = o;
    b.struct_size = 2;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.struct_size", "struct_size 2");
    b.struct_size = sizeof b + 8;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.struct_size", "struct_size too large");
    b = o, b.model = 5;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.model=5", "model 5");
    b = o, b.model = -1;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.model=-1", "model -1");
    b = o, b.flags = 64;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.flags", "flags 64");
    /* IPCF_FIT_MULTITAU: m, and delays that are no multi-tau lags of it */
    b = o, b.multitau_m = 8;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "multitau_m=8 without IPCF_FIT_MULTITAU", "multitau_m without the flag");
    b = o, b.flags = IPCF_FIT_MULTITAU, b.multitau_m = 7;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "multitau_m=7", "multitau_m odd");
    b = o, b.flags = IPCF_FIT_MULTITAU | IPCF_FIT_BINS;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "not both", "multi-tau and bins");
    b = o, b.flags = IPCF_FIT_MULTITAU, b.multitau_m = 8; /* 9 = 8 + 1 is no lag of level 1 */
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "delay 8, 9, is not a multi-tau lag of m=8", "lags of other m");
    b = o, b.flags = IPCF_FIT_MULTITAU; /* m read from the delays: 0..7, then 9 */
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "multi-tau m cannot be told", "m not told by the delays");
    /* IPCF_FIT_BINS: delays that are not log or linear bins' mean lags in frames */
    double lags[P];
    for (int i = 0; i < P; i++) lags[i] = 0.5 * i * i; /* 0, 0.5, 2, 4.5, ...: [0, 1), then [1, 1) */
    b = o, b.flags = IPCF_FIT_BINS;
    FIT(&c, lags, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "IPCF_FIT_BINS", "bins of other delays");
    b = o, b.flags = IPCF_FIT_FLOW;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "IPCF_FIT_FLOW", "pcf1d flow");
    b = o, b.flags = IPCF_FIT_GINF;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "IPCF_FIT_GINF", "pcf1d ginf");
    b = o, b.flags = IPCF_FIT_DELTA;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "IPCF_FIT_DELTA", "pcf1d delta");
    b = o, b.model = IPCF_MODEL_ACF2D, b.flags = IPCF_FIT_JOINT;
    FIT(&c, tau, NULL, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "IPCF_FIT_JOINT", "acf2d joint");
    b = o, b.model = IPCF_MODEL_CCF2D, b.flags = IPCF_FIT_GINF | IPCF_FIT_DELTA;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "delta-CCF has no offset", "ccf2d ginf delta");
    b = o, b.model = IPCF_MODEL_CCF2D, b.flags = IPCF_FIT_FLOW;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "IPCF_FIT_FLOW", "ccf2d flow");
    b = o, b.model = IPCF_MODEL_ITIR, b.flags = IPCF_FIT_DELTA;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "IPCF_FIT_DELTA", "itir delta");
    b = o, b.model = IPCF_MODEL_ACF3D;
    FIT(&c, tau, NULL, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "kappa", "acf3d without kappa");
    b = o, b.kappa = 3;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "kappa", "kappa for pcf1d");
    b = o, b.model = IPCF_MODEL_ITIR, b.pixel_side = 0;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "pixel_side", "itir side 0");
    b = o, b.waist = NAN;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.waist", "waist NaN");
    b = o, b.waist = -2;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.waist", "waist -2");
    b = o, b.waist = INFINITY;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.waist", "waist inf");
    b = o, b.pixel_size = 0.1;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.waist=0 with options.pixel_size", "calibrated, no waist");
    b = o, b.pixel_size = INFINITY, b.waist = 2;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.pixel_size", "pixel_size inf");
    b = o, b.frame_interval = NAN;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.frame_interval", "frame_interval NaN");
    b = o, b.frame_interval = -1;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.frame_interval", "frame_interval -1");
    {
        /* delays in seconds with the frame interval (UNITS18's m3: D
         * 1/frame interval times too large, "converged"); in frames they fit */
        /* (the engine's multi-tau lags of m = 8, in seconds: the check is of
         * the engine's delays, not of their digits) */
        double secs[P];
        for (int j = 0, lag = 0, step = 1; j < P; j++) {
            secs[j] = lag * 0.002;
            lag += step;
            if (lag >= 8 * step && lag % (8 * step) == 0) step *= 2;
        }
        b = o, b.frame_interval = 0.002;
        FIT(&c, secs, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "delays: delays in seconds", "delays in seconds");
        CHECK(ipcf_fit(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL) == IPCF_OK, "delays in frames, frame interval 0.002: %s", ipcf_last_error());
        /* an ITIR-FCS velocity of curves each fitted alone, or of offsets on
         * one line: its mirror image fits them as well (FIT19's F2) */
        ipcf_fit_options it = o;
        it.model = IPCF_MODEL_ITIR, it.flags = IPCF_FIT_FLOW, it.pixel_side = 1;
        FIT(&c, tau, ring4, NULL, &it, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "does not determine the velocity's sign", "itir flow, each curve alone");
        /* (jointly, offsets in two directions: recover("itir flow joint")) */
        b.frame_interval = 1; /* seconds or frames alike */
        CHECK(ipcf_fit(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL) == IPCF_OK, "frame interval 1 s: %s", ipcf_last_error());
    }
    b = o, b.first = -1;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.first", "first -1");
    b = o, b.last = -1;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.last", "last -1");
    b = o, b.max_iter = -1;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.max_iter", "max_iter -1");
    b = o, b.threads = -1;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "options.threads", "threads -1");
    b = o, b.first = 15, b.last = 16;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "too few", "too few points");
    b = o, b.first = 15, b.last = 15;
    CHECK(ipcf_fit(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL) == IPCF_OK, "3 points for 2 parameters");

    /* delays and offsets */
    double t2[P];
    memcpy(t2, tau, sizeof t2);
    t2[3] = NAN;
    FIT(&c, t2, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "delays[3]", "NaN delay");
    t2[3] = INFINITY;
    FIT(&c, t2, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "delays[3]", "infinite delay");
    memcpy(t2, tau, sizeof t2);
    t2[0] = -1;
    FIT(&c, t2, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "delays[0]", "negative delay");
    memcpy(t2, tau, sizeof t2);
    t2[5] = t2[4];
    FIT(&c, t2, ring4, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "ascending", "repeated delay");
    int32_t far[2 * K];
    memcpy(far, ring4, sizeof far);
    far[2] = 1 << 21;
    FIT(&c, tau, far, NULL, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "offsets", "offset out of range");
    b = o, b.model = IPCF_MODEL_ACF2D;
    int32_t acf[2 * K] = {0};
    acf[3] = 1;
    FIT(&c, tau, acf, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "offsets[1]=(0, 1)", "acf2d at (0, 1)");
    acf[3] = 0;
    int64_t ash[4] = {2, 2, K, 3};
    ipcf_array aacf;
    ipcf_array_init_contiguous(&aacf, IPCF_DTYPE_FLOAT32, 4, ash, par);
    CHECK(ipcf_fit(&c, tau, acf, NULL, &b, &aacf, NULL, NULL, NULL) == IPCF_OK, "acf2d at (0, 0)");
    static const int32_t line[] = {1, 1, 2, 2, -1, -1, 3, 3};
    b = o, b.model = IPCF_MODEL_CCF2D;
    FIT(&c, tau, line, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "two directions", "ccf2d on one line");

    /* outputs: dtype, shape, aliasing */
    int64_t shortsh[4] = {2, 2, K, 3}, jsh[4] = {2, 2, 1, 4};
    double dpar[2 * 2 * K * 4];
    ipcf_array a64, ashort, ajoint, abad;
    ipcf_array_init_contiguous(&a64, IPCF_DTYPE_FLOAT64, 4, psh, dpar);
    ipcf_array_init_contiguous(&ashort, IPCF_DTYPE_FLOAT32, 4, shortsh, par);
    ipcf_array_init_contiguous(&ajoint, IPCF_DTYPE_FLOAT32, 4, jsh, par);
    FIT(&c, tau, ring4, NULL, &o, &a64, NULL, NULL, NULL), IPCF_E_UNSUPPORTED_LAYOUT, "params.dtype", "float64 params");
    FIT(&c, tau, ring4, NULL, &o, &ashort, NULL, NULL, NULL), IPCF_E_BUFFER_TOO_SMALL, "params.shape[3]=3, want 4", "3 columns");
    FIT(&c, tau, ring4, NULL, &o, &ajoint, NULL, NULL, NULL), IPCF_E_BUFFER_TOO_SMALL, "params.shape[2]=1, want 4", "joint shape, per offset");
    b = o, b.flags = IPCF_FIT_JOINT;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_BUFFER_TOO_SMALL, "params.shape[2]=4, want 1", "per-offset shape, joint");
    CHECK(ipcf_fit(&c, tau, ring4, NULL, &b, &ajoint, NULL, NULL, NULL) == IPCF_OK, "joint");
    FIT(&c, tau, ring4, NULL, &o, &ap, &a64, NULL, NULL), IPCF_E_UNSUPPORTED_LAYOUT, "stderr_.dtype", "float64 stderr_");
    FIT(&c, tau, ring4, NULL, &o, &ap, &ae, &as, NULL), IPCF_E_UNSUPPORTED_LAYOUT, "chisq.dtype", "uint8 chisq");
    FIT(&c, tau, ring4, NULL, &o, &ap, &ae, &ac, &ac), IPCF_E_UNSUPPORTED_LAYOUT, "status.dtype", "float32 status");
    abad = ac;
    abad.shape[2] = 1;
    FIT(&c, tau, ring4, NULL, &o, &ap, &ae, &abad, NULL), IPCF_E_BUFFER_TOO_SMALL, "chisq.shape[2]=1", "chisq shape");
    abad = as;
    abad.ndim = 4, abad.shape[3] = 1, abad.strides[3] = 1;
    FIT(&c, tau, ring4, NULL, &o, &ap, &ae, &ac, &abad), IPCF_E_BUFFER_TOO_SMALL, "status.ndim=4", "status ndim");
    FIT(&c, tau, ring4, NULL, &o, &ap, &ap, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "stderr_ overlaps params", "stderr_ is params"); /* both outputs: named (it said "an input") */
    ipcf_array over;
    ipcf_array_init_contiguous(&over, IPCF_DTYPE_FLOAT32, 4, psh, buf + 8);
    FIT(&c, tau, ring4, NULL, &o, &over, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "params overlaps", "params over curves");
    int64_t tsh[4] = {1, 1, K, 4};
    double tau2[P + 8];
    memcpy(tau2, tau, sizeof tau);
    ipcf_array overt;
    ipcf_array_init_contiguous(&overt, IPCF_DTYPE_FLOAT32, 4, tsh, tau2 + 2);
    int64_t s1[4] = {1, 1, K, P};
    ipcf_array c1;
    ipcf_array_init_contiguous(&c1, IPCF_DTYPE_FLOAT32, 4, s1, buf);
    FIT(&c1, tau2, ring4, NULL, &o, &overt, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "params overlaps", "params over delays");
    abad = ap;
    abad.strides[0] = 0;
    FIT(&c, tau, ring4, NULL, &o, &abad, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "alias", "zero stride params");

    /* sigma */
    ipcf_array s64 = c64, sshort;
    FIT(&c, tau, ring4, &s64, &o, &ap, NULL, NULL, NULL), IPCF_E_UNSUPPORTED_LAYOUT, "sigma.dtype", "float64 sigma");
    int64_t ssh2[4] = {2, 2, K, P - 1};
    ipcf_array_init_contiguous(&sshort, IPCF_DTYPE_FLOAT32, 4, ssh2, buf);
    FIT(&c, tau, ring4, &sshort, &o, &ap, NULL, NULL, NULL), IPCF_E_INVALID_ARGUMENT, "sigma.shape", "short sigma");
    FIT(&c, tau, ring4, &c, &o, &c, NULL, NULL, NULL), IPCF_E_BUFFER_TOO_SMALL, "params", "params is curves (shape first)");

    /* ipcf_fit_nparams */
    int32_t n;
    char names[64];
    NP(&o, ring4, K, NULL, names, sizeof names), IPCF_E_INVALID_ARGUMENT, "nparams is NULL", "nparams NULL");
    NP(&o, ring4, K, &n, NULL, 8), IPCF_E_INVALID_ARGUMENT, "names is NULL", "names NULL with cap");
    NP(&o, ring4, 0, &n, names, sizeof names), IPCF_E_INVALID_ARGUMENT, "noffsets=0", "noffsets 0");
    NP(&o, ring4, 65537, &n, names, sizeof names), IPCF_E_INVALID_ARGUMENT, "noffsets=65537", "noffsets 65537");
    NP(&o, NULL, K, &n, names, sizeof names), IPCF_E_INVALID_ARGUMENT, "offsets is NULL", "offsets NULL");
    NP(&o, ring4, K, &n, names, 0), IPCF_E_BUFFER_TOO_SMALL, "cap=0", "cap 0");
    b = o, b.model = 9;
    NP(&b, ring4, K, &n, names, sizeof names), IPCF_E_INVALID_ARGUMENT, "options.model", "nparams model 9");
    b = o, b.struct_size = 0;
    NP(&b, ring4, K, &n, names, sizeof names), IPCF_E_INVALID_ARGUMENT, "struct_size", "nparams struct_size 0");

    /* an older caller's struct: fields beyond struct_size take defaults */
    b = o, b.struct_size = offsetof(ipcf_fit_options, waist), b.waist = NAN, b.token = 12345;
    CHECK(ipcf_fit(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL) == IPCF_OK, "short struct");

    /* cancellation: a cancelled token, the progress callback, a token
     * cancelled while the fits run; the outputs are left alone */
    ipcf_token tok;
    CHECK(ipcf_token_create(&tok) == IPCF_OK, "token");
    CHECK(ipcf_token_cancel(tok) == IPCF_OK, "cancel");
    memset(par, 0x7f, sizeof par);
    b = o, b.token = tok;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_CANCELLED, "cancel", "cancelled token");
    int untouched = 1;
    for (size_t i = 0; i < sizeof par; i++) untouched &= ((unsigned char *)par)[i] == 0x7f;
    CHECK(untouched, "a cancelled call wrote params");
    CHECK(ipcf_token_destroy(tok) == IPCF_OK, "destroy");
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_BAD_HANDLE, "token", "destroyed token");
    NP(&b, ring4, K, &n, names, sizeof names), IPCF_E_BAD_HANDLE, "token", "nparams: destroyed token");
    b = o, b.progress = progress_stop;
    FIT(&c, tau, ring4, NULL, &b, &ap, NULL, NULL, NULL), IPCF_E_CANCELLED, "cancel", "progress cancels");
    /* a token cancelled while the fits run (by the progress callback,
     * which sees the fits' first report after 0.1 s): enough curves for
     * about a second on one thread */
    enum { BH = 256, BW = 64 };
    float *big = xcalloc((size_t)BH * BW * K * P, sizeof *big), *bpar = xcalloc((size_t)BH * BW * K * 4, sizeof *bpar);
    for (size_t i = 0; i < (size_t)BH * BW * K; i++)
        for (int j = 0; j < P; j++) big[i * P + j] = buf[j];
    int64_t bsh[4] = {BH, BW, K, P}, bpsh[4] = {BH, BW, K, 4};
    ipcf_array bc, bp;
    ipcf_array_init_contiguous(&bc, IPCF_DTYPE_FLOAT32, 4, bsh, big);
    ipcf_array_init_contiguous(&bp, IPCF_DTYPE_FLOAT32, 4, bpsh, bpar);
    CHECK(ipcf_token_create(&tok) == IPCF_OK, "token");
    b = o, b.token = tok, b.progress = progress_cancel_token, b.progress_user = &tok, b.threads = 1;
    calls = 0;
    expect("ipcf_fit", ipcf_fit(&bc, tau, ring4, NULL, &b, &bp, NULL, NULL, NULL), IPCF_E_CANCELLED, "cancel",
           "token cancelled during the fits");
    CHECK(calls == 1, "progress called %d times after the token was cancelled", calls);
    CHECK(ipcf_token_destroy(tok) == IPCF_OK, "destroy");
    free(big), free(bpar);

    /* a forked child is refused at once */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int st = ipcf_fit(&c, tau, ring4, NULL, &o, &ap, NULL, NULL, NULL);
        int st2 = ipcf_fit_nparams(&o, ring4, K, &n, names, sizeof names);
        ipcf_fit_options z;
        ipcf_fit_options_init(&z);
        _exit(st == IPCF_E_FORKED && st2 == IPCF_E_FORKED && strstr(ipcf_last_error(), "ipcf_fit_options_init") &&
                      z.struct_size == sizeof z && ipcf_fit_options_struct_size() == sizeof z
                  ? 0
                  : 1);
    }
    int ws = 0;
    CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
          "forked child: ipcf_fit did not return IPCF_E_FORKED");
    free(buf);
    free(dbuf);
}

int main(void) {
    make_delays();
    test_recovery();
    printf("test_fit: noise-free recovery\n");
    test_names();
    printf("test_fit: names\n");
    test_units();
    test_peak_sigma_nan();
    printf("test_fit: units, tau_peak, sigma, NaN\n");
    test_bad_input();
    printf("test_fit: bad input, cancellation, fork\n");
    if (failures) {
        fprintf(stderr, "test_fit: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("test_fit: %d checks\ntest_fit: all passed\n", checks);
    return 0;
}
