/* C boundary tests for libipcf: conformance, layouts, bad input, cancellation.
 * Built with -fsanitize=address,undefined by `make test`. Prints PASS. */
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcf.h"
#include "libipcf.h" /* the cgo-generated header: must agree with ipcf.h */
#include "npyio.h"

static int failures = 0;
#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);              \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, " [last error: %s]\n", ipcf_last_error());       \
        }                                                                     \
    } while (0)

static const char *dir = "../shared/conformance";

static void path(char *buf, const char *name) { snprintf(buf, 512, "%s/%s", dir, name); }

static ipcf_array arr3(uint32_t dtype, int64_t t, int64_t h, int64_t w, void *data) {
    ipcf_array a;
    int64_t shape[3] = {t, h, w};
    ipcf_array_init_contiguous(&a, dtype, 3, shape, data);
    return a;
}

/* Run the pCF of an input file; returns a malloc'ed float32 result. */
static float *run_pcf(const ipcf_array *in, const ipcf_pcf_options *o, int64_t shape[4], ipcf_status *st) {
    *st = ipcf_pcf_output_shape(in, o, shape);
    if (*st) return NULL;
    size_t n = shape[0] * shape[1] * shape[2] * shape[3];
    float *res = malloc(n * sizeof(float));
    ipcf_array out;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, shape, res);
    *st = ipcf_pcf_compute(in, o, &out);
    return res;
}

static double maxdiff(const float *a, const float *b, size_t n, int *nanmismatch) {
    double m = 0;
    *nanmismatch = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) != isnan(b[i])) (*nanmismatch)++;
        else if (!isnan(a[i]) && fabs((double)a[i] - b[i]) > m) m = fabs((double)a[i] - b[i]);
    }
    return m;
}

static void test_version(void) {
    CHECK(ipcf_version_number() == IPCF_VERSION_NUMBER, "version %d vs header %d", ipcf_version_number(), IPCF_VERSION_NUMBER);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", IPCF_VERSION_MAJOR, IPCF_VERSION_MINOR, IPCF_VERSION_PATCH);
    CHECK(strncmp(ipcf_version_string(), want, strlen(want)) == 0, "version string %s", ipcf_version_string());
    CHECK(ipcf_array_struct_size() == sizeof(ipcf_array), "array size");
    CHECK(ipcf_pcf_options_struct_size() == sizeof(ipcf_pcf_options), "options size");
    CHECK(ipcf_max_ndim() == IPCF_MAX_NDIM, "max ndim");
    CHECK(strcmp(ipcf_status_string(IPCF_E_CANCELLED), "cancelled") == 0, "status string");
    CHECK(strcmp(ipcf_status_string(99), "unknown status") == 0, "unknown status string");
}

static void test_conformance(void) {
    /* As in manifest.json; r = 0 marks a bleach-only case. */
    struct { const char *name, *input; int r, p, b, bleach, floor; } cases[] = {
        {"pcf_basic", "pcf_basic", 4, 16, 16, 0, 0}, {"pcf_truncate", "pcf_truncate", 3, 8, 12, 0, 0},
        {"pcf_min", "pcf_min", 2, 4, 8, 0, 0}, {"pcf_zero_pixel", "pcf_zero_pixel", 2, 8, 8, 0, 0},
        {"bleach", "bleach", 3, 12, 16, 256, 0}, {"bleach_floor_mean", "bleach", 3, 12, 16, 256, 1},
        {"bleach_clip", "bleach_clip", 0, 0, 0, 50, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char p[512], q[512];
        npy_t in, ex;
        snprintf(q, sizeof q, "%s.input.npy", cases[c].input);
        path(p, q);
        if (npy_read(p, &in)) { CHECK(0, "cannot read %s", p); continue; }
        snprintf(q, sizeof q, cases[c].r ? "%s.expected.npy" : "%s.expected_corrected.npy", cases[c].name);
        path(p, q);
        if (cases[c].r == 0) { /* bleach only: expected.npy is the corrected stack */
            snprintf(q, sizeof q, "%s.expected.npy", cases[c].name);
            path(p, q);
        }
        if (npy_read(p, &ex)) { CHECK(0, "cannot read %s", p); continue; }
        ipcf_array a = arr3(IPCF_DTYPE_UINT16, in.shape[0], in.shape[1], in.shape[2], in.data);
        ipcf_pcf_options o;
        ipcf_pcf_options_init(&o);
        o.radius = cases[c].r; o.npoints = cases[c].p; o.nbins = cases[c].b;
        o.bleach = cases[c].bleach; o.bleach_mean = cases[c].floor ? IPCF_MEAN_FLOOR : IPCF_MEAN_REAL;
        int64_t shape[4];
        ipcf_status st = IPCF_OK;
        float *res = NULL;
        if (cases[c].r == 0) {
            uint16_t *cor = malloc(ex.nbytes);
            ipcf_array out = arr3(IPCF_DTYPE_UINT16, ex.shape[0], ex.shape[1], ex.shape[2], cor);
            ipcf_bleach_options bo;
            ipcf_bleach_options_init(&bo);
            bo.filtersize = cases[c].bleach;
            st = ipcf_correct_bleaching(&a, &bo, &out);
            CHECK(st == IPCF_OK && memcmp(cor, ex.data, ex.nbytes) == 0, "%s: corrected stack differs", cases[c].name);
            printf("conformance %-18s %s\n", cases[c].name, st == IPCF_OK && memcmp(cor, ex.data, ex.nbytes) == 0 ? "identical" : "DIFFERS");
            free(cor);
            free(in.data);
            free(ex.data);
            continue;
        }
        res = run_pcf(&a, &o, shape, &st);
        CHECK(st == IPCF_OK, "%s: status %d", cases[c].name, st);
        if (st == IPCF_OK) {
            for (int i = 0; i < 4; i++) CHECK(shape[i] == ex.shape[i], "%s: shape[%d]=%lld want %lld", cases[c].name, i, (long long)shape[i], (long long)ex.shape[i]);
            int nm;
            double d = maxdiff(res, ex.data, ex.nbytes / 4, &nm);
            CHECK(d <= 1e-6 && nm == 0, "%s: max abs diff %g, %d NaN mismatches", cases[c].name, d, nm);
            printf("conformance %-18s max abs error %.2g\n", cases[c].name, d);
        }
        free(res);
        if (cases[c].bleach) { /* the corrected stack, exact */
            snprintf(q, sizeof q, "%s.expected_corrected.npy", cases[c].name);
            path(p, q);
            npy_t ec;
            if (npy_read(p, &ec) == 0) {
                uint16_t *cor = malloc(ec.nbytes);
                ipcf_array out = arr3(IPCF_DTYPE_UINT16, ec.shape[0], ec.shape[1], ec.shape[2], cor);
                ipcf_bleach_options bo;
                ipcf_bleach_options_init(&bo);
                bo.filtersize = cases[c].bleach;
                bo.mean = o.bleach_mean;
                st = ipcf_correct_bleaching(&a, &bo, &out);
                CHECK(st == IPCF_OK && memcmp(cor, ec.data, ec.nbytes) == 0, "%s: corrected stack differs", cases[c].name);
                free(cor);
                free(ec.data);
            }
        }
        free(in.data);
        free(ex.data);
    }
}

/* The same data as Fortran-order big-endian and as a reversed view
 * (negative strides) must give the same result without copies. */
static void test_layouts(void) {
    char p[512];
    npy_t in;
    path(p, "pcf_basic.input.npy");
    if (npy_read(p, &in)) { CHECK(0, "read"); return; }
    int64_t T = in.shape[0], H = in.shape[1], W = in.shape[2];
    uint16_t *c = in.data;
    ipcf_array a = arr3(IPCF_DTYPE_UINT16, T, H, W, c);
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 4; o.npoints = 16; o.nbins = 16;
    int64_t shape[4];
    ipcf_status st;
    float *ref = run_pcf(&a, &o, shape, &st);
    size_t n = shape[0] * shape[1] * shape[2] * shape[3];

    uint16_t *f = malloc(T * H * W * 2); /* Fortran order, big-endian */
    for (int64_t t = 0; t < T; t++)
        for (int64_t y = 0; y < H; y++)
            for (int64_t x = 0; x < W; x++) {
                uint16_t v = c[(t * H + y) * W + x];
                f[t + T * (y + H * x)] = (uint16_t)(v >> 8 | v << 8);
            }
    ipcf_array fa;
    ipcf_array_init(&fa);
    fa.dtype = IPCF_DTYPE_UINT16; fa.byte_order = IPCF_ORDER_BIG; fa.ndim = 3;
    fa.shape[0] = T; fa.shape[1] = H; fa.shape[2] = W;
    fa.strides[0] = 2; fa.strides[1] = 2 * T; fa.strides[2] = 2 * T * H;
    fa.data = f;
    float *got = run_pcf(&fa, &o, shape, &st);
    int nm;
    CHECK(st == IPCF_OK && maxdiff(got, ref, n, &nm) == 0 && nm == 0, "fortran big-endian differs");
    free(got);

    /* A float64 copy with the columns reversed through a negative stride:
     * the result is the pCF of the mirrored image. Compare against a
     * mirrored contiguous uint16 copy. */
    double *d = malloc(T * H * W * 8);
    uint16_t *m = malloc(T * H * W * 2);
    for (int64_t i = 0; i < T * H * W; i++) d[i] = c[i];
    for (int64_t t = 0; t < T; t++)
        for (int64_t y = 0; y < H; y++)
            for (int64_t x = 0; x < W; x++) m[(t * H + y) * W + x] = c[(t * H + y) * W + (W - 1 - x)];
    ipcf_array ra = arr3(IPCF_DTYPE_FLOAT64, T, H, W, d + (W - 1));
    ra.strides[2] = -8;
    ipcf_array ma = arr3(IPCF_DTYPE_UINT16, T, H, W, m);
    float *r1 = run_pcf(&ra, &o, shape, &st);
    CHECK(st == IPCF_OK, "negative strides: %d", st);
    float *r2 = run_pcf(&ma, &o, shape, &st);
    CHECK(maxdiff(r1, r2, n, &nm) <= 1e-7 && nm == 0, "negative strides differ: %g", maxdiff(r1, r2, n, &nm));
    free(r1); free(r2); free(d); free(m); free(f); free(ref); free(in.data);
}

static void test_params_and_correlate(void) {
    int32_t uv[64];
    CHECK(ipcf_circle(6, 32, uv, 64) == IPCF_OK && uv[0] == 6 && uv[1] == 0 && uv[8] == 4 && uv[9] == 4, "circle");
    CHECK(ipcf_circle(6, 32, uv, 10) == IPCF_E_BUFFER_TOO_SMALL, "circle small buffer");
    CHECK(ipcf_circle(6, 32, NULL, 64) == IPCF_E_INVALID_ARGUMENT, "circle NULL");
    CHECK(ipcf_circle(6, 0, uv, 64) == IPCF_E_INVALID_ARGUMENT, "circle npoints 0");
    int64_t bins[64];
    size_t nb = 0;
    CHECK(ipcf_logbins(8192, 32, bins, 64, &nb) == IPCF_OK && nb == 30 && bins[0] == 1 && bins[29] == 8192, "logbins %zu", nb);
    CHECK(ipcf_logbins(8192, 32, bins, 5, &nb) == IPCF_E_BUFFER_TOO_SMALL && nb == 30, "logbins too small");
    CHECK(ipcf_logbins(8192, 1, bins, 64, &nb) == IPCF_E_INVALID_ARGUMENT, "logbins nbins 1");
    CHECK(strstr(ipcf_last_error(), "nbins=1") != NULL, "message names nbins: %s", ipcf_last_error());

    /* The tutorial's correlate(a, b, 'same') vectors. */
    double a[] = {1, 2, 3, 4}, b[] = {5, 6, 7, 8}, out[4];
    int64_t n4 = 4;
    ipcf_array aa, ba, oa;
    ipcf_array_init_contiguous(&aa, IPCF_DTYPE_FLOAT64, 1, &n4, a);
    ipcf_array_init_contiguous(&ba, IPCF_DTYPE_FLOAT64, 1, &n4, b);
    ipcf_array_init_contiguous(&oa, IPCF_DTYPE_FLOAT64, 1, &n4, out);
    CHECK(ipcf_correlate(&aa, &ba, IPCF_CORR_SAME, &oa) == IPCF_OK && out[0] == 23 && out[1] == 44 && out[2] == 70 && out[3] == 56,
          "same: %g %g %g %g", out[0], out[1], out[2], out[3]);
    int16_t ia[] = {1, 2, 3}, ib[] = {4, 8, 16};
    int64_t n3 = 3;
    ipcf_array_init_contiguous(&aa, IPCF_DTYPE_INT16, 1, &n3, ia);
    ipcf_array_init_contiguous(&ba, IPCF_DTYPE_INT16, 1, &n3, ib);
    ipcf_array_init_contiguous(&oa, IPCF_DTYPE_FLOAT64, 1, &n3, out);
    CHECK(ipcf_correlate(&aa, &ba, IPCF_CORR_SAME, &oa) == IPCF_OK && out[0] == 40 && out[1] == 68 && out[2] == 32, "same int16");
    /* circular: a constant series has G = 0 */
    double c1[] = {2, 2, 2, 2}, c2[] = {1, 3, 1, 3};
    ipcf_array_init_contiguous(&aa, IPCF_DTYPE_FLOAT64, 1, &n4, c1);
    ipcf_array_init_contiguous(&ba, IPCF_DTYPE_FLOAT64, 1, &n4, c2);
    int64_t n2 = 2; /* n/2: outputs have exactly the required shape */
    ipcf_array_init_contiguous(&oa, IPCF_DTYPE_FLOAT64, 1, &n2, out);
    CHECK(ipcf_correlate(&aa, &ba, IPCF_CORR_CIRCULAR, &oa) == IPCF_OK && fabs(out[0]) < 1e-15 && fabs(out[1]) < 1e-15, "circular");
    CHECK(ipcf_correlate(&aa, &ba, 7, &oa) == IPCF_E_INVALID_ARGUMENT, "bad mode");

    /* convolve2d: exact integers, even kernel refused */
    int32_t img[6] = {1, 2, 3, 4, 5, 6}, ker[3] = {1, 0, -1}, res[10];
    int64_t si[2] = {2, 3}, sk[2] = {1, 3}, so[2] = {2, 5}, se[2] = {1, 2};
    ipcf_array ia2, ka, ra;
    ipcf_array_init_contiguous(&ia2, IPCF_DTYPE_INT32, 2, si, img);
    ipcf_array_init_contiguous(&ka, IPCF_DTYPE_INT32, 2, sk, ker);
    ipcf_array_init_contiguous(&ra, IPCF_DTYPE_INT32, 2, so, res);
    CHECK(ipcf_convolve2d(&ia2, &ka, &ra) == IPCF_OK && res[2] == 2 && res[3] == -2 && res[9] == -6, "convolve2d");
    ipcf_array_init_contiguous(&ka, IPCF_DTYPE_INT32, 2, se, ker);
    CHECK(ipcf_convolve2d(&ia2, &ka, &ra) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "odd"), "even kernel");
}

