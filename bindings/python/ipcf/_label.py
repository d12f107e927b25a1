"""Coordinates for pCF and ACF results: `label` and `Labelled`.

A result of `ipcf.pcf` is a plain (row, column, offset, point) float32
array; `label` attaches what each index means: the pixel's row and column
in the input frame (the result leaves out a border of the offsets'
margin), each offset's (u, v) and distance (pixels, and micrometres with a
pixel size), and each point's delay (frames, and seconds with a frame
interval). With xarray installed the result is an ``xarray.DataArray``
(``result.sel(y=32, x=32, delay=50, method='nearest')``); without it a
`Labelled`, which holds the same parts. `ipcf.plot` reads either.
"""

import numbers

import numpy

from . import (_PRESETS, _bool, _checked_once, _choice, _int, _invalid, _offsets_array, _positive, _preset_offsets, _smooth,
               _units, _unsupported, __version__, delays, pcf_output_shape)

__all__ = ['label', 'Labelled']


class _Coord:
    """A coordinate of a `Labelled`: ``dims``, ``values``, ``attrs``."""

    __slots__ = ('dims', 'values', 'attrs')

    def __init__(self, dims, values, attrs=None):
        self.dims, self.values, self.attrs = tuple(dims), numpy.asarray(values), dict(attrs or {})

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self):
        return len(self.values)

    def __repr__(self):
        return f'<coordinate {self.dims}: {self.values!r} {self.attrs}>'


class Labelled:
    """A pCF or ACF result with its coordinates, where xarray is missing.

    The parts of an ``xarray.DataArray`` that ipcf uses: ``values`` (the
    result, not copied), ``dims``, ``coords`` (a dict: name -> coordinate
    with ``dims``, ``values`` and ``attrs``; ``labelled['delay_s']`` is
    ``labelled.coords['delay_s']``), ``attrs``, ``name``, ``shape``,
    ``sizes``; ``numpy.asarray(labelled)`` is the result, and `to_xarray`
    makes the DataArray once xarray is installed.
    """

    def __init__(self, values, dims, coords, attrs=None, name=None):
        self.values = values
        self.dims = tuple(dims)
        self.coords = {k: v if isinstance(v, _Coord) else _Coord(*v) for k, v in coords.items()}
        self.attrs = dict(attrs or {})
        self.name = name
        if len(self.dims) != numpy.ndim(values):
            raise _invalid(f'Labelled: {len(self.dims)} dims {self.dims} for {numpy.ndim(values)} dimensions')

    @property
    def shape(self):
        return tuple(numpy.shape(self.values))

    @property
    def ndim(self):
        return len(self.dims)

    @property
    def sizes(self):
        return dict(zip(self.dims, self.shape))

    def __array__(self, dtype=None, copy=None):
        v = numpy.asarray(self.values)
        return v if dtype is None else v.astype(dtype)

    def __getitem__(self, name):
        return self.coords[name]

    def to_xarray(self):
        """The same result as an ``xarray.DataArray`` (no copy of the values)."""
        import xarray

        coords = {k: (c.dims, c.values, c.attrs) for k, c in self.coords.items()}
        return xarray.DataArray(self.values, dims=self.dims, coords=coords, attrs=self.attrs, name=self.name)

    def __repr__(self):
        dims = ', '.join(f'{d}: {n}' for d, n in zip(self.dims, self.shape))
        lines = [f'<ipcf.Labelled {self.name or ""} ({dims}) {numpy.asarray(self.values).dtype}>']
        for k, c in self.coords.items():
            v = c.values
            show = numpy.array2string(v, threshold=6, precision=4, separator=', ') if v.ndim else repr(v.item())
            lines.append(f'  {k:<12} {str(c.dims):<12} {show}')
        lines.extend(f'  {k}: {v}' for k, v in self.attrs.items())
        return '\n'.join(lines)


