package ipcf;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;

/** JNA declarations of libipcf (include/ipcf.h). */
public final class Native {
    private Native() {}

    public static final int OK = 0;
    public static final int DTYPE_UINT8 = 1, DTYPE_UINT16 = 2, DTYPE_INT16 = 3, DTYPE_INT32 = 4,
            DTYPE_FLOAT32 = 5, DTYPE_FLOAT64 = 6;

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

    @Structure.FieldOrder({"struct_size", "radius", "npoints", "nbins", "bleach", "bleach_mean", "threads",
            "reserved0", "mask", "progress", "progress_user", "token", "device", "reserved1"})
    public static class PcfOptions extends Structure {
        public int struct_size;
        public int radius, npoints, nbins, bleach, bleach_mean, threads, reserved0;
        public IpcfArray.ByReference mask;
        public Progress progress;
        public Pointer progress_user;
        public long token;
        public int device, reserved1; // -1 auto, -2 cpu, N: cuda:N
    }

    @Structure.FieldOrder({"struct_size", "filtersize", "mean", "threads", "progress", "progress_user", "token"})
    public static class BleachOptions extends Structure {
        public int struct_size;
        public int filtersize, mean, threads;
        public Progress progress;
        public Pointer progress_user;
        public long token;
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

        void ipcf_bleach_options_init(BleachOptions o);

        int ipcf_correct_bleaching(IpcfArray data, BleachOptions o, IpcfArray out);

        int ipcf_circle(int radius, int npoints, int[] uv, long len);

        int ipcf_logbins(long size, int nbins, long[] bins, long cap, LongByReference count);
    }

    private static Lib lib;

    /** The library, loaded once (from jna.library.path or the jar's linux-x86-64/). */
    public static synchronized Lib lib() {
        if (lib == null) {
            Lib l = com.sun.jna.Native.load("ipcf", Lib.class);
            if (l.ipcf_array_struct_size() != new IpcfArray().size()
                    || l.ipcf_pcf_options_struct_size() != new PcfOptions().size()
                    || l.ipcf_bleach_options_struct_size() != new BleachOptions().size()) {
                throw new IllegalStateException("ipcf: libipcf and the plugin disagree on struct sizes");
            }
            lib = l;
        }
        return lib;
    }
}
