"""Image pair correlation function (pCF) analysis of image time series.

A thin ctypes binding of libipcf, the library of the ipcf project. Arrays are
passed to the library without copies: any (time, row, column) numpy array of
uint8, uint16, int16, int32, float32 or float64, C or Fortran order, strided
views and big-endian data alike. The library releases the GIL while it
computes. Arguments are checked before the library is called (integers never
wrap; read-only, misaligned or overlapping outputs are refused), every error
is an `IpcfError` whose class follows its status code, and Ctrl+C cancels any
call made on the main thread, whatever its size.

The numerical contract is the project's ``shared/spec/pcf.md``; results agree
with C. Gohlke's tutorial (cgohlke/ipcf.ipynb) to float32 precision.

`pcf_file` computes the pCF of a series in a file (.npy, TIFF, a folder of
TIFFs, raw) into a .npy file or a Zarr folder, in memory or out of core
within a memory budget, resumably; `open_result` reads such a result back
with its metadata.

References
----------
.. [1] Digman MA, Gratton E. Imaging barriers to diffusion by pair correlation
   functions. Biophys J. 2009;97(2):665-673. doi:10.1016/j.bpj.2009.04.048

Examples
--------
>>> import ipcf
>>> data = ipcf.simulate(frames=1024, size=24, seed=1)
>>> result = ipcf.pcf(data, radius=4, npoints=16, nbins=16)
>>> result.shape
(16, 16, 16, 15)
"""

import contextlib
import ctypes
import errno
import faulthandler
import importlib
import json
import logging
import math
import mmap
import numbers
import operator
import os
import queue
import re
import stat
import sys
import threading
import time
import _thread
import warnings

import numpy

# (not "from . import _lib": the package attribute _lib is the library
# below, which importlib.reload(ipcf) would take for the module)
_c = importlib.import_module(__name__ + '._lib')

__all__ = [
    'IpcfError', 'IpcfValueError', 'IpcfTypeError', 'IpcfMemoryError', 'IpcfIOError', 'IpcfBusyError', 'pcf',
    'acf', 'pcf_output_shape', 'pcf_file', 'open_result', 'JobResult', 'correct_bleaching', 'circle', 'offsets',
    'delays', 'distances', 'logbins', 'correlate', 'convolve2d', 'simulate', 'version', 'devices', 'last_device',
    'label', 'Labelled', 'TimeAxisWarning', 'IgnoredOptionWarning', 'AllNaNWarning', 'CountsWarning', '__version__', 'pcf_errors', 'fit', 'fit_result', 'FitResult', 'SmoothedCurvesWarning',
    'open_errors', 'DEFAULT_FILTERSIZE', 'FaultHandlerWarning',
]

_lib = _c.load()
_PID = os.getpid()
__version__ = _lib.ipcf_version_string().decode().split()[0]


class IpcfError(RuntimeError):
    """Error reported by libipcf, or found by the binding before a call.

    Every exception the binding raises for a bad argument or a failed call
    is an `IpcfError`; its class follows the status code (one table,
    `_ERRORS`), also for an error the binding finds itself before calling
    the library: `IpcfValueError` (also a `ValueError`), `IpcfTypeError`
    (also a `TypeError`), `IpcfMemoryError` (also a `MemoryError`),
    `IpcfIOError` (also an `OSError`), `IpcfBusyError`; any other status,
    also one newer than this binding, is a plain `IpcfError` carrying the
    code.

    Attributes
    ----------
    status : int
        The library's status code (``ipcf_status``).
    message : str
        The library's message, naming the function and the values involved
        (or the binding's, naming the argument).
    """

    def __init__(self, status, message):
        self.status = status
        self.message = message
        super().__init__(message)

    def __reduce__(self):
        # pickled as (status, message): a worker process's error reaches
        # multiprocessing's or dask's parent as itself (args holds the
        # message alone, which __init__ would take for the status)
        return type(self), (self.status, self.message)


def _renamed(e, queries, call):
    """Name error e as raised by call where the library's message names
    one of the queries instead (a function the caller never called): its
    message and args alike, so that a pickled copy (a worker process's,
    dask's) says the same (HOSTS14's F2)."""
    for q in queries:
        if isinstance(e.message, str) and e.message.startswith(q + ': '):
            e.message = call + ': ' + e.message[len(q) + 2:]
            e.args = (e.message,) + e.args[1:]
            return


class IpcfValueError(IpcfError, ValueError):
    """Invalid argument: a parameter, shape or value the library refuses
    (status 1), or an output array of the wrong shape (status 3)."""


class IpcfTypeError(IpcfError, TypeError):
    """Unsupported type, dtype or layout (status 4)."""


class IpcfMemoryError(IpcfError, MemoryError):
    """The library or the binding cannot allocate what a call needs (status 5)."""


class IpcfIOError(IpcfError, OSError):
    """A file cannot be read or written (missing or unreadable input, full
    disk), or an input changed while a file job read it (status 9)."""


class IpcfBusyError(IpcfError):
    """The output of a file job is being written by another run (status 10)."""


# The one status -> exception table. A status not in it (one a newer
# library added) raises a plain IpcfError carrying the code.
_ERRORS = {
    _c.E_INVALID_ARGUMENT: IpcfValueError,
    _c.E_BAD_HANDLE: IpcfError,
    _c.E_BUFFER_TOO_SMALL: IpcfValueError,
    _c.E_UNSUPPORTED_LAYOUT: IpcfTypeError,
    _c.E_OUT_OF_MEMORY: IpcfMemoryError,
    _c.E_CANCELLED: IpcfError,
    _c.E_INTERNAL: IpcfError,
    _c.E_NO_DEVICE: IpcfError,
    _c.E_IO: IpcfIOError,
    _c.E_BUSY: IpcfBusyError,
    _c.E_FORKED: IpcfError,  # the library called in a forked child (Python checks before the call)
}


def _error(status, message):
    """Return the exception for a status code and message (never raises)."""
    try:
        status = int(status)
    except Exception:  # noqa: BLE001 - a status must never crash the error path
        status = _c.E_INTERNAL
    cls = _ERRORS.get(status)
    message = message or ''
    if cls is None:
        cls = IpcfError
        message = f'{message or "libipcf"} (status {status}, unknown to this binding {__version__})'
    elif not message:
        message = f'libipcf: {_status_text(status)} (status {status})'
    return cls(status, message)


def _status_text(status):
    try:
        return (_lib.ipcf_status_string(status) or b'').decode('utf-8', 'replace')
    except Exception:  # noqa: BLE001
        return ''


def _last_error():
    """The calling thread's last library message (bytes that are not UTF-8,
    e.g. from a file name, are replaced, never an exception)."""
    m = _lib.ipcf_last_error()
    return m.decode('utf-8', 'replace') if m else ''


def _invalid(message):
    """A bad value found by the binding: raised as the library would (status 1)."""
    return _error(_c.E_INVALID_ARGUMENT, message)


def _unsupported(message):
    """A bad type or dtype found by the binding (status 4: an IpcfTypeError)."""
    return _error(_c.E_UNSUPPORTED_LAYOUT, message)


# Python's faulthandler, enabled after the library was loaded, takes the
# signals of memory faults from the Go runtime, which turns a fault on a
# file cut short under its mapping into an IpcfIOError: the process then
# ends instead (SIGBUS). Enabled before (as pytest and python -X
# faulthandler do), it passes them on.
_FAULTHANDLER_AT_IMPORT = faulthandler.is_enabled()
_faulthandler_warned = False


class FaultHandlerWarning(RuntimeWarning):
    """faulthandler was enabled after ipcf was imported (see _check_process)."""


def _check_process():
    global _faulthandler_warned
    if not _faulthandler_warned and not _FAULTHANDLER_AT_IMPORT and faulthandler.is_enabled():
        _faulthandler_warned = True
        warnings.warn('faulthandler was enabled after ipcf was imported: a file cut short while ipcf reads it '
                      'will end this process (SIGBUS) instead of raising IpcfIOError; enable faulthandler before '
                      'importing ipcf (python -X faulthandler, or faulthandler.enable() first)',
                      FaultHandlerWarning, stacklevel=_outside_stacklevel())
    if os.getpid() != _PID:
        msg = (
            'ipcf: this process was forked after libipcf was loaded; the Go runtime inside '
            'the library cannot run in a forked child. Use multiprocessing with the '
            '"spawn" or "forkserver" start method (dask.distributed already spawns).'
        )
        raise _error(_c.E_FORKED, msg)


# C integer types of the library's parameters: (low, high).
_CTYPES = {
    'int32': (-(1 << 31), (1 << 31) - 1),
    'int64': (-(1 << 63), (1 << 63) - 1),
    'uint64': (0, (1 << 64) - 1),
}


def _shown(value, limit=40):
    """Return repr(value) for a message, cut to about limit characters."""
    try:
        r = repr(value)
    except Exception:  # noqa: BLE001 - a message must never fail
        r = f'<{type(value).__name__}>'
    return r if len(r) <= limit else f'{r[:limit - 12]}...({len(r)} characters)'


def _int(value, name, ctype='int32', lo=None, hi=None):
    """Return value as an int that fits the C type (and lo..hi if given).

    The one owner of the integer rule for every integer parameter: Python
    ints, numpy integer scalars (and 0-d integer arrays) and floats without
    a fractional part are accepted; bools, fractional or non-finite floats,
    strings and other objects raise an IpcfTypeError; a value outside the
    C type's range (ctypes would silently wrap it: 2**32 + 2 becoming 2) or
    outside lo..hi raises an IpcfValueError. Messages name the parameter.
    """
    if isinstance(value, (bool, numpy.bool_)):
        raise _unsupported(f'{name}={value!r}: want an integer, not a bool')
    if isinstance(value, (float, numpy.floating)):
        f = float(value)
        if not math.isfinite(f) or not f.is_integer():
            raise _unsupported(f'{name}={value!r}: want an integer')
        v = int(f)
    else:
        try:
            v = operator.index(value)
        except TypeError:
            raise _unsupported(f'{name}={value!r}: want an integer') from None
    tlo, thi = _CTYPES[ctype]
    if not tlo <= v <= thi:
        raise _invalid(f'{name}={_shown(v)} is out of range for the library\'s {ctype} ({tlo}..{thi})')
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        want = f'>= {lo}' if hi is None else (f'<= {hi}' if lo is None else f'{lo}..{hi}')
        raise _invalid(f'{name}={_shown(v)}: want {want}')
    return v


def _float(value, name, finite=True):
    """Return value as a float for a C double parameter.

    Bools, strings and other objects raise an IpcfTypeError; NaN and
    infinities (meaningless for every float parameter of the library)
    raise an IpcfValueError naming the parameter.
    """
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, (numbers.Real, numpy.number)):
        raise _unsupported(f'{name}={value!r}: want a real number')
    try:
        f = float(value)
    except OverflowError:
        # an int beyond a double's range (10**400): a value, out of range
        if finite:
            raise _invalid(f'{name}={_shown(value)}: want a finite number (beyond the range of a double)') from None
        f = math.inf if value > 0 else -math.inf
    except (TypeError, ValueError):
        raise _unsupported(f'{name}={_shown(value)}: want a real number') from None
    if finite and not math.isfinite(f):
        raise _invalid(f'{name}={f}: want a finite number')
    return f


def _threads(threads):
    if threads is None:
        env = os.environ.get('IPCF_NUM_THREADS', '')
        if not env:
            return 0
        try:
            threads = int(env)
            if not 0 <= threads <= _c.MAX_THREADS:
                raise ValueError
        except ValueError:
            _count_warning()
            warnings.warn(f'ipcf: ignoring IPCF_NUM_THREADS={env!r}: not a whole number 0..{_c.MAX_THREADS}',
                          stacklevel=_outside_stacklevel())
            return 0
    # (checked here, before any call: ipcf.dask checked it only when a block ran)
    return _int(threads, 'threads', lo=0, hi=_c.MAX_THREADS)


def _defaults(struct, init):
    """Return a struct of options holding the library's defaults (init).

    The one place a call first reaches the library: a forked child is
    refused here, before anything reads the struct (there, the library
    refuses every call and leaves it zeroed: a zeroed default made the
    default m look given, an IgnoredOptionWarning before the error)."""
    _check_process()
    o = struct()
    init(ctypes.byref(o))
    return o


_ARRAY_SIZE = ctypes.sizeof(_c.Array)
_DTYPES = {}  # numpy dtype -> (ipcf dtype code, byte order) of the dtypes seen


def _descriptor(a, name):
    """Return an ipcf_array describing numpy array a (no copy)."""
    dt = a.dtype
    known = _DTYPES.get(dt)
    if known is None:
        code = _c.DTYPE_CODES.get(f'{dt.kind}{dt.itemsize}')
        if code is None:
            msg = f'{name}: dtype {dt} is not supported (uint8, uint16, int16, int32, float32, float64)'
            raise _unsupported(msg)
        known = _DTYPES[dt] = (code, {'<': _c.ORDER_LITTLE, '>': _c.ORDER_BIG}.get(dt.byteorder, _c.ORDER_NATIVE))
    n = a.ndim
    if n < 1 or n > _c.MAX_NDIM:
        raise _invalid(f'{name}: {n} dimensions, want 1..{_c.MAX_NDIM}')
    d = _c.Array(_ARRAY_SIZE, known[0], known[1], n)
    d.shape[:n] = a.shape
    d.strides[:n] = a.strides
    d.data = a.__array_interface__['data'][0] or None
    return d


def _check_dtype(dtype, name):
    """Raise an IpcfTypeError unless the library can read samples of dtype
    (directly, or after `_input`'s conversion)."""
    dtype = numpy.dtype(dtype)
    if f'{dtype.kind}{dtype.itemsize}' in _c.DTYPE_CODES or dtype.kind in 'uib' or dtype.str[1:] == 'f2':
        # (float16 of either byte order: '>f2' != numpy.float16, HOSTS14's F1)
        return
    msg = f'{name}: dtype {dtype} is not supported (integer or real samples)'
    raise _unsupported(msg)


def _not_masked(data, name):
    """Refuse a masked array (numpy.asarray would silently drop its mask)."""
    if type(data) is numpy.ndarray:
        return
    if isinstance(data, numpy.ma.MaskedArray) or isinstance(getattr(data, '_meta', None), numpy.ma.MaskedArray):
        if name == 'mask':
            # (the data's advice read oddly for mask= itself, HOSTS14's M6)
            msg = ('mask: a masked array; its own mask would be ignored. Pass mask.filled(False): '
                   'a (row, column) array, nonzero at the pixels to compute')
        elif name in ('data', 'data2'):
            msg = (f'{name}: a masked array; its mask would be ignored. Pass {name}.filled(value), '
                   'or for pcf a (row, column) mask= of the pixels to compute')
        else:
            # (offsets, a kernel, correlate's inputs, fit's: pcf's mask= is
            # no fix for them, REVIEW16's F6)
            msg = f'{name}: a masked array; its mask would be ignored. Pass {name}.filled(value)'
        raise _unsupported(msg)


def _input(data, name, ndim=None):
    """Return data as a numpy array the library reads in place.

    Supported dtypes pass through untouched (views, any strides, either byte
    order). Other integer dtypes and float16 are converted to float64
    (a copy, exact for integers of magnitude up to 2**53: 64-bit integers
    beyond are refused, their fluctuations would be rounded away); bool to
    uint8. Masked arrays are refused (the library has no per-sample mask;
    the mask would be silently dropped), so are complex, object, string,
    ... dtypes.
    """
    _not_masked(data, name)
    if not isinstance(data, numpy.ndarray):
        try:
            data = numpy.asarray(data)
        except (ValueError, TypeError) as exc:
            raise _unsupported(f'{name}: not an array of numbers ({exc})') from None
    if ndim is not None and data.ndim not in (ndim if isinstance(ndim, tuple) else (ndim,)):
        want = {1: '1 (series)', 2: '2 (row, column)', 3: '3 (time, row, column)',
                (3, 2): '3 (time, row, column) or 2 (time, column: a line scan)',
                (2, 1): '2 (row, column) or 1 (column, of a line scan)'}.get(ndim, ndim)
        raise _invalid(f'{name}: {data.ndim} dimensions, want {want}')
    key = f'{data.dtype.kind}{data.dtype.itemsize}'
    if key in _c.DTYPE_CODES:
        return data
    _check_dtype(data.dtype, name)
    if data.dtype.kind == 'b':
        v = data.view(numpy.uint8)
        _probe_mapped(data, name)  # (numpy reads the bytes below)
        if v.size and v.max() > 1:
            # bytes other than 0 and 1 (np.load of a b1 file another program
            # wrote, np.frombuffer(..., bool)): numpy reads them as True, 1;
            # the view passed their values (READ16's F5)
            return v.astype(bool).view(numpy.uint8)
        return v
    _probe_mapped(data, name)  # numpy reads it below, not the library
    if data.dtype.kind in 'iu' and data.dtype.itemsize == 8 and data.size:
        hi, lo = data.max(), data.min()
        if hi > 2 ** 53 or lo < -2 ** 53:
            raise _invalid(f'{name}: {data.dtype} values from {lo} to {hi}: beyond 2**53 float64, in which the '
                           f'library computes them, does not hold every integer, and their fluctuations would be '
                           f'rounded away (a result of zeros). Subtract an offset first ({name} - {name}.min()), '
                           f'or scale them to floats yourself')
    # (a copy the size of the input: refused as every allocation is, not
    # numpy's bare MemoryError for a huge broadcast view: HOSTS14's M5)
    out = _empty(data.shape, numpy.float64, f'{name} (converted to float64)')
    out[...] = data
    return out


def _file_mapped(a):
    """Whether the memory of the array a may be a file's mapping: a
    numpy.memmap (numpy.load's mmap_mode), or a view of an mmap.mmap."""
    x = a
    for _ in range(64):
        if x is None:
            return False
        if isinstance(x, (numpy.memmap, mmap.mmap)):
            return True
        x = getattr(x, 'base', None)
    return True  # (a chain that long: taken for one)


def _probe_mapped(a, name):
    """Read the bytes of a file-mapped array a through the library's
    guarded reader (ipcf_crc32c) before numpy reads them itself (to convert
    them, or to check their range): a file cut short then raises
    IpcfIOError, where numpy's read was a SIGBUS that killed Python
    (APIS12's F3). The library's own reads of the arrays it takes are
    guarded already."""
    if not a.size or not _file_mapped(a):
        return
    bounds = getattr(numpy, 'byte_bounds', None)
    if bounds is None:  # numpy 2
        from numpy.lib.array_utils import byte_bounds as bounds
    lo, hi = bounds(a)
    crc = ctypes.c_uint32()
    st = _lib.ipcf_crc32c(ctypes.cast(lo, ctypes.c_char_p), hi - lo, ctypes.byref(crc))
    if st != 0:
        raise _error(st, f'{name}: {_lib.ipcf_last_error().decode(errors="replace")}')


def _self_overlapping(a):
    """Whether distinct elements of a may share bytes (zero or interleaved strides)."""
    flags = a.flags
    if flags.c_contiguous or flags.f_contiguous:
        return False  # each element its own itemsize bytes
    extent = a.itemsize
    dims = sorted((abs(s), n) for n, s in zip(a.shape, a.strides) if n > 1)
    for s, n in dims:
        if s < extent:
            return True
        extent = s * (n - 1) + extent
    return False


def _overlaps(a, b):
    """Whether arrays a and b may share memory (too hard to tell: yes)."""
    if not numpy.may_share_memory(a, b):
        return False
    try:
        return numpy.shares_memory(a, b, max_work=100000)
    except numpy.TooHardError:
        return True


def _output(out, name, shape, kinds, want, inputs=()):
    """Check an array the library will write into, before any call.

    out must be a numpy.ndarray (not a masked array) of exactly shape, with
    a dtype whose kind+itemsize is in kinds (either byte order), writeable,
    aligned, without self-overlapping strides and sharing no memory with
    any of inputs ((array, name) pairs). Python never hands the library an
    array marked read-only (a numpy.memmap opened with mode 'r' would make
    it write into read-only pages: SIGSEGV).
    """
    if not isinstance(out, numpy.ndarray) or isinstance(out, numpy.ma.MaskedArray):
        raise _unsupported(f'{name}: want a numpy.ndarray of {want}, not {type(out).__name__}')
    if f'{out.dtype.kind}{out.dtype.itemsize}' not in kinds:
        raise _unsupported(f'{name}: dtype {out.dtype}, want {want}')
    if out.shape != tuple(shape):
        raise _error(_c.E_BUFFER_TOO_SMALL, f'{name}: shape {out.shape}, want {tuple(shape)}')
    flags = out.flags
    if not flags.writeable:
        raise _invalid(f'{name}: the array is read-only (flags.writeable is False); ipcf never writes into it')
    if not flags.aligned:
        raise _invalid(f'{name}: the array is not aligned to its {out.dtype.itemsize}-byte items')
    if _self_overlapping(out):
        raise _invalid(f'{name}: elements overlap in memory (zero or interleaved strides {out.strides})')
    for arr, iname in inputs:
        if arr is not None and _overlaps(out, arr):
            raise _invalid(f'{name} shares memory with {iname}: pass a separate output array')
    return out


def _tqdm():
    """tqdm's bar class: the notebook's where ipywidgets can draw it (tqdm's
    notebook bar warns and falls back without it), else the text bar;
    None without tqdm."""
    try:
        from tqdm.std import tqdm
    except ImportError:
        return None
    try:
        import ipywidgets  # noqa: F401 - the notebook bar's widgets
    except ImportError:
        return tqdm
    from tqdm.auto import tqdm
    return tqdm


# The unit of each call's (or file-job phase's) progress: what the
# library counts. Work the library counts in internal units (the pCF's
# row passes, the bleaching filter's pixel blocks) is shown in percent.
_UNITS = {'simulate': 'frame', 'read': 'frame', 'transpose': 'frame',
          'check': 'frame'}


class _Stderr:
    """sys.stderr (whatever it is when written) for the progress bars, its
    errors swallowed: a bar's write failing inside tqdm (stderr closed, a
    full disk, a pipe whose reader quit) left tqdm's global lock held by
    the thread that drew it, and the next bar made on another thread waited
    for it for ever."""

    def write(self, text):
        try:
            f = sys.stderr
            if f is not None:
                f.write(text)
        except Exception:  # noqa: BLE001 - a display problem must not stop or hang the computation
            pass
        return len(text)

    def flush(self):
        try:
            f = sys.stderr
            if f is not None:
                f.flush()
        except Exception:  # noqa: BLE001
            pass

    def fileno(self):  # (tqdm asks the terminal's width through it)
        f = sys.stderr
        if f is None:
            raise OSError(errno.EBADF, 'no stderr')
        return f.fileno()

    def isatty(self):
        try:
            return sys.stderr is not None and sys.stderr.isatty()
        except Exception:  # noqa: BLE001
            return False

    @property
    def encoding(self):  # (tqdm draws Unicode blocks where the stream takes them)
        return getattr(sys.stderr, 'encoding', None)


