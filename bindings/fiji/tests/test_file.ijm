var failures = 0;
var paramLines = newArray(0);
// Headless ImageJ test of the ipcf file jobs: call("ipcf.Ipcf.pcfFile", ...) and the menu command
// "Pair Correlation of File or Folder..." against the CLI's out-of-core results (byte for byte).
// java -Djava.awt.headless=true -Dplugins.dir=build/fiji -cp ij.jar:jna.jar ij.ImageJ -batch test_file.ijm FILEJOB_DIR
// FILEJOB_DIR (make filejob): params.txt, series/ (big-endian uint16 TIFFs), stack.raw (the same
// frames, raw big-endian uint16), cli_series.npy and cli_raw.npy (ipcf pcf --engine ooc --tile 8,8),
// wide.raw (64 frames of 6 x 1024, big-endian uint16).
// As in test.ijm: conditions go through a variable before check(), strings start with "".
dir = getArgument();
if (dir == "") dir = "build/filejob";
if (!endsWith(dir, "/")) dir = dir + "/";
print("ImageJ " + getVersion() + ", ipcf " + call("ipcf.Ipcf.version"));
paramLines = split(File.openAsString(dir + "params.txt"), "\n");
frames = param("frames");
size = param("size");
// On the CPU, named: the CLI's results are the CPU's (tools/filejobdata runs it with --device cpu),
// and device=auto would run a GPU's tiles where one is usable (read from a scratch copy).
opts = "radius=" + param("radius") + " npoints=" + param("npoints") + " nbins=" + param("nbins")
     + " memory=" + param("memory") + " tile=" + param("tile") + " engine=ooc device=cpu";
rawOpts = opts + " shape=" + frames + "," + size + "," + size + " dtype=uint16 byteorder=big";
series = dir + "series";
tmp = getDirectory("temp");
if (!endsWith(tmp, "/")) tmp = tmp + "/";
tmp = tmp + "ipcf_filejob_" + d2s(getTime(), 0) + "_" + d2s(round(random * 1e6), 0) + "/";
File.makeDirectory(tmp);
print("options: " + opts + "; results in " + tmp);

// The plugin's JNA structs have the library's sizes.
s = call("ipcf.Ipcf.fileJobStructSizes");
ok = matches(s, "source=([0-9]+)/\\1 job=([0-9]+)/\\2 summary=[0-9]+");
check(ok, "struct sizes of the library and the plugin agree", s);

// A folder of big-endian TIFFs, out of core: the CLI's result, byte for byte.
r = call("ipcf.Ipcf.pcfFile", series, tmp + "series.npy", opts);
ok = (r == "");
check(ok, "series: pcfFile succeeds", r);
sum = call("ipcf.Ipcf.lastJobSummary");
print("series: " + sum);
ok = (indexOf(sum, "engine=ooc") >= 0 && indexOf(sum, "already_complete=0") >= 0 && indexOf(sum, "resumed=0") >= 0);
check(ok, "series: summary says ooc, nothing resumed, not already complete", sum);
same = call("ipcf.Ipcf.sameFileBytes", tmp + "series.npy", dir + "cli_series.npy");
ok = (same == "1");
check(ok, "series: result equals cli_series.npy byte for byte", same);
ok = File.exists(tmp + "series.npy.json");
check(ok, "series: series.npy.json written", "");

// Words that are flags (roi, open, copy_input) inside a [value] are part of it: a path
// holding "roi" was refused, and one holding "open" opened the result.
odd = tmp + "cell roi open copy_input/";
File.makeDirectory(odd);
close("*");
r = call("ipcf.Ipcf.pcfFile", "", "", "input=[" + dir + "stack.raw] output=[" + odd + "raw.npy] " + rawOpts);
ok = (r == "" && nImages == 0);
check(ok, "flag words in a bracketed path: pcfFile succeeds, opens nothing", r + " (" + nImages + " images open)");
same = call("ipcf.Ipcf.sameFileBytes", odd + "raw.npy", dir + "cli_raw.npy");
ok = (same == "1");
check(ok, "flag words in a bracketed path: the CLI's bytes", same);

