var failures = 0;
var passes = 0;
var known = 0;
// Headless ImageJ test: bad input to the ipcf macro API and plugin commands gives a clear
// "error: ..." (and an "ipcf error:" log line), never an uncaught exception, a crash or a hang.
// Each case asserts the exact error fragment (or the right result for valid but tricky input)
// and prints PASS, FAIL or KNOWN (a failure caused by a reported bug outside the plugin: counted
// and printed, never hidden). The case that could hang runs in a separate JVM under timeout -s KILL.
// java -Djava.awt.headless=true -Dplugins.dir=build/fiji -cp ij.jar:jna.jar ij.ImageJ -batch test_badinput.ijm FILEJOB_DIR
// As in test.ijm: conditions go through a variable before check(), strings start with "".
dir = getArgument();
if (dir == "") dir = "build/filejob";
if (!endsWith(dir, "/")) dir = dir + "/";
sim = dir + "sim.npy";
print("ImageJ " + getVersion() + ", ipcf " + call("ipcf.Ipcf.version"));
tmp = getDirectory("temp");
if (!endsWith(tmp, "/")) tmp = tmp + "/";
tmp = tmp + "ipcf_badinput_" + d2s(getTime(), 0) + "_" + d2s(round(random * 1e6), 0) + "/";
File.makeDirectory(tmp);
fifo = tmp + "pipe.npy";
dummy = exec("mkfifo", fifo);
ok = File.exists(fifo);
check(ok, "setup: mkfifo " + fifo, dummy);
File.makeDirectory(tmp + "folder");
File.saveString("not a npy file\n", tmp + "text.npy");
// a .npy whose data is shorter than its header's shape (the magic byte 0x93 is written by exec)
dummy = exec("sh", "-c", "printf '\\223NUMPY\\001\\000\\102\\000{\\047descr\\047: \\047<u2\\047, \\047fortran_order\\047: False, \\047shape\\047: (100, 40, 40), }0123' > '" + tmp + "short.npy'");
out = tmp + "out.npy";

// ---- pCF of the current image: options ----
t = call("ipcf.Ipcf.openNpy", sim);
expect("radius=2.7", call("ipcf.Ipcf.pcf", "radius=2.7"), "radius=2.7: not a whole number");
expect("radius=1e10", call("ipcf.Ipcf.pcf", "radius=1e10"), "radius=1e10: out of range, want 1..2147483647");
expect("radius=-1", call("ipcf.Ipcf.pcf", "radius=-1"), "radius=-1: out of range");
expect("radius=NaN", call("ipcf.Ipcf.pcf", "radius=NaN"), "radius=NaN: not a whole number");
expect("radius=2147483648", call("ipcf.Ipcf.pcf", "radius=2147483648"), "radius=2147483648: out of range");
expect("radius=abc", call("ipcf.Ipcf.pcf", "radius=abc"), "radius=abc: not a whole number");
expect("radius=0x10", call("ipcf.Ipcf.pcf", "radius=0x10"), "radius=0x10: not a whole number");
expect("radius= (empty)", call("ipcf.Ipcf.pcf", "radius= points=8"), "option 'radius' has an empty value");
expect("radius (no value)", call("ipcf.Ipcf.pcf", "radius points=8"), "option 'radius' has no value");
expect("radus=3 (misspelt)", call("ipcf.Ipcf.pcf", "radus=3"), "unknown option 'radus' (options: radius points bins");
expect("radius given twice", call("ipcf.Ipcf.pcf", "radius=2 radius=3"), "option 'radius' given twice");
expect("points=0", call("ipcf.Ipcf.pcf", "radius=2 points=0"), "points=0: out of range");
expect("bins=1", call("ipcf.Ipcf.pcf", "radius=2 bins=1"), "bins=1: out of range, want 2..");
expect("threads=-1", call("ipcf.Ipcf.pcf", "radius=2 threads=-1"), "threads=-1: out of range, want 0..4096");
expect("threads=5000 (the library's 4096)", call("ipcf.Ipcf.pcf", "radius=2 threads=5000"), "threads=5000: out of range, want 0..4096");
expect("bleach=1.5", call("ipcf.Ipcf.pcf", "radius=2 bleach=1.5"), "bleach=1.5: not a whole number");
expect("mean=flor", call("ipcf.Ipcf.pcf", "radius=2 mean=flor"), "mean=flor: want real or floor");
expect("device=cuda:1.5", call("ipcf.Ipcf.pcf", "radius=2 device=cuda:1.5"), "device=cuda:1.5: want auto, cpu, cuda or cuda:N");
expect("roi without a selection", call("ipcf.Ipcf.pcf", "radius=2 roi"), "use ROI as mask: the image has no area selection");
expect("roi=1", call("ipcf.Ipcf.pcf", "radius=2 roi=1"), "option 'roi' takes no value");
expect("unbalanced [", call("ipcf.Ipcf.pcf", "radius=[2"), "cannot read the options from 'radius=[2'");

