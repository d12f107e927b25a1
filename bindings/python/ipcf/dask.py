"""Lazy pCF, ACF and bleaching correction of dask arrays.

Blocks overlap by a halo in rows and columns (the time axis is one chunk)
and each block's result is cropped to its own pixels, so the result
equals the in-memory one bit for bit, for any offsets and every option of
the correlation toolkit. The halo follows the library's rule (the core's
``Geometry.Halo``): with the output margin (max|v|, max|u|) of the
offsets ((radius, radius) for the circle) and their reach (max|v| rows,
max|u| columns), the halo is max(margin, 2 * reach) on each axis. A
pixel's curves need its neighbours within the reach, and the library
packs each pair with a partner pair of the same pixel into one FFT, whose
neighbour can lie another reach away. The ACF (offset (0, 0)) needs no
halo. At the outer image border there is no halo and those pixels are not
in the output, as in-memory. Each block runs the library with ``threads``
threads (default 1): dask's threads times the library's threads should
equal the cores. A compute on dask's threaded or synchronous scheduler
that ends in an error or KeyboardInterrupt (Ctrl+C) cancels the blocks
still running on its worker threads.

Examples
--------
>>> import dask.array as da
>>> import ipcf, ipcf.dask
>>> data = ipcf.simulate(frames=512, size=24, seed=1)
>>> lazy = ipcf.dask.pcf(da.from_array(data, chunks=(-1, 12, 12)), radius=2, npoints=8, nbins=8)
>>> lazy.shape, lazy.chunks[0]
((20, 20, 8, 8), (10, 10))
>>> bool((lazy.compute(scheduler='threads') == ipcf.pcf(data, radius=2, npoints=8, nbins=8)).all())
True
>>> ipcf.dask.halo(offsets=[(3, 0), (0, -1)]), ipcf.dask.halo(radius=2, npoints=8)
((2, 6), (4, 4))
>>> lazy = ipcf.dask.pcf(da.from_array(data, chunks=(-1, 8, 8)), offsets='disk', radius=1, bins='multitau', m=4)
>>> bool((lazy.compute() == ipcf.pcf(data, offsets='disk', radius=1, bins='multitau', m=4)).all())
True
"""

import contextlib
import functools
import threading
import warnings

import numpy

from . import (AllNaNWarning, _outside_stacklevel, DEFAULT_FILTERSIZE, IpcfError, _bleach_dtype, _block_origin, _once, _block_scope, _bleach_frames, _bool, _c,
               _cancel_blocks, _uncancel_blocks, _check_dtype, _checked_once, _defaults, _device, _ignored, _input, _int, _invalid, _lib,
               _mean, _not_masked, _pcf_options, _renamed, _threads, _units, _time_first, _unsupported)
from . import circle as _circle
from . import correct_bleaching as _correct_bleaching
from . import pcf as _pcf
from . import pcf_output_shape
from . import delays as _delays

__all__ = ['pcf', 'acf', 'correct_bleaching', 'halo']


def _cancelling(fn):
    """fn, a block function, with the ipcf calls it makes on dask's worker
    threads cancellable: when a compute on dask's threaded scheduler fails
    or is interrupted (Ctrl+C), its running blocks' calls are cancelled
    (a dask callback, _on_finish). They ran to their end: an interrupted
    compute kept every core busy for as long as its running blocks took."""

    @functools.wraps(fn)  # (its signature, block_info included, as map_blocks reads it)
    def run(*args, **kwargs):
        with _block_scope():
            return fn(*args, **kwargs)

    _watch()
    return run


_CALLBACK = []  # the dask callback of _watch
_WATCH_LOCK = threading.Lock()


def _watch():
    """Register the dask callback that cancels the running blocks of a
    compute that ends in an error or KeyboardInterrupt, unless it is
    registered. (dask swaps its set of callbacks while a compute runs: a
    registration made then is lost when the compute ends, and made again
    by the next graph built.)"""
    from dask.callbacks import Callback

    with _WATCH_LOCK:
        if not _CALLBACK:
            _CALLBACK.append(Callback(start=_on_start, finish=_on_finish))
        if _CALLBACK[0]._callback not in Callback.active:
            _CALLBACK[0].register()


