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
    layout = ipcf_mex_int32_range(prhs[7], "layout", 0, 1);
    ipcf_mex_data_class(prhs[0], "data");
    if (mxGetNumberOfDimensions(prhs[0]) != 3)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "data: %d dimensions, want 3 (t, y, x)",
                          (int)mxGetNumberOfDimensions(prhs[0]));
    /* tyx: descriptor axes (t, y, x) are MATLAB dims 1, 2, 3 (Fortran order);
     * xyt: they are dims 3, 2, 1 (C order over reversed dims). */
    ipcf_mex_array(prhs[0], "data", 3, layout == 1, &data);
    ipcf_pcf_options_init(&o);
    /* every whole number through the one checked reader: 2.7, NaN, 2^31,
     * true or '3' raise ipcf:invalid_argument, nothing is truncated */
    o.radius = ipcf_mex_int32(prhs[1], "Radius", 1);
    o.npoints = ipcf_mex_int32(prhs[2], "Points", 1);
    o.nbins = ipcf_mex_int32(prhs[3], "Bins", 2);
    o.bleach = ipcf_mex_int32(prhs[4], "Bleach", 0);
    o.bleach_mean = ipcf_mex_int32_range(prhs[5], "BleachMean", 0, 1);
    o.threads = ipcf_mex_int32(prhs[6], "Threads", 0);
    o.progress = ipcf_mex_progress;
    o.device = ipcf_mex_int32(prhs[9], "Device", IPCF_DEVICE_CPU);
    /* mask(y, x): axes (y, x) are dims 1, 2; [] is none */
    if (ipcf_mex_mask(prhs[8], "Mask", &mask)) o.mask = &mask;
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
