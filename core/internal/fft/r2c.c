// The forward real transform of n (even) samples as a complex transform
// of n/2 points and one pass over the spectrum: the textbook split (and
// FFTW's own r2c, whose Debian build takes SSE2 codelets for that pass
// where its complex transforms take AVX: 29-34 us against 13-17 us for
// n = 16,384 on the Intel Xeon of the benchmarks, the same error against a
// float64 transform). See r2c.go.
#include <fftw3.h>
#include <stdint.h>
#include "kernel.h"

// Products and sums rounded apart: the SIMD and scalar passes give the
// same bits.
#pragma GCC optimize("fp-contract=off")

// The complex transform is FFTW's backward one (the problem of the pair
// kernel's plans, in the embedded wisdom for every power of two): given
// the conjugate of z[m] = x[2m] + i x[2m+1] (the odd samples negated,
// ipcf_r2c_pack), it returns conj(Z), Z the forward transform of z.
// split turns conj(Z) (zc, m complex values) into X[0..m] (x, m+1
// complex; x may be zc): with E = (Z[k] + conj Z[m-k])/2, the transform of
// the even samples, and O = (Z[k] - conj Z[m-k])/(2i), that of the odd
// ones, X[k] = E + w^k O and X[m-k] = conj(E - w^k O), w = e^(-2 pi i/n)
// (tw holds w^k as float32 pairs for k < m/2, rounded from float64).
static void split_scalar(const float *zc, float *x, const float *tw, int m, int k0) {
	// Every k < m/2 as a real number: for odd m the last pair is k =
	// (m-1)/2, j = (m+1)/2 (k < m/2 in integers left it unwritten:
	// REVIEW8's F1, n = 2 mod 4).
	for (int k = k0; 2 * k < m; k++) {
		int j = m - k;
		float ar = zc[2 * k], ai = -zc[2 * k + 1], br = zc[2 * j], bi = -zc[2 * j + 1];
		float er = 0.5f * (ar + br), ei = 0.5f * (ai - bi);
		float dr = 0.5f * (ar - br), di = 0.5f * (ai + bi); // O = (di, -dr)
		float wr = tw[2 * k], wi = tw[2 * k + 1];
		float tr = wr * di - wi * -dr, ti = wr * -dr + wi * di;
		x[2 * k] = er + tr;
		x[2 * k + 1] = ei + ti;
		x[2 * j] = er - tr;
		x[2 * j + 1] = -(ei - ti);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define IPCF_R2C_SIMD 1
// split_scalar for eight k at a time, with the eight j = m-k from the
// other end reversed into the same lanes: the same operations per value.
// Returns the first k it left.
__attribute__((target("avx512f"))) static int split512(const float *zc, float *x, const float *tw, int m) {
	const __m512i rev = _mm512_set_epi32(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
	const __m512i odd = _mm512_set1_epi64((long long)0x8000000000000000ULL); // the sign of odd lanes
	const __m512 half = _mm512_set1_ps(0.5f);
#define IPCF_NEG_ODD(v) _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), odd))
	int k = 1;
	for (; k + 8 <= m / 2; k += 8) {
		int j0 = m - k - 7;
		__m512 a = IPCF_NEG_ODD(_mm512_loadu_ps(zc + 2 * k));                              // Z[k..]
		__m512 b = _mm512_permutexvar_ps(rev, _mm512_loadu_ps(zc + 2 * j0));             // conj Z[m-k..]
		__m512 e = _mm512_mul_ps(half, _mm512_add_ps(a, b));                             // (er, ei)
		__m512 d = _mm512_mul_ps(half, _mm512_sub_ps(a, b));                             // (dr, di)
		__m512 o = IPCF_NEG_ODD(_mm512_permute_ps(d, 0xB1));                              // (di, -dr)
		__m512 w = _mm512_loadu_ps(tw + 2 * k);
		__m512 p = _mm512_mul_ps(_mm512_moveldup_ps(w), o);                              // wr*di, wr*-dr
		__m512 q = _mm512_mul_ps(_mm512_movehdup_ps(w), _mm512_permute_ps(o, 0xB1));     // wi*-dr, wi*di
		__m512 t = _mm512_mask_add_ps(_mm512_sub_ps(p, q), 0xAAAA, p, q);                // (tr, ti)
		_mm512_storeu_ps(x + 2 * k, _mm512_add_ps(e, t));
		_mm512_storeu_ps(x + 2 * j0, _mm512_permutexvar_ps(rev, IPCF_NEG_ODD(_mm512_sub_ps(e, t))));
	}
#undef IPCF_NEG_ODD
	return k;
}
static int r2c_avx512 = -1;
#endif

// ipcf_r2c_level forces the split's code path (-1: the best the CPU has,
// 0: scalar, 1: AVX-512F where the CPU has it) for tests; it returns the
// path that will run.
int ipcf_r2c_level(int level) {
#ifdef IPCF_R2C_SIMD
	__builtin_cpu_init();
	int have = __builtin_cpu_supports("avx512f");
	r2c_avx512 = level < 0 ? have : level > 0 && have;
	return r2c_avx512;
#else
	(void)level;
	return 0;
#endif
}

static void split(const float *zc, float *x, const float *tw, int m) {
	float z0r = zc[0], z0i = -zc[1], hr = zc[m], hi = zc[m + 1]; // (hr, hi: m even)
	int k = 1;
#ifdef IPCF_R2C_SIMD
	if (r2c_avx512 < 0) ipcf_r2c_level(-1);
	if (r2c_avx512) k = split512(zc, x, tw, m);
#endif
	split_scalar(zc, x, tw, m, k);
	x[0] = z0r + z0i; // E(0) + O(0), both real
	x[1] = 0;
	x[2 * m] = z0r - z0i;
	x[2 * m + 1] = 0;
	if (m % 2 == 0) { // X[m/2] = conj Z[m/2] = zc[m/2] (odd m: every k paired above)
		x[m] = hr;
		x[m + 1] = hi;
	}
}

// ipcf_r2c_pack writes the n samples of src into dst, the odd ones
// negated: the input of ipcf_r2c (dst may be src).
void ipcf_r2c_pack(const float *src, float *dst, int n) {
	for (int i = 0; i < n; i += 2) {
		dst[i] = src[i];
		dst[i + 1] = -src[i + 1];
	}
}

// ipcf_r2c transforms the packed samples (n even, n/2 >= 2; destroyed)
// into x, the n/2+1 complex values of their forward transform, by the
// backward complex plan of n/2 points (made for arrays aligned as packed
// and zc are): zc receives that transform (zc may be x).
void ipcf_r2c(void *plan, const float *tw, int n, float *packed, float *zc, float *x) {
	fftwf_execute_dft((fftwf_plan)plan, (fftwf_complex *)packed, (fftwf_complex *)zc);
	split(zc, x, tw, n / 2);
}