def _compute_threads():
    """The threads of a compute started on this thread: this one (the
    synchronous scheduler) and those of the threaded scheduler's pools of
    this thread (dask keeps one per calling thread)."""
    idents = {threading.get_ident()}
    try:
        import dask.threaded as dt

        me = threading.current_thread()
        with dt.pools_lock:
            pools = list(dt.pools.get(me, {}).values())
            if me is threading.main_thread() and dt.default_pool is not None:
                pools.append(dt.default_pool)
        for pool in pools:
            idents.update(t.ident for t in list(getattr(pool, '_threads', ())))
    except Exception:  # noqa: BLE001 - another dask: only this thread's blocks
        pass
    return idents


def _on_start(dsk):
    """dask's start callback, on the thread that calls compute: the blocks
    of this compute run, whatever an earlier one that failed left pending."""
    _uncancel_blocks(_compute_threads())


def _on_finish(dsk, state, errored):
    """dask's finish callback, on the thread that called compute: a
    compute that did not succeed cancels the ipcf calls running in blocks
    on its worker threads, those of the threaded scheduler's pools of this
    thread (dask keeps one per calling thread: a compute of the same graph
    on another thread goes on), and on this thread (the synchronous
    scheduler)."""
    if not errored:
        return
    idents = _compute_threads()
    # (and the tasks it gave them that have yet to enter their block: dask's
    # part of a fused task first, then the block ran to its end after
    # Ctrl+C: PYDASK20's F2; the calling thread's own are not pending: it
    # runs no task of this compute after it)
    _cancel_blocks(idents, pending=idents - {threading.get_ident()})


try:  # registered now too: a module imported before any compute runs
    _watch()
except ImportError:  # dask not installed: the functions say so when called
    pass


def _asarray(darr, name='data', line_ok=False, time_axis=None, stacklevel=5):
    """The (time, row, column) dask array, its dtype checked before any
    compute; a (time, column) line scan if line_ok; time_axis moved first
    (see ipcf.pcf: without it, fewer frames than rows or columns warns)."""
    import dask.array as da

    _not_masked(darr, name)
    darr = da.asarray(darr)
    _not_masked(darr, name)
    if darr.ndim != 3 and not (line_ok and darr.ndim == 2):
        want = '3 (time, row, column) or 2 (time, column: a line scan)' if line_ok else '3 (time, row, column)'
        raise _invalid(f'{name}: {darr.ndim} dimensions, want {want}')
    _check_dtype(darr.dtype, name)
    darr = _time_first(darr, time_axis, name, stacklevel=stacklevel, move=da.moveaxis)
    if any(numpy.isnan(c) for axis in darr.chunks for c in axis):
        raise _invalid(f'{name}: unknown chunk sizes (NaN); call compute_chunk_sizes() first')
    return darr.rechunk({0: -1})


def _prepare(darr, depth):
    """Merge chunks so that every chunk, and each edge chunk, is wider than
    the halo of its axis (depth: rows, columns)."""
    for axis, d in zip((1, 2), depth):
        chunks = list(darr.chunks[axis])
        merged = []
        # A chunk grows until it is wider than the halo, then the next one
        # starts (merging every later chunk too once one was narrow made
        # the whole axis one block: all the image in one task); a narrow
        # last chunk joins the one before it.
        for c in chunks:
            if merged and merged[-1] <= d:
                merged[-1] += c
            else:
                merged.append(c)
        if len(merged) > 1 and merged[-1] <= d:
            last = merged.pop()
            merged[-1] += last
        if tuple(merged) != darr.chunks[axis]:
            darr = darr.rechunk({axis: tuple(merged)})
    return darr


def _out_chunks(chunks, margin):
    n = len(chunks)
    return tuple(c - margin * (i == 0) - margin * (i == n - 1) for i, c in enumerate(chunks))


@contextlib.contextmanager
def _as_eager():
    """The errors of the library's queries that check a lazy call's
    options (ipcf_circle, ipcf_pcf_output_shape) named as the eager call
    names them (ipcf_pcf_compute): they named functions the caller never
    called."""
    try:
        yield
    except IpcfError as e:
        _renamed(e, ('ipcf_pcf_output_shape', 'ipcf_circle', 'ipcf_pcf_delays'), 'ipcf_pcf_compute')
        raise


