var failures = 0;
var passes = 0;
var worst = 0;
var N = 64;
// Headless ImageJ test of the correlation toolkit in the plugin (docs/toolkit.md): small random
// stacks made here, every mode run through the macro API (call("ipcf.Ipcf.pcf"/"acf", options))
// and, for a few pixels of each mode, compared with a slow direct implementation of the
// definitions written below in the macro language (double precision, time domain, no FFT)
// within 2e-6; the result's offsets, margins, delays (frames and seconds), distances and
// calibration; file jobs with the same keys (in memory and out of core) against the image command,
// bit for bit; run() of the commands against call() (one key set); error messages for bad values.
// java -Djava.awt.headless=true -Dplugins.dir=build/fiji -cp ij.jar:jna.jar ij.ImageJ -batch test_toolkit.ijm
// Prints PASS/FAIL per check and 'PASS: toolkit ...' at the end, 'FAIL: ...' on any mismatch.
// As in test.ijm: conditions go through a variable before check(), strings start with "".
print("ImageJ " + getVersion() + ", ipcf " + call("ipcf.Ipcf.version"));
tol = 2e-6;
T = 70;  // N = 64 frames are used
H = 9;
W = 10;

// ---- inputs: ch1 (one pixel constant 1: below threshold 2; one pixel zero), mix = ch1 + noise ----
random("seed", 11);
A = newArray(T * H * W);
newImage("ch1", "16-bit black", W, H, T);
ch1 = getImageID();
for (t = 0; t < T; t++) {
    setSlice(t + 1);
    for (y = 0; y < H; y++) for (x = 0; x < W; x++) {
        v = floor(random * 40);
        if (x == 4 && y == 4) v = 1;
        if (x == 6 && y == 5) v = 0;
        A[(t * H + y) * W + x] = v;
        setPixel(x, y, v);
    }
}
random("seed", 13);
B = newArray(T * H * W);
newImage("mix", "16-bit black", W, H, T);
mix = getImageID();
for (t = 0; t < T; t++) {
    setSlice(t + 1);
    for (y = 0; y < H; y++) for (x = 0; x < W; x++) {
        v = A[(t * H + y) * W + x] + floor(random * 30);
        B[(t * H + y) * W + x] = v;
        setPixel(x, y, v);
    }
}
// a 2-channel hyperstack: channel 1 = ch1, channel 2 = mix, time along frames
newImage("hyper", "16-bit black", W, H, 2, 1, T);
hyper = getImageID();
for (t = 0; t < T; t++) {
    for (c = 1; c <= 2; c++) {
        Stack.setPosition(c, 1, t + 1);
        for (y = 0; y < H; y++) for (x = 0; x < W; x++) {
            if (c == 1) setPixel(x, y, A[(t * H + y) * W + x]); else setPixel(x, y, B[(t * H + y) * W + x]);
        }
    }
}
// a line scan: one plane, rows are time points (T x 12)
random("seed", 17);
KW = 12;
K = newArray(T * KW);
newImage("kymo", "16-bit black", KW, T, 1);
kymo = getImageID();
for (t = 0; t < T; t++) for (x = 0; x < KW; x++) {
    v = 5 + floor(random * 40);
    K[t * KW + x] = v;
    setPixel(x, t, v);
}
none = newArray(0);

