/* Shared helpers of the ipcf MEX gateways (MATLAB mex -R2018a, Octave
 * mkoctfile --mex). Errors are raised with mexErrMsgIdAndTxt only after the
 * library call has returned: mexErrMsgIdAndTxt does not return (longjmp or
 * C++ exception), which must never cross Go frames. */
#ifndef IPCF_MEXUTIL_H
#define IPCF_MEXUTIL_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mex.h"
#include "ipcf.h"

#if defined(IPCF_OCTAVE)
/* Octave's handler of SIGINT (Ctrl+C) counts it in octave_interrupt_state
 * (octave/quit.h, C linkage). octave_signal_caught is set for every signal
 * Octave handles, SIGCHLD too: a child process ending (system(..., 'async'),
 * popen, gnuplot) cancelled the computation as if Ctrl+C had been pressed. */
extern sig_atomic_t octave_interrupt_state;
static int ipcf_interrupt_pending(void) { return octave_interrupt_state > 0; }
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

/* What ipcf_mex_job_progress_print last printed. */
typedef struct {
    char phase[32];
    int percent;
} ipcf_mex_progress_state;

/* ipcf_mex_job_progress with a line per phase and per 10 % of it
 * ('Progress', true: a long out-of-core job showed nothing, FRONT16's F6).
 * On the MEX thread (the library calls job callbacks on the calling
 * thread): mexPrintf, which raises no error. */
static int ipcf_mex_job_progress_print(void *user, const char *phase, int64_t done, int64_t total) {
    ipcf_mex_progress_state *s = (ipcf_mex_progress_state *)user;
    int pct = total > 0 ? (int)(done * 100 / total) : 0;
    if (strncmp(s->phase, phase, sizeof s->phase - 1) != 0 || pct / 10 != s->percent / 10) {
        snprintf(s->phase, sizeof s->phase, "%s", phase);
        s->percent = pct;
        mexPrintf("ipcf_pcf_file: %s %d%% (%lld of %lld)\n", phase, pct, (long long)done, (long long)total);
    }
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
#ifdef IPCF_E_FORKED
    case IPCF_E_FORKED: return "ipcf:forked";
#endif
    case IPCF_E_INTERNAL: return "ipcf:internal";
    default: return "ipcf:unknown_status"; /* a status newer than this gateway; the message says what */
    }
}

/* ipcf_mex_check raises the library's error (after the call returned). */
static void ipcf_mex_check(ipcf_status s) {
    char msg[2304];
    if (s == IPCF_OK) return;
    snprintf(msg, sizeof msg, "%s", ipcf_last_error());
    mexErrMsgIdAndTxt(ipcf_status_id(s), "%s", msg);
}

/* ipcf_mex_check_as raises the library's error of a query made for fn's
 * sake (the output's shape, asked before ipcf_pcf_compute) under fn's name:
 * the messages named ipcf_pcf_output_shape, never called by the user
 * (FRONT16's m1). */
static void ipcf_mex_check_as(ipcf_status s, const char *query, const char *fn) {
    char msg[2304];
    const char *e;
    size_t n = strlen(query);
    if (s == IPCF_OK) return;
    e = ipcf_last_error();
    if (strncmp(e, query, n) == 0 && e[n] == ':')
        snprintf(msg, sizeof msg, "%s%s", fn, e + n);
    else
        snprintf(msg, sizeof msg, "%s", e);
    mexErrMsgIdAndTxt(ipcf_status_id(s), "%s", msg);
}

/* ipcf_mex_warn_counts warns (ipcf:counts) when a stack to be corrected for
 * bleaching holds a sample that is not a count in 0..65535, which the
 * correction's rounding and clipping change beyond recognition. */
static void ipcf_mex_warn_counts(const ipcf_array *a, const char *name) {
    int32_t counts = 1;
    char msg[512];
    if (ipcf_check_counts(a, &counts, msg, sizeof msg) == IPCF_OK && !counts)
        mexWarnMsgIdAndTxt("ipcf:counts", "%s: %s (frame, row and column counted from 0)", name, msg);
}

static void ipcf_mex_lock(void) {
    static int locked = 0;
    if (!locked) {
        mexLock(); /* a Go runtime cannot be unloaded */
        locked = 1;
    }
}

/* ipcf_mex_dtype maps a MATLAB class to an IPCF dtype, 0 if unsupported.
 * logical maps to uint8 (masks); data arguments refuse it with
 * ipcf_mex_data_class. */
