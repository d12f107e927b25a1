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
 * Plugins > ipcf > Pair Correlation (pCF)... and the result hyperstack. Also runs the menu
 * command with a macro options string, as a recorded macro would, and replays what the Recorder
 * writes for the pCF and ACF dialogs.
 * Usage: xvfb-run -a java -Dplugins.dir=build/fiji -cp ... Screenshots INPUT.npy OUTDIR
 */
public class Screenshots {
    static void shoot(Robot robot, Rectangle r, File f) throws Exception {
        BufferedImage img = robot.createScreenCapture(r);
        ImageIO.write(img, "png", f);
        System.out.println("wrote " + f + " (" + r.width + "x" + r.height + ")");
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

    public static void main(String[] args) throws Exception {
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
        robot.keyPress(KeyEvent.VK_ENTER);
        robot.keyRelease(KeyEvent.VK_ENTER);
        t.join(60000);
        ImagePlus res = WindowManager.getCurrentImage();
        if (res == null || !res.getTitle().startsWith("pCF")) throw new IllegalStateException("no result window");
        res.setPosition(1, 5, Math.min(13, res.getNFrames()));  // point 4, bin 12: along the channel
        IJ.run(res, "Enhance Contrast", "saturated=0.35");
        for (int z = 0; z < 3 && res.getWidth() * res.getCanvas().getMagnification() < 300; z++) IJ.run(res, "In [+]", "");
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
            d.toFront();
            Thread.sleep(500);
            robot.keyPress(KeyEvent.VK_ENTER);
            robot.keyRelease(KeyEvent.VK_ENTER);
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
        recorder.close();
        System.out.println("PASS");
        System.exit(0);
    }
}
