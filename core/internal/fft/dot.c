// The pair kernel's dot path: the bin sums of a pair's circular
// correlation as weighted sums of its cross spectrum, with no inverse
// transform. See dot.go for the derivation and when it runs.
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel.h"

// Keep a*b+c unfused (the cross spectrum's products are rounded apart,
// which keeps its symmetries exact); the accumulations call fmaf or the
// FMA intrinsics explicitly.
#pragma GCC optimize("fp-contract=off")

// Groups of FS frequencies (from f = 0, whose cross spectrum counts as 0
// there: X(0) is taken in float64 apart) whose float32 sums, less the
// group's mean of the cross spectrum, are added to the float64 totals:
// part of the definition of the rounding, the same on every code path.
// Where one delay dominates the correlation (low-count ACFs, a saturated
// frame in every pixel), float32 sums over 128 frequencies gave 6 to 10
// times the transform's error; over 16, 1.4-2.3 times; with the means
// taken out, over 16, 1.2 times or less, and over 32 (the cost of the
// float64 additions halved: 9.3 against 10.3-10.9 us per pair), 1.5
// times or less (a campaign's cases against float64;
// TestDotPathIllConditioned; over many seeds, below the transform's on
// average and up to a few times it in single cases: dot.go). FB is the block of frequencies the SIMD
// code takes for all the pairs of a batch (a multiple of FS): its
// weights stay in L1.
#define FS IPCF_DOT_FS
#define FB IPCF_DOT_FB

static inline int imin(int a, int b) { return a < b ? a : b; }

// The pairs of the units, flattened: pq[2k], pq[2k+1] are pair k's
// spectrum offsets (floats); returns the number of pairs.
static int flatten(const ipcf_unit *units, int nunits, int64_t *pq) {
	int np = 0;
	for (int u = 0; u < nunits; u++) {
		pq[2 * np] = 2 * units[u].p1;
		pq[2 * np + 1] = 2 * units[u].q1;
		np++;
		if (units[u].p2 >= 0) {
			pq[2 * np] = 2 * units[u].p2;
			pq[2 * np + 1] = 2 * units[u].q2;
			np++;
		}
	}
	return np;
}

// finish turns pair k's totals (acc: nj cosine sums, then nj sine sums)
// into the bin sums of both directions, written where the FFT path
// writes them.
static void finish(const ipcf_dotw *d, const float *a, const float *b, const double *acc, double *f, double *w) {
	int h = d->n / 2, nj = d->nj;
	double x0 = (double)b[0] * a[0] + (double)b[1] * a[1];
	double xh = (double)b[2 * h] * a[2 * h] + (double)b[2 * h + 1] * a[2 * h + 1];
	for (int j = 0; j < d->nb; j++) {
		double base = d->cnt[j] * x0 + d->alt[j] * xh;
		f[j] = base + (acc[j] - acc[nj + j]);
		if (w) w[j] = base + (acc[j] + acc[nj + j]);
	}
}

static void outputs(const ipcf_dotw *d, const float *base, const ipcf_unit *units, int nunits, const double *acc,
                    double *out) {
	int nb = d->nb, nj = d->nj, k = 0;
	for (int u = 0; u < nunits; u++) {
		const ipcf_unit *un = units + u;
		double *o = out + (size_t)u * 4 * nb;
		finish(d, base + 2 * un->p1, base + 2 * un->q1, acc + (size_t)k * 2 * nj, o, un->needb1 ? o + nb : 0);
		k++;
		if (un->p2 >= 0) {
			finish(d, base + 2 * un->p2, base + 2 * un->q2, acc + (size_t)k * 2 * nj, o + 2 * nb,
			       un->needb2 ? o + 3 * nb : 0);
			k++;
		}
	}
}

// gmean returns the mean of FS values v[0], v[stride], ... by the tree
// the SIMD code takes: v[k] + v[k+FS/2], then + the value FS/4, ..., 1
// further on, times 1/FS (exact).
static float gmean(const float *v, int stride) {
	float t[FS];
	for (int k = 0; k < FS; k++) t[k] = v[k * stride];
	for (int w = FS / 2; w >= 1; w /= 2)
		for (int k = 0; k < w; k++) t[k] = t[k] + t[k + w];
	return t[0] * (1.0f / FS);
}

