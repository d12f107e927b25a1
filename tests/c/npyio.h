/* Minimal .npy reader for the C tests: version 1/2 headers, C order,
 * little-endian '<u2' and '<f4' only (what shared/conformance holds). */
#ifndef NPYIO_H
#define NPYIO_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char descr[8];
    int ndim;
    int64_t shape[8];
    void *data;
    size_t nbytes;
} npy_t;

static int npy_read(const char *path, npy_t *a) {
    memset(a, 0, sizeof *a);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    unsigned char pre[12];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) { fclose(f); return -1; }
    size_t hlen = pre[8] | pre[9] << 8;
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, f) != 2) { fclose(f); return -1; }
        hlen = pre[8] | pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    char *h = calloc(hlen + 1, 1);
    if (fread(h, 1, hlen, f) != hlen) { free(h); fclose(f); return -1; }
    char *d = strstr(h, "'descr': '");
    char *s = strstr(h, "'shape': (");
    if (!d || !s || strstr(h, "'fortran_order': True")) { free(h); fclose(f); return -1; }
    memcpy(a->descr, d + 10, 3);
    s += 10;
    size_t n = 1;
    while (*s && *s != ')') {
        long long v = strtoll(s, &s, 10);
        a->shape[a->ndim++] = v;
        n *= (size_t)v;
        while (*s == ',' || *s == ' ') s++;
    }
    free(h);
    size_t item = a->descr[2] == '2' ? 2 : a->descr[2] == '4' ? 4 : 8;
    a->nbytes = n * item;
    a->data = malloc(a->nbytes ? a->nbytes : 1);
    if (fread(a->data, 1, a->nbytes, f) != a->nbytes) { fclose(f); free(a->data); return -1; }
    fclose(f);
    return 0;
}
#endif
