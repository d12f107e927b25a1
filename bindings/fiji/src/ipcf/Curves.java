package ipcf;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Plot;
import ij.gui.PointRoi;
import ij.gui.Roi;
import ij.macro.Interpreter;
import ij.measure.ResultsTable;
import ij.plugin.frame.RoiManager;
import java.awt.Color;
import java.awt.Point;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The curves of a pCF result hyperstack (slices: offsets, frames: curve points) at a point, in a
 * selection or in each ROI of the ROI Manager: the mean over the region's pixels (NaN curves, e.g.
 * masked or below the threshold, left out) of each offset's curve, as an ImageJ Plot (log delay
 * axis, one curve per offset, a legend with (u, v)) and as columns of the Results table. Needs no
 * JNA: it reads the result's pixels and properties (ipcf.offsets, ipcf.delays_frames,
 * ipcf.frame_interval, ipcf.margin, ipcf.output).
 */
final class Curves {
    private Curves() {}

    static final Set<String> KEYS = new HashSet<>(Arrays.asList("from"));
    static final Set<String> FLAGS = new HashSet<>(Arrays.asList("input"));
    static final String LISTING = "from input";
    /** The choices of the from key (and of the dialog). */
    static final String[] FROM = {"selection", "ROI Manager"};

    /** One region: its name, its pixels in the result, and the mean curves [offset][point]. */
    static final class Region {
        String name;
        Point[] pixels;
        double[][] mean;
        int curves; // the pixels whose curves are averaged: those not NaN throughout (thresholded, masked)
    }

    /** What the plots and the table were made of. */
    static final class Made {
        List<Region> regions = new ArrayList<>();
        List<ImagePlus> plots = new ArrayList<>();
        String[] columns;
    }

    /** Whether imp is a result of the plugin (it carries the properties describe() sets). */
    static boolean isResult(ImagePlus imp) {
        return imp != null && imp.getBitDepth() == 32 && imp.getProp("ipcf.delays_frames") != null
                && !imp.getProp("ipcf.delays_frames").isEmpty();
    }

