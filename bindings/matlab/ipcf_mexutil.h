/* Shared helpers of the ipcf MEX gateways (MATLAB mex -R2018a, Octave
 * mkoctfile --mex). Errors are raised with mexErrMsgIdAndTxt only after the
 * library call has returned: mexErrMsgIdAndTxt does not return (longjmp or
 * C++ exception), which must never cross Go frames. */
#ifndef IPCF_MEXUTIL_H
#define IPCF_MEXUTIL_H

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "mex.h"
#include "ipcf.h"

#if defined(IPCF_OCTAVE)
/* Octave sets these when Ctrl+C is pressed (octave/quit.h, C linkage). */
extern volatile sig_atomic_t octave_signal_caught;
extern sig_atomic_t octave_interrupt_state;
static int ipcf_interrupt_pending(void) { return octave_signal_caught || octave_interrupt_state > 0; }
#elif defined(MATLAB_MEX_FILE) && !defined(IPCF_NO_UT)
/* MATLAB: libut (link with -lut). */
extern bool utIsInterruptPending(void);
static int ipcf_interrupt_pending(void) { return utIsInterruptPending(); }
#else
static int ipcf_interrupt_pending(void) { return 0; }
#endif

/* Progress callback: runs on the MEX thread; non-zero cancels. */
static int ipcf_mex_progress(void *user, int64_t done, int64_t total) {
    (void)user;
    (void)done;
    (void)total;
    return ipcf_interrupt_pending();
}

static const char *ipcf_status_id(ipcf_status s) {
    switch (s) {
    case IPCF_E_INVALID_ARGUMENT: return "ipcf:invalid_argument";
    case IPCF_E_BAD_HANDLE: return "ipcf:bad_handle";
    case IPCF_E_BUFFER_TOO_SMALL: return "ipcf:buffer_too_small";
    case IPCF_E_UNSUPPORTED_LAYOUT: return "ipcf:unsupported_layout";
    case IPCF_E_OUT_OF_MEMORY: return "ipcf:out_of_memory";
    case IPCF_E_CANCELLED: return "ipcf:cancelled";
    case IPCF_E_NO_DEVICE: return "ipcf:no_device";
    default: return "ipcf:internal";
    }
}

/* ipcf_mex_check raises the library's error (after the call returned). */
static void ipcf_mex_check(ipcf_status s) {
    char msg[2304];
    if (s == IPCF_OK) return;
    snprintf(msg, sizeof msg, "%s", ipcf_last_error());
    mexErrMsgIdAndTxt(ipcf_status_id(s), "%s", msg);
}

static void ipcf_mex_lock(void) {
    static int locked = 0;
    if (!locked) {
        mexLock(); /* a Go runtime cannot be unloaded */
        locked = 1;
    }
}

/* ipcf_mex_dtype maps a MATLAB class to an IPCF dtype, 0 if unsupported. */
static uint32_t ipcf_mex_dtype(const mxArray *a) {
    if (mxIsComplex(a) || mxIsSparse(a)) return 0;
    switch (mxGetClassID(a)) {
    case mxUINT8_CLASS:
    case mxLOGICAL_CLASS: return IPCF_DTYPE_UINT8;
    case mxUINT16_CLASS: return IPCF_DTYPE_UINT16;
    case mxINT16_CLASS: return IPCF_DTYPE_INT16;
    case mxINT32_CLASS: return IPCF_DTYPE_INT32;
    case mxSINGLE_CLASS: return IPCF_DTYPE_FLOAT32;
    case mxDOUBLE_CLASS: return IPCF_DTYPE_FLOAT64;
    default: return 0;
    }
}

static double ipcf_mex_scalar(const mxArray *a, const char *name) {
    if (!a || !mxIsNumeric(a) || mxGetNumberOfElements(a) != 1 || mxIsComplex(a))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a real scalar", name);
    return mxGetScalar(a);
}

/* ipcf_mex_array describes a MATLAB array (column-major) with its
 * dimensions reversed or not: with reverse = 0 the descriptor's axis k is
 * MATLAB dimension k (strides grow along the axes: Fortran order); with
 * reverse = 1 axis k is dimension ndim-1-k (C order over reversed dims). */
static void ipcf_mex_array(const mxArray *a, const char *name, int ndim, int reverse, ipcf_array *d) {
    uint32_t dt = ipcf_mex_dtype(a);
    const mwSize *dims = mxGetDimensions(a);
    int nd = (int)mxGetNumberOfDimensions(a);
    int64_t size[IPCF_MAX_NDIM], es;
    int k;
    if (!dt)
        mexErrMsgIdAndTxt("ipcf:unsupported_layout",
                          "%s: class %s is not supported (uint8, uint16, int16, int32, single, double, logical)",
                          name, mxGetClassName(a));
    if (nd > ndim) mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: %d dimensions, want %d", name, nd, ndim);
    ipcf_array_init(d);
    d->dtype = dt;
    d->ndim = (uint32_t)ndim;
    es = (int64_t)mxGetElementSize(a);
    for (k = 0; k < ndim; k++) size[k] = k < nd ? (int64_t)dims[k] : 1;
    for (k = 0; k < ndim; k++) {
        int m = reverse ? ndim - 1 - k : k;
        int64_t st = es;
        int j;
        for (j = 0; j < m; j++) st *= size[j];
        d->shape[k] = size[m];
        d->strides[k] = st;
    }
    d->data = mxGetData(a);
}

#endif
