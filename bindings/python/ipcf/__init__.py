"""Image pair correlation function (pCF) analysis of image time series.

A thin ctypes binding of libipcf, the library of the ipcf project. Arrays are
passed to the library without copies: any (time, row, column) numpy array of
uint8, uint16, int16, int32, float32 or float64, C or Fortran order, strided
views and big-endian data alike. The library releases the GIL while it
computes.

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

import ctypes
import json
import logging
import os
import sys
import threading
import warnings

import numpy

from . import _lib as _c

__all__ = [
    'IpcfError', 'IpcfValueError', 'IpcfTypeError', 'IpcfIOError', 'IpcfBusyError', 'pcf',
    'pcf_output_shape', 'pcf_file', 'open_result', 'JobResult', 'correct_bleaching', 'circle',
    'logbins', 'correlate', 'convolve2d', 'simulate', 'version', 'devices', '__version__',
]

_lib = _c.load()
_PID = os.getpid()
__version__ = _lib.ipcf_version_string().decode().split()[0]


class IpcfError(RuntimeError):
    """Error reported by libipcf.

    Attributes
    ----------
    status : int
        The library's status code (``ipcf_status``).
    message : str
        The library's message, naming the function and the values involved.
    """

    def __init__(self, status, message):
        self.status = status
        self.message = message
        super().__init__(message)


class IpcfValueError(IpcfError, ValueError):
    """Invalid argument: a parameter, shape or value the library refuses."""


class IpcfTypeError(IpcfError, TypeError):
    """Unsupported dtype or layout."""


class IpcfIOError(IpcfError, OSError):
    """A file cannot be read or written (missing or unreadable input, full
    disk), or an input changed while a file job read it (status 9)."""


class IpcfBusyError(IpcfError):
    """The output of a file job is being written by another run (status 10)."""


_ERRORS = {
    _c.E_INVALID_ARGUMENT: IpcfValueError,
    _c.E_BUFFER_TOO_SMALL: IpcfValueError,
    _c.E_UNSUPPORTED_LAYOUT: IpcfTypeError,
    _c.E_IO: IpcfIOError,
    _c.E_BUSY: IpcfBusyError,
}


def _error(status, message):
    cls = _ERRORS.get(status, IpcfError)
    return cls(status, message)


def _check_process():
    if os.getpid() != _PID:
        msg = (
            'ipcf: this process was forked after libipcf was loaded; the Go runtime inside '
            'the library cannot run in a forked child. Use multiprocessing with the '
            '"spawn" or "forkserver" start method (dask.distributed already spawns).'
        )
        raise IpcfError(_c.E_INTERNAL, msg)


def _int(value, name, bits=32):
    """Return value as an int that fits a signed C integer of the given bits.

    ctypes would silently wrap an out of range value (2**32 + 2 becoming 2).
    """
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise TypeError(f'{name}={value!r}: want an integer') from None
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not lo <= v <= hi:
        msg = f'{name}={v} is out of range for a {bits}-bit integer ({lo}..{hi})'
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
    return v


def _threads(threads):
    if threads is None:
        env = os.environ.get('IPCF_NUM_THREADS', '')
        if not env:
            return 0
        try:
            threads = int(env)
            if threads < 0:
                raise ValueError
        except ValueError:
            warnings.warn(f'ipcf: ignoring IPCF_NUM_THREADS={env!r}: not a whole number >= 0', stacklevel=3)
            return 0
    return _int(threads, 'threads')


def _descriptor(a, name):
    """Return an ipcf_array describing numpy array a (no copy)."""
    dt = a.dtype
    key = f'{dt.kind}{dt.itemsize}'
    code = _c.DTYPE_CODES.get(key)
    if code is None:
        msg = f'{name}: dtype {dt} is not supported (uint8, uint16, int16, int32, float32, float64)'
        raise IpcfTypeError(_c.E_UNSUPPORTED_LAYOUT, msg)
    if a.ndim < 1 or a.ndim > _c.MAX_NDIM:
        msg = f'{name}: {a.ndim} dimensions, want 1..{_c.MAX_NDIM}'
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
    d = _c.Array()
    d.struct_size = ctypes.sizeof(_c.Array)
    d.dtype = code
    bo = dt.byteorder
    d.byte_order = {'<': _c.ORDER_LITTLE, '>': _c.ORDER_BIG}.get(bo, _c.ORDER_NATIVE)
    d.ndim = a.ndim
    for i in range(a.ndim):
        d.shape[i] = a.shape[i]
        d.strides[i] = a.strides[i]
    d.data = a.__array_interface__['data'][0] or None
    return d


def _input(data, name, ndim=None):
    """Return data as a numpy array the library reads in place.

    Supported dtypes pass through untouched (views, any strides, either byte
    order). Other integer dtypes and float16 are converted to float64
    (a copy, exact for integers below 2**53).
    """
    if not isinstance(data, numpy.ndarray):
        data = numpy.asarray(data)
    if ndim is not None and data.ndim != ndim:
        msg = f'{name}: {data.ndim} dimensions, want {ndim}'
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
    key = f'{data.dtype.kind}{data.dtype.itemsize}'
    if key in _c.DTYPE_CODES:
        return data
    if data.dtype.kind in 'ui' or key == 'f2':
        return data.astype(numpy.float64)
    if data.dtype.kind == 'b':
        return data.view(numpy.uint8)
    msg = f'{name}: dtype {data.dtype} is not supported (integer or real samples)'
    raise IpcfTypeError(_c.E_UNSUPPORTED_LAYOUT, msg)


class _Progress:
    """Progress bar fed by the library's callback (tqdm if installed)."""

    def __init__(self, desc):
        self.bar = None
        self.desc = desc
        self.last = 0
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self.tqdm = tqdm

    def __call__(self, user, done, total):
        try:
            if total <= 0:
                return 0
            if self.tqdm is not None:
                if self.bar is None:
                    self.bar = self.tqdm(total=int(total), desc=self.desc, unit='unit', leave=False)
                self.bar.update(int(done) - self.last)
            else:
                width = 30
                n = int(width * done / total)
                sys.stderr.write(f'\r{self.desc} [{"#" * n}{"." * (width - n)}] {100 * done / total:3.0f}%')
                sys.stderr.flush()
            self.last = int(done)
        except Exception:  # never let a display problem stop the computation
            pass
        return 0

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.tqdm is None and self.last:
            sys.stderr.write('\r\033[K')
            sys.stderr.flush()