// ---- pCF of the current image: toolkit options (docs/toolkit.md) ----
expect("bins=cubic", call("ipcf.Ipcf.pcf", "bins=cubic"), "bins=cubic: want log, linear or multitau (the number of bins is nbins=N)");
expect("bins=Linear (case)", call("ipcf.Ipcf.pcf", "bins=Linear"), "bins=Linear: want log, linear or multitau");
expect("bins=16 nbins=8", call("ipcf.Ipcf.pcf", "bins=16 nbins=8"), "bins=16 and nbins=8: give the number of bins once (nbins=N)");
expect("bins=2.5 (a number: the count)", call("ipcf.Ipcf.pcf", "bins=2.5"), "bins=2.5: not a whole number");
expect("nbins=0", call("ipcf.Ipcf.pcf", "bins=linear nbins=0"), "nbins=0: out of range, want 2..");
expect("nbins given twice", call("ipcf.Ipcf.pcf", "nbins=8 nbins=9"), "option 'nbins' given twice");
expect("m=3 (odd)", call("ipcf.Ipcf.pcf", "bins=multitau m=3"), "m=3: want an even number 2..4096 (multi-tau channels per level)");
expect("m=2.5", call("ipcf.Ipcf.pcf", "bins=multitau m=2.5"), "m=2.5: not a whole number");
expect("m=1e10", call("ipcf.Ipcf.pcf", "bins=multitau m=1e10"), "m=1e10: out of range, want 2..2147483647");
expect("m=8192", call("ipcf.Ipcf.pcf", "bins=multitau m=8192"), "m=8192: want an even number 2..4096");
expect("smooth=1", call("ipcf.Ipcf.pcf", "smooth=1"), "smooth=1: want 0 <= smooth < 1 (0 turns smoothing off)");
expect("smooth=-0.5", call("ipcf.Ipcf.pcf", "smooth=-0.5"), "smooth=-0.5: want 0 <= smooth < 1");
expect("smooth=NaN", call("ipcf.Ipcf.pcf", "smooth=NaN"), "smooth=NaN: not a number");
expect("smooth=0x1", call("ipcf.Ipcf.pcf", "smooth=0x1"), "smooth=0x1: not a number");
expect("smooth= (empty)", call("ipcf.Ipcf.pcf", "smooth= radius=2"), "option 'smooth' has an empty value");
expect("threshold=NaN", call("ipcf.Ipcf.pcf", "threshold=NaN"), "threshold=NaN: not a number");
expect("threshold=1e999", call("ipcf.Ipcf.pcf", "threshold=1e999"), "threshold=1e999: not a finite number");
expect("threshold=-Infinity", call("ipcf.Ipcf.pcf", "threshold=-Infinity"), "threshold=-Infinity: not a number");
expect("offsets=a,b", call("ipcf.Ipcf.pcf", "offsets=a,b"), "offsets=a: not a whole number");
expect("offsets=1,0;;0,1", call("ipcf.Ipcf.pcf", "offsets=1,0;;0,1"), "offsets=1,0;;0,1: want u,v pairs separated by ';' (offsets=1,0;0,1), not ''");
expect("offsets=1,0,2", call("ipcf.Ipcf.pcf", "offsets=1,0,2"), "offsets=1,0,2: want u,v pairs separated by ';'");
expect("offsets=99999999999,0", call("ipcf.Ipcf.pcf", "offsets=99999999999,0"), "offsets=99999999999: out of range");
expect("offsets=5000,0 (too far)", call("ipcf.Ipcf.pcf", "offsets=5000,0"), "too far for a");
expect("offsets=[] (empty brackets: the preset)", call("ipcf.Ipcf.pcf", "offsets=[] radius=2000"), "radius=2000 too large");
expect("preset=disk radius=200 (too many offsets)", call("ipcf.Ipcf.pcf", "preset=disk radius=200"), "preset=disk radius=200: 125628 offsets, want at most 65536");
expect("preset=disk radius=2000", call("ipcf.Ipcf.pcf", "preset=disk radius=2000"), "disk radius=2000, want 1..1024");
expect("preset=Disk (case)", call("ipcf.Ipcf.pcf", "preset=Disk"), "preset=Disk: want circle, disk or line");
expect("preset=line and offsets", call("ipcf.Ipcf.pcf", "preset=line offsets=1,0"), "offsets=1,0 and preset=line: give one of them");
expect("acf=1", call("ipcf.Ipcf.pcf", "acf=1"), "option 'acf' takes no value");
expect("acf given twice", call("ipcf.Ipcf.pcf", "acf acf"), "option 'acf' given twice");
expect("acf and preset=disk", call("ipcf.Ipcf.pcf", "acf preset=disk"), "acf is the offset (0,0) alone: give acf, offsets or preset, not several");
expect("ACF with offsets", call("ipcf.Ipcf.acf", "offsets=1,0"), "the ACF is the offset (0,0) alone: offsets and preset are for the pCF");
expect("ACF with radus (misspelt)", call("ipcf.Ipcf.acf", "radus=2"), "unknown option 'radus'");
expect("delta=1", call("ipcf.Ipcf.pcf", "delta=1"), "option 'delta' takes no value");
expect("second missing", call("ipcf.Ipcf.pcf", "second=[not open]"), "second=not open: no open image has that title");
expect("second= (empty)", call("ipcf.Ipcf.pcf", "second= radius=2"), "option 'second' has an empty value");
expect("channel=-1", call("ipcf.Ipcf.pcf", "channel=-1"), "channel=-1: out of range, want 1..");
expect("channel=2 of one channel", call("ipcf.Ipcf.pcf", "channel=2"), "channel=2: the image has 1 channel");
expect("channel2=1.5", call("ipcf.Ipcf.pcf", "channel2=1.5"), "channel2=1.5: not a whole number");
expect("channel2=2 of one channel", call("ipcf.Ipcf.pcf", "channel2=2"), "channel2=2: the image has 1 channel");
expect("cross of one channel", call("ipcf.Ipcf.pcf", "cross"), "cross: want an image of 2 channels, this one has 1");
expect("cross=1", call("ipcf.Ipcf.pcf", "cross=1"), "option 'cross' takes no value");
expect("frame_interval=NaN", call("ipcf.Ipcf.pcf", "frame_interval=NaN"), "frame_interval=NaN: want a finite number >= 0");
expect("pixel_size=-1", call("ipcf.Ipcf.pcf", "pixel_size=-1"), "pixel_size=-1: want a finite number >= 0");
// the ranges a result's units may have (ipcf_check_units), as file jobs and fits check them
expect("frame_interval=1e-13", call("ipcf.Ipcf.pcf", "frame_interval=1e-13"), "units out of range: frame interval 1e-13: want 1e-12 to 1e+06 s");
expect("pixel_size=2e6", call("ipcf.Ipcf.pcf", "pixel_size=2e6"), "units out of range: pixel size 2e+06: want 1e-06 to 1e+06 um");

