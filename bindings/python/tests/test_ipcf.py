"""Tests of the Python binding (run by `make test` with Debian's python3)."""

import ctypes
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
import warnings

import numpy
import pytest

import ipcf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..', '..')
CONFORMANCE = os.environ.get('IPCF_CONFORMANCE', os.path.join(ROOT, '..', 'shared', 'conformance'))


GOLDEN = os.path.join(ROOT, 'testdata', 'golden')


def test_shared_conformance_present():
    # A missing ../shared fails the run; it never skips the conformance cases.
    assert os.path.exists(os.path.join(CONFORMANCE, 'manifest.json')), \
        f'{CONFORMANCE}/manifest.json not found: ../shared must be beside the checkout (or set IPCF_CONFORMANCE)'


def case_ids():
    ids = []
    for folder in (GOLDEN, CONFORMANCE):  # the project's own cases, then the shared ones
        path = os.path.join(folder, 'manifest.json')
        if os.path.exists(path):
            with open(path) as fh:
                ids += [(folder, c['name']) for c in json.load(fh)['cases']]
    return ids


@pytest.mark.parametrize('folder,name', case_ids(), ids=lambda v: os.path.basename(v) if os.sep in str(v) else v)
def test_conformance(folder, name):
    with open(os.path.join(folder, 'manifest.json')) as fh:
        case = {c['name']: c for c in json.load(fh)['cases']}[name]
    CONFORMANCE = folder
    p = case['params']
    data = numpy.load(os.path.join(CONFORMANCE, case['input']['file']))
    mean = 'floor' if p.get('mean') in ('int', 'floor') else 'real'
    outputs = {o['role']: numpy.load(os.path.join(CONFORMANCE, o['file'])) for o in case['outputs']}
    if case['op'] == 'bleach':
        numpy.testing.assert_array_equal(ipcf.correct_bleaching(data, p['filtersize'], mean=mean), outputs['expected'])
        return
    if 'expected_corrected' in outputs:
        corrected = ipcf.correct_bleaching(data, p['filtersize'], mean=mean)
        numpy.testing.assert_array_equal(corrected, outputs['expected_corrected'])
    result = ipcf.pcf(data, radius=p['radius'], npoints=p['npoints'], nbins=p['nbins'],
                      bleach=p.get('filtersize', 0), bleach_mean=mean)
    numpy.testing.assert_allclose(result, outputs['expected'], rtol=0, atol=1e-6, equal_nan=True)


@pytest.fixture(scope='module')
def stack():
    # Values below 256, so every dtype holds them exactly.
    data = ipcf.simulate(frames=300, size=20, seed=7, particles=40, brightness=30, background=5)
    return numpy.minimum(data, 255).astype(numpy.uint16)


@pytest.fixture(scope='module')
def reference(stack):
    return ipcf.pcf(stack, radius=3, npoints=12, nbins=10)


@pytest.mark.parametrize('dtype', ['u1', 'u2', 'i2', 'i4', 'f4', 'f8'])
@pytest.mark.parametrize('byteorder', ['<', '>'])
@pytest.mark.parametrize('layout', ['C', 'F', 'reversed-time', 'sliced'])
def test_layouts_and_dtypes(stack, reference, dtype, byteorder, layout):
    a = stack.astype(numpy.dtype(dtype).newbyteorder(byteorder))
    want = reference
    if layout == 'F':
        a = numpy.asfortranarray(a)
    elif layout == 'reversed-time':
        # a[::-1] runs backwards in memory; un-reversed it is the input again
        a = numpy.ascontiguousarray(a[::-1])[::-1]
        assert a.strides[0] < 0
    elif layout == 'sliced':
        big = numpy.zeros((a.shape[0], a.shape[1] + 5, 2 * a.shape[2]), a.dtype)
        big[:, 2:2 + a.shape[1], ::2] = a
        a = big[:, 2:2 + stack.shape[1], ::2]
        assert not a.flags.c_contiguous
    result = ipcf.pcf(a, radius=3, npoints=12, nbins=10)
    if numpy.dtype(dtype).kind == 'f':
        # Every series is scaled per pixel by a power of two before the
        # float32 FFTs, integer ones too (core/pcf's scaleOf): the same
        # values give bitwise the same curves whatever their dtype. Within
        # a dtype, every layout and byte order is bitwise the same.
        numpy.testing.assert_array_equal(result, want)
        want = ipcf.pcf(stack.astype(dtype), radius=3, npoints=12, nbins=10)
    numpy.testing.assert_array_equal(result, want)


def test_no_copy_of_the_input():
    data = numpy.asfortranarray(ipcf.simulate(frames=1024, size=48, seed=1)).astype('>u2')[:, ::-1]
    assert not data.flags.c_contiguous and not data.flags.f_contiguous
    out = numpy.empty(ipcf.pcf_output_shape(data.shape, radius=4, npoints=8, nbins=8), numpy.float32)
    tracemalloc.start()
    ipcf.pcf(data, radius=4, npoints=8, nbins=8, out=out)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # numpy's allocations are traced: a copy of the input would show up.
    assert peak < data.nbytes / 10, f'{peak} bytes allocated by Python for a {data.nbytes}-byte input'


def test_out_and_mask(stack, reference):
    out = numpy.full(reference.shape, 7, numpy.float32)
    assert ipcf.pcf(stack, radius=3, npoints=12, nbins=10, out=out) is out
    numpy.testing.assert_array_equal(out, reference)
    mask = numpy.zeros(stack.shape[1:], bool)
    mask[5:9, 4:12] = True
    masked = ipcf.pcf(stack, radius=3, npoints=12, nbins=10, mask=mask)
    inner = mask[3:-3, 3:-3]
    numpy.testing.assert_array_equal(masked[inner], reference[inner])
    assert numpy.isnan(masked[~inner]).all()


def test_dask_threaded_equals_in_memory(stack, reference):
    da = pytest.importorskip('dask.array')
    import ipcf.dask

    for chunks in [(-1, 7, 9), (-1, 10, 20), (-1, 20, 4)]:
        lazy = ipcf.dask.pcf(da.from_array(stack, chunks=chunks), radius=3, npoints=12, nbins=10)
        numpy.testing.assert_array_equal(lazy.compute(scheduler='threads'), reference)
    corrected = ipcf.dask.correct_bleaching(da.from_array(stack, chunks=(-1, 6, 6)), 50)
    numpy.testing.assert_array_equal(corrected.compute(), ipcf.correct_bleaching(stack, 50))
    mask = numpy.ones(stack.shape[1:], numpy.uint8)
    mask[:10] = 0
    lazy = ipcf.dask.pcf(da.from_array(stack, chunks=(-1, 8, 8)), radius=3, npoints=12, nbins=10, mask=mask)
    numpy.testing.assert_array_equal(lazy.compute(), ipcf.pcf(stack, radius=3, npoints=12, nbins=10, mask=mask))


@pytest.mark.parametrize('dtype', ['int8', 'uint32', 'int64', 'uint64', '>i8'])
def test_correct_bleaching_keeps_every_integer_type(dtype):
    # The spec: "the output keeps the input's integer type" (these came
    # back as uint16), clipped to it as the library clips its own types:
    # the values of the int32 correction, at most the type's largest.
    t = numpy.arange(300)[:, None, None]
    x = numpy.random.default_rng(3).poisson(100 * numpy.exp(-t / 100), (300, 4, 5)).clip(0, 127).astype(numpy.int32)
    x[240, 1, 1] = 120  # late and bright: corrected above int8's 127
    got = ipcf.correct_bleaching(x.astype(dtype), 50)
    want = ipcf.correct_bleaching(x, 50)
    assert got.dtype == numpy.dtype(dtype).newbyteorder('=')
    numpy.testing.assert_array_equal(got, numpy.minimum(want, numpy.iinfo(got.dtype).max))
    if dtype == 'int8':
        assert (want > 127).any() and got.max() == 127
    if dtype == 'int64':  # a list of Python ints: numpy reads it as int64
        lst = ipcf.correct_bleaching(x.astype(dtype).tolist(), 50)
        assert lst.dtype == numpy.int64
        numpy.testing.assert_array_equal(lst, want)


def test_correct_bleaching_line_scan_is_its_one_row_stack():
    # A (time, column) line scan, which pcf takes, is corrected as the
    # (time, 1, column) stack it is and comes back (time, column), in
    # memory, into out, with time_axis, lazily with dask, and by the CLI.
    t = numpy.arange(400)[:, None]
    x = numpy.random.default_rng(5).poisson(200 * numpy.exp(-t / 300), (400, 23)).astype(numpy.uint16)
    want = ipcf.correct_bleaching(x[:, None, :], 60)[:, 0, :]
    got = ipcf.correct_bleaching(x, 60)
    assert got.shape == (280, 23) and got.dtype == numpy.uint16
    numpy.testing.assert_array_equal(got, want)
    out = numpy.zeros((280, 23), numpy.int32)
    assert ipcf.correct_bleaching(x, 60, out=out) is out
    numpy.testing.assert_array_equal(out, want)
    numpy.testing.assert_array_equal(ipcf.correct_bleaching(x.T, 60, time_axis=-1), want)
    with pytest.raises(ipcf.IpcfValueError, match=r'want \(280, 23\)'):
        ipcf.correct_bleaching(x, 60, out=numpy.zeros((280, 1, 23), numpy.uint16))
    da = pytest.importorskip('dask.array')
    from ipcf import dask as ipcf_dask

    lazy = ipcf_dask.correct_bleaching(da.from_array(x, chunks=(100, 7)), 60)
    assert lazy.shape == (280, 23) and lazy.dtype == numpy.uint16
    numpy.testing.assert_array_equal(lazy.compute(), want)


