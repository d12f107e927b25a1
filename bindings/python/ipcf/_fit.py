"""Fits of physical models to the correlation curves: `fit`, `fit_result`
and `FitResult` (issue 14, through ``ipcf_fit`` of libipcf 0.3).

The models, the fitter and the derived parameters are the library's
(``go doc ./core/fit`` in the project); `fit_result` of a `pcf_file`
result gives the same numbers, bit for bit, as the maps of ``ipcf fit``.
"""

import collections.abc
import ctypes
import os
import time
import warnings

import numpy

from . import (_outside_stacklevel, _bool, _c, _call, _check_result_bytes, _choice, _defaults, _descriptor, _empty, _error, _errors_file, _errors_record, _file_id,
               _float, _int, _int32_ptr, _invalid,
               _fit_maps_group, _last_error, _maps_array, _lib, _linked, _not_masked, _offsets_array, _open_errors, _open_result, _path, _pinned, _probe_mapped,
               IpcfError, IpcfIOError, _positive, _read_json, _refuse_partial, _maps_companion, _publish_deadline, _read_again, _read_npy, _refuse_stopped, _sidecar_coming,
               _threads, _unsupported)
from ._label import _IPCF_NAMES, Labelled, _stripped_attrs, label

__all__ = ['fit', 'fit_result', 'FitResult', 'MODELS', 'STATUS', 'SmoothedCurvesWarning']


class SmoothedCurvesWarning(UserWarning):
    """A fit to smoothed curves (the pCF's default smoothing): biased
    parameters; error bars of smoothed curves (pcf_errors): biased at
    their last points."""


def _warn_smoothed(smooth, stacklevel=3):
    """Warn about fits to curves smoothed with weight smooth (> 0)."""
    try:
        w = float(smooth)
    except (TypeError, ValueError):
        return
    if w > 0:
        warnings.warn(f'ipcf.fit: the curves are smoothed (smooth {w:g}): the models describe unsmoothed curves, and fits '
                      'to smoothed ones give biased parameters (D 0.2 for 0.5 in a test); compute the curves with '
                      'smooth=0, best with bins=\'multitau\'', SmoothedCurvesWarning,
                      stacklevel=_outside_stacklevel())

MODELS = tuple(_c.MODELS)  # 'pcf1d', 'acf2d', 'acf3d', 'ccf2d', 'itir'
STATUS = ('converged', 'at bound', 'max iterations', 'failed')  # the codes 0..3 of FitResult.status
_ACF = ('acf2d', 'acf3d')
# the names of ipcf's labelled results: (kind, delta)


def _units(names, pixel_size, frame_interval):
    """Each column's unit, as ipcf fit's metadata (core/fit's Columns)."""
    dist = 'um' if pixel_size else 'px'
    tim = 's' if frame_interval else 'frame'
    vel = f'{dist}/{tim}'
    table = {'D': f'{dist}^2/{tim}', 'v': vel, 'vx': vel, 'vy': vel, 'speed': vel, 'tauD': tim, 'tau_peak': tim,
             'angle': 'deg'}
    return {n: table.get(n, '1') for n in names}


class FitResult(collections.abc.Mapping):
    """The fits of every curve (or pixel): a read-only mapping of the
    parameters' names to their maps.

    ``result['D']`` is ``result.params['D']``: float32, shape (rows,
    columns) for a joint fit and the ACF models, (rows, columns, offsets)
    when each offset was fitted alone (a line scan: without rows).

    Attributes
    ----------
    names : list of str
        The columns: the model's parameters (pcf1d: DC, D; acf2d, acf3d:
        G0, D [, v] [, Ginf]; ccf2d: G0, D, vx, vy [, Ginf]; itir: G0, D
        [, vx, vy] [, Ginf]) then the derived ones (tauD; pcf1d: tau_peak;
        with vx, vy: speed, angle).
    params, stderr : dict
        name -> map of the values and of their standard errors (derived
        ones to first order in the fitted parameters; speed and angle with
        the covariance of vx and vy).
    units : dict
        name -> unit: D in 'um^2/s' when the pixel size and the frame
        interval are known, else 'px^2/frame' (or 'um^2/frame', 'px^2/s');
        speeds 'um/s' (...), times 's' ('frame'), 'deg', '1'.
    maps, stderr_maps : numpy.ndarray
        All columns, the last axis (``ipcf fit``'s MAPS.npy and
        MAPS.stderr.npy).
    chisq : numpy.ndarray
        float32, each fit's chi-square (sum of squared residuals of the
        fitted points, weighted by 1/sigma**2 with error bars).
    status : numpy.ndarray
        uint8, each fit's outcome: 0 converged, 1 converged with a
        parameter on a bound, 2 out of iterations, 3 failed (NaN
        parameters: a curve holding a NaN, e.g. a masked pixel). `STATUS`
        names them; `counts` counts them.
    model, waist, pixel_size, frame_interval, joint, delta, offsets, delays
        What was fitted: the model name, the PSF waist in pixels, the units
        (None: unknown), whether a pixel's curves were fitted together,
        whether they are delta-CCFs, the (k, 2) (u, v) offsets of the
        curves fitted (None for the ACF models) and the delays (frames,
        or the unit given).
    bins_averaged : bool
        Whether the model was averaged over log or linear bins (``bins``),
        as ``bins_averaged`` in ``ipcf fit``'s metadata.
    """

    def __init__(self, maps, stderr_maps, chisq, status, names, units, **attrs):
        self.maps, self.stderr_maps, self.chisq, self.status = maps, stderr_maps, chisq, status
        self.names = list(names)
        self.units = dict(units)
        self.params = {n: maps[..., j] for j, n in enumerate(self.names)}
        self.stderr = {n: stderr_maps[..., j] for j, n in enumerate(self.names)}
        for k, v in attrs.items():
            setattr(self, k, v)

    def __getitem__(self, name):
        return self.params[name]

    def __iter__(self):
        return iter(self.names)

    def __len__(self):
        return len(self.names)

    @property
    def counts(self):
        """The number of fits with each status: {'converged': n, ...}."""
        st = numpy.asarray(self.status)
        return {name: int((st == code).sum()) for code, name in enumerate(STATUS)}

    def __repr__(self):
        shape = numpy.shape(self.chisq)
        cols = ', '.join(f'{n} [{self.units[n]}]' for n in self.names)
        return f'<ipcf.FitResult {self.model} {shape}: {cols}; {self.counts}>'


def _labelled_of(curves):
    """Whether curves carries coordinates (an xarray.DataArray or a Labelled)."""
    return isinstance(curves, Labelled) or (hasattr(curves, 'dims') and hasattr(curves, 'coords')
                                            and hasattr(curves, 'values'))


def _float32(a, name):
    """a as a float32 array the library reads in place (a copy only for
    another dtype; either byte order passes)."""
    _not_masked(a, name)
    if not isinstance(a, numpy.ndarray):
        try:
            a = numpy.asarray(a)
        except (ValueError, TypeError) as exc:
            raise _unsupported(f'{name}: not an array of numbers ({exc})') from None
    if a.dtype.kind not in 'uif' or a.dtype.kind == 'b':
        raise _unsupported(f'{name}: dtype {a.dtype}, want real numbers (float32: the curves of ipcf.pcf)')
    if a.dtype.kind == 'f' and a.dtype.itemsize == 4:
        return a
    _probe_mapped(a, name)  # numpy converts it, not the library (a file cut short: SIGBUS)
    return a.astype(numpy.float32)



