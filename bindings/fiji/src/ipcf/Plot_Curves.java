package ipcf;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import ij.plugin.frame.RoiManager;

/**
 * Plugins > ipcf > Plot pCF Curves: on a result (of Pair Correlation (pCF)..., Autocorrelation
 * (ACF)... or an opened result file), the curves at the selected point, averaged over the
 * selection (every pixel without one), or averaged per ROI of the ROI Manager: an ImageJ Plot per
 * region (log delay axis in seconds when the frame interval is known, one curve per offset, a
 * legend with (u, v)) and the Results table (delay_frames, delay_s, a "G (u, v)" column per
 * region and offset). Needs no JNA. With ROIs in the ROI Manager a dialog asks where from;
 * recordable: run("Plot pCF Curves", "from=[ROI Manager] input"), the keys of
 * call("ipcf.Ipcf.plotCurves", options).
 */
public class Plot_Curves implements PlugIn {
    private static String lastFrom = Curves.FROM[0];
    private static boolean lastInput;

    public void run(String arg) {
        String options = Macro.getOptions();
        if (options == null && arg != null && !arg.trim().isEmpty()) options = arg;
        ImagePlus res = WindowManager.getCurrentImage();
        if (res == null) {
            IJ.noImage();
            return;
        }
        try {
            if (options == null) {
                RoiManager rm = RoiManager.getInstance();
                if (rm != null && rm.getCount() > 0) {
                    GenericDialog gd = new GenericDialog("Plot pCF Curves");
                    gd.addChoice("From", Curves.FROM, lastFrom);
                    gd.addCheckbox("Input (ROI Manager ROIs drawn on the input image: shifted by the margins)", lastInput);
                    gd.addMessage("Selection: a point, an area (mean), or none (every pixel).\n"
                            + "ROI Manager: the mean curves of each ROI.");
                    gd.showDialog();
                    if (gd.wasCanceled()) return;
                    lastFrom = gd.getNextChoice();
                    lastInput = gd.getNextBoolean();
                    options = "from=[" + lastFrom + "]" + (lastInput ? " input" : "");
                } else {
                    options = "";
                }
            }
            Curves.Made m = Curves.plot(res, options);
            IJ.showStatus("pCF curves: " + Curves.summary(m, res));
        } catch (RuntimeException e) {
            Ipcf.error(Ipcf.describe(e));
        }
    }
}
