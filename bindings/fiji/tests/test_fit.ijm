var failures = 0;
var passes = 0;
var w = 5;
var h = 4;
var W2 = 4;  // the waist 2 pixels, squared
// Headless ImageJ test of Plugins > ipcf > Fit pCF Maps... (call("ipcf.Ipcf.fit", options) and the
// command's run() with the same keys) and call("ipcf.Ipcf.errors", ...):
// 1. noise-free model curves built here as a result-like hyperstack (z = offsets, t = points,
//    the properties ipcf.offsets and ipcf.delays_frames): pcf1d per offset and joint, in pixels
//    and frames and in um and s, acf2d with Ginf, acf3d, ccf2d with flow: every parameter within
//    1e-6 (relative), labels "D (um^2/s)", the result's calibration;
// 2. a real result of a small simulated stack (ipcf simulate): the image command's pCF and ACF
//    equal the CLI's ipcf pcf, and their maps (params, stderr, chisq, status) equal ipcf fit's
//    bit for bit: pcf1d per offset and joint, ccf2d, acf2d, acf3d, an opened result file, the
//    command's run(); with the CLI's --errors: the error bars (blocking, segments) equal its
//    RESULT.sd.npy and the weighted fits (errors=..., sigma=TITLE) its weighted maps;
// 3. bad keys and bad use give messages.
// java -Djava.awt.headless=true -Dplugins.dir=build/fiji -cp ij.jar:jna.jar ij.ImageJ -batch test_fit.ijm /path/to/build/bin/ipcf
// As in test.ijm: conditions go through a variable before check(), strings start with "".
bin = getArgument();
if (bin == "") bin = "build/bin/ipcf";
print("ImageJ " + getVersion() + ", ipcf " + call("ipcf.Ipcf.version") + ", CLI " + bin);
s = call("ipcf.Ipcf.fitStructSizes");
ok = matches(s, "([0-9]+)/\\1");
check(ok, "sizeof(ipcf_fit_options) of the library and the plugin agree", s);

// ---- 1. noise-free model curves ----
tau = newArray(0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256);
us = newArray(3, 0, -3, 0);
vs = newArray(0, 3, 0, -3);
model("pcf1d", us, vs, tau, "px");
src = getTitle();
t = call("ipcf.Ipcf.fit", "model=pcf1d");
ok = (t == "pcf1d fit of " + src);
check(ok, "pcf1d per offset: the maps' title", t);
Stack.getDimensions(mw, mh, mc, mz, mt);
ok = (mw == w && mh == h && mz == 10 && mt == 4 && Property.get("ipcf.fit_parameters") == "DC,D,tauD,tau_peak"
      && Property.get("ipcf.fit_units") == "1,px^2/frame,frame,frame" && Property.get("ipcf.fit_per_offset") == "1"
      && Property.get("ipcf.fit_counts") == "converged=80 at_bound=0 max_iter=0 failed=0");
check(ok, "pcf1d per offset: 4 parameters, their errors, chisq, status (z) x 4 offsets (t); units; all converged",
      "" + mw + "x" + mh + " z " + mz + " t " + mt + " " + Property.get("ipcf.fit_parameters") + " " + Property.get("ipcf.fit_counts"));
Stack.setPosition(1, 2, 3);
l2 = getInfo("slice.label");
Stack.setPosition(1, 6, 1);
l6 = getInfo("slice.label");
Stack.setPosition(1, 9, 1);
l9 = getInfo("slice.label");
Stack.setPosition(1, 10, 4);
l10 = getInfo("slice.label");
ok = (l2 == "D (px^2/frame) at (-3, 0)" && l6 == "stderr D (px^2/frame) at (3, 0)" && l9 == "chisq at (3, 0)" && l10 == "status at (0, -3)");
check(ok, "pcf1d per offset: slice labels name, unit and offset", l2 + " | " + l6 + " | " + l9 + " | " + l10);
checkMaps("pcf1d per offset", newArray("DC", "D", "tauD", "tau_peak"), 4, 1, 1, 3);
close();

selectImage(src);
t = call("ipcf.Ipcf.fit", "model=pcf1d joint threads=1");
Stack.getDimensions(mw, mh, mc, mz, mt);
Stack.setPosition(1, 2, 1);
l2 = getInfo("slice.label");
ok = (mz == 10 && mt == 1 && l2 == "D (px^2/frame)" && Property.get("ipcf.fit_joint") == "1");
check(ok, "pcf1d joint: one frame, label 'D (px^2/frame)'", "z " + mz + " t " + mt + " " + l2);
checkMaps("pcf1d joint", newArray("DC", "D", "tauD", "tau_peak"), 1, 1, 1, 3);
close();

// in um and s: the result's pixel size and frame interval scale the maps; its calibration is theirs
selectImage(src);
Property.set("ipcf.pixel_size", "0.1");
Property.set("ipcf.frame_interval", "0.001");
setVoxelSize(0.1, 0.1, 1, "um");
t = call("ipcf.Ipcf.fit", "model=pcf1d joint waist_um=0.2");
Stack.setPosition(1, 2, 1);
l2 = getInfo("slice.label");
Stack.setPosition(1, 3, 1);
l3 = getInfo("slice.label");
getPixelSize(unit, pw, ph);
ok = (l2 == "D (um^2/s)" && l3 == "tauD (s)" && Property.get("ipcf.fit_units") == "1,um^2/s,s,s" && pw == 0.1 && ph == 0.1
      && (unit == "um" || unit == "micron" || unit == fromCharCode(181) + "m"));