    /**
     * Plots the curves of result res for options "from=selection" (the default: the selection, a
     * point, or every pixel when there is none) or "from=[ROI Manager]" (one set of curves per
     * ROI), with "input" when the ROIs were drawn on the input image (shifted by the result's
     * margins). Fills the Results table; shows one plot per region.
     */
    static Made plot(ImagePlus res, String options) {
        String o = options == null ? "" : options;
        Ipcf.checkOptions(o, KEYS, FLAGS, null, LISTING);
        String from = Ipcf.strOpt(o, "from", "selection");
        boolean manager;
        if (from.equals("selection")) manager = false;
        else if (from.equalsIgnoreCase("ROI Manager") || from.equals("manager") || from.equals("roi_manager")) manager = true;
        else throw new IllegalArgumentException("from=" + from + ": want selection or [ROI Manager]");
        boolean input = Ipcf.flag(o, "input");
        if (!isResult(res))
            throw new IllegalArgumentException("select a pCF result first (made by Pair Correlation (pCF)..., Autocorrelation (ACF)... "
                    + "or opened with call(\"ipcf.Ipcf.openPcf\", path))");
        int np = res.getNSlices(), nb = res.getNFrames(), w = res.getWidth(), h = res.getHeight();
        double[] delays = numbers(res.getProp("ipcf.delays_frames"), ",");
        if (delays.length != nb) throw new IllegalArgumentException("the result's ipcf.delays_frames has " + delays.length + " delays, it has " + nb + " points");
        int[] uv = offsets(res.getProp("ipcf.offsets"), np);
        double fi = 0;
        String fis = res.getProp("ipcf.frame_interval");
        if (fis != null && !fis.isEmpty()) fi = Double.parseDouble(fis);
        int dx = 0, dy = 0;
        if (input) {
            // Where the result's pixel (0, 0) lies in the input: without it the regions drawn on the
            // input would be taken from other pixels (a result opened without metadata).
            double[] m = numbers(res.getProp("ipcf.margin"), ",");
            if (m.length != 2)
                throw new IllegalArgumentException("input: " + res.getTitle() + " does not record where its pixels lie in its input "
                        + "(ipcf.margin; a result opened without its metadata?): draw the regions on the result itself and leave out input");
            dx = (int) m[0];
            dy = (int) m[1];
            // A part of a result (Image > Duplicate... of a rectangle, Image > Crop) keeps the
            // whole result's properties, ipcf.margin too, and where it lies in the result is not
            // known (ImageJ moves the calibration origin, but not one of 0,0, and a user may edit
            // it): refused, where its regions were taken from other pixels without a word
            // (FIJI18's F3; REVIEW20's F1, F2: the origin, tried first, was wrong for both).
            double[] size = numbers(res.getProp("ipcf.size"), ",");
            if (size.length == 2 && (size[0] != res.getWidth() || size[1] != res.getHeight()))
                throw new IllegalArgumentException("input: " + res.getTitle() + " is " + res.getWidth() + "x" + res.getHeight()
                        + " pixels, a part of the " + (int) size[0] + "x" + (int) size[1] + " result it was made from (Image > Duplicate... "
                        + "or Crop), and where it lies in the input is not recorded: draw the regions on it and leave out input, or "
                        + "use input on the whole result");
        }
        Made made = new Made();
        if (manager) {
            RoiManager rm = RoiManager.getInstance2();
            if (rm == null || rm.getCount() == 0)
                throw new IllegalArgumentException("from=[ROI Manager]: the ROI Manager has no ROIs (add them with Analyze > Tools > ROI Manager)");
            Roi[] rois = rm.getRoisAsArray();
            for (int k = 0; k < rois.length; k++) made.regions.add(region(rm.getName(k), rois[k], w, h, dx, dy));
        } else {
            Roi roi = res.getRoi();
            if (roi == null) {
                Region r = new Region();
                r.name = "all pixels";
                r.pixels = new Point[w * h];
                for (int k = 0; k < w * h; k++) r.pixels[k] = new Point(k % w, k / w);
                made.regions.add(r);
            } else {
                Point[] p = roi.getContainedPoints();
                String name = roi instanceof PointRoi && p.length == 1 ? "x=" + p[0].x + " y=" + p[0].y
                        : roi.getName() != null ? roi.getName() : "selection";
                made.regions.add(region(name, roi, w, h, dx, dy));
            }
        }
        for (Region r : made.regions) {
            r.mean = mean(res, r.pixels);
            r.curves = curves(res, r.pixels);
            if (r.curves == 0)
                throw new IllegalArgumentException("'" + r.name + "' of " + res.getTitle() + " holds no curve: its " + r.pixels.length
                        + " pixel(s) are NaN throughout (below the threshold, or masked)");
        }
        // the table: one row per curve point, a column per region and offset
        ResultsTable rt = ResultsTable.getResultsTable();
        rt.reset();
        boolean several = made.regions.size() > 1;
        List<String> cols = new ArrayList<>();
        cols.add("delay_frames");
        if (fi > 0) cols.add("delay_s");
        Set<String> seen = new LinkedHashSet<>();
        for (Region r : made.regions)
            for (int i = 0; i < np; i++) {
                String c = (several ? r.name + " " : "") + "G " + label(uv, i);
                for (int n = 2; !seen.add(c); n++) c = (several ? r.name + " (" + n + ") " : "") + "G " + label(uv, i);
                cols.add(c);
            }
        made.columns = cols.toArray(new String[0]);
        for (int b = 0; b < nb; b++) {
            rt.incrementCounter();
            int c = 0;
            rt.addValue(made.columns[c++], delays[b]);
            if (fi > 0) rt.addValue(made.columns[c++], delays[b] * fi);
            for (Region r : made.regions)
                for (int i = 0; i < np; i++) rt.addValue(made.columns[c++], r.mean[i][b]);
        }
        rt.setPrecision(-6); // scientific notation with 6 digits: G is small, delays span decades
        rt.show("Results");
        // the plots
        boolean delta = "delta".equals(res.getProp("ipcf.output"));
        for (Region r : made.regions) {
            Plot plot = plot(res, r, uv, delays, fi, delta);
            made.plots.add(show(plot));
            IJ.log("ipcf: curves of " + res.getTitle() + " in " + r.name + ": mean of " + r.curves + " pixels"
                    + (r.curves < r.pixels.length ? " (" + (r.pixels.length - r.curves) + " of the region's " + r.pixels.length
                    + " left out: NaN throughout, below the threshold or masked)" : ""));
        }
        return made;
    }