_STDERR = _Stderr()


class _Progress:
    """Progress bar fed by the library's callback (tqdm if installed).

    The bar names what it counts (frames, or percent of the work) and is
    kept when the call ends (a notebook keeps the finished bar).
    """

    def __init__(self, desc, unit=None):
        self.bar = None
        self.desc = desc
        self.unit = unit or _UNITS.get(desc.split()[-1] if desc else '', '%')
        self.last = 0
        self.total = 0
        self.tqdm = _tqdm()
        self.interrupted = False
        self.raised = None  # a BaseException other than KeyboardInterrupt the bar raised

    def _open(self, total):
        kw = dict(desc=self.desc, leave=True, dynamic_ncols=True, file=_STDERR)
        if self.unit == '%':
            # Percent of the work: no count of internal units, no rate of them.
            kw.update(total=100, unit='%', bar_format='{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]')
        else:
            kw.update(total=int(total), unit=self.unit, unit_scale=True)
        return self.tqdm(**kw)

    def _position(self, done, total):
        return min(100, int(100 * done // total)) if self.unit == '%' else int(done)

    def __call__(self, user, done, total):
        try:
            if total <= 0:
                return 0
            self.total = int(total)
            pos = self._position(done, total)
            if self.tqdm is not None:
                if self.bar is None:
                    self.bar = self._open(total)
                if pos > self.last:
                    self.bar.update(pos - self.last)
            else:
                width = 30
                n = int(width * done / total)
                count = '' if self.unit == '%' else f' {int(done)}/{int(total)} {self.unit}s'
                _STDERR.write(f'\r{self.desc} [{"#" * n}{"." * (width - n)}] {100 * done / total:3.0f}%{count}')
                _STDERR.flush()
            self.last = max(self.last, pos)
        except KeyboardInterrupt:
            # Ctrl+C during a quick call on the main thread is raised here,
            # in the callback, where ctypes would swallow it (the call then
            # failed as cancelled): cancel, and _call raises it.
            self.interrupted = True
            return 1
        except Exception:  # never let a display problem stop the computation
            pass
        except BaseException as exc:
            # SystemExit (a bar's handler calling sys.exit) and the like: the
            # caller asked to stop. ctypes would print and swallow it and the
            # call go on: cancel, and _call raises it.
            self.raised = exc
            return 1
        return 0

    def close(self):
        try:
            if self.bar is not None:
                self.bar.close()
            elif self.tqdm is None and self.total:
                _STDERR.write('\n')  # keep the finished bar
                _STDERR.flush()
        except Exception:  # noqa: BLE001 - a display problem must not hide the call's outcome
            pass


class _PhaseProgress:
    """One `_Progress` bar per phase of a file job ("read", "pcf", ...)."""

    def __init__(self, desc):
        self.desc = desc
        self.phase = None
        self.bar = None
        self.interrupted = False
        self.raised = None

    def __call__(self, user, phase, done, total):
        try:
            phase = phase.decode('utf-8', 'replace') if phase else ''
            if phase != self.phase:
                self.close()
                self.phase = phase
                self.bar = _Progress(f'{self.desc} {phase}'.strip())
            if self.bar(user, done, total):
                # The phase's bar was stopped (see _Progress.__call__).
                self.interrupted = self.interrupted or self.bar.interrupted
                self.raised = self.raised or self.bar.raised
                return 1
        except Exception:  # never let a display problem stop the computation
            pass
        except BaseException as exc:  # as in _Progress.__call__
            self.interrupted = self.interrupted or isinstance(exc, KeyboardInterrupt)
            self.raised = self.raised or (None if isinstance(exc, KeyboardInterrupt) else exc)
            return 1
        return 0

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# Ctrl+C. A KeyboardInterrupt raised in a ctypes callback is swallowed, and
# the main thread cannot run Python signal handlers while it is inside a
# library call. So every call made on the main thread, whatever its size
# (but a quick pCF: _QUICK_WORK), runs in a helper thread while the main
# thread waits on a lock (which a
# signal interrupts): on Ctrl+C the main thread cancels the call's token
# and waits until the library has returned (it must not write into arrays
# the caller may free), then raises KeyboardInterrupt. Up to
# _MAX_IDLE_WORKERS helper threads are kept for the next call (starting a
# thread per call costs more than a small call); others end when their
# call has returned. Calls from other threads (dask workers, ...) run directly:
# Python delivers signals to the main thread only.

_IDLE_WORKERS = []  # helper threads waiting for a call
_IDLE_LOCK = threading.Lock()  # guards _IDLE_WORKERS: helpers release themselves (orphan calls) on their threads
_MAX_IDLE_WORKERS = 2


class _Job:
    """One library call handed to a helper thread."""

    __slots__ = ('fn', 'args', 'keep', 'done', 'state', 'taken', 'started', 'aborted', 'finished', 'orphan', 'status',
                 'message', 'worker')

    def __init__(self, fn, args, keep):
        self.fn, self.args, self.keep = fn, args, keep  # keep: arrays the call reads or writes
        self.done = _thread.allocate_lock()
        self.done.acquire()  # released by the helper when the call returned (or was skipped)
        self.state = _thread.allocate_lock()  # guards taken, started, aborted, finished, orphan
        self.taken = self.started = self.aborted = self.finished = self.orphan = False
        self.status, self.message = _c.E_INTERNAL, 'ipcf: the helper thread did not run the call'
        self.worker = None  # the helper given the job: set before the job is put in its queue


class _Worker:
    """A daemon thread running one _Job at a time; job, if given, is in its
    queue before the thread starts."""

    def __init__(self, job=None):
        self.jobs = queue.SimpleQueue()
        self.ended = False  # sent the end (None): never kept again
        if job is not None:
            # Before start(): it waits for the new thread, and a Ctrl+C
            # there left the thread started but its _Worker never returned
            # (a helper waiting for good, in no pool). Now the thread takes
            # the job, skips it (aborted) and goes back to the pool itself.
            job.worker = self
            self.jobs.put(job)
        threading.Thread(target=self._loop, name='ipcf-call', daemon=True).start()

    def _loop(self):
        with _c.signals_blocked():  # Ctrl+C goes to the waiting main thread
            self._serve()

    def _serve(self):
        while True:
            job = self.jobs.get()
            if job is None:  # not kept for another call (_release_worker): the thread ends
                return
            with job.state:
                job.taken = True
                run = not job.aborted
                job.started = run
            if run:
                try:
                    job.status = job.fn(*job.args)
                    # The message is per thread: read it on this one.
                    job.message = _last_error() if job.status else ''
                except BaseException as exc:  # noqa: BLE001 - reported to the caller
                    job.status, job.message = _c.E_INTERNAL, f'ipcf: {type(exc).__name__}: {exc}'
            with job.state:
                job.finished = True
                orphan = job.orphan
            job.done.release()
            job = None
            if orphan:  # the caller left without us: we go back to the pool ourselves
                _release_worker(self)


def _hand_over(job):
    """Put job in the queue of a helper: an idle one, else a new one.

    A KeyboardInterrupt can come at any check for signals (Python 3.11
    checks after each call into C: the pop, the lock's exit; start() waits
    for the new thread). The helper was taken from the pool (or started)
    and then handed the job: an interrupt in between lost it, waiting on its
    queue for good (test_left_helpers_end_beyond_the_pool, under load). Now
    job.worker names it and the job is in its queue before it leaves the
    pool or its thread starts: an interrupt before the put leaves it idle in
    the pool (or never started); after, it takes the job (skipped, aborted)
    and, the job an orphan, goes back to the pool itself. A new helper is
    started off this thread (_start_worker)."""
    with _IDLE_LOCK:
        if _IDLE_WORKERS:
            worker = job.worker = _IDLE_WORKERS[-1]
            worker.jobs.put(job)
            _IDLE_WORKERS.pop()
            return
    # A new helper is started by a thread of its own, not by this one:
    # Thread.start() runs Python code and waits for the new thread, and a
    # KeyboardInterrupt (raised on the main thread only) within it left a
    # Thread in threading's _limbo or its start's lock held (FLAKE3's
    # injection of one at every check). start_new_thread is one call into
    # C: the starter runs, or it raises.
    try:
        _thread.start_new_thread(_start_worker, (job,))
    except RuntimeError as exc:  # "can't start new thread": a limit of threads or of address space
        raise _error(_c.E_OUT_OF_MEMORY, _no_thread(exc)) from None


def _no_thread(exc):
    return f'ipcf: cannot start the helper thread of the call ({exc}): a limit of address space (ulimit -v) or of threads?'


def _start_worker(job):
    """Start the helper of job, on a thread of its own (no signal is
    raised there); if the system refuses it a thread, job fails with that,
    as the call's result."""
    with _c.signals_blocked():  # Ctrl+C goes to the waiting main thread
        try:
            _Worker(job)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            job.status = _c.E_OUT_OF_MEMORY if isinstance(exc, RuntimeError) else _c.E_INTERNAL
            job.message = _no_thread(exc) if isinstance(exc, RuntimeError) else f'ipcf: {type(exc).__name__}: {exc}'
            job.worker = None  # no helper: none to release
            with job.state:
                job.finished = True
            job.done.release()


def _release_worker(worker):
    """Keep worker for the next call, or end its thread when enough are
    kept (calls left to finish after Ctrl+C start new helpers: without an
    end, each left a thread blocked on its queue for good)."""
    # Under a lock: the helpers of calls left behind by Ctrl+C release
    # themselves on their own threads, often at once, and each found room
    # for one more (the check and the append apart): 4 idle helpers were
    # kept for good in 1 of 4 runs of 12 interrupted calls.
    with _IDLE_LOCK:
        if any(w is worker for w in _IDLE_WORKERS):
            return  # released already (a Ctrl+C made the caller's cleanup run twice)
        if not worker.ended:
            if len(_IDLE_WORKERS) < _MAX_IDLE_WORKERS:
                _IDLE_WORKERS.append(worker)
                return
            worker.ended = True
    # Sent again when released again: a Ctrl+C between `ended` and the put
    # (at the lock's exit) made the release again, which returned without
    # the end (a helper waiting for good). The thread ends at the first.
    worker.jobs.put(None)


def _release_despite_interrupts(worker):
    """_release_worker(worker), made again if a KeyboardInterrupt cuts it
    short (the worker was lost: a helper thread waiting for good), which is
    raised once it is done."""
    pending = None
    while True:
        try:
            _release_worker(worker)
            break
        except KeyboardInterrupt as exc:
            pending = exc
    if pending is not None:
        raise pending


def _wait_finished(job):
    """Return once the helper has finished job's call, ignoring
    KeyboardInterrupt (the library must return first).

    It reads job.finished, which the helper sets before it releases
    job.done: a KeyboardInterrupt raised just after acquire() returned
    would lose the lock it took, and acquiring it again would wait for
    good (Ctrl+C then ignored)."""
    while True:
        try:
            with job.state:
                if job.finished:
                    return
            job.done.acquire(timeout=0.05)
        except KeyboardInterrupt:
            pass


def _run_in_helper(fn, args, token, keep):
    """Run fn(*args) in a helper thread; return (status, message).

    token is the cancellation token the call was given, or 0 for a call
    without one (correlate, convolve2d: the C ABI gives them none). On
    KeyboardInterrupt a call with a token is cancelled and awaited; a call
    without one is left to finish in its helper thread, which keeps its
    arrays alive (they belong to the binding or are only read), and the
    KeyboardInterrupt is raised at once.
    """
    job = _Job(fn, args, keep)
    try:
        _hand_over(job)
        while not job.done.acquire(timeout=0.05):
            pass
    except BaseException:
        # Ctrl+C (or any other asynchronous exception) while waiting.
        while True:
            try:
                with job.state:
                    job.aborted = True  # a call not yet started never starts
                    started, finished = job.started, job.finished
                    if not finished and not (started and token):
                        # Left to the helper: it finishes the call (no
                        # token) or skips it (not started: taken later, or
                        # never put in its queue, the helper then idle in
                        # the pool or never started), then goes back to the
                        # pool itself (_serve).
                        job.orphan = True
                    ours = not job.orphan
                if started and not finished and token:
                    _lib.ipcf_token_cancel(token)
                    _wait_finished(job)
                if ours and job.worker is not None:
                    _release_despite_interrupts(job.worker)
                break
            except KeyboardInterrupt:
                continue
        raise
    if job.worker is not None:  # (none: the system refused the helper a thread)
        _release_despite_interrupts(job.worker)
    return job.status, job.message


# A call whose work (pcf: samples x offsets x curve points/32; correct_bleaching and
# correlate: see there) is at most this runs on the calling thread: it takes well under a millisecond of library time (the default
# dataset, 2**31 units, takes 0.75 s), and handing it to a helper thread and
# back cost ~200 us on a small input, ten times the call (make bench). Ctrl+C
# then waits for the call's end.
_QUICK_WORK = 1 << 20


_BLOCKS_LOCK = threading.Lock()
_BLOCKS = {}  # thread ident -> {'token': the running call's, 'cancelled': bool} of each thread inside a block
# thread idents whose next blocks start cancelled: a compute that failed had
# given them tasks that had not yet entered their block (dask's own part of
# a fused task first: they ran to their end after Ctrl+C, PYDASK20's F2);
# cleared for a thread's pool when its next compute starts
_PENDING_CANCEL = set()


@contextlib.contextmanager
def _block_scope():
    """The calls made on this thread in the block (an ipcf.dask block on a
    dask worker thread) get cancellation tokens that `_cancel_blocks` of
    this thread cancels; once cancelled, the block's later calls are
    refused. They were made without a token: an interrupted compute left
    every running block to its end."""
    ident = threading.get_ident()
    with _BLOCKS_LOCK:
        outer = _BLOCKS.get(ident)
        _BLOCKS[ident] = {'token': None, 'cancelled': ident in _PENDING_CANCEL}
    try:
        with _c.signals_blocked():  # Ctrl+C goes to the main thread, asleep in the compute
            yield
    finally:
        with _BLOCKS_LOCK:
            if outer is None:
                del _BLOCKS[ident]
            else:
                _BLOCKS[ident] = outer


def _cancel_blocks(idents, pending=()):
    """Cancel the running call of each of the threads idents that is inside
    a `_block_scope`, and the calls they would make next in it; the blocks
    that threads pending enter next start cancelled (until
    `_uncancel_blocks`)."""
    with _BLOCKS_LOCK:
        _PENDING_CANCEL.update(pending)
        for ident in idents:
            rec = _BLOCKS.get(ident)
            if rec is not None:
                rec['cancelled'] = True
                if rec['token']:
                    _lib.ipcf_token_cancel(rec['token'])


def _uncancel_blocks(idents):
    """The blocks that threads idents enter next run (a new compute)."""
    with _BLOCKS_LOCK:
        _PENDING_CANCEL.difference_update(idents)


def _call(fn, name, args, options=None, progress=False, bar=None, keep=(), quick=False):
    """Run a library call: progress bar, Ctrl+C, error mapping.

    options, if given, is an options struct with progress and token fields:
    the call gets a cancellation token (and a progress callback). bar, if
    given, is a progress display the caller already wired into a callback
    of its own (file jobs: one bar per phase); it is closed when the call
    ends, and options.progress is left alone. Without it, progress=True
    shows a `_Progress` bar fed by options.progress. keep holds the arrays
    (and anything else) that must outlive the call. quick runs it on the
    calling thread, without a cancellation token (see _QUICK_WORK).
    """
    _check_process()
    if bar is None and options is not None:
        bar = _Progress(name) if _bool(progress, 'progress') else None
        options.progress = _c.PROGRESS(bar) if bar else _c.PROGRESS()
    token = None
    try:
        # While Python finalizes (a __del__ of a module global), daemon
        # threads run no Python code: a call handed to the helper thread
        # waited for it for ever. It runs on the calling thread then.
        block = _BLOCKS.get(threading.get_ident()) if _BLOCKS else None
        if block is not None and options is not None and threading.current_thread() is not threading.main_thread():
            # a call in a block (ipcf.dask's, on a dask worker thread): made
            # here, with a token that _cancel_blocks cancels
            token = ctypes.c_uint64()
            if _lib.ipcf_token_create(ctypes.byref(token)):
                raise _error(_c.E_INTERNAL, _last_error())
            options.token = token.value
            with _BLOCKS_LOCK:
                if block['cancelled']:
                    raise _error(_c.E_CANCELLED, f'{name}: cancelled (the dask compute of this block ended)')
                block['token'] = token.value
            try:
                status = fn(*args)
                message = _last_error() if status else ''
            finally:
                with _BLOCKS_LOCK:
                    block['token'] = None
        elif quick or threading.current_thread() is not threading.main_thread() or sys.is_finalizing():
            status = fn(*args)
            message = _last_error() if status else ''
        else:
            if options is not None:
                token = ctypes.c_uint64()
                if _lib.ipcf_token_create(ctypes.byref(token)):
                    raise _error(_c.E_INTERNAL, _last_error())
                options.token = token.value
            status, message = _run_in_helper(fn, args, token.value if token is not None else 0, keep)
    finally:
        if bar:
            bar.close()
        if token is not None and token.value:
            # A token whose call may still run (Ctrl+C before it started)
            # is unknown once destroyed: the library then refuses the call.
            _lib.ipcf_token_destroy(token.value)
    if getattr(bar, 'raised', None) is not None:
        raise bar.raised
    if getattr(bar, 'interrupted', False) or (
            status == _c.E_CANCELLED and token is None and isinstance(bar, _Progress)):
        # Only our own bar cancels a call without a token, and only on
        # Ctrl+C: raised as the bar's callback was entered, before its
        # handler, ctypes swallowed it and the call ended cancelled.
        raise KeyboardInterrupt
    if status:
        raise _error(status, message)


def _choice(value, name, choices):
    """Return value if it is one of the str choices, else raise naming name."""
    if isinstance(value, str) and value in choices:
        return value
    want = ', '.join(repr(c) for c in choices[:-1]) + f' or {choices[-1]!r}'
    raise _invalid(f'{name}={value!r}: want {want}')


def _device(device):
    if device is None:
        return _c.DEVICE_AUTO
    if isinstance(device, str) and device.startswith('cuda:') and device[5:].isascii() and device[5:].isdecimal():
        return _int(int(device[5:]), 'device ordinal', lo=0)
    device = _choice(device, 'device', ('auto', 'cpu', 'cuda', 'cuda:N'))
    if device == 'cuda:N':
        raise _invalid("device='cuda:N': N is a device number, e.g. 'cuda:0'")
    return {'auto': _c.DEVICE_AUTO, 'cpu': _c.DEVICE_CPU, 'cuda': 0}[device]


def devices():
    """Describe the CUDA devices found, or why none is usable.

    Examples
    --------
    >>> isinstance(devices(), str)
    True
    """
    _check_process()
    buf = ctypes.create_string_buffer(4096)
    _lib.ipcf_devices(buf, len(buf))
    return buf.value.decode('utf-8', 'replace')


def last_device():
    """Where the most recent pCF of this process ran: 'cpu', 'cuda:0 (sm_90
    CUBIN)', or why device='auto' ran on the CPU ('cpu (auto: ...)'); ''
    before the first. `pcf` warns (RuntimeWarning) when a GPU failed, or
    is there but unusable, and the job ran on the CPU instead.

    Examples
    --------
    >>> _ = pcf(simulate(64, 12), radius=2, device='cpu')
    >>> last_device()
    'cpu'
    """
    _check_process()
    buf = ctypes.create_string_buffer(4096)
    _lib.ipcf_last_device_note(buf, len(buf))
    return buf.value.decode('utf-8', 'replace')


def _warn_fallback(name='pcf', stacklevel=3):
    # The note's start tells ("cpu (auto: cuda:N failed, ran on the CPU:
    # ..." or "cpu (auto: cuda:0 unusable: ..."); the whole note (up to 4
    # KiB) is read only for the warning. A GPU there but unusable (its
    # driver, NVRTC or cuFFT broken by an update, say) warns too: it ran
    # on the CPU without a sign (GPU15's minor); no GPU at all does not.
    probe = ctypes.create_string_buffer(64)
    _lib.ipcf_last_device_note(probe, len(probe))
    if not any(s in probe.value for s in _FALLBACK_NOTES):
        return
    note = last_device()
    if any(s.decode() in note for s in _FALLBACK_NOTES):
        warnings.warn(f'ipcf.{name}: {note}', RuntimeWarning, stacklevel=stacklevel)


_FALLBACK_NOTES = (b'ran on the CPU', b'(auto: cuda:0 unusable: ')


def _mean(value, name):
    return _c.MEAN_REAL if _choice(value, name, ('real', 'floor')) == 'real' else _c.MEAN_FLOOR


# --- the correlation toolkit (since 0.3): offsets, bins, smoothing, ... ------

_PRESETS = tuple(_c.OFFSETS)  # 'circle', 'disk', 'line'
_MAX_OFFSETS = 1 << 16
_MAX_M = 1 << 12


def _bool(value, name):
    """Return value as a bool; only True and False (also numpy's) are accepted."""
    if isinstance(value, (bool, numpy.bool_)):
        return bool(value)
    raise _unsupported(f'{name}={value!r}: want True or False')


def _positive(value, name):
    """None, or a finite number > 0 (a frame interval, a pixel size)."""
    if value is None:
        return None
    f = _float(value, name)
    if f <= 0:
        raise _invalid(f'{name}={f}: want a number > 0 (or None)')
    return f


def _units(frame_interval, pixel_size):
    """The frame interval (s) and pixel size (um), None or finite > 0,
    within the ranges a result may carry (ipcf_check_units: 1e-12..1e6 s,
    1e-6..1e6 um; beyond, a fit's maps would hold +Inf or 0)."""
    if frame_interval is None and pixel_size is None:
        return None, None
    _check_process()  # (a forked child: the library's refusal blamed the argument)
    fi = _positive(frame_interval, 'frame_interval')
    ps = _positive(pixel_size, 'pixel_size')
    if getattr(_lib, 'has_check_units', False):
        for name, v, args in (('frame_interval', fi, (0.0, fi)), ('pixel_size', ps, (ps, 0.0))):
            if v is not None and _lib.ipcf_check_units(*args):
                # 'ipcf_check_units: fit: units out of range: ...': from 'units'
                msg = _last_error()
                _, found, rest = msg.partition('units out of range')
                raise _invalid(f'{name}={v}: {found + rest if found else msg}')
    return fi, ps


def _smooth(value):
    f = _float(value, 'smooth')
    if not 0 <= f < 1:
        raise _invalid(f'smooth={f}: want 0 <= smooth < 1 (the weight of the previous point; 0 turns smoothing off)')
    return f


def _multitau_m(value):
    m = _int(value, 'm')
    if not (2 <= m <= _MAX_M and m % 2 == 0):
        raise _invalid(f'm={m}: want an even number 2..{_MAX_M} (multi-tau channels per level)')
    return m


def _int32_ptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int32))


