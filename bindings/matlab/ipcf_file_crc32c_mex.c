/* [crc, bytes] = ipcf_file_crc32c_mex(path): the CRC-32C of the regular
 * file at path as 8 lower-case hex digits and its size in bytes, as ipcf's
 * sidecars record them (output_crc32c, output_bytes; a Zarr's
 * chunks_crc32c). IPCF_READ checks a result against its metadata with it.
 * [crc, bytes] = ipcf_file_crc32c_mex(raw): the same of the bytes of raw, a
 * uint8 array (a file as read: the values IPCF_READ returns come from the
 * bytes it checked, whatever the path names meanwhile). */
#include "ipcf_mexutil.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    char hex[9];
    uint32_t crc = 0;
    int64_t bytes = 0;
    char *path;
    ipcf_mex_lock();
    if (nrhs != 1) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_file_crc32c_mex: 1 argument (a path or uint8 bytes) expected");
    if (mxIsUint8(prhs[0]) && !mxIsComplex(prhs[0])) {
        size_t n = mxGetNumberOfElements(prhs[0]);
        ipcf_mex_check(ipcf_crc32c(n ? mxGetData(prhs[0]) : NULL, n, &crc));
        bytes = (int64_t)n;
    } else {
        path = ipcf_mex_string(prhs[0], "path", 0);
        ipcf_mex_check(ipcf_file_crc32c(path, &crc, &bytes));
    }
    snprintf(hex, sizeof hex, "%08x", (unsigned)crc);
    plhs[0] = mxCreateString(hex);
    if (nlhs > 1) plhs[1] = mxCreateDoubleScalar((double)bytes);
}
