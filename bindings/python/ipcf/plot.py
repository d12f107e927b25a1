"""Matplotlib views of pCF results and image time series, as in the tutorial.

Every function returns a `matplotlib.figure.Figure` made without pyplot (so
it works headless and in notebooks alike) and, if `save` is given, writes it
as PNG. Figure sizes are in inches at `dpi` dots per inch.

Examples
--------
>>> import ipcf, ipcf.plot
>>> data = ipcf.simulate(frames=512, size=20, seed=1)
>>> result = ipcf.pcf(data, radius=3, npoints=12, nbins=10)
>>> fig = ipcf.plot.pcf_image(result, point=1, bin=4)
>>> fig.get_size_inches().tolist()
[5.0, 4.0]
"""

import numpy

from . import _invalid, circle, logbins

__all__ = ['pcf_image', 'carpet', 'polar', 'lines', 'mean', 'delays']


def _figure(figsize, dpi):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=dpi)


def _done(fig, save):
    fig.tight_layout()
    if save is not None:
        fig.savefig(save, format='png', dpi=fig.dpi)
    return fig


def _check(result, y=None, x=None):
    result = numpy.asarray(result)
    if result.ndim != 4:
        raise _invalid(f'result: {result.ndim} dimensions, want 4 (row, column, point, bin)')
    if y is not None and not (0 <= y < result.shape[0] and 0 <= x < result.shape[1]):
        raise _invalid(f'pixel ({y}, {x}) outside the {result.shape[0]} x {result.shape[1]} result')
    return result


def pcf_image(result, point=0, bin=None, *, figsize=(5, 4), dpi=100, cmap='viridis', save=None):
    """Plot the pCF image at one circle point and delay bin.

    `bin` defaults to the middle bin.
    """
    result = _check(result)
    if bin is None:
        bin = result.shape[3] // 2
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    im = ax.imshow(result[:, :, point, bin], cmap=cmap, interpolation='nearest')
    ax.set_title(f'pCF, point {point}, bin {bin}')
    ax.set_xlabel('column')
    ax.set_ylabel('row')
    fig.colorbar(im, ax=ax, label='G')
    return _done(fig, save)


def carpet(result, y, x, *, figsize=(5, 4), dpi=100, cmap='viridis', save=None):
    """Plot the carpet at one pixel: circle points (rows) x delay bins (columns)."""
    result = _check(result, y, x)
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    im = ax.imshow(result[y, x], cmap=cmap, aspect='auto', interpolation='nearest')
    ax.set_title(f'carpet at ({y}, {x})')
    ax.set_xlabel('delay bin')
    ax.set_ylabel('circle point')
    fig.colorbar(im, ax=ax, label='G')
    return _done(fig, save)


def polar(result, y, x, *, figsize=(4, 4), dpi=100, cmap='viridis', save=None):
    """Plot the polar sprite at one pixel: angle = circle point direction,
    radius = delay bin, colour = G."""
    result = _check(result, y, x)
    npoints, nbins = result.shape[2:]
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot(projection='polar')
    theta = numpy.linspace(0, 2 * numpy.pi, npoints + 1) - numpy.pi / npoints
    radius = numpy.arange(nbins + 1)
    # Image rows grow downwards: negate the angle so the sprite looks like the image.
    ax.grid(False)
    ax.pcolormesh(-theta, radius, result[y, x].T, cmap=cmap, shading='flat')
    ax.set_yticklabels([])
    ax.set_title(f'sprite at ({y}, {x})')
    return _done(fig, save)


def lines(result, y, x, *, radius=None, points=None, offsets=None, delays=None, xlabel=None, figsize=(6, 4),
          dpi=100, save=None):
    """Plot G against delay at one pixel, one line per offset (circle point).

    With `radius` the legend names each circle point's (u, v) offset; with
    `offsets` ((k, 2) (u, v) pairs, as given to `ipcf.pcf`, or
    ``ipcf.offsets(...)``) it names those. `points` selects the lines.
    `delays`: the x value of each curve point, e.g. ``ipcf.delays(data,
    ..., frame_interval=dt)`` in seconds (default: the bin index); `xlabel`
    names the axis.

    Examples
    --------
    >>> import ipcf
    >>> data = ipcf.simulate(frames=256, size=12, seed=1)
    >>> result = ipcf.pcf(data, offsets=[(1, 0), (0, 2)], bins='multitau', m=4)
    >>> t = ipcf.delays(data, offsets=[(1, 0), (0, 2)], bins='multitau', m=4, frame_interval=0.01)
    >>> fig = lines(result, 2, 3, offsets=[(1, 0), (0, 2)], delays=t, xlabel='delay (s)')
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['0: (1, 0)', '1: (0, 2)']
    """
    result = _check(result, y, x)
    npoints = result.shape[2]
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    if offsets is not None:
        offsets = numpy.asarray(offsets)
        if offsets.shape != (npoints, 2):
            raise _invalid(f'offsets: shape {offsets.shape}, want ({npoints}, 2): the result\'s {npoints} offsets')
    elif radius:
        offsets = circle(radius, npoints)
    t = numpy.arange(result.shape[3])
    if delays is not None:
        t = numpy.asarray(delays)
        if t.shape != (result.shape[3],):
            raise _invalid(f'delays: shape {t.shape}, want ({result.shape[3]},): one per curve point')
    for i in points if points is not None else range(npoints):
        label = f'{i}: {tuple(int(v) for v in offsets[i])}' if offsets is not None else str(i)
        ax.plot(t, result[y, x, i], label=label)
    ax.set_xlabel(xlabel or ('delay' if delays is not None else 'delay bin'))
    ax.set_ylabel('G')
    ax.set_title(f'pCF at ({y}, {x})')
    if npoints <= 16 or points is not None:
        ax.legend(fontsize='x-small')
    return _done(fig, save)


def mean(data, *, figsize=(9, 4), dpi=100, cmap='gray', save=None):
    """Plot the mean image and the mean time series of a (time, row, column) stack."""
    data = numpy.asarray(data)
    if data.ndim != 3:
        raise _invalid(f'data: {data.ndim} dimensions, want 3 (time, row, column)')
    fig = _figure(figsize, dpi)
    ax0, ax1 = fig.subplots(1, 2)
    ax0.imshow(data.mean(axis=0, dtype=numpy.float64), cmap=cmap, interpolation='nearest')
    ax0.set_title('mean image')
    ax1.plot(data.mean(axis=(1, 2), dtype=numpy.float64))
    ax1.set_xlabel('frame')
    ax1.set_ylabel('mean intensity')
    ax1.set_title('mean time series')
    return _done(fig, save)


def delays(frames, nbins, bleach=0):
    """Return the delay (upper bin edge, in frames) of each bin for a series
    of `frames` frames, as `ipcf.pcf` bins it with its default log bins.

    `ipcf.delays` gives each curve point's mean delay for every bin mode
    (and in seconds with a frame interval)."""
    n = frames - 2 * bleach
    p = 1
    while p * 2 <= n:
        p *= 2
    return logbins(p // 2, nbins)