static void test_bad_input(void) {
    uint16_t buf[64 * 10 * 10];
    for (int i = 0; i < 6400; i++) buf[i] = 10 + i % 7;
    float out[1024];
    ipcf_array in = arr3(IPCF_DTYPE_UINT16, 64, 10, 10, buf);
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 4; o.nbins = 4;
    int64_t shape[4];
    CHECK(ipcf_pcf_output_shape(&in, &o, shape) == IPCF_OK && shape[0] == 6 && shape[3] == 4, "shape");
    ipcf_array outa;
    ipcf_array_init_contiguous(&outa, IPCF_DTYPE_FLOAT32, 4, shape, out);

    struct { const char *name; ipcf_status want; const char *msg; } t;
    ipcf_array bad;
    ipcf_pcf_options bo;
#define EXPECT(call, code, text)                                                              \
    do {                                                                                      \
        ipcf_status s_ = (call);                                                              \
        CHECK(s_ == (code), "%s: status %d, want %d", #call, s_, code);                      \
        CHECK(strstr(ipcf_last_error(), text) != NULL, "%s: message lacks '%s'", #call, text); \
    } while (0)
    (void)t;
    EXPECT(ipcf_pcf_compute(NULL, &o, &outa), IPCF_E_INVALID_ARGUMENT, "data is NULL");
    EXPECT(ipcf_pcf_compute(&in, &o, NULL), IPCF_E_INVALID_ARGUMENT, "out is NULL");
    bad = in; bad.data = NULL;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_INVALID_ARGUMENT, "data.data is NULL");
    bad = in; bad.dtype = 42;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_UNSUPPORTED_LAYOUT, "dtype=42");
    bad = in; bad.byte_order = 9;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_UNSUPPORTED_LAYOUT, "byte_order=9");
    bad = in; bad.shape[1] = -10;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_INVALID_ARGUMENT, "negative");
    bad = in; bad.strides[0] = INT64_MAX / 2;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_INVALID_ARGUMENT, "overflow");
    bad = in; bad.shape[0] = INT64_MAX / 4; bad.shape[1] = INT64_MAX / 4;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_INVALID_ARGUMENT, "too many elements");
    bad = in; bad.ndim = 0;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_INVALID_ARGUMENT, "ndim=0");
    bad = in; bad.ndim = 2;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_INVALID_ARGUMENT, "want 3");
    bad = in; bad.struct_size = 8;
    EXPECT(ipcf_pcf_compute(&bad, &o, &outa), IPCF_E_INVALID_ARGUMENT, "struct_size");
    bad = outa; bad.shape[1] = 5;
    EXPECT(ipcf_pcf_compute(&in, &o, &bad), IPCF_E_BUFFER_TOO_SMALL, "out.shape[1]=5, want 6");
    bad = outa; bad.dtype = IPCF_DTYPE_FLOAT64;
    EXPECT(ipcf_pcf_compute(&in, &o, &bad), IPCF_E_UNSUPPORTED_LAYOUT, "want float32");
    bo = o; bo.radius = 5;
    EXPECT(ipcf_pcf_compute(&in, &bo, &outa), IPCF_E_INVALID_ARGUMENT, "radius=5 too large");
    bo = o; bo.nbins = 1;
    EXPECT(ipcf_pcf_compute(&in, &bo, &outa), IPCF_E_INVALID_ARGUMENT, "nbins=1");
    bo = o; bo.npoints = 0;
    EXPECT(ipcf_pcf_compute(&in, &bo, &outa), IPCF_E_INVALID_ARGUMENT, "npoints=0");
    bo = o; bo.bleach_mean = 5;
    EXPECT(ipcf_pcf_compute(&in, &bo, &outa), IPCF_E_INVALID_ARGUMENT, "bleach_mean=5");
    bo = o; bo.token = 123456;
    EXPECT(ipcf_pcf_compute(&in, &bo, &outa), IPCF_E_BAD_HANDLE, "token 123456");
    bo = o; bo.struct_size = 0;
    EXPECT(ipcf_pcf_compute(&in, &bo, &outa), IPCF_E_INVALID_ARGUMENT, "struct_size=0");
    ipcf_array few = arr3(IPCF_DTYPE_UINT16, 3, 10, 10, buf);
    EXPECT(ipcf_pcf_compute(&few, &o, &outa), IPCF_E_INVALID_ARGUMENT, "3 frames usable, want >= 4");
    /* Output overlapping the input. */
    ipcf_array ov;
    ipcf_array_init_contiguous(&ov, IPCF_DTYPE_FLOAT32, 4, shape, buf);
    EXPECT(ipcf_pcf_compute(&in, &o, &ov), IPCF_E_INVALID_ARGUMENT, "overlaps");
    /* Mask of the wrong shape. */
    uint8_t mask[100];
    memset(mask, 1, sizeof mask);
    int64_t ms[2] = {10, 9};
    ipcf_array ma;
    ipcf_array_init_contiguous(&ma, IPCF_DTYPE_UINT8, 2, ms, mask);
    bo = o; bo.mask = &ma;
    EXPECT(ipcf_pcf_compute(&in, &bo, &outa), IPCF_E_INVALID_ARGUMENT, "mask shape");
    /* Older callers: a struct_size that ends before nbins takes the default 32 bins. */
    bo = o; bo.struct_size = offsetof(ipcf_pcf_options, nbins);
    int64_t s2[4];
    /* logbins(32, 32) has 20 bins, logbins(32, 4) has 4 */
    CHECK(ipcf_pcf_output_shape(&in, &bo, s2) == IPCF_OK && s2[3] == 20, "old struct size: %lld bins", (long long)s2[3]);
    CHECK(ipcf_pcf_output_shape(&in, &o, NULL) == IPCF_E_INVALID_ARGUMENT, "shape NULL");
    /* All-zero pixel: NaN curves, no error. */
    for (int t2 = 0; t2 < 64; t2++) buf[t2 * 100 + 4 * 10 + 4] = 0;
    CHECK(ipcf_pcf_compute(&in, &o, &outa) == IPCF_OK, "zero pixel");
    /* output pixel (2,2) is image pixel (4,4) */
    CHECK(isnan(out[((2 * 6 + 2) * 4 + 0) * 4]) && !isnan(out[0]), "zero pixel NaN");
    /* Tokens. */
    EXPECT(ipcf_token_cancel(77), IPCF_E_BAD_HANDLE, "token 77");
    EXPECT(ipcf_token_destroy(77), IPCF_E_BAD_HANDLE, "token 77");
    EXPECT(ipcf_token_create(NULL), IPCF_E_INVALID_ARGUMENT, "NULL");
    /* Bleaching and simulation errors. */
    ipcf_bleach_options bl;
    ipcf_bleach_options_init(&bl);
    bl.filtersize = 40;
    uint16_t cor[6400];
    ipcf_array ca;
    int64_t negshape[3] = {-16, 10, 10};
    EXPECT(ipcf_array_init_contiguous(&ca, IPCF_DTYPE_UINT16, 3, negshape, cor), IPCF_E_INVALID_ARGUMENT, "shape[0]=-16 is negative");
    ca = arr3(IPCF_DTYPE_UINT16, 1, 10, 10, cor);
    EXPECT(ipcf_correct_bleaching(&in, &bl, &ca), IPCF_E_INVALID_ARGUMENT, "filtersize=40");
    ipcf_simulate_options so;
    ipcf_simulate_options_init(&so);
    so.frames = 0;
    EXPECT(ipcf_simulate(&so, &ca), IPCF_E_INVALID_ARGUMENT, "frames=0");
    /* A successful call leaves the message alone. */
    CHECK(ipcf_pcf_output_shape(&in, &o, shape) == IPCF_OK && strstr(ipcf_last_error(), "frames=0"), "message kept");
}

