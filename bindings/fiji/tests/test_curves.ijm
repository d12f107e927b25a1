var failures = 0;
var passes = 0;
// Headless ImageJ test of Plugins > ipcf > Plot pCF Curves (call("ipcf.Ipcf.plotCurves", options)
// and the command's run() with the same keys): at a point, the Results table holds the result's
// values there; in a selection (and without one: every pixel), the mean of the finite values
// (NaN curves of pixels below the threshold left out); the delays in frames and seconds; a plot
// per region with the first curve's values; a result file opened with openPcf plots the same;
// bad use gives messages. The ROI Manager (a window) is tested under Xvfb (Install.java).
// java -Djava.awt.headless=true -Dplugins.dir=build/fiji -cp ij.jar:jna.jar ij.ImageJ -batch test_curves.ijm
// As in test.ijm: conditions go through a variable before check(), strings start with "".
print("ImageJ " + getVersion() + ", ipcf " + call("ipcf.Ipcf.version"));
W = 16;
H = 14;
T = 140;
random("seed", 23);
newImage("cells", "16-bit black", W, H, T);
src = getImageID();
for (t = 0; t < T; t++) {
    setSlice(t + 1);
    for (y = 0; y < H; y++) for (x = 0; x < W; x++) {
        v = 10 + floor(random * 30);
        if (x < 6 && y < 6) v = 1;  // dim corner: NaN curves below threshold=5
        setPixel(x, y, v);
    }
}
r = call("ipcf.Ipcf.pcf", "offsets=1,0;0,1;-1,0;0,-1;0,0 bins=multitau m=4 threshold=5 frame_interval=0.002 pixel_size=0.1");
ok = !startsWith(r, "error");
check(ok, "pcf on the test stack", r);
res = getImageID();
rt = getTitle();
Stack.getDimensions(rw, rh, rc, np, nb);
labels = newArray("(1, 0)", "(0, 1)", "(-1, 0)", "(0, -1)", "(0, 0)");
df = split(call("ipcf.Ipcf.property", "ipcf.delays_frames"), ",");

// ---- a point: the result's values there ----
makePoint(9, 8);
t = call("ipcf.Ipcf.plotCurves", "");
ok = (t == "pCF curves of " + rt + " in x=9 y=8");
check(ok, "point: plot title", t);
ok = (nResults == nb);
check(ok, "point: one row per curve point", "" + nResults + ", want " + nb);
head = String.getResultsHeadings;
ok = (indexOf(head, "delay_frames") >= 0 && indexOf(head, "delay_s") >= 0);
for (i = 0; i < np; i++) ok = ok && indexOf(head, "G " + labels[i]) >= 0;
check(ok, "point: columns delay_frames, delay_s and G (u, v) per offset", head);
bad = 0;
for (b = 0; b < nb; b++) {
    if (getResult("delay_frames", b) != parseFloat(df[b]) || abs(getResult("delay_s", b) - 0.002 * parseFloat(df[b])) > 1e-15) bad++;
    for (i = 0; i < np; i++) {
        selectImage(res);
        Stack.setPosition(1, i + 1, b + 1);
        v = getPixel(9, 8);
        if (getResult("G " + labels[i], b) != v) bad++;
    }
}
ok = (bad == 0);
check(ok, "point: the table holds the result's values at the point and the delays", "" + bad + " differ");
selectImage(t);
Plot.getValues(px, py);
ok = (px.length == nb - 1 && abs(px[0] - 0.002 * parseFloat(df[1])) < 1e-9);
for (b = 0; ok && b < px.length; b++) ok = (abs(py[b] - getResult("G (1, 0)", b + 1)) <= 1e-6 * abs(py[b]));  // a Plot keeps floats
check(ok, "point: the plot's first curve against the delay in seconds (delay 0 left out of the log axis)", "" + px.length + " points, x0 " + px[0]);
close();

// ---- a rectangle across the dim corner: the mean of the finite values ----
selectImage(res);
makeRectangle(3, 3, 6, 5);  // result coordinates (margin 1): 30 pixels, 4 of them NaN
t = call("ipcf.Ipcf.plotCurves", "from=selection");
ok = (t == "pCF curves of " + rt + " in selection");
check(ok, "rectangle: plot title", t);
worst = 0;
nan = 0;
for (b = 0; b < nb; b++) for (i = 0; i < np; i++) {
    selectImage(res);
    Stack.setPosition(1, i + 1, b + 1);
    s = 0;
    n = 0;
    for (y = 3; y < 8; y++) for (x = 3; x < 9; x++) {
        v = getPixel(x, y);
        if (isNaN(v)) nan++; else { s += v; n++; }
    }
    worst = maxOf(worst, abs(getResult("G " + labels[i], b) - s / n));
}
ok = (worst < 1e-12 && nan == 4 * np * nb);
check(ok, "rectangle: the mean of the finite values (" + nan / (np * nb) + " NaN pixels left out)", "largest difference " + worst);
close("pCF curves*");