// ---- correctBleaching: options ----
expect("filter=2.5", call("ipcf.Ipcf.correctBleaching", "filter=2.5"), "filter=2.5: not a whole number");
expect("filter=0", call("ipcf.Ipcf.correctBleaching", "filter=0"), "filter=0: out of range");
expect("bleaching mean=flor", call("ipcf.Ipcf.correctBleaching", "filter=4 mean=flor"), "mean=flor: want real or floor");
expect("filtre=4 (misspelt)", call("ipcf.Ipcf.correctBleaching", "filtre=4"), "unknown option 'filtre' (options: filter mean threads)");
expect("filter too large", call("ipcf.Ipcf.correctBleaching", "filter=600"), "filter size 600 leaves no frame of");
expect("filter 2*f overflows int", call("ipcf.Ipcf.correctBleaching", "filter=1610612736"), "filter size 1610612736 leaves no frame of");
close("*");

// ---- images the pCF cannot take ----
newImage("rgb", "RGB ramp", 20, 20, 16);
expect("RGB image", call("ipcf.Ipcf.pcf", "radius=2"), "RGB images are not supported: convert to 8, 16 or 32 bit");
close("*");
newImage("channels", "16-bit ramp", 20, 20, 2, 1, 16);
expect("2 channels (never interleaved as frames)", call("ipcf.Ipcf.pcf", "radius=2"), "the image has 2 channels; split them first");
expect("2 channels, bleaching", call("ipcf.Ipcf.correctBleaching", "filter=2"), "the image has 2 channels");
close("*");
newImage("zt", "16-bit ramp", 20, 20, 1, 4, 16);
expect("slices and frames", call("ipcf.Ipcf.pcf", "radius=2"), "ambiguous time axis: 4 slices and 16 frames");
close("*");
newImage("single", "16-bit ramp", 20, 20, 1);
expect("one frame", call("ipcf.Ipcf.pcf", "radius=2"), "a time series needs more than one slice or frame");
close("*");
newImage("two", "16-bit ramp", 20, 20, 2);
expect("bleaching of 2 frames", call("ipcf.Ipcf.correctBleaching", "filter=1"), "the image has 2 frames: the bleaching correction drops 2*filtersize frames and keeps at least one, so it needs at least 3");
close("*");
// a second image of another calibration: refused unless the unit is given (the first's was taken)
newImage("fast", "16-bit noise", 20, 20, 1, 1, 64);
Stack.setFrameInterval(0.001);
newImage("slow", "16-bit noise", 20, 20, 1, 1, 64);
Stack.setFrameInterval(0.05);
selectImage("fast");
expect("second of another frame interval", call("ipcf.Ipcf.acf", "second=slow"), "have other frame intervals (0.001 and 0.05 s)");
r = call("ipcf.Ipcf.acf", "second=slow frame_interval=0.002");
ok = (startsWith(r, "error") == false);
check(ok, "second of another frame interval, frame_interval given", r);
// error bars of curves all NaN (a threshold above every pixel's mean): said, as the curves are
// (PARITY20's m1: all NaN without a word, where ipcf pcf --errors warns)
selectImage("fast");
r = call("ipcf.Ipcf.errors", "radius=1 points=4 nbins=4 threshold=1e6 method=blocking");
w = call("ipcf.Ipcf.lastWarning");
ok = (indexOf(w, "every error bar of the pCF of fast is NaN (check threshold=") >= 0);
check(ok, "error bars of NaN curves warn", r + " | " + w);
close("*");
newImage("small", "16-bit ramp", 4, 4, 16);
expect("image smaller than the circle", call("ipcf.Ipcf.pcf", "radius=2 points=4 bins=4"), "ipcf_pcf_compute: pcf: invalid parameter: radius=2 too large for a 4x4 image");
close("*");
expect("no image", call("ipcf.Ipcf.pcf", "radius=2"), "error: no image");