    /** The region of roi in a w x h result, shifted by (-dx, -dy) (ROIs drawn on the input image). */
    static Region region(String name, Roi roi, int w, int h, int dx, int dy) {
        List<Point> in = new ArrayList<>();
        for (Point p : roi.getContainedPoints()) {
            int x = p.x - dx, y = p.y - dy;
            if (x >= 0 && y >= 0 && x < w && y < h) in.add(new Point(x, y));
        }
        if (in.isEmpty())
            throw new IllegalArgumentException("ROI '" + name + "' covers no pixel of the result (" + w + "x" + h
                    + (dx != 0 || dy != 0 ? ", the ROI shifted by the margins " + dx + "," + dy : "")
                    + (dx == 0 && dy == 0 ? "; drawn on the input image? give input" : "") + ")");
        Region r = new Region();
        r.name = name;
        r.pixels = in.toArray(new Point[0]);
        return r;
    }

    /** The pixels with a value that is not NaN, at some offset and point: the curves averaged. */
    static int curves(ImagePlus res, Point[] pixels) {
        int np = res.getNSlices(), nb = res.getNFrames(), w = res.getWidth();
        boolean[] seen = new boolean[pixels.length];
        int n = 0;
        for (int i = 0; i < np && n < pixels.length; i++)
            for (int b = 0; b < nb && n < pixels.length; b++) {
                float[] plane = (float[]) res.getStack().getPixels(res.getStackIndex(1, i + 1, b + 1));
                for (int k = 0; k < pixels.length; k++)
                    if (!seen[k] && !Float.isNaN(plane[pixels[k].y * w + pixels[k].x])) {
                        seen[k] = true;
                        n++;
                    }
            }
        return n;
    }

    /** The mean over the pixels of each offset's curve [offset][point]; NaN values left out (NaN where all are). */
    static double[][] mean(ImagePlus res, Point[] pixels) {
        int np = res.getNSlices(), nb = res.getNFrames(), w = res.getWidth();
        double[][] m = new double[np][nb];
        for (int i = 0; i < np; i++)
            for (int b = 0; b < nb; b++) {
                float[] plane = (float[]) res.getStack().getPixels(res.getStackIndex(1, i + 1, b + 1));
                double s = 0;
                int n = 0;
                for (Point p : pixels) {
                    float v = plane[p.y * w + p.x];
                    if (!Float.isNaN(v)) {
                        s += v;
                        n++;
                    }
                }
                m[i][b] = n == 0 ? Double.NaN : s / n;
            }
        return m;
    }

