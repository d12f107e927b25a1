/* [output, summary] = ipcf_pcf_file_mex(input, output, o)
 * Gateway of ipcf_pcf_file.m (see its help) on the C entry ipcf_pcf_file.
 * o is a struct with the fields
 *   Radius, Npoints, Nbins, Bleach, BleachMean (IPCF_MEAN_*), Threads,
 *   Device (IPCF_DEVICE_* or a CUDA ordinal), Mask ([], a .npy path or an
 *   (H, W) array), Crop, Frames, Format, Shape ([] or [T H W]), Dtype
 *   (IPCF_DTYPE_*), ByteOrder (IPCF_ORDER_*), Offset, Memory ('' , a size
 *   text or bytes), Scratch, Engine, Tile ([] or [rows cols]),
 *   FrameInterval, PixelSize, and the toolkit's Offsets ([] = the circle,
 *   or k x 2 [u v]), BinMode (IPCF_BINS_*), M, Smooth, Threshold (-Inf =
 *   none), Delta (0/1), Channel and Channel2 ([] = none, else a channel
 *   numbered from 1), Errors (IPCF_JOB_ERRORS_*) and Segments (a whole
 *   number; passed with IPCF_JOB_ERRORS_SEGMENTS only); NbinsName
 *   (optional) names Nbins in messages.
 * Every number is checked here: a value that is not a whole number or is
 * out of range raises ipcf:invalid_argument, nothing is truncated. */
#include <stdlib.h>

#include "ipcf_mexutil.h"

/* Log lines of the job, collected in plain malloc memory: the callback
 * runs inside the library (Go frames), where nothing may raise a MATLAB
 * error, so they are turned into a cell array after the call. */
typedef struct {
    char **lines;
    int n, cap;
} ipcf_mex_log_t;

static void ipcf_mex_log(void *user, const char *message) {
    ipcf_mex_log_t *l = (ipcf_mex_log_t *)user;
    char *c;
    size_t len;
    if (!l || !message) return;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        char **p = (char **)realloc(l->lines, (size_t)cap * sizeof *p);
        if (!p) return;
        l->lines = p;
        l->cap = cap;
    }
    len = strlen(message);
    c = (char *)malloc(len + 1);
    if (!c) return;
    memcpy(c, message, len + 1);
    l->lines[l->n++] = c;
}

static void ipcf_mex_log_free(ipcf_mex_log_t *l) {
    int k;
    for (k = 0; k < l->n; k++) free(l->lines[k]);
    free(l->lines);
    l->lines = NULL;
    l->n = l->cap = 0;
}

/* ipcf_mex_log_move copies the log lines into mxMalloc memory (freed when
 * the MEX call ends, by an error too) and frees the malloc copies, so that
 * what follows may raise. Returns the number of lines, in *lines. */
static int ipcf_mex_log_move(ipcf_mex_log_t *l, char ***lines) {
    int k, n = l->n;
    char **p = (char **)mxCalloc((size_t)(n > 0 ? n : 1), sizeof *p);
    for (k = 0; k < n; k++) {
        size_t len = strlen(l->lines[k]);
        p[k] = (char *)mxMalloc(len + 1);
        memcpy(p[k], l->lines[k], len + 1);
    }
    ipcf_mex_log_free(l);
    *lines = p;
    return n;
}

/* The job logs "warning: NAME: bleach: the data are not counts in
 * 0..65535: sample ... at frame t, pixel (row y, column x): ..." (core/job
 * warnCounts) when 'Bleach' is given on data that are not counts: raised
 * as the warning ipcf:counts, as ipcf_pcf and ipcf_correct_bleaching do. */
#define COUNTS_LOG "bleach: the data are not counts in 0..65535" /* core/bleach ErrCounts */
#define WARNING_PREFIX "warning: "

/* Every other "warning: ..." of the job (a unit not used, a mask of no
 * pixel, error bars of smoothed curves) is raised as the warning ipcf:job:
 * they went to summary.log alone, never shown (REVIEW12's F7). */
static void warn_counts(char **lines, int n) {
    int k;
    for (k = 0; k < n; k++) {
        const char *m = lines[k];
        int counts = strstr(m, COUNTS_LOG) != NULL;
        if (strncmp(m, WARNING_PREFIX, strlen(WARNING_PREFIX)) != 0) {
            if (!counts) continue; /* a note */
        } else {
            m += strlen(WARNING_PREFIX);
        }
        if (counts)
            mexWarnMsgIdAndTxt("ipcf:counts", "%s (frame, row and column counted from 0)", m);
        else
            mexWarnMsgIdAndTxt("ipcf:job", "%s", m);
    }
}