def _preset_offsets(kind, radius, npoints):
    """The (k, 2) int32 (u, v) offsets of a preset, from ipcf_offsets."""
    _check_process()
    code = _c.OFFSETS[kind]
    count = ctypes.c_size_t()
    probe = numpy.zeros((1, 2), numpy.int32)
    # A capacity of one offset: the library checks the arguments and
    # answers with the capacity it needs.
    status = _lib.ipcf_offsets(code, radius, npoints, _int32_ptr(probe), 1, ctypes.byref(count))
    if status == _c.OK:
        return probe[:count.value].copy()
    if status != _c.E_BUFFER_TOO_SMALL:
        raise _error(status, _last_error())
    n = count.value
    buf = _empty((n, 2), numpy.int32, f'offsets({kind!r}, radius={radius})')
    _direct(_lib.ipcf_offsets, code, radius, npoints, _int32_ptr(buf), n, ctypes.byref(count))
    return buf[:count.value]


def _offsets_array(value, name='offsets'):
    """Return (k, 2) (u, v) pairs as a C-contiguous int32 array.

    Integers (and floats without a fraction) are accepted; k must be
    1..65536 and every value must fit the library's int32 (the library
    checks the range it computes: |u|, |v| <= 2**20).
    """
    _not_masked(value, name)
    try:
        a = numpy.asarray(value)
    except (ValueError, TypeError) as exc:
        raise _unsupported(f'{name}: not an array of (u, v) integer pairs ({exc})') from None
    if a.size == 0:
        raise _invalid(f'{name}: no offsets, want 1..{_MAX_OFFSETS} (u, v) pairs')
    if a.dtype.kind == 'b' or a.dtype.kind not in 'uif':
        raise _unsupported(f'{name}: dtype {a.dtype}, want integer (u, v) pairs')
    if a.ndim != 2 or a.shape[1] != 2:
        raise _invalid(f'{name}: shape {a.shape}, want (k, 2): k (u, v) pairs, u columns, v rows, e.g. [(1, 0)]')
    if a.shape[0] > _MAX_OFFSETS:
        raise _invalid(f'{name}: {a.shape[0]} offsets, want 1..{_MAX_OFFSETS}')
    if a.dtype.kind == 'f':
        if not numpy.isfinite(a).all() or (a != numpy.trunc(a)).any():
            raise _unsupported(f'{name}: values with a fraction or not finite, want integer (u, v) pairs')
    lo, hi = a.min(), a.max()
    if lo < -(1 << 31) or hi > (1 << 31) - 1:
        bad = lo if lo < -(1 << 31) else hi
        raise _invalid(f'{name}: value {bad} is out of range for the library\'s int32')
    # A copy, always: kept beyond the call (ipcf.dask's blocks, a fit's
    # offsets), the caller's own int32 array was read when a block ran,
    # refilled since: other offsets than the graph's shape and crop.
    c = numpy.array(a, dtype=numpy.int32, order='C', copy=True)
    c.flags.writeable = False
    return c


def _default_npoints():
    """The library's default number of circle points (32)."""
    o = _defaults(_c.PcfOptions, _lib.ipcf_pcf_options_init)
    return o.npoints


def _preset(value):
    """The preset that the str value names, else an error that also names
    the other form offsets= takes (a str such as the CLI's '1,0;0,1' was
    refused as no preset, without a word of the (k, 2) array)."""
    if value in _PRESETS:
        return value
    raise _invalid(f"offsets={value!r}: want 'circle', 'disk' or 'line', or the offsets as a (k, 2) array of "
                   f"(u, v) pairs such as [(1, 0), (0, 1)] (not the command line's text)")


def _offsets_for(value, radius, npoints, line, warn=True):
    """The offsets array for options.offsets: None for the circle (the
    library's default, with its margin of radius); None given means the
    circle, or the line preset for a line scan."""
    default = value is None
    if default:
        value = 'line' if line else 'circle'
    if isinstance(value, str):
        kind = _preset(value)
        if kind == 'circle':
            return None
        if npoints != _default_npoints():
            # (ipcf pcf refuses --npoints with --preset line or disk; a
            # warning here, where one dict of options often serves both)
            what = "a line scan's offsets are 'line' ((u, 0) for 0 < |u| <= radius)" if default else f'offsets={kind!r}'
            _ignored(f"npoints={npoints} is ignored: {what} takes radius only; npoints is the circle's")
        uv = _preset_offsets(kind, radius, npoints)
        if len(uv) > _MAX_OFFSETS:
            raise _invalid(f'offsets={kind!r} with radius={radius}: {len(uv)} offsets, more than the {_MAX_OFFSETS} '
                           f'one computation takes (a smaller radius, or a list of the offsets needed)')
        return uv
    # (ipcf pcf refuses --radius and --npoints with --offsets: a warning
    # here, as for the presets; they were ignored without one: FRONT16's F9)
    o = _defaults(_c.PcfOptions, _lib.ipcf_pcf_options_init)
    for name, v, d in (('radius', radius, o.radius), ('npoints', npoints, o.npoints)):
        if warn and v != d:
            _ignored(f"{name}={v} is ignored: the offsets (a list given, or the ACF's (0, 0)) replace the circle's "
                     "radius and points")
    return _offsets_array(value)


# Options structs already checked, by the values (and types) they were made
# from: a small call repeated in a loop (a region of interest at a time)
# spends most of its time in the binding otherwise (make bench). Only
# plain values are keys (int, float, str, bool, None; offsets a preset
# name or None); a struct whose making warned is not kept, so the warning
# comes again with the next call.
_OPTIONS_CACHE = {}
_OPTIONS_CACHE_MAX = 64
_CACHED_OFFSETS_MAX = 1 << 12  # a preset's offsets kept with its struct: at most 32 KiB
_PLAIN = frozenset((int, float, str, bool, type(None)))
_ACF_OFFSETS = ((0, 0),)  # acf's offsets: a key of their own (another tuple is not a plain value)
_warned = [0]  # option warnings given (or held back by _checked_once) so far
_warned_lock = threading.Lock()


def _count_warning():
    with _warned_lock:
        _warned[0] += 1


def _options_key(radius, npoints, nbins, bleach, bleach_mean, threads, env, device, offsets, bins, m, smooth,
                 threshold, delta, line):
    """A cache key for _pcf_options' values, or None when one is not a
    plain value.

    Types are part of the key (True is not 1, 2.0 is not 2), and so are the
    signs of the float parameters (-0.0 == 0.0; an integer parameter given
    -0.0 is 0 either way)."""
    acf = offsets is _ACF_OFFSETS
    values = (radius, npoints, nbins, bleach, bleach_mean, threads, env, device, None if acf else offsets, bins, m,
              smooth, threshold, delta, line)
    types = tuple(map(type, values))
    if not _PLAIN.issuperset(types):
        return None
    return values + types + (acf, math.copysign(1.0, smooth) if types[11] is float else 0.0,
                             math.copysign(1.0, threshold) if types[12] is float else 0.0)


def _pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, device='auto', *, offsets=None,
                 bins='log', m=16, smooth=0.7, threshold=None, delta=False, line=False, own_offsets=False):
    """The ipcf_pcf_options of a pCF call, every parameter checked.

    The offsets array handed to the library lives on the struct
    (``o.uv``), so that it outlives the call with the struct. ``o.key``
    is the cache key of the values it was made from (None: not cached);
    each call gets a struct of its own (a copy), which it may change.
    """
    env = os.environ.get('IPCF_NUM_THREADS') if threads is None else None
    key = _options_key(radius, npoints, nbins, bleach, bleach_mean, threads, env, device, offsets, bins, m, smooth,
                       threshold, delta, line)
    if own_offsets:
        key = None  # (not cached: a caller's own offsets of these values warn)
    if key is not None:
        hit = _OPTIONS_CACHE.get(key)
        if hit is not None:
            _check_process()
            o = _c.PcfOptions.from_buffer_copy(hit[0])
            o.uv, o.key = hit[1], key
            return o
    warned = _warned[0]
    o = _checked_pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, device, offsets=offsets,
                             bins=bins, m=m, smooth=smooth, threshold=threshold, delta=delta, line=line,
                             own_offsets=own_offsets)
    o.key = None
    if key is not None and _warned[0] == warned and (o.uv is None or len(o.uv) <= _CACHED_OFFSETS_MAX):
        if len(_OPTIONS_CACHE) >= _OPTIONS_CACHE_MAX:
            _OPTIONS_CACHE.clear()
        if o.uv is not None:
            o.uv.flags.writeable = False  # shared by the structs made from the cache
        _OPTIONS_CACHE[key] = (bytes(o), o.uv)
        o.key = key
    return o


def _checked_pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, device, *, offsets, bins, m, smooth,
                         threshold, delta, line, own_offsets=False):
    o = _defaults(_c.PcfOptions, _lib.ipcf_pcf_options_init)
    default_nbins, default_m, default_radius, default_npoints = o.nbins, o.multitau_m, o.radius, o.npoints
    o.radius, o.npoints, o.nbins = _int(radius, 'radius'), _int(npoints, 'npoints'), _int(nbins, 'nbins')
    o.bleach = _int(0 if bleach is None else bleach, 'bleach')
    o.bleach_mean = _mean(bleach_mean, 'bleach_mean')
    o.threads = _threads(threads)
    o.device = _device(device)
    o.bins = _c.BINS[_choice(bins, 'bins', tuple(_c.BINS))]
    o.multitau_m = _multitau_m(m)
    # (ipcf pcf refuses --nbins with multi-tau and --m without; a warning
    # here, where one dict of options often serves several calls)
    if o.bins == _c.BINS['multitau'] and o.nbins != default_nbins:
        _ignored(f"nbins={o.nbins} is ignored: bins='multitau' places its points by m (m={o.multitau_m})")
        o.nbins = default_nbins   # (the library checks the field's range even where it is not used)
    if o.bins != _c.BINS['multitau'] and o.multitau_m != default_m:
        _ignored(f"m={o.multitau_m} is ignored: m is the multi-tau correlator's channels per level (bins='multitau')")
    o.smooth = _smooth(smooth)
    o.threshold = -math.inf if threshold is None else _float(threshold, 'threshold')
    o.output = _c.OUTPUT_DELTA if _bool(delta, 'delta') else _c.OUTPUT_CCF
    uv = _offsets_for(offsets, o.radius, o.npoints, line, warn=not own_offsets)
    o.uv = uv
    if uv is not None:
        o.offsets = _int32_ptr(uv)
        o.noffsets = len(uv)
        # made the offsets here (a preset) or unused (given offsets): the
        # library checks their range even so, and gets the defaults
        o.radius, o.npoints = default_radius, default_npoints
    return o


def _as_given(x):
    """x as a numpy array where it is array-like without a dtype (a list),
    so that its dtype is the one numpy reads; anything else unchanged (the
    readers refuse it with a message naming the argument)."""
    if x is None or isinstance(getattr(x, 'dtype', None), numpy.dtype):
        return x
    try:
        return numpy.asarray(x)
    except Exception:  # noqa: BLE001 - ragged lists and the like: _input says why
        return x


