/* ipcf_correlate_mex(a, b, mode): mode 0 circular, 1 linear, 2 same. Column vector of doubles. */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    ipcf_array a, b, out;
    int mode;
    size_t na, nb, n;
    int64_t len;
    (void)nlhs;
    ipcf_mex_lock();
    if (nrhs != 3) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_correlate_mex: 3 arguments expected");
    na = mxGetNumberOfElements(prhs[0]);
    nb = mxGetNumberOfElements(prhs[1]);
    mode = (int)ipcf_mex_scalar(prhs[2], "mode");
    if (!ipcf_mex_dtype(prhs[0]) || !ipcf_mex_dtype(prhs[1]))
        mexErrMsgIdAndTxt("ipcf:unsupported_layout", "a and b must be real numeric vectors");
    ipcf_mex_array(prhs[0], "a", 2, 0, &a);
    ipcf_mex_array(prhs[1], "b", 2, 0, &b);
    /* vectors as 1-D arrays */
    a.ndim = b.ndim = 1;
    a.shape[0] = (int64_t)na;
    b.shape[0] = (int64_t)nb;
    a.strides[0] = (int64_t)mxGetElementSize(prhs[0]);
    b.strides[0] = (int64_t)mxGetElementSize(prhs[1]);
    n = mode == 2 ? (na > nb ? na : nb) : na / 2;
    plhs[0] = mxCreateDoubleMatrix((mwSize)n, 1, mxREAL);
    len = (int64_t)n;
    ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT64, 1, &len, mxGetData(plhs[0]));
    ipcf_mex_check(ipcf_correlate(&a, &b, mode, &out));
}
