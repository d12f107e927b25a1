package ipcf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.Roi;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything that calls libipcf through JNA. No other class of the plugin but {@link Native}
 * names a JNA type, so the plugin's commands and its macro API ({@link Ipcf}) load without JNA
 * and can say how to install it ({@link Jna}); they call in here only after {@link Jna#require}.
 */
final class Engine {
    private Engine() {}

    /** Heap bytes an image plane costs beside its pixels (its processor, array header, slice label). */
    static final long PLANE_COST = 192;

    /**
     * null where the heap can take bytes more, else the message saying that what (its size) does not
     * fit in the memory left to ImageJ, and advice. Garbage is collected before refusing (closed
     * images not yet collected counted as used: REVIEW11's F6); a computation whose result the heap
     * cannot take was run, then failed with "Java heap space" (HOSTS11's F3).
     */
    static String heapShort(long bytes, String what, String advice) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytes <= free) return null;
        System.gc();
        free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytes <= free) return null;
        return what + " does not fit in the memory left to ImageJ (" + mib(free) + " of " + mib(rt.maxMemory())
                + "; Edit > Options > Memory & Threads): " + advice;
    }

    /** n bytes in MiB, as messages give sizes. */
    static String mib(long n) {
        return String.format(java.util.Locale.US, "%.1f MiB", n / 1048576.0);
    }

    /** The library's version string. */
    static String version() {
        return Native.lib().ipcf_version_string();
    }

    /** The file the library was loaded from (JNA's NativeLibrary). */
    static String libraryFile() {
        Native.lib();
        return Native.file();
    }

    /** A computed pCF: planes (offset i, point b) at [i + np * b], each ny x nx, and what made it. */
    static final class Result {
        int nx, ny, np, nb, frames;
        float[][] planes;
        double[] delays;
        int[] uv;
        boolean lineScan;
        String dataName, data2Name;
        boolean hasData2;
        /** CRC-32 of the series computed (Series.crc), data2's -1 without one; data2's image id, 0 if none. */
        long dataCrc, data2Crc = -1;
        int data2Id;
    }

    /** The pCF of imp with every toolkit mode of p (see {@link Ipcf#pcf(ImagePlus, Ipcf.Params)}). */
    static Result compute(ImagePlus imp, Ipcf.Params p) {
        return compute(imp, p, -1, 0);
    }

    /**
     * The pCF of imp (method &lt; 0), or the error bars of its curves (ipcf_pcf_errors, method
     * Native.ERRORS_*, segments 0: the library's 8) in the same layout.
     */
    static Result compute(ImagePlus imp, Ipcf.Params p, int method, int segments) {
        Input in = new Input(imp, p);
        Series s = in.data;
        Native.Lib lib = Native.lib();
        Native.PcfOptions o = options(p);
        EscProgress progress = new EscProgress();
        o.progress = progress;
        o.data2 = in.data2 == null ? null : in.data2.array;
        if (o.data2 != null) o.data2.write();
        Memory maskMem = null;
        if (p.roiMask) {
            Roi roi = imp.getRoi();
            if (roi == null || !roi.isArea()) throw new IllegalArgumentException("use ROI as mask: the image has no area selection");
            if (in.lineScan) throw new IllegalArgumentException("use ROI as mask: not for a line scan (its rows are time points)");
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
            o.mask.write();
        }
        long[] shape = new long[4];
        checkAs(lib.ipcf_pcf_output_shape(s.array, o, shape), "ipcf_pcf_output_shape", method < 0 ? "ipcf_pcf_compute" : "ipcf_pcf_errors");
        if (shape[0] * shape[1] > Integer.MAX_VALUE || shape[2] * shape[3] > Integer.MAX_VALUE)
            throw new IllegalArgumentException("the result (" + shape[0] + ", " + shape[1] + ", " + shape[2] + ", " + shape[3]
                    + ") is too large for an ImageJ stack");
        int ny = (int) shape[0], nx = (int) shape[1], np = (int) shape[2], nb = (int) shape[3];
        // The result is held twice (the library's float32 output, then the stack's planes on the
        // Java heap): refused before any work where the heap cannot take it. It computed for
        // minutes, then failed with "Java heap space", having touched as much native memory
        // (HOSTS11's F3).
        // (each plane is an object of its own, with its slice's label: PLANE_COST)
        String tooLarge = heapShort(4L * ny * nx * np * nb + PLANE_COST * np * nb,
                "the result (" + ny + " x " + nx + " pixels x " + np + " offsets x " + nb + " bins, "
                + mib(4L * ny * nx * np * nb) + ")",
                "use fewer offsets or bins, a smaller image, or Pair Correlation of File or Folder, which writes the result to a file as it goes");
        if (tooLarge != null) throw new IllegalArgumentException(tooLarge);
        double[] delays = delays(s.array, o, nb);
        // Planes (offset, point) contiguous: strides x 4, y 4*nx, offset 4*nx*ny, point 4*nx*ny*np.
        Memory outMem = new Memory(Math.max(1, 4L * ny * nx * np * nb));
        Native.IpcfArray out = new Native.IpcfArray();
        out.dtype = Native.DTYPE_FLOAT32;
        out.ndim = 4;
        for (int k = 0; k < 4; k++) out.shape[k] = shape[k];
        out.strides[1] = 4;
        out.strides[0] = 4L * nx;
        out.strides[2] = 4L * nx * ny;
        out.strides[3] = 4L * nx * ny * np;
        out.data = outMem;
        clearWarning();
        if (p.bleach > 0) {
            warnCounts(s.array, imp.getTitle());
            if (in.data2 != null) warnCounts(in.data2.array, "second channel");
        }
        int status = method < 0 ? lib.ipcf_pcf_compute(s.array, o, out) : lib.ipcf_pcf_errors(s.array, o, method, segments, out);
        IJ.showProgress(1.0);
        check(status);
        Result r = new Result();
        r.nx = nx;
        r.ny = ny;
        r.np = np;
        r.nb = nb;
        r.frames = s.frames;
        r.delays = delays;
        r.uv = offsetPairs(p);
        r.lineScan = in.lineScan;
        r.dataName = in.dataName;
        r.data2Name = in.data2Name;
        r.hasData2 = in.data2 != null;
        r.dataCrc = in.data.crc();
        r.data2Crc = in.data2 == null ? -1 : in.data2.crc();
        r.data2Id = in.data2Id;
        r.planes = new float[np * nb][];
        for (int k = 0; k < np * nb; k++) {
            float[] plane = new float[nx * ny];
            outMem.read(4L * nx * ny * k, plane, 0, plane.length);
            r.planes[k] = plane;
        }
        progress.hashCode(); // reachable until the call has returned
        if (maskMem != null) maskMem.size();
        return r;
    }

    /**
     * A (H, W, K, P) float32 array over planes[i + k * b] (offset i, point b; each ny x nx) copied
     * into native memory, in the layout of {@link #compute}'s output.
     */
    private static Native.IpcfArray planesArray(float[][] planes, int nx, int ny, int k, int p) {
        Memory m = new Memory(Math.max(1, 4L * nx * ny * k * p));
        for (int j = 0; j < k * p; j++) m.write(4L * nx * ny * j, planes[j], 0, nx * ny);
        Native.IpcfArray a = new Native.IpcfArray();
        a.dtype = Native.DTYPE_FLOAT32;
        a.ndim = 4;
        a.shape[0] = ny;
        a.shape[1] = nx;
        a.shape[2] = k;
        a.shape[3] = p;
        a.strides[0] = 4L * nx;
        a.strides[1] = 4;
        a.strides[2] = 4L * nx * ny;
        a.strides[3] = 4L * nx * ny * k;
        a.data = m;
        return a;
    }

    /** An output array of the given shape and byte strides over new native memory of the given size. */
    private static Native.IpcfArray output(int dtype, long bytes, long[] shape, long[] strides) {
        Native.IpcfArray a = new Native.IpcfArray();
        a.dtype = dtype;
        a.ndim = shape.length;
        for (int d = 0; d < shape.length; d++) {
            a.shape[d] = shape[d];
            a.strides[d] = strides[d];
        }
        a.data = new Memory(Math.max(1, bytes));
        return a;
    }

    /**
     * ipcf_fit of s.model to the curves planes[i + k * b] (ny x nx each; k curves per pixel at the
     * offsets uv, null for the ACF models; p points at the delays in frames), weighted by sigma (the
     * same layout) when not null. The maps come back as planes: params and stderr [kf * nc + c],
     * chisq and status [kf].
     */
    static Fit.Maps fit(float[][] planes, float[][] sigma, int nx, int ny, int k, int p, double[] delays, int[] uv, Fit.Spec s) {
        Native.Lib lib = Native.lib();
        Native.FitOptions o = new Native.FitOptions();
        lib.ipcf_fit_options_init(o);
        o.model = s.model;
        o.flags = s.flags();
        o.threads = s.threads;
        o.waist = s.waistPx;
        o.kappa = s.kappa;
        o.pixel_size = s.pixelSize;
        o.frame_interval = s.frameInterval;
        EscProgress progress = new EscProgress();
        o.progress = progress;
        IntByReference nparams = new IntByReference();
        byte[] names = new byte[4096];
        check(lib.ipcf_fit_nparams(o, uv, k, nparams, names, names.length));
        int len = 0;
        while (len < names.length && names[len] != 0) len++;
        Fit.Maps maps = new Fit.Maps();
        maps.names = new String(names, 0, len, java.nio.charset.StandardCharsets.UTF_8).split(",");
        int nc = nparams.getValue(), kf = s.joint() ? 1 : k;
        if (maps.names.length != nc) throw new IllegalStateException("ipcf_fit_nparams: " + nc + " columns, names " + maps.names.length);
        maps.nc = nc;
        maps.kf = kf;
        maps.nx = nx;
        maps.ny = ny;
        Native.IpcfArray curves = planesArray(planes, nx, ny, k, p);
        Native.IpcfArray sd = sigma == null ? null : planesArray(sigma, nx, ny, k, p);
        long plane = (long) nx * ny;
        // params, stderr: (H, W, KF, NC), a plane per (kf, column); chisq (H, W, KF), status uint8
        long[] pshape = {ny, nx, kf, nc}, pstrides = {4L * nx, 4, 4 * plane * nc, 4 * plane};
        Native.IpcfArray par = output(Native.DTYPE_FLOAT32, 4 * plane * kf * nc, pshape, pstrides);
        Native.IpcfArray err = output(Native.DTYPE_FLOAT32, 4 * plane * kf * nc, pshape, pstrides);
        Native.IpcfArray chi = output(Native.DTYPE_FLOAT32, 4 * plane * kf, new long[] {ny, nx, kf}, new long[] {4L * nx, 4, 4 * plane});
        Native.IpcfArray st = output(Native.DTYPE_UINT8, plane * kf, new long[] {ny, nx, kf}, new long[] {nx, 1, plane});
        int status = lib.ipcf_fit(curves, delays, uv, sd, o, par, err, chi, st);
        IJ.showProgress(1.0);
        check(status);
        maps.params = new float[kf * nc][];
        maps.stderr = new float[kf * nc][];
        for (int j = 0; j < kf * nc; j++) {
            maps.params[j] = par.data.getFloatArray(4 * plane * j, (int) plane);
            maps.stderr[j] = err.data.getFloatArray(4 * plane * j, (int) plane);
        }
        maps.chisq = new float[kf][];
        maps.status = new byte[kf][];
        for (int j = 0; j < kf; j++) {
            maps.chisq[j] = chi.data.getFloatArray(4 * plane * j, (int) plane);
            maps.status[j] = st.data.getByteArray(plane * j, (int) plane);
        }
        progress.hashCode(); // reachable until the call has returned
        return maps;
    }

    /** The (u, v) pairs of every offset of p, as in the result: the circle's when no others are given. */
    static int[] offsetPairs(Ipcf.Params p) {
        int[] uv = explicitOffsets(p);
        return uv != null ? uv : circle(p.radius, p.points);
    }

    /**
     * A native copy of an image's time series as a (t, y, x) array: channel (1-based) of a
     * hyperstack, time along its slices or frames; or a line scan, one plane whose rows are time
     * points, as (t, 1, x).
     */
    static final class Series {
        final Memory memory;
        final Native.IpcfArray.ByReference array;
        final int frames;

        /** The time series of a one-channel image (bleaching correction: channels are refused). */
        Series(ImagePlus imp) {
            this(imp, 0, false);
        }

        /** channel: 1-based, or 0 for a one-channel image (several channels are an error). */
        Series(ImagePlus imp, int channel, boolean lineScan) {
            int w = imp.getWidth(), h = imp.getHeight();
            String axis = lineScan ? "line" : Ipcf.timeAxis(imp, channel > 0);
            channel = Math.max(channel, 1);
            if (axis.startsWith("error")) throw new IllegalArgumentException(axis.substring(7));
            int type;
            int es;
            // ImageJ holds a signed 16-bit image as raw value + 32768 with a
            // calibration function that subtracts it: the library gets the
            // calibrated values, as int16. Other calibration functions are
            // refused rather than computed on raw values silently.
            boolean signed16 = signed16(imp);
            if (!signed16 && imp.getCalibration().calibrated())
                throw new IllegalArgumentException("'" + imp.getTitle() + "' has a pixel value calibration (Analyze > Calibrate: "
                        + imp.getCalibration().getValueUnit() + "): ipcf would read the raw values; convert the image to 32-bit "
                        + "(the calibrated values) or set the calibration function to None");
            switch (imp.getBitDepth()) {
                case 8: type = Native.DTYPE_UINT8; es = 1; break;
                case 16: type = signed16 ? Native.DTYPE_INT16 : Native.DTYPE_UINT16; es = 2; break;
                case 32: type = Native.DTYPE_FLOAT32; es = 4; break;
                default: throw new IllegalArgumentException("RGB images are not supported: convert to 8, 16 or 32 bit");
            }
            ImageStack stack = imp.getStack();
            long frame = (long) w * h * es;
            int n = axis.equals("line") ? h : axis.equals("frames") ? imp.getNFrames() : imp.getNSlices();
            memory = new Memory(Math.max(1, frame * (axis.equals("line") ? 1 : n)));
            for (int i = 0; i < (axis.equals("line") ? 1 : n); i++) {
                int idx = axis.equals("line") ? imp.getStackIndex(channel, 1, 1)
                        : axis.equals("frames") ? imp.getStackIndex(channel, 1, i + 1) : imp.getStackIndex(channel, i + 1, 1);
                Object px = stack.getPixels(idx);
                long off = frame * i;
                if (px instanceof byte[]) memory.write(off, (byte[]) px, 0, w * h);
                else if (px instanceof short[] && signed16) {
                    short[] raw = (short[]) px, v = new short[w * h];
                    for (int k = 0; k < v.length; k++) v[k] = (short) (raw[k] ^ 0x8000); // raw - 32768
                    memory.write(off, v, 0, v.length);
                } else if (px instanceof short[]) memory.write(off, (short[]) px, 0, w * h);
                else memory.write(off, (float[]) px, 0, w * h);
            }
            frames = n;
            array = new Native.IpcfArray.ByReference();
            array.dtype = type;
            array.ndim = 3;
            array.shape[0] = n;
            array.shape[1] = axis.equals("line") ? 1 : h;
            array.shape[2] = w;
            array.strides[0] = axis.equals("line") ? (long) w * es : frame;
            array.strides[1] = (long) w * es;
            array.strides[2] = es;
            array.data = memory;
        }

        /** CRC-32 of the series' bytes as the library reads them: what a result records of its input. */
        long crc() {
            java.util.zip.CRC32 c = new java.util.zip.CRC32();
            long size = memory.size();
            for (long off = 0; off < size; off += 1 << 30)
                c.update(memory.getByteBuffer(off, Math.min(1L << 30, size - off)));
            return c.getValue();
        }
    }

    /**
     * Whether imp is a signed 16-bit image (raw value + 32768, calibrated back by ImageJ). A TIFF
     * Virtual Stack of a signed 16-bit file holds the shifted values without the calibration that
     * says so: its file type tells (read as unsigned, its curves were off by up to 0.02, silently).
     */
    static boolean signed16(ImagePlus imp) {
        if (imp.getBitDepth() != 16) return false;
        if (imp.getCalibration().isSigned16Bit()) return true;
        ij.io.FileInfo fi = imp.getOriginalFileInfo();
        return fi != null && fi.fileType == ij.io.FileInfo.GRAY16_SIGNED && imp.getStack().isVirtual();
    }

    /** The input of a pCF: the image's channel, and the second channel when asked for. */
    static final class Input {
        Series data, data2;
        boolean lineScan;
        /** "channel 2 of 'title'" etc., for the log and the result's properties. */
        String dataName, data2Name;
        /** The id of the second image, 0 if none. */
        int data2Id;

        Input(ImagePlus imp, Ipcf.Params p) {
            int c = imp.getNChannels();
            int[] uv = explicitOffsets(p);
            boolean rowsOnly = uv != null;
            for (int i = 1; uv != null && i < uv.length; i += 2) rowsOnly &= uv[i] == 0;
            // one plane and offsets along x only (line, acf): a line scan, rows are time points
            lineScan = imp.getNSlices() == 1 && imp.getNFrames() == 1 && rowsOnly && imp.getHeight() > 1;
            int ch, ch2 = 0;
            if (p.cross) {
                if (c != 2)
                    throw new IllegalArgumentException("cross: want an image of 2 channels, this one has " + c
                            + " (or give second=TITLE)");
                ch = 1;
                ch2 = 2;
            } else if (c > 1) {
                if (p.channel == 0)
                    throw new IllegalArgumentException("the image has " + c + " channels; split them first (Image > Color > "
                            + "Split Channels), or choose one with channel=N (and channel2=N or cross for two channels)");
                ch = p.channel;
                ch2 = p.second == null ? p.channel2 : 0;
            } else {
                ch = p.channel == 0 ? 1 : p.channel;
                ch2 = p.second == null ? p.channel2 : 0;
            }
            if (ch > c) throw new IllegalArgumentException("channel=" + ch + ": the image has " + c + " channel" + (c == 1 ? "" : "s"));
            if (ch2 > c)
                throw new IllegalArgumentException("channel2=" + ch2 + ": the image has " + c + " channel" + (c == 1 ? "" : "s"));
            data = new Series(imp, ch, lineScan);
            dataName = c > 1 ? "channel " + ch + " of " + imp.getTitle() : imp.getTitle();
            if (p.second != null) {
                ImagePlus im2 = secondImage(p);
                data2Id = im2.getID();
                int c2 = im2.getNChannels();
                int k = p.channel2 > 0 ? p.channel2 : 1;
                if (p.channel2 == 0 && c2 > 1)
                    throw new IllegalArgumentException("second image '" + p.second + "' has " + c2 + " channels: choose one with channel2=N");
                if (k > c2)
                    throw new IllegalArgumentException("channel2=" + k + ": the second image '" + p.second + "' has " + c2
                            + " channel" + (c2 == 1 ? "" : "s"));
                if (im2.getWidth() != imp.getWidth() || im2.getHeight() != imp.getHeight())
                    throw new IllegalArgumentException("second image '" + p.second + "' is " + im2.getWidth() + "x" + im2.getHeight()
                            + ", the image " + imp.getWidth() + "x" + imp.getHeight() + ": want the same size");
                if (im2.getBitDepth() != imp.getBitDepth())
                    throw new IllegalArgumentException("second image '" + p.second + "' is " + im2.getBitDepth() + "-bit, the image "
                            + imp.getBitDepth() + "-bit: want the same type");
                if (signed16(im2) != signed16(imp)) // (the library named its C fields: FIJI18's m2)
                    throw new IllegalArgumentException("second image '" + p.second + "' is " + (signed16(im2) ? "signed" : "unsigned")
                            + " 16-bit, the image " + (signed16(imp) ? "signed" : "unsigned") + " 16-bit: want the same type");
                if (lineScan && im2.getStackSize() != 1)
                    throw new IllegalArgumentException("second image '" + p.second + "' is a stack, the image a line scan (one plane)");
                // Its calibration, where both images have one, must be the image's (the result took
                // the first's silently), unless the unit is given, as the file jobs do.
                double fa = Ipcf.secondsPerFrame(imp.getCalibration()), fb = Ipcf.secondsPerFrame(im2.getCalibration());
                double pa = Ipcf.micrometresPerPixel(imp), pb = Ipcf.micrometresPerPixel(im2);
                if (Double.isNaN(p.frameInterval) && fa > 0 && fb > 0 && Math.abs(fa - fb) > 1e-2 * Math.max(fa, fb))
                    throw new IllegalArgumentException("the image '" + imp.getTitle() + "' and the second image '" + p.second
                            + "' have other frame intervals (" + fa + " and " + fb + " s): their cross-correlation has no one axis of "
                            + "delays; give frame_interval=S if one of them is wrong");
                if (Double.isNaN(p.pixelSize) && pa > 0 && pb > 0 && Math.abs(pa - pb) > 1e-2 * Math.max(pa, pb))
                    throw new IllegalArgumentException("the image '" + imp.getTitle() + "' and the second image '" + p.second
                            + "' have other pixel sizes (" + pa + " and " + pb + " \u00b5m): their cross-correlation has no one axis of "
                            + "distances; give pixel_size=UM if one of them is wrong");
                data2 = new Series(im2, k, lineScan);
                data2Name = c2 > 1 ? "channel " + k + " of " + im2.getTitle() : im2.getTitle();
            } else if (ch2 > 0) {
                data2 = new Series(imp, ch2, lineScan);
                data2Name = "channel " + ch2 + " of " + imp.getTitle();
            }
            if (data2 != null && data2.frames != data.frames)
                throw new IllegalArgumentException("second image '" + p.second + "' has " + data2.frames + " time points, the image "
                        + data.frames + ": want the same number");
        }
    }

    /**
     * The second image: by its id where the dialog or a result gave one (a title may be shared),
     * else by its title, which must be unique and must not hold [ or ] (ImageJ's options, which
     * the Recorder and the result's ipcf.pcf_options write, cannot hold those).
     */
    static ImagePlus secondImage(Ipcf.Params p) {
        if (p.second.indexOf('[') >= 0 || p.second.indexOf(']') >= 0)
            throw new IllegalArgumentException("second image '" + p.second + "': a title with [ or ] cannot be written into ImageJ's "
                    + "options (a macro, the result's ipcf.pcf_options): rename the image (Image > Rename...)");
        if (p.secondId != 0) {
            ImagePlus im = WindowManager.getImage(p.secondId);
            if (im != null) return im;
        }
        return imageByTitle("second", p.second);
    }

    /**
     * The one open image titled title, named by the option key (second=, sigma=): refused when
     * none or several have that title (WindowManager.getImage(title) returns the first of them,
     * and a fit weighted by another image's error bars gave other numbers without a word).
     */
    static ImagePlus imageByTitle(String key, String title) {
        ImagePlus found = null;
        int n = 0;
        int[] ids = WindowManager.getIDList();
        for (int id : ids == null ? new int[0] : ids) {
            ImagePlus im = WindowManager.getImage(id);
            if (im != null && title.equals(im.getTitle())) {
                found = im;
                n++;
            }
        }
        if (found == null) found = WindowManager.getImage(title); // (an image not in the id list: batch mode)
        if (found == null) throw new IllegalArgumentException(key + "=" + title + ": no open image has that title");
        if (n > 1)
            throw new IllegalArgumentException(key + "=" + title + ": " + n + " open images have that title: rename all but one "
                    + "(Image > Rename...)");
        return found;
    }

    static void check(int status) {
        if (status != Native.OK) throw new IpcfException(status, Native.lib().ipcf_last_error());
    }

    /** check, for a query made for fn's sake (the output's shape before ipcf_pcf_compute): its error under
     *  fn's name (the messages named ipcf_pcf_output_shape, never called by the user: FRONT16's m1). */
    static void checkAs(int status, String query, String fn) {
        if (status == Native.OK) return;
        String e = Native.lib().ipcf_last_error();
        if (e != null && e.startsWith(query + ":")) e = fn + e.substring(query.length());
        throw new IpcfException(status, e);
    }

    /** Progress on ImageJ's bar; Esc cancels. Runs on the computing thread. */
    static final class EscProgress implements Native.Progress {
        public int invoke(Pointer user, long done, long total) {
            if (total > 0) IJ.showProgress((double) done / total);
            return IJ.escapePressed() ? 1 : 0;
        }
    }

    /** The library's options for p (its defaults first, then p's values); data2 and mask are the caller's. */
    static Native.PcfOptions options(Ipcf.Params p) {
        Native.PcfOptions o = new Native.PcfOptions();
        Native.lib().ipcf_pcf_options_init(o);
        o.radius = p.radius;
        o.npoints = p.points;
        o.nbins = p.bins;
        o.bleach = p.bleach;
        // The dialogs always show the mean (and record it): with the correction
        // off it does nothing here, where the library refuses a floor mean alone.
        o.bleach_mean = p.bleach > 0 && p.floorMean ? 1 : 0;
        o.threads = p.threads;
        o.device = Ipcf.deviceCode(p.device);
        int[] uv = explicitOffsets(p);
        if (uv != null && uv.length / 2 > 65536)
            throw new IllegalArgumentException((p.offsets != null ? "offsets" : "preset=" + p.preset + " radius=" + p.radius) + ": "
                    + uv.length / 2 + " offsets, want at most 65536");
        if (uv != null) {
            Memory m = new Memory(4L * uv.length);
            m.write(0, uv, 0, uv.length);
            o.offsets = m;
            o.noffsets = uv.length / 2;
            o.keep = m;
        }
        o.bins = p.binning.equals("linear") ? Native.BINS_LINEAR : p.binning.equals("multitau") ? Native.BINS_MULTITAU : Native.BINS_LOG;
        o.multitau_m = p.m;
        o.smooth = p.smooth;
        o.threshold = p.threshold;
        o.output = p.delta ? Native.OUTPUT_DELTA : Native.OUTPUT_CCF;
        return o;
    }

    /**
     * The offsets given to the library as (u, v) pairs: (0, 0) for acf, the explicit ones, or the
     * disk or line preset's; null for the circle (the library's default, with its margin).
     */
    static int[] explicitOffsets(Ipcf.Params p) {
        if (p.acf) return new int[] {0, 0};
        if (p.offsets != null) return p.offsets;
        if (p.preset.equals("disk")) return offsets(Native.OFFSETS_DISK, p.radius, p.points);
        if (p.preset.equals("line")) return offsets(Native.OFFSETS_LINE, p.radius, p.points);
        return null;
    }

    /** The offsets of a preset (Native.OFFSETS_*) as (u, v) pairs (ipcf_offsets). */
    static int[] offsets(int kind, int radius, int npoints) {
        LongByReference count = new LongByReference();
        int[] uv = new int[2];
        int st = Native.lib().ipcf_offsets(kind, radius, npoints, uv, 1, count);
        if (st == 3 && count.getValue() > 1 && count.getValue() <= (1 << 24)) { // IPCF_E_BUFFER_TOO_SMALL: count is the need
            uv = new int[(int) (2 * count.getValue())];
            st = Native.lib().ipcf_offsets(kind, radius, npoints, uv, count.getValue(), count);
        }
        check(st);
        return java.util.Arrays.copyOf(uv, (int) (2 * count.getValue()));
    }

    /** The delay of each curve point in frames (ipcf_pcf_delays) for data and o; n: the points. */
    static double[] delays(Native.IpcfArray data, Native.PcfOptions o, int n) {
        double[] d = new double[Math.max(n, 1)];
        LongByReference count = new LongByReference();
        check(Native.lib().ipcf_pcf_delays(data, o, d, d.length, count));
        return java.util.Arrays.copyOf(d, (int) count.getValue());
    }

    /** The CUDA devices found, or why none is usable. */
    static String devices() {
        byte[] buf = new byte[4096];
        Native.lib().ipcf_devices(buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) n++;
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The warning of the last computation (null if none), for macros: Ipcf.lastWarning; of the
     * last one this thread ran (a macro runs its computations on its own thread), else of the last
     * one any thread ran, as FileJob's summary. One value for the JVM gave a macro another's warning,
     * or none after the other's start, when two ran at once (FIJI18's m8).
     */
    private static volatile String lastWarning;
    /** This thread's: {warning} once it ran a computation (null: none yet). */
    private static final ThreadLocal<String[]> threadWarning = new ThreadLocal<>();

    /** The warning of the last computation (null if none): this thread's, else any thread's. */
    static String lastWarning() {
        String[] t = threadWarning.get();
        return t != null ? t[0] : lastWarning;
    }

    /** A computation starts: no warning yet. */
    static void clearWarning() {
        lastWarning = null;
        threadWarning.set(new String[1]);
    }

    private static void setWarning(String w) {
        lastWarning = w;
        threadWarning.set(new String[] {w});
    }

    /** This thread's warnings of its computation so far (null: none). */
    private static String ownWarning() {
        String[] t = threadWarning.get();
        return t == null ? null : t[0];
    }

    /**
     * Puts the warnings said before a computation nested in another (a fit's error bars) before
     * that computation's own: it cleared them.
     */
    static void keepWarning(String earlier) {
        String w = ownWarning();
        setWarning(earlier == null ? w : w == null ? earlier : earlier + "\n" + w);
    }

    /**
     * A warning of a computation: in the Log, and for macros (Ipcf.lastWarning) after the
     * computation's earlier ones, one a line (a fit's "fitted unweighted" was replaced by its
     * "smoothed curves").
     */
    static void warn(String msg) {
        String w = ownWarning();
        setWarning(w == null ? msg : w + "\n" + msg);
        IJ.log(msg);
    }

    /**
     * Warns in the Log window when a stack to be corrected for bleaching holds a sample that is not
     * a count in 0..65535 (a 32-bit image of fractions or negatives): the correction's rounding and
     * clipping (the definition, for camera counts) change such samples beyond recognition.
     */
    static void warnCounts(Native.IpcfArray a, String what) {
        int[] counts = {1};
        byte[] buf = new byte[512];
        if (Native.lib().ipcf_check_counts(a, counts, buf, buf.length) != 0 || counts[0] != 0) return;
        int n = 0;
        while (n < buf.length && buf[n] != 0) n++;
        String msg = "ipcf: warning: " + what + ": " + new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8)
                + " (frame from 0, row and column = y and x)";
        warn(msg);
    }

    /** Photobleaching correction of imp into a new stack of the same type (32-bit input gives 16-bit). */
    static ImagePlus correctBleaching(ImagePlus imp, int filtersize, boolean floorMean, int threads) {
        // One plane of several rows: a line scan, its rows the time points, as the pCF reads it
        // (preset line): corrected as (t, 1, x), given back as one plane of the rows kept.
        boolean line = imp.getStackSize() == 1 && imp.getHeight() > 1;
        Series s = line ? new Series(imp, 0, true) : new Series(imp);
        Native.Lib lib = Native.lib();
        Native.BleachOptions o = new Native.BleachOptions();
        lib.ipcf_bleach_options_init(o);
        o.filtersize = filtersize;
        o.mean = floorMean ? 1 : 0;
        o.threads = threads;
        o.progress = new EscProgress();
        long frames = s.array.shape[0];
        // a line scan's time points are its rows
        String unit = line ? "row" : "frame", of = line ? " (a line scan: one plane, its rows the time points)" : "";
        if (frames < 3) // no filter size leaves a frame: "want 1..0" said nothing
            throw new IllegalArgumentException("the image has " + frames + " " + unit + (frames == 1 ? "" : "s") + of
                + ": the bleaching correction drops 2*filtersize " + unit + "s and keeps at least one, so it needs at least 3");
        if (filtersize < 1 || filtersize > (frames - 1) / 2) // never forms 2*filtersize (int overflow)
            throw new IllegalArgumentException("filter size " + filtersize + " leaves no " + unit + " of " + frames + of
                + " (it drops 2*filtersize; want 1.." + Math.max(0, (frames - 1) / 2) + ")");
        int n = (int) (frames - 2L * filtersize);
        int w = imp.getWidth(), h = line ? 1 : imp.getHeight();
        boolean bytes = s.array.dtype == Native.DTYPE_UINT8;
        int es = bytes ? 1 : 2;
        // The corrected stack is built on the heap: refused before the work where it cannot take it
        // (REVIEW11's F9: corrected, then "Java heap space").
        String tooLarge = heapShort((long) n * w * h * es + PLANE_COST * (line ? 1 : n),
                "the corrected stack (" + mib((long) n * w * h * es) + ")",
                "close other images, or correct the file with the ipcf command (ipcf bleach) or a pCF file job's bleach option");
        if (tooLarge != null) throw new IllegalArgumentException(tooLarge);
        Memory outMem = new Memory((long) n * w * h * es);
        Native.IpcfArray out = new Native.IpcfArray();
        // The output keeps the input's type (int16: clipped to 0..32767, as
        // `ipcf bleach` writes it); 0..32767 are the same bits in an
        // uncalibrated 16-bit image.
        out.dtype = bytes ? Native.DTYPE_UINT8 : s.array.dtype == Native.DTYPE_INT16 ? Native.DTYPE_INT16 : Native.DTYPE_UINT16;
        out.ndim = 3;
        out.shape[0] = n;
        out.shape[1] = h;
        out.shape[2] = w;
        out.strides[0] = (long) w * h * es;
        out.strides[1] = (long) w * es;
        out.strides[2] = es;
        out.data = outMem;
        clearWarning();
        warnCounts(s.array, imp.getTitle());
        int status = lib.ipcf_correct_bleaching(s.array, o, out);
        IJ.showProgress(1.0);
        check(status);
        ImageStack st = new ImageStack(w, line ? n : h);
        if (line) { // the n rows kept, one plane
            if (bytes) {
                byte[] px = new byte[w * n];
                outMem.read(0, px, 0, px.length);
                st.addSlice("", px);
            } else {
                short[] px = new short[w * n];
                outMem.read(0, px, 0, px.length);
                st.addSlice("", px);
            }
        }
        for (int i = 0; i < (line ? 0 : n); i++) {
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
        ImagePlus res = new ImagePlus(imp.getShortTitle() + " corrected", st);
        // The same pixels and frames: the pixel size, unit and frame interval carry over (a pCF
        // of the corrected stack keeps its units). The values are corrected raw counts, so a
        // density calibration (a signed 16-bit image's offset among them) does not.
        ij.measure.Calibration cal = imp.getCalibration().copy();
        cal.disableDensityCalibration();
        res.setCalibration(cal);
        return res;
    }

    static int[] circle(int radius, int npoints) {
        // Sized only within the library's range (1..2^20 points): beyond it the library names
        // the range, where the array's size overflowed or ran the heap out first.
        int[] uv = new int[2 * (npoints >= 1 && npoints <= (1 << 20) ? npoints : 1)];
        check(Native.lib().ipcf_circle(radius, npoints, uv, uv.length));
        return uv;
    }

    static long[] logbins(long frames, int nbins) {
        long n = Long.highestOneBit(Math.max(frames, 1));
        long[] bins = new long[nbins >= 1 && nbins <= 65536 ? nbins : 1]; // (as circle: the library names the range)
        LongByReference count = new LongByReference();
        check(Native.lib().ipcf_logbins(n / 2, nbins, bins, bins.length, count));
        long[] res = new long[(int) count.getValue()];
        System.arraycopy(bins, 0, res, 0, res.length);
        return res;
    }

    /**
     * Runs a file job (ipcf_pcf_file). Throws IpcfException with the library's message (status 6:
     * cancelled), IllegalArgumentException for options the plugin rejects before the call.
     */
    static FileJob.Summary runFile(FileJob j, final FileJob.Listener listener) {
        Native.Lib lib = Native.lib();
        List<Memory> keep = new ArrayList<>(); // native strings, alive until the call returns
        Native.PcfOptions o = options(j.pcf);

        Native.SourceOptions so = new Native.SourceOptions();
        Native.init(so, true);
        so.format = str(keep, j.format.equals("auto") ? "" : j.format);
        if (j.shape != null) {
            System.arraycopy(j.shape, 0, so.raw_shape, 0, 3);
            so.raw_dtype = FileJob.code("dtype", j.dtype, FileJob.DTYPES, Native.DTYPE_UINT8);
            so.raw_byte_order = FileJob.code("byteorder", j.byteOrder, FileJob.ORDERS, Native.ORDER_NATIVE);
            so.raw_offset = j.offset;
        }
        so.crop = str(keep, j.crop);
        so.frames = str(keep, j.frames);
        so.mask = str(keep, j.mask);
        so.channel = j.pcf.channel;   // 0: a one-channel input
        so.channel2 = j.pcf.channel2; // 0: no second channel

        Native.JobOptions jo = new Native.JobOptions();
        Native.init(jo, false);
        jo.tile_rows = j.tileRows;
        jo.tile_cols = j.tileCols;
        jo.memory = str(keep, j.memory);
        jo.scratch = str(keep, j.scratch);
        jo.engine = str(keep, j.engine.equals("auto") ? "" : j.engine);
        jo.frame_interval = j.frameInterval;
        jo.pixel_size = j.pixelSize;
        jo.copy_input = j.copyInput ? 1 : 0;
        jo.errors = j.errors.equals("blocking") ? 1 : j.errors.equals("segments") ? 2 : 0; // IPCF_JOB_ERRORS_*
        jo.segments = j.segments;
        final RuntimeException[] thrown = new RuntimeException[1];
        // Thread.interrupt() of the thread that runs the job cancels it, as Esc does (a script's
        // or a plugin's worker stopped so ran to its end: HOSTS11's m6); the flag stays set.
        final Thread caller = Thread.currentThread();
        Native.JobProgress progress = new Native.JobProgress() {
            public int invoke(Pointer user, Pointer phase, long done, long total) {
                try {
                    boolean cancel = listener != null && listener.progress(Native.string(phase), done, total);
                    return cancel || caller.isInterrupted() ? 1 : 0;
                } catch (RuntimeException e) { // never unwind through the library
                    thrown[0] = e;
                    return 1;
                }
            }
        };
        Native.JobLog log = new Native.JobLog() {
            public void invoke(Pointer user, Pointer message) {
                try {
                    if (listener != null) listener.log(Native.string(message));
                } catch (RuntimeException e) {
                    thrown[0] = e;
                }
            }
        };
        jo.progress = progress;
        jo.log = log;

        Native.JobSummary sum = new Native.JobSummary();
        long t0 = System.nanoTime();
        int status = lib.ipcf_pcf_file(Native.cstring(j.input), so, Native.cstring(j.output), o, jo, sum);
        String message = status == Native.OK ? "" : lib.ipcf_last_error();
        keep.clear();
        if (thrown[0] != null) throw thrown[0];
        if (status != Native.OK) throw new IpcfException(status, message.isEmpty() ? "ipcf_pcf_file failed, status " + status : message);
        FileJob.Summary s = new FileJob.Summary();
        s.engine = sum.engine == Native.ENGINE_OOC ? "ooc" : "memory";
        System.arraycopy(sum.shape, 0, s.shape, 0, 4);
        s.tiles = sum.tiles;
        s.resumed = sum.resumed;
        s.alreadyComplete = sum.already_complete != 0;
        s.inputCrc32c = sum.input_crc32c & 0xffffffffL;
        s.readInPlace = sum.read_in_place != 0;
        s.seconds = (System.nanoTime() - t0) / 1e9;
        // The callbacks and the options' native memory must stay reachable until the call has returned.
        progress.hashCode();
        log.hashCode();
        o.hashCode();
        return s;
    }

    private static Pointer str(List<Memory> keep, String s) {
        if (s == null || s.isEmpty()) return null;
        Memory m = Native.utf8(s);
        keep.add(m);
        return m;
    }

    /** "C/JNA": the library's and the plugin's sizeof(ipcf_fit_options). */
    static String fitStructSizes() {
        return Native.fitStructSizes();
    }

    /** "source=C/JNA job=C/JNA summary=JNA": the library's and the plugin's file-job struct sizes. */
    static String fileJobStructSizes() {
        return Native.fileJobStructSizes();
    }
}
