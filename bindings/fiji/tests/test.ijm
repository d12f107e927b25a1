var failures = 0;
// Headless ImageJ test of the ipcf plugin: conformance, bleaching, errors.
// java -Djava.awt.headless=true -Dplugins.dir=build/fiji -cp ij.jar:jna.jar ij.ImageJ -batch test.ijm CONFORMANCE_DIR
dir = getArgument();
if (dir == "") dir = "../shared/conformance";
print("ImageJ " + getVersion() + ", ipcf " + call("ipcf.Ipcf.version"));

// pCF of conformance inputs against the expected outputs (atol 1e-6).
names = newArray("pcf_basic", "pcf_truncate", "pcf_min", "pcf_zero_pixel", "bleach", "bleach_floor_mean");
inputs = newArray("pcf_basic", "pcf_truncate", "pcf_min", "pcf_zero_pixel", "bleach", "bleach");
params = newArray("radius=4 points=16 bins=16", "radius=3 points=8 bins=12", "radius=2 points=4 bins=8",
                  "radius=2 points=8 bins=8", "radius=3 points=12 bins=16 bleach=256 mean=real",
                  "radius=3 points=12 bins=16 bleach=256 mean=floor");
for (i = 0; i < names.length; i++) {
    t = call("ipcf.Ipcf.openNpy", dir + "/" + inputs[i] + ".input.npy");
    ok = startsWith(t, "error") == false;
    check(ok, "open " + inputs[i] + ": " + t);
    r = call("ipcf.Ipcf.pcf", params[i]);
    ok = startsWith(r, "error") == false;
    check(ok, "" + names[i] + ": " + r);
    d = call("ipcf.Ipcf.maxAbsDiff", dir + "/" + names[i] + ".expected.npy");
    ok = startsWith(d, "error") == false && d != "nan-mismatch" && parseFloat(d) <= 1e-6;
    check(ok, "" + names[i] + ": max abs diff " + d);
    print("conformance " + names[i] + ": max abs diff " + d);
    close("*");
}

// The dialogs always record a mean: with the correction off (bleach=0) it does
// nothing, as without it (the library refuses a floor mean alone).
t = call("ipcf.Ipcf.openNpy", dir + "/pcf_basic.input.npy");
r = call("ipcf.Ipcf.pcf", "radius=4 points=16 bins=16 bleach=0 mean=floor");
ok = startsWith(r, "error") == false;
check(ok, "bleach=0 mean=floor: " + r);
d = call("ipcf.Ipcf.maxAbsDiff", dir + "/pcf_basic.expected.npy");
ok = startsWith(d, "error") == false && d != "nan-mismatch" && parseFloat(d) <= 1e-6;
check(ok, "bleach=0 mean=floor: max abs diff " + d);
close("*");

