package ipcf;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.Roi;
import ij.measure.Calibration;
import ij.macro.Interpreter;
import ij.process.FloatProcessor;
import java.awt.GraphicsEnvironment;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ipcf computations on ImageJ images, and a static API for macros and scripts:
 * {@code call("ipcf.Ipcf.pcf", "radius=6 points=32 nbins=32")} runs on the current image, with the
 * correlation toolkit's keys ("offsets=1,0;0,1 bins=multitau m=16 smooth=0 threshold=50 delta
 * second=[other image]", see {@link Params}); {@code call("ipcf.Ipcf.acf", "nbins=32")} is the
 * per-pixel autocorrelation; {@code call("ipcf.Ipcf.property", "ipcf.delays_frames")} reads a
 * result's offsets, distances and delays; {@code call("ipcf.Ipcf.pcfFile", input, output,
 * "radius=6 memory=2GiB")} runs on a file or folder without loading it into ImageJ, with the same
 * toolkit keys ("preset=disk bins=multitau smooth=0 memory=64MiB"). Plugins > ipcf > Plot pCF
 * Curves plots a result's curves at a point, a selection or each ROI Manager ROI;
 * {@code call("ipcf.Ipcf.fit", "model=pcf1d waist=2 joint")} (Plugins > ipcf > Fit pCF Maps...)
 * fits a model to every curve of the current result into parameter maps ({@link Fit}), and
 * {@code call("ipcf.Ipcf.errors", "radius=6 method=blocking")} gives the error bars of the
 * curves that the same pCF keys give.
 */
public final class Ipcf {
    private Ipcf() {}

    /**
     * pCF parameters: one set of macro keys for call("ipcf.Ipcf.pcf", ...), call("ipcf.Ipcf.acf", ...),
     * run("Pair Correlation (pCF)...", ...) and run("Autocorrelation (ACF)...", ...); the dialogs
     * record the same keys. The toolkit keys (docs/toolkit.md): offsets=u,v;u,v (or preset=circle,
     * disk, line; acf for the offset (0, 0) alone), delta, bins=log|linear|multitau with nbins=N
     * (log, linear) or m=M (multitau), smooth=W (0 = off), threshold=T, the second channel
     * (second=TITLE, channel=N, channel2=N, cross), frame_interval=S and pixel_size=UM (default:
     * the image's calibration).
     */
    /** This JVM's session: image ids (ipcf.source_id, ipcf.data2_id) mean something in it only. */
    static final String SESSION = java.util.UUID.randomUUID().toString();

    public static class Params {
        /** bins is the number of bins (the nbins key; bins=NUMBER is still read as it). */
        public int radius = 6, points = 32, bins = 32, bleach = 0, threads = 0;
        public boolean floorMean = false, roiMask = false;
        public String device = "auto"; // auto, cpu, cuda, cuda:N
        /** circle (the default), disk or line; used when offsets is null and acf is not set. */
        public String preset = "circle";
        /** Explicit (u, v) pairs (u columns, v rows), or null for the preset. */
        public int[] offsets;
        /** The offset (0, 0) alone: the per-pixel autocorrelation (FCCS with a second channel). */
        public boolean acf;
        /** Delta-CCF: G(pixel -> neighbour) - G(neighbour -> pixel). */
        public boolean delta;
        /** log, linear or multitau. */
        public String binning = "log";
        /** Multi-tau channels per level (even, >= 2). */
        public int m = 16;
        /** Smoothing weight of the previous value, [0, 1); 0 = off. */
        public double smooth = 0.7;
        /** Pixels whose mean is <= threshold get NaN curves; -Infinity = none. */
        public double threshold = Double.NEGATIVE_INFINITY;
        /** Title of a second open image (the neighbours' channel), or null. */
        public String second;
        /** The second image's id where known (the dialog, a result), 0: by its title. Not an option. */
        public int secondId;
        /** Channel of the image (data) and of the second channel (data2, 0 = none); cross = 1 and 2. */
        public int channel = 0, channel2 = 0;
        public boolean cross;
        /** Seconds per frame and micrometres per pixel; NaN: from the image's calibration; 0: unknown. */
        public double frameInterval = Double.NaN, pixelSize = Double.NaN;

        /**
         * Parses a macro options string such as "radius=6 points=32 bins=log nbins=32 bleach=0
         * mean=real threads=0 roi" (keys: {@link #PCF_LISTING}). bins=NUMBER (the key of 0.2) is the
         * number of log bins, as nbins=NUMBER.
         */
        public static Params parse(String options) {
            Params p = new Params();
            String o = options == null ? "" : options;
            p.radius = intOpt(o, "radius", p.radius, 1);
            p.points = intOpt(o, "points", p.points, 1);
            String b = strOpt(o, "bins", null);
            String nb = strOpt(o, "nbins", null);
            if (b != null && b.trim().matches("[-+]?[0-9.].*")) { // a number: the count, as in 0.2
                if (nb != null)
                    throw new IllegalArgumentException("bins=" + b + " and nbins=" + nb
                            + ": give the number of bins once (nbins=N) and the binning as bins=log, linear or multitau");
                p.bins = (int) whole("bins", b, 2, Integer.MAX_VALUE);
            } else if (b != null) {
                if (!b.equals("log") && !b.equals("linear") && !b.equals("multitau"))
                    throw new IllegalArgumentException("bins=" + b + ": want log, linear or multitau (the number of bins is nbins=N)");
                p.binning = b;
            }
            if (nb != null) p.bins = (int) whole("nbins", nb, 2, Integer.MAX_VALUE);
            p.m = intOpt(o, "m", p.m, 2);
            if (p.m % 2 != 0 || p.m > 4096)
                throw new IllegalArgumentException("m=" + p.m + ": want an even number 2..4096 (multi-tau channels per level)");
            p.bleach = intOpt(o, "bleach", p.bleach, 0);
            p.threads = threadsOpt(o, p.threads);
            String mean = strOpt(o, "mean", "real");
            if (!mean.equals("real") && !mean.equals("floor")) {
                throw new IllegalArgumentException("mean=" + mean + ": want real or floor");
            }
            p.floorMean = mean.equals("floor");
            p.roiMask = flag(o, "roi");
            p.device = strOpt(o, "device", "auto");
            p.acf = flag(o, "acf");
            p.delta = flag(o, "delta");
            p.cross = flag(o, "cross");
            p.preset = strOpt(o, "preset", "circle");
            if (!p.preset.equals("circle") && !p.preset.equals("disk") && !p.preset.equals("line"))
                throw new IllegalArgumentException("preset=" + p.preset + ": want circle, disk or line");
            String off = strOpt(o, "offsets", "");
            if (!off.trim().isEmpty() && !off.trim().equals("none")) p.offsets = parseOffsets(off);
            if (p.offsets != null && !p.preset.equals("circle"))
                throw new IllegalArgumentException("offsets=" + off + " and preset=" + p.preset + ": give one of them");
            if (p.acf && (p.offsets != null || !p.preset.equals("circle")))
                throw new IllegalArgumentException("acf is the offset (0,0) alone: give acf, offsets or preset, not several");
            String sm = strOpt(o, "smooth", null);
            if (sm != null) {
                p.smooth = number("smooth", sm);
                if (!(p.smooth >= 0 && p.smooth < 1))
                    throw new IllegalArgumentException("smooth=" + sm + ": want 0 <= smooth < 1 (0 turns smoothing off)");
            }
            String th = strOpt(o, "threshold", "none");
            if (!th.trim().isEmpty() && !th.trim().equals("none"))
                p.threshold = number("threshold", th);
            String sec = strOpt(o, "second", "none");
            p.second = sec.isEmpty() || sec.equals("none") ? null : sec;
            p.channel = intOpt(o, "channel", 0, 1);
            p.channel2 = intOpt(o, "channel2", 0, 0);
            if (p.cross && (p.channel2 != 0 || p.second != null || p.channel > 1))
                throw new IllegalArgumentException("cross is channel 1 against channel 2 of this image: give cross, or channel2=N (with second=TITLE), not both");
            String fi = strOpt(o, "frame_interval", null);
            if (fi != null) p.frameInterval = FileJob.doubleOpt(o, "frame_interval", 0);
            String ps = strOpt(o, "pixel_size", null);
            if (ps != null) p.pixelSize = FileJob.doubleOpt(o, "pixel_size", 0);
            return p;
        }

        /**
         * Refuses fields set directly (the Java API) that no options string could give: parse
         * checks each key as it reads it, and this again for every caller of
         * {@link Ipcf#pcf(ImagePlus, Params)} (an unknown binning was recorded in the result,
         * preset=bogus computed the circle, negative units recorded, an odd offsets array lost
         * its last value). IllegalArgumentException naming the field.
         */
        public void check() {
            if (binning == null || !(binning.equals("log") || binning.equals("linear") || binning.equals("multitau")))
                throw new IllegalArgumentException("binning=" + binning + ": want log, linear or multitau");
            if (preset == null || !(preset.equals("circle") || preset.equals("disk") || preset.equals("line")))
                throw new IllegalArgumentException("preset=" + preset + ": want circle, disk or line");
            if (device == null) throw new IllegalArgumentException("device=null: want auto, cpu, cuda or cuda:N");
            if (offsets != null && (offsets.length < 2 || offsets.length % 2 != 0))
                throw new IllegalArgumentException("offsets: " + offsets.length + " values, want pairs (u, v): an even number, at least 2");
            if (m < 2 || m > 4096 || m % 2 != 0)
                throw new IllegalArgumentException("m=" + m + ": want an even number 2..4096 (multi-tau channels per level)");
            if (!(smooth >= 0 && smooth < 1))
                throw new IllegalArgumentException("smooth=" + smooth + ": want 0 <= smooth < 1 (0 turns smoothing off)");
            if (Double.isNaN(threshold))
                throw new IllegalArgumentException("threshold=NaN: want a number, or -Infinity for none");
            if (channel < 0 || channel2 < 0)
                throw new IllegalArgumentException("channel=" + channel + ", channel2=" + channel2 + ": want 0 (none) or a channel 1, 2, ...");
            for (double[] u : new double[][] {{frameInterval, 0}, {pixelSize, 1}})
                if (!Double.isNaN(u[0]) && !(u[0] >= 0 && !Double.isInfinite(u[0])))
                    throw new IllegalArgumentException((u[1] == 0 ? "frameInterval=" : "pixelSize=") + u[0]
                            + ": want >= 0 (0: unknown; NaN: from the image's calibration)");
        }

        /** Logs each option of {@link #ignored} as "ipcf: warning: ..." (the Log window). */
        void warnIgnored() {
            for (String w : ignored()) IJ.log("ipcf: warning: " + w);
        }

        /**
         * The options of these parameters that do nothing, each as a sentence: values other than
         * the defaults of points with the disk, the line, the ACF or given offsets, of radius
         * with the ACF or given offsets, of m without multi-tau, of nbins with it. (A recorded
         * macro holds every key of the dialog, so the defaults say nothing; ipcf pcf refuses
         * these, Python and MATLAB/Octave warn.)
         */
        public java.util.List<String> ignored() {
            Params d = new Params();
            java.util.List<String> w = new java.util.ArrayList<>();
            String what = acf ? "acf (the offset 0,0 alone)" : offsets != null ? "the offsets given" : "preset=" + preset;
            boolean circle = !acf && offsets == null && preset.equals("circle");
            if (points != d.points && !circle) w.add("points=" + points + " is ignored: " + what + " takes no circle points");
            if (radius != d.radius && (acf || offsets != null))
                w.add("radius=" + radius + " is ignored: " + what + " has no radius");
            if (m != d.m && !binning.equals("multitau"))
                w.add("m=" + m + " is ignored: it is the multi-tau channels per level (bins=multitau)");
            if (bins != d.bins && binning.equals("multitau"))
                w.add("nbins=" + bins + " is ignored: bins=multitau places its points by m");
            return w;
        }

        /**
         * The keys that give these curves again through {@link #parse} (a result's
         * ipcf.pcf_options, for its error bars): the offsets, binning, smoothing, threshold,
         * channels and bleaching; not threads, device, the units or the ROI mask.
         */
        public String toOptions() {
            StringBuilder b = new StringBuilder();
            b.append("radius=").append(radius).append(" points=").append(points);
            if (acf) b.append(" acf");
            else if (offsets != null) b.append(" offsets=").append(Pair_Correlation.offsetText(offsets));
            else b.append(" preset=").append(preset);
            if (delta) b.append(" delta");
            b.append(" bins=").append(binning).append(" nbins=").append(bins).append(" m=").append(m);
            b.append(" smooth=").append(Double.toString(smooth));
            b.append(" threshold=").append(threshold == Double.NEGATIVE_INFINITY ? "none" : Double.toString(threshold));
            if (second != null) b.append(" second=[").append(second).append(']');
            if (channel > 0) b.append(" channel=").append(channel);
            if (channel2 > 0) b.append(" channel2=").append(channel2);
            if (cross) b.append(" cross");
            b.append(" bleach=").append(bleach).append(" mean=").append(floorMean ? "floor" : "real");
            return b.toString();
        }
    }

