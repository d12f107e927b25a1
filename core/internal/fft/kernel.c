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
// for k = 1..n/2-1, with X = b * conj(a) (b the neighbour, a the pixel).
// Two straight loops (forward half, then mirrored half, recomputing the
// products) vectorize; one loop writing both ends ran 2.5x slower here.
#define IPCF_X(k)                                                               \
	float ar = a1[2 * (k)], ai = a1[2 * (k) + 1], br = b1[2 * (k)], bi = b1[2 * (k) + 1]; \
	float cr = a2[2 * (k)], ci = a2[2 * (k) + 1], dr = b2[2 * (k)], di = b2[2 * (k) + 1]; \
	float x1r = br * ar + bi * ai, x1i = bi * ar - br * ai;                     \
	float x2r = dr * cr + di * ci, x2i = di * cr - dr * ci;

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

// build1 is build2 with X2 = 0.
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

// Bin sums of c1[t] = z[2t] and c2[t] = z[2t+1] over [lo, hi) (f1, f2)
// and of c[(n - t) mod n] (w1, w2; may be NULL). Four accumulators per
// series break the dependency chain of the float64 additions.
static inline void sum2(const float *restrict z, int a, int b, double *s1, double *s2) {
	double r0 = 0, r1 = 0, r2 = 0, r3 = 0, i0 = 0, i1 = 0, i2 = 0, i3 = 0;
	int t = a;
	for (; t + 4 <= b; t += 4) {
		r0 += z[2 * t];
		i0 += z[2 * t + 1];
		r1 += z[2 * t + 2];
		i1 += z[2 * t + 3];
		r2 += z[2 * t + 4];
		i2 += z[2 * t + 5];
		r3 += z[2 * t + 6];
		i3 += z[2 * t + 7];
	}
	for (; t < b; t++) {
		r0 += z[2 * t];
		i0 += z[2 * t + 1];
	}
	*s1 = (r0 + r1) + (r2 + r3);
	*s2 = (i0 + i1) + (i2 + i3);
}

IPCF_CLONES
static void bins2(const float *restrict z, int n, const int *restrict bins, int nb,
                  double *restrict f1, double *restrict w1, double *restrict f2, double *restrict w2) {
	double d1, d2;
	int lo = 0;
	for (int j = 0; j < nb; j++) {
		int hi = bins[j];
		sum2(z, lo, hi, &d1, &d2);
		f1[j] = d1;
		if (f2) f2[j] = d2;
		lo = hi;
	}
	if (!w1 && !w2) return;
	lo = 0;
	for (int j = 0; j < nb; j++) {
		int hi = bins[j];
		// taus [lo, hi) read c[n - tau], indices [n-hi+1, n-lo]; tau 0 reads c[0].
		if (lo == 0) {
			sum2(z, n - hi + 1, n, &d1, &d2);
			d1 += z[0];
			d2 += z[1];
		} else {
			sum2(z, n - hi + 1, n - lo + 1, &d1, &d2);
		}
		if (w1) w1[j] = d1;
		if (w2) w2[j] = d2;
		lo = hi;
	}
}

void ipcf_pair2(void *plan, const float *a1, const float *b1, const float *a2, const float *b2,
                float *zin, float *zout, int n, const int *bins, int nb,
                double *f1, double *w1, double *f2, double *w2) {
	if (a2)
		build2(a1, b1, a2, b2, zin, n);
	else
		build1(a1, b1, zin, n);
	fftwf_execute_dft((fftwf_plan)plan, (fftwf_complex *)zin, (fftwf_complex *)zout);
	bins2(zout, n, bins, nb, f1, w1, a2 ? f2 : 0, a2 ? w2 : 0);
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
