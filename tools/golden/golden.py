"""Generate the project's own golden cases (testdata/golden).

Small pCF and bleaching cases computed by the project's numpy reference
(bindings/python/tests/reference.py: the spec in float64, one circle offset
at a time, no symmetry, no mean subtraction) and the spec's bleaching
definition below, written in the format of ../shared/conformance (a
manifest.json and .npy files) so that the same tests read both. The tests
run on these always; ../shared/conformance, an independent implementation's
cases, is checked as well.

Run `make golden` (or `python3 tools/golden/golden.py testdata/golden`) to
regenerate; the outputs are committed.
"""

import hashlib
import json
import os
import sys

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'bindings', 'python', 'tests'))
import reference  # noqa: E402


def stack(seed, frames, height, width, lam=4.0, tau=0.0):
    """Poisson counts of a smoothed random field drifting in time (so that
    neighbours correlate at a delay), optionally bleaching with time
    constant tau (frames)."""
    rng = numpy.random.default_rng(seed)
    field = rng.random((frames + 8, height + 8, width + 8))
    k = numpy.ones(3) / 3
    for axis in (1, 2):
        field = numpy.apply_along_axis(lambda s: numpy.convolve(s, k, 'same'), axis, field)
    drift = numpy.stack([field[t + 4, 4 - t % 3:4 - t % 3 + height, 4:4 + width] for t in range(frames)])
    rate = lam * (0.5 + drift)
    if tau:
        rate = rate * numpy.exp(-numpy.arange(frames) / tau)[:, None, None]
    return rng.poisson(rate).astype(numpy.uint16)


def round_half_away(x):
    r = numpy.trunc(x)
    return r + numpy.where(numpy.abs(x - r) >= 0.5, numpy.sign(x), 0)


def bleach(data, filtersize, mean='real'):
    """The spec's photobleaching correction, float64, every pixel at once."""
    d = numpy.asarray(data, numpy.float64)
    n = d.shape[0]
    f0 = 1.0 / filtersize
    f1 = 1.0 - f0
    s = numpy.empty_like(d)
    s[0] = d[0]
    for i in range(1, n):
        s[i] = d[i] * f0 + s[i - 1] * f1
    for i in range(n - 2, -1, -1):
        s[i] = s[i] * f0 + s[i + 1] * f1
    total = d.sum(axis=0)
    m = numpy.floor(total / n) if mean == 'floor' else total / n
    with numpy.errstate(divide='ignore', invalid='ignore'):
        out = round_half_away(numpy.sqrt(numpy.abs(m / s)) * (d - s) + m)
    out = numpy.clip(numpy.nan_to_num(out, nan=0.0), 0, 65535)
    return out[filtersize:n - filtersize].astype(numpy.uint16)


def entry(dirname, name, arr):
    path = os.path.join(dirname, name)
    numpy.save(path, arr)
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return {'file': name, 'dtype': str(arr.dtype), 'shape': list(arr.shape), 'sha256': digest}


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    cases = []

    def pcf_case(name, data, radius, npoints, nbins, note, filtersize=0, mean='real'):
        inp = entry(outdir, name + '.input.npy', data)
        outs = []
        params = {'radius': radius, 'npoints': npoints, 'nbins': nbins}
        op = 'pcf'
        series = data
        if filtersize:
            op = 'bleach+pcf'
            params.update(filtersize=filtersize, mean=mean)
            series = bleach(data, filtersize, mean)
            outs.append(dict(role='expected_corrected', **entry(outdir, name + '.expected_corrected.npy', series)))
        with numpy.errstate(divide='ignore', invalid='ignore'):
            res = reference.pcf(series, radius, npoints, nbins)
        outs.append(dict(role='expected', tolerance={'atol': 1e-6}, **entry(outdir, name + '.expected.npy', res)))
        cases.append({'name': name, 'op': op, 'params': params, 'note': note, 'input': inp, 'outputs': outs})

    def bleach_case(name, data, filtersize, mean, note):
        inp = entry(outdir, name + '.input.npy', data)
        out = entry(outdir, name + '.expected.npy', bleach(data, filtersize, mean))
        cases.append({'name': name, 'op': 'bleach', 'params': {'filtersize': filtersize, 'mean': mean}, 'note': note,
                      'input': inp, 'outputs': [dict(role='expected', **out)]})

    pcf_case('golden_pcf_small', stack(1, 256, 12, 11), 2, 8, 10, 'power-of-two frames, width != height')
    pcf_case('golden_pcf_trim', stack(2, 300, 10, 10), 3, 12, 12, '300 frames: the first 256 are used')
    zero = stack(3, 128, 9, 9)
    zero[:, 4, 5] = 0
    pcf_case('golden_pcf_zero_pixel', zero, 2, 8, 8, 'a pixel summing to zero: every curve involving it is NaN')
    pcf_case('golden_pcf_r1_dup', stack(4, 64, 7, 8), 1, 16, 6, 'radius 1, 16 points: duplicate offsets')
    pcf_case('golden_pcf_odd', stack(5, 512, 9, 13, lam=1.5), 2, 5, 16, 'odd point count, low counts, fewer bins than asked')
    bleach_case('golden_bleach', stack(6, 200, 6, 5, lam=300, tau=150), 10, 'real', 'bleaching decay, real mean')
    bleach_case('golden_bleach_floor', stack(6, 200, 6, 5, lam=300, tau=150), 10, 'floor', 'the tutorial\'s floor mean')
    pcf_case('golden_bleach_pcf', stack(7, 144, 8, 8, lam=200, tau=100), 1, 4, 6, 'bleach, then pCF of the corrected series',
             filtersize=8)

    manifest = {'format': 1, 'set': 'ipcf golden',
                'generator': 'tools/golden/golden.py: the project\'s numpy reference (float64)', 'cases': cases}
    with open(os.path.join(outdir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'testdata', 'golden'))