check(ok, "pcf1d in um and s: labels 'D (um^2/s)', 'tauD (s)', the result's calibration", l2 + " | " + l3 + " | " + pw + " " + unit);
checkMaps("pcf1d in um and s", newArray("DC", "D", "tauD", "tau_peak"), 1, 0.01 / 0.001, 0.001, 3);
close();
selectImage(src);
t = call("ipcf.Ipcf.fit", "model=pcf1d joint waist=2");
Stack.setPosition(1, 2, 1);
a = getPixel(2, 3);
close();
selectImage(src);
t = call("ipcf.Ipcf.fit", "model=pcf1d joint waist_um=0.2");
Stack.setPosition(1, 2, 1);
b = getPixel(2, 3);
ok = (a == b);
check(ok, "waist=2 (pixels) and waist_um=0.2 (pixel size 0.1 um) fit the same", "" + a + " vs " + b);
close();
// a calibration edited on the result (Image > Properties): the fit keeps the curves' pixel size
// and says so in the Log (the Makefile greps it); pixel_size= fits with another, the maps in it
selectImage(src);
setVoxelSize(0.2, 0.2, 1, "um");
t = call("ipcf.Ipcf.fit", "model=pcf1d joint waist=2");
Stack.setPosition(1, 2, 1);
c = getPixel(2, 3);
ok = (c == a);
check(ok, "an edited calibration: D in the curves' pixel size", "" + c + " vs " + a);
close();
selectImage(src);
t = call("ipcf.Ipcf.fit", "model=pcf1d joint waist=2 pixel_size=0.2");
Stack.setPosition(1, 2, 1);
c = getPixel(2, 3);
getPixelSize(unit, pw, ph);
ok = (abs(c - 4 * a) <= 1e-6 * abs(4 * a) && pw == 0.2 && Property.get("ipcf.pixel_size") == "0.2");
check(ok, "pixel_size=0.2 over the result's 0.1: D 4 times, the maps in 0.2 um", "" + c + " vs 4 x " + a + ", " + pw + " " + unit);
close();
selectImage(src);
t = call("ipcf.Ipcf.fit", "model=pcf1d joint waist=2 pixel_size=0 frame_interval=0");
Stack.setPosition(1, 2, 1);
l2 = getInfo("slice.label");
ok = (l2 == "D (px^2/frame)");
check(ok, "pixel_size=0 frame_interval=0: in pixels and frames", l2);
close();
selectImage(src);
close();

// acf2d with Ginf on an ACF result (the offset (0, 0) alone)
model("acf2d", newArray(0), newArray(0), tau, "px");
t = call("ipcf.Ipcf.fit", "model=acf2d ginf");
Stack.getDimensions(mw, mh, mc, mz, mt);
ok = (mz == 10 && mt == 1 && Property.get("ipcf.fit_parameters") == "G0,D,Ginf,tauD");
check(ok, "acf2d ginf: G0, D, Ginf, tauD", "" + Property.get("ipcf.fit_parameters"));
checkMaps("acf2d ginf", newArray("G0", "D", "Ginf", "tauD"), 1, 1, 1, 0);
close();
close();
// acf3d on a result whose offsets include (0, 0) among others: that curve is fitted
model("acf3d", newArray(2, 0, 0), newArray(0, 0, 2), tau, "px");
t = call("ipcf.Ipcf.fit", "model=acf3d kappa=4");
Stack.getDimensions(mw, mh, mc, mz, mt);
ok = (mt == 1 && Property.get("ipcf.fit_parameters") == "G0,D,tauD" && Property.get("ipcf.fit_offsets") == "0,0");
check(ok, "acf3d kappa=4: the curve at (0, 0) of three offsets", "" + Property.get("ipcf.fit_parameters") + " " + Property.get("ipcf.fit_offsets"));
checkMaps("acf3d", newArray("G0", "D", "tauD"), 1, 1, 1, 0);
close();
close();
// ccf2d: flow (vx, vy), a pixel's four offsets jointly
model("ccf2d", newArray(2, 0, -2, 0), newArray(0, 2, 0, -2), tau, "px");
t = call("ipcf.Ipcf.fit", "model=ccf2d");
Stack.getDimensions(mw, mh, mc, mz, mt);
ok = (mt == 1 && mz == 16 && Property.get("ipcf.fit_parameters") == "G0,D,vx,vy,tauD,speed,angle"
      && Property.get("ipcf.fit_units") == "1,px^2/frame,px/frame,px/frame,frame,px/frame,deg");
check(ok, "ccf2d: G0, D, vx, vy, tauD, speed, angle", "" + Property.get("ipcf.fit_parameters") + " " + Property.get("ipcf.fit_units"));
checkMaps("ccf2d", newArray("G0", "D", "vx", "vy", "tauD", "speed", "angle"), 1, 1, 1, 0);
fw = Property.get("ipcf.fit_warnings");
ok = (fw == "");
check(ok, "ccf2d of offsets in two directions: no warning", fw);
close();
close();
// ccf2d of an image's offsets on one axis: the velocity across it is held at 0, said (FIT19's m1)
model("ccf2d", newArray(2, -2, 4), newArray(0, 0, 0), tau, "px");
t = call("ipcf.Ipcf.fit", "model=ccf2d");
said = call("ipcf.Ipcf.lastWarning");
fw = Property.get("ipcf.fit_warnings");
ok = (startsWith(fw, "the offsets lie on one axis of an image: the velocity across it is held at 0") && indexOf(said, "held at 0") >= 0);
check(ok, "ccf2d of offsets on one axis of an image warns (ipcf.fit_warnings, lastWarning)", fw + " | " + said);
close();
close();

