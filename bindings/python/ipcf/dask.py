"""Lazy pCF and bleaching correction of dask arrays.

Blocks overlap by ``2 * radius`` pixels in rows and columns (the time axis
is one chunk) and each block's result is cropped to its own pixels, so the
result equals the in-memory one bit for bit: a pixel's curves need its
neighbours within ``radius``, and the library packs each pair with a
partner pair of the same pixel into one FFT, whose neighbour can lie
another ``radius`` away. At the outer image border there is no halo and
those pixels are not in the output, as in-memory. Each block runs the library with ``threads`` threads (default 1):
dask's threads times the library's threads should equal the cores.

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
"""

import numpy

from . import _check_dtype, _int, _invalid, _mean, _not_masked, _pcf_options, _threads
from . import correct_bleaching as _correct_bleaching
from . import pcf as _pcf
from . import pcf_output_shape

__all__ = ['pcf', 'correct_bleaching']


def _asarray(darr):
    """The (time, row, column) dask array, its dtype checked before any compute."""
    import dask.array as da

    _not_masked(darr, 'data')
    darr = da.asarray(darr)
    _not_masked(darr, 'data')
    if darr.ndim != 3:
        raise _invalid(f'data: {darr.ndim} dimensions, want 3 (time, row, column)')
    _check_dtype(darr.dtype, 'data')
    if any(numpy.isnan(c) for axis in darr.chunks for c in axis):
        raise _invalid('data: unknown chunk sizes (NaN); call compute_chunk_sizes() first')
    return darr.rechunk({0: -1})


def _prepare(darr, depth):
    darr = _asarray(darr)
    # Every chunk must be wider than the halo, and edge chunks wider than
    # it too (their outer border is dropped): merge chunks that are not.
    for axis in (1, 2):
        chunks = list(darr.chunks[axis])
        merged = []
        for c in chunks:
            if merged and (merged[-1] <= depth or c <= depth):
                merged[-1] += c
            else:
                merged.append(c)
        if len(merged) > 1 and merged[-1] <= depth:
            merged[-2] += merged.pop()
        if tuple(merged) != darr.chunks[axis]:
            darr = darr.rechunk({axis: tuple(merged)})
    return darr


def _out_chunks(chunks, r):
    n = len(chunks)
    return tuple(c - r * (i == 0) - r * (i == n - 1) for i, c in enumerate(chunks))


def pcf(darr, /, *, radius=6, npoints=32, nbins=32, bleach=0, bleach_mean='real', mask=None, threads=1):
    """Return the pCF of a (time, row, column) dask array as a lazy dask array.

    Parameters are those of `ipcf.pcf`; `mask` is a (row, column) numpy
    array. The result has the in-memory shape and values, chunked like the
    input's rows and columns (less the outer border).
    """
    import dask.array as da

    # Every parameter is checked now, not when a block computes.
    _pcf_options(radius, npoints, nbins, bleach, bleach_mean, threads, 'cpu')
    threads = _threads(threads)
    r = _int(radius, 'radius', lo=1)
    h = 2 * r  # halo
    darr = _prepare(darr, h)
    T, H, W = darr.shape
    shape = pcf_output_shape((T, H, W), radius=r, npoints=npoints, nbins=nbins, bleach=bleach)
    if mask is not None:
        _not_masked(mask, 'mask')
        mask = numpy.asarray(mask)
        if mask.shape != (H, W):
            raise _invalid(f'mask shape {mask.shape}, want {(H, W)}')
        _check_dtype(mask.dtype, 'mask')
    ov = da.overlap.overlap(darr, depth={0: 0, 1: h, 2: h}, boundary='none')
    starts = [numpy.cumsum((0,) + darr.chunks[a]) for a in (1, 2)]
    counts = [len(darr.chunks[1]), len(darr.chunks[2])]

    def block(x, block_info=None):
        loc = block_info[None]['chunk-location'][:2]
        # Image range of this overlapped block, and the rows/columns of its
        # result that belong to this chunk's own pixels.
        lo = [starts[a][loc[a]] - (h if loc[a] > 0 else 0) for a in (0, 1)]
        hi = [starts[a][loc[a] + 1] + (h if loc[a] < counts[a] - 1 else 0) for a in (0, 1)]
        m = None if mask is None else mask[lo[0]:hi[0], lo[1]:hi[1]]
        res = _pcf(x, radius=r, npoints=npoints, nbins=nbins, bleach=bleach, bleach_mean=bleach_mean,
                   mask=m, threads=threads)
        crop = []
        for a in (0, 1):
            first = starts[a][loc[a]] - lo[a] - r if loc[a] > 0 else 0
            n = starts[a][loc[a] + 1] - starts[a][loc[a]] - r * (loc[a] == 0) - r * (loc[a] == counts[a] - 1)
            crop.append(slice(first, first + n))
        return res[crop[0], crop[1]]

    chunks = (_out_chunks(darr.chunks[1], r), _out_chunks(darr.chunks[2], r), (shape[2],), (shape[3],))
    return da.map_blocks(block, ov, dtype=numpy.float32, chunks=chunks, drop_axis=0, new_axis=[2, 3],
                         meta=numpy.empty((0, 0, 0, 0), numpy.float32))


def correct_bleaching(darr, /, filtersize=1024, *, mean='real', threads=1):
    """Return the bleaching-corrected (time, row, column) dask array, lazily.

    The time axis becomes one chunk; rows and columns keep their chunks.
    """
    import dask.array as da

    darr = _asarray(darr)
    f = _int(filtersize, 'filtersize', lo=1)
    _mean(mean, 'mean')
    threads = _threads(threads)
    n = darr.shape[0] - 2 * f
    if n < 1:
        raise _invalid(f'correct_bleaching: filtersize={f} leaves {n} of {darr.shape[0]} frames')
    dt = darr.dtype if darr.dtype.kind in 'ui' else numpy.dtype(numpy.uint16)
    dt = dt.newbyteorder('=')

    def block(x):
        return _correct_bleaching(x, f, mean=mean, threads=threads)

    return da.map_blocks(block, darr, dtype=dt, chunks=((n,),) + darr.chunks[1:],
                         meta=numpy.empty((0, 0, 0), dt))
