"""Tests of ipcf.pcf_file and ipcf.open_result (file jobs, libipcf 0.2).

Needs the file-job fixture of the build, $IPCF_FILEJOB (the Makefile sets it
to build/filejob): params.txt, series/ (single-page big-endian uint16 TIFFs),
stack.raw (the same frames, raw big-endian uint16) and the CLI's
out-of-core results cli_series.npy and cli_raw.npy. Other files there may
change while these tests run: they are not used.
"""

import json
import logging
import os
import pathlib
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import numpy
import pytest

import ipcf

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope='module')
def fixture():
    root = os.environ.get('IPCF_FILEJOB')
    if not root:
        pytest.fail('IPCF_FILEJOB is not set: point it at the file-job fixture folder (build/filejob, which '
                    'the Makefile builds and sets)', pytrace=False)
    if not os.path.exists(os.path.join(root, 'params.txt')):
        pytest.fail(f'IPCF_FILEJOB={root}: no params.txt there (run make to build the fixture)', pytrace=False)
    params = {}
    with open(os.path.join(root, 'params.txt')) as fh:
        for line in fh:
            if '=' in line:
                k, v = line.strip().split('=', 1)
                params[k] = v
    p = {k: int(params[k]) for k in ('frames', 'size', 'radius', 'npoints', 'nbins')}
    p['memory'] = params['memory']
    p['tile'] = tuple(int(v) for v in params['tile'].split(','))
    p['root'] = pathlib.Path(root)
    return p


def pcf_args(fx, **kw):
    """The fixture's pCF parameters, with keyword overrides. On the CPU,
    named: the CLI's results are the CPU's (tools/filejobdata runs it with
    --device cpu), and device='auto' would run a GPU's tiles (another
    layout, curves within float32 rounding) where one is usable."""
    args = dict(radius=fx['radius'], npoints=fx['npoints'], nbins=fx['nbins'], device='cpu')
    args.update(kw)
    if args.get('bins') == 'multitau':
        del args['nbins']  # multi-tau places its points by m (nbins: IgnoredOptionWarning)
    return args


def ooc_args(fx, **kw):
    """The CLI's out-of-core job: the fixture's memory budget and tile."""
    return pcf_args(fx, memory=fx['memory'], tile=(8, 8), engine='ooc', **kw)


def raw_args(fx):
    n = fx['size']
    return dict(shape=(fx['frames'], n, n), dtype='uint16', byteorder='big')


def read(path):
    with open(path, 'rb') as fh:
        return fh.read()


def snapshot(folder):
    """Names, sizes and mtimes of the files in a folder (to see it untouched)."""
    return sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(folder))


@pytest.fixture(scope='module')
def series_copy(fixture, tmp_path_factory):
    """A private copy of series/: refused outputs must leave the input alone."""
    dst = tmp_path_factory.mktemp('input') / 'series'
    shutil.copytree(fixture['root'] / 'series', dst)
    return dst


@pytest.fixture(scope='module')
def stack(fixture):
    """The fixture's frames, read from stack.raw."""
    n = fixture['size']
    return numpy.fromfile(fixture['root'] / 'stack.raw', '>u2').reshape(fixture['frames'], n, n)


@pytest.fixture(scope='module')
def stack_npy(stack, tmp_path_factory):
    """The fixture's frames as a native uint16 .npy file."""
    path = tmp_path_factory.mktemp('npy') / 'stack.npy'
    numpy.save(path, stack.astype(numpy.uint16))
    return path


@pytest.fixture(scope='module')
def ooc_series(fixture, tmp_path_factory):
    out = tmp_path_factory.mktemp('ooc') / 'series.npy'
    result = ipcf.pcf_file(fixture['root'] / 'series', out, **ooc_args(fixture))
    return out, result


def test_series_ooc_equals_cli(fixture, ooc_series):
    out, result = ooc_series
    assert isinstance(result, ipcf.JobResult) and isinstance(result, str) and result == str(out)
    assert read(out) == read(fixture['root'] / 'cli_series.npy')
    s = result.summary
    assert s['engine'] == 'ooc' and s['tiles'] > 1 and s['resumed'] == 0 and not s['already_complete']
    n = fixture['size'] - 2 * fixture['radius']
    assert s['shape'][:3] == (n, n, fixture['npoints']) and s['input_crc32c'] != 0
    assert pickle.loads(pickle.dumps(result)).summary == s


def test_raw_ooc_equals_cli(fixture, tmp_path):
    out = tmp_path / 'raw.npy'
    result = ipcf.pcf_file(str(fixture['root'] / 'stack.raw'), str(out), **raw_args(fixture), **ooc_args(fixture))
    assert read(out) == read(fixture['root'] / 'cli_raw.npy')
    assert result.summary['engine'] == 'ooc' and result.summary['tiles'] > 1
    # The byte order from the dtype, and format='raw', read the same samples.
    n = fixture['size']
    again = ipcf.pcf_file(fixture['root'] / 'stack.raw', tmp_path / 'raw2.npy', format='raw',
                          shape=(fixture['frames'], n, n), dtype='>u2', **ooc_args(fixture))
    assert read(again) == read(out)
    assert again.summary['input_crc32c'] == result.summary['input_crc32c']
    # format='raw' without its shape: named in Python's words (it named the
    # C field source.raw_shape[0])
    with pytest.raises(ipcf.IpcfValueError, match=r"format='raw' needs shape=\(frames, rows, columns\)"):
        ipcf.pcf_file(fixture['root'] / 'stack.raw', tmp_path / 'raw3.npy', format='raw')


def test_npy_with_raw_shape_refused(tmp_path):
    # A .npy given a raw layout with the format left to the content is
    # refused, not read as raw bytes with its header ignored (READERS13's
    # F6: a Fortran-order or big-endian .npy gave other curves); with
    # format='raw' its bytes are read as raw, as asked.
    a = (numpy.arange(64 * 6 * 6) % 23 + 100).astype('>u2').reshape(64, 6, 6)
    numpy.save(tmp_path / 'be.npy', a)
    header = (tmp_path / 'be.npy').stat().st_size - a.nbytes
    with pytest.raises(ipcf.IpcfValueError, match=r"be\.npy is a \.npy file, which has its own type and layout"):
        ipcf.pcf_file(tmp_path / 'be.npy', tmp_path / 'r.npy', shape=a.shape, offset=header, radius=1, npoints=4)
    assert not (tmp_path / 'r.npy').exists()
    raw = ipcf.pcf_file(tmp_path / 'be.npy', tmp_path / 'raw.npy', shape=a.shape, offset=header, dtype='>u2',
                        format='raw', radius=1, npoints=4)
    assert numpy.array_equal(numpy.load(raw), ipcf.pcf(a.astype('u2'), radius=1, npoints=4), equal_nan=True)


def test_memory_engine_equals_cli(fixture, tmp_path):
    result = ipcf.pcf_file(fixture['root'] / 'series', tmp_path / 'mem.npy', engine='memory', **pcf_args(fixture))
    assert result.summary['engine'] == 'memory'
    assert read(result) == read(fixture['root'] / 'cli_series.npy')
    raw = ipcf.pcf_file(fixture['root'] / 'stack.raw', tmp_path / 'raw.npy', engine='memory', **raw_args(fixture),
                        **pcf_args(fixture))
    assert read(raw) == read(fixture['root'] / 'cli_raw.npy')


def test_output_the_file_system_refuses_is_an_io_error(fixture):
    """An output whose lock the file system will not create (in /sys, where
    even root gets EACCES) is IpcfIOError, an OSError, naming the output:
    it was IpcfValueError ("output refused"), as for a bad argument."""
    assert os.path.isdir('/sys'), 'the test needs Linux sysfs at /sys'
    with pytest.raises(ipcf.IpcfIOError, match='lock file of the output /sys/ipcf-test.npy.*permission denied') as e:
        ipcf.pcf_file(fixture['root'] / 'series', '/sys/ipcf-test.npy', engine='memory', **pcf_args(fixture))
    assert isinstance(e.value, OSError) and not isinstance(e.value, ValueError)