// ---- 2. a real result: the CLI's maps bit for bit ----
tmp = getDirectory("temp");
if (!endsWith(tmp, "/")) tmp = tmp + "/";
tmp = tmp + "ipcf_fit_" + d2s(getTime(), 0) + "_" + d2s(round(random * 1e6), 0) + "/";
File.makeDirectory(tmp);
out = cli("simulate -o " + q(tmp + "sim.npy") + " --frames 2048 --size 20 --particles 40 --seed 5 --quiet");
ok = File.exists(tmp + "sim.npy");
check(ok, "setup: ipcf simulate", out);
keys = "radius=3 points=8 nbins=16 frame_interval=0.001 pixel_size=0.1";
clik = " --radius 3 --npoints 8 --nbins 16 --frame-interval 0.001 --pixel-size 0.1 --quiet";
sim = call("ipcf.Ipcf.openNpy", tmp + "sim.npy");
res = call("ipcf.Ipcf.pcf", keys);
ok = (res == "pCF of sim.npy" && Property.get("ipcf.pcf_options") == "radius=3 points=8 preset=circle bins=log nbins=16 m=16 smooth=0.7 threshold=none bleach=0 mean=real"
      && Property.get("ipcf.source_title") == "sim.npy");
check(ok, "the result says what it was computed from (ipcf.pcf_options, ipcf.source_title)", res + ": " + Property.get("ipcf.pcf_options"));
out = cli("pcf " + q(tmp + "sim.npy") + " -o " + q(tmp + "r.npy") + clik);
same = call("ipcf.Ipcf.equalsPcf", tmp + "r.npy");
ok = (same == "1");
check(ok, "the image command's pCF equals ipcf pcf's bit for bit", same + " " + out);

fits = newArray("model=pcf1d waist=2", "model=pcf1d waist_um=0.2 joint", "model=ccf2d waist=2 threads=1");
clif = newArray("--waist 2", "--waist-um 0.2 --joint", "--model ccf2d --waist 2 --threads 1");
for (i = 0; i < fits.length; i++) {
    selectImage(res);
    t = call("ipcf.Ipcf.fit", fits[i]);
    out = cli("fit " + q(tmp + "r.npy") + " -o " + q(tmp + "m" + i + ".npy") + " " + clif[i] + " --quiet");
    same = call("ipcf.Ipcf.equalsMaps", tmp + "m" + i + ".npy");
    ok = (same == "1");
    check(ok, "" + fits[i] + ": the maps of ipcf fit " + clif[i] + " bit for bit (" + Property.get("ipcf.fit_counts") + ")", same + " " + out);
    // the curves have the default smoothing (0.7): the fit says its parameters are biased
    ok = startsWith(Property.get("ipcf.fit_warnings"), "the curves are smoothed (smooth 0.7)");
    check(ok, "" + fits[i] + ": a fit to smoothed curves warns (ipcf.fit_warnings)", "" + Property.get("ipcf.fit_warnings"));
    close();
}
// a fit with another waist: the comparison sees it
selectImage(res);
t = call("ipcf.Ipcf.fit", "model=pcf1d waist=2.001");
same = call("ipcf.Ipcf.equalsMaps", tmp + "m0.npy");
ok = startsWith(same, "0: params DC at pixel ");
check(ok, "waist=2.001: not the maps of --waist 2 (the comparison sees a difference)", same);
close();
// the command's run() with the same keys
selectImage(res);
dummy = call("ij.IJ.runPlugIn", "ipcf.Fit_Maps", "model=pcf1d waist=2");
same = call("ipcf.Ipcf.equalsMaps", tmp + "m0.npy");
ok = (getTitle() == "pcf1d fit of " + res && same == "1");
check(ok, "run(\"Fit pCF Maps...\", \"model=pcf1d waist=2\") = call()", getTitle() + " " + same);
close();
// the maps of ipcf fit are no pCF result: refused (their parameters were shown as curve points)
expect("openPcf of ipcf fit's maps", call("ipcf.Ipcf.openPcf", tmp + "m0.npy"), "the maps of ipcf fit (parameters, not curves)");
// a run's partial output (.OUT.partial, zeros where not computed yet): refused (REVIEW19's F3)
dummy = File.copy(tmp + "r.npy", tmp + ".half.npy.partial");
expect("openPcf of a run's partial output", call("ipcf.Ipcf.openPcf", tmp + ".half.npy.partial"), "is the unfinished output of an ipcf run writing");
dummy = File.delete(tmp + ".half.npy.partial");
// the CLI's result file, opened: its metadata give the same fit
o = call("ipcf.Ipcf.openPcf", tmp + "r.npy");
t = call("ipcf.Ipcf.fit", "model=pcf1d waist=2");
same = call("ipcf.Ipcf.equalsMaps", tmp + "m0.npy");
ok = (same == "1" && startsWith(Property.get("ipcf.fit_warnings"), "the curves are smoothed (smooth 0.7)"));
check(ok, "an opened result file: the same maps, and the smoothing warning from its metadata", same + " " + Property.get("ipcf.fit_warnings"));
close();
// Plot pCF Curves' input on the opened file: its ipcf.margin, from its metadata, is the image
// command's, so a region drawn on the input gives the same curves (without it, the pixels were
// taken unshifted: other curves, without a word)
mo = Property.get("ipcf.margin");
makeRectangle(4, 5, 3, 2);
dummy = call("ipcf.Ipcf.plotCurves", "from=selection input");
go = getResult("G (3, 0)", 1);
selectImage(res);
mr = Property.get("ipcf.margin");
makeRectangle(4, 5, 3, 2);
dummy = call("ipcf.Ipcf.plotCurves", "from=selection input");
gr = getResult("G (3, 0)", 1);
selectImage(res);
Roi.remove;
ok = (mo == "3,3" && mo == mr && go == gr && !isNaN(go));
check(ok, "an opened result file: ipcf.margin from its metadata, the image command's; the same curves of a region drawn on the input",
      "'" + mo + "' '" + mr + "' " + go + " " + gr);
