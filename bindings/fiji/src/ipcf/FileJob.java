package ipcf;

import ij.IJ;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * A pCF file job (ipcf_pcf_file): the library reads the input file or folder itself, in memory or
 * out of core, and writes the result file; no image data passes through the Java heap.
 */
public final class FileJob {
    public static final String[] ENGINES = {"auto", "memory", "ooc"};
    public static final String[] FORMATS = {"auto", "npy", "tiff", "raw"};
    public static final String[] DTYPES = {"uint8", "uint16", "int16", "int32", "float32", "float64"};
    /** By code: IPCF_ORDER_NATIVE 0, _LITTLE 1, _BIG 2. */
    public static final String[] ORDERS = {"native", "little", "big"};

    /** Option keys of {@link #parse}; the dialog's fields record the same keys. */
    static final Set<String> KEYS = new HashSet<>(Arrays.asList("input", "output", "radius", "points", "npoints",
            "bins", "nbins", "bleach", "mean", "threads", "device", "memory", "engine", "scratch", "tile", "crop",
            "frames", "mask", "format", "shape", "dtype", "byteorder", "byte_order", "offset", "frame_interval",
            "pixel_size", "open", "preset", "offsets", "acf", "delta", "m", "smooth", "threshold", "second", "channel",
            "channel2", "cross", "copy_input", "errors", "segments"));

    public String input = "", output = "";
    public Ipcf.Params pcf = new Ipcf.Params();
    /** "" for the library's default (a quarter of RAM or of the cgroup memory limit, scratch beside the output, no crop, ...). */
    public String memory = "", engine = "auto", scratch = "", crop = "", frames = "", mask = "", format = "auto";
    /** Out-of-core output tile; 0, 0: from the memory budget. */
    public int tileRows, tileCols;
    /** Raw input: frames, rows, columns; null: not raw. */
    public long[] shape;
    public String dtype = "uint16", byteOrder = "little";
    public long offset;
    public double frameInterval, pixelSize;
    /** Out of core: copy the frames into scratch first even where the input file can be read in place. */
    public boolean copyInput;
    /**
     * Error bars written beside a .npy output OUT.npy as OUT.sd.npy: "none", "blocking" or
     * "segments" (ipcf pcf --errors, Python's pcf_file(errors=), as every host's file job:
     * PARITY20's m3); segments: 2 .. the frames used, 0 = 8.
     */
    public String errors = "none";
    public int segments;
    /** Open the result (a .npy under {@link #OPEN_LIMIT} bytes) when done. */
    public boolean open;

    public static final long OPEN_LIMIT = 200L << 20;

    /** What the job did. */
    public static final class Summary {
        public String engine;
        public long[] shape = new long[4];
        public int tiles, resumed;
        public boolean alreadyComplete;
        public long inputCrc32c;
        /** Out of core: the input file was read in place, not copied into scratch. */
        public boolean readInPlace;
        public double seconds;

        /** "engine=ooc tiles=25 resumed=0 already_complete=1 shape=34,34,12,15 input_crc32c=a2e539b9 read_in_place=0". */
        public String toString() {
            return "engine=" + engine + " tiles=" + tiles + " resumed=" + resumed + " already_complete="
                    + (alreadyComplete ? 1 : 0) + " shape=" + shape[0] + "," + shape[1] + "," + shape[2] + ","
                    + shape[3] + " input_crc32c=" + String.format("%08x", inputCrc32c) + " read_in_place="
                    + (readInPlace ? 1 : 0);
        }

        /** One line for the Log window. */
        String describe(FileJob j) {
            return "ipcf: pCF of " + j.input + " -> " + j.output + ": engine " + engine
                    + (engine.equals("ooc") ? ", " + tiles + " tiles, " + resumed + " resumed" : "")
                    + ", already complete: " + (alreadyComplete ? "yes" : "no") + ", result " + shape[0] + "x" + shape[1]
                    + " pixels, " + shape[2] + " points, " + shape[3] + " bins, " + String.format(Locale.US, "%.1f", seconds)
                    + " s";
        }
    }