def test_open_result_waits_for_the_sidecar_of_a_publication(fixture, tmp_path, monkeypatch):
    """A .npy result without its sidecar while a live ipcf process holds
    its lock (a rerun publishing it: the earlier sidecar is removed before
    the renames) is read again once the new sidecar is there: open_result
    returned the array with {} for metadata (884 of about 107,000 opens of
    a campaign's script under reruns); so is one whose sidecar is the
    next result's. A lock file of a process that is gone, or none, is no
    reason to wait. One of a run still publishing when the wait ends, or
    of another host (live: not known here), is refused as ipcf plot
    refuses it (the library's ipcf_lock_holder answers both; the array was
    returned unlabelled before)."""
    monkeypatch.setattr(ipcf, '_PUBLISH_WAIT', 1.0)
    out = tmp_path / 'r.npy'
    ipcf.pcf_file(fixture['root'] / 'series', out, engine='memory', **pcf_args(fixture))
    side = pathlib.Path(str(out) + '.json')
    saved = side.read_bytes()
    want, want_meta = ipcf.open_result(out)
    lock = tmp_path / '.r.npy.lock'
    live = f'pid {os.getpid()} on {socket.gethostname()} since 2026-12-05T00:00:00Z\n'

    def open_while_published():
        # This process holds the lock; the run's sidecar comes 0.3 s later.
        lock.write_text(live)

        def publish():
            time.sleep(0.3)
            side.write_bytes(saved)

        t = threading.Thread(target=publish)
        t.start()
        t0 = time.monotonic()
        array, meta = ipcf.open_result(out)
        waited = time.monotonic() - t0
        t.join()
        assert meta == want_meta and numpy.array_equal(array, want) and waited >= 0.25, (waited, meta)
        # fit_result waits for it too (it refused at once: REVIEW4's F3)
        side.unlink()
        t = threading.Thread(target=publish)
        t.start()
        t0 = time.monotonic()
        with pytest.warns(ipcf.SmoothedCurvesWarning):
            fitted = ipcf.fit_result(out, 'pcf1d', waist=2)
        waited = time.monotonic() - t0
        t.join()
        assert fitted['D'].shape == want.shape[:2] + want.shape[2:3] and waited >= 0.25, waited

    side.unlink()
    open_while_published()
    # The sidecar of the next result over this one's array (read while the
    # run renames them): read again while the run lives.
    other = ipcf.pcf_file(fixture['root'] / 'series', tmp_path / 'other.npy', engine='memory',
                          **dict(pcf_args(fixture), nbins=6))
    side.write_bytes(pathlib.Path(str(other) + '.json').read_bytes())
    with pytest.raises(ipcf.IpcfIOError, match='checksum'):
        lock.unlink()
        ipcf.open_result(out)  # no run: the mixture is refused
    open_while_published()
    for line in ('pid 999999999 on %s since 2026-12-05T00:00:00Z\n' % socket.gethostname(),  # gone
                 'pid %d on another-host-%d since 2026-12-05T00:00:00Z\n' % (os.getpid(), os.getpid()),
                 'not a lock\n', None):
        side.unlink(missing_ok=True)
        if line is None:
            lock.unlink()
        else:
            lock.write_text(line)
        t0 = time.monotonic()
        if line is not None and 'another-host' in line:
            with pytest.raises(ipcf.IpcfIOError, match=r'is being written by an ipcf run \(pid .* on another-host'):
                ipcf.open_result(out)
            assert time.monotonic() - t0 >= ipcf._PUBLISH_WAIT
            continue
        if line is not None and line.startswith('pid 999999999'):
            # the lock of a run that was stopped (killed while it published): refused, as ipcf plot
            # refuses it (returned unlabelled and unchecked before)
            with pytest.raises(ipcf.IpcfIOError, match='was stopped before it finished'):
                ipcf.open_result(out)
            assert time.monotonic() - t0 < ipcf._PUBLISH_WAIT / 2
            # open_errors and fit_result say so too (they said "no metadata", "compute them with errors=")
            for fn in (ipcf.open_errors, ipcf.fit_result):
                with pytest.raises(ipcf.IpcfIOError, match='was stopped before it finished'):
                    fn(out)
            # its error bars (OUT.sd.npy) by the result's lock: they were returned unlabelled
            sd = pathlib.Path(str(out)[:-len('.npy')] + '.sd.npy')
            shutil.copyfile(out, sd)
            with pytest.raises(ipcf.IpcfIOError, match='was stopped before it finished'):
                ipcf.open_result(sd)
            sd.unlink()
            continue
        array, meta = ipcf.open_result(out)
        assert meta == {} and numpy.array_equal(array, want) and time.monotonic() - t0 < ipcf._PUBLISH_WAIT / 2, line
    # A live run (this process) whose sidecar does not come within the wait.
    side.unlink(missing_ok=True)
    lock.write_text(live)
    t0 = time.monotonic()
    for fn in (ipcf.open_result, ipcf.fit_result):
        with pytest.raises(ipcf.IpcfIOError, match='is being written by an ipcf run .* read it when that run has ended'):
            fn(out)
    assert time.monotonic() - t0 >= ipcf._PUBLISH_WAIT
    # Metadata that name nothing ({}, as another program's JSON): no run
    # publishes, whatever the lock says (open_result read again for ever).
    for line in (None, live):
        side.write_text('{}')
        if line is None:
            lock.unlink(missing_ok=True)
        else:
            lock.write_text(line)
        for mm in (False, True):
            t0 = time.monotonic()
            array, meta = ipcf.open_result(out, mmap=mm)
            assert meta == {} and numpy.array_equal(array, want) and time.monotonic() - t0 < ipcf._PUBLISH_WAIT / 2, (line, mm)


def test_read_again_when_the_sidecar_went_during_the_read(fixture, tmp_path, monkeypatch):
    """A sidecar there before the read and removed during it (a run
    publishing over the result; here put back at once, a new file in its
    place) is no result without metadata: open_result and fit_result read
    again. open_result returned the array with {} (346 of 1977 reads while a
    script removed and renamed in the sidecar), fit_result refused it ("no
    metadata"). A sidecar that names nothing ({}) is read twice, not for
    ever."""
    out = tmp_path / 'r.npy'
    ipcf.pcf_file(fixture['root'] / 'series', out, engine='memory', **pcf_args(fixture))
    side = pathlib.Path(str(out) + '.json')
    saved = side.read_bytes()
    want, want_meta = ipcf.open_result(out)
    calls = []

    def gone_and_back(real):
        def read(p, name=None, read=None, mmap=False):
            calls.append(p)
            if len(calls) > 1:
                return real(p, name, read, mmap)
            side.unlink()
            try:
                return real(p, name, read, mmap)
            finally:
                side.write_bytes(saved)
        return read

    monkeypatch.setattr(ipcf, '_open_result', gone_and_back(ipcf._open_result))
    array, meta = ipcf.open_result(out)
    assert meta == want_meta and numpy.array_equal(array, want) and len(calls) == 2
    calls.clear()
    monkeypatch.setattr(ipcf._fit, '_open_result', gone_and_back(ipcf._fit._open_result))
    with pytest.warns(ipcf.SmoothedCurvesWarning):
        fitted = ipcf.fit_result(out, 'pcf1d', waist=2)
    assert 'D' in fitted.names and len(calls) == 2
    # {}: two reads, then the array without metadata (open_result) or the refusal (fit_result)
    monkeypatch.undo()
    side.write_text('{}')
    seen = []
    real = ipcf._open_result
    monkeypatch.setattr(ipcf, '_open_result', lambda *a, **k: seen.append(1) or real(*a, **k))
    array, meta = ipcf.open_result(out)
    assert meta == {} and len(seen) == 2
    with pytest.raises(ipcf.IpcfValueError, match='no metadata beside it'):
        ipcf.fit_result(out, 'pcf1d', waist=2)


def test_sidecar_renamed_in_as_the_run_ends(fixture, tmp_path, monkeypatch):
    """A run that renames its sidecar in and ends between the wait's look
    at the sidecar (absent) and its look at the run (gone): the sidecar is
    there, and read; the array was returned with {} (REVIEW6's F2: 4 of
    about 14,000 reads of Octave's ipcf_read under real reruns)."""
    out = tmp_path / 'r.npy'
    ipcf.pcf_file(fixture['root'] / 'series', out, engine='memory', **pcf_args(fixture))
    want, want_meta = ipcf.open_result(out)
    side, aside = pathlib.Path(str(out) + '.json'), tmp_path / 'next.json'
    sleeper = subprocess.Popen(['sleep', '30'])  # the run, live
    lock = tmp_path / '.r.npy.lock'
    try:
        for fn in (ipcf.open_result, ipcf.open_errors, lambda p: ipcf.fit_result(p, 'pcf1d', waist=2)):
            os.rename(side, aside)  # the run removed the sidecar
            lock.write_text(f'pid {sleeper.pid} on {socket.gethostname()} since 2026-12-06T00:00:00Z\n')
            real, looks = ipcf._live_writer, []

            def live(p, real=real, looks=looks):
                if not looks:  # the run renames its sidecar in and ends now
                    os.rename(aside, side)
                    lock.unlink()
                looks.append(p)
                return real(p)

            monkeypatch.setattr(ipcf, '_live_writer', live)
            if fn is ipcf.open_result:
                array, meta = fn(out)
                assert meta == want_meta and numpy.array_equal(array, want)
            elif fn is ipcf.open_errors:
                with pytest.raises(ipcf.IpcfValueError, match='computed without them'):
                    fn(out)  # (not "no metadata beside it")
            else:
                with pytest.warns(ipcf.SmoothedCurvesWarning):
                    assert 'D' in fn(out).names  # (it said "no metadata")
            assert looks
            monkeypatch.undo()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_error_bars_beside_a_live_run_wait_once_and_name_their_metadata(fixture, tmp_path, monkeypatch):
    """Error bars without their result's sidecar, beside a live run's lock
    of their own name (a run takes it too): refused after one wait, naming
    their metadata, the result's (REVIEW6's F5 and F6: open_result waited
    twice, for OUT.npy.json and then for OUT.sd.npy.json, which no run
    writes, and named the latter); beside a stopped one, at once."""
    monkeypatch.setattr(ipcf, '_PUBLISH_WAIT', 1.0)
    out = tmp_path / 'r.npy'
    ipcf.pcf_file(fixture['root'] / 'series', out, engine='memory', errors='segments', segments=4,
                  **pcf_args(fixture))
    pathlib.Path(str(out) + '.json').unlink()
    sd, lock = tmp_path / 'r.sd.npy', tmp_path / '.r.sd.npy.lock'
    for line, want in ((f'pid {os.getpid()} on {socket.gethostname()} since 2026-12-06T00:00:00Z\n',
                        'is being written by an ipcf run'),
                       (f'pid 999999999 on {socket.gethostname()} since 2026-12-06T00:00:00Z\n',
                        'was stopped before it finished')):
        lock.write_text(line)
        t0 = time.monotonic()
        with pytest.raises(ipcf.IpcfIOError, match=want) as e:
            ipcf.open_result(sd)
        waited = time.monotonic() - t0
        assert str(tmp_path / 'r.npy.json') in str(e.value) and 'r.sd.npy.json' not in str(e.value), e.value
        assert waited < (1.8 if 'written' in want else 0.5), waited