static const mxArray *field(const mxArray *o, const char *name) {
    const mxArray *f = mxGetField(o, 0, name);
    if (!f) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_pcf_file_mex: option struct lacks %s (use ipcf_pcf_file)", name);
    return f;
}

/* optional string option: '' -> NULL */
static const char *str_opt(const mxArray *o, const char *name) { return ipcf_mex_string(field(o, name), name, 1); }

#define MAX_EXACT 9007199254740992.0 /* 2^53 */

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]) {
    static const char *sum_fields[] = {"engine", "shape", "tiles", "resumed", "already_complete", "input_crc32c",
                                       "read_in_place", "log"};
    const mxArray *o, *f;
    char *input, *output, membuf[32];
    ipcf_source_options src;
    ipcf_pcf_options opt;
    ipcf_job_options job;
    ipcf_job_summary sum;
    ipcf_array mask;
    ipcf_mex_log_t log = {NULL, 0, 0};
    ipcf_mex_progress_state progress = {"", -1};
    ipcf_status st;
    mxArray *s, *v, *cell;
    char **lines;
    int k, nlines;

    ipcf_mex_lock();
    if (nrhs != 3 || !mxIsStruct(prhs[2]) || mxGetNumberOfElements(prhs[2]) != 1)
        mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_pcf_file_mex: (input, output, options struct) expected (use ipcf_pcf_file)");
    input = ipcf_mex_string(prhs[0], "input", 0);
    output = ipcf_mex_string(prhs[1], "output", 0);
    if (!input[0]) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_pcf_file: input is empty");
    if (!output[0]) mexErrMsgIdAndTxt("ipcf:invalid_argument", "ipcf_pcf_file: output is empty");
    o = prhs[2];

    ipcf_pcf_options_init(&opt);
    opt.radius = ipcf_mex_int32(field(o, "Radius"), "Radius", 1);
    opt.npoints = ipcf_mex_int32(field(o, "Npoints"), "Npoints", 1);
    f = mxGetField(o, 0, "NbinsName"); /* the option that gave nbins, for messages */
    opt.nbins = ipcf_mex_int32(field(o, "Nbins"), f && mxIsChar(f) ? ipcf_mex_string(f, "NbinsName", 0) : "Nbins", 2);
    opt.bleach = ipcf_mex_int32(field(o, "Bleach"), "Bleach", 0);
    opt.bleach_mean = ipcf_mex_int32_range(field(o, "BleachMean"), "BleachMean", 0, 1);
    opt.threads = ipcf_mex_threads(field(o, "Threads"));
    opt.device = (int32_t)ipcf_mex_integer(field(o, "Device"), "Device", IPCF_DEVICE_CPU, 2147483647.0);
    /* the correlation toolkit (Since 0.3): Offsets, BinMode, M, Smooth, Threshold, Delta */
    ipcf_mex_toolkit(o, "ipcf_pcf_file_mex", &opt);

    ipcf_source_options_init(&src);
    /* channels (Since 0.3): [] is none, else a channel numbered from 1 */
    f = field(o, "Channel");
    if (!(mxIsEmpty(f) && mxIsDouble(f))) src.channel = ipcf_mex_int32(f, "Channel", 1);
    f = field(o, "Channel2");
    if (!(mxIsEmpty(f) && mxIsDouble(f))) src.channel2 = ipcf_mex_int32(f, "Channel2", 1);
    src.format = str_opt(o, "Format");
    src.crop = str_opt(o, "Crop");
    src.frames = str_opt(o, "Frames");
    f = field(o, "Mask");
    if (mxIsChar(f)) {
        src.mask = ipcf_mex_string(f, "Mask", 1);
    } else if (ipcf_mex_mask(f, "Mask", &mask)) {
        /* mask(y, x): descriptor axes (y, x) are MATLAB dims 1, 2 (Fortran order) */
        opt.mask = &mask;
    }
    f = field(o, "Shape");
    if (!(mxIsEmpty(f) && mxIsDouble(f))) { /* [] is none; {} or '' are refused as Shape */
        ipcf_mex_integers(f, "Shape", 3, 1, MAX_EXACT, src.raw_shape);
        src.raw_dtype = (uint32_t)ipcf_mex_int32_range(field(o, "Dtype"), "Dtype", 1, 6);
        src.raw_byte_order = (uint32_t)ipcf_mex_int32_range(field(o, "ByteOrder"), "ByteOrder", 0, 2);
        src.raw_offset = ipcf_mex_integer(field(o, "Offset"), "Offset", 0, MAX_EXACT);
    } else {
        /* checked also without Shape, so that a typo is not ignored */
        (void)ipcf_mex_int32_range(field(o, "Dtype"), "Dtype", 1, 6);
        (void)ipcf_mex_int32_range(field(o, "ByteOrder"), "ByteOrder", 0, 2);
        if (ipcf_mex_integer(field(o, "Offset"), "Offset", 0, MAX_EXACT) != 0)
            mexErrMsgIdAndTxt("ipcf:invalid_argument", "Offset is for raw input: give Shape [frames rows columns] too");
    }

    ipcf_job_options_init(&job);
    f = field(o, "Tile");
    if (!(mxIsEmpty(f) && mxIsDouble(f))) {
        int64_t t[2];
        ipcf_mex_integers(f, "Tile", 2, 1, 2147483647.0, t);
        job.tile_rows = (int32_t)t[0];
        job.tile_cols = (int32_t)t[1];
    }
    f = field(o, "Memory");
    if (mxIsChar(f)) {
        job.memory = ipcf_mex_string(f, "Memory", 1);
    } else if (!(mxIsEmpty(f) && mxIsDouble(f))) {
        int64_t b = ipcf_mex_integer(f, "Memory", 1, MAX_EXACT);
        snprintf(membuf, sizeof membuf, "%lld", (long long)b);
        job.memory = membuf;
    }
    job.scratch = str_opt(o, "Scratch");
    job.engine = str_opt(o, "Engine");
    job.frame_interval = ipcf_mex_real(field(o, "FrameInterval"), "FrameInterval", 0);
    job.pixel_size = ipcf_mex_real(field(o, "PixelSize"), "PixelSize", 0);
    /* error bars beside the result (Since 0.3) */
    job.errors = ipcf_mex_int32_range(field(o, "Errors"), "Errors", IPCF_JOB_ERRORS_NONE, IPCF_JOB_ERRORS_SEGMENTS);
    if (job.errors == IPCF_JOB_ERRORS_SEGMENTS)
        job.segments = ipcf_mex_int32(field(o, "Segments"), "Segments", 2);
    else
        (void)ipcf_mex_integer(field(o, "Segments"), "Segments", -2147483648.0, 2147483647.0);
    job.copy_input = ipcf_mex_int32_range(field(o, "CopyInput"), "CopyInput", 0, 1);
    job.progress = ipcf_mex_job_progress; /* Ctrl+C cancels (ipcf:cancelled) */
    if (ipcf_mex_int32_range(field(o, "Progress"), "Progress", 0, 1)) {
        job.progress = ipcf_mex_job_progress_print; /* and prints a line per phase and 10 % */
        job.progress_user = &progress;
    }
    job.log = ipcf_mex_log;
    job.log_user = &log;

    memset(&sum, 0, sizeof sum);
    sum.struct_size = (uint32_t)sizeof sum;

    /* No MATLAB call (nothing that can raise) from here to the check. */
    st = ipcf_pcf_file(input, &src, output, &opt, &job, &sum);
    nlines = ipcf_mex_log_move(&log, &lines); /* from here anything may raise */
    warn_counts(lines, nlines);               /* before an error too: the job logged it before failing */
    ipcf_mex_check(st);

    plhs[0] = mxCreateString(output);
    if (nlhs < 2) return;
    s = mxCreateStructMatrix(1, 1, (int)(sizeof sum_fields / sizeof sum_fields[0]), sum_fields);
    mxSetField(s, 0, "engine", mxCreateString(sum.engine == IPCF_ENGINE_OOC ? "ooc" : "memory"));
    v = mxCreateDoubleMatrix(1, 4, mxREAL);
    for (k = 0; k < 4; k++) ((double *)mxGetData(v))[k] = (double)sum.shape[k];
    mxSetField(s, 0, "shape", v);
    mxSetField(s, 0, "tiles", mxCreateDoubleScalar((double)sum.tiles));
    mxSetField(s, 0, "resumed", mxCreateDoubleScalar((double)sum.resumed));
    mxSetField(s, 0, "already_complete", mxCreateLogicalScalar(sum.already_complete != 0));
    snprintf(membuf, sizeof membuf, "%08x", (unsigned)sum.input_crc32c);
    mxSetField(s, 0, "input_crc32c", mxCreateString(membuf));
    mxSetField(s, 0, "read_in_place", mxCreateLogicalScalar(sum.read_in_place != 0));
    cell = mxCreateCellMatrix((mwSize)nlines, 1);
    for (k = 0; k < nlines; k++) mxSetCell(cell, (mwIndex)k, mxCreateString(lines[k]));
    mxSetField(s, 0, "log", cell);
    plhs[1] = s;
}
