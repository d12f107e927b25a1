"""Image pair correlation function (pCF) analysis of image time series.

A thin ctypes binding of libipcf, the library of the ipcf project. Arrays are
passed to the library without copies: any (time, row, column) numpy array of
uint8, uint16, int16, int32, float32 or float64, C or Fortran order, strided
views and big-endian data alike. The library releases the GIL while it
computes.

The numerical contract is the project's ``shared/spec/pcf.md``; results agree
with C. Gohlke's tutorial (cgohlke/ipcf.ipynb) to float32 precision.

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
import os
import sys
import threading
import warnings

import numpy

from . import _lib as _c

__all__ = [
    'IpcfError', 'IpcfValueError', 'IpcfTypeError', 'pcf', 'pcf_output_shape',
    'correct_bleaching', 'circle', 'logbins', 'correlate', 'convolve2d', 'simulate',
    'version', 'devices', '__version__',
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


_ERRORS = {
    _c.E_INVALID_ARGUMENT: IpcfValueError,
    _c.E_BUFFER_TOO_SMALL: IpcfValueError,
    _c.E_UNSUPPORTED_LAYOUT: IpcfTypeError,
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
    return int(threads)


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


# Work above this many input samples runs in a helper thread so that Ctrl+C
# in the main thread can cancel it; smaller calls run directly (no thread
# start-up cost).
_HELPER_THRESHOLD = 1 << 20


def _call(fn, name, args, options, size, progress):
    """Run a long library call: progress bar, Ctrl+C, error mapping.

    options is an options struct with progress and token fields.
    """
    _check_process()
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
        return int(device[5:])
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
    o.radius, o.npoints, o.nbins = int(radius), int(npoints), int(nbins)
    o.bleach = int(bleach or 0)
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
        d.shape[i] = int(s)
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
    f = int(filtersize)
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
    n = max(int(npoints), 0)
    buf = numpy.zeros((max(n, 1), 2), numpy.int32)
    status = _lib.ipcf_circle(int(radius), int(npoints), buf.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), buf.size)
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
    cap = max(int(nbins), 1)
    buf = numpy.zeros(cap, numpy.int64)
    count = ctypes.c_size_t()
    status = _lib.ipcf_logbins(int(size), int(nbins), buf.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
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
    o.frames, o.size, o.seed = int(frames), int(size), int(seed)
    o.particles, o.diffusion, o.channel_width = int(particles), diffusion, channel_width
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