def test_error_bars_read_again_while_a_run_publishes(fixture, tmp_path, monkeypatch):
    """open_errors and fit_result read again what they read while a run
    publishes over the result (its files renamed one by one: the sidecar
    of one run beside the error bars of the other), as open_result reads
    again: they failed at once with "compute them again" (REVIEW5's F5: 19
    and 2 of 612 reads under republication). Without a live run the mixture
    is still refused."""
    monkeypatch.setattr(ipcf, '_PUBLISH_WAIT', 2.0)
    out = tmp_path / 'r.npy'
    ipcf.pcf_file(fixture['root'] / 'series', out, engine='memory', errors='segments', segments=4,
                  **pcf_args(fixture))
    other = ipcf.pcf_file(fixture['root'] / 'series', tmp_path / 'o.npy', engine='memory', errors='segments',
                          segments=8, **pcf_args(fixture))
    sd, sd_other = tmp_path / 'r.sd.npy', tmp_path / 'o.sd.npy'
    saved = sd.read_bytes()
    assert saved != sd_other.read_bytes()
    want = ipcf.open_errors(out)
    with pytest.warns(ipcf.SmoothedCurvesWarning):
        want_fit = ipcf.fit_result(out, 'pcf1d', waist=2)
    lock = tmp_path / '.r.npy.lock'

    def mixed():
        shutil.copyfile(sd_other, sd)  # the error bars of the other run beside this one's sidecar

    for fn in (ipcf.open_errors, lambda p: ipcf.fit_result(p, 'pcf1d', waist=2)):
        mixed()
        lock.write_text(f'pid {os.getpid()} on {socket.gethostname()} since 2026-12-06T00:00:00Z\n')

        def publish():
            time.sleep(0.3)
            sd.write_bytes(saved)  # the run's rename of its own error bars

        t = threading.Thread(target=publish)
        t.start()
        t0 = time.monotonic()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ipcf.SmoothedCurvesWarning)
            got = fn(out)
        waited = time.monotonic() - t0
        t.join()
        assert waited >= 0.25, waited
        if isinstance(got, numpy.ndarray):
            assert numpy.array_equal(got, want)
        else:
            for k in want_fit.params:
                assert numpy.array_equal(got[k], want_fit[k], equal_nan=True), k
        # no run: the mixture is refused at once (after one more read)
        lock.unlink()
        mixed()
        t0 = time.monotonic()
        with pytest.raises(ipcf.IpcfIOError, match='not the error bars of this result'):
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', ipcf.SmoothedCurvesWarning)
                fn(out)
        assert time.monotonic() - t0 < 1.0
        sd.write_bytes(saved)
    # Error bars that are not there, beside a result without them: no such
    # file (it said "not the error bars of that result ... rename the file").
    ipcf.pcf_file(fixture['root'] / 'series', tmp_path / 'n.npy', engine='memory', **pcf_args(fixture))
    with pytest.raises(ipcf.IpcfIOError, match='n.sd.npy: No such file or directory'):
        ipcf.open_result(tmp_path / 'n.sd.npy')


def test_open_result_npy(fixture, ooc_series):
    out, result = ooc_series
    array, meta = ipcf.open_result(out)
    assert not array.flags.writeable
    with pytest.raises(ValueError):
        array[0, 0, 0, 0] = 1
    numpy.testing.assert_array_equal(array, numpy.load(out))
    assert array.dtype == numpy.float32 and array.shape == result.summary['shape']
    assert meta['software'] == 'ipcf' and meta['radius'] == fixture['radius']
    assert meta['npoints'] == fixture['npoints'] and meta['engine'] == 'ooc'
    assert len(meta['bins']) == array.shape[3] and meta['bins'][-1] == fixture['frames'] // 2
    assert isinstance(meta['job_key'], str) and len(meta['job_key']) >= 16
    assert len(meta['output_crc32c']) == 8 and meta['output_bytes'] == os.path.getsize(out)
    with open(str(out) + '.json') as fh:
        assert json.load(fh) == meta
    # The metadata of the same job written by the CLI (its job_key differs:
    # the key includes the output path).
    with open(fixture['root'] / 'cli_series.npy.json') as fh:
        cli = json.load(fh)
    for key in ('output_crc32c', 'input_crc32c', 'bins', 'offsets_uv', 'shape', 'input_shape', 'frames_used'):
        assert meta[key] == cli[key], key


def test_rerun_is_already_complete(fixture, tmp_path, caplog):
    out = tmp_path / 'again.npy'
    first = ipcf.pcf_file(fixture['root'] / 'series', out, **ooc_args(fixture))
    assert not first.summary['already_complete']
    before = [(read(p), os.stat(p).st_mtime_ns) for p in (out, str(out) + '.json')]
    listing = snapshot(tmp_path)
    time.sleep(0.02)
    with caplog.at_level(logging.INFO, logger='ipcf'):
        second = ipcf.pcf_file(fixture['root'] / 'series', out, **ooc_args(fixture))
    assert second.summary['already_complete'] and second.summary['shape'] == first.summary['shape']
    assert [(read(p), os.stat(p).st_mtime_ns) for p in (out, str(out) + '.json')] == before
    assert snapshot(tmp_path) == listing
    assert any(r.name == 'ipcf' and 'already the complete result' in r.getMessage() for r in caplog.records)


def test_output_beside_input_folder_is_fine(fixture, series_copy):
    out = pathlib.Path(str(series_copy) + '.npy')
    try:
        result = ipcf.pcf_file(series_copy, out, **pcf_args(fixture))
        assert read(result) == read(fixture['root'] / 'cli_series.npy')
    finally:
        for p in (out, pathlib.Path(str(out) + '.json')):
            if p.exists():
                p.unlink()


def test_output_inside_input_folder_is_refused(fixture, series_copy):
    before = snapshot(series_copy)
    with pytest.raises(ipcf.IpcfError) as info:
        ipcf.pcf_file(series_copy, series_copy / 'pcf.npy', **pcf_args(fixture))
    assert isinstance(info.value, ipcf.IpcfValueError) and info.value.status == 1
    assert 'inside the input folder' in str(info.value)
    assert snapshot(series_copy) == before


def test_output_that_is_the_input_is_refused(fixture, stack_npy, tmp_path):
    data = tmp_path / 'data.npy'
    shutil.copyfile(stack_npy, data)
    before = read(data)
    mtime = os.stat(data).st_mtime_ns
    for out in (data, str(data), tmp_path / '.' / 'data.npy'):
        with pytest.raises(ipcf.IpcfValueError, match='is an input of this job'):
            ipcf.pcf_file(data, out, **pcf_args(fixture))
    assert read(data) == before and os.stat(data).st_mtime_ns == mtime
    assert sorted(os.listdir(tmp_path)) == ['data.npy']


def test_foreign_zarr_folder_is_refused(fixture, tmp_path):
    folder = tmp_path / 'X.zarr'
    folder.mkdir()
    (folder / 'notes.txt').write_text('not an ipcf result')
    (folder / '.zattrs').write_text('{"software": "other"}')
    before = snapshot(folder)
    with pytest.raises(ipcf.IpcfValueError, match='not an ipcf result'):
        ipcf.pcf_file(fixture['root'] / 'series', folder, **ooc_args(fixture))
    assert snapshot(folder) == before and (folder / 'notes.txt').read_text() == 'not an ipcf result'
    assert sorted(os.listdir(tmp_path)) == ['X.zarr']