class _PhaseProgress:
    """One `_Progress` bar per phase of a file job ("read", "pcf", ...)."""

    def __init__(self, desc):
        self.desc = desc
        self.phase = None
        self.bar = None

    def __call__(self, user, phase, done, total):
        try:
            phase = phase.decode('utf-8', 'replace') if phase else ''
            if phase != self.phase:
                self.close()
                self.phase = phase
                self.bar = _Progress(f'{self.desc} {phase}'.strip())
            self.bar(user, done, total)
        except Exception:  # never let a display problem stop the computation
            pass
        return 0

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# Work above this many input samples runs in a helper thread so that Ctrl+C
# in the main thread can cancel it; smaller calls run directly (no thread
# start-up cost).
_HELPER_THRESHOLD = 1 << 20


def _call(fn, name, args, options, size, progress, bar=None):
    """Run a long library call: progress bar, Ctrl+C, error mapping.

    options is an options struct with progress and token fields. bar, if
    given, is a progress display the caller already wired into a callback
    of its own (file jobs: one bar per phase); it is closed when the call
    ends, and options.progress is left alone. Without it, progress=True
    shows a `_Progress` bar fed by options.progress.
    """
    _check_process()
    if bar is None:
        bar = _Progress(name) if progress else None
        cb = _c.PROGRESS(bar) if bar else _c.PROGRESS()
        options.progress = cb
    main = threading.current_thread() is threading.main_thread()
    if not (main and size >= _HELPER_THRESHOLD):
        status = fn(*args)
        message = _lib.ipcf_last_error().decode() if status else ''
        if bar:
            bar.close()
        if status:
            raise _error(status, message)
        return
    token = ctypes.c_uint64()
    if _lib.ipcf_token_create(ctypes.byref(token)):
        raise IpcfError(_c.E_INTERNAL, _lib.ipcf_last_error().decode())
    options.token = token.value
    result = {}
    done = threading.Event()

    def target():
        try:
            status = fn(*args)
            result['status'] = status
            # The message is per thread: read it on this one.
            result['message'] = _lib.ipcf_last_error().decode() if status else ''
        finally:
            done.set()

    # Wait on an Event, not Thread.join: after a KeyboardInterrupt has
    # interrupted Thread.join, a later join can return while the thread
    # still runs (CPython 3.11), and the library would then write into
    # arrays the caller may already have freed.
    worker = threading.Thread(target=target, name=f'ipcf-{name}', daemon=True)
    worker.start()
    interrupted = False
    try:
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        interrupted = True
        _lib.ipcf_token_cancel(token.value)
        while True:
            try:
                if done.wait(0.05):
                    break
            except KeyboardInterrupt:
                pass  # keep waiting: the library must finish before we return
    finally:
        if bar:
            bar.close()
        if done.is_set():
            _lib.ipcf_token_destroy(token.value)
    if interrupted:
        raise KeyboardInterrupt
    if result['status']:
        raise _error(result['status'], result['message'])


