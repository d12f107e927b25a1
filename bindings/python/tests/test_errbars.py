"""ipcf.pcf_errors: the error bars of the curves (docs/toolkit.md, section 9).

Against a direct numpy implementation of the definition written here: each
point's series summed directly over its bin's delays (or the multi-tau
block sums), linearised in the means, the first point and the smoothing
applied at every frame, then blocked level by level or cut into segments.
"""

import numpy
import pytest

import ipcf

T, SIZE = 256, 9


@pytest.fixture(scope='module')
def data():
    return ipcf.simulate(frames=T, size=SIZE, seed=7, particles=6, diffusion=0.2, channel_width=0)


def _points(n, nbins, m):
    """Upper bin edges (log) or (lags, levels) (multi-tau, m > 0)."""
    if m:
        lags, levels = [], []
        for lag in range(min(m, n // 2)):
            lags.append(lag), levels.append(0)
        k = 1
        while (m // 2) << k < n // 2:
            for lag in range(m // 2, m):
                if lag << k < n // 2:
                    lags.append(lag << k), levels.append(k)
            k += 1
        return None, lags, levels
    return [int(b) for b in ipcf.logbins(n // 2, nbins)], None, None


def _series(a, b, nbins, m, delta, smooth):
    """Every point's finished series z (points x frames)."""
    n = len(a)
    edges, lags, levels = _points(n, nbins, m)
    zs = []
    if m:
        for lag, k in zip(lags, levels):
            s = 1 << k
            A, B = a.reshape(-1, s).sum(1), b.reshape(-1, s).sum(1)
            mA, mB = A.mean(), B.mean()
            dA, dB = A - mA, B - mB
            x = dA * numpy.roll(dB, -(lag // s)) / (mA * mB)
            if delta:
                x -= dB * numpy.roll(dA, -(lag // s)) / (mA * mB)
            z = x - x.mean() * (dA / mA + dB / mB)
            zs.append(numpy.repeat(z, s))
    else:
        ma, mb = a.mean(), b.mean()
        da, db = a - ma, b - mb
        lo = 0
        for hi in edges:
            x = numpy.zeros(n)
            for tau in range(lo, hi):
                x += da * numpy.roll(db, -tau) / (ma * mb)
                if delta:
                    x -= db * numpy.roll(da, -tau) / (ma * mb)
            x /= hi - lo
            zs.append(x - x.mean() * (da / ma + db / mb))
            lo = hi
    z = numpy.array(zs)
    z[0] = z[1]
    if smooth:
        for i in range(1, len(z)):
            z[i] = (1 - smooth) * z[i] + smooth * z[i - 1]
        for i in range(len(z) - 2, -1, -1):
            z[i] = (1 - smooth) * z[i] + smooth * z[i + 1]
    return z


def _estimate(z, method, segments):
    n = len(z)
    if method == 'segments':
        ms = numpy.array([z[k * n // segments:(k + 1) * n // segments].mean() for k in range(segments)])
        return ms.std(ddof=1) / numpy.sqrt(segments)
    sig, err = [], []
    size = 1
    while size <= n and (size == 1 or n // size >= 16):
        bm = z.reshape(-1, size).mean(1)
        nb = len(bm)
        s = numpy.sqrt(((bm - z.mean()) ** 2).mean() / (nb - 1))
        sig.append(s)
        err.append(s / numpy.sqrt(2 * (nb - 1)))
        size *= 2
    for k in range(len(sig) - 2):
        if abs(sig[k] - sig[k + 1]) <= err[k + 1] and abs(sig[k] - sig[k + 2]) <= err[k + 2]:
            return sig[k]
    return max(sig)


CASES = [
    dict(nbins=12),
    dict(nbins=10, smooth=0),
    dict(nbins=10, delta=True, smooth=0.5),
    dict(bins='multitau', m=4),
    dict(nbins=10, method='segments', segments=8),
    dict(bins='multitau', m=8, smooth=0, method='segments', segments=5),
]


@pytest.mark.parametrize('kw', CASES, ids=[str(c) for c in CASES])
def test_against_direct(data, kw):
    offsets = [(0, 0), (1, 0), (-2, 1)]
    g = ipcf.pcf(data, offsets=offsets, **{k: v for k, v in kw.items() if k not in ('method', 'segments')})
    sd = ipcf.pcf_errors(data, offsets=offsets, **kw)
    assert sd.shape == g.shape and sd.dtype == numpy.float32
    nbins, m = kw.get('nbins', 32), kw.get('m', 16) if kw.get('bins') == 'multitau' else 0
    smooth, delta = kw.get('smooth', 0.7), kw.get('delta', False)
    method, segments = kw.get('method', 'blocking'), kw.get('segments', 8)
    series = data.astype(numpy.float64)
    for py, px in [(0, 0), (3, 2), (sd.shape[0] - 1, sd.shape[1] - 1)]:
        y, x = py + 1, px + 2  # the margins: max |v|, max |u|
        for i, (u, v) in enumerate(offsets):
            z = _series(series[:, y, x], series[:, y + v, x + u], nbins, m, delta, smooth)
            numpy.testing.assert_allclose(g[py, px, i], z.mean(1), atol=2e-6)
            want = [_estimate(zj, method, segments) for zj in z]
            numpy.testing.assert_allclose(sd[py, px, i], want, rtol=1e-5, atol=1e-9)


def test_nan_where_curves_are(data):
    mask = numpy.ones((SIZE, SIZE), numpy.uint8)
    mask[4, 4] = 0
    d = data.astype(numpy.float32)
    d[:, 2, 6] = 0           # a series summing to zero
    d[17, 6, 1] = numpy.nan  # a NaN sample
    for kw in (dict(), dict(method='segments', segments=4), dict(delta=True)):
        g = ipcf.pcf(d, offsets=[(0, 0), (1, 1)], nbins=8, mask=mask, delta=kw.get('delta', False))
        sd = ipcf.pcf_errors(d, offsets=[(0, 0), (1, 1)], nbins=8, mask=mask, **kw)
        assert (numpy.isnan(sd) == numpy.isnan(g)).all()
        assert numpy.isnan(sd).any() and (sd[~numpy.isnan(sd)] >= 0).all()


def test_shapes_and_hosts(data):
    # an ACF, a line scan, a labelled result, a given out, a second channel
    acf = ipcf.pcf_errors(data, offsets=[(0, 0)], nbins=8)
    assert acf.shape == (SIZE, SIZE, 1, 8)
    line = ipcf.pcf_errors(data[:, 4, :], radius=2, nbins=8)
    assert line.shape == ipcf.pcf(data[:, 4, :], radius=2, nbins=8).shape
    out = numpy.full(acf.shape, -1, numpy.float32)
    assert ipcf.pcf_errors(data, offsets=[(0, 0)], nbins=8, out=out) is out
    assert (out == acf).all()
    two = ipcf.pcf_errors(data, offsets=[(0, 0)], nbins=8, data2=data.copy())
    assert (two == acf).all()
    lab = ipcf.pcf_errors(data, offsets=[(0, 0)], nbins=8, labelled=True)
    assert (numpy.asarray(lab) == acf).all()
    # multi-tau: the same points as the curves
    mt = ipcf.pcf_errors(data, offsets=[(0, 0)], bins='multitau', m=8)
    assert mt.shape == ipcf.pcf(data, offsets=[(0, 0)], bins='multitau', m=8).shape


def test_bad_arguments(data):
    with pytest.raises(ipcf.IpcfValueError, match='method'):
        ipcf.pcf_errors(data, offsets=[(0, 0)], method='jackknife')
    with pytest.raises(ipcf.IpcfValueError, match='segments'):
        ipcf.pcf_errors(data, offsets=[(0, 0)], method='segments', segments=1)
    with pytest.raises(ipcf.IpcfValueError, match='segments'):
        ipcf.pcf_errors(data, offsets=[(0, 0)], method='segments', segments=T + 1)
    # Python's default, 8, on 6 frames (4 used): the library offered "0 (8)",
    # which this binding refuses (a campaign)
    with pytest.raises(ipcf.IpcfValueError, match=r'segments=8: want 2 to 4 \(the frames used\)$'):
        ipcf.pcf_errors(data[:6], offsets=[(0, 0)], nbins=2, method='segments', time_axis=0)
    with pytest.raises(ipcf.IpcfTypeError, match='segments'):
        ipcf.pcf_errors(data, offsets=[(0, 0)], segments=2.5)
    with pytest.raises(ipcf.IpcfValueError, match='nbins'):
        ipcf.pcf_errors(data, offsets=[(0, 0)], nbins=1)
    with pytest.raises(ipcf.IpcfTypeError):
        ipcf.pcf_errors(data, offsets=[(0, 0)], out=numpy.zeros((SIZE, SIZE, 1, 32)))
    # segments is not used by blocking: any integer is ignored there, with a
    # warning at the caller's line (ipcf pcf refuses --segments with blocking)
    with pytest.warns(ipcf.IgnoredOptionWarning, match="segments=1 is ignored: method='blocking'") as w:
        a = ipcf.pcf_errors(data, offsets=[(0, 0)], nbins=8, segments=1)
    assert w[0].filename == __file__
    b = ipcf.pcf_errors(data, offsets=[(0, 0)], nbins=8)
    assert (a == b).all()