// dot_ref is the reference: for every pair, group g of FS frequencies
// and weight j, a float32 sum of (x - m)*w in frequency order by fmaf,
// added to the float64 total, then m times the group's sum of the
// weights (gsum, float64) added too, by one fma. x is the cross spectrum b*conj(a):
// real part ar*br + ai*bi for the cosine weights, imaginary part
// ar*bi - ai*br for the sine weights (products rounded apart); m is the group's mean of it (gmean;
// 0 for a last group of fewer than FS). Taking the mean out keeps a
// component common to all frequencies (the product of two pixels' shared
// bright frame) out of the float32 sums, where it cancels.
static void dot_ref(const ipcf_dotw *d, const float *base, const int64_t *pq, int np, double *acc) {
	int h = d->n / 2, nj = d->nj;
	float x[2 * FS];
	for (int k = 0; k < np; k++) {
		const float *a = base + pq[2 * k], *b = base + pq[2 * k + 1];
		double *t = acc + (size_t)k * 2 * nj;
		for (int j = 0; j < 2 * nj; j++) t[j] = 0;
		for (int f0 = 0; f0 < h; f0 += FS) {
			int f1 = imin(f0 + FS, h);
			for (int f = f0; f < f1; f++) {
				float ar = a[2 * f], ai = a[2 * f + 1], br = b[2 * f], bi = b[2 * f + 1];
				x[2 * (f - f0)] = f ? ar * br + ai * bi : 0;
				x[2 * (f - f0) + 1] = f ? ar * bi - ai * br : 0;
			}
			float mr = 0, mi = 0;
			if (f1 - f0 == FS) {
				mr = gmean(x, 2);
				mi = gmean(x + 1, 2);
			}
			const double *gs = d->gsum + (size_t)(f0 / FS) * 2 * nj;
			for (int j = 0; j < 2 * nj; j++) {
				float m = j < nj ? mr : mi, s = 0;
				for (int f = f0; f < f1; f++)
					s = fmaf(x[2 * (f - f0) + (j < nj ? 0 : 1)] - m, d->w[(size_t)f * 2 * nj + j], s);
				t[j] = fma((double)m, gs[j], t[j] + s);
			}
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include "simd.h"
#define IPCF_DOT_SIMD 1

// xcross16 is the cross spectrum b*conj(a) of eight interleaved complex
// values as dot_ref takes it: re = ar*br + ai*bi, im = ar*bi - ai*br, each
// product rounded (so that an autocorrelation's im is exactly 0 and the
// pair's two directions exact negatives: the delta-CCF of an ACF is 0).
// The duplicates of a's real and imaginary parts are loads where a comes
// from memory: one shuffle, against three in simd.h's xconj16. (One FMA a
// part broke that symmetry in the last bits: REVIEW7's F1.)
__attribute__((target("avx512f"))) static inline __m512 xcross16(__m512 a, __m512 b) {
	__m512 p = _mm512_mul_ps(_mm512_moveldup_ps(a), b);                          // ar*br, ar*bi
	__m512 q = _mm512_mul_ps(_mm512_movehdup_ps(a), _mm512_permute_ps(b, 0xB1)); // ai*bi, ai*br
	return _mm512_mask_sub_ps(_mm512_add_ps(p, q), 0xAAAA, p, q);
}

// cross writes the cross spectra of nt pairs for [f0, f1) into x (pair t
// at x + t*2*FB, interleaved), less each full group's mean (dot_ref),
// and the means into mb (pair t, group g at mb + 2*(t*FB/FS + g)); zeros
// for the pairs up to T. Not inlined: inlined into the FMA code below,
// GCC contracted its products and sums into FMAs despite the pragma, and
// rounded otherwise than the reference (seen with an AVX2 + FMA version).
__attribute__((target("avx512f"), noinline)) static void cross512(const float *base, const int64_t *pq, int nt, int T, int f0,
                                                        int f1, float *x, float *mb) {
	for (int t = 0; t < T; t++) {
		float *xt = x + t * 2 * FB, *mt = mb + t * 2 * (FB / FS);
		if (t >= nt) {
			for (int i = 0; i < 2 * FB; i++) xt[i] = 0;
			for (int i = 0; i < 2 * (FB / FS); i++) mt[i] = 0;
			continue;
		}
		const float *a = base + pq[2 * t], *b = base + pq[2 * t + 1];
		for (int g0 = f0; g0 < f1; g0 += FS) {
			float *xg = xt + 2 * (g0 - f0), *mg = mt + 2 * ((g0 - f0) / FS);
			if (g0 + FS <= f1) {
				__m512 v[FS / 8];
				for (int q = 0; q < FS / 8; q++)
					v[q] = xcross16(_mm512_loadu_ps(a + 2 * g0 + 16 * q), _mm512_loadu_ps(b + 2 * g0 + 16 * q));
				if (g0 == 0) v[0] = _mm512_maskz_mov_ps(0xFFFC, v[0]); // X(0): apart
				// The tree of gmean: vectors FS/16 apart first (complex
				// values FS/2 apart), then within a vector.
				__m512 u[FS / 8];
				for (int q = 0; q < FS / 8; q++) u[q] = v[q];
				for (int wq = FS / 16; wq >= 1; wq /= 2)
					for (int q = 0; q < wq; q++) u[q] = _mm512_add_ps(u[q], u[q + wq]);
				__m512 s8 = u[0];
				__m256 s4 = _mm256_add_ps(_mm512_castps512_ps256(s8),
				                          _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s8), 1)));
				__m128 s2 = _mm_add_ps(_mm256_castps256_ps128(s4), _mm256_extractf128_ps(s4, 1));
				__m128 s1 = _mm_mul_ps(_mm_add_ps(s2, _mm_movehl_ps(s2, s2)), _mm_set1_ps(1.0f / FS));
				// (mr, mi) in every complex lane
				__m512 m = _mm512_castpd_ps(_mm512_broadcastsd_pd(_mm_castps_pd(s1)));
				for (int q = 0; q < FS / 8; q++) _mm512_storeu_ps(xg + 16 * q, _mm512_sub_ps(v[q], m));
				_mm_storel_pi((__m64 *)mg, s1);
			} else {
				// A last group of fewer than FS: its mean is not taken out.
				// (Never group 0, which holds X(0): n/2 >= FS, FB a multiple of FS.)
				// Masked loads, not a scalar loop, which GCC vectorized
				// with its products and sums contracted into FMAs.
				int len = f1 - g0;
				for (int q = 0; q < FS / 8; q++) {
					int c = len - 8 * q < 0 ? 0 : len - 8 * q > 8 ? 8 : len - 8 * q;
					__mmask16 km = (__mmask16)((1u << (2 * c)) - 1);
					_mm512_storeu_ps(xg + 16 * q, xcross16(_mm512_maskz_loadu_ps(km, a + 2 * g0 + 16 * q),
					                                      _mm512_maskz_loadu_ps(km, b + 2 * g0 + 16 * q)));
				}
				mg[0] = mg[1] = 0;
			}
		}
	}
}