// Raw big-endian uint16 with the raw options: the same bytes as the CLI's.
r = call("ipcf.Ipcf.pcfFile", dir + "stack.raw", tmp + "raw.npy", rawOpts);
ok = (r == "");
check(ok, "raw: pcfFile succeeds", r);
same = call("ipcf.Ipcf.sameFileBytes", tmp + "raw.npy", dir + "cli_raw.npy");
ok = (same == "1");
check(ok, "raw: result equals cli_raw.npy byte for byte", same);

// The fixture's wide.raw (rows of 2 KiB), out of core in bands, is read in place; copy_input
// copies it into scratch first, with the same bytes out.
wideOpts = "radius=1 npoints=4 nbins=4 engine=ooc device=cpu shape=64,6,1024 dtype=uint16 byteorder=big";
r = call("ipcf.Ipcf.pcfFile", dir + "wide.raw", tmp + "wide_a.npy", wideOpts);
ok = (r == "");
check(ok, "wide raw: pcfFile succeeds", r);
sum = call("ipcf.Ipcf.lastJobSummary");
print("wide raw: " + sum);
ok = (indexOf(sum, "engine=ooc") >= 0 && indexOf(sum, "read_in_place=1") >= 0);
check(ok, "wide raw: read in place", sum);
r = call("ipcf.Ipcf.pcfFile", dir + "wide.raw", tmp + "wide_b.npy", wideOpts + " copy_input");
ok = (r == "");
check(ok, "wide raw, copy_input: pcfFile succeeds", r);
sum = call("ipcf.Ipcf.lastJobSummary");
ok = (indexOf(sum, "read_in_place=0") >= 0);
check(ok, "wide raw, copy_input: copied into scratch", sum);
same = call("ipcf.Ipcf.sameFileBytes", tmp + "wide_a.npy", tmp + "wide_b.npy");
ok = (same == "1");
check(ok, "wide raw: copy_input gives the bytes read in place", same);

// A rerun of a completed job succeeds, changes nothing and says so; "open" shows the result.
r = call("ipcf.Ipcf.pcfFile", series, tmp + "series.npy", opts + " open");
ok = (r == "");
check(ok, "rerun: pcfFile succeeds", r);
sum = call("ipcf.Ipcf.lastJobSummary");
print("rerun: " + sum);
ok = (indexOf(sum, "already_complete=1") >= 0);
check(ok, "rerun: summary says already complete", sum);
same = call("ipcf.Ipcf.sameFileBytes", tmp + "series.npy", dir + "cli_series.npy");
ok = (same == "1");
check(ok, "rerun: result unchanged", same);
ok = (nImages == 1);
check(ok, "rerun: open shows the result", "" + nImages + " images open");
if (nImages == 1) {
    d = call("ipcf.Ipcf.maxAbsDiff", dir + "cli_series.npy");
    ok = (d == "0.0");
    check(ok, "rerun: the opened hyperstack equals cli_series.npy", d);
    print("opened " + getTitle() + ": " + getWidth() + "x" + getHeight() + ", " + nSlices + " planes");
}
close("*");

// An output inside the input folder is refused, and nothing is written there.
before = getFileList(series);
r = call("ipcf.Ipcf.pcfFile", series, series + "/inside.npy", opts);
print("inside: " + r);
ok = startsWith(r, "error:");
check(ok, "inside: output in the input folder is refused", r);
after = getFileList(series);
ok = (after.length == before.length && !File.exists(series + "/inside.npy"));
check(ok, "inside: nothing created in the input folder", "" + before.length + " files before, " + after.length + " after");