def _shape_descriptor(shape, name='shape'):
    """An ipcf_array without data for a (time, row, column) shape, or a
    (time, column) line scan as (time, 1, column); and whether it is one."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise _unsupported(f'{name}={shape!r}: want (frames, rows, columns) or (frames, columns)') from None
    if len(dims) not in (2, 3):
        raise _invalid(f'{name} {dims}: want 3 dimensions (time, row, column) or 2 (time, column: a line scan)')
    line = len(dims) == 2
    d = _c.Array()
    d.struct_size = ctypes.sizeof(_c.Array)
    d.dtype, d.ndim = _c.DTYPE_CODES['u2'], 3
    for i, s in enumerate(dims):
        d.shape[i + (line and i > 0)] = _int(s, f'{name}[{i}]', 'int64', lo=0)
    if line:
        d.shape[1] = 1
    return d, line


def _direct(fn, *args):
    """A short call with a bounded cost, made on the calling thread."""
    _check_process()
    status = fn(*args)
    if status:
        raise _error(status, _last_error())


def offsets(kind='circle', radius=6, npoints=32):
    """Return the offsets of a preset as a (k, 2) int32 array of (u, v).

    ``u`` is the column offset, ``v`` the row offset: the neighbour of
    pixel (y, x) is (y + v, x + u).

    Parameters
    ----------
    kind : {'circle', 'disk', 'line'}
        'circle': `npoints` points on a circle of `radius` (the default of
        `pcf`, as `circle`); 'disk': every offset other than (0, 0) with
        u**2 + v**2 <= radius**2, v ascending then u ascending (the 2-D
        pCF); 'line': (u, 0) for u = -radius..-1, 1..radius (line scans).
    radius : int
        Pixels, >= 1.
    npoints : int
        Circle points (the circle only).

    Examples
    --------
    >>> offsets('disk', 1).tolist()
    [[0, -1], [-1, 0], [1, 0], [0, 1]]
    >>> offsets('line', 2).tolist()
    [[-2, 0], [-1, 0], [1, 0], [2, 0]]
    >>> len(offsets('disk', 2)), offsets('circle', 6, 4).tolist()
    (12, [[6, 0], [0, 6], [-6, 0], [0, -6]])
    """
    _check_process()
    kind = _choice(kind, 'kind', _PRESETS)
    return _preset_offsets(kind, _int(radius, 'radius'), _int(npoints, 'npoints'))


def distances(offsets, pixel_size=None, *, radius=6, npoints=32):
    """Return the distance of each offset: sqrt(u**2 + v**2) * pixel_size.

    Parameters
    ----------
    offsets : array_like or {'circle', 'disk', 'line'}
        (k, 2) (u, v) pairs, as `pcf` takes them, or a preset name (with
        `radius` and `npoints`, see `offsets`).
    pixel_size : float, optional
        Micrometres per pixel; None gives the distances in pixels.

    Returns
    -------
    numpy.ndarray
        float64, shape (k,): micrometres (pixels without `pixel_size`),
        in the order of the third axis of `pcf`'s result.

    Examples
    --------
    >>> distances([(3, 4), (0, 0), (-1, 0)], 0.5).tolist()
    [2.5, 0.0, 0.5]
    >>> distances('circle', radius=2, npoints=4).tolist()
    [2.0, 2.0, 2.0, 2.0]
    """
    _check_process()
    _, ps = _units(None, pixel_size)
    if isinstance(offsets, str):
        kind = _preset(offsets)
        uv = _preset_offsets(kind, _int(radius, 'radius'), _int(npoints, 'npoints'))
    else:
        uv = _offsets_array(offsets)
    uv = uv.astype(numpy.float64)
    d = numpy.sqrt(uv[:, 0] * uv[:, 0] + uv[:, 1] * uv[:, 1])
    return d if ps is None else d * ps


def delays(shape_or_data, /, *, radius=6, npoints=32, nbins=32, bleach=0, bleach_mean='real', offsets=None,
           bins='log', m=16, frame_interval=None, time_axis=None):
    """Return the delay of each curve point: frames, or seconds.

    The last axis of `pcf` and `acf` results (and of `pcf_file`'s) holds
    one value per delay bin (or per multi-tau lag): a bin of the delays
    [lo, hi) frames has the delay (lo + hi - 1) / 2, a multi-tau point its
    lag. Computed by the library (``ipcf_pcf_delays``) from the same
    options as the result.

    Parameters
    ----------
    shape_or_data : int, tuple or array
        The input of `pcf`: an array (only its shape is used: numpy, dask,
        a memory map, ...), its shape (frames, rows, columns) or
        (frames, columns) for a line scan, or the number of frames (the
        offsets then do not matter and are not checked).
    radius, npoints, nbins, bleach, bleach_mean, offsets, bins, m
        As for `pcf` (only the frames, `bleach`, `nbins`, `bins` and `m`
        change the delays; the others are checked as `pcf` would).
    frame_interval : float, optional
        Seconds between frames: the delays are returned in seconds
        (frames * frame_interval). None: in frames.
    time_axis : int, optional
        The axis of the array or shape that is time, as for `pcf`.

    Returns
    -------
    numpy.ndarray
        float64, one delay per curve point.

    Examples
    --------
    >>> delays(1024, nbins=8).tolist()
    [0.0, 1.0, 3.0, 9.0, 24.0, 60.0, 147.5, 360.5]
    >>> delays((1024, 8, 8), radius=2, bins='multitau', m=4).tolist()[:8]
    [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0]
    >>> delays(1024, nbins=8, frame_interval=0.5)[:4].tolist()
    [0.0, 0.5, 1.5, 4.5]
    """
    _check_process()
    fi, _ = _units(frame_interval, None)
    x = shape_or_data
    frames_only = isinstance(x, (numbers.Integral, numpy.integer)) and not isinstance(x, (bool, numpy.bool_))
    if frames_only:
        shape = (_int(x, 'frames', 'int64', lo=0), 1, 1)
    elif isinstance(x, (tuple, list)):
        shape = x
    elif hasattr(x, 'shape') and not isinstance(x, (bool, numpy.bool_)):
        shape = tuple(x.shape)
        if time_axis is None:
            # an array's time axis checked as pcf checks it: the delays of a
            # (row, column, time) stack were those of its rows, without a
            # word (DOCS19's m1)
            _time_first(x, None, 'data', stacklevel=3)
    else:
        msg = (f'shape_or_data={x!r}: want a number of frames, a shape (frames, rows, columns) or '
               '(frames, columns), or an array')
        raise _unsupported(msg)
    if time_axis is not None and not frames_only:
        try:
            dims = list(shape)
        except TypeError:
            dims = None
        if dims:
            axis = _int(time_axis, 'time_axis', lo=-len(dims), hi=len(dims) - 1) % len(dims)
            shape = [dims.pop(axis)] + dims
    d, line = _shape_descriptor(shape)
    # (a number of frames: offsets of the binding's own, which the radius
    # and points given do not replace: no warning, DASK16's F5)
    o = _pcf_options(radius, npoints, nbins, bleach, bleach_mean, 0,
                     offsets=[(0, 0)] if frames_only else offsets, bins=bins, m=m, line=line, own_offsets=frames_only)
    cap = 64
    while True:
        buf = numpy.zeros(cap, numpy.float64)
        count = ctypes.c_size_t()
        status = _lib.ipcf_pcf_delays(ctypes.byref(d), ctypes.byref(o),
                                      buf.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), cap, ctypes.byref(count))
        if status == _c.E_BUFFER_TOO_SMALL and count.value > cap:
            cap = count.value  # the library checked the options: the capacity it needs
            continue
        if status:
            raise _error(status, _last_error())
        out = buf[:count.value].copy()
        return out if fi is None else out * fi


def pcf_output_shape(shape, /, *, radius=6, npoints=32, nbins=32, bleach=0, offsets=None, bins='log', m=16):
    """Return the shape of the pCF of an input of the given shape.

    A (t, y, x) shape gives (rows, columns, offsets, points); a (t, x) line
    scan gives (columns, offsets, points). Parameters as for `pcf`.

    Examples
    --------
    >>> pcf_output_shape((32000, 64, 64))
    (52, 52, 32, 30)
    >>> pcf_output_shape((32000, 64, 64), offsets=[(1, 0), (0, 2)], bins='multitau')
    (60, 62, 2, 88)
    >>> pcf_output_shape((4096, 100), radius=3)
    (94, 6, 29)
    """
    _check_process()
    d, line = _shape_descriptor(shape)
    o = _pcf_options(radius, npoints, nbins, bleach, 'real', 0, offsets=offsets, bins=bins, m=m, line=line)
    out = (ctypes.c_int64 * 4)()
    _direct(_lib.ipcf_pcf_output_shape, ctypes.byref(d), ctypes.byref(o), out)
    return tuple(int(v) for v in out)[line:]


class CountsWarning(UserWarning):
    """The data given to the bleaching correction are not counts: samples
    that are not integers in 0..65535 (fractions, negatives, larger values,
    NaN, infinities), which its rounding and clipping to 0..65535 (the
    tutorial's definition, for camera counts) change beyond recognition."""


#: The filter size of a bleaching correction asked for without one (the
#: library's, ipcf_bleach_options_init: the tutorial's).
DEFAULT_FILTERSIZE = 1024

#: The integer dtypes the library writes a bleaching correction in.
_BLEACH_LIB_DTYPES = ('u1', 'u2', 'i2', 'i4')


def _bleach_dtype(dtype):
    """The dtype of correct_bleaching's result for data of dtype: the
    input's own (native byte order) for integer input, as the spec says,
    uint8 for bool, uint16 for floating-point input."""
    dtype = numpy.dtype(dtype)
    if dtype.kind == 'b':
        return numpy.dtype(numpy.uint8)  # read as uint8
    if dtype.kind in 'ui':
        return dtype.newbyteorder('=')
    return numpy.dtype(numpy.uint16)


def _bleach_lib_dtype(dtype):
    """The dtype the library writes the correction of data of dtype in:
    _bleach_dtype for the integer types it keeps (uint8, uint16, int16,
    int32), uint16 for the rest (converted to float64 on the way in)."""
    want = _bleach_dtype(dtype)
    return want if want.str[1:] in _BLEACH_LIB_DTYPES else numpy.dtype(numpy.uint16)


def _warn_counts(data, name, stacklevel):
    """Warn (`CountsWarning`) if data (time, rows, columns), to be corrected
    for bleaching, has a sample that is not an integer in 0..65535: the
    library's ipcf_check_counts decides and names the first one (uint8 and
    uint16 data are not read for it)."""
    counts = ctypes.c_int32(1)
    buf = ctypes.create_string_buffer(512)
    d = _descriptor(data, name)
    if _lib.ipcf_check_counts(ctypes.byref(d), ctypes.byref(counts), buf, len(buf)) == 0 and not counts.value:
        msg = buf.value.decode(errors="replace")
        at = getattr(_said, 'origin', None)
        if at is not None:  # data are a block of an image (ipcf.dask): its pixel in the image
            msg = re.sub(r'pixel \(row (\d+), column (\d+)\)',
                         lambda m: f'pixel (row {int(m[1]) + at[0]}, column {int(m[2]) + at[1]})', msg, count=1)
            once = getattr(_said, 'once', None)
            if once is not None:  # once an array and input: it warned once per block (DASK16's F2)
                with once.lock:
                    if name in once.warned:
                        return
                    once.warned.add(name)
                msg += ' (ipcf.dask says this once an array: other blocks may hold such samples too)'
        warnings.warn(f'ipcf: {name}: {msg}', CountsWarning, stacklevel=stacklevel)


class _block_origin:
    """Within it, this thread's calls work on a block of an image (an
    ipcf.dask block) whose first row and column are those of origin, a
    (row, column) pair of the image: a CountsWarning names the image's
    pixel (it named the block's: a pixel that was fine). once, from
    `_once()` for each lazy array, lets one block of the array warn."""

    def __init__(self, origin, once):
        self.origin = (int(origin[0]), int(origin[1]))
        self.once = once

    def __enter__(self):
        self.was = getattr(_said, 'origin', None), getattr(_said, 'once', None)
        _said.origin, _said.once = self.origin, self.once

    def __exit__(self, *exc):
        _said.origin, _said.once = self.was


class _once:
    """The inputs (data, data2) warned about yet, shared by the blocks of
    one lazy array in a process: each input's first such sample is named,
    as the eager call names each (one flag hid data2's: REVIEW18's m5). It
    pickles (dask.distributed sends it to each worker, where the first
    block warns) as a new one: a lock does not."""

    def __init__(self):
        self.warned, self.lock = set(), threading.Lock()

    def __reduce__(self):
        return _once, ()


def _bleach_frames(frames, filtersize, options):
    """Refuse a filter size that leaves no frame of frames, in the
    library's words (it checks before it looks at an output): these
    bindings said "filtersize=1024 leaves -2045 of 3 frames"."""
    if frames - 2 * filtersize >= 1:
        return
    din = _descriptor(numpy.empty((frames, 0, 0), numpy.uint16), 'data')
    _call(_lib.ipcf_correct_bleaching, 'bleach', (ctypes.byref(din), ctypes.byref(options), None), options, quick=True)
    raise _error(_c.E_INTERNAL, f'correct_bleaching: filtersize={filtersize} leaves no frame of {frames}, '
                                'and the library did not refuse it')


# the segments of error bars by the 'segments' method when none are given
# (ipcf.h: IPCF_JOB_ERRORS_SEGMENTS' 0 = 8; ipcf pcf --segments 8)
_SEGMENTS = 8


class AllNaNWarning(UserWarning):
    """Every curve of a result is NaN (a mask of no computed pixel, a
    threshold above every pixel's mean, data of no fluctuation)."""


class IgnoredOptionWarning(UserWarning):
    """An option that does not apply to the call was given, and ignored:
    npoints with the 'line' or 'disk' offsets (a line scan's default),
    radius and npoints with a list of offsets, nbins with bins='multitau', m
    without it, segments without the 'segments' error bars. (Only values
    other than the default are noticed.)"""


_said = threading.local()  # .quiet: the options were checked (and warned about) once already


def _ignored(message):
    """Warn IgnoredOptionWarning at the first caller outside this package
    (once a call: not again while `_checked_once` holds)."""
    _count_warning()
    if not getattr(_said, 'quiet', False):
        warnings.warn(f'ipcf: {message}', IgnoredOptionWarning, stacklevel=_outside_stacklevel())


class _checked_once:
    """Within it, this thread's calls with options already checked and
    warned about (a labelled result's delays, dask's blocks) warn no more."""

    def __enter__(self):
        self.was = getattr(_said, 'quiet', False)
        _said.quiet = True

    def __exit__(self, *exc):
        _said.quiet = self.was


def _outside_stacklevel():
    """The stacklevel of a warning raised here that names the first caller
    outside this package."""
    here = os.path.dirname(os.path.abspath(__file__))
    f, level = sys._getframe(1), 1
    while f is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) == here:
        f, level = f.f_back, level + 1
    return level


class TimeAxisWarning(UserWarning):
    """The input has fewer frames than rows or columns: its time axis may
    not be the first. Pass ``time_axis=`` (``time_axis=0`` says it is)."""


def _time_first(data, time_axis, name='data', stacklevel=4, move=None):
    """Return data with its time axis first (a view: nothing is copied).

    time_axis None: data is (time, ...) already, and a (time, row, column)
    or (time, column) array with fewer frames than rows or columns gets a
    `TimeAxisWarning` (the pCF of a (row, column, time) stack passed as
    is would be a wrong answer without an error). Otherwise the axis
    number (negative counts from the end) is moved first, with
    numpy.moveaxis or move (dask's).
    """
    shape = tuple(data.shape)
    if time_axis is None:
        if len(shape) in (2, 3) and shape[0] < max(shape[1:]):
            what = 'rows or columns' if len(shape) == 3 else 'columns'
            msg = (f'ipcf: {name} has shape {shape}: {shape[0]} frames, fewer than its {what}; is time the '
                   f'first axis? Pass time_axis= (e.g. time_axis=-1 for (row, column, time) data), or '
                   f'time_axis=0 if it is')
            warnings.warn(msg, TimeAxisWarning, stacklevel=stacklevel)
        return data
    n = len(shape)
    axis = _int(time_axis, 'time_axis', lo=-n, hi=n - 1) % n
    return data if axis == 0 else (move or numpy.moveaxis)(data, axis, 0)


_SHAPE_CACHE = {}


def _pcf_output_shape(din, o, data, plain):
    """The library's output shape of data (described by din) with options
    o, as a tuple of 4. Kept for options from the cache (o.key) without a
    mask or second channel (plain), by data's shape and dtype."""
    key = (o.key, data.shape, data.dtype.str) if plain and o.key is not None else None
    shape = _SHAPE_CACHE.get(key) if key is not None else None
    if shape is None:
        dims = (ctypes.c_int64 * 4)()
        _direct(_lib.ipcf_pcf_output_shape, ctypes.byref(din), ctypes.byref(o), dims)
        shape = tuple(int(v) for v in dims)
        if key is not None:
            if len(_SHAPE_CACHE) >= _OPTIONS_CACHE_MAX:
                _SHAPE_CACHE.clear()
            _SHAPE_CACHE[key] = shape
    return shape


def _pcf_call(name, data, *, acf, radius, npoints, nbins, bleach, bleach_mean, mask, threads, out, progress,
              device, offsets, data2, bins, m, smooth, threshold, delta, frame_interval, pixel_size,
              time_axis=None, labelled=False, errors=None):
    """pcf and acf: check everything, then one ipcf_pcf_compute.

    errors (pcf_errors): (method, segments) for one ipcf_pcf_errors instead.
    """
    # The dtypes as given (a list's as numpy reads it): _input turns int8,
    # int64, uint32, uint64 and float16 into float64, and a pair compared
    # after that was taken (int8 with float64: its int8 channel's
    # correction then went unclipped at 127), as dask refuses it.
    data, data2 = _as_given(data), _as_given(data2)
    given, given2 = getattr(data, 'dtype', None), getattr(data2, 'dtype', None)
    if data2 is not None and isinstance(given, numpy.dtype) and isinstance(given2, numpy.dtype):
        _check_dtype(given, 'data')
        _check_dtype(given2, 'data2')
    if (data2 is not None and isinstance(given, numpy.dtype) and isinstance(given2, numpy.dtype)
            and (given.kind, given.itemsize) != (given2.kind, given2.itemsize)):
        raise _unsupported(f'data2: dtype {given2}, want {given} (the dtype of data; convert one of them)')
    int8 = given == numpy.int8
    data_in = _input(data, 'data', (3, 2))
    data = _time_first(data_in, time_axis, 'data', stacklevel=4)
    labelled = _bool(labelled, 'labelled')
    line = data.ndim == 2
    _units(frame_interval, pixel_size)
    o = _pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, device,
                     offsets=_ACF_OFFSETS if acf else offsets, bins=bins, m=m, smooth=smooth, threshold=threshold,
                     delta=delta, line=line)
    d3 = data[:, None, :] if line else data
    if o.bleach > 0:
        _warn_counts(d3, 'data', 4)
    d2 = None
    if data2 is not None:
        d2 = _input(data2, 'data2')
        given2_shape = d2.shape
        if time_axis is not None and d2.ndim == data.ndim:
            d2 = _time_first(d2, time_axis, 'data2')
        if d2.shape != data.shape:
            # The shapes as given (they were named after moving the time
            # axis: "want" the shape the caller had given: APIS12's F1)
            moved = f' (time_axis={time_axis} applies to data2 too)' if time_axis is not None else ''
            raise _invalid(f'data2: shape {given2_shape}, want {data_in.shape} (the shape of data){moved}')
        if (d2.dtype.kind, d2.dtype.itemsize) != (data.dtype.kind, data.dtype.itemsize):
            msg = f'data2: dtype {d2.dtype}, want {data.dtype} (the dtype of data; convert one of them)'
            raise _unsupported(msg)
        if o.bleach > 0:
            _warn_counts(d2[:, None, :] if line else d2, 'data2', 4)
    if o.bleach > 0 and int8:
        # int8 reaches the library as float64, whose correction clips at
        # 65535; the spec clips at the input's type (127): corrected here
        # as correct_bleaching does, the library correcting nothing (its
        # frames and delays are those of the corrected series either way).
        def corrected(x):
            c = _correct_bleaching(x.astype(numpy.int8), o.bleach, bleach_mean, threads, None, False, 0, warn=False)
            return c.astype(numpy.float64)
        d3 = corrected(d3)
        d2 = None if d2 is None else corrected(d2[:, None, :] if line else d2)
        d2 = None if d2 is None else (d2[:, 0, :] if line else d2)
        o.bleach, o.key = 0, None  # (no longer the options the key names: no cached shape)
        o.bleach_mean = _c.MEAN_REAL  # (the library refuses a floor mean without bleach)
    din = _descriptor(d3, 'data')
    if d2 is not None:
        o.data2 = ctypes.pointer(_descriptor(d2[:, None, :] if line else d2, 'data2'))
    mk = None
    if mask is not None:
        if line:
            mk = _input(mask, 'mask')
            if mk.ndim != 1:
                raise _invalid(f'mask: {mk.ndim} dimensions, want 1 (column) for a line scan')
            if mk.shape != data.shape[1:]:
                raise _invalid(f'mask shape {mk.shape}, want {data.shape[1:]} (the line scan\'s columns)')
        else:
            mk = _input(mask, 'mask', 2)
        o.mask = ctypes.pointer(_descriptor(mk[None, :] if line else mk, 'mask'))
    try:
        shape = _pcf_output_shape(din, o, d3, mk is None and d2 is None)
    except IpcfError as e:
        # named as the call made (the library's shape query named itself,
        # a function the caller never called)
        _renamed(e, ('ipcf_pcf_output_shape',), 'ipcf_pcf_errors' if errors is not None else 'ipcf_pcf_compute')
        raise
    if acf:
        shape = shape[:2] + shape[3:]  # one offset: no offset axis
    shape = shape[line:]  # a line scan: no row axis
    if out is None:
        out = _empty(shape, numpy.float32, 'out')
    else:
        _output(out, 'out', shape, ('f4',), 'float32', ((data, 'data'), (mk, 'mask'), (d2, 'data2')))
    full = out[..., None, :] if acf else out
    full = full[None] if line else full
    dout = _descriptor(full, 'out')
    fn, args = _lib.ipcf_pcf_compute, (ctypes.byref(din), ctypes.byref(o), ctypes.byref(dout))
    if errors is not None:
        fn, args = _lib.ipcf_pcf_errors, (ctypes.byref(din), ctypes.byref(o), *errors, ctypes.byref(dout))
    # Error bars repeat the pCF per segment: never quick.
    # Many curve points cost more than the FFT (a multi-tau ACF of m=4096 on
    # 2**20 samples took 0.2 s on the calling thread: APIS12's M6).
    work = data.size * (o.noffsets if o.uv is not None else o.npoints) * max(1, shape[-1] // 32)
    quick = errors is None and work <= _QUICK_WORK
    _call(fn, name, args, o, progress, keep=(data, d3, d2, mk, out, full), quick=quick)
    if errors is None and o.device != _c.DEVICE_CPU:  # only device='auto' falls back to the CPU
        _warn_fallback(name, stacklevel=4)
    if out.size and not getattr(_said, 'quiet', False) and not numpy.isfinite(out).any():
        # Every curve NaN, without a word (a mask of no computed pixel, a
        # threshold above every pixel's mean: REVIEW12's F4)
        why = []
        if mk is not None:
            why.append('the mask')
        if threshold is not None:
            why.append(f'threshold={threshold!r}')
        # (error bars of such curves too: PARITY20's m1)
        what = 'curve' if errors is None else 'error bar'
        warnings.warn(f'ipcf.{name}: every {what} is NaN' + (f' (check {" and ".join(why)})' if why else
                      ' (pixels whose series sum to zero or hold NaN)'), AllNaNWarning,
                      stacklevel=_outside_stacklevel())
    if labelled:
        with _checked_once():
            # (data2 and bleach_mean: what else decides the values, for fit's
            # check of error bars against the curves; PY18's F5: one
            # channel's error bars weighted the cross-channel curves, 'real'
            # ones 'floor' curves, unnoticed)
            res = label(out, data.shape, radius=radius, npoints=npoints, nbins=nbins, bleach=bleach,
                        offsets=[(0, 0)] if acf else offsets, bins=bins, m=m, acf=acf, delta=delta,
                        frame_interval=frame_interval, pixel_size=pixel_size, smooth=smooth,
                        data2=data2 is not None, bleach_mean=bleach_mean)
        if threshold is not None:
            res.attrs['threshold'] = float(threshold)
        if errors is not None:
            res.attrs['long_name'] = 'standard error of ' + res.attrs['long_name']
        return res
    return out


def pcf(data, /, *, radius=6, npoints=32, nbins=32, bleach=0, bleach_mean='real', mask=None, threads=None,
        out=None, progress=False, device='auto', offsets=None, data2=None, bins='log', m=16, smooth=0.7,
        threshold=None, delta=False, frame_interval=None, pixel_size=None, time_axis=None, labelled=False):
    """Return the image pair correlation function of an image time series.

    For every pixel and every neighbour offset (by default the points of a
    circle), the normalized cross-correlation
    ``G(tau) = N sum_t a[t] b[(t+tau) mod N] / (sum a sum b) - 1`` of the
    pixel's intensity ``a`` with its neighbour's ``b`` (N: the frames used),
    averaged in delay bins (or sampled by a multi-tau correlator) and
    smoothed as in the tutorial. The correlation toolkit options
    (`offsets`, `data2`, `bins`, `m`, `smooth`, `threshold`, `delta`)
    follow the project's docs/toolkit.md; their defaults are the tutorial's
    analysis, bit for bit.

    Parameters
    ----------
    data : array_like
        Image time series, shape (time, row, column), or a line scan
        (time, column): it is computed as (time, 1, column) and the result
        has no row axis. Read in place for uint8, uint16, int16, int32,
        float32 and float64 in any layout or byte order. Only the first
        power-of-two frames are used.
    radius : int
        Circle radius in pixels (also of the 'disk' and 'line' presets).
    npoints : int
        Number of circle points (see `circle`).
    nbins : int
        Requested number of delay bins (log or linear); duplicates are
        removed, so the result can have fewer (see `logbins`). Not used by
        the multi-tau correlator (another value than 32 warns
        `IgnoredOptionWarning`).
    bleach : int
        Photobleaching filter size; 0 means no correction. With correction
        the first and last `bleach` frames are dropped. The corrected
        values are clipped as `correct_bleaching` clips them (int8 at 127).
    bleach_mean : {'real', 'floor'}
        Mean used by the bleaching correction: the exact mean, or the
        tutorial's Cython integer division (to reproduce its numbers).
    mask : array_like, optional
        (row, column) array ((column,) for a line scan); pixels where it is
        zero are not computed and their curves are NaN (a NaN in it is an
        error: neither zero nor computed).
    threads : int, optional
        Worker threads; 0 means all cores. Default: ``IPCF_NUM_THREADS`` or 0.
    out : numpy.ndarray, optional
        float32 array (either byte order, any strides) of the output shape
        to write into: writeable, aligned, its elements not overlapping,
        sharing no memory with `data`, `data2` or `mask` (checked before
        the call).
    progress : bool
        Show a progress bar (tqdm if installed).
    device : {'auto', 'cpu', 'cuda', 'cuda:N'}
        'auto' uses a CUDA GPU when one is usable (any dtype, bleaching
        and masks included), and runs on the CPU if the GPU path fails;
        'cuda' fails with an
        `IpcfError` (status 8) saying why if the GPU cannot be used. See
        `devices`. The GPU computes one channel with log bins and the
        default smoothing, for any offsets: `data2`, other bins or
        smoothing weights, a threshold or `delta` run on the CPU with
        'auto' and fail with 'cuda'.
    offsets : (k, 2) array_like of int or {'circle', 'disk', 'line'}, optional
        The neighbours: (u, v) pairs, u columns and v rows (the neighbour
        of pixel (y, x) is (y + v, x + u)), in the order of the result's
        third axis; (0, 0) is the pixel itself (the ACF, see `acf`), and
        duplicates are computed as given. Or a preset (see `offsets`):
        'circle' (`radius`, `npoints`), 'disk' (every offset within
        `radius`: the 2-D pCF) or 'line' ((u, 0), u = -radius..radius
        but 0). Default: the circle; for a line scan, 'line'. The result
        leaves out max|v| rows and max|u| columns at each border (the
        circle: `radius` on both axes).
    data2 : array_like, optional
        A second channel of data's shape and dtype: the neighbours' series
        are taken from it (cross-channel pCF). Default: data.
    bins : {'log', 'linear', 'multitau'}
        'log': the tutorial's log-spaced delay bins; 'linear': `nbins`
        evenly spaced bins (upper edges unique(trunc(linspace(1, N/2,
        nbins)))); 'multitau': a multi-tau correlator with `m` channels
        per level, lag l * 2**k on the series summed over blocks of 2**k
        frames at level k.
    m : int
        Multi-tau channels per level: even, 2..4096 (``bins='multitau'``;
        another value than 16 with other bins warns `IgnoredOptionWarning`).
    smooth : float
        Weight of the previous point in the two smoothing passes, [0, 1):
        0.7 is the tutorial's (0.3 new, 0.7 previous); 0 turns smoothing
        off. The first point always takes the second one's value.
    threshold : float, optional
        Pixels whose mean intensity over the frames used is at or below it
        get NaN curves (as neighbours they still count). None: no
        threshold.
    delta : bool
        Return the delta-CCF: G(pixel -> neighbour) - G(neighbour ->
        pixel), each binned and smoothed: the asymmetry of the flow. With
        one channel, the curves of the offset (0, 0) are then 0.
    frame_interval : float, optional
        Seconds between frames, 1e-12 to 1e6 (as every host and fit takes
        them). The numbers do not depend on it; `delays`
        with the same options and this interval gives the delay of each
        curve point in seconds, and a `labelled` result carries them.
    pixel_size : float, optional
        Micrometres per pixel, 1e-6 to 1e6; `distances` gives the offsets'
        distances with it (a `labelled` result carries them). Does not
        change the numbers either.
    time_axis : int, optional
        The axis of `data` (and `data2`) that is time, e.g. -1 for a
        (row, column, time) stack: moved first without a copy. None: the
        first; an input with fewer frames than rows or columns then gets a
        `TimeAxisWarning` (pass ``time_axis=0`` if that is right).
    labelled : bool
        Return the result with its coordinates (see `label`): an
        ``xarray.DataArray`` with the dims ('y', 'x', 'offset', 'delay')
        when xarray is installed (a `Labelled` otherwise), the delays in
        frames (and seconds with `frame_interval`), each offset's u, v and
        distance (in micrometres too with `pixel_size`), and each pixel's
        row and column in the input frame. `ipcf.plot` puts them on its
        axes and titles.

    Returns
    -------
    numpy.ndarray
        float32, shape (row - 2 max|v|, column - 2 max|u|, offsets, points)
        (the circle: (row - 2 radius, column - 2 radius, npoints, bins));
        a line scan gives (column - 2 max|u|, offsets, points). The last
        axis' delays: `delays`; the third axis' offsets: `offsets` (or the
        given pairs) and their distances: `distances`. With `labelled`,
        the same numbers with those coordinates (no copy).
        Curves of pixels whose series sums to zero are NaN; a NaN or
        infinite sample makes NaN the curves of its pixel and its
        neighbours' curves towards it.

    Raises
    ------
    IpcfValueError
        Bad parameters or shapes: wrong number of dimensions, offsets (or
        radius) too large for the image, nbins < 2, fewer than 4 frames,
        mask or data2 shape, smooth outside [0, 1), an odd `m`, offsets
        that are not (k, 2) pairs; an integer parameter out of the
        library's int32 range (never wrapped); an `out` of the wrong
        shape, read-only, unaligned or sharing memory with an input (one
        `out` given to two calls running at once is not refused, as with
        numpy's `out=`: it holds a mix of both; give each its own).
    IpcfTypeError
        Unsupported dtype (complex, object, masked arrays), a `data2` of
        another dtype than `data`, a parameter of the wrong type (a bool,
        or a float with a fraction, for an integer; anything but a bool
        for `delta`), or an `out` that is not float32.
    KeyboardInterrupt
        Ctrl+C, whatever the size of the call; the computation is cancelled
        within a fraction of a second.

    Notes
    -----
    Each pixel's spectrum is computed once and one inverse FFT serves both
    directions of a pair where offsets are exact negations (one channel,
    not `delta`).

    Examples
    --------
    >>> data = simulate(frames=512, size=16, seed=3)
    >>> pcf(data, radius=2, npoints=8, nbins=8).shape
    (12, 12, 8, 8)
    >>> pcf(numpy.asfortranarray(data), radius=2, npoints=8, nbins=8).dtype
    dtype('float32')

    The 2-D pCF of the disk, linear bins; the delays in seconds and the
    offsets' distances in micrometres:

    >>> result = pcf(data, radius=2, offsets='disk', bins='linear', nbins=8)
    >>> result.shape
    (12, 12, 12, 8)
    >>> delays(data, radius=2, offsets='disk', bins='linear', nbins=8, frame_interval=0.01).round(4).tolist()
    [0.0, 0.185, 0.545, 0.91, 1.275, 1.64, 2.005, 2.37]
    >>> distances('disk', 0.1, radius=2)[:3].round(3).tolist()
    [0.2, 0.141, 0.1]

    Explicit offsets, a multi-tau correlator, a line scan:

    >>> pcf(data, offsets=[(1, 0), (0, 0), (-3, 1)], bins='multitau', m=8).shape
    (14, 10, 3, 28)
    >>> pcf(data[:, 5, :], radius=3, nbins=8).shape
    (10, 6, 8)
    """
    return _pcf_call('pcf', data, acf=False, radius=radius, npoints=npoints, nbins=nbins, bleach=bleach,
                     bleach_mean=bleach_mean, mask=mask, threads=threads, out=out, progress=progress,
                     device=device, offsets=offsets, data2=data2, bins=bins, m=m, smooth=smooth,
                     threshold=threshold, delta=delta, frame_interval=frame_interval, pixel_size=pixel_size,
                     time_axis=time_axis, labelled=labelled)


def acf(data, /, *, nbins=32, bleach=0, bleach_mean='real', mask=None, threads=None, out=None, progress=False,
        device='auto', data2=None, bins='log', m=16, smooth=0.7, threshold=None, delta=False,
        frame_interval=None, pixel_size=None, time_axis=None, labelled=False):
    """Return the autocorrelation of every pixel's series.

    The pCF with the single offset (0, 0), without its offset axis: each
    pixel's G(tau) binned and smoothed like `pcf`'s curves. With `data2`,
    the cross-correlation of the two channels at each pixel (the pixel's
    series from `data`, the partner's from `data2`); with `delta` also,
    G(data -> data2) - G(data2 -> data). Without `data2`, `delta` gives 0
    up to rounding (about 1e-8; the two directions are computed apart):
    both directions of an autocorrelation are one curve.

    Parameters
    ----------
    data : array_like
        (time, row, column), or a (time, column) line scan.
    nbins, bleach, bleach_mean, mask, threads, progress, device, data2, bins, m, smooth, threshold, delta
        As for `pcf`.
    out : numpy.ndarray, optional
        float32 array of the output shape, as for `pcf`.
    frame_interval, pixel_size : float, optional
        As for `pcf`: the delays in seconds come from `delays`.
    time_axis, labelled
        As for `pcf`; a labelled ACF has the dims ('y', 'x', 'delay').

    Returns
    -------
    numpy.ndarray
        float32, shape (row, column, points) (a line scan: (column,
        points)): no border is left out.

    Examples
    --------
    >>> data = simulate(frames=512, size=16, seed=3)
    >>> g = acf(data, nbins=8)
    >>> g.shape
    (16, 16, 8)
    >>> bool((g == pcf(data, offsets=[(0, 0)], nbins=8)[:, :, 0]).all())
    True
    >>> acf(data, bins='multitau', m=8, smooth=0).shape
    (16, 16, 28)
    """
    return _pcf_call('acf', data, acf=True, radius=6, npoints=32, nbins=nbins, bleach=bleach,
                     bleach_mean=bleach_mean, mask=mask, threads=threads, out=out, progress=progress,
                     device=device, offsets=None, data2=data2, bins=bins, m=m, smooth=smooth,
                     threshold=threshold, delta=delta, frame_interval=frame_interval, pixel_size=pixel_size,
                     time_axis=time_axis, labelled=labelled)


def pcf_errors(data, /, *, method='blocking', segments=_SEGMENTS, radius=6, npoints=32, nbins=32, bleach=0,
               bleach_mean='real', mask=None, threads=None, out=None, progress=False, device='auto', offsets=None,
               data2=None, bins='log', m=16, smooth=0.7, threshold=None, delta=False, frame_interval=None,
               pixel_size=None, time_axis=None, labelled=False):
    """Return the error bars of `pcf`'s curves: each point's standard deviation.

    Every point of a curve is a time average; its standard error is
    estimated from the series being averaged (linearised in the series'
    means), by blocking analysis (Flyvbjerg-Petersen, as Wohland et al.
    2001 and Imaging FCS apply it) or from its spread over segments of the
    series. The error bars are those of the points `pcf` returns with the
    same options: smoothed when they are, of the difference for `delta`.
    The project's docs/toolkit.md, section 9, derives the method and states
    the rule that picks the block length.

    Parameters
    ----------
    data : array_like
        As for `pcf`.
    method : {'blocking', 'segments'}
        'blocking': average neighbouring pairs of a point's series again
        and again and take the first level whose standard error lies within
        the error bars of the next two levels (among levels with at least
        16 blocks; else the largest). 'segments': the standard deviation of
        the point over `segments` segments of the series, divided by
        sqrt(segments).
    segments : int
        Number of segments for 'segments': 2 .. the frames used. Not used
        by 'blocking' (it must be an integer; another value than 8 warns
        `IgnoredOptionWarning`).
    radius, npoints, nbins, bleach, bleach_mean, mask, threads, progress, device, offsets, data2, bins, m, smooth, threshold, delta, frame_interval, pixel_size, time_axis, labelled
        As for `pcf`. The error bars are always computed on the CPU
        (`device` is checked, not used).
    out : numpy.ndarray, optional
        float32 array of the output shape, as for `pcf`.

    Returns
    -------
    numpy.ndarray
        float32, the shape of `pcf`'s result for the same arguments: the
        standard deviation of each point. NaN where `pcf`'s curves are NaN
        (masked pixels, the threshold, series summing to zero or holding a
        NaN or infinity).

    Raises
    ------
    IpcfValueError, IpcfTypeError, KeyboardInterrupt
        As for `pcf`; also an unknown `method` or `segments` out of range.

    Notes
    -----
    It costs about 30 times `pcf` at the default settings (29 to 34 times
    measured; docs/toolkit.md): O(points x frames) per pixel pair.
    Blocking needs blocks much longer than the correlations of a
    point's series, which last about its bin's width: the error bars of
    bins wider than about 1/64 of the frames are rough.

    Examples
    --------
    >>> data = simulate(frames=1024, size=12, seed=3)
    >>> g = pcf(data, offsets=[(0, 0), (2, 0)], nbins=8)
    >>> sd = pcf_errors(data, offsets=[(0, 0), (2, 0)], nbins=8)
    >>> sd.shape == g.shape, bool((sd > 0).all())
    (True, True)
    >>> pcf_errors(data, offsets=[(0, 0)], nbins=8, method='segments', segments=16).shape
    (12, 12, 1, 8)
    """
    if not getattr(_lib, 'has_errors', False):
        raise _error(_c.E_INTERNAL, f'pcf_errors: libipcf {version()} has no error bars (ipcf_pcf_errors, 0.3)')
    code = _c.ERRORS[_choice(method, 'method', tuple(_c.ERRORS))]
    nseg = _int(segments, 'segments', lo=2 if code == _c.ERRORS['segments'] else None)
    if code != _c.ERRORS['segments'] and nseg != _SEGMENTS:
        _ignored(f"segments={nseg} is ignored: method={method!r} chooses its blocks itself (segments is "
                 f"method='segments')")
    sd = _pcf_call('pcf_errors', data, acf=False, radius=radius, npoints=npoints, nbins=nbins, bleach=bleach,
                   bleach_mean=bleach_mean, mask=mask, threads=threads, out=out, progress=progress,
                   device=device, offsets=offsets, data2=data2, bins=bins, m=m, smooth=smooth,
                   threshold=threshold, delta=delta, frame_interval=frame_interval, pixel_size=pixel_size,
                   time_axis=time_axis, labelled=labelled,
                   errors=(code, nseg if code == _c.ERRORS['segments'] else 0))
    if float(smooth) > 0:
        # (core/pcf SmoothedErrorsNote: NUMERIC12's F15)
        warnings.warn(f'ipcf.pcf_errors: error bars of smoothed curves (smooth {float(smooth):g}) are biased at their '
                      f'last points (in simulations up to 2.2 times the spread for an ACF, 0.57 times for a '
                      f'delta-CCF): for error bars of the last points, or fits weighted by them, compute the curves '
                      f'and their error bars with smooth=0', SmoothedCurvesWarning, stacklevel=2)
    return sd


def _empty(shape, dtype, name):
    """numpy.empty, with an IpcfMemoryError naming what could not be allocated."""
    if isinstance(shape, (int, numpy.integer)):
        shape = (shape,)
    try:
        return numpy.empty(shape, dtype)
    except (MemoryError, ValueError) as exc:
        nbytes = int(numpy.prod([int(s) for s in shape], dtype=object)) * numpy.dtype(dtype).itemsize
        msg = f'{name}: cannot allocate {numpy.dtype(dtype)} {tuple(shape)} ({nbytes} bytes): {exc}'
        if isinstance(exc, MemoryError) and _address_limited():
            msg += ' (this process has a limit of address space: ulimit -v)'
        raise _error(_c.E_OUT_OF_MEMORY, msg) from None


def _address_limited():
    """Whether a limit of address space (RLIMIT_AS: ulimit -v) holds."""
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return False
    return soft != resource.RLIM_INFINITY


_log = logging.getLogger('ipcf')


class JobResult(str):
    """The output path of a file job (a `str`), with what the job did.

    Attributes
    ----------
    summary : dict
        ``engine`` ('memory' or 'ooc'), ``shape`` (the output shape: rows,
        columns, points, bins), ``tiles`` (out of core: tiles in all),
        ``resumed`` (tiles reused, verified, from an interrupted run),
        ``already_complete`` (True when the output already was this job's
        result and nothing was done) and ``input_crc32c`` (CRC-32C of the
        input samples read; 0 when nothing was read).
    errors : str or None
        The path of the error bars written beside the result
        (``pcf_file(..., errors=...)``: ``OUT.sd.npy`` for ``OUT.npy``;
        read them with `open_errors`), None without.
    """

    summary = None
    errors = None

    def __new__(cls, path, summary, errors=None):
        self = super().__new__(cls, path)
        self.summary = summary
        self.errors = errors
        return self

    def __reduce__(self):
        return (JobResult, (str(self), self.summary, self.errors))


def _path(value, name):
    """Return a path (str, bytes or os.PathLike) as bytes for the library."""
    try:
        b = os.fsencode(value)
    except TypeError:
        raise _unsupported(f'{name}={value!r}: want a path (str or os.PathLike)') from None
    if not b or b'\0' in b:
        raise _invalid(f'{name}={value!r}: want a non-empty path without NUL')
    return b


def _cstr(value, name):
    """Return a text option as UTF-8 bytes for the library; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _unsupported(f'{name}={value!r}: want a str')
    if '\0' in value:
        raise _invalid(f'{name}={value!r}: contains NUL')
    if not value:
        # (an unset variable of the caller: it was taken as the option left
        # out, frames='' as every frame: APIS12's F2; the CLI refuses it)
        raise _invalid(f"{name}='': an empty string; leave {name} out (None) for its default")
    return value.encode('utf-8')


def _bound(value, name):
    return '' if value is None else str(_int(value, name, 'int64'))


def _range_text(value, name):
    """Return "start:stop" for a str, a slice or a (start, stop) pair.

    The library parses and checks the text; only types are converted here.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, slice):
        if value.step not in (None, 1):
            raise _invalid(f'{name}={value!r}: want a step of 1')
        start, stop = value.start, value.stop
    else:
        try:
            start, stop = value
        except (TypeError, ValueError):
            msg = f"{name}={value!r}: want 'start:stop', a slice or a (start, stop) pair"
            raise _unsupported(msg) from None
    return f'{_bound(start, name)}:{_bound(stop, name)}'


