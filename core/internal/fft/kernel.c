// Fused pCF pair kernel: two pairs of spectra -> one complex inverse FFT ->
// bin sums for both pairs in both delay directions. See kernel.go.
#include <fftw3.h>
#include "kernel.h"

// Keep a*b+c unfused so that every clone and the Go fallback round alike.
#pragma GCC optimize("fp-contract=off")

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IPCF_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define IPCF_CLONES
#endif

// Z[k] = X1[k] + i X2[k] for k = 0..n/2 and Z[n-k] = conj(X1[k]) + i conj(X2[k])
// for k = 1..n/2-1, with X = b * conj(a) (b the neighbour, a the pixel):
//   Z[k]   = (x1r - x2i, x1i + x2r),  x1r = br*ar + bi*ai, x1i = bi*ar - br*ai,
//   Z[n-k] = (x1r + x2i, x2r - x1i).
// build2 is the reference; the SIMD versions compute every element with
// the same IEEE operations on the same operands (a sum's operands may be
// swapped, a difference negated: both are exact), so all round alike. They
// make one pass over the four spectra, writing both ends of Z (the mirrored
// block reversed in registers); the reference makes two.
#define IPCF_X(k)                                                               \
	float ar = a1[2 * (k)], ai = a1[2 * (k) + 1], br = b1[2 * (k)], bi = b1[2 * (k) + 1]; \
	float cr = a2[2 * (k)], ci = a2[2 * (k) + 1], dr = b2[2 * (k)], di = b2[2 * (k) + 1]; \
	float x1r = br * ar + bi * ai, x1i = bi * ar - br * ai;                     \
	float x2r = dr * cr + di * ci, x2i = di * cr - dr * ci;

// build2_range does k in [k0, k1) of build2 (mirrored end for 0 < k < n/2).
static void build2_range(const float *restrict a1, const float *restrict b1,
                         const float *restrict a2, const float *restrict b2,
                         float *restrict z, int n, int k0, int k1) {
	int h = n / 2;
	for (int k = k0; k < k1; k++) {
		IPCF_X(k)
		z[2 * k] = x1r - x2i;
		z[2 * k + 1] = x1i + x2r;
		if (k > 0 && k < h) {
			z[2 * (n - k)] = x1r + x2i;
			z[2 * (n - k) + 1] = x2r - x1i;
		}
	}
}

// build1_range is build2_range with X2 = 0: Z[k] = X1[k], Z[n-k] = conj(X1[k]).
static void build1_range(const float *restrict a1, const float *restrict b1, float *restrict z, int n,
                         int k0, int k1) {
	int h = n / 2;
	for (int k = k0; k < k1; k++) {
		float ar = a1[2 * k], ai = a1[2 * k + 1], br = b1[2 * k], bi = b1[2 * k + 1];
		float x1r = br * ar + bi * ai, x1i = bi * ar - br * ai;
		z[2 * k] = x1r;
		z[2 * k + 1] = x1i;
		if (k > 0 && k < h) {
			z[2 * (n - k)] = x1r;
			z[2 * (n - k) + 1] = -x1i;
		}
	}
}

// build2 and build1 are the reference (level 0; the code before the SIMD
// versions, vectorized by the compiler): two straight loops, the forward
// half, then the mirrored half recomputing the products.
IPCF_CLONES
static void build2(const float *restrict a1, const float *restrict b1,
                   const float *restrict a2, const float *restrict b2,
                   float *restrict z, int n) {
	int h = n / 2;
	for (int k = 0; k <= h; k++) {
		IPCF_X(k)
		z[2 * k] = x1r - x2i;
		z[2 * k + 1] = x1i + x2r;
	}
	float *restrict zr = z + 2 * n;
	for (int k = 1; k < h; k++) {
		IPCF_X(k)
		zr[-2 * k] = x1r + x2i;
		zr[-2 * k + 1] = x2r - x1i;
	}
}

