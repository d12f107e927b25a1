var report = "";
var failures = 0;
// Run by install.sh in Debian's ImageJ (imagej -m, under Xvfb, with windows) with the plugin
// installed as the README says. The lines between the markers are a macro as Plugins > Macros >
// Record... writes it (Screenshots checks that the Recorder writes these keys); the rest checks
// the windows and the Results table they leave and writes report.txt (PASS/FAIL lines, then end).
// The argument is a folder holding cells.tif (cells.ijm).
dir = getArgument();
if (!endsWith(dir, "/")) dir = dir + "/";

// ---- recorded ----
open(dir + "cells.tif");
run("Pair Correlation (pCF)...", "radius=2 points=8 preset=circle offsets=none bins=log nbins=16 m=16 smooth=0.700 threshold=none second=none bleach=0 mean=real threads=0 device=auto frame_interval=0.002 pixel_size=0.1");
makePoint(10, 8);
run("Plot pCF Curves");
selectWindow("pCF of cells.tif");
makeRectangle(2, 2, 6, 4);
roiManager("Add");
roiManager("Select", 0);
roiManager("Rename", "dim");
makeOval(8, 6, 6, 5);
roiManager("Add");
roiManager("Select", 1);
roiManager("Rename", "band");
run("Plot pCF Curves", "from=[ROI Manager]");
run("Pair Correlation of File or Folder...", "input=[" + dir + "cells.tif] output=[" + dir + "cells.npy] radius=2 points=8 preset=circle offsets=none bins=log nbins=16 m=16 smooth=0.700 threshold=none channel=0 channel2=0 bleach=0 mean=real threads=0 device=auto memory=[] engine=auto tile=[] scratch=[] crop=[] frames=[] mask=[] format=auto shape=[] dtype=uint16 byteorder=little offset=0 frame_interval=0.002 pixel_size=0.1 open");
// ---- end of the recorded lines ----

res = "pCF of cells.tif";
// (as in test.ijm: conditions go through a variable before check())
ok = isOpen(res);
check(ok, "the pCF result window " + res);
selectWindow(res);
Stack.getDimensions(w, h, c, np, nb);
ok = (w == 20 && h == 16 && np == 8);
check(ok, "the result is 20x16 pixels, 8 offsets (" + w + "x" + h + ", " + np + ")");
getPixelSize(unit, pw, ph);
ok = (pw == 0.1 && (unit == "micron" || unit == fromCharCode(181) + "m"));
check(ok, "the result's calibration: 0.1 um per pixel (" + pw + " " + unit + ")");
getLut(lr, lg, lb);
getMinAndMax(lo, hi);
ok = (lr[0] < lb[0] && lr[255] > lb[255] && lo == -hi && hi > 0);
check(ok, "the result's diverging LUT, range -" + hi + ".." + hi);
p1 = "pCF curves of " + res + " in x=10 y=8";
ok = isOpen(p1);
check(ok, "the plot at the point: " + p1);
p2 = "pCF curves of " + res + " in dim";
p3 = "pCF curves of " + res + " in band";
ok = (isOpen(p2) && isOpen(p3));
check(ok, "a plot per ROI Manager ROI: " + p2 + ", " + p3);
ok = (isOpen("Results") && nResults == nb);
check(ok, "the Results table: " + nResults + " rows, one per curve point");
head = String.getResultsHeadings;
ok = (indexOf(head, "delay_s") >= 0 && indexOf(head, "dim G (2, 0)") >= 0 && indexOf(head, "band G (0, -2)") >= 0);
check(ok, "the Results table's columns name the ROIs and offsets");
// the ROIs' mean curves against ImageJ's own statistics of the result's planes
selectWindow(res);
uv = split(call("ipcf.Ipcf.property", "ipcf.offsets"), ";");
worst = 0;
for (k = 0; k < 2; k++) {
    roiManager("Select", k);
    name = Roi.getName;
    for (i = 0; i < np; i++) for (b = 0; b < nb; b++) {
        Stack.setPosition(1, i + 1, b + 1);
        getRawStatistics(n, mean);
        col = name + " G (" + replace(uv[i], ",", ", ") + ")";
        worst = maxOf(worst, abs(getResult(col, b) - mean) / maxOf(1e-3, abs(mean)));
    }
}
ok = (worst < 1e-6);
check(ok, "the ROI curves are the means of the ROIs' pixels (largest relative difference " + worst + ")");
ok = isOpen("pCF of cells.npy");
check(ok, "the file command (its dialog's keys, toolkit fields included) opened its result");
selectWindow(res);
eq = call("ipcf.Ipcf.equalsPcf", dir + "cells.npy");
ok = (eq == "1");
check(ok, "the file command's result equals the image command's bit for bit (" + eq + ")");
selectWindow(p1);
Plot.getValues(px, py);
ok = (px.length == nb - 1 && abs(px[0] - 0.002) < 1e-9);
check(ok, "the point's plot: delays in seconds, delay 0 off the log axis (" + px.length + " points from " + px[0] + " s)");

report = report + "end\n";
File.saveString(report, dir + "report.txt");
run("Clear Results");
roiManager("reset");
close("*");
list = getList("window.titles");
for (i = 0; i < list.length; i++) {
    selectWindow(list[i]);
    run("Close");
}
run("Quit");

function check(ok, what) {
    if (ok) report = report + "PASS " + what + "\n";
    else {
        report = report + "FAIL: " + what + "\n";
        failures++;
    }
}