def _crop_text(crop):
    if crop is None or isinstance(crop, str):
        return crop
    try:
        rows, cols = crop
    except (TypeError, ValueError):
        msg = f"crop={crop!r}: want 'y0:y1,x0:x1' or a pair of slices or (start, stop) pairs"
        raise _unsupported(msg) from None
    return f'{_range_text(rows, "crop rows")},{_range_text(cols, "crop columns")}'


_ORDERS = {'little': _c.ORDER_LITTLE, '<': _c.ORDER_LITTLE, 'big': _c.ORDER_BIG, '>': _c.ORDER_BIG,
           'native': _c.ORDER_NATIVE, '=': _c.ORDER_NATIVE}


def _raw_source(src, shape, dtype, byteorder, offset, fmt):
    """Fill the raw input fields of source options src."""
    offset = 0 if offset is None else _int(offset, 'offset', 'int64', lo=0)
    if shape is None:
        if dtype is not None or byteorder is not None or offset:
            msg = 'dtype, byteorder and offset describe raw input: give its shape (frames, rows, columns) too'
            raise _invalid(msg)
        if fmt == 'raw':
            raise _invalid("format='raw' needs shape=(frames, rows, columns): a raw file holds no layout of its own")
        return
    if fmt not in (None, 'auto', 'raw'):
        msg = f"shape describes raw input, but format={fmt!r}: want 'raw' or 'auto'"
        raise _invalid(msg)
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if len(dims) != 3:
        raise _invalid(f'shape={shape!r}: want (frames, rows, columns)')
    for i, v in enumerate(dims):  # the library checks the values (>= 1, the file's size)
        src.raw_shape[i] = _int(v, f'shape[{i}]', 'int64')
    src.raw_offset = offset
    order = None
    if dtype is not None:
        try:
            dt = numpy.dtype(dtype)
        except TypeError:
            raise _unsupported(f'dtype={dtype!r}: not a numpy dtype') from None
        code = _c.DTYPE_CODES.get(f'{dt.kind}{dt.itemsize}')
        if code is None:
            msg = f'dtype={dtype!r}: not supported (uint8, uint16, int16, int32, float32, float64)'
            raise _unsupported(msg)
        src.raw_dtype = code
        # An explicit byte order: a '<' or '>' prefix, or a non-native dtype.
        if isinstance(dtype, str) and dtype[:1] in ('<', '>'):
            order = _ORDERS[dtype[:1]]
        elif dt.byteorder in ('<', '>'):
            order = _ORDERS[dt.byteorder]
    if byteorder is not None:
        if not isinstance(byteorder, str) or byteorder not in _ORDERS:
            raise _invalid(f"byteorder={byteorder!r}: want 'little', 'big' or 'native'")
        if order is not None and _ORDERS[byteorder] != order:
            msg = f'byteorder={byteorder!r} contradicts dtype={dtype!r}'
            raise _invalid(msg)
        order = _ORDERS[byteorder]
    if order is not None:
        src.raw_byte_order = order


def _memory_text(memory):
    if memory is None:
        return None
    if isinstance(memory, str):
        return _cstr(memory, 'memory')
    if isinstance(memory, (float, numpy.floating)) and not float(memory).is_integer():
        return _cstr(repr(_float(memory, 'memory')), 'memory')  # bytes with a fraction: the library says
    try:
        return str(_int(memory, 'memory', 'int64', lo=0)).encode()
    except IpcfTypeError:
        raise _unsupported(f"memory={memory!r}: want bytes (int) or a size such as '2GiB'") from None


def pcf_file(input, output, *, radius=6, npoints=32, nbins=32, bleach=0, bleach_mean='real', mask=None,
             crop=None, frames=None, format='auto', shape=None, dtype=None, byteorder=None, offset=0,
             threads=None, memory=None, scratch=None, engine='auto', tile=None, device='auto',
             frame_interval=None, pixel_size=None, progress=False, offsets=None, bins='log', m=16, smooth=0.7,
             threshold=None, delta=False, data2=None, channel=None, channel2=None, errors=None, segments=_SEGMENTS,
             copy_input=False):
    """Compute the pCF of an image time series in a file into a file.

    The library reads the input, computes in memory or out of core within
    a memory budget, and writes the result with its metadata. The job is
    safe to kill (Ctrl+C, a crash, a power cut): the output appears
    complete or not at all; a rerun of the same job resumes verified work,
    and a rerun of a finished job changes nothing
    (``result.summary['already_complete']``).

    Parameters
    ----------
    input : str or os.PathLike
        A .npy file, a TIFF (also BigTIFF and ImageJ hyperstacks), a folder
        or glob of single-page TIFFs (one frame each, in name order), or a
        raw file (give `shape`).
    output : str or os.PathLike
        A .npy file (its metadata goes to ``OUTPUT.json``) or a .zarr
        folder (Zarr v2, uncompressed; metadata in ``.zattrs``; always out
        of core); its extension chooses the format: also ``.ome.zarr``
        (OME-NGFF) and ``.tif`` (ImageJ hyperstack). `errors` with .npy
        only. Must not be an input, lie inside an input folder, or be
        an existing folder that is not an ipcf result. See `open_result`.
    radius, npoints, nbins, bleach, bleach_mean, threads, device
        As for `pcf`.
    offsets, bins, m, smooth, threshold, delta
        The correlation toolkit, as for `pcf`: the result and its metadata
        (``offsets_uv``, ``delay_frames``, ...) follow them. The default
        offsets are the circle. A 2-D (time, column) .npy is read as a
        line scan, (time, 1, column), when every offset has v = 0
        (``offsets='line'``, ``[(0, 0)]``, ...); the result then keeps its
        row axis of length 1.
    data2 : None
        Not supported: a file job takes its second channel from the input
        file (`channel2`); an array raises an `IpcfValueError` (use `pcf`
        with arrays).
    channel : int, optional
        The channel, numbered from 1 as in ImageJ, of a multi-channel
        ImageJ hyperstack or OME-TIFF input (which is refused without
        one); an input of one channel has channel 1 only.
    channel2 : int, optional
        Channel `channel2` of the input file is the second channel: the
        pixel's series comes from `channel`, the neighbour's from
        `channel2` (as ``pcf(data, data2=...)``; ``offsets=[(0, 0)]`` is
        the per-pixel cross-channel correlation). The library records both
        in the metadata (``channel``, ``channel2``). A channel the file
        does not have raises an `IpcfValueError`.
    mask : str, os.PathLike or array_like, optional
        (row, column) mask of the input frame or of the crop (a line scan's:
        (column,) or (1, column)), a path of a .npy file or an array;
        pixels where it is zero are not computed and their curves are NaN.
    crop : str or pair, optional
        Rows and columns to use: ``'y0:y1,x0:x1'`` (a bound may be empty),
        or a pair of slices or (start, stop) pairs, e.g.
        ``(slice(8, 40), (0, None))``.
    frames : str, slice or pair, optional
        Frames to use: ``'start:stop'``, ``slice(start, stop)`` or
        ``(start, stop)``. Only the first power-of-two frames are used.
    format : {'auto', 'npy', 'tiff', 'raw'}
        'auto' decides by extension and content.
    shape : (frames, rows, columns), optional
        Raw input: the file holds this many samples of `dtype`, after
        `offset` bytes.
    dtype : numpy dtype or name, optional
        Raw input sample type (default uint16): uint8, uint16, int16,
        int32, float32 or float64. A byte order prefix ('>u2') sets the
        byte order.
    byteorder : {'little', 'big', 'native'}, optional
        Raw input byte order; default: the dtype's explicit byte order, else
        little.
    offset : int
        Raw input: bytes to skip before the first sample.
    memory : int or str, optional
        Peak memory budget: bytes, or a size such as '2GiB', '512MiB',
        '1.5G'. Default: a quarter of the physical memory (or of the
        process's cgroup memory limit, where smaller).
    scratch : str or os.PathLike, optional
        Folder for out-of-core scratch files; default: beside the output.
    engine : {'auto', 'memory', 'ooc'}
        'auto' computes in memory when the job fits the budget and the
        output is .npy or .tif, else out of core ('ooc'; Zarr outputs
        always).
    tile : (rows, columns), optional
        Out of core: the output tile; default: chosen from the budget. On
        the CPU the tiles are bands of `rows` full rows (the columns are not
        used); a budget too small for one row is refused with the smallest
        that works.
    copy_input : bool
        Out of core: copy the frames into scratch first even where the
        input file can be read in place (one file with whole rows
        contiguous: .npy, raw, ImageJ TIFF), for an input on a slow or
        shared drive or one that may change during the job. Default: read
        in place where possible (``summary['read_in_place']``).
    frame_interval : float, optional
        Seconds between frames (1e-12 to 1e6), written into the metadata.
        None or 0 (the default): the input's, from ImageJ, Micro-Manager
        or OME metadata, if any.
    pixel_size : float, optional
        Micrometres per pixel (1e-6 to 1e6), written into the metadata.
        None or 0 (the default): the input's, if any.
    progress : bool
        Show a progress bar per phase ('read', 'pcf', 'transpose',
        'errors', 'pcf+errors', 'check' when a resumed run compares the
        input with an interrupted run's copy), tqdm if installed.
    errors : {None, 'blocking', 'segments'}
        Also write the error bars of every curve point, `pcf_errors`'
        numbers bit for bit (in memory and out of core), beside a .npy
        output: ``OUT.sd.npy`` for ``OUT.npy``, float32 in the result's
        shape, recorded in the metadata (``errors``: file, method,
        segments, shape, crc32c, bytes; read them with `open_errors`). A
        Zarr output with error bars raises an `IpcfValueError`. None: no
        error bars (an earlier run's ``OUT.sd.npy`` that the metadata named
        is removed).
    segments : int
        Number of segments for ``errors='segments'``: 2 .. the frames
        used. Not used otherwise (it must be an integer; another value
        than 8 warns `IgnoredOptionWarning`), as for `pcf_errors`.

    Returns
    -------
    JobResult
        The output path, a `str` with a ``summary`` dict: ``engine``
        ('memory' or 'ooc'), ``shape``, ``tiles``, ``resumed``,
        ``already_complete``, ``input_crc32c`` and ``read_in_place`` (out of
        core: True if the input was read in place, not copied into
        scratch); and ``errors``, the path of the error bars (None
        without).

    Raises
    ------
    IpcfValueError
        Bad parameters, crop, frames, mask, memory or engine; an output
        that is an input, lies inside an input folder, or is an existing
        folder that is not an ipcf result (nothing is written). Python-side
        checks raise it too, e.g. for integers that do not fit the
        library's 32-bit fields (``radius=2**32 + 2``).
    IpcfIOError
        A missing or unreadable input, a full disk, an input that changed
        during the run (also an `OSError`).
    IpcfBusyError
        Another run is writing the same output.
    KeyboardInterrupt
        Ctrl+C; the job stops within a fraction of a second and a rerun
        resumes its verified work.

    Notes
    -----
    The library's notes (stale scratch removed, damaged work computed
    again, job already complete) are logged at INFO level to the
    ``logging`` logger ``'ipcf'``: see them with
    ``logging.basicConfig(level=logging.INFO)``; its warnings (a unit not
    used, a mask of no pixel, ...) at WARNING. Data that are not counts
    given to the bleaching correction also raise a `CountsWarning`, and
    error bars of smoothed curves a `SmoothedCurvesWarning`, as
    `correct_bleaching` and `pcf_errors` do.

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> tmp = tempfile.mkdtemp()
    >>> data = os.path.join(tmp, 'data.npy')
    >>> numpy.save(data, simulate(frames=256, size=12, seed=1))
    >>> result = pcf_file(data, os.path.join(tmp, 'pcf.npy'), radius=2, npoints=4, nbins=4)
    >>> result.summary['engine'], result.summary['shape']
    ('memory', (8, 8, 4, 4))
    >>> pcf_file(data, os.path.join(tmp, 'pcf.npy'), radius=2, npoints=4, nbins=4).summary['already_complete']
    True
    >>> zarr = pcf_file(data, os.path.join(tmp, 'pcf.zarr'), radius=2, npoints=4, nbins=4, crop='2:,0:10',
    ...                 tile=(4, 4))
    >>> zarr.summary['engine'], zarr.summary['shape'], zarr.summary['tiles']
    ('ooc', (6, 6, 4, 4), 2)
    >>> sd = pcf_file(data, os.path.join(tmp, 'pcf.npy'), radius=2, npoints=4, nbins=4, errors='blocking')
    >>> os.path.basename(sd.errors), open_errors(sd).shape
    ('pcf.sd.npy', (8, 8, 4, 4))
    >>> shutil.rmtree(tmp)
    """
    _check_process()
    if not getattr(_lib, 'has_file_jobs', False):
        raise _error(_c.E_INTERNAL, f'pcf_file: libipcf {version()} has no file jobs (ipcf_pcf_file, 0.2)')
    if data2 is not None:
        raise _invalid('pcf_file: data2 is not supported: a file job takes one channel of the input file for '
                       'each of channel and channel2, not an array (use ipcf.pcf with arrays)')
    inp, out = _path(input, 'input'), _path(output, 'output')
    err_code = _c.JOB_ERRORS[None if errors is None else _choice(errors, 'errors', ('blocking', 'segments'))]
    nseg = _int(segments, 'segments', lo=2 if errors == 'segments' else None)
    if errors != 'segments' and nseg != _SEGMENTS:
        _ignored(f"segments={nseg} is ignored: it is the segments of errors='segments' (errors={errors!r})")
    o = _pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, device, offsets=offsets, bins=bins, m=m,
                     smooth=smooth, threshold=threshold, delta=delta)
    src = _defaults(_c.SourceOptions, _lib.ipcf_source_options_init)
    src.format = _cstr(format, 'format')
    _raw_source(src, shape, dtype, byteorder, offset, format)
    src.crop = _cstr(_crop_text(crop), 'crop')
    src.frames = _cstr(None if frames is None else _range_text(frames, 'frames'), 'frames')
    src.channel = 0 if channel is None else _int(channel, 'channel', lo=1)
    src.channel2 = 0 if channel2 is None else _int(channel2, 'channel2', lo=1)
    mk = None
    if isinstance(mask, (str, bytes, os.PathLike)):
        src.mask = _path(mask, 'mask')
    elif mask is not None:
        # (row, column), or a line scan's (column,): the file job checks it
        # against the input's frames
        mk = _input(mask, 'mask', (2, 1))
        o.mask = ctypes.pointer(_descriptor(mk, 'mask'))
    job = _defaults(_c.JobOptions, _lib.ipcf_job_options_init)
    if tile is not None:
        try:
            rows, cols = tile
        except (TypeError, ValueError):
            raise _unsupported(f'tile={tile!r}: want (rows, columns)') from None
        job.tile_rows, job.tile_cols = _int(rows, 'tile rows', lo=0), _int(cols, 'tile columns', lo=0)
        if (job.tile_rows == 0) != (job.tile_cols == 0):  # (the C struct's fields named it)
            raise _invalid(f'tile={tile!r}: want both positive, or both 0 (chosen from the budget)')
    job.memory = _memory_text(memory)
    job.scratch = None if scratch is None else _path(scratch, 'scratch')
    job.engine = _cstr(engine, 'engine')
    job.frame_interval = 0.0 if frame_interval is None else _float(frame_interval, 'frame_interval')
    job.pixel_size = 0.0 if pixel_size is None else _float(pixel_size, 'pixel_size')
    job.errors = err_code
    job.segments = nseg if errors == 'segments' else 0
    job.copy_input = 1 if _bool(copy_input, 'copy_input') else 0
    bar = _PhaseProgress('pcf_file') if _bool(progress, 'progress') else None
    job.progress = _c.JOB_PROGRESS(bar) if bar else _c.JOB_PROGRESS()

    counts = []  # the job's warnings that the data are not counts (bleaching)
    smoothed = []  # and that error bars of smoothed curves are biased: pcf_errors' SmoothedCurvesWarning

    def log(user, message):
        try:
            text = message.decode('utf-8', 'replace')
            # the job's warnings at WARNING, which Python shows without a
            # logging setup (a unit not used, a mask of no pixel, error
            # bars of smoothed curves were hidden at INFO); its notes at INFO
            (_log.warning if text.startswith('warning:') else _log.info)('%s', text)
            if 'not counts in 0..65535' in text:
                counts.append(text)
            elif text.startswith('warning: error bars of smoothed curves'):
                smoothed.append(text)  # (core/pcf SmoothedErrorsNote)
        except Exception:  # a logging problem must not stop the job
            pass

    log_cb = _c.JOB_LOG(log)
    job.log = log_cb
    summary = _c.JobSummary()
    summary.struct_size = ctypes.sizeof(_c.JobSummary)
    args = (inp, ctypes.byref(src), out, ctypes.byref(o), ctypes.byref(job), ctypes.byref(summary))
    _call(_lib.ipcf_pcf_file, 'pcf_file', args, o, progress, bar=bar, keep=(mk, log_cb))
    for text in counts:  # on the calling thread, at the caller's line
        warnings.warn(f'ipcf: {text}', CountsWarning, stacklevel=2)
    for text in smoothed:  # (it was the logger's only: DOCS19's m3)
        warnings.warn(f'ipcf.pcf_file: {text[len("warning: "):]}', SmoothedCurvesWarning, stacklevel=2)
    info = {
        'engine': 'ooc' if summary.engine == _c.ENGINE_OOC else 'memory',
        'shape': tuple(int(v) for v in summary.shape),
        'tiles': int(summary.tiles),
        'resumed': int(summary.resumed),
        'already_complete': bool(summary.already_complete),
        'input_crc32c': int(summary.input_crc32c),
        'read_in_place': bool(summary.read_in_place),
    }
    path = os.fsdecode(os.fspath(output))
    sd = None
    if err_code:
        sd = _errors_file(path, _errors_record(path))
    return JobResult(path, info, sd)


