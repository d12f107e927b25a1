#include <stdint.h>
int ipcf_errk_avx2(void);
void ipcf_errk_bins(double *z, int64_t n, const double *u, const double *v, const double *pv, const int64_t *bins,
                    int64_t nb);
void ipcf_errk_smooth_row(double *zi, const double *zo, int64_t n, double wn, double wo);
double ipcf_errk_levels(double *x, int64_t n, int64_t min_blocks, double *c, int64_t nc, int64_t *levels);
