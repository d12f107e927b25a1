import ipcf.Ipcf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The plugin's .npy reader takes the header as numpy does, a dict of exactly descr, fortran_order
 * and shape: a key's text inside another value (which a search anywhere read as Fortran order),
 * a duplicate key, a value other than True or False and an extra key are refused; a well-formed
 * header reads. Prints PASS or exits 1.
 */
public class NpyHeaderTest {
    static int failures;

    static void check(boolean ok, String what) {
        if (!ok) {
            failures++;
            System.out.println("FAIL: " + what);
        }
    }

    static Path write(Path dir, String name, String header) throws Exception {
        return write(dir, name, header, 2);
    }

    /** A .npy file of the header given and 8 x 8 x 8 values of es bytes (exactly: readers refuse trailing bytes). */
    static Path write(Path dir, String name, String header, int es) throws Exception {
        int n = header.length() + 11;
        StringBuilder h = new StringBuilder(header);
        for (int i = 0; i < (64 - n % 64) % 64; i++) h.append(' ');
        h.append('\n');
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (h.length() & 0xff), (byte) (h.length() >> 8)});
        b.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 8 * 8 * 8; i++) {
            b.write(i & 0xff);
            for (int k = 1; k < es; k++) b.write(k == 1 ? i >> 8 : 0);
        }
        Path p = dir.resolve(name);
        Files.write(p, b.toByteArray());
        return p;
    }

    public static void main(String[] args) throws Exception {
        ij.macro.Interpreter.batchMode = true; // images are not shown (headless)
        Path dir = TempDirs.create("ipcf_npyheader");
        String ok = Ipcf.openNpy(write(dir, "ok.npy", "{'descr': '<u2', 'fortran_order': False, 'shape': (8, 8, 8), }").toString());
        check(!ok.startsWith("error"), "a well-formed header: " + ok);
        String[][] bad = {
            {"{'descr': '<u2', 'fortran_order': False, 'shape': (8, 8, 8), 'x': \"'fortran_order': True\"}", "fortran_order True or False twice"},
            {"{'descr': '<u2', 'fortran_order': False, 'shape': (8, 8, 8), 'shape': (8, 8, 8), }", "shape twice"},
            {"{'descr': '<u2', 'fortran_order': Maybe, 'shape': (8, 8, 8), }", "no fortran_order True or False"},
            {"{'descr': '<u2', 'fortran_order': False, 'shape': (8, 8, 8), 'extra': 1}", "more than descr, fortran_order and shape"},
        };
        for (int i = 0; i < bad.length; i++) {
            String got = Ipcf.openNpy(write(dir, "bad" + i + ".npy", bad[i][0]).toString());
            check(got.startsWith("error") && got.contains(bad[i][1]), bad[i][0] + ": " + got + "; want an error saying " + bad[i][1]);
        }
        // A header claiming more than the file holds (version 1: 64 KiB; 2 and 3: up to 4 GiB) is
        // refused before anything is allocated: it ran the JVM out of heap ("Java heap space",
        // "capacity < 0").
        for (byte major : new byte[] {1, 2, 3}) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', major, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            b.write(new byte[9]);
            Path p = dir.resolve("claims" + major + ".npy");
            Files.write(p, b.toByteArray());
            String got = Ipcf.openNpy(p.toString());
            check(got.startsWith("error") && got.contains("file too short for its header"), "version " + major + " header claiming 4 GiB: " + got);
        }
        // Bytes beyond the shape's data (a header whose shape was damaged to less): refused,
        // never a stack of the first values (as the library and the other bindings refuse them).
        String trail = Ipcf.openNpy(write(dir, "trail.npy", "{'descr': '<u2', 'fortran_order': False, 'shape': (4, 8, 8), }").toString());
        check(trail.startsWith("error") && trail.contains("trailing bytes"), "shape (4, 8, 8) over 8 x 8 x 8 values: " + trail);
        // Whole numbers too large (a damaged header, a truncated file): said so, with the values
        // they claim and the bytes there are; they were "not whole numbers >= 0" (the hosts campaign).
        String big = Ipcf.openNpy(write(dir, "big.npy", "{'descr': '<u2', 'fortran_order': False, 'shape': (4294967296, 65536, 65536), }").toString());
        check(big.startsWith("error") && big.contains("holds 18446744073709551616 values, more than the file's 1024 bytes of data hold (file truncated?)"),
                "shape (4294967296, 65536, 65536): " + big);
        // A shape with a 0 holds nothing to open ("Stack is empty", or an image of height 0).
        for (String shape : new String[] {"(0, 8, 8)", "(8, 0, 8)"}) {
            String got = Ipcf.openNpy(write(dir, "empty.npy", "{'descr': '<u2', 'fortran_order': False, 'shape': " + shape + ", }").toString());
            check(got.startsWith("error") && got.contains("holds no values"), "shape " + shape + ": " + got);
        }
        // '<u1' is uint8 as '|u1' is (numpy writes the latter; the message listed uint8 as supported).
        String u1 = Ipcf.openNpy(write(dir, "u1.npy", "{'descr': '<u1', 'fortran_order': False, 'shape': (8, 8, 8), }", 1).toString());
        check(!u1.startsWith("error"), "'<u1': " + u1);
        // A dtype ImageJ has no type for (int64, as numpy makes integers by default, big-endian,
        // float64) says how to convert it, as the command line does.
        for (String[] d : new String[][] {{"<i8", "8"}, {">u2", "2"}, {"<f8", "8"}}) {
            String got = Ipcf.openNpy(write(dir, "dtype.npy", "{'descr': '" + d[0] + "', 'fortran_order': False, 'shape': (8, 8, 8), }", Integer.parseInt(d[1])).toString());
            check(got.startsWith("error") && got.contains("dtype " + d[0] + " not supported") && got.contains("a.astype(numpy.uint16)"), d[0] + ": " + got);
        }
        if (failures > 0) System.exit(1);
        System.out.println("PASS: npy header");
        System.exit(0);
    }
}