def _device(device):
    if device in (None, 'auto'):
        return _c.DEVICE_AUTO
    if device == 'cpu':
        return _c.DEVICE_CPU
    if device == 'cuda':
        return 0
    if isinstance(device, str) and device.startswith('cuda:') and device[5:].isdigit():
        return _int(device[5:], 'device ordinal')
    msg = f"device={device!r}: want 'auto', 'cpu', 'cuda' or 'cuda:N'"
    raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)


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
    return buf.value.decode()


def _pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, device='auto'):
    o = _c.PcfOptions()
    _lib.ipcf_pcf_options_init(ctypes.byref(o))
    o.radius, o.npoints, o.nbins = _int(radius, 'radius'), _int(npoints, 'npoints'), _int(nbins, 'nbins')
    o.bleach = _int(bleach or 0, 'bleach')
    if bleach_mean not in ('real', 'floor'):
        msg = f"bleach_mean={bleach_mean!r}: want 'real' or 'floor'"
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
    o.bleach_mean = _c.MEAN_REAL if bleach_mean == 'real' else _c.MEAN_FLOOR
    o.threads = _threads(threads)
    o.device = _device(device)
    return o


def pcf_output_shape(shape, /, *, radius=6, npoints=32, nbins=32, bleach=0):
    """Return the shape of the pCF of an input of the given (t, y, x) shape.

    Examples
    --------
    >>> pcf_output_shape((32000, 64, 64))
    (52, 52, 32, 30)
    """
    _check_process()
    if len(shape) != 3:
        msg = f'shape {tuple(shape)}: want 3 dimensions (time, row, column)'
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
    d = _c.Array()
    d.struct_size = ctypes.sizeof(_c.Array)
    d.dtype, d.ndim = 2, 3
    for i, s in enumerate(shape):
        d.shape[i] = _int(s, f'shape[{i}]', 64)
    o = _pcf_options(radius, npoints, nbins, bleach, 'real', 0)
    out = (ctypes.c_int64 * 4)()
    status = _lib.ipcf_pcf_output_shape(ctypes.byref(d), ctypes.byref(o), out)
    if status:
        raise _error(status, _lib.ipcf_last_error().decode())
    return tuple(int(v) for v in out)


