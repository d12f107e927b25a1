package ipcf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.Roi;
import ij.macro.Interpreter;
import ij.process.FloatProcessor;
import java.awt.GraphicsEnvironment;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ipcf computations on ImageJ images, and a static API for macros and scripts:
 * {@code call("ipcf.Ipcf.pcf", "radius=6 points=32 bins=32")} runs on the current image;
 * {@code call("ipcf.Ipcf.pcfFile", input, output, "radius=6 memory=2GiB")} runs on a file or folder
 * without loading it into ImageJ.
 */
public final class Ipcf {
    private Ipcf() {}

    /** pCF parameters, as in the dialog. */
    public static class Params {
        public int radius = 6, points = 32, bins = 32, bleach = 0, threads = 0;
        public boolean floorMean = false, roiMask = false;
        public String device = "auto"; // auto, cpu, cuda, cuda:N

        /** Parses a macro options string such as "radius=6 points=32 bins=32 bleach=0 mean=real threads=0 roi". */
        public static Params parse(String options) {
            Params p = new Params();
            String o = options == null ? "" : options;
            p.radius = intOpt(o, "radius", p.radius, 1);
            p.points = intOpt(o, "points", p.points, 1);
            p.bins = intOpt(o, "bins", p.bins, 2);
            p.bleach = intOpt(o, "bleach", p.bleach, 0);
            p.threads = intOpt(o, "threads", p.threads, 0);
            String mean = strOpt(o, "mean", "real");
            if (!mean.equals("real") && !mean.equals("floor")) {
                throw new IllegalArgumentException("mean=" + mean + ": want real or floor");
            }
            p.floorMean = mean.equals("floor");
            p.roiMask = Pattern.compile("(^|\\s)roi(\\s|$)").matcher(o).find();
            p.device = strOpt(o, "device", "auto");
            return p;
        }
    }