@pytest.mark.parametrize('kw, exc, text', [
    (dict(radius=2**32 + 2), ValueError, 'radius=4294967298'),
    (dict(npoints=-2**31 - 1), ValueError, 'npoints'),
    (dict(tile=(2**31, 8)), ValueError, 'tile rows'),
    (dict(threads=2**40), ValueError, 'threads'),
    (dict(device='cuda:4294967296'), ValueError, 'device'),
    (dict(shape=(2**63, 40, 40)), ValueError, 'shape[0]'),
    (dict(memory='lots'), ipcf.IpcfValueError, 'lots'),
    (dict(memory=True), TypeError, 'memory'),
    (dict(memory='1KiB', engine='ooc'), ipcf.IpcfValueError, 'give at least'),  # out of core: the smallest budget
    (dict(engine='fast'), ipcf.IpcfValueError, 'fast'),
    (dict(engine='memory', output='out.zarr'), ipcf.IpcfValueError, 'Zarr'),
    (dict(tile=(8, 0)), ipcf.IpcfValueError, 'tile'),
    (dict(tile=8), TypeError, 'tile'),
    (dict(crop='a:b,1:2'), ipcf.IpcfValueError, 'crop'),
    (dict(crop=(slice(0, 9, 2), slice(None))), ValueError, 'step'),
    (dict(frames='9:3'), ipcf.IpcfValueError, 'frames'),
    (dict(frames=5), TypeError, 'frames'),
    (dict(format='gif'), ipcf.IpcfValueError, 'gif'),
    (dict(dtype='>u2'), ValueError, 'shape'),
    (dict(shape=(1024, 40, 40), dtype='complex64'), TypeError, 'complex64'),
    (dict(shape=(1024, 40, 40), dtype='>u2', byteorder='little'), ValueError, 'contradicts'),
    (dict(bleach_mean='median'), ValueError, 'median'),
    (dict(output='out.txt'), ipcf.IpcfValueError, '.npy'),
    (dict(output='no/such/folder/out.npy'), ipcf.IpcfValueError, 'does not exist'),
    (dict(output='bad\0name.npy'), ValueError, 'NUL'),
    (dict(frame_interval=-1), ipcf.IpcfValueError, 'frame_interval'),
    (dict(radius=30), ipcf.IpcfValueError, 'radius'),
])
def test_bad_arguments(fixture, tmp_path, kw, exc, text):
    out = tmp_path / kw.pop('output', 'out.npy')
    with pytest.raises(exc) as info:
        ipcf.pcf_file(fixture['root'] / 'series', out, **{**pcf_args(fixture), **kw})
    assert text in str(info.value)
    assert os.listdir(tmp_path) == []


def test_missing_input(tmp_path):
    with pytest.raises(ipcf.IpcfError) as info:
        ipcf.pcf_file(tmp_path / 'missing.tif', tmp_path / 'out.npy')
    assert isinstance(info.value, ipcf.IpcfIOError) and isinstance(info.value, OSError)
    assert info.value.status == 9 and 'missing.tif' in str(info.value)
    assert os.listdir(tmp_path) == []


def test_zarr_equals_npy(fixture, ooc_series, tmp_path):
    out = tmp_path / 'series.zarr'
    result = ipcf.pcf_file(fixture['root'] / 'series', out, **ooc_args(fixture))
    assert result.summary['engine'] == 'ooc' and result.summary['tiles'] > 1
    with open(out / '.zarray') as fh:
        za = json.load(fh)
    # on the CPU the tiles are bands of 8 full rows; the edge chunk is padded
    assert za['chunks'][:2] == [8, za['shape'][1]] and za['shape'][0] % 8
    array, meta = ipcf.open_result(out)
    want = numpy.load(ooc_series[0])
    assert not array.flags.writeable and array.shape == want.shape and array.dtype == numpy.float32
    numpy.testing.assert_array_equal(array, want)
    assert meta['software'] == 'ipcf' and meta['radius'] == fixture['radius'] and 'chunks_crc32c' in meta
    again = ipcf.pcf_file(fixture['root'] / 'series', out, **ooc_args(fixture))
    assert again.summary['already_complete']


def test_mask_array_and_path(fixture, ooc_series, tmp_path):
    n, r = fixture['size'], fixture['radius']
    mask = numpy.zeros((n, n), numpy.uint8)
    mask[5:20, 8:30] = 1
    numpy.save(tmp_path / 'mask.npy', mask)
    want = numpy.load(ooc_series[0])
    inner = mask[r:-r, r:-r].astype(bool)
    results = []
    for m in (mask, mask.astype(bool), tmp_path / 'mask.npy', str(tmp_path / 'mask.npy')):
        out = ipcf.pcf_file(fixture['root'] / 'series', tmp_path / 'masked.npy', mask=m, **pcf_args(fixture))
        got, meta = ipcf.open_result(out)
        assert numpy.isnan(got[~inner]).all()
        numpy.testing.assert_array_equal(got[inner], want[inner])
        results.append(read(out))
    assert results[0] == results[1] == results[2] == results[3]


def test_line_scan_mask_1d(tmp_path):
    """A line scan's mask is its columns: a 1-D array or .npy, or (1, W),
    give ipcf.pcf's masked result; a 1-D mask of an image is refused."""
    rng = numpy.random.default_rng(5)
    line = rng.poisson(100, (512, 24)).astype(numpy.uint16)
    numpy.save(tmp_path / 'line.npy', line)
    m = numpy.ones(24, numpy.uint8)
    m[[3, 11]] = 0
    numpy.save(tmp_path / 'm1.npy', m)
    want = ipcf.pcf(line, radius=2, nbins=8, mask=m)
    for k, mk in enumerate((m, m[None, :], tmp_path / 'm1.npy')):
        got, _ = ipcf.open_result(ipcf.pcf_file(tmp_path / 'line.npy', tmp_path / f'o{k}.npy', radius=2, nbins=8,
                                                offsets='line', mask=mk))
        numpy.testing.assert_array_equal(got.reshape(want.shape), want)
    image = rng.poisson(100, (256, 6, 24)).astype(numpy.uint16)
    numpy.save(tmp_path / 'image.npy', image)
    with pytest.raises(ipcf.IpcfValueError, match=r'want \(rows, columns\)'):
        ipcf.pcf_file(tmp_path / 'image.npy', tmp_path / 'img.npy', radius=1, npoints=4, nbins=8, mask=m)
    # a mask file that cannot be read is an I/O error, as a missing input
    # is (HOSTS11's m5: IpcfValueError); one of bad content stays a value error
    with pytest.raises(ipcf.IpcfIOError, match='no such file'):
        ipcf.pcf_file(tmp_path / 'line.npy', tmp_path / 'o9.npy', radius=2, nbins=8, offsets='line', mask=tmp_path / 'none.npy')
    (tmp_path / 'bad.npy').write_bytes(b'not a npy')
    with pytest.raises(ipcf.IpcfValueError, match='no .npy magic'):
        ipcf.pcf_file(tmp_path / 'line.npy', tmp_path / 'o9.npy', radius=2, nbins=8, offsets='line', mask=tmp_path / 'bad.npy')


def test_crop_frames_and_masked_crop(fixture, stack, stack_npy, tmp_path):
    args = pcf_args(fixture)
    a = ipcf.pcf_file(stack_npy, tmp_path / 'a.npy', crop='4:30,2:', frames='0:512', **args)
    b = ipcf.pcf_file(stack_npy, tmp_path / 'b.npy', crop=(slice(4, 30), (2, None)), frames=slice(512), **args)
    c = ipcf.pcf_file(stack_npy, tmp_path / 'c.npy', crop=((4, 30), slice(2, None)), frames=(None, 512), **args)
    assert read(a) == read(b) == read(c)
    data = stack
    numpy.testing.assert_array_equal(numpy.load(a), ipcf.pcf(data[:512, 4:30, 2:], **args))
    meta = ipcf.open_result(a)[1]
    assert meta['crop_origin'] == [4, 2] and meta['frames_used'] == 512
    # A mask of the whole frame is cropped like the input.
    mask = numpy.ones(data.shape[1:], numpy.uint8)
    mask[10:14] = 0
    m = ipcf.pcf_file(stack_npy, tmp_path / 'm.npy', crop='4:30,2:', frames='0:512', mask=mask, **args)
    got = numpy.load(m)
    r = fixture['radius']
    keep = mask[4:30, 2:][r:-r, r:-r].astype(bool)
    assert numpy.isnan(got[~keep]).all() and not numpy.isnan(got[keep]).any()