def _same_attr(a, b):
    """Whether two attribute values are equal (numbers, strings, arrays)."""
    try:
        return bool(numpy.array_equal(numpy.asarray(a), numpy.asarray(b)))
    except (TypeError, ValueError):
        return a == b


def _check_sigma_labels(sigma, curves):
    """Refuse labelled error bars that are not the curves' point by point.

    sigma is used by position: error bars transposed, or of other offsets,
    pixels or delays, of the same shape weighted the fits without a word.
    """
    sd = tuple(sigma.dims)
    if curves is None:
        known = (('y', 'x', 'offset', 'delay'), ('y', 'x', 'delay'), ('x', 'offset', 'delay'))
        if sd not in known:
            raise _invalid(f'sigma: dims {sd}, want (y, x, offset, delay), (y, x, delay) or (x, offset, delay): the '
                           'order of the curves\' axes')
        return
    cd = tuple(curves.dims)
    if sd != cd:
        raise _invalid(f'sigma: dims {sd}, want the curves\' {cd}')
    # the error bars of other curves: pcf_errors with other options (its
    # default smoothing 0.7, curves of smooth=0) understated the errors
    ca, sa = dict(getattr(curves, 'attrs', {}) or {}), dict(getattr(sigma, 'attrs', {}) or {})
    # (not their kind: an ACF's error bars are pcf_errors' at the offset
    # (0, 0), which the dims and u, v check)
    for key in ('delta', 'smooth', 'bins_mode', 'nbins', 'multitau_m', 'threshold', 'bleach', 'bleach_mean',
                'data2', 'frame_interval'):
        if key in ca and key in sa and not _same_attr(ca[key], sa[key]):
            raise _invalid(f"sigma: the error bars of other curves: their {key} is {sa[key]!r}, the curves' "
                           f'{ca[key]!r} (compute them with the options of the curves)')
    for name in ('y', 'x', 'u', 'v', 'delay'):
        if name in curves.coords and name in sigma.coords:
            a = numpy.asarray(curves.coords[name].values)
            b = numpy.asarray(sigma.coords[name].values)
            if a.shape != b.shape or not numpy.array_equal(a, b):
                raise _invalid(f"sigma: its coordinate {name!r} is not the curves' (the error bars of other "
                               'pixels, offsets or delays?)')
    # coordinates the curves do not have: an ACF (no u, v) weighted by the
    # error bars of another offset, curves averaged over their pixels by
    # one pixel's (PY18's F4: both used without a word)
    if 'u' in sigma.coords and 'v' in sigma.coords and 'u' not in curves.coords and 'offset' not in cd:
        u, v = numpy.asarray(sigma.coords['u'].values), numpy.asarray(sigma.coords['v'].values)
        if u.shape == () and v.shape == () and (int(u), int(v)) != (0, 0):
            raise _invalid(f"sigma: the error bars of the offset ({int(u)}, {int(v)}), the curves' are an ACF's "
                           '(the offset (0, 0))')
    for name in ('y', 'x'):
        if name in sigma.coords and name not in curves.coords and numpy.ndim(sigma.coords[name].values) == 0:
            raise _invalid(f"sigma: the error bars of one pixel ({name}={sigma.coords[name].values}), the curves' "
                           'are not one pixel\'s (averaged over their pixels?): give error bars of the same curves')