    /** Keys of {@link #pcf(String)}; "roi" is a flag. */
    static final java.util.Set<String> PCF_KEYS = new java.util.HashSet<>(
            java.util.Arrays.asList("radius", "points", "bins", "bleach", "mean", "threads", "device"));
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
            if (!m.find(at) || m.start() != at)
                throw new IllegalArgumentException("cannot read the options from '" + s.substring(at).trim()
                        + "': want key=value or key=[value with spaces]");
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
                if (v.isEmpty() || v.equals("[]") && !key.matches("input|output|memory|scratch|tile|crop|frames|mask|shape"))
                    throw new IllegalArgumentException("option '" + key + "' has an empty value");
            }
            if (!seen.add(canon)) throw new IllegalArgumentException("option '" + canon + "' given twice");
        }
    }

    static final String PCF_LISTING = "radius points bins bleach mean threads device roi";

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

    /** A dialog number that must be whole (GenericDialog gives doubles: 2.7 is refused, not cut to 2). */
    static int wholeNumber(String name, double v, int min) {
        if (Double.isNaN(v) || v != Math.rint(v))
            throw new IllegalArgumentException(name + "=" + v + ": not a whole number");
        if (v < min || v > Integer.MAX_VALUE)
            throw new IllegalArgumentException(name + "=" + (long) v + ": out of range, want " + min + ".." + Integer.MAX_VALUE);
        return (int) v;
    }

    static String strOpt(String o, String key, String def) {
        Matcher m = Pattern.compile("(?:^|\\s)" + Pattern.quote(key) + "=(\\[[^\\]]*\\]|\\S+)").matcher(o);
        if (!m.find()) return def;
        String v = m.group(1);
        if (v.startsWith("[") && !v.endsWith("]"))
            throw new IllegalArgumentException(key + "=" + v + ": unbalanced [");
        return v.startsWith("[") ? v.substring(1, v.length() - 1) : v;
    }

    /** A message for any throwable: its message, or its class when it has none. */
    static String describe(Throwable e) {
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

    /** A native copy of the image's time series as a (t, y, x) array. */
    static final class Series {
        final Memory memory;
        final Native.IpcfArray array;

        Series(ImagePlus imp) {
            String axis = timeAxis(imp);
            if (axis.startsWith("error")) throw new IllegalArgumentException(axis.substring(7));
            int n = axis.equals("frames") ? imp.getNFrames() : imp.getNSlices();
            int w = imp.getWidth(), h = imp.getHeight();
            int type;
            int es;
            switch (imp.getBitDepth()) {
                case 8: type = Native.DTYPE_UINT8; es = 1; break;
                case 16: type = Native.DTYPE_UINT16; es = 2; break;
                case 32: type = Native.DTYPE_FLOAT32; es = 4; break;
                default: throw new IllegalArgumentException("RGB images are not supported: convert to 8, 16 or 32 bit");
            }
            long frame = (long) w * h * es;
            memory = new Memory(Math.max(1, frame * n));
            ImageStack stack = imp.getStack();
            for (int i = 0; i < n; i++) {
                int idx = axis.equals("frames") ? imp.getStackIndex(1, 1, i + 1) : imp.getStackIndex(1, i + 1, 1);
                Object px = stack.getPixels(idx);
                long off = frame * i;
                if (px instanceof byte[]) memory.write(off, (byte[]) px, 0, w * h);
                else if (px instanceof short[]) memory.write(off, (short[]) px, 0, w * h);
                else memory.write(off, (float[]) px, 0, w * h);
            }
            array = new Native.IpcfArray();
            array.dtype = type;
            array.ndim = 3;
            array.shape[0] = n;
            array.shape[1] = h;
            array.shape[2] = w;
            array.strides[0] = frame;
            array.strides[1] = (long) w * es;
            array.strides[2] = es;
            array.data = memory;
        }
    }

    static void check(int status) {
        if (status != Native.OK) throw new IpcfException(status, Native.lib().ipcf_last_error());
    }

    /** Progress on ImageJ's bar; Esc cancels. Runs on the computing thread. */
    static final class EscProgress implements Native.Progress {
        public int invoke(Pointer user, long done, long total) {
            if (total > 0) IJ.showProgress((double) done / total);
            return IJ.escapePressed() ? 1 : 0;
        }
    }

    /** The library's options for p (its defaults first, then p's values). */
    static Native.PcfOptions options(Params p) {
        Native.PcfOptions o = new Native.PcfOptions();
        Native.lib().ipcf_pcf_options_init(o);
        o.radius = p.radius;
        o.npoints = p.points;
        o.nbins = p.bins;
        o.bleach = p.bleach;
        o.bleach_mean = p.floorMean ? 1 : 0;
        o.threads = p.threads;
        o.device = deviceCode(p.device);
        return o;
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

    /** The CUDA devices found, or why none is usable. */
    public static String devices() {
        byte[] buf = new byte[4096];
        Native.lib().ipcf_devices(buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) n++;
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Computes the pCF of imp and returns it as a hyperstack (slices: circle points, frames: bins). */
    public static ImagePlus pcf(ImagePlus imp, Params p) {
        Series s = new Series(imp);
        Native.Lib lib = Native.lib();
        Native.PcfOptions o = options(p);
        EscProgress progress = new EscProgress();
        o.progress = progress;
        Memory maskMem = null;
        if (p.roiMask) {
            Roi roi = imp.getRoi();
            if (roi == null || !roi.isArea()) throw new IllegalArgumentException("use ROI as mask: the image has no area selection");
            int w = imp.getWidth(), h = imp.getHeight();
            maskMem = new Memory((long) w * h);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) maskMem.setByte((long) y * w + x, (byte) (roi.contains(x, y) ? 1 : 0));
            o.mask = new Native.IpcfArray.ByReference();
            o.mask.dtype = Native.DTYPE_UINT8;
            o.mask.ndim = 2;
            o.mask.shape[0] = h;
            o.mask.shape[1] = w;
            o.mask.strides[0] = w;
            o.mask.strides[1] = 1;
            o.mask.data = maskMem;
        }
        long[] shape = new long[4];
        check(lib.ipcf_pcf_output_shape(s.array, o, shape));
        int ny = (int) shape[0], nx = (int) shape[1], np = (int) shape[2], nb = (int) shape[3];
        // Planes (point, bin) contiguous: strides x 4, y 4*nx, point 4*nx*ny, bin 4*nx*ny*np.
        Memory outMem = new Memory(4L * ny * nx * np * nb);
        Native.IpcfArray out = new Native.IpcfArray();
        out.dtype = Native.DTYPE_FLOAT32;
        out.ndim = 4;
        for (int k = 0; k < 4; k++) out.shape[k] = shape[k];
        out.strides[1] = 4;
        out.strides[0] = 4L * nx;
        out.strides[2] = 4L * nx * ny;
        out.strides[3] = 4L * nx * ny * np;
        out.data = outMem;
        int status = lib.ipcf_pcf_compute(s.array, o, out);
        IJ.showProgress(1.0);
        check(status);
        int[] uv = circle(p.radius, p.points);
        long[] delays = logbins(s.array.shape[0] - 2L * p.bleach, p.bins);
        ImageStack st = new ImageStack(nx, ny);
        for (int b = 0; b < nb; b++) {
            for (int i = 0; i < np; i++) {
                float[] plane = new float[nx * ny];
                outMem.read(4L * nx * ny * (i + (long) np * b), plane, 0, plane.length);
                st.addSlice("point " + i + " (u=" + uv[2 * i] + ", v=" + uv[2 * i + 1] + "), bin " + b
                        + " (delay <= " + delays[b] + " frames)", new FloatProcessor(nx, ny, plane));
            }
        }
        ImagePlus res = new ImagePlus("pCF of " + imp.getTitle(), st);
        res.setDimensions(1, np, nb);
        res.setOpenAsHyperStack(true);
        res.setProperty("ipcf.radius", p.radius);
        res.setProperty("ipcf.delays", delays);
        return res;
    }

    /** Photobleaching correction of imp into a new stack of the same type (32-bit input gives 16-bit). */
    public static ImagePlus correctBleaching(ImagePlus imp, int filtersize, boolean floorMean, int threads) {
        Series s = new Series(imp);
        Native.Lib lib = Native.lib();
        Native.BleachOptions o = new Native.BleachOptions();
        lib.ipcf_bleach_options_init(o);
        o.filtersize = filtersize;
        o.mean = floorMean ? 1 : 0;
        o.threads = threads;
        o.progress = new EscProgress();
        long frames = s.array.shape[0];
        if (filtersize < 1 || filtersize > (frames - 1) / 2) // never forms 2*filtersize (int overflow)
            throw new IllegalArgumentException("filter size " + filtersize + " leaves no frame of " + frames
                + " (it drops 2*filtersize; want 1.." + Math.max(0, (frames - 1) / 2) + ")");
        int n = (int) (frames - 2L * filtersize);
        int w = imp.getWidth(), h = imp.getHeight();
        boolean bytes = s.array.dtype == Native.DTYPE_UINT8;
        int es = bytes ? 1 : 2;
        Memory outMem = new Memory((long) n * w * h * es);
        Native.IpcfArray out = new Native.IpcfArray();
        out.dtype = bytes ? Native.DTYPE_UINT8 : Native.DTYPE_UINT16;
        out.ndim = 3;
        out.shape[0] = n;
        out.shape[1] = h;
        out.shape[2] = w;
        out.strides[0] = (long) w * h * es;
        out.strides[1] = (long) w * es;
        out.strides[2] = es;
        out.data = outMem;
        int status = lib.ipcf_correct_bleaching(s.array, o, out);
        IJ.showProgress(1.0);
        check(status);
        ImageStack st = new ImageStack(w, h);
        for (int i = 0; i < n; i++) {
            if (bytes) {
                byte[] px = new byte[w * h];
                outMem.read((long) i * w * h, px, 0, px.length);
                st.addSlice("", px);
            } else {
                short[] px = new short[w * h];
                outMem.read((long) i * w * h * 2, px, 0, px.length);
                st.addSlice("", px);
            }
        }
        return new ImagePlus(imp.getShortTitle() + " corrected", st);
    }

    public static int[] circle(int radius, int npoints) {
        int[] uv = new int[2 * Math.max(npoints, 1)];
        check(Native.lib().ipcf_circle(radius, npoints, uv, uv.length));
        return uv;
    }

    public static long[] logbins(long frames, int nbins) {
        long n = Long.highestOneBit(Math.max(frames, 1));
        long[] bins = new long[Math.max(nbins, 1)];
        LongByReference count = new LongByReference();
        check(Native.lib().ipcf_logbins(n / 2, nbins, bins, bins.length, count));
        long[] res = new long[(int) count.getValue()];
        System.arraycopy(bins, 0, res, 0, res.length);
        return res;
    }

    /** Reports an error: a dialog, or a log line in batch mode and headless. */
    public static void error(String message) {
        if (GraphicsEnvironment.isHeadless() || Interpreter.isBatchMode()) IJ.log("ipcf error: " + message);
        else IJ.error("ipcf", message);
    }

    // ---- static API for macros: call("ipcf.Ipcf.<name>", ...) returns a string ----

    /** The library version. */
    public static String version() {
        return Native.lib().ipcf_version_string();
    }

    /** pCF of the current image; shows the result and returns its title, or "error: ...". */
    public static String pcf(String options) {
        try {
            checkOptions(options, PCF_KEYS, java.util.Collections.singleton("roi"), null, PCF_LISTING);
            Params p = Params.parse(options);
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

    /** Bleaching correction of the current image ("filter=1024 mean=real threads=0"). */
    public static String correctBleaching(String options) {
        try {
            ImagePlus imp = WindowManager.getCurrentImage();
            String o = options == null ? "" : options;
            checkOptions(o, BLEACH_KEYS, java.util.Collections.<String>emptySet(), null, "filter mean threads");
            String mean = strOpt(o, "mean", "real");
            if (!mean.equals("real") && !mean.equals("floor"))
                throw new IllegalArgumentException("mean=" + mean + ": want real or floor");
            int filter = intOpt(o, "filter", 1024, 1), threads = intOpt(o, "threads", 0, 0);
            if (imp == null) return "error: no image";
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
                if (!j.output.toLowerCase(java.util.Locale.US).endsWith(".npy") || !f.isFile())
                    IJ.log("ipcf: " + j.output + " is not opened (only .npy results are)");
                else if (f.length() > FileJob.OPEN_LIMIT)
                    IJ.log("ipcf: " + j.output + " is not opened: " + (f.length() >> 20) + " MiB, more than "
                            + (FileJob.OPEN_LIMIT >> 20) + " MiB");
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
     * pCF of an image time series in a file or folder into output (.npy or .zarr), computed by the
     * library from the file (in memory or out of core within the memory budget), never through the
     * Java heap. options: as {@link FileJob#parse}, e.g. "radius=6 points=32 bins=32 memory=2GiB
     * engine=auto tile=64,64 crop=0:128,0:128 frames=0:16384 shape=1024,40,40 dtype=uint16
     * byteorder=big offset=0 open". Returns "" on success, "error: ..." otherwise (also when
     * cancelled with Esc); {@link #lastJobSummary} then tells what the job did.
     */
    public static String pcfFile(String input, String output, String options) {
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
     * shape=34,34,12,15 input_crc32c=a2e539b9"; "" after a failed one.
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

    /** The file-job struct sizes of the library and the plugin: "source=80/80 job=88/88 summary=56". */
    public static String fileJobStructSizes() {
        try {
            return Native.fileJobStructSizes();
        } catch (RuntimeException | LinkageError e) {
            return "error: " + e.getMessage();
        }
    }

    /**
     * Opens a pCF result .npy, float32 (rows, columns, points, bins), as a hyperstack like the one
     * {@link #pcf(ImagePlus, Params)} makes (slices: circle points, frames: bins), with the delays
     * and radius from its OUTPUT.json when present. Returns the title or "error: ...".
     */
    public static String openPcf(String path) {
        try {
            Npy n = readNpy(path);
            if (n.shape.length != 4 || !n.descr.equals("<f4"))
                return "error: " + path + ": want a float32 (rows, columns, points, bins) pCF result, not " + n.descr
                        + " of " + n.shape.length + " dimensions";
            int ny = n.shape[0], nx = n.shape[1], np = n.shape[2], nb = n.shape[3];
            if ((long) ny * nx * np * nb * 4 > n.data.capacity()) return "error: " + path + ": file too short";
            java.nio.FloatBuffer fb = n.data.asFloatBuffer();
            int radius = -1;
            long[] delays = null;
            java.io.File meta = new java.io.File(path + ".json");
            if (meta.isFile() && meta.length() < (16 << 20)) {
                String js = new String(java.nio.file.Files.readAllBytes(meta.toPath()), "UTF-8");
                Matcher m = Pattern.compile("\"radius\":\\s*(\\d+)").matcher(js);
                if (m.find()) radius = Integer.parseInt(m.group(1));
                m = Pattern.compile("\"bins\":\\s*\\[([^\\]]*)\\]").matcher(js);
                if (m.find()) {
                    String[] parts = m.group(1).trim().split("\\s*,\\s*");
                    if (parts.length == nb) {
                        delays = new long[nb];
                        for (int b = 0; b < nb; b++) delays[b] = Long.parseLong(parts[b].trim());
                    }
                }
            }
            int[] uv = null;
            if (radius > 0) {
                try {
                    uv = circle(radius, np);
                } catch (RuntimeException e) {
                    uv = null;
                }
            }
            ImageStack st = new ImageStack(nx, ny);
            for (int b = 0; b < nb; b++) {
                for (int i = 0; i < np; i++) {
                    float[] plane = new float[nx * ny];
                    for (int k = 0; k < nx * ny; k++) plane[k] = fb.get((k * np + i) * nb + b);
                    String label = "point " + i + (uv != null ? " (u=" + uv[2 * i] + ", v=" + uv[2 * i + 1] + ")" : "")
                            + ", bin " + b + (delays != null ? " (delay <= " + delays[b] + " frames)" : "");
                    st.addSlice(label, new FloatProcessor(nx, ny, plane));
                }
            }
            ImagePlus res = new ImagePlus("pCF of " + Paths.get(path).getFileName(), st);
            res.setDimensions(1, np, nb);
            res.setOpenAsHyperStack(true);
            if (radius > 0) res.setProperty("ipcf.radius", radius);
            if (delays != null) res.setProperty("ipcf.delays", delays);
            res.show();
            return res.getTitle();
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            return "error: " + describe(e);
        }
    }

    // ---- .npy files (C order, little-endian uint8/uint16/float32) ----

    static final class Npy {
        String descr;
        int[] shape;
        ByteBuffer data;
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

    static Npy readNpy(String path) throws IOException {
        regularFile(path);
        try (FileChannel ch = FileChannel.open(Paths.get(path), StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(head, 0);
            if (head.get(0) != (byte) 0x93 || head.get(1) != 'N') throw new IOException(path + ": not a .npy file");
            int major = head.get(6);
            int hlen = major == 1 ? (head.getShort(8) & 0xffff) : head.getInt(8);
            int start = major == 1 ? 10 : 12;
            ByteBuffer hb = ByteBuffer.allocate(hlen);
            ch.read(hb, start);
            String h = new String(hb.array(), "latin1");
            Npy n = new Npy();
            Matcher m = Pattern.compile("'descr':\\s*'([^']*)'").matcher(h);
            if (!m.find()) throw new IOException(path + ": no descr");
            n.descr = m.group(1);
            if (h.contains("'fortran_order': True")) throw new IOException(path + ": Fortran order not supported");
            m = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(h);
            if (!m.find()) throw new IOException(path + ": no shape");
            String[] parts = m.group(1).split(",");
            int k = 0;
            int[] shape = new int[parts.length];
            for (String s : parts) {
                if (s.trim().isEmpty()) continue;
                if (!s.trim().matches("[0-9]{1,9}")) throw new IOException(path + ": shape (" + m.group(1) + ") is not whole numbers >= 0");
                shape[k++] = Integer.parseInt(s.trim());
            }
            n.shape = java.util.Arrays.copyOf(shape, k);
            long size = ch.size() - start - hlen;
            n.data = ch.map(FileChannel.MapMode.READ_ONLY, start + hlen, size).order(ByteOrder.LITTLE_ENDIAN);
            return n;
        }
    }

    /** Opens a (t, y, x) .npy stack (uint8, uint16, float32) as an image with time along slices; returns its title. */
    public static String openNpy(String path) {
        try {
            Npy n = readNpy(path);
            if (n.shape.length != 3) return "error: " + path + ": want 3 dimensions";
            int t = n.shape[0], h = n.shape[1], w = n.shape[2];
            int es = n.descr.equals("<u2") ? 2 : n.descr.equals("|u1") ? 1 : 4;
            if ((long) t * h * w * es > n.data.capacity() || (long) h * w > Integer.MAX_VALUE)
                return "error: " + path + ": file too short for its shape (" + t + ", " + h + ", " + w + ")";
            ImageStack st = new ImageStack(w, h);
            for (int i = 0; i < t; i++) {
                if (n.descr.equals("<u2")) {
                    short[] px = new short[w * h];
                    n.data.position(2 * i * w * h);
                    n.data.asShortBuffer().get(px);
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
                } else {
                    return "error: " + path + ": dtype " + n.descr + " not supported";
                }
            }
            ImagePlus imp = new ImagePlus(Paths.get(path).getFileName().toString(), st);
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

    /** 1 if the current image equals an expected (t, y, x) uint16 .npy exactly, else 0 or "error: ...". */
    public static String equalsNpy(String path) {
        try {
            ImagePlus imp = WindowManager.getCurrentImage();
            Npy n = readNpy(path);
            int t = n.shape[0], h = n.shape[1], w = n.shape[2];
            if (imp == null || imp.getStackSize() != t || imp.getWidth() != w || imp.getHeight() != h) return "0";
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