static uint32_t ipcf_mex_dtype(const mxArray *a) {
    if (!a || mxIsComplex(a) || mxIsSparse(a)) return 0;
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

/* ipcf_mex_kind names what a refused array is: "a sparse double array",
 * "a complex double array", "a cell array", "a logical array", ... */
static const char *ipcf_mex_kind(const mxArray *a, char *buf, size_t n) {
    const char *c;
    if (!a) return "nothing";
    c = mxGetClassName(a);
    if (mxIsSparse(a)) snprintf(buf, n, "a sparse %s array", c);
    else if (mxIsComplex(a)) snprintf(buf, n, "a complex %s array", c);
    else snprintf(buf, n, "%s %s array", strchr("aeio", c[0]) && c[0] ? "an" : "a", c); /* "a uint16", "an int32" */
    return buf;
}

/* ipcf_mex_data_class refuses what cannot be an image series or signal
 * (data, a, b): anything but a real, full uint8, uint16, int16, int32,
 * single or double array; logical too (0/1 is not an intensity). */
static void ipcf_mex_data_class(const mxArray *a, const char *name) {
    char kind[96];
    if (!a || !ipcf_mex_dtype(a) || mxIsLogical(a))
        mexErrMsgIdAndTxt("ipcf:unsupported_layout",
                          "%s: %s is not supported (real uint8, uint16, int16, int32, single or double)", name,
                          ipcf_mex_kind(a, kind, sizeof kind));
    if (mxIsEmpty(a)) {
        const mwSize *d = mxGetDimensions(a);
        char size[96];
        size_t k, nd = mxGetNumberOfDimensions(a), at = 0;
        size[0] = 0;
        for (k = 0; k < nd && at < sizeof size - 24; k++)
            at += (size_t)snprintf(size + at, sizeof size - at, k ? "x%lld" : "%lld", (long long)d[k]);
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s is empty (size %s)", name, size);
    }
}

static double ipcf_mex_scalar(const mxArray *a, const char *name) {
    char kind[96];
    if (!a || !mxIsNumeric(a) || mxIsComplex(a) || mxIsSparse(a))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a real numeric scalar, not %s", name,
                          ipcf_mex_kind(a, kind, sizeof kind));
    if (mxGetNumberOfElements(a) != 1)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a real numeric scalar, not %d elements", name,
                          (int)mxGetNumberOfElements(a));
    return mxGetScalar(a);
}

/* ipcf_mex_element reads element k of a real numeric array exactly:
 * whole int64/uint64 values as such (*exact = 1, in *iv), all other
 * classes as a double (*exact = 0, in *dv). Returns 0 for other classes. */
static int ipcf_mex_element(const mxArray *a, size_t k, double *dv, int64_t *iv, int *exact) {
    const void *p = mxGetData(a);
    *exact = 0;
    switch (mxGetClassID(a)) {
    case mxDOUBLE_CLASS: *dv = ((const double *)p)[k]; return 1;
    case mxSINGLE_CLASS: *dv = ((const float *)p)[k]; return 1;
    case mxINT8_CLASS: *dv = ((const int8_T *)p)[k]; return 1;
    case mxUINT8_CLASS: *dv = ((const uint8_T *)p)[k]; return 1;
    case mxINT16_CLASS: *dv = ((const int16_T *)p)[k]; return 1;
    case mxUINT16_CLASS: *dv = ((const uint16_T *)p)[k]; return 1;
    case mxINT32_CLASS: *dv = ((const int32_T *)p)[k]; return 1;
    case mxUINT32_CLASS: *dv = ((const uint32_T *)p)[k]; return 1;
    case mxINT64_CLASS: *iv = (int64_t)((const int64_T *)p)[k]; *exact = 1; return 1;
    case mxUINT64_CLASS: {
        uint64_t u = (uint64_t)((const uint64_T *)p)[k];
        *iv = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u; /* refused before (ipcf_mex_check_whole) */
        *exact = 1;
        return 1;
    }
    default: return 0;
    }
}

/* ipcf_mex_check_whole checks one value (element label `label`) against
 * [lo, hi] and wholeness and returns it. */