// block512 runs one block for a tile of T pairs with NJ16 vectors of
// weights of each kind: accumulators in registers (2*NJ16*T <= 24), the
// weights of a frequency loaded once for the tile, the cross spectrum
// broadcast. While it runs, it prefetches the next tile's spectra
// (nq offsets in pn, one cache line per frequency).
__attribute__((target("avx512f"), always_inline)) static inline void
block512(const int NJ16, const int T, const float *w, const float *x, const float *mb, const double *gsum, int f0,
         int f1, double *acc, int nt, const float *base, const int64_t *pn, int nn) {
	__m512 s[24];
	const int nj = 16 * NJ16;
	int lines = (f1 - f0) / 8, npf = nn * 2 * lines; // 64-byte lines of each slice
	// The next line to prefetch, pp, in slice ps (pair ps/2's a, then its
	// b), which ends at pe; none left when pp is null. Walked, not
	// computed from the line's index (a division, the offsets read again:
	// about 20 instructions a frequency, in a loop that issue width bounds).
	int ps = 0;
	const float *pp = 0, *pe = 0;
	if (npf > 0) {
		pp = base + pn[0] + 2 * f0;
		pe = pp + 16 * lines;
	}
	for (int g0 = f0; g0 < f1; g0 += FS) {
		int g1 = g0 + FS < f1 ? g0 + FS : f1;
#pragma GCC unroll 24
		for (int i = 0; i < 2 * NJ16 * T; i++) s[i] = _mm512_setzero_ps();
		for (int f = g0; f < g1; f++) {
			int i = f - f0;
			for (int k = 0; k < 2 && pp; k++) {
				__builtin_prefetch(pp);
				pp += 16;
				if (pp == pe) {
					if (++ps == 2 * nn) {
						pp = 0;
					} else {
						pp = base + pn[ps] + 2 * f0;
						pe = pp + 16 * lines;
					}
				}
			}
			const float *wf = w + (size_t)f * 2 * nj;
			__m512 wv[6];
#pragma GCC unroll 6
			for (int k = 0; k < 2 * NJ16; k++) wv[k] = _mm512_loadu_ps(wf + 16 * k);
#pragma GCC unroll 12
			for (int t = 0; t < T; t++) {
				__m512 xr = _mm512_set1_ps(x[t * 2 * FB + 2 * i]), xi = _mm512_set1_ps(x[t * 2 * FB + 2 * i + 1]);
#pragma GCC unroll 3
				for (int k = 0; k < NJ16; k++) {
					s[t * 2 * NJ16 + k] = _mm512_fmadd_ps(xr, wv[k], s[t * 2 * NJ16 + k]);
					s[t * 2 * NJ16 + NJ16 + k] = _mm512_fmadd_ps(xi, wv[NJ16 + k], s[t * 2 * NJ16 + NJ16 + k]);
				}
			}
		}
		const double *gs = gsum + (size_t)(g0 / FS) * 2 * nj;
#pragma GCC unroll 12
		for (int t = 0; t < T; t++) {
			if (t >= nt) break;
			double *a = acc + (size_t)t * 2 * nj;
			const float *m = mb + t * 2 * (FB / FS) + 2 * ((g0 - f0) / FS);
			__m512d mr = _mm512_set1_pd(m[0]), mi = _mm512_set1_pd(m[1]);
#pragma GCC unroll 6
			for (int k = 0; k < 2 * NJ16; k++) {
				__m512 v = s[t * 2 * NJ16 + k];
				__m256 lo = _mm512_castps512_ps256(v);
				__m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
				__m512d mk = k < NJ16 ? mr : mi;
				__m512d t0 = _mm512_add_pd(_mm512_loadu_pd(a + 16 * k), _mm512_cvtps_pd(lo));
				__m512d t1 = _mm512_add_pd(_mm512_loadu_pd(a + 16 * k + 8), _mm512_cvtps_pd(hi));
				// Fused in both (dot_ref calls fma): GCC would fuse a
				// product and a sum here anyway.
				_mm512_storeu_pd(a + 16 * k, _mm512_fmadd_pd(mk, _mm512_loadu_pd(gs + 16 * k), t0));
				_mm512_storeu_pd(a + 16 * k + 8, _mm512_fmadd_pd(mk, _mm512_loadu_pd(gs + 16 * k + 8), t1));
			}
		}
	}
}

