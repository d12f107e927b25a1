/* pcf_example: the pCF of a (T, H, W) image stack in a .npy file through
 * the C ABI, compared with an expected result and optionally written out.
 * Self-contained: it needs only the installed library and <ipcf.h>.
 *
 *   cc pcf_example.c $(pkg-config --cflags --libs ipcf) -lm -o pcf_example
 *   ./pcf_example ../shared/conformance/pcf_basic.input.npy \
 *                 ../shared/conformance/pcf_basic.expected.npy 4 16 16
 *   ./pcf_example stack.npy - 6 32 32 result.npy     # no comparison; write the pCF
 *
 * With CMake: find_package(ipcf) and target_link_libraries(... ipcf::ipcf m).
 * The input is read into memory as it lies in the file: C or Fortran order,
 * little- or big-endian uint8, uint16, int16, int32, float32 or float64 are
 * described to the library by an ipcf_array (dtype, byte order, strides)
 * and never converted or copied. The expected result is float32 in C order.
 * The result is written as a little- or big-endian (the host's) float32
 * C-order .npy, shape (H-2R, W-2R, NPOINTS, bins). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcf.h"

/* A .npy file in memory: the array's bytes and how they lie. */
typedef struct {
    uint32_t dtype;      /* IPCF_DTYPE_* */
    uint32_t byte_order; /* IPCF_ORDER_* */
    int fortran;         /* 1: Fortran order (first axis fastest) */
    uint32_t ndim;
    int64_t shape[IPCF_MAX_NDIM];
    size_t itemsize;
    void *data;
} npy_array;

/* npy_read reads a version 1, 2 or 3 .npy file; returns 0, or -1 after
 * printing why to stderr. */
static int npy_read(const char *path, npy_array *a) {
    static const struct { const char *code; uint32_t dtype; size_t size; } types[] = {
        {"u1", IPCF_DTYPE_UINT8, 1}, {"u2", IPCF_DTYPE_UINT16, 2},  {"i2", IPCF_DTYPE_INT16, 2},
        {"i4", IPCF_DTYPE_INT32, 4}, {"f4", IPCF_DTYPE_FLOAT32, 4}, {"f8", IPCF_DTYPE_FLOAT64, 8}};
    unsigned char pre[12];
    size_t hlen, n = 1, k;
    char *h = NULL, *d, *s;
    FILE *f = fopen(path, "rb");
    memset(a, 0, sizeof *a);
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] < 1 || pre[6] > 3) goto bad;
    hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, f) != 2) goto bad;
        hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    h = calloc(hlen + 1, 1);
    if (!h || fread(h, 1, hlen, f) != hlen) goto bad;
    d = strstr(h, "descr");
    s = strstr(h, "shape");
    if (!d || !s || !(d = strpbrk(d + 6, "'\"")) || !(s = strchr(s, '('))) goto bad;
    d++; /* d: the dtype string, e.g. <u2 */
    a->byte_order = d[0] == '<' ? IPCF_ORDER_LITTLE : d[0] == '>' ? IPCF_ORDER_BIG : IPCF_ORDER_NATIVE;
    for (k = 0; k < sizeof types / sizeof types[0]; k++)
        if (d[0] && strchr("<>|=", d[0]) && strncmp(d + 1, types[k].code, 2) == 0 && strchr("'\"", d[3])) {
            a->dtype = types[k].dtype;
            a->itemsize = types[k].size;
        }
    if (!a->dtype) {
        fprintf(stderr, "%s: dtype %.8s not supported (u1, u2, i2, i4, f4, f8)\n", path, d);
        goto fail;
    }
    if (a->itemsize == 1) a->byte_order = IPCF_ORDER_NATIVE;
    a->fortran = strstr(h, "True") != NULL; /* the only True a plain header holds is fortran_order's */
    for (s++; *s && *s != ')';) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || v < 0 || a->ndim == IPCF_MAX_NDIM) goto bad;
        a->shape[a->ndim++] = v;
        n *= (size_t)v;
        for (s = end; *s == ',' || *s == ' ';) s++;
    }
    a->data = malloc(n > 0 ? n * a->itemsize : 1);
    if (!a->data) goto fail;
    if (fread(a->data, a->itemsize, n, f) != n) {
        fprintf(stderr, "%s: truncated\n", path);
        goto fail;
    }
    free(h);
    fclose(f);
    return 0;
bad:
    fprintf(stderr, "%s: not a .npy file this example reads\n", path);
fail:
    free(h);
    free(a->data);
    a->data = NULL;
    fclose(f);
    return -1;
}

/* npy_describe: the library's view of the array, in place (C or Fortran
 * order through the byte strides, either byte order). */
static void npy_describe(const npy_array *a, ipcf_array *d) {
    int64_t st = (int64_t)a->itemsize;
    uint32_t k;
    ipcf_array_init(d);
    d->dtype = a->dtype;
    d->byte_order = a->byte_order;
    d->ndim = a->ndim;
    d->data = a->data;
    for (k = 0; k < a->ndim; k++) {
        uint32_t axis = a->fortran ? k : a->ndim - 1 - k;
        d->shape[axis] = a->shape[axis];
        d->strides[axis] = st;
        st *= a->shape[axis];
    }
}

