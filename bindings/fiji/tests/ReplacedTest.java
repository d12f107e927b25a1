import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ipcf.Ipcf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A result replaced with its metadata while openPcf reads it (a rerun of the job with other
 * options) is refused: the checksum is taken of the file mapped, whose curves are shown. It was
 * taken of the file the path named by then, which matched the new metadata, and the old curves
 * were labelled with the new delays. Prints PASS or exits 1.
 */
public class ReplacedTest {
    static int failures;

    static void check(boolean ok, String what) {
        if (!ok) {
            failures++;
            System.out.println("FAIL: " + what);
        }
    }

    static void save(Path to, int seed) {
        ImageStack st = new ImageStack(10, 10);
        java.util.Random rng = new java.util.Random(seed);
        for (int i = 0; i < 256; i++) {
            short[] px = new short[100];
            for (int k = 0; k < px.length; k++) px[k] = (short) (40 + rng.nextInt(20));
            st.addSlice("", px);
        }
        IJ.saveAsTiff(new ImagePlus("s", st), to.toString());
    }

    public static void main(String[] args) throws Exception {
        ij.macro.Interpreter.batchMode = true; // images are not shown (headless)
        Path dir = Files.createTempDirectory("ipcf_replaced");
        save(dir.resolve("in.tif"), 3);
        String in = dir.resolve("in.tif").toString();
        String opts = "radius=1 points=4 nbins=8";
        check(Ipcf.pcfFile(in, dir.resolve("a.npy").toString(), opts + " smooth=0").isEmpty(), "pcfFile a");
        check(Ipcf.pcfFile(in, dir.resolve("b.npy").toString(), opts + " smooth=0.5").isEmpty(), "pcfFile b");
        for (String s : new String[] {"", ".json"}) {
            Files.copy(dir.resolve("a.npy" + s), dir.resolve("x.npy" + s));
            Files.copy(dir.resolve("b.npy" + s), dir.resolve("next.npy" + s));
        }
        String x = dir.resolve("x.npy").toString();
        boolean[] ran = {false};
        Ipcf.testHookOpened = () -> {
            ran[0] = true;
            try {
                for (String s : new String[] {"", ".json"})
                    Files.move(dir.resolve("next.npy" + s), dir.resolve("x.npy" + s), StandardCopyOption.ATOMIC_MOVE);
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        };
        String got = Ipcf.openPcf(x);
        Ipcf.testHookOpened = null;
        check(ran[0], "the hook ran");
        check(got.startsWith("error:") && got.contains("not this result's metadata"),
                "a result replaced while it was read: " + got + "; want it refused by its checksum");
        got = Ipcf.openPcf(x);
        check(!got.startsWith("error"), "the new result with its metadata opens: " + got);

        // Rewritten in place (same size, other curves) after its checksum was checked: the image
        // shows the curves checked, read once (through a mapping, a campaign saw 38 of 55 opens
        // mix two results with no error).
        Files.copy(dir.resolve("a.npy"), dir.resolve("x.npy"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("a.npy.json"), dir.resolve("x.npy.json"), StandardCopyOption.REPLACE_EXISTING);
        byte[] b = Files.readAllBytes(dir.resolve("b.npy"));
        Ipcf.testHookChecked = () -> {
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(x, "rw")) {
                f.write(b); // in place: same inode, same size
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        };
        got = Ipcf.openPcf(x);
        Ipcf.testHookChecked = null;
        check(!got.startsWith("error"), "rewritten after the check: " + got);
        String same = Ipcf.equalsPcf(dir.resolve("a.npy").toString());
        check(same.equals("1"), "rewritten after the check: the image is not a.npy's curves: " + same);

        // Cut short once opened, without metadata: the image of the bytes read, never a fault
        // (an InternalError from the mapping ended the macro).
        Files.copy(dir.resolve("a.npy"), dir.resolve("y.npy"));
        String y = dir.resolve("y.npy").toString();
        Ipcf.testHookOpened = () -> {
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(y, "rw")) {
                f.setLength(64);
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        };
        got = Ipcf.openPcf(y);
        Ipcf.testHookOpened = null;
        check(!got.startsWith("error"), "cut short once opened: " + got);

        // A sidecar that is not a file, or bytes beyond the shape without one: refused.
        Files.copy(dir.resolve("a.npy"), dir.resolve("z.npy"));
        String z = dir.resolve("z.npy").toString();
        Files.createDirectory(dir.resolve("z.npy.json"));
        got = Ipcf.openPcf(z);
        check(got.startsWith("error:") && got.contains("is not a regular file"), "a folder as the sidecar: " + got);
        Files.delete(dir.resolve("z.npy.json"));
        Files.write(dir.resolve("z.npy"), new byte[] {0, 0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
        got = Ipcf.openPcf(z);
        check(got.startsWith("error:") && got.contains("trailing bytes"), "4 bytes beyond the data: " + got);
        if (failures > 0) System.exit(1);
        System.out.println("PASS: replaced");
        System.exit(0);
    }
}