// dot512 is dot_ref with AVX-512F: the same operations in the same order
// for every weight (a lane), frequency blocks outermost so that a block's
// weights stay in L1 for all pairs of the batch.
#define IPCF_DOT512(NAME, NJ16, T)                                                                      \
	__attribute__((target("avx512f"))) static void NAME(const ipcf_dotw *d, const float *base,      \
	                                                    const int64_t *pq, int np, float *x, double *acc) { \
		int h = d->n / 2, nj = d->nj;                                                           \
		for (size_t i = 0; i < (size_t)np * 2 * nj; i++) acc[i] = 0;                            \
		/* The next tile's spectra to prefetch: a then b of each pair. */                       \
		for (int f0 = 0; f0 < h; f0 += FB) {                                                    \
			int f1 = imin(f0 + FB, h);                                                      \
			for (int t0 = 0; t0 < np; t0 += T) {                                            \
				int nt = imin(T, np - t0), nn = imin(T, np - t0 - T);                   \
				if (nn < 0) nn = 0;                                                     \
				cross512(base, pq + 2 * t0, nt, T, f0, f1, x, x + T * 2 * FB);          \
				block512(NJ16, T, d->w, x, x + T * 2 * FB, d->gsum, f0, f1,             \
				         acc + (size_t)t0 * 2 * nj, nt, base, pq + 2 * (t0 + T), nn);   \
			}                                                                               \
		}                                                                                       \
	}
IPCF_DOT512(dot512_1, 1, 12)
IPCF_DOT512(dot512_2, 2, 6)
#endif

// ipcf_dot_best returns the best code level of the dot path the CPU runs:
// 2 with AVX-512F, else 0 (the reference). An AVX2 + FMA version (eight
// weights a vector, at most twelve accumulators in sixteen registers)
// took 17.9 us per pair against the transform's 14.3 on the Zen 5
// machine, and was not kept: CPUs without AVX-512F run the transform.
int ipcf_dot_best(void) {
#ifdef IPCF_DOT_SIMD
	return ipcf_simd_level() == 2 ? 2 : 0;
#else
	return 0;
#endif
}

// ipcf_pairs_dot is ipcf_pairs by the dot path, on code level (0: the
// reference, 2: AVX-512F, which the caller checked with ipcf_dot_best):
// out as there (backward sums only where asked for). pq holds 4*nunits
// offsets, x T*2*FB floats (T = 12), acc 2*nj doubles per pair, all
// scratch.
void ipcf_pairs_dot(int level, int n, int nb, int nj, const float *w, const double *gsum, const double *cnt,
                    const double *alt, const float *base, const ipcf_unit *units, int nunits, int64_t *pq, float *x,
                    double *acc, double *out) {
	ipcf_dotw dw = {n, nb, nj, w, gsum, cnt, alt}, *d = &dw;
	int np = flatten(units, nunits, pq);
#ifdef IPCF_DOT_SIMD
	if (level == 2) {
		if (d->nj == 16)
			dot512_1(d, base, pq, np, x, acc);
		else
			dot512_2(d, base, pq, np, x, acc);
		outputs(d, base, units, nunits, acc, out);
		return;
	}
#endif
	dot_ref(d, base, pq, np, acc);
	outputs(d, base, units, nunits, acc, out);
}