def _refuse_partial(p):
    """Refuse p when it names the partial output of an ipcf run (.OUT.partial
    beside OUT, core/ooc PartialOf's rule): unfinished, what is not computed
    yet reads as zeros, and it was returned with metadata {} (DISK17's F1)."""
    # (any element of the normalized path: the array "0" of a partial
    # OME-Zarr, '.partial/.': REVIEW19's F1)
    d = os.path.normpath(p)
    while True:
        base = os.path.basename(d)
        if base.startswith('.') and base.endswith('.partial') and len(base) > len('..partial'):
            break
        if os.path.dirname(d) == d or not base:
            return
        d = os.path.dirname(d)
    out = os.path.join(os.path.dirname(d), base[1:-len('.partial')])
    raise _error(_c.E_IO, f'{p} is the unfinished output of an ipcf run writing {out} (a stopped run\'s, or one '
                          f'running now; what is not computed yet reads as zeros): not read; run that job again '
                          f'to finish it, and read {out}')


def open_result(path, *, mmap=False):
    """Return the array and metadata of a `pcf_file` result.

    Parameters
    ----------
    path : str or os.PathLike
        A .npy result (with its ``PATH.json`` sidecar) or a .zarr folder.
    mmap : bool
        False (the default): the result is read into memory, once, and
        checked against the checksums its metadata record (the values
        returned are the bytes checked). True: a .npy result is
        memory-mapped instead (``numpy.load(path, mmap_mode='r')``), for a
        result larger than memory; its checksum is not verified, and, as
        for any memory-mapped file, a change to the file later changes the
        array, and a file cut short later ends the Python process with
        SIGBUS when the lost part is read (numpy cannot catch it).

    Returns
    -------
    array : numpy.ndarray
        Read-only float32 (rows, columns, points, bins). A Zarr result is
        read into memory from its chunks (uncompressed Zarr v2, as
        `pcf_file` writes it; the zarr package is not needed), edge chunks'
        NaN padding cropped.
    metadata : dict
        The job's metadata: ``software`` ('ipcf'), ``version``,
        ``job_key``, ``radius``, ``npoints``, ``bins`` (upper delay bin
        edges in frames), ``delays_frames``, ``offsets_uv``, ``shape``,
        ``input``, ``input_shape``, ``crop_origin``, ``first_frame``,
        ``frames_used``, ``units``, ``engine``, and for the correlation
        toolkit ``bins_mode``, ``delay_frames`` and ``delay_s`` (each
        point's delay, as `delays` gives it), ``offsets`` (with their
        distances), ``multitau_lags``, ``smooth``, ``threshold``,
        ``delta``, ... A .npy result's
        sidecar also holds ``output_bytes`` and ``output_crc32c`` (the
        CRC-32C, Castagnoli, of the whole .npy file, as 8 hex digits); a
        Zarr result's .zattrs ``chunks_crc32c`` (of every chunk file).
        They are verified here (not with ``mmap=True``), as in
        `fit_result` and `open_errors`: a result changed or damaged since
        it was written, or metadata of another result beside it, raise
        IpcfIOError. Empty if a .npy file has no sidecar. Error bars
        (``OUT.sd.npy``, which have none of their own) are checked as
        `open_errors` reads them, against their result's record: the
        metadata returned are ``{'errors_of': 'OUT.npy', 'errors': the
        record}``, and error bars that it does not record (an earlier
        run's) or changed since raise IpcfIOError. The maps of ``ipcf
        fit`` beside MAPS.npy (``MAPS.chisq.npy``, ``.status.npy``,
        ``.stderr.npy``) are checked against the record of them in
        MAPS.npy.json (``companions``): the metadata returned are
        ``{'companion_of': 'MAPS.npy', 'map': 'chisq', 'companion': the
        record}``; an array of fit's Zarr maps (``MAPS.zarr/params``...)
        against the group's ``files_crc32c``. While a run of
        ipcf on this machine holds the result's lock and publishes over it
        (its earlier sidecar is removed before the renames), a read that
        finds no sidecar or files of both results is made again, for up
        to 5 s. The metadata's own checksum (``self_crc32c``, since
        0.3.1) is verified: metadata edited or damaged since ipcf wrote
        them raise IpcfIOError, as in `fit_result` and `open_errors`.

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> tmp = tempfile.mkdtemp()
    >>> data = os.path.join(tmp, 'data.npy')
    >>> numpy.save(data, simulate(frames=256, size=12, seed=1))
    >>> result = pcf_file(data, os.path.join(tmp, 'pcf.npy'), radius=2, npoints=4, nbins=4)
    >>> array, meta = open_result(result)
    >>> array.shape, array.flags.writeable, meta['software'], meta['radius'], meta['bins']
    ((8, 8, 4, 4), False, 'ipcf', 2, [1, 5, 25, 128])
    >>> del array
    >>> shutil.rmtree(tmp)
    """
    p = _linked(os.fsdecode(_path(path, 'path')))  # (empty, NUL: refused naming the argument)
    if not isinstance(mmap, bool):
        raise _unsupported(f'mmap={mmap!r}: want True or False')
    _refuse_partial(p)
    # One wait for a publication, whatever is read (error bars waited 5 s for
    # their result's sidecar, then 5 s more for one of their own: REVIEW6's F5).
    deadline = _publish_deadline()
    if p.endswith('.sd.npy') and not os.path.lexists(p + '.json') and os.path.lexists(p):
        # (a missing one: 'no such file', not 'not the error bars of that result')
        base = p[:-len('.sd.npy')] + '.npy'
        # Their result's sidecar, removed while a run publishes over it, is
        # waited for as open_result waits for a result's (they were read
        # unchecked), and a pair read while it renames them is read again.
        if os.path.lexists(base + '.json') or _sidecar_coming(base, deadline):
            tried = [False]
            while True:
                try:
                    return _open_errors_as_result(p, base, mmap)
                except IpcfIOError:
                    _read_again(base, deadline, tried)
    comp = _maps_companion(p)
    if comp is not None:
        base, key = comp
        tried = [False]
        while True:
            try:
                return _open_companion(p, base, key, mmap)
            except IpcfIOError:
                _read_again(base, deadline, tried)
    # While a run of ipcf publishes over the result (the earlier sidecar is
    # removed before the renames, the files renamed one by one), a read
    # can find the .npy without its sidecar, or files of both results:
    # read again, rather than return the array without its metadata or
    # fail on the mixture, for as long as that run lives (at most
    # _PUBLISH_WAIT seconds).
    # One more read after a run that has just finished, too (the files read
    # while it renamed them): a damaged result fails again.
    tried = [False]
    flickered = False
    while True:
        read = None if mmap else {}
        # Metadata that are there and name nothing ({}, another program's
        # JSON) are no publication under way: read again for ever, once.
        before = _file_id(p + '.json')
        absent = before is None
        try:
            with _pinned(p) as name:
                array, meta = _open_result(p, name, read, mmap=mmap)
            if not meta and not absent and not os.path.isdir(p) and (
                    not flickered or _file_id(p + '.json') != before and time.monotonic() < deadline):
                # A sidecar there before the read, and none read: removed
                # during it (a run publishing over the result; or gone and
                # back), or metadata that name nothing ({}). Read again
                # (once, and while another file comes in its place), which
                # tells them apart: the array was returned with {} (346 of
                # 1977 reads while a sidecar was removed and renamed in
                # again, REVIEW5's F8 in Python).
                flickered = True
                continue
            if not meta and absent and not os.path.isdir(p) and _sidecar_coming(p, deadline):
                continue
            if not meta and absent and not os.path.isdir(p):
                # Not a user's array without metadata: beside the lock of a run that was stopped (while it
                # published: the earlier sidecar is removed before the renames), an unlabelled, unchecked
                # result; refused, as ipcf plot refuses it.
                # (error bars, OUT.sd.npy, by their result's lock too)
                _refuse_stopped(p)
            if meta and not mmap:
                _check_result_bytes(p, meta, name, read)
            return array, meta
        except IpcfIOError:
            _read_again(p, deadline, tried)


def _file_id(p):
    """What tells the file at p from another put in its place (device,
    inode, change time, size), or None where there is none."""
    try:
        st = os.lstat(p)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_ctime_ns, st.st_size


def _refuse_stopped(p):
    """Raise IpcfIOError if p, a result (or its error bars, OUT.sd.npy)
    found without metadata, lies beside the lock of an ipcf run: one that
    was stopped (killed while it published: the earlier sidecar is removed
    before the renames), or one live still after the wait for its sidecar
    (another host's counts as live). Not a user's array without metadata
    but an unlabelled, unchecked result, refused as ipcf plot refuses it,
    in its words. open_result, open_errors and fit_result say so (the last
    two said "no metadata" or "compute them with errors="; a live run's
    was returned unlabelled)."""
    # (error bars' metadata are their result's: named so whichever lock is
    # found, theirs or their result's; OUT.sd.npy.json was named, REVIEW6's F6)
    base = p[:-len('.sd.npy')] + '.npy' if p.endswith('.sd.npy') and not os.path.lexists(p + '.json') else p
    for q in [p] + ([p[:-len('.sd.npy')] + '.npy'] if p.endswith('.sd.npy') else []):
        line, live = _lock_holder(q)
        if line is None:
            continue
        if live:
            raise _error(_c.E_IO, f'{p} is being written by an ipcf run ({line}), and its metadata {base}.json are '
                                  f'not there yet: read it when that run has ended')
        raise _error(_c.E_IO, f'{p} has no metadata ({base}.json), and the ipcf run that wrote it '
                              f'({line}) was stopped before it finished: run that job again to finish it')


_PUBLISH_WAIT = 5.0  # seconds open_result reads again while a run publishes over the result


def _publish_deadline():
    """The time.monotonic() until which a reader waits for a run that
    publishes over a result (_PUBLISH_WAIT from now)."""
    return time.monotonic() + _PUBLISH_WAIT

_MAPS_COMPANIONS = ('chisq', 'status', 'stderr')  # ipcf fit's maps beside MAPS.npy: MAPS.KEY.npy


def _maps_companion(p):
    """(MAPS.npy, key) when p, without a sidecar of its own, is a companion
    MAPS.KEY.npy of ipcf fit's maps (their sidecar beside MAPS.npy lists
    companions); None otherwise."""
    if os.path.lexists(p + '.json'):
        return None
    for key in _MAPS_COMPANIONS:
        suffix = f'.{key}.npy'
        if p.endswith(suffix) and len(p) > len(suffix):
            base = p[:-len(suffix)] + '.npy'
            if not os.path.exists(base + '.json'):  # (a dangling link: none, as for a result)
                return None
            try:
                meta = _read_json(base + '.json')
            except IpcfError:
                # metadata there but damaged (cut short): _open_companion
                # refuses them, rather than the map be read unchecked
                return base, key
            # (maps of 0.3.0 record no companions: their maps are read as they are)
            if meta.get('software') == 'ipcf' and meta.get('command') == 'fit' and 'companions' in meta:
                return base, key
    return None


def _open_companion(p, base, key, mmap=False):
    """open_result of a companion of ipcf fit's maps (MAPS.chisq.npy,
    .status.npy, .stderr.npy), which has no metadata of its own: checked
    against the record of it in the maps' sidecar (companions: file,
    crc32c, bytes), as ipcf plot checks it. It was returned unchecked,
    with no metadata: a damaged map, or an earlier fit's, read as these.
    With mmap, mapped and its bytes not checked (as a mapped result's)."""
    meta = _read_json(base + '.json', meta=True)
    comps = meta.get('companions')
    rec = comps.get(key) if isinstance(comps, dict) else None
    # (recorded under any name: maps renamed or copied with their companions
    # have them under their own, checked by their bytes below; OUT15's F9b)
    if not isinstance(rec, dict):
        raise _error(_c.E_IO, f'{p}: {base}.json (ipcf fit\'s maps) records no {key} map: not a map of those maps (an '
                              f'earlier fit\'s?); fit again, or rename the file to read it without metadata')
    if mmap:  # mapped, its size checked (a FIFO or a device refused, never opened for reading)
        with _pinned(p) as name:
            array, _ = _open_npy_result(p, name, None, mmap=True)
            size = os.stat(name).st_size
        want_bytes = rec.get('bytes')
        if isinstance(want_bytes, int) and size != want_bytes:
            raise _error(_c.E_IO, f'{p}: {size} bytes, but {base}.json records {want_bytes}: changed or damaged since '
                                  f'ipcf fit wrote it, or an earlier fit\'s; fit again')
        return array, {'companion_of': base, 'map': key, 'companion': rec}
    read = {}
    with _pinned(p) as name:
        array = _read_npy(name, p, f'a .npy file of the {key} map', read)
    crc, size = read['']
    want_crc, want_bytes = rec.get('crc32c'), rec.get('bytes')
    if crc != want_crc or (isinstance(want_bytes, int) and size != want_bytes):
        raise _error(_c.E_IO, f'{p}: checksum {crc}, {size} bytes, but {base}.json records {want_crc}, {want_bytes} '
                              f'bytes: changed or damaged since ipcf fit wrote it, or an earlier fit\'s; fit again')
    return array, {'companion_of': base, 'map': key, 'companion': rec}


def _fit_maps_group(folder):
    """The metadata of ipcf fit's Zarr maps when folder is their group
    (.zgroup, and .zattrs naming ipcf's fit with files_crc32c), checked
    (self_crc32c); None otherwise."""
    attrs = os.path.join(folder, '.zattrs')
    if not os.path.isfile(os.path.join(folder, '.zgroup')) or not os.path.isfile(attrs):
        return None
    try:
        meta = _read_json(attrs)
    except IpcfError:
        return None
    if meta.get('software') != 'ipcf' or meta.get('command') != 'fit' or 'files_crc32c' not in meta:
        return None
    return _read_json(attrs, meta=True)  # metadata damaged since: refused


def _maps_array(p):
    """Whether the folder p is one of the arrays of ipcf fit's Zarr maps
    (one its group's files_crc32c lists: params, stderr, chisq, status),
    not a user's own Zarr result written inside the group (a review)."""
    group = _fit_maps_group(os.path.dirname(os.path.realpath(p)))
    listed = group.get('files_crc32c') if group is not None else None
    name = os.path.basename(os.path.realpath(p)) + '/'
    return isinstance(listed, dict) and any(k.startswith(name) for k in listed)


def _orphan_maps_array(p):
    """Whether the Zarr array folder p looks like one of ipcf fit's maps
    (params, stderr, chisq or status, with its "model" attribute, in a
    group) whose group has no metadata of ipcf's fit."""
    real = os.path.realpath(p)
    if os.path.basename(real) not in ('params', 'stderr', 'chisq', 'status') or \
            not os.path.isfile(os.path.join(os.path.dirname(real), '.zgroup')):
        return False
    try:
        meta = _read_json(os.path.join(p, '.zattrs'))
    except (IpcfError, OSError):
        return False
    if not (isinstance(meta, dict) and 'model' in meta):
        return False
    if not os.path.lexists(os.path.join(os.path.dirname(real), '.zattrs')):
        return True
    # (checked, sealed: group metadata edited since, files_crc32c removed,
    # were taken for maps of 0.3.1 and their arrays read unchecked:
    # REVIEW19's m2)
    group = _read_json(os.path.join(os.path.dirname(real), '.zattrs'), meta=True)
    # (maps of 0.3.1 before their checksums: ipcf fit's metadata, without
    # files_crc32c, read as they were: REVIEW18's m2)
    return not (isinstance(group, dict) and group.get('software') == 'ipcf' and group.get('command') == 'fit')


def _pcf_result_attrs(p):
    """Whether the Zarr array folder p has the .zattrs of an ipcf pCF
    result (software ipcf, command pcf, acf or pcf_file)."""
    try:
        meta = _read_json(os.path.join(p, '.zattrs'))
    except (IpcfError, OSError):
        return False
    return isinstance(meta, dict) and meta.get('software') == 'ipcf' and meta.get('command') != 'fit' \
        and 'offsets_uv' in meta


