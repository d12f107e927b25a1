/*
 * ipcf.h: the C interface of libipcf, image pair correlation function
 * (pCF) analysis of fluorescence microscopy image time series.
 *
 * This header is the library's only public contract. Every binding (Python,
 * Fiji/JNA, MATLAB/Octave MEX) wraps these functions.
 *
 * Call sequence:
 *
 *     ipcf_array data;                       // describe the caller's (t, y, x) stack
 *     ipcf_array_init(&data);
 *     data.dtype = IPCF_DTYPE_UINT16; data.ndim = 3;
 *     data.shape[0] = T; data.shape[1] = H; data.shape[2] = W;
 *     data.strides[0] = H*W*2; data.strides[1] = W*2; data.strides[2] = 2;
 *     data.data = pixels;
 *
 *     ipcf_pcf_options opt;
 *     ipcf_pcf_options_init(&opt);           // radius 6, 32 points, 32 bins
 *     int64_t shape[4];
 *     ipcf_pcf_output_shape(&data, &opt, shape);
 *     float *result = malloc(shape[0]*shape[1]*shape[2]*shape[3]*sizeof(float));
 *     ipcf_array out;                         // C-order float32 of that shape
 *     ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, shape, result);
 *     if (ipcf_pcf_compute(&data, &opt, &out) != IPCF_OK)
 *         fprintf(stderr, "%s\n", ipcf_last_error());
 *
 * Memory: the caller allocates every input and output. The library reads
 * and writes caller memory only during a call and keeps no pointer after
 * it returns.
 *
 * Thread safety: every function may be called from any thread, also
 * concurrently; concurrent calls must not write to the same output.
 * ipcf_token_cancel is meant to be called from another thread while a
 * computation runs, or from a signal handler (Ctrl+C): for a token that
 * exists or not it is async-signal-safe (it never enters the Go runtime;
 * install the handler with SA_ONSTACK). Progress callbacks run on the thread that made the
 * call. A Go runtime lives inside the library and does not survive
 * fork(): in a child process forked after the library was loaded, every
 * function that needs the runtime returns IPCF_E_FORKED at once (the
 * constants, ipcf_status_string and ipcf_last_error still answer); start
 * workers with spawn/forkserver or exec. The library cannot be unloaded
 * (dlclose does nothing).
 *
 * Bad input never crashes, hangs or quietly gives a wrong number. Every
 * argument is checked before any work, with one rule per kind of fault,
 * and ipcf_last_error names the function, the argument and the values:
 *   - a NULL pointer that is required: IPCF_E_INVALID_ARGUMENT;
 *   - struct_size: an ipcf_array's must equal sizeof(ipcf_array); an
 *     options struct's must be at least 4 and at most this library's
 *     sizeof (a larger one comes from a newer header whose fields this
 *     library would ignore), and an ipcf_pcf_options' that holds offsets
 *     must hold noffsets too: else IPCF_E_INVALID_ARGUMENT;
 *   - a descriptor: an unknown dtype or byte order is
 *     IPCF_E_UNSUPPORTED_LAYOUT; ndim outside 1..IPCF_MAX_NDIM, a negative
 *     shape, strides whose extent overflows or leaves the address space,
 *     or data NULL for a non-empty array are IPCF_E_INVALID_ARGUMENT (the
 *     stride of an axis of length 1 is not used: any value is taken);
 *   - an output array: a dtype the function does not write is
 *     IPCF_E_UNSUPPORTED_LAYOUT; an ndim or shape that differs from the
 *     required shape (smaller or larger) is IPCF_E_BUFFER_TOO_SMALL, with
 *     the required shape in the message; elements that alias each other
 *     (a zero or overlapping stride) or that overlap an input are
 *     IPCF_E_INVALID_ARGUMENT;
 *   - a flat output buffer with a capacity (uv, bins, buf): a capacity
 *     below the need is IPCF_E_BUFFER_TOO_SMALL, a larger one is fine;
 *   - an integer or float option out of its documented range, NaN or
 *     infinite, or a size that does not fit the library's integers:
 *     IPCF_E_INVALID_ARGUMENT (never wrapped or truncated);
 *   - an array memory-mapped from a file that is cut short before or
 *     during the call (its lost pages fault when read): IPCF_E_IO, "the
 *     memory of an array of the call became unreadable", never a crash of
 *     the host (Linux; any array of any function);
 *   - an array whose descriptor reaches past its memory into pages that
 *     cannot be read (or memory freed during the call):
 *     IPCF_E_INVALID_ARGUMENT, "the memory of an array of the call cannot
 *     be read"; an output in read-only memory: IPCF_E_INVALID_ARGUMENT,
 *     "cannot be written" (Linux; memory that is mapped but belongs to
 *     something else cannot be told from the array's and is used as it);
 *     a span beyond the addresses a process can map (x86-64: 2^47, where
 *     a fault would read as the library's own bug) is refused up front, as
 *     is a pointer to a struct, string, scalar output or array data below
 *     64 KiB (an argument, an array's data, or the mask, data2 or offsets of
 *     ipcf_pcf_options, the strings of the file job's structs), where no
 *     process maps memory (&p->field of a NULL p):
 *     IPCF_E_INVALID_ARGUMENT naming it (buffers that come with a length
 *     of 0 are not read, whatever their pointer);
 *   - the initialisers (ipcf_array_init, ipcf_*_options_init) return
 *     nothing: a struct below 64 KiB, or in memory they cannot write
 *     (read-only, unreadable, or a struct reaching into such), is left as
 *     it was and ipcf_last_error says so (also in a forked child; Linux:
 *     the memory is probed by process_vm_readv/writev, or a pipe where a
 *     sandbox refuses those; where neither can be had, it is written as
 *     given).
 *
 * ABI policy: IPCF_VERSION_MAJOR changes when the ABI breaks. Enum values
 * are never renumbered. Structs start with struct_size and only ever grow
 * at the end: the library reads a field only if it lies within the
 * caller's struct_size, so programs built against an older header keep
 * working. The initialisers (ipcf_*_options_init) are macros since 0.3.2
 * that pass the header's sizeof of the struct to ipcf_*_options_init_size,
 * which writes no more than that. A program built against an older header
 * calls the functions of the same names, which write the whole struct of
 * this library: it must be rebuilt if its struct has grown since (the
 * option structs grew in 0.3: a 0.2 program's ipcf_job_options_init would
 * write 16 bytes past its struct).
 */
#ifndef IPCF_H
#define IPCF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPCF_VERSION_MAJOR 0
#define IPCF_VERSION_MINOR 3
#define IPCF_VERSION_PATCH 2
#define IPCF_VERSION_NUMBER (IPCF_VERSION_MAJOR * 10000 + IPCF_VERSION_MINOR * 100 + IPCF_VERSION_PATCH)
#define IPCF_MAX_NDIM 8
/* The most worker threads an options struct's threads may ask (0: all cores). Since 0.3.1. */
#define IPCF_MAX_THREADS 4096

/* Status codes. Since 0.1. */
typedef int32_t ipcf_status;
#define IPCF_OK 0
#define IPCF_E_INVALID_ARGUMENT 1   /* a parameter or shape is wrong */
#define IPCF_E_BAD_HANDLE 2         /* unknown or destroyed token */
#define IPCF_E_BUFFER_TOO_SMALL 3   /* output smaller than needed */
#define IPCF_E_UNSUPPORTED_LAYOUT 4 /* dtype, byte order or strides not supported */
#define IPCF_E_OUT_OF_MEMORY 5
#define IPCF_E_CANCELLED 6          /* progress callback or token cancelled */
#define IPCF_E_INTERNAL 7           /* a bug: a recovered panic */
#define IPCF_E_NO_DEVICE 8          /* the requested GPU cannot be used; Since 0.1 */
#define IPCF_E_IO 9                 /* a file cannot be read or written, or changed during a run; Since 0.2 */
#define IPCF_E_BUSY 10              /* the output is being written by another run; Since 0.2 */
#define IPCF_E_FORKED 11            /* called in a child process after fork(); Since 0.2 */