@pytest.mark.parametrize('dtype', ['int64', 'uint64', '>i8'])
def test_64bit_integers_beyond_float64_refused(dtype):
    # 2**60 + counts: float64 holds steps of 256 there, every series became
    # constant and every curve exactly 0, without a word (a campaign). Up to
    # 2**53 they are exact, and computed.
    x = numpy.random.default_rng(4).poisson(30, (256, 6, 6))
    for f in (lambda d: ipcf.pcf(d, radius=1, npoints=4, nbins=4), lambda d: ipcf.correct_bleaching(d, 16),
              lambda d: ipcf.acf(d, nbins=4)):
        with pytest.raises(ipcf.IpcfValueError, match=r'beyond 2\*\*53'):
            f((x + 2 ** 60).astype(dtype))
        if dtype != 'uint64':
            with pytest.raises(ipcf.IpcfValueError, match=r'beyond 2\*\*53'):
                f((x - 2 ** 60).astype(dtype))
    edge = (x + 2 ** 53 - 100).astype(dtype)
    numpy.testing.assert_array_equal(ipcf.pcf(edge, radius=1, npoints=4, nbins=4),
                                     ipcf.pcf(edge.astype(numpy.float64), radius=1, npoints=4, nbins=4))


def test_default_filtersize_is_the_librarys():
    o = ipcf._c.BleachOptions()
    ipcf._lib.ipcf_bleach_options_init(ctypes.byref(o))
    assert ipcf.DEFAULT_FILTERSIZE == o.filtersize == 1024
    import inspect
    from ipcf import dask as ipcf_dask
    for f in (ipcf.correct_bleaching, ipcf_dask.correct_bleaching):
        assert inspect.signature(f).parameters['filtersize'].default == ipcf.DEFAULT_FILTERSIZE


@pytest.mark.parametrize('dtype', ['uint8', 'uint16', '>u2', 'int16', 'int32', 'uint32', 'int64', 'uint64', 'int8',
                                   'bool', 'float16', 'float32', 'float64'])
def test_dask_correct_bleaching_dtype_is_in_memory_dtype(dtype):
    # The lazy array says the dtype compute() gives, the in-memory one:
    # da.store into an array of lazy.dtype must not clip (int8 did).
    da = pytest.importorskip('dask.array')
    import ipcf.dask

    rng = numpy.random.default_rng(2)
    x = rng.integers(0, 2 if dtype == 'bool' else 100, (64, 5, 5)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ipcf.CountsWarning)
        want = ipcf.correct_bleaching(x, 5)
        lazy = ipcf.dask.correct_bleaching(da.from_array(x, chunks=(64, 3, 3)), 5)
        got = lazy.compute()
    assert lazy.dtype == want.dtype == got.dtype
    numpy.testing.assert_array_equal(got, want)


def test_dask_local_cluster_equals_in_memory(stack, reference):
    da = pytest.importorskip('dask.array')
    distributed = pytest.importorskip('distributed')
    import ipcf.dask

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                                  host='127.0.0.1', processes=True) as cluster:
        with distributed.Client(cluster) as client:
            lazy = ipcf.dask.pcf(da.from_array(stack, chunks=(-1, 10, 10)), radius=3, npoints=12, nbins=10)
            result = client.compute(lazy).result()
    numpy.testing.assert_array_equal(result, reference)


@pytest.mark.parametrize('call, exc, text', [
    (lambda d: ipcf.pcf(d[0, 0]), ipcf.IpcfValueError, '1 dimensions, want 3'),
    (lambda d: ipcf.pcf(d.astype(complex)), ipcf.IpcfTypeError, 'not supported'),
    (lambda d: ipcf.pcf(d.astype(object)), TypeError, 'not supported'),
    (lambda d: ipcf.pcf(d, radius=10), ipcf.IpcfValueError, 'radius=10 too large'),
    (lambda d: ipcf.pcf(d, nbins=1), ipcf.IpcfValueError, 'nbins=1'),
    (lambda d: ipcf.pcf(d, npoints=0), ipcf.IpcfValueError, 'npoints=0'),
    (lambda d: ipcf.pcf(d[:3]), ipcf.IpcfValueError, 'want >= 4'),
    (lambda d: ipcf.pcf(d, mask=numpy.ones((3, 3))), ipcf.IpcfValueError, 'mask shape'),
    (lambda d: ipcf.pcf(d, bleach_mean='median'), ValueError, 'median'),
    (lambda d: ipcf.pcf(d, bleach_mean='floor'), ipcf.IpcfValueError, 'bleach_mean is the bleaching'),
    (lambda d: ipcf.pcf(d, out=numpy.empty(5)), TypeError, 'float32'),
    (lambda d: ipcf.correct_bleaching(d, 200), ValueError, 'filtersize=200'),
    (lambda d: ipcf.correlate([1, 2], [1, 2, 3]), ValueError, 'equal lengths'),
    (lambda d: ipcf.convolve2d(numpy.ones((3, 3)), numpy.ones((2, 3))), ValueError, 'odd'),
    (lambda d: ipcf.circle(0, 4), ValueError, 'radius=0'),
    (lambda d: ipcf.logbins(100, 1), ValueError, 'nbins=1'),
])
def test_errors(stack, call, exc, text):
    with pytest.raises(exc, match=re.escape(text)):
        call(stack)


def test_error_carries_status():
    with pytest.raises(ipcf.IpcfError) as info:
        ipcf.pcf(numpy.ones((8, 4, 4), numpy.uint16), radius=2)
    assert info.value.status == 1 and info.value.message.startswith('ipcf_pcf')


def test_zero_pixel_is_nan():
    data = numpy.ones((16, 6, 6), numpy.uint16) + numpy.arange(16, dtype=numpy.uint16)[:, None, None] % 3
    data[:, 2, 3] = 0
    r = ipcf.pcf(data, radius=1, npoints=4, nbins=4)
    assert numpy.isnan(r[1, 2]).all() and numpy.isnan(r[1, 1, 0]).all() and not numpy.isnan(r[0, 0]).any()


def test_parameters():
    numpy.testing.assert_array_equal(ipcf.circle(6, 4), [[6, 0], [0, 6], [-6, 0], [0, -6]])
    assert ipcf.logbins(8192, 32)[-1] == 8192 and len(ipcf.logbins(8192, 32)) == 30
    assert ipcf.correlate([1, 2, 3, 4], [5, 6, 7, 8], mode='same').tolist() == [23, 44, 70, 56]
    assert ipcf.correlate([1, 2], [3, 4], mode='same').tolist() == [4, 11]
    # exact for integers: refused where float64 could round a value (it
    # returned 4294967296 for 4294967328 here: an Octave campaign)
    big = numpy.array([1073741825, 1073741827, -1073741817], numpy.int32), numpy.array([1073741823, 1073741829, 1073741833], numpy.int32)
    for x, y in (big, (big[0].astype(numpy.int64), big[1].astype(numpy.int64)), (big[0].tolist(), big[1].tolist())):
        with pytest.raises(ipcf.IpcfValueError, match='cannot hold every integer result exactly'):
            ipcf.correlate(x, y, mode='same')  # int32; int64 and lists arrive as float64
    # a list of Python ints beyond int64 (numpy makes floats of it)
    with pytest.raises(ipcf.IpcfValueError, match='cannot hold every integer result exactly'):
        ipcf.correlate([2 ** 63 + 1, 1], [1, 0], mode='same')
    assert ipcf.correlate([3, 1], [1, 2], mode='same').tolist() == [6, 5]  # numpy.correlate's
    # integers held in floats are floats: no promise, numpy's value
    assert ipcf.correlate(big[0].astype(float), big[1].astype(float), mode='same')[2] == numpy.correlate(
        big[0].astype(float), big[1].astype(float), 'same')[2]
    u = numpy.array([65535, 65535], numpy.uint16), numpy.array([65533, 1], numpy.uint16)
    assert ipcf.correlate(*u, mode='same').tolist() == [65535, 65535 * 65533 + 65535]
    a = numpy.random.default_rng(1).uniform(1, 2, 64)
    b = numpy.roll(a, 5)
    c = ipcf.correlate(a, b)
    ref = numpy.fft.irfft(numpy.fft.rfft(b) * numpy.conj(numpy.fft.rfft(a)))[:32] / (a.sum() * b.sum() / 64) - 1
    numpy.testing.assert_allclose(c, ref, atol=1e-12)
    assert ipcf.convolve2d(numpy.arange(6, dtype=numpy.uint8).reshape(2, 3), [[1, 0, -1]]).dtype == numpy.int32


