#include <stdint.h>
void ipcf_pair2(void *plan, const float *a1, const float *b1, const float *a2, const float *b2,
                float *zin, float *zout, int n, const int *bins, int nb,
                double *f1, double *w1, double *f2, double *w2);
int ipcf_build_level(int level);
void ipcf_bin_sums(const float *z, int n, const int *bins, int nb, double *f1, double *w1, double *f2, double *w2);
int ipcf_spectra_level(int level);
typedef struct ipcf_unit {
	int64_t p1, q1, p2, q2; /* spectrum offsets in complex values; p2 < 0: no second pair */
	int8_t needb1, needb2;  /* backward sums wanted */
} ipcf_unit;
void ipcf_pairs(void *plan, const float *base, const ipcf_unit *units, int nunits,
                float *zin, float *zout, int n, const int *bins, int nb, double *out);
void ipcf_spectra_u16(void *plan, const float *tw, const uint8_t *data, int64_t st_t, int64_t st_y, int n, int ny,
                      int nx, int big, float *ring, const int64_t *off, float *scratch, double *sums,
                      double *norm);
void ipcf_spectra_u16_part(const uint8_t *data, int64_t st_t, int64_t st_y, int t0, int k, int n, int ny, int nx,
                           int big, float *ring, const int64_t *off, double *sums);
void ipcf_spectra_u16_finish(void *plan, const float *tw, int n, int ny, int nx, float *ring, const int64_t *off, float *scratch,
                             double *sums, double *norm);
// The forward real transform by a complex one of half the points (r2c.c).
int ipcf_r2c_level(int level);
void ipcf_r2c_pack(const float *src, float *dst, int n);
void ipcf_r2c(void *plan, const float *tw, int n, float *packed, float *zc, float *x);
void ipcf_transform_loop(void *plan, const float *zin, float *work, float *zout, int n, int iters, int copy_only);
// The dot path (dot.c): the bin sums as weighted sums of the cross spectrum.
#define IPCF_DOT_FB 128
#define IPCF_DOT_T 12
#define IPCF_DOT_FS 32
#define IPCF_DOT_XLEN (IPCF_DOT_T * 2 * IPCF_DOT_FB + IPCF_DOT_T * 2 * (IPCF_DOT_FB / IPCF_DOT_FS))
typedef struct ipcf_dotw {
	int n, nb, nj;     /* series length (even), bins, weights per kind (nb rounded up to 16, <= 32) */
	const float *w;    /* for f = 0..n/2-1: nj cosine weights, then nj sine weights (f = 0: zeros) */
	const double *gsum; /* per group of IPCF_DOT_FS frequencies (from f = 0): the sums of w over it */
	const double *cnt; /* nb: the width of bin j */
	const double *alt; /* nb: the sum over bin j of (-1)^tau */
} ipcf_dotw;
int ipcf_simd_level(void);
int ipcf_dot_best(void);
void ipcf_pairs_dot(int level, int n, int nb, int nj, const float *w, const double *gsum, const double *cnt,
                    const double *alt, const float *base, const ipcf_unit *units, int nunits, int64_t *pq, float *x,
                    double *acc, double *out);