// ---- every mode against the direct implementation ----
uv = newArray(1, 2, -1, -2, 3, 0, 0, 0, -2, 1, 3, 0);
mode("offsets incl. (0,0) and a repeat", "pcf", ch1, "offsets=1,2;-1,-2;3,0;0,0;-2,1;3,0 nbins=8", A, A, W, H, uv, 3, 2, "log", 8, 0, 0.7, false, false, 0, none);
uv = newArray(1, 2, -1, -2, 3, 0, 0, 0);
mode("offsets, smooth=0", "pcf", ch1, "offsets=[1,2; -1,-2; 3,0; 0,0] nbins=8 smooth=0", A, A, W, H, uv, 3, 2, "log", 8, 0, 0, false, false, 0, none);
mode("circle (the defaults)", "pcf", ch1, "radius=2 points=8 nbins=8", A, A, W, H, circle(2, 8), 2, 2, "log", 8, 0, 0.7, false, false, 0, none);
mode("disk", "pcf", ch1, "preset=disk radius=2 nbins=10", A, A, W, H, disk(2), 2, 2, "log", 10, 0, 0.7, false, false, 0, none);
dk = disk(2);
ok = (dk.length == 24);
check(ok, "disk(2) has 12 offsets", "" + dk.length / 2);
mode("line on a stack", "pcf", ch1, "preset=line radius=3 nbins=8", A, A, W, H, line(3), 3, 0, "log", 8, 0, 0.7, false, false, 0, none);
mode("line scan (one plane, rows are time)", "pcf", kymo, "preset=line radius=2 nbins=8", K, K, KW, 1, line(2), 2, 0, "log", 8, 0, 0.7, false, false, 0, none);
mode("acf of a line scan", "acf", kymo, "nbins=10", K, K, KW, 1, newArray(0, 0), 0, 0, "log", 10, 0, 0.7, false, false, 0, none);
uv = newArray(0, 0, 1, 0, -1, 0, 0, 1);
mode("two channels: second image", "pcf", ch1, "offsets=0,0;1,0;-1,0;0,1 nbins=8 second=mix", A, B, W, H, uv, 1, 1, "log", 8, 0, 0.7, false, false, 0, none);
mode("two channels: circle, second image", "pcf", ch1, "radius=2 points=8 nbins=8 second=[mix]", A, B, W, H, circle(2, 8), 2, 2, "log", 8, 0, 0.7, false, false, 0, none);
mode("two channels: hyperstack, cross", "pcf", hyper, "offsets=0,0;1,0;-1,0;0,1 nbins=8 cross", A, B, W, H, uv, 1, 1, "log", 8, 0, 0.7, false, false, 0, none);
mode("two channels: hyperstack, channel=2 channel2=1", "pcf", hyper, "offsets=0,0;1,0 nbins=8 channel=2 channel2=1", B, A, W, H, newArray(0, 0, 1, 0), 1, 0, "log", 8, 0, 0.7, false, false, 0, none);
mode("two channels: hyperstack, channel=1 (one channel)", "pcf", hyper, "offsets=1,0 nbins=8 channel=1", A, A, W, H, newArray(1, 0), 1, 0, "log", 8, 0, 0.7, false, false, 0, none);
mode("acf", "acf", ch1, "nbins=10", A, A, W, H, newArray(0, 0), 0, 0, "log", 10, 0, 0.7, false, false, 0, none);
mode("acf flag of pcf", "pcf", ch1, "acf nbins=10", A, A, W, H, newArray(0, 0), 0, 0, "log", 10, 0, 0.7, false, false, 0, none);
mode("acf smooth=0.5", "acf", ch1, "nbins=10 smooth=0.5", A, A, W, H, newArray(0, 0), 0, 0, "log", 10, 0, 0.5, false, false, 0, none);
selectImage(ch1);
makeRectangle(2, 2, 5, 4);
mode("acf with a ROI mask", "acf", ch1, "nbins=8 roi", A, A, W, H, newArray(0, 0), 0, 0, "log", 8, 0, 0.7, false, false, 0, newArray(2, 2, 5, 4));
selectImage(ch1);
Roi.remove;
mode("acf of two channels (per-pixel CCF)", "acf", hyper, "nbins=8 cross", A, B, W, H, newArray(0, 0), 0, 0, "log", 8, 0, 0.7, false, false, 0, none);
uv = newArray(2, 0, -2, 0, 0, 1);
mode("delta", "pcf", ch1, "offsets=2,0;-2,0;0,1 nbins=8 delta", A, A, W, H, uv, 2, 1, "log", 8, 0, 0.7, true, false, 0, none);
mode("delta, two channels", "pcf", ch1, "offsets=1,1 nbins=8 delta second=mix", A, B, W, H, newArray(1, 1), 1, 1, "log", 8, 0, 0.7, true, false, 0, none);
mode("linear bins", "pcf", ch1, "radius=2 points=8 bins=linear nbins=7", A, A, W, H, circle(2, 8), 2, 2, "linear", 7, 0, 0.7, false, false, 0, none);
mode("linear bins, smooth=0", "pcf", ch1, "offsets=1,0;0,-1 bins=linear nbins=12 smooth=0", A, A, W, H, newArray(1, 0, 0, -1), 1, 1, "linear", 12, 0, 0, false, false, 0, none);
uv = newArray(0, 0, 1, 0, -1, 0);
mode("multitau m=4", "pcf", ch1, "offsets=0,0;1,0;-1,0 bins=multitau m=4", A, A, W, H, uv, 1, 0, "multitau", 0, 4, 0.7, false, false, 0, none);
mode("multitau m=4, smooth=0", "pcf", ch1, "offsets=0,0;1,0;-1,0 bins=multitau m=4 smooth=0", A, A, W, H, uv, 1, 0, "multitau", 0, 4, 0, false, false, 0, none);
mode("multitau m=8, delta", "pcf", ch1, "offsets=2,1 bins=multitau m=8 delta", A, A, W, H, newArray(2, 1), 2, 1, "multitau", 0, 8, 0.7, true, false, 0, none);
mode("multitau acf m=4 smooth=0.5", "acf", ch1, "bins=multitau m=4 smooth=0.5", A, A, W, H, newArray(0, 0), 0, 0, "multitau", 0, 4, 0.5, false, false, 0, none);
uv = newArray(1, 0, -1, 0, 0, 2, 0, -2);
mode("threshold", "pcf", ch1, "offsets=1,0;-1,0;0,2;0,-2 nbins=8 threshold=2", A, A, W, H, uv, 1, 2, "log", 8, 0, 0.7, false, true, 2, none);
mode("threshold 19.5, two channels", "pcf", ch1, "offsets=1,0;0,0 nbins=8 threshold=19.5 second=mix", A, B, W, H, newArray(1, 0, 0, 0), 1, 0, "log", 8, 0, 0.7, false, true, 19.5, none);
print("direct implementation: largest difference " + worst + " (tolerance " + tol + ")");

// ---- units: the calibration gives seconds and micrometres; keys override them ----
selectImage(ch1);
setVoxelSize(0.2, 0.2, 1, "micron");
Stack.setFrameInterval(5);
Stack.setTUnit("ms");  // (Stack.setTimeUnit fails in ImageJ 1.53t)
r = call("ipcf.Ipcf.pcf", "preset=disk radius=2 nbins=8");
ok = !startsWith(r, "error");
check(ok, "units: pcf on a calibrated stack", r);
units("from the calibration (5 ms, 0.2 micron)", 0.005, 0.2, disk(2));
getPixelSize(unit, pw, ph);
um = fromCharCode(181) + "m";
ok = (pw == 0.2 && ph == 0.2 && (unit == "micron" || unit == "microns" || unit == um));
check(ok, "units: the result's calibration carries the pixel size", "" + unit + " " + pw + " " + ph);
Stack.setPosition(1, 4, 3);
lab = getInfo("slice.label");
ok = (lab == "u=1 v=-1 (1.414 px, 0.2828 " + um + ") delay 2.5 fr (0.0125 s)");
check(ok, "units: slice label of offset 3, point 2", "" + lab);
close();
selectImage(ch1);
r = call("ipcf.Ipcf.pcf", "preset=disk radius=2 nbins=8 frame_interval=0.001 pixel_size=0.5");
units("keys override the calibration", 0.001, 0.5, disk(2));
getPixelSize(unit, pw, ph);
ok = (pw == 0.5 && ph == 0.5 && unit == um);
check(ok, "units: pixel_size=0.5 in the result's calibration", "" + unit + " " + pw + " " + ph);
close();
selectImage(ch1);
setVoxelSize(1, 1, 1, "pixel");
Stack.setFrameInterval(0);
Stack.setTUnit("sec");
r = call("ipcf.Ipcf.pcf", "preset=disk radius=2 nbins=8");
d = call("ipcf.Ipcf.property", "ipcf.delays_s");
u = call("ipcf.Ipcf.property", "ipcf.distances_um");
ok = (d == "" && u == "" && call("ipcf.Ipcf.property", "ipcf.frame_interval") == "0.0");
check(ok, "units: none without a calibration", "delays_s='" + d + "' distances_um='" + u + "'");
lab = getInfo("slice.label");
ok = (lab == "u=0 v=-2 (2 px) delay 0 fr");
check(ok, "units: label without units", "" + lab);
close();
// pixels that are not square: one pixel size would make the offset (0, 2) 2 pixel widths, so
// distances and the pixel size stay in pixels (a warning in the log)
selectImage(ch1);
setVoxelSize(0.1, 0.3, 1, "micron");
Stack.setFrameInterval(5);
Stack.setTUnit("ms");
r = call("ipcf.Ipcf.pcf", "preset=disk radius=2 nbins=8");
u = call("ipcf.Ipcf.property", "ipcf.distances_um");
ok = (!startsWith(r, "error") && u == "" && call("ipcf.Ipcf.property", "ipcf.pixel_size") == "0.0"
    && call("ipcf.Ipcf.property", "ipcf.frame_interval") == "0.005");