/* Compute devices (ipcf_pcf_options.device). Since 0.1. */
#define IPCF_DEVICE_AUTO -1 /* a CUDA GPU when usable for the job, else the CPU */
#define IPCF_DEVICE_CPU -2
/* 0, 1, ...: CUDA device ordinal (cuda:N); IPCF_E_NO_DEVICE if unusable */

/* Sample types (ipcf_array.dtype). Since 0.1. */
#define IPCF_DTYPE_UINT8 1
#define IPCF_DTYPE_UINT16 2
#define IPCF_DTYPE_INT16 3
#define IPCF_DTYPE_INT32 4
#define IPCF_DTYPE_FLOAT32 5
#define IPCF_DTYPE_FLOAT64 6

/* Byte orders (ipcf_array.byte_order). Since 0.1. */
#define IPCF_ORDER_NATIVE 0
#define IPCF_ORDER_LITTLE 1
#define IPCF_ORDER_BIG 2

/* Bleaching correction mean (ipcf_pcf_options.bleach_mean). Since 0.1. */
#define IPCF_MEAN_REAL 0  /* exact sum/n (the default) */
#define IPCF_MEAN_FLOOR 1 /* the tutorial's Cython integer division */

/* Delay bins of the curves (ipcf_pcf_options.bins). Since 0.3. */
#define IPCF_BINS_LOG 0      /* logarithmic bins, the tutorial's (default) */
#define IPCF_BINS_LINEAR 1   /* nbins evenly spaced bins */
#define IPCF_BINS_MULTITAU 2 /* a multi-tau correlator, multitau_m channels per level */

/* What each curve is (ipcf_pcf_options.output). Since 0.3. */
#define IPCF_OUTPUT_CCF 0   /* G(pixel -> neighbour) (default) */
#define IPCF_OUTPUT_DELTA 1 /* G(pixel -> neighbour) - G(neighbour -> pixel): delta-CCF */

/* Offset presets (ipcf_offsets). Since 0.3. */
#define IPCF_OFFSETS_CIRCLE 0 /* npoints points on a circle of the radius (the default) */
#define IPCF_OFFSETS_DISK 1   /* every offset within the radius but (0, 0): the 2-D pCF */
#define IPCF_OFFSETS_LINE 2   /* (u, 0) for u = -radius..-1, 1..radius: line scans */

/* Error bar methods (ipcf_pcf_errors). Since 0.3. */
#define IPCF_ERRORS_BLOCKING 0 /* blocking analysis of each point's series (default) */
#define IPCF_ERRORS_SEGMENTS 1 /* the spread of the point over segments of the series */

/* Models of ipcf_fit (ipcf_fit_options.model); docs: go doc ./core/fit.
 * W is the PSF waist, q = 4 D tau + W^2. Since 0.3. */
#define IPCF_MODEL_PCF1D 0 /* G = DC W^2/q exp(-d^2/q) at each offset's distance d (ICSx64's
                              1-D pCF): DC, D */
#define IPCF_MODEL_ACF2D 1 /* G = G0 W^2/q [exp(-v^2 tau^2/q)] [+ Ginf]: G0, D [, v] [, Ginf] */
#define IPCF_MODEL_ACF3D 2 /* ACF2D / sqrt(1 + 4 D tau/(kappa W)^2): G0, D [, v] [, Ginf] */
#define IPCF_MODEL_CCF2D 3 /* G = G0 W^2/q exp(-|R - v tau|^2/q) [+ Ginf] (IPCF_FIT_DELTA: the
                              delta-CCF), a pixel's offsets jointly: G0, D, vx, vy [, Ginf] */
#define IPCF_MODEL_ITIR 4  /* imaging FCS, square pixels of side pixel_side (Sankaran 2009):
                              G0, D [, vx, vy] [, Ginf] */

/* Flags of ipcf_fit_options.flags. Since 0.3. */
#define IPCF_FIT_FLOW 1  /* ACF2D, ACF3D: fit a flow speed v; ITIR: a velocity (vx, vy) */
#define IPCF_FIT_GINF 2  /* fit a constant offset Ginf (not PCF1D, not a delta-CCF) */
#define IPCF_FIT_JOINT 4 /* PCF1D, ITIR: one fit of a pixel's K curves (CCF2D: always) */
#define IPCF_FIT_DELTA 8 /* CCF2D: the curves are delta-CCFs (IPCF_OUTPUT_DELTA) */
#define IPCF_FIT_BINS 16 /* the curves' points are log or linear bins (IPCF_BINS_LOG, _LINEAR), delays
                            in frames: each the mean of G over the lags [from, to) that follow the
                            previous point's from lag 0, its delay the mean lag (from + to - 1) / 2:
                            the whole curve, from its point of delay 0 (other delays[0] are refused;
                            options->first leaves points out). The model is averaged over each bin,
                            not taken at the point's delay, which biases the parameters where a
                            curve bends within a bin. Not for multi-tau points (IPCF_FIT_MULTITAU).
                            Since 0.3.1. */
