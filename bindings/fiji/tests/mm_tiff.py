"""Write a Micro-Manager TIFF whose time stamps (15 ms a frame) differ from
the interval asked for (10 ms, ImageJ's finterval): CalibrationTest's input.
Usage: mm_tiff.py OUT.tif"""

import json
import sys

import numpy
import tifffile

d = numpy.random.default_rng(1).integers(5, 50, (64, 16, 16)).astype('u2')
desc = 'ImageJ=1.54f\nimages=64\nframes=64\nunit=um\nfinterval=0.01\nloop=false\n'
with tifffile.TiffWriter(sys.argv[1]) as w:
    for t in range(64):
        md = json.dumps({'ElapsedTime-ms': 15.0 * t, 'FrameIndex': t, 'ChannelIndex': 0, 'SliceIndex': 0, 'Interval_ms': 10})
        w.write(d[t], description=desc if t == 0 else None, resolution=(10, 10),
                extratags=[(51123, 's', 0, md, True)], contiguous=False, metadata=None)