def test_version():
    with open(os.path.join(ROOT, 'include', 'ipcf.h')) as fh:
        h = fh.read()
    v = [re.search(rf'IPCF_VERSION_{k} (\d+)', h).group(1) for k in ('MAJOR', 'MINOR', 'PATCH')]
    assert ipcf.__version__ == '.'.join(v)
    assert ipcf.version().startswith(ipcf.__version__)


def test_header_constants():
    """The binding's copies of ipcf.h's constants are the header's."""
    with open(os.path.join(ROOT, 'include', 'ipcf.h')) as fh:
        h = fh.read()
    assert float(re.search(r'#define IPCF_FIT_DEFAULT_WAIST ([0-9.]+)', h).group(1)) == ipcf._c.FIT_DEFAULT_WAIST
    for name, v in (('FLOW', ipcf._c.FIT_FLOW), ('GINF', ipcf._c.FIT_GINF), ('JOINT', ipcf._c.FIT_JOINT),
                    ('DELTA', ipcf._c.FIT_DELTA)):
        assert int(re.search(rf'#define IPCF_FIT_{name} (\d+)', h).group(1)) == v, name
    for name, v in ipcf._c.MODELS.items():
        assert int(re.search(rf'#define IPCF_MODEL_{name.upper()} (\d+)', h).group(1)) == v, name
    assert int(re.search(r'#define IPCF_MAX_THREADS (\d+)', h).group(1)) == ipcf._c.MAX_THREADS


def test_threads_beyond_the_librarys_refused_when_given():
    # threads=5000 built ipcf.dask's graph and failed at compute, once per
    # block; IPCF_NUM_THREADS=99999 failed every call with a message that
    # did not name the variable. Refused (or ignored, named) at once.
    x = numpy.zeros((64, 8, 8), numpy.uint16)
    with pytest.raises(ipcf.IpcfValueError, match='threads=4097'):
        ipcf.pcf(x, radius=1, npoints=4, nbins=4, threads=4097)
    da = pytest.importorskip('dask.array')
    from ipcf import dask as ipcf_dask
    for f in (lambda d: ipcf_dask.pcf(d, radius=1, npoints=4, nbins=4, threads=5000),
              lambda d: ipcf_dask.acf(d, nbins=4, threads=5000), lambda d: ipcf_dask.correct_bleaching(d, 8, threads=5000)):
        with pytest.raises(ipcf.IpcfValueError, match='threads=5000'):
            f(da.from_array(x, chunks=(-1, 4, 4)))


def test_dask_mask_nan_refused_when_built():
    # refused at compute, once per block, at the row and column inside the
    # overlapped block (row 7, column 3 for 9, 13)
    da = pytest.importorskip('dask.array')
    from ipcf import dask as ipcf_dask
    x = numpy.zeros((64, 20, 20), numpy.uint16)
    mask = numpy.ones((20, 20))
    mask[9, 13] = numpy.nan
    with pytest.raises(ipcf.IpcfValueError, match='mask value NaN at row 9, column 13'):
        ipcf.pcf(x, radius=1, npoints=4, nbins=4, mask=mask)
    with pytest.raises(ipcf.IpcfValueError, match='mask value NaN at row 9, column 13'):
        ipcf_dask.pcf(da.from_array(x, chunks=(-1, 4, 4)), radius=1, npoints=4, nbins=4, mask=mask)
    with pytest.raises(ipcf.IpcfValueError, match='mask value NaN at column 13'):
        ipcf_dask.pcf(da.from_array(x[:, 0], chunks=(-1, 4)), radius=1, nbins=4, mask=mask[9])


def test_threads_env_beyond_the_librarys_ignored(monkeypatch, stack):
    monkeypatch.setenv('IPCF_NUM_THREADS', '99999')
    with pytest.warns(UserWarning, match="ignoring IPCF_NUM_THREADS='99999': not a whole number 0..4096"):
        got = ipcf.pcf(stack[:64], radius=2, npoints=4, nbins=4)
    monkeypatch.delenv('IPCF_NUM_THREADS')
    assert got.tobytes() == ipcf.pcf(stack[:64], radius=2, npoints=4, nbins=4).tobytes()


def test_threads_env_warning(monkeypatch, stack):
    monkeypatch.setenv('IPCF_NUM_THREADS', 'lots')
    with pytest.warns(UserWarning, match='IPCF_NUM_THREADS'):
        ipcf.pcf(stack[:64], radius=2, npoints=4, nbins=4)


def test_progress(stack, capsys):
    # tqdm's bar: a meaningful unit (frames, or percent of the work), kept when the call ends.
    pytest.importorskip('tqdm')
    ipcf.simulate(frames=300, size=8, progress=True)
    err = capsys.readouterr().err
    last = err.rstrip('\n').split('\r')[-1]
    assert err.endswith('\n') and last.startswith('simulate: 100%') and '300/300' in last, repr(err)
    assert 'frame/s' in last and 'unit' not in err, repr(err)
    ipcf.pcf(stack, radius=3, npoints=12, nbins=10, progress=True)
    err = capsys.readouterr().err
    last = err.rstrip('\n').split('\r')[-1]
    assert err.endswith('\n') and last.startswith('pcf: 100%|'), repr(err)
    assert 'unit' not in err and 'it/s' not in err, repr(err)


def test_progress_not_a_bool_refused(stack, tmp_path):
    # progress= is True or False as the other switches: an array raised
    # numpy's "truth value of an array is ambiguous" from inside the binding
    for bad in (numpy.ones(3), None, 1, 'yes'):
        with pytest.raises(ipcf.IpcfTypeError, match='progress=.*want True or False'):
            ipcf.pcf(stack, radius=3, npoints=12, nbins=10, progress=bad)
        with pytest.raises(ipcf.IpcfTypeError, match='progress=.*want True or False'):
            ipcf.pcf_file(str(tmp_path / 'missing.npy'), str(tmp_path / 'r.npy'), progress=bad)


def test_progress_bar_options(monkeypatch, stack, tmp_path):
    made = []

    class Bar:
        def __init__(self, **kw):
            self.kw, self.n, self.closed = kw, 0, False
            made.append(self)

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    monkeypatch.setattr(ipcf, '_tqdm', lambda: Bar)
    ipcf.simulate(frames=200, size=8, progress=True)
    ipcf.correct_bleaching(ipcf.simulate(frames=64, size=8), 4, progress=True)
    ipcf.acf(stack, nbins=10, progress=True)
    assert [b.kw['desc'] for b in made] == ['simulate', 'bleach', 'acf']
    assert all(b.kw['leave'] is True and b.closed for b in made)
    assert made[0].kw['unit'] == 'frame' and made[0].kw['total'] == 200 and made[0].n == 200
    for b in made[1:]:
        assert b.kw['unit'] == '%' and b.kw['total'] == 100 and b.n == 100
        assert '{percentage' in b.kw['bar_format'] and '{rate' not in b.kw['bar_format']
    # A file job: one bar per phase, frames read, percent of the pCF.
    del made[:]
    numpy.save(tmp_path / 'in.npy', stack)
    ipcf.pcf_file(tmp_path / 'in.npy', tmp_path / 'out.npy', radius=3, npoints=12, nbins=10, progress=True)
    units = {b.kw['desc']: b.kw['unit'] for b in made}
    assert units['pcf_file read'] == 'frame' and units['pcf_file pcf'] == '%', units
    assert all(b.kw['leave'] is True and b.closed for b in made)


def test_ctrl_c_in_a_quick_call_is_keyboardinterrupt(monkeypatch, stack):
    """Ctrl+C while a quick call (on the main thread, no helper) draws its
    bar raises KeyboardInterrupt in the progress callback, where ctypes
    swallowed it: the call failed with IpcfError 'cancelled' instead
    (a host campaign: 5 of 6 interrupts), and a loop catching IpcfError
    could not be stopped. Simulated by a bar whose update raises it; the
    next call works."""
    class Bar:
        def __init__(self, **kw):
            pass

        def update(self, n):
            raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(ipcf, '_tqdm', lambda: Bar)
    small = stack[:64, :9, :9]
    for call in (lambda: ipcf.pcf(small, radius=2, npoints=4, nbins=4, progress=True),
                 lambda: ipcf.correct_bleaching(small, 4, progress=True)):
        with pytest.raises(KeyboardInterrupt):
            call()
    monkeypatch.setattr(ipcf, '_tqdm', lambda: None)
    want = ipcf.pcf(small, radius=2, npoints=4, nbins=4)
    assert numpy.array_equal(ipcf.pcf(small, radius=2, npoints=4, nbins=4, progress=True), want, equal_nan=True)


