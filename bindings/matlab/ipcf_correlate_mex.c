/* ipcf_correlate_mex(a, b, mode): mode 0 circular, 1 linear, 2 same. Column vector of doubles. */
#include "ipcf_mexutil.h"

/* Refuses x unless a vector, naming its whole size (a 1x1x4 array was
 * "not 1x4": mxGetN folds the trailing dimensions; OCT18's m4). */
static void vector(const mxArray *x, const char *name) {
    mwSize nd = mxGetNumberOfDimensions(x);
    const mwSize *d = mxGetDimensions(x);
    char size[160];
    size_t n = 0;
    if (nd == 2 && (d[0] == 1 || d[1] == 1)) return;
    size[0] = 0;
    for (mwSize i = 0; i < nd && n + 24 < sizeof size; i++)
        n += (size_t)snprintf(size + n, sizeof size - n, i ? "x%lu" : "%lu", (unsigned long)d[i]);
    mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a vector, not %s", name, size);
}

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
    mode = ipcf_mex_int32_range(prhs[2], "mode", 0, 2);
    ipcf_mex_data_class(prhs[0], "a");
    ipcf_mex_data_class(prhs[1], "b");
    vector(prhs[0], "a");
    vector(prhs[1], "b");
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