IPCF_CLONES
static void build1(const float *restrict a1, const float *restrict b1, float *restrict z, int n) {
	int h = n / 2;
	for (int k = 0; k <= h; k++) {
		float ar = a1[2 * k], ai = a1[2 * k + 1], br = b1[2 * k], bi = b1[2 * k + 1];
		z[2 * k] = br * ar + bi * ai;
		z[2 * k + 1] = bi * ar - br * ai;
	}
	float *restrict zr = z + 2 * n;
	for (int k = 1; k < h; k++) {
		float ar = a1[2 * k], ai = a1[2 * k + 1], br = b1[2 * k], bi = b1[2 * k + 1];
		zr[-2 * k] = br * ar + bi * ai;
		zr[-2 * k + 1] = -(bi * ar - br * ai);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include "simd.h"
#define IPCF_SIMD 1

__attribute__((target("avx512f"))) static void build_avx512(const float *restrict a1, const float *restrict b1,
                                                            const float *restrict a2, const float *restrict b2,
                                                            float *restrict z, int n) {
	int h = n / 2, k = 1;
	const __m512i rev = _mm512_set_epi32(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
	const __m512i sign = _mm512_set1_epi64(0x8000000000000000LL); // odd lanes
	for (; k + 8 <= h; k += 8) {
		__m512 va = _mm512_loadu_ps(a1 + 2 * k);
		__m512 x1 = xconj16(va, _mm512_loadu_ps(b1 + 2 * k));
		__m512 f, r;
		if (a2) {
			// Both pairs usually share the pixel: its spectrum is read once.
			__m512 x2 = xconj16(a2 == a1 ? va : _mm512_loadu_ps(a2 + 2 * k), _mm512_loadu_ps(b2 + 2 * k));
			__m512 s = _mm512_permute_ps(x2, 0xB1); // (x2i, x2r)
			__m512 plus = _mm512_add_ps(x1, s);
			f = _mm512_mask_blend_ps(0xAAAA, _mm512_sub_ps(x1, s), plus); // (x1r - x2i, x1i + x2r)
			r = _mm512_mask_blend_ps(0xAAAA, plus, _mm512_sub_ps(s, x1));  // (x1r + x2i, x2r - x1i)
		} else {
			f = x1;
			r = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x1), sign));
		}
		_mm512_storeu_ps(z + 2 * k, f);
		_mm512_storeu_ps(z + 2 * (n - k - 7), _mm512_permutexvar_ps(rev, r));
	}
	if (a2) {
		build2_range(a1, b1, a2, b2, z, n, 0, 1);
		build2_range(a1, b1, a2, b2, z, n, k, h + 1);
	} else {
		build1_range(a1, b1, z, n, 0, 1);
		build1_range(a1, b1, z, n, k, h + 1);
	}
}

__attribute__((target("avx2"))) static inline __m256 xconj8(__m256 a, __m256 b) {
	__m256 p = _mm256_mul_ps(b, a);
	__m256 q = _mm256_mul_ps(b, _mm256_permute_ps(a, 0xB1));
	return _mm256_blend_ps(_mm256_add_ps(p, _mm256_permute_ps(p, 0xB1)),
	                       _mm256_sub_ps(q, _mm256_permute_ps(q, 0xB1)), 0xAA);
}

__attribute__((target("avx2"))) static inline __m256 rev4(__m256 x) {
	return _mm256_permute_ps(_mm256_permute2f128_ps(x, x, 1), 0x4E);
}

__attribute__((target("avx2"))) static void build_avx2(const float *restrict a1, const float *restrict b1,
                                                       const float *restrict a2, const float *restrict b2,
                                                       float *restrict z, int n) {
	int h = n / 2, k = 1;
	const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi64x(0x8000000000000000LL));
	for (; k + 4 <= h; k += 4) {
		__m256 va = _mm256_loadu_ps(a1 + 2 * k);
		__m256 x1 = xconj8(va, _mm256_loadu_ps(b1 + 2 * k));
		__m256 f, r;
		if (a2) {
			__m256 x2 = xconj8(a2 == a1 ? va : _mm256_loadu_ps(a2 + 2 * k), _mm256_loadu_ps(b2 + 2 * k));
			__m256 s = _mm256_permute_ps(x2, 0xB1);
			__m256 plus = _mm256_add_ps(x1, s);
			f = _mm256_blend_ps(_mm256_sub_ps(x1, s), plus, 0xAA);
			r = _mm256_blend_ps(plus, _mm256_sub_ps(s, x1), 0xAA);
		} else {
			f = x1;
			r = _mm256_xor_ps(x1, sign);
		}
		_mm256_storeu_ps(z + 2 * k, f);
		_mm256_storeu_ps(z + 2 * (n - k - 3), rev4(r));
	}
	if (a2) {
		build2_range(a1, b1, a2, b2, z, n, 0, 1);
		build2_range(a1, b1, a2, b2, z, n, k, h + 1);
	} else {
		build1_range(a1, b1, z, n, 0, 1);
		build1_range(a1, b1, z, n, k, h + 1);
	}
}