// Bleaching correction produces the expected stacks exactly.
t = call("ipcf.Ipcf.openNpy", dir + "/bleach.input.npy");
r = call("ipcf.Ipcf.correctBleaching", "filter=256 mean=real");
same = call("ipcf.Ipcf.equalsNpy", dir + "/bleach.expected_corrected.npy");
ok = (same == "1");
check(ok, "bleach corrected stack differs");
close("*");
t = call("ipcf.Ipcf.openNpy", dir + "/bleach_clip.input.npy");
r = call("ipcf.Ipcf.correctBleaching", "filter=50");
same = call("ipcf.Ipcf.equalsNpy", dir + "/bleach_clip.expected.npy");
ok = (same == "1");
check(ok, "bleach_clip corrected stack differs");
print("bleaching: corrected stacks checked");
close("*");
// A signed 16-bit image (ImageJ: raw value + 32768, calibrated back) is
// computed from its values: the int16 copy of pcf_basic gives pcf_basic's
// curves, and its correction bleach's stack (values below 32768).
t = call("ipcf.Ipcf.openNpy", call("java.lang.System.getProperty", "plugins.dir") + "/i2/pcf_basic.input.npy");
r = call("ipcf.Ipcf.pcf", "radius=4 points=16 bins=16");
d = call("ipcf.Ipcf.maxAbsDiff", dir + "/pcf_basic.expected.npy");
ok = startsWith(t, "error") == false && startsWith(d, "error") == false && d != "nan-mismatch" && parseFloat(d) <= 1e-6;
check(ok, "signed 16-bit pCF: " + t + " / " + r + " / " + d);
close("*");
t = call("ipcf.Ipcf.openNpy", call("java.lang.System.getProperty", "plugins.dir") + "/i2/bleach.input.npy");
r = call("ipcf.Ipcf.correctBleaching", "filter=256 mean=real");
same = call("ipcf.Ipcf.equalsNpy", dir + "/bleach.expected_corrected.npy");
ok = (same == "1");
check(ok, "signed 16-bit bleaching correction: " + r + " / " + same);
close("*");
r = call("ipcf.Ipcf.openNpy", dir + "/pcf_basic.expected.npy");
ok = indexOf(r, "want 3 dimensions") >= 0;
check(ok, "openNpy 4-D: " + r);
print("signed 16-bit and calibrated images checked");
// A 32-bit stack of fractions is corrected as defined, with a warning that
// names the first sample that is not a count in 0..65535; counts give none.
newImage("fractions", "32-bit ramp", 8, 8, 120);
r = call("ipcf.Ipcf.correctBleaching", "filter=20");
w = call("ipcf.Ipcf.lastWarning");
ok = startsWith(r, "error") == false && indexOf(w, "not counts in 0..65535") >= 0 && indexOf(w, "fractions") >= 0;
check(ok, "counts warning: " + r + " / " + w);
selectImage("fractions");
r = call("ipcf.Ipcf.pcf", "radius=2 points=4 bins=6 bleach=20");
w = call("ipcf.Ipcf.lastWarning");
ok = indexOf(w, "not counts in 0..65535") >= 0;
check(ok, "counts warning of the pCF: " + r + " / " + w);
selectImage("fractions");
r = call("ipcf.Ipcf.pcf", "radius=2 points=4 bins=6");
w = call("ipcf.Ipcf.lastWarning");
ok = (w == "");
check(ok, "pCF without bleaching warned: " + w);
close("*");
t = call("ipcf.Ipcf.openNpy", dir + "/bleach.input.npy");
r = call("ipcf.Ipcf.correctBleaching", "filter=256 mean=real");
w = call("ipcf.Ipcf.lastWarning");
ok = (w == "");
check(ok, "counts warned: " + w);
print("bleaching: counts warning checked");
close("*");

// Bad parameters give an error message, not a crash.
t = call("ipcf.Ipcf.openNpy", dir + "/pcf_min.input.npy");
r = call("ipcf.Ipcf.pcf", "radius=40 points=8 bins=8");
ok = startsWith(r, "error") && indexOf(r, "radius=40 too large") >= 0;
check(ok, "radius too large: " + r);
r = call("ipcf.Ipcf.pcf", "radius=2 points=8 bins=1");
ok = indexOf(r, "bins=1") >= 0;
check(ok, "bins=1: " + r);
r = call("ipcf.Ipcf.pcf", "radius=2 points=x");
ok = indexOf(r, "not a whole number") >= 0;
check(ok, "points=x: " + r);
r = call("ipcf.Ipcf.correctBleaching", "filter=5000");
ok = startsWith(r, "error");
check(ok, "filter too large: " + r);
print("errors: reported, ImageJ still running");
close("*");
newImage("single", "16-bit black", 20, 20, 1);
r = call("ipcf.Ipcf.pcf", "radius=2");
ok = indexOf(r, "more than one slice") >= 0;
check(ok, "single image: " + r);
close("*");

devs = call("ipcf.Ipcf.devices");
print("devices: " + devs);
if (startsWith(devs, "no CUDA device")) {
    t = call("ipcf.Ipcf.openNpy", dir + "/pcf_min.input.npy");
    r = call("ipcf.Ipcf.pcf", "radius=2 points=4 bins=8 device=cuda");
    ok = indexOf(r, "no usable device") >= 0 || indexOf(r, "device not usable") >= 0;
    check(ok, "device=cuda without a GPU: " + r);
    close("*");
}
if (failures == 0) print("PASS"); else print("FAIL: " + failures + " checks failed");

function check(cond, msg) {
    if (!cond) {
        print("FAIL: " + msg);
        failures = failures + 1;
    }
}