check(ok, "units: pixels of 0.1 x 0.3 micron give no pixel size", r + " distances_um='" + u + "' pixel_size="
    + call("ipcf.Ipcf.property", "ipcf.pixel_size"));
close();
// the bleaching correction keeps the calibration: the pCF of the corrected stack has its units
selectImage(ch1);
setVoxelSize(0.2, 0.2, 1, "micron");
r = call("ipcf.Ipcf.correctBleaching", "filter=4");
getPixelSize(unit, pw, ph);
ok = (!startsWith(r, "error") && pw == 0.2 && ph == 0.2 && (unit == "micron" || unit == "microns" || unit == um)
    && nSlices == T - 8);
check(ok, "bleaching keeps the pixel size", r + " " + unit + " " + pw + " " + ph + " slices " + nSlices);
corrected = getImageID();
r = call("ipcf.Ipcf.pcf", "preset=disk radius=2 nbins=8");
ok = (call("ipcf.Ipcf.property", "ipcf.pixel_size") == "0.2" && call("ipcf.Ipcf.property", "ipcf.frame_interval") == "0.005");
check(ok, "bleaching keeps the frame interval: the pCF of the corrected stack in seconds and micrometres",
    "pixel_size=" + call("ipcf.Ipcf.property", "ipcf.pixel_size") + " frame_interval=" + call("ipcf.Ipcf.property", "ipcf.frame_interval"));
close();
selectImage(corrected);
close();
// a line scan (one plane, rows are time points) is corrected as the pCF reads it: its rows as
// frames, the same values as the stack of one-row frames; it was refused ("needs more than one
// slice or frame")
selectImage(kymo);
r = call("ipcf.Ipcf.correctBleaching", "filter=4");
ok = !startsWith(r, "error") && nSlices == 1 && getWidth() == KW && getHeight() == T - 8;
check(ok, "bleaching of a line scan: one plane of the rows kept", r + " " + getWidth() + "x" + getHeight() + "x" + nSlices);
lineCorr = getImageID();
newImage("kstack", "16-bit black", KW, 1, T);
kstack = getImageID();
for (t = 0; t < T; t++) {
    setSlice(t + 1);
    for (x = 0; x < KW; x++) setPixel(x, 0, K[t * KW + x]);
}
r2 = call("ipcf.Ipcf.correctBleaching", "filter=4");
stackCorr = getImageID();
eq = (nSlices == T - 8);
for (t = 0; eq && t < T - 8; t++) {
    selectImage(stackCorr);
    setSlice(t + 1);
    for (x = 0; x < KW; x++) {
        selectImage(stackCorr);
        a = getPixel(x, 0);
        selectImage(lineCorr);
        b = getPixel(x, t);
        if (a != b) eq = false;
    }
}
ok = eq && !startsWith(r2, "error");
check(ok, "bleaching of a line scan equals that of its rows as frames", r2);
selectImage(stackCorr); close();
selectImage(kstack); close();
selectImage(lineCorr); close();
// its messages speak of rows (they said "2 frames" of a 6 x 2 plane)
newImage("kshort", "16-bit black", 6, 2, 1);
r = call("ipcf.Ipcf.correctBleaching", "filter=4");
ok = startsWith(r, "error") && indexOf(r, "2 rows (a line scan") >= 0;
check(ok, "bleaching of a line scan too short: its rows named", r);
close();
// npoints, the other hosts' name of points, is taken; both at once are refused
selectImage(ch1);
r = call("ipcf.Ipcf.pcf", "radius=1 npoints=4 nbins=8");
offs = call("ipcf.Ipcf.property", "ipcf.offsets");
parts = split(offs, ";");
ok = (!startsWith(r, "error") && parts.length == 4);
check(ok, "npoints=4 gives 4 offsets", r + " offsets " + offs);
close();
selectImage(ch1);
r = call("ipcf.Ipcf.pcf", "radius=1 points=4 npoints=4 nbins=8");
ok = (startsWith(r, "error") && indexOf(r, "option 'points' given twice") >= 0);
check(ok, "points and npoints together refused", r);
r = call("ipcf.Ipcf.errors", "radius=1 npoints=4 nbins=8");
offs = call("ipcf.Ipcf.property", "ipcf.offsets");
parts = split(offs, ";");
ok = (!startsWith(r, "error") && parts.length == 4);
check(ok, "error bars: npoints=4 gives 4 offsets", r + " offsets " + offs);
close();

// ---- file jobs take the same keys (one parser): in memory and out of core (a small memory
// budget), the result file holds the image command's values bit for bit ----
random("seed", 19);
FW = 24;
FH = 20;
newImage("filejob", "16-bit black", FW, FH, T);
fj = getImageID();
for (t = 0; t < T; t++) {
    setSlice(t + 1);
    for (y = 0; y < FH; y++) for (x = 0; x < FW; x++) {
        v = 5 + floor(random * 40);
        if (x == 7 && y == 6) v = 2;  // below the thresholds
        setPixel(x, y, v);
    }
}
ftmp = getDirectory("temp");
if (!endsWith(ftmp, "/")) ftmp = ftmp + "/";
ftmp = ftmp + "ipcf_toolkit_" + d2s(getTime(), 0) + "_" + d2s(round(random * 1e6), 0) + "/";
File.makeDirectory(ftmp);
saveAs("Tiff", ftmp + "filejob.tif");
fopts = newArray("offsets=1,2;-1,-2;3,0;0,0 bins=multitau m=4 smooth=0 threshold=20 delta",
                 "preset=disk radius=2 bins=linear nbins=7 smooth=0.5",
                 "acf bins=multitau m=8",
                 "preset=line radius=3 nbins=8 threshold=19.5",
                 "radius=2 points=8 nbins=8 frame_interval=0.005 pixel_size=0.2");
