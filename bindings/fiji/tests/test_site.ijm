// Headless ImageJ on a folder installed from the update site (SiteInstall): the plugin's jar has no
// library inside, so libipcf must come from lib/linux64 of that folder; the pCF runs.
// java -Djava.awt.headless=true -Dplugins.dir=ROOT -cp ij.jar:jna.jar ij.ImageJ -batch test_site.ijm ROOT
root = getArgument();
if (!endsWith(root, "/")) root = root + "/";
v = call("ipcf.Ipcf.version");
f = call("ipcf.Ipcf.libraryFile");
print("ipcf " + v + " from " + f);
newImage("noise", "16-bit ramp", 12, 12, 64);
r = call("ipcf.Ipcf.pcf", "radius=2 points=8 nbins=8");
print("pcf: " + r);
ok = (!startsWith(v, "error") && f == root + "lib/linux64/libipcf.so" && startsWith(r, "pCF of noise"));
if (ok) print("PASS: site install"); else print("FAIL: site install: version " + v + ", library " + f + ", pcf " + r);