def test_progress_and_metadata_units(fixture, tmp_path, capsys):
    out = ipcf.pcf_file(fixture['root'] / 'series', tmp_path / 'p.npy', progress=True, frame_interval=0.001,
                        pixel_size=0.05, **ooc_args(fixture))
    assert 'pcf_file' in capsys.readouterr().err
    meta = ipcf.open_result(out)[1]
    assert meta['units'] == {'frame_interval_s': 0.001, 'pixel_size_um': 0.05,
                             'from': {'frame_interval_s': 'options', 'pixel_size_um': 'options'}}


def test_ctrl_c_cancels_and_the_rerun_resumes(stack_npy, tmp_path):
    code = r"""
import os, sys, time, numpy, ipcf
tmp, frames = sys.argv[1], sys.argv[2]
big = os.path.join(tmp, 'big.npy')
numpy.save(big, numpy.tile(numpy.load(frames), (4, 2, 2)))
out = os.path.join(tmp, 'big_pcf.npy')
args = dict(radius=3, npoints=12, nbins=16, threads=1, engine='ooc', tile=(3, 16))  # bands of 3 rows
show = ipcf._PhaseProgress.__call__

def spy(self, user, phase, done, total):
    # Tell the parent at the first report of some tiles done, not all: it
    # sends SIGINT. The job is held at this progress point while the SIGINT
    # comes and the main thread cancels it (within 50 ms). Waiting for 5
    # tiles failed in CI: reports are rate-limited, the next one after the
    # first tile was often the last (25 of 25), and the job published.
    if phase == b'pcf' and 0 < done < total and not spy.told:
        spy.told = True
        print('tiles', done, flush=True)
        time.sleep(0.5)
    return show(self, user, phase, done, total)

spy.told = False
ipcf._PhaseProgress.__call__ = spy
print('ready', flush=True)
try:
    ipcf.pcf_file(big, out, progress=True, **args)
    print('finished', flush=True)
except KeyboardInterrupt:
    print('interrupted', flush=True)
    print('published', os.path.exists(out), flush=True)
    r = ipcf.pcf_file(big, out, **args)
    print('rerun', r.summary['tiles'], r.summary['resumed'], r.summary['already_complete'], flush=True)
    fresh = ipcf.pcf_file(big, os.path.join(tmp, 'fresh.npy'), engine='memory', radius=3, npoints=12, nbins=16)
    with open(out, 'rb') as a, open(fresh, 'rb') as b:
        print('same', a.read() == b.read(), flush=True)
"""
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, '..'))
    # stderr (the progress bars) to a file: only stdout is read line by line.
    with open(tmp_path / 'stderr.txt', 'w+') as errfile:
        proc = subprocess.Popen([sys.executable, '-c', code, str(tmp_path), str(stack_npy)],
                                stdout=subprocess.PIPE, stderr=errfile, env=env, text=True)
        try:
            assert proc.stdout.readline().strip() == 'ready'
            line = proc.stdout.readline()
            assert line.startswith('tiles'), line
            held = int(line.split()[1])  # tiles done when the job was held
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            line = proc.stdout.readline()
            elapsed = time.monotonic() - sent
            out = proc.stdout.read()
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stdout.close()
        errfile.seek(0)
        err = errfile.read()[-2000:]
    assert line.strip() == 'interrupted', (line, out, err)
    assert elapsed < 10, f'stopped {elapsed:.2f} s after SIGINT'  # (a hang, not the latency, which load stretches)
    lines = out.split('\n')
    assert lines[0] == 'published False', (out, err)
    _, tiles, resumed, complete = lines[1].split()
    # The tiles journaled before the cancel (at least those reported) are
    # resumed, the rest computed: bit for bit.
    assert int(tiles) > int(resumed) >= held >= 1 and complete == 'False', (out, err)
    assert lines[2] == 'same True', (out, err)
    assert proc.returncode == 0, err


# --- error bars beside the curves (issue 14, libipcf 0.3) -------------------

ERR_CASES = [
    ('memory', 'blocking', {}),
    ('ooc', 'blocking', {}),
    ('memory', 'segments', dict(segments=5)),
    ('ooc', 'segments', dict(segments=5, crop='2:38,4:', bins='multitau', m=8)),
    ('ooc', 'segments', dict(offsets=[(0, 0), (2, 1)], delta=False, bleach=64)),
    ('memory', 'blocking', dict(offsets=[(2, 0), (0, 2)], delta=True, frames='0:512')),
]


@pytest.mark.parametrize('engine, method, kw', ERR_CASES, ids=[f'{c[0]}-{c[1]}-{len(c[2])}' for c in ERR_CASES])
def test_errors_equal_pcf_errors(fixture, stack, stack_npy, tmp_path, engine, method, kw):
    """pcf_file(..., errors=) writes OUT.sd.npy: pcf_errors' numbers bit for bit, in memory and out of core."""
    kw = dict(kw)
    crop, frames, nseg = kw.pop('crop', None), kw.pop('frames', None), kw.pop('segments', 8)
    args = ooc_args(fixture, **kw) if engine == 'ooc' else pcf_args(fixture, engine='memory', **kw)
    out = tmp_path / 'g.npy'
    result = ipcf.pcf_file(stack_npy, out, errors=method, segments=nseg, crop=crop, frames=frames, **args)
    assert result.summary['engine'] == engine and (engine == 'memory' or result.summary['tiles'] > 1)
    assert result.errors == str(tmp_path / 'g.sd.npy') and os.path.exists(result.errors)
    data = stack
    if crop:
        data = data[:, 2:38, 4:]
    if frames:
        data = data[:512]
    direct = {k: v for k, v in args.items() if k not in ('memory', 'tile', 'engine')}
    want = ipcf.pcf_errors(data, method=method, segments=nseg, **direct)
    sd = ipcf.open_errors(result)
    assert sd.dtype == numpy.float32 and not sd.flags.writeable and sd.shape == want.shape
    assert sd.tobytes() == want.tobytes()
    # the curves beside them are pcf's, and the metadata records the pair
    g, meta = ipcf.open_result(result)
    assert g.tobytes() == ipcf.pcf(data, **direct).tobytes()
    rec = meta['errors']
    assert rec['file'] == 'g.sd.npy' and rec['method'] == method and rec['shape'] == list(want.shape)
    assert rec['segments'] == (nseg if method == 'segments' else None)
    assert rec['bytes'] == os.path.getsize(result.errors)
    assert pickle.loads(pickle.dumps(result)).errors == result.errors
    del sd, g
    # a rerun is complete already; without error bars the stale file goes
    again = ipcf.pcf_file(stack_npy, out, errors=method, segments=nseg, crop=crop, frames=frames, **args)
    assert again.summary['already_complete'] and again.errors == result.errors
    plain = ipcf.pcf_file(stack_npy, out, crop=crop, frames=frames, **args)
    assert plain.errors is None and not os.path.exists(tmp_path / 'g.sd.npy')
    assert 'errors' not in ipcf.open_result(plain)[1] or ipcf.open_result(plain)[1]['errors'] is None
    with pytest.raises(ipcf.IpcfValueError, match='no error bars'):
        ipcf.open_errors(plain)


def test_errors_segments_default_and_raw(fixture, stack, tmp_path):
    # segments=8 by default; a raw big-endian input reads the same samples
    result = ipcf.pcf_file(fixture['root'] / 'stack.raw', tmp_path / 'raw.npy', errors='segments',
                           **raw_args(fixture), **ooc_args(fixture))
    want = ipcf.pcf_errors(stack, method='segments', **pcf_args(fixture))
    assert ipcf.open_errors(result).tobytes() == want.tobytes()
    assert ipcf.open_result(result)[1]['errors']['segments'] == 8


def test_errors_of_smoothed_curves_warn_as_pcf_errors(stack_npy, tmp_path):
    # pcf_file(errors=) of smoothed curves gave the library's note to the
    # logger only; pcf_errors raises SmoothedCurvesWarning (DOCS19's m3)
    with pytest.warns(ipcf.SmoothedCurvesWarning, match=r'error bars of smoothed curves \(smooth 0\.7\)'):
        ipcf.pcf_file(stack_npy, tmp_path / 's.npy', radius=2, npoints=4, nbins=6, errors='blocking')
    with warnings.catch_warnings():
        warnings.simplefilter('error', ipcf.SmoothedCurvesWarning)
        ipcf.pcf_file(stack_npy, tmp_path / 'u.npy', radius=2, npoints=4, nbins=6, errors='blocking', smooth=0)


