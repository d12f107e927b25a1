package ipcf;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;

/** JNA declarations of libipcf (include/ipcf.h). */
public final class Native {
    private Native() {}

    public static final int OK = 0;
    public static final int DTYPE_UINT8 = 1, DTYPE_UINT16 = 2, DTYPE_INT16 = 3, DTYPE_INT32 = 4,
            DTYPE_FLOAT32 = 5, DTYPE_FLOAT64 = 6;
    public static final int ORDER_NATIVE = 0, ORDER_LITTLE = 1, ORDER_BIG = 2;
    public static final int E_CANCELLED = 6, E_IO = 9, E_BUSY = 10;
    public static final int ENGINE_MEMORY = 0, ENGINE_OOC = 1;
    /** ipcf_pcf_options.bins (since 0.3): IPCF_BINS_LOG, _LINEAR, _MULTITAU. */
    public static final int BINS_LOG = 0, BINS_LINEAR = 1, BINS_MULTITAU = 2;
    /** ipcf_pcf_options.output (since 0.3): IPCF_OUTPUT_CCF, _DELTA. */
    public static final int OUTPUT_CCF = 0, OUTPUT_DELTA = 1;
    /** ipcf_offsets kinds (since 0.3): IPCF_OFFSETS_CIRCLE, _DISK, _LINE. */
    public static final int OFFSETS_CIRCLE = 0, OFFSETS_DISK = 1, OFFSETS_LINE = 2;
    /** ipcf_pcf_errors methods (since 0.3): IPCF_ERRORS_BLOCKING, _SEGMENTS. */
    public static final int ERRORS_BLOCKING = 0, ERRORS_SEGMENTS = 1;
    /** ipcf_fit_options.model (since 0.3): IPCF_MODEL_PCF1D, _ACF2D, _ACF3D, _CCF2D, _ITIR. */
    public static final int MODEL_PCF1D = 0, MODEL_ACF2D = 1, MODEL_ACF3D = 2, MODEL_CCF2D = 3, MODEL_ITIR = 4;
    /** IPCF_FIT_DEFAULT_WAIST: the waist (pixels) of a fit given none and no pixel size. */
    public static final double FIT_DEFAULT_WAIST = 2.0;
    /** ipcf_fit_options.flags (since 0.3): IPCF_FIT_FLOW, _GINF, _JOINT, _DELTA. */
    public static final int FIT_FLOW = 1, FIT_GINF = 2, FIT_JOINT = 4, FIT_DELTA = 8, FIT_BINS = 16, FIT_MULTITAU = 32;

    /** ipcf_progress_fn: non-zero return cancels. */
    public interface Progress extends Callback {
        int invoke(Pointer user, long done, long total);
    }

    @Structure.FieldOrder({"struct_size", "dtype", "byte_order", "ndim", "shape", "strides", "data"})
    public static class IpcfArray extends Structure {
        public int struct_size;
        public int dtype;
        public int byte_order;
        public int ndim;
        public long[] shape = new long[8];
        public long[] strides = new long[8];
        public Pointer data;

        public IpcfArray() {
            struct_size = size();
        }

        public static class ByReference extends IpcfArray implements Structure.ByReference {}
    }

    /**
     * ipcf_pcf_options, the 0.3 layout: 128 bytes on LP64 (offsets at 72, noffsets 80, data2 88,
     * bins 96, multitau_m 100, smooth 104, threshold 112, output 120). {@link Native#lib} refuses a
     * library whose struct has another size.
     */
    @Structure.FieldOrder({"struct_size", "radius", "npoints", "nbins", "bleach", "bleach_mean", "threads",
            "reserved0", "mask", "progress", "progress_user", "token", "device", "reserved1", "offsets", "noffsets",
            "data2", "bins", "multitau_m", "smooth", "threshold", "output", "reserved2"})
    public static class PcfOptions extends Structure {
        public int struct_size;
        public int radius, npoints, nbins, bleach, bleach_mean, threads, reserved0;
        public IpcfArray.ByReference mask;
        public Progress progress;
        public Pointer progress_user;
        public long token;
        public int device, reserved1; // -1 auto, -2 cpu, N: cuda:N
        // Since 0.3: the correlation toolkit (docs/toolkit.md).
        public Pointer offsets;   // noffsets (u, v) int32 pairs, or NULL for the circle
        public long noffsets;
        public IpcfArray.ByReference data2; // second channel, or NULL
        public int bins;          // BINS_*
        public int multitau_m;    // even, >= 2 (16)
        public double smooth;     // [0, 1), 0 = off (0.7)
        public double threshold;  // -Infinity = none
        public int output;        // OUTPUT_*
        public int reserved2;
        /** Native memory the pointers above refer to: kept reachable as long as the options (not a struct field). */
        Object keep;
    }

