var failures = 0;
var passes = 0;
// Headless ImageJ test: what a result was computed from, and a stale Esc.
// 1. A stale Esc (one that cancelled an earlier command) does not cancel call("ipcf.Ipcf.pcf"),
//    acf, errors or correctBleaching: each resets it first.
// 2. second=TITLE shared by two open images is refused (whichever came first was used).
// 3. Fit's errors=blocking computes the error bars on the stack the curves came from: found by
//    its id when renamed (not another image that took its title), refused when its pixels
//    changed since or another image of its title stands in for it (the result's
//    ipcf.source_crc32), and so for the second channel (ipcf.data2_crc32); ids of another
//    session (ipcf.session) are not used.
// 4. openPcf refuses a result file its sidecar does not describe (output_crc32c, output_bytes),
//    and a sidecar edited since ipcf wrote it (self_crc32c).
// As in test.ijm: conditions go through a variable before check().
// java -Djava.awt.headless=true -Dplugins.dir=build/fiji -cp ij.jar:jna.jar ij.ImageJ -batch test_sources.ijm
setBatchMode(true);
opts = "radius=1 points=4 nbins=8 smooth=0";

function check(ok, what, detail) {
    if (ok) { passes++; print("PASS " + what); }
    else { failures++; print("FAIL " + what + ": " + detail); }
}
function expect(what, got, words) {
    ok = (startsWith(got, "error: ") && indexOf(got, words) >= 0);
    check(ok, what, got + " (want an error with: " + words + ")");
}
function mk(title, seed, base) {
    random("seed", seed);
    newImage(title, "16-bit black", 8, 8, 64);
    for (t = 0; t < 64; t++) { setSlice(t + 1); for (y = 0; y < 8; y++) for (x = 0; x < 8; x++) setPixel(x, y, base + floor(random * 40)); }
}
function edit(title) {
    selectWindow(title);
    setSlice(5); setPixel(3, 3, getPixel(3, 3) + 17);
}
// whether two open images hold the same values (NaN equal to NaN)
function same(a, b) {
    selectWindow(a); n = nSlices; w = getWidth(); h = getHeight();
    va = newArray(n * w * h); k = 0;
    for (s = 1; s <= n; s++) { setSlice(s); for (y = 0; y < h; y++) for (x = 0; x < w; x++) { va[k] = getPixel(x, y); k++; } }
    selectWindow(b);
    if (nSlices != n || getWidth() != w || getHeight() != h) return false;
    k = 0;
    for (s = 1; s <= n; s++) { setSlice(s); for (y = 0; y < h; y++) for (x = 0; x < w; x++) {
        v = getPixel(x, y);
        if (v != va[k] && !(isNaN(v) && isNaN(va[k]))) return false;
        k++;
    } }
    return true;
}

// ---- 1. a stale Esc ----
mk("E", 3, 50);
setKeyDown("esc");
r = call("ipcf.Ipcf.pcf", opts);
ok = (r == "pCF of E");
check(ok, "a stale Esc does not cancel call(\"ipcf.Ipcf.pcf\")", r);
selectWindow("E"); setKeyDown("esc");
r = call("ipcf.Ipcf.acf", "nbins=8 smooth=0");
ok = (r == "ACF of E");
check(ok, "a stale Esc does not cancel acf", r);
selectWindow("E"); setKeyDown("esc");
r = call("ipcf.Ipcf.errors", opts);
ok = (!startsWith(r, "error"));
check(ok, "a stale Esc does not cancel errors", r);
selectWindow("E"); setKeyDown("esc");
r = call("ipcf.Ipcf.correctBleaching", "filter=4");
ok = (!startsWith(r, "error"));
check(ok, "a stale Esc does not cancel correctBleaching", r);
close("*");

// ---- 2. a second channel's title shared by two images ----
mk("C", 4, 60);
mk("C", 5, 70);
mk("A", 1, 50);
expect("second=C with two images titled C", call("ipcf.Ipcf.pcf", opts + " second=C"), "2 open images have that title");
selectWindow("C"); rename("C2");
selectWindow("A");
r = call("ipcf.Ipcf.pcf", opts + " second=C");
ok = (r == "pCF of A");
check(ok, "second=C once the title is unique", r);
close("*");

