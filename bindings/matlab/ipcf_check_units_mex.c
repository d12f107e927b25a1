/* ipcf_check_units_mex(pixel_size, frame_interval): raises
 * ipcf:invalid_argument for units a result may not carry
 * (ipcf_check_units: 1e-6..1e6 um, 1e-12..1e6 s; 0 = unknown). */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    (void)plhs;
    ipcf_mex_lock();
    if (nrhs != 2) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_check_units_mex: 2 arguments expected");
    ipcf_mex_check(ipcf_check_units(ipcf_mex_scalar(prhs[0], "pixel_size"), ipcf_mex_scalar(prhs[1], "frame_interval")));
}
