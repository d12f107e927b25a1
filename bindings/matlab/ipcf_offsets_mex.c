/* ipcf_offsets_mex(kind, radius, npoints): the offsets of a preset
 * (IPCF_OFFSETS_CIRCLE, _DISK, _LINE) as a k x 2 double matrix [u v]
 * (ipcf_offsets). npoints is used by the circle only. */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    int32_t kind, r, n, *uv;
    size_t count = 0, i;
    double *out;
    ipcf_status st;
    (void)nlhs;
    ipcf_mex_lock();
    if (nrhs != 3) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_offsets_mex: 3 arguments expected (use ipcf_offsets)");
    kind = ipcf_mex_int32_range(prhs[0], "kind", IPCF_OFFSETS_CIRCLE, IPCF_OFFSETS_LINE);
    r = ipcf_mex_int32(prhs[1], "radius", 1);
    n = ipcf_mex_int32(prhs[2], "npoints", 1);
    /* the count first (cap 0), then the offsets */
    st = ipcf_offsets(kind, r, n, NULL, 0, &count);
    if (st != IPCF_E_BUFFER_TOO_SMALL) ipcf_mex_check(st);
    if (st == IPCF_OK) count = 0;
    uv = (int32_t *)mxCalloc(count ? 2 * count : 1, sizeof *uv);
    st = ipcf_offsets(kind, r, n, uv, count, &count);
    if (st != IPCF_OK) {
        mxFree(uv);
        ipcf_mex_check(st);
    }
    plhs[0] = mxCreateDoubleMatrix((mwSize)count, 2, mxREAL);
    out = mxGetPr(plhs[0]);
    for (i = 0; i < count; i++) {
        out[i] = uv[2 * i];
        out[count + i] = uv[2 * i + 1];
    }
    mxFree(uv);
}
