import ij.ImagePlus;
import ij.ImageStack;
import ipcf.Ipcf;
import java.util.concurrent.CountDownLatch;

/**
 * Ipcf.lastWarning is the warning of the calling thread's own last computation (a macro's), not of
 * whichever ended last in the JVM (FIJI18's m8: a macro read another's "unit ipcf does not know"
 * warning, or "" after the other's start); a thread that ran none gets the last one's. Prints PASS
 * or exits 1.
 */
public class LastWarningTest {
    static int failures;

    static void check(boolean ok, String what) {
        if (!ok) {
            failures++;
            System.out.println("FAIL: " + what);
        }
    }

    static ImagePlus stack(String title, String unit) {
        java.util.Random r = new java.util.Random(1);
        ImageStack st = new ImageStack(12, 12);
        for (int f = 0; f < 256; f++) {
            short[] px = new short[144];
            for (int i = 0; i < px.length; i++) px[i] = (short) (10 + r.nextInt(40));
            st.addSlice("", px);
        }
        ImagePlus imp = new ImagePlus(title, st);
        imp.getCalibration().pixelWidth = imp.getCalibration().pixelHeight = 0.1;
        imp.getCalibration().setUnit(unit);
        return imp;
    }

    public static void main(String[] args) throws Exception {
        final Ipcf.Params p = Ipcf.Params.parse("radius=2 points=4 nbins=6 threads=1");
        final String[] seen = new String[2];
        final CountDownLatch warned = new CountDownLatch(1), other = new CountDownLatch(1);
        Thread a = new Thread(() -> {
            Ipcf.pcf(stack("furlongs", "furlong"), p); // warns: a unit ipcf does not know
            seen[0] = Ipcf.lastWarning();
            warned.countDown();
            try {
                other.await();
            } catch (InterruptedException e) {
                return;
            }
            seen[1] = Ipcf.lastWarning();
        });
        a.start();
        warned.await();
        check(Ipcf.lastWarning().contains("furlong"), "a thread that ran none gets the last one's: [" + Ipcf.lastWarning() + "]");
        Ipcf.pcf(stack("microns", "micron"), p); // no warning
        check(Ipcf.lastWarning().isEmpty(), "main's own pCF warned of nothing: [" + Ipcf.lastWarning() + "]");
        other.countDown();
        a.join();
        check(seen[0].contains("furlong"), "the thread's warning: [" + seen[0] + "]");
        check(seen[0].equals(seen[1]), "the thread's warning after another thread's pCF: [" + seen[1] + "], want [" + seen[0] + "]");
        if (failures > 0) System.exit(1);
        System.out.println("PASS: lastWarning is the calling thread's");
        System.exit(0);
    }
}
