/* [params, stderr, chisq, status, names] = ipcf_fit_mex(G, delays, offsets, sigma, opts)
 * Gateway of ipcf_fit.m (see its help): ipcf_fit of libipcf 0.3 on the curves G, a single
 * (rows, columns, offsets, delays) array read in place (any trailing dimensions of size 1 may be
 * missing), at the delays (a double vector, one per point) and the offsets ([] for the ACF models,
 * else a k x 2 matrix [u v] with k = size(G, 3)), weighted by sigma ([] or a single array of G's
 * size). opts is a 1x1 struct made by ipcf_fit.m:
 *   Model (IPCF_MODEL_*), Flags (IPCF_FIT_* bits), First, Last, MaxIter (0 = 200), Threads,
 *   Waist (pixels, > 0), Kappa (0 unless ACF3D), PixelSide, PixelSize, FrameInterval (0 = none),
 *   Select (0-based index of the one curve per pixel to fit, the offset (0, 0) of the ACF
 *   models; -1: every curve).
 * Returns params and stderr, single (rows, columns, KF, columns of ipcf_fit_nparams), chisq,
 * single (rows, columns, KF), status, uint8 (rows, columns, KF), KF = 1 for a joint fit else the
 * curves per pixel fitted, and names, the columns' names comma-separated. Every whole number is
 * read by ipcf_mex_integer; the library checks the rest and names the argument. Ctrl+C cancels
 * (the progress callback, ipcf:cancelled). */
#include "ipcf_mexutil.h"

/* fit_double: a real finite numeric scalar >= 0 from the option struct. */
static double fit_double(const mxArray *s, const char *name) {
    return ipcf_mex_real(ipcf_mex_field(s, "ipcf_fit_mex", name), name, 0);
}

/* fit_curves describes a single (rows, columns, offsets, delays) MATLAB array (column-major) as
 * the library's 4-D float32 descriptor, in place; NAME names it in messages. */