def _geometry(o):
    """(margin, halo), each (rows, columns), of checked options o (the
    core's Geometry.Margin and Halo())."""
    if o.uv is None:  # the circle: a margin of radius on both axes
        uv = _circle(o.radius, o.npoints)
        margin = (o.radius, o.radius)
    else:
        uv = o.uv
        margin = (int(numpy.abs(uv[:, 1]).max()), int(numpy.abs(uv[:, 0]).max()))
    reach = (int(numpy.abs(uv[:, 1]).max()), int(numpy.abs(uv[:, 0]).max()))
    return margin, (max(margin[0], 2 * reach[0]), max(margin[1], 2 * reach[1]))


def halo(*, radius=6, npoints=32, offsets=None, line=False):
    """Return the halo (rows, columns) the blocks of `pcf` overlap by.

    max(margin, 2 * reach) on each axis, with the offsets' margin
    (max|v|, max|u|; the circle: radius) and reach (max|v|, max|u|).
    `offsets` as for `ipcf.pcf`; `line`: the input is a line scan (its
    default offsets are the 'line' preset).
    """
    o = _pcf_options(radius, npoints, 32, 0, 'real', 0, offsets=offsets, line=_bool(line, 'line'))
    return _geometry(o)[1]


def pcf(darr, /, *, radius=6, npoints=32, nbins=32, bleach=0, bleach_mean='real', mask=None, threads=1,
        offsets=None, data2=None, bins='log', m=16, smooth=0.7, threshold=None, delta=False,
        frame_interval=None, pixel_size=None, time_axis=None, device='auto'):
    """Return the pCF of a (time, row, column) dask array as a lazy dask array.

    Parameters are those of `ipcf.pcf` (not `out`, `progress`, `labelled`:
    the result is lazy), `device` too (each block computes there); `mask` is a (row, column) numpy
    array ((column,) for a line scan), `data2` a dask or numpy array of
    data's shape and dtype (rechunked like data). A (time, column) line
    scan gives a result without the row axis. The result has the in-memory
    shape and values, bit for bit, chunked like the input's rows and
    columns (less the outer border of the offsets' margin; a chunk no
    wider than the halo is merged with the next until it is wider); blocks
    overlap by `halo()` (rows, columns). `time_axis` as for `ipcf.pcf` (the axis is moved first,
    lazily); ``ipcf.label(result.compute(), darr, ...)`` labels the result.
    """
    return _lazy(darr, acf=False, radius=radius, npoints=npoints, nbins=nbins, bleach=bleach,
                 bleach_mean=bleach_mean, mask=mask, threads=threads, offsets=offsets, data2=data2, bins=bins, m=m,
                 smooth=smooth, threshold=threshold, delta=delta, frame_interval=frame_interval,
                 pixel_size=pixel_size, time_axis=time_axis, device=device)


def acf(darr, /, *, nbins=32, bleach=0, bleach_mean='real', mask=None, threads=1, data2=None, bins='log', m=16,
        smooth=0.7, threshold=None, delta=False, frame_interval=None, pixel_size=None, time_axis=None,
        device='auto'):
    """Return the per-pixel autocorrelation of a dask array, lazily.

    As `ipcf.acf`: shape (row, column, points), or (column, points) for a
    line scan; the blocks need no halo. Parameters as for `pcf`.
    """
    return _lazy(darr, acf=True, radius=6, npoints=32, nbins=nbins, bleach=bleach, bleach_mean=bleach_mean,
                 mask=mask, threads=threads, offsets=[(0, 0)], data2=data2, bins=bins, m=m, smooth=smooth,
                 threshold=threshold, delta=delta, frame_interval=frame_interval, pixel_size=pixel_size,
                 time_axis=time_axis, device=device)


