/* ipcf_delays_mex(frames, nbins, tk): the delay in frames of each curve
 * point (ipcf_pcf_delays) for a series of `frames` frames, as a column.
 * tk is the toolkit option struct of ipcf_pcf_mex (Offsets and Data2 are
 * not read: the delays depend on the frames and the bins only; NbinsName
 * names nbins in messages). */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    ipcf_array data;
    ipcf_pcf_options o;
    static const int32_t acf[2] = {0, 0};
    const char *nbins_name = "Bins";
    const mxArray *f;
    size_t n = 0;
    double *dl;
    ipcf_status st;
    (void)nlhs;
    ipcf_mex_lock();
    if (nrhs != 3 || !mxIsStruct(prhs[2]) || mxGetNumberOfElements(prhs[2]) != 1)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_delays_mex: (frames, nbins, option struct) expected (use ipcf_delays)");
    f = mxGetField(prhs[2], 0, "NbinsName");
    if (f && mxIsChar(f)) nbins_name = ipcf_mex_string(f, "NbinsName", 0);
    ipcf_pcf_options_init(&o);
    /* a (frames, 1, 1) series with the ACF offset: the geometry takes any frame size */
    ipcf_array_init(&data);
    data.dtype = IPCF_DTYPE_UINT8;
    data.ndim = 3;
    data.shape[0] = ipcf_mex_integer(prhs[0], "frames", 1, 9007199254740992.0);
    data.shape[1] = data.shape[2] = 1;
    data.strides[0] = data.strides[1] = data.strides[2] = 1;
    data.data = NULL;
    o.nbins = ipcf_mex_int32(prhs[1], nbins_name, 2);
    ipcf_mex_toolkit(prhs[2], "ipcf_delays_mex", &o);
    o.offsets = acf;
    o.noffsets = 1;
    o.data2 = NULL;
    o.output = IPCF_OUTPUT_CCF;
    st = ipcf_pcf_delays(&data, &o, NULL, 0, &n);
    if (st != IPCF_OK && st != IPCF_E_BUFFER_TOO_SMALL) ipcf_mex_check(st);
    plhs[0] = mxCreateDoubleMatrix((mwSize)n, 1, mxREAL);
    dl = mxGetPr(plhs[0]);
    ipcf_mex_check(ipcf_pcf_delays(&data, &o, n ? dl : NULL, n, &n));
}