// Bad parameters give an error message; ImageJ goes on.
r = call("ipcf.Ipcf.pcfFile", series, tmp + "bad.npy", "radius=0 npoints=12 nbins=16");
print("radius=0: " + r);
ok = (startsWith(r, "error:") && indexOf(r, "radius") >= 0);
check(ok, "errors: radius=0 is refused", r);
ok = (!File.exists(tmp + "bad.npy") && call("ipcf.Ipcf.lastJobSummary") == "");
check(ok, "errors: radius=0 leaves no result and no summary", "");
r = call("ipcf.Ipcf.pcfFile", series, tmp + "bad.npy", "radus=3");
ok = (startsWith(r, "error:") && indexOf(r, "radus") >= 0);
check(ok, "errors: a misspelt option is refused", r);
r = call("ipcf.Ipcf.pcfFile", series, tmp + "bad.npy", opts + " radius=4");
ok = (startsWith(r, "error:") && indexOf(r, "radius") >= 0);
check(ok, "errors: an option given twice is refused", r);
r = call("ipcf.Ipcf.pcfFile", dir + "no_such_file.npy", tmp + "bad.npy", opts);
print("missing input: " + r);
ok = startsWith(r, "error:");
check(ok, "errors: a missing input is reported", r);
r = call("ipcf.Ipcf.pcfFile", dir + "stack.raw", tmp + "bad.npy", opts + " shape=" + frames + "," + size + " dtype=uint16");
ok = (startsWith(r, "error:") && indexOf(r, "shape") >= 0);
check(ok, "errors: shape with two numbers is refused", r);
r = call("ipcf.Ipcf.pcfFile", dir + "stack.raw", tmp + "bad.npy", opts + " shape=" + frames + "," + size + "," + size + " dtype=uint12");
ok = (startsWith(r, "error:") && indexOf(r, "uint12") >= 0);
check(ok, "errors: dtype=uint12 is refused", r);
r = call("ipcf.Ipcf.pcfFile", series, tmp + "bad.npy", opts + " frames=0:3");
print("frames=0:3: " + r);
ok = startsWith(r, "error:");
check(ok, "errors: 3 frames are refused", r);
ok = !File.exists(tmp + "bad.npy");
check(ok, "errors: no result of the failed jobs", "");
print("errors: reported, ImageJ still running");

// The menu command with the keys it records: the CLI's raw result. Headless (plain ImageJ has no
// menus there, and no macro options on the -batch thread), the plugin class runs with the options
// as its argument and takes them without a dialog; under a display, run() fills the dialog.
menuOpts = "input=[" + dir + "stack.raw] output=[" + tmp + "menu_raw.npy] " + rawOpts + " offset=0";
if (call("java.lang.System.getProperty", "java.awt.headless") == "true") {
    dummy = call("ij.IJ.runPlugIn", "ipcf.Pair_Correlation_File", menuOpts);
} else {
    run("Pair Correlation of File or Folder...", menuOpts);
}
same = call("ipcf.Ipcf.sameFileBytes", tmp + "menu_raw.npy", dir + "cli_raw.npy");
ok = (same == "1");
check(ok, "menu command: result equals cli_raw.npy byte for byte", same);
print("menu command: " + call("ipcf.Ipcf.lastJobSummary"));
// The menu command's copy_input checkbox (key copy_input): copied into scratch, the same bytes.
menuOpts = "input=[" + dir + "wide.raw] output=[" + tmp + "menu_wide.npy] " + wideOpts + " offset=0 copy_input";
if (call("java.lang.System.getProperty", "java.awt.headless") == "true") {
    dummy = call("ij.IJ.runPlugIn", "ipcf.Pair_Correlation_File", menuOpts);
} else {
    run("Pair Correlation of File or Folder...", menuOpts);
}
sum = call("ipcf.Ipcf.lastJobSummary");
ok = (indexOf(sum, "read_in_place=0") >= 0 && call("ipcf.Ipcf.sameFileBytes", tmp + "menu_wide.npy", tmp + "wide_a.npy") == "1");
check(ok, "menu command, copy_input: copied into scratch, the bytes read in place", sum);

deleteTree(tmp);
ok = !File.exists(tmp);
check(ok, "temporary results removed", tmp);
if (failures == 0) print("PASS: file jobs"); else print("FAIL: " + failures + " checks failed");

function param(key) {
    for (i = 0; i < paramLines.length; i++) {
        if (startsWith(paramLines[i], key + "=")) return substring(paramLines[i], lengthOf(key) + 1);
    }
    print("FAIL: params.txt has no " + key);
    failures = failures + 1;
    return "";
}

function check(cond, name, detail) {
    if (cond) {
        print("PASS " + name);
    } else {
        print("FAIL: " + name + ": " + detail);
        failures = failures + 1;
    }
}

function deleteTree(path) {
    if (!endsWith(path, "/")) path = path + "/";
    list = getFileList(path);
    for (i = 0; i < list.length; i++) {
        if (endsWith(list[i], "/")) deleteTree(path + list[i]);
        else dummy = File.delete(path + list[i]);
    }
    dummy = File.delete(path);
}