selectImage(o);
close();
// a result that does not say where its pixels lie in the input (no ipcf.margin): input is
// refused, never taken as no margin
model("pcf1d", newArray(3, -3), newArray(0, 0), tau, "px");
makeRectangle(1, 1, 2, 2);
expect("Plot pCF Curves input on a result without ipcf.margin", call("ipcf.Ipcf.plotCurves", "from=selection input"),
       "does not record where its pixels lie in its input");
close();

// the ACF: acf2d with Ginf, acf3d
selectImage(sim);
acf = call("ipcf.Ipcf.acf", "bins=multitau m=8 smooth=0 frame_interval=0.001 pixel_size=0.1");
out = cli("pcf " + q(tmp + "sim.npy") + " -o " + q(tmp + "a.npy") + " --acf --bins multitau --m 8 --smooth 0 --frame-interval 0.001 --pixel-size 0.1 --quiet");
same = call("ipcf.Ipcf.equalsPcf", tmp + "a.npy");
ok = (same == "1");
check(ok, "the image command's ACF equals ipcf pcf --acf's bit for bit", same + " " + out);
fits = newArray("model=acf2d waist=2 ginf", "model=acf3d waist=2 kappa=5");
clif = newArray("--model acf2d --waist 2 --ginf", "--model acf3d --waist 2 --kappa 5");
for (i = 0; i < fits.length; i++) {
    selectImage(acf);
    t = call("ipcf.Ipcf.fit", fits[i]);
    out = cli("fit " + q(tmp + "a.npy") + " -o " + q(tmp + "a" + i + ".npy") + " " + clif[i] + " --quiet");
    same = call("ipcf.Ipcf.equalsMaps", tmp + "a" + i + ".npy");
    ok = (same == "1" && Property.get("ipcf.fit_warnings") == "");
    check(ok, "" + fits[i] + ": the maps of ipcf fit " + clif[i] + " bit for bit (" + Property.get("ipcf.fit_counts") + "), unsmoothed: no warning",
          same + " " + out + " warnings '" + Property.get("ipcf.fit_warnings") + "'");
    close();
}

