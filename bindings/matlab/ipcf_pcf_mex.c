/* ipcf_pcf_mex(data, radius, npoints, nbins, bleach, bleach_mean, threads, layout, mask, device)
 * Gateway of ipcf_pcf.m (see its help). layout 0: data(t, y, x); 1: data(x, y, t).
 * Returns single(H-2r, W-2r, npoints, nbins) indexed (y, x, point, bin). */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    ipcf_array data, out, mask;
    ipcf_pcf_options o;
    int64_t shape[4];
    mwSize dims[4];
    int layout, k;
    ipcf_status st;
    (void)nlhs;
    ipcf_mex_lock();
    if (nrhs != 10) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_pcf_mex: 10 arguments expected (use ipcf_pcf)");
    layout = (int)ipcf_mex_scalar(prhs[7], "layout");
    if (!ipcf_mex_dtype(prhs[0]))
        mexErrMsgIdAndTxt("ipcf:unsupported_layout",
                          "data: class %s is not supported (uint8, uint16, int16, int32, single, double, logical)",
                          mxGetClassName(prhs[0]));
    if (mxGetNumberOfDimensions(prhs[0]) != 3)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "data: %d dimensions, want 3 (t, y, x)",
                          (int)mxGetNumberOfDimensions(prhs[0]));
    /* tyx: descriptor axes (t, y, x) are MATLAB dims 1, 2, 3 (Fortran order);
     * xyt: they are dims 3, 2, 1 (C order over reversed dims). */
    ipcf_mex_array(prhs[0], "data", 3, layout == 1, &data);
    ipcf_pcf_options_init(&o);
    o.radius = (int32_t)ipcf_mex_scalar(prhs[1], "Radius");
    o.npoints = (int32_t)ipcf_mex_scalar(prhs[2], "Points");
    o.nbins = (int32_t)ipcf_mex_scalar(prhs[3], "Bins");
    o.bleach = (int32_t)ipcf_mex_scalar(prhs[4], "Bleach");
    o.bleach_mean = (int32_t)ipcf_mex_scalar(prhs[5], "BleachMean");
    o.threads = (int32_t)ipcf_mex_scalar(prhs[6], "Threads");
    o.progress = ipcf_mex_progress;
    o.device = (int32_t)ipcf_mex_scalar(prhs[9], "Device");
    if (!mxIsEmpty(prhs[8])) {
        /* mask(y, x): axes (y, x) are dims 1, 2 */
        ipcf_mex_array(prhs[8], "Mask", 2, 0, &mask);
        o.mask = &mask;
    }
    ipcf_mex_check(ipcf_pcf_output_shape(&data, &o, shape));
    for (k = 0; k < 4; k++) dims[k] = (mwSize)shape[k];
    plhs[0] = mxCreateNumericArray(4, dims, mxSINGLE_CLASS, mxREAL);
    /* out(y, x, point, bin), column-major */
    ipcf_array_init(&out);
    out.dtype = IPCF_DTYPE_FLOAT32;
    out.ndim = 4;
    out.strides[0] = 4;
    for (k = 0; k < 4; k++) {
        out.shape[k] = shape[k];
        if (k) out.strides[k] = out.strides[k - 1] * shape[k - 1];
    }
    out.data = mxGetData(plhs[0]);
    st = ipcf_pcf_compute(&data, &o, &out);
    ipcf_mex_check(st);
}
