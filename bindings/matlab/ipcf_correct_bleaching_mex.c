/* ipcf_correct_bleaching_mex(data, filtersize, mean, threads, layout): gateway of
 * ipcf_correct_bleaching.m. The result has data's integer class (uint16 for
 * single/double input) and the same axis order, with t shortened by 2*filtersize.
 * layout 0: data(t, y, x); 1: data(x, y, t); 2: data(y, x, t), each in place. */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    ipcf_array data, out;
    ipcf_bleach_options o;
    mwSize dims[3];
    mxClassID cls;
    int layout, f, taxis;
    (void)nlhs;
    ipcf_mex_lock();
    if (nrhs != 5) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_correct_bleaching_mex: 5 arguments expected");
    ipcf_mex_data_class(prhs[0], "data");
    ipcf_mex_dims3(prhs[0], "data", dims);
    layout = ipcf_mex_int32_range(prhs[4], "layout", 0, 2);
    ipcf_mex_stack(prhs[0], "data", layout, &data);
    ipcf_bleach_options_init(&o);
    f = ipcf_mex_int32(prhs[1], "FilterSize", 1);
    o.filtersize = f;
    o.mean = ipcf_mex_int32_range(prhs[2], "Mean", 0, 1);
    o.threads = ipcf_mex_threads(prhs[3]);
    o.progress = ipcf_mex_progress;
    taxis = ipcf_mex_time_dim(layout);
    if (dims[taxis] < 3)
        /* (as the library says it: no filter size works, not "at most 0") */
        mexErrMsgIdAndTxt("ipcf:invalid_argument",
                          "FilterSize=%d: %lld frames are too few to correct (it drops 2*FilterSize, at least 2, and keeps 1): want 3 frames or more",
                          f, (long long)dims[taxis]);
    if ((int64_t)dims[taxis] - 2 * (int64_t)f < 1 || f < 1)
        /* (as the library says it: a count of frames left is never negative) */
        mexErrMsgIdAndTxt("ipcf:invalid_argument",
                          "FilterSize=%d leaves no frame of %lld (it drops 2*FilterSize; at most %lld)", f,
                          (long long)dims[taxis], (long long)(dims[taxis] > 0 ? (dims[taxis] - 1) / 2 : 0));
    dims[taxis] -= (mwSize)(2 * f);
    cls = mxGetClassID(prhs[0]);
    if (cls != mxUINT8_CLASS && cls != mxUINT16_CLASS && cls != mxINT16_CLASS && cls != mxINT32_CLASS) cls = mxUINT16_CLASS;
    plhs[0] = mxCreateNumericArray(3, dims, cls, mxREAL);
    ipcf_mex_stack(plhs[0], "out", layout, &out);
    ipcf_mex_warn_counts(&data, "data");
    ipcf_mex_check(ipcf_correct_bleaching(&data, &o, &out));
}