def _shape_of(x, time_axis):
    """The (time, ...) shape of an array or a shape, time axis moved first."""
    if isinstance(x, (numbers.Integral, numpy.integer)) or isinstance(x, (bool, numpy.bool_)):
        raise _unsupported(f'shape_or_data={x!r}: want the input (an array) or its shape (frames, rows, columns); '
                           'a number of frames does not give the pixels')
    if isinstance(x, (tuple, list)):
        shape = tuple(_int(v, 'shape', 'int64', lo=0) for v in x)
    elif hasattr(x, 'shape'):
        shape = tuple(int(v) for v in x.shape)
    else:
        raise _unsupported(f'shape_or_data={x!r}: want the input array, its shape or pcf_file metadata (a dict)')
    if len(shape) not in (2, 3):
        raise _invalid(f'shape {shape}: want (frames, rows, columns) or (frames, columns)')
    if time_axis is not None:
        axis = _int(time_axis, 'time_axis', lo=-len(shape), hi=len(shape) - 1) % len(shape)
        shape = (shape[axis],) + shape[:axis] + shape[axis + 1:]
    return shape


def _uv_of(offsets, radius, npoints, line, acf):
    if acf:
        return numpy.zeros((1, 2), numpy.int32)
    if offsets is None:
        offsets = 'line' if line else 'circle'
    if isinstance(offsets, str):
        kind = _choice(offsets, 'offsets', _PRESETS)
        return _preset_offsets(kind, _int(radius, 'radius'), _int(npoints, 'npoints'))
    return _offsets_array(offsets)


# ipcf's names of a labelled result: what the values are (kind, delta flag)
_IPCF_NAMES = {'acf': ('acf', False), 'delta_acf': ('acf', True), 'pcf': ('pcf', False), 'delta_pcf': ('pcf', True)}


def _stripped_attrs(name, cc):
    """What a labelled result whose attributes xarray dropped (reductions,
    arithmetic without keep_attrs) still says of itself, by its name (pcf,
    delta_pcf, acf) and coordinates cc: kind and delta, bins_mode (log or
    linear bins carry delay_from and delay_to, multi-tau points
    delay_level), frame_interval (delay_s over delay), pixel_size
    (pixel_size_um, or distance_um over the offsets' distance). The one
    reading of them, for fit and plot (plot drew such a result in frames and
    pixels, titled a pCF: PY18's F2)."""
    attrs = {}
    named = _IPCF_NAMES.get(str(name or ''))
    if named is not None:
        attrs['kind'], attrs['delta'] = named
    if 'delay_from' in cc and 'delay_to' in cc:
        attrs['bins_mode'] = 'log'
    elif 'delay_level' in cc:
        attrs['bins_mode'] = 'multitau'
    if 'delay' in cc and 'delay_s' in cc:
        t0 = numpy.asarray(cc['delay'].values, numpy.float64).ravel()
        ts = numpy.asarray(cc['delay_s'].values, numpy.float64).ravel()
        if t0.shape == ts.shape and numpy.any(t0 > 0):
            k = int(numpy.flatnonzero(t0 > 0)[0])
            attrs['frame_interval'] = float(ts[k] / t0[k])
    if 'pixel_size_um' in cc and numpy.ndim(cc['pixel_size_um'].values) == 0:
        attrs['pixel_size'] = float(cc['pixel_size_um'].values)
    elif 'distance_um' in cc and ('distance' in cc or 'u' in cc and 'v' in cc):
        d0 = (numpy.asarray(cc['distance'].values, numpy.float64).ravel() if 'distance' in cc else
              numpy.hypot(numpy.asarray(cc['u'].values, numpy.float64),
                          numpy.asarray(cc['v'].values, numpy.float64)).ravel())
        du = numpy.asarray(cc['distance_um'].values, numpy.float64).ravel()
        if d0.shape == du.shape and numpy.any(d0 > 0):
            k = int(numpy.flatnonzero(d0 > 0)[0])
            attrs['pixel_size'] = float(du[k] / d0[k])
    return attrs