// ---- valid but tricky: a 32-bit copy gives the 16-bit result; radius=3.0 is 3 ----
r = call("ipcf.Ipcf.pcfFile", sim, tmp + "expected.npy", "radius=3 points=12 bins=16 engine=memory frames=0:256");
ok = (r == "");
check(ok, "expected result of the first 256 frames of sim.npy", r);
t = call("ipcf.Ipcf.openNpy", sim);
src = getImageID();
w = getWidth();
h = getHeight();
newImage("float copy", "32-bit black", w, h, 256);  // run("32-bit") needs menus, not there headless
dst = getImageID();
for (k = 1; k <= 256; k++) {
    selectImage(src);
    setSlice(k);
    v = newArray(w * h);
    for (y = 0; y < h; y++) for (x = 0; x < w; x++) v[y * w + x] = getPixel(x, y);
    selectImage(dst);
    setSlice(k);
    for (y = 0; y < h; y++) for (x = 0; x < w; x++) setPixel(x, y, v[y * w + x]);
}
r = call("ipcf.Ipcf.pcf", "radius=3.0 points=12 bins=16");
d = call("ipcf.Ipcf.maxAbsDiff", tmp + "expected.npy");
ok = (!startsWith(r, "error") && !startsWith(d, "error") && d != "nan-mismatch" && parseFloat(d) <= 1e-6);
check(ok, "32-bit image, radius=3.0: the 16-bit file result within 1e-6", r + "; max abs diff " + d);
close("*");

