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
    nb = (int)ipcf_mex_scalar(prhs[1], "nbins");
    ipcf_mex_check(ipcf_logbins((int64_t)ipcf_mex_scalar(prhs[0], "size"), nb, bins, 65536, &count));
    plhs[0] = mxCreateDoubleMatrix((mwSize)count, 1, mxREAL);
    out = mxGetPr(plhs[0]);
    for (i = 0; i < count; i++) out[i] = (double)bins[i];
}
