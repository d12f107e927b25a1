// Spectra of a block of image rows from uint16 samples: transpose into
// time-contiguous float32 series, sum, subtract the mean, forward FFT.
// See spectra.go.
#include <fftw3.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include "kernel.h"

#pragma GCC optimize("fp-contract=off")

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IPCF_CLONES2 __attribute__((target_clones("avx2", "default")))
#else
#define IPCF_CLONES2
#endif

// Blocks of 8 frames x 8 pixels: each frame row segment (16 bytes) is read
// once, each pixel's 8 floats (32 bytes) written together.
IPCF_CLONES2
static void transpose_u16(const uint8_t *data, int64_t st_t, int64_t st_y, int n, int ny, int nx,
                          int big, float *ring, const int64_t *off) {
	for (int t0 = 0; t0 < n; t0 += 8) {
		int tn = n - t0 < 8 ? n - t0 : 8;
		for (int y = 0; y < ny; y++) {
			const uint8_t *row = data + (int64_t)t0 * st_t + (int64_t)y * st_y;
			for (int x = 0; x < nx; x++) {
				float *dst = ring + 2 * off[y * nx + x] + t0;
				const uint8_t *p = row + 2 * x;
				for (int k = 0; k < tn; k++) {
					uint16_t v = big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[0] | p[1] << 8);
					dst[k] = (float)v;
					p += st_t;
				}
			}
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define IPCF_SPECTRA_SIMD 1

// Eight frames of eight pixels (16 bytes each, big-endian if big) as
// eight vectors of 8 int32, one per frame.
__attribute__((target("avx2"))) static inline void load8x8(const uint8_t *p, int64_t st_t, int big, __m256i v[8]) {
	const __m128i swap = _mm_set_epi8(14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
	for (int k = 0; k < 8; k++) {
		__m128i w = _mm_loadu_si128((const __m128i *)(p + k * st_t));
		if (big) w = _mm_shuffle_epi8(w, swap);
		v[k] = _mm256_cvtepu16_epi32(w);
	}
}

// transpose8 turns v[k] = frame k of pixels 0..7 into v[j] = frames 0..7
// of pixel j (exact: only moves values).
__attribute__((target("avx2"))) static inline void transpose8(__m256 v[8]) {
	__m256 t0 = _mm256_unpacklo_ps(v[0], v[1]), t1 = _mm256_unpackhi_ps(v[0], v[1]);
	__m256 t2 = _mm256_unpacklo_ps(v[2], v[3]), t3 = _mm256_unpackhi_ps(v[2], v[3]);
	__m256 t4 = _mm256_unpacklo_ps(v[4], v[5]), t5 = _mm256_unpackhi_ps(v[4], v[5]);
	__m256 t6 = _mm256_unpacklo_ps(v[6], v[7]), t7 = _mm256_unpackhi_ps(v[6], v[7]);
	__m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
	__m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
	__m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
	__m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
	v[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
	v[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
	v[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
	v[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
	v[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
	v[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
	v[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
	v[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// transpose_u16_avx2 is transpose_u16 for the columns x < nx8 (groups of
// eight pixels) and n a multiple of 16, over chunks of IPCF_TCHUNK frames:
// a chunk's samples of a row are read once (they stay in L1 while the
// row's pixel groups take them), and each pixel's slot gets 16 frames (a
// whole cache line) per streaming store pair, touching its page once per
// chunk rather than once per eight frames and never reading the line for
// ownership (the caller fences before reading the slots). It also adds
// each pixel's samples into sums[p] (integers: exact in int32 within a
// chunk and in float64 over the series, so the same value as any order of
// summation).
#define IPCF_TCHUNK 64
__attribute__((target("avx2"))) static void transpose_u16_avx2(const uint8_t *data, int64_t st_t, int64_t st_y, int n,
                                                              int ny, int nx, int nx8, int big, float *ring,
                                                              const int64_t *off, double *sums) {
	for (int t0 = 0; t0 < n; t0 += IPCF_TCHUNK) {
		int t1 = n - t0 < IPCF_TCHUNK ? n : t0 + IPCF_TCHUNK;
		for (int y = 0; y < ny; y++) {
			const uint8_t *row = data + (int64_t)y * st_y;
			// Frames are pages apart, a stride the hardware prefetcher
			// does not follow: ask for the next row's samples of the
			// chunk (or the next chunk's first row) now.
			const uint8_t *next = y + 1 < ny ? row + st_y + (int64_t)t0 * st_t : data + (int64_t)t1 * st_t;
			int tn = y + 1 < ny ? t1 - t0 : (n - t1 < IPCF_TCHUNK ? n - t1 : IPCF_TCHUNK);
			for (int t = 0; t < tn; t++)
				for (int b = 0; b < 2 * nx8; b += 64) _mm_prefetch((const char *)(next + (int64_t)t * st_t + b), _MM_HINT_T0);
			for (int x = 0; x < nx8; x += 8) {
				const int64_t *o = off + y * nx + x;
				__m256i acc = _mm256_setzero_si256();
				for (int t = t0; t < t1; t += 16) {
					__m256 v[2][8];
					for (int h = 0; h < 2; h++) {
						__m256i w[8];
						load8x8(row + (int64_t)(t + 8 * h) * st_t + 2 * x, st_t, big, w);
						for (int k = 0; k < 8; k++) {
							acc = _mm256_add_epi32(acc, w[k]);
							v[h][k] = _mm256_cvtepi32_ps(w[k]);
						}
						transpose8(v[h]);
					}
					for (int j = 0; j < 8; j++) {
						_mm256_stream_ps(ring + 2 * o[j] + t, v[0][j]);
						_mm256_stream_ps(ring + 2 * o[j] + t + 8, v[1][j]);
					}
				}
				int32_t a[8];
				_mm256_storeu_si256((__m256i *)a, acc);
				for (int j = 0; j < 8; j++) sums[y * nx + x + j] += a[j];
			}
		}
	}
}

// center_avx2 is the mean subtraction's loop: dst[i] = (float)(((double)s[i]
// - mean) * f), the same IEEE operations per element as the scalar loop,
// the odd ones negated (the input of ipcf_r2c; n even).
__attribute__((target("avx2"))) static void center_avx2(const float *s, float *dst, int n, double mean, double f) {
	__m256d m = _mm256_set1_pd(mean), fv = _mm256_set1_pd(f);
	__m256 odd = _mm256_castsi256_ps(_mm256_set1_epi64x((long long)0x8000000000000000ULL));
	int i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(s + i);
		__m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), m), fv));
		__m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), m), fv));
		_mm256_storeu_ps(dst + i, _mm256_xor_ps(_mm256_set_m128(hi, lo), odd));
	}
	for (; i < n; i++) dst[i] = (i & 1) ? -(float)(((double)s[i] - mean) * f) : (float)(((double)s[i] - mean) * f);
}

// range_avx2 is range_scalar's loop.
__attribute__((target("avx2"))) static void range_avx2(const float *s, int n, float *lo, float *hi) {
	__m256 a = _mm256_set1_ps(s[0]), b = a;
	int i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps(s + i);
		a = _mm256_min_ps(a, x);
		b = _mm256_max_ps(b, x);
	}
	float va[8], vb[8];
	_mm256_storeu_ps(va, a);
	_mm256_storeu_ps(vb, b);
	float l = va[0], h = vb[0];
	for (int k = 1; k < 8; k++) {
		if (va[k] < l) l = va[k];
		if (vb[k] > h) h = vb[k];
	}
	for (; i < n; i++) {
		if (s[i] < l) l = s[i];
		if (s[i] > h) h = s[i];
	}
	*lo = l;
	*hi = h;
}

static int spectra_avx2 = -1;
static int have_avx2(void) {
	if (spectra_avx2 < 0) {
		__builtin_cpu_init();
		spectra_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	return spectra_avx2;
}
#endif

// ipcf_spectra_level forces the spectra's code path (-1: the best the CPU
// has, 0: the scalar reference, 1: AVX2 where the CPU has it) for tests;
// it returns the path that will run.
int ipcf_spectra_level(int level) {
#ifdef IPCF_SPECTRA_SIMD
	spectra_avx2 = -1;
	if (level >= 0 && have_avx2()) spectra_avx2 = level > 0;
	return have_avx2();
#else
	(void)level;
	return 0;
#endif
}

// range_scalar sets lo and hi to the smallest and largest of the n
// samples at s (integers: no NaN).
static void range_scalar(const float *s, int n, float *lo, float *hi) {
	float l = s[0], h = s[0];
	for (int i = 1; i < n; i++) {
		if (s[i] < l) l = s[i];
		if (s[i] > h) h = s[i];
	}
	*lo = l;
	*hi = h;
}

// scale_of is the pCF engine's scaleOf for a series of integers from lo to
// hi summing to sum (n of them): the power of two 2^k that puts its
// largest deviation from the mean (a constant series: its mean) in [0.5,
// 1), returned as the factor (1 for a series that sums to 0: it has no
// curves), with the series'
// normalisation sum * 2^k in *norm. The largest |v - mean| over the series
// is that of lo or hi: rounding is monotonic.
static double scale_of(float lo, float hi, double sum, int n, double *norm) {
	*norm = sum;
	if (sum == 0) return 1;
	double mean = sum / n, a = (double)hi - mean, b = mean - (double)lo;
	double m = a > b ? a : b;
	// A constant series is scaled by its mean (see scaleOf).
	if (!(m > 0)) m = mean;
	int e;
	frexp(m, &e);
	*norm = ldexp(sum, -e);
	return ldexp(1, -e);
}

// sum_exact returns the sum of the n samples (integers) at s: exact in
// float64 (n * 65535 < 2^53), so any order gives the same value.
static double sum_exact(const float *s, int n) {
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	for (int i = 0; i + 4 <= n; i += 4) {
		s0 += s[i];
		s1 += s[i + 1];
		s2 += s[i + 2];
		s3 += s[i + 3];
	}
	return (s0 + s1) + (s2 + s3);
}

// spectra_simd reports whether the transposition and centring of n
// samples take the AVX2 path (n a multiple of 16).
static int spectra_simd(int n) {
#ifdef IPCF_SPECTRA_SIMD
	return have_avx2() && n % 16 == 0;
#else
	(void)n;
	return 0;
#endif
}

// ipcf_spectra_u16_part transposes frames [t0, t0+k) of the series of n
// samples into the slots (frame t0's samples at data, st_t apart), as
// ipcf_spectra_u16 does for all n at once: the slots' samples t0 to
// t0+k-1, and on the AVX2 path their sums added into sums (zeroed first
// where t0 is 0). On that path t0 and k are multiples of 16. The caller
// calls ipcf_spectra_u16_finish once every frame is in.
void ipcf_spectra_u16_part(const uint8_t *data, int64_t st_t, int64_t st_y, int t0, int k, int n, int ny, int nx,
                           int big, float *ring, const int64_t *off, double *sums) {
	int nx8 = spectra_simd(n) ? nx / 8 * 8 : 0;
#ifdef IPCF_SPECTRA_SIMD
	if (nx8 > 0) {
		if (t0 == 0)
			for (int y = 0; y < ny; y++)
				for (int x = 0; x < nx8; x++) sums[y * nx + x] = 0;
		transpose_u16_avx2(data, st_t, st_y, k, ny, nx, nx8, big, ring + t0, off, sums);
		_mm_sfence();
	}
#endif
	if (nx8 == 0)
		transpose_u16(data, st_t, st_y, k, ny, nx, big, ring + t0, off);
	else if (nx8 < nx)
		for (int y = 0; y < ny; y++)
			transpose_u16(data + (int64_t)y * st_y + 2 * nx8, st_t, st_y, k, 1, nx - nx8, big, ring + t0,
			              off + y * nx + nx8);
}

// ipcf_spectra_u16_finish completes ipcf_spectra_u16 once the slots hold
// the series (ipcf_spectra_u16_part): the sums the transposition did not
// take, each series' range, its centring and scaling, and its forward
// transform in place: by ipcf_r2c with plan (the complex one of n/2
// points) and tw, or without tw by FFTW's r2c, plan.
void ipcf_spectra_u16_finish(void *plan, const float *tw, int n, int ny, int nx, float *ring, const int64_t *off, float *scratch,
                             double *sums, double *norm) {
	int simd = spectra_simd(n);
	int nx8 = simd ? nx / 8 * 8 : 0;
	for (int y = 0; y < ny; y++)
		for (int x = nx8; x < nx; x++) sums[y * nx + x] = sum_exact(ring + 2 * off[y * nx + x], n);
	for (int p = 0; p < ny * nx; p++) {
		float *s = ring + 2 * off[p];
		double mean = sums[p] / n, f = 1;
		if (norm) {
			float lo, hi;
#ifdef IPCF_SPECTRA_SIMD
			if (simd)
				range_avx2(s, n, &lo, &hi);
			else
#endif
				range_scalar(s, n, &lo, &hi);
			f = scale_of(lo, hi, sums[p], n, &norm[p]);
		}
#ifdef IPCF_SPECTRA_SIMD
		if (simd)
			center_avx2(s, scratch, n, mean, f);
		else
#endif
			for (int i = 0; i < n; i++) {
				float v = (float)(((double)s[i] - mean) * f);
				scratch[i] = (i & 1) ? -v : v;
			}
		if (tw) {
			ipcf_r2c(plan, tw, n, scratch, s, s);
		} else { // n < 8: FFTW's r2c (plan), the samples as they are
			for (int i = 1; i < n; i += 2) scratch[i] = -scratch[i];
			fftwf_execute_dft_r2c((fftwf_plan)plan, scratch, (fftwf_complex *)s);
		}
		s[0] = s[1] = 0; // deviations sum to 0 (core/pcf: the note before usable)
	}
}

void ipcf_spectra_u16(void *plan, const float *tw, const uint8_t *data, int64_t st_t, int64_t st_y, int n, int ny,
                      int nx, int big, float *ring, const int64_t *off, float *scratch, double *sums,
                      double *norm) {
	ipcf_spectra_u16_part(data, st_t, st_y, 0, n, n, ny, nx, big, ring, off, sums);
	ipcf_spectra_u16_finish(plan, tw, n, ny, nx, ring, off, scratch, sums, norm);
}
