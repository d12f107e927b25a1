// Headless ImageJ under LANG=C (an ASCII file-name encoding: servers, containers, cron): a file
// job into a folder whose name Java cannot encode is written by the library (it takes the name
// as UTF-8), and opening its result says why Java cannot (HOSTS11's F1: "only .npy results are
// opened", "Malformed input"). Argument: "CONFORMANCE;FOLDER", FOLDER holding donn\u00e9es/ (made
// by the Makefile: this JVM cannot make it). Prints 'PASS: locale' or 'FAIL: ...'.
args = split(getArgument(), ";");
d = args[1] + "/donn" + fromCharCode(233) + "es/";
failed = false;
enc = call("java.lang.System.getProperty", "sun.jnu.encoding");
r = call("ipcf.Ipcf.pcfFile", args[0] + "/pcf_basic.input.npy", d + "r.npy", "radius=2 npoints=4 nbins=8 open");
print("pcfFile: [" + r + "], file-name encoding " + enc);
if (startsWith(r, "error")) { print("FAIL: the file job: " + r); failed = true; }
o = call("ipcf.Ipcf.openPcf", d + "r.npy");
print("openPcf: " + o);
ok = indexOf(o, "file-name encoding (" + enc) >= 0 && indexOf(o, "UTF-8 locale") >= 0 && startsWith(o, "error");
if (!ok) { print("FAIL: openPcf under " + enc + " did not say why: " + o); failed = true; }
n = call("ipcf.Ipcf.openNpy", d + "r.npy");
ok = indexOf(n, "file-name encoding") >= 0;
if (!ok) { print("FAIL: openNpy under " + enc + " did not say why: " + n); failed = true; }
if (nImages != 0) { print("FAIL: " + nImages + " images open"); failed = true; }
if (!failed) print("PASS: locale");
