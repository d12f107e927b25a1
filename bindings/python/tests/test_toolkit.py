"""The correlation toolkit against a direct implementation of its definitions.

`direct` computes every mode from the definitions (docs/toolkit.md):
time-domain sums in float64 over the frames used, no FFT, no symmetry.
It is slow and meant for small inputs. `ipcf.pcf` must agree with it
within 2e-6 (absolute, float32 results) and put NaN exactly where it does.
Then: the defaults are bit for bit the explicit circle, log bins and
smoothing 0.7; delays, offsets presets and distances follow their
definitions; bad input raises a clear error; the dask path and file jobs
give the in-memory result bit for bit.
"""

import math
import sys
import warnings

import numpy
import pytest

import ipcf
import ipcf.dask

TOL = 2e-6


# --- the definitions, directly ------------------------------------------------


def logbins(size, nbins):
    return numpy.unique(numpy.logspace(0, numpy.log(size) / numpy.log(2), nbins, base=2).astype(numpy.intp))


def linbins(size, nbins):
    return numpy.unique(numpy.trunc(numpy.linspace(1, size, nbins)).astype(numpy.intp))


def multitau(n, m):
    """(lags, levels): level 0 lags 0..m-1; level k lags l*2**k, l = m/2..m-1; every lag < n/2."""
    lags = [(lag, 0) for lag in range(m) if lag < n // 2]
    k = 1
    while (m // 2) << k < n // 2:
        lags += [(lag << k, k) for lag in range(m // 2, m) if lag << k < n // 2]
        k += 1
    return [lag for lag, _ in lags], [k for _, k in lags]


def circle(radius, npoints):
    a = numpy.linspace(0, 2 * numpy.pi, npoints, endpoint=False)
    return numpy.stack([numpy.round(radius * numpy.cos(a)), numpy.round(radius * numpy.sin(a))], -1).astype(int)


def disk(radius):
    return numpy.array([(u, v) for v in range(-radius, radius + 1) for u in range(-radius, radius + 1)
                        if (u, v) != (0, 0) and u * u + v * v <= radius * radius])


def line(radius):
    return numpy.array([(u, 0) for u in range(-radius, radius + 1) if u != 0])


def frames_used(t):
    return 1 << (t.bit_length() - 1)


def delays_frames(t, bins='log', nbins=32, m=16):
    n = frames_used(t)
    if bins == 'multitau':
        return numpy.array(multitau(n, m)[0], float)
    edges = (logbins if bins == 'log' else linbins)(n // 2, nbins)
    lo = numpy.concatenate([[0], edges[:-1]])
    return (lo + edges - 1) / 2


def corr(a, b, tau):
    """G(a -> b)(tau) of every pixel: (n, ...) series, circular, float64."""
    n = len(a)
    with numpy.errstate(divide='ignore', invalid='ignore'):
        return n * (a * numpy.roll(b, -tau, axis=0)).sum(axis=0) / (a.sum(axis=0) * b.sum(axis=0)) - 1


def blocks(a, k):
    s = 1 << k
    return a.reshape((len(a) // s, s) + a.shape[1:]).sum(axis=1)


def curves(a, b, bins, nbins, m, smooth):
    """Binned (or multi-tau) and smoothed G(a -> b): (..., points)."""
    n = len(a)
    if bins == 'multitau':
        lags, levels = multitau(n, m)
        c = [corr(blocks(a, k), blocks(b, k), lag >> k) for lag, k in zip(lags, levels)]
    else:
        edges = (logbins if bins == 'log' else linbins)(n // 2, nbins)
        lo, c = 0, []
        for hi in edges:
            c.append(sum(corr(a, b, tau) for tau in range(lo, hi)) / (hi - lo))
            lo = hi
    c = numpy.stack(c, axis=-1)
    c[..., 0] = c[..., 1]
    w = smooth
    if w > 0:
        for i in range(1, c.shape[-1]):
            c[..., i] = (1 - w) * c[..., i] + w * c[..., i - 1]
        for i in range(c.shape[-1] - 2, -1, -1):
            c[..., i] = (1 - w) * c[..., i] + w * c[..., i + 1]
    return c


def direct(data, offsets=None, *, radius=6, npoints=32, data2=None, bins='log', nbins=32, m=16, smooth=0.7,
           threshold=None, delta=False, mask=None):
    """The toolkit's result, from the definitions: (H', W', k, points) float64."""
    data = numpy.asarray(data)
    line_scan = data.ndim == 2
    if line_scan:
        data = data[:, None, :]
        data2 = None if data2 is None else numpy.asarray(data2)[:, None, :]
        mask = None if mask is None else numpy.asarray(mask)[None, :]
    T, H, W = data.shape
    n = frames_used(T)
    a_all = data[:n].astype(numpy.float64)
    b_all = a_all if data2 is None else numpy.asarray(data2)[:n].astype(numpy.float64)
    if offsets is None:
        offs, my, mx = circle(radius, npoints), radius, radius
    else:
        offs = numpy.asarray(offsets).reshape(-1, 2)
        my, mx = int(abs(offs[:, 1]).max()), int(abs(offs[:, 0]).max())
    a = a_all[:, my:H - my, mx:W - mx]
    out = []
    for u, v in offs:
        b = b_all[:, my + v:H - my + v, mx + u:W - mx + u]
        c = curves(a, b, bins, nbins, m, smooth)
        if delta:
            c = c - curves(b, a, bins, nbins, m, smooth)
        nan = (a.sum(axis=0) == 0) | (b.sum(axis=0) == 0)
        if threshold is not None:
            nan |= a.sum(axis=0) / n <= threshold
        if mask is not None:
            nan |= numpy.asarray(mask)[my:H - my, mx:W - mx] == 0
        c[nan] = numpy.nan
        out.append(c)
    out = numpy.stack(out, axis=2)
    return out[0] if line_scan else out


def check(got, want, tol=TOL):
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == numpy.float32
    nan = numpy.isnan(want)
    numpy.testing.assert_array_equal(numpy.isnan(got), nan)
    assert (~nan).any()
    err = numpy.abs(got[~nan].astype(numpy.float64) - want[~nan]).max()
    assert err <= tol, f'max abs error {err:.3g} > {tol}'


# --- data -------------------------------------------------------------------------


def stack(seed, t=70, h=9, w=10, lam=40.0):
    rng = numpy.random.default_rng(seed)
    return numpy.floor(lam + math.sqrt(lam) * rng.standard_normal((t, h, w))).clip(0).astype(numpy.uint16)


@pytest.fixture(scope='module')
def data():
    """70 frames (64 used): a pixel below threshold 2 and one summing to zero."""
    d = stack(11)
    d[:, 4, 4] = 1
    d[:, 5, 6] = 0
    return d


@pytest.fixture(scope='module')
def mix(data):
    """A second channel correlated with the first."""
    return (data + stack(13, lam=30)).astype(numpy.uint16)


@pytest.fixture(scope='module')
def long():
    """300 frames (256 used) for the multi-tau correlator."""
    return stack(21, t=300, h=7, w=8)


@pytest.fixture(scope='module')
def mask():
    mk = numpy.ones((9, 10), numpy.uint8)
    mk[6, 3] = 0
    mk[2, 5] = 0
    return mk


OFFSETS = [(1, 2), (-1, -2), (3, 0), (0, 0), (-2, 1), (3, 0)]  # (0, 0), a duplicate, a negation pair


# --- every mode against the definitions -----------------------------------------


@pytest.mark.parametrize('kw', [
    dict(offsets=OFFSETS, nbins=8),
    dict(offsets=OFFSETS, nbins=8, smooth=0),
    dict(offsets=OFFSETS, nbins=8, smooth=0.5),
    dict(offsets=[(0, 0)], nbins=10, smooth=0.5),
    dict(offsets=[(2, 0), (-2, 0), (0, 1)], nbins=8, delta=True),
    dict(offsets=[(1, 0), (-1, 0), (0, 2), (0, -2)], nbins=8, threshold=2),
    dict(offsets=[(1, 0), (-1, 0), (0, 2), (0, -2)], nbins=8, threshold=40.5),
    dict(radius=2, npoints=8, nbins=7, bins='linear'),
    dict(offsets=[(1, -1), (0, 0)], nbins=32, bins='linear', smooth=0),
    dict(radius=2, npoints=5, nbins=6),
    dict(radius=3, npoints=3, nbins=6, smooth=0.25),
], ids=['offsets', 'offsets-smooth0', 'offsets-smooth0.5', 'acf-offset-smooth0.5', 'delta', 'threshold',
        'threshold-mean', 'linear', 'linear-many', 'circle-odd', 'circle-margin'])
def test_modes(data, kw):
    check(ipcf.pcf(data, **kw), direct(data, **kw))


def test_disk(data):
    got = ipcf.pcf(data, radius=2, offsets='disk', nbins=6)
    assert got.shape[2] == 12
    check(got, direct(data, disk(2), nbins=6))


def test_line_scan(data):
    scan = numpy.ascontiguousarray(data[:, 3, :])
    got = ipcf.pcf(scan, radius=3, offsets='line', nbins=6)
    assert got.shape == (4, 6, 6)
    check(got, direct(scan, line(3), nbins=6))
    # the line preset is the default of a line scan; a (T, 1, W) stack is the same computation
    numpy.testing.assert_array_equal(ipcf.pcf(scan, radius=3, nbins=6), got)
    numpy.testing.assert_array_equal(ipcf.pcf(scan[:, None, :], radius=3, offsets='line', nbins=6)[0], got)
    assert ipcf.pcf_output_shape(scan.shape, radius=3, nbins=6) == got.shape
    # explicit offsets, a mask, an out array
    mk = numpy.ones(10, bool)
    mk[4] = False
    out = numpy.full((8, 2, 6), 7, numpy.float32)
    res = ipcf.pcf(scan, offsets=[(1, 0), (-1, 0)], nbins=6, mask=mk, out=out)
    assert res is out
    check(out, direct(scan, [(1, 0), (-1, 0)], nbins=6, mask=mk))


def test_two_channels(data, mix):
    kw = dict(offsets=[(0, 0), (1, 0), (-1, 0), (0, 1)], nbins=8)
    check(ipcf.pcf(data, data2=mix, **kw), direct(data, data2=mix, **kw))
    other = stack(12, lam=30)
    check(ipcf.pcf(data, data2=other, radius=2, npoints=8, nbins=8),
          direct(data, data2=other, radius=2, npoints=8, nbins=8))
    # delta across channels: G(a -> b) - G(b -> a) with b from data2
    kw = dict(offsets=[(1, 1)], nbins=8, delta=True)
    check(ipcf.pcf(data, data2=mix, **kw), direct(data, data2=mix, **kw))
    # the channels swap roles: not the same curves
    assert not numpy.allclose(ipcf.pcf(mix, data2=data, offsets=[(1, 1)], nbins=8),
                              ipcf.pcf(data, data2=mix, offsets=[(1, 1)], nbins=8), equal_nan=True)


def test_identical_channels_are_one_channel(data):
    """data2 = data: the ACF bit for bit, other offsets to float32 rounding.

    Bit for bit on one device: the CPU, named (with device='auto' where a
    GPU is usable the one-channel call runs there, the two-channel call on
    the CPU: they differ at float32 rounding, as documented)."""
    assert (ipcf.acf(data, data2=data, nbins=8, device='cpu').tobytes()
            == ipcf.acf(data, nbins=8, device='cpu').tobytes())
    one = ipcf.pcf(data, offsets=OFFSETS, nbins=8)
    two = ipcf.pcf(data, data2=data.copy(), offsets=OFFSETS, nbins=8)
    numpy.testing.assert_array_equal(numpy.isnan(one), numpy.isnan(two))
    numpy.testing.assert_allclose(two, one, rtol=0, atol=TOL)


def test_delta_is_antisymmetric_in_the_offset(data):
    got = ipcf.pcf(data, offsets=[(2, 1), (-2, -1)], nbins=8, delta=True)  # margin (1, 2)
    # pixel p at offset o against pixel p + o at offset -o
    fwd = got[:-1, :-2, 0]  # p = (y, x), output (y - 1, x - 2)
    bwd = got[1:, 2:, 1]  # p + (1, 2)
    ok = ~numpy.isnan(fwd) & ~numpy.isnan(bwd)
    assert ok.sum() > 20
    numpy.testing.assert_allclose(fwd[ok], -bwd[ok], rtol=0, atol=TOL)


def test_acf(data, mask, mix):
    got = ipcf.acf(data, nbins=10, mask=mask)
    assert got.shape == (9, 10, len(logbins(32, 10)))
    check(got, direct(data, [(0, 0)], nbins=10, mask=mask)[:, :, 0])
    numpy.testing.assert_array_equal(got, ipcf.pcf(data, offsets=[(0, 0)], nbins=10, mask=mask)[:, :, 0])
    check(ipcf.acf(data, data2=mix, nbins=10), direct(data, [(0, 0)], data2=mix, nbins=10)[:, :, 0])
    check(ipcf.acf(data, data2=mix, nbins=10, delta=True),
          direct(data, [(0, 0)], data2=mix, nbins=10, delta=True)[:, :, 0])
    # a line scan, and an out array
    scan = data[:, 2, :]
    out = numpy.empty((10, 6), numpy.float32)
    assert ipcf.acf(scan, nbins=6, out=out) is out
    check(out, direct(scan, [(0, 0)], nbins=6)[:, 0])


def test_mask(data, mask):
    kw = dict(offsets=OFFSETS, nbins=8)
    got = ipcf.pcf(data, mask=mask, **kw)
    check(got, direct(data, mask=mask, **kw))
    assert numpy.isnan(got[6 - 2, 3 - 3]).all()  # margin (2, 3)


@pytest.mark.parametrize('m', [4, 8])
def test_multitau(long, m):
    kw = dict(offsets=[(0, 0), (1, 0), (-1, 0)], bins='multitau', m=m)
    got = ipcf.pcf(long, **kw)
    assert got.shape[3] == len(multitau(256, m)[0]) == {4: 14, 8: 24}[m]
    check(got, direct(long, **kw))
    kw = dict(offsets=[(2, 1)], bins='multitau', m=m, delta=True, smooth=0)
    check(ipcf.pcf(long, **kw), direct(long, **kw))


def test_multitau_default_m(long):
    got = ipcf.pcf(long, radius=1, npoints=4, bins='multitau', smooth=0.3)
    assert got.shape[3] == len(multitau(256, 16)[0])
    check(got, direct(long, radius=1, npoints=4, bins='multitau', smooth=0.3))


def test_nan_series_and_threshold(data):
    """The zero series and the dim pixel: NaN exactly where the definitions say."""
    got = ipcf.pcf(data, offsets=[(1, 0), (0, 0)], nbins=6, threshold=2)
    assert numpy.isnan(got[4, 3]).all()  # (4, 4) below the threshold, its own curves
    assert not numpy.isnan(got[4, 2, 0]).any()  # (4, 3) -> (4, 4): still a neighbour
    assert numpy.isnan(got[5, 5]).all() and numpy.isnan(got[5, 4, 0]).all()  # the zero series (5, 6)
    check(got, direct(data, [(1, 0), (0, 0)], nbins=6, threshold=2))


# --- defaults ---------------------------------------------------------------------


def test_defaults_are_bitwise_explicit(data):
    d = stack(3, t=128, h=12, w=12, lam=30)
    a = ipcf.pcf(d, radius=2, npoints=8, nbins=12)
    for kw in (dict(offsets='circle'), dict(offsets=ipcf.circle(2, 8)), dict(offsets=ipcf.offsets('circle', 2, 8))):
        b = ipcf.pcf(d, radius=2, npoints=8, nbins=12, bins='log', m=16, smooth=0.7, threshold=None, delta=False,
                     frame_interval=0.1, pixel_size=0.2, **kw)
        assert a.tobytes() == b.tobytes(), kw
    check(a, direct(d, radius=2, npoints=8, nbins=12))


# --- delays, offsets, distances ---------------------------------------------------


@pytest.mark.parametrize('kw', [dict(), dict(nbins=8), dict(bins='linear', nbins=7), dict(bins='linear', nbins=40),
                                dict(bins='multitau'), dict(bins='multitau', m=4)],
                         ids=['log', 'log8', 'linear7', 'linear40', 'multitau', 'multitau4'])
def test_delays(data, kw):
    want = delays_frames(70, **kw)
    got = ipcf.delays(data, radius=2, **kw)
    assert got.dtype == numpy.float64
    numpy.testing.assert_array_equal(got, want)
    numpy.testing.assert_array_equal(ipcf.delays(70, **kw), want)
    numpy.testing.assert_array_equal(ipcf.delays((70, 9, 10), radius=2, **kw), want)
    numpy.testing.assert_array_equal(ipcf.delays([70, 10], radius=2, offsets='line', **kw), want)
    numpy.testing.assert_array_equal(ipcf.delays(data, radius=2, frame_interval=0.25, **kw), want * 0.25)
    numpy.testing.assert_allclose(ipcf.delays(70, frame_interval=1e-3, **kw), want * 1e-3, rtol=1e-15)
    # one delay per curve point
    assert len(got) == ipcf.pcf(data, radius=2, npoints=4, **kw).shape[3]


def test_delays_bleach_and_large():
    # bleaching correction drops 2 * bleach frames: 300 - 40 -> 256 used
    numpy.testing.assert_array_equal(ipcf.delays(300, bleach=20, nbins=8), delays_frames(256, nbins=8))
    numpy.testing.assert_array_equal(ipcf.delays(16384, bins='multitau'), delays_frames(16384, bins='multitau'))
    assert len(ipcf.delays(16384, bins='multitau')) == 88
    long = ipcf.delays(2**20, bins='linear', nbins=5000)  # more than the first guess of capacity
    numpy.testing.assert_array_equal(long, delays_frames(2**20, bins='linear', nbins=5000))


def test_delays_of_a_dask_array():
    import dask.array as da
    lazy = da.zeros((100, 30, 30), chunks=(100, 10, 10), dtype=numpy.uint16)
    numpy.testing.assert_array_equal(ipcf.delays(lazy, nbins=8), delays_frames(100, nbins=8))


def test_offsets_presets():
    for r in (1, 2, 3, 6):
        numpy.testing.assert_array_equal(ipcf.offsets('disk', r), disk(r))
        numpy.testing.assert_array_equal(ipcf.offsets('line', r), line(r))
        for p in (1, 3, 8, 32):
            numpy.testing.assert_array_equal(ipcf.offsets('circle', r, p), circle(r, p))
            numpy.testing.assert_array_equal(ipcf.offsets('circle', r, p), ipcf.circle(r, p))
    assert len(ipcf.offsets('disk', 2)) == 12
    assert ipcf.offsets().shape == (32, 2) and ipcf.offsets().dtype == numpy.int32
    big = ipcf.offsets('disk', 40)  # more than one buffer guess
    numpy.testing.assert_array_equal(big, disk(40))
    assert ipcf.offsets('disk', 2, npoints=0).shape == (12, 2)  # npoints: the circle's only


def test_preset_names_equal_their_offsets(data):
    for kind in ('disk', 'line'):
        a = ipcf.pcf(data, radius=2, offsets=kind, nbins=6)
        b = ipcf.pcf(data, offsets=ipcf.offsets(kind, 2), nbins=6)
        assert a.tobytes() == b.tobytes()


def test_distances():
    uv = [(3, 4), (0, 0), (-1, 0), (2, -2)]
    numpy.testing.assert_array_equal(ipcf.distances(uv), [5, 0, 1, math.sqrt(8)])
    numpy.testing.assert_array_equal(ipcf.distances(uv, 0.25), numpy.array([5, 0, 1, math.sqrt(8)]) * 0.25)
    numpy.testing.assert_array_equal(ipcf.distances('circle', radius=6), numpy.hypot(*circle(6, 32).T))
    d = ipcf.distances('disk', 1.5, radius=3)
    numpy.testing.assert_array_equal(d, numpy.sqrt((disk(3) ** 2).sum(1)) * 1.5)
    assert d.dtype == numpy.float64


def test_output_shape(data):
    for kw in (dict(offsets=OFFSETS, nbins=8), dict(radius=2, offsets='disk', bins='multitau', m=4),
               dict(radius=3, npoints=3, bins='linear', nbins=6)):
        assert ipcf.pcf_output_shape(data.shape, **kw) == ipcf.pcf(data, **kw).shape
    assert ipcf.pcf_output_shape((64, 20, 30), offsets=[(3, -1), (-2, 4)], nbins=8)[:3] == (12, 24, 2)


def test_frame_interval_and_pixel_size_leave_the_result_alone(data):
    a = ipcf.pcf(data, radius=2, npoints=4, nbins=6)
    b = ipcf.pcf(data, radius=2, npoints=4, nbins=6, frame_interval=0.001, pixel_size=0.08)
    assert type(b) is numpy.ndarray and a.tobytes() == b.tobytes()


# --- bad input --------------------------------------------------------------------


@pytest.mark.parametrize('call, exc, fragment', [
    (lambda d: ipcf.pcf(d, offsets=[1, 2]), ValueError, 'offsets: shape (2,), want (k, 2)'),
    (lambda d: ipcf.pcf(d, offsets=[[1, 2, 3]]), ValueError, 'offsets: shape (1, 3)'),
    (lambda d: ipcf.pcf(d, offsets=[]), ValueError, 'offsets: no offsets'),
    (lambda d: ipcf.pcf(d, offsets=[(0.5, 1)]), TypeError, 'offsets: values with a fraction'),
    (lambda d: ipcf.pcf(d, offsets=[(math.nan, 1)]), TypeError, 'offsets: values with a fraction or not finite'),
    (lambda d: ipcf.pcf(d, offsets=numpy.ones((2, 2), bool)), TypeError, 'offsets: dtype bool'),
    (lambda d: ipcf.pcf(d, offsets=[('a', 'b')]), TypeError, 'offsets: dtype <U1'),
    (lambda d: ipcf.pcf(d, offsets=[(1, 0), (2,)]), TypeError, 'offsets: not an array'),
    (lambda d: ipcf.pcf(d, offsets=[(2**32 + 1, 0)]), ValueError, 'offsets: value 4294967297 is out of range'),
    (lambda d: ipcf.pcf(d, offsets=[(2**21, 0)]), ValueError, 'want |u|, |v| <= 1048576'),
    (lambda d: ipcf.pcf(d, offsets=numpy.zeros((65537, 2), int)), ValueError, 'offsets: 65537 offsets'),
    (lambda d: ipcf.pcf(d, offsets=[(5, 0)]), ValueError, 'offsets reach 0 rows and 5 columns'),
    (lambda d: ipcf.pcf(d, offsets='ring'), ValueError, "offsets='ring': want 'circle', 'disk' or 'line'"),
    # The command line's text: the message names the array form too.
    (lambda d: ipcf.pcf(d, offsets='1,0;0,1'), ValueError, "or the offsets as a (k, 2) array of (u, v) pairs"),
    (lambda d: ipcf.distances('1,0'), ValueError, "offsets='1,0': want 'circle', 'disk' or 'line', or the offsets"),
    (lambda d: ipcf.pcf(d, offsets='disk', radius=5), ValueError, 'offsets reach 5 rows and 5 columns'),
    (lambda d: ipcf.pcf(d, bins='quadratic'), ValueError, "bins='quadratic': want 'log', 'linear' or 'multitau'"),
    (lambda d: ipcf.pcf(d, bins=2), ValueError, 'bins=2'),
    (lambda d: ipcf.pcf(d, bins='multitau', m=3), ValueError, 'm=3: want an even number 2..4096'),
    (lambda d: ipcf.pcf(d, bins='multitau', m=0), ValueError, 'm=0: want an even number'),
    (lambda d: ipcf.pcf(d, m=2**32 + 2), ValueError, 'm=4294967298 is out of range'),
    (lambda d: ipcf.pcf(d, m=8.5), TypeError, 'm=8.5: want an integer'),
    (lambda d: ipcf.pcf(d, smooth=1), ValueError, 'smooth=1.0: want 0 <= smooth < 1'),
    (lambda d: ipcf.pcf(d, smooth=-0.1), ValueError, 'smooth=-0.1: want 0 <= smooth < 1'),
    (lambda d: ipcf.pcf(d, smooth=math.nan), ValueError, 'smooth=nan: want a finite number'),
    (lambda d: ipcf.pcf(d, smooth=None), TypeError, 'smooth=None: want a real number'),
    (lambda d: ipcf.pcf(d, threshold=math.nan), ValueError, 'threshold=nan: want a finite number'),
    (lambda d: ipcf.pcf(d, threshold='5'), TypeError, "threshold='5': want a real number"),
    (lambda d: ipcf.pcf(d, delta=1), TypeError, 'delta=1: want True or False'),
    (lambda d: ipcf.pcf(d, delta='yes'), TypeError, "delta='yes'"),
    (lambda d: ipcf.pcf(d, data2=d[:32]), ValueError, 'data2: shape (32, 9, 10), want (70, 9, 10)'),
    (lambda d: ipcf.pcf(d, data2=d.astype(numpy.float32)), TypeError, 'data2: dtype float32, want uint16'),
    (lambda d: ipcf.pcf(d, data2=d.astype(complex)), TypeError, 'data2: dtype complex128 is not supported'),
    (lambda d: ipcf.pcf(d, data2=numpy.ma.masked_array(d)), TypeError, 'data2: a masked array'),
    (lambda d: ipcf.pcf(d, frame_interval=0), ValueError, 'frame_interval=0.0: want a number > 0'),
    (lambda d: ipcf.pcf(d, pixel_size=math.inf), ValueError, 'pixel_size=inf: want a finite number'),
    (lambda d: ipcf.pcf(d, pixel_size='1'), TypeError, "pixel_size='1'"),
    (lambda d: ipcf.pcf(d[:, 0, :], offsets='circle', radius=2), ValueError, 'radius=2 too large for a 1x10 image'),
    (lambda d: ipcf.pcf(d[:, 0, :], radius=2, mask=numpy.ones((1, 10))), ValueError,
     'mask: 2 dimensions, want 1 (column) for a line scan'),
    (lambda d: ipcf.pcf(d[:, 0, :], radius=2, mask=numpy.ones(9)), ValueError, 'mask shape (9,), want (10,)'),
    (lambda d: ipcf.pcf(d[:, 0, :], radius=2, data2=d), ValueError, 'data2: shape (70, 9, 10), want (70, 10)'),
    (lambda d: ipcf.pcf(d[:, 0, 0]), ValueError, 'data: 1 dimensions, want 3 (time, row, column) or 2'),
    (lambda d: ipcf.acf(d, out=numpy.empty((9, 10, 1, 30), numpy.float32)), ValueError,
     'out: shape (9, 10, 1, 30), want (9, 10, 20)'),
    (lambda d: ipcf.acf(d, data2=d[:, :8]), ValueError, 'data2: shape (70, 8, 10)'),
    (lambda d: ipcf.acf(d, smooth=2), ValueError, 'smooth=2.0'),
    (lambda d: ipcf.offsets('ring'), ValueError, "kind='ring': want 'circle', 'disk' or 'line'"),
    (lambda d: ipcf.offsets('disk', 0), ValueError, 'disk radius=0, want 1..1024'),
    (lambda d: ipcf.offsets('disk', 2**32 + 1), ValueError, 'radius=4294967297 is out of range'),
    (lambda d: ipcf.offsets('line', 1.5), TypeError, 'radius=1.5: want an integer'),
    (lambda d: ipcf.offsets('circle', 3, 0), ValueError, 'npoints=0, want >= 1'),
    (lambda d: ipcf.delays('abc'), TypeError, "shape_or_data='abc'"),
    (lambda d: ipcf.delays(True), TypeError, 'shape_or_data=True'),
    (lambda d: ipcf.delays(3), ValueError, '3 frames usable, want >= 4'),
    (lambda d: ipcf.delays(-5), ValueError, 'frames=-5: want >= 0'),
    (lambda d: ipcf.delays((64,)), ValueError, 'shape (64,): want 3 dimensions'),
    (lambda d: ipcf.delays(64, frame_interval=-1), ValueError, 'frame_interval=-1.0: want a number > 0'),
    (lambda d: ipcf.delays(64, bins='multitau', m=5), ValueError, 'm=5: want an even number'),
    (lambda d: ipcf.delays((64, 5, 5), radius=3), ValueError, 'radius=3 too large for a 5x5 image'),
    (lambda d: ipcf.distances([(1, 2, 3)]), ValueError, 'offsets: shape (1, 3)'),
    (lambda d: ipcf.distances([(1, 2)], pixel_size=0), ValueError, 'pixel_size=0.0: want a number > 0'),
    (lambda d: ipcf.distances('square'), ValueError, "offsets='square'"),
    (lambda d: ipcf.pcf_output_shape((64, 10, 10), offsets=[(0, 5)]), ValueError, 'offsets reach 5 rows'),
    (lambda d: ipcf.dask.pcf(d, offsets=[(1,)]), ValueError, 'offsets: shape (1, 1)'),
    (lambda d: ipcf.dask.pcf(d, offsets=[(1, 0)], data2=d[:, 1:]), ValueError, 'data2: shape (70, 8, 10)'),
    (lambda d: ipcf.dask.pcf(d, offsets=[(1, 0)], data2=d.astype('f4')), TypeError, 'data2: dtype float32'),
    (lambda d: ipcf.dask.pcf(d, offsets=[(1, 0)], m=7), ValueError, 'm=7'),
    (lambda d: ipcf.dask.pcf(d[:, 0, :], offsets=[(1, 0)], mask=numpy.ones((1, 10))), ValueError,
     'mask shape (1, 10), want (10,)'),
    (lambda d: ipcf.dask.acf(d, delta=0), TypeError, 'delta=0: want True or False'),
    (lambda d: ipcf.dask.halo(offsets=[]), ValueError, 'offsets: no offsets'),
])
def test_bad_input(data, call, exc, fragment):
    with pytest.raises(exc) as info:
        call(data)
    assert fragment in str(info.value), f'{fragment!r} not in {str(info.value)!r}'
    assert isinstance(info.value, ipcf.IpcfError), type(info.value)


def test_data2_of_another_byte_order_is_the_same_channel(data, mix):
    a = ipcf.pcf(data, data2=mix, offsets=[(1, 0)], nbins=6)
    b = ipcf.pcf(data, data2=mix.astype('>u2'), offsets=[(1, 0)], nbins=6)
    assert a.tobytes() == b.tobytes()


def test_out_sharing_data2_is_refused(data):
    shape = ipcf.pcf_output_shape(data.shape, offsets=[(0, 0)], nbins=6)
    buf = numpy.zeros(data.size, numpy.float32)
    data2 = buf.reshape(data.shape)
    data2[...] = data
    out = buf[:int(numpy.prod(shape))].reshape(shape)
    with pytest.raises(ValueError, match='out shares memory with data2'):
        ipcf.pcf(data.astype(numpy.float32), data2=data2, offsets=[(0, 0)], nbins=6, out=out)


# --- dask: the in-memory result, bit for bit ----------------------------------------

CHUNKS = [(-1, 7, 9), (-1, (5, 6, 3, 10), (9, 1, 16)), (-1, 24, 5)]


@pytest.fixture(scope='module')
def big():
    """An image large enough for several blocks of every halo, and its mask."""
    d = stack(31, t=64, h=24, w=26)
    d[:, 10, 11] = 0
    mk = numpy.ones((24, 26), bool)
    mk[12, 5] = mk[3, 20] = False
    return d, mk


@pytest.mark.parametrize('kw', [
    dict(offsets=OFFSETS, nbins=6),
    dict(offsets=[(1, 2), (-1, -2), (0, 1), (0, -1)], nbins=6),
    dict(offsets='disk', radius=2, nbins=6),
    dict(offsets=[(2, 0), (-2, 0), (0, 1)], nbins=6, delta=True),
    dict(offsets=[(0, 0), (1, 0), (-1, 0)], bins='multitau', m=4),
    dict(offsets=[(2, 1)], bins='multitau', m=8, delta=True, smooth=0),
    dict(radius=2, npoints=8, bins='linear', nbins=5, threshold=2, smooth=0.5),
    dict(radius=3, npoints=2, nbins=6),
    dict(radius=3, npoints=12, nbins=6),
    dict(offsets=[(0, 0)], nbins=6),
], ids=['offsets', 'negation-pairs', 'disk', 'delta', 'multitau4', 'multitau8-delta', 'linear-threshold',
        'circle-short-reach', 'circle', 'acf'])
def test_dask_equals_in_memory(big, kw):
    import dask.array as da
    data, mask = big
    want = ipcf.pcf(data, mask=mask, **kw)
    tiled = 0
    for chunks in CHUNKS:
        lazy = ipcf.dask.pcf(da.from_array(data, chunks=chunks), mask=mask, **kw)
        assert lazy.shape == want.shape
        tiled += len(lazy.chunks[0]) > 1 and len(lazy.chunks[1]) > 1
        got = lazy.compute(scheduler='sync')
        assert got.tobytes() == want.tobytes(), (kw, chunks)
    assert tiled >= 2  # chunks narrower than the halo are merged: most layouts must stay tiled


def test_dask_acf_two_channels_and_line(big):
    import dask.array as da
    data, mask = big
    mix = (data + stack(32, t=64, h=24, w=26, lam=30)).astype(numpy.uint16)
    lazy = ipcf.dask.acf(da.from_array(data, chunks=(-1, 3, 4)), nbins=6, mask=mask)
    assert lazy.shape == (24, 26, 6) and len(lazy.chunks[0]) == 8
    assert lazy.compute(scheduler='sync').tobytes() == ipcf.acf(data, nbins=6, mask=mask).tobytes()
    kw = dict(offsets=[(1, 0), (0, -1), (0, 0)], nbins=6, delta=True)
    for d2 in (mix, da.from_array(mix, chunks=(35, 5, 5))):
        got = ipcf.dask.pcf(da.from_array(data, chunks=(-1, 4, 4)), data2=d2, **kw).compute(scheduler='sync')
        assert got.tobytes() == ipcf.pcf(data, data2=mix, **kw).tobytes()
    kw = dict(radius=2, npoints=8, nbins=6)
    got = ipcf.dask.pcf(da.from_array(data, chunks=(-1, 6, 7)), data2=mix, **kw).compute(scheduler='sync')
    assert got.tobytes() == ipcf.pcf(data, data2=mix, **kw).tobytes()
    scan = data[:, 2, :]
    got = ipcf.dask.pcf(da.from_array(scan, chunks=(-1, 5)), radius=2, nbins=6, mask=mask[2])
    assert got.shape == (22, 4, 6) and len(got.chunks[0]) > 1
    assert got.compute(scheduler='sync').tobytes() == ipcf.pcf(scan, radius=2, nbins=6, mask=mask[2]).tobytes()
    got = ipcf.dask.acf(da.from_array(scan, chunks=(-1, 3)), nbins=6, data2=mix[:, 2, :]).compute(scheduler='sync')
    assert got.tobytes() == ipcf.acf(scan, nbins=6, data2=mix[:, 2, :]).tobytes()


def test_dask_chunks_narrower_than_the_halo_stay_tiled(big):
    # Uniform chunks no wider than the halo (12 for radius 6) were merged
    # into one block: the whole image in one task. They are merged only
    # until each is wider than the halo.
    import dask.array as da
    data = numpy.zeros((64, 100, 90), numpy.uint16)
    lazy = ipcf.dask.pcf(da.from_array(data, chunks=(-1, 10, 8)), radius=6, npoints=8, nbins=6)
    assert lazy.numblocks[:2] == (5, 5), lazy.chunks  # rows (20,)*5 and columns (16,)*4 + (26,), less the margins
    assert ipcf.dask._prepare(da.from_array(data, chunks=(-1, 10, 8)), (12, 12)).chunks[1:] == (
        (20, 20, 20, 20, 20), (16, 16, 16, 16, 26))
    assert ipcf.dask._prepare(da.from_array(data, chunks=(-1, (13, 3, 84), (50, 30, 10))), (12, 12)).chunks[1:] == (
        (13, 87), (50, 40))
    d, _ = big
    kw = dict(radius=3, npoints=12, nbins=6)
    lazy = ipcf.dask.pcf(da.from_array(d, chunks=(-1, 3, 3)), **kw)
    assert lazy.numblocks[0] > 1 and lazy.numblocks[1] > 1
    assert lazy.compute(scheduler='sync').tobytes() == ipcf.pcf(d, **kw).tobytes()


def test_dask_graph_keeps_its_own_offsets(big):
    # The caller's C-contiguous int32 offsets were kept by reference in the
    # graph: a buffer refilled for the next direction changed what earlier
    # graphs computed (another shape than the lazy array's, other values).
    import dask.array as da
    data, _ = big
    darr = da.from_array(data, chunks=(-1, 8, 8))
    offs = numpy.zeros((2, 2), numpy.int32)
    lazies, wants = [], []
    for u in (1, 2, 3):
        offs[:] = [(u, 0), (-u, 0)]
        lazies.append(ipcf.dask.pcf(darr, offsets=offs, nbins=6))
        wants.append(ipcf.pcf(data, offsets=offs, nbins=6))
    for lazy, want in zip(lazies, wants):
        got = lazy.compute(scheduler='sync')
        assert lazy.shape == got.shape == want.shape and got.tobytes() == want.tobytes()


def test_dask_halo():
    assert ipcf.dask.halo(radius=6, npoints=32) == (12, 12)
    assert ipcf.dask.halo(radius=3, npoints=2) == (3, 6)  # margin 3, reach 0 rows and 3 columns
    assert ipcf.dask.halo(offsets=[(3, -1), (-2, 4)]) == (8, 6)
    assert ipcf.dask.halo(offsets=[(0, 0)]) == (0, 0)
    assert ipcf.dask.halo(radius=2, line=True) == (0, 4)
    assert ipcf.dask.halo(radius=2, offsets='disk') == (4, 4)


# --- file jobs take the toolkit options ------------------------------------------


@pytest.mark.parametrize('kw', [
    dict(offsets=OFFSETS, nbins=6, smooth=0.5),
    dict(offsets='disk', radius=1, bins='multitau', m=4, delta=True),
    dict(offsets=[(0, 0)], bins='linear', nbins=6, threshold=2, smooth=0),
], ids=['offsets', 'disk-multitau-delta', 'acf-linear-threshold'])
def test_pcf_file_equals_pcf(tmp_path, data, kw):
    path = tmp_path / 'data.npy'
    numpy.save(path, data)
    want = ipcf.pcf(data, **kw)
    for output, extra in (('out.npy', {}), ('out.zarr', dict(tile=(3, 4))), ('ooc.npy', dict(engine='ooc',
                                                                                             tile=(4, 3)))):
        result = ipcf.pcf_file(path, tmp_path / output, frame_interval=0.5, pixel_size=0.1, **extra, **kw)
        assert result.summary['shape'] == want.shape
        array, meta = ipcf.open_result(result)
        assert numpy.asarray(array).tobytes() == want.tobytes(), output
        numpy.testing.assert_array_equal(meta['offsets_uv'], ipcf.offsets('disk', 1) if kw['offsets'] == 'disk'
                                         else kw['offsets'])
        numpy.testing.assert_array_equal(meta['delay_frames'], ipcf.delays(data, **{k: v for k, v in kw.items() if k in (
            'offsets', 'radius', 'bins', 'nbins', 'm')}))
        del array


def test_result_bins_are_lags_from_inclusive_to_exclusive(tmp_path, data):
    """A result's delays_frames names each bin's lags [from, to); those
    of 0.2 results (no delay_frames) had the same lags under the names
    from_exclusive and to_inclusive, and label reads both."""
    path = tmp_path / 'data.npy'
    numpy.save(path, data)
    array, meta = ipcf.open_result(ipcf.pcf_file(path, tmp_path / 'out.npy', radius=2, npoints=8, nbins=8))
    d = meta['delays_frames']
    lo, hi = numpy.asarray(d['from_inclusive']), numpy.asarray(d['to_exclusive'])
    assert lo[0] == 0 and (lo[1:] == hi[:-1]).all() and (hi > lo).all()
    numpy.testing.assert_array_equal(hi, meta['bins'])
    numpy.testing.assert_array_equal(meta['delay_frames'], (lo + hi - 1) / 2)  # the mean lag of each bin
    old = {k: v for k, v in meta.items() if k != 'delay_frames'}
    for names in (('from_inclusive', 'to_exclusive'), ('from_exclusive', 'to_inclusive')):
        old['delays_frames'] = dict(zip(names, (d['from_inclusive'], d['to_exclusive'])))
        numpy.testing.assert_array_equal(ipcf.label(array, old).coords['delay'].values, meta['delay_frames'])
    del array


def test_pcf_file_refuses_data2(tmp_path, data):
    path = tmp_path / 'data.npy'
    numpy.save(path, data)
    with pytest.raises(ValueError, match='data2 is not supported: a file job takes one channel'):
        ipcf.pcf_file(path, tmp_path / 'out.npy', data2=data)
    with pytest.raises(ValueError, match='m=3'):
        ipcf.pcf_file(path, tmp_path / 'out.npy', bins='multitau', m=3)
    assert not (tmp_path / 'out.npy').exists()


# --- devices: the GPU computes one channel, log bins, default smoothing ---------


def test_toolkit_runs_on_the_cpu_with_device_auto(emu):
    """On the emulated CUDA device: toolkit options with device='auto' run on
    the CPU without a warning (the note says why), 'cuda' refuses them
    (status 8); a GPU that fails warns at the caller's line."""
    import os
    import subprocess
    import sys
    code = (
        'import warnings, numpy, ipcf\n'
        'd = ipcf.simulate(128, 12, seed=3)\n'
        'kw = dict(radius=2, offsets="disk", bins="multitau", m=4, delta=True)\n'
        'cpu = ipcf.pcf(d, device="cpu", **kw)\n'
        'with warnings.catch_warnings(record=True) as w:\n'
        '    warnings.simplefilter("always")\n'
        '    auto = ipcf.pcf(d, **kw)\n'
        '    note = ipcf.last_device()\n'
        '    a = ipcf.acf(d, smooth=0.5)\n'
        'assert not w, [str(x.message) for x in w]\n'
        'assert note.startswith("cpu (auto: cuda:0 not used:") and "the delta-CCF" in note, note\n'
        'assert auto.tobytes() == cpu.tobytes()\n'
        'try:\n'
        '    ipcf.pcf(d, radius=2, smooth=0, device="cuda")\n'
        '    raise SystemExit("device=cuda accepted a toolkit option")\n'
        'except ipcf.IpcfError as e:\n'
        '    assert e.status == 8 and "smoothing weight" in e.message, e.message\n'
        'print("ok")\n')
    env = dict(os.environ, IPCF_CUDA_LIBDIR=emu)
    env.pop('IPCF_EMU_FAIL', None)
    r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and 'ok' in r.stdout, r.stdout + r.stderr
    code = (
        'import warnings, ipcf\n'
        'd = ipcf.simulate(128, 12, seed=3)\n'
        'with warnings.catch_warnings(record=True) as w:\n'
        '    warnings.simplefilter("always")\n'
        '    ipcf.pcf(d, radius=2)\n'
        'assert [x.filename for x in w if "ran on the CPU" in str(x.message)] == ["<string>"], w\n'
        'print("ok")\n')
    env['IPCF_EMU_FAIL'] = 'launch'
    r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and 'ok' in r.stdout, r.stdout + r.stderr


def test_pcf_file_line_scan(tmp_path, data):
    """A 2-D (time, x) .npy is a line scan for offsets within a row; the file
    result keeps a row axis of 1."""
    scan = numpy.ascontiguousarray(data[:, 3, :])
    path = tmp_path / 'scan.npy'
    numpy.save(path, scan)
    try:
        ipcf.pcf_file(path, tmp_path / 'probe.npy', offsets='line', radius=2, nbins=6)
    except ipcf.IpcfError as exc:
        if 'want 3 dimensions' in str(exc) and 'line scan' not in str(exc):
            pytest.skip(f'this libipcf reads no 2-D line scans in file jobs: {exc}')
        raise
    for kw in (dict(offsets='line', radius=2, nbins=6), dict(offsets=[(0, 0), (1, 0)], bins='multitau', m=4)):
        result = ipcf.pcf_file(path, tmp_path / 'out.npy', **kw)
        array, meta = ipcf.open_result(result)
        want = ipcf.pcf(scan, **kw)
        assert array.shape == (1,) + want.shape
        assert numpy.asarray(array[0]).tobytes() == want.tobytes()
        del array
        (tmp_path / 'out.npy').unlink()
    with pytest.raises(ValueError, match='line scan'):
        ipcf.pcf_file(path, tmp_path / 'out.npy', radius=2)


def test_logbins_any_size_as_the_c_library_computes():
    """logbins(size, nbins) for sizes that are not powers of two: numpy's
    definition evaluated with the C library's log and pow (Python's math
    module calls them, as numpy's scalar functions do). Go's own pow gave
    [1, 2] for (3, 2) and 1,900 other mismatches up to size 20,000.
    (numpy's vectorized power takes SIMD code of its own on some CPUs and
    can end a list one below: 64 for size 65 on AVX-512.)"""
    bad = []
    for size in range(1, 3001):
        L = math.log(size) / math.log(2)
        for nbins in (2, 8, 32, 100):
            y = numpy.arange(nbins) * 1.0 * (L / (nbins - 1))
            y[-1] = L
            want = sorted({int(math.pow(2.0, v)) for v in y})
            got = ipcf.logbins(size, nbins).tolist()
            if got != want:
                bad.append((size, nbins, got, want))
    assert not bad, bad[:3]
    assert ipcf.logbins(3, 2).tolist() == [1, 3]
    assert ipcf.logbins(14, 8).tolist() == [1, 2, 3, 4, 6, 9, 13]


def test_npoints_ignored_warns():
    """npoints with the 'line' or 'disk' offsets (a line scan's default)
    does nothing: IgnoredOptionWarning at the caller's line, the result
    that of the preset (ipcf pcf refuses --npoints with those presets)."""
    rng = numpy.random.default_rng(1)
    line = rng.poisson(100, (64, 20)).astype(numpy.uint16)
    stack = rng.poisson(100, (64, 8, 8)).astype(numpy.uint16)
    for call, want in [(lambda: ipcf.pcf(line, radius=1, npoints=4), lambda: ipcf.pcf(line, radius=1)),
                       (lambda: ipcf.pcf(stack, radius=1, npoints=4, offsets='disk'),
                        lambda: ipcf.pcf(stack, radius=1, offsets='disk')),
                       (lambda: ipcf.pcf_output_shape(stack.shape, radius=1, npoints=4, offsets='line'),
                        lambda: ipcf.pcf_output_shape(stack.shape, radius=1, offsets='line'))]:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            got = call()
            expected = want()
        assert len(w) == 1 and issubclass(w[0].category, ipcf.IgnoredOptionWarning), [str(x.message) for x in w]
        assert 'npoints=4 is ignored' in str(w[0].message) and w[0].filename == __file__
        numpy.testing.assert_array_equal(got, expected)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ipcf.pcf(stack, radius=1, npoints=4)  # the circle takes it
        ipcf.pcf(line, radius=1, npoints=32)  # the default: nothing to say


def test_radius_npoints_with_offsets_warn():
    """radius or npoints with a list of offsets do nothing: IgnoredOptionWarning
    (ipcf pcf refuses them with --offsets; they were ignored silently:
    FRONT16's F9); the result is that of the offsets alone."""
    stack = numpy.random.default_rng(2).poisson(100, (64, 8, 8)).astype(numpy.uint16)
    offs = [(1, 0), (0, 1)]
    for kw, frag in (({'radius': 3}, 'radius=3 is ignored'), ({'npoints': 8}, 'npoints=8 is ignored')):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            got = ipcf.pcf(stack, offsets=offs, **kw)
        assert len(w) == 1 and issubclass(w[0].category, ipcf.IgnoredOptionWarning) and frag in str(w[0].message), \
            [str(x.message) for x in w]
        numpy.testing.assert_array_equal(got, ipcf.pcf(stack, offsets=offs))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ipcf.acf(stack)  # the ACF's (0, 0) with the defaults: nothing to say


def test_binning_options_ignored_warn():
    """nbins with bins='multitau' and m without it do nothing (ipcf pcf
    refuses both): IgnoredOptionWarning at the caller's line, the result
    that of the call without them; the defaults say nothing."""
    rng = numpy.random.default_rng(2)
    stack = rng.poisson(100, (256, 6, 6)).astype(numpy.uint16)
    one = [(0, 0), (1, 0)]
    cases = [
        ('nbins=8 is ignored', lambda: ipcf.pcf(stack, offsets=one, bins='multitau', m=4, nbins=8),
         lambda: ipcf.pcf(stack, offsets=one, bins='multitau', m=4)),
        # out of nbins' range: ignored too, not refused after the warning (the library checks the field)
        ('nbins=1 is ignored', lambda: ipcf.pcf(stack, offsets=one, bins='multitau', m=4, nbins=1),
         lambda: ipcf.pcf(stack, offsets=one, bins='multitau', m=4)),
        ('m=4 is ignored', lambda: ipcf.pcf(stack, offsets=one, nbins=8, m=4),
         lambda: ipcf.pcf(stack, offsets=one, nbins=8)),
        ('m=8 is ignored', lambda: ipcf.delays(stack.shape, offsets=one, bins='linear', nbins=8, m=8),
         lambda: ipcf.delays(stack.shape, offsets=one, bins='linear', nbins=8)),
    ]
    for needle, call, want in cases:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            got = call()
        assert len(w) == 1 and issubclass(w[0].category, ipcf.IgnoredOptionWarning), [str(x.message) for x in w]
        assert needle in str(w[0].message) and w[0].filename == __file__, (needle, str(w[0].message))
        numpy.testing.assert_array_equal(got, want())
    # once a call, at the caller's line: a labelled result (its delays and
    # labels check the options again) and dask (its graph and every block)
    import dask.array as da
    for call in (lambda: ipcf.pcf(stack, offsets=one, nbins=8, m=4, labelled=True),
                 lambda: ipcf.dask.pcf(da.from_array(stack, chunks=(256, 3, 3)), offsets=one, nbins=8, m=4).compute()):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            call()
        assert [(x.category, x.filename) for x in w] == [(ipcf.IgnoredOptionWarning, __file__)], \
            [(str(x.message), x.filename) for x in w]
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ipcf.pcf(stack, offsets=one, bins='multitau', m=4, nbins=32)  # the default nbins
        ipcf.pcf(stack, offsets=one, nbins=8, m=16)  # the default m


def test_int8_bleach_clips_to_int8():
    """int8 data reach the library as float64, whose bleaching correction
    clips at 65535; the spec clips at the input's type (int8: 127). pcf,
    acf and pcf_errors with bleach=F equal the same calls on
    correct_bleaching's output, which clips at 127: also with a second
    channel, a line scan and labelled results."""
    rng = numpy.random.default_rng(0)
    t = numpy.arange(64)[:, None, None]
    d = 127 * 0.8 * numpy.exp(-t / 12) * rng.uniform(0.5, 1.5, (64, 5, 5))
    d[20:40:3] = 127  # bright frames late in the decay: corrected above 127
    x = numpy.clip(numpy.round(d), 0, 127).astype(numpy.int8)
    y = numpy.clip(numpy.round(d[:, ::-1]), 0, 127).astype(numpy.int8)
    cx, cy = ipcf.correct_bleaching(x, 8, threads=1), ipcf.correct_bleaching(y, 8, threads=1)
    assert cx.dtype == numpy.int8 and cx.max() == 127
    kw = dict(radius=1, npoints=4, nbins=4, smooth=0, threads=1)
    for got, want in [
        (ipcf.pcf(x, bleach=8, **kw), ipcf.pcf(cx, **kw)),
        (ipcf.pcf(x, bleach=8, data2=y, **kw), ipcf.pcf(cx, data2=cy, **kw)),
        (ipcf.acf(x, bleach=8, nbins=4, threads=1), ipcf.acf(cx, nbins=4, threads=1)),
        (ipcf.pcf_errors(x, bleach=8, **kw), ipcf.pcf_errors(cx, **kw)),
        (ipcf.pcf(x[:, 0, :], bleach=8, offsets='line', radius=1, nbins=4, threads=1),
         ipcf.pcf(cx[:, 0, :], offsets='line', radius=1, nbins=4, threads=1)),
    ]:
        assert got.shape == want.shape
        numpy.testing.assert_array_equal(got, want)
    lab = ipcf.pcf(x, bleach=8, labelled=True, **kw)
    numpy.testing.assert_array_equal(numpy.asarray(lab), ipcf.pcf(cx, **kw))
    numpy.testing.assert_array_equal(ipcf.delays(x.shape, bleach=8, **{k: kw[k] for k in ('radius', 'npoints', 'nbins')}),
                                     ipcf.delays(cx.shape, **{k: kw[k] for k in ('radius', 'npoints', 'nbins')}))


def test_int8_bleach_path_leaves_no_trace():
    """The int8 + bleach path (pre-corrected here) caches no output shape
    under the options' key (a later float call of the same options kept
    the corrected series' shape), warns about non-counts once, at the
    caller's line, and follows time_axis=0 without a TimeAxisWarning."""
    rng = numpy.random.default_rng(3)
    x = rng.integers(0, 100, (80, 6, 6)).astype(numpy.int8)
    kw = dict(radius=1, bins='multitau', m=4)
    a = ipcf.pcf(x, bleach=8, **kw)
    f = rng.poisson(40, (64, 6, 6)).astype(numpy.float64)
    numpy.testing.assert_array_equal(ipcf.pcf(f, bleach=8, **kw), ipcf.pcf(f.copy(), bleach=8, **kw))
    assert a.shape == ipcf.pcf(ipcf.correct_bleaching(x, 8), **kw).shape
    y = rng.integers(-5, 100, (20, 8, 8)).astype(numpy.int8)  # negative: not counts
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        ipcf.pcf(y, bleach=2, radius=1, npoints=4, nbins=4, time_axis=0)
    assert [(x.category, x.filename) for x in w] == [(ipcf.CountsWarning, __file__)], \
        [(str(x.message), x.filename) for x in w]


def test_unused_radius_npoints_with_offsets():
    """radius and npoints that offsets leave unused pass (the library
    checks those fields' ranges; the binding gives it their defaults):
    npoints=0 with the line preset warns that it is ignored and runs, and
    radius=0 or npoints=-1 with given offsets run as without them."""
    d = numpy.random.default_rng(1).poisson(50, (64, 6, 6)).astype(numpy.uint16)
    want = ipcf.pcf(d, offsets=[(1, 0)], nbins=4)
    numpy.testing.assert_array_equal(ipcf.pcf(d, offsets=[(1, 0)], radius=0, nbins=4), want)
    numpy.testing.assert_array_equal(ipcf.pcf(d, offsets=[(1, 0)], npoints=-1, nbins=4), want)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        got = ipcf.pcf(d, offsets='line', radius=1, npoints=0, nbins=4)
    assert [x.category for x in w] == [ipcf.IgnoredOptionWarning] and 'npoints=0 is ignored' in str(w[0].message)
    numpy.testing.assert_array_equal(got, ipcf.pcf(d, offsets='line', radius=1, nbins=4))


def test_dask16_findings(tmp_path):
    """DASK16's findings, each failed on the code before: ipcf.dask refuses
    bleach_mean='floor' without bleach when the graph is built (F1) and warns
    AllNaNWarning for a mask of no computed pixel (F3); delays() of a number
    of frames does not warn of offsets never given, and label() warns once
    (F5); int8 data with bleach and the floor mean are computed as int16 data
    of the same values (F7); fit_result's SmoothedCurvesWarning points at the
    caller's line (F9)."""
    import dask.array as da
    stack = ipcf.simulate(frames=256, size=12, seed=5)
    with pytest.raises(ipcf.IpcfValueError, match='bleach_mean'):
        ipcf.dask.pcf(da.from_array(stack, chunks=(-1, 6, 6)), radius=1, npoints=4, nbins=4, bleach_mean='floor')
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        ipcf.dask.pcf(da.from_array(stack, chunks=(-1, 6, 6)), radius=1, npoints=4, nbins=4,
                      mask=numpy.zeros((12, 12), bool))
    assert [x.category for x in w] == [ipcf.AllNaNWarning], [str(x.message) for x in w]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        ipcf.delays(1024, radius=3, nbins=4)
        r = ipcf.pcf(stack, offsets=[(1, 0)], nbins=4)
        ipcf.label(r, stack, offsets=[(1, 0)], radius=3, nbins=4)
    msgs = [str(x.message) for x in w]
    assert len(msgs) == 1 and 'radius=3 is ignored' in msgs[0], msgs
    i8 = numpy.clip(stack // 4, 0, 60).astype(numpy.int8)
    numpy.testing.assert_array_equal(ipcf.pcf(i8, radius=1, npoints=4, nbins=4, bleach=8, bleach_mean='floor'),
                                     ipcf.pcf(i8.astype(numpy.int16), radius=1, npoints=4, nbins=4, bleach=8,
                                              bleach_mean='floor'))
    numpy.save(tmp_path / 'in.npy', ipcf.simulate(frames=1024, size=12, seed=2))
    res = ipcf.pcf_file(str(tmp_path / 'in.npy'), str(tmp_path / 'o.npy'), offsets=[(1, 0)], nbins=12)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        line = sys._getframe().f_lineno + 1
        ipcf.fit_result(res, waist=2.0)
    sw = [x for x in w if issubclass(x.category, ipcf.SmoothedCurvesWarning)]
    assert len(sw) == 1 and (sw[0].filename, sw[0].lineno) == (__file__, line), [(x.filename, x.lineno) for x in sw]