// ipcf_simd_level: 2 AVX-512F, 1 AVX2, 0 neither (set once; a race
// writes the same value). dot.c asks it too.
int ipcf_simd_level(void) {
	static int level = -1;
	if (level < 0) {
		__builtin_cpu_init();
		level = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	return level;
}
#endif

// ipcf_build_level forces the code paths of the packing and the bin sums
// (-1: the best available; 0: reference, 1: AVX2, 2: AVX-512) for tests;
// it returns the level used.
static int build_force = -1;
int ipcf_build_level(int level) {
	build_force = level;
#ifdef IPCF_SIMD
	return level >= 0 ? level : ipcf_simd_level();
#else
	return 0;
#endif
}

// build writes Z for two pairs (a2 != NULL) or one.
static void build(const float *a1, const float *b1, const float *a2, const float *b2, float *z, int n) {
#ifdef IPCF_SIMD
	int level = build_force >= 0 ? build_force : ipcf_simd_level();
	if (level == 2) {
		build_avx512(a1, b1, a2, b2, z, n);
		return;
	}
	if (level == 1) {
		build_avx2(a1, b1, a2, b2, z, n);
		return;
	}
#endif
	if (a2)
		build2(a1, b1, a2, b2, z, n);
	else
		build1(a1, b1, z, n);
}

// Bin sums of c1[t] = z[2t] and c2[t] = z[2t+1] over [lo, hi) (f1, f2)
// and of c[(n - t) mod n] (w1, w2; may be NULL). Sixteen float64
// accumulators per series (t mod 16 while 16 values remain, then the
// first), added up in a fixed tree, keep the additions off one dependency
// chain; every lane does the same additions in the same order whatever
// the vector width, so all clones round alike.
#define IPCF_NACC 32
static inline __attribute__((always_inline)) void sum2(const float *restrict z, int a, int b, double *s1, double *s2) {
	double acc[IPCF_NACC] = {0};
	int t = a;
	for (; t + IPCF_NACC / 2 <= b; t += IPCF_NACC / 2)
		for (int j = 0; j < IPCF_NACC; j++) acc[j] += z[2 * t + j];
	for (; t < b; t++) {
		acc[0] += z[2 * t];
		acc[1] += z[2 * t + 1];
	}
	for (int w = IPCF_NACC / 2; w >= 2; w /= 2)
		for (int j = 0; j < w; j++) acc[j] += acc[j + w];
	*s1 = acc[0];
	*s2 = acc[1];
}

// The bin sums, generic over the sum function (sum2, or sum2_512 on
// AVX-512F: the same additions, eight lanes per instruction).
#define IPCF_BINS2(NAME, SUM, ATTR)                                                             \
	ATTR static void NAME(const float *restrict z, int n, const int *restrict bins, int nb,     \
	                      double *restrict f1, double *restrict w1, double *restrict f2,        \
	                      double *restrict w2) {                                                \
		double d1, d2;                                                                      \
		int lo = 0;                                                                         \
		for (int j = 0; j < nb; j++) {                                                      \
			int hi = bins[j];                                                           \
			SUM(z, lo, hi, &d1, &d2);                                                   \
			f1[j] = d1;                                                                 \
			if (f2) f2[j] = d2;                                                         \
			lo = hi;                                                                    \
		}                                                                                   \
		if (!w1 && !w2) return;                                                             \
		lo = 0;                                                                             \
		for (int j = 0; j < nb; j++) {                                                      \
			int hi = bins[j];                                                           \
			/* taus [lo, hi) read c[n - tau], indices [n-hi+1, n-lo]; tau 0 reads c[0]. */ \
			if (lo == 0) {                                                              \
				SUM(z, n - hi + 1, n, &d1, &d2);                                    \
				d1 += z[0];                                                         \
				d2 += z[1];                                                         \
			} else {                                                                    \
				SUM(z, n - hi + 1, n - lo + 1, &d1, &d2);                           \
			}                                                                           \
			if (w1) w1[j] = d1;                                                         \
			if (w2) w2[j] = d2;                                                         \
			lo = hi;                                                                    \
		}                                                                                   \
	}

IPCF_BINS2(bins2, sum2, IPCF_CLONES)

#ifdef IPCF_SIMD
// sum2_512 is sum2 with acc[8v .. 8v+7] in register v.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) void
sum2_512(const float *restrict z, int a, int b, double *s1, double *s2) {
	__m512d v0 = _mm512_setzero_pd(), v1 = v0, v2 = v0, v3 = v0;
	int t = a;
	for (; t + IPCF_NACC / 2 <= b; t += IPCF_NACC / 2) {
		const float *p = z + 2 * t;
		v0 = _mm512_add_pd(v0, _mm512_cvtps_pd(_mm256_loadu_ps(p)));
		v1 = _mm512_add_pd(v1, _mm512_cvtps_pd(_mm256_loadu_ps(p + 8)));
		v2 = _mm512_add_pd(v2, _mm512_cvtps_pd(_mm256_loadu_ps(p + 16)));
		v3 = _mm512_add_pd(v3, _mm512_cvtps_pd(_mm256_loadu_ps(p + 24)));
	}
	double acc[IPCF_NACC];
	_mm512_storeu_pd(acc, v0);
	_mm512_storeu_pd(acc + 8, v1);
	_mm512_storeu_pd(acc + 16, v2);
	_mm512_storeu_pd(acc + 24, v3);
	for (; t < b; t++) {
		acc[0] += z[2 * t];
		acc[1] += z[2 * t + 1];
	}
	for (int w = IPCF_NACC / 2; w >= 2; w /= 2)
		for (int j = 0; j < w; j++) acc[j] += acc[j + w];
	*s1 = acc[0];
	*s2 = acc[1];
}

IPCF_BINS2(bins2_512, sum2_512, __attribute__((target("avx512f"))))

// sum2_256 is sum2 with acc[4v .. 4v+3] in register v, kept in registers
// through the tail (lanes 0 and 1 of v0, one packed addition per complex
// value) and the tree: sum2 as compiled spilled and zeroed the 32
// accumulators in memory on every call, 60 calls a unit, most of them for
// bins of fewer than 16 values.
__attribute__((target("avx2"))) static inline __attribute__((always_inline)) void
sum2_256(const float *restrict z, int a, int b, double *s1, double *s2) {
	__m256d v0 = _mm256_setzero_pd(), v1 = v0, v2 = v0, v3 = v0, v4 = v0, v5 = v0, v6 = v0, v7 = v0;
	int t = a;
	for (; t + IPCF_NACC / 2 <= b; t += IPCF_NACC / 2) {
		const float *p = z + 2 * t;
		v0 = _mm256_add_pd(v0, _mm256_cvtps_pd(_mm_loadu_ps(p)));
		v1 = _mm256_add_pd(v1, _mm256_cvtps_pd(_mm_loadu_ps(p + 4)));
		v2 = _mm256_add_pd(v2, _mm256_cvtps_pd(_mm_loadu_ps(p + 8)));
		v3 = _mm256_add_pd(v3, _mm256_cvtps_pd(_mm_loadu_ps(p + 12)));
		v4 = _mm256_add_pd(v4, _mm256_cvtps_pd(_mm_loadu_ps(p + 16)));
		v5 = _mm256_add_pd(v5, _mm256_cvtps_pd(_mm_loadu_ps(p + 20)));
		v6 = _mm256_add_pd(v6, _mm256_cvtps_pd(_mm_loadu_ps(p + 24)));
		v7 = _mm256_add_pd(v7, _mm256_cvtps_pd(_mm_loadu_ps(p + 28)));
	}
	// The tail into acc[0] and acc[1], in order.
	__m128d lo = _mm256_castpd256_pd128(v0);
	for (; t < b; t++)
		lo = _mm_add_pd(lo, _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(z + 2 * t)))));
	v0 = _mm256_insertf128_pd(v0, lo, 0);
	// The tree: w = 16, 8, 4 (acc[j] += acc[j + w] for j < w), then 2.
	v0 = _mm256_add_pd(v0, v4);
	v1 = _mm256_add_pd(v1, v5);
	v2 = _mm256_add_pd(v2, v6);
	v3 = _mm256_add_pd(v3, v7);
	v0 = _mm256_add_pd(v0, v2);
	v1 = _mm256_add_pd(v1, v3);
	v0 = _mm256_add_pd(v0, v1);
	lo = _mm_add_pd(_mm256_castpd256_pd128(v0), _mm256_extractf128_pd(v0, 1));
	*s1 = _mm_cvtsd_f64(lo);
	*s2 = _mm_cvtsd_f64(_mm_unpackhi_pd(lo, lo));
}