    /**
     * Parses a macro options string: the pCF keys of the image commands, read by the same parser
     * ({@link Ipcf.Params#parse}: radius, points or npoints, preset, offsets, acf, delta,
     * bins=log|linear|multitau, nbins, m, smooth, threshold, bleach, mean, threads, device), and
     * memory, engine, scratch, tile=ROWS,COLS, crop, frames, mask, format, shape=T,H,W (raw input),
     * dtype, byteorder, offset, frame_interval, pixel_size, open; input and output when the
     * arguments are null or empty (so a string recorded from the dialog works as it is). Values
     * with spaces go in []. Channels: channel=N (of a multi-channel ImageJ hyperstack or OME-TIFF),
     * channel2=N (a channel of the same file as the second channel) or cross (channels 1 and 2);
     * second=TITLE (an open image) is refused.
     */
    public static FileJob parse(String input, String output, String options) {
        String o = options == null ? "" : options.trim();
        checkKeys(o);
        FileJob j = new FileJob();
        if (Ipcf.flag(o, "roi")) // a word, not one inside a [value] (a path)
            throw new IllegalArgumentException("roi: a file job takes a mask file (mask=FILE.npy), not a selection");
        j.pcf = Ipcf.Params.parse(withoutZeroChannel(o)); // channel=0 (the dialog's "none") is no channel
        if (j.pcf.second != null)
            throw new IllegalArgumentException("second=" + j.pcf.second + " names an open image: a file job takes the second "
                    + "channel from its input file (channel2=N, or cross for channels 1 and 2)");
        if (j.pcf.cross) { // channel 1 against channel 2 of the file
            j.pcf.channel = 1;
            j.pcf.channel2 = 2;
        }
        j.pcf.points = Ipcf.intOpt(o, "npoints", j.pcf.points, 1);
        j.input = input != null && !input.isEmpty() ? input : Ipcf.strOpt(o, "input", "");
        j.output = output != null && !output.isEmpty() ? output : Ipcf.strOpt(o, "output", "");
        j.memory = Ipcf.strOpt(o, "memory", "");
        j.engine = Ipcf.strOpt(o, "engine", "auto");
        j.scratch = Ipcf.strOpt(o, "scratch", "");
        j.crop = Ipcf.strOpt(o, "crop", "");
        j.frames = Ipcf.strOpt(o, "frames", "");
        j.mask = Ipcf.strOpt(o, "mask", "");
        j.format = Ipcf.strOpt(o, "format", "auto");
        j.setTile(Ipcf.strOpt(o, "tile", ""));
        j.setShape(Ipcf.strOpt(o, "shape", ""));
        j.dtype = Ipcf.strOpt(o, "dtype", j.dtype);
        j.byteOrder = Ipcf.strOpt(o, "byteorder", Ipcf.strOpt(o, "byte_order", j.byteOrder));
        j.offset = longOpt(o, "offset", 0);
        code("dtype", j.dtype, DTYPES, Native.DTYPE_UINT8); // checked also without shape: a typo is not ignored
        code("byteorder", j.byteOrder, ORDERS, Native.ORDER_NATIVE);
        if (j.offset != 0 && j.shape == null)
            throw new IllegalArgumentException("offset is for raw input: give shape=FRAMES,ROWS,COLUMNS too");
        j.frameInterval = doubleOpt(o, "frame_interval", 0);
        j.pixelSize = doubleOpt(o, "pixel_size", 0);
        j.open = Ipcf.flag(o, "open");
        j.copyInput = Ipcf.flag(o, "copy_input");
        j.setErrors(Ipcf.strOpt(o, "errors", "none"), Ipcf.strOpt(o, "segments", null));
        j.pcf.warnIgnored();
        return j;
    }

    /** Sets errors= and segments= (null or empty: the library's 8), checked as Fit's. */
    void setErrors(String e, String seg) {
        segments = Fit.segments(e, seg);
        errors = e;
    }

    /** The options without channel=0 (what the file dialog records for a one-channel file). */
    static String withoutZeroChannel(String o) {
        List<String[]> t = Ipcf.tokens(o);
        if (t == null) return o;
        StringBuilder b = new StringBuilder();
        boolean dropped = false;
        for (String[] kv : t) {
            if (kv[0].equals("channel") && kv[1] != null && kv[1].trim().matches("[+]?0+(\\.0*)?")) {
                dropped = true;
                continue;
            }
            b.append(b.length() == 0 ? "" : " ").append(kv[0]);
            if (kv[1] != null) b.append("=[").append(kv[1]).append(']');
        }
        return dropped ? b.toString() : o;
    }

    static final Set<String> FLAGS = new HashSet<>(Arrays.asList("open", "roi", "acf", "delta", "cross", "copy_input"));
    static final java.util.Map<String, String> ALIASES = new java.util.HashMap<>();
    static {
        ALIASES.put("npoints", "points");
        ALIASES.put("byte_order", "byteorder");
    }

    /**
     * Rejects misspelt, repeated (also through an alias: points and npoints) and valueless keys,
     * empty values and unbalanced brackets, which would otherwise be ignored silently.
     */
    static void checkKeys(String o) {
        Set<String> keys = new HashSet<>(KEYS);
        keys.removeAll(FLAGS);
        Ipcf.checkOptions(o, keys, FLAGS, ALIASES, LISTING);
    }

    static final String LISTING = "input output radius points preset offsets acf delta bins nbins m smooth threshold channel "
            + "channel2 cross bleach mean threads device memory engine scratch tile crop frames mask format shape dtype "
            + "byteorder offset frame_interval pixel_size open copy_input errors segments";