// ---- file jobs: options ----
// A NUL in a path would cut it in C (another file, silently): refused.
expect("file input with NUL", call("ipcf.Ipcf.pcfFile", sim + fromCharCode(0) + "junk", out, "radius=2"), "contains a NUL character");
expect("file output with NUL", call("ipcf.Ipcf.pcfFile", sim, out + fromCharCode(0) + ".tif", "radius=2"), "contains a NUL character");
expect("file scratch with NUL", call("ipcf.Ipcf.pcfFile", sim, out, "radius=2 scratch=" + tmp + fromCharCode(0) + "x"), "contains a NUL character");
expect("file radius=2.7", call("ipcf.Ipcf.pcfFile", sim, out, "radius=2.7"), "radius=2.7: not a whole number");
expect("file tile=0,5", call("ipcf.Ipcf.pcfFile", sim, out, "radius=2 tile=0,5 engine=ooc"), "tile=0,5: want both positive, or both 0");
expect("file channel=2 of a .npy", call("ipcf.Ipcf.pcfFile", sim, out, "radius=2 channel=2"), "channel= in Python and ImageJ");
expect("file npoints and points", call("ipcf.Ipcf.pcfFile", sim, out, "npoints=8 points=8"), "option 'points' given twice");
expect("file tile=99999999999,8", call("ipcf.Ipcf.pcfFile", sim, out, "tile=99999999999,8"), "tile=99999999999: out of range, want 0..2147483647");
expect("file tile=8.5,8", call("ipcf.Ipcf.pcfFile", sim, out, "tile=8.5,8"), "tile=8.5,8: want 2 whole numbers separated by commas");
expect("file shape of 2", call("ipcf.Ipcf.pcfFile", dir + "stack.raw", out, "shape=1024,40"), "shape=1024,40: want 3 whole numbers");
expect("file offset=-1", call("ipcf.Ipcf.pcfFile", dir + "stack.raw", out, "shape=1024,40,40 offset=-1"), "offset=-1: out of range");
expect("file offset without shape", call("ipcf.Ipcf.pcfFile", sim, out, "offset=8"), "offset is for raw input");
expect("file frame_interval=NaN", call("ipcf.Ipcf.pcfFile", sim, out, "frame_interval=NaN"), "frame_interval=NaN: want a finite number >= 0");
expect("file pixel_size=-1", call("ipcf.Ipcf.pcfFile", sim, out, "pixel_size=-1"), "pixel_size=-1: want a finite number >= 0");
expect("file dtype=uint12", call("ipcf.Ipcf.pcfFile", sim, out, "dtype=uint12"), "dtype=uint12: want one of uint8");
expect("file crop=[0:10 (unbalanced)", call("ipcf.Ipcf.pcfFile", sim, out, "crop=[0:10"), "cannot read the options from 'crop=[0:10'");
// a path holding [ or ]: said why it cannot be given in options (HOSTS11's m9)
expect("file mask path with [ ]", call("ipcf.Ipcf.pcfFile", sim, out, "mask=/data/d[1]/m.npy"), "a value holding [ or ], such as a path, cannot be written in ImageJ's options");
expect("file mask path with [ ] in brackets", call("ipcf.Ipcf.pcfFile", sim, out, "mask=[/data/d[1]/m.npy]"), "a value holding [ or ], such as a path, cannot be written in ImageJ's options");
r = call("ipcf.Ipcf.pcfFile", sim, out, "crop=[0:10");
ok = indexOf(r, "such as a path") < 0;
check(ok, "file crop=[0:10 not told of paths", r);
expect("file open=1", call("ipcf.Ipcf.pcfFile", sim, out, "open=1"), "option 'open' takes no value");
expect("file engine=fast", call("ipcf.Ipcf.pcfFile", sim, out, "engine=fast"), "engine \"fast\": want auto, memory or ooc");
expect("file memory=lots", call("ipcf.Ipcf.pcfFile", sim, out, "memory=lots"), "size \"lots\"");
expect("file roi", call("ipcf.Ipcf.pcfFile", sim, out, "roi"), "roi: a file job takes a mask file");
expect("file bins=cubic", call("ipcf.Ipcf.pcfFile", sim, out, "bins=cubic"), "bins=cubic: want log, linear or multitau (the number of bins is nbins=N)");
expect("file offsets=1", call("ipcf.Ipcf.pcfFile", sim, out, "offsets=1"), "offsets=1: want u,v pairs separated by ';'");
expect("file smooth=1", call("ipcf.Ipcf.pcfFile", sim, out, "smooth=1"), "smooth=1: want 0 <= smooth < 1");
expect("file threshold=abc", call("ipcf.Ipcf.pcfFile", sim, out, "threshold=abc"), "threshold=abc: not a number");
expect("file acf=1", call("ipcf.Ipcf.pcfFile", sim, out, "acf=1"), "option 'acf' takes no value");
expect("file second", call("ipcf.Ipcf.pcfFile", sim, out, "second=other"), "second=other names an open image: a file job takes the second channel from its input file");
expect("file channel2 of a one-channel file", call("ipcf.Ipcf.pcfFile", sim, out, "channel2=2"), "channel 2");
expect("file channel=-1", call("ipcf.Ipcf.pcfFile", sim, out, "channel=-1"), "channel=-1: out of range");
expect("file offsets too far", call("ipcf.Ipcf.pcfFile", sim, out, "offsets=400,0"), "400");
expect("file misspelt mm", call("ipcf.Ipcf.pcfFile", sim, out, "mm=4"), "unknown option 'mm' (options: input output radius points preset offsets");

