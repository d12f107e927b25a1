var failures = 0;
// Headless ImageJ without jna.jar on the class path (java -cp ij.jar): the plugin's classes load,
// and its commands (run() with options, as headless) and macro API say how to install JNA instead
// of "Plugin or class not found" or a NoClassDefFoundError.
// As in test.ijm: conditions go through a variable before check(), strings start with "".
// java -Djava.awt.headless=true -Dplugins.dir=build/fiji -cp ij.jar ij.ImageJ -batch test_nojna.ijm
msg = "ipcf needs JNA (Java Native Access), and ImageJ did not find jna.jar.";
p = call("ipcf.Ipcf.jnaProblem");
ok = startsWith(p, msg) && indexOf(p, "Copy jna.jar into ") >= 0 && indexOf(p, "/usr/share/java/jna.jar") >= 0;
check(ok, "jnaProblem names jna.jar, plugins/jars and Debian's package", p);
v = call("ipcf.Ipcf.version");
ok = startsWith(v, "error: " + msg);
check(ok, "call(\"ipcf.Ipcf.version\") says JNA is missing", v);
newImage("cells", "16-bit ramp", 16, 16, 64);
r = call("ipcf.Ipcf.pcf", "radius=2 points=8 nbins=8");
ok = startsWith(r, "error: " + msg);
check(ok, "call(\"ipcf.Ipcf.pcf\") says JNA is missing", r);
r = call("ipcf.Ipcf.pcfFile", "/nonexistent.npy", "/tmp/x.npy", "radius=2");
ok = startsWith(r, "error: " + msg);
check(ok, "call(\"ipcf.Ipcf.pcfFile\") says JNA is missing", r);
r = call("ipcf.Ipcf.correctBleaching", "filter=8");
ok = startsWith(r, "error: " + msg);
check(ok, "call(\"ipcf.Ipcf.correctBleaching\") says JNA is missing", r);
// the commands (plugin classes) run and log it (headless, the Log is standard output: the
// Makefile counts 7 "ipcf error: ipcf needs JNA" lines, 3 from call() above and these 4, and no
// "Plugin or class not found")
cmds = newArray("ipcf.Pair_Correlation", "ipcf.Autocorrelation", "ipcf.Pair_Correlation_File", "ipcf.Correct_Photobleaching");
for (i = 0; i < cmds.length; i++) {
    r = call("ij.IJ.runPlugIn", cmds[i], "radius=2 input=/nonexistent.npy output=/tmp/x.npy");
    ok = startsWith(r, cmds[i] + "@");
    check(ok, "" + cmds[i] + " loads and runs without JNA", r);
}
selectImage("cells");
close();
print("no JNA: " + failures + " failures");
if (failures == 0) print("PASS: no JNA"); else print("FAIL: " + failures + " checks failed without JNA");

function check(cond, name, detail) {
    if (cond) print("PASS " + name);
    else {
        print("FAIL: " + name + ": " + detail);
        failures = failures + 1;
    }
}