#define IPCF_FIT_MULTITAU 32 /* the curves' points are multi-tau points (IPCF_BINS_MULTITAU) of
                            options->multitau_m channels a level, delays in frames (any of the
                            engine's points): a point of level k >= 1, at lag l 2^k, is the
                            correlation of block sums of s = 2^k frames, G averaged over the lags
                            within s of its own weighted (s - |d|) / s^2, and the model is averaged
                            so. Taken at the lag alone, D was 3.4 % low at m = 4 and a flow's 7 %
                            high at m = 16. Since 0.3.1. */
/* The waist (pixels) a fit takes when options->waist is 0 and
 * options->pixel_size is 0: the simulator's PSF (sigma 1 pixel, W = 2
 * sigma). Hosts report it as the waist used. Since 0.3. */
#define IPCF_FIT_DEFAULT_WAIST 2.0

/* Correlation modes for ipcf_correlate. Since 0.1. */
#define IPCF_CORR_CIRCULAR 0 /* normalized circular G(tau), tau < n/2 (FFT) */
#define IPCF_CORR_LINEAR 1   /* zero-padded, mean-subtracted, tau < n/2 */
#define IPCF_CORR_SAME 2     /* numpy correlate(a, b, 'same'), exact */

/*
 * ipcf_array: a strided n-dimensional array in caller memory. Strides are
 * in bytes and may be negative or zero (numpy's convention), so C order,
 * Fortran order (MATLAB) and views pass without copies. Since 0.1.
 */
typedef struct ipcf_array {
    uint32_t struct_size;            /* sizeof(ipcf_array) */
    uint32_t dtype;                  /* IPCF_DTYPE_* */
    uint32_t byte_order;             /* IPCF_ORDER_* */
    uint32_t ndim;                   /* 1..IPCF_MAX_NDIM */
    int64_t shape[IPCF_MAX_NDIM];
    int64_t strides[IPCF_MAX_NDIM];  /* bytes */
    void *data;                      /* address of element (0, 0, ...) */
} ipcf_array;

/* ipcf_progress_fn: called with the finished and total work units, on the
 * calling thread, about ten times a second. Return non-zero to cancel.
 * Every callback of the library (progress, a job's log) must return
 * normally, in the process that made the call: no longjmp out of it, and a
 * child forked in it that returns from it ends at once with exit status 70
 * and a line on stderr (the library cannot run after fork()). A callback may
 * call the library: a pCF started from a callback of ipcf_pcf_compute or
 * ipcf_pcf_file, on that thread, never waits for a GPU another job of the
 * process holds (the outer pCF may hold it): IPCF_DEVICE_AUTO runs it on the
 * CPU, an ordinal returns IPCF_E_NO_DEVICE at once. A pCF the callback hands
 * to another thread and waits for deadlocks on a GPU the outer pCF holds. */
typedef int (*ipcf_progress_fn)(void *user, int64_t done, int64_t total);

/* ipcf_token: a cancellation token; 0 is no token. Since 0.1. */
typedef uint64_t ipcf_token;

/* Options of ipcf_pcf_compute; fill with ipcf_pcf_options_init. Since 0.1. */
typedef struct ipcf_pcf_options {
    uint32_t struct_size;       /* sizeof(ipcf_pcf_options) */
    int32_t radius;             /* circle radius in pixels, 1..1048576 (6) */
    int32_t npoints;            /* circle points, 1..1048576 (32) */
    int32_t nbins;              /* requested log or linear bins, 2..65536 (32); these three
                                   are checked also where offsets or IPCF_BINS_MULTITAU
                                   leave them unused */
    int32_t bleach;             /* bleaching filter size, 0 = off (0) */
    int32_t bleach_mean;        /* IPCF_MEAN_* (IPCF_MEAN_REAL) */
    int32_t threads;            /* worker threads, 0 = all cores (0) */
    int32_t reserved0;
    const ipcf_array *mask;     /* optional (H, W); zero = not computed (NaN); a NaN in it is refused */
    ipcf_progress_fn progress;  /* optional */
    void *progress_user;
    ipcf_token token;           /* optional cancellation token */
    int32_t device;             /* IPCF_DEVICE_AUTO (default), _CPU, or a CUDA ordinal */
    int32_t reserved1;
    /* Since 0.3: the correlation toolkit (docs/toolkit.md). The GPU
     * computes any offsets of one channel with log bins, the default
     * smoothing, no threshold and no delta; IPCF_DEVICE_AUTO runs the
     * others on the CPU, a CUDA ordinal refuses them with
     * IPCF_E_NO_DEVICE. */
    const int32_t *offsets;     /* optional: noffsets (u, v) pairs, u columns, v rows,
                                   instead of the circle; (0, 0) is the ACF (NULL) */
    int64_t noffsets;           /* 1..65536 when offsets is set (0) */
    const ipcf_array *data2;    /* optional second channel, data's shape and dtype:
                                   the neighbours' series (NULL) */
    int32_t bins;               /* IPCF_BINS_* (IPCF_BINS_LOG) */
    int32_t multitau_m;         /* multi-tau channels per level, even, 2..4096 (16) */
    double smooth;              /* weight of the previous value, [0, 1); 0 = off (0.7) */
    double threshold;           /* pixels whose mean is <= threshold give NaN
                                   curves; finite, or -INFINITY = none (-INFINITY) */
    int32_t output;             /* IPCF_OUTPUT_* (IPCF_OUTPUT_CCF) */
    int32_t reserved2;
} ipcf_pcf_options;

/* Options of ipcf_correct_bleaching. Since 0.1. */
typedef struct ipcf_bleach_options {
    uint32_t struct_size;
    int32_t filtersize;         /* >= 1 (1024) */
    int32_t mean;               /* IPCF_MEAN_* */
    int32_t threads;            /* 0 = all cores */
    ipcf_progress_fn progress;
    void *progress_user;
    ipcf_token token;
} ipcf_bleach_options;

/* Options of ipcf_simulate. Since 0.1. */
typedef struct ipcf_simulate_options {
    uint32_t struct_size;
    int32_t frames;             /* 32000 */
    int32_t size;               /* image height and width, 64 */
    uint64_t seed;              /* 1 */
    int32_t particles;          /* 200 */
    int32_t threads;
    double diffusion;           /* pixel^2 per frame, 0.5 */
    double channel_width;       /* 4; 0 = no barrier */
    double psf_sigma;           /* 1 (pixels; 0 < psf_sigma <= size) */
    double brightness;          /* counts per frame at a particle's center, 40 */
    double background;          /* counts per pixel and frame, 10 */
    double bleach_tau;          /* frames; 0 = no bleaching */
    ipcf_progress_fn progress;
    void *progress_user;
    ipcf_token token;
} ipcf_simulate_options;

/* Options of ipcf_fit; fill with ipcf_fit_options_init. Units: the fits
 * run in pixels (waist, pixel_side, the offsets) and in the delays' unit
 * (frames, or seconds); pixel_size and frame_interval only scale the
 * outputs: D comes out in pixels^2 per delay unit, times pixel_size^2 /
 * frame_interval when set (um^2/s for delays in frames), speeds in pixels
 * (um) per delay unit (second), times (tauD, tau_peak) in the delays' unit
 * (times frame_interval). Since 0.3. */
typedef struct ipcf_fit_options {
    uint32_t struct_size;       /* sizeof(ipcf_fit_options) */
    int32_t model;              /* IPCF_MODEL_* (IPCF_MODEL_PCF1D) */
    uint32_t flags;             /* IPCF_FIT_* (0) */
    int32_t first;              /* points left out at the start of each curve, >= 0 (1) */
    int32_t last;               /* points left out at its end, >= 0 (1) */
    int32_t max_iter;           /* most trial steps of a fit, 0..1048576; 0 = 200 (0) */
    int32_t threads;            /* worker threads, 0 = all cores (0) */
    int32_t multitau_m;         /* with IPCF_FIT_MULTITAU: the curves' channels a level (even, 2 to
                                   2^20), 0 to read it from whole curves' delays; else 0. Since
                                   0.3.1 (a reserved 0 before) (0) */
    double waist;               /* PSF waist (1/e^2 radius) in pixels, 1e-6..1e6; 0:
                                   IPCF_FIT_DEFAULT_WAIST (2 pixels, the simulator's PSF) when
                                   pixel_size is 0, refused when it is set (0) */
    double kappa;               /* ACF3D: axial / lateral waist, 0.01 to 10000; other models: 0 (0) */
    double pixel_side;          /* ITIR: the side of a camera pixel in pixels, > 0 (1) */
    double pixel_size;          /* micrometres per pixel for the outputs, 1e-6..1e6; 0 = pixels (0) */
    double frame_interval;      /* seconds per delay unit for the outputs, 1e-12..1e6; 0 = the
                                   delays' unit (0) */
    ipcf_progress_fn progress;  /* optional */
    void *progress_user;
    ipcf_token token;           /* optional cancellation token */
} ipcf_fit_options;

/* Input of a file job (ipcf_pcf_file); fill with ipcf_source_options_init.
 * Strings are UTF-8 paths or NULL. Since 0.2. A string that is "" (not
 * NULL) is IPCF_E_INVALID_ARGUMENT, here and in ipcf_job_options: an unset
 * variable of the caller, never taken as the option left out. */
typedef struct ipcf_source_options {
    uint32_t struct_size;       /* sizeof(ipcf_source_options) */
    uint32_t raw_dtype;         /* raw input: IPCF_DTYPE_* (IPCF_DTYPE_UINT16) */
    uint32_t raw_byte_order;    /* raw input: IPCF_ORDER_* (IPCF_ORDER_LITTLE) */
    uint32_t reserved0;
    const char *format;         /* NULL or "auto": by extension and content; "npy", "tiff", "raw" */
    int64_t raw_shape[3];       /* raw input: frames, rows, columns (all 0: not raw); with format
                                   NULL or "auto", a .npy or TIFF file is refused, with "npy" or
                                   "tiff" any file (IPCF_E_INVALID_ARGUMENT): give "raw" to read
                                   its bytes as raw */
    int64_t raw_offset;         /* raw input: bytes to skip before the first sample (0 to 2^50) */
    const char *crop;           /* NULL or "y0:y1,x0:x1" (a bound may be empty) */
    const char *frames;         /* NULL or "start:stop" */
    const char *mask;           /* NULL or a .npy mask (rows, columns) of the frame or the crop, or
                                   (columns,) of a line scan's */
    /* Since 0.3; read only when struct_size covers them (0 otherwise). */
    int32_t channel;            /* 0: none selected (a multi-channel ImageJ hyperstack or OME-TIFF is
                                   refused); N >= 1: channel N, numbered from 1 as in ImageJ, of such a
                                   file (any other input has channel 1 only) */
    int32_t channel2;           /* 0: none; N >= 1: channel N of the input file is the second channel
                                   (cross-channel correlation, as options->data2, which must then be
                                   NULL); read with the same format and selection. A channel the file
                                   does not have, or a negative number: IPCF_E_INVALID_ARGUMENT */
} ipcf_source_options;

/* ipcf_job_progress_fn: the phase ("read", "pcf", "transpose"; "errors"
 * for the error bars in memory and "pcf+errors" out of core, with
 * ipcf_job_options.errors; "check" when an out-of-core run resumes from
 * the copy an interrupted run made and reads those input frames again to
 * compare) with its finished and total units, on the calling thread.
 * Non-zero cancels. */
typedef int (*ipcf_job_progress_fn)(void *user, const char *phase, int64_t done, int64_t total);
/* ipcf_job_log_fn: a note for the user (stale scratch removed, damaged
 * scratch computed again, job already complete), on the calling thread. */
typedef void (*ipcf_job_log_fn)(void *user, const char *message);

/* Options of a file job; fill with ipcf_job_options_init. Since 0.2. */
typedef struct ipcf_job_options {
    uint32_t struct_size;       /* sizeof(ipcf_job_options) */
    int32_t tile_rows;          /* out of core: output tile; 0 = from the budget */
    int32_t tile_cols;
    int32_t reserved0;
    const char *memory;         /* NULL: a quarter of RAM; "2GiB", "512MiB", "1.5G", or bytes */
    const char *scratch;        /* NULL: scratch folder beside the output */
    const char *engine;         /* NULL or "auto" (in memory if it fits), "memory", "ooc" */
    double frame_interval;      /* seconds between frames, 1e-12..1e6, for the metadata (0: the
                                   input's, from ImageJ, Micro-Manager or OME metadata, if any) */
    double pixel_size;          /* micrometres, 1e-6..1e6, for the metadata (0: the input's, if any) */
    ipcf_job_progress_fn progress; /* optional; else ipcf_pcf_options.progress */
    void *progress_user;
    ipcf_job_log_fn log;        /* optional */
    void *log_user;
    /* Since 0.3; read only when struct_size covers them (0 otherwise). */
    int32_t errors;             /* IPCF_JOB_ERRORS_*: error bars of every curve point (ipcf_pcf_errors'
                                   numbers) written beside a .npy output OUT.npy as OUT.sd.npy, in
                                   its shape, and named in its metadata ("errors": file, method,
                                   segments, shape, checksum); another output format with error bars
                                   is IPCF_E_INVALID_ARGUMENT. 0 = IPCF_JOB_ERRORS_NONE (default) */
    int32_t segments;           /* IPCF_JOB_ERRORS_SEGMENTS: 2 .. the frames used; 0 = 8. Else 0 */
    /* Read only when struct_size covers them (a later 0.3 addition). */
    int32_t copy_input;         /* out of core: 1 copies the frames into scratch first even where the
                                   input file could be read in place (for an input on a slow or shared
                                   drive, or one that may change); 0 (default): read in place where
                                   possible. Not 0 or 1: IPCF_E_INVALID_ARGUMENT */
    int32_t reserved1;
} ipcf_job_options;

/* Error bars of a file job (ipcf_job_options.errors). Numbered from 1 so
 * that a zeroed struct asks for none; the methods are those of
 * IPCF_ERRORS_BLOCKING and IPCF_ERRORS_SEGMENTS (ipcf_pcf_errors), which
 * number them from 0. Since 0.3. */
#define IPCF_JOB_ERRORS_NONE 0     /* no error bars (default) */
#define IPCF_JOB_ERRORS_BLOCKING 1 /* blocking analysis, as IPCF_ERRORS_BLOCKING */
#define IPCF_JOB_ERRORS_SEGMENTS 2 /* segments, as IPCF_ERRORS_SEGMENTS */

#define IPCF_ENGINE_MEMORY 0
#define IPCF_ENGINE_OOC 1

/* What a file job did; may be NULL. Since 0.2. */
typedef struct ipcf_job_summary {
    uint32_t struct_size;       /* sizeof(ipcf_job_summary), set by the caller */
    int32_t engine;             /* IPCF_ENGINE_* */
    int64_t shape[4];           /* output shape (rows, columns, points, bins) */
    int32_t tiles;              /* out of core: tiles in all */
    int32_t resumed;            /* tiles reused from an interrupted run, verified */
    int32_t already_complete;   /* 1: the output already was this job's result, nothing done */
    uint32_t input_crc32c;      /* CRC-32C of the input samples read (0 if nothing done) */
    /* Read only when struct_size covers it (a later 0.3 addition). */
    int32_t read_in_place;      /* out of core: 1 if the input file was read in place, 0 if its
                                   frames were copied into scratch first (or in memory) */
    int32_t reserved1;
} ipcf_job_summary;

/* ipcf_version_number: IPCF_VERSION_NUMBER of the library. Works in a
 * forked child. Returns: the number. Since 0.1. */
int32_t ipcf_version_number(void);
/* ipcf_version_string: "MAJOR.MINOR.PATCH (fft backend)", static. Returns:
 * the string (in a forked child that never called it: "MAJOR.MINOR.PATCH").
 * Since 0.1. */
const char *ipcf_version_string(void);
/* ipcf_max_ndim, ipcf_array_struct_size, ipcf_pcf_options_struct_size,
 * ipcf_bleach_options_struct_size, ipcf_simulate_options_struct_size:
 * constants for bindings. Work in a forked child. Returns: IPCF_MAX_NDIM
 * and the sizeof of each struct in this library. Since 0.1. */
int32_t ipcf_max_ndim(void);
size_t ipcf_array_struct_size(void);
size_t ipcf_pcf_options_struct_size(void);
size_t ipcf_bleach_options_struct_size(void);
size_t ipcf_simulate_options_struct_size(void);

/* ipcf_devices: describes the CUDA devices found, one per line
 * ("cuda:0 NVIDIA H200, compute 9.0, 143771 MiB, 140000 MiB free"), or why
 * none is usable ("no CUDA device: ..."), NUL-terminated in buf. On
 * IPCF_E_BUFFER_TOO_SMALL the text is cut. The GPU libraries are loaded at
 * run time: no CUDA is needed to build or load libipcf.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (buf NULL or len 0),
 * IPCF_E_BUFFER_TOO_SMALL, IPCF_E_FORKED. Since 0.1. */
ipcf_status ipcf_devices(char *buf, size_t len);

/* ipcf_last_device_note: where the most recent pCF computation of this
 * process ran, NUL-terminated in buf: "cuda:0 (sm_90 CUBIN)", "cpu", or,
 * when device "auto" ran on the CPU, why ("cpu (auto: cuda:0 failed, ran on
 * the CPU: ...)"); empty before the first one. On IPCF_E_BUFFER_TOO_SMALL
 * the text is cut.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (buf NULL or len 0),
 * IPCF_E_BUFFER_TOO_SMALL, IPCF_E_FORKED. Since 0.2. */
ipcf_status ipcf_last_device_note(char *buf, size_t len);

/* ipcf_status_string: static text for a status code ("unknown status" for
 * any other value). Works in a forked child. Returns: the text. Since 0.1. */
const char *ipcf_status_string(ipcf_status status);

/* ipcf_last_error: the message of the calling thread's last failed call,
 * naming the function and the values involved; "" if none. The pointer is
 * valid until the next ipcf_ call on this thread. A call that succeeds
 * leaves the message alone. Works in a forked child. Returns: the message.
 * Since 0.1. */
const char *ipcf_last_error(void);

/* ipcf_array_init: zero *a and set struct_size; a NULL a is ignored. Works
 * in a forked child. Returns: nothing. Since 0.1. */
void ipcf_array_init(ipcf_array *a);
/* ipcf_array_init_contiguous: a C-order native-endian array.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (a or shape NULL, bad ndim, a
 * negative or overflowing shape), IPCF_E_UNSUPPORTED_LAYOUT (dtype),
 * IPCF_E_FORKED. Since 0.1. */
ipcf_status ipcf_array_init_contiguous(ipcf_array *a, uint32_t dtype, uint32_t ndim,
                                       const int64_t *shape, void *data);

/* ipcf_token_create, ipcf_token_cancel, ipcf_token_destroy: cancellation
 * tokens. cancel may be called from any thread, and from a signal handler
 * (async-signal-safe, for a destroyed or 0 token too: its message goes to
 * ipcf_last_error only where the thread has had one before). A handler
 * installed after the library was loaded must be installed with
 * SA_ONSTACK (Go's runtime runs on small signal stacks: a handler using
 * kilobytes of stack without it corrupted the host). A computation using the
 * token stops within a fraction of a second and returns IPCF_E_CANCELLED.
 * A cancelled token stays cancelled, also for the calls still running with
 * it when it is destroyed (its slot is taken again last: only where the
 * next 1,024 slots are all such tokens' may a token made after 65,536
 * others take it while such a call runs). At most 65,536 tokens exist at once
 * (ipcf_token_create: IPCF_E_OUT_OF_MEMORY beyond).
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (token NULL),
 * IPCF_E_BAD_HANDLE (an unknown, destroyed or 0 token),
 * IPCF_E_OUT_OF_MEMORY (create: 65,536 tokens exist), IPCF_E_FORKED.
 * Since 0.1. */
ipcf_status ipcf_token_create(ipcf_token *token /* out */);
ipcf_status ipcf_token_cancel(ipcf_token token);
ipcf_status ipcf_token_destroy(ipcf_token token);

/* ipcf_circle: the npoints circle offsets as (u, v) pairs (column, row
 * offset) into uv[0..2*npoints-1]; len is the capacity of uv in int32
 * values (a larger capacity is fine).
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (radius < 1, npoints < 1, uv
 * NULL), IPCF_E_BUFFER_TOO_SMALL (len < 2*npoints), IPCF_E_FORKED.
 * Since 0.1. */
ipcf_status ipcf_circle(int32_t radius, int32_t npoints, int32_t *uv /* out */, size_t len);

/* ipcf_offsets: the offsets of a preset (IPCF_OFFSETS_*) as (u, v) pairs
 * into uv[0..2 * *count - 1]; npoints is used by the circle only. cap is
 * the capacity of uv in offsets (pairs). On IPCF_E_BUFFER_TOO_SMALL
 * *count holds the needed capacity (uv NULL with cap 0 asks for it).
 * Radius 1..1048576 (the disk's 1..1024: its offsets grow as the square),
 * npoints 1..1048576.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (kind, radius or npoints out
 * of range, count NULL, uv NULL with a sufficient cap),
 * IPCF_E_BUFFER_TOO_SMALL, IPCF_E_FORKED.
 * Since 0.3. */
ipcf_status ipcf_offsets(int32_t kind, int32_t radius, int32_t npoints, int32_t *uv /* out */, size_t cap,
                         size_t *count /* out */);

/* ipcf_logbins: the upper bin edges for delays up to size (N/2) into
 * bins[0..*count-1]: numpy's unique(logspace(0, log(size)/log(2), nbins,
 * base=2).astype(intp)) with the C library's log and pow (a build without
 * cgo rounds them correctly, which differs from glibc at a few sizes near
 * halfway points, such as 9170; powers of two never). The first edge is
 * 1; the last is size for a power of two, and may be size - 1 for other
 * sizes (14 with 8 bins ends at 13). cap is the capacity of bins (a larger
 * capacity is fine). On IPCF_E_BUFFER_TOO_SMALL *count holds the needed capacity.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (count or bins NULL, size or
 * nbins out of range), IPCF_E_BUFFER_TOO_SMALL, IPCF_E_FORKED. Since 0.1. */
ipcf_status ipcf_logbins(int64_t size, int32_t nbins, int64_t *bins /* out */, size_t cap,
                         size_t *count /* out */);

/* ipcf_correlate: correlate two 1-D arrays a and b (any dtypes) into out,
 * a 1-D float32 or float64 array of exactly n/2 elements (CIRCULAR,
 * LINEAR; equal lengths n >= 2) or max(len a, len b) (SAME). A series
 * summing to zero gives NaN values and IPCF_OK. SAME of integer samples is
 * exact: refused (IPCF_E_INVALID_ARGUMENT) where a value could exceed what
 * out holds exactly, min(max|a| * sum|b|, sum|a| * max|b|) >= 2^24 (float32)
 * or 2^53 (float64).
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (a descriptor, mode, lengths,
 * aliasing, an inexact SAME), IPCF_E_BUFFER_TOO_SMALL (out shape), IPCF_E_UNSUPPORTED_LAYOUT
 * (dtypes), IPCF_E_OUT_OF_MEMORY, IPCF_E_FORKED. Since 0.1. */
ipcf_status ipcf_correlate(const ipcf_array *a, const ipcf_array *b, int32_t mode, ipcf_array *out);

/* ipcf_pcf_options_init: defaults; sets struct_size. A NULL options is
 * ignored. Returns: nothing (in a forked child: a zeroed struct, and
 * ipcf_last_error says why). Since 0.1. */
void ipcf_pcf_options_init(ipcf_pcf_options *options);
/* ipcf_pcf_options_init_size: ipcf_pcf_options_init of a struct of size bytes (its
 * header's sizeof), which the macro below passes: the defaults of the
 * fields within it, struct_size = the smaller of size and this
 * library's struct; bytes beyond this library's struct are left as they
 * were. Returns: nothing (size below 4: ipcf_last_error says so).
 * Since 0.3.2. */
void ipcf_pcf_options_init_size(ipcf_pcf_options *options, size_t size);
#define ipcf_pcf_options_init(options) ipcf_pcf_options_init_size((options), sizeof(ipcf_pcf_options))

/* ipcf_pcf_output_shape: the output shape (H-2r, W-2r, npoints, nbins
 * effective) for a (T, H, W) input; with options->offsets, (H-2*max|v|,
 * W-2*max|u|, noffsets, points); data->data may be NULL.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (a NULL pointer, data's
 * struct_size or shape, an option), IPCF_E_BAD_HANDLE (options->token),
 * IPCF_E_FORKED. Since 0.1. */
ipcf_status ipcf_pcf_output_shape(const ipcf_array *data, const ipcf_pcf_options *options,
                                  int64_t *shape /* out: 4 values */);

/* ipcf_pcf_delays: the delay of each curve point, in frames, for a
 * (T, H, W) input into delays[0..*count-1] (count = shape[3] of
 * ipcf_pcf_output_shape): the mean delay (lo + hi - 1) / 2 of a bin of
 * delays [lo, hi), or a multi-tau point's lag. Multiply by the frame
 * interval for seconds. data->data may be NULL. cap is the capacity of
 * delays; on IPCF_E_BUFFER_TOO_SMALL *count holds the needed capacity.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (a NULL pointer, data's
 * struct_size or shape, an option), IPCF_E_BUFFER_TOO_SMALL,
 * IPCF_E_BAD_HANDLE (options->token), IPCF_E_FORKED. Since 0.3. */
ipcf_status ipcf_pcf_delays(const ipcf_array *data, const ipcf_pcf_options *options, double *delays /* out */,
                            size_t cap, size_t *count /* out */);

/* ipcf_pcf_compute: the pCF of data, a (T, H, W) array of any supported
 * dtype and layout, into out, a float32 array of the output shape (any
 * strides). Frames beyond the largest power of two are not used. Curves of
 * pixels whose series sums to zero, and of masked pixels, are NaN.
 * options may be NULL (defaults).
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (bad parameter, descriptor,
 * mask, fewer than 4 frames, aliasing), IPCF_E_BUFFER_TOO_SMALL (out
 * shape), IPCF_E_UNSUPPORTED_LAYOUT, IPCF_E_BAD_HANDLE (options->token),
 * IPCF_E_OUT_OF_MEMORY, IPCF_E_CANCELLED, IPCF_E_NO_DEVICE,
 * IPCF_E_FORKED. Since 0.1. */
ipcf_status ipcf_pcf_compute(const ipcf_array *data, const ipcf_pcf_options *options, ipcf_array *out);

/* ipcf_pcf_errors: the standard deviation of every point of the curves
 * that ipcf_pcf_compute writes for data and options, into sd, a float32
 * array of the same output shape (any strides): the standard error of the
 * time average each point is, by blocking analysis of the point's series
 * (method IPCF_ERRORS_BLOCKING, segments 0) or from the spread of the
 * point over segments of the series (IPCF_ERRORS_SEGMENTS; segments:
 * 2..the frames used, or 0 for 8); docs/toolkit.md, section 9, derives
 * both and states the rule that chooses the block length. The error bars
 * are those of the points returned: smoothed as options say, of the
 * difference for IPCF_OUTPUT_DELTA. Where a curve is NaN (masked pixels,
 * the threshold, a series summing to zero or holding a NaN or infinity),
 * its error bars are NaN. It always runs on the CPU (options->device is
 * checked, not used) and costs about 30 times ipcf_pcf_compute at the
 * default settings.
 * options may be NULL (defaults).
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (bad parameter, method or
 * segments, descriptor, mask, fewer than 4 frames, aliasing),
 * IPCF_E_BUFFER_TOO_SMALL (sd shape), IPCF_E_UNSUPPORTED_LAYOUT,
 * IPCF_E_BAD_HANDLE (options->token), IPCF_E_OUT_OF_MEMORY,
 * IPCF_E_CANCELLED, IPCF_E_FORKED. Since 0.3. */
ipcf_status ipcf_pcf_errors(const ipcf_array *data, const ipcf_pcf_options *options, int32_t method,
                            int32_t segments, ipcf_array *sd /* out */);

/* ipcf_source_options_struct_size, ipcf_job_options_struct_size,
 * ipcf_job_summary_struct_size: sizes of the file-job structs in this
 * library (for bindings that check their own layout). Work in a forked
 * child. Returns: the sizeof of each struct. Since 0.2. */
size_t ipcf_source_options_struct_size(void);
size_t ipcf_job_options_struct_size(void);
size_t ipcf_job_summary_struct_size(void);
/* ipcf_source_options_init, ipcf_job_options_init: defaults; set
 * struct_size. A NULL options is ignored. Returns: nothing (in a forked
 * child: a zeroed struct, and ipcf_last_error says why). Since 0.2. */
void ipcf_source_options_init(ipcf_source_options *options);
void ipcf_job_options_init(ipcf_job_options *options);
/* ipcf_source_options_init_size, ipcf_job_options_init_size: the
 * initialisers of a struct of size bytes (its header's sizeof), which the
 * macros below pass: the defaults of the fields within it, struct_size =
 * the smaller of size and this library's struct; bytes beyond this
 * library's struct are left as they were. Returns: nothing (size below
 * 4: ipcf_last_error says so). Since 0.3.2. */
void ipcf_source_options_init_size(ipcf_source_options *options, size_t size);
void ipcf_job_options_init_size(ipcf_job_options *options, size_t size);
#define ipcf_source_options_init(options) ipcf_source_options_init_size((options), sizeof(ipcf_source_options))
#define ipcf_job_options_init(options) ipcf_job_options_init_size((options), sizeof(ipcf_job_options))

/* ipcf_pcf_file: the pCF of an image time series in a file or folder
 * (.npy, TIFF, BigTIFF, ImageJ, a folder or glob of single-page TIFFs, or
 * raw) into output, its extension choosing the format: a .npy file with
 * its metadata in OUTPUT.json, a .zarr folder, an .ome.zarr folder
 * (OME-NGFF) or a .tif (ImageJ hyperstack); error bars with .npy only. In
 * memory or out of core within the memory budget. The
 * job is safe to kill: the output appears complete or not at all, a rerun
 * of the same job resumes verified work, a rerun of a completed job
 * changes nothing. source, options, job and summary may be NULL
 * (defaults); options->mask is used when source->mask is NULL. Special
 * files (FIFOs, devices) are refused, never read.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (bad parameter, a memory
 * budget too small out of core (it must hold the spectra of radius + 1
 * image rows for the circle, up to 2 x radius + 1 for other offsets;
 * ipcf_last_error gives the smallest that works), or an output
 * that is an input, lies inside an input folder, or is a folder that is
 * not an ipcf result), IPCF_E_UNSUPPORTED_LAYOUT (raw dtype or byte order),
 * IPCF_E_IO (unreadable or missing input, full disk, input changed during
 * the run), IPCF_E_BUSY (another run writes output), IPCF_E_BAD_HANDLE
 * (options->token), IPCF_E_CANCELLED, IPCF_E_NO_DEVICE,
 * IPCF_E_OUT_OF_MEMORY, IPCF_E_FORKED. Since 0.2. */
ipcf_status ipcf_pcf_file(const char *input, const ipcf_source_options *source, const char *output,
                          const ipcf_pcf_options *options, const ipcf_job_options *job,
                          ipcf_job_summary *summary);

/* ipcf_bleach_options_init: defaults (filtersize 1024, real mean). A NULL
 * options is ignored. Returns: nothing (in a forked child: a zeroed
 * struct, and ipcf_last_error says why). Since 0.1. */
void ipcf_bleach_options_init(ipcf_bleach_options *options);
/* ipcf_bleach_options_init_size: ipcf_bleach_options_init of a struct of size bytes (its
 * header's sizeof), which the macro below passes: the defaults of the
 * fields within it, struct_size = the smaller of size and this
 * library's struct; bytes beyond this library's struct are left as they
 * were. Returns: nothing (size below 4: ipcf_last_error says so).
 * Since 0.3.2. */
void ipcf_bleach_options_init_size(ipcf_bleach_options *options, size_t size);
#define ipcf_bleach_options_init(options) ipcf_bleach_options_init_size((options), sizeof(ipcf_bleach_options))

/* ipcf_correct_bleaching: correct data (T, H, W) into out
 * (T - 2*filtersize, H, W), an integer array (values are rounded half
 * away from zero and clipped to [0, 65535] and to out's type). Data that
 * are not integer counts in 0..65535 (fractions, negatives, larger values,
 * NaN) are computed as defined, without a warning here: hosts ask
 * ipcf_check_counts first and warn (the CLI and every binding do).
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (a descriptor, filtersize,
 * mean, threads, aliasing), IPCF_E_BUFFER_TOO_SMALL (out shape),
 * IPCF_E_UNSUPPORTED_LAYOUT (dtypes: out must be an integer type),
 * IPCF_E_BAD_HANDLE (options->token), IPCF_E_CANCELLED, IPCF_E_FORKED.
 * Since 0.1. */
ipcf_status ipcf_correct_bleaching(const ipcf_array *data, const ipcf_bleach_options *options,
                                   ipcf_array *out);

/* ipcf_check_counts: whether every sample of data (time, rows, columns) is
 * a count, an integer in 0..65535: what the bleaching correction's rounding
 * and clipping are defined for (a float series of 0.05..0.2 becomes all 0,
 * int32 counts of 10^7 all 65535). *counts gets 1 if so (uint8 and uint16
 * data without reading them); else 0, and buf, when not NULL with len > 0,
 * a NUL-terminated sentence naming the first other sample (frame, row,
 * column; cut to len - 1 bytes). About 1 ns a sample.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (a descriptor, not 3-D, counts
 * NULL), IPCF_E_UNSUPPORTED_LAYOUT (dtype or byte order), IPCF_E_INTERNAL,
 * IPCF_E_FORKED. Since 0.3. */
ipcf_status ipcf_check_counts(const ipcf_array *data, int32_t *counts /* out */, char *buf, size_t len);

/* ipcf_check_units: refuses a pixel size (micrometres) or frame interval
 * (seconds) that a result may not carry: outside 1e-6..1e6 um or
 * 1e-12..1e6 s (beyond them a fit's float32 maps hold +Inf or 0), negative,
 * NaN or infinite; 0 means unknown and passes. ipcf_pcf_file and ipcf_fit
 * check the same ranges; hosts call it for the units they label curves
 * with. Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (the message names the
 * unit and the range), IPCF_E_FORKED. Since 0.3. */
ipcf_status ipcf_check_units(double pixel_size, double frame_interval);

/* ipcf_file_crc32c: the CRC-32C (Castagnoli) and size of the regular file
 * at path (a link is followed; a FIFO is refused, never opened for
 * reading), as ipcf's sidecars record them
 * (output_crc32c, errors.crc32c, output_bytes): hosts check a result's
 * files against its metadata with it.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (path, crc or bytes NULL),
 * IPCF_E_IO (missing, not a regular file, unreadable), IPCF_E_FORKED.
 * Since 0.3. */
ipcf_status ipcf_file_crc32c(const char *path, uint32_t *crc /* out */, int64_t *bytes /* out */);

/* The states of an output's lock that ipcf_lock_holder reports. Since 0.3.1. */
#define IPCF_LOCK_NONE 0    /* no lock, or none of an ipcf run */
#define IPCF_LOCK_STOPPED 1 /* its run was stopped: a process of this host that is gone (or a later process with its pid: since 0.3.2 a lock records its run's start time) */
#define IPCF_LOCK_LIVE 2    /* a live process of this host, or one of another host (not known here) */

/* ipcf_lock_holder: the lock an ipcf run holds on its output path while it
 * writes it (".NAME.lock" beside it, in the folder the kernel finds through
 * links), only read, never locked (a reader must not make a writer's lock
 * fail): *state is one of IPCF_LOCK_*, and buf receives the lock's line
 * ("pid N on HOST since ..."; "" for IPCF_LOCK_NONE); len 0 (buf may then
 * be NULL) asks for the state alone. A run removes its
 * lock when it ends. Hosts ask it about an output found without its
 * metadata, as ipcf plot does: a live run's metadata are waited for (the
 * earlier ones are removed before the renames that publish an output), a
 * stopped run's output is refused. Returns: IPCF_OK,
 * IPCF_E_INVALID_ARGUMENT (output or state NULL, output "", buf NULL with
 * len > 0), IPCF_E_BUFFER_TOO_SMALL (the line cut to len - 1 bytes; a line is at most
 * 200 bytes), IPCF_E_FORKED. Since 0.3.1. */
ipcf_status ipcf_lock_holder(const char *output, char *buf, size_t len, int32_t *state /* out */);

/* The kinds of unit ipcf_unit_scale names. Since 0.3.1. */
#define IPCF_UNIT_LENGTH 0
#define IPCF_UNIT_TIME 1

/* ipcf_unit_scale: the micrometres per unit of the length unit named unit
 * (kind IPCF_UNIT_LENGTH) or the seconds per unit of the time unit
 * (IPCF_UNIT_TIME), as the library's file readers take the units of
 * ImageJ, OME and Micro-Manager metadata ("µm", "micron", "nm", "Å",
 * "sec", "ms", ...; surrounding spaces and the case of words and of
 * symbols in capitals ignored, mixed-case symbols as written: OME's "Mm"
 * is no millimetre); 0 in *scale for a name that is no such unit ("pixel",
 * "inch": a scanner's dpi default). Hosts that read a calibration
 * themselves (the ImageJ plugin's image commands) take it from here, so
 * one image gives one pixel size and frame interval on every path.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (unit or scale NULL, kind
 * neither), IPCF_E_FORKED. Since 0.3.1. */
ipcf_status ipcf_unit_scale(const char *unit, int32_t kind, double *scale /* out */);

/* ipcf_file_units: the pixel size (micrometres) and frame interval
 * (seconds) of the image time series in the file or folder at path, as
 * ipcf_pcf_file and the CLI take them from its metadata (ImageJ, OME,
 * Micro-Manager with its time stamps, an ipcf bleach or simulate record;
 * the first channel's); 0 for one that is none, or that is not used. The
 * notes that say why one is not used (out of range, a unit ipcf does not
 * know, pixels not square), one per line and "" for none, go to note.
 * Hosts that read a calibration themselves (the ImageJ plugin's image
 * commands) compare theirs with it. Returns: IPCF_OK,
 * IPCF_E_INVALID_ARGUMENT (path, pixel_size or frame_interval NULL, path
 * "", note NULL with len > 0; an input that is no image time series),
 * IPCF_E_UNSUPPORTED_LAYOUT, IPCF_E_IO (unreadable or missing),
 * IPCF_E_BUFFER_TOO_SMALL (the notes cut to len - 1 bytes),
 * IPCF_E_FORKED. Since 0.3.2. */
ipcf_status ipcf_file_units(const char *path, double *pixel_size /* out */, double *frame_interval /* out */,
                            char *note, size_t len);

/* ipcf_square_pixels: *square = 1 where pixels of width and height (one
 * unit) are square as the file readers take them (positive, finite, equal
 * to 1 part in 10^4), else 0: pixels that are not square give no pixel
 * size. Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (square NULL),
 * IPCF_E_FORKED. Since 0.3.1. */
ipcf_status ipcf_square_pixels(double width, double height, int32_t *square /* out */);

/* ipcf_crc32c: the CRC-32C (Castagnoli) of len bytes at data, as ipcf's
 * sidecars record a file's (output_crc32c, errors.crc32c). Hosts that read
 * a result's file into memory or map it check those bytes, the ones they
 * then use, against its metadata with it: a check of the path, opened
 * again, passes on a file replaced in between (a rerun of the job).
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (crc NULL, data NULL with
 * len > 0, len bytes from data beyond the address space), IPCF_E_IO (data cut short under a mapping while read),
 * IPCF_E_FORKED. Since 0.3.1. */
ipcf_status ipcf_crc32c(const void *data, size_t len, uint32_t *crc /* out */);

/* ipcf_check_metadata: checks the bytes of an ipcf metadata file (a
 * result's sidecar OUT.json, a Zarr result's .zattrs; text, len bytes, as
 * read from the file) against the checksum they record of themselves
 * ("self_crc32c": the CRC-32C of the file with those 8 hex digits read as
 * "00000000"). The metadata give a result its meaning (its delays,
 * offsets and units): metadata edited or damaged since ipcf wrote them
 * are refused, and so is text that is not one complete JSON object (empty,
 * cut short: a cut drops the checksum, written last). Metadata of a
 * version before 0.3.1 (no "self_crc32c") pass.
 * Hosts check a result's metadata with it before they use them.
 * Returns: IPCF_OK, IPCF_E_IO (changed, or no JSON object: the message
 * says which), IPCF_E_INVALID_ARGUMENT (text NULL with len > 0, len over
 * 1 GiB), IPCF_E_FORKED. Since 0.3.1. */
ipcf_status ipcf_check_metadata(const void *text, size_t len);

/* ipcf_convolve2d: full 2-D convolution of image (H, W) with kernel
 * (kh, kw) into out (H+kh-1, W+kw-1), as the Cython tutorial's
 * naive_convolve. Kernel dimensions must be odd. When image and kernel are
 * both integer the sums are exact (int64) and never rounded: an integer out
 * refuses a value outside its range, and a float out is accepted only when
 * every possible result is exactly representable in it, that is when
 * max|image| * sum|kernel| < 2^24 (float32) or 2^53 (float64); otherwise
 * IPCF_E_INVALID_ARGUMENT. Float inputs are summed in float64 (an integer
 * out gets them rounded, and refuses values outside its range).
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (a descriptor, even kernel
 * dimensions, an empty image, a value out not can hold exactly,
 * aliasing), IPCF_E_BUFFER_TOO_SMALL (out shape),
 * IPCF_E_UNSUPPORTED_LAYOUT, IPCF_E_FORKED. Since 0.1. */
ipcf_status ipcf_convolve2d(const ipcf_array *image, const ipcf_array *kernel, ipcf_array *out);

/* ipcf_simulate_options_init: the default dataset's parameters. A NULL
 * options is ignored. Returns: nothing (in a forked child: a zeroed
 * struct, and ipcf_last_error says why). Since 0.1. */
void ipcf_simulate_options_init(ipcf_simulate_options *options);
/* ipcf_simulate_options_init_size: ipcf_simulate_options_init of a struct of size bytes (its
 * header's sizeof), which the macro below passes: the defaults of the
 * fields within it, struct_size = the smaller of size and this
 * library's struct; bytes beyond this library's struct are left as they
 * were. Returns: nothing (size below 4: ipcf_last_error says so).
 * Since 0.3.2. */
void ipcf_simulate_options_init_size(ipcf_simulate_options *options, size_t size);
#define ipcf_simulate_options_init(options) ipcf_simulate_options_init_size((options), sizeof(ipcf_simulate_options))

/* ipcf_simulate: particles diffusing with a diagonal channel barrier into
 * out (frames, size, size), any dtype (counts clipped). Deterministic for
 * a seed, whatever the thread count.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (options NULL, a parameter out
 * of range, NaN or infinite, a descriptor, aliasing),
 * IPCF_E_BUFFER_TOO_SMALL (out shape), IPCF_E_UNSUPPORTED_LAYOUT,
 * IPCF_E_BAD_HANDLE (options->token), IPCF_E_CANCELLED, IPCF_E_FORKED.
 * Since 0.1. */
ipcf_status ipcf_simulate(const ipcf_simulate_options *options, ipcf_array *out);

/* ipcf_fit_options_struct_size: the sizeof(ipcf_fit_options) of this
 * library. Works in a forked child. Returns: the size. Since 0.3. */
size_t ipcf_fit_options_struct_size(void);

/* ipcf_fit_options_init: defaults (IPCF_MODEL_PCF1D, first and last 1,
 * pixel_side 1, the rest 0); sets struct_size. A NULL options is ignored.
 * Returns: nothing (in a forked child: a zeroed struct, and
 * ipcf_last_error says why). Since 0.3. */
void ipcf_fit_options_init(ipcf_fit_options *options);
/* ipcf_fit_options_init_size: ipcf_fit_options_init of a struct of size bytes (its
 * header's sizeof), which the macro below passes: the defaults of the
 * fields within it, struct_size = the smaller of size and this
 * library's struct; bytes beyond this library's struct are left as they
 * were. Returns: nothing (size below 4: ipcf_last_error says so).
 * Since 0.3.2. */
void ipcf_fit_options_init_size(ipcf_fit_options *options, size_t size);
#define ipcf_fit_options_init(options) ipcf_fit_options_init_size((options), sizeof(ipcf_fit_options))

/* ipcf_fit_nparams: the number of columns of ipcf_fit's params for
 * options and noffsets curves per pixel at the offsets (noffsets (u, v)
 * pairs; NULL for ACF2D and ACF3D), and their names, comma-separated and
 * NUL-terminated, into names (cap bytes; NULL with cap 0: the count
 * only): the model's parameters (PCF1D: DC,D; ACF2D, ACF3D:
 * G0,D[,v][,Ginf]; CCF2D: G0,D,vx,vy[,Ginf]; ITIR: G0,D[,vx,vy][,Ginf]),
 * then derived ones: tauD = W^2/(4 D); PCF1D: tau_peak =
 * max(d^2 - W^2, 0)/(4 D) at the offset's distance d (a joint fit: only
 * when every offset has the same distance); with vx, vy: speed and angle
 * (degrees from the columns' axis towards the rows'). On
 * IPCF_E_BUFFER_TOO_SMALL *nparams is set and the names are cut.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (nparams NULL, names NULL with
 * cap > 0, an option or flag out of range or not for the model, noffsets
 * out of 1..65536, offsets NULL for a model that needs them, an offset
 * out of |u|, |v| <= 2^20, ACF2D and ACF3D offsets other than (0, 0),
 * CCF2D offsets all on one line through (0, 0) off the axes: on an axis, a
 * line scan's, the velocity across it is held at 0), IPCF_E_BAD_HANDLE
 * (options->token), IPCF_E_BUFFER_TOO_SMALL, IPCF_E_FORKED. Since 0.3. */
ipcf_status ipcf_fit_nparams(const ipcf_fit_options *options, const int32_t *offsets, int64_t noffsets,
                             int32_t *nparams /* out */, char *names /* out */, size_t cap);

/* ipcf_fit: fits options->model to every curve of curves, a (H, W, K, P)
 * float32 array (any strides; ipcf_pcf_compute's output) at the delays
 * (P values, finite, >= 0, strictly ascending, frames or seconds;
 * frames with options->frame_interval, which converts the maps: delays
 * that are whole or half numbers of the frame interval and not of frames
 * are seconds, refused since 0.3.2) and the
 * offsets (K (u, v) pairs, u columns, v rows, as options->offsets of
 * ipcf_pcf_options; NULL for ACF2D and ACF3D), each curve alone or, with
 * IPCF_FIT_JOINT (always for CCF2D), each pixel's K curves together, by
 * Levenberg-Marquardt with the models' analytic derivatives (core/fit).
 * The first and last points of each curve are left out as options say;
 * PCF1D clips negative points to 0 (ICSx64). With IPCF_FIT_BINS (log or
 * linear bins, delays in frames) the model is averaged over each point's
 * lags, with IPCF_FIT_MULTITAU (multi-tau points, delays in frames) over
 * each point's blocks; without either, taken at the delays. sigma is NULL, or the error
 * bars of the points (float32, curves' shape, any strides;
 * ipcf_pcf_errors' output): the fits are weighted by 1/sigma^2 and the
 * standard errors are not rescaled by the reduced chi-square. Outputs
 * (KF = K, or 1 for a joint fit; NC = ipcf_fit_nparams; any strides):
 * params, float32 (H, W, KF, NC), the parameters in the units of
 * ipcf_fit_options and the derived ones; stderr_ (optional, NULL), the
 * same shape: their standard errors (derived ones to first order in the
 * fitted parameters; speed and angle with the covariance of vx and vy);
 * chisq (optional), float32 (H, W, KF): the chi-square of each fit;
 * status (optional), uint8 (H, W, KF): 0 converged, 1 converged at a
 * bound, 2 out of iterations, 3 failed. A failed fit (a curve holding a
 * NaN or infinity, a masked pixel, a non-positive error bar, a parameter
 * the curve does not determine, as for an all-zero curve) has NaN
 * parameters, standard errors and chi-square, status 3. The fits are the same whatever the threads, and
 * the same numbers as the maps of ipcf fit for the same curves and options.
 * Returns: IPCF_OK, IPCF_E_INVALID_ARGUMENT (a NULL pointer that is
 * required, a descriptor, an option, flag or offset as for
 * ipcf_fit_nparams, a NaN, infinite, negative or not ascending delay, no
 * more points fitted than parameters, aliasing), IPCF_E_BUFFER_TOO_SMALL
 * (an output's shape), IPCF_E_UNSUPPORTED_LAYOUT (curves or sigma not
 * float32, an output's dtype), IPCF_E_BAD_HANDLE (options->token),
 * IPCF_E_OUT_OF_MEMORY, IPCF_E_CANCELLED, IPCF_E_FORKED. Since 0.3. */
ipcf_status ipcf_fit(const ipcf_array *curves, const double *delays, const int32_t *offsets, const ipcf_array *sigma,
                     const ipcf_fit_options *options, ipcf_array *params /* out */, ipcf_array *stderr_ /* out */,
                     ipcf_array *chisq /* out */, ipcf_array *status /* out */);

#ifdef __cplusplus
}
#endif
#endif /* IPCF_H */