// error bars and weighted fits, against ipcf pcf --errors and ipcf fit (weighted by RESULT.sd.npy)
methods = newArray("blocking", "segments");
for (j = 0; j < methods.length; j++) {
    e = "e" + j;
    cliE = " --errors " + methods[j];
    keyE = " method=" + methods[j];
    fitE = "errors=" + methods[j];
    if (j == 1) {
        cliE = " --errors segments --segments 4";
        keyE = " method=segments segments=4";
        fitE = "errors=segments segments=4";
    }
    out = cli("pcf " + q(tmp + "sim.npy") + " -o " + q(tmp + e + ".npy") + clik + cliE);
    if (!File.exists(tmp + e + ".sd.npy")) {
        print("SKIP error bars (" + methods[j] + "): this ipcf has no pcf --errors: " + out);
        continue;
    }
    selectImage(sim);
    sd = call("ipcf.Ipcf.errors", keys + keyE);
    same = call("ipcf.Ipcf.equalsPcf", tmp + e + ".sd.npy");
    ok = (sd == "pCF error bars of sim.npy" && same == "1" && Property.get("ipcf.errors") == methods[j]);
    check(ok, "call(\"ipcf.Ipcf.errors\", \"..." + keyE + "\"): the error bars of ipcf pcf --errors bit for bit", sd + " " + same);
    // the file job writes them as every host's does (PARITY20's m3: errors= was an unknown option)
    r = call("ipcf.Ipcf.pcfFile", tmp + "sim.npy", tmp + "f" + e + ".npy", keys + " " + fitE);
    same = call("ipcf.Ipcf.equalsPcf", tmp + "f" + e + ".sd.npy");
    ok = (r == "" && same == "1");
    check(ok, "pcfFile ... " + fitE + ": OUT.sd.npy, the error bars of ipcf pcf --errors bit for bit", r + " " + same);
    out = cli("fit " + q(tmp + e + ".npy") + " -o " + q(tmp + "w" + j + ".npy") + " --waist 2 --quiet");
    selectImage(res);
    t = call("ipcf.Ipcf.fit", "model=pcf1d waist=2 " + fitE);
    same = call("ipcf.Ipcf.equalsMaps", tmp + "w" + j + ".npy");
    wts = Property.get("ipcf.fit_weights");
    ok = (same == "1" && startsWith(wts, fitE) && endsWith(wts, " of sim.npy"));
    check(ok, "fit " + fitE + ": the weighted maps of ipcf fit bit for bit (" + Property.get("ipcf.fit_counts") + ")", same + " " + wts + " " + out);
    same = call("ipcf.Ipcf.equalsMaps", tmp + "m0.npy");
    ok = startsWith(same, "0: ");
    check(ok, "fit " + fitE + ": not the unweighted maps", same);
    close();
    selectImage(res);
    t = call("ipcf.Ipcf.fit", "model=pcf1d waist=2 sigma=[" + sd + "]");
    same = call("ipcf.Ipcf.equalsMaps", tmp + "w" + j + ".npy");
    ok = (same == "1");
    check(ok, "fit sigma=[" + sd + "] (" + methods[j] + "): the same maps", same);
    close();
    // the result itself as sigma: refused, as ipcf fit --sigma refuses it (REVIEW18's m1)
    selectImage(res);
    expect("sigma= the result itself (" + methods[j] + ")", call("ipcf.Ipcf.fit", "model=pcf1d waist=2 sigma=[" + getTitle() + "]"),
           "is the result itself, not its error bars");
    // two open images of that title (errors of another method, say): sigma= is refused, never
    // the first of them taken (it weighted the fit by the other's error bars without a word)
    selectImage(sim);
    sd2 = call("ipcf.Ipcf.errors", keys + keyE);
    selectImage(res);
    expect("sigma=[" + sd + "] with two images of that title", call("ipcf.Ipcf.fit", "model=pcf1d waist=2 sigma=[" + sd + "]"),
           "2 open images have that title: rename all but one");
    selectImage(sd);
    close();
    selectImage(sd);
    close();
    // the CLI's error bars opened with openPcf: checked against their result's metadata (its
    // errors record) and labelled from them; the weighted fit is ipcf fit's
    opened = call("ipcf.Ipcf.openPcf", tmp + e + ".sd.npy");
    ok = (opened == "pCF error bars of " + e + ".npy" && Property.get("ipcf.errors_of") == tmp + e + ".npy" && Property.get("ipcf.errors") == methods[j]);
    check(ok, "openPcf of " + e + ".sd.npy: the error bars of " + e + ".npy", opened + " " + Property.get("ipcf.errors_of") + " " + Property.get("ipcf.errors"));
    expect("fit of opened error bars as curves", call("ipcf.Ipcf.fit", "model=pcf1d waist=2"), "holds error bars, not curves");
    selectImage(res);
    t = call("ipcf.Ipcf.fit", "model=pcf1d waist=2 sigma=[" + opened + "]");
    same = call("ipcf.Ipcf.equalsMaps", tmp + "w" + j + ".npy");
    ok = (same == "1");
    check(ok, "fit sigma=[" + opened + "] (opened): the weighted maps of ipcf fit", same);
    close();
    selectImage(opened);
    close();
    // damaged since (a byte changed), or beside a result that records none: refused, as ipcf
    // fit refuses them (they weighted the fit without a word)
    dummy = File.copy(tmp + e + ".sd.npy", tmp + "keep.sd.npy");
    dummy = exec("sh", "-c", "printf 'z' | dd of=" + q(tmp + e + ".sd.npy") + " bs=1 seek=300 conv=notrunc 2>/dev/null");
    expect("openPcf of damaged error bars", call("ipcf.Ipcf.openPcf", tmp + e + ".sd.npy"), "for its error bars: not the error bars of this result");
    dummy = File.copy(tmp + "keep.sd.npy", tmp + e + ".sd.npy");
    dummy = File.copy(tmp + "keep.sd.npy", tmp + "r.sd.npy");
    expect("openPcf of error bars its result does not record", call("ipcf.Ipcf.openPcf", tmp + "r.sd.npy"), "r.npy.json records no error bars");
    dummy = File.delete(tmp + "r.sd.npy");
    dummy = File.delete(tmp + "keep.sd.npy");
    // a name that ipcf's metadata escape (& as \u0026): the record is decoded, not compared escaped
    if (j == 0) {
        out = cli("pcf " + q(tmp + "sim.npy") + " -o " + q(tmp + "a&b.npy") + clik + cliE);
        opened = call("ipcf.Ipcf.openPcf", tmp + "a&b.sd.npy");
        ok = (opened == "pCF error bars of a&b.npy");
        check(ok, "openPcf of a&b.sd.npy (its name escaped in the metadata)", opened + " " + out);
        if (ok) close();
    }
    // The CLI's result opened with openPcf records its error bars: a fit without sigma=
    // or errors= says that it is unweighted (ipcf fit weights by them).
    if (j == 0) {
        opened = call("ipcf.Ipcf.openPcf", tmp + e + ".npy");
        fitted = call("ipcf.Ipcf.fit", "model=pcf1d waist=2");
        warned = call("ipcf.Ipcf.lastWarning");
        ok = (indexOf(warned, "fitted unweighted") >= 0 && indexOf(warned, e + ".sd.npy") >= 0);
        check(ok, "fit of an opened result with error bars, without sigma=: warns that it is unweighted", warned);
        // and that its curves are smoothed: a fit's warnings are lastWarning's, each (FIJI18's m8)
        ok = (indexOf(warned, "the curves are smoothed (smooth 0.7)") >= 0);
        check(ok, "fit of smoothed curves: lastWarning says so", warned);
        close();
        selectImage(opened);
        close();
        // its error bars gone: said, not "beside it, open them" (PARITY20's m2)
        dummy = File.copy(tmp + e + ".sd.npy", tmp + "keep.sd.npy");
        dummy = File.delete(tmp + e + ".sd.npy");
        opened = call("ipcf.Ipcf.openPcf", tmp + e + ".npy");
        fitted = call("ipcf.Ipcf.fit", "model=pcf1d waist=2");
        warned = call("ipcf.Ipcf.lastWarning");
        ok = (indexOf(warned, "records error bars in " + e + ".sd.npy, which is missing") >= 0 && indexOf(warned, "beside it") < 0);
        check(ok, "fit of an opened result whose error bars are gone: says they are missing", warned);
        close();
        selectImage(opened);
        close();
        dummy = File.copy(tmp + "keep.sd.npy", tmp + e + ".sd.npy");
        dummy = File.delete(tmp + "keep.sd.npy");
    }
}

// the ACF's error bars from its ipcf.pcf_options (acf, multi-tau, no smoothing): a weighted acf2d fit
out = cli("pcf " + q(tmp + "sim.npy") + " -o " + q(tmp + "ae.npy") + " --acf --bins multitau --m 8 --smooth 0 --frame-interval 0.001 --pixel-size 0.1 --quiet --errors blocking");
if (File.exists(tmp + "ae.sd.npy")) {
    selectImage(acf);
    ok = (Property.get("ipcf.pcf_options") == "radius=6 points=32 acf bins=multitau nbins=32 m=8 smooth=0.0 threshold=none bleach=0 mean=real");
    check(ok, "the ACF's ipcf.pcf_options", "" + Property.get("ipcf.pcf_options"));
    t = call("ipcf.Ipcf.fit", "model=acf2d waist=2 ginf errors=blocking");
    out = cli("fit " + q(tmp + "ae.npy") + " -o " + q(tmp + "aw.npy") + " --model acf2d --waist 2 --ginf --quiet");
    same = call("ipcf.Ipcf.equalsMaps", tmp + "aw.npy");
    ok = (same == "1");
    check(ok, "acf2d ginf errors=blocking: the weighted maps of ipcf fit bit for bit (" + Property.get("ipcf.fit_counts") + ")", same + " " + out);
    close();
} else print("SKIP the ACF's error bars: this ipcf has no pcf --errors: " + out);

