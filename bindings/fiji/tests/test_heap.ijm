// Headless ImageJ with a small heap (-Xmx128m): a pCF of the image whose result cannot fit the
// memory left to ImageJ is refused before any work, naming its size and the file job (HOSTS11's
// F3: it computed for tens of seconds, then failed with "Java heap space"); one that fits runs.
// Prints 'PASS: heap' or 'FAIL: ...'.
failed = false;
newImage("s", "16-bit ramp", 16, 16, 256);
t0 = getTime();
r = call("ipcf.Ipcf.pcf", "radius=2 points=32768 bins=32 threads=1");
s = (getTime() - t0) / 1000;
print("big: [" + r + "] after " + d2s(s, 2) + " s");
ok = startsWith(r, "error: the result (12 x 12 pixels x 32768 offsets x 25 bins, 450.0 MiB) does not fit in the memory left to ImageJ") && indexOf(r, "Pair Correlation of File or Folder") > 0;
if (!ok) { print("FAIL: the result larger than the heap: " + r); failed = true; }
if (nImages != 1) { print("FAIL: " + nImages + " images open"); failed = true; }
selectImage("s");
r = call("ipcf.Ipcf.pcf", "radius=2 points=4 bins=8 threads=1");
print("small: [" + r + "]");
if (startsWith(r, "error")) { print("FAIL: a small result: " + r); failed = true; }
// a bleach correction whose corrected stack the heap cannot take (REVIEW11's F9)
newImage("b", "16-bit ramp", 256, 256, 560);   // 70 MiB of the 128
r = call("ipcf.Ipcf.correctBleaching", "filter=16 threads=1");
print("bleach: [" + r + "]");
ok = startsWith(r, "error: the corrected stack (") && indexOf(r, "does not fit in the memory left to ImageJ") > 0;
if (!ok) { print("FAIL: a corrected stack larger than the heap left: " + r); failed = true; }
close("b");
// garbage of closed images is collected before refusing (REVIEW11's F6): a result of 45 MiB
// after 70 MiB were opened and closed
newImage("g", "16-bit ramp", 256, 256, 560);
close("g");
selectImage("s");
r = call("ipcf.Ipcf.pcf", "radius=2 points=3200 bins=32 threads=1");
print("after a closed image: [" + r + "]");
if (startsWith(r, "error")) { print("FAIL: refused for garbage not yet collected: " + r); failed = true; }
if (!failed) print("PASS: heap");
