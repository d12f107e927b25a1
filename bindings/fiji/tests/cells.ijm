// Writes the test stack of install.sh and Screenshots: 24 x 20 pixels, 256 frames of uint16
// noise with a bright band (a seeded random; the argument is the output .tif).
random("seed", 29);
newImage("cells", "16-bit black", 24, 20, 256);
for (t = 0; t < 256; t++) {
    setSlice(t + 1);
    for (y = 0; y < 20; y++) for (x = 0; x < 24; x++) {
        v = 20 + floor(random * 20);
        if (y >= 8 && y < 12) v = v + 30;
        setPixel(x, y, v);
    }
}
saveAs("Tiff", getArgument());