// ---- file jobs: paths ----
expect("file input missing", call("ipcf.Ipcf.pcfFile", tmp + "none.npy", out, ""), tmp + "none.npy: no such file");
expect("file input a folder without TIFFs", call("ipcf.Ipcf.pcfFile", tmp + "folder", out, ""), "no .tif files in " + tmp + "folder");
expect("file input not a .npy", call("ipcf.Ipcf.pcfFile", tmp + "text.npy", out, ""), tmp + "text.npy");
expect("file input FIFO", call("ipcf.Ipcf.pcfFile", fifo, out, ""), "input \"" + fifo + "\" is a FIFO (named pipe)");
expect("file output FIFO", call("ipcf.Ipcf.pcfFile", sim, fifo, ""), "output \"" + fifo + "\" is a FIFO (named pipe)");
expect("file mask FIFO", call("ipcf.Ipcf.pcfFile", sim, out, "mask=[" + fifo + "]"), fifo + " is a named pipe (FIFO)");
expect("file output a folder", call("ipcf.Ipcf.pcfFile", sim, tmp + "folder", ""), tmp + "folder: want a .npy file or a .zarr folder");
expect("file output in a missing folder", call("ipcf.Ipcf.pcfFile", sim, tmp + "no/x.npy", ""), "the folder of " + tmp + "no/x.npy does not exist");
expect("file output /dev/null", call("ipcf.Ipcf.pcfFile", sim, "/dev/null", ""), "output \"/dev/null\" is a device");
expect("file output is the input", call("ipcf.Ipcf.pcfFile", sim, sim, ""), "output refused");
expect("file job with two arguments", call("ipcf.Ipcf.pcfFile", tmp + "none.npy", out), tmp + "none.npy: no such file");
expect("file no input", call("ipcf.Ipcf.pcfFile", "", out, ""), "no input file or folder");
expect("file no output", call("ipcf.Ipcf.pcfFile", sim, "", ""), "no output file (.npy, .zarr, .ome.zarr or .tif)");
ok = !File.exists(out);
check(ok, "no output from the refused file jobs", out);