/* ipcf_check_units: the ranges of the units a result may carry (as
 * ipcf_pcf_file and ipcf_fit check them); 0 is unknown; the bounds pass. */
static void test_check_units(void) {
    CHECK(ipcf_check_units(0, 0) == IPCF_OK, "unknown units");
    CHECK(ipcf_check_units(0.1, 0.005) == IPCF_OK, "ordinary units");
    CHECK(ipcf_check_units(1e-6, 1e-12) == IPCF_OK && ipcf_check_units(1e6, 1e6) == IPCF_OK, "the bounds");
    CHECK(ipcf_check_units(1e-7, 0) == IPCF_E_INVALID_ARGUMENT &&
              strstr(ipcf_last_error(), "pixel size 1e-07: want 1e-06 to 1e+06 um") != NULL, "1e-7 um: %s", ipcf_last_error());
    CHECK(ipcf_check_units(0, 2e6) == IPCF_E_INVALID_ARGUMENT &&
              strstr(ipcf_last_error(), "frame interval 2e+06: want 1e-12 to 1e+06 s") != NULL, "2e6 s: %s", ipcf_last_error());
    CHECK(ipcf_check_units(-0.1, 0) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "pixel_size=-0.1"), "negative");
    CHECK(ipcf_check_units(0, NAN) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "frame_interval=NaN"), "NaN");
    CHECK(ipcf_check_units(INFINITY, 0) == IPCF_E_INVALID_ARGUMENT, "infinity");
}

/* ipcf_unit_scale and ipcf_square_pixels: the names of units and the
 * squareness the file readers use, for hosts reading a calibration. */
static void test_unit_scale(void) {
    struct {
        const char *name;
        int32_t kind;
        double want;
    } cases[] = {
        {"\xc2\xb5m", IPCF_UNIT_LENGTH, 1}, {"Micron", IPCF_UNIT_LENGTH, 1}, {" micrometres ", IPCF_UNIT_LENGTH, 1},
        {"nm", IPCF_UNIT_LENGTH, 1e-3}, {"UM", IPCF_UNIT_LENGTH, 1}, {"Mm", IPCF_UNIT_LENGTH, 0}, {"A", IPCF_UNIT_LENGTH, 1e-4}, {"a", IPCF_UNIT_LENGTH, 0},
        {"inch", IPCF_UNIT_LENGTH, 0}, {"pixel", IPCF_UNIT_LENGTH, 0}, {"", IPCF_UNIT_LENGTH, 0},
        {"secs", IPCF_UNIT_TIME, 1}, {"ms", IPCF_UNIT_TIME, 1e-3}, {"d", IPCF_UNIT_TIME, 86400}, {"um", IPCF_UNIT_TIME, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double f = -1;
        CHECK(ipcf_unit_scale(cases[i].name, cases[i].kind, &f) == IPCF_OK && f == cases[i].want, "unit %s kind %d: %g, want %g",
              cases[i].name, cases[i].kind, f, cases[i].want);
    }
    double f;
    EXPECT(ipcf_unit_scale(NULL, IPCF_UNIT_LENGTH, &f), IPCF_E_INVALID_ARGUMENT, "NULL");
    EXPECT(ipcf_unit_scale("um", IPCF_UNIT_LENGTH, NULL), IPCF_E_INVALID_ARGUMENT, "NULL");
    EXPECT(ipcf_unit_scale("um", 2, &f), IPCF_E_INVALID_ARGUMENT, "kind=2");
    int32_t sq = -1;
    CHECK(ipcf_square_pixels(0.1, 0.10001, &sq) == IPCF_OK && sq == 1, "0.1 x 0.10001 square: %d", sq);
    CHECK(ipcf_square_pixels(0.1, 0.1001, &sq) == IPCF_OK && sq == 0, "0.1 x 0.1001 not square: %d", sq);
    CHECK(ipcf_square_pixels(NAN, NAN, &sq) == IPCF_OK && sq == 0, "NaN: %d", sq);
    EXPECT(ipcf_square_pixels(1, 1, NULL), IPCF_E_INVALID_ARGUMENT, "NULL");
}

/* ipcf_check_counts: 1 for counts (uint16 unread, whole floats and int32 in
 * range), 0 with a sentence naming the first other sample; the message is
 * cut to the buffer and still IPCF_OK; bad descriptors are refused. */
static void test_check_counts(void) {
    int32_t counts = -1;
    char msg[400];
    uint16_t u[2 * 2 * 3] = {0};
    ipcf_array a = arr3(IPCF_DTYPE_UINT16, 2, 2, 3, u);
    CHECK(ipcf_check_counts(&a, &counts, msg, sizeof msg) == IPCF_OK && counts == 1, "uint16: %d", counts);
    float f[2 * 2 * 3] = {0, 1, 2, 3, 4, 65535, 6, 7, 8, 9, 10, 11};
    a = arr3(IPCF_DTYPE_FLOAT32, 2, 2, 3, f);
    CHECK(ipcf_check_counts(&a, &counts, msg, sizeof msg) == IPCF_OK && counts == 1, "whole floats: %d", counts);
    f[9] = 0.25f; /* frame 1, row 1, column 0 */
    f[11] = -3.0f;
    msg[0] = 0;
    CHECK(ipcf_check_counts(&a, &counts, msg, sizeof msg) == IPCF_OK && counts == 0, "fraction: %d", counts);
    CHECK(strstr(msg, "sample 0.25 at frame 1, pixel (row 1, column 0)") != NULL, "message: %s", msg);
    char small[8];
    char before[256];
    snprintf(before, sizeof before, "%s", ipcf_last_error());
    CHECK(ipcf_check_counts(&a, &counts, small, sizeof small) == IPCF_OK && counts == 0 && strlen(small) == 7, "cut: %s", small);
    CHECK(strcmp(before, ipcf_last_error()) == 0, "a cut message is still a success: last error changed to %s", ipcf_last_error());
    CHECK(ipcf_check_counts(&a, &counts, NULL, 0) == IPCF_OK && counts == 0, "no buffer");
    /* len SIZE_MAX ("as large as it takes"): the text and its NUL, no more */
    memset(msg, 'x', sizeof msg);
    CHECK(ipcf_check_counts(&a, &counts, msg, SIZE_MAX) == IPCF_OK && counts == 0 &&
              strstr(msg, "sample 0.25 at frame 1") != NULL && msg[strlen(msg) + 1] == 'x',
          "len SIZE_MAX: %.80s", msg);
    f[9] = NAN;
    CHECK(ipcf_check_counts(&a, &counts, msg, sizeof msg) == IPCF_OK && counts == 0 && strstr(msg, "NaN"), "NaN: %s", msg);
    int32_t big[2 * 2 * 3] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 65536};
    a = arr3(IPCF_DTYPE_INT32, 2, 2, 3, big);
    CHECK(ipcf_check_counts(&a, &counts, msg, sizeof msg) == IPCF_OK && counts == 0 && strstr(msg, "65536"), "int32: %s", msg);
    CHECK(ipcf_check_counts(&a, NULL, msg, sizeof msg) == IPCF_E_INVALID_ARGUMENT, "counts NULL");
    CHECK(ipcf_check_counts(NULL, &counts, msg, sizeof msg) == IPCF_E_INVALID_ARGUMENT, "data NULL");
    int64_t shape2[2] = {4, 3};
    ipcf_array_init_contiguous(&a, IPCF_DTYPE_INT32, 2, shape2, big);
    CHECK(ipcf_check_counts(&a, &counts, msg, sizeof msg) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "ndim=2"), "2-D");
}