def fit(curves, delays=None, offsets=None, model='pcf1d', *, waist=None, waist_um=None, kappa=None, pixel_side=1.0,
        sigma=None, joint=False, flow=False, ginf=False, delta=None, frame_interval=None, pixel_size=None, first=1,
        last=1, max_iter=None, threads=None, progress=False, labelled=False, bins=None, m=None):
    """Fit a model to every correlation curve: the parameters' maps.

    Levenberg-Marquardt with the models' analytic derivatives, in the
    library (``ipcf_fit``), on all cores. The fits run in pixels (the
    waist, the offsets) and in the delays' unit (frames); `pixel_size` and
    `frame_interval` only convert the results (D in um^2/s, ...). The
    pixel size is taken from 1e-6 to 1e6 um, the frame interval from
    1e-12 to 1e6 s and the waist from 1e-6 to 1e6 pixels: beyond them the
    float32 maps would hold +Inf or 0.

    Parameters
    ----------
    curves : array_like, xarray.DataArray or Labelled
        The curves of `pcf` (rows, columns, offsets, delays) or `acf`
        (rows, columns, delays): float32 (other real dtypes are rounded to
        float32), read in place in any layout. A labelled result (``pcf(...,
        labelled=True)``, `label`) brings its delays, offsets, line-scan
        and ACF layout, delta flag, frame interval and pixel size; one
        offset selected by a scalar (``res.isel(offset=0)``) is fitted at
        that offset; a pCF averaged over its offsets needs `offsets`.
    delays : array_like, optional
        The delay of each point in frames (`delays` with the options of
        the `pcf` call, without its `frame_interval`); required unless
        `curves` is labelled. Delays in seconds with `frame_interval`
        (whole or half numbers of it, not of frames) are refused.
    offsets : (k, 2) array_like of int, optional
        The (u, v) offset of each curve (u columns, v rows), as given to
        `pcf` (``ipcf.offsets('circle', radius, npoints)`` for its
        default); required for a 4-D unlabelled array unless the model is
        an ACF; a 3-D array's curves are at (0, 0) unless one pair is given,
        and a 3-D array given k > 1 pairs for its second axis is a line
        scan's pCF (columns, offsets, delays).
    model : {'pcf1d', 'acf2d', 'acf3d', 'ccf2d', 'itir'}
        pcf1d: ``G = DC W^2/q exp(-d^2/q)``, q = 4 D tau + W^2, at each
        offset's distance d (ICSx64's 1-D pCF); acf2d: ``G0 W^2/q
        [exp(-v^2 tau^2/q)] [+ Ginf]`` of the curves at (0, 0); acf3d: acf2d
        / sqrt(1 + 4 D tau/(kappa W)^2); ccf2d: ``G0 W^2/q exp(-|R - v
        tau|^2/q) [+ Ginf]`` (delta-CCFs: forward minus backward), a
        pixel's offsets fitted together (offsets in two directions, or on
        one axis, a line scan's, with the velocity across it held at 0); itir:
        imaging FCS with square camera pixels of side `pixel_side`.
    waist : float, optional
        The PSF waist (1/e^2 radius) in pixels. None: `waist_um` /
        `pixel_size`, or without a pixel size 2 pixels, the simulator's PSF
        (`simulate`'s psf_sigma 1, W = 2 sigma); data with a pixel size
        need one of them.
    waist_um : float, optional
        The waist in micrometres (needs `pixel_size`).
    kappa : float, optional
        acf3d: the axial / lateral waist ratio (required there only).
    pixel_side : float
        itir: the side of a camera pixel, in pixels (1; another value with
        another model is refused).
    sigma : array_like, optional
        The error bars of the points (`pcf_errors`), the curves' shape:
        the fits are weighted by 1/sigma**2 and the standard errors are not
        rescaled by the reduced chi-square. A labelled sigma must have the
        curves' dims and y, x, u, v and delay coordinates.
    joint : bool
        pcf1d, itir: fit each pixel's curves together (one set of
        parameters per pixel); ccf2d always does.
    flow : bool
        acf2d, acf3d: fit a flow speed v; itir: a velocity (vx, vy), with
        joint=True over offsets in two directions (else refused: its mirror
        image fits the curves as well).
    ginf : bool
        Fit a constant offset Ginf (not pcf1d, nor delta-CCFs).
    delta : bool, optional
        The curves are delta-CCFs (``pcf(..., delta=True)``; ccf2d only).
        None: a labelled result's flag, else False.
    bins : {'log', 'linear', 'multitau'}, optional
        The curves' bins, as ``pcf(..., bins=)`` computed them. A log or
        linear bin holds the mean of G over its lags, and the model is
        averaged over them (delays in frames, each its bin's mean lag, as
        `delays` gives them), not taken at the point's delay, which biases
        the parameters where a curve bends within a bin. A multi-tau point
        of level k >= 1 is the correlation of block sums of s = 2^k
        frames: G averaged over the lags within s of its own, weighted
        (s - |d|) / s^2, and the model is averaged so (taken at the lag
        alone, D was 3.4 % low at m = 4). None: a labelled result's (with its own delays),
        else none (the model at each delay). Log or linear curves given
        with bins= are whole curves, from their point of delay 0 (first=
        leaves points out of the fit); a bins= that contradicts a labelled
        result's ``bins_mode`` is refused. A labelled result's log or
        linear points must be its bins from the first (``delay_from``,
        ``delay_to``): a selection of them (``isel``) is refused, as the
        lags averaged would be others.
    m : int, optional
        Multi-tau points' channels a level (``pcf(..., m=)``). None: a
        labelled result's, else read from the delays of whole curves from
        lag 0 (a selection of the points needs it).
    frame_interval : float, optional
        Seconds per frame: the results per second. None: a labelled
        result's, or per frame.
    pixel_size : float, optional
        Micrometres per pixel: the results in micrometres. None: a
        labelled result's, or in pixels.
    first, last : int
        Points left out at the start and at the end of each curve (the
        first point repeats the second; the last bin reaches the
        correlation's wrap-around). pcf1d clips negative points to 0.
    max_iter : int, optional
        The most trial steps of a fit (None: 200).
    threads : int, optional
        Worker threads; 0 means all cores. Default: ``IPCF_NUM_THREADS``
        or 0. The results do not depend on it.
    progress : bool
        Show a progress bar.
    labelled : bool
        Give the maps coordinates: each of ``params``, ``stderr``,
        ``chisq`` and ``status`` an ``xarray.DataArray`` (a `Labelled`
        without xarray) with the dims ('y', 'x'[, 'offset']), each pixel's
        row and column (from a labelled `curves`), the offsets' u and v,
        and the parameter's unit in its attrs.

    Returns
    -------
    FitResult
        ``result.params['D']``, ``result.stderr['D']``, ``result.units['D']``,
        ``result.chisq``, ``result.status``, ``result.maps``, ...

    Raises
    ------
    IpcfValueError
        A bad option, a flag the model does not take, missing delays or
        offsets, NaN, negative or descending delays, too few points.
    IpcfTypeError
        Curves, sigma or offsets that are not arrays of numbers, a
        parameter of the wrong type.

    Warns
    -----
    SmoothedCurvesWarning
        Labelled curves smoothed (attrs ``smooth`` > 0, the pCF's default
        0.7): the models describe unsmoothed curves and the parameters are
        biased; compute the curves with ``smooth=0``.

    Examples
    --------
    >>> import numpy, ipcf
    >>> tau = numpy.arange(40.0)
    >>> g = (0.02 / (1 + tau / 10)).astype(numpy.float32).reshape(1, 1, 40)  # W = 2, D = 0.1
    >>> r = fit(g, tau, model='acf2d')
    >>> r.names, round(float(r['D'][0, 0]), 6), r.units['D'], r.counts['converged']
    (['G0', 'D', 'tauD'], 0.1, 'px^2/frame', 1)
    >>> fit(g, tau, model='acf2d', pixel_size=0.1, waist=2, frame_interval=0.01).units['D']
    'um^2/s'
    """
    if not getattr(_lib, 'has_fit', False):
        raise _error(_c.E_INTERNAL, f'fit: this libipcf has no fits (ipcf_fit, 0.3); rebuild it')
    model = _choice(model, 'model', MODELS)
    joint, flow, ginf = _bool(joint, 'joint'), _bool(flow, 'flow'), _bool(ginf, 'ginf')
    labelled = _bool(labelled, 'labelled')
    fi, ps = _positive(frame_interval, 'frame_interval'), _positive(pixel_size, 'pixel_size')
    coords = {}
    bins_given, bins_arg = bins is not None, bins  # else a labelled result's (FIT_BINS: the points are log or linear bins)
    bins = bins_given and _choice(bins, 'bins', ('log', 'linear', 'multitau')) != 'multitau'
    multitau = bins_given and not bins  # multi-tau points: the model averaged over each one's blocks
    mt_m = 0 if m is None else _int(m, 'm', lo=2, hi=1 << 20)
    if mt_m % 2:
        raise _invalid(f'm={m}: want an even number of 2 to 2^20 (the multi-tau channels a level, as pcf(..., m=))')
    if _labelled_of(curves):
        dims = tuple(curves.dims)
        attrs = dict(getattr(curves, 'attrs', {}) or {})
        cc = curves.coords
        # a result, a line scan's, or either averaged over its pixels
        # (res.mean(('y', 'x'))): one curve per offset, fitted as one pixel
        known = {('y', 'x', 'offset', 'delay'), ('y', 'x', 'delay'), ('x', 'offset', 'delay'), ('x', 'delay'),
                 ('offset', 'delay'), ('delay',)}
        if dims not in known:
            raise _invalid(f'curves: dims {dims}, want those of a pcf or acf result (y, x, offset, delay), or of one '
                           'averaged over its pixels (offset, delay)')
        values = numpy.asarray(curves.values) if not isinstance(curves.values, numpy.ndarray) else curves.values
        own_delays = delays is None
        if delays is None:
            delays = numpy.asarray(cc['delay'].values, numpy.float64)
        # xarray's reductions (res.mean('y')) drop the attributes unless
        # keep_attrs=True: then what the curves are is read from their name
        # (ipcf's: pcf, delta_pcf, acf) and coordinates. Another name (a
        # Dataset's variable, res.rename('G')) tells nothing: a delta-CCF
        # was fitted as plain curves, a pCF averaged over its offsets as an
        # ACF; refused unless the caller says what they are.
        stripped = 'kind' not in attrs
        name = str(getattr(curves, 'name', '') or '')
        named = _IPCF_NAMES.get(name)
        if stripped and named is None and delta is None:
            raise _invalid(f'curves: their attributes are gone (xarray drops them in reductions and arithmetic unless '
                           f'keep_attrs=True) and their name {name!r} is not one of ipcf\'s (pcf, delta_pcf, acf): '
                           'whether they are delta-CCFs cannot be told; give delta=False (or True), or keep the '
                           'attributes (xarray.set_options(keep_attrs=True))')
        kind = attrs.get('kind') or (named[0] if named else None)
        if offsets is not None and 'u' in cc and 'v' in cc:
            # offsets= against the curves' own u, v (those of the curves
            # before a selection, or others): fitted at the wrong offsets,
            # silently (PY18's F1)
            own = numpy.stack([numpy.ravel(cc['u'].values), numpy.ravel(cc['v'].values)], axis=1).astype(numpy.int64)
            try:
                given = _offsets_array(offsets)
            except (ValueError, TypeError, IpcfError):
                given = None
            if given is not None and (given.shape != own.shape or not numpy.array_equal(given, own)):
                raise _invalid(f"offsets={numpy.asarray(offsets).tolist()!r}, but the curves' coordinates u, v are "
                               f"{own.tolist()!r}: leave offsets= out to fit them at their own offsets")
        if offsets is None and 'offset' in dims:
            if 'u' not in cc or 'v' not in cc:
                raise _invalid("curves: the offsets' coordinates u and v are gone (reset_coords(drop=True)?): give "
                               'offsets=, or keep them')
            offsets = numpy.stack([numpy.asarray(cc['u'].values), numpy.asarray(cc['v'].values)], axis=1)
        elif offsets is None:
            if 'u' in cc and 'v' in cc and numpy.ndim(cc['u'].values) == 0 and numpy.ndim(cc['v'].values) == 0:
                # one offset selected by a scalar (res.isel(offset=0)): its u
                # and v stay as scalar coordinates (it was fitted at (0, 0),
                # as an ACF: D several times off, "converged")
                offsets = [[int(cc['u'].values), int(cc['v'].values)]]
            elif kind != 'acf' and model not in _ACF:
                raise _invalid("curves: a pCF result without its offsets (its offset axis reduced, res.mean('offset')?): "
                               'the models need each curve\'s offset; keep the offset axis, or give offsets=[[u, v]] '
                               'for curves of one offset')
        # xarray's reductions (res.mean('y')) drop the attributes unless
        # keep_attrs=True: then what fit needs is read from what they keep,
        # the name (delta_pcf) and the coordinates (delay_from: log or
        # linear bins; delay_s and distance_um: the units), not taken as a
        # plain log pCF in pixels (a multi-tau or delta result was fitted as
        # one, silently).
        if stripped:
            for key, value in _stripped_attrs(name, cc).items():
                if key != 'kind':
                    attrs.setdefault(key, value)
            # neither log or linear bins' coordinates nor multi-tau levels
            # (both dropped: res - res.isel(delay=-1)): refused
            if 'bins_mode' not in attrs and not bins_given and own_delays:
                raise _invalid('curves: their attributes are gone (xarray drops them in reductions and arithmetic '
                               'unless keep_attrs=True), and so are the coordinates that tell their bins '
                               '(delay_from and delay_to of log or linear bins, delay_level of multi-tau points): '
                               "give bins=, or keep the attributes (xarray.set_options(keep_attrs=True))")
        if delta is not None and 'delta' in attrs and _bool(delta, 'delta') != bool(attrs['delta']):
            # what the values are is the result's to say: delta-CCFs fitted
            # as plain curves gave D 0, silently (PY18's F1)
            raise _invalid(f"delta={delta!r}, but the curves are a result of delta={bool(attrs['delta'])}: leave delta= "
                           'out to fit them as what they are')
        if delta is None:
            delta = bool(attrs.get('delta', False))
        own_m = attrs.get('multitau_m')
        if isinstance(own_m, (int, numpy.integer)) and not isinstance(own_m, bool):
            if m is not None and mt_m != int(own_m):
                # every lag of a smaller m is one of a larger: the fit could not tell
                raise _invalid(f'm={m}, but the curves are a result of multitau_m={int(own_m)}: leave m= out to fit '
                               'them as their points')
            mt_m = int(own_m)
        # Log and linear bins hold the mean of G over their lags: the model
        # is averaged over them (as ipcf fit does), not taken at the delay.
        # (Delays given by the caller are theirs: fitted at, as unlabelled curves.)
        if not bins_given and own_delays:
            mode = attrs.get('bins_mode', 'log')
            if not isinstance(mode, str) or mode not in ('log', 'linear', 'multitau'):
                # (another label was taken for multi-tau points, silently, as ImageJ and Octave did)
                raise _invalid(f"curves.attrs['bins_mode']={mode!r}: want 'log', 'linear' or 'multitau' (the curves' "
                               "bins; absent: log)")
            bins, multitau = mode in ('log', 'linear'), mode == 'multitau'
        elif not bins_given and attrs.get('bins_mode') == 'multitau':
            # delays= given to multi-tau points (in frames, checked below):
            # still the points of their blocks, averaged so
            multitau = True
        elif own_delays and attrs.get('bins_mode') in ('log', 'linear', 'multitau') and \
                (attrs['bins_mode'] == 'multitau') == bins:
            # bins= that contradicts the result's own: multi-tau points
            # averaged over bins rebuilt from their lags, silently
            raise _invalid(f"bins={bins_arg!r}, but the curves are a result of bins_mode={attrs['bins_mode']!r}: leave "
                           "bins= out to fit them as their bins")
        if bins and own_delays and 'delay_from' in cc and 'delay_to' in cc:
            # The fit takes the points for the curve's bins from lag 0 (their
            # lags inferred from the delays): a selection of them (every
            # other point, points from the middle) would be averaged over
            # other lags, and fit to biased parameters.
            fr = numpy.asarray(cc['delay_from'].values, numpy.int64).ravel()
            to = numpy.asarray(cc['delay_to'].values, numpy.int64).ravel()
            mid = (fr + to - 1) / 2
            if mid.shape != numpy.shape(delays) or not numpy.array_equal(mid, numpy.asarray(delays, numpy.float64)):
                # the lags fitted are inferred from the delays: a delay axis
                # relabelled (seconds put in 'delay') would fit other lags
                raise _invalid("curves: the delay coordinate is not the mean lag of each point's bin "
                               "((delay_from + delay_to - 1) / 2, in frames): relabelled? Keep the delays in frames "
                               "(seconds are delay_s, frame_interval= converts the results), or give delays=")
            if len(fr) and (fr[0] != 0 or not numpy.array_equal(fr[1:], to[:-1])):
                gap = 0 if fr[0] != 0 else int(numpy.flatnonzero(fr[1:] != to[:-1])[0]) + 1
                raise _invalid(f'curves: point {gap} (delay {float(delays[gap]):g}) is the bin of lags '
                               f'[{int(fr[gap])}, {int(to[gap])}), which does not follow the '
                               + ('previous point\'s' if gap else 'lag 0') + ': the points are not the '
                               'curve\'s bins from the first (a selection of delays); fit them all and leave points '
                               'out with first= and last=, or give the delays (delays=) to fit the model at each '
                               'delay, not averaged over bins')
        if own_delays and not bins_given and bins and not ('delay_from' in cc and 'delay_to' in cc):
            # log or linear points without their bins' coordinates
            # (reset_coords(drop=True)): a selection of them cannot be told
            # from the curve's bins, and was averaged over other lags
            raise _invalid("curves: log or linear points without their bins' coordinates delay_from and delay_to "
                           '(reset_coords(drop=True)?): keep them, or give delays= and bins=')
        if own_delays and not bins:
            # multi-tau points are lags, whole numbers of frames: delays in
            # seconds put in 'delay' (assign_coords(delay=res.delay_s)) or
            # means of points (coarsen) were fitted as lags, D off by the factor
            t = numpy.asarray(delays, numpy.float64)
            if not numpy.all(numpy.isfinite(t)) or not numpy.array_equal(t, numpy.round(t)):
                raise _invalid("curves: multi-tau points whose delays are not whole numbers of frames (relabelled in "
                               "seconds? means of points?): keep the delays in frames (seconds are delay_s, "
                               "frame_interval= converts the results), or give delays=")
        if own_delays and 'delay_s' in cc and attrs.get('frame_interval') and float(attrs['frame_interval']) != 1:
            # delay_s put in 'delay' (a frame interval of whole seconds
            # gives whole numbers); a frame interval corrected in the attrs
            # is the user's to give, and taken
            t = numpy.asarray(delays, numpy.float64)
            ts = numpy.asarray(cc['delay_s'].values, numpy.float64)
            if ts.shape == t.shape and numpy.any(t != 0) and numpy.array_equal(t, ts):
                raise _invalid("curves: the delay coordinate is delay_s, the delays in seconds (relabelled?): keep "
                               "the delays in frames (frame_interval= converts the results), or give delays=")
        fi_curves = fi if fi is not None else attrs.get('frame_interval')
        if not own_delays and 'delay' in cc and fi_curves is not None and float(fi_curves) != 1:
            # delays= in seconds (the result's delay_s, or ipcf.delays(...,
            # frame_interval=)) with a frame interval applied to the results:
            # D off by 1/frame_interval (the same seconds in the delay
            # coordinate are refused above)
            t = numpy.asarray(delays, numpy.float64)
            lags = numpy.asarray(cc['delay'].values, numpy.float64)
            if t.shape == lags.shape and numpy.any(t != 0) and numpy.allclose(t, lags * float(fi_curves), rtol=1e-6, atol=0):
                raise _invalid(f"delays= are the curves' delays in seconds (their delays in frames times the frame "
                               f"interval {float(fi_curves):g} s): give them in frames (the delay coordinate; "
                               "frame_interval= converts the results)")
        if own_delays and attrs.get('bins_mode') == 'multitau' and 'delay_level' in cc and isinstance(own_m, (int, numpy.integer)):
            # the delay coordinate relabelled (times 2: the lags of another
            # level): each multi-tau point's lag lies in its level's range,
            # a multiple of its step (PY18's F3: D halved, silently)
            t = numpy.asarray(delays, numpy.float64).ravel()
            lv = numpy.asarray(cc['delay_level'].values, numpy.int64).ravel()
            if t.shape == lv.shape and numpy.all(lv >= 0) and numpy.all(lv < 62):
                step = numpy.left_shift(numpy.int64(1), lv).astype(numpy.float64)
                lo = numpy.where(lv == 0, 0.0, int(own_m) * step / 2)
                if not numpy.all((t >= lo) & (t < int(own_m) * step) & (numpy.mod(t, step) == 0)):
                    raise _invalid("curves: the delay coordinate is not the lags of the multi-tau points' levels "
                                   '(delay_level; relabelled?): keep the delays in frames as the result has them')
        if not own_delays and not bins_given and attrs.get('bins_mode') == 'multitau' and 'delay' in cc:
            # delays= of multi-tau points are their lags (README): other lags
            # (twice them, a valid pattern too) scaled D silently (PY18's F3)
            t = numpy.asarray(delays, numpy.float64)
            lags = numpy.asarray(cc['delay'].values, numpy.float64)
            if t.shape == lags.shape and not numpy.array_equal(t, lags):
                raise _invalid("delays= of multi-tau points must be the points' own lags (the delay coordinate): "
                               'leave delays= out')
        _warn_smoothed(attrs.get('smooth'))
        if fi is None and attrs.get('frame_interval') is not None:
            fi = _positive(attrs['frame_interval'], 'frame_interval')
        if ps is None and attrs.get('pixel_size') is not None:
            ps = _positive(attrs['pixel_size'], 'pixel_size')
        for d in ('y', 'x', 'offset'):
            if d in dims and d in cc:
                coords[d] = numpy.asarray(cc[d].values)
        has_y, has_x, has_k = 'y' in dims, 'x' in dims, 'offset' in dims
    else:
        values = curves
        dims = None
        if getattr(values, 'ndim', None) is None:
            _not_masked(values, 'curves')
            try:
                values = numpy.asarray(values)
            except (ValueError, TypeError) as exc:
                raise _unsupported(f'curves: not an array of numbers ({exc})') from None
        if values.ndim not in (3, 4):
            raise _invalid(f'curves: {values.ndim} dimensions, want 4 (rows, columns, offsets, delays: pcf) or 3 '
                           '(rows, columns, delays: acf)')
        has_y, has_x, has_k = True, True, values.ndim == 4
        if values.ndim == 3 and offsets is not None:
            # a line scan's pCF as pcf returns it, (columns, offsets,
            # points): its offsets given (it was refused, "k pairs for 1
            # curves per pixel")
            ou = _offsets_array(offsets)
            if len(ou) > 1 and len(ou) == values.shape[1] and numpy.all(ou[:, 1] == 0):
                # (a line's offsets are along x: a 3-D array given other
                # offsets is not taken for one by its shape)
                has_y, has_k = False, True
    delta = False if delta is None else _bool(delta, 'delta')
    g = _float32(values, 'curves')
    if not has_k:
        g = g[..., None, :]
    if not has_x:
        g = g[..., None, :, :]
    if not has_y:
        g = g[None]
    if g.ndim != 4:
        raise _invalid(f'curves: shape {numpy.shape(values)}, want (rows, columns, offsets, delays)')
    H, W, K, P = g.shape
    # delays
    if delays is None:
        raise _invalid('delays: the delay of each point is needed (ipcf.delays with the options of the pcf call, '
                       'in frames), or a labelled result (pcf(..., labelled=True))')
    _not_masked(delays, 'delays')
    try:
        tau = numpy.ascontiguousarray(delays, dtype=numpy.float64)
    except (ValueError, TypeError) as exc:
        raise _unsupported(f'delays: not an array of numbers ({exc})') from None
    if tau.shape != (P,):
        raise _invalid(f'delays: shape {tau.shape}, want ({P},): one delay per point of the curves')
    # offsets
    uv = None
    if offsets is not None:
        uv = _offsets_array(offsets)
        if len(uv) != K:
            raise _invalid(f'offsets: {len(uv)} (u, v) pairs for {K} curves per pixel')
    elif not has_k:
        uv = numpy.zeros((1, 2), numpy.int32)  # acf's curves: the offset (0, 0)
    sg = None
    if sigma is not None:
        if _labelled_of(sigma):
            _check_sigma_labels(sigma, curves if dims is not None else None)
        sg = _float32(sigma.values if _labelled_of(sigma) else sigma, 'sigma')
        if sg.shape != numpy.shape(values):
            raise _invalid(f'sigma: shape {numpy.shape(sigma)}, want the curves\' {numpy.shape(values)} (the error '
                           'bar of every point)')
        if not has_k:
            sg = sg[..., None, :]
        if not has_x:
            sg = sg[..., None, :, :]
        if not has_y:
            sg = sg[None]
        if sg.shape != g.shape:
            raise _invalid(f'sigma: shape {numpy.shape(sigma)}, want the curves\' {numpy.shape(values)}')
    fitted_uv = uv
    if model in _ACF:
        if uv is None and K > 1:
            raise _invalid(f'offsets: model {model!r} fits the curves at the offset (0, 0): give the offsets of the '
                           f'{K} curves per pixel, or a labelled result')
        if uv is not None:
            at0 = numpy.flatnonzero((uv[:, 0] == 0) & (uv[:, 1] == 0))
            if len(at0) == 0:
                raise _invalid(f'offsets: model {model!r} fits the autocorrelation, the offset (0, 0), which the '
                               'curves lack (compute it with ipcf.acf, or offsets including (0, 0))')
            i = int(at0[0])
            g = g[:, :, i:i + 1, :]
            sg = None if sg is None else sg[:, :, i:i + 1, :]
        uv, fitted_uv, K = None, None, 1
    elif uv is None:
        raise _invalid(f'offsets: model {model!r} needs each curve\'s (u, v) offset, as given to pcf '
                       '(ipcf.offsets(\'circle\', radius, npoints) for its default), or a labelled result')
    # options
    o = _defaults(_c.FitOptions, _lib.ipcf_fit_options_init)
    o.model = _c.MODELS[model]
    o.flags = ((_c.FIT_FLOW if flow else 0) | (_c.FIT_GINF if ginf else 0) | (_c.FIT_JOINT if joint else 0)
               | (_c.FIT_DELTA if delta else 0) | (_c.FIT_BINS if bins else 0) | (_c.FIT_MULTITAU if multitau else 0))
    if multitau:
        o.multitau_m = mt_m
    elif m is not None:
        raise _invalid(f'm={m}: the channels a level of multi-tau points, for curves of bins=\'multitau\' only')
    o.first, o.last = _int(first, 'first', lo=0), _int(last, 'last', lo=0)
    o.max_iter = 0 if max_iter is None else _int(max_iter, 'max_iter', lo=1)
    o.threads = _threads(threads)
    if waist is not None and waist_um is not None:
        raise _invalid('give waist (pixels) or waist_um (micrometres), not both')
    if waist is not None:
        w = _float(waist, 'waist')
        if w <= 0:
            raise _invalid(f'waist={w}: want a number > 0 (pixels)')
        o.waist = w
    elif waist_um is not None:
        w = _float(waist_um, 'waist_um')
        if w <= 0:
            raise _invalid(f'waist_um={w}: want a number > 0 (micrometres)')
        if ps is None:
            raise _invalid('waist_um needs the pixel size: give pixel_size, or waist in pixels')
        o.waist = w / ps
    elif ps is not None:
        raise _invalid(f'waist: the data have a pixel size ({ps} um): give the PSF waist, waist= (pixels) or waist_um= '
                       '(micrometres); the default 2 pixels is the simulator\'s PSF, for data without a pixel size')

    if kappa is not None:
        o.kappa = _float(kappa, 'kappa')
    o.pixel_side = _float(pixel_side, 'pixel_side')
    if model != 'itir' and o.pixel_side != 1.0:
        # (ignored without a word, where kappa= and flow= of a model that
        # does not take them are refused: PY18's m8)
        raise _invalid(f"pixel_side={pixel_side!r}: the camera pixel's side is model 'itir''s; model {model!r} "
                       'does not take it')
    o.pixel_size = ps or 0.0
    o.frame_interval = fi or 0.0
    if model == 'ccf2d' and uv is not None and g.shape[0] > 1 and g.shape[1] > 1:
        # ccf2d holds the velocity across one axis at 0 (a line scan's
        # geometry): on an image, a flow across it biases D and the velocity
        # along it (D 0.090 for 0.05, vy 0 +- 0 without a word: FIT19's m1;
        # as ipcf fit warns)
        nz = uv[(uv[:, 0] != 0) | (uv[:, 1] != 0)]
        # (an offset across the axis needs more than 2 rows or columns: REVIEW24's m2)
        if len(nz) and (((nz[:, 1] == 0).all() and g.shape[0] > 2) or ((nz[:, 0] == 0).all() and g.shape[1] > 2)):
            warnings.warn('ipcf.fit: the offsets lie on one axis of an image: the velocity across it is held at 0 (a '
                          'line scan\'s geometry), and a flow across it biases D and the velocity along it; give '
                          'curves of offsets in two directions for an image\'s flow', UserWarning,
                          stacklevel=_outside_stacklevel())
    uvp = None if uv is None else _int32_ptr(uv)
    # the columns
    n = ctypes.c_int32()
    names = ctypes.create_string_buffer(1024)
    status = _lib.ipcf_fit_nparams(ctypes.byref(o), uvp, K, ctypes.byref(n), names, len(names))
    if status:
        msg = _last_error()
        if 'options.waist:' in msg:
            # the library checks the waist in pixels: say what the user gave
            given = (f'waist={float(waist):g}' if waist_um is None
                     else f'waist_um={float(waist_um):g} at pixel_size={ps:g} um is {o.waist:g} pixels')
            msg = msg.replace('options.waist:', given + ':', 1)
        raise _error(status, msg)
    cols = names.value.decode().split(',')
    KF = 1 if (joint or model == 'ccf2d') else K
    # ipcf fit's layout: an offset axis when each offset is fitted alone
    per_offset = has_k and not (joint or model == 'ccf2d') and model not in _ACF
    par = _empty((H, W, KF, len(cols)), numpy.float32, 'params')
    se = _empty((H, W, KF, len(cols)), numpy.float32, 'stderr')
    chi = _empty((H, W, KF), numpy.float32, 'chisq')
    st = _empty((H, W, KF), numpy.uint8, 'status')
    dg = _descriptor(g, 'curves')
    ds = None if sg is None else _descriptor(sg, 'sigma')
    dp, de, dc, dt = (_descriptor(a, nm) for a, nm in ((par, 'params'), (se, 'stderr'), (chi, 'chisq'), (st, 'status')))
    args = (ctypes.byref(dg), tau.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), uvp,
            None if ds is None else ctypes.byref(ds), ctypes.byref(o), ctypes.byref(dp), ctypes.byref(de),
            ctypes.byref(dc), ctypes.byref(dt))
    _call(_lib.ipcf_fit, 'fit', args, o, progress, keep=(g, sg, tau, uv, par, se, chi, st))
    def shaped(a):
        if not per_offset:
            a = a[:, :, 0]
        if not has_y:
            a = a[0]
        if not has_x:
            a = a[0]
        return a
    maps, smaps, chi, st = shaped(par), shaped(se), shaped(chi), shaped(st)
    units = _units(cols, ps, fi)
    result = FitResult(maps, smaps, chi, st, cols, units, model=model, waist=o.waist if o.waist else _c.FIT_DEFAULT_WAIST,
                       pixel_size=ps, frame_interval=fi, joint=joint or model == 'ccf2d', delta=delta,
                       offsets=fitted_uv, delays=tau, bins_averaged=bool(bins or multitau))
    if labelled:
        # one offset selected by a scalar (res.isel(offset=1)): its u and v
        # as scalar coordinates, as the curves have them (the maps had none:
        # PY18's m1)
        one = (fitted_uv[0] if dims is not None and not has_k and fitted_uv is not None and len(fitted_uv) == 1
               and model not in _ACF else None)
        _label_maps(result, coords, fitted_uv if per_offset else None, has_y, has_x, one)
    return result


