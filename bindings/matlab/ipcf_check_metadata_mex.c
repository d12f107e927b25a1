/* ipcf_check_metadata_mex(bytes): raises ipcf:io when the bytes of an
 * ipcf metadata file (a sidecar OUT.json, a Zarr's .zattrs; uint8, or
 * char read with 'uint8=>char') are not those the checksum they record of
 * themselves describes (ipcf_check_metadata: edited or damaged since ipcf
 * wrote them). IPCF_READ checks a result's metadata with it. */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    size_t n, i;
    unsigned char *b;
    (void)nlhs;
    (void)plhs;
    ipcf_mex_lock();
    if (nrhs != 1) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_check_metadata_mex: 1 argument (the file's bytes) expected");
    n = mxGetNumberOfElements(prhs[0]);
    if (mxIsUint8(prhs[0])) {
        ipcf_mex_check(ipcf_check_metadata(mxGetData(prhs[0]), n));
        return;
    }
    if (!mxIsChar(prhs[0]))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_check_metadata_mex: want the file's bytes (uint8, or char read as 'uint8=>char')");
    /* char: 16-bit code units in MATLAB and Octave's mxChar may differ;
     * each must be one byte of the file. */
    b = (unsigned char *)mxMalloc(n ? n : 1);
    {
        const mxChar *c = mxGetChars(prhs[0]);
        for (i = 0; i < n; i++) {
            if (c[i] > 255) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_check_metadata_mex: a char above 255: not a file's bytes");
            b[i] = (unsigned char)c[i];
        }
    }
    ipcf_mex_check(ipcf_check_metadata(b, n));
    mxFree(b);
}
