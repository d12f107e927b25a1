"""ipcf_file_units (C ABI): a file's units as ipcf_pcf_file takes them, for
hosts that read a calibration themselves (the ImageJ plugin compares its
image's with it: UNITS18's F1)."""

import ctypes
import json
import os

import numpy
import pytest

import ipcf


def _lib():
    lib = ipcf._lib  # the library the binding loaded (IPCF_LIBRARY, or beside it)
    f = lib.ipcf_file_units
    f.restype = ctypes.c_int32
    f.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double),
                  ctypes.c_char_p, ctypes.c_size_t]
    lib.ipcf_last_error.restype = ctypes.c_char_p
    return lib


def _units(path, n=512):
    lib = _lib()
    ps, fi = ctypes.c_double(-1), ctypes.c_double(-1)
    note = ctypes.create_string_buffer(n) if n else None
    st = lib.ipcf_file_units(os.fsencode(path), ctypes.byref(ps), ctypes.byref(fi), note, n)
    return st, ps.value, fi.value, (note.value.decode() if n else ''), lib.ipcf_last_error().decode()


def _mm_tiff(path, stated_ms, stamp_ms, frames=64):
    tifffile = pytest.importorskip('tifffile', reason='python3-tifffile is in the Makefile install list')
    d = numpy.random.default_rng(1).integers(5, 50, (frames, 16, 16)).astype('u2')
    desc = f'ImageJ=1.54f\nimages={frames}\nframes={frames}\nunit=um\nfinterval={stated_ms / 1000}\nloop=false\n'
    with tifffile.TiffWriter(path) as w:
        for t in range(frames):
            md = json.dumps({'ElapsedTime-ms': stamp_ms * t, 'FrameIndex': t, 'ChannelIndex': 0, 'SliceIndex': 0,
                             'Interval_ms': stated_ms})
            w.write(d[t], description=desc if t == 0 else None, resolution=(10, 10),
                    extratags=[(51123, 's', 0, md, True)], contiguous=False, metadata=None)


def test_micro_manager_time_stamps(tmp_path):
    # asked for 10 ms, the time stamps say 15: the measured one, as the CLI takes it
    p = tmp_path / 'mm.tif'
    _mm_tiff(p, 10, 15)
    st, ps, fi, note, _ = _units(p)
    assert st == 0 and note == ''
    assert ps == pytest.approx(0.1, rel=1e-12) and fi == pytest.approx(0.015, rel=1e-12), (ps, fi)
    ipcf.pcf_file(p, tmp_path / 'r.npy', offsets=[[0, 0]], nbins=4)
    units = json.loads((tmp_path / 'r.npy.json').read_text())['units']
    assert (units['pixel_size_um'], units['frame_interval_s']) == (ps, fi)
    # the time stamps within 2 % of the stated interval: the stated one
    _mm_tiff(tmp_path / 'mm2.tif', 10, 10.1)
    assert _units(tmp_path / 'mm2.tif')[1:3] == (pytest.approx(0.1, rel=1e-12), 0.01)


def test_units_not_used_and_none(tmp_path):
    tifffile = pytest.importorskip('tifffile', reason='python3-tifffile is in the Makefile install list')
    d = numpy.random.default_rng(1).integers(5, 50, (64, 8, 8)).astype('u2')
    # a frame interval out of range: 0, with the note the job gives
    tifffile.imwrite(tmp_path / 'huge.tif', d, description='ImageJ=1.54f\nimages=64\nframes=64\nunit=um\nfinterval=1e7\n',
                     resolution=(10, 10), metadata=None)
    st, ps, fi, note, _ = _units(tmp_path / 'huge.tif')
    assert st == 0 and fi == 0 and ps == pytest.approx(0.1, rel=1e-12)
    assert note.startswith("warning: the input's frame interval is out of range, frame interval 1e+07"), note
    # the note cut short: IPCF_E_BUFFER_TOO_SMALL, the units still given
    st, ps, fi, note, err = _units(tmp_path / 'huge.tif', n=16)
    assert st == ipcf._c.E_BUFFER_TOO_SMALL and len(note) == 15 and ps == pytest.approx(0.1, rel=1e-12), (st, note, err)
    # no metadata: none
    numpy.save(tmp_path / 'plain.npy', d)
    assert _units(tmp_path / 'plain.npy')[:4] == (0, 0.0, 0.0, '')
    # len 0 and a NULL note: the units alone
    assert _units(tmp_path / 'plain.npy', n=0)[:3] == (0, 0.0, 0.0)


def test_bad_arguments(tmp_path):
    lib = _lib()
    ps, fi = ctypes.c_double(), ctypes.c_double()
    assert lib.ipcf_file_units(None, ctypes.byref(ps), ctypes.byref(fi), None, 0) == ipcf._c.E_INVALID_ARGUMENT
    assert lib.ipcf_file_units(b'', ctypes.byref(ps), ctypes.byref(fi), None, 0) == ipcf._c.E_INVALID_ARGUMENT
    assert lib.ipcf_file_units(b'x.npy', None, ctypes.byref(fi), None, 0) == ipcf._c.E_INVALID_ARGUMENT
    assert lib.ipcf_file_units(b'x.npy', ctypes.byref(ps), ctypes.byref(fi), None, 8) == ipcf._c.E_INVALID_ARGUMENT
    st, *_, err = _units(tmp_path / 'missing.tif')
    assert st == ipcf._c.E_IO and 'missing.tif' in err, (st, err)
    (tmp_path / 'text.tif').write_text('not a TIFF')
    st, *_, err = _units(tmp_path / 'text.tif')
    assert st != 0 and 'text.tif' in err, (st, err)
