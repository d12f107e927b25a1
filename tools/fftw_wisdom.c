/* fftw_wisdom: print FFTW wisdom for the complex backward transforms of the
 * pCF pair kernel (out of place, n = 2^2 .. 2^17, single precision).
 * `make wisdom` regenerates core/internal/fft/wisdom.txt with it; the
 * library embeds that file so that every process on every machine with the
 * same FFTW build picks the same measured plans (same rounding: tiles,
 * dask blocks and processes agree bit for bit) without measuring at run
 * time. Sizes without wisdom fall back to FFTW_ESTIMATE. */
#include <fftw3.h>
#include <stdio.h>

int main(void) {
    for (int k = 2; k <= 17; k++) {
        int n = 1 << k;
        fftwf_complex *a = fftwf_malloc(sizeof(fftwf_complex) * n);
        fftwf_complex *b = fftwf_malloc(sizeof(fftwf_complex) * n);
        fftwf_plan p = fftwf_plan_dft_1d(n, a, b, FFTW_BACKWARD, FFTW_MEASURE);
        fftwf_destroy_plan(p);
        fftwf_free(a);
        fftwf_free(b);
    }
    fftwf_export_wisdom_to_file(stdout);
    return 0;
}