static int64_t ipcf_mex_check_whole(const mxArray *a, size_t k, const char *label, int64_t lo, int64_t hi) {
    double x = 0;
    int64_t iv = 0;
    int exact;
    char kind[96];
    if (mxGetClassID(a) == mxUINT64_CLASS && (uint64_t)((const uint64_T *)mxGetData(a))[k] > (uint64_t)INT64_MAX)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=%llu is out of range, want %lld..%lld", label,
                          (unsigned long long)((const uint64_T *)mxGetData(a))[k], (long long)lo, (long long)hi);
    if (!ipcf_mex_element(a, k, &x, &iv, &exact))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a whole number, not %s", label,
                          ipcf_mex_kind(a, kind, sizeof kind));
    if (exact) {
        if (iv < lo || iv > hi)
            mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=%lld is out of range, want %lld..%lld", label,
                              (long long)iv, (long long)lo, (long long)hi);
        return iv;
    }
    if (x != x)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=NaN, want a whole number %lld..%lld", label, (long long)lo,
                          (long long)hi);
    /* lo and hi are within +-2^53 (exact as doubles) where it matters:
     * every caller passes bounds of int32 or of +-2^53. */
    if (x < (double)lo || x > (double)hi)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=%.16g is out of range, want %lld..%lld", label, x,
                          (long long)lo, (long long)hi);
    if (x != (double)(int64_t)x)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=%.16g must be a whole number (it is not rounded)", label, x);
    return (int64_t)x;
}

/* ipcf_mex_integer: THE rule for every whole-number parameter of every
 * gateway. It returns the value of a real, full, non-logical numeric
 * scalar that is a whole number within [lo, hi]; anything else (2.7, NaN,
 * Inf, out of range, true, '3', {3}, [2 3], 2+1i, sparse(2)) raises
 * ipcf:invalid_argument naming the parameter, nothing is truncated or
 * saturated. lo and hi must be exactly representable as doubles
 * (|x| <= 2^53). int64/uint64 arguments are compared exactly. */
static int64_t ipcf_mex_integer(const mxArray *a, const char *name, double lo, double hi) {
    char kind[96];
    if (!a || !mxIsNumeric(a) || mxIsComplex(a) || mxIsSparse(a))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a real whole number, not %s", name,
                          ipcf_mex_kind(a, kind, sizeof kind));
    if (mxGetNumberOfElements(a) != 1)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a scalar whole number, not %d elements", name,
                          (int)mxGetNumberOfElements(a));
    return ipcf_mex_check_whole(a, 0, name, (int64_t)lo, (int64_t)hi);
}

#define IPCF_MEX_INT32_MAX 2147483647.0

/* ipcf_mex_int32: a whole number in [lo, INT32_MAX] (a C int32 field). */
static int32_t ipcf_mex_int32(const mxArray *a, const char *name, double lo) {
    return (int32_t)ipcf_mex_integer(a, name, lo, IPCF_MEX_INT32_MAX);
}

/* ipcf_mex_threads: the worker threads option, 0 (all cores) to
 * IPCF_MAX_THREADS, named as the user wrote it (its C field was named,
 * and a range up to 2^31 - 1 given, for values the library refuses). */
#define ipcf_mex_threads(a) ((int32_t)ipcf_mex_integer((a), "Threads", 0, IPCF_MAX_THREADS))

/* ipcf_mex_int32_range: a whole number in [lo, hi], both within int32. */
static int32_t ipcf_mex_int32_range(const mxArray *a, const char *name, double lo, double hi) {
    return (int32_t)ipcf_mex_integer(a, name, lo, hi);
}

/* ipcf_mex_integers reads n whole numbers (a vector of exactly n
 * elements) within [lo, hi] into v, with the checks of ipcf_mex_integer. */
static void ipcf_mex_integers(const mxArray *a, const char *name, int n, double lo, double hi, int64_t *v) {
    char kind[96], label[128];
    int k;
    if (!a || !mxIsNumeric(a) || mxIsComplex(a) || mxIsSparse(a))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a real vector of %d whole numbers, not %s", name, n,
                          ipcf_mex_kind(a, kind, sizeof kind));
    if ((int)mxGetNumberOfElements(a) != n || mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) != 1 && mxGetN(a) != 1))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a vector of %d whole numbers, not %dx%d", name, n,
                          (int)mxGetM(a), (int)mxGetN(a));
    for (k = 0; k < n; k++) {
        snprintf(label, sizeof label, "%s(%d)", name, k + 1);
        v[k] = ipcf_mex_check_whole(a, (size_t)k, label, (int64_t)lo, (int64_t)hi);
    }
}

/* ipcf_mex_real returns a real finite scalar >= lo. */
static double ipcf_mex_real(const mxArray *a, const char *name, double lo) {
    double v = ipcf_mex_scalar(a, name);
    if (!(v >= lo) || v - v != 0)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s=%g, want a finite value >= %g", name, v, lo);
    return v;
}

