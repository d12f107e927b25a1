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
if (!failed) print("PASS: heap");
