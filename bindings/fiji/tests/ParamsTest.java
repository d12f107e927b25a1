import ij.ImagePlus;
import ij.ImageStack;
import ipcf.Ipcf;

/**
 * The Java API refuses Params fields set directly that no options string could give (each
 * was computed, or recorded in the result: binning=cubic, preset=bogus, negative units; an odd
 * offsets array lost its last value), and circle and logbins beyond the library's ranges say
 * so (they overflowed or ran the heap out sizing their arrays first). Prints PASS or exits 1.
 */
public class ParamsTest {
    static int failures;

    interface Set {
        void on(Ipcf.Params p);
    }

    static void refused(ImagePlus imp, String what, String frag, Set set) {
        Ipcf.Params p = new Ipcf.Params();
        p.radius = 2;
        p.points = 8;
        p.bins = 8;
        set.on(p);
        try {
            Ipcf.pcf(imp, p);
            failures++;
            System.out.println("FAIL " + what + ": computed");
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().contains(frag)) {
                failures++;
                System.out.println("FAIL " + what + ": " + e.getMessage() + " (want " + frag + ")");
            }
        }
    }

    static void thrown(String what, String frag, Runnable r) {
        try {
            r.run();
            failures++;
            System.out.println("FAIL " + what + ": no error");
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains(frag)) {
                failures++;
                System.out.println("FAIL " + what + ": " + e + " (want " + frag + ")");
            }
        } catch (Throwable e) {
            failures++;
            System.out.println("FAIL " + what + ": " + e);
        }
    }

    public static void main(String[] args) {
        ij.macro.Interpreter.batchMode = true;
        ImageStack st = new ImageStack(12, 12);
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 64; i++) {
            short[] px = new short[144];
            for (int k = 0; k < 144; k++) px[k] = (short) (40 + r.nextInt(20));
            st.addSlice("", px);
        }
        ImagePlus imp = new ImagePlus("s", st);
        refused(imp, "binning cubic", "binning=cubic: want log, linear or multitau", p -> p.binning = "cubic");
        refused(imp, "binning null", "binning=null", p -> p.binning = null);
        refused(imp, "preset bogus", "preset=bogus: want circle, disk or line", p -> p.preset = "bogus");
        refused(imp, "offsets of 3 values", "offsets: 3 values, want pairs", p -> p.offsets = new int[] {1, 0, 1});
        refused(imp, "offsets empty", "offsets: 0 values", p -> p.offsets = new int[0]);
        refused(imp, "m odd", "m=3: want an even number", p -> p.m = 3);
        refused(imp, "smooth 1", "smooth=1.0", p -> p.smooth = 1);
        refused(imp, "channel -4", "channel=-4", p -> p.channel = -4);
        refused(imp, "frame interval -1", "frameInterval=-1.0: want >= 0", p -> p.frameInterval = -1);
        refused(imp, "pixel size -1", "pixelSize=-1.0: want >= 0", p -> p.pixelSize = -1);
        // the defaults compute
        Ipcf.Params ok = new Ipcf.Params();
        ok.radius = 2;
        ok.points = 8;
        ok.bins = 8;
        if (Ipcf.pcf(imp, ok).getNSlices() != 8) {
            failures++;
            System.out.println("FAIL the defaults: not 8 points");
        }
        thrown("circle of 2^31-1 points", "npoints", () -> Ipcf.circle(5, Integer.MAX_VALUE));
        thrown("logbins of 2^31-1 bins", "nbins", () -> Ipcf.logbins(1024, Integer.MAX_VALUE));
        // A remembered Smooth is shown with the decimals it needs (up to ImageJ's 9) and computed
        // as shown, so the Recorder's line (the field's text) replays to the same curves; it was
        // shown and recorded as 0.457 and computed as 0.45678 (FIJI18's F2).
        double[][] sm = {{0.7, 3, 0.7}, {0.45678, 5, 0.45678}, {0.123456789, 9, 0.123456789}, {1.0 / 3, 9, 0.333333333}, {0, 3, 0}};
        for (double[] c : sm) {
            int d = ipcf.Pair_Correlation.smoothDecimals(c[0]);
            double v = ipcf.Pair_Correlation.shown(c[0], d);
            if (d != (int) c[1] || v != c[2] || !ij.IJ.d2s(v, d).equals(ij.IJ.d2s(c[0], d))) {
                failures++;
                System.out.println("FAIL smooth " + c[0] + ": " + d + " decimals, shown " + ij.IJ.d2s(c[0], d) + ", computed " + v);
            }
        }
        if (failures > 0) System.exit(1);
        System.out.println("PASS: params");
        System.exit(0);
    }
}