// a stack ipcf wrote (ipcf bleach), opened with openNpy: checked against its metadata as the
// CLI and pcfFile check it; damaged since (a byte changed), refused (it was opened and computed on)
out = cli("bleach " + q(tmp + "sim.npy") + " -o " + q(tmp + "bl.npy") + " --filtersize 64 --quiet");
bl = call("ipcf.Ipcf.openNpy", tmp + "bl.npy");
ok = (bl == "bl.npy");
check(ok, "openNpy of ipcf bleach's output, intact", bl + " " + out);
close();
dummy = exec("sh", "-c", "printf 'z' | dd of=" + q(tmp + "bl.npy") + " bs=1 seek=5000 conv=notrunc 2>/dev/null");
expect("openNpy of ipcf bleach's output, damaged", call("ipcf.Ipcf.openNpy", tmp + "bl.npy"), "is not what " + tmp + "bl.npy.json records");
// its metadata damaged as well: cut short (the "software" key, near the end, gone), or a key's
// byte changed (still JSON): refused, never taken for a user's own (the damaged stack was opened)
side = File.openAsString(tmp + "bl.npy.json");
dummy = File.saveString(substring(side, 0, lengthOf(side) / 2), tmp + "bl.npy.json");
expect("openNpy of a damaged stack whose metadata are cut short", call("ipcf.Ipcf.openNpy", tmp + "bl.npy"), "remove " + tmp + "bl.npy.json");
dummy = File.saveString(replace(side, "\"software\"", "\"softwarg\""), tmp + "bl.npy.json");
expect("openNpy of a damaged stack whose metadata have a damaged key", call("ipcf.Ipcf.openNpy", tmp + "bl.npy"), "changed since ipcf wrote it");
// another program's metadata (its own software and version), a user's that embed ipcf's, a
// JSON array: theirs, the stack opened as the CLI reads it (the damaged byte is theirs too)
others = newArray("{\"software\": \"MicroManager\", \"version\": \"2.0\", \"exposure\": 10}",
                  "{\"pipeline\": \"mine\", \"upstream\": " + side + "}", "[{\"software\": \"MicroManager\"}]");
for (i = 0; i < others.length; i++) {
    dummy = File.saveString(others[i], tmp + "bl.npy.json");
    bl = call("ipcf.Ipcf.openNpy", tmp + "bl.npy");
    ok = (bl == "bl.npy");
    check(ok, "openNpy beside another program's or a user's metadata " + i, bl);
    if (ok) close();
}
// metadata before 0.3 (no checksum recorded): nothing to check, opened as the CLI reads it
dummy = File.saveString("{\"command\": \"simulate\", \"software\": \"ipcf\", \"version\": \"0.2.0\"}", tmp + "bl.npy.json");
bl = call("ipcf.Ipcf.openNpy", tmp + "bl.npy");
ok = (bl == "bl.npy");
check(ok, "openNpy of a stack whose 0.2 metadata record no checksum", bl);
close();
dummy = File.delete(tmp + "bl.npy.json");
bl = call("ipcf.Ipcf.openNpy", tmp + "bl.npy");
ok = (bl == "bl.npy");
check(ok, "openNpy of the damaged file without its metadata: opened as the user's own", bl);
close();

