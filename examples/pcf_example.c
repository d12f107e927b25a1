/* pcf_example: compute the pCF of a .npy conformance input through the C
 * ABI and compare it with the expected output.
 *   cc pcf_example.c $(pkg-config --cflags --libs ipcf) -o pcf_example
 *   ./pcf_example ../shared/conformance/pcf_basic.input.npy \
 *                 ../shared/conformance/pcf_basic.expected.npy 4 16 16 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "ipcf.h"
#include "../tests/c/npyio.h"

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s IN.npy EXPECTED.npy RADIUS NPOINTS NBINS\n", argv[0]);
        return 2;
    }
    npy_t in, ex;
    if (npy_read(argv[1], &in) || npy_read(argv[2], &ex)) {
        fprintf(stderr, "cannot read the .npy files\n");
        return 1;
    }
    ipcf_array data;
    ipcf_array_init_contiguous(&data, IPCF_DTYPE_UINT16, 3, in.shape, in.data);

    ipcf_pcf_options opt;
    ipcf_pcf_options_init(&opt);
    opt.radius = atoi(argv[3]);
    opt.npoints = atoi(argv[4]);
    opt.nbins = atoi(argv[5]);

    int64_t shape[4];
    if (ipcf_pcf_output_shape(&data, &opt, shape) != IPCF_OK) {
        fprintf(stderr, "%s\n", ipcf_last_error());
        return 1;
    }
    size_t n = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
    float *result = malloc(n * sizeof *result);
    ipcf_array out;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, shape, result);
    if (ipcf_pcf_compute(&data, &opt, &out) != IPCF_OK) {
        fprintf(stderr, "%s\n", ipcf_last_error());
        return 1;
    }
    const float *want = ex.data;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(want[i]) != isnan(result[i])) worst = INFINITY;
        else if (!isnan(want[i]) && fabs((double)result[i] - want[i]) > worst) worst = fabs((double)result[i] - want[i]);
    }
    printf("pcf %lldx%lldx%lldx%lld, max abs error %.3g: %s\n", (long long)shape[0], (long long)shape[1],
           (long long)shape[2], (long long)shape[3], worst, worst <= 1e-6 ? "PASS" : "FAIL");
    free(result);
    free(in.data);
    free(ex.data);
    return worst <= 1e-6 ? 0 : 1;
}