def _label_maps(result, coords, uv, has_y, has_x=True, one=None):
    """Give the maps of result coordinates (in place); one: the (u, v) of
    curves of one offset without an offset axis, as scalar coordinates."""
    dims = (('y',) if has_y else ()) + (('x',) if has_x else ()) + (('offset',) if uv is not None else ())
    shape = numpy.shape(result.chisq)
    c = {}
    for i, d in enumerate(dims[:int(has_y) + int(has_x)]):
        v = coords.get(d)
        if v is None or len(v) != shape[i]:
            v = numpy.arange(shape[i])
        c[d] = ((d,), v, {'long_name': 'row in the input frame' if d == 'y' else 'column in the input frame',
                          'units': 'pixel'})
    if uv is not None:
        # the curves' offset coordinate where they have one for each (a
        # selection, res.isel(offset=[1, 2]), keeps its indices: renumbered,
        # the maps did not line up with the curves)
        k = coords.get('offset')
        if k is None or numpy.ndim(k) != 1 or len(k) != len(uv):
            k = numpy.arange(len(uv))
        c['offset'] = (('offset',), k, {'long_name': 'offset index'})
        c['u'] = (('offset',), uv[:, 0].astype(numpy.int64), {'long_name': 'column offset', 'units': 'pixel'})
        c['v'] = (('offset',), uv[:, 1].astype(numpy.int64), {'long_name': 'row offset', 'units': 'pixel'})
    elif one is not None:
        c['u'] = ((), numpy.int64(one[0]), {'long_name': 'column offset', 'units': 'pixel'})
        c['v'] = ((), numpy.int64(one[1]), {'long_name': 'row offset', 'units': 'pixel'})
    try:
        import xarray
    except ImportError:
        xarray = None

    def make(values, name, unit, long_name):
        attrs = {'units': unit, 'long_name': long_name, 'model': result.model}
        if xarray is None:
            return Labelled(values, dims, c, attrs, name)
        return xarray.DataArray(values, dims=dims, coords={k: v for k, v in c.items()}, attrs=attrs, name=name)

    result.params = {n: make(v, n, result.units[n], n) for n, v in result.params.items()}
    result.stderr = {n: make(v, n, result.units[n], f'standard error of {n}') for n, v in result.stderr.items()}
    result.chisq = make(result.chisq, 'chisq', '1', 'chi-square')
    result.status = make(result.status, 'status', '1', 'fit status: 0 converged, 1 at bound, 2 max iterations, '
                                                       '3 failed')