def test_a_bar_raising_systemexit_stops_the_call_and_raises_it(monkeypatch, stack, tmp_path):
    """A progress bar whose update raises SystemExit (a handler calling
    sys.exit) or another BaseException: ctypes printed and swallowed it in
    the callback, and the call went on or failed as 'cancelled'. The call
    is now cancelled and the exception raised, for quick calls, calls in
    the helper thread and file jobs' phase bars; the next call works."""
    class Stop(BaseException):
        pass

    for exc in (SystemExit(3), Stop()):
        class Bar:
            def __init__(self, **kw):
                pass

            def update(self, n):
                raise exc

            def close(self):
                pass

        monkeypatch.setattr(ipcf, '_tqdm', lambda: Bar)
        small, big = stack[:64, :9, :9], numpy.concatenate([stack] * 4)  # big: not a quick call
        numpy.save(tmp_path / 'in.npy', stack)
        out = tmp_path / 'out.npy'
        for call in (lambda: ipcf.pcf(small, radius=2, npoints=4, nbins=4, progress=True),  # quick
                     lambda: ipcf.pcf(big, radius=2, npoints=4, nbins=4, progress=True),  # helper thread
                     lambda: ipcf.correct_bleaching(small, 4, progress=True),
                     lambda: ipcf.pcf_file(tmp_path / 'in.npy', out, radius=2, npoints=4, nbins=4, progress=True)):
            with pytest.raises(type(exc)) as info:
                call()
            assert info.value is exc
        assert not out.exists()  # the file job was cancelled, not finished
    monkeypatch.setattr(ipcf, '_tqdm', lambda: None)
    want = ipcf.pcf(stack, radius=2, npoints=4, nbins=4)
    assert numpy.array_equal(ipcf.pcf(stack, radius=2, npoints=4, nbins=4, progress=True), want, equal_nan=True)


def test_progress_without_tqdm_keeps_the_line(monkeypatch, capsys):
    monkeypatch.setattr(ipcf, '_tqdm', lambda: None)
    ipcf.simulate(frames=100, size=8, progress=True)
    err = capsys.readouterr().err
    assert err.endswith('\n'), repr(err)
    assert err.rstrip('\n').split('\r')[-1] == 'simulate [##############################] 100% 100/100 frames'


def test_gil_released():
    data = ipcf.simulate(frames=4096, size=40, seed=2)
    spans = {}

    def work(name):
        t0 = time.perf_counter()
        ipcf.pcf(data, radius=4, npoints=16, nbins=16, threads=1)
        spans[name] = (t0, time.perf_counter())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (a0, a1), (b0, b1) = spans[0], spans[1]
    # With the GIL held during a call, one call would start after the other ended.
    assert max(a0, b0) < min(a1, b1)


def test_forked_child_gets_an_error():
    if not hasattr(os, 'fork'):
        pytest.skip('no fork on this platform')
    data = numpy.ones((16, 6, 6), numpy.uint16)
    ipcf.pcf(data, radius=1)  # the child's pcf finds these options in the binding's cache
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        # Every call is refused before it reads anything of the library's:
        # pcf read a zeroed default m and warned IgnoredOptionWarning first.
        warnings.simplefilter('error')
        msgs = []
        for call in (lambda: ipcf.circle(3, 4), lambda: ipcf.pcf(data, radius=1),
                     lambda: ipcf.correct_bleaching(data, 2), lambda: ipcf.simulate(16, 6),
                     # (the units' check blamed the argument: IpcfValueError, status 1)
                     lambda: ipcf.pcf(data, radius=1, frame_interval=0.1), lambda: ipcf.delays(64, frame_interval=0.1)):
            try:
                call()
                msgs.append(b'no error')
            except ipcf.IpcfError as exc:
                msgs.append(b'ok %d ' % exc.status + str(exc).encode()[:300])
            except BaseException as exc:  # noqa
                msgs.append(repr(exc).encode()[:200])
        os.write(w, b'|'.join(msgs))
        os._exit(0)
    os.close(w)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail('the forked child hung')
    msgs = os.read(r, 2000).split(b'|')
    # IPCF_E_FORKED (11), as the library reports it to C hosts: not a bug (7)
    assert len(msgs) == 6 and all(m.startswith(b'ok 11 ') and b'spawn' in m for m in msgs), msgs


def test_ctrl_c_cancels():
    code = r'''
import sys, time, numpy, ipcf
data = ipcf.simulate(frames=16384, size=64, seed=1, threads=2)
print('ready', flush=True)
t0 = time.monotonic()
try:
    ipcf.pcf(data, threads=1)
    print('finished', flush=True)
except KeyboardInterrupt:
    print('interrupted %.3f' % (time.monotonic() - t0), flush=True)
    print('usable', ipcf.circle(3, 4).shape, flush=True)
'''
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, '..'))
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, text=True)
    assert proc.stdout.readline().strip() == 'ready'
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    elapsed = time.monotonic() - sent
    assert 'interrupted' in out, (out, err)
    assert 'usable (4, 2)' in out
    assert proc.returncode == 0
    assert elapsed < 10, f'exited {elapsed:.2f} s after SIGINT'  # (a hang, not the latency, which load stretches)


def test_signals_blocked_on_the_threads_doing_library_work():
    # CPython runs signal handlers on the main thread, and a signal the
    # kernel delivers to another thread wakes no main thread asleep in a
    # lock (dask's compute): Ctrl+C was then ignored until a block ended.
    # The library's own threads, the calls' helper threads and dask's
    # workers inside a block block SIGINT (and the other asynchronous
    # signals), so the kernel gives it to the main thread; the main
    # thread, and a dask worker once its block ended, keep their masks.
    pytest.importorskip('dask.array')
    code = r'''
import os, signal, threading, numpy, dask.array as da
def blocked(tid='self'):
    path = '/proc/self/status' if tid == 'self' else '/proc/self/task/%d/status' % tid
    for ln in open(path):
        if ln.startswith('SigBlk:'):
            return bool(int(ln.split()[1], 16) >> (signal.SIGINT - 1) & 1)
before = {int(t) for t in os.listdir('/proc/self/task')}
import ipcf, ipcf.dask as idk
data = ipcf.simulate(frames=2048, size=24, seed=1)
ipcf.pcf(data, radius=3, npoints=64, nbins=8)  # long enough for a helper thread
seen = []
inner = idk._pcf
def recording(*args, **kwargs):
    seen.append(blocked(threading.get_native_id()))
    return inner(*args, **kwargs)
idk._pcf = recording
idk.pcf(da.from_array(data, chunks=(-1, 24, 12)), radius=3, npoints=8, nbins=8).sum().compute(scheduler='threads', num_workers=2)
python = {t.native_id for t in threading.enumerate()}
after = {int(t) for t in os.listdir('/proc/self/task')}
library = sorted(after - before - python)
print('main', blocked(threading.get_native_id()))
print('blocks', seen)
print('workers', sorted(blocked(t.native_id) for t in threading.enumerate() if t.name.startswith('ThreadPoolExecutor')))
print('helpers', sorted(blocked(t.native_id) for t in threading.enumerate() if t.name == 'ipcf-call'))
print('library', len(library), all(blocked(t) for t in library))
'''
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, '..'))
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = dict(ln.split(' ', 1) for ln in proc.stdout.splitlines())
    assert out['main'] == 'False', proc.stdout
    assert out['blocks'] == '[True, True]', proc.stdout
    assert out['workers'] == '[False, False]', proc.stdout
    assert out['helpers'] == '[True]', proc.stdout
    n, every = out['library'].split()
    assert int(n) >= 2 and every == 'True', proc.stdout