@pytest.mark.parametrize('kw, exc, text', [
    (dict(errors='jackknife'), ipcf.IpcfValueError, 'jackknife'),
    (dict(errors=True), ipcf.IpcfValueError, 'errors=True'),
    (dict(errors='segments', segments=1), ipcf.IpcfValueError, 'segments'),
    (dict(errors='segments', segments=5000), ipcf.IpcfValueError, 'segments'),
    (dict(errors='segments', segments=2**31), ValueError, 'segments'),
    (dict(errors='segments', segments=2.5), TypeError, 'segments'),
    (dict(errors='blocking', segments='8'), TypeError, 'segments'),
    (dict(errors='blocking', output='out.zarr'), ipcf.IpcfValueError, '.npy'),
    (dict(errors='blocking', engine='ooc', output='out.zarr'), ipcf.IpcfValueError, '.npy'),
])
def test_errors_bad_arguments(fixture, tmp_path, kw, exc, text):
    out = tmp_path / kw.pop('output', 'out.npy')
    with pytest.raises(exc) as info:
        ipcf.pcf_file(fixture['root'] / 'series', out, **{**pcf_args(fixture), **kw})
    assert text in str(info.value)
    assert os.listdir(tmp_path) == []


def test_segments_without_segments_warns(fixture, stack_npy, tmp_path):
    """segments with errors=None or 'blocking' does nothing (ipcf pcf
    refuses it): IgnoredOptionWarning at the caller's line."""
    for errors in (None, 'blocking'):
        out = tmp_path / f'{errors}.npy'
        with pytest.warns(ipcf.IgnoredOptionWarning, match=f"segments=4 is ignored: .*errors={errors!r}") as w:
            ipcf.pcf_file(stack_npy, out, errors=errors, segments=4, **pcf_args(fixture))
        # (and SmoothedCurvesWarning for the error bars of smoothed curves)
        assert [x.filename for x in w if issubclass(x.category, ipcf.IgnoredOptionWarning)] == [__file__]
        assert out.exists() and pathlib.Path(str(out)[:-4] + '.sd.npy').exists() == (errors == 'blocking')


def test_open_errors_checks_the_file(fixture, stack_npy, tmp_path):
    result = ipcf.pcf_file(stack_npy, tmp_path / 'g.npy', errors='blocking', **pcf_args(fixture))
    with pytest.raises(ipcf.IpcfValueError, match='Zarr'):
        ipcf.open_errors(ipcf.pcf_file(stack_npy, tmp_path / 'g.zarr', **pcf_args(fixture)))
    with pytest.raises(ipcf.IpcfTypeError):
        ipcf.open_errors(3)
    sd = pathlib.Path(result.errors)
    sd.rename(tmp_path / 'moved.npy')
    with pytest.raises(ipcf.IpcfIOError, match='compute them again'):
        ipcf.open_errors(result)
    numpy.save(sd, numpy.zeros((2, 2), numpy.float32))  # another file under its name
    with pytest.raises(ipcf.IpcfIOError, match='not the error bars of this result'):
        ipcf.open_errors(result)
    # another run's error bars of the same shape and size: their checksum
    other = ipcf.pcf_file(stack_npy, tmp_path / 'h.npy', errors='blocking', smooth=0.5, **pcf_args(fixture))
    shutil.copy(other.errors, sd)
    with pytest.raises(ipcf.IpcfIOError, match='checksum .* not the error bars of this result'):
        ipcf.open_errors(result)
    # named as sigma, the file the result records is checked as ipcf fit
    # --sigma checks it (another run's were fitted); another file is the
    # user's choice
    for named in (sd, str(sd), tmp_path / '.' / sd.name):
        with pytest.raises(ipcf.IpcfIOError, match='not the error bars of this result'):
            ipcf.fit_result(result, 'pcf1d', sigma=named)
    with pytest.warns(ipcf.SmoothedCurvesWarning):
        assert ipcf.fit_result(result, 'pcf1d', sigma=other.errors).maps.shape[:2] == ipcf.open_result(result)[0].shape[:2]
    # fit_result refuses a sidecar of another result of the same shape, as ipcf fit does
    shutil.copy(str(other) + '.json', str(result) + '.json')
    with pytest.raises(ipcf.IpcfIOError, match="not this result's metadata"):
        ipcf.fit_result(result, 'pcf1d', sigma=False)
    # without a sidecar: no error bars known
    os.remove(str(result) + '.json')
    with pytest.raises(ipcf.IpcfValueError, match='no metadata'):
        ipcf.open_errors(result)


def test_open_result_of_error_bars_checks_them(fixture, stack_npy, tmp_path):
    """open_result of OUT.sd.npy (no sidecar of its own) returned the error
    bars unchecked with no metadata: damaged ones, or an earlier run's,
    then weighted a fit. They are now checked against, and described by,
    their result's metadata, as open_errors reads them."""
    result = ipcf.pcf_file(stack_npy, tmp_path / 'g.npy', errors='blocking', **pcf_args(fixture))
    sd = pathlib.Path(result.errors)
    want = numpy.array(ipcf.open_errors(result))
    for mmap in (False, True):
        values, meta = ipcf.open_result(sd, mmap=mmap)
        assert numpy.array_equal(values, want, equal_nan=True) and not values.flags.writeable
        assert meta['errors']['file'] == sd.name and meta['errors_of'] == str(result)
        assert meta['errors']['shape'] == list(want.shape)
        del values
    # error bars are no curves: labelled or fitted as such, refused
    with pytest.raises(ipcf.IpcfValueError):
        ipcf.label(*ipcf.open_result(sd))
    with pytest.raises(ipcf.IpcfError):
        ipcf.fit_result(sd, 'pcf1d')
    keep = sd.read_bytes()
    damaged = bytearray(keep)
    damaged[-5] ^= 0x10
    sd.write_bytes(bytes(damaged))
    with pytest.raises(ipcf.IpcfIOError, match='checksum .* not the error bars of this result'):
        ipcf.open_result(sd)
    sd.write_bytes(keep)
    # beside a result that records none (computed without them): an earlier run's
    plain = ipcf.pcf_file(stack_npy, tmp_path / 'p.npy', **pcf_args(fixture))
    shutil.copy(sd, tmp_path / 'p.sd.npy')
    with pytest.raises(ipcf.IpcfIOError, match='p.npy.json records no error bars'):
        ipcf.open_result(tmp_path / 'p.sd.npy')
    # while a live run publishes over the result (its sidecar removed before
    # the renames), its sidecar is waited for (the error bars were read
    # unchecked with {})
    side = pathlib.Path(str(result) + '.json')
    saved = side.read_bytes()
    side.unlink()
    lock = pathlib.Path(result).parent / ('.' + pathlib.Path(result).name + '.lock')
    lock.write_text(f'pid {os.getpid()} on {socket.gethostname()} since 2026-12-05T00:00:00Z\n')
    t = threading.Thread(target=lambda: (time.sleep(0.3), side.write_bytes(saved)))
    t.start()
    values, meta = ipcf.open_result(sd)
    t.join()
    lock.unlink()
    assert meta.get('errors_of') == str(result) and numpy.array_equal(values, want, equal_nan=True), meta
    # a user's own X.sd.npy with no result beside it: read as it is, no metadata
    os.remove(str(plain) + '.json')
    values, meta = ipcf.open_result(tmp_path / 'p.sd.npy')
    assert meta == {} and numpy.array_equal(values, want, equal_nan=True)


def test_edited_metadata_refused(fixture, stack_npy, tmp_path):
    """A sidecar (or a Zarr result's .zattrs) edited since ipcf wrote it,
    one value changed or its seal's key damaged, is refused by open_result,
    fit_result and open_errors (the library checks the checksum it records
    of itself: ipcf_check_metadata); the text as written is read again."""
    result = ipcf.pcf_file(stack_npy, tmp_path / 'e.npy', errors='blocking', **pcf_args(fixture))
    side = pathlib.Path(str(result) + '.json')
    orig = side.read_bytes()
    radius = f'"radius": {pcf_args(fixture)["radius"]}'.encode()
    assert b'"self_crc32c": "' in orig and radius in orig
    for old, new in [(radius, radius[:-1] + b'9'), (b'"self_crc32c"', b'"self_crc32C"'), (b'\n}', b' \n}')]:
        side.write_bytes(orig.replace(old, new, 1))
        for call in (ipcf.open_result, lambda p: ipcf.fit_result(p, 'pcf1d'), ipcf.open_errors):
            with pytest.raises(ipcf.IpcfIOError, match='metadata changed since ipcf wrote it'):
                call(result)
    side.write_bytes(orig)
    values, meta = ipcf.open_result(result)
    assert meta['radius'] == pcf_args(fixture)['radius'] and values.ndim == 4
    z = ipcf.pcf_file(stack_npy, tmp_path / 'e.zarr', **pcf_args(fixture))
    zattrs = pathlib.Path(str(z), '.zattrs')
    zattrs.write_bytes(zattrs.read_bytes().replace(radius, radius[:-1] + b'9', 1))
    with pytest.raises(ipcf.IpcfIOError, match='metadata changed since ipcf wrote it'):
        ipcf.open_result(z)