    @Structure.FieldOrder({"struct_size", "filtersize", "mean", "threads", "progress", "progress_user", "token"})
    public static class BleachOptions extends Structure {
        public int struct_size;
        public int filtersize, mean, threads;
        public Progress progress;
        public Pointer progress_user;
        public long token;
    }

    /**
     * ipcf_fit_options (since 0.3): 96 bytes on LP64 (waist at 32, kappa 40, pixel_side 48, pixel_size
     * 56, frame_interval 64, progress 72, progress_user 80, token 88). {@link Native#lib} refuses a
     * library whose struct has another size.
     */
    @Structure.FieldOrder({"struct_size", "model", "flags", "first", "last", "max_iter", "threads", "multitau_m",
            "waist", "kappa", "pixel_side", "pixel_size", "frame_interval", "progress", "progress_user", "token"})
    public static class FitOptions extends Structure {
        public int struct_size;
        public int model;         // MODEL_*
        public int flags;         // FIT_*
        public int first, last;   // points left out at each end (1, 1)
        public int max_iter;      // 0 = 200
        public int threads;       // 0 = all cores
        public int multitau_m;    // with FIT_MULTITAU: m, 0 = read from the delays
        public double waist;      // pixels; 0 = 2 pixels (uncalibrated)
        public double kappa;      // ACF3D only
        public double pixel_side; // ITIR (1)
        public double pixel_size; // um per pixel for the outputs; 0 = pixels
        public double frame_interval; // s per delay unit for the outputs; 0 = frames
        public Progress progress;
        public Pointer progress_user;
        public long token;
    }

    /** ipcf_job_progress_fn: phase (UTF-8 C string) with its finished and total units; non-zero cancels. */
    public interface JobProgress extends Callback {
        int invoke(Pointer user, Pointer phase, long done, long total);
    }

    /** ipcf_job_log_fn: a note for the user (UTF-8 C string). */
    public interface JobLog extends Callback {
        void invoke(Pointer user, Pointer message);
    }

    /** A NUL-terminated UTF-8 copy of s in native memory, or null for null. Keep it referenced during the call. */
    public static Memory utf8(String s) {
        if (s == null) return null;
        byte[] b = noNul(s).getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        return m;
    }

    /** A NUL-terminated UTF-8 byte array of s, for const char * parameters. */
    public static byte[] cstring(String s) {
        byte[] b = noNul(s).getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(b, b.length + 1);
    }

    /** s, refused if it holds a NUL character: C would read it cut there (another file, silently). */
    static String noNul(String s) {
        int i = s.indexOf('\0');
        if (i >= 0)
            throw new IllegalArgumentException("\"" + s.substring(0, i) + "\\0" + s.substring(i + 1) + "\": contains a NUL character (at "
                    + i + "): not a file name");
        return s;
    }

    /** The UTF-8 C string at p ("" for NULL). */
    public static String string(Pointer p) {
        return p == null ? "" : p.getString(0, "UTF-8");
    }

    /**
     * ipcf_source_options (since 0.2; channel and channel2 since 0.3): 88 bytes on LP64. String fields point to
     * {@link #utf8} memory.
     */
    @Structure.FieldOrder({"struct_size", "raw_dtype", "raw_byte_order", "reserved0", "format", "raw_shape",
            "raw_offset", "crop", "frames", "mask", "channel", "channel2"})
    public static class SourceOptions extends Structure {
        public int struct_size;
        public int raw_dtype, raw_byte_order, reserved0;
        public Pointer format;
        public long[] raw_shape = new long[3];
        public long raw_offset;
        public Pointer crop, frames, mask;
        public int channel, channel2;
    }

    /** ipcf_job_options (since 0.2): 104 bytes on LP64 (errors and segments since 0.3, then copy_input). */
    @Structure.FieldOrder({"struct_size", "tile_rows", "tile_cols", "reserved0", "memory", "scratch", "engine",
            "frame_interval", "pixel_size", "progress", "progress_user", "log", "log_user", "errors", "segments",
            "copy_input", "reserved1"})
    public static class JobOptions extends Structure {
        public int struct_size;
        public int tile_rows, tile_cols, reserved0;
        public Pointer memory, scratch, engine;
        public double frame_interval, pixel_size;
        public JobProgress progress;
        public Pointer progress_user;
        public JobLog log;
        public Pointer log_user;
        public int errors;   // IPCF_JOB_ERRORS_NONE 0, _BLOCKING 1, _SEGMENTS 2: OUT.sd.npy beside OUT.npy
        public int segments; // _SEGMENTS: 2 .. the frames used, 0 = 8; else 0
        public int copy_input; // out of core: 1 copies the frames into scratch even where they can be read in place
        public int reserved1;
    }

