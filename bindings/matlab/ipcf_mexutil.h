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

/* Progress callback of a file job (ipcf_job_options.progress). */
static int ipcf_mex_job_progress(void *user, const char *phase, int64_t done, int64_t total) {
    (void)user;
    (void)phase;
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
    case IPCF_E_IO: return "ipcf:io";
    case IPCF_E_BUSY: return "ipcf:busy";
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

/* ipcf_mex_integer returns the value of a real numeric (or logical) scalar
 * that is a whole number within [lo, hi]; anything else (2.7, NaN, Inf,
 * out of range) raises ipcf:invalid_argument rather than being truncated.
 * lo and hi must be exactly representable as doubles (|x| <= 2^53). */
static int64_t ipcf_mex_integer(const mxArray *a, const char *name, double lo, double hi) {
    double v;
    if (!a || !(mxIsNumeric(a) || mxIsLogical(a)) || mxGetNumberOfElements(a) != 1 || mxIsComplex(a) ||
        mxIsSparse(a))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a real integer scalar", name);
    v = mxGetScalar(a);
    if (v != v || v < lo || v > hi)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=%.16g is out of range, want %.16g..%.16g", name, v, lo, hi);
    if (v != (double)(int64_t)v)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=%.16g must be a whole number", name, v);
    return (int64_t)v;
}

static int32_t ipcf_mex_int32(const mxArray *a, const char *name, double lo) {
    return (int32_t)ipcf_mex_integer(a, name, lo, 2147483647.0);
}

/* ipcf_mex_integers reads n whole numbers (a vector of exactly n
 * elements) within [lo, hi] into v, with the checks of ipcf_mex_integer. */
static void ipcf_mex_integers(const mxArray *a, const char *name, int n, double lo, double hi, int64_t *v) {
    const void *p;
    int k;
    if (!a || !(mxIsNumeric(a) || mxIsLogical(a)) || mxIsComplex(a) || mxIsSparse(a) ||
        (int)mxGetNumberOfElements(a) != n || mxGetNumberOfDimensions(a) != 2 ||
        (mxGetM(a) != 1 && mxGetN(a) != 1))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a real vector of %d integers", name, n);
    p = mxGetData(a);
    for (k = 0; k < n; k++) {
        double x;
        switch (mxGetClassID(a)) {
        case mxDOUBLE_CLASS: x = ((const double *)p)[k]; break;
        case mxSINGLE_CLASS: x = ((const float *)p)[k]; break;
        case mxINT8_CLASS: x = ((const int8_T *)p)[k]; break;
        case mxUINT8_CLASS: x = ((const uint8_T *)p)[k]; break;
        case mxLOGICAL_CLASS: x = ((const mxLogical *)p)[k] ? 1 : 0; break;
        case mxINT16_CLASS: x = ((const int16_T *)p)[k]; break;
        case mxUINT16_CLASS: x = ((const uint16_T *)p)[k]; break;
        case mxINT32_CLASS: x = ((const int32_T *)p)[k]; break;
        case mxUINT32_CLASS: x = ((const uint32_T *)p)[k]; break;
        case mxINT64_CLASS: x = (double)((const int64_T *)p)[k]; break;
        case mxUINT64_CLASS: x = (double)((const uint64_T *)p)[k]; break;
        default:
            mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: class %s is not supported", name, mxGetClassName(a));
            return;
        }
        if (x != x || x < lo || x > hi)
            mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s(%d)=%.16g is out of range, want %.16g..%.16g", name,
                              k + 1, x, lo, hi);
        if (x != (double)(int64_t)x)
            mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s(%d)=%.16g must be a whole number", name, k + 1, x);
        v[k] = (int64_t)x;
    }
}

/* ipcf_mex_real returns a real finite scalar >= lo. */
static double ipcf_mex_real(const mxArray *a, const char *name, double lo) {
    double v = ipcf_mex_scalar(a, name);
    if (!(v >= lo) || v - v != 0)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=%g, want a finite value >= %g", name, v, lo);
    return v;
}

/* ipcf_mex_string: a char row vector (or '') as a NUL-terminated UTF-8
 * string in mxMalloc memory (freed when the MEX call ends); NULL for ''
 * when empty_null. Octave keeps char arrays as UTF-8 bytes already. */
static char *ipcf_mex_string(const mxArray *a, const char *name, int empty_null) {
    char *s;
    if (!a || !mxIsChar(a) || mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) > 1 && !mxIsEmpty(a)))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a character vector", name);
    if (mxIsEmpty(a) && empty_null) return NULL;
#if defined(IPCF_OCTAVE)
    s = mxArrayToString(a);
#else
    s = mxArrayToUTF8String(a);
#endif
    if (!s) mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: cannot convert to a string", name);
    return s;
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
