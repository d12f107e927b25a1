package ipcf;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

/** Plugins > ipcf > Pair Correlation (pCF)... on the current stack or hyperstack. */
public class Pair_Correlation implements PlugIn {
    static final String[] MEANS = {"real", "floor"};

    public void run(String arg) {
        ImagePlus imp = IJ.getImage();
        if (imp == null) return;
        String axis = Ipcf.timeAxis(imp);
        if (axis.startsWith("error")) {
            Ipcf.error(axis.substring(7));
            return;
        }
        int bits = imp.getBitDepth();
        if (bits == 24) {
            Ipcf.error("RGB images are not supported: convert to 8, 16 or 32 bit");
            return;
        }
        Ipcf.Params p = new Ipcf.Params();
        GenericDialog gd = new GenericDialog("Pair Correlation (pCF)");
        int n = axis.equals("frames") ? imp.getNFrames() : imp.getNSlices();
        gd.addMessage("Time axis: " + axis + " (" + n + " time points; the first power of two are used)");
        gd.addNumericField("Radius", p.radius, 0, 4, "pixels");
        gd.addNumericField("Points", p.points, 0, 4, "on the circle");
        gd.addNumericField("Bins", p.bins, 0, 4, "log delay bins (requested)");
        gd.addNumericField("Bleaching filter", p.bleach, 0, 6, "frames (0 = off)");
        gd.addChoice("Bleach mean", MEANS, MEANS[0]);
        gd.addNumericField("Threads", p.threads, 0, 4, "(0 = all cores)");
        gd.addChoice("Device", new String[] {"auto", "cpu", "cuda"}, "auto");
        gd.addCheckbox("Use ROI as mask", imp.getRoi() != null && imp.getRoi().isArea());
        gd.addHelp("https://github.com/cgohlke/ipcf.ipynb");
        gd.showDialog();
        if (gd.wasCanceled()) return;
        try {
            // whole numbers or an error: 2.7 (from the dialog or a macro) is never cut to 2
            p.radius = Ipcf.wholeNumber("radius", gd.getNextNumber(), 1);
            p.points = Ipcf.wholeNumber("points", gd.getNextNumber(), 1);
            p.bins = Ipcf.wholeNumber("bins", gd.getNextNumber(), 2);
            p.bleach = Ipcf.wholeNumber("bleaching filter", gd.getNextNumber(), 0);
            p.floorMean = gd.getNextChoiceIndex() == 1;
            p.threads = Ipcf.wholeNumber("threads", gd.getNextNumber(), 0);
            p.device = gd.getNextChoice();
            p.roiMask = gd.getNextBoolean();
        } catch (RuntimeException e) {
            Ipcf.error(Ipcf.describe(e));
            return;
        }
        if (gd.invalidNumber()) {
            Ipcf.error("invalid number in the dialog");
            return;
        }
        long t0 = System.currentTimeMillis();
        try {
            IJ.showStatus("pCF: computing (Esc cancels)...");
            ImagePlus res = Ipcf.pcf(imp, p);
            res.show();
            IJ.showStatus("pCF: " + res.getWidth() + "x" + res.getHeight() + " pixels, " + res.getNSlices() + " points, "
                    + res.getNFrames() + " bins in " + (System.currentTimeMillis() - t0) / 1000.0 + " s");
        } catch (IpcfException e) {
            if (e.status == 6) IJ.showStatus("pCF: cancelled");
            else Ipcf.error(e.getMessage());
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            Ipcf.error(Ipcf.describe(e));
        } finally {
            IJ.showProgress(1.0);
        }
    }
}