def _kernel_path(p):
    """p with its folder as the kernel finds it (ooc.OutputPath): a
    'link/..' is the link target's parent, where os.path.abspath's lexical
    clean puts the link's folder."""
    folder, name = os.path.split(os.fspath(p))
    return os.path.join(os.path.realpath(folder or '.'), name)


def _same_file(a, b):
    """Whether paths a and b name one file (as ipcf fit's fitSamePath):
    their folders as the kernel finds them (a lexical comparison took
    c/link/../r.sd.npy for c/r.sd.npy, and fitted another file's weights:
    a review's finding)."""
    if _kernel_path(a) == _kernel_path(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _recorded_errors(p, meta, sigma):
    """The error bars of the result p (meta: its metadata, as read with its
    curves) that fit_result's sigma asks for, read and checked against the
    result's record of them: sigma None (those recorded, if any) or a path
    naming the recorded file (checked as ipcf fit --sigma checks it: another
    run's or damaged ones were fitted), or naming another result's error
    bars (checked against that result's record); None for any other sigma."""
    if sigma is None:
        return _open_errors(p, meta) if meta.get('errors') else None
    if isinstance(sigma, (str, bytes, os.PathLike)) and meta.get('errors'):
        rec = _errors_record(p, meta)
        if rec is not None and _same_file(os.fsdecode(os.fspath(sigma)), _errors_file(p, rec)):
            return _open_errors(p, meta)
    if isinstance(sigma, (str, bytes, os.PathLike)):
        # Another result's error bars (OTHER.sd.npy beside OTHER.npy, whose
        # metadata record them): checked against that record, as ipcf fit
        # --sigma checks them (damaged since, they were fitted: REVIEW16's F4).
        s = os.fsdecode(os.fspath(sigma))
        if s.endswith('.sd.npy') and not os.path.lexists(s + '.json'):
            base = s[:-len('.sd.npy')] + '.npy'
            try:
                other = _errors_record(base)
            except (IpcfIOError, OSError, ValueError):
                other = None  # (no ipcf metadata there: the file as it is, as the CLI reads it)
            if other is not None and _same_file(s, _errors_file(base, other)):
                return _open_errors(base)
    return None


def _not_error_bars(s, p):
    """Refuse sigma=s naming the result p itself, or another file ipcf wrote
    that is not error bars (curves, maps, their companions), as ipcf fit
    --sigma does: of the result's shape, they weighted its fits, exit 0
    (FITPLOT16's m1)."""
    _refuse_partial(s)  # (a run's unfinished error bars: REVIEW19's m1)
    if _same_file(s, p):
        raise _invalid(f'sigma={s!r} is the result itself, not its error bars: give its error bars '
                       f'({p[:-4] if p.endswith(".npy") else p}.sd.npy, written with errors=), or leave sigma out')
    comp = _maps_companion(s)
    if comp is not None:
        what = {'stderr': 'the standard errors', 'chisq': 'the chi-square map', 'status': 'the status map'}[comp[1]]
        raise _invalid(f'sigma={s!r} holds {what} of the fit maps {comp[0]}, not error bars of curves')
    if os.path.lexists(s + '.json'):
        try:
            meta = _read_json(s + '.json', meta=True)
        except (IpcfError, OSError, ValueError):
            return  # (not ipcf's metadata: the user's array, read as it is)
        if isinstance(meta, dict) and meta.get('software') == 'ipcf':
            raise _invalid(f'sigma={s!r} is an ipcf output of its own (its metadata {s}.json), not error bars: '
                           'give error bars (RESULT.sd.npy, written with errors=)')


def _refuse_part(p):
    """Refuse p, a part of a result or of fit maps (OUT.sd.npy, MAPS.chisq.npy,
    ...) that has no metadata of its own, naming what it belongs to, as ipcf
    fit does (it said p had no metadata beside it: REVIEW17's F5)."""
    if os.path.lexists(p + '.json'):
        return
    for suffix, what in (('.sd.npy', 'the error bars of the result'), ('.stderr.npy', 'the standard errors of the maps'),
                         ('.chisq.npy', 'the chi-square map of the maps'), ('.status.npy', 'the status map of the maps')):
        if not p.endswith(suffix):
            continue
        whole = p[:-len(suffix)] + '.npy'
        try:
            meta = _read_json(whole + '.json', meta=True)  # (ipcf's, sealed: another's refuses)
        except (IpcfError, OSError, ValueError):
            return
        if suffix == '.sd.npy' and meta.get('errors'):
            raise _invalid(f'{p} holds {what} {whole} (standard deviations, not curves): fit the result '
                           f'(fit_result({whole!r})), which they weight')
        if suffix != '.sd.npy' and meta.get('command') == 'fit':
            raise _invalid(f'{p} holds {what} {whole}, not curves: fit a correlation result')
        return


def fit_result(path, model='pcf1d', *, waist=None, waist_um=None, kappa=None, joint=False, flow=False, ginf=False,
               frame_interval=None, pixel_size=None, threads=None, progress=False, labelled=False, sigma=None):
    """Fit a model to every curve of a `pcf_file` result (or ``ipcf pcf``'s).

    The result's metadata give the delays, the offsets, the delta flag and
    the units (the options override them); the same fits, bit for bit, as
    ``ipcf fit RESULT.npy -o MAPS.npy --model MODEL ...``: ``maps``,
    ``stderr_maps``, ``chisq`` and ``status`` are its MAPS.npy,
    MAPS.stderr.npy, MAPS.chisq.npy and MAPS.status.npy.

    Parameters
    ----------
    path : str or os.PathLike
        A .npy result with its ``PATH.json`` metadata, or a .zarr folder.
    model, waist, waist_um, kappa, joint, flow, ginf, frame_interval, pixel_size, threads, progress, labelled
        As for `fit` (``ipcf fit``'s --model, --waist, --waist-um, --kappa,
        --joint, --flow, --ginf, --frame-interval, --pixel-size,
        --threads).
    sigma : None, False, array_like, str or os.PathLike
        The weights, as ``ipcf fit`` chooses them. None: the error bars
        the result's metadata names (``pcf_file(..., errors=...)``, read
        with `open_errors`) when it has them, else unweighted; False:
        unweighted (``--no-sigma``); an array or the path of a .npy file:
        those error bars (``--sigma FILE``), the result's shape.

    Returns
    -------
    FitResult

    Raises
    ------
    IpcfIOError
        The .npy result's bytes are not those its metadata records
        (``output_crc32c``: another result's metadata, or a file changed
        since), or the error bars are not the recorded ones: as ``ipcf fit``
        refuses them. While a run of ipcf on this machine publishes over the
        result (its lock held, its files renamed one by one), a read that
        finds no metadata, or files of both runs, is made again for up to
        5 s, as `open_result` reads it; a mixture that stays is refused.

    Examples
    --------
    >>> import os, tempfile, numpy, ipcf
    >>> tmp = tempfile.mkdtemp()
    >>> numpy.save(os.path.join(tmp, 'data.npy'), ipcf.simulate(frames=512, size=12, seed=1, channel_width=0))
    >>> res = ipcf.pcf_file(os.path.join(tmp, 'data.npy'), os.path.join(tmp, 'g.npy'), offsets=[(0, 0)],
    ...                     bins='multitau', m=8, smooth=0)
    >>> r = fit_result(res, 'acf2d', ginf=True)
    >>> r.names, r['D'].shape
    (['G0', 'D', 'Ginf', 'tauD'], (12, 12))
    """
    p = _linked(os.fsdecode(_path(path, 'path')))  # (empty, NUL: refused naming the argument)
    # The curves fitted are the bytes read and checksummed, once, into
    # memory, with the metadata read once: of the file p names when it is
    # opened, held open (a result replaced meanwhile, by a rerun with other
    # options, is refused by its checksum, never fitted under the other's
    # delays; one rewritten in place during the fit no longer changes the
    # curves, as it did through a mapping). A Zarr result's files are
    # checked as read likewise.
    if os.path.isdir(p) and (_fit_maps_group(os.path.realpath(p)) is not None or _maps_array(p)):
        # (the group, or one of its arrays, whose metadata label called
        # "not pcf_file metadata ... KeyError: 'offsets_uv'")
        raise _invalid(f'{p} holds ipcf fit\'s maps (parameters, not curves): fit the correlation result they '
                       'were fitted from')
    _refuse_part(p)
    # A read made while a run publishes over the result (its files renamed
    # one by one) can find the curves of one run and the error bars of the
    # other: read again, as open_result reads again (it failed with
    # "compute them again").
    deadline, tried = _publish_deadline(), [False]
    flickered = False
    while True:
        read = {}
        before = _file_id(p + '.json')
        try:
            with _pinned(p) as name:
                values, meta = _open_result(p, name, read)
                if not meta and before is not None and not os.path.isdir(p) and (
                        not flickered or _file_id(p + '.json') != before and time.monotonic() < deadline):
                    # a sidecar there before the read, and none read: removed during it (a run publishing),
                    # or metadata that name nothing: read again, as open_result does
                    flickered = True
                    continue
                if not meta:
                    if not os.path.isdir(p) and before is None:  # (one renamed in during the read: read with it)
                        if _sidecar_coming(p, deadline):
                            continue  # a run publishes it: read again with its sidecar, as open_result waits for it
                        _refuse_stopped(p)
                    where = 'in its .zattrs' if os.path.isdir(p) else 'beside it (PATH.json)'  # (a Zarr's: .zattrs)
                    raise _invalid(f'{p}: no metadata {where}: fit_result needs the result\'s delays and offsets (a '
                                   f'labelled array: ipcf.fit)')
                if meta.get('command') == 'fit':
                    # (a KeyError of label's said so, or maps of the curves' shape were fitted)
                    raise _invalid(f'{p} holds ipcf fit\'s maps (parameters, not curves): fit the correlation result '
                                   'they were fitted from')
                _check_result_bytes(p, meta, name, read)  # as ipcf fit does
            weights = _recorded_errors(p, meta, sigma)
            break
        except IpcfIOError:
            _read_again(p, deadline, tried)
    curves = label(values, meta)
    if sigma is None or weights is not None:
        sigma = weights
    elif sigma is False:
        sigma = None
    elif isinstance(sigma, (str, bytes, os.PathLike)):
        _not_error_bars(os.fsdecode(os.fspath(sigma)), p)
        # read into memory, never waited on (a FIFO) nor mapped (a file
        # cut short during the fit would end the process with SIGBUS)
        sigma = _read_npy(os.fsdecode(os.fspath(sigma)), f'sigma={sigma!r}', 'a .npy file')
    elif sigma is True:
        raise _unsupported('sigma=True: want None (the result\'s error bars, if any), False (unweighted), an array or '
                           'a .npy path')
    return fit(curves, model=model, waist=waist, waist_um=waist_um, kappa=kappa, joint=joint, flow=flow, ginf=ginf,
               frame_interval=frame_interval, pixel_size=pixel_size, threads=threads, progress=progress,
               labelled=labelled, sigma=sigma)