/* ipcf_check_metadata: text whose self_crc32c is the CRC-32C of the text
 * with those digits read as "00000000" (computed here through
 * ipcf_file_crc32c) passes; one byte changed, a damaged key in metadata
 * of a sealing version, and NULL with a length are refused; metadata of
 * 0.3.0 without a seal pass. */
static void test_check_metadata(void) {
    char text[] = "{\n \"radius\": 6,\n \"self_crc32c\": \"00000000\",\n \"version\": \"0.3.1\"\n}\n";
    char path[] = "/tmp/ipcf-meta-XXXXXX";
    int fd = mkstemp(path);
    size_t n = strlen(text);
    CHECK(fd >= 0 && write(fd, text, n) == (ssize_t)n, "mkstemp");
    close(fd);
    uint32_t crc = 0;
    int64_t bytes = 0;
    CHECK(ipcf_file_crc32c(path, &crc, &bytes) == IPCF_OK, "crc");
    unlink(path);
    char *v = strstr(text, "00000000");
    char hex[9];
    snprintf(hex, sizeof hex, "%08x", (unsigned)crc);
    memcpy(v, hex, 8);
    CHECK(ipcf_check_metadata(text, n) == IPCF_OK, "sealed text: %s", ipcf_last_error());
    text[13] = '7'; /* "radius": 7 */
    CHECK(ipcf_check_metadata(text, n) == IPCF_E_IO && strstr(ipcf_last_error(), "metadata changed since ipcf wrote it"),
          "edited: %s", ipcf_last_error());
    text[13] = '6';
    char *k = strstr(text, "self_crc32c");
    k[0] = 'S';
    CHECK(ipcf_check_metadata(text, n) == IPCF_E_IO && strstr(ipcf_last_error(), "records no self_crc32c"), "damaged key: %s",
          ipcf_last_error());
    const char *old = "{\"software\": \"ipcf\", \"version\": \"0.3.0\"}";
    CHECK(ipcf_check_metadata(old, strlen(old)) == IPCF_OK, "0.3.0 metadata");
    CHECK(ipcf_check_metadata(NULL, 5) == IPCF_E_INVALID_ARGUMENT, "NULL text");
    CHECK(ipcf_check_metadata(NULL, 0) == IPCF_E_IO, "no text: %s", ipcf_last_error());
    /* cut short (the seal and version, written last, dropped): refused, not
     * taken for metadata of a version before 0.3.1 */
    CHECK(ipcf_check_metadata(text, 20) == IPCF_E_IO && strstr(ipcf_last_error(), "damaged JSON"), "cut short: %s",
          ipcf_last_error());
    CHECK(ipcf_check_metadata("{", 1) == IPCF_E_IO, "one brace");
}

/* ipcf_lock_holder: none, a live process of this host (this one), a gone
 * one (stopped), another host's (live: not known here), a file that is
 * no run's lock; the line copied, cut and refused where buf is too small;
 * NULLs refused. */
static void test_lock_holder(void) {
    char folder[] = "/tmp/ipcf-lock-XXXXXX";
    CHECK(mkdtemp(folder) != NULL, "mkdtemp");
    char out[256], lock[256], host[256], line[300], buf[256];
    snprintf(out, sizeof out, "%s/r.npy", folder);
    snprintf(lock, sizeof lock, "%s/.r.npy.lock", folder);
    CHECK(gethostname(host, sizeof host) == 0, "gethostname");
    int32_t state = -1;
    CHECK(ipcf_lock_holder(out, buf, sizeof buf, &state) == IPCF_OK && state == IPCF_LOCK_NONE && buf[0] == 0,
          "no lock: %d", state);
    struct {
        const char *what;
        long pid;
        const char *host;
        int32_t want;
    } cases[] = {
        {"this process", (long)getpid(), host, IPCF_LOCK_LIVE},
        {"a gone process", 999999999L, host, IPCF_LOCK_STOPPED},
        {"another host", (long)getpid(), "another-host-of-test-capi", IPCF_LOCK_LIVE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(line, sizeof line, "pid %ld on %s since 2026-12-06T00:00:00Z", cases[i].pid, cases[i].host);
        FILE *f = fopen(lock, "w");
        CHECK(f && fprintf(f, "%s\n", line) > 0 && fclose(f) == 0, "write the lock");
        state = -1;
        CHECK(ipcf_lock_holder(out, buf, sizeof buf, &state) == IPCF_OK && state == cases[i].want && strcmp(buf, line) == 0,
              "%s: state %d, line '%s'", cases[i].what, state, buf);
        state = -1;
        CHECK(ipcf_lock_holder(out, NULL, 0, &state) == IPCF_OK && state == cases[i].want, "%s without buf", cases[i].what);
    }
    CHECK(ipcf_lock_holder(out, buf, 5, &state) == IPCF_E_BUFFER_TOO_SMALL && strcmp(buf, "pid ") == 0, "cut: '%s'", buf);
    FILE *f = fopen(lock, "w");
    CHECK(f && fprintf(f, "not a lock\n") > 0 && fclose(f) == 0, "write");
    CHECK(ipcf_lock_holder(out, buf, sizeof buf, &state) == IPCF_OK && state == IPCF_LOCK_NONE && buf[0] == 0, "not a lock");
    CHECK(ipcf_lock_holder(NULL, buf, sizeof buf, &state) == IPCF_E_INVALID_ARGUMENT, "NULL output");
    CHECK(ipcf_lock_holder(out, buf, sizeof buf, NULL) == IPCF_E_INVALID_ARGUMENT, "NULL state");
    CHECK(ipcf_lock_holder(out, NULL, 8, &state) == IPCF_E_INVALID_ARGUMENT, "NULL buf with a length");
    unlink(lock);
    rmdir(folder);
}

/* ipcf_crc32c: CRC-32C's check value for "123456789" (0xe3069283); the
 * same of a file's bytes as ipcf_file_crc32c; empty data; NULLs refused. */
static void test_crc32c(void) {
    uint32_t crc = 0;
    CHECK(ipcf_crc32c("123456789", 9, &crc) == IPCF_OK && crc == 0xe3069283u, "check value: %08x", (unsigned)crc);
    CHECK(ipcf_crc32c(NULL, 0, &crc) == IPCF_OK && crc == 0, "empty: %08x", (unsigned)crc);
    unsigned char buf[4099];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 7919 >> 3);
    char path[] = "/tmp/ipcf-crcbuf-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "mkstemp");
    close(fd);
    uint32_t fcrc = 0;
    int64_t bytes = 0;
    CHECK(ipcf_file_crc32c(path, &fcrc, &bytes) == IPCF_OK, "file crc");
    unlink(path);
    CHECK(ipcf_crc32c(buf, sizeof buf, &crc) == IPCF_OK && crc == fcrc, "buffer %08x, file %08x", (unsigned)crc, (unsigned)fcrc);
    CHECK(ipcf_crc32c(NULL, 3, &crc) == IPCF_E_INVALID_ARGUMENT, "NULL data with a length");
    CHECK(ipcf_crc32c(buf, 3, NULL) == IPCF_E_INVALID_ARGUMENT, "NULL crc");
    CHECK(ipcf_crc32c(buf, (size_t)1 << 62, &crc) == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "address space"),
          "a length beyond the address space: %s", ipcf_last_error());
    CHECK(ipcf_crc32c(buf, SIZE_MAX, &crc) == IPCF_E_INVALID_ARGUMENT, "SIZE_MAX");
}

