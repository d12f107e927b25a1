package ipcf;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.measure.Calibration;
import ij.process.FloatProcessor;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Fits of the library's models (ipcf_fit; core/fit, go doc ./core/fit) to every curve of a pCF or
 * ACF result: Plugins > ipcf > Fit pCF Maps... and call("ipcf.Ipcf.fit", options). The result's
 * offsets, delays and units come from the properties {@link Ipcf#describe} sets (ipcf.offsets,
 * ipcf.delays_frames, ipcf.frame_interval, ipcf.pixel_size, ipcf.output), so a result of the image
 * commands, an opened result file or a stack a macro labels so can be fitted. The maps are a
 * calibrated 32-bit stack: per parameter its map ("D (um^2/s)") and its standard error ("stderr
 * D (um^2/s)"; derived ones, such as speed and angle, to first order in the fitted parameters,
 * with the covariance of vx and vy), then the chi-square and the status of each fit; a frame per offset when each
 * offset's curves are fitted alone. This class names no JNA type: the fit itself runs in
 * {@link Engine#fit}.
 */
final class Fit {
    private Fit() {}

    static final String[] MODELS = {"pcf1d", "acf2d", "acf3d", "ccf2d", "itir"};
    static final String[] ERRORS = {"none", "blocking", "segments"};
    /** The statuses of ipcf_fit, in code order (0..3), as the counts name them. */
    static final String[] STATUS = {"converged", "at_bound", "max_iter", "failed"};
    static final Set<String> KEYS = new HashSet<>(Arrays.asList("model", "waist", "waist_um", "kappa", "threads", "errors",
            "segments", "sigma", "pixel_size", "frame_interval"));
    static final Set<String> FLAGS = new HashSet<>(Arrays.asList("joint", "flow", "ginf"));
    static final String LISTING = "model waist waist_um kappa joint flow ginf threads errors segments sigma pixel_size frame_interval";

    /** What to fit and how: the options, checked against the result. */
    static final class Spec {
        String modelName = "pcf1d";
        int model;
        boolean joint, flow, ginf, delta;
        /** The points are log or linear bins: the model is averaged over each (FIT_BINS), as ipcf fit does. */
        boolean binned;
        /** Multi-tau points: the model averaged over each one's blocks (FIT_MULTITAU, m read from the delays). */
        boolean multitau;
        int threads;
        /** The keys as given: NaN when absent. */
        double waist = Double.NaN, waistUm = Double.NaN, kappaGiven = Double.NaN;
        /** pixel_size= (um) and frame_interval= (s) as given, over the result's (0: none); NaN when absent. */
        double pixelSizeGiven = Double.NaN, frameIntervalGiven = Double.NaN;
        /** For the library: the waist in pixels (0: its default, 2 pixels), kappa (0 but for acf3d), the units. */
        double waistPx, kappa, pixelSize, frameInterval;
        /** none, blocking or segments; segments: 0 = the library's 8. */
        String errors = "none";
        int segments;
        /** Title of an open image of the result's error bars, or null. */
        String sigma;

        int flags() {
            return (flow ? Native.FIT_FLOW : 0) | (ginf ? Native.FIT_GINF : 0) | (joint ? Native.FIT_JOINT : 0)
                    | (delta ? Native.FIT_DELTA : 0) | (binned ? Native.FIT_BINS : 0) | (multitau ? Native.FIT_MULTITAU : 0);
        }

        /** One fit per pixel (its offsets together): joint, or ccf2d; the ACF models fit one curve per pixel. */
        boolean joint() {
            return joint || model == Native.MODEL_CCF2D;
        }

        boolean acf() {
            return model == Native.MODEL_ACF2D || model == Native.MODEL_ACF3D;
        }
    }

    /** The maps of a fit as planes (ny x nx): params and stderr [kf * nc + column], chisq and status [kf]. */
    static final class Maps {
        int nx, ny, nc, kf;
        String[] names;
        float[][] params, stderr, chisq;
        byte[][] status;
    }

    /** A result's curves and what describe() says about them. */
    static final class Input {
        int nx, ny, k, p;
        /** planes[i + k * b]: offset i, point b. */
        float[][] planes;
        double[] delays;
        int[] uv;
        double frameInterval, pixelSize;
        /** The curves' smoothing weight (ipcf.smooth; 0: none or not known). */
        double smooth;
        boolean delta;
        /** Log or linear bins (ipcf.bins; log when absent): each point the mean of G over its lags. */
        boolean binned;
        /** Multi-tau points (ipcf.bins=multitau): each the correlation of block sums. */
        boolean multitau;
    }

    /** The options parsed (keys: {@link #LISTING}), not yet checked against a result. */
    static Spec parse(String options) {
        String o = options == null ? "" : options;
        Ipcf.checkOptions(o, KEYS, FLAGS, null, LISTING);
        Spec s = new Spec();
        s.modelName = Ipcf.strOpt(o, "model", "pcf1d");
        s.model = Arrays.asList(MODELS).indexOf(s.modelName);
        if (s.model < 0) throw new IllegalArgumentException("model=" + s.modelName + ": want pcf1d, acf2d, acf3d, ccf2d or itir");
        s.joint = Ipcf.flag(o, "joint");
        s.flow = Ipcf.flag(o, "flow");
        s.ginf = Ipcf.flag(o, "ginf");
        s.threads = Ipcf.threadsOpt(o, 0);
        s.waist = positive(o, "waist", "pixels");
        s.waistUm = positive(o, "waist_um", "micrometres");
        s.kappaGiven = positive(o, "kappa", "the axial / lateral waist");
        s.pixelSizeGiven = nonNegative(o, "pixel_size", "micrometres per pixel, 0: none");
        s.frameIntervalGiven = nonNegative(o, "frame_interval", "seconds per frame, 0: none");
        s.errors = Ipcf.strOpt(o, "errors", "none");
        s.segments = segments(s.errors, Ipcf.strOpt(o, "segments", null));
        String sg = Ipcf.strOpt(o, "sigma", "none");
        s.sigma = sg.trim().isEmpty() || sg.equals("none") ? null : sg;
        if (s.sigma != null && !s.errors.equals("none"))
            throw new IllegalArgumentException("errors=" + s.errors + " and sigma=" + s.sigma
                    + ": give one (errors computes the error bars, sigma names an open image of them)");
        if (!Double.isNaN(s.waist) && !Double.isNaN(s.waistUm))
            throw new IllegalArgumentException("give waist (pixels) or waist_um (micrometres), not both");
        return s;
    }

    /** A number >= 0 (finite) for key; NaN when absent or empty. */
    private static double nonNegative(String o, String key, String what) {
        String v = Ipcf.strOpt(o, key, null);
        if (v == null || v.trim().isEmpty()) return Double.NaN;
        double d = Ipcf.number(key, v);
        if (!(d >= 0) || Double.isInfinite(d)) throw new IllegalArgumentException(key + "=" + v + ": want a number >= 0 (" + what + ")");
        return d;
    }

    /** A number > 0 (finite) for key; NaN when absent, empty or "none" (a dialog's empty field). */
    private static double positive(String o, String key, String what) {
        String v = Ipcf.strOpt(o, key, null);
        if (v == null || v.trim().isEmpty() || v.trim().equals("none")) return Double.NaN;
        double d = Ipcf.number(key, v);
        if (!(d > 0)) throw new IllegalArgumentException(key + "=" + v + ": want a number > 0 (" + what + ")");
        return d;
    }

    /**
     * Checks errors= (none, blocking or segments) and returns segments= (null or empty, the
     * dialog's field: 0, the library's 8), for the fit and the file job alike.
     */
    static int segments(String errors, String seg) {
        if (!Arrays.asList(ERRORS).contains(errors))
            throw new IllegalArgumentException("errors=" + errors + ": want blocking or segments (or none)");
        if (seg == null || seg.trim().isEmpty()) return 0;
        if (!errors.equals("segments"))
            throw new IllegalArgumentException("segments=" + seg + " is for errors=segments (the error bars from the spread over segments)");
        return (int) Ipcf.whole("segments", seg, 2, Integer.MAX_VALUE);
    }

    /** Checks s against the result in (the model's options, the waist and the units) and completes it. */
    static void plan(Spec s, Input in) {
        String m = "model=" + s.modelName;
        // Options over the result's units, as ipcf fit's --pixel-size and Python's pixel_size=.
        if (!Double.isNaN(s.pixelSizeGiven)) in.pixelSize = s.pixelSizeGiven;
        if (!Double.isNaN(s.frameIntervalGiven)) in.frameInterval = s.frameIntervalGiven;
        Ipcf.checkUnits(in.pixelSize, in.frameInterval, "the fit's units");
        s.pixelSize = in.pixelSize;
        s.frameInterval = in.frameInterval;
        s.delta = in.delta;
        s.binned = in.binned;
        s.multitau = in.multitau;
        if (!Double.isNaN(s.waist)) s.waistPx = s.waist;
        else if (!Double.isNaN(s.waistUm)) {
            if (!(in.pixelSize > 0))
                throw new IllegalArgumentException("waist_um needs the result's pixel size, and it has none (ipcf.pixel_size): give waist in pixels");
            s.waistPx = s.waistUm / in.pixelSize;
        } else if (in.pixelSize > 0)
            throw new IllegalArgumentException("the result is calibrated (pixel size " + in.pixelSize + " \u00b5m): give the PSF waist, "
                    + "waist=W (pixels) or waist_um=W (micrometres); the default 2 pixels is the simulator's PSF, for results without a pixel size");
        else s.waistPx = 0; // the library's default: 2 pixels
        if (in.delta && s.model != Native.MODEL_CCF2D)
            throw new IllegalArgumentException("the result holds delta-CCFs (forward minus backward): fit them with model=ccf2d, not " + s.modelName);
        if (!Double.isNaN(s.kappaGiven) && s.model != Native.MODEL_ACF3D)
            throw new IllegalArgumentException("kappa is for model=acf3d (the axial / lateral waist), not " + s.modelName);
        switch (s.model) {
            case Native.MODEL_PCF1D:
                if (s.flow) throw new IllegalArgumentException("flow: " + m + " has no flow (fit a delta result with model=ccf2d)");
                if (s.ginf) throw new IllegalArgumentException("ginf: " + m + " (ICSx64's model) has no offset Ginf");
                break;
            case Native.MODEL_ACF2D:
            case Native.MODEL_ACF3D:
                if (s.joint) throw new IllegalArgumentException("joint: " + m + " fits the one curve of each pixel at the offset (0, 0)");
                if (s.model == Native.MODEL_ACF3D) {
                    if (Double.isNaN(s.kappaGiven)) throw new IllegalArgumentException(m + " needs kappa=K, the axial / lateral waist ratio");
                    s.kappa = s.kappaGiven;
                }
                break;
            case Native.MODEL_CCF2D:
                if (s.flow) throw new IllegalArgumentException("flow: " + m + " always fits the velocity (vx, vy)");
                if (s.ginf && in.delta)
                    throw new IllegalArgumentException("ginf: a delta-CCF has no offset Ginf (it cancels between the two directions)");
                break;
            default:
                break;
        }
        if (s.acf() && acfIndex(in.uv) < 0)
            throw new IllegalArgumentException(m + " fits the autocorrelation, the offset (0, 0), which the result lacks (compute it with "
                    + "Autocorrelation (ACF)..., or offsets including 0,0)");
    }

    /**
     * The warning of a ccf2d fit of an image (not a line scan, nor one row or column) whose
     * offsets lie on one axis: the velocity across it is held at 0, and a flow across it biases D
     * and the velocity along it (D 0.090 for 0.05, vy 0 +- 0 without a word: FIT19's m1; as ipcf
     * fit and Python's ipcf.fit warn); empty otherwise.
     */
    static String heldAcross(Spec s, Input in) {
        if (s.model != Native.MODEL_CCF2D || in.nx <= 1 || in.ny <= 1) return "";
        boolean alongX = true, alongY = true, any = false;
        for (int i = 0; i + 1 < in.uv.length; i += 2) {
            if (in.uv[i] == 0 && in.uv[i + 1] == 0) continue;
            any = true;
            alongX &= in.uv[i + 1] == 0;
            alongY &= in.uv[i] == 0;
        }
        // (an offset across the axis needs more than 2 rows or columns: REVIEW24's m2)
        if (!any || !((alongX && in.ny > 2) || (alongY && in.nx > 2))) return "";
        return "the offsets lie on one axis of an image: the velocity across it is held at 0 (a line scan's geometry), and a flow "
                + "across it biases D and the velocity along it; give a result of offsets in two directions for an image's flow";
    }

    /** The index of the offset (0, 0), or -1. */
    static int acfIndex(int[] uv) {
        for (int i = 0; i + 1 < uv.length; i += 2)
            if (uv[i] == 0 && uv[i + 1] == 0) return i / 2;
        return -1;
    }

    static final String NOT_A_RESULT = "select a pCF or ACF result first (made by Pair Correlation (pCF)..., Autocorrelation (ACF)... or "
            + "opened with call(\"ipcf.Ipcf.openPcf\", path); a 32-bit hyperstack, z = offsets, t = curve points, with the properties "
            + "ipcf.offsets and ipcf.delays_frames)";

    /** The curves of a result and its properties; refuses images that are none. */
    static Input read(ImagePlus res) {
        if (res == null) throw new IllegalArgumentException("no image: " + NOT_A_RESULT);
        String errs = res.getProp("ipcf.errors");
        if (errs != null && !errs.isEmpty())
            throw new IllegalArgumentException("'" + res.getTitle() + "' holds error bars, not curves: select the result, and give these as "
                    + "sigma=[" + res.getTitle() + "]");
        if (res.getBitDepth() != 32 || res.getNChannels() != 1 || empty(res.getProp("ipcf.offsets")) || empty(res.getProp("ipcf.delays_frames")))
            throw new IllegalArgumentException("'" + res.getTitle() + "' is no result: " + NOT_A_RESULT);
        Input in = new Input();
        in.nx = res.getWidth();
        in.ny = res.getHeight();
        in.k = res.getNSlices();
        in.p = res.getNFrames();
        in.delays = numbers("ipcf.delays_frames", res.getProp("ipcf.delays_frames"));
        if (in.delays.length != in.p)
            throw new IllegalArgumentException("the result's ipcf.delays_frames has " + in.delays.length + " delays, and it has " + in.p
                    + " curve points (frames; a hyperstack: z = offsets, t = points)");
        in.uv = offsets(res.getProp("ipcf.offsets"));
        if (in.uv.length / 2 != in.k)
            throw new IllegalArgumentException("the result's ipcf.offsets has " + in.uv.length / 2 + " offsets, and it has " + in.k
                    + " curves per pixel (slices; a hyperstack: z = offsets, t = points)");
        in.frameInterval = unit(res, "ipcf.frame_interval");
        in.pixelSize = unit(res, "ipcf.pixel_size");
        in.delta = "delta".equals(res.getProp("ipcf.output"));
        // Log or linear bins are averaged over, multi-tau points over their blocks. Absent: log bins (the
        // results before the bins modes). Another value was taken for multi-tau, silently.
        String bins = res.getProp("ipcf.bins");
        if (!empty(bins) && !bins.trim().equals("log") && !bins.trim().equals("linear") && !bins.trim().equals("multitau"))
            throw new IllegalArgumentException("'" + res.getTitle() + "': ipcf.bins=" + bins.trim()
                    + ": want log, linear or multitau (the curves' bins; absent: log)");
        in.binned = empty(bins) || bins.trim().equals("log") || bins.trim().equals("linear");
        in.multitau = !empty(bins) && bins.trim().equals("multitau");
        in.planes = planes(res);
        String sm = res.getProp("ipcf.smooth");
        if (!empty(sm)) {
            try {
                in.smooth = Double.parseDouble(sm.trim());
            } catch (NumberFormatException e) {
                in.smooth = 0;
            }
        }
        return in;
    }

    private static boolean empty(String s) {
        return s == null || s.trim().isEmpty();
    }

    /** The float planes of a (1, k, p) hyperstack as [i + k * b]. */
    static float[][] planes(ImagePlus imp) {
        int k = imp.getNSlices(), p = imp.getNFrames();
        float[][] planes = new float[k * p][];
        ImageStack st = imp.getStack();
        for (int b = 0; b < p; b++)
            for (int i = 0; i < k; i++) planes[i + k * b] = (float[]) st.getPixels(imp.getStackIndex(1, i + 1, b + 1));
        return planes;
    }

    /** A unit property (seconds, micrometres): 0 when absent or empty; a number >= 0 otherwise. */
    static double unit(ImagePlus res, String key) {
        String v = res.getProp(key);
        if (empty(v)) return 0;
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the result's " + key + "=" + v + ": not a number");
        }
        if (!(d >= 0) || Double.isInfinite(d)) throw new IllegalArgumentException("the result's " + key + "=" + v + ": want a number >= 0 (0: unknown)");
        return d;
    }

    /** Comma-separated numbers of a property, each finite. */
    static double[] numbers(String key, String v) {
        String[] parts = v.trim().split("\\s*,\\s*", -1);
        double[] d = new double[parts.length];
        for (int i = 0; i < d.length; i++) {
            try {
                d[i] = Double.parseDouble(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the result's " + key + ": '" + parts[i] + "' is not a number");
            }
            if (Double.isNaN(d[i]) || Double.isInfinite(d[i]))
                throw new IllegalArgumentException("the result's " + key + ": '" + parts[i] + "' is not a finite number");
        }
        return d;
    }

    /** "u,v;u,v" of a result's ipcf.offsets as pairs. */
    static int[] offsets(String v) {
        try {
            return Ipcf.parseOffsets(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the result's ipcf.offsets: " + e.getMessage());
        }
    }

    /** Each column's unit, as ipcf fit's metadata (core/fit's Columns). */
    static String[] units(String[] names, double pixelSize, double frameInterval) {
        String dist = pixelSize > 0 ? "um" : "px", tim = frameInterval > 0 ? "s" : "frame", vel = dist + "/" + tim;
        String[] u = new String[names.length];
        for (int c = 0; c < names.length; c++) {
            switch (names[c]) {
                case "D": u[c] = dist + "^2/" + tim; break;
                case "v": case "vx": case "vy": case "speed": u[c] = vel; break;
                case "tauD": case "tau_peak": u[c] = tim; break;
                case "angle": u[c] = "deg"; break;
                default: u[c] = "1";
            }
        }
        return u;
    }

    /**
     * Fits the result res with options (keys {@link #LISTING}) and returns the maps' stack (not
     * shown). Needs JNA (the caller checks).
     */
    static ImagePlus run(ImagePlus res, String options) {
        IJ.resetEscape(); // an Esc that cancelled an earlier command cancels neither the error bars nor the fit
        // its warnings are Ipcf.lastWarning's, as a pCF's (an earlier pCF's was returned after it:
        // FIJI18's m8)
        Engine.clearWarning();
        Spec s = parse(options);
        Input in = read(res);
        plan(s, in);
        // A calibration edited on the result (Image > Properties) is not the pixel size its curves
        // were computed with: said (the maps carried the edited one, D the other, silently).
        // Pixels that are not square are no pixel size, as the pCF took them (a result of such an
        // image keeps its calibration and was said to have been edited: FIJI18's m4).
        Calibration rc = res.getCalibration();
        double calUm = Ipcf.squarePixels(rc) ? Ipcf.micrometresPerPixel(rc) : 0;
        if (Double.isNaN(s.pixelSizeGiven) && calUm > 0 && !(Math.abs(calUm - in.pixelSize) <= 1e-4 * calUm))
            Engine.warn("ipcf: warning: " + res.getTitle() + ": its calibration (" + calUm + " \u00b5m a pixel) is not the pixel size of its "
                    + "curves (ipcf.pixel_size " + in.pixelSize + " \u00b5m), which the fit uses; give pixel_size=UM to fit with another");
        // and a frame interval edited there, which was not taken without a word (FIJI18's m5)
        double calS = Ipcf.secondsPerFrame(rc);
        if (Double.isNaN(s.frameIntervalGiven) && calS > 0 && !(Math.abs(calS - in.frameInterval) <= 1e-4 * calS))
            Engine.warn("ipcf: warning: " + res.getTitle() + ": its calibration (" + calS + " s a frame) is not the frame interval of its "
                    + "curves (ipcf.frame_interval " + in.frameInterval + " s), which the fit uses; give frame_interval=S to fit with another");
        float[][] sigma = null;
        String weights = "none";
        if (s.sigma != null) {
            sigma = sigmaPlanes(s.sigma, in, res);
            weights = "sigma=[" + s.sigma + "]";
        } else if (!s.errors.equals("none")) {
            ImagePlus src = source(res, s);
            String said = Engine.lastWarning();
            sigma = errorBars(res, src, in, s); // (a computation: it forgets the warnings before it)
            Engine.keepWarning(said);
            weights = "errors=" + s.errors + (s.errors.equals("segments") ? " segments=" + (s.segments == 0 ? 8 : s.segments) : "")
                    + " of " + src.getTitle();
        } else if (res.getProp("ipcf.errors_file") != null) {
            // A result opened with its error bars recorded: ipcf fit and Python's fit_result
            // weight by them by default; here they are not open, so say it.
            String ef = res.getProp("ipcf.errors_file"), file = res.getProp("ipcf.file");
            String msg = "ipcf: warning: " + res.getTitle() + " has error bars (" + ef
                    + " beside it), fitted unweighted here: open them (openPcf) and give sigma=[their title] to weight "
                    + "the fit as ipcf fit does";
            // (gone: said, as ipcf fit and Python refuse such a result; the advice to open
            // them could not be followed: PARITY20's m2)
            if (file != null && !java.nio.file.Files.exists(java.nio.file.Paths.get(file).resolveSibling(ef)))
                msg = "ipcf: warning: " + res.getTitle() + " records error bars in " + ef + ", which is missing: "
                        + "fitted unweighted here; compute them again (ipcf pcf --errors, or errors=blocking here) to weight the fit";
            Engine.warn(msg);
        }
        float[][] planes = in.planes;
        int k = in.k;
        int[] uv = in.uv;
        if (s.acf()) { // the curves at (0, 0) alone
            int a = acfIndex(in.uv);
            planes = new float[in.p][];
            float[][] sg = sigma == null ? null : new float[in.p][];
            for (int b = 0; b < in.p; b++) {
                planes[b] = in.planes[a + in.k * b];
                if (sg != null) sg[b] = sigma[a + in.k * b];
            }
            sigma = sg;
            k = 1;
            uv = null;
        }
        String warning = in.smooth > 0 ? "the curves are smoothed (smooth " + in.smooth + "): the models describe "
                + "unsmoothed curves, and fits to smoothed ones give biased parameters (D 0.2 for 0.5 in a test); compute the "
                + "curves with smooth=0, best with bins=multitau" : "";
        if (!warning.isEmpty()) Engine.warn("ipcf: warning: " + res.getTitle() + ": " + warning);
        String held = heldAcross(s, in);
        if (!held.isEmpty()) {
            Engine.warn("ipcf: warning: " + res.getTitle() + ": " + held);
            warning = warning.isEmpty() ? held : warning + "; " + held;
        }
        IJ.resetEscape();
        long t0 = System.nanoTime();
        Maps m = Engine.fit(planes, sigma, in.nx, in.ny, k, in.p, in.delays, uv, s);
        double secs = (System.nanoTime() - t0) / 1e9;
        ImagePlus out = stack(res, in, s, m, uv == null ? new int[] {0, 0} : uv, options, weights);
        out.setProp("ipcf.fit_warnings", warning);
        long[] counts = counts(m);
        IJ.log(String.format(Locale.US, "ipcf: %s fit of %s: %d fits in %.2f s: %d converged, %d at a bound, %d out of iterations, %d failed%s",
                s.modelName, res.getTitle(), counts[0] + counts[1] + counts[2] + counts[3], secs, counts[0], counts[1], counts[2], counts[3],
                weights.equals("none") ? "" : "; weighted: " + weights));
        return out;
    }

    /** The planes of the error-bar image of that title, which must have the result's shape. */
    static float[][] sigmaPlanes(String title, Input in, ImagePlus res) {
        ImagePlus sd = Engine.imageByTitle("sigma", title);
        // The result itself, or another result's curves, of the result's shape: they weighted the
        // fits as error bars (REVIEW18's m1, as ipcf fit --sigma and Python's sigma= refuse them).
        if (sd == res)
            throw new IllegalArgumentException("sigma=" + title + " is the result itself, not its error bars: give an image of its "
                    + "error bars (call(\"ipcf.Ipcf.errors\", ...), or errors=blocking), or leave sigma out");
        if (empty(sd.getProp("ipcf.errors")) && !empty(sd.getProp("ipcf.offsets")) && !empty(sd.getProp("ipcf.delays_frames")))
            throw new IllegalArgumentException("sigma=" + title + " holds the curves of a pCF result, not error bars: give an image of "
                    + "error bars (call(\"ipcf.Ipcf.errors\", ...))");
        if (sd.getBitDepth() != 32 || sd.getNChannels() != 1 || sd.getWidth() != in.nx || sd.getHeight() != in.ny
                || sd.getNSlices() != in.k || sd.getNFrames() != in.p)
            throw new IllegalArgumentException("sigma=" + title + ": " + sd.getBitDepth() + "-bit " + sd.getWidth() + "x" + sd.getHeight()
                    + ", " + sd.getNChannels() + " channel(s), " + sd.getNSlices() + " slices, " + sd.getNFrames() + " frames; want the result's "
                    + "shape: 32-bit " + in.nx + "x" + in.ny + ", " + in.k + " slices (offsets), " + in.p + " frames (points)");
        return planes(sd);
    }

    /** The open input the result was computed from (ipcf.source_id, else ipcf.source_title). */
    static ImagePlus source(ImagePlus res, Spec s) {
        String opts = res.getProp("ipcf.pcf_options"), title = res.getProp("ipcf.source_title");
        if (empty(opts) || empty(title))
            throw new IllegalArgumentException("errors=" + s.errors + ": the result does not say what it was computed from (no ipcf.pcf_options "
                    + "and ipcf.source_title: an opened file, or made otherwise): give sigma=TITLE, an image of its error bars "
                    + "(call(\"ipcf.Ipcf.errors\", ...) on its input with its keys)");
        ImagePlus src = null;
        try {
            if (Ipcf.SESSION.equals(res.getProp("ipcf.session"))) // ids start again in every session
                src = WindowManager.getImage(Integer.parseInt(res.getProp("ipcf.source_id").trim()));
        } catch (RuntimeException e) {
            src = null;
        }
        // By its id, renamed or not; else by its title (closed and opened again). Its series is
        // checked against the result's ipcf.source_crc32 in errorBars: an image edited since, or
        // another of that title, is refused.
        if (src == null) src = WindowManager.getImage(title);
        if (src == null)
            throw new IllegalArgumentException("errors=" + s.errors + ": the result's input '" + title + "' is not open: open it (the same "
                    + "stack), or give sigma=TITLE, an image of the error bars");
        return src;
    }

    /** The error bars of the result's curves (ipcf_pcf_errors) on its input src, with the result's pCF options. */
    static float[][] errorBars(ImagePlus res, ImagePlus src, Input in, Spec s) {
        Ipcf.Params q = Ipcf.paramsQuiet(res.getProp("ipcf.pcf_options"), false);
        q.threads = s.threads;
        try {
            if (Ipcf.SESSION.equals(res.getProp("ipcf.session"))) q.secondId = Integer.parseInt(res.getProp("ipcf.data2_id").trim());
        } catch (RuntimeException e) {
            q.secondId = 0; // none, another session's, or a result of before 2026-12-03: by its title
        }
        q.roiMask = false; // masked pixels have NaN curves: their fits fail whatever the error bars
        Engine.Result r = Engine.compute(src, q, s.errors.equals("segments") ? Native.ERRORS_SEGMENTS : Native.ERRORS_BLOCKING, s.segments);
        if (r.nx != in.nx || r.ny != in.ny || r.np != in.k || r.nb != in.p || !Arrays.equals(r.delays, in.delays) || !Arrays.equals(r.uv, in.uv))
            throw new IllegalArgumentException("errors=" + s.errors + ": the input '" + src.getTitle() + "' gives error bars of " + r.nx + "x" + r.ny
                    + ", " + r.np + " offsets, " + r.nb + " points, other offsets or delays than the result (" + in.nx + "x" + in.ny + ", " + in.k
                    + ", " + in.p + "): not the stack it was computed from");
        String crc = res.getProp("ipcf.source_crc32"), crc2 = res.getProp("ipcf.data2_crc32");
        if (!empty(crc) && !crc.trim().equals(String.format("%08x", r.dataCrc)))
            throw new IllegalArgumentException("errors=" + s.errors + ": the input '" + src.getTitle() + "' is not the stack the curves were "
                    + "computed from (its pixels changed since, or it is another image of that title; checksum " + String.format("%08x", r.dataCrc)
                    + ", the result records " + crc.trim() + "): compute the curves again, or give sigma=TITLE, an image of their error bars");
        if (!empty(crc2) && !crc2.trim().equals(String.format("%08x", r.data2Crc)))
            throw new IllegalArgumentException("errors=" + s.errors + ": the second channel " + (r.data2Name == null ? "" : "'" + r.data2Name + "' ")
                    + "is not the one the curves were computed from (its pixels changed since, or it is another image of that title; checksum "
                    + (r.data2Crc < 0 ? "none" : String.format("%08x", r.data2Crc)) + ", the result records " + crc2.trim()
                    + "): compute the curves again, or give sigma=TITLE, an image of their error bars");
        return r.planes;
    }

    /** The number of fits of each status (STATUS). */
    static long[] counts(Maps m) {
        long[] c = new long[4];
        for (byte[] st : m.status)
            for (byte b : st) c[Math.min(3, b & 0xff)]++;
        return c;
    }

    /**
     * The maps as a stack: z = the parameters, their standard errors, chi-square and status; t =
     * the offsets fitted alone (one frame for joint and ACF fits); the result's pixel calibration.
     */
    static ImagePlus stack(ImagePlus res, Input in, Spec s, Maps m, int[] uv, String options, String weights) {
        int nc = m.nc, kf = m.kf, nz = 2 * nc + 2, n = m.nx * m.ny;
        boolean perOffset = kf > 1 || (!s.joint() && !s.acf());
        String[] units = units(m.names, in.pixelSize, in.frameInterval);
        ImageStack st = new ImageStack(m.nx, m.ny);
        for (int f = 0; f < kf; f++) {
            String at = perOffset ? " at (" + uv[2 * f] + ", " + uv[2 * f + 1] + ")" : "";
            for (int c = 0; c < nc; c++) st.addSlice(m.names[c] + " (" + units[c] + ")" + at, new FloatProcessor(m.nx, m.ny, m.params[f * nc + c]));
            for (int c = 0; c < nc; c++)
                st.addSlice("stderr " + m.names[c] + " (" + units[c] + ")" + at, new FloatProcessor(m.nx, m.ny, m.stderr[f * nc + c]));
            st.addSlice("chisq" + at, new FloatProcessor(m.nx, m.ny, m.chisq[f]));
            float[] sv = new float[n];
            for (int j = 0; j < n; j++) sv[j] = m.status[f][j] & 0xff;
            st.addSlice("status" + at, new FloatProcessor(m.nx, m.ny, sv));
        }
        ImagePlus out = new ImagePlus(s.modelName + " fit of " + res.getTitle(), st);
        out.setDimensions(1, nz, kf);
        if (kf > 1) out.setOpenAsHyperStack(true);
        Calibration cal = res.getCalibration().copy();
        cal.frameInterval = 0; // the frames are offsets
        if (!Double.isNaN(s.pixelSizeGiven)) { // the maps in the pixel size fitted with
            cal.pixelWidth = cal.pixelHeight = s.pixelSizeGiven > 0 ? s.pixelSizeGiven : 1;
            cal.setUnit(s.pixelSizeGiven > 0 ? "micron" : "pixel");
            cal.setYUnit(null);
        }
        out.setCalibration(cal);
        StringBuilder names = new StringBuilder(), us = new StringBuilder(), offs = new StringBuilder();
        for (int c = 0; c < nc; c++) {
            names.append(c == 0 ? "" : ",").append(m.names[c]);
            us.append(c == 0 ? "" : ",").append(units[c]);
        }
        for (int i = 0; i + 1 < uv.length; i += 2) offs.append(i == 0 ? "" : ";").append(uv[i]).append(',').append(uv[i + 1]);
        long[] counts = counts(m);
        out.setProp("ipcf.fit_model", s.modelName);
        out.setProp("ipcf.fit_options", options == null ? "" : options.trim());
        out.setProp("ipcf.fit_parameters", names.toString());
        out.setProp("ipcf.fit_units", us.toString());
        out.setProp("ipcf.fit_offsets", offs.toString());
        out.setProp("ipcf.fit_per_offset", perOffset ? "1" : "0");
        out.setProp("ipcf.fit_joint", s.joint() && !s.acf() ? "1" : "0");
        out.setProp("ipcf.fit_waist_px", Double.toString(s.waistPx > 0 ? s.waistPx : Native.FIT_DEFAULT_WAIST));
        out.setProp("ipcf.fit_kappa", s.model == Native.MODEL_ACF3D ? Double.toString(s.kappa) : "");
        out.setProp("ipcf.fit_flags", ((s.flow ? "flow " : "") + (s.ginf ? "ginf " : "") + (s.joint() && !s.acf() ? "joint " : "")
                + (s.delta ? "delta" : "")).trim());
        out.setProp("ipcf.fit_weights", weights);
        out.setProp("ipcf.fit_counts", "converged=" + counts[0] + " at_bound=" + counts[1] + " max_iter=" + counts[2] + " failed=" + counts[3]);
        out.setProp("ipcf.fit_result", res.getTitle());
        out.setProp("ipcf.fit_slices", "parameters 1.." + nc + ", their standard errors " + (nc + 1) + ".." + 2 * nc + ", chisq " + (2 * nc + 1)
                + ", status " + nz + " (0 converged, 1 at a bound, 2 out of iterations, 3 failed)");
        out.setProp("ipcf.pixel_size", Double.toString(in.pixelSize));
        out.setProp("ipcf.frame_interval", Double.toString(in.frameInterval));
        int d = Arrays.asList(m.names).indexOf("D");
        out.setPosition(1, d >= 0 ? d + 1 : 1, 1);
        out.resetDisplayRange();
        return out;
    }
}