def pcf(data, /, *, radius=6, npoints=32, nbins=32, bleach=0, bleach_mean='real',
        mask=None, threads=None, out=None, progress=False, device='auto'):
    """Return the image pair correlation function of an image time series.

    For every pixel and every point of a circle of neighbours, the normalized
    cross-correlation ``G(tau) = <a(t) b(t+tau)> / (<a><b>) - 1`` of the
    pixel's intensity ``a`` with its neighbour's ``b``, averaged in
    log-spaced delay bins and smoothed as in the tutorial.

    Parameters
    ----------
    data : array_like
        Image time series, shape (time, row, column). Read in place for
        uint8, uint16, int16, int32, float32 and float64 in any layout or byte
        order. Only the first power-of-two frames are used.
    radius : int
        Circle radius in pixels.
    npoints : int
        Number of circle points (see `circle`).
    nbins : int
        Requested number of log delay bins; duplicates are removed, so the
        result can have fewer (see `logbins`).
    bleach : int
        Photobleaching filter size; 0 means no correction. With correction
        the first and last `bleach` frames are dropped.
    bleach_mean : {'real', 'floor'}
        Mean used by the bleaching correction: the exact mean, or the
        tutorial's Cython integer division (to reproduce its numbers).
    mask : array_like, optional
        (row, column) array; pixels where it is zero are not computed and
        their curves are NaN.
    threads : int, optional
        Worker threads; 0 means all cores. Default: ``IPCF_NUM_THREADS`` or 0.
    out : numpy.ndarray, optional
        float32 array of the output shape to write into.
    progress : bool
        Show a progress bar (tqdm if installed).
    device : {'auto', 'cpu', 'cuda', 'cuda:N'}
        'auto' uses a CUDA GPU when one is usable for the job (uint16 data,
        no bleaching correction), else the CPU; 'cuda' fails with an
        `IpcfError` (status 8) saying why if the GPU cannot be used. See
        `devices`.

    Returns
    -------
    numpy.ndarray
        float32, shape (row - 2 radius, column - 2 radius, npoints, bins).
        Curves of pixels whose series sums to zero are NaN.

    Raises
    ------
    IpcfValueError
        Bad parameters or shapes: wrong number of dimensions, radius too
        large for the image, nbins < 2, fewer than 4 frames, mask shape.
    IpcfTypeError
        Unsupported dtype (complex, object) or an `out` that is not float32.
    KeyboardInterrupt
        Ctrl+C; the computation is cancelled within a fraction of a second.

    Notes
    -----
    Each pixel's spectrum is computed once and one inverse FFT serves both
    directions of a pair where circle points are exact negations.

    Examples
    --------
    >>> data = simulate(frames=512, size=16, seed=3)
    >>> pcf(data, radius=2, npoints=8, nbins=8).shape
    (12, 12, 8, 8)
    >>> pcf(numpy.asfortranarray(data), radius=2, npoints=8, nbins=8).dtype
    dtype('float32')
    """
    data = _input(data, 'data', 3)
    o = _pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, device)
    shape = pcf_output_shape(data.shape, radius=radius, npoints=npoints, nbins=nbins, bleach=bleach)
    if out is None:
        out = numpy.empty(shape, numpy.float32)
    elif not isinstance(out, numpy.ndarray) or out.dtype.kind != 'f' or out.dtype.itemsize != 4:
        raise IpcfTypeError(_c.E_UNSUPPORTED_LAYOUT, 'out: want a float32 numpy array')
    elif out.shape != shape:
        raise IpcfValueError(_c.E_BUFFER_TOO_SMALL, f'out: shape {out.shape}, want {shape}')
    keep = []
    if mask is not None:
        m = _input(mask, 'mask', 2)
        md = _descriptor(m, 'mask')
        keep += [m, md]
        o.mask = ctypes.pointer(md)
    din = _descriptor(data, 'data')
    dout = _descriptor(out, 'out')
    _call(_lib.ipcf_pcf_compute, 'pcf', (ctypes.byref(din), ctypes.byref(o), ctypes.byref(dout)),
          o, data.size, progress)
    del keep
    return out


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
    """

    summary = None

    def __new__(cls, path, summary):
        self = super().__new__(cls, path)
        self.summary = summary
        return self

    def __reduce__(self):
        return (JobResult, (str(self), self.summary))


def _path(value, name):
    """Return a path (str, bytes or os.PathLike) as bytes for the library."""
    try:
        b = os.fsencode(value)
    except TypeError:
        raise TypeError(f'{name}={value!r}: want a path (str or os.PathLike)') from None
    if not b or b'\0' in b:
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, f'{name}={value!r}: want a non-empty path without NUL')
    return b


def _cstr(value, name):
    """Return a text option as UTF-8 bytes for the library; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f'{name}={value!r}: want a str')
    if '\0' in value:
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, f'{name}={value!r}: contains NUL')
    return value.encode('utf-8')


def _bound(value, name):
    return '' if value is None else str(_int(value, name, 64))