// ---- reading files ----
expect("openNpy FIFO", call("ipcf.Ipcf.openNpy", fifo), fifo + ": not a regular file (a named pipe, device or socket)");
expect("openPcf FIFO", call("ipcf.Ipcf.openPcf", fifo), fifo + ": not a regular file");
expect("sameFileBytes FIFO", call("ipcf.Ipcf.sameFileBytes", fifo, sim), fifo + ": not a regular file");
expect("openNpy folder", call("ipcf.Ipcf.openNpy", tmp + "folder"), tmp + "folder: a folder, not a file");
expect("openNpy missing", call("ipcf.Ipcf.openNpy", tmp + "none.npy"), tmp + "none.npy: no such file");
expect("openNpy text", call("ipcf.Ipcf.openNpy", tmp + "text.npy"), tmp + "text.npy: not a .npy file");
expect("openNpy too short", call("ipcf.Ipcf.openNpy", tmp + "short.npy"), tmp + "short.npy: file too short for its shape (100, 40, 40)");
expect("openPcf of a stack", call("ipcf.Ipcf.openPcf", sim), "want a float32 (rows, columns, points, bins) pCF result");

// ---- the menu command (headless: options as the plugin's argument) logs the error ----
// Headless, IJ.log goes to standard output, not to getInfo("log"): run it in a second JVM.
java = call("java.lang.System.getProperty", "java.home") + "/bin/java";
cp = call("java.lang.System.getProperty", "java.class.path");
plugins = call("java.lang.System.getProperty", "plugins.dir");
sub = tmp + "menu.ijm";
File.saveString("dummy = call(\"ij.IJ.runPlugIn\", \"ipcf.Pair_Correlation_File\", \"input=[" + sim + "] output=[" + out + "] radius=2.7\");\n"
    + "dummy = call(\"ij.IJ.runPlugIn\", \"ipcf.Pair_Correlation_File\", \"input=[" + sim + "] radius=3\");\n"
    + "dummy = call(\"ij.IJ.runPlugIn\", \"ipcf.Pair_Correlation_File\", \"input=[" + sim + "] output=[" + out + "] radus=3\");\n"
    + "dummy = call(\"ipcf.Ipcf.openNpy\", \"" + sim + "\");\n"
    + "dummy = call(\"ij.IJ.runPlugIn\", \"ipcf.Pair_Correlation\", \"radius=2 bins=cubic\");\n"
    + "dummy = call(\"ij.IJ.runPlugIn\", \"ipcf.Autocorrelation\", \"preset=disk\");\n"
    + "n = nImages;\n"
    + "dummy = call(\"ij.IJ.runPlugIn\", \"ipcf.Correct_Photobleaching\", \"filtersize=64 mean=real threads=1\");\n"
    + "print(\"IMAGES \" + (nImages - n));\n"
    + "dummy = call(\"ij.IJ.runPlugIn\", \"ipcf.Correct_Photobleaching\", \"filter=4 mean=real threads=1\");\n"
    + "print(\"CORRECTED \" + (nImages - n));\n"
    + "print(\"DONE\");\n", sub);
