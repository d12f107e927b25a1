// Menu commands run from a macro, as the Recorder writes them (run("Command...", "key=value")): their
// dialogs read the macro's options. Needs a display (the menus): make test-fiji runs it under Xvfb and
// checks its output (ipcf's errors go to it in batch mode).
setBatchMode(true);
newImage("stack", "16-bit ramp", 8, 8, 2100); // (the default filter, 1024, keeps 52 frames)
n = nImages;
// An unknown key was ignored by the dialog: filtersize=4 (the CLI's and Python's name; Fiji's is
// filter) corrected with the default filter 1024, without a word. Refused now, as call() refuses it.
run("Correct Photobleaching...", "filtersize=4 mean=real threads=1");
if (nImages == n) print("PASS Correct Photobleaching filtersize=4: no image");
else print("FAIL: Correct Photobleaching filtersize=4: " + (nImages - n) + " images made");
selectImage("stack");
run("Correct Photobleaching...", "filter=4 mean=real threads=1");
if (nImages == n + 1 && nSlices == 2100 - 8) print("PASS Correct Photobleaching filter=4: corrected");
else print("FAIL: Correct Photobleaching filter=4: " + (nImages - n) + " images, " + nSlices + " slices");
// The file job's menu command, with a display, read its macro options through its dialog, which
// has no cross, second= or roi field: "channel=1 cross" wrote the pCF of channel 1 alone, and
// second= and roi were ignored (FIJI18's F1). They are read as call("ipcf.Ipcf.pcfFile", ...) reads them
// (the Makefile checks the refusals' messages: in batch mode they go to the output).
dir = getDirectory("temp") + "ipcf-menu-" + d2s(getTime(), 0) + "/";
File.makeDirectory(dir);
newImage("c2", "16-bit ramp", 12, 12, 2, 1, 64);
run("Add Specified Noise...", "stack standard=40");
saveAs("Tiff", dir + "c2.tif");
close();
opts = "radius=1 points=4 nbins=4 threads=1";
r = call("ipcf.Ipcf.pcfFile", dir + "c2.tif", dir + "call_cross.npy", opts + " cross");
r1 = call("ipcf.Ipcf.pcfFile", dir + "c2.tif", dir + "call_ch1.npy", opts + " channel=1");
run("Pair Correlation of File or Folder...", "input=[" + dir + "c2.tif] output=[" + dir + "run_cross.npy] " + opts + " channel=1 cross");
same = call("ipcf.Ipcf.sameFileBytes", dir + "run_cross.npy", dir + "call_cross.npy");
differ = call("ipcf.Ipcf.sameFileBytes", dir + "call_ch1.npy", dir + "call_cross.npy");
if (same == "1" && differ == "0") print("PASS file job menu command channel=1 cross: call()'s cross-correlation");
else print("FAIL: file job menu command channel=1 cross: same as call() " + same + ", call()'s cross differs from channel 1 alone " + (differ == "0"));
// error bars beside the result, from the dialog's Errors and Segments fields as from call()
// (PARITY20's m3: errors= was an unknown option of the file job)
r = call("ipcf.Ipcf.pcfFile", dir + "c2.tif", dir + "call_err.npy", opts + " channel=1 errors=segments segments=4");
run("Pair Correlation of File or Folder...", "input=[" + dir + "c2.tif] output=[" + dir + "run_err.npy] " + opts + " channel=1 errors=segments segments=4");
same = call("ipcf.Ipcf.sameFileBytes", dir + "run_err.sd.npy", dir + "call_err.sd.npy");
if (r == "" && same == "1") print("PASS file job menu command errors=segments segments=4: call()'s error bars");
else print("FAIL: file job menu command errors=segments segments=4: " + r + " same " + same);
newImage("red", "16-bit black", 12, 12, 64);
run("Pair Correlation of File or Folder...", "input=[" + dir + "c2.tif] output=[" + dir + "run_second.npy] " + opts + " channel=1 second=red");
if (!File.exists(dir + "run_second.npy")) print("PASS file job menu command second=red: refused");
else print("FAIL: file job menu command second=red: written " + File.exists(dir + "run_second.npy"));
makeRectangle(2, 2, 4, 4);
run("Pair Correlation of File or Folder...", "input=[" + dir + "c2.tif] output=[" + dir + "run_roi.npy] " + opts + " channel=1 roi");
if (!File.exists(dir + "run_roi.npy")) print("PASS file job menu command roi: refused");
else print("FAIL: file job menu command roi: written " + File.exists(dir + "run_roi.npy"));
run("Pair Correlation of File or Folder...", "input=[" + dir + "c2.tif] output=[" + dir + "run_offset.npy] " + opts + " channel=1 offset=10");
if (!File.exists(dir + "run_offset.npy")) print("PASS file job menu command offset=10 on a TIFF: refused");
else print("FAIL: file job menu command offset=10 on a TIFF: written " + File.exists(dir + "run_offset.npy"));
// A signed 16-bit second image of an unsigned one (both 16-bit): the plugin's own message naming
// the image, not the C ABI's "options.data2 dtype int16, want uint16" (FIJI18's m2). (Raw...
// needs the menus: here, not in the headless tests.)
newImage("u16", "16-bit black", 12, 12, 64);
run("Add Specified Noise...", "stack standard=30");
saveAs("Raw Data", dir + "s16.raw");
rename("u16");
run("Raw...", "open=[" + dir + "s16.raw] image=[16-bit Signed] width=12 height=12 number=64 little-endian");
rename("s16");
selectImage("u16");
r = call("ipcf.Ipcf.pcf", "radius=2 points=4 nbins=4 second=s16");
if (r == "error: second image 's16' is signed 16-bit, the image unsigned 16-bit: want the same type") print("PASS signed 16-bit second image: named");
else print("FAIL: signed 16-bit second image: " + r);
// A threshold above every pixel's mean, said with the number as Java writes it, not its 309
// digits (FIJI18's m3).
r = call("ipcf.Ipcf.acf", "nbins=4 threshold=1e308");
w = call("ipcf.Ipcf.lastWarning");
if (w == "ipcf: warning: every curve of the ACF of u16 is NaN (check threshold=1.0E308)") print("PASS threshold 1e308: said briefly");
else print("FAIL: threshold 1e308: " + w);
// Plot pCF Curves with input on a part of a result (Image > Duplicate... of a rectangle): its
// regions were taken from other pixels of the part, without a word (FIJI18's F3); where the part
// lies is not recorded, so it is refused. A whole copy whose calibration origin was edited is
// the result's pixels, as the whole result (REVIEW20's F1: a fix keyed on the origin shifted it).
newImage("in", "16-bit black", 20, 20, 256);
run("Add Specified Noise...", "stack standard=30");
src = getImageID();
t = call("ipcf.Ipcf.pcf", "radius=3 points=4 nbins=6 smooth=0");
res = getImageID();
makeRectangle(2, 3, 8, 8);
run("Duplicate...", "title=part duplicate");
part = getImageID();
selectImage(res);
run("Select None");
run("Duplicate...", "title=copy duplicate");
Stack.setXUnit("pixel");
run("Properties...", "origin=0,0");
copy = getImageID();
roiManager("reset");
selectImage(src);
makeRectangle(6, 7, 3, 2);
roiManager("add");
run("Select None");
selectImage(res);
a = call("ipcf.Ipcf.plotCurves", "from=[ROI Manager] input");
h = split(String.getResultsHeadings, "\t");
whole = getResult(h[3], 3);
selectImage(part);
b = call("ipcf.Ipcf.plotCurves", "from=[ROI Manager] input");
if (startsWith(b, "error: input: part is 8x8 pixels, a part of the 14x14 result")) print("PASS Plot pCF Curves input on a part of a result: refused");
else print("FAIL: Plot pCF Curves input on a part of a result: " + b);
selectImage(copy);
c = call("ipcf.Ipcf.plotCurves", "from=[ROI Manager] input");
h = split(String.getResultsHeadings, "\t");
if (!startsWith(c, "error") && getResult(h[3], 3) == whole && !isNaN(whole)) print("PASS Plot pCF Curves input on a copy whose origin was edited: the input's pixels");
else print("FAIL: Plot pCF Curves input on a copy whose origin was edited: " + c + " " + getResult(h[3], 3) + " against " + whole);
list = getFileList(dir);
for (i = 0; i < list.length; i++) ok = File.delete(dir + list[i]);
ok = File.delete(dir);
print("DONE menu");