@pytest.mark.parametrize('scheduler', ['threads', 'sync'])
def test_ctrl_c_cancels_the_running_dask_blocks(scheduler):
    # Ctrl+C during an ipcf.dask compute on dask's threaded scheduler (its
    # default) raised KeyboardInterrupt, but the blocks running on dask's
    # worker threads, called without a token, ran to their end. They are
    # cancelled now: each block call ends in IpcfError E_CANCELLED, none
    # completes. The graph is fused (.sum()) and the block a correction
    # too (correct_bleaching), as dask fuses them.
    #
    # SIGINT comes from this process, as a terminal's Ctrl+C or Jupyter's
    # interrupt comes from outside. The kernel delivered it at times to
    # another thread than the main one: CPython then ran its handler when
    # the main thread, asleep in dask's queue, woke as a block ended, and
    # that block completed (1 run in 10 to 20; CI met it). The threads
    # doing library work block SIGINT now (test_signals_blocked_...).
    pytest.importorskip('dask.array')
    code = r'''
import sys, threading, time, numpy, dask.array as da, ipcf, ipcf.dask as idk
data = ipcf.simulate(frames=4096, size=72, seed=1)
events, lock, state = [], threading.Lock(), {'started': 0, 'running': 0}
both = threading.Event()
def recording(fn):
    def run(*args, **kwargs):
        with lock:
            state['started'] += 1
            state['running'] += 1
            if state['started'] == want:
                both.set()
                print('running', flush=True)  # the parent sends SIGINT
        both.wait(60)  # the blocks start together, long before their end
        try:
            fn(*args, **kwargs)
            events.append('completed')
        except BaseException as e:
            events.append('%s %s' % (type(e).__name__, getattr(e, 'status', '')))
            raise
        finally:
            with lock:
                state['running'] -= 1
    return run
idk._pcf = recording(idk._pcf)
idk._correct_bleaching = recording(idk._correct_bleaching)
# one block per worker (sync: one block at a time), each far longer than the wait for Ctrl+C
want = 2 if sys.argv[1] == 'threads' else 1
for lazy in (idk.pcf(da.from_array(data, chunks=(-1, 72, 36)), radius=3, npoints=64, nbins=16).sum(),
             idk.correct_bleaching(da.from_array(numpy.tile(data, (16, 1, 1)), chunks=(-1, 72, 36)), 8).sum()):
    events.clear()
    both.clear()
    state['started'] = 0
    try:
        lazy.compute(scheduler=sys.argv[1], num_workers=2)
        print('finished')
    except KeyboardInterrupt:
        pass
    for _ in range(3000):  # until the running blocks end (cancelled, or at their end)
        with lock:
            if state['running'] == 0:
                break
        time.sleep(0.01)
    print('events', sorted(events), flush=True)
'''
    want = "['IpcfError 6', 'IpcfError 6']" if scheduler == 'threads' else "['KeyboardInterrupt ']"
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, '..'))
    proc = subprocess.Popen([sys.executable, '-c', code, scheduler], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        out = []
        for line in proc.stdout:
            out.append(line)
            if line.strip() == 'running':
                time.sleep(0.05)
                proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        proc.wait(timeout=300)
    finally:
        proc.kill()
    out = ''.join(out)
    lines = [ln for ln in out.splitlines() if ln.startswith('events')]
    assert proc.returncode == 0 and len(lines) == 2, (out, err)
    assert out.count('running') == 2, (out, err)
    assert ipcf._c.E_CANCELLED == 6
    for ln in lines:
        assert ln == f'events {want}', (ln, out, err)


def test_failed_dask_compute_cancels_only_its_own_blocks():
    # A compute that fails cancelled the running calls of every compute of
    # the same lazy array: B (the graph plus a task failing after 0.8 s)
    # failed, and A, the graph alone on another thread, with "cancelled".
    da = pytest.importorskip('dask.array')
    import ipcf.dask

    data = ipcf.simulate(frames=4096, size=80, seed=1)
    kw = dict(radius=3, npoints=64, nbins=16, threads=1)
    lazy = ipcf.dask.pcf(da.from_array(data, chunks=(-1, -1, -1)), **kw)
    want = ipcf.pcf(data, **kw)  # (its time: a block of A runs when B fails)

    def boom(x):
        time.sleep(0.8)
        raise RuntimeError('an unrelated task of B failed')

    fail_later = da.map_blocks(boom, da.zeros(lazy.shape, chunks=lazy.chunks, dtype=numpy.float32),
                               dtype=numpy.float32, meta=numpy.empty((0, 0, 0, 0), numpy.float32))
    res = {}

    def run_b():
        try:
            (lazy[:1, :1] + fail_later[:1, :1]).compute(scheduler='threads', num_workers=2)
        except RuntimeError as e:
            res['B'] = str(e)

    b = threading.Thread(target=run_b)
    b.start()
    time.sleep(0.2)
    res['A'] = lazy.compute(scheduler='threads', num_workers=1)
    b.join()
    assert res['B'] == 'an unrelated task of B failed'
    assert res['A'].tobytes() == want.tobytes()


@pytest.mark.parametrize('name, args, size', [
    ('pcf_image', dict(point=1, bin=3), (500, 400)),
    ('carpet', dict(y=4, x=5), (500, 400)),
    ('polar', dict(y=4, x=5), (500, 400)),
    ('lines', dict(y=4, x=5, radius=3), (600, 400)),
])
def test_plots(tmp_path, reference, name, args, size):
    pytest.importorskip('matplotlib')
    import ipcf.plot

    path = tmp_path / f'{name}.png'
    getattr(ipcf.plot, name)(reference, save=path, **args)
    with open(path, 'rb') as fh:
        head = fh.read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n'
    assert (int.from_bytes(head[16:20], 'big'), int.from_bytes(head[20:24], 'big')) == size


def test_mean_plot(tmp_path, stack):
    pytest.importorskip('matplotlib')
    import ipcf.plot

    path = tmp_path / 'mean.png'
    ipcf.plot.mean(stack, save=path, dpi=50)
    with open(path, 'rb') as fh:
        head = fh.read(24)
    assert (int.from_bytes(head[16:20], 'big'), int.from_bytes(head[20:24], 'big')) == (450, 200)


def test_against_numpy_reference():
    from reference import pcf as ref_pcf

    data = ipcf.simulate(frames=700, size=18, seed=4)
    for r, p, b in [(3, 12, 10), (3, 18, 8), (2, 5, 6)]:
        numpy.testing.assert_allclose(ipcf.pcf(data, radius=r, npoints=p, nbins=b), ref_pcf(data, r, p, b),
                                      rtol=0, atol=1e-6)


def test_device_option(stack, reference):
    text = ipcf.devices()
    assert text
    if text.startswith('no CUDA device'):
        numpy.testing.assert_array_equal(ipcf.pcf(stack, radius=3, npoints=12, nbins=10, device='auto'), reference)
        with pytest.raises(ipcf.IpcfError) as info:
            ipcf.pcf(stack, radius=3, npoints=12, nbins=10, device='cuda')
        assert info.value.status == 8 and 'cuda' in info.value.message
    cpu = ipcf.pcf(stack, radius=3, npoints=12, nbins=10, device='cpu')
    if text.startswith('no CUDA device'):
        numpy.testing.assert_array_equal(cpu, reference)
    else:
        # reference is the default device's, a GPU's here: equal to the CPU's
        # to float32 rounding (README), not bit for bit (this failed on every
        # machine with a GPU)
        numpy.testing.assert_allclose(cpu, reference, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='device'):
        ipcf.pcf(stack, device='gpu')


def _runs_ok(code, env):
    """Run code in a child Python with env; it must print ok."""
    r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and 'ok' in r.stdout, r.stderr


def test_gpu_fallback_warns(tmp_path, emu):
    # With the emulated CUDA device failing its launches, device='auto'
    # runs on the CPU (the CPU's result), says why and warns.
    code = (
        'import warnings, numpy, ipcf\n'
        'd = ipcf.simulate(128, 12, seed=3)\n'
        'cpu = ipcf.pcf(d, radius=2, device="cpu")\n'
        'assert ipcf.last_device() == "cpu"\n'
        'with warnings.catch_warnings(record=True) as w:\n'
        '    warnings.simplefilter("always")\n'
        '    auto = ipcf.pcf(d, radius=2)\n'
        'assert "cpu (auto: cuda:0 failed, ran on the CPU" in ipcf.last_device(), ipcf.last_device()\n'
        'assert any(issubclass(x.category, RuntimeWarning) and "ran on the CPU" in str(x.message) for x in w), w\n'
        'numpy.testing.assert_array_equal(auto, cpu)\n'
        # Error bars run on the CPU whatever the device: the note says so
        # (it kept the last pCF's device).
        'ipcf.pcf_errors(d, radius=2, device="auto")\n'
        'assert ipcf.last_device() == "cpu (error bars run on the CPU)", ipcf.last_device()\n'
        'print("ok")\n')
    env = dict(os.environ, IPCF_CUDA_LIBDIR=emu, IPCF_EMU_FAIL='launch')
    _runs_ok(code, env)


def test_gpu_unusable_warns(tmp_path, emu):
    # A GPU there whose kernels do not compile (NVRTC broken, say):
    # device='auto' runs on the CPU and warns, as after a failed launch
    # (it ran on the CPU without a sign: GPU15's minor).
    code = (
        'import warnings, numpy, ipcf\n'
        'd = ipcf.simulate(128, 12, seed=3)\n'
        'with warnings.catch_warnings(record=True) as w:\n'
        '    warnings.simplefilter("always")\n'
        '    auto = ipcf.pcf(d, radius=2)\n'
        'assert ipcf.last_device().startswith("cpu (auto: cuda:0 unusable: "), ipcf.last_device()\n'
        'assert [str(x.message) for x in w if issubclass(x.category, RuntimeWarning)] == ["ipcf.pcf: " + ipcf.last_device()], w\n'
        'numpy.testing.assert_array_equal(auto, ipcf.pcf(d, radius=2, device="cpu"))\n'
        'print("ok")\n')
    env = dict(os.environ, IPCF_CUDA_LIBDIR=emu, IPCF_EMU_FAIL='compile')
    _runs_ok(code, env)
    # A GPU whose NVRTC and cuFFT are not installed: the same (it was
    # "no CUDA device", without a warning: REVIEW17's F4).
    alone = tmp_path / 'driver-alone'
    alone.mkdir()
    (alone / 'libcuda.so.1').symlink_to(os.path.join(emu, 'libcuda.so.1'))
    probe = subprocess.run([sys.executable, '-c', 'import ipcf; ipcf.pcf(ipcf.simulate(64, 10, seed=3), radius=2); '
                            'print(ipcf.last_device())'], env=dict(os.environ, IPCF_CUDA_LIBDIR=str(alone)),
                           capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    if not probe.stdout.startswith('cuda:'):  # (else this host's NVRTC and cuFFT load: no driver alone here)
        _runs_ok(code.replace('assert ipcf.last_device().startswith("cpu (auto: cuda:0 unusable: ")',
                              'assert ipcf.last_device().startswith("cpu (auto: cuda:0 unusable: NVRTC ")'),
                 dict(os.environ, IPCF_CUDA_LIBDIR=str(alone)))
    # No GPU at all is no failure, nor a GPU that works: no warning (the
    # system's driver is loaded where IPCF_CUDA_LIBDIR has none).
    code = (
        'import warnings, ipcf\n'
        'with warnings.catch_warnings(record=True) as w:\n'
        '    warnings.simplefilter("always")\n'
        '    ipcf.pcf(ipcf.simulate(64, 10, seed=3), radius=2)\n'
        'note = ipcf.last_device()\n'
        'assert note.startswith("cpu (auto: no CUDA device") or note.startswith("cuda:"), note\n'
        'assert not [x for x in w if issubclass(x.category, RuntimeWarning)], w\n'
        'print("ok")\n')
    env = dict(os.environ, IPCF_CUDA_LIBDIR=str(tmp_path))
    _runs_ok(code, env)


def test_gpu_block_stops_at_ctrl_c(tmp_path, emu):
    # Ctrl+C during a GPU block stops it between its launches of pairs: the
    # C ABI's token reached the GPU path only through the progress function,
    # called between blocks, so the whole block ran first (GPU15's F1; 8 of
    # 8 launches here). Counted in the emulated device's log, not timed.
    code = '''
import os, time, threading, _thread, numpy, ipcf
log = os.environ['IPCF_EMU_LOG']
d = numpy.random.default_rng(14).poisson(5, (1024, 32, 32)).astype('u2')
kw = dict(radius=3, npoints=16, device='cuda')
open(log, 'w').close()
full = ipcf.pcf(d, **kw)
whole = open(log).read().count('launch ipcf_mulconj')
assert whole >= 8, whole
open(log, 'w').close()
def watch():
    while 'launch ipcf_mulconj' not in open(log).read():
        time.sleep(0.001)
    _thread.interrupt_main()
threading.Thread(target=watch, daemon=True).start()
try:
    ipcf.pcf(d, **kw)
    raise SystemExit('the call ran to its end')
except KeyboardInterrupt:
    pass
n = open(log).read().count('launch ipcf_mulconj')
assert n <= whole // 2, f'{n} of the block launches ({whole}) ran after Ctrl+C'
assert ipcf.pcf(d, **kw).tobytes() == full.tobytes()
print('ok')
'''
    env = dict(os.environ, IPCF_CUDA_LIBDIR=emu, IPCF_EMU_LOG=str(tmp_path / 'emu.log'))
    env.pop('IPCF_EMU_FAIL', None)
    r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and 'ok' in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize('given,into', [('int16', 'int32'), ('int16', 'uint16'), ('int8', 'uint8'), ('int8', 'int32'),
                                        ('uint8', 'uint16'), ('uint8', 'int16'), ('uint16', 'int32')])
def test_correct_bleaching_into_out_gives_the_values_returned_without(given, into):
    # out= wider than the input's type held values above the type's top
    # (32904 for int16 data in an int32 out, where the result is 32767):
    # clipped to the input's type as without out.
    t = numpy.arange(400)[:, None, None]
    top = min(65535, numpy.iinfo(given).max)
    x = top * 0.5 * numpy.exp(-t / 200) + numpy.random.default_rng(7).integers(0, 3, (400, 4, 5))
    x[330, :, :2] = top  # late and bright: corrected above the type's top
    x = x.clip(0, top).astype(given)
    want = ipcf.correct_bleaching(x, 40)
    assert want.max() == top  # corrected values reach the type's top
    out = numpy.zeros(want.shape, into)
    assert ipcf.correct_bleaching(x, 40, out=out) is out
    numpy.testing.assert_array_equal(out, want)


def test_correct_bleaching_into_a_narrower_out_is_refused():
    # uint16 data into a uint8 out saturated every sample at 255 without a word
    x = numpy.full((200, 3, 3), 30000, numpy.uint16)
    for into, top in (('uint8', 255), ('int16', 32767)):
        with pytest.raises(ipcf.IpcfTypeError, match=f'out: dtype {into} holds corrected values up to {top}'):
            ipcf.correct_bleaching(x, 20, out=numpy.zeros((160, 3, 3), into))


@pytest.mark.parametrize('buffered', [False, True])
@pytest.mark.parametrize('stderr', ['closed', 'full', 'none'])
def test_progress_with_stderr_unwritable_does_not_hang(stderr, buffered):
    # tqdm's bar whose write failed (stderr closed, a full disk, a pipe
    # whose reader quit) left tqdm's global lock held by ipcf's helper
    # thread; the next bar, drawn on the main thread, waited for ever.
    # With a buffered stderr (PYTHONUNBUFFERED unset, as on a CI runner
    # that does not export it) the bar's text waits in the buffer, and
    # Python's flush of it at exit fails on /dev/full: CPython then exits
    # with status 120 after the program ran to its end (the test passed
    # only where the caller exported PYTHONUNBUFFERED=1; a campaign).
    pytest.importorskip('tqdm')
    code = (
        'import sys, ipcf\n'
        + ('sys.stderr = None\n' if stderr == 'none' else '')
        + 'data = ipcf.simulate(frames=1024, size=16, seed=1)\n'
        'a = ipcf.pcf(data, radius=2, npoints=8, nbins=6, progress=True)  # on the helper thread\n'
        'b = ipcf.pcf(data[:256], radius=2, npoints=8, nbins=6, progress=True)  # quick: on this one\n'
        'c = ipcf.correct_bleaching(data, 100, progress=True)\n'
        'print("done", a.shape, b.shape, c.shape, flush=True)\n')
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, '..'))
    env.pop('PYTHONUNBUFFERED', None)
    if not buffered:
        env['PYTHONUNBUFFERED'] = '1'
    err = {'closed': None, 'full': open('/dev/full', 'w'), 'none': subprocess.DEVNULL}[stderr]
    kw = dict(pass_fds=()) if err is not None else dict(preexec_fn=lambda: os.close(2))
    try:
        r = subprocess.run([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=err, text=True, env=env,
                           timeout=120, **kw)
    finally:
        if hasattr(err, 'close'):
            err.close()
    ok = (0, 120) if buffered and stderr == 'full' else (0,)
    assert r.returncode in ok and 'done (12, 12, 8, 6) (12, 12, 8, 6) (824, 16, 16)' in r.stdout, (r.returncode, r.stdout)


def test_call_while_python_finalizes_completes():
    # An object whose __del__ calls ipcf, collected as Python finalizes (a
    # module global): a call larger than _QUICK_WORK went to the helper
    # thread, which runs no Python code by then, and the process hung for
    # ever (Ctrl+C ignored). It runs on the calling thread, and completes.
    code = (
        'import numpy, ipcf\n'
        'data = ipcf.simulate(frames=1024, size=16, seed=1)\n'
        'assert data.size * 8 > ipcf._QUICK_WORK\n'
        'ipcf.pcf(data[:64], radius=2, npoints=8, nbins=6)  # the helper thread exists already\n'
        'class Holder:\n'
        '    def __del__(self):\n'
        '        r = ipcf.pcf(data, radius=2, npoints=8, nbins=6)\n'
        '        b = ipcf.correct_bleaching(data, 100)\n'
        '        print("done", r.shape, b.shape, flush=True)\n'
        'h = Holder()\n')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and 'done (12, 12, 8, 6) (824, 16, 16)' in r.stdout, (r.returncode, r.stdout, r.stderr)


@pytest.mark.parametrize('kind', ['fraction', 'int32-large', 'negative', 'nan'])
def test_bleaching_warns_for_data_that_are_not_counts(kind):
    # The correction rounds and clips to 0..65535 (the definition): such
    # data are computed as defined, with a CountsWarning naming a sample.
    rng = numpy.random.default_rng(3)
    base = rng.integers(100, 200, (200, 6, 6))
    data = {'fraction': base / 1000.0, 'int32-large': (base + 10**7).astype(numpy.int32),
            'negative': (base - 150).astype(numpy.int16), 'nan': base.astype(numpy.float32)}[kind]
    if kind == 'nan':
        data[7, 2, 3] = numpy.nan
    with pytest.warns(ipcf.CountsWarning, match=r'not counts in 0\.\.65535: sample .* at frame') as caught:
        got = ipcf.correct_bleaching(data, 10)
    assert caught[0].filename == __file__  # points at the caller
    with pytest.warns(ipcf.CountsWarning) as caught:
        ipcf.pcf(data, bleach=10, radius=1, npoints=4, nbins=4)
    assert caught[0].filename == __file__
    # The numbers are the definition's: the same as without the check.
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ipcf.CountsWarning)
        again = ipcf.correct_bleaching(data, 10)
    assert numpy.array_equal(got, again)


