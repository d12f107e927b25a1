import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ipcf.Ipcf;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * lastJobSummary is the summary of the calling thread's own last file job (a macro's), not of
 * whichever job ended last in the JVM (HOSTS11's m8: a macro that read it after its own 12 x 12
 * job got a concurrent 40 x 40 job's shape); a thread that ran none gets the last job's. A job
 * whose thread is interrupted is cancelled. Prints PASS or exits 1.
 */
public class SummaryTest {
    static int failures;

    static void check(boolean ok, String what) {
        if (!ok) {
            failures++;
            System.out.println("FAIL: " + what);
        }
    }

    static String save(Path dir, String name, int side) {
        ImageStack st = new ImageStack(side, side);
        java.util.Random rng = new java.util.Random(side);
        for (int i = 0; i < 256; i++) {
            short[] px = new short[side * side];
            for (int k = 0; k < px.length; k++) px[k] = (short) (40 + rng.nextInt(20));
            st.addSlice("", px);
        }
        String path = dir.resolve(name).toString();
        IJ.saveAsTiff(new ImagePlus("s", st), path);
        return path;
    }

    public static void main(String[] args) throws Exception {
        ij.macro.Interpreter.batchMode = true;
        Path dir = TempDirs.create("ipcf_summary");
        String small = save(dir, "small.tif", 12), large = save(dir, "large.tif", 40);
        String opts = "radius=1 points=4 nbins=8";
        CountDownLatch smallDone = new CountDownLatch(1), largeDone = new CountDownLatch(1);
        String[] got = new String[2];
        Thread a = new Thread(() -> {
            got[0] = Ipcf.pcfFile(small, dir.resolve("small.npy").toString(), opts);
            smallDone.countDown();
            try {
                largeDone.await(); // the other job ends after this one
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
            got[0] += "|" + Ipcf.lastJobSummary();
        });
        Thread b = new Thread(() -> {
            try {
                smallDone.await();
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
            got[1] = Ipcf.pcfFile(large, dir.resolve("large.npy").toString(), opts) + "|" + Ipcf.lastJobSummary();
            largeDone.countDown();
        });
        a.start();
        b.start();
        a.join();
        b.join();
        check(got[0].startsWith("|") && got[0].contains("shape=10,10,4,"), "the small job's thread: " + got[0]);
        check(got[1].startsWith("|") && got[1].contains("shape=38,38,4,"), "the large job's thread: " + got[1]);
        // a thread that ran no job: the last job's
        check(Ipcf.lastJobSummary().contains("shape=38,38,4,"), "a thread that ran none: " + Ipcf.lastJobSummary());
        // a job refused at its options: "", not an earlier job's summary (REVIEW12's F6)
        String refused = Ipcf.pcfFile(small, dir.resolve("r.npy").toString(), "radius=[2");
        check(refused.startsWith("error") && Ipcf.lastJobSummary().isEmpty(), "after a refused job: " + refused + " | " + Ipcf.lastJobSummary());
        // Thread.interrupt() of the job's thread cancels it, as Esc does (HOSTS11's m6: it ran
        // to its end); here the thread interrupts itself at the job's first progress.
        String in = save(dir, "interrupted.tif", 64);
        ipcf.FileJob j = ipcf.FileJob.parse(in, dir.resolve("interrupted.npy").toString(), opts);
        final Thread self = Thread.currentThread();
        int status = 0;
        try {
            j.run(new ipcf.FileJob.Listener() {
                public boolean progress(String phase, long done, long total) {
                    self.interrupt();
                    return false;
                }

                public void log(String message) {}
            });
        } catch (ipcf.IpcfException e) {
            status = e.status;
        }
        boolean flag = Thread.interrupted(); // (cleared: the flag stayed set)
        check(status == ipcf.Native.E_CANCELLED && flag, "an interrupted job: status " + status + ", flag " + flag);
        check(!dir.resolve("interrupted.npy").toFile().exists(), "an interrupted job published its result");
        if (failures > 0) System.exit(1);
        System.out.println("PASS: summary");
        System.exit(0);
    }
}
