"""Matplotlib views of pCF and ACF results and image time series.

Every function draws into `ax`, an Axes of a figure of yours (from
pyplot, say: it is shown as pyplot shows it), or, without `ax`, into a new
figure made without pyplot (nothing accumulates in scripts or headless
runs) that displays itself in a notebook: it is a matplotlib Figure with
a PNG rich display, shown when it is a cell's value or passed to
``display``. Each returns the Figure and, if `save` is given, writes it
as PNG (a path is written whole or not at all, through a temporary file
beside it; a path of ipcf's own, a file with an ipcf sidecar ``PATH.json``
or an existing file that is not a ``.png``, is refused, never replaced).
Figure sizes are in inches at `dpi` dots per inch.

Colour maps are diverging and centred on zero (G and its delta are
positive and negative), each with its colour bar. Where the units are
known the axes and titles use them: a result of ``ipcf.pcf(...,
labelled=True)`` or `ipcf.label` carries each offset's (u, v) and distance
(micrometres with a pixel size), each point's delay (seconds with a frame
interval) and each pixel's row and column in the input frame; a plain
array can be given them with the keywords `offsets` (or `radius`),
`delays` (frames, as ``ipcf.delays`` gives them), `frame_interval` and
`pixel_size`. Curves have a log delay axis when the delays are known.

For a labelled result, `y` and `x` are the pixel's row and column in the
input frame (its ``y`` and ``x`` coordinates); for a plain array they
index the result. A plain 3-D array is an ACF (row, column, point).

Examples
--------
>>> import ipcf, ipcf.plot
>>> data = ipcf.simulate(frames=512, size=20, seed=1)
>>> result = ipcf.pcf(data, radius=3, npoints=12, nbins=10)
>>> fig = ipcf.plot.pcf_image(result, point=1, bin=4)
>>> fig.get_size_inches().tolist()
[5.0, 4.0]
>>> labelled = ipcf.pcf(data, radius=3, npoints=12, nbins=10, labelled=True, frame_interval=1e-3,
...                     pixel_size=0.1)
>>> ipcf.plot.pcf_image(labelled, point=1, bin=4).axes[0].get_title()
'pCF (3, 1), 0.316 µm, delay 15.5 ms'
>>> fig = ipcf.plot.lines(labelled, 10, 10, points=[0, 6])
>>> fig.axes[0].get_xscale(), fig.axes[0].get_xlabel()
('log', 'delay (s)')
"""

import io
import math
import errno
import os
import tempfile
import threading
import warnings

import numpy

from . import _float, _int, _invalid, _not_masked, _probe_mapped, _time_first, _unsupported, circle, logbins
from . import delays as _delays
from ._label import _stripped_attrs

__all__ = ['pcf_image', 'carpet', 'polar', 'lines', 'mean', 'delays', 'Figure']

_FIGURE = []  # the Figure class, made on first use (matplotlib is imported lazily)


def _figure_class():
    if not _FIGURE:
        from matplotlib.figure import Figure as _MplFigure

        class Figure(_MplFigure):
            """A matplotlib Figure that displays itself in notebooks (PNG).

            Made without pyplot: it is not kept by pyplot's figure manager,
            so scripts can make any number of them; Jupyter shows it when
            it is a cell's value or given to ``display``.
            """

            def _repr_png_(self):
                buf = io.BytesIO()
                self.savefig(buf, format='png', dpi=self.dpi)
                return buf.getvalue()

        Figure.__module__ = __name__
        Figure.__qualname__ = 'Figure'
        _FIGURE.append(Figure)
    return _FIGURE[0]


def __getattr__(name):
    if name == 'Figure':
        return _figure_class()
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def _axes(ax, figsize, dpi, polar=False):
    """(figure, axes, made here): a new Figure of ours, or ax's."""
    if ax is None:
        fig = _figure_class()(figsize=figsize, dpi=dpi)
        return fig, fig.add_subplot(projection='polar' if polar else None), True
    if not hasattr(ax, 'figure') or not hasattr(ax, 'plot'):
        raise _unsupported(f'ax={ax!r}: want a matplotlib Axes')
    if polar and getattr(ax, 'name', '') != 'polar':
        raise _invalid(f"ax: a {getattr(ax, 'name', '?')!r} Axes, want a polar one (projection='polar')")
    return ax.figure, ax, False


# matplotlib's text layout is not thread-safe (one mathtext parser for the
# process): drawn from several threads, the log axes' labels failed to
# parse in 45 of 48 calls (HOSTS14's F4). Our figures are laid out and
# saved one at a time.
_DRAW_LOCK = threading.RLock()


def _done(fig, save, made):
    with _DRAW_LOCK:
        if made:
            fig.tight_layout()
        if save is not None:
            _save(fig, save)
    return fig


