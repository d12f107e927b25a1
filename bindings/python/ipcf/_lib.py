"""ctypes declarations of libipcf (include/ipcf.h) and library loading."""

import contextlib
import ctypes
import os
import signal
import sys

MAX_NDIM = 8

# Status codes (ipcf.h).
OK = 0
E_INVALID_ARGUMENT = 1
E_BAD_HANDLE = 2
E_BUFFER_TOO_SMALL = 3
E_UNSUPPORTED_LAYOUT = 4
E_OUT_OF_MEMORY = 5
E_CANCELLED = 6
E_INTERNAL = 7
E_NO_DEVICE = 8
E_IO = 9
E_BUSY = 10
E_FORKED = 11
DEVICE_AUTO, DEVICE_CPU = -1, -2

DTYPE_CODES = {
    'u1': 1,
    'u2': 2,
    'i2': 3,
    'i4': 4,
    'f4': 5,
    'f8': 6,
}
ORDER_NATIVE, ORDER_LITTLE, ORDER_BIG = 0, 1, 2
MEAN_REAL, MEAN_FLOOR = 0, 1
CORR_MODES = {'circular': 0, 'linear': 1, 'same': 2}
# Since 0.3: the correlation toolkit.
BINS = {'log': 0, 'linear': 1, 'multitau': 2}
OUTPUT_CCF, OUTPUT_DELTA = 0, 1
OFFSETS = {'circle': 0, 'disk': 1, 'line': 2}
ERRORS = {'blocking': 0, 'segments': 1}  # ipcf_pcf_errors methods
JOB_ERRORS = {None: 0, 'blocking': 1, 'segments': 2}  # ipcf_job_options.errors (IPCF_JOB_ERRORS_*)

ENGINE_MEMORY, ENGINE_OOC = 0, 1
# Fits (ipcf_fit), since 0.3.
MODELS = {'pcf1d': 0, 'acf2d': 1, 'acf3d': 2, 'ccf2d': 3, 'itir': 4}
FIT_FLOW, FIT_GINF, FIT_JOINT, FIT_DELTA, FIT_BINS, FIT_MULTITAU = 1, 2, 4, 8, 16, 32
MAX_THREADS = 4096  # IPCF_MAX_THREADS: threads 0 (all cores) .. 4096
FIT_DEFAULT_WAIST = 2.0  # IPCF_FIT_DEFAULT_WAIST: options.waist 0 without a pixel size

PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)
JOB_PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64)
JOB_LOG = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


class Array(ctypes.Structure):
    _fields_ = [
        ('struct_size', ctypes.c_uint32),
        ('dtype', ctypes.c_uint32),
        ('byte_order', ctypes.c_uint32),
        ('ndim', ctypes.c_uint32),
        ('shape', ctypes.c_int64 * MAX_NDIM),
        ('strides', ctypes.c_int64 * MAX_NDIM),
        ('data', ctypes.c_void_p),
    ]


class PcfOptions(ctypes.Structure):
    _fields_ = [
        ('struct_size', ctypes.c_uint32),
        ('radius', ctypes.c_int32),
        ('npoints', ctypes.c_int32),
        ('nbins', ctypes.c_int32),
        ('bleach', ctypes.c_int32),
        ('bleach_mean', ctypes.c_int32),
        ('threads', ctypes.c_int32),
        ('reserved0', ctypes.c_int32),
        ('mask', ctypes.POINTER(Array)),
        ('progress', PROGRESS),
        ('progress_user', ctypes.c_void_p),
        ('token', ctypes.c_uint64),
        ('device', ctypes.c_int32),
        ('reserved1', ctypes.c_int32),
        # Since 0.3: the correlation toolkit.
        ('offsets', ctypes.POINTER(ctypes.c_int32)),
        ('noffsets', ctypes.c_int64),
        ('data2', ctypes.POINTER(Array)),
        ('bins', ctypes.c_int32),
        ('multitau_m', ctypes.c_int32),
        ('smooth', ctypes.c_double),
        ('threshold', ctypes.c_double),
        ('output', ctypes.c_int32),
        ('reserved2', ctypes.c_int32),
    ]


class BleachOptions(ctypes.Structure):
    _fields_ = [
        ('struct_size', ctypes.c_uint32),
        ('filtersize', ctypes.c_int32),
        ('mean', ctypes.c_int32),
        ('threads', ctypes.c_int32),
        ('progress', PROGRESS),
        ('progress_user', ctypes.c_void_p),
        ('token', ctypes.c_uint64),
    ]


