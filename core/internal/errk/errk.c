// The error bars' hot loops with AVX2 (errk.go has the Go code they
// match bit for bit: four partial sums, lane k taking t mod 4, added as
// (l0 + l1) + (l2 + l3); every product and sum rounded on its own).
#include <stdint.h>
#include "errk.h"

// Every product and sum rounded on its own (no FMA contraction), with
// GCC and with clang (which ignores the GCC pragma).
#pragma GCC optimize("fp-contract=off")
#ifdef __clang__
#pragma clang fp contract(off)
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

int ipcf_errk_avx2(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

__attribute__((target("avx2"))) static double hsum(__m256d s) {
	double l[4];
	_mm256_storeu_pd(l, s);
	return (l[0] + l[1]) + (l[2] + l[3]);
}

__attribute__((target("avx2"))) void ipcf_errk_bins(double *z, int64_t n, const double *u, const double *v,
                                                    const double *pv, const int64_t *bins, int64_t nb) {
	int64_t lo = 0;
	for (int64_t j = 0; j < nb; j++) {
		int64_t hi = bins[j];
		double *zj = z + j * n;
		double inv = 1 / (double)(hi - lo);
		const double *vh = pv + hi, *vl = pv + lo;
		__m256d vinv = _mm256_set1_pd(inv), acc = _mm256_setzero_pd();
		int64_t t = 0;
		for (; t + 4 <= n; t += 4) {
			__m256d x = _mm256_mul_pd(_mm256_mul_pd(_mm256_loadu_pd(u + t),
			                                        _mm256_sub_pd(_mm256_loadu_pd(vh + t), _mm256_loadu_pd(vl + t))),
			                          vinv);
			_mm256_storeu_pd(zj + t, x);
			acc = _mm256_add_pd(acc, x);
		}
		double l[4];
		_mm256_storeu_pd(l, acc);
		for (; t < n; t++) {
			double x = u[t] * (vh[t] - vl[t]) * inv;
			zj[t] = x;
			l[0] += x;
		}
		double g = ((l[0] + l[1]) + (l[2] + l[3])) / (double)n;
		__m256d vg = _mm256_set1_pd(g);
		t = 0;
		for (; t + 4 <= n; t += 4) {
			__m256d w = _mm256_add_pd(_mm256_loadu_pd(u + t), _mm256_loadu_pd(v + t));
			_mm256_storeu_pd(zj + t, _mm256_sub_pd(_mm256_loadu_pd(zj + t), _mm256_mul_pd(vg, w)));
		}
		for (; t < n; t++) zj[t] -= g * (u[t] + v[t]);
		lo = hi;
	}
}

// zi = wn*zi + wo*zo over n values.
__attribute__((target("avx2"))) void ipcf_errk_smooth_row(double *zi, const double *zo, int64_t n, double wn,
                                                          double wo) {
	__m256d a = _mm256_set1_pd(wn), b = _mm256_set1_pd(wo);
	int64_t t = 0;
	for (; t + 4 <= n; t += 4)
		_mm256_storeu_pd(zi + t, _mm256_add_pd(_mm256_mul_pd(a, _mm256_loadu_pd(zi + t)),
		                                       _mm256_mul_pd(b, _mm256_loadu_pd(zo + t))));
	for (; t < n; t++) zi[t] = wn * zi[t] + wo * zo[t];
}

__attribute__((target("avx2"))) double ipcf_errk_levels(double *x, int64_t n, int64_t min_blocks, double *c,
                                                        int64_t nc, int64_t *levels) {
	__m256d acc = _mm256_setzero_pd();
	int64_t t = 0;
	for (; t + 4 <= n; t += 4) acc = _mm256_add_pd(acc, _mm256_loadu_pd(x + t));
	double l[4];
	_mm256_storeu_pd(l, acc);
	for (; t < n; t++) l[0] += x[t];
	double mean = ((l[0] + l[1]) + (l[2] + l[3])) / (double)n;
	__m256d vm = _mm256_set1_pd(mean), half = _mm256_set1_pd(0.5);
	*levels = 0;
	for (int64_t k = 0; k < nc; k++) {
		int64_t m = n >> k;
		if (m == 0 || (k > 0 && m < min_blocks)) break;
		__m256d s = _mm256_setzero_pd();
		int64_t i = 0;
		// Eight values a step: both vectors loaded before the block means
		// are stored over the first half of them.
		for (; i + 8 <= m; i += 8) {
			__m256d a = _mm256_loadu_pd(x + i), b = _mm256_loadu_pd(x + i + 4);
			__m256d da = _mm256_sub_pd(a, vm), db = _mm256_sub_pd(b, vm);
			s = _mm256_add_pd(s, _mm256_mul_pd(da, da));
			s = _mm256_add_pd(s, _mm256_mul_pd(db, db));
			// (a0+a1, b0+b1, a2+a3, b2+b3) -> (a0+a1, a2+a3, b0+b1, b2+b3), halved
			__m256d h = _mm256_permute4x64_pd(_mm256_hadd_pd(a, b), 0xD8);
			_mm256_storeu_pd(x + i / 2, _mm256_mul_pd(h, half));
		}
		for (; i + 4 <= m; i += 4) {
			__m256d a = _mm256_loadu_pd(x + i), da = _mm256_sub_pd(a, vm);
			s = _mm256_add_pd(s, _mm256_mul_pd(da, da));
			double q[4];
			_mm256_storeu_pd(q, a);
			x[i / 2] = (q[0] + q[1]) / 2;
			x[i / 2 + 1] = (q[2] + q[3]) / 2;
		}
		double cl[4];
		_mm256_storeu_pd(cl, s);
		for (; i < m; i++) {
			double d = x[i] - mean;
			cl[0] += d * d;
			if (i % 2 == 1) x[i / 2] = (x[i - 1] + x[i]) / 2;
		}
		c[k] = ((cl[0] + cl[1]) + (cl[2] + cl[3])) / (double)m;
		*levels = k + 1;
	}
	return mean;
}
#else
int ipcf_errk_avx2(void) { return 0; }
void ipcf_errk_bins(double *z, int64_t n, const double *u, const double *v, const double *pv, const int64_t *bins,
                    int64_t nb) {}
void ipcf_errk_smooth_row(double *zi, const double *zo, int64_t n, double wn, double wo) {}
double ipcf_errk_levels(double *x, int64_t n, int64_t min_blocks, double *c, int64_t nc, int64_t *levels) {
	*levels = 0;
	return 0;
}
#endif