    /** "u,v;u,v;...": whole numbers, a pair per offset (u columns, v rows). */
    static int[] parseOffsets(String s) {
        String[] parts = s.trim().split("\\s*;\\s*", -1);
        int[] uv = new int[2 * parts.length];
        for (int i = 0; i < parts.length; i++) {
            String[] xy = parts[i].trim().split("\\s*,\\s*", -1);
            if (xy.length != 2 || xy[0].isEmpty() || xy[1].isEmpty())
                throw new IllegalArgumentException("offsets=" + s + ": want u,v pairs separated by ';' (offsets=1,0;0,1), not '"
                        + parts[i] + "'");
            uv[2 * i] = (int) whole("offsets", xy[0], Integer.MIN_VALUE, Integer.MAX_VALUE);
            uv[2 * i + 1] = (int) whole("offsets", xy[1], Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        return uv;
    }

    /** A finite decimal number (NaN, Infinity, hex and "1.5f" are errors naming the key). */
    static double number(String key, String v) {
        String t = v.trim();
        if (!t.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,3})?"))
            throw new IllegalArgumentException(key + "=" + v + ": not a number");
        double d = Double.parseDouble(t);
        if (Double.isInfinite(d)) throw new IllegalArgumentException(key + "=" + v + ": not a finite number");
        return d;
    }

    /** Whether the options hold the flag (a word without a value). */
    static boolean flag(String o, String name) {
        java.util.List<String[]> t = tokens(o);
        if (t == null) return Pattern.compile("(^|\\s)" + Pattern.quote(name) + "(\\s|$)").matcher(o).find();
        for (String[] kv : t)
            if (kv[0].equals(name) && kv[1] == null) return true;
        return false;
    }

    /** Keys of {@link #pcf(String)}, {@link #acf(String)} and the image commands; flags in {@link #PCF_FLAGS}. */
    static final java.util.Set<String> PCF_KEYS = new java.util.HashSet<>(java.util.Arrays.asList("radius", "points",
            "bins", "nbins", "m", "preset", "offsets", "smooth", "threshold", "second", "channel", "channel2", "bleach",
            "mean", "threads", "device", "frame_interval", "pixel_size"));
    /** {@link #PCF_KEYS} and npoints, the other hosts' name of points ({@link FileJob#ALIASES}). */
    static final java.util.Set<String> PCF_KEYS_ALIASED = new java.util.HashSet<>(PCF_KEYS);
    static {
        PCF_KEYS_ALIASED.add("npoints");
    }
    /** The options with npoints=N spelt points=N, the key {@link Params#parse} reads. */
    static String pointsKey(String options) {
        return options == null ? null : options.replaceAll("(^|\\s)npoints=", "$1points=");
    }
    static final java.util.Set<String> PCF_FLAGS = new java.util.HashSet<>(
            java.util.Arrays.asList("roi", "acf", "delta", "cross"));
    /** Keys of {@link #correctBleaching(String)}. */
    static final java.util.Set<String> BLEACH_KEYS = new java.util.HashSet<>(
            java.util.Arrays.asList("filter", "mean", "threads"));

    /** One token of a macro options string: key=value, key=[value with spaces], or a flag. */
    private static final Pattern TOKEN = Pattern.compile("\\G\\s*([^\\s=\\[\\]]+)(=(\\[[^\\[\\]]*\\]|[^\\s\\[\\]]*))?(?=\\s|$)");

    /**
     * Checks a macro options string before any value is read: every word is key=value (the value
     * in [] when it holds spaces) with a known key, given once, or one of the flags. Misspelt,
     * repeated or valueless keys, empty values and unbalanced brackets are errors rather than
     * being ignored (a default used silently). aliases maps other spellings to their key
     * (npoints to points); the message names the word as given.
     */
    static void checkOptions(String o, java.util.Set<String> keys, java.util.Set<String> flags,
            java.util.Map<String, String> aliases, String listing) {
        String s = o == null ? "" : o;
        Matcher m = TOKEN.matcher(s);
        java.util.Set<String> seen = new java.util.HashSet<>();
        int at = 0;
        while (at < s.length() && !s.substring(at).trim().isEmpty()) {
            if (!m.find(at) || m.start() != at) {
                String rest = s.substring(at).trim();
                // A value holding [ or ] (a path: mask=/data/d[1]/m.npy) cannot be written in
                // ImageJ's option syntax, with or without brackets (HOSTS11's m9)
                int eq = rest.indexOf('=');
                String v = eq > 0 ? rest.substring(eq + 1) : "";
                int brackets = v.length() - v.replace("[", "").replace("]", "").length();
                boolean bracketed = brackets > 2 || (brackets > 0 && !v.startsWith("["));
                throw new IllegalArgumentException("cannot read the options from '" + rest
                        + "': want key=value or key=[value with spaces]"
                        + (bracketed ? " (a value holding [ or ], such as a path, cannot be written in ImageJ's options:"
                                + " move or link the file to a path without them; pcfFile's input and output are"
                                + " call() arguments and may hold them)" : ""));
            }
            at = m.end();
            String key = m.group(1);
            String canon = aliases != null && aliases.containsKey(key) ? aliases.get(key) : key;
            boolean flag = flags.contains(key);
            if (!flag && !keys.contains(key))
                throw new IllegalArgumentException("unknown option '" + key + "' (options: " + listing + ")");
            if (flag && m.group(2) != null)
                throw new IllegalArgumentException("option '" + key + "' takes no value: " + m.group(0).trim());
            if (!flag) {
                String v = m.group(3);
                if (v == null) throw new IllegalArgumentException("option '" + key + "' has no value: want " + key + "=VALUE");
                if (v.isEmpty() || v.equals("[]") && !key.matches("input|output|memory|scratch|tile|crop|frames|mask|shape|offsets|second|threshold|waist|waist_um|kappa|sigma|segments"))
                    throw new IllegalArgumentException("option '" + key + "' has an empty value");
            }
            if (!seen.add(canon)) throw new IllegalArgumentException("option '" + canon + "' given twice");
        }
    }

    static final String PCF_LISTING = "radius points bins nbins m preset offsets acf delta smooth threshold second channel "
            + "channel2 cross bleach mean threads device frame_interval pixel_size roi";

    /**
     * A whole-number option within [min, Integer.MAX_VALUE]: "2.7", "1e10", "NaN", "" and
     * "2147483648" are errors naming the key, never truncated or clamped.
     */
    static int intOpt(String o, String key, int def) {
        return intOpt(o, key, def, Integer.MIN_VALUE);
    }

    static int intOpt(String o, String key, int def, int min) {
        String v = strOpt(o, key, null);
        if (v == null) return def;
        return (int) whole(key, v, min, Integer.MAX_VALUE);
    }

    /** The whole number in text v (decimal digits with an optional sign) within [min, max]. */
    static long whole(String key, String v, long min, long max) {
        String t = v.trim();
        // decimal text only (no NaN, Infinity, hex or 1.5f), exponent bounded so the value stays small
        if (!t.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,3})?"))
            throw new IllegalArgumentException(key + "=" + v + ": not a whole number");
        java.math.BigDecimal d = new java.math.BigDecimal(t.startsWith("+") ? t.substring(1) : t);
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0)
            throw new IllegalArgumentException(key + "=" + v + ": not a whole number");
        java.math.BigInteger b = d.toBigInteger();
        if (b.compareTo(java.math.BigInteger.valueOf(min)) < 0 || b.compareTo(java.math.BigInteger.valueOf(max)) > 0)
            throw new IllegalArgumentException(key + "=" + v + ": out of range, want " + min + ".." + max);
        return b.longValue();
    }

    /** The most worker threads an option may ask (IPCF_MAX_THREADS; 0: all cores). */
    static final int MAX_THREADS = 4096;

    /** The threads option of a macro string: 0..MAX_THREADS, or def (the library's range, in the user's words). */
    static int threadsOpt(String o, int def) {
        String v = strOpt(o, "threads", null);
        return v == null ? def : (int) whole("threads", v, 0, MAX_THREADS);
    }

    /** A dialog's threads: 0..MAX_THREADS. */
    static int threadsNumber(double v) {
        int n = wholeNumber("threads", v, 0);
        if (n > MAX_THREADS) throw new IllegalArgumentException("threads=" + n + ": out of range, want 0.." + MAX_THREADS);
        return n;
    }

    /** A dialog number that must be whole (GenericDialog gives doubles: 2.7 is refused, not cut to 2). */
    static int wholeNumber(String name, double v, int min) {
        if (Double.isNaN(v) || v != Math.rint(v))
            throw new IllegalArgumentException(name + "=" + v + ": not a whole number");
        if (v < min || v > Integer.MAX_VALUE)
            throw new IllegalArgumentException(name + "=" + (long) v + ": out of range, want " + min + ".." + Integer.MAX_VALUE);
        return (int) v;
    }

    /**
     * The value of key in a macro options string ([] removed), or def. The string is read word by
     * word as {@link #checkOptions} does (so "m=" inside second=[my m=2 image] is no key m); a
     * string that cannot be read so is searched for key=VALUE.
     */
    static String strOpt(String o, String key, String def) {
        java.util.List<String[]> t = tokens(o);
        if (t != null) {
            for (String[] kv : t)
                if (kv[0].equals(key) && kv[1] != null) return kv[1];
            return def;
        }
        Matcher m = Pattern.compile("(?:^|\\s)" + Pattern.quote(key) + "=(\\[[^\\]]*\\]|\\S+)").matcher(o);
        if (!m.find()) return def;
        String v = m.group(1);
        if (v.startsWith("[") && !v.endsWith("]"))
            throw new IllegalArgumentException(key + "=" + v + ": unbalanced [");
        return v.startsWith("[") ? v.substring(1, v.length() - 1) : v;
    }

    /** The words of an options string as {key, value without [] or null for a flag}; null if unreadable. */
    static java.util.List<String[]> tokens(String o) {
        String s = o == null ? "" : o;
        java.util.List<String[]> out = new java.util.ArrayList<>();
        Matcher m = TOKEN.matcher(s);
        int at = 0;
        while (at < s.length() && !s.substring(at).trim().isEmpty()) {
            if (!m.find(at) || m.start() != at) return null;
            at = m.end();
            String v = m.group(2) == null ? null : m.group(3);
            if (v != null && v.startsWith("[") && v.endsWith("]")) v = v.substring(1, v.length() - 1);
            out.add(new String[] {m.group(1), v});
        }
        return out;
    }

    /** A message for any throwable: its message, or its class when it has none. */
    static String describe(Throwable e) {
        if (e instanceof java.awt.HeadlessException)
            return "this needs a display (a dialog or a window), and ImageJ runs without one (headless): give a "
                    + "command's options in a macro, run(\"COMMAND...\", \"key=value ...\") (Plugins > Macros > "
                    + "Record... shows them), or call ipcf.Ipcf's functions in batch mode";
        String m = e.getMessage();
        return m == null || m.isEmpty() ? e.getClass().getSimpleName() : m;
    }

    /** Which axis of an image is time: "frames", "slices", or an error message. */
    public static String timeAxis(ImagePlus imp) {
        int c = imp.getNChannels(), z = imp.getNSlices(), t = imp.getNFrames();
        if (c > 1) return "error: the image has " + c + " channels; split them first (Image > Color > Split Channels)";
        if (z > 1 && t > 1)
            return "error: ambiguous time axis: " + z + " slices and " + t + " frames; make one of them 1 (Image > Hyperstacks > Re-order)";
        if (t > 1) return "frames";
        if (z > 1) return "slices";
        return "error: a time series needs more than one slice or frame";
    }

    /**
     * Which axis of an image is time: "frames", "slices", or an error message; channels (when
     * allowed) are chosen separately.
     */
    static String timeAxis(ImagePlus imp, boolean channels) {
        int c = imp.getNChannels(), z = imp.getNSlices(), t = imp.getNFrames();
        if (!channels && c > 1) return timeAxis(imp);
        if (z > 1 && t > 1)
            return "error: ambiguous time axis: " + z + " slices and " + t + " frames; make one of them 1 (Image > Hyperstacks > Re-order)";
        if (t > 1) return "frames";
        if (z > 1) return "slices";
        return "error: a time series needs more than one slice or frame";
    }

    /** Refuses units a result may not carry (ipcf_check_units), naming the option given. */
    static void checkUnits(double pixelSize, double frameInterval, String given) {
        String bad = unitsRefusal(pixelSize, frameInterval);
        if (bad != null) throw new IllegalArgumentException(given + ": " + bad);
    }

    /**
     * Why a result may not carry these units (0: unknown), or null: ipcf_check_units (a library
     * older than 0.3 has none: then null, and its file jobs and fits check them).
     */
    static String unitsRefusal(double pixelSize, double frameInterval) {
        if (pixelSize == 0 && frameInterval == 0) return null;
        try {
            if (Native.lib().ipcf_check_units(pixelSize, frameInterval) == Native.OK) return null;
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
        return Native.lib().ipcf_last_error().replaceFirst("^ipcf_check_units: (fit: )?", "");
    }

    /** Seconds per frame from a calibration (its frame interval in its time unit); 0 if unknown. */
    public static double secondsPerFrame(Calibration cal) {
        double fi = cal == null ? 0 : cal.frameInterval;
        if (!(fi > 0) || Double.isInfinite(fi)) return 0;
        return fi * unitScale(cal.getTimeUnit(), 1);
    }

    /**
     * Says in the Log where the image's calibration, fi seconds and ps micrometres as this
     * command takes them, differs by more than 2 % from the units the library reads in the file
     * the image was opened from (ipcf_file_units), which ipcf pcf, the file jobs and every other
     * host take: a Micro-Manager file whose time stamps say another interval than the one asked
     * for (ImageJ's finterval). Its D then differed from theirs by the ratio, without a word
     * (UNITS18's F1). The calibration is used, the one ImageJ shows; the warning names the file's.
     */
    static void fileUnitsDiffer(ImagePlus imp, Params p, double fi, double ps) {
        boolean ownFi = Double.isNaN(p.frameInterval), ownPs = Double.isNaN(p.pixelSize);
        if (!ownFi && !ownPs) return;
        ij.io.FileInfo of = imp.getOriginalFileInfo();
        if (of == null || of.directory == null || of.fileName == null || of.fileName.isEmpty()) return;
        java.io.File f = new java.io.File(of.directory, of.fileName);
        if (!f.isFile()) return;
        double[] fps = new double[1], ffi = new double[1];
        try {
            if (Native.lib().ipcf_file_units(Native.cstring(f.getPath()), fps, ffi, null, 0) != Native.OK) return;
        } catch (RuntimeException | LinkageError e) {
            return; // a library without it, a path Java cannot pass: nothing to compare
        }
        if (ownFi && ffi[0] > 0 && !(Math.abs(ffi[0] - fi) <= 0.02 * ffi[0]))
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the frame interval " + (fi > 0 ? fi + " s" : "none")
                + " (the image's calibration, used) differs from the file's as ipcf reads it, " + ffi[0] + " s (" + f.getName()
                + "; ipcf pcf and the file jobs use it, Micro-Manager's from its time stamps): give frame_interval=" + ffi[0] + " for that one");
        // (an image binned or resized in place keeps its file's info: its pixels are not the
        // file's, and the file's size would be wrong for it: REVIEW20's m1)
        boolean samePixels = imp.getWidth() == of.width && imp.getHeight() == of.height;
        if (ownPs && samePixels && fps[0] > 0 && !(Math.abs(fps[0] - ps) <= 0.02 * fps[0]))
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the pixel size " + (ps > 0 ? ps + " um" : "none")
                + " (the image's calibration, used) differs from the file's as ipcf reads it, " + fps[0] + " um (" + f.getName()
                + "; ipcf pcf and the file jobs use it): give pixel_size=" + fps[0] + " for that one");
    }

    /**
     * Micrometres (kind 0) or seconds (kind 1) per unit named, 0 if it is none: the library's
     * table (ipcf_unit_scale), so an image and the file it is saved to give one pixel size and
     * frame interval (the plugin's own table knew "Micron" and "secs", the library "pm" and "A").
     */
    static double unitScale(String unit, int kind) {
        double[] f = new double[1];
        try {
            if (Native.lib().ipcf_unit_scale(unit == null ? "" : unit, kind, f) != Native.OK)
                throw new IllegalStateException(Native.lib().ipcf_last_error());
        } catch (UnsatisfiedLinkError e) { // a libipcf older than the plugin
            throw new IllegalStateException("libipcf " + Native.file() + " is older than the plugin (no ipcf_unit_scale): install the library of this plugin's release", e);
        }
        return f[0];
    }

    /**
     * Whether a calibration's pixels are square (width and height equal to 1 part in 10^4, the library's rule): one pixel
     * size then gives every offset's distance; otherwise an offset (0, 2) would be taken as
     * 2 pixel widths.
     */
    static boolean squarePixels(Calibration cal) {
        double w = cal.pixelWidth, h = cal.pixelHeight;
        // The height in its own unit (yunit, as ImageJ's TIFF writes it): in micrometres both,
        // where both units are lengths (0.1 um by 100 nm is square).
        double wu = micrometres(w, cal.getUnit()), hu = micrometres(h, cal.getYUnit());
        if (wu > 0 && hu > 0) {
            w = wu;
            h = hu;
        } else if (!cal.getYUnit().equals(cal.getUnit())) {
            return false; // a height in another unit that is no length (inch, furlong, pixel): not comparable
        }
        // The library's rule (ipcf_square_pixels), as the file readers apply it.
        int[] square = new int[1];
        try {
            if (Native.lib().ipcf_square_pixels(w, h, square) != Native.OK)
                throw new IllegalStateException(Native.lib().ipcf_last_error());
        } catch (UnsatisfiedLinkError e) { // a libipcf older than the plugin
            throw new IllegalStateException("libipcf " + Native.file() + " is older than the plugin (no ipcf_square_pixels): install the library of this plugin's release", e);
        }
        return square[0] == 1;
    }

    /**
     * Micrometres per pixel for the image imp: {@link #micrometresPerPixel(Calibration)}, or 0
     * where its pixels are not square and it is a stack (a single plane may be a line scan,
     * whose rows are time).
     */
    public static double micrometresPerPixel(ImagePlus imp) {
        Calibration cal = imp.getCalibration();
        if (imp.getNSlices() * imp.getNFrames() > 1 && !squarePixels(cal)) return 0;
        return micrometresPerPixel(cal);
    }

    /** Micrometres per pixel (width) from a calibration in a length unit; 0 if unknown or not a length. */
    public static double micrometresPerPixel(Calibration cal) {
        if (cal == null || !cal.scaled() || !(cal.pixelWidth > 0) || Double.isInfinite(cal.pixelWidth)) return 0;
        return micrometres(cal.pixelWidth, cal.getUnit());
    }

    /** v in the length unit named unit, in micrometres; 0 if unit is not a length. */
    static double micrometres(double v, String unit) {
        return v * unitScale(unit, 0);
    }

    static int deviceCode(String d) {
        if (d == null || d.equals("auto")) return -1;
        if (d.equals("cpu")) return -2;
        if (d.equals("cuda")) return 0;
        if (d.startsWith("cuda:")) {
            try {
                int n = Integer.parseInt(d.substring(5));
                if (n >= 0) return n;
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("device=" + d + ": want auto, cpu, cuda or cuda:N");
    }

    /**
     * Computes the pCF of imp (every toolkit mode of p) and returns it as a hyperstack: slices are
     * the offsets, frames the curve points (delays). The calibration carries the pixel size (and
     * an origin shifted by the margins, so a result pixel has its input pixel's coordinates); each
     * slice label gives the offset (u, v), its distance and the point's delay in frames and
     * seconds, and the properties (Image > Show Info, Property.get, call("ipcf.Ipcf.property", key))
     * list them: ipcf.offsets "u,v;u,v", ipcf.distances (pixels), ipcf.distances_um,
     * ipcf.delays_frames, ipcf.delays_s, ipcf.margin "columns,rows", ipcf.bins, ipcf.output,
     * ipcf.frame_interval (s), ipcf.pixel_size (um), ipcf.frames_used, ipcf.data, ipcf.data2, and
     * for the error bars of Fit pCF Maps... the input (ipcf.source_title, ipcf.source_id) and the
     * keys that give these curves (ipcf.pcf_options, {@link Params#toOptions}).
     */
    public static ImagePlus pcf(ImagePlus imp, Params p) {
        return pcf(imp, p, -1, 0);
    }

    /**
     * {@link #pcf(ImagePlus, Params)}, or with method &gt;= 0 (Native.ERRORS_BLOCKING, _SEGMENTS;
     * segments 0: 8) the error bars of its curves (ipcf_pcf_errors) as a hyperstack of the same
     * layout, labels and properties, with ipcf.errors set (the method) and a grey display from 0.
     */
    static ImagePlus pcf(ImagePlus imp, Params p, int method, int segments) {
        Jna.require();
        p.check();
        // Units given are checked before the work (the ranges a result may
        // carry, as file jobs and fits check them); the image's own, after.
        if (p.frameInterval > 0) checkUnits(0, p.frameInterval, "frame_interval=" + p.frameInterval);
        if (p.pixelSize > 0) checkUnits(p.pixelSize, 0, "pixel_size=" + p.pixelSize);
        Engine.Result r = Engine.compute(imp, p, method, segments);
        int nx = r.nx, ny = r.ny, np = r.np, nb = r.nb;
        if (allNaN(r.planes)) // (error bars of such curves too: PARITY20's m1)
            // Every curve NaN, without a word (a threshold above every pixel's mean, a mask or
            // ROI of no computed pixel: REVIEW12's F4), as Python's AllNaNWarning says it; these
            // warnings are lastWarning's too (it said "" after them: GUIHOSTS14's F6).
            Engine.warn("ipcf: warning: every " + (method < 0 ? "curve" : "error bar") + " of the " + (p.acf ? "ACF" : "pCF") + " of " + imp.getTitle() + " is NaN ("
                + (p.threshold != Double.NEGATIVE_INFINITY ? "check threshold=" + Pair_Correlation.brief(p.threshold)
                : "pixels whose series sum to zero or hold NaN, or masked") + ")");
        int w = imp.getWidth(), h = r.lineScan ? 1 : imp.getHeight();
        int mx = (w - nx) / 2, my = (h - ny) / 2;
        Calibration src = imp.getCalibration();
        double fi = Double.isNaN(p.frameInterval) ? secondsPerFrame(src) : p.frameInterval;
        double ps = Double.isNaN(p.pixelSize) ? micrometresPerPixel(src) : p.pixelSize;
        String bad;
        if (Double.isNaN(p.frameInterval) && (bad = unitsRefusal(0, fi)) != null) {
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the image's frame interval is not used: " + bad + "; give frame_interval=S");
            fi = 0;
        }
        if (Double.isNaN(p.pixelSize) && (bad = unitsRefusal(ps, 0)) != null) {
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the image's pixel size is not used: " + bad + "; give pixel_size=UM");
            ps = 0;
        }
        // A calibration in a unit the library does not know: said, as the file readers say it.
        if (Double.isNaN(p.pixelSize) && ps == 0 && src.scaled() && unitScale(src.getUnit(), 0) == 0
                && !src.getUnit().trim().isEmpty() // ImageJ's " ": no unit (a TIFF's ResolutionUnit NONE)
                && !src.getUnit().trim().toLowerCase(java.util.Locale.US).startsWith("pixel"))
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the pixel size is in a unit ipcf does not know as a length, \""
                + src.getUnit() + "\": distances, pixel size and fits stay in pixels; give pixel_size=UM");
        if (Double.isNaN(p.frameInterval) && fi == 0 && src.frameInterval > 0 && unitScale(src.getTimeUnit(), 1) == 0)
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the frame interval is in a unit ipcf does not know as a time, \""
                + src.getTimeUnit() + "\": delays stay in frames; give frame_interval=S");
        // A pixel size that is no positive number (negative, NaN, +Inf), as the frame interval
        // below (REVIEW20's m3)
        if (Double.isNaN(p.pixelSize) && ps == 0 && src.scaled() && !(src.pixelWidth > 0 && !Double.isInfinite(src.pixelWidth)))
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the image's pixel size is no positive number, "
                + src.pixelWidth + " " + src.getUnit() + ": distances, pixel size and fits stay in pixels; give pixel_size=UM");
        // A frame interval that is no positive number (negative, NaN, +Inf; 0 is ImageJ's "none"):
        // said, as the file readers say it of the TIFF ImageJ saves (FIJI18's m1, UNITS18's m2).
        if (Double.isNaN(p.frameInterval) && fi == 0 && src.frameInterval != 0
                && !(src.frameInterval > 0 && !Double.isInfinite(src.frameInterval)))
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the image's frame interval is no positive number, "
                + src.frameInterval + " " + src.getTimeUnit() + ": delays stay in frames; give frame_interval=S");
        fileUnitsDiffer(imp, p, fi, ps);
        // A second image's units where the image has none: the result has none, said as the CLI
        // says it of --input2 (FIJI18's m7; both with units are compared before the work).
        ImagePlus im2 = r.data2Id != 0 ? WindowManager.getImage(r.data2Id) : null;
        if (im2 != null) {
            double fb = secondsPerFrame(im2.getCalibration()), pb = micrometresPerPixel(im2);
            if (Double.isNaN(p.frameInterval) && fi == 0 && fb > 0 && secondsPerFrame(src) == 0)
                Engine.warn("ipcf: warning: the second image '" + im2.getTitle() + "' records a frame interval of " + fb + " s, the image '"
                    + imp.getTitle() + "' none: the result has none; give frame_interval=S to use one");
            if (Double.isNaN(p.pixelSize) && ps == 0 && pb > 0 && micrometresPerPixel(imp) == 0)
                Engine.warn("ipcf: warning: the second image '" + im2.getTitle() + "' records a pixel size of " + pb + " um, the image '"
                    + imp.getTitle() + "' none: the result has none; give pixel_size=UM to use one");
        }
        // Error bars of smoothed curves, as the CLI, Python and Octave say it (core/pcf
        // SmoothedErrorsNote; FIJI18's m6).
        if (method >= 0 && p.smooth > 0)
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": error bars of smoothed curves (smooth " + p.smooth + ") are biased at their "
                + "last points (in simulations up to 2.2 times the spread for an ACF, 0.57 times for a delta-CCF): for error bars of the "
                + "last points, or fits weighted by them, compute the curves and their error bars with smooth=0");
        if (Double.isNaN(p.pixelSize) && ps > 0 && !r.lineScan && !squarePixels(src)) {
            Engine.warn("ipcf: warning: " + imp.getTitle() + ": the pixels are not square (" + src.pixelWidth + " "
                + src.getUnit() + " x " + src.pixelHeight + " " + src.getYUnit() + "): distances, pixel size and fits stay in pixels;"
                + " give pixel_size=UM for one size");
            ps = 0;
        }
        ImageStack st = new ImageStack(nx, ny);
        for (int k = 0; k < np * nb; k++) st.addSlice("", new FloatProcessor(nx, ny, r.planes[k]));
        String kind = p.acf ? (r.hasData2 ? "CCF (0,0)" : "ACF") : "pCF";
        ImagePlus res = new ImagePlus((p.delta ? "delta-" : "") + kind + (method >= 0 ? " error bars" : "") + " of " + imp.getTitle(), st);
        res.setDimensions(1, np, nb);
        res.setOpenAsHyperStack(true);
        describe(res, r.uv, r.delays, fi, ps, p.binning, p.delta);
        Calibration cal = res.getCalibration();
        if (Double.isNaN(p.pixelSize) && src.scaled()) { // the image's own unit (micron, nm, ...)
            cal.pixelWidth = src.pixelWidth;
            cal.pixelHeight = r.lineScan ? src.pixelWidth : src.pixelHeight;
            cal.setUnit(src.getUnit());
        }
        cal.xOrigin = src.xOrigin - mx;
        cal.yOrigin = r.lineScan ? 0 : src.yOrigin - my;
        res.setProperty("ipcf.radius", p.radius);
        res.setProp("ipcf.margin", mx + "," + my);
        res.setProp("ipcf.size", nx + "," + ny);
        res.setProp("ipcf.frames_used", Long.toString(Long.highestOneBit(Math.max(1, r.frames - 2L * p.bleach))));
        res.setProp("ipcf.data", r.dataName);
        res.setProp("ipcf.data2", r.data2Name == null ? "" : r.data2Name);
        res.setProp("ipcf.line_scan", r.lineScan ? "1" : "0");
        // what Fit pCF Maps... needs for error bars (errors=blocking): the input and the keys
        res.setProp("ipcf.source_title", imp.getTitle());
        res.setProp("ipcf.source_id", Integer.toString(imp.getID()));
        res.setProp("ipcf.session", SESSION); // image ids start again in every session
        // the series computed, as the library read them: Fit's errors= computes the error bars on
        // the same series, or refuses (an image edited since, or another one of that title)
        res.setProp("ipcf.source_crc32", String.format("%08x", r.dataCrc));
        res.setProp("ipcf.data2_crc32", r.data2Crc < 0 ? "" : String.format("%08x", r.data2Crc));
        res.setProp("ipcf.data2_id", r.data2Id == 0 ? "" : Integer.toString(r.data2Id));
        res.setProp("ipcf.pcf_options", p.toOptions());
        res.setProp("ipcf.smooth", Double.toString(p.smooth));
        if (method >= 0) {
            res.setProp("ipcf.errors", method == Native.ERRORS_SEGMENTS ? "segments" : "blocking");
            res.setProp("ipcf.errors_segments", method == Native.ERRORS_SEGMENTS ? Integer.toString(segments == 0 ? 8 : segments) : "");
            double a = symmetricRange(res.getStack());
            res.setLut(ij.process.LUT.createLutFromColor(java.awt.Color.white));
            res.setDisplayRange(0, a);
            res.setProp("ipcf.display_range", Double.toString(a));
        }
        return res;
    }

    /** Whether every value of the planes is NaN (or infinite): a result without a finite curve. */
    static boolean allNaN(float[][] planes) {
        for (float[] pl : planes)
            for (float v : pl)
                if (v - v == 0) return false;
        return planes.length > 0;
    }

    /**
     * What a result hyperstack (slices: offsets uv, frames: curve points) says about itself, for
     * the image commands and opened result files alike: each slice label ("u=1 v=-2 (2.236 px,
     * 0.4472 um) delay 7.5 fr (0.0075 s)"), the properties ipcf.offsets, ipcf.distances,
     * ipcf.distances_um, ipcf.delays_frames, ipcf.delays_s, ipcf.delays (log and linear: upper bin
     * edges; multi-tau: lags), ipcf.bins, ipcf.output, ipcf.frame_interval (s), ipcf.pixel_size (um),
     * the calibration (pixel size in um, the input's frame interval in s; fi, ps: 0 = unknown) and
     * the diverging display.
     */
    static void describe(ImagePlus res, int[] uv, double[] delays, double fi, double ps, String binning, boolean delta) {
        int np = res.getNSlices(), nb = res.getNFrames();
        ImageStack st = res.getStack();
        double[] dist = new double[np];
        for (int i = 0; i < np; i++) dist[i] = Math.sqrt((double) uv[2 * i] * uv[2 * i] + (double) uv[2 * i + 1] * uv[2 * i + 1]);
        for (int b = 0; b < nb; b++)
            for (int i = 0; i < np; i++)
                // short (ImageJ shows 60 characters): "u=1 v=-2 (2.236 px, 0.2236 um) delay 7.5 fr (0.0075 s)"
                st.setSliceLabel("u=" + uv[2 * i] + " v=" + uv[2 * i + 1] + " (" + num(dist[i]) + " px"
                        + (ps > 0 ? ", " + num(dist[i] * ps) + " \u00b5m" : "") + ") delay " + num(delays[b]) + " fr"
                        + (fi > 0 ? " (" + num(delays[b] * fi) + " s)" : ""), res.getStackIndex(1, i + 1, b + 1));
        Calibration cal = res.getCalibration();
        if (ps > 0) {
            cal.pixelWidth = cal.pixelHeight = ps;
            cal.setUnit("\u00b5m");
        }
        if (fi > 0) { // the input's frame interval (the result's frames are its curve points: see the labels)
            cal.frameInterval = fi;
            cal.setTimeUnit("s");
        }
        long[] edges = new long[nb];
        for (int b = 0; b < nb; b++) // log and linear: the upper bin edges; multi-tau: the lags
            edges[b] = binning.equals("multitau") ? Math.round(delays[b]) : Math.round(2 * delays[b] + 1 - (b == 0 ? 0 : edges[b - 1]));
        res.setProperty("ipcf.delays", edges);
        StringBuilder offs = new StringBuilder(), dpx = new StringBuilder(), dum = new StringBuilder();
        for (int i = 0; i < np; i++) {
            offs.append(i == 0 ? "" : ";").append(uv[2 * i]).append(',').append(uv[2 * i + 1]);
            dpx.append(i == 0 ? "" : ",").append(dist[i]);
            dum.append(i == 0 ? "" : ",").append(dist[i] * ps);
        }
        StringBuilder df = new StringBuilder(), ds = new StringBuilder();
        for (int b = 0; b < nb; b++) {
            df.append(b == 0 ? "" : ",").append(delays[b]);
            ds.append(b == 0 ? "" : ",").append(delays[b] * fi);
        }
        res.setProp("ipcf.offsets", offs.toString());
        res.setProp("ipcf.distances", dpx.toString());
        res.setProp("ipcf.distances_um", ps > 0 ? dum.toString() : "");
        res.setProp("ipcf.delays_frames", df.toString());
        res.setProp("ipcf.delays_s", fi > 0 ? ds.toString() : "");
        res.setProp("ipcf.bins", binning);
        res.setProp("ipcf.output", delta ? "delta" : "ccf");
        res.setProp("ipcf.frame_interval", Double.toString(fi));
        res.setProp("ipcf.pixel_size", Double.toString(ps));
        divergingDisplay(res);
    }

    /** The (u, v) pairs of every offset of p, as in the result: the circle's when no others are given. */
    public static int[] offsetPairs(Params p) {
        Jna.require();
        return Engine.offsetPairs(p);
    }

    /** The offsets of a preset (Native.OFFSETS_*) as (u, v) pairs (ipcf_offsets). */
    public static int[] offsets(int kind, int radius, int npoints) {
        Jna.require();
        return Engine.offsets(kind, radius, npoints);
    }

    public static int[] circle(int radius, int npoints) {
        Jna.require();
        return Engine.circle(radius, npoints);
    }

    public static long[] logbins(long frames, int nbins) {
        Jna.require();
        return Engine.logbins(frames, nbins);
    }

    /** The CUDA devices found, or why none is usable. */
    public static String devices() {
        try {
            Jna.require();
            return Engine.devices();
        } catch (RuntimeException | LinkageError e) {
            return "error: " + describe(e);
        }
    }

    /** Photobleaching correction of imp into a new stack of the same type (32-bit input gives 16-bit). */
    public static ImagePlus correctBleaching(ImagePlus imp, int filtersize, boolean floorMean, int threads) {
        Jna.require();
        return Engine.correctBleaching(imp, filtersize, floorMean, threads);
    }

    /**
     * Shows a result with a diverging LUT (blue below zero, white at zero, red above) over a range
     * symmetric about zero: +-the 99th percentile of |G| over every finite value of the stack (1
     * when there is none). The range is kept in the property ipcf.display_range.
     */
    static void divergingDisplay(ImagePlus res) {
        double a = symmetricRange(res.getStack());
        res.setLut(divergingLut());
        res.setDisplayRange(-a, a);
        res.setProp("ipcf.display_range", Double.toString(a));
    }

    /** ColorBrewer's RdBu, reversed (blue for negative values), 256 entries, white in the middle. */
    static ij.process.LUT divergingLut() {
        int[][] stops = {{5, 48, 97}, {33, 102, 172}, {67, 147, 195}, {146, 197, 222}, {209, 229, 240}, {247, 247, 247},
                {253, 219, 199}, {244, 165, 130}, {214, 96, 77}, {178, 24, 43}, {103, 0, 31}};
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        for (int i = 0; i < 256; i++) {
            double t = i / 255.0 * (stops.length - 1);
            int k = Math.min((int) t, stops.length - 2);
            double f = t - k;
            r[i] = (byte) Math.round(stops[k][0] + f * (stops[k + 1][0] - stops[k][0]));
            g[i] = (byte) Math.round(stops[k][1] + f * (stops[k + 1][1] - stops[k][1]));
            b[i] = (byte) Math.round(stops[k][2] + f * (stops[k + 1][2] - stops[k][2]));
        }
        return new ij.process.LUT(r, g, b);
    }

    /** The 99th percentile of |v| over the finite values of a float stack (at most ~2^20 sampled), or 1. */
    static double symmetricRange(ImageStack st) {
        long total = (long) st.getSize() * st.getWidth() * st.getHeight();
        long step = Math.max(1, total >> 20);
        float[] a = new float[(int) Math.min(total, (total + step - 1) / step)];
        int n = 0;
        long at = 0;
        int plane = st.getWidth() * st.getHeight();
        for (int s = 1; s <= st.getSize(); s++) {
            float[] px = (float[]) st.getPixels(s);
            for (; at < (long) s * plane; at += step) {
                float v = px[(int) (at - (long) (s - 1) * plane)];
                if (!Float.isNaN(v) && !Float.isInfinite(v)) a[n++] = Math.abs(v);
            }
        }
        if (n == 0) return 1;
        java.util.Arrays.sort(a, 0, n);
        double q = a[Math.min(n - 1, (int) Math.floor(0.99 * (n - 1) + 0.5))];
        return q > 0 ? q : (a[n - 1] > 0 ? a[n - 1] : 1);
    }

    /** A short decimal for labels: whole numbers as they are, others with 4 significant digits. */
    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        String t = String.format(java.util.Locale.US, "%.4g", v);
        if (t.contains("e")) return t;
        return t.contains(".") ? t.replaceAll("0+$", "").replaceAll("\\.$", "") : t;
    }

    /** Reports an error: a dialog, or a log line in batch mode and headless. */
    public static void error(String message) {
        if (GraphicsEnvironment.isHeadless() || Interpreter.isBatchMode()) IJ.log("ipcf error: " + message);
        else IJ.error("ipcf", message);
    }

    // ---- static API for macros: call("ipcf.Ipcf.<name>", ...) returns a string ----

    /**
     * The warnings of the last pCF, bleaching correction or fit, one a line, "" if it had none: data that are not
     * counts in 0..65535 given to the bleaching correction, every curve NaN, a calibration not used
     * (out of range, in an unknown unit, pixels not square), smoothed curves fitted; also written to
     * the Log window. The last one the calling thread ran (a macro's own), else the last one any
     * thread ran.
     */
    public static String lastWarning() {
        String w = Engine.lastWarning();
        return w == null ? "" : w;
    }

    /** The library version, or "error: ..." (JNA or the library missing). */
    public static String version() {
        try {
            Jna.require();
            return Engine.version();
        } catch (RuntimeException | LinkageError e) {
            return "error: " + describe(e);
        }
    }

    /** The file libipcf was loaded from, or "error: ...". */
    public static String libraryFile() {
        try {
            Jna.require();
            return Engine.libraryFile();
        } catch (RuntimeException | LinkageError e) {
            return "error: " + describe(e);
        }
    }

    /** "" when JNA loads, else the message saying how to install it. */
    public static String jnaProblem() {
        String p = Jna.problem();
        return p == null ? "" : p;
    }

    /**
     * pCF of the current image ("radius=6 points=32 bins=log nbins=32 ...", keys: {@link #PCF_LISTING}
     * and {@link Params}); shows the result and returns its title, or "error: ...".
     */
    public static String pcf(String options) {
        return run(options, false);
    }

    /**
     * The per-pixel autocorrelation (ACF, the offset (0, 0) alone) of the current image, or with a
     * second channel (second=TITLE, channel2=N, cross) the per-pixel cross-correlation: the keys of
     * {@link #pcf(String)} but offsets and preset. Returns the result's title or "error: ...".
     */
    public static String acf(String options) {
        return run(options, true);
    }

    /**
     * The options parsed and checked for the pCF, or the ACF (acf set; offsets and presets
     * refused); options that do nothing are logged ({@link Params#warnIgnored}).
     */
    static Params params(String options, boolean acf) {
        Params p = paramsQuiet(options, acf);
        p.warnIgnored();
        return p;
    }

    /** {@link #params} without the warnings: for a result's own ipcf.pcf_options, warned when it was made. */
    static Params paramsQuiet(String options, boolean acf) {
        checkOptions(options, PCF_KEYS_ALIASED, PCF_FLAGS, FileJob.ALIASES, PCF_LISTING);
        Params p = Params.parse(pointsKey(options));
        if (acf) {
            if (p.offsets != null || !p.preset.equals("circle"))
                throw new IllegalArgumentException("the ACF is the offset (0,0) alone: offsets and preset are for the pCF");
            p.acf = true;
        }
        return p;
    }

    private static String run(String options, boolean acf) {
        try {
            IJ.resetEscape(); // an Esc that cancelled an earlier command does not cancel this one
            Params p = params(options, acf);
            ImagePlus imp = WindowManager.getCurrentImage();
            if (imp == null) return "error: no image";
            ImagePlus res = pcf(imp, p);
            res.show();
            return res.getTitle();
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            error(describe(e));
            return "error: " + describe(e);
        }
    }

    /**
     * The curves of the current result (Plugins > ipcf > Plot pCF Curves): options "" or
     * "from=selection" (the selected point, the mean over the selection, or over every pixel
     * without one), "from=[ROI Manager]" (the mean per ROI), "input" (ROIs drawn on the input
     * image). Shows a Plot per region (log delay axis, one curve per offset, legend (u, v)), fills
     * the Results table (delay_frames, delay_s, "G (u, v)" per offset; "NAME G (u, v)" per ROI) and
     * returns the plots' titles, one a line, or "error: ...".
     */
    public static String plotCurves(String options) {
        try {
            ImagePlus res = WindowManager.getCurrentImage();
            if (res == null) return "error: no image";
            Curves.Made m = Curves.plot(res, options);
            StringBuilder t = new StringBuilder();
            for (ImagePlus p : m.plots) t.append(t.length() == 0 ? "" : "\n").append(p == null ? "" : p.getTitle());
            return t.toString();
        } catch (RuntimeException | OutOfMemoryError e) {
            error(describe(e));
            return "error: " + describe(e);
        }
    }

    /**
     * Fits a model to every curve of the current pCF or ACF result (Plugins > ipcf > Fit pCF
     * Maps...): "model=pcf1d waist=2 joint" (keys: model=pcf1d|acf2d|acf3d|ccf2d|itir, waist=W in
     * pixels or waist_um=W, kappa=K (acf3d), joint, flow, ginf, threads=N, errors=blocking|segments
     * (segments=S) for fits weighted by error bars computed on the result's input, or sigma=TITLE,
     * an open image of them). The offsets, delays and units are the result's properties. Shows the
     * maps (see {@link Fit}) and returns their title, or "error: ...".
     */
    public static String fit(String options) {
        try {
            ImagePlus res = WindowManager.getCurrentImage();
            if (res == null) return "error: no image";
            Jna.require();
            ImagePlus out = Fit.run(res, options);
            out.show();
            return out.getTitle();
        } catch (IpcfException e) {
            if (e.status == Native.E_CANCELLED) IJ.showStatus("fit: cancelled");
            else error(e.getMessage());
            return "error: " + e.getMessage();
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            error(describe(e));
            return "error: " + describe(e);
        }
    }

    /** Keys of {@link #errors(String)}: the pCF's and method, segments. */
    static final java.util.Set<String> ERRORS_KEYS = new java.util.HashSet<>(PCF_KEYS_ALIASED);
    static {
        ERRORS_KEYS.add("method");
        ERRORS_KEYS.add("segments");
    }

    /**
     * The error bars of the curves that {@link #pcf(String)} gives for the same keys
     * (ipcf_pcf_errors): "radius=6 ... method=blocking" or "method=segments segments=8" (and
     * acf for the ACF's). The result-like hyperstack (z = offsets, t = points) is what Fit pCF
     * Maps... takes as sigma=TITLE. Returns its title or "error: ...".
     */
    public static String errors(String options) {
        try {
            String o = options == null ? "" : options;
            checkOptions(o, ERRORS_KEYS, PCF_FLAGS, FileJob.ALIASES, PCF_LISTING + " method segments");
            String method = strOpt(o, "method", "blocking");
            if (!method.equals("blocking") && !method.equals("segments"))
                throw new IllegalArgumentException("method=" + method + ": want blocking or segments");
            String seg = strOpt(o, "segments", null);
            if (seg != null && !method.equals("segments"))
                throw new IllegalArgumentException("segments=" + seg + " is for method=segments");
            int segments = seg == null ? 0 : (int) whole("segments", seg, 2, Integer.MAX_VALUE);
            IJ.resetEscape();
            Params p = Params.parse(pointsKey(o)); // reads the pCF's keys only
            p.warnIgnored();
            ImagePlus imp = WindowManager.getCurrentImage();
            if (imp == null) return "error: no image";
            ImagePlus res = pcf(imp, p, method.equals("segments") ? Native.ERRORS_SEGMENTS : Native.ERRORS_BLOCKING, segments);
            res.show();
            return res.getTitle();
        } catch (IpcfException e) {
            if (e.status == Native.E_CANCELLED) IJ.showStatus("error bars: cancelled");
            else error(e.getMessage());
            return "error: " + e.getMessage();
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            error(describe(e));
            return "error: " + describe(e);
        }
    }

    /** The library's and the plugin's sizeof(ipcf_fit_options): "96/96", or "error: ...". */
    public static String fitStructSizes() {
        try {
            Jna.require();
            return Engine.fitStructSizes();
        } catch (RuntimeException | LinkageError e) {
            return "error: " + describe(e);
        }
    }

    /**
     * "1" if the current fit maps (of {@link #fit(String)}) hold the values of ipcf fit's
     * MAPS.npy, MAPS.stderr.npy, MAPS.chisq.npy and MAPS.status.npy bit for bit (NaNs included);
     * "0: ..." naming the first difference; "error: ...".
     */
    public static String equalsMaps(String path) {
        try {
            ImagePlus imp = WindowManager.getCurrentImage();
            if (imp == null || empty(imp.getProp("ipcf.fit_parameters"))) return "error: the current image is no fit (ipcf.fit_parameters)";
            if (!path.endsWith(".npy")) return "error: want MAPS.npy";
            String base = path.substring(0, path.length() - 4);
            int nx = imp.getWidth(), ny = imp.getHeight(), nz = imp.getNSlices(), kf = imp.getNFrames(), nc = (nz - 2) / 2;
            Npy[] f = {readNpy(path), readNpy(base + ".stderr.npy"), readNpy(base + ".chisq.npy"), readNpy(base + ".status.npy")};
            String[] what = {"params", "stderr", "chisq", "status"};
            for (int j = 0; j < 4; j++) {
                long n = 1;
                for (int d : f[j].shape) n *= d;
                long want = (long) ny * nx * kf * (j < 2 ? nc : 1);
                String dt = j == 3 ? "|u1" : "<f4";
                if (n != want || !f[j].descr.equals(dt) || f[j].shape[0] != ny || f[j].shape[1] != nx)
                    return "0: " + what[j] + ": file " + f[j].descr + " " + Arrays.toString(f[j].shape) + ", the maps " + ny + "x" + nx + "x" + kf
                            + (j < 2 ? "x" + nc : "");
            }
            String[] names = imp.getProp("ipcf.fit_parameters").split(",");
            ImageStack st = imp.getStack();
            for (int t = 0; t < kf; t++)
                for (int z = 0; z < nz; z++) {
                    float[] px = (float[]) st.getPixels(imp.getStackIndex(1, z + 1, t + 1));
                    int j = z < nc ? 0 : z < 2 * nc ? 1 : z == 2 * nc ? 2 : 3, c = z % nc;
                    for (int k = 0; k < nx * ny; k++) {
                        long at = j < 2 ? ((long) k * kf + t) * nc + c : (long) k * kf + t;
                        boolean same;
                        String fv;
                        if (j == 3) {
                            int b = f[3].data.get((int) at) & 0xff;
                            same = px[k] == b;
                            fv = Integer.toString(b);
                        } else {
                            float e = f[j].data.getFloat((int) (4 * at));
                            same = Float.floatToRawIntBits(px[k]) == Float.floatToRawIntBits(e);
                            fv = Float.toString(e);
                        }
                        if (!same)
                            return "0: " + what[j] + (j < 2 ? " " + names[c] : "") + " at pixel " + (k % nx) + "," + (k / nx) + " frame " + t + ": "
                                    + px[k] + " in the maps, " + fv + " in the file";
                    }
                }
            return "1";
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return "error: " + describe(e);
        }
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    /**
     * A property of the current image (ImagePlus.getProp), e.g. "ipcf.delays_frames" of a pCF
     * result; "" if it has none, "error: no image" without an image.
     */
    public static String property(String key) {
        ImagePlus imp = WindowManager.getCurrentImage();
        if (imp == null) return "error: no image";
        String v = imp.getProp(key);
        return v == null ? "" : v;
    }

    /** Bleaching correction of the current image ("filter=1024 mean=real threads=0"). */
    public static String correctBleaching(String options) {
        try {
            ImagePlus imp = WindowManager.getCurrentImage();
            String o = options == null ? "" : options;
            checkOptions(o, BLEACH_KEYS, java.util.Collections.<String>emptySet(), null, "filter mean threads");
            String mean = strOpt(o, "mean", "real");
            if (!mean.equals("real") && !mean.equals("floor"))
                throw new IllegalArgumentException("mean=" + mean + ": want real or floor");
            int filter = intOpt(o, "filter", 1024, 1), threads = threadsOpt(o, 0);
            if (imp == null) return "error: no image";
            IJ.resetEscape();
            ImagePlus res = correctBleaching(imp, filter, mean.equals("floor"), threads);
            res.show();
            return res.getTitle();
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            error(describe(e));
            return "error: " + describe(e);
        }
    }

    // ---- file jobs: call("ipcf.Ipcf.pcfFile", input, output, options) ----

    /**
     * Runs a file job with ImageJ's progress bar (Esc cancels) and Log window, logs its summary, and
     * opens the result if asked and small. Throws as {@link FileJob#run}.
     */
    static FileJob.Summary runFileJob(FileJob j) {
        IJ.resetEscape();
        try {
            FileJob.Summary s = j.run(FileJob.IMAGEJ);
            IJ.showStatus("pCF file job: done in " + String.format(java.util.Locale.US, "%.1f", s.seconds) + " s");
            IJ.log(s.describe(j));
            if (j.open) {
                java.io.File f = new java.io.File(j.output);
                String unnamable = unnamable(j.output), tooLarge = null;
                if (unnamable != null)
                    IJ.log("ipcf: " + j.output + " is not opened: " + unnamable.substring("error: ".length()));
                else if (!j.output.toLowerCase(java.util.Locale.US).endsWith(".npy") || !f.isFile())
                    IJ.log("ipcf: " + j.output + " is not opened (only .npy results are)");
                else if (f.length() > FileJob.OPEN_LIMIT)
                    IJ.log("ipcf: " + j.output + " is not opened: " + (f.length() >> 20) + " MiB, more than "
                            + (FileJob.OPEN_LIMIT >> 20) + " MiB");
                else if ((tooLarge = openShort(j.output)) != null)
                    IJ.log("ipcf: " + j.output + " is not opened: " + tooLarge);
                else {
                    String t = openPcf(j.output);
                    if (t.startsWith("error")) IJ.log("ipcf: " + t);
                }
            }
            return s;
        } finally {
            IJ.showProgress(1.0);
        }
    }

    /**
     * pCF of an image time series in a file or folder into output (.npy, .zarr, .ome.zarr or .tif), computed by the
     * library from the file (in memory or out of core within the memory budget), never through the
     * Java heap. options: as {@link FileJob#parse}: the image commands' keys (one parser: radius,
     * points, preset, offsets, acf, delta, bins=log|linear|multitau, nbins, m, smooth, threshold,
     * channel, channel2, cross (channels of the file), bleach, mean, threads, device) and the
     * file's, e.g. "radius=6 points=32 nbins=32 memory=2GiB
     * engine=auto tile=64,64 crop=0:128,0:128 frames=0:16384 shape=1024,40,40 dtype=uint16
     * byteorder=big offset=0 frame_interval=0.001 pixel_size=0.1 open". Returns "" on success, "error: ..." otherwise (also when
     * cancelled with Esc); {@link #lastJobSummary} then tells what the job did.
     */
    public static String pcfFile(String input, String output, String options) {
        FileJob.clearSummary(); // (a job refused at its options left another job's summary: REVIEW12's F6)
        try {
            runFileJob(FileJob.parse(input, output, options));
            return "";
        } catch (IpcfException e) {
            if (e.status == Native.E_CANCELLED) {
                IJ.showStatus("pCF file job: cancelled");
                IJ.log("ipcf: cancelled: " + e.getMessage());
            } else {
                error(e.getMessage());
            }
            return "error: " + e.getMessage();
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            error(describe(e));
            return "error: " + describe(e);
        }
    }

    /** {@link #pcfFile(String, String, String)} with the default options. */
    public static String pcfFile(String input, String output) {
        return pcfFile(input, output, "");
    }

    /**
     * What the last successful file job did: "engine=ooc tiles=25 resumed=0 already_complete=1
     * shape=34,34,12,15 input_crc32c=a2e539b9"; "" after a failed one. The calling thread's last
     * job's (a macro's own), else the last job's of the JVM.
     */
    public static String lastJobSummary() {
        return FileJob.lastSummary();
    }

    /** "1" if two files have the same bytes, "0" if not, "error: ..." if one cannot be read. */
    public static String sameFileBytes(String a, String b) {
        try {
            regularFile(a);
            regularFile(b);
        } catch (IOException e) {
            return "error: " + e.getMessage();
        }
        try (java.io.InputStream x = new java.io.BufferedInputStream(new FileInputStream(a), 1 << 16);
             java.io.InputStream y = new java.io.BufferedInputStream(new FileInputStream(b), 1 << 16)) {
            byte[] bx = new byte[1 << 16], by = new byte[1 << 16];
            while (true) {
                int nx = readFully(x, bx), ny = readFully(y, by);
                if (nx != ny) return "0";
                if (nx == 0) return "1";
                for (int i = 0; i < nx; i++) if (bx[i] != by[i]) return "0";
            }
        } catch (IOException e) {
            return "error: " + e.getMessage();
        }
    }

    private static int readFully(java.io.InputStream in, byte[] buf) throws IOException {
        int n = 0;
        while (n < buf.length) {
            int k = in.read(buf, n, buf.length - n);
            if (k < 0) break;
            n += k;
        }
        return n;
    }

    /** The file-job struct sizes of the library and the plugin: "source=88/88 job=96/96 summary=56". */
    public static String fileJobStructSizes() {
        try {
            Jna.require();
            return Engine.fileJobStructSizes();
        } catch (RuntimeException | LinkageError e) {
            return "error: " + e.getMessage();
        }
    }

    /**
     * Opens a pCF result .npy, float32 (rows, columns, offsets, points), as a hyperstack like the
     * one {@link #pcf(ImagePlus, Params)} makes (slices: offsets, frames: curve points), described
     * from its OUTPUT.json when present (offsets, delays, binning, delta, frame interval and pixel
     * size: labels, properties, calibration) and shown with the diverging display. Without JNA or
     * metadata the offsets of a circle of the recorded radius are used, or none. With JNA, a file
     * its metadata do not describe (output_crc32c, output_bytes) is refused. Returns the title
     * or "error: ...".
     */
    /** Tests: runs when openPcf has read the result, before it reads the metadata. */
    public static Runnable testHookOpened;
    /** Tests: runs when openPcf has checked the result's checksum, before it builds the image. */
    public static Runnable testHookChecked;

    /**
     * "error: ..." where this JVM cannot name path in the file system: its file-name encoding
     * (sun.jnu.encoding, set from the locale it was started in: ASCII under LANG=C) cannot hold a
     * character of it, else null. The library takes the name as UTF-8 and writes it; Java's own
     * reads then said "only .npy results are opened" or "Malformed input" (HOSTS11's F1).
     */
    static String unnamable(String path) {
        String enc = System.getProperty("sun.jnu.encoding");
        try {
            if (path == null || enc == null || java.nio.charset.Charset.forName(enc).newEncoder().canEncode(path)) return null;
        } catch (RuntimeException e) {
            return null;
        }
        return "error: " + path + ": Java cannot name this file here: its file-name encoding (" + enc
                + ", from the locale ImageJ was started in) has no place for a character of the name;"
                + " start ImageJ in a UTF-8 locale (LANG=C.UTF-8) or choose a name in ASCII";
    }

    /**
     * null where the heap can take the result file path as an image (read, then made planes: about
     * twice its size at once), else why not (REVIEW11's F11: "Java heap space", and an
     * OutOfMemoryError in JNA's cleaner thread).
     */
    static String openShort(String path) {
        long n = new java.io.File(path).length();
        return Engine.heapShort(2 * n + Engine.PLANE_COST * (n / 64 + 1), "the result (" + Engine.mib(n) + ", twice that while it is read)",
                "give ImageJ more memory, or read the result in Python (ipcf.open_result, memory-mapped)");
    }

    public static String openPcf(String path) {
        String unnamable = unnamable(path);
        if (unnamable != null) return unnamable;
        String tooLarge = openShort(path);
        if (tooLarge != null) return "error: " + path + ": " + tooLarge;
        // A result linked into a work folder: read with the metadata beside the file the link
        // names (core/ooc Linked, as every host reads; it was shown unchecked, unlabelled).
        path = linked(path);
        // A run's partial output (.OUT.partial, or inside one): unfinished, what is not computed
        // yet reads as zeros (REVIEW19's F3; core/ooc PartialOf's rule).
        for (java.nio.file.Path q = Paths.get(path).normalize(); q != null; q = q.getParent()) {
            java.nio.file.Path b = q.getFileName();
            String n = b == null ? "" : b.toString();
            if (n.length() > "..partial".length() && n.startsWith(".") && n.endsWith(".partial")) {
                String out = (q.getParent() == null ? Paths.get(n.substring(1, n.length() - 8)) : q.getParent().resolve(n.substring(1, n.length() - 8))).toString();
                return "error: " + path + " is the unfinished output of an ipcf run writing " + out + " (a stopped run's, or one running "
                        + "now; what is not computed yet reads as zeros): not read; run that job again to finish it, and open " + out;
            }
        }
        // While a run of ipcf on this machine publishes over the result (its lock file names a
        // live process; the earlier sidecar is removed before the renames, the files renamed one
        // by one), a read can find the .npy without its sidecar, or files of both results: it is
        // made again rather than show the curves without their metadata or refuse the mixture,
        // for as long as that run lives (at most 5 s), and once more after a run that has just
        // ended (the files read while it renamed them), again while the sidecar changes between
        // failures, as Python's open_result. A damaged result is refused again.
        // Error bars (OUT.sd.npy), which have no sidecar of their own, are published with their
        // result: by its sidecar and its lock (openPcf waited for OUT.sd.npy.json, which no run
        // writes, and looked at their own lock only: a mixture read during a publication was
        // refused at once, or shown unlabelled: REVIEW5's F4, F9).
        String subject = published(path);
        long deadline = System.nanoTime() + PUBLISH_WAIT_NS;
        boolean once = true, flickered = false;
        Object failedId = null;
        while (true) {
            // A sidecar there that names nothing (empty, {}) is no publication under way: the
            // read is not made again for it (it was, for ever).
            Object before = fileId(subject + ".json");
            boolean absent = before == null;
            Opened o = openPcfOnce(path);
            if (o.error == null) {
                // A sidecar there before the read, and none read: removed during it (a run
                // publishing over the result; or gone and back), or one that names nothing. Read
                // again (once, and while another file comes in its place), which tells them
                // apart (it was shown without its metadata).
                if (!o.meta && !absent && (!flickered || !before.equals(fileId(subject + ".json")) && System.nanoTime() < deadline)) {
                    flickered = true;
                    continue;
                }
                if (!o.meta && absent && sidecarComing(subject, deadline)) continue;
                String refused = !o.meta && absent ? refusalByLock(path) : null;
                if (refused != null) return refused;
                o.image.show();
                return o.image.getTitle();
            }
            if (System.nanoTime() > deadline) return o.error;
            if (!liveWriter(subject)) {
                // one more read after a run that has just ended, and again while the sidecar
                // changes between failures (back-to-back reruns: the one more read met the next
                // run's publication, REVIEW6's F3)
                Object now = fileId(subject + ".json");
                if (!once && java.util.Objects.equals(now, failedId)) return o.error;
                once = false;
                failedId = now;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return o.error;
            }
        }
    }

    /**
     * The output whose publication path is part of: its result OUT.npy for error bars OUT.sd.npy
     * without a sidecar of their own (a run publishes them with OUT.npy.json, under OUT.npy's
     * lock), else path.
     */
    static String published(String path) {
        try {
            if (path.endsWith(".sd.npy") && !Files.exists(Paths.get(path + ".json"), LinkOption.NOFOLLOW_LINKS))
                return path.substring(0, path.length() - ".sd.npy".length()) + ".npy";
        } catch (RuntimeException e) {
            // (a path Java cannot take: the read says so)
        }
        return path;
    }

    /** path, or the file a link at path names where no sidecar lies beside the link (its companions and lock beside it). */
    static String linked(String path) {
        try {
            Path p = Paths.get(path);
            if (Files.exists(Paths.get(path + ".json"), LinkOption.NOFOLLOW_LINKS)) return path;
            Path real = p.toRealPath();
            if (!real.equals(p.toAbsolutePath().normalize()))
                return real.toString();
        } catch (IOException | RuntimeException e) {
            // (no such file: the read says so)
        }
        return path;
    }

    /** What tells the file at path from another put in its place (its key, change time, size), or null where there is none. */
    static Object fileId(String path) {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(Paths.get(path),
                    java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Object ctime;
            try {
                ctime = Files.getAttribute(Paths.get(path), "unix:ctime", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | RuntimeException e) {
                ctime = a.lastModifiedTime(); // (no unix view)
            }
            return Arrays.asList(a.fileKey(), ctime, a.size());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** How long openPcf reads a result again while a run publishes over it. */
    static final long PUBLISH_WAIT_NS = 5_000_000_000L;

    /** A result openPcfOnce read: its image (not shown) and whether it had metadata, or an error. */
    private static final class Opened {
        ImagePlus image;
        boolean meta;
        String error;

        static Opened error(String e) {
            Opened o = new Opened();
            o.error = e;
            return o;
        }
    }

    /** Whether a live ipcf run holds the lock of the output path (lockHolder: another host's counts as live). */
    static boolean liveWriter(String path) {
        String[] h = lockHolder(path);
        return h != null && h[1].equals("live");
    }

    /**
     * The lock of the output path as {its line, "live" or "stopped"}, or null where there is
     * none, as the library reads it (ipcf_lock_holder, as for ipcf plot and Python's
     * open_result): only read, never locked; live where its process of this host lives, or it
     * is another host's (not known here); a run removes its lock when it ends, so one left whose
     * process is gone was stopped (killed, perhaps while it published path).
     */
    static String[] lockHolder(String path) {
        try {
            byte[] buf = new byte[256];
            com.sun.jna.ptr.IntByReference state = new com.sun.jna.ptr.IntByReference();
            if (Native.lib().ipcf_lock_holder(Native.cstring(path), buf, buf.length, state) != Native.OK) return null;
            if (state.getValue() == 0) return null;
            int n = 0;
            while (n < buf.length && buf[n] != 0) n++;
            return new String[] {new String(buf, 0, n, "UTF-8"), state.getValue() == 2 ? "live" : "stopped"};
        } catch (IOException | RuntimeException | LinkageError e) {
            // No library (JNA or libipcf.so missing): a lock file there is no run's state known,
            // never taken for none (a stopped run's output was shown unlabelled: REVIEW4's F5).
            try {
                Path p = Paths.get(path).toAbsolutePath();
                if (Files.exists(p.resolveSibling("." + p.getFileName() + ".lock"), LinkOption.NOFOLLOW_LINKS)) {
                    String why = e.getMessage();
                    return new String[] {why == null ? e.getClass().getSimpleName() : why.split("\n", 2)[0], "unknown"};
                }
            } catch (RuntimeException e2) {
                // (a path Java cannot take): nothing to tell
            }
            return null;
        }
    }

    /**
     * The refusal of a result without metadata beside the lock of a run: one that was stopped
     * (killed while it published: the earlier sidecar is removed before the renames), or one
     * live still after the wait for its sidecar (another host's counts as live); refused as
     * ipcf plot and Python's open_result refuse it; error bars (OUT.sd.npy) by their own lock
     * and their result's. null where no run's lock is there.
     */
    static String refusalByLock(String path) {
        java.util.List<String> paths = new java.util.ArrayList<>(Arrays.asList(path));
        if (path.endsWith(".sd.npy")) paths.add(path.substring(0, path.length() - ".sd.npy".length()) + ".npy");
        // (error bars' metadata are their result's: named so whichever lock is found; OUT.sd.npy.json
        // was named, REVIEW6's F6)
        String side = published(path) + ".json";
        for (String q : paths) {
            String[] h = lockHolder(q);
            if (h != null && h[1].equals("live"))
                return "error: " + path + " is being written by an ipcf run (" + h[0] + "), and its metadata " + side
                        + " are not there yet: open it when that run has ended";
            if (h != null && h[1].equals("unknown"))
                return "error: " + path + " has no metadata (" + side + "), and the lock file of an ipcf run lies beside it, "
                        + "which cannot be read without the ipcf library (" + h[0] + "): install the plugin's library, then open it again";
            if (h != null)
                return "error: " + path + " has no metadata (" + side + "), and the ipcf run that wrote it (" + h[0]
                        + ") was stopped before it finished: run that job again to finish it";
        }
        return null;
    }

    /** Whether the absent sidecar of the .npy result path appears before deadline while a live ipcf process holds its lock. */
    static boolean sidecarComing(String path, long deadline) {
        while (true) {
            if (new java.io.File(path + ".json").exists()) return true;
            // (a run that renamed it in and ended between the two looks: it is there; it was
            // shown without its metadata, REVIEW6's F2)
            if (System.nanoTime() > deadline || !liveWriter(path)) return new java.io.File(path + ".json").exists();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    static Opened openPcfOnce(String path) {
        try {
            Npy n = readNpy(path);
            if (testHookOpened != null) testHookOpened.run();
            if (n.shape.length != 4 || !n.descr.equals("<f4"))
                return Opened.error("error: " + path + ": want a float32 (rows, columns, points, bins) pCF result, not " + n.descr
                        + " of " + n.shape.length + " dimensions");
            int ny = n.shape[0], nx = n.shape[1], np = n.shape[2], nb = n.shape[3];
            if ((long) ny * nx * np * nb * 4 > n.data.capacity()) return Opened.error("error: " + path + ": file too short");
            java.nio.FloatBuffer fb = n.data.asFloatBuffer();
            String js = readMetadata(path + ".json", "the result");
            String errorsOf = null; // the result whose error bars these are (OUT.sd.npy of OUT.npy)
            if (js.isEmpty() && !new java.io.File(path + ".json").exists() && path.endsWith(".sd.npy")) {
                // Error bars (ipcf pcf --errors: OUT.sd.npy) have no metadata of their own: their
                // result's record them (errors: file, bytes, CRC-32C, shape). Checked as ipcf fit
                // and Python's open_errors check them, else damaged or another run's error bars
                // weighted a fit (sigma=) without a word.
                String base = path.substring(0, path.length() - ".sd.npy".length()) + ".npy";
                String bjs = readMetadata(base + ".json", "the error bars");
                if (!bjs.isEmpty()) {
                    String bad = errorsMismatch(path, n, base, bjs);
                    if (bad != null) return Opened.error("error: " + bad);
                    js = bjs;
                    errorsOf = base;
                }
            }
            // The file must be the one its metadata describe (ipcf writes its checksum there): a
            // result changed since, or another result's sidecar beside it, would give curves
            // other offsets or delays. Checked on the bytes mapped, which are the curves read (a
            // check of the path, opened again, passed on a result replaced in between with its
            // metadata, and the old curves were labelled with the new delays), read once into
            // memory (readNpy). Checked by the library (without JNA: not checked).
            // The maps of ipcf fit are 4-D float32 too (rows, columns, offsets, parameters): opened as
            // a pCF, their parameters were shown as curve points.
            if (jsonString(jsonValue(js, "command"), "").equals("fit"))
                return Opened.error("error: " + path + ": the maps of ipcf fit (parameters, not curves), not a pCF result: "
                        + "write them as a TIFF (ipcf fit -o MAPS.tif) and open that with File > Open");
            String want = errorsOf != null ? null : jsonValue(js, "output_crc32c");
            if (want != null && Jna.problem() == null) {
                want = want.replace("\"", "").trim();
                String got = n.crc32c();
                long nbytes = n.whole.capacity();
                double size = jsonNumber(jsonValue(js, "output_bytes"), -1);
                if (!got.equals(want) || size >= 0 && size != nbytes)
                    return Opened.error("error: " + path + ": checksum " + got + " (" + nbytes + " bytes), but " + path + ".json records "
                            + want + (size >= 0 ? " (" + (long) size + " bytes)" : "") + ": not this result's metadata (the file "
                            + "changed since, or another result's sidecar lies beside it)");
            }
            // exactly (after the checksum, which names a file changed since): bytes beyond the
            // shape's data mean a damaged header (its length or shape), whose values would be
            // shifted or cut (as the library refuses)
            if ((long) ny * nx * np * nb * 4 != n.data.capacity())
                return Opened.error("error: " + path + ": " + n.data.capacity() + " bytes of data after its header, its shape needs "
                        + (long) ny * nx * np * nb * 4 + " (trailing bytes: a damaged header?)");
            if (testHookChecked != null) testHookChecked.run();
            int[] uv = null;
            double[] uvNum = jsonNumbers(jsonValue(js, "offsets_uv"));
            if (uvNum != null && uvNum.length == 2 * np) {
                uv = new int[2 * np];
                for (int k = 0; k < uv.length; k++) uv[k] = (int) uvNum[k];
            }
            double radius = jsonNumber(jsonValue(js, "radius"), -1);
            if (uv == null && radius > 0 && Jna.problem() == null) {
                try {
                    int[] c = circle((int) radius, np);
                    if (c.length == 2 * np) uv = c;
                } catch (RuntimeException e) {
                    uv = null;
                }
            }
            double[] delays = jsonNumbers(jsonValue(js, "delay_frames"));
            long[] edges = null;
            if (delays == null || delays.length != nb) { // 0.2 metadata: the upper bin edges
                delays = null;
                double[] e = jsonNumbers(jsonValue(js, "bins"));
                if (e != null && e.length == nb) {
                    delays = new double[nb];
                    edges = new long[nb];
                    for (int b = 0; b < nb; b++) {
                        edges[b] = (long) e[b];
                        delays[b] = ((b == 0 ? 0 : e[b - 1]) + e[b] - 1) / 2;
                    }
                }
            }
            String units = jsonValue(js, "units");
            double fi = Math.max(0, jsonNumber(jsonValue(units, "frame_interval_s"), 0));
            double ps = Math.max(0, jsonNumber(jsonValue(units, "pixel_size_um"), 0));
            String binning = jsonString(jsonValue(js, "bins_mode"), "log");
            boolean delta = "true".equals(jsonValue(js, "delta"));
            ImageStack st = new ImageStack(nx, ny);
            for (int b = 0; b < nb; b++) {
                for (int i = 0; i < np; i++) {
                    float[] plane = new float[nx * ny];
                    for (int k = 0; k < nx * ny; k++) plane[k] = fb.get((k * np + i) * nb + b);
                    st.addSlice("offset " + i + ", point " + b, new FloatProcessor(nx, ny, plane));
                }
            }
            ImagePlus res = new ImagePlus("pCF of " + Paths.get(path).getFileName(), st);
            res.setDimensions(1, np, nb);
            res.setOpenAsHyperStack(true);
            if (uv != null && delays != null) describe(res, uv, delays, fi, ps, binning, delta);
            else divergingDisplay(res);
            if (edges != null) res.setProperty("ipcf.delays", edges);
            if (radius > 0) res.setProperty("ipcf.radius", (int) radius);
            String margin = marginOf(js, uv, radius);
            if (margin != null) res.setProp("ipcf.margin", margin);
            res.setProp("ipcf.size", nx + "," + ny);
            res.setProp("ipcf.file", path);
            if (errorsOf != null) {
                // Error bars, not curves: Fit pCF Maps... refuses them as curves (they were
                // fitted), as the error bars the image commands make (ipcf.errors).
                res.setTitle("pCF error bars of " + Paths.get(errorsOf).getFileName());
                res.setProp("ipcf.errors_of", errorsOf);
                res.setProp("ipcf.errors", jsonString(jsonValue(jsonValue(js, "errors"), "method"), "blocking"));
            }
            String sm = jsonValue(js, "smooth");
            if (sm != null) res.setProp("ipcf.smooth", Double.toString(jsonNumber(sm, 0)));
            // Error bars beside the result (OUT.sd.npy): Fit pCF Maps... says that it fits
            // unweighted without them, where ipcf fit and Python weight by them.
            String ef = jsonString(jsonValue(jsonValue(js, "errors"), "file"), "");
            if (!ef.isEmpty() && errorsOf == null) res.setProp("ipcf.errors_file", ef);
            Opened o = new Opened();
            o.image = res;
            o.meta = !js.isEmpty();
            return o;
        } catch (IOException | RuntimeException | OutOfMemoryError | InternalError e) {
            return Opened.error("error: " + describe(e));
        }
    }

    /**
     * The text of the metadata file at meta, read whole ("" if there is none), for what (the
     * result, the error bars): refused (an IOException naming it) when it is there but not a
     * regular file (a FIFO, a folder, a device) or larger than metadata take, never taken for
     * absent, which switched the checksum off; and when ipcf's metadata were edited or damaged
     * since ipcf wrote them (self_crc32c, since 0.3.1, checked by the library): never read for
     * the curves' offsets, delays or units.
     */
    static String readMetadata(String meta, String what) throws IOException {
        java.io.File f = new java.io.File(meta);
        if (f.exists() && !f.isFile())
            throw new IOException(meta + " is not a regular file (a folder, named pipe or device): " + what + " cannot be checked "
                    + "against its metadata; remove it to open the array without them");
        if (!f.isFile()) return "";
        if (f.length() >= (64 << 20))
            throw new IOException(meta + ": " + f.length() + " bytes, more than metadata take (64 MiB): not ipcf's metadata; remove it "
                    + "to open the array without them");
        regularFile(meta);
        byte[] raw = java.nio.file.Files.readAllBytes(f.toPath());
        if (Jna.problem() == null) {
            int st = Native.lib().ipcf_check_metadata(raw, raw.length);
            if (st != Native.OK) throw new IOException(meta + ": " + Native.lib().ipcf_last_error());
        }
        return new String(raw, "UTF-8");
    }

    /**
     * Why the error bars n read from path are not those the metadata bjs of their result base
     * record (errors: file, bytes, crc32c, shape), or null if they are.
     */
    static String errorsMismatch(String path, Npy n, String base, String bjs) {
        String rec = jsonValue(bjs, "errors");
        String name = Paths.get(path).getFileName().toString();
        String file = jsonString(jsonValue(rec, "file"), "");
        if (rec == null || rec.equals("null") || !file.equals(name))
            return path + ": " + base + ".json records " + (file.isEmpty() ? "no error bars" : "the error bars " + file)
                    + ": not the error bars of that result (an earlier run's?); compute them again (ipcf pcf --errors), or rename "
                    + "the file to open it without metadata";
        if (Jna.problem() != null) return null; // (no library: nothing checks checksums; openPcf says so)
        String want = jsonString(jsonValue(rec, "crc32c"), "");
        double bytes = jsonNumber(jsonValue(rec, "bytes"), -1);
        double[] shape = jsonNumbers(jsonValue(rec, "shape"));
        String got = n.crc32c();
        long size = n.whole.capacity();
        boolean shapeOk = shape == null || shape.length == n.shape.length;
        for (int k = 0; shapeOk && shape != null && k < shape.length; k++) shapeOk = shape[k] == n.shape[k];
        if (!got.equals(want) || bytes != size || !shapeOk)
            return path + ": checksum " + got + " (" + size + " bytes), but " + base + ".json records " + (want.isEmpty() ? "none" : want)
                    + " (" + (bytes < 0 ? "no size" : (long) bytes + " bytes") + ") for its error bars: not the error bars of this result "
                    + "(changed since, or another run's); compute them again (ipcf pcf --errors)";
        return null;
    }

    /**
     * ipcf.margin ("columns,rows") of a result with metadata js: where its pixel (0, 0) lies in
     * the input, the offsets' margin (the circle's radius, else the largest |u| and |v|) plus
     * the crop's origin; null without metadata that say it (Plot pCF Curves refuses input then).
     */
    static String marginOf(String js, int[] uv, double radius) {
        if (js == null || js.isEmpty()) return null;
        String mode = jsonString(jsonValue(js, "mode"), "circle");
        long mx = 0, my = 0;
        if (mode.equals("circle")) {
            if (!(radius >= 0)) return null;
            mx = my = (long) radius;
        } else {
            if (uv == null) return null;
            for (int k = 0; k + 1 < uv.length; k += 2) {
                mx = Math.max(mx, Math.abs((long) uv[k]));
                my = Math.max(my, Math.abs((long) uv[k + 1]));
            }
        }
        double[] o = jsonNumbers(jsonValue(js, "crop_origin"));
        if (o != null && o.length != 2) return null;
        long oy = o == null ? 0 : (long) o[0], ox = o == null ? 0 : (long) o[1];
        return (ox + mx) + "," + (oy + my);
    }

    /**
     * The text of the value of "key" among the members of the JSON object js (not of objects
     * inside it): an object or array with its brackets, a string with its quotes, a number, true,
     * false or null; null if absent or js is no object.
     */
    static String jsonValue(String js, String key) {
        if (js == null) return null;
        String want = "\"" + key + "\"";
        int depth = 0;
        for (int k = 0; k < js.length(); k++) {
            char d = js.charAt(k);
            if (d == '"') {
                int e = k + 1;
                while (e < js.length() && js.charAt(e) != '"') e += js.charAt(e) == '\\' ? 2 : 1;
                if (depth == 1 && js.startsWith(want, k)) {
                    int c = e + 1;
                    while (c < js.length() && Character.isWhitespace(js.charAt(c))) c++;
                    if (c < js.length() && js.charAt(c) == ':') return valueAt(js, c + 1);
                }
                k = e;
            } else if (d == '[' || d == '{') depth++;
            else if (d == ']' || d == '}') depth--;
        }
        return null;
    }

    /** The JSON value starting at i (after white space). */
    private static String valueAt(String js, int i) {
        while (i < js.length() && Character.isWhitespace(js.charAt(i))) i++;
        if (i >= js.length()) return null;
        char c = js.charAt(i);
        if (c == '[' || c == '{') {
            int depth = 0;
            for (int k = i; k < js.length(); k++) {
                char d = js.charAt(k);
                if (d == '"') {
                    k++;
                    while (k < js.length() && js.charAt(k) != '"') k += js.charAt(k) == '\\' ? 2 : 1;
                } else if (d == '[' || d == '{') depth++;
                else if ((d == ']' || d == '}') && --depth == 0) return js.substring(i, k + 1);
            }
            return null;
        }
        if (c == '"') {
            int k = i + 1;
            while (k < js.length() && js.charAt(k) != '"') k += js.charAt(k) == '\\' ? 2 : 1;
            return k < js.length() ? js.substring(i, k + 1) : null;
        }
        int k = i;
        while (k < js.length() && ",}] \n\r\t".indexOf(js.charAt(k)) < 0) k++;
        return js.substring(i, k);
    }

    /** Every number in a JSON value (an array, nested or not); null for null, absent or no numbers. */
    static double[] jsonNumbers(String v) {
        if (v == null || v.equals("null")) return null;
        Matcher m = Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?").matcher(v);
        java.util.List<Double> out = new java.util.ArrayList<>();
        while (m.find()) out.add(Double.parseDouble(m.group()));
        if (out.isEmpty()) return null;
        double[] a = new double[out.size()];
        for (int k = 0; k < a.length; k++) a[k] = out.get(k);
        return a;
    }

    static double jsonNumber(String v, double def) {
        if (v == null) return def;
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            return def;
        }
    }

    /**
     * The text of a JSON string value (with its quotes, as jsonValue returns it), its escapes
     * decoded (Go's encoder writes &, < and > as \\u0026, \\u003c and \\u003e: a file name holding
     * them was compared escaped); def for another value.
     */
    static String jsonString(String v, String def) {
        if (v == null || v.length() < 2 || !v.startsWith("\"") || !v.endsWith("\"")) return def;
        String t = v.substring(1, v.length() - 1);
        if (t.indexOf('\\') < 0) return t;
        StringBuilder b = new StringBuilder(t.length());
        for (int k = 0; k < t.length(); k++) {
            char c = t.charAt(k);
            if (c != '\\' || k + 1 >= t.length()) {
                b.append(c);
                continue;
            }
            char e = t.charAt(++k);
            switch (e) {
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u':
                    if (k + 4 < t.length()) {
                        try {
                            b.append((char) Integer.parseInt(t.substring(k + 1, k + 5), 16));
                            k += 4;
                            break;
                        } catch (NumberFormatException ignored) {
                            // not an escape: kept as written
                        }
                    }
                    b.append('\\').append(e);
                    break;
                default: b.append(e); // \" \\ \/
            }
        }
        return b.toString();
    }

    // ---- .npy files (C order, little-endian uint8/uint16/float32) ----

    static final class Npy {
        String descr;
        int[] shape;
        ByteBuffer data;
        /** The whole file as mapped (header and data): its checksum is the one of the data read. */
        ByteBuffer whole;

        /** CRC-32C (as ipcf's metadata record it) of the whole file as mapped, by the library. */
        String crc32c() {
            com.sun.jna.ptr.IntByReference crc = new com.sun.jna.ptr.IntByReference();
            Engine.check(Native.lib().ipcf_crc32c(whole, whole.capacity(), crc));
            return String.format("%08x", crc.getValue());
        }
    }

    /**
     * Refuses a path that is not a regular file before it is opened: opening a named pipe for
     * reading blocks until a writer comes (the macro would hang), a device may never end.
     */
    static void regularFile(String path) throws IOException {
        if (path == null || path.isEmpty()) throw new IOException("no file given");
        java.nio.file.Path p = Paths.get(path);
        if (!java.nio.file.Files.exists(p)) throw new IOException(path + ": no such file");
        if (java.nio.file.Files.isDirectory(p)) throw new IOException(path + ": a folder, not a file");
        if (!java.nio.file.Files.isRegularFile(p))
            throw new IOException(path + ": not a regular file (a named pipe, device or socket)");
    }

    /** The group of the one match of regex in rest[0], which loses it; none or two: an error naming what. */
    static String takeEntry(String[] rest, String regex, String what, String path) throws IOException {
        Matcher m = Pattern.compile(regex).matcher(rest[0]);
        if (!m.find()) throw new IOException(path + ": no " + what + " in the header");
        String g = m.group(1);
        int start = m.start(), end = m.end();
        if (m.find()) throw new IOException(path + ": the header gives " + what + " twice");
        rest[0] = rest[0].substring(0, start) + rest[0].substring(end);
        return g;
    }

    static Npy readNpy(String path) throws IOException {
        regularFile(path);
        try (FileChannel ch = FileChannel.open(Paths.get(path), StandardOpenOption.READ)) {
            long fsize = ch.size();
            if (fsize > Integer.MAX_VALUE - 8) // (the largest Java array)
                throw new IOException(path + ": " + (fsize >> 20) + " MiB: ImageJ reads files of up to 2 GiB (into its heap, beside the image: give the JVM -Xmx of more than twice the file); open part of it (a --crop of the pCF, or the Python or Octave binding)");
            // The whole file read once into memory, not mapped: the header, the values and the
            // checksum are of these bytes, so a file rewritten in place while it is opened can
            // no longer show values other than those checked (a campaign: 38 of 55 opens mixed
            // two results), and one cut short can no longer fault in a mapping (an
            // InternalError that ended the macro).
            ByteBuffer all = ByteBuffer.allocate((int) fsize).order(ByteOrder.LITTLE_ENDIAN);
            while (all.hasRemaining() && ch.read(all, all.position()) >= 0) {
            }
            if (all.hasRemaining() || ch.size() != fsize)
                throw new IOException(path + ": its size changed while it was read (" + fsize + " bytes when opened): changed during the call?");
            all.clear();
            if (fsize < 12) throw new IOException(path + ": not a .npy file (" + fsize + " bytes)");
            ByteBuffer head = all;
            if (head.get(0) != (byte) 0x93 || head.get(1) != 'N') throw new IOException(path + ": not a .npy file");
            int major = head.get(6);
            if (major < 1 || major > 3) throw new IOException(path + ": .npy format version " + major + " not supported (1, 2 or 3)");
            long hlen = major == 1 ? (head.getShort(8) & 0xffff) : (head.getInt(8) & 0xffffffffL);
            int start = major == 1 ? 10 : 12;
            if (fsize < start + hlen) throw new IOException(path + ": file too short for its header (" + hlen + " bytes claimed, the file has " + fsize + ")");
            String h = new String(all.array(), start, (int) hlen, "latin1");
            Npy n = new Npy();
            // The header is a dict of exactly descr, fortran_order and shape, each once (as numpy
            // requires): each is taken out and nothing else may be left (a search anywhere read a
            // key's text inside another value, or the first of two).
            String[] rest = {h};
            n.descr = takeEntry(rest, "'descr':\\s*'([^']*)'", "descr", path);
            String fortran = takeEntry(rest, "'fortran_order':\\s*(True|False)", "fortran_order True or False", path);
            String shapeText = takeEntry(rest, "'shape':\\s*\\(([^)]*)\\)", "shape", path);
            String left = rest[0].replaceAll("[{}\\s,]", "");
            if (!left.isEmpty() || rest[0].indexOf('{') != rest[0].lastIndexOf('{') || rest[0].indexOf('}') != rest[0].lastIndexOf('}'))
                throw new IOException(path + ": the header holds more than descr, fortran_order and shape (" + rest[0].trim() + ")");
            if (fortran.equals("True")) throw new IOException(path + ": Fortran order not supported");
            String[] parts = shapeText.split(",");
            int k = 0;
            int[] shape = new int[parts.length];
            for (String s : parts) {
                if (s.trim().isEmpty()) continue;
                if (!s.trim().matches("[0-9]+")) throw new IOException(path + ": shape (" + shapeText + ") is not whole numbers >= 0");
                if (!s.trim().matches("0*[0-9]{1,9}")) {
                    // whole numbers: more values than the file holds (or than one Java array holds)
                    java.math.BigInteger need = java.math.BigInteger.ONE;
                    for (String t : parts)
                        if (!t.trim().isEmpty()) need = need.multiply(new java.math.BigInteger(t.trim()));
                    throw new IOException(path + ": shape (" + shapeText.trim() + ") holds " + need + " values, more than the file's "
                            + Math.max(0, all.capacity() - start - hlen) + " bytes of data hold (file truncated?) or ImageJ opens");
                }
                shape[k++] = Integer.parseInt(s.trim());
            }
            n.shape = java.util.Arrays.copyOf(shape, k);
            for (int v : n.shape)
                if (v == 0) throw new IOException(path + ": shape (" + shapeText.trim() + ") holds no values: nothing to open");
            // numpy writes '|u1' for uint8; '<u1' and '>u1' are the same type.
            if (n.descr.equals("<u1") || n.descr.equals(">u1")) n.descr = "|u1";
            n.whole = all;
            ByteBuffer d = n.whole.duplicate();
            d.position((int) (start + hlen));
            n.data = d.slice().order(ByteOrder.LITTLE_ENDIAN);
            return n;
        }
    }

    /**
     * Why the stack n read from path is not the one its ipcf metadata (PATH.json of ipcf
     * simulate or ipcf bleach) record (output_bytes, output_crc32c), or null if it is, or has no
     * such metadata (a user's own JSON, another program's). A file ipcf wrote, damaged or cut
     * since, was opened and computed on, where the CLI and pcfFile refuse it (core/ooc's
     * CheckWritten, the same rule): metadata there that are not a regular file, or ipcf's but
     * damaged, are refused too, never taken for absent.
     */
    static String writtenMismatch(String path, Npy n) throws IOException {
        String meta = path + ".json";
        java.io.File f = new java.io.File(meta);
        if (!f.exists()) return null;
        if (!f.isFile() || f.length() >= (64 << 20))
            return meta + " is not a regular file of metadata (a folder, named pipe, device, or over 64 MiB), so " + path
                    + " cannot be checked against ipcf's record; remove it to open the file as it is";
        regularFile(meta);
        byte[] raw = java.nio.file.Files.readAllBytes(f.toPath());
        if (Jna.problem() != null) return null; // (no library: nothing checks checksums; openPcf says so)
        String js = new String(raw, "UTF-8");
        // core/ooc's rule (WrittenRecord), step by step: text that is not JSON but names ipcf's
        // keys is ipcf's metadata damaged (cut short: the "software" key, near the end, gone);
        // an input's metadata (ipcf simulate or bleach) must carry their own checksum, and so
        // must other JSON that names ipcf's keys and has a seal at its top level (a key's byte
        // damaged: "softwarg"); anything else is a user's or another program's, read as it is.
        boolean ours = false;
        for (String k : new String[] {"\"self_crc32c\"", "\"output_crc32c\"", "\"software\"", "\"ipcf\"",
                "\"command\": \"bleach\"", "\"command\": \"simulate\""})
            ours |= js.contains(k);
        if (!Json.valid(js)) {
            return !ours ? null : meta + " is not valid JSON (damaged or cut short?), so " + path + " cannot be checked against its "
                    + "record; remove " + meta + " to open the file as it is";
        }
        String sw = jsonString(jsonValue(js, "software"), ""), cmd = jsonString(jsonValue(js, "command"), "");
        boolean input = sw.equals("ipcf") && (cmd.equals("simulate") || cmd.equals("bleach"));
        if ((input || ours && jsonValue(js, "self_crc32c") != null) && Native.lib().ipcf_check_metadata(raw, raw.length) != Native.OK)
            return meta + ": " + Native.lib().ipcf_last_error() + ", so " + path + " cannot be checked against its record; remove "
                    + meta + " to open the file as it is";
        if (!input) return null; // not an input's record
        String want = jsonString(jsonValue(js, "output_crc32c"), "");
        double bytes = jsonNumber(jsonValue(js, "output_bytes"), -1);
        if (want.isEmpty() || bytes < 0) return null; // (metadata before 0.3 recorded no checksum)
        String got = n.crc32c();
        long size = n.whole.capacity();
        if (!want.equals(got) || bytes != size)
            return path + ": its size or CRC-32C (" + size + " bytes, " + got + ") is not what " + meta + " records ("
                    + (long) bytes + " bytes, " + want + "): the file changed or was damaged since ipcf " + cmd + " wrote it; "
                    + "remove it and compute it again, or remove " + meta + " to open the file as it is";
        return null;
    }

    /** A strict JSON syntax check (RFC 8259, as Go's json.Valid): no NaN, no BOM, one value. */
    static final class Json {
        final String t;
        int k;

        Json(String t) {
            this.t = t;
        }

        static boolean valid(String t) {
            Json j = new Json(t);
            try {
                j.ws();
                j.value(0);
                j.ws();
                return j.k == t.length();
            } catch (IllegalStateException | StringIndexOutOfBoundsException e) {
                return false;
            }
        }

        void ws() {
            while (k < t.length() && " \t\n\r".indexOf(t.charAt(k)) >= 0) k++;
        }

        void expect(char c) {
            if (k >= t.length() || t.charAt(k) != c) throw new IllegalStateException();
            k++;
        }

        void value(int depth) {
            if (depth > 512) throw new IllegalStateException(); // (deeper: not metadata, and the stack)
            char c = t.charAt(k);
            if (c == '{' || c == '[') { // an object's members are a key, ':' and a value
                char close = c == '{' ? '}' : ']';
                k++;
                ws();
                if (t.charAt(k) == close) {
                    k++;
                    return;
                }
                while (true) {
                    ws();
                    if (close == '}') {
                        string();
                        ws();
                        expect(':');
                        ws();
                    }
                    value(depth + 1);
                    ws();
                    if (t.charAt(k) == ',') {
                        k++;
                        continue;
                    }
                    expect(close);
                    return;
                }
            } else if (c == '"') {
                string();
            } else if (t.startsWith("true", k)) {
                k += 4;
            } else if (t.startsWith("false", k)) {
                k += 5;
            } else if (t.startsWith("null", k)) {
                k += 4;
            } else {
                java.util.regex.Matcher m = NUMBER.matcher(t).region(k, t.length());
                if (!m.lookingAt()) throw new IllegalStateException();
                k = m.end();
            }
        }

        void string() {
            expect('"');
            while (true) {
                char c = t.charAt(k++);
                if (c == '"') return;
                if (c < 0x20) throw new IllegalStateException();
                if (c == '\\') {
                    char e = t.charAt(k++);
                    if (e == 'u') {
                        for (int i = 0; i < 4; i++)
                            if (Character.digit(t.charAt(k++), 16) < 0) throw new IllegalStateException();
                    } else if ("\"\\/bfnrt".indexOf(e) < 0) throw new IllegalStateException();
                }
            }
        }

        static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?");
    }

    /** Opens a (t, y, x) .npy stack (uint8, uint16, float32) as an image with time along slices; returns its title. */
    public static String openNpy(String path) {
        String unnamable = unnamable(path);
        if (unnamable != null) return unnamable;
        try {
            Npy n = readNpy(path);
            String bad = writtenMismatch(path, n);
            if (bad != null) return "error: " + bad;
            if (n.shape.length != 3) return "error: " + path + ": want 3 dimensions";
            int t = n.shape[0], h = n.shape[1], w = n.shape[2];
            boolean signed = n.descr.equals("<i2");
            int es;
            switch (n.descr) {
                case "<u2": case "<i2": es = 2; break;
                case "|u1": es = 1; break;
                case "<f4": es = 4; break;
                default: return "error: " + path + ": dtype " + n.descr + " not supported (uint8, uint16, int16, float32, little-endian);"
                        + " convert it, e.g. numpy.save(path, a.astype(numpy.uint16)) for counts in 0..65535, or a.astype(numpy.float32)";
            }
            if ((long) t * h * w * es > n.data.capacity() || (long) h * w > Integer.MAX_VALUE)
                return "error: " + path + ": file too short for its shape (" + t + ", " + h + ", " + w + ")";
            if ((long) t * h * w * es != n.data.capacity())
                return "error: " + path + ": " + n.data.capacity() + " bytes of data after its header, its shape ("
                        + t + ", " + h + ", " + w + ") needs " + (long) t * h * w * es + " (trailing bytes: a damaged header?)";
            ImageStack st = new ImageStack(w, h);
            for (int i = 0; i < t; i++) {
                if (es == 2) {
                    short[] px = new short[w * h];
                    n.data.position(2 * i * w * h);
                    n.data.asShortBuffer().get(px);
                    // int16 as ImageJ opens a signed 16-bit TIFF: raw value + 32768, calibrated back.
                    if (signed) for (int k = 0; k < px.length; k++) px[k] ^= (short) 0x8000;
                    st.addSlice("", px);
                } else if (n.descr.equals("|u1")) {
                    byte[] px = new byte[w * h];
                    n.data.position(i * w * h);
                    n.data.get(px);
                    st.addSlice("", px);
                } else if (n.descr.equals("<f4")) {
                    float[] px = new float[w * h];
                    n.data.position(4 * i * w * h);
                    n.data.asFloatBuffer().get(px);
                    st.addSlice("", new FloatProcessor(w, h, px));
                }
            }
            ImagePlus imp = new ImagePlus(Paths.get(path).getFileName().toString(), st);
            if (signed) imp.getCalibration().setSigned16BitCalibration();
            imp.show();
            return imp.getTitle();
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return "error: " + describe(e);
        }
    }

    /**
     * Largest absolute difference between the current pCF result hyperstack and an expected
     * (y, x, point, bin) float32 .npy; "nan-mismatch" if NaNs differ, "error: ..." on failure.
     */
    public static String maxAbsDiff(String path) {
        try {
            ImagePlus imp = WindowManager.getCurrentImage();
            Npy n = readNpy(path);
            if (imp == null || n.shape.length != 4) return "error: need a result image and a 4-D .npy";
            int ny = n.shape[0], nx = n.shape[1], np = n.shape[2], nb = n.shape[3];
            if (imp.getWidth() != nx || imp.getHeight() != ny || imp.getNSlices() != np || imp.getNFrames() != nb)
                return "error: result " + imp.getWidth() + "x" + imp.getHeight() + "x" + imp.getNSlices() + "x"
                        + imp.getNFrames() + ", want " + nx + "x" + ny + "x" + np + "x" + nb;
            double worst = 0;
            java.nio.FloatBuffer want = n.data.asFloatBuffer();
            for (int b = 0; b < nb; b++)
                for (int i = 0; i < np; i++) {
                    float[] plane = (float[]) imp.getStack().getPixels(imp.getStackIndex(1, i + 1, b + 1));
                    for (int y = 0; y < ny; y++)
                        for (int x = 0; x < nx; x++) {
                            float g = plane[y * nx + x], e = want.get(((y * nx + x) * np + i) * nb + b);
                            if (Float.isNaN(g) != Float.isNaN(e)) return "nan-mismatch";
                            if (!Float.isNaN(g)) worst = Math.max(worst, Math.abs(g - e));
                        }
                }
            return Double.toString(worst);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return "error: " + describe(e);
        }
    }

    /**
     * "1" if the current result hyperstack holds the values of a (rows, columns, offsets, points)
     * float32 .npy bit for bit (NaNs included); "0: ..." naming the first difference; "error: ...".
     */
    public static String equalsPcf(String path) {
        try {
            ImagePlus imp = WindowManager.getCurrentImage();
            Npy n = readNpy(path);
            if (imp == null || n.shape.length != 4 || !n.descr.equals("<f4")) return "error: need a result image and a 4-D float32 .npy";
            int ny = n.shape[0], nx = n.shape[1], np = n.shape[2], nb = n.shape[3];
            if (imp.getWidth() != nx || imp.getHeight() != ny || imp.getNSlices() != np || imp.getNFrames() != nb)
                return "0: result " + imp.getWidth() + "x" + imp.getHeight() + "x" + imp.getNSlices() + "x" + imp.getNFrames()
                        + ", file " + nx + "x" + ny + "x" + np + "x" + nb;
            java.nio.FloatBuffer want = n.data.asFloatBuffer();
            for (int b = 0; b < nb; b++)
                for (int i = 0; i < np; i++) {
                    float[] plane = (float[]) imp.getStack().getPixels(imp.getStackIndex(1, i + 1, b + 1));
                    for (int k = 0; k < nx * ny; k++) {
                        float g = plane[k], e = want.get((k * np + i) * nb + b);
                        if (Float.floatToRawIntBits(g) != Float.floatToRawIntBits(e))
                            return "0: pixel " + (k % nx) + "," + (k / nx) + " offset " + i + " point " + b + ": " + g + " in the image, "
                                    + e + " in the file";
                    }
                }
            return "1";
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return "error: " + describe(e);
        }
    }

    /** 1 if the current image equals an expected (t, y, x) uint16 .npy exactly, else 0 or "error: ...". */
    public static String equalsNpy(String path) {
        try {
            ImagePlus imp = WindowManager.getCurrentImage();
            if (imp == null) return "error: no image";
            Npy n = readNpy(path);
            if (n.shape.length != 3 || !n.descr.equals("<u2"))
                return "error: " + path + ": want a (t, y, x) uint16 .npy, not " + n.descr + " of " + n.shape.length + " dimensions";
            int t = n.shape[0], h = n.shape[1], w = n.shape[2];
            if (imp.getStackSize() != t || imp.getWidth() != w || imp.getHeight() != h) return "0";
            if (imp.getBitDepth() != 16) return "0";
            java.nio.ShortBuffer want = n.data.asShortBuffer();
            for (int i = 0; i < t; i++) {
                short[] px = (short[]) imp.getStack().getPixels(i + 1);
                for (int k = 0; k < w * h; k++) if (px[k] != want.get(i * w * h + k)) return "0";
            }
            return "1";
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return "error: " + describe(e);
        }
    }
}