def _lazy(darr, *, acf, radius, npoints, nbins, bleach, bleach_mean, mask, threads, offsets, data2, bins, m,
          smooth, threshold, delta, frame_interval, pixel_size, time_axis=None, device='auto'):
    import dask.array as da

    given_shape = getattr(darr, 'shape', None)  # as the caller gave it: data2 must match it
    darr = _asarray(darr, 'data', line_ok=True, time_axis=time_axis)
    line = darr.ndim == 2
    # Every parameter is checked now, not when a block computes.
    o = _pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, 'cpu', offsets=offsets, bins=bins, m=m,
                     smooth=smooth, threshold=threshold, delta=delta, line=line)
    _units(frame_interval, pixel_size)
    if frame_interval is not None or pixel_size is not None:
        # they label a result, and a lazy result is a plain dask array: said,
        # not dropped without a word
        given = ', '.join(f'{k}={v!r}' for k, v in (('frame_interval', frame_interval), ('pixel_size', pixel_size))
                          if v is not None)
        more = (', data2=True' if data2 is not None else '') + \
            (f', bleach_mean={bleach_mean!r}' if bleach and bleach_mean != 'real' else '')
        _ignored(f'{given}: the lazy result is an unlabelled dask array; give them to '
                 f'ipcf.label(result.compute(), darr, <the offsets, bins and bleach options of this call>{more}, '
                 f'{given}) to label it')
    threads = _threads(threads)
    _device(device)  # checked now; each block computes there (every block ran on 'auto', the GPU if any)
    r, p = o.radius, o.npoints
    offs = 'circle' if o.uv is None else o.uv
    with _as_eager():
        margin, depth = _geometry(o)
    if line:
        darr = darr[:, None, :]
    # time_axis=0: each block is time first (the whole array was checked above).
    kw = dict(radius=r, npoints=p, nbins=nbins, bleach=bleach, bleach_mean=bleach_mean, threads=threads,
              offsets=offs, bins=bins, m=m, smooth=smooth, threshold=threshold, delta=delta, time_axis=0,
              device=device)
    if data2 is not None:
        given2 = getattr(data2, 'shape', None)
        if time_axis is not None and given_shape is not None and given2 is not None \
                and tuple(given2) != tuple(given_shape):
            # (named after moving the time axis, it "wanted" the shape given: APIS12's F1)
            raise _invalid(f'data2: shape {tuple(given2)}, want {tuple(given_shape)} (the shape of data; '
                           f'time_axis={time_axis} applies to data2 too)')
        d2 = _asarray(data2, 'data2', line_ok=True, time_axis=time_axis if time_axis is not None else 0)
        if d2.shape != (darr.shape[:1] + darr.shape[2:] if line else darr.shape):
            want = darr.shape[:1] + darr.shape[2:] if line else darr.shape
            raise _invalid(f'data2: shape {d2.shape}, want {want} (the shape of data)')
        if (d2.dtype.kind, d2.dtype.itemsize) != (darr.dtype.kind, darr.dtype.itemsize):
            raise _unsupported(f'data2: dtype {d2.dtype}, want {darr.dtype} (the dtype of data; convert one of them)')
        if line:
            d2 = d2[:, None, :]
    darr = _prepare(darr, depth)
    T, H, W = darr.shape
    with _checked_once(), _as_eager():
        shape = pcf_output_shape((T, H, W), radius=r, npoints=p, nbins=nbins, bleach=bleach, offsets=offs, bins=bins,
                                 m=m)
        # bleach_mean against bleach, as the library checks it (pcf_output_shape takes no bleach_mean)
        _delays(T, nbins=nbins, bleach=bleach, bleach_mean=bleach_mean, bins=bins, m=m)
    if mask is not None:
        _not_masked(mask, 'mask')
        # a copy: the blocks read it at compute (a buffer reused after the
        # graph was built gave them another mask, exit 0)
        mask = numpy.array(mask)
        want = (W,) if line else (H, W)
        if mask.shape != want:
            raise _invalid(f'mask shape {mask.shape}, want {want}')
        _check_dtype(mask.dtype, 'mask')
        _input(mask, 'mask', mask.ndim)  # the eager call's checks (int64 beyond 2**53 was refused by each block)
        if mask.dtype.kind in 'fc' and numpy.isnan(mask).any():
            # the library's rule, checked now and in image coordinates (each
            # block refused it at compute, at the row and column in its block)
            at = [int(i) for i in numpy.argwhere(numpy.isnan(mask))[0]]
            where = f'column {at[-1]}' if line else f'row {at[0]}, column {at[1]}'
            raise _invalid(f'mask value NaN at {where}: want 0 (not computed) or another number (computed)')
        if line:
            mask = mask[None, :]
        inner = mask[margin[0]:mask.shape[0] - margin[0], margin[1]:mask.shape[1] - margin[1]]
        if inner.size and not inner.any():
            # as the eager call warns (its result is NaN alone): known now
            warnings.warn(f'ipcf.dask.{"acf" if acf else "pcf"}: every curve is NaN (check the mask: it is 0 at '
                          'every pixel whose curves are computed)', AllNaNWarning, stacklevel=_outside_stacklevel())
    ov = da.overlap.overlap(darr, depth={0: 0, 1: depth[0], 2: depth[1]}, boundary='none')
    args = [ov]
    if data2 is not None:
        d2 = d2.rechunk(darr.chunks)
        args.append(da.overlap.overlap(d2, depth={0: 0, 1: depth[0], 2: depth[1]}, boundary='none'))
    starts = [numpy.cumsum((0,) + darr.chunks[a]) for a in (1, 2)]
    counts = [len(darr.chunks[1]), len(darr.chunks[2])]
    once = _once()

    def block(x, x2=None, block_info=None):
        loc = block_info[None]['chunk-location'][:2]
        # Image range of this overlapped block, and the rows/columns of its
        # result that belong to this chunk's own pixels.
        lo = [starts[a][loc[a]] - (depth[a] if loc[a] > 0 else 0) for a in (0, 1)]
        hi = [starts[a][loc[a] + 1] + (depth[a] if loc[a] < counts[a] - 1 else 0) for a in (0, 1)]
        mk = None if mask is None else mask[lo[0]:hi[0], lo[1]:hi[1]]
        with _checked_once(), _block_origin(lo, once):  # warned when the graph was built
            res = _pcf(x, mask=mk, data2=x2, **kw)
        crop = []
        for a in (0, 1):
            first = starts[a][loc[a]] - lo[a] - margin[a] if loc[a] > 0 else 0
            n = (starts[a][loc[a] + 1] - starts[a][loc[a]] - margin[a] * (loc[a] == 0)
                 - margin[a] * (loc[a] == counts[a] - 1))
            crop.append(slice(first, first + n))
        return res[crop[0], crop[1]]

    chunks = (_out_chunks(darr.chunks[1], margin[0]), _out_chunks(darr.chunks[2], margin[1]), (shape[2],),
              (shape[3],))
    out = da.map_blocks(_cancelling(block), *args, dtype=numpy.float32, chunks=chunks, drop_axis=0, new_axis=[2, 3],
                        meta=numpy.empty((0, 0, 0, 0), numpy.float32))
    if acf:
        out = out[:, :, 0]
    return out[0] if line else out