    /** ipcf_job_summary (since 0.2): 64 bytes (read_in_place a later addition); struct_size is set by the caller. */
    @Structure.FieldOrder({"struct_size", "engine", "shape", "tiles", "resumed", "already_complete", "input_crc32c",
            "read_in_place", "reserved1"})
    public static class JobSummary extends Structure {
        public int struct_size;
        public int engine;
        public long[] shape = new long[4];
        public int tiles, resumed, already_complete, input_crc32c;
        public int read_in_place, reserved1;

        public JobSummary() {
            struct_size = size();
        }
    }

    public interface Lib extends Library {
        int ipcf_version_number();

        String ipcf_version_string();

        String ipcf_last_error();

        int ipcf_devices(byte[] buf, long len);

        long ipcf_array_struct_size();

        long ipcf_pcf_options_struct_size();

        long ipcf_bleach_options_struct_size();

        void ipcf_pcf_options_init(PcfOptions o);

        int ipcf_pcf_output_shape(IpcfArray data, PcfOptions o, long[] shape);

        int ipcf_pcf_compute(IpcfArray data, PcfOptions o, IpcfArray out);

        /** Since 0.3: the error bars of ipcf_pcf_compute's curves (method ERRORS_*; segments 0 = 8). */
        int ipcf_pcf_errors(IpcfArray data, PcfOptions o, int method, int segments, IpcfArray sd);

        /** Since 0.3. */
        long ipcf_fit_options_struct_size();

        /** Since 0.3. */
        void ipcf_fit_options_init(FitOptions o);

        /** Since 0.3: the columns of ipcf_fit's params, their names comma-separated into names (cap bytes). */
        int ipcf_fit_nparams(FitOptions o, int[] offsets, long noffsets, IntByReference nparams, byte[] names, long cap);

        /** Since 0.3: fits a model to every curve of curves (H, W, K, P); sigma, stderr_, chisq, status may be null. */
        int ipcf_fit(IpcfArray curves, double[] delays, int[] offsets, IpcfArray sigma, FitOptions o, IpcfArray params,
                IpcfArray stderr_, IpcfArray chisq, IpcfArray status);

        void ipcf_bleach_options_init(BleachOptions o);

        int ipcf_correct_bleaching(IpcfArray data, BleachOptions o, IpcfArray out);

        /** Since 0.3: counts[0] 1 if every sample is an integer in 0..65535, else 0 and buf names the first other one. */
        int ipcf_check_counts(IpcfArray data, int[] counts, byte[] buf, long len);

        int ipcf_check_units(double pixelSize, double frameInterval);

        /** Since 0.3.1: micrometres (kind 0) or seconds (kind 1) per unit named, as the file readers take them; 0 if none. */
        int ipcf_unit_scale(String unit, int kind, double[] scale);

        /** Since 0.3.1: square[0] 1 where pixels of width and height are square as the file readers take them. */
        int ipcf_square_pixels(double width, double height, int[] square);

        /** Since 0.3.2: a file's units as ipcf_pcf_file takes them. */
        int ipcf_file_units(byte[] path, double[] pixelSize, double[] frameInterval, byte[] note, long len);

        int ipcf_circle(int radius, int npoints, int[] uv, long len);

        int ipcf_logbins(long size, int nbins, long[] bins, long cap, LongByReference count);

        /** Since 0.3: the offsets of a preset (OFFSETS_*); cap and count in (u, v) pairs. */
        int ipcf_offsets(int kind, int radius, int npoints, int[] uv, long cap, LongByReference count);

        /** Since 0.3: the delay of each curve point in frames. */
        int ipcf_pcf_delays(IpcfArray data, PcfOptions o, double[] delays, long cap, LongByReference count);

        /** Takes a roomy buffer, not a SourceOptions: see {@link Native#init}. */
        void ipcf_source_options_init(Pointer o);

        /** Takes a roomy buffer, not a JobOptions: see {@link Native#init}. */
        void ipcf_job_options_init(Pointer o);

        int ipcf_pcf_file(byte[] input, SourceOptions source, byte[] output, PcfOptions options, JobOptions job,
                JobSummary summary);

        int ipcf_file_crc32c(byte[] path, IntByReference crc, LongByReference bytes);

        int ipcf_check_metadata(byte[] text, long len);

        int ipcf_lock_holder(byte[] output, byte[] buf, long len, IntByReference state);

        int ipcf_crc32c(java.nio.Buffer data, long len, IntByReference crc);
    }

    private static Lib lib;
    private static String file = "";

    /** The file the library was loaded from ("" before it is loaded). */
    static synchronized String file() {
        return file;
    }