def test_bleaching_counts_do_not_warn():
    rng = numpy.random.default_rng(4)
    for data in (rng.integers(0, 65536, (100, 5, 5)).astype(numpy.uint16),
                 rng.integers(0, 65536, (100, 5, 5)).astype(numpy.int32),
                 rng.integers(0, 65536, (100, 5, 5)).astype(numpy.float64)):
        with warnings.catch_warnings():
            warnings.simplefilter('error', ipcf.CountsWarning)
            ipcf.correct_bleaching(data, 10)
            ipcf.pcf(data, bleach=10, radius=1, npoints=4, nbins=4)


# --- the options cache: a repeated small call skips the checks it already made ---

def _fresh_caches():
    ipcf._OPTIONS_CACHE.clear()
    ipcf._SHAPE_CACHE.clear()


def test_option_warnings_come_with_every_call():
    # A struct whose making warned is never kept: the warning is not lost
    # on the second call with the same options.
    _fresh_caches()
    data = ipcf.simulate(64, 16, seed=1)
    for kw in (dict(bins='multitau', nbins=8), dict(m=8), dict(offsets='disk', radius=1, npoints=4)):
        for _ in range(3):
            with warnings.catch_warnings(record=True) as got:
                warnings.simplefilter('always')
                ipcf.pcf(data, **kw)
            assert [w.category for w in got] == [ipcf.IgnoredOptionWarning], (kw, got)