def correct_bleaching(darr, /, filtersize=DEFAULT_FILTERSIZE, *, mean='real', threads=1, time_axis=None):
    """Return the bleaching-corrected (time, row, column) dask array, lazily.

    The time axis becomes one chunk; rows and columns keep their chunks.
    `time_axis` as for `ipcf.pcf`. A (time, column) line scan gives a
    (time, column) array.
    """
    import dask.array as da

    darr = _asarray(darr, line_ok=True, time_axis=time_axis, stacklevel=4)
    f = _int(filtersize, 'filtersize', lo=1)
    _mean(mean, 'mean')
    threads = _threads(threads)
    o = _defaults(_c.BleachOptions, _lib.ipcf_bleach_options_init)
    o.filtersize = f
    _bleach_frames(darr.shape[0], f, o)  # (it said "leaves -2045 of 3 frames")
    n = darr.shape[0] - 2 * f
    dt = _bleach_dtype(darr.dtype)  # what the in-memory correct_bleaching returns
    once = _once()

    def block(x, block_info=None):
        at = block_info[0]['array-location']
        with _block_origin((at[1][0], at[2][0]) if len(at) == 3 else (0, at[1][0]), once):
            return _correct_bleaching(x, f, mean=mean, threads=threads, time_axis=0)

    return da.map_blocks(_cancelling(block), darr, dtype=dt, chunks=((n,),) + darr.chunks[1:],
                         meta=numpy.empty((0,) * darr.ndim, dt))
