package ipcf;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import java.util.ArrayList;
import java.util.List;

/**
 * Plugins > ipcf > Fit pCF Maps...: fits a model (pcf1d, acf2d, acf3d, ccf2d, itir; core/fit) to
 * every curve of the current pCF or ACF result and shows the parameter maps as a calibrated stack
 * ({@link Fit}). Recordable: the dialog's labels are the keys of call("ipcf.Ipcf.fit", options),
 * read by the same parser ({@link Fit#parse}): run("Fit pCF Maps...", "model=pcf1d waist=2 joint").
 */
public class Fit_Maps implements PlugIn {
    /** The dialog's options of the last interactive run. */
    private static String last = "";

    public void run(String arg) {
        if (!Jna.check()) return; // before any class that needs JNA
        String options = Macro.getOptions();
        if (options == null && arg != null && !arg.trim().isEmpty()) options = arg;
        ImagePlus res = WindowManager.getCurrentImage();
        if (res == null) {
            IJ.noImage();
            return;
        }
        try {
            if (options == null) {
                Fit.read(res); // a result, before the dialog
                options = dialog(res);
                if (options == null) return;
                last = options;
            }
            long t0 = System.currentTimeMillis();
            IJ.showStatus("Fit pCF Maps: fitting (Esc cancels)...");
            ImagePlus out = Fit.run(res, options);
            out.show();
            IJ.showStatus("Fit pCF Maps: " + out.getProp("ipcf.fit_counts") + " in " + (System.currentTimeMillis() - t0) / 1000.0 + " s");
        } catch (IpcfException e) {
            if (e.status == Native.E_CANCELLED) IJ.showStatus("Fit pCF Maps: cancelled");
            else Ipcf.error(e.getMessage());
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            Ipcf.error(Ipcf.describe(e));
        } finally {
            IJ.showProgress(1.0);
        }
    }

    /** Titles of the other open 32-bit images of res's size (error bars for sigma). */
    static String[] sigmaChoices(ImagePlus res) {
        List<String> t = new ArrayList<>();
        t.add("none");
        int[] ids = WindowManager.getIDList();
        if (ids != null)
            for (int id : ids) {
                ImagePlus o = WindowManager.getImage(id);
                if (o != null && o != res && o.getBitDepth() == 32 && o.getWidth() == res.getWidth() && o.getHeight() == res.getHeight()
                        && o.getStackSize() == res.getStackSize())
                    t.add(o.getTitle());
            }
        return t.toArray(new String[0]);
    }

    /** The dialog; its labels' first words are the keys of {@link Fit#parse}. The options, or null if cancelled. */
    static String dialog(ImagePlus res) {
        Fit.Spec d = Fit.parse(last);
        GenericDialog gd = new GenericDialog("Fit pCF Maps");
        String ps = res.getProp("ipcf.pixel_size"), fi = res.getProp("ipcf.frame_interval");
        gd.addMessage("Result: " + res.getTitle() + " (" + res.getNSlices() + " offsets, " + res.getNFrames() + " points)\n"
                + "pixel size " + (ps == null || ps.isEmpty() || Double.parseDouble(ps) == 0 ? "unknown (maps in pixels)" : ps + " \u00b5m")
                + ", frame interval " + (fi == null || fi.isEmpty() || Double.parseDouble(fi) == 0 ? "unknown (maps in frames)" : fi + " s"));
        gd.addChoice("Model", Fit.MODELS, d.modelName);
        gd.addStringField("Waist (pixels)", Double.isNaN(d.waist) ? "" : Pair_Correlation.full(d.waist), 8);
        gd.addStringField("Waist_um (\u00b5m)", Double.isNaN(d.waistUm) ? "" : Pair_Correlation.full(d.waistUm), 8);
        gd.addMessage("PSF waist (1/e\u00b2 radius) in pixels or \u00b5m; both empty: 2 pixels\n(the simulator's PSF), for results without a pixel size");
        gd.addStringField("Kappa (acf3d)", Double.isNaN(d.kappaGiven) ? "" : Pair_Correlation.full(d.kappaGiven), 8);
        gd.addCheckbox("Joint (a pixel's offsets fitted together; ccf2d always)", d.joint);
        gd.addCheckbox("Flow (acf2d, acf3d: a speed v; itir: a velocity)", d.flow);
        gd.addCheckbox("Ginf (a constant offset; not pcf1d)", d.ginf);
        gd.addNumericField("Threads", d.threads, 0, 4, "(0 = all cores)");
        gd.addChoice("Errors (weights computed on the result's input)", Fit.ERRORS, d.errors);
        gd.addStringField("Segments (errors=segments; empty: 8)", d.segments == 0 ? "" : Integer.toString(d.segments), 6);
        String[] sig = sigmaChoices(res);
        gd.addChoice("Sigma (an open image of error bars)", sig, d.sigma != null && java.util.Arrays.asList(sig).contains(d.sigma) ? d.sigma : "none");
        gd.showDialog();
        if (gd.wasCanceled()) return null;
        StringBuilder o = new StringBuilder();
        o.append("model=").append(gd.getNextChoice());
        String w = gd.getNextString().trim(), wu = gd.getNextString().trim(), k = gd.getNextString().trim();
        if (!w.isEmpty()) o.append(" waist=").append(w);
        if (!wu.isEmpty()) o.append(" waist_um=").append(wu);
        if (!k.isEmpty()) o.append(" kappa=").append(k);
        if (gd.getNextBoolean()) o.append(" joint");
        if (gd.getNextBoolean()) o.append(" flow");
        if (gd.getNextBoolean()) o.append(" ginf");
        o.append(" threads=").append(Ipcf.threadsNumber(gd.getNextNumber()));
        String e = gd.getNextChoice(), seg = gd.getNextString().trim(), s = gd.getNextChoice();
        if (!e.equals("none")) o.append(" errors=").append(e);
        if (e.equals("segments") && !seg.isEmpty()) o.append(" segments=").append(seg);
        if (!s.equals("none")) o.append(" sigma=[").append(s).append(']');
        if (gd.invalidNumber()) throw new IllegalArgumentException("invalid number in the dialog");
        String opts = o.toString();
        Fit.parse(opts); // the keys' checks now, with the dialog's words
        return opts;
    }
}
