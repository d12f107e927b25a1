/* ipcf_circle_mex(radius, npoints): npoints x 2 double matrix of [u v]. */
#include <stdlib.h>
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    int32_t *uv;
    double *out;
    int r, n, i;
    ipcf_status st;
    (void)nlhs;
    ipcf_mex_lock();
    if (nrhs != 2) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_circle_mex: 2 arguments expected");
    r = ipcf_mex_int32(prhs[0], "radius", 1);
    n = ipcf_mex_int32_range(prhs[1], "npoints", 1, 1 << 24); /* 2 x 4 bytes each, allocated here */
    uv = mxCalloc(n > 0 ? 2 * (size_t)n : 1, sizeof *uv);
    st = ipcf_circle(r, n, uv, n > 0 ? 2 * (size_t)n : 0);
    if (st != IPCF_OK) {
        mxFree(uv);
        ipcf_mex_check(st);
    }
    plhs[0] = mxCreateDoubleMatrix((mwSize)n, 2, mxREAL);
    out = mxGetPr(plhs[0]);
    for (i = 0; i < n; i++) {
        out[i] = uv[2 * i];
        out[n + i] = uv[2 * i + 1];
    }
    mxFree(uv);
}
