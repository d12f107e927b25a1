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
 *   r2c  forward, out of place, aligned, input preserved (Forward and
 *        SpectraU16 for n < 8 and odd n; even n >= 8 take the c2c plan
 *        of n/2 points and a split pass, r2c.c);
 *   c2r  backward, out of place, aligned, input destroyed (Inverse).
 * Sizes up to 2^patient are planned with FFTW_PATIENT, larger ones with
 * FFTW_MEASURE (PATIENT takes minutes there). The library asks at the same
 * rigour (planFlags in plan.go), so both must change together.
 *
 * The planner picks by timing, and one noisy moment can make it keep a
 * slow plan: the wisdom shipped before this was made for the 16,384-point
 * r2c transform with a scalar codelet, 13.2 us against 10.3-11.3 us for a
 * fresh PATIENT plan on the same machine. So each problem is planned
 * `cands` times, the candidates are timed against each other in
 * interleaved rounds (the best of ROUNDS batches each, every execution
 * from the same input) and the fastest one's wisdom is kept. The first
 * candidate is planned from no wisdom at all (its sub-problems timed in
 * its own context: 6-15 % faster plans of 16,384 points here than those
 * made from the smaller sizes' wisdom), its wisdom then merged over the
 * kept one; the others from the wisdom kept so far. A candidate is kept
 * only if its wisdom gives back its very plan (fftwf_sprint_plan), and at
 * the end every kept plan is checked that way against the final wisdom.
 *
 * Usage: wisdomgen [patient-max-log2 [max-log2 [cands]]]   (defaults 17, 20, 3)
 * Progress goes to stderr, the wisdom to stdout. */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

enum { C2C, R2C, C2R, KINDS };
static const char *kind_name[KINDS] = {"c2c", "r2c", "c2r"};

// The problems of the library (see above): a, b complex arrays of n, r a
// real array of n, all from fftwf_malloc.
static fftwf_plan plan(int kind, int n, fftwf_complex *a, fftwf_complex *b, float *r, unsigned rigour) {
	switch (kind) {
	case C2C:
		return fftwf_plan_dft_1d(n, a, b, FFTW_BACKWARD, rigour | FFTW_DESTROY_INPUT);
	case R2C:
		return fftwf_plan_dft_r2c_1d(n, r, b, rigour);
	default:
		return fftwf_plan_dft_c2r_1d(n, b, r, rigour | FFTW_DESTROY_INPUT);
	}
}

// seconds returns the time of one execution of p, the best of a batch of
// iters, each from a copy of the same input (the plans may destroy it).
static double seconds(fftwf_plan p, int kind, int n, fftwf_complex *a, fftwf_complex *b, float *r,
                      const fftwf_complex *in, int iters) {
	double t = now();
	for (int i = 0; i < iters; i++) {
		if (kind == C2C)
			memcpy(a, in, sizeof(fftwf_complex) * n);
		else if (kind == C2R)
			memcpy(b, in, sizeof(fftwf_complex) * (n / 2 + 1));
		else
			memcpy(r, in, sizeof(float) * n);
		fftwf_execute(p);
	}
	return (now() - t) / iters;
}

// plan_text_is reports whether wisdom w alone gives, for the problem, a
// plan printed as text (the library plans with FFTW_WISDOM_ONLY).
static int plan_text_is(const char *w, const char *text, int kind, int n, fftwf_complex *a, fftwf_complex *b,
                        float *r, unsigned rigour) {
	fftwf_forget_wisdom();
	if (!fftwf_import_wisdom_from_string(w)) return 0;
	fftwf_plan q = plan(kind, n, a, b, r, rigour | FFTW_WISDOM_ONLY);
	if (!q) return 0;
	char *t = fftwf_sprint_plan(q);
	int same = strcmp(t, text) == 0;
	free(t);
	fftwf_destroy_plan(q);
	return same;
}

static int same_plan(const char *w, fftwf_plan p, int kind, int n, fftwf_complex *a, fftwf_complex *b, float *r,
                     unsigned rigour) {
	char *text = fftwf_sprint_plan(p);
	int same = plan_text_is(w, text, kind, n, a, b, r, rigour);
	free(text);
	return same;
}

// The plans kept, to check against the final wisdom.
static struct {
	int n, kind;
	unsigned rigour;
	char *text;
} kept_plan[3 * 32];
static int nkept;

int main(int argc, char **argv) {
	int patient = argc > 1 ? atoi(argv[1]) : 17;
	int maxlog = argc > 2 ? atoi(argv[2]) : 20;
	int cands = argc > 3 ? atoi(argv[3]) : 3;
	enum { MAXC = 8, ROUNDS = 7 };
	if (cands < 1) cands = 1;
	if (cands > MAXC) cands = MAXC;
	if (maxlog > 31) maxlog = 31;
	char *kept = NULL; // the wisdom kept so far
	for (int k = 2; k <= maxlog; k++) {
		int n = 1 << k;
		unsigned rigour = k <= patient ? FFTW_PATIENT : FFTW_MEASURE;
		fftwf_complex *a = fftwf_malloc(sizeof(fftwf_complex) * n);
		fftwf_complex *b = fftwf_malloc(sizeof(fftwf_complex) * n);
		float *r = fftwf_malloc(sizeof(float) * n);
		fftwf_complex *in = fftwf_malloc(sizeof(fftwf_complex) * n);
		srand(k);
		for (int i = 0; i < n; i++) {
			in[i][0] = (float)rand() / RAND_MAX - 0.5f;
			in[i][1] = (float)rand() / RAND_MAX - 0.5f;
		}
		int iters = (1 << 22) / n < 3 ? 3 : (1 << 22) / n;
		for (int kind = 0; kind < KINDS; kind++) {
			fftwf_plan p[MAXC];
			char *w[MAXC];
			double best[MAXC], t0 = now();
			for (int c = 0; c < cands; c++) {
				fftwf_forget_wisdom();
				if (c > 0 && kept && !fftwf_import_wisdom_from_string(kept)) {
					fprintf(stderr, "wisdomgen: the kept wisdom does not import\n");
					return 1;
				}
				p[c] = plan(kind, n, a, b, r, rigour);
				if (c == 0 && kept) {
					// Its own entries over the kept ones (imported after).
					char *own = fftwf_export_wisdom_to_string();
					fftwf_forget_wisdom();
					if (!fftwf_import_wisdom_from_string(kept) || !fftwf_import_wisdom_from_string(own)) {
						fprintf(stderr, "wisdomgen: the wisdom does not import\n");
						return 1;
					}
					free(own);
				}
				w[c] = fftwf_export_wisdom_to_string();
				if (!p[c] || !w[c]) {
					fprintf(stderr, "wisdomgen: n=%d %s: no plan\n", n, kind_name[kind]);
					return 1;
				}
				best[c] = 1e30;
			}
			double tp = now() - t0;
			for (int round = 0; round < ROUNDS && cands > 1; round++)
				for (int c = 0; c < cands; c++) {
					double t = seconds(p[c], kind, n, a, b, r, in, iters);
					if (t < best[c]) best[c] = t;
				}
			// The fastest candidate whose wisdom gives back its plan.
			int bc = -1, ok[MAXC];
			for (int c = 0; c < cands; c++) {
				ok[c] = same_plan(w[c], p[c], kind, n, a, b, r, rigour);
				if (ok[c] && (bc < 0 || best[c] < best[bc])) bc = c;
			}
			if (bc < 0) {
				fprintf(stderr, "wisdomgen: n=%d %s: no candidate's wisdom gives back its plan\n", n, kind_name[kind]);
				return 1;
			}
			kept_plan[nkept].n = n;
			kept_plan[nkept].kind = kind;
			kept_plan[nkept].rigour = rigour;
			kept_plan[nkept++].text = fftwf_sprint_plan(p[bc]);
			fprintf(stderr, "n=2^%d %s %s: planned %d times in %.1f s", k, kind_name[kind],
			        k <= patient ? "patient" : "measure", cands, tp);
			if (cands > 1) {
				fprintf(stderr, ", us:");
				for (int c = 0; c < cands; c++)
					fprintf(stderr, " %.2f%s", best[c] * 1e6, c == bc ? "*" : ok[c] ? "" : "(not given back)");
			}
			fprintf(stderr, "\n");
			free(kept);
			kept = w[bc];
			for (int c = 0; c < cands; c++) {
				fftwf_destroy_plan(p[c]);
				if (c != bc) free(w[c]);
			}
		}
		fftwf_free(a);
		fftwf_free(b);
		fftwf_free(r);
		fftwf_free(in);
	}
	// Every kept plan from the final wisdom, as the library makes it.
	for (int i = 0; i < nkept; i++) {
		int n = kept_plan[i].n;
		fftwf_complex *a = fftwf_malloc(sizeof(fftwf_complex) * n);
		fftwf_complex *b = fftwf_malloc(sizeof(fftwf_complex) * n);
		float *r = fftwf_malloc(sizeof(float) * n);
		if (!plan_text_is(kept, kept_plan[i].text, kept_plan[i].kind, n, a, b, r, kept_plan[i].rigour)) {
			fprintf(stderr, "wisdomgen: n=%d %s: the final wisdom gives another plan than the one timed\n", n,
			        kind_name[kept_plan[i].kind]);
			return 1;
		}
		fftwf_free(a);
		fftwf_free(b);
		fftwf_free(r);
		free(kept_plan[i].text);
	}
	fftwf_forget_wisdom();
	if (!fftwf_import_wisdom_from_string(kept)) {
		fprintf(stderr, "wisdomgen: the kept wisdom does not import\n");
		return 1;
	}
	fftwf_export_wisdom_to_file(stdout);
	free(kept);
	return 0;
}