budgets = newArray("43520KiB", "43520KiB", "43264KiB", "43520KiB", "43520KiB");  // 42 MiB for the process (ooc.ProcessOverhead) + 512 or 256 KiB for the data: several tiles each (the ACF has no halo)
for (q = 0; q < fopts.length; q++) {
    selectImage(fj);
    r = call("ipcf.Ipcf.pcf", fopts[q]);
    ok = !startsWith(r, "error");
    check(ok, "file job: the image command with " + fopts[q], r);
    if (!ok) continue;
    engines = newArray("engine=memory", "memory=" + budgets[q]);
    for (e = 0; e < engines.length; e++) {
        out = ftmp + "f" + q + "_" + e + ".npy";
        r = call("ipcf.Ipcf.pcfFile", ftmp + "filejob.tif", out, fopts[q] + " " + engines[e]);
        sum = call("ipcf.Ipcf.lastJobSummary");
        if (e == 0) ok = (r == "" && indexOf(sum, "engine=memory") >= 0);
        else ok = (r == "" && indexOf(sum, "engine=ooc") >= 0 && indexOf(sum, "tiles=1 ") < 0);
        check(ok, "file job (" + fopts[q] + " " + engines[e] + ") runs " + sum, r);
        eq = call("ipcf.Ipcf.equalsPcf", out);
        ok = (eq == "1");
        check(ok, "file job (" + fopts[q] + " " + engines[e] + ") = the image command, bit for bit", eq);
    }
    close();
}
// channels of a file (an ImageJ hyperstack): channel, channel2 and cross as on the open image
selectImage(hyper);
saveAs("Tiff", ftmp + "hyper.tif");
rename("hyper");
copts = newArray("offsets=0,0;1,0;-1,0;0,1 nbins=8 cross", "offsets=0,0;1,0 bins=multitau m=4 channel=2 channel2=1", "offsets=1,0 nbins=8 channel=1", "acf nbins=8 cross smooth=0");
for (q = 0; q < copts.length; q++) {
    selectImage(hyper);
    r = call("ipcf.Ipcf.pcf", copts[q]);
    engines = newArray("engine=memory", "engine=ooc memory=43MiB");
    for (e = 0; e < engines.length; e++) {
        out = ftmp + "c" + q + "_" + e + ".npy";
        r = call("ipcf.Ipcf.pcfFile", ftmp + "hyper.tif", out, copts[q] + " " + engines[e]);
        sum = call("ipcf.Ipcf.lastJobSummary");
        eq = call("ipcf.Ipcf.equalsPcf", out);
        ok = (r == "" && eq == "1");
        check(ok, "file job with channels (" + copts[q] + " " + engines[e] + ") = the image command, bit for bit: " + sum, r + " " + eq);
    }
    close();
}
r = call("ipcf.Ipcf.pcfFile", ftmp + "hyper.tif", ftmp + "none.npy", "offsets=1,0 nbins=8");
ok = (startsWith(r, "error:") && indexOf(r, "2 channels") >= 0 && !File.exists(ftmp + "none.npy"));
check(ok, "file job: a 2-channel file without channel= is refused", r);
r = call("ipcf.Ipcf.pcfFile", ftmp + "hyper.tif", ftmp + "none.npy", "offsets=1,0 nbins=8 channel=3");
ok = (startsWith(r, "error:") && indexOf(r, "channel 3") >= 0);
check(ok, "file job: channel=3 of a 2-channel file is refused", r);

// an opened result file is described from its metadata as the image command's result is
keys = newArray("ipcf.offsets", "ipcf.distances_um", "ipcf.delays_frames", "ipcf.delays_s", "ipcf.bins", "ipcf.output", "ipcf.frame_interval", "ipcf.pixel_size");
for (q = 0; q < fopts.length; q++) {
    selectImage(fj);
    r = call("ipcf.Ipcf.pcf", fopts[q] + " frame_interval=0.002 pixel_size=0.3");
    if (q == 4) r = call("ipcf.Ipcf.pcf", fopts[q]);
    want = newArray(keys.length + 1);
    for (k = 0; k < keys.length; k++) want[k] = call("ipcf.Ipcf.property", keys[k]);
    Stack.setPosition(1, 1, 3);
    want[keys.length] = getInfo("slice.label");
    close();
    o = "";
    if (q < 4) o = " frame_interval=0.002 pixel_size=0.3";
    r = call("ipcf.Ipcf.pcfFile", ftmp + "filejob.tif", ftmp + "o" + q + ".npy", fopts[q] + o);
    t = call("ipcf.Ipcf.openPcf", ftmp + "o" + q + ".npy");
    bad = "";
    for (k = 0; k < keys.length; k++) {
        g = call("ipcf.Ipcf.property", keys[k]);
        if (g != want[k]) bad = bad + keys[k] + "='" + g + "' (want '" + want[k] + "') ";
    }
    Stack.setPosition(1, 1, 3);
    if (getInfo("slice.label") != want[keys.length]) bad = bad + "label '" + getInfo("slice.label") + "' (want '" + want[keys.length] + "')";
    getPixelSize(unit, pw, ph);
    if (pw != parseFloat(want[7])) bad = bad + " pixel width " + pw;
    ok = (bad == "" && !startsWith(t, "error"));
    check(ok, "openPcf (" + fopts[q] + "): labels, properties and calibration from the metadata", t + " " + bad);
    close();
}
js = File.openAsString(ftmp + "f4_1.npy.json");
ok = (indexOf(js, "\"frame_interval_s\": 0.005") >= 0 && indexOf(js, "\"pixel_size_um\": 0.2") >= 0);
check(ok, "file job: frame_interval and pixel_size in the result's metadata", "");
// the menu command's run() with the same keys (the options as the argument, as headless)
o = "offsets=2,0;0,1 bins=linear nbins=6 smooth=0.3 delta";
selectImage(fj);
r = call("ipcf.Ipcf.pcf", o);
// (the options as the Recorder writes the dialog's fields: channel=0 channel2=0 and empty fields as [])
dummy = call("ij.IJ.runPlugIn", "ipcf.Pair_Correlation_File", "input=" + ftmp + "filejob.tif output=" + ftmp + "menu.npy " + o
    + " m=16 threshold=none channel=0 channel2=0 bleach=0 mean=real threads=0 device=auto memory=48MiB engine=auto tile=[] scratch=[]"
    + " crop=[] frames=[] mask=[] format=auto shape=[] dtype=uint16 byteorder=little offset=0 frame_interval=0.000000 pixel_size=0.000000");
eq = call("ipcf.Ipcf.equalsPcf", ftmp + "menu.npy");
ok = (eq == "1");
check(ok, "file job: run() of Pair Correlation of File or Folder... with toolkit keys = the image command", eq);
close();
// the 0.2 key bins=NUMBER (the number of log bins) is still read
selectImage(fj);
r = call("ipcf.Ipcf.pcf", "radius=2 points=8 nbins=12");
r = call("ipcf.Ipcf.pcfFile", ftmp + "filejob.tif", ftmp + "legacy.npy", "radius=2 npoints=8 bins=12");
eq = call("ipcf.Ipcf.equalsPcf", ftmp + "legacy.npy");
ok = (r == "" && eq == "1");
check(ok, "file job: bins=12 (the 0.2 key) = nbins=12", r + " " + eq);
close();
selectImage(fj);
close();
list = getFileList(ftmp);
for (i = 0; i < list.length; i++) dummy = File.delete(ftmp + list[i]);
dummy = File.delete(ftmp);