// ---- 3. bad keys and bad use ----
selectImage(sim);
expect("not a result", call("ipcf.Ipcf.fit", "model=pcf1d"), "'sim.npy' is no result: select a pCF or ACF result first");
selectImage(res);
expect("model=pcf2d", call("ipcf.Ipcf.fit", "model=pcf2d"), "model=pcf2d: want pcf1d, acf2d, acf3d, ccf2d or itir");
expect("misspelt key", call("ipcf.Ipcf.fit", "modle=pcf1d"), "unknown option 'modle' (options: model waist waist_um kappa joint flow ginf threads errors segments sigma pixel_size frame_interval)");
expect("waist=0", call("ipcf.Ipcf.fit", "waist=0"), "waist=0: want a number > 0 (pixels)");
expect("waist=abc", call("ipcf.Ipcf.fit", "waist=abc"), "waist=abc: not a number");
expect("waist and waist_um", call("ipcf.Ipcf.fit", "waist=2 waist_um=0.2"), "give waist (pixels) or waist_um (micrometres), not both");
expect("calibrated without a waist", call("ipcf.Ipcf.fit", "model=pcf1d"), "the result is calibrated (pixel size 0.1");
expect("threads=-1", call("ipcf.Ipcf.fit", "waist=2 threads=-1"), "threads=-1: out of range");
expect("joint=1", call("ipcf.Ipcf.fit", "waist=2 joint=1"), "option 'joint' takes no value");
// a bins property not one of the three was taken for multi-tau points, silently
keptBins = Property.get("ipcf.bins");
Property.set("ipcf.bins", "Log");
expect("ipcf.bins=Log", call("ipcf.Ipcf.fit", "waist=2"), "ipcf.bins=Log: want log, linear or multitau (the curves' bins; absent: log)");
Property.set("ipcf.bins", keptBins);
expect("kappa for pcf1d", call("ipcf.Ipcf.fit", "waist=2 kappa=3"), "kappa is for model=acf3d");
expect("flow for pcf1d", call("ipcf.Ipcf.fit", "waist=2 flow"), "flow: model=pcf1d has no flow");
expect("ginf for pcf1d", call("ipcf.Ipcf.fit", "waist=2 ginf"), "ginf: model=pcf1d (ICSx64's model) has no offset Ginf");
expect("flow for ccf2d", call("ipcf.Ipcf.fit", "model=ccf2d waist=2 flow"), "flow: model=ccf2d always fits the velocity (vx, vy)");
expect("acf2d without (0, 0)", call("ipcf.Ipcf.fit", "model=acf2d waist=2"), "model=acf2d fits the autocorrelation, the offset (0, 0), which the result lacks");
expect("errors=jackknife", call("ipcf.Ipcf.fit", "waist=2 errors=jackknife"), "errors=jackknife: want blocking or segments (or none)");
expect("segments without errors=segments", call("ipcf.Ipcf.fit", "waist=2 errors=blocking segments=4"), "segments=4 is for errors=segments");
expect("segments=1", call("ipcf.Ipcf.fit", "waist=2 errors=segments segments=1"), "segments=1: out of range, want 2..");
expect("errors and sigma", call("ipcf.Ipcf.fit", "waist=2 errors=blocking sigma=x"), "give one (errors computes the error bars, sigma names an open image of them)");
expect("sigma: no such image", call("ipcf.Ipcf.fit", "waist=2 sigma=[no such image]"), "sigma=no such image: no open image has that title");
expect("sigma: another shape", call("ipcf.Ipcf.fit", "waist=2 sigma=sim.npy"), "want the result's shape: 32-bit 14x14, 8 slices (offsets), ");
selectImage(acf);
expect("joint for acf2d", call("ipcf.Ipcf.fit", "model=acf2d waist=2 joint"), "joint: model=acf2d fits the one curve of each pixel at the offset (0, 0)");
expect("acf3d without kappa", call("ipcf.Ipcf.fit", "model=acf3d waist=2"), "model=acf3d needs kappa=K");
expect("acf3d kappa=-1", call("ipcf.Ipcf.fit", "model=acf3d waist=2 kappa=-1"), "kappa=-1: want a number > 0");
// errors without the result's input open
selectImage(sim);
close();
selectImage(res);
expect("errors without the input open", call("ipcf.Ipcf.fit", "waist=2 errors=blocking"), "errors=blocking: the result's input 'sim.npy' is not open");
o = call("ipcf.Ipcf.openPcf", tmp + "r.npy");
expect("errors of an opened file", call("ipcf.Ipcf.fit", "waist=2 errors=blocking"), "the result does not say what it was computed from");
close();
close("*");
// result-like stacks that do not fit
model("pcf1d", newArray(3, -3), newArray(3, -3), tau, "px");
expect("ccf2d, offsets on one diagonal line", call("ipcf.Ipcf.fit", "model=ccf2d"), "needs offsets in two directions, or on one axis");
Property.set("ipcf.output", "delta");
expect("a delta result fitted with pcf1d", call("ipcf.Ipcf.fit", "model=pcf1d"), "the result holds delta-CCFs (forward minus backward): fit them with model=ccf2d, not pcf1d");
expect("ginf of a delta result", call("ipcf.Ipcf.fit", "model=ccf2d ginf"), "ginf: a delta-CCF has no offset Ginf");
Property.set("ipcf.output", "ccf");
Property.set("ipcf.delays_frames", "0,1,2");
expect("delays of another count", call("ipcf.Ipcf.fit", "model=pcf1d"), "the result's ipcf.delays_frames has 3 delays, and it has 17 curve points");
Property.set("ipcf.delays_frames", "0,1,2,3,4,6,8,12,16,24,32,48,64,96,128,192,NaN");
expect("a NaN delay", call("ipcf.Ipcf.fit", "model=pcf1d"), "the result's ipcf.delays_frames: 'NaN' is not a finite number");
Property.set("ipcf.delays_frames", "0,1,2,3,4,6,8,12,16,24,32,48,64,96,128,256,192");
expect("delays not ascending", call("ipcf.Ipcf.fit", "model=pcf1d"), "want strictly ascending delays");
Property.set("ipcf.delays_frames", "0,1,2,3,4,6,8,12,16,24,32,48,64,96,128,192,256");
Property.set("ipcf.offsets", "3,0");
expect("offsets of another count", call("ipcf.Ipcf.fit", "model=pcf1d"), "the result's ipcf.offsets has 1 offsets, and it has 2 curves per pixel");
Property.set("ipcf.offsets", "3,0;-3,0");
Property.set("ipcf.pixel_size", "-1");
expect("a negative pixel size", call("ipcf.Ipcf.fit", "model=pcf1d"), "the result's ipcf.pixel_size=-1: want a number >= 0");
close();
newImage("short", "32-bit black", 4, 4, 4);
Stack.setDimensions(1, 1, 4);
Property.set("ipcf.offsets", "0,0");
Property.set("ipcf.delays_frames", "0,1,2,3");
expect("too few points", call("ipcf.Ipcf.fit", "model=acf2d ginf"), "2 fitted (options.first=1 and options.last=1 left out): too few for the 3 parameters");
newImage("errs", "32-bit black", 4, 4, 4);
Property.set("ipcf.errors", "blocking");
expect("an error-bar stack", call("ipcf.Ipcf.fit", "model=pcf1d"), "'errs' holds error bars, not curves: select the result");
close("*");
newImage("cells", "16-bit ramp", 12, 12, 64);
expect("errors: method=jackknife", call("ipcf.Ipcf.errors", "radius=2 points=4 method=jackknife"), "method=jackknife: want blocking or segments");
expect("errors: segments with blocking", call("ipcf.Ipcf.errors", "radius=2 segments=4"), "segments=4 is for method=segments");
expect("errors: a misspelt key", call("ipcf.Ipcf.errors", "radius=2 methd=blocking"), "unknown option 'methd'");
close("*");