IPCF_BINS2(bins2_256, sum2_256, __attribute__((target("avx2"))))
#endif

// ipcf_bin_sums is the bin sums of ipcf_pair2 on the transform's output
// z (f2 and w2 are NULL for one pair), on the code path the level picks.
void ipcf_bin_sums(const float *z, int n, const int *bins, int nb, double *f1, double *w1, double *f2, double *w2) {
#ifdef IPCF_SIMD
	int level = build_force >= 0 ? build_force : ipcf_simd_level();
	if (level == 2) {
		bins2_512(z, n, bins, nb, f1, w1, f2, w2);
		return;
	}
	if (level == 1) {
		bins2_256(z, n, bins, nb, f1, w1, f2, w2);
		return;
	}
#endif
	bins2(z, n, bins, nb, f1, w1, f2, w2);
}

void ipcf_pair2(void *plan, const float *a1, const float *b1, const float *a2, const float *b2,
                float *zin, float *zout, int n, const int *bins, int nb,
                double *f1, double *w1, double *f2, double *w2) {
	build(a1, b1, a2, b2, zin, n);
	fftwf_execute_dft((fftwf_plan)plan, (fftwf_complex *)zin, (fftwf_complex *)zout);
	ipcf_bin_sums(zout, n, bins, nb, f1, w1, a2 ? f2 : 0, a2 ? w2 : 0);
}