// ---- 3. Fit errors=blocking: the stack the curves came from ----
mk("A", 1, 50);
r = call("ipcf.Ipcf.pcf", opts); selectWindow(r); rename("res");
selectWindow("A"); e = call("ipcf.Ipcf.errors", opts + " method=blocking"); selectWindow(e); rename("sig");
selectWindow("res"); f = call("ipcf.Ipcf.fit", "model=pcf1d sigma=sig"); selectWindow(f); rename("want");
selectWindow("res"); f = call("ipcf.Ipcf.fit", "model=pcf1d errors=blocking"); selectWindow(f); rename("fit0");
ok = (same("fit0", "want"));
check(ok, "errors=blocking gives the fit weighted by the input's error bars", "maps differ");
// renamed, and another image took its title: the source by its id
selectWindow("A"); rename("A (kept)");
mk("A", 7, 500);
selectWindow("res"); f = call("ipcf.Ipcf.fit", "model=pcf1d errors=blocking"); selectWindow(f); rename("fit1");
ok = (same("fit1", "want"));
check(ok, "the source renamed and another 'A' opened: its own error bars (by id)", "maps differ");
// renamed only; with a stale Esc too
close("A"); selectWindow("A (kept)"); rename("A renamed");
selectWindow("res"); setKeyDown("esc");
f = call("ipcf.Ipcf.fit", "model=pcf1d errors=blocking"); selectWindow(f); rename("fit2");
ok = (same("fit2", "want"));
check(ok, "the source only renamed (and a stale Esc): its own error bars", "maps differ");
// a result of another session (ImageJ's ids start again in each): its ids are not used
selectWindow("res"); Property.set("ipcf.session", "another session");
expect("another session's result: by title only", call("ipcf.Ipcf.fit", "model=pcf1d errors=blocking"), "the result's input 'A' is not open");
Property.set("ipcf.session", "");
// edited in place: refused
selectWindow("A renamed"); rename("A");
edit("A");
selectWindow("res");
expect("the source edited in place", call("ipcf.Ipcf.fit", "model=pcf1d errors=blocking"), "is not the stack the curves were computed from");
// closed, and another image of its title opened: refused
close("A");
mk("A", 9, 50);
selectWindow("res");
expect("the source closed and another 'A' opened", call("ipcf.Ipcf.fit", "model=pcf1d errors=blocking"), "is not the stack the curves were computed from");
close("*");
// the second channel edited in place: refused
mk("A", 1, 50);
mk("B", 2, 55);
selectWindow("A");
r = call("ipcf.Ipcf.pcf", opts + " second=B"); selectWindow(r); rename("res2");
f = call("ipcf.Ipcf.fit", "model=pcf1d errors=blocking");
ok = (!startsWith(f, "error"));
check(ok, "errors=blocking with a second channel", f);
edit("B");
selectWindow("res2");
expect("the second channel edited in place", call("ipcf.Ipcf.fit", "model=pcf1d errors=blocking"), "the second channel");
close("*");

// ---- 4. an opened result file must be the one its metadata describe ----
tmp = getDirectory("temp");
if (!endsWith(tmp, "/")) tmp = tmp + "/";
tmp = tmp + "ipcf_sources_" + d2s(getTime(), 0) + "_" + d2s(round(random * 1e6), 0) + "/";
File.makeDirectory(tmp);
mk("A", 1, 50); saveAs("Tiff", tmp + "a.tif"); close();
mk("B", 2, 55); saveAs("Tiff", tmp + "b.tif"); close();
r = call("ipcf.Ipcf.pcfFile", tmp + "a.tif", tmp + "a.npy", opts);
r = call("ipcf.Ipcf.pcfFile", tmp + "b.tif", tmp + "b.npy", opts);
t = call("ipcf.Ipcf.openPcf", tmp + "a.npy");
ok = (!startsWith(t, "error"));
check(ok, "openPcf of a result with its own sidecar", t);
close("*");
File.copy(tmp + "b.npy.json", tmp + "a.npy.json");   // another result's sidecar beside it
expect("openPcf with another result's sidecar", call("ipcf.Ipcf.openPcf", tmp + "a.npy"), "not this result's metadata");
File.copy(tmp + "b.npy", tmp + "c.npy");
File.copy(tmp + "b.npy.json", tmp + "c.npy.json");
File.append("x", tmp + "c.npy");                      // the file changed since
expect("openPcf of a result changed since", call("ipcf.Ipcf.openPcf", tmp + "c.npy"), "not this result's metadata");
// metadata edited since ipcf wrote them (the checksum they record of themselves)
side = File.openAsRawString(tmp + "b.npy.json", 1000000);
ok = (indexOf(side, "\"self_crc32c\": \"") >= 0 && indexOf(side, "\"radius\": 1") >= 0);
check(ok, "the sidecar records its own checksum", side);
File.saveString(replace(side, "\"radius\": 1", "\"radius\": 2"), tmp + "b.npy.json");
expect("openPcf of edited metadata", call("ipcf.Ipcf.openPcf", tmp + "b.npy"), "metadata changed since ipcf wrote it");
File.saveString(side, tmp + "b.npy.json");
// cut short (the checksum and version, written last, are what a cut drops): not taken for
// metadata of a version before the checksum, whose partial fields the plugin would read
File.saveString(substring(side, 0, lengthOf(side) / 2), tmp + "b.npy.json");
expect("openPcf of metadata cut short", call("ipcf.Ipcf.openPcf", tmp + "b.npy"), "damaged JSON");
File.saveString(side, tmp + "b.npy.json");
t = call("ipcf.Ipcf.openPcf", tmp + "b.npy");
ok = (!startsWith(t, "error"));
check(ok, "openPcf of the metadata as written", t);
close("*");
list = getFileList(tmp);
for (i = 0; i < list.length; i++) ok = File.delete(tmp + list[i]);
ok = File.delete(tmp);

print("test_sources: " + passes + " passed, " + failures + " failed");
if (failures == 0) print("PASS: sources");
