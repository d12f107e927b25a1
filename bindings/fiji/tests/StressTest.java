import ij.ImagePlus;
import ij.ImageStack;
import ipcf.Ipcf;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * JVM stress check (shared/HOSTS.md #3): the plugin's computation runs repeatedly while other
 * threads throw and catch NullPointerExceptions (the JVM's SIGSEGV-based implicit null checks)
 * and force garbage collections. Every result must equal the first; the JVM must not crash.
 */
public class StressTest {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong npes = new AtomicLong(), gcs = new AtomicLong();
        Thread[] noise = new Thread[2];
        for (int k = 0; k < noise.length; k++) {
            noise[k] = new Thread(() -> {
                Object nothing = null;
                byte[][] junk = new byte[64][];
                int i = 0;
                while (!stop.get()) {
                    try {
                        nothing.hashCode();
                    } catch (NullPointerException e) {
                        npes.incrementAndGet();
                    }
                    junk[i++ % junk.length] = new byte[4096];
                    if (npes.get() % 200000 == 0) {
                        System.gc();
                        gcs.incrementAndGet();
                    }
                }
            });
            noise[k].start();
        }
        int t = 2048, h = 24, w = 24;
        Random rng = new Random(1);
        ImageStack st = new ImageStack(w, h);
        for (int i = 0; i < t; i++) {
            short[] px = new short[w * h];
            for (int k = 0; k < px.length; k++) px[k] = (short) (50 + rng.nextInt(20));
            st.addSlice("", px);
        }
        ImagePlus imp = new ImagePlus("noise", st);
        Ipcf.Params p = Ipcf.Params.parse("radius=3 points=12 bins=10 threads=2");
        float[] first = null;
        for (int r = 0; r < rounds; r++) {
            ImagePlus res = Ipcf.pcf(imp, p);
            float[] plane = (float[]) res.getStack().getPixels(res.getStackIndex(1, 5, 4));
            if (first == null) first = plane.clone();
            for (int k = 0; k < plane.length; k++) {
                if (Float.floatToIntBits(plane[k]) != Float.floatToIntBits(first[k])) {
                    System.out.println("FAIL: round " + r + " differs at " + k);
                    System.exit(1);
                }
            }
            System.gc();
        }
        stop.set(true);
        for (Thread n : noise) n.join();
        System.out.println("PASS: " + rounds + " pCF runs during " + npes.get() + " NullPointerExceptions and "
                + gcs.get() + " forced GCs; results identical");
    }
}