def test_read_in_place_and_copy_input(tmp_path):
    """Out of core on the CPU, a .npy with 2 KiB rows is read in place
    (summary['read_in_place']); copy_input=True copies it into scratch first
    and writes the same bytes; a non-bool copy_input is refused (as every
    bool parameter: IpcfTypeError) and writes nothing. (A GPU's tiles are
    always read from a scratch copy: README, out of core.)"""
    rng = numpy.random.default_rng(5)
    data = rng.integers(100, 356, size=(64, 6, 1024), dtype=numpy.uint16)
    src = tmp_path / 'wide.npy'
    numpy.save(src, data)
    kw = dict(radius=1, npoints=4, nbins=4, device='cpu')
    a = ipcf.pcf_file(src, tmp_path / 'a.npy', engine='ooc', **kw)
    assert a.summary['engine'] == 'ooc' and a.summary['read_in_place'] is True
    b = ipcf.pcf_file(src, tmp_path / 'b.npy', engine='ooc', copy_input=True, **kw)
    assert b.summary['read_in_place'] is False
    assert (tmp_path / 'a.npy').read_bytes() == (tmp_path / 'b.npy').read_bytes()
    m = ipcf.pcf_file(src, tmp_path / 'm.npy', engine='memory', **kw)
    assert m.summary['read_in_place'] is False
    with pytest.raises(ipcf.IpcfTypeError, match='copy_input'):
        ipcf.pcf_file(src, tmp_path / 'c.npy', engine='ooc', copy_input=1, **kw)
    assert not (tmp_path / 'c.npy').exists()


def test_format_is_honoured(fixture, stack_npy, tmp_path):
    # format='tiff' reads TIFF only (a .npy is not read by its content), and
    # a raw shape with format='npy' or 'tiff' contradicts it.
    with pytest.raises(ipcf.IpcfError) as info:
        ipcf.pcf_file(stack_npy, tmp_path / 'out.npy', format='tiff', **pcf_args(fixture))
    assert 'not a TIFF' in str(info.value)
    with pytest.raises(ipcf.IpcfError) as info:
        ipcf.pcf_file(fixture['root'] / 'stack.raw', tmp_path / 'out.npy', format='npy',
                      shape=(fixture['frames'], 40, 40), dtype='>u2', **pcf_args(fixture))
    assert 'raw' in str(info.value)  # the binding's own check (the library's: TestCLIBadInput)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('name, zarray, make', [
    ('chunks whose product overflows', dict(shape=[1, 1], chunks=[2**32, 2**32]), lambda p: open(p / '0.0', 'wb').close()),
    ('a chunk that is a folder', dict(shape=[2], chunks=[2]), lambda p: os.mkdir(p / '0')),
    ('no dimensions', dict(shape=[], chunks=[]), None),
    ('a fill value beyond the dtype', dict(shape=[2], chunks=[2], dtype='|u1', fill_value=1000), None),
    ('a fill value that is a list', dict(shape=[2], chunks=[2], fill_value=[1]), None),
])
def test_open_result_damaged_zarr_is_an_io_error(tmp_path, name, zarray, make):
    # Damaged metadata or chunks give an IpcfIOError naming the file, never
    # another exception or a wrapped value.
    z = tmp_path / 'r.zarr'
    z.mkdir()
    desc = dict(zarr_format=2, compressor=None, filters=None, dtype='<f4', order='C', fill_value='NaN')
    desc.update(zarray)
    (z / '.zarray').write_text(json.dumps(desc))
    if make:
        make(z)
    with pytest.raises(ipcf.IpcfIOError) as info:
        ipcf.open_result(z)
    assert str(z) in str(info.value), name


def test_open_errors_damaged_record_is_an_io_error(tmp_path):
    r = tmp_path / 'r.npy'
    numpy.save(r, numpy.zeros(3, numpy.float32))
    numpy.save(tmp_path / 'r.sd.npy', numpy.zeros(3, numpy.float32))
    (tmp_path / 'r.npy.json').write_text('{"errors": {"file": "r.sd.npy", "shape": 5}}')
    with pytest.raises(ipcf.IpcfIOError, match='shape 5'):
        ipcf.open_errors(r)


def test_pcf_file_warns_for_data_that_are_not_counts(tmp_path):
    # The job's warning reaches Python as a CountsWarning at the caller's line.
    data = numpy.random.default_rng(5).uniform(0.05, 0.2, (200, 6, 6))
    numpy.save(tmp_path / 'f.npy', data)
    with pytest.warns(ipcf.CountsWarning, match='not counts in 0..65535') as caught:
        ipcf.pcf_file(tmp_path / 'f.npy', tmp_path / 'out.npy', radius=1, npoints=4, nbins=4, bleach=10)
    assert caught[0].filename == __file__


def test_pcf_data2_warns_for_data_that_are_not_counts():
    rng = numpy.random.default_rng(6)
    data = rng.integers(100, 200, (200, 6, 6)).astype(numpy.float64)
    with pytest.warns(ipcf.CountsWarning, match='data2'):
        ipcf.pcf(data, data2=data / 1000, bleach=10, radius=1, npoints=4, nbins=4)


def test_open_result_other_formats_and_missing_chunks(fixture, stack_npy, tmp_path):
    """open_result names what it cannot read (a TIFF, an OME-Zarr result)
    instead of a numpy or file error, and a Zarr result missing a chunk
    its .zattrs lists is an IpcfIOError, not fill values (NaN)."""
    tif = ipcf.pcf_file(stack_npy, tmp_path / 'r.tif', **pcf_args(fixture))
    with pytest.raises(ipcf.IpcfTypeError, match='a TIFF'):
        ipcf.open_result(tif)
    ome = ipcf.pcf_file(stack_npy, tmp_path / 'r.ome.zarr', **pcf_args(fixture))
    with pytest.raises(ipcf.IpcfTypeError, match='an OME-Zarr result'):
        ipcf.open_result(ome)
    z = ipcf.pcf_file(stack_npy, tmp_path / 'r.zarr', tile=(4, 4), **pcf_args(fixture))
    whole, meta = ipcf.open_result(z)
    assert not numpy.isnan(whole).all()
    chunk = sorted(meta['chunks_crc32c'])[1]
    os.remove(os.path.join(z, chunk))
    with pytest.raises(ipcf.IpcfIOError, match='lists is missing'):
        ipcf.open_result(z)


def test_fit_result_checks_a_zarr_results_chunks(fixture, stack_npy, tmp_path):
    """fit_result of a Zarr result verifies every chunk and metadata file
    against the checksums in its .zattrs, as it verifies a .npy result's
    bytes: a chunk changed since (here the same chunk of another result)
    is refused, not fitted."""
    args = pcf_args(fixture)
    res = ipcf.pcf_file(stack_npy, tmp_path / 'g.zarr', **args)
    good = ipcf.fit_result(res, 'pcf1d', sigma=False)
    other = ipcf.pcf_file(stack_npy, tmp_path / 'h.zarr', smooth=0.5, **args)
    meta = ipcf.open_result(res)[1]
    chunk = sorted(meta['chunks_crc32c'])[0]
    shutil.copy(os.path.join(other, chunk), os.path.join(res, chunk))
    with pytest.raises(ipcf.IpcfIOError, match='checksum .* damaged or changed'):
        ipcf.fit_result(res, 'pcf1d', sigma=False)
    shutil.copy(os.path.join(tmp_path / 'h.zarr', '.zarray'), os.path.join(res, '.zarray'))
    os.remove(os.path.join(res, chunk))
    with pytest.raises(ipcf.IpcfIOError, match='missing'):
        ipcf.fit_result(res, 'pcf1d', sigma=False)
    assert good.maps.shape[:2] == ipcf.open_result(other)[0].shape[:2]


def _small_result(tmp_path, errors=None):
    tmp_path.mkdir(exist_ok=True)
    data = ipcf.simulate(frames=256, size=10, seed=4)
    numpy.save(tmp_path / 'data.npy', data)
    return ipcf.pcf_file(str(tmp_path / 'data.npy'), str(tmp_path / 'r.npy'), radius=1, npoints=4, nbins=4,
                         errors=errors)


def test_open_result_reads_and_checks_into_memory(tmp_path):
    """open_result reads a .npy result into memory and checks it against
    its sidecar's checksum: a result cut short after it was opened no
    longer ends Python with SIGBUS when the array is read, a rewrite no
    longer changes it, and a damaged one is refused; mmap=True maps it as
    before (unchecked)."""
    r = _small_result(tmp_path, errors='segments')
    a, meta = ipcf.open_result(r)
    sd = ipcf.open_errors(r)
    assert not isinstance(a, numpy.memmap) and not a.flags.writeable and a.dtype == numpy.float32
    want, want_sd = numpy.load(r), numpy.load(tmp_path / 'r.sd.npy')
    numpy.testing.assert_array_equal(a, want)
    for name in (r, str(tmp_path / 'r.sd.npy')):
        with open(name, 'r+b') as fh:
            fh.truncate(200)
    numpy.testing.assert_array_equal(a, want)  # read after the truncation: no SIGBUS
    numpy.testing.assert_array_equal(sd, want_sd)
    with pytest.raises(ipcf.IpcfIOError, match='not a .npy result'):
        ipcf.open_result(r)
    r = _small_result(tmp_path / 'again')
    raw = bytearray(open(r, 'rb').read())
    raw[-5] ^= 0x10
    open(r, 'wb').write(raw)
    with pytest.raises(ipcf.IpcfIOError, match='checksum'):
        ipcf.open_result(r)
    m, _ = ipcf.open_result(r, mmap=True)  # mapped, not checked
    assert isinstance(m, numpy.memmap) and m.tobytes() == bytes(raw[-m.nbytes:])
    del m
    with pytest.raises(ipcf.IpcfTypeError, match='mmap=1'):
        ipcf.open_result(r, mmap=1)


