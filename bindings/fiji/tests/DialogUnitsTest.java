// The "Pair Correlation of File or Folder..." dialog, run twice as a user would (under Xvfb): the
// units typed for an uncalibrated file must not be offered again for the next file, where they
// would override that file's own calibration (they were: every D of the second dataset 9 times off,
// with no note).
//   xvfb-run -a java -Dplugins.dir=build/fiji -cp ij.jar:jna.jar:test-classes DialogUnitsTest DIR
import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.GenericDialog;
import ij.measure.Calibration;
import ij.process.ShortProcessor;
import java.awt.Button;
import java.awt.Component;
import java.awt.Container;
import java.awt.EventQueue;
import java.awt.TextField;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Random;
import java.util.Vector;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class DialogUnitsTest {
    static int failures = 0;

    static void check(boolean ok, String what) {
        System.out.println((ok ? "ok: " : "FAIL: ") + what);
        if (!ok) failures++;
    }

    static Button findOk(Container c) {
        for (Component x : c.getComponents()) {
            if (x instanceof Button && ((Button) x).getLabel().trim().equals("OK")) return (Button) x;
            if (x instanceof Container) {
                Button b = findOk((Container) x);
                if (b != null) return b;
            }
        }
        return null;
    }

    static GenericDialog waitDialog() throws Exception {
        for (int i = 0; i < 600; i++) {
            for (Window w : Window.getWindows())
                if (w instanceof GenericDialog && w.isVisible()) return (GenericDialog) w;
            Thread.sleep(100);
        }
        throw new RuntimeException("no dialog");
    }

    /** Runs the dialog on in -> out, typing fi and ps (null: as shown); returns the shown units. */
    static String[] runOnce(String in, String out, String fi, String ps) throws Exception {
        Thread t = new Thread(() -> IJ.run("Pair Correlation of File or Folder..."));
        t.start();
        GenericDialog gd = waitDialog();
        Thread.sleep(300);
        Vector<?> s = gd.getStringFields(), n = gd.getNumericFields();
        Vector<?> boxes = gd.getCheckboxes();
        String[] shown = new String[2];
        EventQueue.invokeAndWait(() -> {
            ((TextField) s.get(0)).setText(in);
            ((TextField) s.get(1)).setText(out);
            // Frame_interval and Pixel_size are the last two numeric fields
            TextField tfi = (TextField) n.get(n.size() - 2), tps = (TextField) n.get(n.size() - 1);
            shown[0] = tfi.getText();
            shown[1] = tps.getText();
            if (fi != null) tfi.setText(fi);
            if (ps != null) tps.setText(ps);
            if (boxes != null)
                for (Object b : boxes) ((java.awt.Checkbox) b).setState(false); // no result window
            gd.actionPerformed(new ActionEvent(findOk(gd), ActionEvent.ACTION_PERFORMED, "OK"));
        });
        t.join(300000);
        return shown;
    }

    static void save(String path, Calibration cal) {
        Random rng = new Random(3);
        ImageStack st = new ImageStack(20, 20);
        for (int f = 0; f < 64; f++) {
            short[] px = new short[400];
            for (int i = 0; i < px.length; i++) px[i] = (short) (100 + rng.nextInt(50));
            st.addSlice(new ShortProcessor(20, 20, px, null));
        }
        ImagePlus imp = new ImagePlus("t", st);
        imp.setDimensions(1, 1, 64);
        if (cal != null) imp.setCalibration(cal);
        IJ.saveAsTiff(imp, path);
    }

    static double unit(String sidecar, String key) throws Exception {
        String js = new String(Files.readAllBytes(new File(sidecar).toPath()), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"" + key + "\": ([-0-9.eE+]+|null)").matcher(js);
        if (!m.find()) return Double.NaN;
        return m.group(1).equals("null") ? 0 : Double.parseDouble(m.group(1));
    }

    public static void main(String[] a) throws Exception {
        File dir = new File(a[0]);
        dir.mkdirs();
        new ImageJ(ImageJ.NO_SHOW);
        String plain = new File(dir, "plain.tif").getPath(), calib = new File(dir, "calibrated.tif").getPath();
        save(plain, null);
        Calibration cal = new Calibration();
        cal.pixelWidth = cal.pixelHeight = 0.5;
        cal.setUnit("micron");
        cal.frameInterval = 0.05;
        cal.setTimeUnit("sec");
        save(calib, cal);
        String o1 = new File(dir, "o1.npy").getPath(), o2 = new File(dir, "o2.npy").getPath();
        new File(o1).delete();
        new File(o1 + ".json").delete();
        new File(o2).delete();
        new File(o2 + ".json").delete();
        runOnce(plain, o1, "0.002", "0.3"); // an uncalibrated file: the user types its units
        check(unit(o1 + ".json", "pixel_size_um") == 0.3 && unit(o1 + ".json", "frame_interval_s") == 0.002,
                "first run: the typed units (0.3 um, 0.002 s) in " + o1 + ".json");
        String[] shown = runOnce(calib, o2, null, null); // only input and output changed
        check(Double.parseDouble(shown[0]) == 0 && Double.parseDouble(shown[1]) == 0,
                "second dialog offers 0 (the file's units), not the last run's: shows " + shown[0] + " s, " + shown[1] + " um");
        check(unit(o2 + ".json", "pixel_size_um") == 0.5 && unit(o2 + ".json", "frame_interval_s") == 0.05,
                "second run: the file's own units (0.5 um, 0.05 s) in " + o2 + ".json, got "
                        + unit(o2 + ".json", "pixel_size_um") + " um, " + unit(o2 + ".json", "frame_interval_s") + " s");
        // The image command's dialog shows the image's calibration; left as shown, the image's own
        // is read, with the Log's warning for pixels that are not square (a given 0 silenced it).
        Calibration ns = new Calibration();
        ns.pixelWidth = 0.1;
        ns.pixelHeight = 0.2;
        ns.setUnit("micron");
        String nsPath = new File(dir, "notsquare.tif").getPath();
        save(nsPath, ns);
        ImagePlus imp = IJ.openImage(nsPath);
        imp.show();
        IJ.log("\\Clear");
        Thread t = new Thread(() -> IJ.run(imp, "Autocorrelation (ACF)...", ""));
        t.start();
        GenericDialog gd = waitDialog();
        Thread.sleep(300);
        EventQueue.invokeAndWait(() -> gd.actionPerformed(new ActionEvent(findOk(gd), ActionEvent.ACTION_PERFORMED, "OK")));
        t.join(300000);
        String log = IJ.getLog();
        check(log != null && log.contains("the pixels are not square"), "ACF dialog on 0.1 x 0.2 um pixels: the Log warns: " + log);
        System.out.println(failures == 0 ? "PASS: dialog units" : "FAIL: " + failures + " checks failed");
        System.exit(failures == 0 ? 0 : 1);
    }
}
