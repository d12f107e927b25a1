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
 * Plugins > ipcf > Pair Correlation (pCF)... on the current stack or hyperstack, with every mode
 * of the correlation toolkit (docs/toolkit.md). Recordable: the dialog's labels give the macro
 * keys of call("ipcf.Ipcf.pcf", options), and run("Pair Correlation (pCF)...", options) reads its
 * options with the same parser ({@link Ipcf#params}), so the two take one set of keys. Headless,
 * IJ.runPlugIn("ipcf.Pair_Correlation", options) passes them as the argument.
 */
public class Pair_Correlation implements PlugIn {
    static final String[] MEANS = {"real", "floor"};
    static final String[] DEVICES = {"auto", "cpu", "cuda"};
    static final String[] PRESETS = {"circle", "disk", "line"};
    static final String[] BINS = {"log", "linear", "multitau"};

    /** The dialog's values of the last interactive run (per command). */
    private static Ipcf.Params lastPcf, lastAcf;

    /** Autocorrelation (ACF) overrides this: the offset (0, 0) alone, no offsets or preset fields. */
    boolean acf() {
        return false;
    }

    String name() {
        return acf() ? "Autocorrelation (ACF)" : "Pair Correlation (pCF)";
    }

    /**
     * arg: "" from the menu; from scripts, the macro options (IJ.runPlugIn("ipcf.Pair_Correlation",
     * "radius=...")) where Macro.getOptions() has none, as on a headless -batch thread.
     */
    public void run(String arg) {
        if (!Jna.check()) return; // before any class that needs JNA: a message, not "Plugin or class not found"
        String options = Macro.getOptions();
        if (options == null && arg != null && !arg.trim().isEmpty()) options = arg;
        ImagePlus imp = IJ.getImage();
        if (imp == null) return;
        if (imp.getBitDepth() == 24) {
            Ipcf.error("RGB images are not supported: convert to 8, 16 or 32 bit");
            return;
        }
        Ipcf.Params p;
        try {
            if (options != null) {
                p = Ipcf.params(legacy(options), acf());
            } else {
                Ipcf.Params last = acf() ? lastAcf : lastPcf;
                p = dialog(imp, last != null ? last : new Ipcf.Params());
                if (p == null) return;
                if (acf()) lastAcf = p;
                else lastPcf = p;
            }
        } catch (RuntimeException e) {
            Ipcf.error(Ipcf.describe(e));
            return;
        }
        long t0 = System.currentTimeMillis();
        try {
            IJ.showStatus(name() + ": computing (Esc cancels)...");
            IJ.resetEscape();
            ImagePlus res = Ipcf.pcf(imp, p);
            res.show();
            IJ.showStatus(name() + ": " + res.getWidth() + "x" + res.getHeight() + " pixels, " + res.getNSlices() + " offsets, "
                    + res.getNFrames() + " points in " + (System.currentTimeMillis() - t0) / 1000.0 + " s");
        } catch (IpcfException e) {
            if (e.status == Native.E_CANCELLED) IJ.showStatus(name() + ": cancelled");
            else Ipcf.error(e.getMessage());
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            Ipcf.error(Ipcf.describe(e));
        } finally {
            IJ.showProgress(1.0);
        }
    }

    /**
     * Options recorded by the dialog of 0.2 ("bins=32 bleaching=0 bleach=real use") in today's
     * keys (nbins=32 bleach=0 mean=real roi); other options unchanged. bins=NUMBER is read by
     * {@link Ipcf.Params#parse} itself.
     */
    static String legacy(String o) {
        List<String[]> t = Ipcf.tokens(o);
        if (t == null) return o;
        boolean old = false;
        for (String[] kv : t) old |= kv[0].equals("bleaching") || kv[0].equals("use") && kv[1] == null;
        if (!old) return o;
        StringBuilder b = new StringBuilder();
        for (String[] kv : t) {
            String k = kv[0], v = kv[1];
            if (k.equals("bleach") && ("real".equals(v) || "floor".equals(v))) k = "mean";
            else if (k.equals("bleaching")) k = "bleach";
            else if (k.equals("use") && v == null) k = "roi";
            b.append(b.length() == 0 ? "" : " ").append(k);
            if (v != null) b.append('=').append(v.matches(".*\\s.*") ? "[" + v + "]" : v);
        }
        return b.toString();
    }

    /** "none" and the titles of the images ids (for the second channel). */
    static String[] secondChoices(int[] ids) {
        List<String> t = new ArrayList<>();
        t.add("none");
        for (int id : ids) {
            ImagePlus o = WindowManager.getImage(id);
            t.add(o == null ? "(closed)" : o.getTitle());
        }
        return t.toArray(new String[0]);
    }

    /** The ids of those images, in the same order (two may share a title). */
    static int[] secondIds(ImagePlus imp) {
        List<Integer> t = new ArrayList<>();
        int[] ids = WindowManager.getIDList();
        if (ids != null)
            for (int id : ids) {
                ImagePlus o = WindowManager.getImage(id);
                if (o != null && o != imp && o.getWidth() == imp.getWidth() && o.getHeight() == imp.getHeight()) t.add(id);
            }
        int[] a = new int[t.size()];
        for (int i = 0; i < a.length; i++) a[i] = t.get(i);
        return a;
    }

    /**
     * The dialog; its labels' first words are the macro keys of {@link Ipcf.Params#parse}, and its
     * values are read through that parser. Null if cancelled.
     */
    Ipcf.Params dialog(ImagePlus imp, Ipcf.Params d) {
        boolean acf = acf();
        GenericDialog gd = new GenericDialog(name());
        int c = imp.getNChannels();
        String axis = Ipcf.timeAxis(imp, true);
        int n = axis.equals("frames") ? imp.getNFrames() : imp.getNSlices();
        if (axis.startsWith("error") && imp.getNSlices() == 1 && imp.getNFrames() == 1)
            gd.addMessage("One plane: a line scan (rows are " + imp.getHeight() + " time points) for the line preset,\n"
                    + "offsets along x (v = 0) or the ACF");
        else if (axis.startsWith("error"))
            gd.addMessage(axis.substring(7));
        else
            gd.addMessage("Time axis: " + axis + " (" + n + " time points; the first power of two are used)"
                    + (c > 1 ? "; " + c + " channels" : ""));
        if (!acf) {
            gd.addNumericField("Radius", d.radius, 0, 4, "pixels (circle, disk, line)");
            gd.addNumericField("Points", d.points, 0, 4, "on the circle");
            gd.addChoice("Preset", PRESETS, d.preset);
            gd.addStringField("Offsets (u,v;u,v;...)", d.offsets == null ? "none" : offsetText(d.offsets), 20);
            gd.addCheckbox("ACF (the offset 0,0 alone: per-pixel autocorrelation)", d.acf);
        }
        gd.addCheckbox("Delta (delta-CCF: forward minus backward)", d.delta);
        gd.addChoice("Bins", BINS, d.binning);
        gd.addNumericField("Nbins", d.bins, 0, 4, "bins (log, linear; requested)");
        gd.addNumericField("M", d.m, 0, 4, "multi-tau channels per level (even)");
        int sd = smoothDecimals(d.smooth);
        gd.addNumericField("Smooth", shown(d.smooth, sd), sd, 6, "weight of the previous point (0 = off)");
        gd.addStringField("Threshold", d.threshold == Double.NEGATIVE_INFINITY ? "none" : full(d.threshold), 8);
        gd.addMessage("Threshold: pixels whose mean is <= it get NaN curves (none = every pixel)");
        int[] secondIds = secondIds(imp);
        String[] seconds = secondChoices(secondIds);
        String sec = d.second != null && java.util.Arrays.asList(seconds).contains(d.second) ? d.second : "none";
        gd.addChoice("Second channel (neighbours' image)", seconds, sec);
        if (c > 1) {
            gd.addNumericField("Channel", d.channel > 0 && d.channel <= c ? d.channel : 1, 0, 3, "of this image (the pixels)");
            gd.addNumericField("Channel2", d.channel2 <= c ? d.channel2 : 0, 0, 3, "the neighbours' channel (0 = none)");
            if (c == 2) gd.addCheckbox("Cross (channel 1 against channel 2)", d.cross);
        }
        gd.addNumericField("Bleach", d.bleach, 0, 6, "bleaching filter, frames (0 = off)");
        gd.addChoice("Mean", MEANS, d.floorMean ? MEANS[1] : MEANS[0]);
        gd.addNumericField("Threads", d.threads, 0, 4, "(0 = all cores)");
        gd.addChoice("Device", DEVICES, Pair_Correlation_File.contains(DEVICES, d.device) ? d.device : "auto");
        String fiShown = full(Ipcf.secondsPerFrame(imp.getCalibration())), psShown = full(Ipcf.micrometresPerPixel(imp));
        gd.addStringField("Frame_interval (s)", fiShown, 10);
        gd.addStringField("Pixel_size (\u00b5m)", psShown, 10);
        gd.addMessage("Frame interval and pixel size: from the image's calibration; 0 = unknown");
        gd.addCheckbox("ROI as mask", imp.getRoi() != null && imp.getRoi().isArea());
        gd.addHelp("https://github.com/cgohlke/ipcf.ipynb");
        gd.showDialog();
        if (gd.wasCanceled()) return null;
        // the dialog's values as macro options, read by the macro parser: one set of keys and checks
        StringBuilder o = new StringBuilder();
        if (!acf) {
            o.append("radius=").append(Ipcf.wholeNumber("radius", gd.getNextNumber(), 1));
            o.append(" points=").append(Ipcf.wholeNumber("points", gd.getNextNumber(), 1));
            o.append(" preset=").append(gd.getNextChoice());
            o.append(" offsets=[").append(gd.getNextString().trim()).append("]");
            if (gd.getNextBoolean()) o.append(" acf");
        }
        if (gd.getNextBoolean()) o.append(" delta");
        o.append(" bins=").append(gd.getNextChoice());
        o.append(" nbins=").append(Ipcf.wholeNumber("nbins", gd.getNextNumber(), 2));
        o.append(" m=").append(Ipcf.wholeNumber("m", gd.getNextNumber(), 2));
        o.append(" smooth=").append(gd.getNextNumber());
        o.append(" threshold=[").append(gd.getNextString().trim()).append("]");
        int secondIndex = gd.getNextChoiceIndex();
        String second = seconds[secondIndex];
        if (c > 1) {
            o.append(" channel=").append(Ipcf.wholeNumber("channel", gd.getNextNumber(), 1));
            o.append(" channel2=").append(Ipcf.wholeNumber("channel2", gd.getNextNumber(), 0));
            if (c == 2 && gd.getNextBoolean()) o.append(" cross");
        }
        o.append(" bleach=").append(Ipcf.wholeNumber("bleach", gd.getNextNumber(), 0));
        o.append(" mean=").append(gd.getNextChoice());
        o.append(" threads=").append(Ipcf.threadsNumber(gd.getNextNumber()));
        o.append(" device=").append(gd.getNextChoice());
        // A value left as shown is the image's calibration: not given, so that the image's own
        // is read with its warnings (pixels not square, a unit ipcf does not know), which a
        // given 0 silenced.
        String fiText = gd.getNextString().trim(), psText = gd.getNextString().trim();
        if (!fiText.equals(fiShown)) o.append(" frame_interval=[").append(fiText).append("]");
        if (!psText.equals(psShown)) o.append(" pixel_size=[").append(psText).append("]");
        if (gd.getNextBoolean()) o.append(" roi");
        if (gd.invalidNumber()) throw new IllegalArgumentException("invalid number in the dialog");
        Ipcf.Params p = Ipcf.params(o.toString(), acf);
        if (secondIndex > 0) { // set here: a title may hold any character, and may be shared
            p.second = second;
            // the image chosen (two may share a title); a macro's second=TITLE is looked up by
            // its title, which must then be unique (Engine.secondImage)
            if (Macro.getOptions() == null) p.secondId = secondIds[secondIndex - 1];
            if (p.cross)
                throw new IllegalArgumentException("cross is channel 1 against channel 2 of this image: choose it or a second image");
        }
        return p;
    }

    /** v in full precision, for a text field the parser reads back ("2", "0.0005"). */
    static String full(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return new java.math.BigDecimal(Double.toString(v)).toPlainString();
    }

    /**
     * The decimals a numeric field shows v with: 3, or as many as v needs up to ImageJ's 9. With
     * {@link #shown}, the value a remembered field computes with is the text it shows, the one
     * the Recorder writes: a remembered Smooth of 0.45678 was shown and recorded as 0.457 and
     * computed as 0.45678, and the recorded line replayed gave other curves (FIJI18's F2).
     */
    public static int smoothDecimals(double v) {
        for (int d = 3; d < 9; d++)
            if (shown(v, d) == v) return d;
        return 9;
    }

    /** v as a numeric field of d decimals shows it (ImageJ's IJ.d2s), read back. */
    public static double shown(double v, int d) {
        return Double.parseDouble(ij.IJ.d2s(v, d));
    }

    /** v for a message: whole numbers below 1e15 in full, others as Java writes them (1.0E308, not 309 digits: FIJI18's m3). */
    static String brief(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    static String offsetText(int[] uv) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i + 1 < uv.length; i += 2) b.append(i == 0 ? "" : ";").append(uv[i]).append(',').append(uv[i + 1]);
        return b.toString();
    }
}