def _from_metadata(meta):
    """(uv, delay frames, frame interval, pixel size, origin, kind, attrs)
    of a `pcf_file` result's metadata (``open_result``)."""
    if isinstance(meta, dict) and (meta.get('command') == 'fit' or 'companion_of' in meta
                                   or ('model' in meta and 'offsets_uv' not in meta)):
        # (open_result of ipcf fit's maps: label said "not pcf_file
        # metadata ...: KeyError: 'offsets_uv'", a review)
        raise _invalid('label: the metadata of ipcf fit\'s maps (parameters, not curves): label a pCF result\'s '
                       'curves')
    if isinstance(meta, dict) and 'errors_of' in meta and 'offsets_uv' not in meta:
        # (open_result of OUT.sd.npy: "KeyError: 'offsets_uv'": PY18's m2)
        raise _invalid(f"label: the metadata of error bars (of {meta['errors_of']}), not of curves: label their "
                       'result, and give these as its sigma=')
    if isinstance(meta, dict) and meta.get('software') == 'ipcf' and meta.get('command') not in (None, 'pcf') \
            and 'offsets_uv' not in meta:
        # an image time series ipcf simulate or bleach wrote (PY18's m2)
        raise _invalid(f"label: the metadata of ipcf {meta['command']}'s output (an image time series, not "
                       'curves): label a pCF result\'s curves')
    try:
        uv = numpy.asarray(meta['offsets_uv'], numpy.int64).reshape(-1, 2)
        if meta.get('delay_frames') is not None:
            t = numpy.asarray(meta['delay_frames'], numpy.float64)
        else:  # 0.2 results: the bins' edges
            # the bins' lags [from, to), named from_exclusive/to_inclusive
            # by 0.2 (wrongly: the lags are the same)
            d = meta['delays_frames']
            lo = d['from_inclusive'] if 'from_inclusive' in d else d['from_exclusive']
            hi = d['to_exclusive'] if 'to_exclusive' in d else d['to_inclusive']
            t = (numpy.asarray(lo, numpy.float64) + numpy.asarray(hi) - 1) / 2
        units = meta.get('units') or {}
        origin = tuple(int(v) for v in (meta.get('crop_origin') or (0, 0)))
        mode = meta.get('mode', 'circle')
    except (KeyError, TypeError, ValueError) as exc:
        raise _invalid(f'label: not pcf_file metadata (open_result gives it): {type(exc).__name__}: {exc}') from None
    if mode == 'circle':
        margin = (int(meta['radius']), int(meta['radius']))
    else:
        margin = (int(numpy.abs(uv[:, 1]).max()), int(numpy.abs(uv[:, 0]).max()))
    attrs = {k: meta[k] for k in ('bins_mode', 'radius', 'npoints', 'smooth', 'threshold', 'multitau_m', 'input')
             if meta.get(k) is not None}
    # what else decides the values, as pcf(labelled=True) records it (fit
    # compares error bars' with the curves': PY18's F5)
    if isinstance(meta.get('bleach_filtersize'), int):
        attrs['bleach'] = meta['bleach_filtersize']
        if meta['bleach_filtersize'] > 0 and meta.get('bleach_mean') in ('real', 'floor'):
            attrs['bleach_mean'] = meta['bleach_mean']
    if 'input2' in meta or 'channel2' in meta:
        attrs['data2'] = int(meta.get('input2') is not None or meta.get('channel2') is not None)
    kind = 'acf' if mode == 'acf' else 'pcf'
    return (uv, t, units.get('frame_interval_s'), units.get('pixel_size_um'), (origin[0] + margin[0],
            origin[1] + margin[1]), kind, bool(meta.get('delta')), attrs)


def _bin_edges(t):
    """(from, to) int64 arrays of the bins of lags [from, to) of log or
    linear curve points at the delays t (frames): contiguous from lag 0,
    each delay its bin's mean lag (from + to - 1) / 2, as the library's
    fits take them (core/fit.ContiguousBins); None where t are not such
    delays."""
    lo, fr, to = 0, [], []
    for d in numpy.asarray(t, numpy.float64).tolist():
        h = 2 * d + 1 - lo
        hi = round(h) if numpy.isfinite(h) else None
        if hi is None or abs(h - hi) > 1e-9 * (1 + abs(d)) or hi <= lo:
            return None
        fr.append(lo)
        to.append(hi)
        lo = hi
    return numpy.asarray(fr, numpy.int64), numpy.asarray(to, numpy.int64)


class _Default(float):
    """pcf's default of an option, as label's default: it reads as the
    number (help() shows smooth=0.7), and label tells it from the same
    number given."""


_PCF_SMOOTH = _Default(0.7)


