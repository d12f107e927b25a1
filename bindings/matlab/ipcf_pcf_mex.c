/* [G, delays] = ipcf_pcf_mex(data, radius, npoints, nbins, bleach, bleach_mean, threads, layout, mask, device[, tk[, err]])
 * Gateway of ipcf_pcf.m, ipcf_acf.m and ipcf_pcf_errors.m (see their help). layout 0: data(t, y, x); 1: data(x, y, t);
 * 2: data(y, x, t) (an imread stack). Every layout is read in place through strides.
 * tk (optional, Since 0.3) is a struct of the toolkit options with the fields
 *   Offsets ([] = the circle, or k x 2 [u v]), Data2 ([] or data's size and class),
 *   BinMode (IPCF_BINS_*), M, Smooth, Threshold (-Inf = none), Delta (0/1),
 *   NbinsName (the option name of nbins for messages).
 * err (optional, Since 0.3) is [] (the curves, ipcf_pcf_compute) or a struct with the fields
 *   Method (IPCF_ERRORS_*) and Segments (the segments of IPCF_ERRORS_SEGMENTS, 2..frames used;
 *   a whole number, not used by IPCF_ERRORS_BLOCKING): the error bars of the curves instead
 *   (ipcf_pcf_errors), in the same shape.
 * Returns single(rows, columns, offsets, points) indexed (y, x, offset, point) and,
 * when asked for, the delay of each point in frames (a column, ipcf_pcf_delays). */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    ipcf_array data, data2, out, mask;
    ipcf_pcf_options o;
    int64_t shape[4];
    mwSize dims[4], a[3];
    int layout, k, errors = 0;
    int32_t method = 0, segments = 0;
    const char *nbins_name = "Bins";
    ipcf_status st;
    ipcf_mex_lock();
    if (nrhs < 10 || nrhs > 12)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_pcf_mex: 10 to 12 arguments expected (use ipcf_pcf)");
    if (nrhs >= 11 && (!mxIsStruct(prhs[10]) || mxGetNumberOfElements(prhs[10]) != 1))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_pcf_mex: argument 11 must be an option struct (use ipcf_pcf)");
    layout = ipcf_mex_int32_range(prhs[7], "layout", 0, 2);
    ipcf_mex_data_class(prhs[0], "data");
    ipcf_mex_dims3(prhs[0], "data", a);
    /* tyx: descriptor axes (t, y, x) are MATLAB dims 1, 2, 3 (Fortran order);
     * xyt: they are dims 3, 2, 1 (C order over reversed dims); yxt: dims 3, 1, 2. */
    ipcf_mex_stack(prhs[0], "data", layout, &data);
    ipcf_pcf_options_init(&o);
    if (nrhs == 12 && !(mxIsEmpty(prhs[11]) && mxIsDouble(prhs[11]))) {
        if (!mxIsStruct(prhs[11]) || mxGetNumberOfElements(prhs[11]) != 1)
            mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_pcf_mex: argument 12 must be [] or an error-bar struct (use ipcf_pcf_errors)");
        errors = 1;
        method = ipcf_mex_int32_range(ipcf_mex_field(prhs[11], "ipcf_pcf_mex", "Method"), "Method", IPCF_ERRORS_BLOCKING,
                                      IPCF_ERRORS_SEGMENTS);
        if (method == IPCF_ERRORS_SEGMENTS)
            segments = ipcf_mex_int32(ipcf_mex_field(prhs[11], "ipcf_pcf_mex", "Segments"), "Segments", 2);
        else /* a whole number, not used */
            (void)ipcf_mex_integer(ipcf_mex_field(prhs[11], "ipcf_pcf_mex", "Segments"), "Segments", -IPCF_MEX_INT32_MAX - 1,
                                   IPCF_MEX_INT32_MAX);
    }
    if (nrhs >= 11) {
        const mxArray *f = mxGetField(prhs[10], 0, "NbinsName");
        if (f && mxIsChar(f)) nbins_name = ipcf_mex_string(f, "NbinsName", 0);
    }
    /* every whole number through the one checked reader: 2.7, NaN, 2^31,
     * true or '3' raise ipcf:invalid_argument, nothing is truncated */
    o.radius = ipcf_mex_int32(prhs[1], "Radius", 1);
    o.npoints = ipcf_mex_int32(prhs[2], "Points", 1);
    o.nbins = ipcf_mex_int32(prhs[3], nbins_name, 2);
    o.bleach = ipcf_mex_int32(prhs[4], "Bleach", 0);
    o.bleach_mean = ipcf_mex_int32_range(prhs[5], "BleachMean", 0, 1);
    o.threads = ipcf_mex_threads(prhs[6]);
    o.progress = ipcf_mex_progress;
    o.device = ipcf_mex_int32(prhs[9], "Device", IPCF_DEVICE_CPU);
    /* mask(y, x): axes (y, x) are dims 1, 2; [] is none */
    if (ipcf_mex_mask(prhs[8], "Mask", &mask)) o.mask = &mask;
    if (nrhs >= 11) {
        const mxArray *d2 = ipcf_mex_field(prhs[10], "ipcf_pcf_mex", "Data2");
        ipcf_mex_toolkit(prhs[10], "ipcf_pcf_mex", &o);
        if (!(mxIsEmpty(d2) && mxIsDouble(d2) && mxGetNumberOfDimensions(d2) == 2 && mxGetM(d2) == 0)) {
            mwSize b[3];
            ipcf_mex_data_class(d2, "Data2");
            ipcf_mex_dims3(d2, "Data2", b);
            if (mxGetClassID(d2) != mxGetClassID(prhs[0]) || a[0] != b[0] || a[1] != b[1] || a[2] != b[2]) {
                char sa[64], sb[64];
                snprintf(sa, sizeof sa, "%lldx%lldx%lld", (long long)a[0], (long long)a[1], (long long)a[2]);
                snprintf(sb, sizeof sb, "%lldx%lldx%lld", (long long)b[0], (long long)b[1], (long long)b[2]);
                mexErrMsgIdAndTxt("ipcf:invalid_argument", "Data2: %s %s, want the size and class of data (%s %s)",
                                  sb, mxGetClassName(d2), sa, mxGetClassName(prhs[0]));
            }
            ipcf_mex_stack(d2, "Data2", layout, &data2);
            o.data2 = &data2;
        }
    }
    ipcf_mex_check_as(ipcf_pcf_output_shape(&data, &o, shape), "ipcf_pcf_output_shape",
                      errors ? "ipcf_pcf_errors" : "ipcf_pcf_compute");
    if (o.bleach > 0) {
        ipcf_mex_warn_counts(&data, "data");
        if (o.data2) ipcf_mex_warn_counts(o.data2, "Data2");
    }
    if (nlhs > 1) {
        /* the delays first: nothing may raise after the computation's buffer is filled but the check */
        size_t n = 0;
        double *dl;
        st = ipcf_pcf_delays(&data, &o, NULL, 0, &n);
        if (st != IPCF_OK && st != IPCF_E_BUFFER_TOO_SMALL) ipcf_mex_check(st);
        plhs[1] = mxCreateDoubleMatrix((mwSize)n, 1, mxREAL);
        dl = mxGetPr(plhs[1]);
        ipcf_mex_check(ipcf_pcf_delays(&data, &o, n ? dl : NULL, n, &n));
    }
    for (k = 0; k < 4; k++) dims[k] = (mwSize)shape[k];
    plhs[0] = mxCreateNumericArray(4, dims, mxSINGLE_CLASS, mxREAL);
    /* out(y, x, offset, point), column-major */
    ipcf_array_init(&out);
    out.dtype = IPCF_DTYPE_FLOAT32;
    out.ndim = 4;
    out.strides[0] = 4;
    for (k = 0; k < 4; k++) {
        out.shape[k] = shape[k];
        if (k) out.strides[k] = out.strides[k - 1] * shape[k - 1];
    }
    out.data = mxGetData(plhs[0]);
    st = errors ? ipcf_pcf_errors(&data, &o, method, segments, &out) : ipcf_pcf_compute(&data, &o, &out);
    ipcf_mex_check(st);
}