    /** The plot of a region: one curve per offset against the delay (s, or frames), log delay axis. */
    static Plot plot(ImagePlus res, Region r, int[] uv, double[] delays, double fi, boolean delta) {
        int np = r.mean.length, nb = delays.length;
        // delay 0 (the first point) has no place on a log axis; it equals the second point (docs/toolkit.md, 5.)
        int first = 0;
        while (first < nb && !(delays[first] > 0)) first++;
        int n = nb - first;
        double[] x = new double[n];
        for (int b = 0; b < n; b++) x[b] = delays[first + b] * (fi > 0 ? fi : 1);
        String title = "pCF curves of " + res.getTitle() + " in " + r.name;
        Plot plot = new Plot(title, fi > 0 ? "delay (s)" : "delay (frames)",
                delta ? "\u0394G(\u03c4) = G(a\u2192b) \u2212 G(b\u2192a)" : "G(\u03c4)");
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        StringBuilder legend = new StringBuilder();
        for (int i = 0; i < np; i++) {
            double[] y = Arrays.copyOfRange(r.mean[i], first, nb);
            for (double v : y)
                if (!Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            plot.setColor(color(uv, i, np));
            plot.setLineWidth(np <= 12 ? 2 : 1);
            plot.addPoints(x, y, Plot.LINE);
            legend.append(i == 0 ? "" : "\n").append(label(uv, i));
        }
        if (!(lo <= hi)) {
            lo = -1;
            hi = 1;
        }
        double pad = (hi - lo) * 0.05 + (hi == lo ? 1e-3 : 0);
        if (n > 0) plot.setLimits(x[0], x[n - 1] * (n > 1 ? 1 : 2), lo - pad, hi + pad);
        plot.setLogScaleX();
        plot.setColor(Color.black);
        plot.setLineWidth(1);
        if (np <= 40) plot.addLegend(legend.toString());
        else plot.addText(np + " offsets (colour: direction); the Results table has each curve", 0.02, 0.06);
        return plot;
    }

    /** Shows a plot (a window; batch mode or headless: the macro's current image) and returns its image. */
    static ImagePlus show(Plot plot) {
        plot.show();
        ImagePlus imp = plot.getImagePlus();
        if (Interpreter.isBatchMode() && imp != null && imp.getWindow() == null) Interpreter.addBatchModeImage(imp);
        return imp;
    }

    /** "(u, v)" of offset i, or "offset i" without offsets. */
    static String label(int[] uv, int i) {
        return uv == null ? "offset " + i : "(" + uv[2 * i] + ", " + uv[2 * i + 1] + ")";
    }

    /** Ten distinct colours (Tableau 10) for up to ten curves. */
    static final int[] TEN = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};

    /**
     * A colour for offset i: one of ten distinct colours for up to ten offsets; for more, the hue
     * of its direction (black for (0, 0)), or spread over the offsets without uv.
     */
    static Color color(int[] uv, int i, int np) {
        if (np <= TEN.length) return new Color(TEN[i]);
        if (uv == null) return Color.getHSBColor((float) i / Math.max(1, np), 0.85f, 0.8f);
        int u = uv[2 * i], v = uv[2 * i + 1];
        if (u == 0 && v == 0) return Color.black;
        double a = Math.atan2(-v, u); // v grows downwards in the image
        float hue = (float) ((a / (2 * Math.PI) + 1) % 1.0);
        return Color.getHSBColor(hue, 0.85f, 0.8f);
    }

    /** The (u, v) pairs of "u,v;u,v" when there are np of them, else null. */
    static int[] offsets(String s, int np) {
        if (s == null || s.isEmpty()) return null;
        String[] parts = s.split(";");
        if (parts.length != np) return null;
        int[] uv = new int[2 * np];
        for (int i = 0; i < np; i++) {
            String[] xy = parts[i].split(",");
            if (xy.length != 2) return null;
            uv[2 * i] = Integer.parseInt(xy[0].trim());
            uv[2 * i + 1] = Integer.parseInt(xy[1].trim());
        }
        return uv;
    }

    static double[] numbers(String s, String sep) {
        if (s == null || s.trim().isEmpty()) return new double[0];
        String[] parts = s.split(sep);
        double[] d = new double[parts.length];
        for (int k = 0; k < d.length; k++) d[k] = Double.parseDouble(parts[k].trim());
        return d;
    }

    /** For the Log: "3 regions, 32 offsets, 30 points". */
    static String summary(Made m, ImagePlus res) {
        return String.format(Locale.US, "%d region%s, %d offsets, %d points", m.regions.size(), m.regions.size() == 1 ? "" : "s",
                res.getNSlices(), res.getNFrames());
    }
}
