"""Reproduce the tutorial's figures on a simulated dataset.

A short walk through C. Gohlke's pCF tutorial (cgohlke/ipcf.ipynb) with the
ipcf package: simulate particles diffusing with a diagonal channel barrier,
look at the data, correct bleaching, compute the pCF, and plot the pCF image
along and across the channel, the carpet, the polar sprite and the curves,
in seconds and micrometres (1 ms frames, 50 nm pixels). The notebook
examples/tutorial.ipynb tells the same story, with the ACF and a flow.

    PYTHONPATH=bindings/python python3 bindings/python/examples/tutorial.py [OUTDIR]
"""

import os
import sys
import time

import ipcf
import ipcf.plot


def main(outdir='build/tutorial'):
    os.makedirs(outdir, exist_ok=True)
    print('ipcf', ipcf.version())

    # 1. Simulated data: 32,000 frames of 64 x 64 pixels, with bleaching.
    t = time.perf_counter()
    data = ipcf.simulate(frames=32000, size=64, seed=1, bleach_tau=40000, progress=True)
    print(f'simulated {data.shape} {data.dtype} in {time.perf_counter() - t:.1f} s')
    ipcf.plot.mean(data, save=os.path.join(outdir, 'mean.png'))

    # 2. Photobleaching correction (filter size 1024, as for the tutorial's real data).
    corrected = ipcf.correct_bleaching(data, 1024)
    ipcf.plot.mean(corrected, save=os.path.join(outdir, 'mean_corrected.png'))

    # 3. The pCF: radius 6, 32 points, 32 bins (30 effective).
    t = time.perf_counter()
    result = ipcf.pcf(corrected, radius=6, npoints=32, nbins=32, progress=True, labelled=True,
                      frame_interval=1e-3, pixel_size=0.05)
    print(f'pcf {result.shape} in {time.perf_counter() - t:.2f} s')
    print('delay of each point (ms):', (result.coords['delay_s'].values * 1e3).round(1).tolist())

    # 4. Figures. Point 4 is (4, 4): along the channel; point 12 is (-4, 4): across it.
    ipcf.plot.pcf_image(result, point=4, bin=12, save=os.path.join(outdir, 'pcf_along.png'))
    ipcf.plot.pcf_image(result, point=12, bin=12, save=os.path.join(outdir, 'pcf_across.png'))
    y = x = 32  # on the channel's axis (pixel coordinates of the input frame)
    ipcf.plot.carpet(result, y, x, save=os.path.join(outdir, 'carpet.png'))
    ipcf.plot.polar(result, y, x, save=os.path.join(outdir, 'polar.png'))
    ipcf.plot.lines(result, y, x, radius=6, points=[4, 12, 20, 28], save=os.path.join(outdir, 'lines.png'))
    print('figures in', outdir)


if __name__ == '__main__':
    main(*sys.argv[1:])
