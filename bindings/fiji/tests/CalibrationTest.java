import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ipcf.Ipcf;

/**
 * Pixel value calibrations: a signed 16-bit image (raw value + 32768, calibrated back) is computed
 * from its values, bit for bit as the same values unsigned; any other calibration function is
 * refused with a message naming it, never computed on raw values. Prints PASS or exits 1.
 */
public class CalibrationTest {
    static int failures;

    static void check(boolean ok, String what) {
        if (!ok) {
            failures++;
            System.out.println("FAIL: " + what);
        }
    }

    static ImagePlus stack(int t, int h, int w, int add) {
        ImageStack st = new ImageStack(w, h);
        java.util.Random rng = new java.util.Random(3);
        for (int i = 0; i < t; i++) {
            short[] px = new short[w * h];
            for (int k = 0; k < px.length; k++) px[k] = (short) (40 + rng.nextInt(20) + add);
            st.addSlice("", px);
        }
        return new ImagePlus("s", st);
    }

    /** The Log (stdout when headless) of a small pCF of imp. */
    static String pcfLog(ImagePlus imp) {
        return pcfLog(imp, "radius=1 points=4 nbins=4");
    }

    /** The Log of a pCF of imp with the options given. */
    static String pcfLog(ImagePlus imp, String options) {
        java.io.PrintStream out = System.out;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(log, true));
        try {
            Ipcf.pcf(imp, Ipcf.Params.parse(options));
        } finally {
            System.setOut(out);
        }
        return log.toString();
    }

    public static void main(String[] args) {
        ImagePlus plain = stack(200, 6, 6, 0);
        ImagePlus signed = stack(200, 6, 6, 32768);
        signed.getCalibration().setSigned16BitCalibration();
        short[] a = (short[]) Ipcf.correctBleaching(plain, 20, false, 1).getStack().getPixels(7);
        short[] b = (short[]) Ipcf.correctBleaching(signed, 20, false, 1).getStack().getPixels(7);
        check(java.util.Arrays.equals(a, b), "signed 16-bit correction differs from the same values unsigned");
        // A TIFF Virtual Stack of a signed 16-bit file holds raw value + 32768 without the
        // calibration: its file type (GRAY16_SIGNED) tells, and it is computed from its values
        // (it was computed from the shifted ones, silently).
        ImageStack shifted = stack(200, 6, 6, 32768).getStack();
        ij.VirtualStack vs = new ij.VirtualStack(6, 6, null, "") {
            @Override public int getSize() { return shifted.getSize(); }
            @Override public Object getPixels(int n) { return shifted.getPixels(n); }
            @Override public ij.process.ImageProcessor getProcessor(int n) { return shifted.getProcessor(n); }
        };
        ImagePlus virt = new ImagePlus("v", vs);
        ij.io.FileInfo fi = new ij.io.FileInfo();
        fi.fileType = ij.io.FileInfo.GRAY16_SIGNED;
        virt.setFileInfo(fi);
        short[] cv = (short[]) Ipcf.correctBleaching(virt, 20, false, 1).getStack().getPixels(7);
        check(java.util.Arrays.equals(a, cv), "a signed 16-bit virtual stack was corrected on its shifted values");
        Ipcf.Params pp = Ipcf.Params.parse("radius=1 points=4 nbins=4");
        float[] ga = (float[]) Ipcf.pcf(plain, pp).getStack().getPixels(1);
        float[] gv = (float[]) Ipcf.pcf(virt, pp).getStack().getPixels(1);
        check(java.util.Arrays.equals(ga, gv), "the pCF of a signed 16-bit virtual stack differs from its values'");
        ImagePlus od = stack(200, 6, 6, 0);
        Calibration cal = od.getCalibration();
        cal.setFunction(Calibration.STRAIGHT_LINE, new double[] {0, 1.0 / 65535}, "OD");
        try {
            Ipcf.correctBleaching(od, 20, false, 1);
            check(false, "a calibrated image was corrected on its raw values");
        } catch (IllegalArgumentException e) {
            check(e.getMessage().contains("calibration") && e.getMessage().contains("OD"), "message: " + e.getMessage());
        }
        // A height in its own unit (yunit, as ImageJ's TIFF writes it) is compared in
        // micrometres: 0.1 um by 100 nm is square and gives 0.1 um per pixel (it was taken
        // as 0.1 by 100, not square, and the pixel size dropped).
        ImagePlus yu = stack(64, 6, 6, 0);
        Calibration yc = yu.getCalibration();
        yc.setUnit("um");
        yc.setYUnit("nm");
        yc.pixelWidth = 0.1;
        yc.pixelHeight = 100;
        check(Ipcf.micrometresPerPixel(yu) == 0.1, "0.1 um by 100 nm: pixel size " + Ipcf.micrometresPerPixel(yu));
        yc.pixelHeight = 200;
        check(Ipcf.micrometresPerPixel(yu) == 0, "0.1 um by 200 nm: pixel size " + Ipcf.micrometresPerPixel(yu));
        // The names of units and the squareness are the library's (ipcf_unit_scale,
        // ipcf_square_pixels), as its file readers take them from the TIFF ImageJ saves: the
        // plugin's own table knew "Micron" and "secs" but not "A" or "d", and called 0.1 by
        // 0.10001 um not square, so one image had two pixel sizes.
        Object[][] lengths = {{"Micron", 0.1, 0.1}, {"micrometres", 0.1, 0.1}, {"nm", 100.0, 0.1}, {"NM", 100.0, 0.1}, {"A", 1000.0, 0.1},
            {"pm", 1e5, 0.1}, {"Mm", 1e-7, 0.0}, {"inch", 0.1, 0.0}, {"pixel", 0.1, 0.0}};
        for (Object[] c : lengths) {
            ImagePlus im = stack(64, 6, 6, 0);
            Calibration ca = im.getCalibration();
            ca.setUnit((String) c[0]);
            ca.pixelWidth = ca.pixelHeight = (Double) c[1];
            double got = Ipcf.micrometresPerPixel(im);
            check(Math.abs(got - (Double) c[2]) <= 1e-12, "unit " + c[0] + ": pixel size " + got + ", want " + c[2]);
        }
        Object[][] times = {{"secs", 1.0}, {"Sec", 1.0}, {"ms", 1e-3}, {"d", 86400.0}, {"frame", 0.0}};
        for (Object[] c : times) {
            Calibration ca = new Calibration();
            ca.frameInterval = 0.5;
            ca.setTimeUnit((String) c[0]);
            double got = Ipcf.secondsPerFrame(ca);
            check(got == 0.5 * (Double) c[1], "time unit " + c[0] + ": " + got + " s per frame, want " + 0.5 * (Double) c[1]);
        }
        // A calibration in a unit no reader knows is said in the Log, as the file readers say
        // it, not dropped silently (distances and fits in pixels without a word).
        ImagePlus fur = stack(64, 6, 6, 0);
        fur.getCalibration().setUnit("furlong");
        fur.getCalibration().pixelWidth = fur.getCalibration().pixelHeight = 0.5;
        fur.getCalibration().frameInterval = 2;
        fur.getCalibration().setTimeUnit("fortnight");
        String log = pcfLog(fur);
        check(log.contains("the pixel size is in a unit ipcf does not know as a length, \"furlong\"")
            && log.contains("the frame interval is in a unit ipcf does not know as a time, \"fortnight\""),
            "unknown units: the Log says " + log);
        // and a pixel size that is no positive number (REVIEW20's m3)
        for (double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            ImagePlus im = stack(64, 6, 6, 0);
            im.getCalibration().pixelWidth = im.getCalibration().pixelHeight = bad;
            im.getCalibration().setUnit("um");
            String plog = pcfLog(im);
            check(plog.contains("the image's pixel size is no positive number, " + bad), "pixel size " + bad + ": the Log says " + plog);
        }
        // A frame interval that is no positive number is said in the Log, as the CLI says it of the
        // TIFF ImageJ saves (it was dropped silently: FIJI18's m1); 0 (ImageJ's "none") is not.
        for (double bad : new double[] {-0.5, Double.NaN, Double.POSITIVE_INFINITY, 0}) {
            ImagePlus im = stack(64, 6, 6, 0);
            im.getCalibration().frameInterval = bad;
            im.getCalibration().setTimeUnit("sec");
            String flog = pcfLog(im);
            boolean said = flog.contains("the image's frame interval is no positive number, " + bad + " sec: delays stay in frames");
            check(bad == 0 ? !flog.contains("warning") : said, "frame interval " + bad + ": the Log says " + flog);
        }
        // An image opened from a file whose units, as the library reads them (ipcf_file_units),
        // differ from its calibration: a Micro-Manager file whose time stamps say 15 ms a frame
        // where ImageJ's finterval says the 10 asked for. ipcf pcf takes 0.015 s, the image
        // command the calibration: said, naming the file's (UNITS18's F1: D differed by 1.5x
        // without a word). The same image saved by ImageJ and opened again: no such warning.
        if (args.length > 0) {
            ImagePlus mm = ij.IJ.openImage(args[0]);
            check(mm != null && Math.abs(mm.getCalibration().frameInterval - 0.01) < 1e-12, "the Micro-Manager TIFF " + args[0]);
            String mlog = pcfLog(mm);
            check(mlog.contains("the frame interval 0.01 s (the image's calibration, used) differs from the file's as ipcf reads it, 0.015 s")
                && !mlog.contains("pixel size"), "Micro-Manager time stamps: the Log says " + mlog);
            String again = new java.io.File(args[0]).getParent() + "/mm-saved.tif";
            check(ij.IJ.saveAsTiff(mm, again), "save " + again);
            ImagePlus saved = ij.IJ.openImage(again);
            String slog = pcfLog(saved);
            check(!slog.contains("differs from the file's"), "an ImageJ TIFF opened again: the Log says " + slog);
            // binned in place (Image > Transform > Bin keeps the file's info): its pixels are
            // not the file's, whose size the warning advised (REVIEW20's m1)
            ImageStack binned = new ImageStack(saved.getWidth() / 2, saved.getHeight() / 2);
            for (int i = 1; i <= saved.getStackSize(); i++)
                binned.addSlice("", saved.getStack().getProcessor(i).resize(saved.getWidth() / 2, saved.getHeight() / 2, true));
            saved.setStack(binned);
            saved.getCalibration().pixelWidth *= 2;
            saved.getCalibration().pixelHeight *= 2;
            String blog = pcfLog(saved);
            check(!blog.contains("pixel size") || !blog.contains("differs from the file's"), "binned in place: the Log says " + blog);
        }
        // A height in a unit that is no length (yunit inch, furlong, pixel) is not comparable
        // with the width: not square, with the Log saying both units (it was taken as 0.1 by
        // 0.1, square, and 0.1 um used).
        for (String y : new String[] {"inch", "furlong", "pixel"}) {
            ImagePlus im = stack(64, 6, 6, 0);
            Calibration ca = im.getCalibration();
            ca.setUnit("um");
            ca.setYUnit(y);
            ca.pixelWidth = ca.pixelHeight = 0.1;
            check(Ipcf.micrometresPerPixel(im) == 0, "0.1 um by 0.1 " + y + ": pixel size " + Ipcf.micrometresPerPixel(im));
            String ylog = pcfLog(im);
            check(ylog.contains("the pixels are not square (0.1 \u00b5m x 0.1 " + y + ")")
                    || ylog.contains("the pixels are not square (0.1 um x 0.1 " + y + ")"),
                "0.1 um by 0.1 " + y + ": the Log says " + ylog);
        }
        // ImageJ's unit " " (a TIFF's ResolutionUnit NONE) is no unit: no warning
        ImagePlus blank = stack(64, 6, 6, 0);
        blank.getCalibration().setUnit(" ");
        String blog = pcfLog(blank);
        check(!blog.contains("warning"), "unit \" \": the Log says " + blog);
        // A threshold above every pixel's mean: every curve NaN, said in the Log (REVIEW12's F4:
        // no word), as Python's AllNaNWarning; one that pixels pass is not warned of.
        String tlog = pcfLog(blank, "radius=1 points=4 nbins=4 threshold=1000000");
        check(tlog.contains("ipcf: warning: every curve of the pCF of s is NaN (check threshold=1000000)"),
            "threshold above every mean: the Log says " + tlog);
        // ... and lastWarning says it to a macro (it said "": GUIHOSTS14's F6)
        check(Ipcf.lastWarning().contains("every curve of the pCF of s is NaN"),
            "threshold above every mean: lastWarning says \"" + Ipcf.lastWarning() + "\"");
        String plog = pcfLog(blank, "radius=1 points=4 nbins=4 threshold=45");
        check(!plog.contains("is NaN"), "threshold 45 (pixels pass it): the Log says " + plog);
        yc.pixelHeight = 100.001; // 1 part in 10^5: square, as the file readers take it
        check(Ipcf.micrometresPerPixel(yu) == 0.1, "0.1 um by 100.001 nm: pixel size " + Ipcf.micrometresPerPixel(yu));
        yc.pixelHeight = 100.1;
        check(Ipcf.micrometresPerPixel(yu) == 0, "0.1 um by 100.1 nm: pixel size " + Ipcf.micrometresPerPixel(yu));
        // An image's own frame interval or pixel size out of the range a result may carry
        // (ipcf_check_units) is not used, with a Log warning; the same given as an option is
        // refused before any work.
        ImagePlus odd = stack(64, 6, 6, 0);
        odd.getCalibration().frameInterval = 1e-13;
        odd.getCalibration().setTimeUnit("s");
        odd.getCalibration().pixelWidth = odd.getCalibration().pixelHeight = 2e6;
        odd.getCalibration().setUnit("um");
        ImagePlus res = Ipcf.pcf(odd, Ipcf.Params.parse("radius=1 points=4 nbins=4"));
        check("0.0".equals(res.getProp("ipcf.frame_interval")) && "0.0".equals(res.getProp("ipcf.pixel_size")),
            "out-of-range calibration used: frame interval " + res.getProp("ipcf.frame_interval") + ", pixel size "
            + res.getProp("ipcf.pixel_size"));
        try {
            Ipcf.pcf(odd, Ipcf.Params.parse("radius=1 points=4 nbins=4 frame_interval=1e-13"));
            check(false, "frame_interval=1e-13 accepted");
        } catch (IllegalArgumentException e) {
            check(e.getMessage().contains("frame interval 1e-13: want 1e-12"), "message: " + e.getMessage());
        }
        // Options that do nothing (values other than the defaults; a recorded macro holds every
        // key): Params.ignored lists them, and the commands log them as warnings.
        String[][] ign = {
            {"preset=disk radius=2 points=12", "points=12 is ignored: preset=disk"},
            {"offsets=1,0;0,1 radius=3", "radius=3 is ignored: the offsets given"},
            {"acf radius=3", "radius=3 is ignored: acf"},
            {"m=8 nbins=16", "m=8 is ignored"},
            {"bins=multitau nbins=16", "nbins=16 is ignored: bins=multitau"},
        };
        for (String[] c : ign) {
            java.util.List<String> w = Ipcf.Params.parse(c[0]).ignored();
            check(w.size() == 1 && w.get(0).startsWith(c[1]), c[0] + ": ignored " + w);
        }
        for (String o : new String[] {"preset=disk radius=2 points=32 m=16 nbins=32", "radius=3 points=12 nbins=16",
                "bins=multitau m=8", "acf", "offsets=1,0"})
            check(Ipcf.Params.parse(o).ignored().isEmpty(), o + ": ignored " + Ipcf.Params.parse(o).ignored());
        // The plugin's copies of ipcf.h's constants are the header's (run from the repository).
        try {
            String h = new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("include", "ipcf.h")), "UTF-8");
            java.util.regex.Matcher mw = java.util.regex.Pattern.compile("#define IPCF_FIT_DEFAULT_WAIST ([0-9.]+)").matcher(h);
            check(mw.find() && Double.parseDouble(mw.group(1)) == ipcf.Native.FIT_DEFAULT_WAIST,
                "Native.FIT_DEFAULT_WAIST " + ipcf.Native.FIT_DEFAULT_WAIST + " is not ipcf.h's");
        } catch (java.io.IOException e) {
            check(false, "include/ipcf.h: " + e);
        }
        // A second image whose title holds [ or ] (the dialog offers any open image): refused,
        // as ImageJ's options (the Recorder's macro, the result's ipcf.pcf_options, which Fit's
        // errors= reads back) cannot hold it; "s] channel2=[1" was read back as another image.
        for (String title : new String[] {"a]b", "x[1]", "s] channel2=[1"}) {
            Ipcf.Params p = new Ipcf.Params();
            p.radius = 1;
            p.points = 4;
            p.second = title;
            try {
                Ipcf.pcf(stack(64, 6, 6, 0), p);
                check(false, "second image '" + title + "' was used");
            } catch (IllegalArgumentException e) {
                check(e.getMessage().contains("[ or ]") && e.getMessage().contains(title), "message: " + e.getMessage());
            }
        }
        if (failures > 0) System.exit(1);
        System.out.println("PASS: calibrations");
    }
}