list = getFileList(tmp);
for (i = 0; i < list.length; i++) dummy = File.delete(tmp + list[i]);
dummy = File.delete(tmp);
print("test_fit: " + (passes + failures) + " checks, " + passes + " passed, " + failures + " failed");
if (failures == 0) print("PASS: fit"); else print("FAIL: " + failures + " fit checks failed");

// The per-pixel parameters of the model curves (pixels and frames).
function param(name, x, y) {
    if (name == "D") return 0.05 + 0.03 * (x + w * y);
    if (name == "A") return 0.01 + 0.002 * x + 0.001 * y;
    if (name == "Ginf") return 0.001 + 0.0002 * y;
    if (name == "vx") return 0.04 + 0.01 * x;
    if (name == "vy") return -0.03 - 0.005 * y;
    return NaN;
}

// A result-like hyperstack of noise-free curves of model m at the offsets (us, vs) (none: (0, 0)).
function model(m, us, vs, tau, unit) {
    k = us.length;
    if (k == 0) {
        us = newArray(1);
        vs = newArray(1);
        k = 1;
    }
    p = tau.length;
    newImage("model " + m, "32-bit black", w, h, k * p);
    Stack.setDimensions(1, k, p);
    for (b = 0; b < p; b++) for (i = 0; i < k; i++) {
        Stack.setPosition(1, i + 1, b + 1);
        // a multi-tau point of m = 4 (level k: lag l 2^k) is the correlation of block sums of
        // s = 2^k frames: the model averaged over the lags within s, weighted (s - |d|) / s^2
        s = 1;
        while (tau[b] >= 4 * s) s = 2 * s;
        for (y = 0; y < h; y++) for (x = 0; x < w; x++) {
            g = 0;
            for (d = 1 - s; d < s; d++) g = g + (s - abs(d)) / (s * s) * modelAt(m, tau[b] + d, x, y, us[i], vs[i]);
            setPixel(x, y, g);
        }
    }
    s = "";
    for (i = 0; i < k; i++) s = s + ";" + us[i] + "," + vs[i];
    Property.set("ipcf.offsets", substring(s, 1));
    s = "";
    for (b = 0; b < p; b++) s = s + "," + tau[b];
    Property.set("ipcf.delays_frames", substring(s, 1));
    // multi-tau points, averaged over their blocks (FIT_MULTITAU, m read
    // from the delays); log or linear bins over their lags (FIT_BINS)
    Property.set("ipcf.bins", "multitau");
}

// Model m at lag t of pixel (x, y) and offset (u, v).
function modelAt(m, t, x, y, u, v) {
    D = param("D", x, y);
    A = param("A", x, y);
    qq = 4 * D * t + W2;
    if (m == "pcf1d") return A * W2 / qq * exp(-(u * u + v * v) / qq);
    if (m == "acf2d") return A * W2 / qq + param("Ginf", x, y);
    if (m == "acf3d") return A * W2 / qq / sqrt(1 + 4 * D * t / (16 * W2));
    rx = u - param("vx", x, y) * t;
    ry = v - param("vy", x, y) * t;
    return A * W2 / qq * exp(-(rx * rx + ry * ry) / qq);
}

// The expected value of a column at a pixel; d2: the squared distance for tau_peak. dscale, tscale: um^2/s, s.
function expected(name, x, y, d2, dscale, tscale) {
    D = param("D", x, y);
    if (name == "DC" || name == "G0") return param("A", x, y);
    if (name == "D") return D * dscale;
    if (name == "Ginf") return param("Ginf", x, y);
    if (name == "tauD") return W2 / (4 * D) * tscale;
    if (name == "tau_peak") return (d2 - W2) / (4 * D) * tscale;
    if (name == "vx" || name == "vy") return param(name, x, y);
    if (name == "speed") return sqrt(pow(param("vx", x, y), 2) + pow(param("vy", x, y), 2));
    if (name == "angle") return atan2(param("vy", x, y), param("vx", x, y)) * 180 / PI;
    return NaN;
}

// Every parameter of the current maps (frames nf) within 1e-6 of the model's, every fit converged.
function checkMaps(what, names, nf, dscale, tscale, dist) {
    worst = 0;
    at = "";
    bad = 0;
    for (f = 0; f < nf; f++) for (c = 0; c < names.length; c++) {
        Stack.setPosition(1, c + 1, f + 1);
        for (y = 0; y < h; y++) for (x = 0; x < w; x++) {
            e = expected(names[c], x, y, dist * dist, dscale, tscale);
            r = abs(getPixel(x, y) - e) / abs(e);
            if (!(r <= worst)) {
                worst = r;
                at = names[c] + " at " + x + "," + y + ": " + getPixel(x, y) + " want " + e;
            }
        }
        Stack.setPosition(1, 2 * names.length + 2, f + 1);
        for (y = 0; y < h; y++) for (x = 0; x < w; x++) if (getPixel(x, y) != 0) bad++;
    }
    ok = (worst <= 1e-6 && bad == 0);
    check(ok, what + ": every parameter within 1e-6 of the model's (largest " + d2s(worst, -2) + "), every fit converged",
          at + "; " + bad + " fits did not converge");
}

// Runs the CLI with the arguments args (a shell line: paths quoted with q()); returns its output.
function cli(args) {
    return exec("sh", "-c", q(bin) + " " + args + " 2>&1");
}

// s in single quotes, for the shell (the paths here hold no quote).
function q(s) {
    return "'" + s + "'";
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