res = exec("timeout", "-s", "KILL", "60", java, "-Djava.awt.headless=true", "-Dplugins.dir=" + plugins, "-cp", cp, "ij.ImageJ", "-batch", sub);
ok = (indexOf(res, "ipcf error: radius=2.7: not a whole number") >= 0);
check(ok, "menu command radius=2.7: logged", res);
ok = (indexOf(res, "ipcf error: no output file") >= 0);
check(ok, "menu command without output: logged", res);
ok = (indexOf(res, "ipcf error: unknown option 'radus'") >= 0);
check(ok, "menu command radus=3: logged", res);
ok = (indexOf(res, "ipcf error: bins=cubic: want log, linear or multitau") >= 0);
check(ok, "menu command Pair Correlation bins=cubic: logged", res);
ok = (indexOf(res, "ipcf error: the ACF is the offset (0,0) alone") >= 0);
check(ok, "menu command Autocorrelation preset=disk: logged", res);
// Correct Photobleaching from a script: options with an unknown key are refused (run() from a macro,
// whose dialog ignored it and corrected with the default filter 1024: test_menu.ijm, under Xvfb)
ok = (indexOf(res, "ipcf error: unknown option 'filtersize' (options: filter mean threads)") >= 0 && indexOf(res, "IMAGES 0") >= 0);
check(ok, "menu command Correct Photobleaching filtersize=64: refused, no image", res);
ok = (indexOf(res, "CORRECTED 1") >= 0);
check(ok, "menu command Correct Photobleaching filter=4: corrected", res);
ok = (indexOf(res, "DONE") >= 0 && indexOf(res, "Exception") < 0);
check(ok, "menu command: no exception, the macro goes on", res);

// ---- a Scratch that is a FIFO: in a separate JVM, killed after 30 s ----
// core/job refuses a scratch folder that is not a folder without opening it (it used to block).
sub = tmp + "scratch_fifo.ijm";
File.saveString("print(\"RESULT \" + call(\"ipcf.Ipcf.pcfFile\", \"" + sim + "\", \"" + tmp + "s.npy\", \"engine=ooc scratch=[" + fifo + "]\"));\n", sub);
res = exec("timeout", "-s", "KILL", "30", java, "-Djava.awt.headless=true", "-Dplugins.dir=" + plugins, "-cp", cp, "ij.ImageJ", "-batch", sub);
i = indexOf(res, "RESULT ");
if (i < 0) {
    check(false, "file scratch FIFO: no result in 30 s (hung, killed)", res);
} else {
    r = substring(res, i + 7);
    ok = (startsWith(r, "error:") && indexOf(r, fifo) >= 0 && indexOf(r, "not a folder") >= 0);
    check(ok, "file scratch FIFO", r);
}

dummy = exec("rm", "-rf", tmp); // getFileList lists neither named pipes nor hidden lock files
ok = !File.exists(tmp);
check(ok, "temporary files removed", tmp);
print("test_badinput: " + (passes + failures + known) + " cases, " + passes + " passed, " + failures + " failed, " + known + " KNOWN (bugs outside the plugin)");
if (failures == 0) print("PASS: bad input"); else print("FAIL: " + failures + " checks failed");

function expect(name, r, fragment) {
    ok = (startsWith(r, "error:") && indexOf(r, fragment) >= 0);
    check(ok, name, r + " (want \"" + fragment + "\")");
}

function check(cond, name, detail) {
    if (cond) {
        print("PASS " + name);
        passes = passes + 1;
    } else {
        print("FAIL: " + name + ": " + detail);
        failures = failures + 1;
    }
}
