// Menu commands run from a macro, as the Recorder writes them (run("Command...", "key=value")): their
// dialogs read the macro's options. Needs a display (the menus): make test-fiji runs it under Xvfb and
// checks its output (ipcf's errors go to it in batch mode).
setBatchMode(true);
newImage("stack", "16-bit ramp", 8, 8, 2100); // (the default filter, 1024, keeps 52 frames)
n = nImages;
// An unknown key was ignored by the dialog: filtersize=4 (the CLI's and Python's name; Fiji's is
// filter) corrected with the default filter 1024, without a word. Refused now, as call() refuses it.
run("Correct Photobleaching...", "filtersize=4 mean=real threads=1");
if (nImages == n) print("PASS Correct Photobleaching filtersize=4: no image");
else print("FAIL: Correct Photobleaching filtersize=4: " + (nImages - n) + " images made");
selectImage("stack");
run("Correct Photobleaching...", "filter=4 mean=real threads=1");
if (nImages == n + 1 && nSlices == 2100 - 8) print("PASS Correct Photobleaching filter=4: corrected");
else print("FAIL: Correct Photobleaching filter=4: " + (nImages - n) + " images, " + nSlices + " slices");
print("DONE menu");