/* ipcf_file_crc32c: CRC-32C's check value for "123456789" (0xe3069283)
 * and the size; a missing file, a folder and NULLs are refused. */
static void test_file_crc32c(void) {
    char path[] = "/tmp/ipcf-crc-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "123456789", 9) == 9, "mkstemp");
    close(fd);
    uint32_t crc = 0;
    int64_t n = -1;
    CHECK(ipcf_file_crc32c(path, &crc, &n) == IPCF_OK && crc == 0xe3069283u && n == 9, "crc %08x, %lld bytes", crc,
          (long long)n);
    unlink(path);
    CHECK(ipcf_file_crc32c(path, &crc, &n) == IPCF_E_IO, "missing file");
    CHECK(ipcf_file_crc32c("/tmp", &crc, &n) == IPCF_E_IO && strstr(ipcf_last_error(), "not a regular file"), "folder");
    CHECK(ipcf_file_crc32c(NULL, &crc, &n) == IPCF_E_INVALID_ARGUMENT, "NULL path");
    CHECK(ipcf_file_crc32c(path, NULL, &n) == IPCF_E_INVALID_ARGUMENT, "NULL crc");
    /* A message longer than the error buffer is cut before a character,
     * never inside one: paths of 1100 two-byte characters, one after an
     * odd ASCII prefix, so that the cut falls on either byte of one. */
    for (int odd = 0; odd < 2; odd++) {
        char longpath[8 + 2 * 1100 + 1];
        size_t k = (size_t)snprintf(longpath, sizeof longpath, odd ? "/tmp/x" : "/tmp/");
        for (int i = 0; i < 1100; i++) { longpath[k++] = (char)0xc3; longpath[k++] = (char)0xa9; }
        longpath[k] = 0;
        CHECK(ipcf_file_crc32c(longpath, &crc, &n) != IPCF_OK, "long path: missing");
        const unsigned char *e = (const unsigned char *)ipcf_last_error();
        size_t len = strlen((const char *)e);
        int valid = len > 1000 && len < 2048;
        for (size_t i = 0; valid && i < len;) {
            int more = e[i] < 0x80 ? 0 : (e[i] & 0xe0) == 0xc0 ? 1 : (e[i] & 0xf0) == 0xe0 ? 2 : (e[i] & 0xf8) == 0xf0 ? 3 : -1;
            if (more < 0 || i + more >= len) { valid = 0; break; }
            for (int j = 1; j <= more; j++) if ((e[i + j] & 0xc0) != 0x80) valid = 0;
            i += 1 + more;
        }
        CHECK(valid, "long path %d: the message (%zu bytes) is whole UTF-8 characters", odd, len);
    }
}

static int stop_after(void *user, int64_t done, int64_t total) {
    int *calls = user;
    (*calls)++;
    /* cancel as soon as work is under way: at the second call, unfinished
     * (a GPU reports the blocks finished: 0 of 1 until its one block ends,
     * and done > 0 never came before the end) */
    return *calls >= 2 && done < total;
}

struct canceller { ipcf_token tok; volatile int started; };
static int mark_started(void *user, int64_t done, int64_t total) {
    (void)done; (void)total;
    ((struct canceller *)user)->started = 1;
    return 0;
}
static void *cancel_later(void *p) {
    struct canceller *c = p;
    while (!c->started) usleep(1000);
    ipcf_token_cancel(c->tok);
    return NULL;
}

static void test_cancel(void) {
    ipcf_simulate_options so;
    ipcf_simulate_options_init(&so);
    so.frames = 8192; so.size = 48;
    uint16_t *d = malloc((size_t)so.frames * so.size * so.size * 2);
    ipcf_array a = arr3(IPCF_DTYPE_UINT16, so.frames, so.size, so.size, d);
    CHECK(ipcf_simulate(&so, &a) == IPCF_OK, "simulate");
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.threads = 2;
    int64_t shape[4];
    ipcf_pcf_output_shape(&a, &o, shape);
    float *res = malloc(shape[0] * shape[1] * shape[2] * shape[3] * 4);
    ipcf_array out;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, shape, res);
    int calls = 0;
    o.progress = stop_after; o.progress_user = &calls;
    ipcf_status st = ipcf_pcf_compute(&a, &o, &out);
    CHECK(st == IPCF_E_CANCELLED && calls >= 1, "progress cancel: status %d after %d calls", st, calls);

    struct canceller c = {0, 0};
    CHECK(ipcf_token_create(&c.tok) == IPCF_OK, "token");
    o.progress = mark_started; o.progress_user = &c; o.token = c.tok;
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, &c);
    st = ipcf_pcf_compute(&a, &o, &out);
    pthread_join(th, NULL);
    CHECK(st == IPCF_E_CANCELLED, "token cancel from another thread: status %d", st);
    /* A cancelled token stays cancelled. */
    CHECK(ipcf_pcf_compute(&a, &o, &out) == IPCF_E_CANCELLED, "cancelled token reused");
    CHECK(ipcf_token_destroy(c.tok) == IPCF_OK, "destroy");
    free(res);
    free(d);
}

/* A pCF started from a callback of a pCF (a progress function calling the
 * library) never waits for a GPU its own outer call holds: device AUTO
 * runs it on the CPU, an explicit ordinal returns IPCF_E_NO_DEVICE at
 * once. It waited forever, and the host hung (CAPI17's F1); with the
 * emulated device (make test-c-emu) the outer call holds it, without one
 * there is none. An alarm ends a hang as a failure. */
static ipcf_array nest_in;
static int64_t nest_shape[4];
static int nest_calls, nest_status[2] = {-1, -1};
static char nest_note[512];
static void nest_alarm(int s) {
    (void)s;
    static const char m[] = "FAIL: a pCF called from a progress callback hung\n";
    if (write(2, m, sizeof m - 1) < 0) _exit(2);
    _exit(1);
}
static int nest_progress(void *user, int64_t done, int64_t total) {
    (void)user; (void)done; (void)total;
    if (nest_calls++) return 0;
    float *r = malloc(nest_shape[0] * nest_shape[1] * nest_shape[2] * nest_shape[3] * 4);
    ipcf_array out;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, nest_shape, r);
    for (int k = 0; k < 2; k++) {
        ipcf_pcf_options o;
        ipcf_pcf_options_init(&o);
        o.radius = 2; o.npoints = 8;
        o.device = k == 0 ? IPCF_DEVICE_AUTO : 0;
        nest_status[k] = ipcf_pcf_compute(&nest_in, &o, &out);
        if (k == 0) ipcf_last_device_note(nest_note, sizeof nest_note);
    }
    free(r);
    return 0;
}
static void test_nested_gpu(void) {
    ipcf_simulate_options so;
    ipcf_simulate_options_init(&so);
    so.frames = 512; so.size = 16;
    uint16_t *d = malloc((size_t)so.frames * so.size * so.size * 2);
    nest_in = arr3(IPCF_DTYPE_UINT16, so.frames, so.size, so.size, d);
    CHECK(ipcf_simulate(&so, &nest_in) == IPCF_OK, "simulate");
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 8; o.progress = nest_progress;
    ipcf_pcf_output_shape(&nest_in, &o, nest_shape);
    float *r = malloc(nest_shape[0] * nest_shape[1] * nest_shape[2] * nest_shape[3] * 4);
    ipcf_array out;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, nest_shape, r);
    signal(SIGALRM, nest_alarm);
    alarm(120);
    ipcf_status st = ipcf_pcf_compute(&nest_in, &o, &out);
    alarm(0);
    CHECK(st == IPCF_OK && nest_calls >= 1, "outer pCF: status %d after %d callbacks", st, nest_calls);
    CHECK(nest_status[0] == IPCF_OK, "a nested pCF, device auto: status %d", nest_status[0]);
    /* a GPU held by the outer call is busy, not failed (REVIEW18's m7) */
    CHECK(strncmp(nest_note, "cpu (auto: ", 11) == 0 && !strstr(nest_note, "failed"), "a nested pCF's note: %s", nest_note);
    CHECK(nest_status[1] == IPCF_E_NO_DEVICE, "a nested pCF, device 0: status %d", nest_status[1]);
    free(r);
    free(d);
}


/* The rule above keys on a pCF's own call: a pCF on device 0 started from
 * the progress callback of a CPU call (a bleaching correction, which holds
 * no GPU) waits for the GPU another thread's pCF holds, then runs on it
 * (REVIEW18's m10: it returned IPCF_E_NO_DEVICE at once). Needs a usable
 * device 0 (make test-c-emu runs it on the emulated one). */