/* ipcf_mex_string: the one reader of every text argument (paths: input,
 * output, Mask, Scratch; and Crop, Frames, Memory, ...) of every gateway:
 * a char row vector (or '') as a NUL-terminated UTF-8 string in mxMalloc
 * memory (freed when the MEX call ends); NULL for '' when empty_null.
 * A NUL character inside is refused (ipcf:invalid_argument): the C string
 * would end there, and a path cut short names another file. Octave keeps
 * char arrays as UTF-8 bytes already. */
static char *ipcf_mex_string(const mxArray *a, const char *name, int empty_null) {
    char *s;
    const mxChar *c;
    size_t k, n;
    if (!a || !mxIsChar(a) || mxGetNumberOfDimensions(a) != 2 || (mxGetM(a) > 1 && !mxIsEmpty(a)))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a character vector", name);
    if (mxIsEmpty(a) && empty_null) return NULL;
    c = mxGetChars(a);
    n = mxGetNumberOfElements(a);
    for (k = 0; c && k < n; k++)
        if (c[k] == 0)
            mexErrMsgIdAndTxt("ipcf:invalid_argument",
                              "%s contains a NUL character (character %d of %d): a path or text cannot hold one",
                              name, (int)k + 1, (int)n);
#if defined(IPCF_OCTAVE)
    s = mxArrayToString(a);
#else
    s = mxArrayToUTF8String(a);

#endif
    if (!s) mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: cannot convert to a string", name);
    return s;
}

/* ipcf_mex_array_axes describes a MATLAB array (column-major) in place, no
 * copy: the descriptor's axis k is MATLAB dimension dim[k] (0-based), with
 * that dimension's stride, so any order of the dimensions reads in place. */
static void ipcf_mex_array_axes(const mxArray *a, const char *name, int ndim, const int *dim, ipcf_array *d) {
    uint32_t dt = ipcf_mex_dtype(a);
    const mwSize *dims = mxGetDimensions(a);
    int nd = (int)mxGetNumberOfDimensions(a);
    int64_t size[IPCF_MAX_NDIM], es;
    int k;
    char kind[96];
    if (!dt)
        mexErrMsgIdAndTxt("ipcf:unsupported_layout",
                          "%s: %s is not supported (real uint8, uint16, int16, int32, single, double or logical)",
                          name, ipcf_mex_kind(a, kind, sizeof kind));
    if (nd > ndim) mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: %d dimensions, want %d", name, nd, ndim);
    ipcf_array_init(d);
    d->dtype = dt;
    d->ndim = (uint32_t)ndim;
    es = (int64_t)mxGetElementSize(a);
    for (k = 0; k < ndim; k++) size[k] = k < nd ? (int64_t)dims[k] : 1;
    for (k = 0; k < ndim; k++) {
        int m = dim[k];
        int64_t st = es;
        int j;
        for (j = 0; j < m; j++) st *= size[j];
        d->shape[k] = size[m];
        d->strides[k] = st;
    }
    d->data = mxGetData(a);
}

/* ipcf_mex_array describes a MATLAB array (column-major) with its
 * dimensions reversed or not: with reverse = 0 the descriptor's axis k is
 * MATLAB dimension k (strides grow along the axes: Fortran order); with
 * reverse = 1 axis k is dimension ndim-1-k (C order over reversed dims). */
static void ipcf_mex_array(const mxArray *a, const char *name, int ndim, int reverse, ipcf_array *d) {
    int dim[IPCF_MAX_NDIM], k;
    if (ndim < 1 || ndim > IPCF_MAX_NDIM)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: %d dimensions (gateway bug)", name, ndim);
    for (k = 0; k < ndim; k++) dim[k] = reverse ? ndim - 1 - k : k;
    ipcf_mex_array_axes(a, name, ndim, dim, d);
}

/* Layout codes of the .m wrappers (private/ipcf_layout.m) for a stack. */
#define IPCF_MEX_LAYOUT_TYX 0 /* data(t, y, x): MATLAB's view of numpy's C-order (t, y, x) */
#define IPCF_MEX_LAYOUT_XYT 1 /* data(x, y, t): numpy's (t, y, x) bytes as they lie */
#define IPCF_MEX_LAYOUT_YXT 2 /* data(y, x, t): an imread/tiffread stack */

/* ipcf_mex_stack describes a 3-D stack in LAYOUT as the library's (t, y, x)
 * descriptor, by strides over the MATLAB array (no copy). */
