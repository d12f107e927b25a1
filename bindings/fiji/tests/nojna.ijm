// Run by install.sh in Debian's ImageJ (imagej -m, under Xvfb) with the plugin installed as the
// README says but without jna.jar: the menu command and the macro API say how to install JNA.
// The argument is a folder; the report goes to report.txt there.
dir = getArgument();
if (!endsWith(dir, "/")) dir = dir + "/";
List.setCommands;
cls = List.get("Pair Correlation (pCF)...");
newImage("cells", "16-bit ramp", 16, 16, 64);
setBatchMode(true);  // the plugin's error goes to the Log instead of a dialog the macro would wait on
run("Pair Correlation (pCF)...", "radius=2 points=8 nbins=8");
logText = getInfo("log");
v = call("ipcf.Ipcf.version");
File.saveString("menu: " + cls + "\nlog: " + logText + "\ncall: " + v + "\nplugins: " + getDirectory("plugins") + "\nend\n", dir + "report.txt");
close("*");
setBatchMode(false);
run("Quit");