static int cuda0_usable(void);
static ipcf_array wait_in;
static int64_t wait_shape[4];
static volatile int wait_busy, wait_other_done, wait_done_at_inner = -1;
static int wait_calls, wait_inner = -1, wait_other = -1;
static char wait_note[512];
static int wait_slow(void *u, int64_t d, int64_t t) {
    (void)u; (void)d; (void)t;
    wait_busy = 1;
    usleep(100000);
    return 0;
}
static void *wait_other_pcf(void *u) {
    (void)u;
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 8; o.device = 0; o.progress = wait_slow;
    float *r = malloc(wait_shape[0] * wait_shape[1] * wait_shape[2] * wait_shape[3] * 4);
    ipcf_array out;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, wait_shape, r);
    wait_other = ipcf_pcf_compute(&wait_in, &o, &out);
    wait_other_done = 1;
    free(r);
    return NULL;
}
static int wait_progress(void *u, int64_t d, int64_t t) {
    (void)u; (void)d; (void)t;
    if (wait_calls++) return 0;
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 8; o.device = 0;
    float *r = malloc(wait_shape[0] * wait_shape[1] * wait_shape[2] * wait_shape[3] * 4);
    ipcf_array out;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, wait_shape, r);
    wait_inner = ipcf_pcf_compute(&wait_in, &o, &out);
    wait_done_at_inner = wait_other_done;
    ipcf_last_device_note(wait_note, sizeof wait_note);
    free(r);
    return 0;
}
static void test_cpu_callback_waits_gpu(void) {
    if (!cuda0_usable()) {
        printf("test_cpu_callback_waits_gpu: not run: no usable CUDA device 0 here (make test-c-emu runs it)\n");
        return;
    }
    ipcf_simulate_options so;
    ipcf_simulate_options_init(&so);
    so.frames = 2048; so.size = 16;
    uint16_t *d = malloc((size_t)so.frames * so.size * so.size * 2);
    wait_in = arr3(IPCF_DTYPE_UINT16, so.frames, so.size, so.size, d);
    CHECK(ipcf_simulate(&so, &wait_in) == IPCF_OK, "simulate");
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 2; o.npoints = 8;
    ipcf_pcf_output_shape(&wait_in, &o, wait_shape);
    pthread_t th;
    pthread_create(&th, NULL, wait_other_pcf, NULL);
    while (!wait_busy && !wait_other_done) usleep(1000);
    ipcf_bleach_options bo;
    ipcf_bleach_options_init(&bo);
    bo.filtersize = 10; bo.progress = wait_progress;
    uint16_t *b = malloc((size_t)(so.frames - 20) * so.size * so.size * 2);
    ipcf_array bout = arr3(IPCF_DTYPE_UINT16, so.frames - 20, so.size, so.size, b);
    signal(SIGALRM, nest_alarm);
    alarm(120);
    ipcf_status st = ipcf_correct_bleaching(&wait_in, &bo, &bout);
    pthread_join(th, NULL);
    alarm(0);
    CHECK(st == IPCF_OK && wait_calls >= 1, "bleaching: status %d after %d callbacks", st, wait_calls);
    CHECK(wait_other == IPCF_OK, "the other thread's GPU pCF: status %d", wait_other);
    CHECK(wait_inner == IPCF_OK, "a GPU pCF from a CPU call's callback: status %d (%s)", wait_inner,
          wait_inner ? ipcf_last_error() : "");
    CHECK(wait_done_at_inner == 1, "a GPU pCF from a CPU call's callback returned before the other thread's");
    CHECK(strncmp(wait_note, "cuda:0", 6) == 0, "a GPU pCF from a CPU call's callback ran on: %s", wait_note);
    free(b);
    free(d);
}

/* Read a whole file; returns its size or -1. */
static long slurp(const char *p, char **out) {
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc(n > 0 ? n : 1);
    if (fread(*out, 1, n, f) != (size_t)n) n = -1;
    fclose(f);
    return n;
}

static int same_file(const char *a, const char *b) {
    char *x = NULL, *y = NULL;
    long n = slurp(a, &x), m = slurp(b, &y);
    int same = n >= 0 && n == m && memcmp(x, y, n) == 0;
    free(x);
    free(y);
    return same;
}

static int phases;
static int count_phase(void *user, const char *phase, int64_t done, int64_t total) {
    (void)user; (void)done; (void)total;
    if (phase && (strcmp(phase, "transpose") == 0 || strcmp(phase, "pcf") == 0 || strcmp(phase, "read") == 0)) phases++;
    return 0;
}

static int notes;
static void count_note(void *user, const char *msg) { (void)user; if (msg && *msg) notes++; }

/* ipcf_job_options.errors and segments (since 0.3) are read: OUT.sd.npy
 * holds ipcf_pcf_errors' numbers bit for bit in both engines; a struct_size
 * without them writes none; bad values are refused. */
static void test_job_errors(const char *fix, const char *tmp, const ipcf_pcf_options *o) {
    char sim[600], out[1300], sd[1400];
    snprintf(sim, sizeof sim, "%s/sim.npy", fix);
    npy_t in, got;
    if (npy_read(sim, &in)) { CHECK(0, "cannot read %s", sim); return; }
    ipcf_array a = arr3(IPCF_DTYPE_UINT16, in.shape[0], in.shape[1], in.shape[2], in.data);
    int64_t shape[4];
    CHECK(ipcf_pcf_output_shape(&a, o, shape) == IPCF_OK, "output shape");
    size_t n = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
    float *want = malloc(n * sizeof *want);
    ipcf_array w;
    ipcf_array_init_contiguous(&w, IPCF_DTYPE_FLOAT32, 4, shape, want);
    ipcf_status st = ipcf_pcf_errors(&a, o, IPCF_ERRORS_SEGMENTS, 4, &w);
    CHECK(st == IPCF_OK, "ipcf_pcf_errors: %d %s", st, ipcf_last_error());
    ipcf_job_options jo;
    ipcf_job_options_init(&jo);
    CHECK(jo.errors == IPCF_JOB_ERRORS_NONE && jo.segments == 0, "job errors default %d %d", jo.errors, jo.segments);
    ipcf_job_summary sum = {.struct_size = sizeof sum};
    const char *engines[] = {"memory", "ooc"};
    for (int e = 0; e < 2; e++) {
        jo.engine = engines[e]; jo.tile_rows = e ? 8 : 0; jo.tile_cols = e ? 8 : 0;
        jo.errors = IPCF_JOB_ERRORS_SEGMENTS; jo.segments = 4;
        snprintf(out, sizeof out, "%s/err-%s.npy", tmp, engines[e]);
        snprintf(sd, sizeof sd, "%s/err-%s.sd.npy", tmp, engines[e]);
        st = ipcf_pcf_file(sim, NULL, out, o, &jo, &sum);
        CHECK(st == IPCF_OK, "pcf_file errors %s: %d %s", engines[e], st, ipcf_last_error());
        int ok = npy_read(sd, &got) == 0;
        CHECK(ok && got.nbytes == n * sizeof *want && memcmp(got.data, want, got.nbytes) == 0,
              "%s: OUT.sd.npy differs from ipcf_pcf_errors' (or is missing)", engines[e]);
        if (ok) free(got.data);
    }
    /* An older struct_size does not reach the fields: no error bars. */
    jo.engine = "memory"; jo.tile_rows = jo.tile_cols = 0;
    jo.struct_size = (uint32_t)offsetof(ipcf_job_options, errors);
    snprintf(out, sizeof out, "%s/noerr.npy", tmp);
    snprintf(sd, sizeof sd, "%s/noerr.sd.npy", tmp);
    st = ipcf_pcf_file(sim, NULL, out, o, &jo, &sum);
    FILE *probe = fopen(sd, "rb");
    CHECK(st == IPCF_OK && probe == NULL, "struct_size without errors: %d, sd file %p", st, (void *)probe);
    if (probe) fclose(probe);
    jo.struct_size = sizeof jo;
    struct { int32_t errors, segments; const char *out, *needle; } bad[] = {
        {3, 0, "bad.npy", "job.errors=3"}, {IPCF_JOB_ERRORS_NONE, 4, "bad.npy", "job.segments=4"},
        {IPCF_JOB_ERRORS_BLOCKING, 4, "bad.npy", "job.segments=4"}, {IPCF_JOB_ERRORS_SEGMENTS, 1, "bad.npy", "segments"},
        {IPCF_JOB_ERRORS_SEGMENTS, 0x7fffffff, "bad.npy", "segments"}, {IPCF_JOB_ERRORS_BLOCKING, 0, "bad.zarr", ".npy"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        jo.errors = bad[i].errors; jo.segments = bad[i].segments;
        snprintf(out, sizeof out, "%s/%s", tmp, bad[i].out);
        st = ipcf_pcf_file(sim, NULL, out, o, &jo, &sum);
        CHECK(st == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), bad[i].needle), "errors=%d segments=%d %s: %d %s",
              bad[i].errors, bad[i].segments, bad[i].out, st, ipcf_last_error());
        probe = fopen(out, "rb");
        CHECK(probe == NULL, "a refused job wrote %s", out);
        if (probe) fclose(probe);
    }
    free(want);
    free(in.data);
}

/* The file job of the shared fixture (tools/filejobdata): a folder of
 * big-endian single-page TIFFs and a raw big-endian file, out of core with
 * a small budget and many tiles, give the bytes of the CLI's results. */