static void ipcf_mex_stack(const mxArray *a, const char *name, int layout, ipcf_array *d) {
    static const int axes[3][3] = {{0, 1, 2}, {2, 1, 0}, {2, 0, 1}};
    if (layout < 0 || layout > 2) mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: layout %d (gateway bug)", name, layout);
    ipcf_mex_array_axes(a, name, 3, axes[layout], d);
}

/* ipcf_mex_dims3: the three dimensions of a stack (data, Data2) in d; a 2-D
 * array is a stack whose last dimension is 1, as MATLAB drops a trailing
 * singleton (zeros(T, H, 1) is T x H: one column of H rows, or a single
 * pixel's trace T x 1). More than 3 dimensions raise ipcf:invalid_argument. */
static void ipcf_mex_dims3(const mxArray *a, const char *name, mwSize d[3]) {
    const mwSize *s = mxGetDimensions(a);
    int nd = (int)mxGetNumberOfDimensions(a), k;
    if (nd > 3)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: %d dimensions, want 3 (or 2: a last dimension of 1)", name, nd);
    for (k = 0; k < 3; k++) d[k] = k < nd ? s[k] : 1;
}

/* ipcf_mex_time_dim: the MATLAB dimension (0-based) of the time axis in LAYOUT. */
static int ipcf_mex_time_dim(int layout) { return layout == IPCF_MEX_LAYOUT_TYX ? 0 : 2; }


/* ipcf_mex_mask: [] (0x0) means no mask (returns 0); otherwise a real, full
 * 2-D numeric or logical (rows, columns) array without NaN, described in
 * *d (axes (y, x) are MATLAB dims 1, 2), returns 1. Its size is checked by
 * the library against the frames (or the crop). */
static int ipcf_mex_mask(const mxArray *a, const char *name, ipcf_array *d) {
    char kind[96];
    size_t k, n;
    if (mxIsEmpty(a) && mxGetNumberOfDimensions(a) == 2 && mxGetM(a) == 0 && mxGetN(a) == 0 && !mxIsCell(a) &&
        !mxIsStruct(a))
        return 0;
    if (!ipcf_mex_dtype(a))
        mexErrMsgIdAndTxt("ipcf:invalid_argument",
                          "%s: %s is not supported (want a real logical, uint8, uint16, int16, int32, single or double rows x columns array)", name,
                          ipcf_mex_kind(a, kind, sizeof kind));
    if (mxGetNumberOfDimensions(a) != 2)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: %d dimensions, want 2 (rows, columns)", name,
                          (int)mxGetNumberOfDimensions(a));
    if (mxIsEmpty(a))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s is empty (%dx%d): give [] for no mask", name, (int)mxGetM(a),
                          (int)mxGetN(a));
    n = mxGetNumberOfElements(a);
    if (mxIsDouble(a)) {
        const double *p = (const double *)mxGetData(a);
        for (k = 0; k < n; k++)
            if (p[k] != p[k]) mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s holds NaN (element %d): want 0 or 1", name, (int)k + 1);
    } else if (mxIsSingle(a)) {
        const float *p = (const float *)mxGetData(a);
        for (k = 0; k < n; k++)
            if (p[k] != p[k]) mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s holds NaN (element %d): want 0 or 1", name, (int)k + 1);
    }
    ipcf_mex_array(a, name, 2, 0, d);
    return 1;
}

/* ipcf_mex_field: field NAME of the 1x1 option struct S made by the .m
 * wrapper FN; a missing field is a wrapper bug, raised as an error. */
static const mxArray *ipcf_mex_field(const mxArray *s, const char *fn, const char *name) {
    const mxArray *f = NULL;
    if (s && mxIsStruct(s) && mxGetNumberOfElements(s) == 1) f = mxGetField(s, 0, name);
    if (!f) mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s: option struct lacks %s (use the .m wrapper)", fn, name);
    return f;
}

#define IPCF_MEX_MAX_OFFSETS 65536
#define IPCF_MEX_MAX_UV 1048576.0 /* |u|, |v| <= 2^20 (core/pcf.CheckOffsets) */

/* ipcf_mex_offsets: [] (0x0) is none (returns 0, *uv NULL); otherwise a
 * real k x 2 numeric matrix [u v] of whole numbers (u columns, v rows),
 * k = 1..65536, |u|, |v| <= 2^20, into *uv: k (u, v) int32 pairs in
 * mxMalloc memory. Returns k. */
