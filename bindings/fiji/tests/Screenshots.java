import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.Window;
import java.awt.event.KeyEvent;
import java.awt.image.BufferedImage;
import java.io.File;
import javax.imageio.ImageIO;

/**
 * Screenshots of the plugin under a virtual display (xvfb-run): the dialog of
 * Plugins > ipcf > Pair Correlation (pCF)... and the result hyperstack (diverging LUT), the curves
 * of Plot pCF Curves and the Results table, the dialog of Pair Correlation of File or Folder...
 * (its toolkit fields). Also runs the menu command with a macro options string, as a recorded
 * macro would, and replays what the Recorder writes for the pCF and ACF dialogs; records Plot pCF
 * Curves with the ROI Manager and checks it writes the line recorded.ijm uses; the dialog of Fit
 * pCF Maps... and its maps (fiji_fit_dialog.png, fiji_fit_maps.png), the recorded line replayed.
 * Usage: xvfb-run -a java -Dplugins.dir=build/fiji -cp ij.jar:jna.jar:... Screenshots INPUT.npy OUTDIR
 * Without JNA (-cp ij.jar:...): Screenshots --nojna OUTDIR shoots the command's message (fiji_nojna.png).
 */
public class Screenshots {
    static void shoot(Robot robot, Rectangle r, File f) throws Exception {
        BufferedImage img = robot.createScreenCapture(r);
        ImageIO.write(img, "png", f);
        System.out.println("wrote " + f + " (" + r.width + "x" + r.height + ")");
    }

    /**
     * Presses Enter in dialog d until it closes, up to 5 times: on a loaded machine the key can
     * reach another window before the dialog has the focus (seen once in CI as "no result from the
     * dialog" and a JVM left running until the timeout).
     */
    static void confirm(Robot robot, Window d) throws InterruptedException {
        for (int i = 0; i < 5 && d.isShowing(); i++) {
            d.toFront();
            d.requestFocus();
            for (int k = 0; k < 20 && !d.isFocused(); k++) Thread.sleep(100);
            robot.keyPress(KeyEvent.VK_ENTER);
            robot.keyRelease(KeyEvent.VK_ENTER);
            for (int k = 0; k < 30 && d.isShowing(); k++) Thread.sleep(100);
        }
    }