static void test_pcf_file(const char *fix) {
    char series[600], rawp[600], cli_s[600], cli_r[600], out[1300], tmp[] = "/tmp/ipcf-capi-XXXXXX";
    snprintf(series, sizeof series, "%s/series", fix);
    snprintf(rawp, sizeof rawp, "%s/stack.raw", fix);
    snprintf(cli_s, sizeof cli_s, "%s/cli_series.npy", fix);
    snprintf(cli_r, sizeof cli_r, "%s/cli_raw.npy", fix);
    char cmd[3000];
    CHECK(mkdtemp(tmp) != NULL, "mkdtemp");
    int frames = 0, size = 0, radius = 0, npoints = 0, nbins = 0;
    char memory[32] = "", pp[600];
    snprintf(pp, sizeof pp, "%s/params.txt", fix);
    FILE *f = fopen(pp, "r");
    CHECK(f != NULL, "no fixture %s (make filejob)", pp);
    if (!f) return;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "frames=%d", &frames);
        sscanf(line, "size=%d", &size);
        sscanf(line, "radius=%d", &radius);
        sscanf(line, "npoints=%d", &npoints);
        sscanf(line, "nbins=%d", &nbins);
        sscanf(line, "memory=%31s", memory);
    }
    fclose(f);
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = radius; o.npoints = npoints; o.nbins = nbins;
    o.device = IPCF_DEVICE_CPU; /* the CLI's results were computed with --device cpu (tools/filejobdata) */
    ipcf_job_options jo;
    ipcf_job_options_init(&jo);
    jo.memory = memory; jo.engine = "ooc"; jo.tile_rows = 8; jo.tile_cols = 8;
    jo.progress = count_phase; jo.log = count_note;
    ipcf_job_summary sum = {.struct_size = sizeof sum};

    snprintf(out, sizeof out, "%s/series.npy", tmp);
    ipcf_status st = ipcf_pcf_file(series, NULL, out, &o, &jo, &sum);
    CHECK(st == IPCF_OK, "pcf_file series: %d %s", st, ipcf_last_error());
    CHECK(same_file(out, cli_s), "series: bytes differ from the CLI's result");
    CHECK(sum.engine == IPCF_ENGINE_OOC && sum.tiles > 1 && sum.already_complete == 0, "summary engine %d tiles %d", sum.engine, sum.tiles);
    CHECK(phases > 0, "no progress calls");
    CHECK(sum.shape[0] == size - 2 * radius && sum.shape[2] == npoints, "summary shape");
    /* A rerun is complete already and changes nothing. */
    notes = 0;
    st = ipcf_pcf_file(series, NULL, out, &o, &jo, &sum);
    CHECK(st == IPCF_OK && sum.already_complete == 1 && notes == 1, "rerun: %d complete %d notes %d", st, sum.already_complete, notes);

    ipcf_source_options so;
    ipcf_source_options_init(&so);
    so.raw_shape[0] = frames; so.raw_shape[1] = size; so.raw_shape[2] = size;
    so.raw_dtype = IPCF_DTYPE_UINT16; so.raw_byte_order = IPCF_ORDER_BIG;
    snprintf(out, sizeof out, "%s/raw.npy", tmp);
    st = ipcf_pcf_file(rawp, &so, out, &o, &jo, &sum);
    CHECK(st == IPCF_OK, "pcf_file raw: %d %s", st, ipcf_last_error());
    CHECK(same_file(out, cli_r), "raw: bytes differ from the CLI's result");
    /* In memory: the same bytes. */
    jo.engine = "memory";
    snprintf(out, sizeof out, "%s/raw-mem.npy", tmp);
    st = ipcf_pcf_file(rawp, &so, out, &o, &jo, &sum);
    CHECK(st == IPCF_OK && sum.engine == IPCF_ENGINE_MEMORY && same_file(out, cli_r), "raw in memory: %d %s", st, ipcf_last_error());
    test_job_errors(fix, tmp, &o);

    /* Refused outputs and bad options, with messages. */
    snprintf(out, sizeof out, "%s/inside.npy", series);
    st = ipcf_pcf_file(series, NULL, out, &o, &jo, &sum);
    CHECK(st == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "inside the input folder"), "inside input folder: %d %s", st, ipcf_last_error());
    FILE *probe = fopen(out, "rb");
    CHECK(probe == NULL, "a file was created inside the input folder");
    if (probe) fclose(probe);
    char sim[600], simcopy[1300];
    snprintf(sim, sizeof sim, "%s/sim.npy", fix);
    snprintf(simcopy, sizeof simcopy, "%s/sim-copy.npy", tmp);
    snprintf(cmd, sizeof cmd, "cp %s %s", sim, simcopy);
    CHECK(system(cmd) == 0, "copy");
    st = ipcf_pcf_file(simcopy, NULL, simcopy, &o, &jo, &sum);
    CHECK(st == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "is an input"), "output = input: %d %s", st, ipcf_last_error());
    CHECK(same_file(sim, simcopy), "the input was changed");
    st = ipcf_pcf_file("/nonexistent/in.tif", NULL, out, &o, &jo, &sum);
    CHECK(st == IPCF_E_IO && strstr(ipcf_last_error(), "/nonexistent/in.tif"), "missing input: %d %s", st, ipcf_last_error());
    jo.memory = "lots";
    st = ipcf_pcf_file(series, NULL, out, &o, &jo, &sum);
    CHECK(st == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "lots"), "memory lots: %d %s", st, ipcf_last_error());
    jo.memory = NULL; jo.engine = "gpu";
    st = ipcf_pcf_file(series, NULL, out, &o, &jo, &sum);
    CHECK(st == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "gpu"), "engine gpu: %d %s", st, ipcf_last_error());
    jo.engine = NULL;
    so.raw_shape[0] = frames + 1;
    snprintf(out, sizeof out, "%s/bad.npy", tmp);
    st = ipcf_pcf_file(rawp, &so, out, &o, &jo, &sum);
    CHECK(st != IPCF_OK, "raw larger than the file accepted");
    CHECK(ipcf_pcf_file(NULL, NULL, out, &o, &jo, &sum) == IPCF_E_INVALID_ARGUMENT, "NULL input");
    /* Cancellation by token. */
    ipcf_token tok;
    ipcf_token_create(&tok);
    ipcf_token_cancel(tok);
    o.token = tok;
    so.raw_shape[0] = frames;
    jo.engine = "ooc";
    snprintf(out, sizeof out, "%s/cancel.npy", tmp);
    st = ipcf_pcf_file(rawp, &so, out, &o, &jo, &sum);
    CHECK(st == IPCF_E_CANCELLED, "cancelled token: %d %s", st, ipcf_last_error());
    probe = fopen(out, "rb");
    CHECK(probe == NULL, "a cancelled job left its output");
    if (probe) fclose(probe);
    ipcf_token_destroy(tok);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    CHECK(system(cmd) == 0, "cleanup");
}

/* cuda0_usable: whether a CUDA device 0 is usable here (a GPU, or
 * IPCF_CUDA_LIBDIR naming the emulated one), asked of the library: a plain
 * pCF on device 0 is IPCF_OK, or IPCF_E_NO_DEVICE where none is; a usable
 * one is listed by ipcf_devices. */
static int cuda0_usable(void) {
    enum { T = 64, N = 8 };
    static uint16_t px[T * N * N];
    for (int i = 0; i < T * N * N; i++) px[i] = (uint16_t)(100 + (i * 7919) % 31);
    ipcf_array a = arr3(IPCF_DTYPE_UINT16, T, N, N, px);
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 1; o.npoints = 4; o.nbins = 4; o.device = 0;
    int64_t shape[4];
    ipcf_status st;
    float *r = run_pcf(&a, &o, shape, &st);
    free(r);
    char devs[4096] = "";
    CHECK(st == IPCF_OK || st == IPCF_E_NO_DEVICE, "device 0, plain pCF: status %d", st);
    CHECK(ipcf_devices(devs, sizeof devs) == IPCF_OK && (st != IPCF_OK || strncmp(devs, "cuda:0 ", 7) == 0),
          "device 0 ran, ipcf_devices: \"%s\"", devs);
    return st == IPCF_OK;
}

/* A raw file with rows of 2 KiB, out of core in bands on the CPU, is read
 * in place (summary.read_in_place = 1); job.copy_input = 1 copies it into
 * scratch (read_in_place = 0) with the same bytes out; copy_input = 2 is
 * refused; a summary whose struct_size ends before read_in_place keeps it
 * as it was. On a GPU (where a CUDA device 0 is usable) out of core runs
 * in tiles copied into scratch first: read_in_place = 0, and the bytes of
 * the in-memory result on that device (README, out of core). */