def label(result, shape_or_data, /, *, radius=6, npoints=32, nbins=32, bleach=0, offsets=None, bins='log', m=16,
          acf=False, delta=False, frame_interval=None, pixel_size=None, origin=(0, 0), time_axis=None,
          smooth=_PCF_SMOOTH, data2=None, bleach_mean=None):
    """Return a result with its coordinates (an xarray.DataArray).

    Parameters
    ----------
    result : array_like
        A result of `ipcf.pcf` or `ipcf.acf` (or `ipcf.dask`'s, computed),
        or of `pcf_file` (``open_result``); not copied.
    shape_or_data : array, tuple or dict
        The input the result was computed from (only its shape is used)
        or its shape, with the options below as given to `pcf`; or the
        metadata of a `pcf_file` result, which holds them all:
        ``ipcf.label(*ipcf.open_result(path))``.
    radius, npoints, nbins, bleach, offsets, bins, m, delta
        As for `pcf`: the options of the call that computed `result`. Only
        the shape is checked against them, and other options can give the
        same shape (log nbins 32 and 33, or linear nbins 28, at 1024
        frames): other delays and bins would be labelled, and fitted.
        ``pcf(..., labelled=True)`` and a file result's metadata avoid it.
    pixel_size : float, optional
        Micrometres per pixel: adds ``distance_um`` and ``pixel_size_um``.
    acf : bool
        The result is `acf`'s (no offset axis).
    frame_interval : float, optional
        Seconds between frames: adds the ``delay_s`` coordinate.
    origin : (row, column)
        Where the input's first pixel lies in a larger frame (a crop's
        origin): added to the ``y`` and ``x`` coordinates.
    time_axis : int, optional
        As for `pcf`, if `shape_or_data` is not time first.
    smooth : float or None
        The curves' smoothing weight, kept in the attrs (`fit` warns
        about smoothed curves): as for `pcf`, 0.7 by default (a result
        computed with pcf's defaults, ``ipcf.dask``'s too, was labelled
        without it, and fitted without the warning: give the smooth= of
        that call, as its other options); a file result's metadata give it
        (the value given is used where they lack it). None: not known (no
        attrs['smooth']).
    data2 : bool or array, optional
        Whether the call gave a second channel (``data2=``; the array or
        True), kept as ``attrs['data2']``: `fit` refuses error bars of
        other channels for the curves (one channel's error bars weighted
        cross-channel curves). None: not known.
    bleach_mean : {'real', 'floor'}, optional
        As for `pcf`, with `bleach`, kept in the attrs for the same check.

    Returns
    -------
    xarray.DataArray or Labelled
        dims ('y', 'x', 'offset', 'delay'); an ACF ('y', 'x', 'delay'); a
        line scan without 'y'. Coordinates: ``y`` and ``x``, each pixel's
        row and column in the input frame (the margin of the offsets
        added: the result's first row is the input's row max|v|);
        ``offset`` (0..k-1) with ``u``, ``v`` and ``distance`` (pixels)
        and ``distance_um``; ``delay`` (frames, as `delays`) and
        ``delay_s``. Attributes: ``kind`` ('pcf' or 'acf'), ``delta``,
        ``bins_mode``, ``frame_interval`` and ``pixel_size`` where known, ...
        A `Labelled` (same parts) where xarray is not installed.

    Examples
    --------
    >>> import ipcf
    >>> data = ipcf.simulate(frames=256, size=12, seed=1)
    >>> g = label(ipcf.pcf(data, radius=2, npoints=4, nbins=6), data, radius=2, npoints=4, nbins=6,
    ...           frame_interval=0.01, pixel_size=0.1)
    >>> g.dims, g.shape
    (('y', 'x', 'offset', 'delay'), (8, 8, 4, 6))
    >>> g.coords['y'].values[:3].tolist(), g.coords['u'].values.tolist(), g.coords['v'].values.tolist()
    ([2, 3, 4], [2, 0, -2, 0], [0, 2, 0, -2])
    >>> g.coords['distance_um'].values.tolist(), g.coords['delay_s'].values[:4].round(3).tolist()
    ([0.2, 0.2, 0.2, 0.2], [0.0, 0.01, 0.035, 0.115])
    >>> ipcf.acf(data, nbins=6, labelled=True).dims
    ('y', 'x', 'delay')
    """
    values = result.values if hasattr(result, 'dims') and hasattr(result, 'values') else result
    if not isinstance(values, numpy.ndarray):
        values = numpy.asarray(values)
    fi, ps = _units(frame_interval, pixel_size)
    # checked as pcf checks them: delta='no' labelled a plain pCF a delta
    # pCF, smooth=5 or NaN went to the attrs, origin=(0.9, 2.7) was (0, 2)
    acf, delta = _bool(acf, 'acf'), _bool(delta, 'delta')
    given_default = isinstance(smooth, _Default)
    smooth = None if smooth is None else _smooth(smooth)
    try:
        oy, ox = origin
    except (TypeError, ValueError):
        raise _unsupported(f'origin={origin!r}: want (row, column)') from None
    oy, ox = _int(oy, 'origin[0]', 'int64'), _int(ox, 'origin[1]', 'int64')
    attrs = {}
    if data2 is not None and not isinstance(data2, (bool, numpy.bool_)):
        # 0 or 1 as attrs['data2'] records it (0 was taken for an array:
        # REVIEW23's m4); anything else: the second channel's array
        data2 = bool(data2) if isinstance(data2, (int, numpy.integer)) and data2 in (0, 1) else True
    if bleach_mean is not None and bleach_mean not in ('real', 'floor'):
        raise _invalid(f"bleach_mean={bleach_mean!r}: want 'real' or 'floor'")
    if isinstance(shape_or_data, dict):
        # the metadata hold what the result is: options that say it again
        # were dropped without a word (PY18's m4); the units and origin given
        # are applied, as documented
        own = {k: v for k, v in (('radius', radius != 6), ('npoints', npoints != 32), ('nbins', nbins != 32),
                                 ('bleach', bleach != 0), ('offsets', offsets is not None), ('bins', bins != 'log'),
                                 ('m', m != 16), ('acf', acf), ('delta', delta),
                                 ('time_axis', time_axis is not None), ('data2', data2 is not None),
                                 ('bleach_mean', bleach_mean is not None)) if v}
        # (smooth=: used where the metadata lack it, an earlier version's)
        ms = shape_or_data.get('smooth')
        if not given_default and smooth is not None and ms is not None and isinstance(ms, (int, float)) \
                and float(ms) != smooth:
            own['smooth'] = True
        if own:
            raise _invalid(f"label: {', '.join(own)} given with a result's metadata, which hold them: leave them out "
                           '(frame_interval=, pixel_size= and origin= are applied over the metadata\'s)')
        uv, t, mfi, mps, (my, mx), kind, delta, attrs = _from_metadata(shape_or_data)
        fi = fi if fi is not None else _positive(mfi, 'frame_interval')
        ps = ps if ps is not None else _positive(mps, 'pixel_size')
        line = False
        want = None
        if values.ndim != 4 or values.shape[2:] != (len(uv), len(t)):
            raise _invalid(f'result: shape {values.shape}, want (rows, columns, {len(uv)}, {len(t)}) as its metadata')
        acf = False  # a file result keeps its offset axis
    else:
        shape = _shape_of(shape_or_data, time_axis)
        line = len(shape) == 2
        uv = _uv_of(offsets, radius, npoints, line, bool(acf))
        # The options as pcf took them: a preset by name (the circle's margin is its radius), else the pairs.
        preset = offsets if (offsets is None or isinstance(offsets, str)) and not acf else uv
        want = pcf_output_shape(shape, radius=radius, npoints=npoints, nbins=nbins, bleach=bleach,
                                offsets=preset, bins=bins, m=m)
        with _checked_once():  # (pcf_output_shape warned of ignored options: once, DASK16's F5)
            t = delays(shape, radius=radius, npoints=npoints, nbins=nbins, bleach=bleach, offsets=preset, bins=bins,
                       m=m)
        if acf:
            want = want[:-2] + want[-1:]
        if values.shape != tuple(want):
            what = 'acf' if acf else 'pcf'
            raise _invalid(f'result: shape {values.shape}, want {tuple(want)}: the {what} of shape {shape} with '
                           'these options (give label the options the result was computed with)')
        H, W = (1,) + shape[1:] if line else shape[1:]
        my = (H - (1 if line else want[0])) // 2
        mx = (W - want[-3 + acf]) // 2
        kind = 'acf' if acf else 'pcf'
        attrs = {'bins_mode': bins, 'bleach': bleach}
        if data2 is not None:
            attrs['data2'] = int(bool(data2))
        if bleach_mean is not None and bleach:
            attrs['bleach_mean'] = bleach_mean
        attrs.update({'multitau_m': m} if bins == 'multitau' else {'nbins': nbins})
        if preset is None or isinstance(preset, str):
            attrs['radius'] = radius
            if preset in (None, 'circle') and not line:
                attrs['npoints'] = npoints
    dims = (() if line else ('y',)) + ('x',) + (() if acf else ('offset',)) + ('delay',)
    coords = {}
    if not line:
        coords['y'] = (('y',), numpy.arange(values.shape[0]) + my + oy,
                       {'long_name': 'row in the input frame', 'units': 'pixel'})
    coords['x'] = (('x',), numpy.arange(values.shape[dims.index('x')]) + mx + ox,
                   {'long_name': 'column in the input frame', 'units': 'pixel'})
    if not acf:
        u, v = uv[:, 0].astype(numpy.int64), uv[:, 1].astype(numpy.int64)
        dist = numpy.sqrt(u * u + v * v, dtype=numpy.float64)
        coords['offset'] = (('offset',), numpy.arange(len(uv)), {'long_name': 'offset index'})
        coords['u'] = (('offset',), u, {'long_name': 'column offset of the neighbour', 'units': 'pixel'})
        coords['v'] = (('offset',), v, {'long_name': 'row offset of the neighbour', 'units': 'pixel'})
        coords['distance'] = (('offset',), dist, {'long_name': 'distance', 'units': 'pixel'})
        if ps is not None:
            coords['distance_um'] = (('offset',), dist * ps, {'long_name': 'distance', 'units': 'um'})
    t = numpy.asarray(t, numpy.float64)
    coords['delay'] = (('delay',), t, {'long_name': 'delay', 'units': 'frame'})
    edges = _bin_edges(t) if attrs.get('bins_mode', bins if not isinstance(shape_or_data, dict) else 'log') in (
        'log', 'linear') else None
    if edges is None and attrs.get('bins_mode', bins if not isinstance(shape_or_data, dict) else 'log') == 'multitau':
        # Each point's multi-tau level (its lag's spacing 2**level): the
        # curve's points are multi-tau points, which a fit tells from this
        # coordinate where a reduction or arithmetic dropped the
        # attributes (it took any points without delay_from for them).
        mm = int(attrs.get('multitau_m', m) or m)
        lv = numpy.where(t < mm, 0, numpy.floor(numpy.log2(numpy.maximum(t, 1) / mm)) + 1).astype(numpy.int64)
        coords['delay_level'] = (('delay',), lv, {'long_name': 'multi-tau level of the point'})
    if edges is not None:
        # Each point's bin of lags [delay_from, delay_to): what a fit
        # averages the model over, and how it tells that a selection of
        # the points (isel) is not the curve's bins from lag 0.
        coords['delay_from'] = (('delay',), edges[0], {'long_name': 'first lag of the bin', 'units': 'frame'})
        coords['delay_to'] = (('delay',), edges[1], {'long_name': 'lag after the bin', 'units': 'frame'})
    if fi is not None:
        coords['delay_s'] = (('delay',), t * fi, {'long_name': 'delay', 'units': 's'})
    if ps is not None:
        # also a coordinate: it stays where a reduction (res.mean(('y',
        # 'x'))) drops the attributes, and a fit needs it (an ACF has no
        # distance_um to infer it from)
        coords['pixel_size_um'] = ((), float(ps), {'long_name': 'pixel size', 'units': 'um'})
    if smooth is not None and 'smooth' not in attrs and not (given_default and isinstance(shape_or_data, dict)):
        # (a file result's metadata decide; pcf's default is no word about one whose metadata lack it)
        attrs['smooth'] = float(smooth)
    attrs.update(kind=kind, delta=int(bool(delta)), software='ipcf', version=__version__)
    if fi is not None:
        attrs['frame_interval'] = fi
    if ps is not None:
        attrs['pixel_size'] = ps
    attrs['long_name'] = ('delta ' if delta else '') + ('ACF G' if kind == 'acf' else 'pCF G')
    name = ('delta_' if delta else '') + kind
    try:
        import xarray
    except ImportError:
        return Labelled(values, dims, coords, attrs, name)
    return xarray.DataArray(values, dims=dims, coords=coords, attrs=attrs, name=name)