def test_cached_options_keep_types_and_signs():
    _fresh_caches()
    data = ipcf.simulate(64, 8, seed=1)
    assert ipcf.pcf(data, radius=1, npoints=4, nbins=4).shape == (6, 6, 4, 4)
    with pytest.raises(ipcf.IpcfTypeError):
        ipcf.pcf(data, radius=True, npoints=4, nbins=4)  # True == 1 and hash(True) == hash(1)
    assert ipcf.pcf(data, radius=2.0, npoints=4, nbins=4).shape == (4, 4, 4, 4)
    with pytest.raises(ipcf.IpcfTypeError):
        ipcf.pcf(data, radius=2.5, npoints=4, nbins=4)
    # -0.0 == 0.0: the struct must still hold the value given
    for smooth in (0.0, -0.0, 0.0):
        for _ in range(2):
            o = ipcf._pcf_options(1, 4, 4, 0, 'real', 1, smooth=smooth)
            assert math.copysign(1, o.smooth) == math.copysign(1, smooth)
    for threshold in (0.0, -0.0):
        o = ipcf._pcf_options(1, 4, 4, 0, 'real', 1, threshold=threshold)
        assert math.copysign(1, o.threshold) == math.copysign(1, threshold)


def test_cached_options_are_a_copy_per_call():
    _fresh_caches()
    a = ipcf._pcf_options(2, 32, 4, 0, 'real', 1, offsets='disk')
    assert a.key is not None
    b = ipcf._pcf_options(2, 32, 4, 0, 'real', 1, offsets='disk')
    assert ctypes.addressof(a) != ctypes.addressof(b)
    a.threads, a.token = 7, 12345
    c = ipcf._pcf_options(2, 32, 4, 0, 'real', 1, offsets='disk')
    assert (c.threads, c.token) == (1, 0)
    assert c.uv is b.uv and c.noffsets == len(c.uv) == 12
    assert ctypes.cast(c.offsets, ctypes.c_void_p).value == c.uv.ctypes.data  # the struct points at the array kept
    assert not c.uv.flags.writeable  # shared between structs: nobody writes it
    assert numpy.array_equal(c.uv, ipcf.offsets('disk', 2))
    # not plain values: never a key
    assert ipcf._pcf_options(numpy.int32(2), 8, 4, 0, 'real', 1).key is None
    assert ipcf._pcf_options(2, 8, 4, 0, 'real', 1, offsets=[(1, 0)]).key is None


def test_cached_options_follow_the_thread_variable(monkeypatch):
    _fresh_caches()
    monkeypatch.setenv('IPCF_NUM_THREADS', '3')
    assert ipcf._pcf_options(1, 4, 4, 0, 'real', None).threads == 3
    monkeypatch.setenv('IPCF_NUM_THREADS', '2')
    assert ipcf._pcf_options(1, 4, 4, 0, 'real', None).threads == 2
    monkeypatch.setenv('IPCF_NUM_THREADS', 'many')
    for _ in range(2):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter('always')
            assert ipcf._pcf_options(1, 4, 4, 0, 'real', None).threads == 0
        assert len(got) == 1 and 'IPCF_NUM_THREADS' in str(got[0].message)


def test_cached_shapes_follow_the_data():
    # Same options, another input shape or a mask: never the cached shape;
    # results equal to those of a call with empty caches.
    data = ipcf.simulate(64, 10, seed=2)
    for crop in ((64, 10, 10), (64, 9, 10), (64, 10, 7), (32, 10, 10), (64, 10, 10)):
        d = numpy.ascontiguousarray(data[:crop[0], :crop[1], :crop[2]])
        _fresh_caches()
        want = ipcf.pcf(d, radius=2, npoints=8, nbins=6, threads=1)
        for _ in range(2):
            got = ipcf.pcf(d, radius=2, npoints=8, nbins=6, threads=1)
            assert got.shape == (crop[1] - 4, crop[2] - 4, 8, got.shape[3])
            assert numpy.array_equal(got, want, equal_nan=True)
    with pytest.raises(ipcf.IpcfValueError, match='mask'):
        ipcf.pcf(data, radius=2, npoints=8, nbins=6, mask=numpy.ones((9, 10)))
    with pytest.raises(ipcf.IpcfValueError):
        ipcf.pcf(data[:, :4, :4], radius=2, npoints=8, nbins=6)


def test_cached_acf_and_large_presets():
    _fresh_caches()
    data = ipcf.simulate(64, 10, seed=4)
    want = ipcf.acf(data, nbins=6)
    assert len(ipcf._OPTIONS_CACHE) == 1  # acf's own offsets are a key
    assert numpy.array_equal(ipcf.acf(data, nbins=6), want, equal_nan=True)
    assert numpy.array_equal(ipcf.pcf(data, offsets=[(0, 0)], nbins=6)[:, :, 0], want, equal_nan=True)
    with pytest.raises(ipcf.IpcfValueError, match='offsets'):
        ipcf.pcf(data, offsets='acf')  # not acf's key: a name that is no preset
    # a preset of more offsets than _CACHED_OFFSETS_MAX is not kept with its struct
    o = ipcf._pcf_options(40, 32, 4, 0, 'real', 1, offsets='disk')
    assert len(o.uv) > ipcf._CACHED_OFFSETS_MAX and o.key is None
    assert all(e[1] is None or len(e[1]) <= ipcf._CACHED_OFFSETS_MAX for e in ipcf._OPTIONS_CACHE.values())


def test_thread_variable_warning_names_the_caller(monkeypatch):
    data = ipcf.simulate(64, 8, seed=1)
    monkeypatch.setenv('IPCF_NUM_THREADS', 'bad')
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter('always')
        ipcf.pcf(data, radius=2)
    assert [os.path.basename(w.filename) for w in got] == ['test_ipcf.py'], [(w.filename, w.lineno) for w in got]


def test_zero_size_out_is_taken():
    # No element of a zero-size array overlaps another (numpy flags it
    # contiguous, with strides (0, 0, 0)): the same result as out=None.
    d = numpy.zeros((8, 0, 8), numpy.uint16)
    out = numpy.zeros((4, 0, 8), numpy.uint16)
    assert ipcf.correct_bleaching(d, 2, out=out) is out
    assert ipcf.correct_bleaching(d, 2).shape == (4, 0, 8)