def _umask():
    """The process's umask, read without setting it (os.umask sets it, for
    a moment, for every thread); 0o022 where the system does not say."""
    try:
        with open('/proc/self/status') as fh:
            for line in fh:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _save(fig, save):
    """fig as PNG to save, a file object or a path: a path is written
    through a temporary file beside it and renamed, and one of ipcf's (a
    result with its sidecar) or an existing file that is not a .png is
    refused (save='r.npy' replaced the result drawn, and an interrupted
    save left a cut PNG: FITPLOT16's F4)."""
    if not isinstance(save, (str, bytes, os.PathLike)):
        fig.savefig(save, format='png', dpi=fig.dpi)
        return
    p = os.fsdecode(os.fspath(save))
    # the path asked for named in errors, not the temporary file beside it
    # (PY18's m6: a missing folder named '.x.png.ab12.tmp')
    if not p or p.endswith(os.sep):
        raise _invalid(f'save={p!r}: want a file name (a .png)')
    if os.path.isdir(p):
        raise _invalid(f'save={p!r}: a folder is there: give a file name (a .png)')
    if not os.path.isdir(os.path.dirname(p) or '.'):
        raise FileNotFoundError(errno.ENOENT, f'No such folder: {os.path.dirname(p)!r}: writing {p}', p)
    if os.path.lexists(p + '.json'):
        raise _invalid(f'save={p!r}: an ipcf file is there (its metadata {p}.json beside it): not replacing it; '
                       f'give another name')
    if os.path.lexists(p) and not p.lower().endswith('.png'):
        raise _invalid(f'save={p!r}: a file that is not a .png is there: not replacing it; give a .png name')
    folder, name = os.path.split(p)
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix='.tmp', dir=folder or '.')
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # (mkstemp's 0600: the mode savefig's open gives)
        with os.fdopen(fd, 'wb') as fh:
            fig.savefig(fh, format='png', dpi=fig.dpi)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and e.filename is None and e.errno is not None:
            # (a full disk said "No space left on device" without the file:
            # DISK17's m1)
            raise OSError(e.errno, f'{e.strerror}: writing {p}', p) from e
        raise


# --- a result and what is known about it --------------------------------------

_DIMS = ('y', 'x', 'offset', 'delay')


class _View:
    """A result as (row, column, offset, point) values with what is known
    of its coordinates and units."""

    def __init__(self, values, ys, xs, framed, uv, t, fi, ps, kind, delta):
        self.values = values  # (Y, X, K, P)
        self.ys, self.xs, self.framed = ys, xs, framed  # framed: ys, xs are input-frame coordinates
        self.uv, self.t, self.fi, self.ps = uv, t, fi, ps  # uv (K, 2) or None; t: frames (P,) or None
        self.kind, self.delta = kind, delta

    @property
    def name(self):
        if self.kind == 'acf':
            return 'delta ACF' if self.delta else 'ACF'
        return 'delta-CCF' if self.delta else 'pCF'

    @property
    def glabel(self):
        return ('ΔG' if self.delta else 'G') + (' (ACF)' if self.kind == 'acf' else '')

    def pixel(self, y, x):
        """The result indices of pixel (y, x): input-frame coordinates for
        a labelled result, indices otherwise."""
        out = []
        for value, coords, what in ((y, self.ys, 'row'), (x, self.xs, 'column')):
            v = _int(value, what, 'int64')  # (a bool, True taken for 1, is refused)
            if self.framed:
                hit = numpy.flatnonzero(coords == v)
                if not hit.size:
                    raise _invalid(f'pixel ({y}, {x}) outside the result: rows {self.ys[0]}..{self.ys[-1]}, columns '
                                   f'{self.xs[0]}..{self.xs[-1]} of the input frame')
                out.append(int(hit[0]))
            else:
                if not 0 <= v < len(coords):
                    raise _invalid(f'pixel ({y}, {x}) outside the {len(self.ys)} x {len(self.xs)} result')
                out.append(v)
        return tuple(out)

    def index(self, value, n, what):
        i = _int(value, what, 'int64')  # the binding's integer rule: a bool (True: 1) is refused
        if not -n <= i < n:
            raise _invalid(f'{what}={i}: want 0..{n - 1}')
        return i % n

    def offset_text(self, i, short=False):
        if self.uv is None:
            return f'point {i}'
        u, v = (int(a) for a in self.uv[i])
        if short or self.kind == 'acf':
            return f'({u}, {v})'
        d = math.hypot(u, v)
        return f'({u}, {v}), ' + (f'{d * self.ps:.3g} µm' if self.ps else f'{d:.3g} px')

    def seconds(self):
        return None if self.t is None or self.fi is None else self.t * self.fi

    def delay_text(self, j):
        if self.t is None:
            return f'bin {j}'
        if self.fi is not None:
            return 'delay ' + _seconds(self.t[j] * self.fi)
        return f'delay {self.t[j]:.4g} frames'

    def where(self, iy, ix):
        return f'({self.ys[iy]}, {self.xs[ix]})'