static void test_read_in_place(void) {
    char tmp[] = "/tmp/ipcf-inplace-XXXXXX", raw[200], a[300], b[300], c[300], cmd[300];
    CHECK(mkdtemp(tmp) != NULL, "mkdtemp");
    snprintf(raw, sizeof raw, "%s/wide.raw", tmp);
    enum { T = 64, H = 6, W = 1024 };
    uint16_t *px = malloc(sizeof *px * T * H * W);
    uint32_t r = 12345;
    for (size_t i = 0; i < (size_t)T * H * W; i++) {
        r = r * 1664525u + 1013904223u;
        px[i] = (uint16_t)(100 + (r >> 24));
    }
    FILE *f = fopen(raw, "wb");
    CHECK(f && fwrite(px, sizeof *px, (size_t)T * H * W, f) == (size_t)T * H * W, "write %s", raw);
    if (f) fclose(f);
    free(px);
    ipcf_source_options so;
    ipcf_source_options_init(&so);
    so.raw_shape[0] = T; so.raw_shape[1] = H; so.raw_shape[2] = W;
    so.raw_dtype = IPCF_DTYPE_UINT16; so.raw_byte_order = IPCF_ORDER_LITTLE;
    ipcf_pcf_options o;
    ipcf_pcf_options_init(&o);
    o.radius = 1; o.npoints = 4; o.nbins = 4;
    o.device = IPCF_DEVICE_CPU; /* bands read in place: the CPU's out of core */
    ipcf_job_options jo;
    ipcf_job_options_init(&jo);
    jo.engine = "ooc";
    ipcf_job_summary sum = {.struct_size = sizeof sum};
    snprintf(a, sizeof a, "%s/a.npy", tmp);
    ipcf_status st = ipcf_pcf_file(raw, &so, a, &o, &jo, &sum);
    CHECK(st == IPCF_OK && sum.engine == IPCF_ENGINE_OOC && sum.read_in_place == 1,
          "in place: status %d engine %d read_in_place %d %s", st, sum.engine, sum.read_in_place, ipcf_last_error());
    jo.copy_input = 1;
    snprintf(b, sizeof b, "%s/b.npy", tmp);
    st = ipcf_pcf_file(raw, &so, b, &o, &jo, &sum);
    CHECK(st == IPCF_OK && sum.read_in_place == 0, "copy_input: status %d read_in_place %d %s", st, sum.read_in_place, ipcf_last_error());
    CHECK(same_file(a, b), "read in place and copied: the outputs differ");
    jo.copy_input = 2;
    snprintf(c, sizeof c, "%s/c.npy", tmp);
    st = ipcf_pcf_file(raw, &so, c, &o, &jo, &sum);
    CHECK(st == IPCF_E_INVALID_ARGUMENT && strstr(ipcf_last_error(), "copy_input"), "copy_input 2: %d %s", st, ipcf_last_error());
    jo.copy_input = 0;
    ipcf_job_summary old = {.struct_size = offsetof(ipcf_job_summary, read_in_place), .read_in_place = 7};
    st = ipcf_pcf_file(raw, &so, c, &o, &jo, &old);
    CHECK(st == IPCF_OK && old.read_in_place == 7 && old.engine == IPCF_ENGINE_OOC,
          "older summary: status %d read_in_place %d", st, old.read_in_place);
    if (cuda0_usable()) {
        char g[300], m[300];
        o.device = 0;
        snprintf(g, sizeof g, "%s/gpu-ooc.npy", tmp);
        st = ipcf_pcf_file(raw, &so, g, &o, &jo, &sum);
        CHECK(st == IPCF_OK && sum.engine == IPCF_ENGINE_OOC && sum.read_in_place == 0,
              "device 0 out of core: status %d engine %d read_in_place %d %s", st, sum.engine, sum.read_in_place, ipcf_last_error());
        jo.engine = "memory";
        snprintf(m, sizeof m, "%s/gpu-mem.npy", tmp);
        st = ipcf_pcf_file(raw, &so, m, &o, &jo, &sum);
        CHECK(st == IPCF_OK && sum.engine == IPCF_ENGINE_MEMORY, "device 0 in memory: status %d engine %d %s", st, sum.engine, ipcf_last_error());
        CHECK(same_file(g, m), "device 0: out of core and in memory, the outputs differ");
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    CHECK(system(cmd) == 0, "cleanup");
}

/* The initialisers write no more than the caller's struct (REVIEW7's F6):
 * the header's macros pass its sizeof to ipcf_*_options_init_size. A
 * struct of an older, smaller header (here ipcf_pcf_options as 0.2 had it,
 * up to offsets) gets the defaults of its fields and its own struct_size,
 * the bytes after it stay, and a pCF with it equals one with the whole
 * defaults. The functions of the same names, which programs built against
 * older headers call, write the whole struct. */
static void test_sized_init(void) {
    size_t old = offsetof(ipcf_pcf_options, offsets);
    _Alignas(16) unsigned char buf[sizeof(ipcf_pcf_options) + 64];
    memset(buf, 0xAA, sizeof buf);
    ipcf_pcf_options *o = (ipcf_pcf_options *)(void *)buf;
    ipcf_pcf_options_init_size(o, old);
    int tail = 1;
    for (size_t i = old; i < sizeof buf; i++) tail &= buf[i] == 0xAA;
    CHECK(o->struct_size == old && o->radius == 6 && o->npoints == 32 && o->nbins == 32 && tail,
          "init_size of a 0.2 struct (%zu bytes): struct_size %u, radius %d, bytes after it kept %d", old, o->struct_size,
          o->radius, tail);
    ipcf_pcf_options full;
    memset(&full, 0xAA, sizeof full);
    ipcf_pcf_options_init(&full); /* the macro */
    CHECK(full.struct_size == sizeof full && full.offsets == NULL && full.noffsets == 0 && full.bins == IPCF_BINS_LOG,
          "the macro: struct_size %u", full.struct_size);
    memset(&full, 0xAA, sizeof full);
    (ipcf_pcf_options_init)(&full); /* the function, as an older program calls it */
    CHECK(full.struct_size == sizeof full && full.offsets == NULL && full.radius == 6, "the function: struct_size %u",
          full.struct_size);
    /* a pCF with the 0.2 struct equals one with the whole defaults */
    enum { T = 256, H = 16, W = 16 };
    static uint16_t px[T * H * W];
    for (int i = 0; i < T * H * W; i++) px[i] = (uint16_t)(100 + (i * 2654435761u >> 24) % 17);
    ipcf_array in = arr3(IPCF_DTYPE_UINT16, T, H, W, px);
    o->threads = 1;
    full.threads = 1;
    int64_t sh[4];
    CHECK(ipcf_pcf_output_shape(&in, o, sh) == IPCF_OK, "output shape with the 0.2 struct");
    size_t n = (size_t)(sh[0] * sh[1] * sh[2] * sh[3]);
    float *r1 = calloc(n, sizeof *r1), *r2 = calloc(n, sizeof *r2);
    ipcf_array a1, a2;
    ipcf_array_init_contiguous(&a1, IPCF_DTYPE_FLOAT32, 4, sh, r1);
    ipcf_array_init_contiguous(&a2, IPCF_DTYPE_FLOAT32, 4, sh, r2);
    CHECK(ipcf_pcf_compute(&in, o, &a1) == IPCF_OK && ipcf_pcf_compute(&in, &full, &a2) == IPCF_OK &&
              memcmp(r1, r2, n * sizeof *r1) == 0,
          "pCF with the 0.2 struct against the whole defaults");
    free(r1);
    free(r2);
    /* a struct of a newer, larger header: this library's part, the rest kept */
    memset(buf, 0xAA, sizeof buf);
    ipcf_pcf_options_init_size(o, sizeof buf);
    tail = 1;
    for (size_t i = sizeof(ipcf_pcf_options); i < sizeof buf; i++) tail &= buf[i] == 0xAA;
    CHECK(o->struct_size == sizeof(ipcf_pcf_options) && tail, "init_size of a larger struct: struct_size %u", o->struct_size);
    /* a size below struct_size's: refused, the struct left */
    ipcf_job_options j;
    memset(&j, 0xAA, sizeof j);
    ipcf_job_options_init_size(&j, 3);
    CHECK(j.struct_size == 0xAAAAAAAAu && strstr(ipcf_last_error(), "ipcf_job_options_init_size: size 3"), "size 3");
    /* every other initialiser by size: no byte after the size written */
#define SIZED(fn, type)                                                                                  \
    do {                                                                                                  \
        _Alignas(16) unsigned char b[sizeof(type) + 16];                                                   \
        memset(b, 0xAA, sizeof b);                                                                        \
        fn((type *)(void *)b, 8);                                                                         \
        int k = 1;                                                                                        \
        for (size_t i = 8; i < sizeof b; i++) k &= b[i] == 0xAA;                                          \
        CHECK(((type *)(void *)b)->struct_size == 8 && k, #fn " of 8 bytes");                            \
    } while (0)
    SIZED(ipcf_source_options_init_size, ipcf_source_options);
    SIZED(ipcf_job_options_init_size, ipcf_job_options);
    SIZED(ipcf_bleach_options_init_size, ipcf_bleach_options);
    SIZED(ipcf_simulate_options_init_size, ipcf_simulate_options);
    SIZED(ipcf_fit_options_init_size, ipcf_fit_options);
#undef SIZED
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    test_read_in_place();
    test_version();
    test_conformance();
    test_layouts();
    test_params_and_correlate();
    test_sized_init();
    test_bad_input();
    test_check_counts();
    test_check_units();
    test_unit_scale();
    test_file_crc32c();
    test_check_metadata();
    test_lock_holder();
    test_crc32c();
    test_cancel();
    test_nested_gpu();
    test_cpu_callback_waits_gpu();
    if (argc > 2) test_pcf_file(argv[2]);
    else printf("test_pcf_file: skipped, no fixture folder given (make test-c gives it)\n");
    if (failures) {
        printf("FAIL: %d checks failed\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