// ---- display: a diverging LUT (blue, white, red) over a range symmetric about zero ----
selectImage(ch1);
r = call("ipcf.Ipcf.pcf", "radius=2 points=8 nbins=8");
getLut(lr, lg, lb);
ok = (lr[0] < lb[0] && lr[255] > lb[255] && lr[128] >= 240 && lg[128] >= 240 && lb[128] >= 240);
check(ok, "display: diverging LUT", "" + lr[0] + "," + lg[0] + "," + lb[0] + " / " + lr[128] + "," + lg[128] + "," + lb[128] + " / " + lr[255] + "," + lg[255] + "," + lb[255]);
getMinAndMax(lo, hi);
ok = (hi > 0 && lo == -hi && abs(parseFloat(call("ipcf.Ipcf.property", "ipcf.display_range")) - hi) < 1e-6 * hi);
check(ok, "display: range symmetric about zero (the 99th percentile of |G|)", "" + lo + " " + hi);
Stack.setPosition(1, 3, 4);
getMinAndMax(lo2, hi2);
ok = (lo2 == lo && hi2 == hi);
check(ok, "display: the range stays on another offset and point", "" + lo2 + " " + hi2);
close();

// ---- run() of the commands takes the keys of call(), and gives the same result ----
o = "offsets=1,0;0,-1 bins=linear nbins=6 smooth=0.3 threshold=2 delta";
same("run() = call(): pcf", "ipcf.Pair_Correlation", "pcf", ch1, o, o);
o = "radius=2 points=4 bins=multitau m=6 second=mix";
same("run() = call(): pcf, second image", "ipcf.Pair_Correlation", "pcf", ch1, o, o);
o = "nbins=8 cross smooth=0";
same("run() = call(): ACF command", "ipcf.Autocorrelation", "acf", hyper, o, o);
same("run() with the keys recorded by 0.2 = call()", "ipcf.Pair_Correlation", "pcf", ch1, "radius=2 points=8 nbins=8 bleach=0 mean=real threads=0", "radius=2 points=8 bins=8 bleaching=0 bleach=real threads=0");