// ---- no selection: every pixel ----
selectImage(res);
Roi.remove;
t = call("ipcf.Ipcf.plotCurves", "");
ok = (t == "pCF curves of " + rt + " in all pixels");
check(ok, "no selection: every pixel", t);
selectImage(res);
Stack.setPosition(1, 5, 3);
getRawStatistics(n, mean);  // NaN pixels are left out of ImageJ's statistics too
ok = (abs(getResult("G (0, 0)", 2) - mean) < 1e-6 * abs(mean));
check(ok, "no selection: the mean of the plane's finite values", "" + getResult("G (0, 0)", 2) + " vs " + mean);
close("pCF curves*");

// ---- the command's run() with the same keys ----
selectImage(res);
makePoint(12, 10);
dummy = call("ij.IJ.runPlugIn", "ipcf.Plot_Curves", "from=selection");
ok = (getTitle() == "pCF curves of " + rt + " in x=12 y=10" && nResults == nb);
selectImage(res);
Stack.setPosition(1, 2, 4);
ok = ok && (getResult("G (0, 1)", 3) == getPixel(12, 10));
check(ok, "run(\"Plot pCF Curves\", \"from=selection\") = call()", getTitle());
close("pCF curves*");

// ---- a result file, opened, plots the same ----
tmp = getDirectory("temp");
if (!endsWith(tmp, "/")) tmp = tmp + "/";
tmp = tmp + "ipcf_curves_" + d2s(getTime(), 0) + "_" + d2s(round(random * 1e6), 0) + "/";
File.makeDirectory(tmp);
selectImage(src);
saveAs("Tiff", tmp + "cells.tif");
r = call("ipcf.Ipcf.pcfFile", tmp + "cells.tif", tmp + "cells.npy", "offsets=1,0;0,1;-1,0;0,-1;0,0 bins=multitau m=4 threshold=5 frame_interval=0.002 pixel_size=0.1");
t = call("ipcf.Ipcf.openPcf", tmp + "cells.npy");
makePoint(9, 8);
t2 = call("ipcf.Ipcf.plotCurves", "");
bad = 0;
for (b = 0; b < nb; b++) for (i = 0; i < np; i++) {
    selectImage(res);
    Stack.setPosition(1, i + 1, b + 1);
    if (getResult("G " + labels[i], b) != getPixel(9, 8)) bad++;
}
ok = (r == "" && startsWith(t2, "pCF curves of pCF of cells.npy") && bad == 0 && getResult("delay_s", 3) == 0.002 * parseFloat(df[3]));
check(ok, "an opened result file plots the image command's curves", r + " " + t2 + " " + bad + " differ");
close("pCF curves*");
close("pCF of cells.npy");
list = getFileList(tmp);
for (i = 0; i < list.length; i++) dummy = File.delete(tmp + list[i]);
dummy = File.delete(tmp);

// ---- bad use ----
selectImage(src);
expect("not a result", call("ipcf.Ipcf.plotCurves", ""), "select a pCF result first");
selectImage(res);
expect("from=somewhere", call("ipcf.Ipcf.plotCurves", "from=somewhere"), "from=somewhere: want selection or [ROI Manager]");
expect("misspelt key", call("ipcf.Ipcf.plotCurves", "form=selection"), "unknown option 'form' (options: from input)");
makeRectangle(30, 30, 4, 4);
expect("a selection outside the result", call("ipcf.Ipcf.plotCurves", ""), "covers no pixel of the result");
// a region of NaN curves alone: an error (it plotted NaN and filled the table with NaN)
makeRectangle(0, 0, 2, 2);
expect("a selection of NaN curves alone", call("ipcf.Ipcf.plotCurves", "from=selection"), "'selection' of " + rt + " holds no curve: its 4 pixel(s) are NaN throughout");
Roi.remove;
close("*");

print("test_curves: " + (passes + failures) + " checks, " + passes + " passed, " + failures + " failed");
if (failures == 0) print("PASS: curves"); else print("FAIL: " + failures + " curve checks failed");

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