class SimulateOptions(ctypes.Structure):
    _fields_ = [
        ('struct_size', ctypes.c_uint32),
        ('frames', ctypes.c_int32),
        ('size', ctypes.c_int32),
        ('seed', ctypes.c_uint64),
        ('particles', ctypes.c_int32),
        ('threads', ctypes.c_int32),
        ('diffusion', ctypes.c_double),
        ('channel_width', ctypes.c_double),
        ('psf_sigma', ctypes.c_double),
        ('brightness', ctypes.c_double),
        ('background', ctypes.c_double),
        ('bleach_tau', ctypes.c_double),
        ('progress', PROGRESS),
        ('progress_user', ctypes.c_void_p),
        ('token', ctypes.c_uint64),
    ]


class SourceOptions(ctypes.Structure):
    _fields_ = [
        ('struct_size', ctypes.c_uint32),
        ('raw_dtype', ctypes.c_uint32),
        ('raw_byte_order', ctypes.c_uint32),
        ('reserved0', ctypes.c_uint32),
        ('format', ctypes.c_char_p),
        ('raw_shape', ctypes.c_int64 * 3),
        ('raw_offset', ctypes.c_int64),
        ('crop', ctypes.c_char_p),
        ('frames', ctypes.c_char_p),
        ('mask', ctypes.c_char_p),
        ('channel', ctypes.c_int32),  # since 0.3
        ('channel2', ctypes.c_int32),
    ]


class JobOptions(ctypes.Structure):
    _fields_ = [
        ('struct_size', ctypes.c_uint32),
        ('tile_rows', ctypes.c_int32),
        ('tile_cols', ctypes.c_int32),
        ('reserved0', ctypes.c_int32),
        ('memory', ctypes.c_char_p),
        ('scratch', ctypes.c_char_p),
        ('engine', ctypes.c_char_p),
        ('frame_interval', ctypes.c_double),
        ('pixel_size', ctypes.c_double),
        ('progress', JOB_PROGRESS),
        ('progress_user', ctypes.c_void_p),
        ('log', JOB_LOG),
        ('log_user', ctypes.c_void_p),
        ('errors', ctypes.c_int32),  # since 0.3: JOB_ERRORS
        ('segments', ctypes.c_int32),
        ('copy_input', ctypes.c_int32),  # a later 0.3 addition
        ('reserved1', ctypes.c_int32),
    ]


class JobSummary(ctypes.Structure):
    _fields_ = [
        ('struct_size', ctypes.c_uint32),
        ('engine', ctypes.c_int32),
        ('shape', ctypes.c_int64 * 4),
        ('tiles', ctypes.c_int32),
        ('resumed', ctypes.c_int32),
        ('already_complete', ctypes.c_int32),
        ('input_crc32c', ctypes.c_uint32),
        ('read_in_place', ctypes.c_int32),  # a later 0.3 addition
        ('reserved1', ctypes.c_int32),
    ]


class FitOptions(ctypes.Structure):
    _fields_ = [
        ('struct_size', ctypes.c_uint32),
        ('model', ctypes.c_int32),
        ('flags', ctypes.c_uint32),
        ('first', ctypes.c_int32),
        ('last', ctypes.c_int32),
        ('max_iter', ctypes.c_int32),
        ('threads', ctypes.c_int32),
        ('multitau_m', ctypes.c_int32),
        ('waist', ctypes.c_double),
        ('kappa', ctypes.c_double),
        ('pixel_side', ctypes.c_double),
        ('pixel_size', ctypes.c_double),
        ('frame_interval', ctypes.c_double),
        ('progress', PROGRESS),
        ('progress_user', ctypes.c_void_p),
        ('token', ctypes.c_uint64),
    ]