    static Window find(Class<?> cls, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            for (Window w : Window.getWindows()) if (cls.isInstance(w) && w.isShowing()) return w;
            Thread.sleep(100);
        }
        return null;
    }

    /** The same dimensions and float values (NaN where NaN), bit for bit. */
    static boolean sameValues(ImagePlus a, ImagePlus b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight() || a.getStackSize() != b.getStackSize()
                || a.getNSlices() != b.getNSlices() || a.getNFrames() != b.getNFrames()) return false;
        for (int i = 1; i <= a.getStackSize(); i++) {
            float[] x = (float[]) a.getStack().getPixels(i), y = (float[]) b.getStack().getPixels(i);
            for (int k = 0; k < x.length; k++) if (Float.floatToIntBits(x[k]) != Float.floatToIntBits(y[k])) return false;
        }
        return true;
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            // Fail now: ImageJ's windows would keep the JVM running until the make target's timeout.
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void run(String[] args) throws Exception {
        if (args[0].equals("--nojna")) {
            noJna(new File(args[1]));
            return;
        }
        File out = new File(args[1]);
        out.mkdirs();
        new ImageJ();
        // Through the plugin class loader, as a macro would: never load the plugin's classes
        // (and libipcf) a second time from another class loader.
        String title = IJ.runMacro("return call(\"ipcf.Ipcf.openNpy\", \"" + args[0] + "\");");
        if (title.startsWith("error")) throw new IllegalStateException(title);
        Robot robot = new Robot();
        // The dialog, as a user sees it.
        Thread t = new Thread(() -> IJ.run("Pair Correlation (pCF)..."));
        t.start();
        Window dialog = find(GenericDialog.class, 10000);
        if (dialog == null) throw new IllegalStateException("the dialog did not open");
        dialog.toFront();
        Thread.sleep(800);
        shoot(robot, dialog.getBounds(), new File(out, "fiji_dialog.png"));
        confirm(robot, dialog);
        t.join(60000);
        ImagePlus res = WindowManager.getCurrentImage();
        if (res == null || !res.getTitle().startsWith("pCF")) throw new IllegalStateException("no result window");
        res.setPosition(1, 5, Math.min(13, res.getNFrames()));  // point 4, bin 12: along the channel
        // the plugin's display: a diverging LUT over a range symmetric about zero
        if (res.getDisplayRangeMin() != -res.getDisplayRangeMax() || !(res.getDisplayRangeMax() > 0))
            throw new IllegalStateException("the result's display range is not symmetric: " + res.getDisplayRangeMin() + ".."
                    + res.getDisplayRangeMax());
        int zoom = 100 * Math.max(1, 400 / Math.max(res.getWidth(), res.getHeight())); // the whole image, about 400 pixels
        IJ.run(res, "Set... ", "zoom=" + zoom + " x=" + res.getWidth() / 2 + " y=" + res.getHeight() / 2);
        res.getWindow().pack();
        res.getWindow().toFront();
        Thread.sleep(800);
        shoot(robot, res.getWindow().getBounds(), new File(out, "fiji_result.png"));
        System.out.println("result " + res.getTitle() + ": " + res.getWidth() + "x" + res.getHeight() + ", "
                + res.getNSlices() + " points x " + res.getNFrames() + " bins");
        // The carpet at a clicked pixel.
        res.setRoi(new ij.gui.PointRoi(26, 26));
        IJ.run(res, "Show pCF Carpet", "");
        ImagePlus carpet = WindowManager.getCurrentImage();
        if (carpet == null || !carpet.getTitle().startsWith("carpet") || carpet.getWidth() != res.getNFrames()
                || carpet.getHeight() != res.getNSlices()) throw new IllegalStateException("no carpet");
        System.out.println(carpet.getTitle() + ": " + carpet.getWidth() + " bins x " + carpet.getHeight() + " points");
        // The menu command driven by a macro options string (what the recorder writes).
        IJ.selectWindow(title);
        IJ.run("Pair Correlation (pCF)...", "radius=4 points=16 bins=16 bleaching=0 bleach=real threads=0");
        ImagePlus rec = WindowManager.getCurrentImage();
        System.out.println("recorded-options run: " + rec.getTitle() + " " + rec.getNSlices() + " points x "
                + rec.getNFrames() + " bins");
        if (rec.getNSlices() != 16) throw new IllegalStateException("options not applied");
        // The dialogs as recorded (Plugins > Macros > Record...): each recorded line, replayed, gives
        // the dialog's result bit for bit, so the keys GenericDialog records are those the parser reads.
        ij.plugin.frame.Recorder recorder = new ij.plugin.frame.Recorder();
        String[][] commands = {{"Pair Correlation (pCF)...", "pCF"}, {"Autocorrelation (ACF)...", "ACF"}};
        for (String[] c : commands) {
            IJ.selectWindow(title);
            IJ.doCommand(c[0]); // through the menu's Executer, as a user runs it: recorded
            Window d = find(GenericDialog.class, 10000);
            if (d == null) throw new IllegalStateException(c[0] + ": the dialog did not open");
            Thread.sleep(500);
            confirm(robot, d);
            ImagePlus shown = null;
            for (int i = 0; i < 600 && shown == null; i++) {
                ImagePlus cur = WindowManager.getCurrentImage();
                if (cur != null && cur.getTitle().startsWith(c[1]) && cur != rec && cur != res) shown = cur;
                else Thread.sleep(100);
            }
            if (shown == null) throw new IllegalStateException(c[0] + ": no result from the dialog");
            Thread.sleep(300);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("run\\(\"" + java.util.regex.Pattern.quote(c[0])
                    + "\", \"([^\"]*)\"\\);").matcher(recorder.getText());
            String options = null;
            while (m.find()) options = m.group(1);
            if (options == null) throw new IllegalStateException(c[0] + ": not recorded: " + recorder.getText());
            System.out.println("recorded: run(\"" + c[0] + "\", \"" + options + "\");");
            IJ.selectWindow(title);
            IJ.run(c[0], options);
            ImagePlus again = WindowManager.getCurrentImage();
            if (again == shown || !sameValues(shown, again))
                throw new IllegalStateException(c[0] + ": the recorded options give another result");
            System.out.println("replayed: " + again.getTitle() + " equals the dialog's result");
            shown.changes = false;
            shown.close();
            again.close();
        }
        // Plot pCF Curves: the curves of a circle of 8 points, in seconds, averaged in a rectangle
        IJ.selectWindow(title);
        IJ.run("Pair Correlation (pCF)...", "radius=6 points=8 nbins=32 frame_interval=0.001 pixel_size=0.1");
        ImagePlus res8 = WindowManager.getCurrentImage();
        res8.setRoi(new ij.gui.Roi(18, 18, 16, 16));
        IJ.run(res8, "Plot pCF Curves", "");
        ImagePlus plot = WindowManager.getCurrentImage();
        if (plot == null || !plot.getTitle().startsWith("pCF curves of") || plot.getWindow() == null)
            throw new IllegalStateException("no plot window");
        plot.getWindow().toFront();
        Thread.sleep(800);
        shoot(robot, plot.getWindow().getBounds(), new File(out, "fiji_curves.png"));
        ij.measure.ResultsTable rt = ij.measure.ResultsTable.getResultsTable();
        System.out.println("Results: " + rt.size() + " rows, columns " + rt.getColumnHeadings().trim().replace('\t', '|'));
        if (rt.size() != res8.getNFrames() || rt.getColumnIndex("G (6, 0)") < 0) throw new IllegalStateException("the Results table");
        Window table = WindowManager.getWindow("Results");
        if (table == null) throw new IllegalStateException("no Results window");
        table.setSize(760, 420);
        table.toFront();
        Thread.sleep(800);
        shoot(robot, table.getBounds(), new File(out, "fiji_table.png"));
        // recorded with the ROI Manager: the dialog asks where from
        ij.plugin.frame.RoiManager rm = new ij.plugin.frame.RoiManager();
        rm.addRoi(new ij.gui.Roi(4, 4, 10, 10));
        rm.addRoi(new ij.gui.OvalRoi(30, 30, 12, 12));
        IJ.selectWindow(res8.getTitle());
        IJ.doCommand("Plot pCF Curves");
        GenericDialog gd = (GenericDialog) find(GenericDialog.class, 10000);
        if (gd == null) throw new IllegalStateException("Plot pCF Curves: no dialog with ROIs in the ROI Manager");
        ((java.awt.Choice) gd.getChoices().get(0)).select("ROI Manager");
        Thread.sleep(500);
        confirm(robot, gd);
        String want = "run(\"Plot pCF Curves\", \"from=[ROI Manager]\");";
        boolean recorded = false;
        for (int i = 0; i < 100 && !recorded; i++) {
            recorded = recorder.getText().contains(want);
            if (!recorded) Thread.sleep(100);
        }
        if (!recorded) throw new IllegalStateException("Plot pCF Curves: not recorded as " + want + ": " + recorder.getText());
        System.out.println("recorded: " + want);
        if (ij.measure.ResultsTable.getResultsTable().getColumnIndex("roi1 G (6, 0)") < 0
                && ij.measure.ResultsTable.getResultsTable().getColumnHeadings().indexOf(" G (6, 0)") < 0)
            throw new IllegalStateException("Plot pCF Curves from the ROI Manager: no ROI columns");
        rm.reset();
        rm.close();
        // Fit pCF Maps...: the dialog on the calibrated result (the waist typed in, joint), the maps
        // it shows, and the line the Recorder writes, replayed: the same maps bit for bit
        String fitCmd = "Fit pCF Maps...";
        IJ.selectWindow(res8.getID()); // by ID: res and rec have its title
        IJ.doCommand(fitCmd);
        GenericDialog fg = (GenericDialog) find(GenericDialog.class, 10000);
        if (fg == null) throw new IllegalStateException(fitCmd + ": the dialog did not open");
        ((java.awt.TextField) fg.getStringFields().get(0)).setText("2"); // waist (pixels)
        ((java.awt.Checkbox) fg.getCheckboxes().get(0)).setState(true);  // joint
        fg.toFront();
        Thread.sleep(800);
        shoot(robot, fg.getBounds(), new File(out, "fiji_fit_dialog.png"));
        confirm(robot, fg);
        ImagePlus maps = null;
        for (int i = 0; i < 600 && maps == null; i++) {
            ImagePlus cur = WindowManager.getCurrentImage();
            if (cur != null && cur.getTitle().equals("pcf1d fit of " + res8.getTitle())) maps = cur;
            else Thread.sleep(100);
        }
        if (maps == null) throw new IllegalStateException(fitCmd + ": no maps from the dialog");
        String fitLine = null;
        for (int i = 0; i < 100 && fitLine == null; i++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("run\\(\"" + java.util.regex.Pattern.quote(fitCmd)
                    + "\", \"([^\"]*)\"\\);").matcher(recorder.getText());
            while (m.find()) fitLine = m.group(1);
            if (fitLine == null) Thread.sleep(100);
        }
        if (fitLine == null) throw new IllegalStateException(fitCmd + ": not recorded: " + recorder.getText());
        System.out.println("recorded: run(\"" + fitCmd + "\", \"" + fitLine + "\");");
        maps.setPosition(1, 2, 1); // D
        if (!"D (um^2/s)".equals(maps.getStack().getSliceLabel(2)) || !"1".equals(maps.getProp("ipcf.fit_joint")))
            throw new IllegalStateException(fitCmd + ": the maps' D slice is " + maps.getStack().getSliceLabel(2));
        IJ.run(maps, "Set... ", "zoom=" + zoom + " x=" + maps.getWidth() / 2 + " y=" + maps.getHeight() / 2);
        maps.getWindow().pack();
        maps.getWindow().toFront();
        Thread.sleep(800);
        shoot(robot, maps.getWindow().getBounds(), new File(out, "fiji_fit_maps.png"));
        IJ.selectWindow(res8.getID());
        IJ.run(fitCmd, fitLine);
        ImagePlus again = WindowManager.getCurrentImage();
        if (again == maps || !sameValues(maps, again))
            throw new IllegalStateException(fitCmd + ": the recorded options give other maps");
        System.out.println("replayed: " + again.getTitle() + " equals the dialog's maps");
        maps.close();
        again.close();
        // the file command's dialog with the toolkit fields; then OK with an input and an output typed
        // in: the line the Recorder writes, replayed, gives the same result file
        File tmp = java.nio.file.Files.createTempDirectory("ipcf_shots").toFile();
        IJ.doCommand("Pair Correlation of File or Folder...");
        GenericDialog fd = (GenericDialog) find(GenericDialog.class, 10000);
        if (fd == null) throw new IllegalStateException("the file dialog did not open");
        fd.toFront();
        Thread.sleep(800);
        shoot(robot, fd.getBounds(), new File(out, "fiji_file_dialog.png"));
        java.util.Vector<?> strings = fd.getStringFields(), numbers = fd.getNumericFields(), choices = fd.getChoices();
        ((java.awt.TextField) strings.get(0)).setText(args[0]);
        ((java.awt.TextField) strings.get(1)).setText(new File(tmp, "dialog.npy").getPath());
        ((java.awt.TextField) numbers.get(0)).setText("3");  // radius
        ((java.awt.TextField) numbers.get(1)).setText("8");  // points
        ((java.awt.Choice) choices.get(1)).select("multitau"); // bins
        ((java.awt.TextField) strings.get(3)).setText("1e-9"); // threshold
        confirm(robot, fd);
        String cmd = "Pair Correlation of File or Folder...", line = null;
        for (int i = 0; i < 600 && line == null; i++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("run\\(\"" + java.util.regex.Pattern.quote(cmd)
                    + "\", \"([^\"]*)\"\\);").matcher(recorder.getText());
            while (m.find()) line = m.group(1);
            if (line == null) Thread.sleep(100);
        }
        if (line == null || !new File(tmp, "dialog.npy").isFile()) throw new IllegalStateException(cmd + ": not run or not recorded");
        System.out.println("recorded: run(\"" + cmd + "\", \"" + line + "\");");
        IJ.run(cmd, line.replace("dialog.npy", "replayed.npy"));
        String same = IJ.runMacro("return call(\"ipcf.Ipcf.sameFileBytes\", \"" + new File(tmp, "dialog.npy") + "\", \""
                + new File(tmp, "replayed.npy") + "\");");
        if (!"1".equals(same)) throw new IllegalStateException(cmd + ": the recorded line gives another result: " + same);
        System.out.println("replayed: the file command's result equals the dialog's, byte for byte");
        for (File f : tmp.listFiles()) f.delete();
        tmp.delete();
        recorder.close();
        System.out.println("PASS");
        System.exit(0);
    }

    /**
     * Without JNA on the class path: the pCF command shows the message saying how to install it
     * (not "Plugin or class not found"); shot as fiji_nojna.png.
     */
    static void noJna(File out) throws Exception {
        out.mkdirs();
        try {
            Class.forName("com.sun.jna.Native");
            throw new IllegalStateException("--nojna: JNA is on the class path");
        } catch (ClassNotFoundException e) {
            // as wanted
        }
        new ImageJ();
        IJ.newImage("cells", "16-bit ramp", 64, 64, 128);
        Robot robot = new Robot();
        Thread t = new Thread(() -> IJ.doCommand("Pair Correlation (pCF)..."));
        t.start();
        Window d = null;
        long end = System.currentTimeMillis() + 10000;
        while (d == null && System.currentTimeMillis() < end) {
            for (Window w : Window.getWindows())
                if (w.isShowing() && w instanceof java.awt.Dialog && !(w instanceof GenericDialog && ((java.awt.Dialog) w).getTitle().startsWith("Pair")))
                    d = w;
            Thread.sleep(100);
        }
        if (d == null) throw new IllegalStateException("--nojna: no message");
        String title = ((java.awt.Dialog) d).getTitle(), text = dialogText(d);
        System.out.println("message \"" + title + "\": " + text.replace('\n', ' '));
        if (!title.equals("ipcf") || !text.contains("Copy jna.jar into ") || !text.contains("jars and restart ImageJ") || text.contains("not found:"))
            throw new IllegalStateException("--nojna: the message is not the plugin's: " + title + ": " + text);
        d.toFront();
        Thread.sleep(800);
        shoot(robot, d.getBounds(), new File(out, "fiji_nojna.png"));
        confirm(robot, d);
        t.join(10000);
        System.out.println("PASS: without JNA, the command says how to install it");
        System.exit(0);
    }

    /** The text of a message dialog's labels (ij.gui.MultiLineLabel keeps it in a String[] field). */
    static String dialogText(java.awt.Container c) {
        StringBuilder b = new StringBuilder();
        for (java.awt.Component k : c.getComponents()) {
            if (k instanceof java.awt.Label) b.append(((java.awt.Label) k).getText()).append('\n');
            else if (k.getClass().getName().equals("ij.gui.MultiLineLabel")) {
                for (java.lang.reflect.Field f : k.getClass().getDeclaredFields()) {
                    if (f.getType() != String[].class) continue;
                    f.setAccessible(true);
                    try {
                        for (String line : (String[]) f.get(k)) b.append(line).append('\n');
                    } catch (IllegalAccessException e) {
                        b.append("?");
                    }
                }
            } else if (k instanceof java.awt.Container) b.append(dialogText((java.awt.Container) k));
        }
        return b.toString();
    }
}
