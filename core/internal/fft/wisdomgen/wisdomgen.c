/* wisdomgen: print FFTW (single precision) wisdom for every transform the
 * ipcf engines plan, for n = 2^2 .. 2^maxlog.
 *
 * `make wisdom` writes core/internal/fft/wisdom.txt with it; the library
 * embeds that file and plans every transform from it (FFTW_WISDOM_ONLY,
 * falling back to FFTW_ESTIMATE), never by measuring at run time. So every
 * thread and every process with the same FFTW build uses the same plan for
 * a size, hence the same rounding: tiles, dask blocks, thread counts and
 * processes agree bit for bit.
 *
 * The problems must be exactly those the library plans (fft/plan.go):
 *   c2c  backward, out of place, 64-byte aligned, FFTW_DESTROY_INPUT
 *        (the pair kernel, kernel.go);
 *   r2c  forward, out of place, aligned, input preserved (Forward,
 *        SpectraU16);
 *   c2r  backward, out of place, aligned, input destroyed (Inverse).
 * Sizes up to 2^patient are planned with FFTW_PATIENT, larger ones with
 * FFTW_MEASURE (PATIENT takes minutes there). The library asks at the same
 * rigour (planFlags in plan.go), so both must change together.
 *
 * Usage: wisdomgen [patient-max-log2 [max-log2]]   (defaults 17 and 20)
 * Progress goes to stderr, the wisdom to stdout. */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
	int patient = argc > 1 ? atoi(argv[1]) : 17;
	int maxlog = argc > 2 ? atoi(argv[2]) : 20;
	for (int k = 2; k <= maxlog; k++) {
		int n = 1 << k;
		unsigned rigour = k <= patient ? FFTW_PATIENT : FFTW_MEASURE;
		fftwf_complex *a = fftwf_malloc(sizeof(fftwf_complex) * n);
		fftwf_complex *b = fftwf_malloc(sizeof(fftwf_complex) * n);
		float *r = fftwf_malloc(sizeof(float) * n);
		double t0 = now();
		fftwf_plan p = fftwf_plan_dft_1d(n, a, b, FFTW_BACKWARD, rigour | FFTW_DESTROY_INPUT);
		fftwf_destroy_plan(p);
		double t1 = now();
		p = fftwf_plan_dft_r2c_1d(n, r, b, rigour);
		fftwf_destroy_plan(p);
		double t2 = now();
		p = fftwf_plan_dft_c2r_1d(n, b, r, rigour | FFTW_DESTROY_INPUT);
		fftwf_destroy_plan(p);
		double t3 = now();
		fprintf(stderr, "n=2^%d %s: c2c %.1f s, r2c %.1f s, c2r %.1f s\n", k,
		        k <= patient ? "patient" : "measure", t1 - t0, t2 - t1, t3 - t2);
		fftwf_free(a);
		fftwf_free(b);
		fftwf_free(r);
	}
	fftwf_export_wisdom_to_file(stdout);
	return 0;
}