    /** A whole number >= 0 (offset): "1.5", "-1", "1e3" or 2^63 are errors naming the key. */
    static long longOpt(String o, String key, long def) {
        String v = Ipcf.strOpt(o, key, null);
        if (v == null || v.isEmpty()) return def;
        return Ipcf.whole(key, v, 0, Long.MAX_VALUE);
    }

    /** A finite decimal number >= 0 (frame_interval, pixel_size); NaN, Infinity, "1.5f" and hex are errors. */
    static double doubleOpt(String o, String key, double def) {
        String v = Ipcf.strOpt(o, key, null);
        if (v == null || v.isEmpty()) return def;
        if (!v.matches("[+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?"))
            throw new IllegalArgumentException(key + "=" + v + ": want a finite number >= 0");
        double d = Double.parseDouble(v);
        if (Double.isInfinite(d)) throw new IllegalArgumentException(key + "=" + v + ": want a finite number >= 0");
        return d;
    }

    /** "ROWS,COLS", or "" for tiles from the memory budget; 2.5 or 2^31 are errors, never clamped. */
    public void setTile(String t) {
        long[] v = numbers("tile", t, 2, 0, Integer.MAX_VALUE);
        if (v != null && (v[0] == 0) != (v[1] == 0)) // (the C struct's fields named it)
            throw new IllegalArgumentException("tile=" + t + ": want both positive, or both 0 (chosen from the budget)");
        tileRows = v == null ? 0 : (int) v[0];
        tileCols = v == null ? 0 : (int) v[1];
    }

    /** "T,H,W" for raw input, or "" for a self-describing file. */
    public void setShape(String s) {
        shape = numbers("shape", s, 3, 1, Long.MAX_VALUE);
    }

    static long[] numbers(String key, String s, int n, long min, long max) {
        if (s == null || s.trim().isEmpty()) return null;
        String[] parts = s.trim().split("\\s*[,x]\\s*", -1);
        if (parts.length != n)
            throw new IllegalArgumentException(key + "=" + s + ": want " + n + " whole numbers separated by commas");
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            if (!parts[i].trim().matches("[-+]?[0-9]+(\\.0*)?"))
                throw new IllegalArgumentException(key + "=" + s + ": want " + n + " whole numbers separated by commas");
            v[i] = Ipcf.whole(key, parts[i], min, max);
        }
        return v;
    }

    static int code(String key, String value, String[] names, int first) {
        for (int i = 0; i < names.length; i++)
            if (names[i].equals(value)) return first + i;
        throw new IllegalArgumentException(key + "=" + value + ": want one of " + String.join(", ", names));
    }

    /** Receives the job's progress and notes, on the calling thread. */
    public interface Listener {
        /** Returns true to cancel. */
        boolean progress(String phase, long done, long total);

        void log(String message);
    }

    /** ImageJ's status bar and progress bar; Esc cancels; notes go to the Log window. */
    public static final Listener IMAGEJ = new Listener() {
        long last;
        String lastPhase;

        public boolean progress(String phase, long done, long total) {
            long now = System.currentTimeMillis();
            if (!phase.equals(lastPhase) || now - last >= 100 || done >= total) {
                last = now;
                lastPhase = phase;
                IJ.showStatus("pCF file job: " + phase + " " + done + "/" + total + " (Esc cancels)");
                if (total > 0) IJ.showProgress((double) done / total);
            }
            return IJ.escapePressed();
        }

        public void log(String message) {
            IJ.log("ipcf: " + message);
        }
    };

    private static volatile String lastSummary = "";
    /** The summary of the last job this thread ran (null: none): a macro's own job's. */
    private static final ThreadLocal<String> threadSummary = new ThreadLocal<>();

    /** Clears the summaries before a job that may be refused before {@link #run} (its options). */
    static void clearSummary() {
        lastSummary = "";
        threadSummary.set("");
    }

    /**
     * The summary of the last successful job ({@link Summary#toString}), or "" after a failure: of
     * the last job the calling thread ran (a macro runs its jobs on its own thread), else of the
     * last job any thread ran. One value for the JVM returned another macro's job's summary when
     * two ran at once (HOSTS11's m8).
     */
    public static String lastSummary() {
        String t = threadSummary.get();
        return t != null ? t : lastSummary;
    }

    /**
     * Runs the job. Throws IpcfException with the library's message (status 6: cancelled),
     * IllegalArgumentException for options the plugin rejects before the call.
     */
    public Summary run(final Listener listener) {
        lastSummary = "";
        threadSummary.set("");
        if (input == null || input.isEmpty()) throw new IllegalArgumentException("no input file or folder");
        if (output == null || output.isEmpty()) throw new IllegalArgumentException("no output file (.npy, .zarr, .ome.zarr or .tif)");
        Jna.require();
        Summary s = Engine.runFile(this, listener);
        String text = s.toString();
        lastSummary = text;
        threadSummary.set(text);
        return s;
    }
}