// ipcf_pairs runs ipcf_pair2 over nunits units of one or two pairs. Unit u
// packs pair (p1, q1) with pair (p2, q2), or with nothing if p2 < 0;
// offsets are in complex values from base. Its bin sums go to
// out[u*4*nb]: forward 1, backward 1 (if needb1), forward 2, backward 2
// (if needb2). Which pairs share a transform is the caller's choice, so
// that a pair's rounding does not depend on how the image was cut into
// blocks. One call per row keeps the Go/C transitions off the hot path.
void ipcf_pairs(void *plan, const float *base, const ipcf_unit *units, int nunits,
                float *zin, float *zout, int n, const int *bins, int nb, double *out) {
	for (int u = 0; u < nunits; u++) {
		const ipcf_unit *un = units + u;
		double *o = out + (size_t)u * 4 * nb;
		if (un->p2 >= 0) {
			ipcf_pair2(plan, base + 2 * un->p1, base + 2 * un->q1, base + 2 * un->p2, base + 2 * un->q2,
			           zin, zout, n, bins, nb, o, un->needb1 ? o + nb : 0, o + 2 * nb, un->needb2 ? o + 3 * nb : 0);
		} else {
			ipcf_pair2(plan, base + 2 * un->p1, base + 2 * un->q1, 0, 0, zin, zout, n, bins, nb,
			           o, un->needb1 ? o + nb : 0, 0, 0);
		}
	}
}

// ipcf_transform_loop runs the pair kernel's complex transform iters times
// on a copy of zin (FFTW destroys the input) and returns nothing; with
// copy_only it makes only the copies. Benchmarks subtract the second from
// the first: the transform's own cost, the floor under a unit of two pairs.
void ipcf_transform_loop(void *plan, const float *zin, float *work, float *zout, int n, int iters, int copy_only) {
	for (int i = 0; i < iters; i++) {
		for (int k = 0; k < 2 * n; k++) work[k] = zin[k];
		if (!copy_only) fftwf_execute_dft((fftwf_plan)plan, (fftwf_complex *)work, (fftwf_complex *)zout);
	}
}