def _init_size(lib, name, struct):
    """Return the struct_size the library's init function writes.

    The init function writes a whole struct of the library's size: give it
    room to spare so that a larger library struct cannot overrun ours.
    """
    buf = (ctypes.c_uint64 * ((ctypes.sizeof(struct) + 1024) // 8))()
    getattr(lib, name)(ctypes.cast(buf, ctypes.POINTER(struct)))
    return ctypes.c_uint32.from_buffer(buf).value


def _candidates():
    env = os.environ.get('IPCF_LIBRARY')
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, 'libipcf.so')
    # A source checkout: bindings/python/ipcf -> build/lib
    yield os.path.join(here, '..', '..', '..', 'build', 'lib', 'libipcf.so')


# The asynchronous signals a Python program handles (Ctrl+C's SIGINT, a
# job manager's SIGTERM, ...). CPython runs their handlers on the main
# thread only, and wakes it from a blocking wait (dask's compute waits in
# queue.get) only when the kernel delivers the signal to the main thread:
# delivered to another thread, the handler ran when the main thread next
# woke, which in an ipcf.dask compute was when a block ended (Ctrl+C
# ignored for a whole block; 1 test run in 10). The threads that run
# library work for long stretches block them (`signals_blocked`): the
# library's own threads (they inherit the mask of the thread that loads it),
# the calls' helper threads, and dask's worker threads inside a block.
ASYNC_SIGNALS = frozenset(getattr(signal, name) for name in (
    'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGWINCH', 'SIGCHLD')
    if hasattr(signal, name))


@contextlib.contextmanager
def signals_blocked():
    """Block ASYNC_SIGNALS on this thread (not the main thread: its
    handlers run there) for the with block, then restore its mask."""
    import threading

    if not hasattr(signal, 'pthread_sigmask') or threading.current_thread() is threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, ASYNC_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def load():
    """Return the loaded libipcf with argument and result types declared."""
    errors = []
    lib = None
    for path in _candidates():
        if not os.path.exists(path):
            errors.append(f'{path}: not found')
            continue
        old = None
        try:
            # Its runtime's threads take the mask of the loading thread
            # (see ASYNC_SIGNALS); this thread's own is restored.
            if hasattr(signal, 'pthread_sigmask'):
                old = signal.pthread_sigmask(signal.SIG_BLOCK, ASYNC_SIGNALS)
            lib = ctypes.CDLL(os.path.abspath(path))
            break
        except OSError as exc:
            errors.append(f'{path}: {exc}')
        finally:
            if old is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
    if lib is None:
        msg = 'cannot load libipcf (set IPCF_LIBRARY, or run make): ' + '; '.join(errors)
        raise ImportError(msg)
    P = ctypes.POINTER
    c = ctypes
    sigs = {
        'ipcf_version_number': (c.c_int32, []),
        'ipcf_version_string': (c.c_char_p, []),
        'ipcf_array_struct_size': (c.c_size_t, []),
        'ipcf_pcf_options_struct_size': (c.c_size_t, []),
        'ipcf_bleach_options_struct_size': (c.c_size_t, []),
        'ipcf_simulate_options_struct_size': (c.c_size_t, []),
        'ipcf_status_string': (c.c_char_p, [c.c_int32]),
        'ipcf_devices': (c.c_int32, [c.c_char_p, c.c_size_t]),
        'ipcf_last_device_note': (c.c_int32, [c.c_char_p, c.c_size_t]),
        'ipcf_last_error': (c.c_char_p, []),
        'ipcf_token_create': (c.c_int32, [P(c.c_uint64)]),
        'ipcf_token_cancel': (c.c_int32, [c.c_uint64]),
        'ipcf_token_destroy': (c.c_int32, [c.c_uint64]),
        'ipcf_circle': (c.c_int32, [c.c_int32, c.c_int32, P(c.c_int32), c.c_size_t]),
        'ipcf_logbins': (c.c_int32, [c.c_int64, c.c_int32, P(c.c_int64), c.c_size_t, P(c.c_size_t)]),
        'ipcf_correlate': (c.c_int32, [P(Array), P(Array), c.c_int32, P(Array)]),
        'ipcf_pcf_options_init': (None, [P(PcfOptions)]),
        'ipcf_pcf_output_shape': (c.c_int32, [P(Array), P(PcfOptions), P(c.c_int64)]),
        'ipcf_pcf_delays': (c.c_int32, [P(Array), P(PcfOptions), P(c.c_double), c.c_size_t, P(c.c_size_t)]),
        'ipcf_offsets': (c.c_int32, [c.c_int32, c.c_int32, c.c_int32, P(c.c_int32), c.c_size_t, P(c.c_size_t)]),
        'ipcf_pcf_compute': (c.c_int32, [P(Array), P(PcfOptions), P(Array)]),
        'ipcf_bleach_options_init': (None, [P(BleachOptions)]),
        'ipcf_correct_bleaching': (c.c_int32, [P(Array), P(BleachOptions), P(Array)]),
        'ipcf_check_counts': (c.c_int32, [P(Array), P(c.c_int32), c.c_char_p, c.c_size_t]),
        'ipcf_file_crc32c': (c.c_int32, [c.c_char_p, P(c.c_uint32), P(c.c_int64)]),
        'ipcf_crc32c': (c.c_int32, [c.c_char_p, c.c_size_t, P(c.c_uint32)]),
        'ipcf_check_metadata': (c.c_int32, [c.c_char_p, c.c_size_t]),
        'ipcf_lock_holder': (c.c_int32, [c.c_char_p, c.c_char_p, c.c_size_t, P(c.c_int32)]),
        'ipcf_convolve2d': (c.c_int32, [P(Array), P(Array), P(Array)]),
        'ipcf_simulate_options_init': (None, [P(SimulateOptions)]),
        'ipcf_simulate': (c.c_int32, [P(SimulateOptions), P(Array)]),
    }
    # File jobs, since 0.2: optional, so that an older library still loads
    # (ipcf.pcf_file then says why it cannot run).
    file_sigs = {
        'ipcf_source_options_init': (None, [P(SourceOptions)]),
        'ipcf_job_options_init': (None, [P(JobOptions)]),
        'ipcf_pcf_file': (c.c_int32, [c.c_char_p, P(SourceOptions), c.c_char_p, P(PcfOptions), P(JobOptions),
                                      P(JobSummary)]),
    }
    # Error bars, since 0.3: optional too (ipcf.pcf_errors says why it cannot run).
    errors_sig = (c.c_int32, [P(Array), P(PcfOptions), c.c_int32, c.c_int32, P(Array)])
    lib.has_errors = hasattr(lib, 'ipcf_pcf_errors')
    if lib.has_errors:
        lib.ipcf_pcf_errors.restype, lib.ipcf_pcf_errors.argtypes = errors_sig
    # Fits, since 0.3: optional too (ipcf.fit says why it cannot run).
    fit_sigs = {
        'ipcf_fit_options_struct_size': (c.c_size_t, []),
        'ipcf_fit_options_init': (None, [P(FitOptions)]),
        'ipcf_fit_nparams': (c.c_int32, [P(FitOptions), P(c.c_int32), c.c_int64, P(c.c_int32), c.c_char_p,
                                         c.c_size_t]),
        'ipcf_fit': (c.c_int32, [P(Array), P(c.c_double), P(c.c_int32), P(Array), P(FitOptions), P(Array),
                                 P(Array), P(Array), P(Array)]),
    }
    lib.has_fit = all(hasattr(lib, name) for name in fit_sigs)
    if lib.has_fit:
        for name, (res, args) in fit_sigs.items():
            f = getattr(lib, name)
            f.restype = res
            f.argtypes = args
        if ctypes.sizeof(FitOptions) != lib.ipcf_fit_options_struct_size():
            raise ImportError('libipcf FitOptions size mismatch: binding and library disagree')
    for name, (res, args) in sigs.items():
        f = getattr(lib, name, None)
        if f is None:
            msg = (f'libipcf at {lib._name} has no {name}: it is older than this binding '
                   f'(which needs the 0.3 ABI); rebuild it with make, or set IPCF_LIBRARY')
            raise ImportError(msg)
        f.restype = res
        f.argtypes = args
    # Unit ranges, since 0.3: optional (without it only the sign is checked).
    lib.has_check_units = hasattr(lib, 'ipcf_check_units')
    if lib.has_check_units:
        lib.ipcf_check_units.restype, lib.ipcf_check_units.argtypes = c.c_int32, [c.c_double, c.c_double]
    lib.has_file_jobs = all(hasattr(lib, name) for name in file_sigs)
    if lib.has_file_jobs:
        for name, (res, args) in file_sigs.items():
            f = getattr(lib, name)
            f.restype = res
            f.argtypes = args
        for struct, fn in ((SourceOptions, 'ipcf_source_options_init'), (JobOptions, 'ipcf_job_options_init')):
            if ctypes.sizeof(struct) != _init_size(lib, fn, struct):
                raise ImportError(f'libipcf {struct.__name__} size mismatch: binding and library disagree')
    for struct, fn in ((Array, 'ipcf_array_struct_size'), (PcfOptions, 'ipcf_pcf_options_struct_size'),
                       (BleachOptions, 'ipcf_bleach_options_struct_size'),
                       (SimulateOptions, 'ipcf_simulate_options_struct_size')):
        if ctypes.sizeof(struct) != getattr(lib, fn)():
            msg = (f'libipcf {struct.__name__} size mismatch: binding and library disagree '
                   f'(the library\'s is {getattr(lib, fn)()} bytes, the binding\'s {ctypes.sizeof(struct)})')
            raise ImportError(msg)
    return lib


if sys.byteorder == 'little':
    NATIVE = ORDER_LITTLE
else:
    NATIVE = ORDER_BIG
