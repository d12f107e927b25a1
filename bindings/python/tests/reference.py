"""A vectorized numpy implementation of the pCF spec (shared/spec/pcf.md).

All pixels are correlated with one circle offset at a time in float64; no
symmetry, no mean subtraction. Used to cross-check the library and as the
speed baseline of `make bench` (the tutorial's "vectorized numpy" row).
"""

import numpy


def circle(radius, npoints):
    a = numpy.linspace(0, 2 * numpy.pi, npoints, endpoint=False)
    return numpy.stack([numpy.round(radius * numpy.cos(a)), numpy.round(radius * numpy.sin(a))], -1).astype(int)


def logbins(size, nbins):
    return numpy.unique(numpy.logspace(0, numpy.log(size) / numpy.log(2), nbins, base=2).astype(numpy.intp))


def smooth(g):
    g = g.copy()
    g[..., 0] = g[..., 1]
    for i in range(1, g.shape[-1]):
        g[..., i] = 0.3 * g[..., i] + 0.7 * g[..., i - 1]
    for i in range(g.shape[-1] - 2, -1, -1):
        g[..., i] = 0.3 * g[..., i] + 0.7 * g[..., i + 1]
    return g


def pcf(data, radius=6, npoints=32, nbins=32):
    T, H, W = data.shape
    n = 1 << (T.bit_length() - 1)
    ts = numpy.asarray(data[:n], numpy.float64)
    bins = logbins(n // 2, nbins)
    spec = numpy.fft.rfft(ts, axis=0)
    sums = ts.sum(axis=0)
    r = radius
    out = numpy.empty((H - 2 * r, W - 2 * r, npoints, len(bins)), numpy.float32)
    a = spec[:, r:H - r, r:W - r]
    sa = sums[r:H - r, r:W - r]
    edges = numpy.concatenate([[0], bins])
    for i, (u, v) in enumerate(circle(radius, npoints)):
        b = spec[:, r + v:H - r + v, r + u:W - r + u]
        sb = sums[r + v:H - r + v, r + u:W - r + u]
        with numpy.errstate(divide='ignore', invalid='ignore'):
            c = numpy.fft.irfft(b * numpy.conj(a), n=n, axis=0)[:n // 2] / (sa * sb / n) - 1
        g = numpy.add.reduceat(c, edges[:-1], axis=0) / numpy.diff(edges)[:, None, None]
        out[:, :, i] = smooth(numpy.moveaxis(g, 0, -1))
    return out