static void fit_curves(const mxArray *a, const char *name, ipcf_array *d) {
    char kind[96];
    if (!a || !mxIsSingle(a) || mxIsComplex(a) || mxIsSparse(a))
        mexErrMsgIdAndTxt("ipcf:unsupported_layout", "%s: %s is not supported (want real single curves)", name,
                          ipcf_mex_kind(a, kind, sizeof kind));
    if (mxGetNumberOfDimensions(a) > 4)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: %d dimensions, want at most 4 (rows, columns, offsets, delays)",
                          name, (int)mxGetNumberOfDimensions(a));
    ipcf_mex_array(a, name, 4, 0, d);
}

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    ipcf_array curves, sigma, par, se, chi, st;
    ipcf_fit_options o;
    const mxArray *s;
    const mxArray *dl;
    int32_t *uv = NULL;
    int64_t k = 0, sel, H, W, K, P, KF;
    int32_t np = 0, j;
    char names[1024];
    mwSize dims[4];
    uint32_t flags;
    int has_sigma = 0;
    ipcf_status status;
    ipcf_mex_lock();
    if (nrhs != 5 || nlhs != 5) /* plhs holds nlhs outputs (at least 1): all 5 are written */
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_fit_mex: 5 arguments and 5 outputs expected (use ipcf_fit)");
    s = prhs[4];
    if (!mxIsStruct(s) || mxGetNumberOfElements(s) != 1)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_fit_mex: argument 5 must be an option struct (use ipcf_fit)");
    fit_curves(prhs[0], "G", &curves);
    H = curves.shape[0];
    W = curves.shape[1];
    K = curves.shape[2];
    P = curves.shape[3];
    if (H < 1 || W < 1 || K < 1 || P < 1)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "G is empty (%lldx%lldx%lldx%lld): want curves (rows, columns, offsets, delays)",
                          (long long)H, (long long)W, (long long)K, (long long)P);
    /* the one curve per pixel of the ACF models: a view of that offset, no copy */
    sel = ipcf_mex_integer(ipcf_mex_field(s, "ipcf_fit_mex", "Select"), "Select", -1, (double)(K - 1));
    if (!mxIsEmpty(prhs[3])) {
        const mwSize *a = mxGetDimensions(prhs[0]), *b = mxGetDimensions(prhs[3]);
        size_t na = mxGetNumberOfDimensions(prhs[0]), nb = mxGetNumberOfDimensions(prhs[3]), i;
        int same = na == nb;
        for (i = 0; same && i < na; i++) same = a[i] == b[i];
        fit_curves(prhs[3], "Sigma", &sigma);
        if (!same)
            mexErrMsgIdAndTxt("ipcf:invalid_argument", "Sigma: size %lldx%lldx%lldx%lld, want G's %lldx%lldx%lldx%lld",
                              (long long)sigma.shape[0], (long long)sigma.shape[1], (long long)sigma.shape[2],
                              (long long)sigma.shape[3], (long long)H, (long long)W, (long long)K, (long long)P);
        has_sigma = 1;
    }
    if (sel >= 0) {
        curves.data = (char *)curves.data + sel * curves.strides[2];
        curves.shape[2] = 1;
        if (has_sigma) {
            sigma.data = (char *)sigma.data + sel * sigma.strides[2];
            sigma.shape[2] = 1;
        }
        K = 1;
    }
    /* delays: one double per point */
    dl = prhs[1];
    if (!mxIsDouble(dl) || mxIsComplex(dl) || mxIsSparse(dl) || mxGetNumberOfDimensions(dl) != 2 ||
        (mxGetM(dl) != 1 && mxGetN(dl) != 1) || (int64_t)mxGetNumberOfElements(dl) != P) {
        char kind[96];
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "Delays: %s of size %dx%d, want a real vector of %lld delays (one per point of G)",
                          ipcf_mex_kind(dl, kind, sizeof kind), (int)mxGetM(dl), (int)mxGetN(dl), (long long)P);
    }
    k = ipcf_mex_offsets(prhs[2], "Offsets", &uv);
    if (k > 0 && k != K)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "Offsets: %lld rows [u v] for %lld curves per pixel", (long long)k,
                          (long long)K);
    ipcf_fit_options_init(&o);
    o.model = ipcf_mex_int32_range(ipcf_mex_field(s, "ipcf_fit_mex", "Model"), "Model", 0, 4);
    flags = (uint32_t)ipcf_mex_int32_range(ipcf_mex_field(s, "ipcf_fit_mex", "Flags"), "Flags", 0, 63);
    o.flags = flags;
    o.multitau_m = ipcf_mex_int32_range(ipcf_mex_field(s, "ipcf_fit_mex", "MultitauM"), "MultitauM", 0, 1048576.0);
    o.first = ipcf_mex_int32_range(ipcf_mex_field(s, "ipcf_fit_mex", "First"), "First", 0, 1073741824.0);
    o.last = ipcf_mex_int32_range(ipcf_mex_field(s, "ipcf_fit_mex", "Last"), "Last", 0, 1073741824.0);
    o.max_iter = ipcf_mex_int32_range(ipcf_mex_field(s, "ipcf_fit_mex", "MaxIter"), "MaxIter", 0, 1048576.0);
    o.threads = ipcf_mex_threads(ipcf_mex_field(s, "ipcf_fit_mex", "Threads"));
    o.waist = fit_double(s, "Waist");
    o.kappa = fit_double(s, "Kappa");
    o.pixel_side = fit_double(s, "PixelSide");
    o.pixel_size = fit_double(s, "PixelSize");
    o.frame_interval = fit_double(s, "FrameInterval");
    o.progress = ipcf_mex_progress;
    /* the columns (the library checks the options and the offsets here) */
    ipcf_mex_check(ipcf_fit_nparams(&o, uv, K, &np, names, sizeof names));
    KF = (flags & IPCF_FIT_JOINT) || o.model == IPCF_MODEL_CCF2D ? 1 : K;
    dims[0] = (mwSize)H;
    dims[1] = (mwSize)W;
    dims[2] = (mwSize)KF;
    dims[3] = (mwSize)np;
    plhs[0] = mxCreateNumericArray(4, dims, mxSINGLE_CLASS, mxREAL);
    plhs[1] = mxCreateNumericArray(4, dims, mxSINGLE_CLASS, mxREAL);
    plhs[2] = mxCreateNumericArray(3, dims, mxSINGLE_CLASS, mxREAL);
    plhs[3] = mxCreateNumericArray(3, dims, mxUINT8_CLASS, mxREAL);
    plhs[4] = mxCreateString(names);
    /* the outputs (y, x, k[, column]), column-major */
    ipcf_array_init(&par);
    par.dtype = IPCF_DTYPE_FLOAT32;
    par.ndim = 4;
    par.strides[0] = 4;
    for (j = 0; j < 4; j++) {
        par.shape[j] = (int64_t)dims[j];
        if (j) par.strides[j] = par.strides[j - 1] * (int64_t)dims[j - 1];
    }
    se = par;
    par.data = mxGetData(plhs[0]);
    se.data = mxGetData(plhs[1]);
    chi = par;
    chi.ndim = 3;
    chi.shape[3] = chi.strides[3] = 0;
    chi.data = mxGetData(plhs[2]);
    st = chi;
    st.dtype = IPCF_DTYPE_UINT8;
    st.strides[0] = 1;
    st.strides[1] = H;
    st.strides[2] = H * W;
    st.data = mxGetData(plhs[3]);
    status = ipcf_fit(&curves, (const double *)mxGetData(dl), uv, has_sigma ? &sigma : NULL, &o, &par, &se, &chi, &st);
    ipcf_mex_check(status);
}