def _check_maps_array(p, group, meta, read):
    """Raise an IpcfIOError unless every file of the array folder p of ipcf
    fit's Zarr maps (group: their .zattrs) has the CRC-32C the group
    records (files_crc32c), as ipcf plot checks them; read: the checksums
    of the files as read (by name in the folder)."""
    name = os.path.basename(os.path.realpath(p))  # (realpath: 'link/..' as the kernel finds it)
    listed = group.get('files_crc32c')
    listed = {k[len(name) + 1:]: v for k, v in listed.items() if k.startswith(name + '/')} \
        if isinstance(listed, dict) else {}
    where = os.path.join(os.path.dirname(os.path.realpath(p)), '.zattrs')
    if not listed:
        raise _error(_c.E_IO, f'{p}: {where} (ipcf fit\'s maps) records no files of an array "{name}": not an array '
                              f'of those maps; fit again')
    for key, want in sorted(listed.items()):
        f = os.path.join(p, key)
        if key in read:
            crc = read[key]
        elif not os.path.isfile(f):
            raise _error(_c.E_IO, f'{f}: listed in {where} (files_crc32c) but missing or not a file: fit again')
        else:
            crc = _file_crc32c(f)[0]
        if crc != want:
            raise _error(_c.E_IO, f'{f}: checksum {crc}, but {where} records {want}: changed or damaged since ipcf '
                                  f'fit wrote it; fit again')


def _read_again(p, deadline, tried):
    """Called while an IpcfIOError of a read of the output p is handled:
    returns, after a short pause, when the read is to be made again (while
    a live ipcf run publishes over p, until deadline, and once more after
    it ended, again whenever p's sidecar has changed since the last failure:
    tried, a list the caller starts as [False], records that extra read and
    the sidecar's _file_id then); re-raises the error otherwise."""
    if time.monotonic() > deadline:
        raise
    if not _live_writer(p):
        # one more read after a run that has just ended, and again while
        # the sidecar changes between failures (back-to-back reruns: the one
        # more read met the next run's publication, REVIEW6's F3)
        now = _file_id(p + '.json')
        if tried[0] and tried[1:] == [now]:
            raise
        tried[:] = [True, now]
    time.sleep(0.02)


def _lock_holder(p):
    """(line, live) of the lock of the output p, or (None, False) where
    there is none: its first line, 'pid N on HOST since ...', and whether
    that run is live (a live process of this host, or one of another host:
    not known here). The library answers (ipcf_lock_holder, as for ipcf
    plot: the file only read, never locked, in the folder the kernel
    finds). A run removes its lock when it ends: one left and not live was
    stopped (killed), perhaps while it published p."""
    buf, state = ctypes.create_string_buffer(256), ctypes.c_int32()
    st = _lib.ipcf_lock_holder(os.fsencode(p), buf, len(buf), ctypes.byref(state))
    if st != 0:
        raise _error(st, _lib.ipcf_last_error().decode(errors='replace'))
    if state.value == _LOCK_NONE:
        return None, False
    return buf.value.decode('utf-8', 'replace'), state.value == _LOCK_LIVE


_LOCK_NONE, _LOCK_LIVE = 0, 2  # ipcf.h's IPCF_LOCK_NONE, IPCF_LOCK_LIVE


def _live_writer(p):
    """Whether a live ipcf run holds the lock of the output p
    (_lock_holder: another host's counts as live)."""
    return _lock_holder(p)[1]


def _sidecar_coming(p, deadline):
    """Whether the sidecar of the .npy result p, absent, appears before
    deadline (time.monotonic) while a live ipcf process holds its lock."""
    while True:
        if os.path.exists(p + '.json'):
            return True
        if time.monotonic() > deadline or not _live_writer(p):
            # (a run that renamed it in and ended between the two looks: it
            # is there; the array was returned with {}, REVIEW6's F2)
            return os.path.exists(p + '.json')
        time.sleep(0.02)


def _open_result(p, name=None, read=None, mmap=False):
    """open_result of p: a .npy read through name (_pinned; p when None)
    into memory (mmap: mapped), or a Zarr folder; the checksums of the
    files as read go to read (a dict, when given: '' for the .npy file,
    else the Zarr's names, _open_zarr)."""
    if os.path.isdir(p):
        group = os.path.dirname(os.path.realpath(p))
        if os.path.exists(os.path.join(p, '.zarray')) and _is_ome_result(group):
            # its chunks' checksums are in the group's .zattrs, one folder up:
            # read as a plain array, a damaged chunk went unchecked
            raise _unsupported(f'{p}: the array "{os.path.basename(os.path.abspath(p))}" of the OME-Zarr result '
                               f'{group} (axes delay, offset, row, column), whose checksums open_result does not '
                               f'check: it reads .npy results and plain .zarr results (OUT.zarr); use the zarr '
                               f'package for others')
        if not os.path.exists(os.path.join(p, '.zarray')):
            if _fit_maps_group(os.path.realpath(p)) is not None:
                arrays = ', '.join(repr(os.path.join(p, k)) for k in ('params', 'stderr', 'chisq', 'status'))
                raise _unsupported(f'{p}: the Zarr group of ipcf fit\'s maps, not an array: open_result reads its '
                                   f'arrays one at a time: {arrays}')
            kind = ('an OME-Zarr result (its array is the folder "0", axes delay, offset, row, column)'
                    if os.path.exists(os.path.join(p, '0', '.zarray')) else 'not a Zarr array folder (no .zarray)')
            raise _unsupported(f'{p}: {kind}: open_result reads .npy results and plain .zarr results '
                               f'(OUT.zarr); use the zarr package for others')
        # (realpath: through 'link/..' the group is where the kernel finds it; abspath's lexical
        # clean missed it, and damaged maps were read unchecked: a review's finding)
        group = _fit_maps_group(os.path.dirname(os.path.realpath(p)))
        if group is None and _orphan_maps_array(p):
            # (read unchecked, under the maps' labels, where ipcf plot
            # refuses them: ZARR17's m2)
            where = os.path.join(os.path.dirname(os.path.realpath(p)), '.zattrs')
            raise _error(_c.E_IO, f'{p} is an array of ipcf fit\'s maps whose group metadata ({where}, which records '
                                  f'the checksums) are missing or not ipcf fit\'s: not read; fit again')
        if group is None or (not _maps_array(p) and _pcf_result_attrs(p)):
            # (a user's own pCF result written inside the maps' group: read
            # as the result it is, not refused as "no array of those maps")
            return _open_zarr(p, read)
        crcs = {}  # an array of ipcf fit's Zarr maps: checked against the group's files_crc32c
        array, meta = _open_zarr(p, crcs)
        if os.path.exists(os.path.join(p, '.zattrs')):
            crcs['.zattrs'] = _file_crc32c(os.path.join(p, '.zattrs'))[0]
        _check_maps_array(p, group, meta, crcs)
        return array, meta
    if p.lower().endswith(('.tif', '.tiff')):
        raise _unsupported(f'{p}: a TIFF: open_result reads .npy and .zarr results (read an ImageJ TIFF with '
                           f'tifffile or ImageJ)')
    return _open_npy_result(p, p if name is None else name, read, mmap)