// ---- bad values give messages ----
selectImage(ch1);
expect("bins=cubic", call("ipcf.Ipcf.pcf", "bins=cubic"), "bins=cubic: want log, linear or multitau (the number of bins is nbins=N)");
expect("bins=16 nbins=8", call("ipcf.Ipcf.pcf", "bins=16 nbins=8"), "bins=16 and nbins=8: give the number of bins once");
expect("nbins=1", call("ipcf.Ipcf.pcf", "nbins=1"), "nbins=1: out of range, want 2..");
expect("nbins=2.5", call("ipcf.Ipcf.pcf", "bins=linear nbins=2.5"), "nbins=2.5: not a whole number");
expect("m=3", call("ipcf.Ipcf.pcf", "bins=multitau m=3"), "m=3: want an even number 2..4096");
expect("m=0", call("ipcf.Ipcf.pcf", "bins=multitau m=0"), "m=0: out of range");
expect("m=8192", call("ipcf.Ipcf.pcf", "bins=multitau m=8192"), "m=8192: want an even number 2..4096");
expect("smooth=1", call("ipcf.Ipcf.pcf", "smooth=1"), "smooth=1: want 0 <= smooth < 1 (0 turns smoothing off)");
expect("smooth=-0.1", call("ipcf.Ipcf.pcf", "smooth=-0.1"), "smooth=-0.1: want 0 <= smooth < 1");
expect("smooth=NaN", call("ipcf.Ipcf.pcf", "smooth=NaN"), "smooth=NaN: not a number");
expect("threshold=abc", call("ipcf.Ipcf.pcf", "threshold=abc"), "threshold=abc: not a number");
expect("threshold=Infinity", call("ipcf.Ipcf.pcf", "threshold=Infinity"), "threshold=Infinity: not a number");
expect("offsets=1", call("ipcf.Ipcf.pcf", "offsets=1"), "offsets=1: want u,v pairs separated by ';'");
expect("offsets=1,0;", call("ipcf.Ipcf.pcf", "offsets=1,0;"), "offsets=1,0;: want u,v pairs separated by ';'");
expect("offsets=1.5,0", call("ipcf.Ipcf.pcf", "offsets=1.5,0"), "offsets=1.5: not a whole number");
expect("offsets=40,0 (too far)", call("ipcf.Ipcf.pcf", "offsets=40,0"), "too far for a 9x10 image");
expect("preset=square", call("ipcf.Ipcf.pcf", "preset=square"), "preset=square: want circle, disk or line");
expect("preset=disk and offsets", call("ipcf.Ipcf.pcf", "preset=disk offsets=1,0"), "offsets=1,0 and preset=disk: give one of them");
expect("acf and offsets", call("ipcf.Ipcf.pcf", "acf offsets=1,0"), "acf is the offset (0,0) alone");
expect("ACF with preset=line", call("ipcf.Ipcf.acf", "preset=line"), "the ACF is the offset (0,0) alone: offsets and preset are for the pCF");
expect("acf=1", call("ipcf.Ipcf.pcf", "acf=1"), "option 'acf' takes no value");
expect("delta=yes", call("ipcf.Ipcf.pcf", "delta=yes"), "option 'delta' takes no value");
expect("mm=4 (misspelt)", call("ipcf.Ipcf.pcf", "mm=4"), "unknown option 'mm' (options: radius points bins nbins m preset offsets");
expect("disk radius=0", call("ipcf.Ipcf.pcf", "preset=disk radius=0"), "radius=0: out of range");
expect("second missing", call("ipcf.Ipcf.pcf", "second=[no such image]"), "second=no such image: no open image has that title");
newImage("small", "16-bit black", 8, 8, T);
selectImage(ch1);
expect("second of another size", call("ipcf.Ipcf.pcf", "second=small"), "second image 'small' is 8x8, the image 10x9: want the same size");
newImage("bytes", "8-bit black", W, H, T);
selectImage(ch1);
expect("second of another type", call("ipcf.Ipcf.pcf", "second=bytes"), "second image 'bytes' is 8-bit, the image 16-bit: want the same type");
newImage("short", "16-bit black", W, H, 40);
selectImage(ch1);
expect("second with fewer frames", call("ipcf.Ipcf.pcf", "second=short"), "second image 'short' has 40 time points, the image 70: want the same number");
expect("second with 2 channels, no channel2", call("ipcf.Ipcf.pcf", "second=hyper"), "second image 'hyper' has 2 channels: choose one with channel2=N");
expect("cross on one channel", call("ipcf.Ipcf.pcf", "cross"), "cross: want an image of 2 channels, this one has 1");
expect("channel=2 on one channel", call("ipcf.Ipcf.pcf", "channel=2"), "channel=2: the image has 1 channel");
expect("channel=0", call("ipcf.Ipcf.pcf", "channel=0"), "channel=0: out of range");
expect("frame_interval=-1", call("ipcf.Ipcf.pcf", "frame_interval=-1"), "frame_interval=-1: want a finite number >= 0");
expect("pixel_size=NaN", call("ipcf.Ipcf.pcf", "pixel_size=NaN"), "pixel_size=NaN: want a finite number >= 0");
selectImage(hyper);
expect("hyperstack without a channel", call("ipcf.Ipcf.pcf", "radius=2"), "the image has 2 channels; split them first");
expect("channel2=3", call("ipcf.Ipcf.pcf", "channel=1 channel2=3"), "channel2=3: the image has 2 channels");
expect("cross and channel2", call("ipcf.Ipcf.pcf", "cross channel2=2"), "cross is channel 1 against channel 2 of this image");
selectImage(kymo);
expect("circle on one plane", call("ipcf.Ipcf.pcf", "radius=2"), "a time series needs more than one slice or frame");
expect("line scan with a ROI mask", call("ipcf.Ipcf.pcf", "preset=line radius=2 roi"), "use ROI as mask: the image has no area selection");
makeRectangle(1, 1, 4, 4);
expect("line scan with a ROI mask", call("ipcf.Ipcf.pcf", "preset=line radius=2 roi"), "use ROI as mask: not for a line scan");
Roi.remove;
expect("file job: second", call("ipcf.Ipcf.pcfFile", "/nonexistent.npy", "/tmp/x.npy", "second=mix"), "second=mix names an open image: a file job takes the second channel from its input file");
expect("file job: cross and channel2", call("ipcf.Ipcf.pcfFile", "/nonexistent.npy", "/tmp/x.npy", "cross channel2=2"), "cross is channel 1 against channel 2");
expect("file job: m=3", call("ipcf.Ipcf.pcfFile", "/nonexistent.npy", "/tmp/x.npy", "bins=multitau m=3"), "m=3: want an even number 2..4096");
expect("file job: preset and offsets", call("ipcf.Ipcf.pcfFile", "/nonexistent.npy", "/tmp/x.npy", "preset=disk offsets=1,0"), "offsets=1,0 and preset=disk: give one of them");
// Error bars of smoothed curves say they are biased at their last points, as the CLI, Python
// and Octave say it (FIJI18's m6); with smooth=0, not.
selectImage(ch1);
t = call("ipcf.Ipcf.errors", "offsets=1,0 nbins=4 method=blocking");
w = call("ipcf.Ipcf.lastWarning");
ok = indexOf(w, "error bars of smoothed curves (smooth 0.7) are biased at their last points") > 0;
check(ok, "error bars of smoothed curves: warned", w);
selectImage(ch1);
t = call("ipcf.Ipcf.errors", "offsets=1,0 nbins=4 method=blocking smooth=0");
w = call("ipcf.Ipcf.lastWarning");
ok = indexOf(w, "error bars of smoothed curves") < 0;
check(ok, "error bars of curves not smoothed: no such warning", w);
// A second image with units where the image has none: the result has none, said (FIJI18's m7).
newImage("calibrated", "16-bit ramp", W, H, T);
Stack.setFrameInterval(0.001);
Stack.setTUnit("sec");
newImage("plain", "16-bit ramp", W, H, T);
t = call("ipcf.Ipcf.pcf", "offsets=1,0 nbins=4 second=calibrated");
w = call("ipcf.Ipcf.lastWarning");
ok = indexOf(w, "the second image 'calibrated' records a frame interval of 0.001 s") > 0 && indexOf(w, "the result has none") > 0;
check(ok, "second image with a frame interval, the image without: warned", w);
// Fit pCF Maps... of a result whose image had pixels that are not square: no "calibration
// edited" warning, nothing was (FIJI18's m4); a frame interval edited on a result is said, as an
// edited pixel size is (m5).
newImage("ns", "16-bit random", 16, 16, 256);
setVoxelSize(0.1, 0.2, 1, "um");
t = call("ipcf.Ipcf.pcf", "radius=2 points=4 bins=multitau m=8 smooth=0");
t = call("ipcf.Ipcf.fit", "model=pcf1d waist=2");
w = call("ipcf.Ipcf.lastWarning");
ok = indexOf(w, "its calibration") < 0 && !startsWith(t, "error");
check(ok, "fit of a result of pixels not square: no edited calibration said", t + " " + w);
newImage("fi", "16-bit random", 16, 16, 256);
setVoxelSize(0.1, 0.1, 1, "um");
Stack.setFrameInterval(0.001);
Stack.setTUnit("sec");
t = call("ipcf.Ipcf.pcf", "radius=2 points=4 bins=multitau m=8 smooth=0");
Stack.setFrameInterval(0.01);
t = call("ipcf.Ipcf.fit", "model=pcf1d waist=2");
w = call("ipcf.Ipcf.lastWarning");
ok = indexOf(w, "its calibration (0.01 s a frame) is not the frame interval of its curves (ipcf.frame_interval 0.001 s)") > 0;
check(ok, "fit of a result whose frame interval was edited: said", t + " " + w);
close("*");

print("test_toolkit: " + (passes + failures) + " checks, " + passes + " passed, " + failures + " failed; largest difference from the direct implementation " + worst);
if (failures == 0) print("PASS: toolkit (every mode within " + tol + " of the direct implementation, delays, units, file jobs = image commands, run() = call(), errors)");
else print("FAIL: " + failures + " toolkit checks failed");

// ---- the direct implementation ----

// The first N values of the series at (x, y) of a (t, h, w) array.
function series(D, w, h, x, y) {
    s = newArray(N);
    for (t = 0; t < N; t++) s[t] = D[(t * h + y) * w + x];
    return s;
}

function total(a) {
    s = 0;
    for (i = 0; i < a.length; i++) s += a[i];
    return s;
}

