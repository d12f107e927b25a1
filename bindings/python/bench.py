"""Benchmarks of the Python binding (make bench).

1. The default dataset (build/demo/channel.npy, made by make demo): ipcf.pcf
   against the same library call made straight through ctypes, both with 2
   threads: the binding must add at most 5%.
2. Call overhead on a tiny input.
3. The ratio against a vectorized numpy implementation of the spec, on a crop.
"""

import ctypes
import os
import sys
import time

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, 'tests'))

import ipcf  # noqa: E402
from ipcf import _c, _descriptor, _lib  # noqa: E402
from reference import pcf as numpy_pcf  # noqa: E402


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(numpy.median(times))


def raw_call(data, out, radius, npoints, nbins, threads):
    o = _c.PcfOptions()
    _lib.ipcf_pcf_options_init(ctypes.byref(o))
    o.radius, o.npoints, o.nbins, o.threads = radius, npoints, nbins, threads
    din, dout = _descriptor(data, 'data'), _descriptor(out, 'out')

    def call():
        status = _lib.ipcf_pcf_compute(ctypes.byref(din), ctypes.byref(o), ctypes.byref(dout))
        assert status == 0, _lib.ipcf_last_error()

    return call


def main():
    root = os.path.join(HERE, '..', '..')
    path = os.path.join(root, 'build', 'demo', 'channel.npy')
    if not os.path.exists(path):
        data = ipcf.simulate(threads=2)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        numpy.save(path, data)
    data = numpy.load(path, mmap_mode='r')
    out = numpy.empty(ipcf.pcf_output_shape(data.shape), numpy.float32)
    raw = raw_call(data, out, 6, 32, 32, 2)
    raw()  # page cache
    t_py, t_c = [], []
    for _ in range(5):  # interleaved, so that machine noise hits both alike
        t_c.append(median_time(raw, 1))
        t_py.append(median_time(lambda: ipcf.pcf(data, threads=2, out=out), 1))
    py, c = float(numpy.median(t_py)), float(numpy.median(t_c))
    print(f'default dataset {data.shape}: ipcf.pcf {py:.3f} s, C call via ctypes {c:.3f} s, '
          f'ratio {py / c:.3f} (want <= 1.05)')

    tiny = numpy.ones((8, 5, 5), numpy.uint16)
    tout = numpy.empty(ipcf.pcf_output_shape(tiny.shape, radius=1, npoints=4, nbins=2), numpy.float32)
    raw_tiny = raw_call(tiny, tout, 1, 4, 2, 1)

    def py_call():
        ipcf.pcf(tiny, radius=1, npoints=4, nbins=2, threads=1, out=tout)

    def per_call(fn, n):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t) / n

    per_call(py_call, 200)  # warm: the first calls fill caches (the binding's and the CPU's)
    per_call(raw_tiny, 200)
    t_py, t_c = [], []
    for _ in range(9):  # interleaved rounds, medians: this machine's speed drifts
        t_py.append(per_call(py_call, 500))
        t_c.append(per_call(raw_tiny, 500))
    py_tiny, c_tiny = float(numpy.median(t_py)), float(numpy.median(t_c))
    print(f'tiny input {tiny.shape}: ipcf.pcf {py_tiny * 1e6:.1f} us per call, C call {c_tiny * 1e6:.1f} us, '
          f'binding overhead {(py_tiny - c_tiny) * 1e6:.1f} us (want < 50; medians of 9 interleaved rounds of 500)')

    crop = numpy.ascontiguousarray(data[:16384, 16:44, 16:44])
    t_np = median_time(lambda: numpy_pcf(crop), 1)
    t_ipcf = median_time(lambda: ipcf.pcf(crop, threads=1), 3)
    print(f'crop {crop.shape}, radius 6, 32 points, 1 thread: numpy (vectorized spec) {t_np:.2f} s, '
          f'ipcf {t_ipcf:.3f} s, ratio {t_np / t_ipcf:.0f}x')


if __name__ == '__main__':
    main()