static int host_is_little(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* npy_write_f32 writes a native-endian float32 C-order array as a version
 * 1.0 .npy file (header padded to 64 bytes); returns 0 or -1. */
static int npy_write_f32(const char *path, const float *data, uint32_t ndim, const int64_t *shape) {
    char h[256];
    size_t n = 1, len;
    uint32_t k;
    int ok;
    FILE *f;
    len = (size_t)snprintf(h, sizeof h, "{'descr': '%cf4', 'fortran_order': False, 'shape': (",
                           host_is_little() ? '<' : '>');
    for (k = 0; k < ndim; k++) {
        len += (size_t)snprintf(h + len, sizeof h - len, "%lld,%s", (long long)shape[k], k + 1 < ndim ? " " : "");
        n *= (size_t)shape[k];
    }
    len += (size_t)snprintf(h + len, sizeof h - len, "), }");
    while ((10 + len + 1) % 64) h[len++] = ' ';
    h[len++] = '\n';
    if (!(f = fopen(path, "wb"))) return -1;
    ok = fwrite("\x93NUMPY\x01\x00", 1, 8, f) == 8 && fputc((int)(len & 0xff), f) != EOF &&
         fputc((int)(len >> 8), f) != EOF && fwrite(h, 1, len, f) == len && fwrite(data, sizeof *data, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* f32_at: element i of a C-order float32 .npy array, in the host's order. */
static float f32_at(const npy_array *a, size_t i) {
    unsigned char b[4];
    float v;
    memcpy(b, (const unsigned char *)a->data + 4 * i, 4);
    if (a->byte_order == (host_is_little() ? IPCF_ORDER_BIG : IPCF_ORDER_LITTLE)) {
        unsigned char t = b[0];
        b[0] = b[3];
        b[3] = t;
        t = b[1];
        b[1] = b[2];
        b[2] = t;
    }
    memcpy(&v, b, 4);
    return v;
}

static int positive(const char *s, const char *what) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > 1 << 20) {
        fprintf(stderr, "%s: %s is not a whole number >= 1\n", what, s);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv) {
    npy_array in = {0}, ex = {0};
    ipcf_array data, out;
    ipcf_pcf_options opt;
    int64_t shape[4];
    size_t n, i;
    float *result = NULL;
    double worst = 0;
    int rc = 1;
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: %s IN.npy EXPECTED.npy|- RADIUS NPOINTS NBINS [OUT.npy]\n", argv[0]);
        return 2;
    }
    ipcf_pcf_options_init(&opt); /* the defaults: no bleaching correction, all cores, CPU or GPU */
    opt.radius = positive(argv[3], "RADIUS");
    opt.npoints = positive(argv[4], "NPOINTS");
    opt.nbins = positive(argv[5], "NBINS");
    if (npy_read(argv[1], &in)) goto done;
    if (in.ndim != 3) {
        fprintf(stderr, "%s: %u dimensions, want 3 (T, H, W)\n", argv[1], (unsigned)in.ndim);
        goto done;
    }
    npy_describe(&in, &data);
    if (ipcf_pcf_output_shape(&data, &opt, shape) != IPCF_OK) {
        fprintf(stderr, "%s\n", ipcf_last_error());
        goto done;
    }
    n = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
    if (!(result = malloc(n * sizeof *result))) goto done;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, shape, result);
    if (ipcf_pcf_compute(&data, &opt, &out) != IPCF_OK) {
        fprintf(stderr, "%s\n", ipcf_last_error());
        goto done;
    }
    printf("pcf %lldx%lldx%lldx%lld", (long long)shape[0], (long long)shape[1], (long long)shape[2],
           (long long)shape[3]);
    if (argc == 7) {
        if (npy_write_f32(argv[6], result, 4, shape)) {
            fprintf(stderr, "\n%s: cannot write\n", argv[6]);
            goto done;
        }
        printf(", written to %s", argv[6]);
    }
    rc = 0;
    if (strcmp(argv[2], "-") != 0) {
        rc = 1;
        if (npy_read(argv[2], &ex)) goto done;
        if (ex.dtype != IPCF_DTYPE_FLOAT32 || ex.fortran || ex.ndim != 4 || memcmp(ex.shape, shape, sizeof shape)) {
            fprintf(stderr, "\n%s: want float32 in C order, shape (%lld, %lld, %lld, %lld)\n", argv[2],
                    (long long)shape[0], (long long)shape[1], (long long)shape[2], (long long)shape[3]);
            goto done;
        }
        for (i = 0; i < n; i++) {
            float want = f32_at(&ex, i);
            if (isnan(want) != isnan(result[i])) worst = INFINITY;
            else if (!isnan(want) && fabs((double)result[i] - want) > worst) worst = fabs((double)result[i] - want);
        }
        rc = worst <= 1e-6 ? 0 : 1;
        printf(", max abs error %.3g: %s", worst, rc ? "FAIL" : "PASS");
    }
    printf("\n");
done:
    free(result);
    free(in.data);
    free(ex.data);
    return rc;
}
