/* ipcf_logbins_mex(size, nbins): column vector of the upper bin edges. */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    int64_t bins[65536];
    size_t count = 0, i;
    double *out;
    int nb;
    (void)nlhs;
    ipcf_mex_lock();
    if (nrhs != 2) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_logbins_mex: 2 arguments expected");
    int64_t size;
    size = ipcf_mex_integer(prhs[0], "size", 1, 4503599627370496.0 /* 2^52, the library's limit */);
    nb = ipcf_mex_int32_range(prhs[1], "nbins", 2, 65536);
    ipcf_mex_check(ipcf_logbins(size, nb, bins, 65536, &count));
    plhs[0] = mxCreateDoubleMatrix((mwSize)count, 1, mxREAL);
    out = mxGetPr(plhs[0]);
    for (i = 0; i < count; i++) out[i] = (double)bins[i];
}