static int64_t ipcf_mex_offsets(const mxArray *a, const char *name, int32_t **uv) {
    char kind[96], label[160];
    size_t k, n, i;
    int32_t *p;
    *uv = NULL;
    if (a && mxIsDouble(a) && !mxIsComplex(a) && !mxIsSparse(a) && mxGetNumberOfDimensions(a) == 2 && mxGetM(a) == 0 &&
        mxGetN(a) == 0)
        return 0;
    if (!a || !mxIsNumeric(a) || mxIsComplex(a) || mxIsSparse(a))
        mexErrMsgIdAndTxt("ipcf:invalid_argument",
                          "%s must be a k x 2 matrix [u v] of whole numbers or 'circle', 'disk', 'line', not %s", name,
                          ipcf_mex_kind(a, kind, sizeof kind));
    if (mxGetNumberOfDimensions(a) != 2)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a k x 2 matrix [u v], not an array of %d dimensions",
                          name, (int)mxGetNumberOfDimensions(a));
    if (mxGetN(a) != 2 || mxGetM(a) < 1)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s must be a k x 2 matrix [u v] (one row per offset), not %dx%d",
                          name, (int)mxGetM(a), (int)mxGetN(a));
    k = mxGetM(a);
    if (k > IPCF_MEX_MAX_OFFSETS)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "%s has %lld offsets, want 1..%d", name, (long long)k,
                          IPCF_MEX_MAX_OFFSETS);
    p = (int32_t *)mxCalloc(2 * k, sizeof *p);
    for (i = 0; i < k; i++)
        for (n = 0; n < 2; n++) {
            snprintf(label, sizeof label, "%s(%d,%d)", name, (int)i + 1, (int)n + 1);
            p[2 * i + n] = (int32_t)ipcf_mex_check_whole(a, n * k + i, label, -(int64_t)IPCF_MEX_MAX_UV,
                                                         (int64_t)IPCF_MEX_MAX_UV);
        }
    *uv = p;
    return (int64_t)k;
}

/* ipcf_mex_toolkit reads the options of the correlation toolkit (Since
 * 0.3; docs/toolkit.md) from the option struct S of the .m wrapper FN into
 * *o: Offsets ([] = the circle of radius and npoints, or k x 2 [u v]),
 * BinMode (IPCF_BINS_*), M (multi-tau channels per level: even, 2..4096),
 * Smooth (0 <= w < 1, 0 = off), Threshold (-Inf = none, else finite) and
 * Delta (0 or 1: IPCF_OUTPUT_DELTA). Every value is checked here with the
 * option's name; nothing is rounded. The offsets live in mxMalloc memory
 * until the MEX call ends. */
static void ipcf_mex_toolkit(const mxArray *s, const char *fn, ipcf_pcf_options *o) {
    int32_t *uv;
    double w, t;
    int32_t m;
    int64_t k = ipcf_mex_offsets(ipcf_mex_field(s, fn, "Offsets"), "Offsets", &uv);
    if (k > 0) {
        o->offsets = uv;
        o->noffsets = k;
    }
    o->bins = ipcf_mex_int32_range(ipcf_mex_field(s, fn, "BinMode"), "BinMode", IPCF_BINS_LOG, IPCF_BINS_MULTITAU);
    m = ipcf_mex_int32_range(ipcf_mex_field(s, fn, "M"), "M", 2, 4096);
    if (m % 2 != 0) mexErrMsgIdAndTxt("ipcf:invalid_argument", "M=%d must be even (2..4096 multi-tau channels per level)", m);
    o->multitau_m = m;
    w = ipcf_mex_scalar(ipcf_mex_field(s, fn, "Smooth"), "Smooth");
    if (w != w) mexErrMsgIdAndTxt("ipcf:invalid_argument", "Smooth=NaN, want 0 <= Smooth < 1 (0 turns smoothing off)");
    if (!(w >= 0 && w < 1))
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "Smooth=%g, want 0 <= Smooth < 1 (0 turns smoothing off)", w);
    o->smooth = w;
    t = ipcf_mex_scalar(ipcf_mex_field(s, fn, "Threshold"), "Threshold");
    if (t != t) mexErrMsgIdAndTxt("ipcf:invalid_argument", "Threshold=NaN, want a finite number ([] or -Inf = none)");
    if (t - t != 0 && t > 0)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "Threshold=Inf, want a finite number ([] or -Inf = none)");
    o->threshold = t;
    o->output = ipcf_mex_int32_range(ipcf_mex_field(s, fn, "Delta"), "Delta", 0, 1) ? IPCF_OUTPUT_DELTA : IPCF_OUTPUT_CCF;
}

#endif