// G(a -> b)(tau) = n sum_t a[t] b[(t + tau) mod n] / (sum a sum b) - 1
function corr(a, b, tau) {
    n = a.length;
    s = 0;
    for (t = 0; t < n; t++) s += a[t] * b[(t + tau) % n];
    return n * s / (total(a) * total(b)) - 1;
}

// sums over blocks of s frames
function blocks(a, s) {
    m = a.length / s;
    out = newArray(m);
    for (t = 0; t < m; t++) for (i = 0; i < s; i++) out[t] = out[t] + a[t * s + i];
    return out;
}

// numpy's rint: halves to even
function rint(v) {
    f = floor(v);
    if (v - f > 0.5) return f + 1;
    if (v - f < 0.5) return f;
    if (f % 2 == 0) return f;
    return f + 1;
}

function circle(r, n) {
    uv = newArray(2 * n);
    for (i = 0; i < n; i++) {
        a = i * (2 * PI / n);
        uv[2 * i] = rint(r * cos(a));
        uv[2 * i + 1] = rint(r * sin(a));
    }
    return uv;
}

function disk(r) {
    uv = newArray(0);
    for (v = -r; v <= r; v++) for (u = -r; u <= r; u++)
        if ((u != 0 || v != 0) && u * u + v * v <= r * r) uv = Array.concat(uv, newArray(u, v));
    return uv;
}

function line(r) {
    uv = newArray(0);
    for (u = -r; u <= r; u++) if (u != 0) uv = Array.concat(uv, newArray(u, 0));
    return uv;
}

// upper bin edges: unique(trunc(2**linspace(0, log2(size), nbins)))
function logbins(size, nbins) {
    l = log(size) / log(2);
    step = l / (nbins - 1);
    e = newArray(0);
    for (k = 0; k < nbins; k++) {
        y = k * step;
        if (k == nbins - 1) y = l;
        b = floor(pow(2, y));
        if (e.length == 0) e = Array.concat(e, b);
        else if (b != e[e.length - 1]) e = Array.concat(e, b);
    }
    return e;
}

// upper bin edges: unique(trunc(linspace(1, size, nbins)))
function linbins(size, nbins) {
    step = (size - 1) / (nbins - 1);
    e = newArray(0);
    for (k = 0; k < nbins; k++) {
        b = floor(1 + k * step);
        if (k == nbins - 1) b = size;
        if (e.length == 0) e = Array.concat(e, b);
        else if (b != e[e.length - 1]) e = Array.concat(e, b);
    }
    return e;
}

// multi-tau lags (level 0: 0..m-1; level k: l*2^k, l = m/2..m-1; every lag < n/2), and their levels
function mtlags(n, m, levels) {
    lags = newArray(0);
    for (l = 0; l < m && l < n / 2; l++) {
        if (levels) lags = Array.concat(lags, 0); else lags = Array.concat(lags, l);
    }
    for (k = 1; (m / 2) * pow(2, k) < n / 2; k++)
        for (l = m / 2; l < m && l * pow(2, k) < n / 2; l++) {
            if (levels) lags = Array.concat(lags, k); else lags = Array.concat(lags, l * pow(2, k));
        }
    return lags;
}

// the curve of the pair (a, b): binned or multi-tau, then smoothed with weight w (0 = off)
function curve(a, b, bins, nbins, m, w) {
    if (bins == "multitau") {
        lags = mtlags(N, m, false);
        lev = mtlags(N, m, true);
        c = newArray(lags.length);
        for (i = 0; i < lags.length; i++) {
            s = pow(2, lev[i]);
            ab = blocks(a, s);
            bb = blocks(b, s);
            c[i] = corr(ab, bb, lags[i] / s);
        }
    } else {
        if (bins == "linear") e = linbins(N / 2, nbins); else e = logbins(N / 2, nbins);
        c = newArray(e.length);
        lo = 0;
        for (j = 0; j < e.length; j++) {
            acc = 0;
            for (tau = lo; tau < e[j]; tau++) acc = acc + corr(a, b, tau);
            c[j] = acc / (e[j] - lo);
            lo = e[j];
        }
    }
    c[0] = c[1];
    if (w > 0) {
        for (i = 1; i < c.length; i++) c[i] = (1 - w) * c[i] + w * c[i - 1];
        for (i = c.length - 2; i >= 0; i--) c[i] = (1 - w) * c[i] + w * c[i + 1];
    }
    return c;
}

// the delay of each point in frames: (lo + hi - 1) / 2 of a bin, or a multi-tau point's lag
function delays(bins, nbins, m) {
    if (bins == "multitau") {
        lags = mtlags(N, m, false);  // (return of a function's array is not allowed)
        return lags;
    }
    if (bins == "linear") e = linbins(N / 2, nbins); else e = logbins(N / 2, nbins);
    d = newArray(e.length);
    lo = 0;
    for (j = 0; j < e.length; j++) {
        d[j] = (lo + e[j] - 1) / 2;
        lo = e[j];
    }
    return d;
}

function join(a, sep) {
    s = "";
    for (i = 0; i < a.length; i++) {
        if (i > 0) s = s + sep;
        s = s + a[i];
    }
    return s;
}