def _seconds(t):
    """'48 ms', '1.5 s', '250 µs'."""
    a = abs(float(t))
    if a == 0:
        return '0 s'
    for unit, f in (('s', 1.0), ('ms', 1e-3), ('µs', 1e-6)):
        if a >= f:
            return f'{t / f:.3g} {unit}'
    return f'{t / 1e-9:.3g} ns'


def _coord(result, name):
    try:
        if name not in result.coords:
            return None
        c = result.coords[name]
    except (TypeError, KeyError):
        return None
    return numpy.asarray(c.values if hasattr(c, 'values') else c)


def _is_labelled(result):
    return all(hasattr(result, a) for a in ('dims', 'coords', 'attrs', 'values'))


def _real(values, name):
    """Refuse complex and object values (the README's rule: the real part
    was drawn, a warning of numpy's alone: PY18's m5)."""
    if values.dtype.kind in 'cOSUV':
        raise _unsupported(f'{name}: {values.dtype} values: want real numbers')


def _view(result, *, offsets=None, radius=None, delays=None, frame_interval=None, pixel_size=None):
    """A `_View` of a result: labelled (xarray.DataArray, Labelled) or plain."""
    if _is_labelled(result):
        dims = tuple(result.dims)
        values = numpy.asarray(result.values)
        if values.dtype.kind in 'biufc':
            _probe_mapped(values, 'result')
        if len(set(dims)) != len(dims) or not set(dims) <= set(_DIMS) or not {'x', 'delay'} <= set(dims):
            raise _invalid(f'result: dims {dims}, want some of {_DIMS} with x and delay (as ipcf.label gives them)')
        values = values.transpose([dims.index(d) for d in _DIMS if d in dims])
        if 'y' not in dims:
            values = values[None]
        if 'offset' not in dims:
            values = values[:, :, None, :]
        attrs = dict(result.attrs)
        if 'kind' not in attrs:
            # attributes xarray dropped (res * mask, res.mean('y')): what the
            # name and coordinates still say, as fit reads them (drawn in
            # frames and pixels, titled a pCF: PY18's F2)
            attrs = {**_stripped_attrs(getattr(result, 'name', None), result.coords), **attrs}
        ys = _coord(result, 'y') if 'y' in dims else numpy.zeros(1, numpy.int64)
        xs = _coord(result, 'x')
        framed = ys is not None and xs is not None
        if not framed:
            ys, xs = numpy.arange(values.shape[0]), numpy.arange(values.shape[1])
        # u and v: one per offset, or scalars where one offset was selected (result.sel(offset=4)).
        u, v = _coord(result, 'u'), _coord(result, 'v')
        uv = numpy.stack([u, v], axis=-1).reshape(-1, 2) if u is not None and v is not None else None
        if uv is None and 'offset' not in dims:
            uv = numpy.zeros((1, 2), numpy.int64)  # an ACF
        t = _coord(result, 'delay')
        fi, ps = attrs.get('frame_interval'), attrs.get('pixel_size')
        kind = attrs.get('kind', 'acf' if 'offset' not in dims else 'pcf')
        delta = bool(attrs.get('delta', False))
    else:
        _not_masked(result, 'result')  # (its mask was ignored: PY18's m5)
        values = numpy.asarray(result)
        kind = 'pcf'
        if values.dtype.kind in 'biufc':
            _probe_mapped(values, 'result')  # numpy reads it (a memory map cut short: SIGBUS, REVIEW12's F5)
        if values.ndim == 3:
            values, kind = values[:, :, None, :], 'acf'
        elif values.ndim != 4:
            raise _invalid(f'result: {values.ndim} dimensions, want 4 (row, column, offset, point) or 3 (an ACF: '
                           'row, column, point); a line scan: label it (ipcf.label) or pass result[None]')
        ys, xs, framed = numpy.arange(values.shape[0]), numpy.arange(values.shape[1]), False
        uv = numpy.zeros((1, 2), numpy.int64) if kind == 'acf' else None
        t = fi = ps = None
        delta = False
    _real(values, 'result')
    if 0 in values.shape:
        raise _invalid(f'result: shape {values.shape} (row, column, offset, point): an empty result, nothing to draw')
    k, p = values.shape[2:]
    if offsets is not None:
        uv = numpy.asarray(offsets)
        if uv.shape != (k, 2):
            raise _invalid(f'offsets: shape {uv.shape}, want ({k}, 2): the result\'s {k} offsets')
    elif radius:
        uv = circle(radius, k)
    if delays is not None:
        t = numpy.asarray(delays, dtype=numpy.float64)
        if t.shape != (p,):
            raise _invalid(f'delays: shape {t.shape}, want ({p},): one per curve point')
    if frame_interval is not None:
        fi = frame_interval
    if pixel_size is not None:
        ps = pixel_size
    for name, value in (('frame_interval', fi), ('pixel_size', ps)):
        if value is not None and not (isinstance(value, (int, float, numpy.number)) and not isinstance(value, (bool, numpy.bool_))
                                      and math.isfinite(value) and value > 0):
            # (True was taken as 1 s, inf drew nothing: PY18's m7)
            raise _invalid(f'{name}={value!r}: want a finite number > 0')
    if uv is not None and len(uv) != k:
        uv = None
    if t is not None and len(t) != p:
        t = None
    if delays is not None and t is not None and numpy.isfinite(t).all() \
            and not numpy.allclose(2 * t, numpy.round(2 * t), rtol=0, atol=1e-9 * (1 + numpy.abs(t).max())):
        # no bin's mean lag or multi-tau lag: seconds (ipcf.delays(...,
        # frame_interval=)), drawn and titled as frames (DOCS19's m2)
        _warn_units(f'delays= are not whole or half frames ({t[1 if p > 1 else 0]:.6g}, ...): they are drawn and '
                    'titled as frames; give the delays in frames (ipcf.delays without frame_interval=) and '
                    'frame_interval= for seconds')
    if t is None and frame_interval is not None:
        _warn_units(f'frame_interval={frame_interval!r} is not used: the result\'s points have no delays (a plain '
                    'array): give delays= too (ipcf.delays of the pcf call, in frames)')
    return _View(values, numpy.asarray(ys), numpy.asarray(xs), framed, uv, t, fi, ps, kind, delta)