@pytest.mark.parametrize('what', ['result', 'sidecar', 'errors', 'chunk'])
def test_file_functions_refuse_a_fifo(tmp_path, what):
    """A named pipe in place of a result, its sidecar, its error bars or a
    Zarr chunk is refused at once by open_result, open_errors and
    fit_result, never waited on (each hung until a writer came)."""
    if what == 'chunk':
        data = ipcf.simulate(frames=256, size=10, seed=4)
        numpy.save(tmp_path / 'data.npy', data)
        r = ipcf.pcf_file(str(tmp_path / 'data.npy'), str(tmp_path / 'r.zarr'), radius=1, npoints=4, nbins=4)
        target = os.path.join(r, '0.0.0.0')
        calls = ['open_result(r)', 'fit_result(r, "pcf1d", waist=2)']
    else:
        r = _small_result(tmp_path, errors='segments')
        target = {'result': r, 'sidecar': r + '.json', 'errors': str(tmp_path / 'r.sd.npy')}[what]
        calls = {'result': ['open_result(r)', 'open_result(r, mmap=True)', 'fit_result(r, "pcf1d", waist=2)'],
                 'sidecar': ['open_result(r)', 'open_errors(r)', 'fit_result(r, "pcf1d", waist=2)'],
                 'errors': ['open_errors(r)', 'fit_result(r, "pcf1d", waist=2)']}[what]
    os.remove(target)
    os.mkfifo(target)
    code = textwrap.dedent(f'''
        import ipcf, sys
        r = {r!r}
        for call in {calls!r}:
            try:
                eval(call, {{'r': r, **vars(ipcf)}})
            except ipcf.IpcfIOError as exc:
                assert 'named pipe' in str(exc), (call, str(exc))
                print('refused', call)
            else:
                sys.exit(call + ': no error, from ' + ipcf.__file__)
        ''')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, 'PYTHONPATH': os.pathsep.join(sys.path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count('refused') == len(calls), proc.stdout


def test_open_result_refuses_the_array_of_an_ome_zarr(tmp_path):
    """The array folder of an OME-Zarr result (OUT.ome.zarr/0) is refused:
    its chunks' checksums are in the group's .zattrs, one folder up, and it
    was read unchecked (a damaged chunk returned); the group itself is
    refused as before. A fit's maps.zarr arrays are not such a result."""
    data = ipcf.simulate(frames=256, size=10, seed=4)
    numpy.save(tmp_path / 'data.npy', data)
    r = ipcf.pcf_file(str(tmp_path / 'data.npy'), str(tmp_path / 'r.ome.zarr'), radius=1, npoints=4, nbins=4)
    for path in (r, os.path.join(r, '0')):
        with pytest.raises(ipcf.IpcfTypeError, match='OME-Zarr'):
            ipcf.open_result(path)
    assert not ipcf._is_ome_result(str(tmp_path))


def test_memory_budget_named_in_the_hosts_words(fixture, tmp_path):
    # A budget that is no size names the option as the hosts spell it (it
    # named the C struct's field job.memory alone: the hosts campaign).
    with pytest.raises(ipcf.IpcfValueError, match=r'the memory budget \(job\.memory; Memory, memory= in the hosts\): size "abc"'):
        ipcf.pcf_file(fixture['root'] / 'stack.raw', tmp_path / 'm.npy', memory='abc', **raw_args(fixture))


def test_result_through_a_link_read_with_its_metadata(fixture, tmp_path):
    # A result linked into a work folder (no sidecar beside the link): read
    # with the metadata beside the file the link names, checked; it was
    # returned unchecked with none (a review).
    data, work = tmp_path / 'data', tmp_path / 'work'
    data.mkdir()
    work.mkdir()
    res = ipcf.pcf_file(fixture['root'] / 'stack.raw', data / 'r.npy', **raw_args(fixture))
    (work / 'r.npy').symlink_to('../data/r.npy')
    a, meta = ipcf.open_result(work / 'r.npy')
    assert meta['software'] == 'ipcf' and numpy.array_equal(a, ipcf.open_result(res)[0])
    # its error bars through a link too (they have no sidecar of their own:
    # their result's, beside the file the link names; read unchecked before)
    ipcf.pcf_file(fixture['root'] / 'stack.raw', data / 'e.npy', errors='blocking', **raw_args(fixture))
    (work / 'e.sd.npy').symlink_to('../data/e.sd.npy')
    assert numpy.array_equal(ipcf.open_result(work / 'e.sd.npy')[0], ipcf.open_errors(data / 'e.npy'))
    sd = bytearray((data / 'e.sd.npy').read_bytes())
    sd[-3] ^= 0x10
    (data / 'e.sd.npy').write_bytes(bytes(sd))
    with pytest.raises(ipcf.IpcfIOError, match='checksum'):
        ipcf.open_result(work / 'e.sd.npy')
    b = bytearray((data / 'r.npy').read_bytes())
    b[-3] ^= 0x10
    (data / 'r.npy').write_bytes(bytes(b))
    with pytest.raises(ipcf.IpcfIOError, match='checksum'):
        ipcf.open_result(work / 'r.npy')
    # a stopped run's output beside its lock, through a link: refused as it is directly
    (data / 'r.npy.json').unlink()
    (data / '.r.npy.lock').write_text('pid 999999999 on %s since 2026-12-05T00:00:00Z\n' % socket.gethostname())
    with pytest.raises(ipcf.IpcfIOError, match='was stopped before it finished'):
        ipcf.open_result(work / 'r.npy')


def test_job_warnings_logged_at_warning(tmp_path, caplog):
    # The job's warnings reach Python's logging at WARNING, which Python
    # shows without a logging setup (they were at INFO, hidden): here the
    # error bars of smoothed curves (NUMERIC12's F15); its notes stay INFO.
    import logging
    src = tmp_path / 'in.npy'
    numpy.save(src, ipcf.simulate(frames=256, size=8, seed=1, threads=1))
    with caplog.at_level(logging.INFO, logger='ipcf'):
        ipcf.pcf_file(src, tmp_path / 'r.npy', radius=1, npoints=4, nbins=4, errors='blocking')
        ipcf.pcf_file(src, tmp_path / 'r.npy', radius=1, npoints=4, nbins=4, errors='blocking')
    warned = [r for r in caplog.records if 'error bars of smoothed curves (smooth 0.7)' in r.getMessage()]
    assert warned and all(r.levelno == logging.WARNING for r in warned), caplog.records
    notes = [r for r in caplog.records if 'already the complete result' in r.getMessage()]
    assert notes and all(r.levelno == logging.INFO for r in notes), caplog.records


@pytest.mark.parametrize('desc, res, want', [
    ('finterval=10000000\n', 10, 'frame interval is out of range, frame interval 1e+07'),
    ('finterval=0.001\n', 1e7, 'pixel size is out of range, pixel size 1e-07'),
])
def test_units_out_of_range_logged_at_warning(tmp_path, caplog, desc, res, want):
    # A file's own frame interval or pixel size outside the range a result
    # may carry is not used, and said at WARNING as the other units not used
    # are: this one was at INFO, hidden, and the result silently in frames
    # or pixels (UNITS18's m1).
    tifffile = pytest.importorskip('tifffile', reason='python3-tifffile is in the Makefile install list')
    d = numpy.random.default_rng(1).integers(5, 50, (64, 8, 8)).astype('u2')
    src = tmp_path / 'in.tif'
    tifffile.imwrite(src, d, description='ImageJ=1.54f\nimages=64\nframes=64\nunit=um\n' + desc,
                     resolution=(res, res), metadata=None)
    with caplog.at_level(logging.INFO, logger='ipcf'):
        ipcf.pcf_file(src, tmp_path / 'r.npy', offsets=[[0, 0]], nbins=4)
    warned = [r for r in caplog.records if want in r.getMessage()]
    assert warned and all(r.levelno == logging.WARNING for r in warned), [r.getMessage() for r in caplog.records]
    units = json.loads((tmp_path / 'r.npy.json').read_text()).get('units', {})
    key = 'frame_interval_s' if 'frame' in want else 'pixel_size_um'
    assert units.get(key) is None, units
