/* ipcf_version_mex(): the library version string. */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    (void)nlhs;
    (void)prhs;
    ipcf_mex_lock();
    if (nrhs != 0) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_version takes no arguments");
    plhs[0] = mxCreateString(ipcf_version_string());
}