def _warn_units(message):
    from . import IgnoredOptionWarning, _outside_stacklevel
    warnings.warn(f'ipcf.plot: {message}', IgnoredOptionWarning, stacklevel=_outside_stacklevel())


def _limit(values, vmax):
    """The symmetric colour limit: vmax, or the largest finite |value|."""
    if vmax is not None:
        # a number > 0: vmax=-1 drew -1.1..1, 0 and NaN silently +-0.1, True 1
        if numpy.ndim(vmax) == 0 and not isinstance(vmax, (bool, numpy.bool_, str, bytes)) and hasattr(vmax, '__float__'):
            try:  # a 0-d array (abs(result).max(), xarray's, dask's), a Decimal
                vmax = float(vmax)
            except (TypeError, ValueError):
                pass
        m = _float(vmax, 'vmax')
        if not m > 0:
            raise _invalid(f'vmax={m}: want a number > 0 (the colour range is -vmax..vmax)')
        return m
    a = numpy.abs(numpy.asarray(values, dtype=numpy.float64))
    a = a[numpy.isfinite(a)]
    m = float(a.max()) if a.size else 0.0
    return m if m > 0 else 1.0


def _norm(values, vmax):
    from matplotlib.colors import Normalize

    m = _limit(values, vmax)
    return Normalize(vmin=-m, vmax=m)


def _log_edges(x):
    """Cell edges, even in log space, around positive increasing x."""
    lx = numpy.log(x)
    if len(lx) == 1:
        return numpy.exp(numpy.array([lx[0] - 0.5, lx[0] + 0.5]))
    mid = (lx[1:] + lx[:-1]) / 2
    return numpy.exp(numpy.concatenate([[2 * lx[0] - mid[0]], mid, [2 * lx[-1] - mid[-1]]]))


def _delay_axis(view):
    """(x values, their label, positive mask) of the delay axis."""
    s = view.seconds()
    if s is not None:
        return s, 'delay (s)', s > 0
    if view.t is not None:
        return view.t, 'delay (frames)', view.t > 0
    return None, 'delay bin', None


# --- the plots ----------------------------------------------------------------