    /**
     * The library, loaded once: from lib/linux64/ of the ImageJ or Fiji folder the plugin's jar is
     * installed in (the update site's layout, {@code make fiji-site}), else from jna.library.path,
     * the system's library path or the jar's own linux-x86-64/ (the single-jar install).
     */
    public static synchronized Lib lib() {
        if (lib == null) {
            for (java.io.File d : siteFolders())
                if (new java.io.File(d, "libipcf.so").isFile()) NativeLibrary.addSearchPath("ipcf", d.getAbsolutePath());
            // Messages (ipcf_last_error) are UTF-8, also on hosts with a non-UTF-8 default charset.
            java.util.Map<String, Object> opts = new java.util.HashMap<>();
            opts.put(Library.OPTION_STRING_ENCODING, "UTF-8");
            opts.put(Library.OPTION_CLASSLOADER, Native.class.getClassLoader()); // the plugin's jar, for linux-x86-64/
            Lib l;
            try {
                l = com.sun.jna.Native.load("ipcf", Lib.class, opts);
                java.io.File f = NativeLibrary.getInstance("ipcf", opts).getFile();
                file = f == null ? "" : f.getAbsolutePath();
            } catch (UnsatisfiedLinkError e) {
                throw new IllegalStateException("libipcf.so did not load: " + e.getMessage()
                        + "\n(it needs FFTW's single precision library: sudo apt-get install libfftw3-single3)", e);
            }
            if (l.ipcf_array_struct_size() != new IpcfArray().size()
                    || l.ipcf_pcf_options_struct_size() != new PcfOptions().size()
                    || l.ipcf_bleach_options_struct_size() != new BleachOptions().size()
                    || l.ipcf_fit_options_struct_size() != new FitOptions().size()) {
                throw new IllegalStateException("ipcf: libipcf and the plugin disagree on struct sizes");
            }
            lib = l;
        }
        return lib;
    }

    /**
     * Where an update site puts native libraries: lib/linux64 of the folder above plugins/ that
     * holds the plugin's jar (plugins/ipcf_.jar or plugins/SUBFOLDER/ipcf_.jar), and of ij.dir
     * (set by Fiji's launcher). Linux x86-64 only: the one platform the library is built for.
     */
    static java.util.List<java.io.File> siteFolders() {
        java.util.List<java.io.File> out = new java.util.ArrayList<>();
        if (!System.getProperty("os.name", "").equals("Linux") || !System.getProperty("os.arch", "").matches("amd64|x86_64"))
            return out;
        try {
            java.security.CodeSource cs = Native.class.getProtectionDomain().getCodeSource();
            if (cs != null && cs.getLocation() != null && cs.getLocation().getProtocol().equals("file")) {
                java.io.File f = new java.io.File(cs.getLocation().toURI());
                for (java.io.File d = f.getParentFile(); d != null && out.size() < 2; d = d.getParentFile())
                    if (d.getName().equals("plugins") && d.getParentFile() != null) out.add(new java.io.File(d.getParentFile(), "lib/linux64"));
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // no location: only the other places
        }
        String ij = System.getProperty("ij.dir");
        if (ij != null && !ij.isEmpty()) out.add(new java.io.File(ij, "lib/linux64"));
        return out;
    }

    /**
     * Fills a file-job struct with the library's defaults: the *_init function writes into a roomy
     * buffer (so a library with a grown struct cannot overrun the Java one), the plugin's bytes are
     * copied, and struct_size is the smaller of the library's and the plugin's size (ipcf.h ABI
     * policy). Returns the library's struct_size.
     */
    static int init(Structure s, boolean source) {
        Lib l = lib();
        Memory m = new Memory(1 << 16);
        m.clear();
        if (source) l.ipcf_source_options_init(m);
        else l.ipcf_job_options_init(m);
        int cSize = m.getInt(0);
        int size = s.size();
        byte[] b = m.getByteArray(0, size);
        s.getPointer().write(0, b, 0, size);
        s.read();
        s.writeField("struct_size", Math.min(cSize, size));
        return cSize;
    }

    /** "source=C/JNA job=C/JNA summary=JNA": the library's and the plugin's file-job struct sizes. */
    public static String fileJobStructSizes() {
        return "source=" + init(new SourceOptions(), true) + "/" + new SourceOptions().size() + " job="
                + init(new JobOptions(), false) + "/" + new JobOptions().size() + " summary=" + new JobSummary().size();
    }

    /** "C/JNA": the library's and the plugin's sizeof(ipcf_fit_options). */
    public static String fitStructSizes() {
        return lib().ipcf_fit_options_struct_size() + "/" + new FitOptions().size();
    }
}
