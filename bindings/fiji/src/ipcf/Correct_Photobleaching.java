package ipcf;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;

/** Plugins > ipcf > Correct Photobleaching...: a new, corrected stack. */
public class Correct_Photobleaching implements PlugIn {
    /**
     * arg: "" from the menu; from scripts, the options (IJ.runPlugIn("ipcf.Correct_Photobleaching",
     * "filter=64")) where Macro.getOptions() has none, as on a headless -batch thread.
     */
    public void run(String arg) {
        if (!Jna.check()) return; // before any class that needs JNA: a message, not "Plugin or class not found"
        String macro = Macro.getOptions();
        if (macro == null && arg != null && !arg.trim().isEmpty()) {
            Ipcf.correctBleaching(arg); // (its errors are shown)
            return;
        }
        ImagePlus imp = IJ.getImage();
        if (imp == null) return;
        try {
            // A macro's keys are checked as call("ipcf.Ipcf.correctBleaching", ...) checks them: the
            // dialog ignored an unknown one, and filtersize=64 (the CLI's and Python's name) corrected
            // with the default 1024 without a word.
            if (macro != null)
                Ipcf.checkOptions(macro, Ipcf.BLEACH_KEYS, java.util.Collections.<String>emptySet(), null,
                        "filter mean threads");
            // (in the try: without a display and without macro options the dialog throws
            // HeadlessException, which gets ipcf's message, not a stack trace)
            GenericDialog gd = new GenericDialog("Correct Photobleaching");
            gd.addNumericField("Filter size", 1024, 0, 6, "frames");
            gd.addChoice("Mean", Pair_Correlation.MEANS, "real");
            gd.addNumericField("Threads", 0, 0, 4, "(0 = all cores)");
            gd.showDialog();
            if (gd.wasCanceled()) return;
            int f = Ipcf.wholeNumber("filter size", gd.getNextNumber(), 1);
            boolean floor = gd.getNextChoiceIndex() == 1;
            int threads = Ipcf.threadsNumber(gd.getNextNumber());
            IJ.resetEscape(); // an Esc that cancelled an earlier command does not cancel this one
            Ipcf.correctBleaching(imp, f, floor, threads).show();
        } catch (IpcfException e) {
            if (e.status == Native.E_CANCELLED) {
                IJ.showStatus("bleaching correction: cancelled");
                IJ.log("ipcf: bleaching correction of " + imp.getTitle() + ": cancelled (Esc); no image made");
            }
            else Ipcf.error(e.getMessage());
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            Ipcf.error(Ipcf.describe(e));
        }
    }
}