def pcf_image(result, point=0, bin=None, *, delay=None, ax=None, cmap='RdBu_r', vmax=None, offsets=None, radius=None,
              delays=None, frame_interval=None, pixel_size=None, title=None, figsize=(5, 4), dpi=100, save=None):
    """Plot the pCF (or ACF, or delta-CCF) image at one offset and delay.

    Parameters
    ----------
    result : array_like or labelled result
        A pCF (row, column, offset, point), an ACF (row, column, point), or
        a labelled result of either.
    point : int
        The offset (circle point) index.
    bin : int, optional
        The delay point; default: the one nearest `delay`, else the middle.
    delay : float, optional
        The delay to show, in seconds where the frame interval is known,
        else in frames: the nearest point.
    ax : matplotlib Axes, optional
        Draw there; default: a new Figure.
    cmap : str
        A diverging colour map; its centre is zero, the limits are
        -vmax..vmax (default: the largest |G| in the image).
    offsets, radius, delays, frame_interval, pixel_size
        What a plain array does not carry (see the module's notes).
    title : str, optional
        Instead of the offset, distance and delay.
    """
    view = _view(result, offsets=offsets, radius=radius, delays=delays, frame_interval=frame_interval,
                 pixel_size=pixel_size)
    k, p = view.values.shape[2:]
    point = view.index(point, k, 'point')
    if bin is None and delay is not None:
        x, _, _ = _delay_axis(view)
        if x is None:
            raise _invalid('delay: the delays are not known (label the result, or give delays=)')
        dv = _float(delay, 'delay')  # (nan and inf drew the delay 0: PY18's m7)
        if not math.isfinite(dv):
            raise _invalid(f'delay={delay!r}: want a finite number (the delay drawn is the nearest point\'s)')
        bin = int(numpy.argmin(numpy.abs(x - dv)))
    bin = view.index(p // 2 if bin is None else bin, p, 'bin')
    fig, ax, made = _axes(ax, figsize, dpi)
    image = view.values[:, :, point, bin]
    kw = {}
    framed = view.framed
    if framed:
        ys, xs = numpy.asarray(view.ys), numpy.asarray(view.xs)
        if ys.dtype.kind not in 'iu' or xs.dtype.kind not in 'iu':
            framed = False  # (coordinates a user assigned: drawn by index)
        elif not ((numpy.diff(ys) == 1).all() and (numpy.diff(xs) == 1).all()):
            # a selection of uneven rows or columns (g.isel(x=[0, 1, 10])):
            # each pixel at its coordinate, the others blank; the extent of
            # the first and last spread them evenly (PY18's m3)
            y0, x0 = int(ys.min()), int(xs.min())
            grid = numpy.full((int(ys.max()) - y0 + 1, int(xs.max()) - x0 + 1), numpy.nan, image.dtype
                              if image.dtype.kind == 'f' else numpy.float64)
            grid[numpy.ix_(ys - y0, xs - x0)] = image
            image, ys, xs = grid, numpy.arange(y0, y0 + grid.shape[0]), numpy.arange(x0, x0 + grid.shape[1])
        if framed:
            kw['extent'] = (xs[0] - 0.5, xs[-1] + 0.5, ys[-1] + 0.5, ys[0] - 0.5)
    im = ax.imshow(image, cmap=cmap, norm=_norm(image, vmax), interpolation='nearest', **kw)
    if title is None:
        what = view.offset_text(point)
        title = f'{view.name} {what}, {view.delay_text(bin)}' if view.kind != 'acf' else \
            f'{view.name}, {view.delay_text(bin)}'
    ax.set_title(title)
    unit = 'input frame' if framed else 'result'
    ax.set_xlabel(f'column ({unit})')
    ax.set_ylabel(f'row ({unit})')
    fig.colorbar(im, ax=ax, label=view.glabel)
    return _done(fig, save, made)


def carpet(result, y, x, *, ax=None, cmap='RdBu_r', vmax=None, offsets=None, radius=None, delays=None,
           frame_interval=None, pixel_size=None, title=None, figsize=(5, 4), dpi=100, save=None):
    """Plot the carpet at one pixel: offsets (rows) x delays (columns).

    With known delays the delay axis is logarithmic, in seconds where the
    frame interval is known (the point at delay 0, a copy of the next
    after smoothing, is left out); else it is the point index. Rows are
    labelled with their (u, v) offsets where known. Parameters as for
    `pcf_image`.
    """
    view = _view(result, offsets=offsets, radius=radius, delays=delays, frame_interval=frame_interval,
                 pixel_size=pixel_size)
    iy, ix = view.pixel(y, x)
    fig, ax, made = _axes(ax, figsize, dpi)
    c = view.values[iy, ix]  # (K, P)
    k = c.shape[0]
    t, xlabel, keep = _delay_axis(view)
    if t is not None and keep.any():
        c = c[:, keep]
        im = ax.pcolormesh(_log_edges(t[keep]), numpy.arange(k + 1) - 0.5, c, cmap=cmap, norm=_norm(c, vmax),
                           shading='flat')
        ax.set_xscale('log')
        ax.set_ylim(k - 0.5, -0.5)
    else:
        im = ax.imshow(c, cmap=cmap, norm=_norm(c, vmax), aspect='auto', interpolation='nearest')
        xlabel = 'delay bin'
    ax.set_xlabel(xlabel)
    if view.uv is not None and view.kind != 'acf':
        step = max(1, -(-k // 8))
        ticks = list(range(0, k, step))
        ax.set_yticks(ticks)
        ax.set_yticklabels([view.offset_text(i, short=True) for i in ticks], fontsize='small')
        ax.set_ylabel('offset (u, v)')
    else:
        ax.set_ylabel('offset')
    ax.set_title(title or f'{view.name} carpet at {view.where(iy, ix)}')
    fig.colorbar(im, ax=ax, label=view.glabel)
    return _done(fig, save, made)


def polar(result, y, x, *, ax=None, cmap='RdBu_r', vmax=None, offsets=None, radius=None, delays=None,
          frame_interval=None, pixel_size=None, title=None, figsize=(5, 4), dpi=100, save=None):
    """Plot the polar sprite at one pixel: angle = the offset's direction,
    radius = delay point, colour = G (diverging, centred on zero).

    Each direction shows the offset nearest to it in angle, as ``ipcf
    plot --pixel`` draws it: an offset (u, v) at atan2(v, u), drawn as the
    image shows it (rows grow downwards); where the offsets are not known
    (an unlabelled result without `offsets` or `radius`), offset i is at
    the angle 2 pi i / n of the circle's point i (`ipcf.circle`, the
    default). `ax` must be a polar Axes. The rings are labelled with their
    delays where known. Other parameters as for `pcf_image`.
    """
    view = _view(result, offsets=offsets, radius=radius, delays=delays, frame_interval=frame_interval,
                 pixel_size=pixel_size)
    iy, ix = view.pixel(y, x)
    k, p = view.values.shape[2:]
    fig, ax, made = _axes(ax, figsize, dpi, polar=True)
    c = view.values[iy, ix].T  # (P, K)
    angles = 2 * numpy.pi * numpy.arange(k) / k
    if view.uv is not None:
        # The offsets' own directions: another list than the circle's (a
        # labelled result of offsets=[(0, 2), (2, 0), ...]) was drawn at
        # the circle's angles, every sector another direction's curve.
        u, v = numpy.asarray(view.uv, dtype=float).T
        own = (u != 0) | (v != 0)
        angles = numpy.where(own, numpy.arctan2(v, u), angles) % (2 * numpy.pi)
    # Sectors between the midpoints of neighbouring directions (the nearest
    # in angle; of offsets in one direction, the first), from the lowest.
    order = numpy.argsort(angles, kind='stable')
    a = angles[order]
    first = numpy.concatenate([[True], numpy.diff(a) > 1e-12])  # a direction's first offset
    ua = a[first]
    if len(ua) == 1:
        lo = ua - numpy.pi
    else:
        gaps = numpy.diff(numpy.concatenate([ua, ua[:1] + 2 * numpy.pi]))  # to the next direction
        lo = ua - numpy.roll(gaps, 1) / 2
    hi = numpy.concatenate([lo[1:], lo[:1] + 2 * numpy.pi])
    uid = numpy.cumsum(first) - 1
    # the others of a direction get empty sectors at its end
    theta = numpy.concatenate([numpy.where(first, lo[uid], hi[uid]), hi[-1:]])
    c = c[:, order]
    rings = numpy.arange(p + 1)
    ax.grid(False)
    # Image rows grow downwards: negate the angle so the sprite looks like the image.
    im = ax.pcolormesh(-theta, rings, c, cmap=cmap, norm=_norm(c, vmax), shading='flat')
    t, _, _ = _delay_axis(view)
    if t is not None:
        ticks = list(range(max(1, p // 4), p, max(1, p // 4)))
        ax.set_yticks([i + 0.5 for i in ticks])
        ax.set_yticklabels([_seconds(t[i]) if view.fi is not None else f'{t[i]:.3g}' for i in ticks],
                           fontsize='x-small')
    else:
        ax.set_yticklabels([])
    ax.set_title(title or f'{view.name} sprite at {view.where(iy, ix)}')
    fig.colorbar(im, ax=ax, label=view.glabel, pad=0.1)
    return _done(fig, save, made)


def lines(result, y, x, *, ax=None, radius=None, points=None, offsets=None, delays=None, frame_interval=None,
          pixel_size=None, xlabel=None, title=None, cmap='twilight', figsize=(6, 4), dpi=100, save=None):
    """Plot G against delay at one pixel, one line per offset.

    With known delays (a labelled result, or `delays`: each point's delay
    in frames as ``ipcf.delays`` gives it, in seconds with
    `frame_interval`) the delay axis is logarithmic; the point at delay 0
    (a copy of the next after smoothing) is left out. Otherwise x is the
    point index. `points` selects the offsets. Each line is named by its
    (u, v) offset and distance where known (with `radius`: the circle's);
    up to 8 lines get a legend, more are coloured by the offset's
    direction (`cmap`, cyclic) with a colour bar. An ACF has one line per
    call: call it again with the same `ax` to compare pixels. `xlabel`
    names the delay axis.

    Examples
    --------
    >>> import ipcf
    >>> data = ipcf.simulate(frames=256, size=12, seed=1)
    >>> result = ipcf.pcf(data, offsets=[(1, 0), (0, 2)], bins='multitau', m=4)
    >>> t = ipcf.delays(data, offsets=[(1, 0), (0, 2)], bins='multitau', m=4)  # frames
    >>> fig = lines(result, 2, 3, offsets=[(1, 0), (0, 2)], delays=t, frame_interval=0.01)
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['0: (1, 0)', '1: (0, 2)']
    >>> fig.axes[0].get_xscale()
    'log'
    """
    view = _view(result, offsets=offsets, radius=radius, delays=delays, frame_interval=frame_interval,
                 pixel_size=pixel_size)
    iy, ix = view.pixel(y, x)
    k = view.values.shape[2]
    # checked before anything is drawn (the caller's ax was set to a log scale first)
    if points is not None and (isinstance(points, (str, bytes)) or not hasattr(points, '__iter__')):
        raise _unsupported(f'points={points!r}: want a list of offset indices, e.g. [0, 2]')
    chosen = [view.index(i, k, 'points') for i in (points if points is not None else range(k))]
    fig, ax, made = _axes(ax, figsize, dpi)
    t, label, keep = _delay_axis(view)
    if t is None or not keep.any():
        t, keep = numpy.arange(view.values.shape[3]), slice(None)
        label = 'delay bin'
    else:
        ax.set_xscale('log')
        t = t[keep]
    many = len(chosen) > 8
    colours = None
    if many:
        import matplotlib

        cm = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
        if view.uv is not None:
            angle = numpy.degrees(numpy.arctan2(view.uv[:, 1], view.uv[:, 0])) % 360
        else:  # circle points: point i at 360 i / k degrees
            angle = numpy.arange(k) * 360.0 / k
        colours = cm(angle / 360)
    for i in chosen:
        curve = view.values[iy, ix, i][keep]
        if view.kind == 'acf':
            name = f'{view.name} at {view.where(iy, ix)}'
        elif view.uv is not None:
            d = math.hypot(*(int(a) for a in view.uv[i]))
            unit = f', {d * view.ps:.3g} µm' if view.ps else ''
            name = f'{i}: {view.offset_text(i, short=True)}{unit}'
        else:
            name = str(i)
        ax.plot(t, curve, label=name, color=None if colours is None else colours[i])
    ax.set_xlabel(xlabel or label)
    ax.set_ylabel(view.glabel + '(τ)' if view.kind != 'acf' else 'G(τ)')
    ax.set_title(title or (f'{view.name} at {view.where(iy, ix)}' if view.kind != 'acf' else view.name))
    if many:
        import matplotlib

        sm = matplotlib.cm.ScalarMappable(norm=matplotlib.colors.Normalize(0, 360), cmap=cmap)
        fig.colorbar(sm, ax=ax, label='offset direction (degrees)')
    elif chosen:
        ax.legend(fontsize='x-small')
    return _done(fig, save, made)


# _means reads at most this many samples a step: Python sees Ctrl+C
# between steps, never within one numpy call (a 200 x 4096 x 4096 stack
# took 5 s in one).
_MEANS_STEP = 1 << 22


def _means(data, frames=True):
    """The mean image and (with frames; else None) the mean of each frame
    of a (time, row, column) stack, in float64, a few frames at a time."""
    t, h, w = data.shape
    step = max(1, _MEANS_STEP // (h * w))
    total = numpy.zeros((h, w), numpy.float64)
    series = numpy.empty(t, numpy.float64) if frames else None
    if data.dtype.kind in 'fc':
        # Each pixel's mean over its finite samples (as ipcf plot --mean):
        # a frame of NaN made every pixel's mean NaN, the image all grey;
        # a pixel of none (a dead one) stays NaN.
        count = numpy.zeros((h, w), numpy.int64)
        if data.dtype.kind == 'c':  # the real parts, as numpy's mean(dtype=float64) takes them, with its warning
            import warnings
            warnings.warn('Casting complex values to real discards the imaginary part', numpy.ComplexWarning, stacklevel=3)
        for a in range(0, t, step):
            chunk = data[a:a + step].real
            ok = numpy.isfinite(chunk)
            # each divided by t first, as ipcf plot --mean: a sum of samples
            # near the float64 maximum overflows (REVIEW12's m9)
            total += (numpy.where(ok, chunk, 0).astype(numpy.float64) / t).sum(axis=0)
            count += ok.sum(axis=0)
            if frames:
                series[a:a + step] = chunk.mean(axis=(1, 2), dtype=numpy.float64)
        with numpy.errstate(invalid='ignore', divide='ignore'):
            return numpy.where(count > 0, total * (t / numpy.maximum(count, 1)), numpy.nan), series
    for a in range(0, t, step):
        chunk = data[a:a + step]
        if step == 1:
            numpy.add(total, chunk[0], out=total, casting='unsafe')  # no temporary frame (complex: the real part, as mean(dtype=float64) takes)
        else:
            total += chunk.sum(axis=0, dtype=numpy.float64)
        if frames:
            series[a:a + step] = chunk.mean(axis=(1, 2), dtype=numpy.float64)
    return total / t, series


def mean(data, *, ax=None, time_axis=None, frame_interval=None, cmap='gray', figsize=(9, 4), dpi=100, save=None):
    """Plot the mean image (with its colour bar) and the mean time series
    of a (time, row, column) stack.

    `ax`: one Axes (the mean image alone) or two (image, time series).
    `time_axis` as for `ipcf.pcf` (a stack with fewer frames than rows or
    columns warns); `frame_interval`: the time axis in seconds.
    """
    _not_masked(data, 'data')  # (the masked samples were averaged in: PY18's m5)
    data = numpy.asarray(data)
    _real(data, 'data')
    if data.dtype.kind in 'biufc':
        _probe_mapped(data, 'data')  # numpy reads it (a memory map cut short: SIGBUS, REVIEW12's F5)
    if data.ndim != 3:
        raise _invalid(f'data: {data.ndim} dimensions, want 3 (time, row, column)')
    data = _time_first(data, time_axis, 'data', stacklevel=3)
    if 0 in data.shape:  # (as ipcf plot --mean)
        raise _invalid(f'data: {data.shape[0]} frames of {data.shape[1]} x {data.shape[2]} pixels: nothing to draw')
    if ax is None:
        fig = _figure_class()(figsize=figsize, dpi=dpi)
        ax0, ax1 = fig.subplots(1, 2)
        made = True
    else:
        many = isinstance(ax, (list, tuple, numpy.ndarray))
        axs = list(numpy.ravel(ax)) if many else [ax]
        if len(axs) not in (1, 2):
            raise _invalid(f'ax: {len(axs)} Axes, want one (the mean image) or two (image, time series)')
        fig, ax0, made = _axes(axs[0], figsize, dpi)
        ax1 = axs[1] if len(axs) == 2 else None
    image, series = _means(data, frames=ax1 is not None)
    im = ax0.imshow(image, cmap=cmap, interpolation='nearest')
    ax0.set_title('mean image')
    ax0.set_xlabel('column')
    ax0.set_ylabel('row')
    fig.colorbar(im, ax=ax0, label='mean intensity')
    if ax1 is not None:
        partial = not numpy.isfinite(series).all() and data.dtype.kind in 'fc'
        if partial:
            # A dead pixel of NaN or Inf left out (as ipcf plot --mean):
            # one made every frame's mean NaN, an empty trace. Each
            # frame's finite samples (NaN where none is).
            series = numpy.array([numpy.mean(f[numpy.isfinite(f)], dtype=numpy.float64) if numpy.isfinite(f).any() else numpy.nan
                                  for f in data])
        if frame_interval is not None:
            if not (isinstance(frame_interval, (int, float, numpy.number)) and frame_interval > 0):
                raise _invalid(f'frame_interval={frame_interval!r}: want a number > 0')
            ax1.plot(numpy.arange(len(series)) * frame_interval, series)
            ax1.set_xlabel('time (s)')
        else:
            ax1.plot(series)
            ax1.set_xlabel('frame')
        ax1.set_ylabel('mean intensity (of the finite samples)' if partial else 'mean intensity')
        ax1.set_title('mean time series')
    return _done(fig, save, made)


def delays(frames, nbins, bleach=0):
    """Return the delay (upper bin edge, in frames) of each bin for a series
    of `frames` frames, as `ipcf.pcf` bins it with its default log bins.

    `ipcf.delays` gives each curve point's mean delay for every bin mode
    (and in seconds with a frame interval). A series the pCF refuses (too
    few frames left after `bleach`) is refused as it refuses it (it said
    "bin size=0", or gave delays for 3 frames)."""
    _delays(frames, nbins=nbins, bleach=bleach)
    n = frames - 2 * bleach
    p = 1
    while p * 2 <= n:
        p *= 2
    return logbins(p // 2, nbins)