def test_dask_units_are_said_not_dropped():
    # A lazy result is a plain dask array: frame_interval= and pixel_size=
    # were checked and dropped without a word; now an IgnoredOptionWarning
    # names them and ipcf.label, which takes them.
    da = pytest.importorskip('dask.array', reason='python3-dask is in the install list (make deps)')
    import ipcf.dask
    data = da.from_array(ipcf.simulate(64, 16, seed=1), chunks=(64, 8, 8))
    with pytest.warns(ipcf.IgnoredOptionWarning, match=r'frame_interval=0\.001, pixel_size=0\.1: the lazy result.*ipcf\.label'):
        ipcf.dask.acf(data, nbins=8, frame_interval=1e-3, pixel_size=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        r = ipcf.dask.acf(data, nbins=8)
    numpy.testing.assert_array_equal(r.compute(), ipcf.acf(data.compute(), nbins=8))


def test_dask_counts_warning_names_the_image_pixel():
    # The blocks of ipcf.dask warned of a sample that is not a count at its
    # place in the block (row 4, column 5 of a block; row 8, column 9 of a
    # pCF block, which starts at its halo): a pixel that was fine. They name
    # the image's pixel now, as the eager calls do.
    da = pytest.importorskip('dask.array')
    import ipcf.dask as idk
    data = ipcf.simulate(frames=256, size=16, seed=3).astype('f4')
    data[10, 12, 13] = 0.5
    want = 'sample 0.5 at frame 10, pixel (row 12, column 13)'
    for call in (lambda: ipcf.correct_bleaching(data, 10),
                 lambda: idk.correct_bleaching(da.from_array(data, chunks=(-1, 8, 8)), 10).compute(scheduler='sync'),
                 lambda: idk.pcf(da.from_array(data, chunks=(-1, 8, 8)), radius=2, npoints=4, nbins=8,
                                 bleach=10).compute(scheduler='sync')):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            call()
        msgs = [str(x.message) for x in w if issubclass(x.category, ipcf.CountsWarning)]
        assert msgs and all(want in m for m in msgs), msgs
    # Samples that are not counts in every block: one warning an array, not
    # one a block (DASK16's F2: 4 blocks, 4 warnings), naming the first
    # block's pixel; a second array warns again.
    data += 0.5
    for make in (lambda: idk.correct_bleaching(da.from_array(data, chunks=(-1, 8, 8)), 10),
                 lambda: idk.pcf(da.from_array(data, chunks=(-1, 8, 8)), radius=2, npoints=4, nbins=8, bleach=10)):
        for _ in range(2):
            lazy = make()
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter('always')
                lazy.compute(scheduler='threads')
            msgs = [str(x.message) for x in w if issubclass(x.category, ipcf.CountsWarning)]
            assert len(msgs) == 1 and 'once an array' in msgs[0], msgs
    # once an array and input: data2's warned too, as the eager call warns of each (REVIEW18's m5)
    lazy = idk.pcf(da.from_array(data, chunks=(-1, 8, 8)), radius=2, npoints=4, nbins=8, bleach=10,
                   data2=da.from_array(data, chunks=(-1, 8, 8)))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        lazy.compute(scheduler='threads')
    named = sorted(str(x.message).split(':')[1].strip() for x in w if issubclass(x.category, ipcf.CountsWarning))
    assert named == ['data', 'data2'], named
    # and a filter size that leaves no frame, in the library's words ("leaves -2045 of 3 frames" before)
    with pytest.raises(ipcf.IpcfValueError, match=r'filtersize=1024 leaves no frame of 3 \(it drops 2\*filtersize; at most 1\)'):
        idk.correct_bleaching(da.zeros((3, 8, 8), dtype='u2', chunks=(-1, 4, 4)), 1024)


@pytest.mark.parametrize('kw', [dict(radius=6), dict(radius=2, nbins=1), dict(radius=0), dict(radius=2, npoints=0),
                                dict(offsets=[(20, 0)]), dict(radius=2, bleach=40)])
def test_dask_option_errors_are_the_eager_calls(kw):
    # Refused as the graph is built, in the eager call's words: they named
    # the library's queries ipcf_pcf_output_shape and ipcf_circle, which
    # the caller never called.
    da = pytest.importorskip('dask.array')
    import ipcf.dask as idk
    data = ipcf.simulate(frames=64, size=12, seed=3)
    with pytest.raises(ipcf.IpcfError) as eager:
        ipcf.pcf(data, **kw)
    with pytest.raises(ipcf.IpcfError) as lazy:
        idk.pcf(da.from_array(data, chunks=(-1, 6, 6)), **kw)
    assert str(lazy.value) == str(eager.value) and str(eager.value).startswith('ipcf_pcf_compute: ')


def test_dask_blocks_compute_on_the_device_given(emu):
    # ipcf.dask.pcf and acf take device=, as ipcf.pcf does, checked as the
    # graph is built: every block ran on 'auto' (the GPU where there is
    # one) and device='cpu' was a TypeError. On the emulated GPU: 'cpu'
    # blocks give the eager CPU result and leave the CPU as the last device,
    # 'cuda:0' blocks the eager GPU one.
    pytest.importorskip('dask.array')
    with pytest.raises(ipcf.IpcfValueError, match="device='gpu'"):
        import dask.array as da
        import ipcf.dask as idk
        idk.pcf(da.zeros((64, 12, 12), dtype='u2', chunks=(-1, 6, 6)), radius=2, device='gpu')
    code = '''
import numpy, dask.array as da, ipcf, ipcf.dask as idk
d = ipcf.simulate(frames=256, size=16, seed=1)
x = da.from_array(d, chunks=(-1, 8, 8))
kw = dict(radius=2, npoints=4, nbins=8)
for dev in ('cpu', 'cuda:0'):
    lazy = idk.pcf(x, device=dev, **kw).compute(scheduler='sync')
    note = ipcf.last_device()
    assert lazy.tobytes() == ipcf.pcf(d, device=dev, **kw).tobytes(), dev
    assert note.split()[0] == dev, (dev, note)
    a = idk.acf(x, nbins=8, device=dev).compute(scheduler='sync')
    assert a.tobytes() == ipcf.acf(d, nbins=8, device=dev).tobytes(), dev
print('ok')
'''
    env = dict(os.environ, IPCF_CUDA_LIBDIR=emu, PYTHONPATH=os.path.join(HERE, '..'))
    env.pop('IPCF_EMU_FAIL', None)
    r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and 'ok' in r.stdout, r.stdout + r.stderr


def test_dask_mask_is_the_one_given_when_the_graph_is_built():
    # The blocks read the caller's mask array at compute: graphs built in a
    # loop that refills one buffer all computed with its last contents
    # (curves where no pixel was selected, exit 0). The mask is copied as
    # the graph is built, as the offsets are.
    da = pytest.importorskip('dask.array')
    import dask
    import ipcf.dask as idk
    data = ipcf.simulate(frames=256, size=16, seed=3)
    d = da.from_array(data, chunks=(-1, 8, 8))
    kw = dict(radius=2, npoints=8, nbins=8)
    buf = numpy.zeros((16, 16), numpy.uint8)
    lazies, eagers = [], []
    for roi in [(slice(2, 8), slice(2, 8)), (slice(8, 14), slice(8, 14))]:
        buf[:] = 0
        buf[roi] = 1
        lazies.append(idk.pcf(d, mask=buf, **kw))
        eagers.append(ipcf.pcf(data, mask=buf, **kw))
    for lazy, eager in zip(dask.compute(*lazies, scheduler='sync'), eagers):
        assert numpy.array_equal(lazy, eager, equal_nan=True)


def test_dask_mask_checked_as_the_eager_call_checks_it():
    # An int64 mask beyond 2**53, which ipcf.pcf refuses before computing,
    # passed ipcf.dask's checks and was refused by each block at compute.
    da = pytest.importorskip('dask.array')
    import ipcf.dask as idk
    data = ipcf.simulate(frames=128, size=12, seed=1)
    m = numpy.ones((12, 12), numpy.int64)
    m[3, 4] = 2**53 + 1
    with pytest.raises(ipcf.IpcfValueError) as eager:
        ipcf.pcf(data, radius=2, npoints=4, nbins=6, mask=m)
    with pytest.raises(ipcf.IpcfValueError) as lazy:
        idk.pcf(da.from_array(data, chunks=(-1, 6, 6)), radius=2, npoints=4, nbins=6, mask=m)
    assert str(lazy.value) == str(eager.value) and 'beyond 2**53' in str(eager.value)


def test_a_failed_dask_compute_cancels_its_blocks_yet_to_start():
    # A task that dask had handed to a worker thread, still in dask's own
    # part of it (the slicing of a fused task) when the compute ended in an
    # error or Ctrl+C, entered its ipcf block afterwards and ran it to its
    # end, uncancelled (PYDASK20's F2). Its block starts cancelled now; the
    # next compute's blocks run.
    dask = pytest.importorskip('dask')
    import ipcf.dask as idk

    data = ipcf.simulate(frames=1024, size=16, seed=1)
    outcome = []

    def block():
        time.sleep(0.5)  # (dask's part of the task, before the block)
        try:
            idk._cancelling(lambda: ipcf.pcf(data, radius=1, npoints=4, nbins=4))()
            outcome.append('completed')
        except ipcf.IpcfError as e:
            outcome.append(str(e))

    def fail():
        time.sleep(0.1)
        raise RuntimeError('a task fails')

    with pytest.raises(RuntimeError):
        dask.compute(dask.delayed(fail)(), dask.delayed(block)(), scheduler='threads', num_workers=2)
    for _ in range(200):  # (the block goes on after the compute ended)
        if outcome:
            break
        time.sleep(0.05)
    assert len(outcome) == 1 and 'cancelled (the dask compute of this block ended)' in outcome[0], outcome
    outcome.clear()
    dask.compute(dask.delayed(block)(), scheduler='threads', num_workers=2)
    assert outcome == ['completed'], outcome