// Runs one mode on image src (fn: "pcf" or "acf") and compares a few pixels with the direct
// implementation: D1 (the pixels' channel) and D2 (the neighbours') are (t, h, w) arrays; uv the
// expected offsets, (mx, my) the margins; thr applies when hasThr; rect: a mask rectangle or none.
function mode(name, fn, src, opts, D1, D2, w, h, uv, mx, my, bins, nbins, m, sm, delta, hasThr, thr, rect) {
    selectImage(src);
    r = call("ipcf.Ipcf." + fn, opts);
    if (startsWith(r, "error")) {
        check(false, name + ": " + fn + "(" + opts + ")", r);
        return;
    }
    k = uv.length / 2;
    dl = delays(bins, nbins, m);
    np = dl.length;
    Stack.getDimensions(rw, rh, rc, rz, rt);
    ok = (rw == w - 2 * mx && rh == h - 2 * my && rz == k && rt == np);
    check(ok, name + ": result shape", "" + rw + "x" + rh + "x" + rz + "x" + rt + ", want " + (w - 2 * mx) + "x" + (h - 2 * my) + "x" + k + "x" + np);
    if (!ok) {
        close();
        return;
    }
    pairs = newArray(k);
    for (i = 0; i < k; i++) pairs[i] = "" + uv[2 * i] + "," + uv[2 * i + 1];
    got = call("ipcf.Ipcf.property", "ipcf.offsets");
    want = join(pairs, ";");
    ok = (got == want);
    check(ok, name + ": offsets", "" + got + ", want " + want);
    got = call("ipcf.Ipcf.property", "ipcf.margin");
    ok = (got == "" + mx + "," + my);
    check(ok, name + ": margin", "" + got + ", want " + mx + "," + my);
    gd = split(call("ipcf.Ipcf.property", "ipcf.delays_frames"), ",");
    ok = (gd.length == np);
    for (j = 0; ok && j < np; j++) ok = (abs(parseFloat(gd[j]) - dl[j]) < 1e-12);
    check(ok, name + ": delays in frames", "" + join(gd, ",") + ", want " + join(dl, ","));
    px = newArray(4, 4, 5, 5, 6, 5, mx, my, w - 1 - mx, h - 1 - my, 5, my);
    bad = 0;
    tested = 0;
    local = 0;
    detail = "";
    for (q = 0; q < px.length; q = q + 2) {
        x = px[q];
        y = px[q + 1];
        if (x < mx || x >= w - mx || y < my || y >= h - my) continue;
        a = series(D1, w, h, x, y);
        masked = false;  // (no short-circuit && in the macro language)
        if (rect.length == 4) masked = (x < rect[0] || y < rect[1] || x >= rect[0] + rect[2] || y >= rect[1] + rect[3]);
        for (i = 0; i < k; i++) {
            b = series(D2, w, h, x + uv[2 * i], y + uv[2 * i + 1]);
            isnan = masked || total(a) == 0 || total(b) == 0 || (hasThr && total(a) / N <= thr);
            if (!isnan) {
                e = curve(a, b, bins, nbins, m, sm);
                if (delta) {
                    e2 = curve(b, a, bins, nbins, m, sm);
                    for (j = 0; j < np; j++) e[j] = e[j] - e2[j];
                }
            }
            for (j = 0; j < np; j++) {
                Stack.setPosition(1, i + 1, j + 1);
                g = getPixel(x - mx, y - my);
                tested++;
                if (isnan) {
                    if (!isNaN(g)) {
                        bad++;
                        detail = "pixel " + x + "," + y + " offset " + i + " point " + j + ": " + g + ", want NaN";
                    }
                } else if (isNaN(g) || abs(g - e[j]) > tol) {
                    bad++;
                    detail = "pixel " + x + "," + y + " offset " + i + " point " + j + ": " + g + ", want " + e[j];
                } else {
                    local = maxOf(local, abs(g - e[j]));
                }
            }
        }
    }
    worst = maxOf(worst, local);
    ok = (bad == 0 && tested > 0);
    check(ok, name + ": " + tested + " values of " + fn + "(" + opts + ") within " + tol + " of the direct implementation (largest difference " + local + ")", "" + bad + " differ; last " + detail);
    close();
}

// The current result's delays in seconds and distances in micrometres.
function units(name, fi, ps, uv) {
    dl = split(call("ipcf.Ipcf.property", "ipcf.delays_frames"), ",");
    ds = split(call("ipcf.Ipcf.property", "ipcf.delays_s"), ",");
    ok = (dl.length == ds.length && dl.length > 2);
    for (j = 0; ok && j < dl.length; j++) ok = (abs(parseFloat(ds[j]) - parseFloat(dl[j]) * fi) < 1e-12);
    check(ok, "units " + name + ": delays in seconds", "" + join(ds, ","));
    dp = split(call("ipcf.Ipcf.property", "ipcf.distances"), ",");
    du = split(call("ipcf.Ipcf.property", "ipcf.distances_um"), ",");
    ok = (dp.length == uv.length / 2 && du.length == dp.length);
    for (i = 0; ok && i < dp.length; i++) {
        d = sqrt(uv[2 * i] * uv[2 * i] + uv[2 * i + 1] * uv[2 * i + 1]);
        ok = (abs(parseFloat(dp[i]) - d) < 1e-12 && abs(parseFloat(du[i]) - d * ps) < 1e-12);
    }
    check(ok, "units " + name + ": distances in pixels and micrometres", "" + join(du, ","));
    ok = (abs(parseFloat(call("ipcf.Ipcf.property", "ipcf.frame_interval")) - fi) < 1e-15 && abs(parseFloat(call("ipcf.Ipcf.property", "ipcf.pixel_size")) - ps) < 1e-15);
    check(ok, "units " + name + ": frame interval and pixel size recorded", "" + call("ipcf.Ipcf.property", "ipcf.frame_interval") + " " + call("ipcf.Ipcf.property", "ipcf.pixel_size"));
}

// run() of the command (IJ.runPlugIn with the options as its argument, as headless) gives
// the values of call("ipcf.Ipcf." + fn, opts), bit for bit.
function same(name, cls, fn, src, opts, runOpts) {
    selectImage(src);
    r = call("ipcf.Ipcf." + fn, opts);
    if (startsWith(r, "error")) {
        check(false, name + ": call", r);
        return;
    }
    one = getImageID();
    selectImage(src);
    dummy = call("ij.IJ.runPlugIn", cls, runOpts);
    two = getImageID();
    ok = (two != one && two != src);
    if (ok) {
        selectImage(one);
        Stack.getDimensions(w1, h1, c1, z1, t1);
        selectImage(two);
        Stack.getDimensions(w2, h2, c2, z2, t2);
        ok = (w1 == w2 && h1 == h2 && z1 == z2 && t1 == t2);
    }
    diff = 0;
    for (z = 1; ok && z <= z1; z++) for (t = 1; t <= t1; t++) {
        selectImage(one);
        Stack.setPosition(1, z, t);
        v1 = newArray(w1 * h1);
        for (y = 0; y < h1; y++) for (x = 0; x < w1; x++) v1[y * w1 + x] = getPixel(x, y);
        selectImage(two);
        Stack.setPosition(1, z, t);
        for (y = 0; y < h1; y++) for (x = 0; x < w1; x++) {
            v2 = getPixel(x, y);
            if (isNaN(v1[y * w1 + x]) != isNaN(v2) || !isNaN(v2) && v2 != v1[y * w1 + x]) diff++;
        }
    }
    ok = (ok && diff == 0);
    check(ok, name + " (" + runOpts + ")", "result " + two + " of " + one + ": " + diff + " values differ");
    selectImage(two);
    close();
    selectImage(one);
    close();
}

function expect(name, r, fragment) {
    ok = (startsWith(r, "error:") && indexOf(r, fragment) >= 0);
    check(ok, "error: " + name, r + " (want \"" + fragment + "\")");
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
