void ipcf_pair2(void *plan, const float *a1, const float *b1, const float *a2, const float *b2,
                float *zin, float *zout, int n, const int *bins, int nb,
                double *f1, double *w1, double *f2, double *w2);