def _range_text(value, name):
    """Return "start:stop" for a str, a slice or a (start, stop) pair.

    The library parses and checks the text; only types are converted here.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, slice):
        if value.step not in (None, 1):
            raise IpcfValueError(_c.E_INVALID_ARGUMENT, f'{name}={value!r}: want a step of 1')
        start, stop = value.start, value.stop
    else:
        try:
            start, stop = value
        except (TypeError, ValueError):
            msg = f"{name}={value!r}: want 'start:stop', a slice or a (start, stop) pair"
            raise TypeError(msg) from None
    return f'{_bound(start, name)}:{_bound(stop, name)}'


def _crop_text(crop):
    if crop is None or isinstance(crop, str):
        return crop
    try:
        rows, cols = crop
    except (TypeError, ValueError):
        msg = f"crop={crop!r}: want 'y0:y1,x0:x1' or a pair of slices or (start, stop) pairs"
        raise TypeError(msg) from None
    return f'{_range_text(rows, "crop rows")},{_range_text(cols, "crop columns")}'


_ORDERS = {'little': _c.ORDER_LITTLE, '<': _c.ORDER_LITTLE, 'big': _c.ORDER_BIG, '>': _c.ORDER_BIG,
           'native': _c.ORDER_NATIVE, '=': _c.ORDER_NATIVE}


def _raw_source(src, shape, dtype, byteorder, offset, fmt):
    """Fill the raw input fields of source options src."""
    if shape is None:
        if dtype is not None or byteorder is not None or offset:
            msg = 'dtype, byteorder and offset describe raw input: give its shape (frames, rows, columns) too'
            raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
        return
    if fmt not in (None, 'auto', 'raw'):
        msg = f"shape describes raw input, but format={fmt!r}: want 'raw' or 'auto'"
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if len(dims) != 3:
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, f'shape={shape!r}: want (frames, rows, columns)')
    for i, v in enumerate(dims):
        src.raw_shape[i] = _int(v, f'shape[{i}]', 64)
    src.raw_offset = _int(offset or 0, 'offset', 64)
    order = None
    if dtype is not None:
        dt = numpy.dtype(dtype)
        code = _c.DTYPE_CODES.get(f'{dt.kind}{dt.itemsize}')
        if code is None:
            msg = f'dtype={dtype!r}: not supported (uint8, uint16, int16, int32, float32, float64)'
            raise IpcfTypeError(_c.E_UNSUPPORTED_LAYOUT, msg)
        src.raw_dtype = code
        # An explicit byte order: a '<' or '>' prefix, or a non-native dtype.
        if isinstance(dtype, str) and dtype[:1] in ('<', '>'):
            order = _ORDERS[dtype[:1]]
        elif dt.byteorder in ('<', '>'):
            order = _ORDERS[dt.byteorder]
    if byteorder is not None:
        if byteorder not in _ORDERS:
            raise IpcfValueError(_c.E_INVALID_ARGUMENT, f"byteorder={byteorder!r}: want 'little', 'big' or 'native'")
        if order is not None and _ORDERS[byteorder] != order:
            msg = f'byteorder={byteorder!r} contradicts dtype={dtype!r}'
            raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
        order = _ORDERS[byteorder]
    if order is not None:
        src.raw_byte_order = order


def _memory_text(memory):
    if memory is None:
        return None
    if isinstance(memory, bool) or not isinstance(memory, (int, float, str, numpy.integer)):
        raise TypeError(f"memory={memory!r}: want bytes (int) or a size such as '2GiB'")
    return _cstr(str(memory), 'memory')


def pcf_file(input, output, *, radius=6, npoints=32, nbins=32, bleach=0, bleach_mean='real', mask=None,
             crop=None, frames=None, format='auto', shape=None, dtype=None, byteorder=None, offset=0,
             threads=None, memory=None, scratch=None, engine='auto', tile=None, device='auto',
             frame_interval=None, pixel_size=None, progress=False):
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
        of core). Must not be an input, lie inside an input folder, or be
        an existing folder that is not an ipcf result. See `open_result`.
    radius, npoints, nbins, bleach, bleach_mean, threads, device
        As for `pcf`.
    mask : str, os.PathLike or array_like, optional
        (row, column) mask of the input frame or of the crop, a path of a
        .npy file or an array; pixels where it is zero are not computed and
        their curves are NaN.
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
        '1.5G'. Default: a quarter of the physical memory.
    scratch : str or os.PathLike, optional
        Folder for out-of-core scratch files; default: beside the output.
    engine : {'auto', 'memory', 'ooc'}
        'auto' computes in memory when the job fits the budget and the
        output is .npy, else out of core ('ooc').
    tile : (rows, columns), optional
        Out of core: the output tile; default: chosen from the budget.
    frame_interval : float, optional
        Seconds between frames, written into the metadata.
    pixel_size : float, optional
        Micrometres per pixel, written into the metadata.
    progress : bool
        Show a progress bar per phase ('read', 'pcf', 'transpose', ...),
        tqdm if installed.

    Returns
    -------
    JobResult
        The output path, a `str` with a ``summary`` dict: ``engine``
        ('memory' or 'ooc'), ``shape``, ``tiles``, ``resumed``,
        ``already_complete`` and ``input_crc32c``.

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
    ``logging.basicConfig(level=logging.INFO)``.

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
    ('ooc', (6, 6, 4, 4), 4)
    >>> shutil.rmtree(tmp)
    """
    _check_process()
    if not getattr(_lib, 'has_file_jobs', False):
        raise IpcfError(_c.E_INTERNAL, f'pcf_file: libipcf {version()} has no file jobs (ipcf_pcf_file, 0.2)')
    inp, out = _path(input, 'input'), _path(output, 'output')
    o = _pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, device)
    src = _c.SourceOptions()
    _lib.ipcf_source_options_init(ctypes.byref(src))
    src.format = _cstr(format, 'format')
    _raw_source(src, shape, dtype, byteorder, offset, format)
    src.crop = _cstr(_crop_text(crop), 'crop')
    src.frames = _cstr(None if frames is None else _range_text(frames, 'frames'), 'frames')
    keep = []
    if isinstance(mask, (str, bytes, os.PathLike)):
        src.mask = _path(mask, 'mask')
    elif mask is not None:
        m = _input(mask, 'mask', 2)
        md = _descriptor(m, 'mask')
        keep += [m, md]
        o.mask = ctypes.pointer(md)
    job = _c.JobOptions()
    _lib.ipcf_job_options_init(ctypes.byref(job))
    if tile is not None:
        try:
            rows, cols = tile
        except (TypeError, ValueError):
            raise TypeError(f'tile={tile!r}: want (rows, columns)') from None
        job.tile_rows, job.tile_cols = _int(rows, 'tile rows'), _int(cols, 'tile columns')
    job.memory = _memory_text(memory)
    job.scratch = None if scratch is None else _path(scratch, 'scratch')
    job.engine = _cstr(engine, 'engine')
    job.frame_interval = 0.0 if frame_interval is None else float(frame_interval)
    job.pixel_size = 0.0 if pixel_size is None else float(pixel_size)
    bar = _PhaseProgress('pcf_file') if progress else None
    job.progress = _c.JOB_PROGRESS(bar) if bar else _c.JOB_PROGRESS()

    def log(user, message):
        try:
            _log.info('%s', message.decode('utf-8', 'replace'))
        except Exception:  # a logging problem must not stop the job
            pass

    log_cb = _c.JOB_LOG(log)
    job.log = log_cb
    summary = _c.JobSummary()
    summary.struct_size = ctypes.sizeof(_c.JobSummary)
    args = (inp, ctypes.byref(src), out, ctypes.byref(o), ctypes.byref(job), ctypes.byref(summary))
    # A file job always runs in the helper thread: Ctrl+C cancels it.
    _call(_lib.ipcf_pcf_file, 'pcf_file', args, o, _HELPER_THRESHOLD, progress, bar=bar)
    del keep, log_cb
    info = {
        'engine': 'ooc' if summary.engine == _c.ENGINE_OOC else 'memory',
        'shape': tuple(int(v) for v in summary.shape),
        'tiles': int(summary.tiles),
        'resumed': int(summary.resumed),
        'already_complete': bool(summary.already_complete),
        'input_crc32c': int(summary.input_crc32c),
    }
    return JobResult(os.fsdecode(os.fspath(output)), info)


