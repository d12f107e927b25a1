"""A channel axis in file jobs: ``pcf_file(..., channel=N, channel2=N)``.

A 2-channel ImageJ hyperstack, written here by hand the way ImageJ lays it
out (every image's samples back to back, channel c of frame t being image
t*C + c, then the IFDs), read by channel: channel 1 against channel 2
equals ``ipcf.pcf(data[:, 0], data2=data[:, 1])`` bit for bit, in memory
and out of core; channel 2 alone equals ``ipcf.pcf(data[:, 1])``; the
metadata records the channels; channels the file lacks are refused.
"""

import struct

import numpy
import pytest

import ipcf

T, C, H, W = 128, 2, 10, 12


def write_hyperstack(path, data, desc):
    """Write data (T, C, H, W) uint16 as a little-endian ImageJ hyperstack."""
    t, c, h, w = data.shape
    frame = h * w * 2
    b = bytearray(b'II*\0\0\0\0\0')
    b += numpy.ascontiguousarray(data, dtype='<u2').tobytes()
    desc = desc.encode() + b'\0'
    desc_at = len(b)
    b += desc
    if len(b) % 2:
        b += b'\0'
    next_at = 4
    for p in range(t * c):
        entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 16), (259, 3, 1, 1), (262, 3, 1, 1)]
        if p == 0:
            entries.append((270, 2, len(desc), desc_at))
        entries += [(273, 4, 1, 8 + p * frame), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, frame)]
        struct.pack_into('<I', b, next_at, len(b))
        b += struct.pack('<H', len(entries))
        for tag, typ, count, value in entries:
            b += struct.pack('<HHI', tag, typ, count)
            b += struct.pack('<HH', value, 0) if typ == 3 else struct.pack('<I', value)
        next_at = len(b)
        b += b'\0\0\0\0'
    path.write_bytes(bytes(b))


@pytest.fixture
def hyper(tmp_path):
    rng = numpy.random.default_rng(13)
    mean = rng.integers(5, 40, size=(1, C, H, W))
    data = (mean + rng.poisson(8, size=(T, C, H, W))).astype(numpy.uint16)
    path = tmp_path / 'hyper.tif'
    write_hyperstack(path, data, f'ImageJ=1.54f\nimages={T * C}\nchannels={C}\nframes={T}\nhyperstack=true\n'
                                 'mode=composite\nfinterval=0.01\n')
    return path, data


@pytest.mark.parametrize('kw', [
    dict(offsets=[(0, 0)]),
    dict(radius=2, npoints=8, nbins=10),
    dict(offsets=[(1, 0), (0, 0), (0, -1)], bins='multitau', m=4, delta=True),
], ids=['acf', 'circle', 'offsets-multitau-delta'])
def test_cross_channel_equals_pcf_data2(tmp_path, hyper, kw):
    path, data = hyper
    want = ipcf.pcf(data[:, 0], data2=data[:, 1], **kw)
    for output, extra in (('mem.npy', dict(engine='memory')), ('ooc.npy', dict(engine='ooc', tile=(3, 5))),
                          ('ooc.zarr', dict(memory='43MiB'))):  # 42 MiB for the process + 1 MiB
        result = ipcf.pcf_file(path, tmp_path / output, channel=1, channel2=2, **extra, **kw)
        assert result.summary['shape'] == want.shape
        array, meta = ipcf.open_result(result)
        assert numpy.asarray(array).tobytes() == want.tobytes(), output
        assert (meta['channel'], meta['channel2'], meta['channels']) == (1, 2, 2), output
        assert meta['input2'] == str(path)
        assert meta['units']['frame_interval_s'] == 0.01
        del array


def test_one_channel_equals_pcf(tmp_path, hyper):
    path, data = hyper
    for c in (1, 2):
        want = ipcf.pcf(data[:, c - 1], radius=2, npoints=8, nbins=10)
        result = ipcf.pcf_file(path, tmp_path / f'c{c}.npy', channel=c, radius=2, npoints=8, nbins=10)
        array, meta = ipcf.open_result(result)
        assert numpy.asarray(array).tobytes() == want.tobytes(), c
        assert (meta['channel'], meta['channel2'], meta['channels']) == (c, None, 1)
        del array
    # channel 1 of an input of one channel is that channel
    npy = tmp_path / 'c2.npy'
    numpy.save(npy, data[:, 1])
    a, _ = ipcf.open_result(ipcf.pcf_file(npy, tmp_path / 'n1.npy', channel=1, offsets=[(0, 0)]))
    b, _ = ipcf.open_result(ipcf.pcf_file(npy, tmp_path / 'n0.npy', offsets=[(0, 0)]))
    assert numpy.asarray(a).tobytes() == numpy.asarray(b).tobytes()


def test_bad_channels(tmp_path, hyper):
    path, data = hyper
    out = tmp_path / 'out.npy'
    npy = tmp_path / 'c1.npy'
    numpy.save(npy, data[:, 0])
    with pytest.raises(ipcf.IpcfValueError, match=r'ImageJ hyperstack with 2 channels: select one .*1 to 2.*channel='):
        ipcf.pcf_file(path, out)
    with pytest.raises(ipcf.IpcfValueError, match=r'channel 3: the input has 2 channels \(1 to 2\)'):
        ipcf.pcf_file(path, out, channel=3)
    with pytest.raises(ipcf.IpcfValueError, match=r'channel2 5.*the input has 2 channels'):
        ipcf.pcf_file(path, out, channel=1, channel2=5)
    with pytest.raises(ipcf.IpcfValueError, match=r'channel 2.*the input has one channel \(only channel 1\)'):
        ipcf.pcf_file(npy, out, channel=2)
    # named as Python names them too (they named the CLI's flags alone)
    with pytest.raises(ipcf.IpcfValueError, match=r'--channel 2 \(channel= in Python'):
        ipcf.pcf_file(npy, out, channel=2)
    with pytest.raises(ipcf.IpcfValueError, match=r'--channel2 5 \(channel2= in Python'):
        ipcf.pcf_file(path, out, channel=1, channel2=5)
    for tile in ((0, 5), (5, 0)):  # (the C struct's fields named it)
        with pytest.raises(ipcf.IpcfValueError, match=r'tile=\(\d, \d\): want both positive, or both 0'):
            ipcf.pcf_file(npy, out, tile=tile, engine='ooc')
    for bad in (0, -1):
        with pytest.raises(ipcf.IpcfValueError, match=f'channel={bad}'):
            ipcf.pcf_file(path, out, channel=bad)
        with pytest.raises(ipcf.IpcfValueError, match=f'channel2={bad}'):
            ipcf.pcf_file(path, out, channel=1, channel2=bad)
    with pytest.raises(ipcf.IpcfTypeError, match='channel=1.5'):
        ipcf.pcf_file(path, out, channel=1.5)
    with pytest.raises(ipcf.IpcfValueError, match='data2 is not supported'):
        ipcf.pcf_file(path, out, channel=1, data2=data[:, 1])
    assert not out.exists()