def _is_ome_result(folder):
    """Whether folder is the group of an ipcf OME-Zarr pCF result (.zgroup,
    and .zattrs naming ipcf with OME-NGFF multiscales; a fit's maps.zarr
    has none)."""
    attrs = os.path.join(folder, '.zattrs')
    if not os.path.isfile(os.path.join(folder, '.zgroup')) or not os.path.isfile(attrs):
        return False
    try:
        with _open_regular(attrs) as fh:
            meta = json.loads(_read_whole(fh, attrs, _MAX_JSON).tobytes().decode('utf-8'))
    except (IpcfError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get('software') == 'ipcf' and 'multiscales' in meta


def _open_npy_result(p, name, read=None, mmap=False):
    """open_result of the .npy result p, its array read (mmap: mapped)
    through name (p, or a name of the file p named when it was pinned:
    _pinned); read['']: the checksum and size of the bytes read."""
    if mmap:
        try:
            array = numpy.load(name, mmap_mode='r', allow_pickle=False)
        except OSError as exc:
            if exc.errno == errno.ENOMEM:  # its mapping refused: a limit of address space (ulimit -v)?
                raise _error(_c.E_OUT_OF_MEMORY, f'{p}: cannot map it into memory ({exc.strerror}: a limit of '
                                                 'address space, ulimit -v?)') from None
            raise _error(_c.E_IO, f'{p}: {exc.strerror or exc}') from None
        except Exception as exc:  # noqa: BLE001 - not a .npy file, or a damaged one
            raise _error(_c.E_IO, f'{p}: not a .npy result ({type(exc).__name__}: {exc})') from None
        if not isinstance(array, numpy.ndarray):
            raise _error(_c.E_IO, f'{p}: not a .npy result (an archive of {type(array).__name__})')
    else:
        array = _read_npy(name, p, 'a .npy result', read)
    sidecar = p + '.json'
    meta = _read_json(sidecar, meta=True) if os.path.exists(sidecar) else {}  # (a dangling link: none, as everywhere)
    return array, meta


def _file_kind(mode):
    """What a file of mode is, for messages (a FIFO, a folder, ...)."""
    for test, kind in ((stat.S_ISDIR, 'a folder'), (stat.S_ISFIFO, 'a named pipe (FIFO)'),
                       (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device'),
                       (stat.S_ISSOCK, 'a socket')):
        if test(mode):
            return kind
    return 'not a regular file'


def _open_nonblocking(path):
    """(descriptor, mode) of path opened for reading without waiting (a
    FIFO opens at once; the caller refuses it by its mode); OSError where
    it cannot be opened, the descriptor closed."""
    fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_CLOEXEC', 0))
    try:
        return fd, os.fstat(fd).st_mode
    except OSError:
        os.close(fd)
        raise


def _open_regular(path, name=None):
    """The regular file at path (a link followed) opened for binary
    reading, unbuffered; name, when given, names it in messages. A FIFO,
    a device, a socket or a folder is refused (IpcfIOError naming its
    kind), never waited on: opening a FIFO for reading blocks until a
    writer comes, and a device may never end."""
    name = path if name is None else name
    try:
        fd, mode = _open_nonblocking(path)
    except OSError as exc:
        raise _error(_c.E_IO, f'{name}: {exc.strerror or exc}') from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _error(_c.E_IO, f'{name} is {_file_kind(mode)}, not a regular file')
    return os.fdopen(fd, 'rb', buffering=0)


def _read_whole(fh, name, limit=None):
    """The bytes of the open regular file fh, read once, as a uint8 array
    (IpcfMemoryError where they do not fit; IpcfIOError where the file is
    longer than limit, or its size changes while it is read)."""
    size = os.fstat(fh.fileno()).st_size
    if limit is not None and size > limit:
        raise _error(_c.E_IO, f'{name}: {size} bytes, more than the {limit} expected')
    buf = _empty(size, numpy.uint8, name)
    view = memoryview(buf)
    n = 0
    try:
        while n < size:
            k = fh.readinto(view[n:])
            if not k:
                break
            n += k
        more = fh.read(1)
    except OSError as exc:
        raise _error(_c.E_IO, f'{name}: {exc.strerror or exc}') from None
    if n != size or more:
        raise _error(_c.E_IO, f'{name}: its size changed while it was read ({size} bytes when opened): changed '
                              f'during the call?')
    return buf


def _buffer_crc32c(buf):
    """CRC-32C as 8 hex digits of the bytes of buf (bytes, bytearray or a
    uint8 array; not copied) as ipcf's metadata record a file's (the
    library computes it: ipcf_crc32c)."""
    buf = numpy.frombuffer(buf, numpy.uint8)
    crc = ctypes.c_uint32()
    st = _lib.ipcf_crc32c(buf.ctypes.data_as(ctypes.c_char_p) if buf.size else None, buf.size, ctypes.byref(crc))
    if st != 0:
        raise _error(st, _lib.ipcf_last_error().decode(errors='replace'))
    return f'{crc.value:08x}'


def _read_npy(path, name, what, read=None):
    """The array of the .npy file at path (name in messages), read into
    memory once, read-only: a view of the file's bytes, whose checksum
    and size go to read[''] (a dict, when given). IpcfIOError for a file
    that is not a .npy of numbers, or whose data are not exactly what
    its header describes."""
    with _open_regular(path, name) as fh:
        buf = _read_whole(fh, name)
    if read is not None:
        read[''] = (_buffer_crc32c(buf), buf.size)
    import io
    head = io.BytesIO(bytes(buf[:min(buf.size, 1 << 20)]))
    fmt = numpy.lib.format
    try:
        version = fmt.read_magic(head)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(head)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(head)
        else:
            shape, fortran, dtype = fmt._read_array_header(head, version)
    except Exception as exc:  # noqa: BLE001 - not a .npy file, or a damaged header
        raise _error(_c.E_IO, f'{name}: not {what} ({type(exc).__name__}: {exc})') from None
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in 'biuf':
        raise _error(_c.E_IO, f'{name}: not {what} (dtype {dtype})')
    offset = head.tell()
    count = math.prod(shape)
    if buf.size - offset != count * dtype.itemsize:
        raise _error(_c.E_IO, f'{name}: not {what}: shape {shape} of {dtype} needs {count * dtype.itemsize} bytes of '
                              f'data, the file holds {buf.size - offset} after its header (truncated, or a damaged '
                              f'header)')
    array = numpy.frombuffer(buf, dtype=dtype, count=count, offset=offset)
    array = array.reshape(shape, order='F' if fortran else 'C')
    array.flags.writeable = False
    return array


@contextlib.contextmanager
def _pinned(p):
    """A name of the regular file that p names now, valid in the block
    whatever p names meanwhile: /proc/self/fd/N, the file held open (p
    itself where there is no /proc, or p is not a regular file: the
    readers say why). What is mapped and what is checksummed through it
    are one file: a checksum of p taken after mapping it passed on a file
    replaced in between (a rerun of pcf_file with other options), and the
    old curves were fitted under the new file's metadata."""
    try:
        fd, mode = _open_nonblocking(p)
    except OSError:  # missing, unreadable: the readers say why
        fd, mode = -1, None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        # never handed to a reader: a FIFO would block it for good (numpy.load too)
        os.close(fd)
        raise _error(_c.E_IO, f'{p} is {_file_kind(mode)}, not a regular file')
    if fd >= 0 and (stat.S_ISDIR(mode) or not os.path.isdir('/proc/self/fd')):
        os.close(fd)  # a Zarr folder, read by its names; or no /proc to name the file by
        fd = -1
    try:
        yield p if fd < 0 else f'/proc/self/fd/{fd}'
    finally:
        if fd >= 0:
            os.close(fd)


def _errors_record(path, meta=None):
    """The ``errors`` record of a .npy result's sidecar (or of meta, its
    metadata read before): a dict, or None."""
    p = os.fsdecode(os.fspath(path))
    if os.path.isdir(p):
        return None  # a Zarr result has no error bars
    sidecar = p + '.json'
    if meta is None:
        if not os.path.exists(sidecar):
            return None
        meta = _read_json(sidecar, meta=True)
    rec = meta.get('errors')
    if rec is None:
        return None
    f = rec.get('file') if isinstance(rec, dict) else None
    if not isinstance(f, str) or not f or os.path.basename(f) != f or f in ('.', '..'):
        raise _error(_c.E_IO, f'{sidecar}: errors: {rec!r}: want a record naming a file beside the result')
    return rec


def _errors_file(path, rec):
    """The path of the error bars a result's record names (None: none)."""
    if rec is None:
        return None
    # By the name rule (OUT.sd.npy beside OUT.npy), not the name recorded
    # when they were written: a result renamed or copied with its error bars
    # has them under its own name (OUT15's F9); the record's size and
    # checksum say whether they are its.
    p = os.fsdecode(os.fspath(path))
    root, ext = os.path.splitext(os.path.basename(p))
    return os.path.join(os.path.dirname(p), root + '.sd' + ext)


def open_errors(path):
    """Return the error bars written beside a `pcf_file` result.

    Parameters
    ----------
    path : str or os.PathLike
        A .npy result computed with ``pcf_file(..., errors='blocking')``
        or ``'segments'`` (or ``ipcf pcf --errors``): its ``PATH.json``
        sidecar names the error bars' file (``OUT.sd.npy`` for
        ``OUT.npy``) under ``errors``.

    Returns
    -------
    numpy.ndarray
        Read-only float32, read into memory (checked against the
        recorded shape, size and checksum), the result's shape (rows,
        columns, points, bins): the standard deviation of every point of
        the curves, as `pcf_errors` returns it. The method and segments are
        in ``open_result(path)[1]['errors']``.

    Raises
    ------
    IpcfValueError
        The result has no error bars (no sidecar, or computed without
        ``errors``), or is a Zarr folder.
    IpcfIOError
        The file the sidecar names is missing, not a .npy file, or not
        the one recorded (another shape, size or CRC-32C): compute them
        again. While a run of ipcf on this machine publishes over the
        result (its lock held, its files renamed one by one), a read that
        finds the sidecar of one run beside the error bars of the other is
        made again for up to 5 s, as `open_result` reads it.

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> tmp = tempfile.mkdtemp()
    >>> data = os.path.join(tmp, 'data.npy')
    >>> numpy.save(data, simulate(frames=256, size=12, seed=1))
    >>> result = pcf_file(data, os.path.join(tmp, 'pcf.npy'), radius=2, npoints=4, nbins=4, errors='segments')
    >>> sd = open_errors(result)
    >>> sd.shape, sd.flags.writeable, open_result(result)[1]['errors']['segments']
    ((8, 8, 4, 4), False, 8)
    >>> del sd
    >>> shutil.rmtree(tmp)
    """
    p = _linked(os.fsdecode(_path(path, 'path')))  # (empty, NUL: refused naming the argument)
    # A read made while a run publishes over the result (its files renamed
    # one by one) can find the sidecar of one run and the error bars of the
    # other: read again, as open_result reads again (it failed with
    # "compute them again").
    deadline, tried = _publish_deadline(), [False]
    while True:
        try:
            return _open_errors(p)
        except IpcfIOError:
            _read_again(p, deadline, tried)


def _linked(p):
    """p, or the file a link at p names where no sidecar lies beside the
    link (core/ooc Linked, as every host reads): a result, or its error
    bars, linked into a work folder is read with the metadata, companions
    and lock beside that file, checked and labelled (it was returned
    unchecked with none)."""
    if os.path.lexists(p + '.json') or not os.path.exists(p):
        return p
    real = os.path.realpath(p)
    return real if real != os.path.abspath(p) else p


def _open_errors_as_result(p, base, mmap):
    """open_result of the error bars p (OUT.sd.npy), which have no metadata
    of their own: checked against, and described by, those of their result
    base (OUT.npy.json, its errors record), as open_errors reads them. They
    were returned unchecked, with no metadata: damaged error bars, or an
    earlier run's, then weighted a fit."""
    meta = _read_json(base + '.json', meta=True)
    rec = _errors_record(base, meta)
    if rec is None:  # (recorded under any name: OUT15's F9, _errors_file)
        raise _error(_c.E_IO, f'{p}: {base}.json records no error bars: not the error bars of that result (an earlier '
                              f'run\'s?); compute them again, or rename the file to read it without metadata')
    sd = _open_errors(base, meta)
    if not mmap:
        sd = numpy.array(sd)  # in memory, as open_result reads a result
        sd.flags.writeable = False
    # Their record and their result, not the result's metadata: error bars
    # are no curves, and label, fit and fit_result refuse them as such.
    return sd, {'errors_of': base, 'errors': rec}


def _open_errors(p, meta=None):
    """open_errors of the result p, by the errors record of meta (its
    metadata as read with its curves) or of its sidecar read now."""
    rec = _errors_record(p, meta)
    if rec is None and not os.path.isdir(p):
        # the sidecar of a run that publishes the result is waited for, as
        # open_result waits for it (refused at once before); one renamed in
        # just after the look for it is read (it was refused as none)
        if _sidecar_coming(p, _publish_deadline()):
            rec = _errors_record(p)
    if rec is None:
        if not os.path.isdir(p) and not os.path.lexists(p + '.json'):
            _refuse_stopped(p)
        why = 'a Zarr result' if os.path.isdir(p) else ('no metadata beside it (PATH.json)'
                                                        if not os.path.exists(p + '.json') else 'computed without them')
        raise _invalid(f'{p}: no error bars ({why}): compute them with pcf_file(..., errors=\'blocking\') or '
                       f'\'segments\' into a .npy result')
    sd = _errors_file(p, rec)
    with _pinned(sd) as name:
        return _check_errors(p, sd, name, rec)


def _check_errors(p, sd, name, rec):
    """The error bars sd of the result p, mapped through name (_pinned),
    checked against rec, the result's record of them."""
    if not os.path.lexists(name):
        raise _error(_c.E_IO, f'{p}.json records error bars, read from {sd} beside it: No such file or directory; '
                              f'compute them again')
    read = {}
    array = _read_npy(name, sd, 'a .npy file of error bars', read)
    got_crc, got_size = read['']
    want_bytes = rec.get('bytes')
    want_shape = rec.get('shape')
    if want_shape is not None and (not isinstance(want_shape, list)
                                   or not all(type(v) is int for v in want_shape)):
        raise _error(_c.E_IO, f'{p}.json: errors: shape {want_shape!r}: want a list of integers')
    if ((want_shape is not None and list(array.shape) != list(want_shape))
            or (isinstance(want_bytes, int) and got_size != want_bytes)):
        raise _error(_c.E_IO, f'{sd}: {array.shape}, {got_size} bytes, but {p}.json recorded shape {want_shape}, '
                              f'{want_bytes} bytes: not the error bars of this result; compute them again')
    want_crc = rec.get('crc32c')
    if isinstance(want_crc, str):
        got = got_crc  # of the bytes returned
        if got != want_crc:
            raise _error(_c.E_IO, f'{sd}: checksum {got}, but {p}.json recorded {want_crc}: not the error '
                                  f'bars of this result (another run\'s?); compute them again')
    return array


def _file_crc32c(path):
    """(CRC-32C as 8 hex digits, size) of the file at path, as ipcf's sidecars
    record them (the library computes it: ipcf_file_crc32c)."""
    crc, size = ctypes.c_uint32(), ctypes.c_int64()
    st = _lib.ipcf_file_crc32c(os.fsencode(path), ctypes.byref(crc), ctypes.byref(size))
    if st != 0:
        raise _error(st, _lib.ipcf_last_error().decode(errors='replace'))
    return f'{crc.value:08x}', size.value


def _check_result_bytes(path, meta, name=None, read=None):
    """Raise an IpcfIOError unless the .npy result at path (read through
    name, when given: _pinned) has the bytes its sidecar records
    (output_crc32c, output_bytes): a sidecar copied from another result of
    the same shape describes other offsets or delays."""
    offs, uv = meta.get('offsets'), meta.get('offsets_uv')
    if isinstance(offs, list) and isinstance(uv, list):
        # named twice (ipcf fit reads offsets): metadata edited in one place are refused
        named = [[o.get('u'), o.get('v')] if isinstance(o, dict) else None for o in offs]
        if named != [list(p) if isinstance(p, list) else p for p in uv]:
            raise _error(_c.E_IO, f'{path}.json: offsets and offsets_uv name different offsets: not metadata as '
                                  f'ipcf wrote it (edited?); compute the result again')
    if os.path.isdir(path):
        _check_zarr_bytes(path, meta, read)
        return
    want = meta.get('output_crc32c')
    if not isinstance(want, str):
        return
    if read is not None and '' in read:
        crc, size = read['']  # of the bytes the array was read from
    else:
        crc, size = _file_crc32c(path if name is None else name)
    nbytes = meta.get('output_bytes')
    if crc != want or (isinstance(nbytes, int) and nbytes != size):
        raise _error(_c.E_IO, f'{path}: checksum {crc}, but {path}.json records {want}: not this result\'s metadata '
                              f'(another result\'s, or the file changed since); compute the result again')


def _check_zarr_bytes(path, meta, read=None):
    """Raise an IpcfIOError unless every chunk and metadata file that the
    Zarr result's .zattrs lists (chunks_crc32c, metadata_crc32c) has the
    checksum recorded there: a chunk damaged or replaced since is not this
    result's. read: the checksums of the files as _open_zarr read them
    (taken instead of reading a file again)."""
    for field in ('chunks_crc32c', 'metadata_crc32c'):
        listed = meta.get(field)
        if not isinstance(listed, dict):
            continue
        for key, want in sorted(listed.items()):
            name = os.path.join(path, key)
            if read is not None and key in read:
                crc = read[key]
            elif not os.path.isfile(name):
                raise _error(_c.E_IO, f'{name}: listed in .zattrs ({field}) but missing or not a file: compute the '
                                      f'result again')
            else:
                crc = _file_crc32c(name)[0]
            if crc != want:
                raise _error(_c.E_IO, f'{name}: checksum {crc}, but .zattrs records {want}: damaged or changed since '
                                      f'it was written; compute the result again')


_MAX_JSON = 256 << 20  # the most bytes of metadata read (the CLI's bound)


def _read_json(path, meta=False, crcs=None, key=None):
    """A JSON object from a file, or an IpcfIOError naming the file. With
    meta, ipcf's metadata (a sidecar, a Zarr's .zattrs): refused when
    changed since ipcf wrote them (the checksum they record of themselves,
    checked by the library: ipcf_check_metadata). With crcs, a dict, the
    CRC-32C of the bytes read goes to crcs[key]."""
    with _open_regular(path) as fh:  # a FIFO or /dev/zero there: refused, never read
        text = _read_whole(fh, path, _MAX_JSON).tobytes()
    if crcs is not None:
        crcs[key] = _buffer_crc32c(text)
    if meta:
        st = _lib.ipcf_check_metadata(text, len(text))
        if st != 0:
            message = _lib.ipcf_last_error().decode(errors='replace')
            try:
                attrs = json.loads(text.decode('utf-8'))
            except ValueError:
                attrs = None
            if (isinstance(attrs, dict) and '_ARRAY_DIMENSIONS' in attrs and 'job_key' not in attrs
                    and attrs.get('kind') in ('pcf', 'acf')):
                # a labelled result (ipcf.label's attrs) that xarray saved: called
                # damaged, with the advice to remove the user's data
                raise _unsupported(f'{os.path.dirname(path)}: a labelled result saved by xarray (its attributes are '
                                   f'ipcf.label\'s, with no job of pcf_file), not a pcf_file result: read it with '
                                   f'xarray.open_zarr (ipcf.fit fits it)')
            raise _error(st, f'{path}: ' + message)
    try:
        value = json.loads(text.decode('utf-8'))
    except ValueError as exc:  # also UnicodeDecodeError
        raise _error(_c.E_IO, f'{path}: damaged JSON ({exc})') from None
    if not isinstance(value, dict):
        raise _error(_c.E_IO, f'{path}: want a JSON object, not {type(value).__name__}')
    return value


def _open_zarr(path, crcs=None):
    """Read an uncompressed Zarr v2 array folder into a read-only array.
    With crcs, a dict, the CRC-32C of each file read (.zarray, chunks)
    goes there under its name in the folder: _check_zarr_bytes checks
    those bytes, not the files the names hold a moment later."""
    zpath = os.path.join(path, '.zarray')
    za = _read_json(zpath, crcs=crcs, key='.zarray')
    meta = {}
    if os.path.exists(os.path.join(path, '.zattrs')):
        meta = _read_json(os.path.join(path, '.zattrs'), meta=True)
    if za.get('zarr_format') != 2 or za.get('compressor') is not None or za.get('filters'):
        msg = (f'{path}: Zarr format {za.get("zarr_format")}, compressor {za.get("compressor")}, filters '
               f'{za.get("filters")}: open_result reads uncompressed Zarr v2 (use the zarr package)')
        raise _unsupported(msg)
    try:
        shape, chunks = tuple(za['shape']), tuple(za['chunks'])
        if len(shape) != len(chunks) or not all(type(v) is int for v in shape + chunks):
            raise ValueError(f'shape {shape} and chunks {chunks}: want integers, as many of each')
        if not shape:
            raise ValueError('shape []: want at least one dimension')
        if any(v < 0 for v in shape) or any(v < 1 for v in chunks):
            raise ValueError(f'shape {shape} and chunks {chunks}: want shape >= 0, chunks >= 1')
        dt = numpy.dtype(za['dtype'])
        if dt.kind not in 'uif' or dt.itemsize < 1:
            raise ValueError(f'dtype {dt}: want integers or reals')
        order = za.get('order', 'C')
        if order not in ('C', 'F'):
            raise ValueError(f'order {order!r}')
        sep = za.get('dimension_separator', '.')
        if sep not in ('.', '/'):
            raise ValueError(f'dimension_separator {sep!r}')
        fill = za.get('fill_value')
        if fill is None:
            fill = 0
        elif isinstance(fill, str):  # "NaN", "Infinity", "-Infinity"
            fill = float(fill.replace('Infinity', 'inf'))
        if dt.kind in 'ui':
            info = numpy.iinfo(dt)
            if isinstance(fill, bool) or not isinstance(fill, (int, float)) or fill != int(fill) \
                    or not info.min <= fill <= info.max:
                raise ValueError(f'fill_value {fill!r}: not a value of {dt}')
        elif not isinstance(fill, (int, float)) or isinstance(fill, bool):
            raise ValueError(f'fill_value {fill!r}: not a value of {dt}')
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise _error(_c.E_IO, f'{zpath}: not a Zarr v2 array description ({type(exc).__name__}: {exc})') from None
    out = _empty(shape, dt.newbyteorder('='), path)
    out[...] = fill
    grid = [-(-s // c) for s, c in zip(shape, chunks)]
    want = math.prod(chunks) * dt.itemsize  # Python integers: no overflow
    # ipcf writes every chunk and lists it with its checksum: one missing
    # is a copy that stopped short, not fill values.
    listed = meta.get('chunks_crc32c') if meta.get('software') == 'ipcf' else None
    for index in numpy.ndindex(*grid):
        key = sep.join(str(i) for i in index)
        name = os.path.join(path, key)
        if not os.path.lexists(name):
            if isinstance(listed, dict) and key in listed:
                raise _error(_c.E_IO, f'{name}: a chunk that .zattrs lists is missing (an incomplete copy?)')
            continue  # a missing chunk holds fill values
        with _open_regular(name) as fh:  # a FIFO or a folder swapped in: refused, never waited on
            raw = _read_whole(fh, name).tobytes()
        if crcs is not None:
            crcs[key] = _buffer_crc32c(raw)
        if len(raw) % dt.itemsize:
            raise _error(_c.E_IO, f'{name}: {len(raw)} bytes, want {want} (a chunk of {chunks} {dt})')
        block = numpy.frombuffer(raw, dtype=dt)
        if block.nbytes != want:
            msg = f'{name}: {block.nbytes} bytes, want {want} (a chunk of {chunks} {dt})'
            raise _error(_c.E_IO, msg)
        block = block.reshape(chunks, order=order)
        dst = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, chunks, shape))
        out[dst] = block[tuple(slice(0, d.stop - d.start) for d in dst)]
    out.flags.writeable = False
    return out, meta


def correct_bleaching(data, /, filtersize=DEFAULT_FILTERSIZE, *, mean='real', threads=None, out=None, progress=False,
                      time_axis=None):
    """Return the photobleaching-corrected image time series.

    Each pixel's series is filtered with the tutorial's double exponential
    filter, rescaled around its mean, rounded half away from zero and
    clipped to [0, 65535], or to the input's integer type where its range
    is smaller (uint8 255, int8 127, int16 32767); the first and last
    `filtersize` frames are dropped.

    Parameters
    ----------
    data : array_like
        (time, row, column) series, or a (time, column) line scan (the
        result is then (time, column) too).
    filtersize : int
        Filter size in frames.
    mean : {'real', 'floor'}
        The exact mean, or the tutorial's Cython integer division.
    threads : int, optional
        Worker threads; 0 means all cores.
    out : numpy.ndarray, optional
        uint8, uint16, int16 or int32 array of shape (time - 2 filtersize,
        row, column) ((time - 2 filtersize, column) for a line scan):
        writeable, aligned, sharing no memory with `data`. The values are
        those returned without it (clipped to the input's type): an out
        that cannot hold them all (uint8 for uint16 data) is refused.
    progress : bool
        Show a progress bar.
    time_axis : int, optional
        As for `pcf`: the axis of `data` that is time (moved first, no
        copy); the result is (time, row, column).

    Returns
    -------
    numpy.ndarray
        The input's integer dtype (uint16 for floating-point input). Data
        that are not integer counts in 0..65535 are rounded and clipped as
        defined, with a `CountsWarning`.

    Examples
    --------
    >>> data = simulate(frames=300, size=8, seed=2, channel_width=0, bleach_tau=100)
    >>> correct_bleaching(data, 50).shape
    (200, 8, 8)
    """
    return _correct_bleaching(data, filtersize, mean, threads, out, progress, time_axis, warn=True)


def _correct_bleaching(data, filtersize, mean, threads, out, progress, time_axis, warn):
    """correct_bleaching; warn: the CountsWarning (pcf's int8 path has
    given it already)."""
    # The dtype given (a list's as numpy reads it), before _input converts
    # the types the library does not take.
    if not isinstance(getattr(data, 'dtype', None), numpy.dtype):
        data = numpy.asarray(data)
    given = data.dtype
    data = _time_first(_input(data, 'data', (3, 2)), time_axis, 'data', stacklevel=4)
    line = data.ndim == 2  # a (time, column) line scan: corrected as (time, 1, column)
    f = _int(filtersize, 'filtersize', lo=1)
    o = _defaults(_c.BleachOptions, _lib.ipcf_bleach_options_init)
    o.filtersize = f
    o.mean = _mean(mean, 'mean')
    o.threads = _threads(threads)
    _bleach_frames(data.shape[0], f, o)
    n = data.shape[0] - 2 * f
    shape = (n,) + data.shape[1:]
    keep = None  # an integer dtype the library does not write (int8, uint32, int64, uint64)
    if out is None:
        out = _empty(shape, _bleach_lib_dtype(given), 'out')
        if _bleach_dtype(given) != out.dtype:
            keep = _bleach_dtype(given)
    else:
        _output(out, 'out', shape, _BLEACH_LIB_DTYPES, 'uint8, uint16, int16 or int32', ((data, 'data'),))
        # The values are clipped to the input's type (its range where it is
        # smaller than 0..65535), whatever out's: the library clips to out's,
        # so an int32 out of int16 data held 32904 where the result is 32767,
        # and a uint8 out of uint16 data saturated without a word.
        hi = min(65535, int(numpy.iinfo(_bleach_dtype(given)).max))
        out_hi = min(65535, int(numpy.iinfo(out.dtype).max))
        if out_hi < hi:
            raise _unsupported(f'out: dtype {out.dtype} holds corrected values up to {out_hi}, and those of '
                               f'{given} data reach {hi}: want an out of {_bleach_dtype(given)}'
                               + (', or a wider type' if hi < 65535 else ' or int32'))
        if out_hi > hi:
            keep = 'clip', hi
    if warn:
        _warn_counts(data, 'data', 4)
    din = _descriptor(data[:, None, :] if line else data, 'data')
    dout = _descriptor(out[:, None, :] if line else out, 'out')
    # Two passes over each series: 2**20 samples took 3.5 ms, so a quarter
    # of _QUICK_WORK stays under a millisecond.
    _call(_lib.ipcf_correct_bleaching, 'bleach', (ctypes.byref(din), ctypes.byref(o), ctypes.byref(dout)),
          o, progress, keep=(data, out), quick=data.size <= _QUICK_WORK // 4)
    if isinstance(keep, tuple):  # out given, wider than the input's type: clipped to it in place
        numpy.minimum(out, keep[1], out=out)
        return out
    if keep is not None:
        # Clipped to the type as the library clips its own integer types
        # (0 to 65535 or the type's largest): the same as clipping there.
        return numpy.clip(out, 0, min(65535, numpy.iinfo(keep).max)).astype(keep)
    return out


def circle(radius, npoints):
    """Return the circle offsets as an (npoints, 2) int32 array of (u, v).

    ``u`` is the column offset, ``v`` the row offset; point 0 is (radius, 0).

    Examples
    --------
    >>> circle(6, 8).tolist()
    [[6, 0], [4, 4], [0, 6], [-4, 4], [-6, 0], [-4, -4], [0, -6], [4, -4]]
    """
    _check_process()
    radius, npoints = _int(radius, 'radius'), _int(npoints, 'npoints')
    n = max(npoints, 0)
    if n > 4096:
        # Let the library check radius and npoints before allocating.
        probe = numpy.zeros(2, numpy.int32)
        status = _lib.ipcf_circle(radius, npoints, probe.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), 0)
        if status != _c.E_BUFFER_TOO_SMALL:
            if status:
                raise _error(status, _last_error())
    buf = numpy.zeros((max(n, 1), 2), numpy.int32)
    _direct(_lib.ipcf_circle, radius, npoints, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), buf.size)
    return buf[:n]


def logbins(size, nbins):
    """Return the upper edges of the log delay bins for delays up to size.

    numpy's ``unique(logspace(0, log(size)/log(2), nbins, base=2).astype(intp))``
    evaluated with the C library's log and pow (spec/pcf.md; the library
    built without cgo rounds them correctly instead, which differs from glibc
    at a few sizes such as 9170, never at powers of two). The first edge
    is 1; the last is size for the powers of two the pCF uses, and may be
    size - 1 for other sizes (``logbins(14, 8)`` ends at 13).

    Examples
    --------
    >>> logbins(8192, 32)[:8].tolist()
    [1, 2, 3, 4, 5, 7, 10, 13]
    >>> len(logbins(8192, 32))
    30
    """
    _check_process()
    size, nbins = _int(size, 'size', 'int64'), _int(nbins, 'nbins')
    cap = min(max(nbins, 1), 64)
    while True:
        buf = numpy.zeros(cap, numpy.int64)
        count = ctypes.c_size_t()
        status = _lib.ipcf_logbins(size, nbins, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
                                   cap, ctypes.byref(count))
        if status == _c.E_BUFFER_TOO_SMALL and cap < count.value <= max(nbins, 1):
            cap = count.value  # the library checked size and nbins: the capacity it needs
            continue
        if status:
            raise _error(status, _last_error())
        return buf[:count.value].copy()


def correlate(a, b, mode='circular'):
    """Return the correlation of two series.

    Parameters
    ----------
    a, b : array_like
        1-D series (equal lengths n >= 2 for 'circular' and 'linear').
    mode : {'circular', 'linear', 'same'}
        'circular': the normalized ``G(tau)`` of the pCF for tau < n//2 (n//2 values);
        'linear': zero-padded, mean-subtracted variant, tau < n//2;
        'same': numpy.correlate(a, b, 'same'), exact for integers
        (IpcfValueError where a value could exceed 2**53, what float64
        holds exactly: min(max|a| * sum|b|, sum|a| * max|b|) >= 2**53).

    Examples
    --------
    >>> correlate([1, 2, 3], [4, 8, 16], mode='same').tolist()
    [40.0, 68.0, 32.0]
    """
    _check_process()
    mode = _choice(mode, 'mode', tuple(_c.CORR_MODES))
    ints = []
    for v, name in ((a, 'a'), (b, 'b')):
        _not_masked(v, name)
        try:
            kind = numpy.asarray(v).dtype.kind
            # (a list of Python ints beyond int64, numpy makes floats of)
            ints.append(kind in 'iub' or (kind == 'f' and isinstance(v, (list, tuple))
                                          and all(isinstance(x, (int, numpy.integer)) for x in v)))
        except (ValueError, TypeError):
            ints.append(False)  # _input says why
    a = _input(a, 'a', 1)
    b = _input(b, 'b', 1)
    if mode == 'same' and all(ints) and a.size and b.size:
        # The library's check sees integer dtypes only: 64-bit integers and
        # lists arrive here converted to float64 (they were returned rounded).
        _exact_same(a, b)
    n = max(len(a), len(b)) if mode == 'same' else len(a) // 2
    out = _empty(n, numpy.float64, 'out')
    da, db, do = _descriptor(a, 'a'), _descriptor(b, 'b'), _descriptor(out, 'out')
    # 'same' is a direct sliding dot product (exact for integers); the
    # others are transforms of about n log n.
    work = len(a) * len(b) if mode == 'same' else 16 * (len(a) + len(b))
    _call(_lib.ipcf_correlate, 'correlate', (ctypes.byref(da), ctypes.byref(db), _c.CORR_MODES[mode],
                                             ctypes.byref(do)), keep=(a, b, out), quick=work <= _QUICK_WORK)
    return out


def _exact_same(a, b):
    """Refuse correlate(a, b, 'same') of integer samples (held in any
    dtype) where a value could exceed 2**53, which float64 holds exactly:
    the bound the library applies to integer dtypes. Float64 rounding of
    the bound is monotonic, so a bound of 2**53 or more is seen as such."""
    _probe_mapped(a, 'a')
    _probe_mapped(b, 'b')
    fa, fb = numpy.abs(a.astype(numpy.float64)), numpy.abs(b.astype(numpy.float64))
    bound = min(float(fa.max()) * math.fsum(fb), math.fsum(fa) * float(fb.max()))
    if bound >= 2.0 ** 53:
        raise _invalid(f'out.dtype=float64 cannot hold every integer result exactly: min(max|a| * sum|b|, '
                       f'sum|a| * max|b|) = {bound:.0f} >= 2^53 (scale the samples down)')


def convolve2d(image, kernel):
    """Return the full 2-D convolution of image with an odd-sized kernel.

    As the Cython tutorial's ``naive_convolve``: output shape
    (H + kh - 1, W + kw - 1); int32 and exact for integer inputs, float64
    otherwise.

    Examples
    --------
    >>> convolve2d([[1, 2, 3], [4, 5, 6]], [[1, 0, -1]]).tolist()
    [[1, 2, 2, -2, -3], [4, 5, 2, -5, -6]]
    """
    _check_process()
    f = _input(image, 'image', 2)
    g = _input(kernel, 'kernel', 2)
    # int32 out for integer inputs, also those _input converted to float64
    integer = all(numpy.asarray(x).dtype.kind in 'uib' for x in (image, kernel))
    dt = numpy.int32 if integer else numpy.float64
    out = _empty((max(f.shape[0] + g.shape[0] - 1, 0), max(f.shape[1] + g.shape[1] - 1, 0)), dt, 'out')
    df, dg, do = _descriptor(f, 'image'), _descriptor(g, 'kernel'), _descriptor(out, 'out')
    _call(_lib.ipcf_convolve2d, 'convolve2d', (ctypes.byref(df), ctypes.byref(dg), ctypes.byref(do)),
          keep=(f, g, out))
    return out


def simulate(frames=32000, size=64, seed=1, *, particles=200, diffusion=0.5, channel_width=4.0,
             psf_sigma=1.0, brightness=40.0, background=10.0, bleach_tau=0.0, threads=None,
             progress=False):
    """Return a simulated image time series of particles diffusing with a barrier.

    Particles diffuse in 2-D and cannot cross the walls of a diagonal channel;
    they are imaged with a Gaussian PSF and Poisson noise, optionally with
    exponential photobleaching. Deterministic for a seed. The image is
    periodic (a particle leaving one side enters the opposite one) with a
    fixed number of particles: on small images the particles meet their own
    past across the box, so check fitted D on 64 pixels or more (16 pixels
    gave about twice the simulated D).

    Returns
    -------
    numpy.ndarray
        uint16, shape (frames, size, size).

    Examples
    --------
    >>> a = simulate(frames=10, size=8, seed=5, channel_width=0)
    >>> b = simulate(frames=10, size=8, seed=5, channel_width=0)
    >>> a.shape, a.dtype.name, bool((a == b).all())
    ((10, 8, 8), 'uint16', True)
    """
    o = _defaults(_c.SimulateOptions, _lib.ipcf_simulate_options_init)
    o.frames, o.size = _int(frames, 'frames', lo=1), _int(size, 'size', lo=1)
    o.particles = _int(particles, 'particles')
    o.seed = _int(seed, 'seed', 'uint64')
    o.diffusion, o.channel_width = _float(diffusion, 'diffusion'), _float(channel_width, 'channel_width')
    o.psf_sigma, o.brightness = _float(psf_sigma, 'psf_sigma'), _float(brightness, 'brightness')
    o.background, o.bleach_tau = _float(background, 'background'), _float(bleach_tau, 'bleach_tau')
    o.threads = _threads(threads)
    out = _empty((o.frames, o.size, o.size), numpy.uint16, f'simulate: frames={o.frames}, size={o.size}')
    dout = _descriptor(out, 'out')
    _call(_lib.ipcf_simulate, 'simulate', (ctypes.byref(o), ctypes.byref(dout)), o, progress, keep=(out,))
    return out


def version():
    """Return the library version and FFT backend, e.g. '0.1.0 (fftw3f)'."""
    return _lib.ipcf_version_string().decode()


from ._label import Labelled, label  # noqa: E402 - uses the functions above
from ._fit import FitResult, SmoothedCurvesWarning, fit, fit_result  # noqa: E402 - uses the functions above