def open_result(path):
    """Return the array and metadata of a `pcf_file` result.

    Parameters
    ----------
    path : str or os.PathLike
        A .npy result (with its ``PATH.json`` sidecar) or a .zarr folder.

    Returns
    -------
    array : numpy.ndarray
        Read-only float32 (rows, columns, points, bins). A .npy result is
        memory-mapped (``numpy.load(path, mmap_mode='r')``); a Zarr result
        is read into memory from its chunks (uncompressed Zarr v2, as
        `pcf_file` writes it; the zarr package is not needed), edge chunks'
        NaN padding cropped.
    metadata : dict
        The job's metadata: ``software`` ('ipcf'), ``version``,
        ``job_key``, ``radius``, ``npoints``, ``bins`` (upper delay bin
        edges in frames), ``delays_frames``, ``offsets_uv``, ``shape``,
        ``input``, ``input_shape``, ``crop_origin``, ``first_frame``,
        ``frames_used``, ``units``, ``engine``, ... A .npy result's
        sidecar also holds ``output_bytes`` and ``output_crc32c`` (the
        CRC-32C, Castagnoli, of the whole .npy file, as 8 hex digits); a
        Zarr result's .zattrs ``chunks_crc32c`` (of every chunk file). The
        checksums are not verified here (CRC-32C is not in Python's
        standard library); `pcf_file` verifies them on a rerun. Empty if
        a .npy file has no sidecar.

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
    p = os.fsdecode(os.fspath(path))
    if os.path.isdir(p):
        return _open_zarr(p)
    array = numpy.load(p, mmap_mode='r', allow_pickle=False)
    meta = {}
    sidecar = p + '.json'
    if os.path.exists(sidecar):
        with open(sidecar, encoding='utf-8') as fh:
            meta = json.load(fh)
    return array, meta


def _open_zarr(path):
    """Read an uncompressed Zarr v2 array folder into a read-only array."""
    with open(os.path.join(path, '.zarray'), encoding='utf-8') as fh:
        za = json.load(fh)
    meta = {}
    if os.path.exists(os.path.join(path, '.zattrs')):
        with open(os.path.join(path, '.zattrs'), encoding='utf-8') as fh:
            meta = json.load(fh)
    if za.get('zarr_format') != 2 or za.get('compressor') is not None or za.get('filters'):
        msg = (f'{path}: Zarr format {za.get("zarr_format")}, compressor {za.get("compressor")}, filters '
               f'{za.get("filters")}: open_result reads uncompressed Zarr v2 (use the zarr package)')
        raise IpcfValueError(_c.E_UNSUPPORTED_LAYOUT, msg)
    shape, chunks = tuple(za['shape']), tuple(za['chunks'])
    dt = numpy.dtype(za['dtype'])
    order = za.get('order', 'C')
    sep = za.get('dimension_separator', '.')
    fill = za.get('fill_value')
    if fill is None:
        fill = 0
    elif isinstance(fill, str):  # "NaN", "Infinity", "-Infinity"
        fill = float(fill.replace('Infinity', 'inf'))
    out = numpy.full(shape, fill, dt.newbyteorder('='))
    grid = [-(-s // c) for s, c in zip(shape, chunks)]
    want = int(numpy.prod(chunks)) * dt.itemsize
    for index in numpy.ndindex(*grid):
        name = os.path.join(path, sep.join(str(i) for i in index))
        if not os.path.exists(name):
            continue  # a missing chunk holds fill values
        block = numpy.fromfile(name, dtype=dt)
        if block.nbytes != want:
            msg = f'{name}: {block.nbytes} bytes, want {want} (a chunk of {chunks} {dt})'
            raise IpcfIOError(_c.E_IO, msg)
        block = block.reshape(chunks, order=order)
        dst = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(index, chunks, shape))
        out[dst] = block[tuple(slice(0, d.stop - d.start) for d in dst)]
    out.flags.writeable = False
    return out, meta


def correct_bleaching(data, /, filtersize=1024, *, mean='real', threads=None, out=None, progress=False):
    """Return the photobleaching-corrected image time series.

    Each pixel's series is filtered with the tutorial's double exponential
    filter, rescaled around its mean, rounded half away from zero and
    clipped to [0, 65535]; the first and last `filtersize` frames are dropped.

    Parameters
    ----------
    data : array_like
        (time, row, column) series.
    filtersize : int
        Filter size in frames.
    mean : {'real', 'floor'}
        The exact mean, or the tutorial's Cython integer division.
    threads : int, optional
        Worker threads; 0 means all cores.
    out : numpy.ndarray, optional
        Integer array of shape (time - 2 filtersize, row, column).
    progress : bool
        Show a progress bar.

    Returns
    -------
    numpy.ndarray
        The input's integer dtype (uint16 for floating-point input).

    Examples
    --------
    >>> data = simulate(frames=300, size=8, seed=2, channel_width=0, bleach_tau=100)
    >>> correct_bleaching(data, 50).shape
    (200, 8, 8)
    """
    data = _input(data, 'data', 3)
    f = _int(filtersize, 'filtersize')
    if out is None:
        dt = data.dtype if data.dtype.kind in 'ui' else numpy.dtype(numpy.uint16)
        n = data.shape[0] - 2 * f
        if n < 1 or f < 1:
            msg = f'correct_bleaching: filtersize={f} leaves {n} of {data.shape[0]} frames'
            raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
        out = numpy.empty((n, data.shape[1], data.shape[2]), dt.newbyteorder('='))
    o = _c.BleachOptions()
    _lib.ipcf_bleach_options_init(ctypes.byref(o))
    o.filtersize = f
    if mean not in ('real', 'floor'):
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, f"mean={mean!r}: want 'real' or 'floor'")
    o.mean = _c.MEAN_REAL if mean == 'real' else _c.MEAN_FLOOR
    o.threads = _threads(threads)
    din = _descriptor(data, 'data')
    dout = _descriptor(out, 'out')
    _call(_lib.ipcf_correct_bleaching, 'bleach', (ctypes.byref(din), ctypes.byref(o), ctypes.byref(dout)),
          o, data.size, progress)
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
    buf = numpy.zeros((max(n, 1), 2), numpy.int32)
    status = _lib.ipcf_circle(radius, npoints, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), buf.size)
    if status:
        raise _error(status, _lib.ipcf_last_error().decode())
    return buf[:n]


def logbins(size, nbins):
    """Return the upper edges of the log delay bins for delays up to size.

    Examples
    --------
    >>> logbins(8192, 32)[:8].tolist()
    [1, 2, 3, 4, 5, 7, 10, 13]
    >>> len(logbins(8192, 32))
    30
    """
    _check_process()
    size, nbins = _int(size, 'size', 64), _int(nbins, 'nbins')
    cap = max(nbins, 1)
    buf = numpy.zeros(cap, numpy.int64)
    count = ctypes.c_size_t()
    status = _lib.ipcf_logbins(size, nbins, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
                               cap, ctypes.byref(count))
    if status:
        raise _error(status, _lib.ipcf_last_error().decode())
    return buf[:count.value].copy()


def correlate(a, b, mode='circular'):
    """Return the correlation of two series.

    Parameters
    ----------
    a, b : array_like
        1-D series (equal lengths n >= 2 for 'circular' and 'linear').
    mode : {'circular', 'linear', 'same'}
        'circular': the normalized ``G(tau)`` of the pCF for tau < n/2;
        'linear': zero-padded, mean-subtracted variant, tau < n/2;
        'same': numpy.correlate(a, b, 'same'), exact for integers.

    Examples
    --------
    >>> correlate([1, 2, 3], [4, 8, 16], mode='same').tolist()
    [40.0, 68.0, 32.0]
    """
    _check_process()
    if mode not in _c.CORR_MODES:
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, f"mode={mode!r}: want 'circular', 'linear' or 'same'")
    a = _input(a, 'a', 1)
    b = _input(b, 'b', 1)
    n = max(len(a), len(b)) if mode == 'same' else len(a) // 2
    out = numpy.empty(n, numpy.float64)
    da, db, do = _descriptor(a, 'a'), _descriptor(b, 'b'), _descriptor(out, 'out')
    status = _lib.ipcf_correlate(ctypes.byref(da), ctypes.byref(db), _c.CORR_MODES[mode], ctypes.byref(do))
    if status:
        raise _error(status, _lib.ipcf_last_error().decode())
    return out


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
    image, kernel = numpy.asarray(image), numpy.asarray(kernel)
    integer = image.dtype.kind in 'uib' and kernel.dtype.kind in 'uib'
    f = _input(image, 'image', 2)
    g = _input(kernel, 'kernel', 2)
    dt = numpy.int32 if integer else numpy.float64
    out = numpy.empty((f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1), dt)
    df, dg, do = _descriptor(f, 'image'), _descriptor(g, 'kernel'), _descriptor(out, 'out')
    status = _lib.ipcf_convolve2d(ctypes.byref(df), ctypes.byref(dg), ctypes.byref(do))
    if status:
        raise _error(status, _lib.ipcf_last_error().decode())
    return out


def simulate(frames=32000, size=64, seed=1, *, particles=200, diffusion=0.5, channel_width=4.0,
             psf_sigma=1.0, brightness=40.0, background=10.0, bleach_tau=0.0, threads=None,
             progress=False):
    """Return a simulated image time series of particles diffusing with a barrier.

    Particles diffuse in 2-D and cannot cross the walls of a diagonal channel;
    they are imaged with a Gaussian PSF and Poisson noise, optionally with
    exponential photobleaching. Deterministic for a seed.

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
    o = _c.SimulateOptions()
    _lib.ipcf_simulate_options_init(ctypes.byref(o))
    o.frames, o.size, o.particles = _int(frames, 'frames'), _int(size, 'size'), _int(particles, 'particles')
    if not 0 <= int(seed) < 1 << 64:
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, f'seed={seed}: want 0 <= seed < 2**64')
    o.seed = int(seed)
    o.diffusion, o.channel_width = diffusion, channel_width
    o.psf_sigma, o.brightness, o.background, o.bleach_tau = psf_sigma, brightness, background, bleach_tau
    o.threads = _threads(threads)
    if o.frames < 1 or o.size < 1:
        msg = f'simulate: frames={frames}, size={size}: want >= 1'
        raise IpcfValueError(_c.E_INVALID_ARGUMENT, msg)
    out = numpy.empty((o.frames, o.size, o.size), numpy.uint16)
    dout = _descriptor(out, 'out')
    _call(_lib.ipcf_simulate, 'simulate', (ctypes.byref(o), ctypes.byref(dout)), o, out.size, progress)
    return out


def version():
    """Return the library version and FFT backend, e.g. '0.1.0 (fftw3f)'."""
    return _lib.ipcf_version_string().decode()
