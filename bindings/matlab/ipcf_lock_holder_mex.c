/* [state, line] = ipcf_lock_holder_mex(output): the lock an ipcf run holds
 * on its output while it writes it, as the library reads it
 * (ipcf_lock_holder, as ipcf plot and Python's open_result ask): state 0
 * none, 1 its run was stopped (a process of this host that is gone), 2
 * live (a live process of this host, or one of another host: not known
 * here); line, the lock's "pid N on HOST since ..." ('' for none).
 * IPCF_READ asks it about a result found without its metadata. */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    char line[256];
    int32_t state = 0;
    char *path;
    ipcf_mex_lock();
    if (nrhs != 1) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_lock_holder_mex: 1 argument (an output path) expected");
    path = ipcf_mex_string(prhs[0], "output", 0);
    ipcf_mex_check(ipcf_lock_holder(path, line, sizeof line, &state));
    plhs[0] = mxCreateDoubleScalar((double)state);
    if (nlhs > 1) plhs[1] = mxCreateString(line);
}
