package ipcf;

import ij.IJ;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.io.DirectoryChooser;
import ij.plugin.PlugIn;
import java.awt.GraphicsEnvironment;
import java.awt.TextField;
import java.util.Vector;

/**
 * Plugins > ipcf > Pair Correlation of File or Folder...: the pCF of an image time series in a
 * file (.npy, TIFF, BigTIFF, raw) or a folder of single-page TIFFs, written to a .npy, .zarr, .ome.zarr or .tif
 * result by the library, in memory or out of core within a memory budget. The stack never enters
 * the Java heap. Every mode of the correlation toolkit (the image commands' keys, read by the same
 * parser). Recordable: run("Pair Correlation of File or Folder...", "input=... output=...
 * radius=6"); the recorded keys are those of call("ipcf.Ipcf.pcfFile", input, output, options).
 * Macro options, with a display or headless, are read by that call's parser, never by the dialog
 * (which has no field for cross, second= or roi); plain headless ImageJ has no menus, so there
 * IJ.runPlugIn("ipcf.Pair_Correlation_File", "input=... output=...") passes them as the argument.
 */
public class Pair_Correlation_File implements PlugIn {
    static final String[] MEANS = {"real", "floor"};
    static final String[] DEVICES = {"auto", "cpu", "cuda"};

    /** The dialog's values of the last interactive run. */
    private static FileJob last;

    /**
     * arg: "" from the menu; from scripts, the macro options (IJ.runPlugIn("ipcf.Pair_Correlation_File",
     * "input=... output=...")) where Macro.getOptions() has none, as on a headless -batch thread.
     */
    public void run(String arg) {
        if (!Jna.check()) return; // before any class that needs JNA: a message, not "Plugin or class not found"
        String options = Macro.getOptions();
        if (options == null && arg != null && !arg.trim().isEmpty()) options = arg;
        FileJob j;
        try {
            if (options != null) {
                // Macro options, with a display or without, are read by the parser of
                // call("ipcf.Ipcf.pcfFile", ...): the dialog has no field for cross, second=,
                // roi or a raw offset on other input, and dropped them without a word (the
                // pCF of channel 1 alone for "channel=1 cross": FIJI18's F1).
                j = FileJob.parse(null, null, options);
            } else if (GraphicsEnvironment.isHeadless()) {
                Ipcf.error("Pair Correlation of File or Folder: headless, it needs macro options (input=... output=...)");
                return;
            } else {
                j = dialog(last != null ? last : new FileJob());
                if (j == null) return;
                last = j;
            }
        } catch (RuntimeException e) {
            Ipcf.error(Ipcf.describe(e));
            return;
        }
        try {
            Ipcf.runFileJob(j);
        } catch (IpcfException e) {
            if (e.status == Native.E_CANCELLED) {
                IJ.showStatus("pCF file job: cancelled");
                IJ.log("ipcf: cancelled: " + e.getMessage());
            } else {
                Ipcf.error(e.getMessage());
            }
        } catch (RuntimeException | LinkageError | OutOfMemoryError e) {
            Ipcf.error(Ipcf.describe(e));
        }
    }

    /** The dialog; its labels' first words are the macro keys of {@link FileJob#parse}. Null if cancelled. */
    static FileJob dialog(FileJob d) {
        GenericDialog gd = new GenericDialog("Pair Correlation of File or Folder");
        gd.addMessage("Input: .npy, TIFF, BigTIFF, ImageJ TIFF, a folder of single-page TIFFs, or raw (give Shape).\n"
                + "Output: .npy (with OUTPUT.json metadata), .zarr, .ome.zarr or .tif. The stack is not loaded into ImageJ.");
        gd.addFileField("Input (file or folder)", d.input, 40);
        gd.addButton("Choose input folder...", e -> {
            DirectoryChooser dc = new DirectoryChooser("Input folder of TIFFs");
            String dir = dc.getDirectory();
            Vector<?> fields = gd.getStringFields();
            if (dir != null && fields != null && !fields.isEmpty()) ((TextField) fields.get(0)).setText(dir);
        });
        gd.addStringField("Output (.npy, .zarr, .ome.zarr or .tif)", d.output, 40);
        Ipcf.Params q = d.pcf; // pairs of fields share a row (the dialog fits a 1024-pixel screen)
        gd.addNumericField("Radius", q.radius, 0, 4, "px");
        gd.addToSameRow();
        gd.addNumericField("Points", q.points, 0, 4, "on the circle");
        gd.addChoice("Preset", Pair_Correlation.PRESETS, q.preset);
        gd.addToSameRow();
        gd.addStringField("Offsets (u,v;u,v;...)", q.offsets == null ? "none" : Pair_Correlation.offsetText(q.offsets), 16);
        gd.addCheckbox("ACF (the offset 0,0 alone)", q.acf);
        gd.addToSameRow();
        gd.addCheckbox("Delta (forward minus backward)", q.delta);
        gd.addChoice("Bins", Pair_Correlation.BINS, q.binning);
        gd.addToSameRow();
        gd.addNumericField("Nbins", q.bins, 0, 4, "(log, linear)");
        gd.addNumericField("M", q.m, 0, 4, "(multi-tau, even)");
        gd.addToSameRow();
        int sd = Pair_Correlation.smoothDecimals(q.smooth); // shown, recorded and computed alike (FIJI18's F2)
        gd.addNumericField("Smooth", Pair_Correlation.shown(q.smooth, sd), sd, 6, "(0 = off)");
        gd.addStringField("Threshold", q.threshold == Double.NEGATIVE_INFINITY ? "none" : Pair_Correlation.full(q.threshold), 8);
        gd.addNumericField("Channel", q.channel, 0, 3, "of the file (0: its only one)");
        gd.addToSameRow();
        gd.addNumericField("Channel2", q.channel2, 0, 3, "second channel (0: none)");
        gd.addNumericField("Bleach filter", q.bleach, 0, 6, "frames (0 = off)");
        gd.addToSameRow();
        gd.addChoice("Mean of the bleach filter", MEANS, q.floorMean ? MEANS[1] : MEANS[0]);
        gd.addNumericField("Threads", d.pcf.threads, 0, 4, "(0 = all cores)");
        gd.addToSameRow();
        gd.addChoice("Device", DEVICES, contains(DEVICES, d.pcf.device) ? d.pcf.device : "auto");
        gd.addChoice("Engine", FileJob.ENGINES, d.engine); // (a field after a text field on its row goes astray)
        gd.addToSameRow();
        gd.addStringField("Memory budget", d.memory, 10);
        gd.addStringField("Tile (rows,columns)", tileText(d), 10);
        gd.addDirectoryField("Scratch folder", d.scratch, 30);
        gd.addMessage("Memory: empty = a quarter of RAM (or of a cgroup limit); 2GiB, 512MiB or bytes. Tile: empty = from the budget.\n"
                + "Scratch: empty = beside the output.");
        gd.addStringField("Crop (y0:y1,x0:x1)", d.crop, 12);
        gd.addStringField("Frames (start:stop)", d.frames, 12);
        gd.addFileField("Mask (.npy, optional)", d.mask, 30);
        gd.addChoice("Format", FileJob.FORMATS, d.format);
        gd.addToSameRow();
        gd.addStringField("Shape (raw: frames,rows,columns)", shapeText(d), 14);
        gd.addChoice("Dtype", FileJob.DTYPES, d.dtype);
        gd.addToSameRow();
        gd.addChoice("Byteorder", FileJob.ORDERS, d.byteOrder);
        gd.addNumericField("Offset", d.offset, 0, 8, "bytes");
        gd.addMessage("Dtype, byteorder and offset: raw input only (when Shape is given).");
        // Units belong to a file, not to the dialog: never the last run's (they would
        // override the next file's own calibration); 0 takes the file's metadata.
        gd.addNumericField("Frame_interval", 0, 6, 10, "s (0 = the file's)");
        gd.addToSameRow();
        gd.addNumericField("Pixel_size", 0, 6, 10, "um (0 = the file's)");
        // error bars beside a .npy result (OUT.sd.npy), as ipcf pcf --errors (PARITY20's m3)
        gd.addChoice("Errors", Fit.ERRORS, contains(Fit.ERRORS, d.errors) ? d.errors : "none");
        gd.addToSameRow();
        gd.addStringField("Segments", d.segments == 0 ? "" : Integer.toString(d.segments), 4);
        gd.addCheckbox("Open the result (a .npy under " + (FileJob.OPEN_LIMIT >> 20) + " MB)", d.open);
        gd.addCheckbox("Copy_input into scratch first (out of core: an input on a slow or shared drive, or one that may change)",
                d.copyInput);
        gd.addHelp("https://github.com/cgohlke/ipcf.ipynb");
        gd.showDialog();
        if (gd.wasCanceled()) return null;
        FileJob j = new FileJob();
        j.input = gd.getNextString().trim();
        j.output = gd.getNextString().trim();
        // the pCF fields as macro options, read by the image commands' parser: one set of keys and checks
        StringBuilder o = new StringBuilder();
        o.append("radius=").append(Ipcf.wholeNumber("radius", gd.getNextNumber(), 1));
        o.append(" points=").append(Ipcf.wholeNumber("points", gd.getNextNumber(), 1));
        o.append(" preset=").append(gd.getNextChoice());
        o.append(" offsets=[").append(gd.getNextString().trim()).append("]");
        if (gd.getNextBoolean()) o.append(" acf");
        if (gd.getNextBoolean()) o.append(" delta");
        o.append(" bins=").append(gd.getNextChoice());
        o.append(" nbins=").append(Ipcf.wholeNumber("nbins", gd.getNextNumber(), 2));
        o.append(" m=").append(Ipcf.wholeNumber("m", gd.getNextNumber(), 2));
        o.append(" smooth=").append(gd.getNextNumber());
        o.append(" threshold=[").append(gd.getNextString().trim()).append("]");
        int ch = Ipcf.wholeNumber("channel", gd.getNextNumber(), 0), ch2 = Ipcf.wholeNumber("channel2", gd.getNextNumber(), 0);
        if (ch > 0) o.append(" channel=").append(ch);
        if (ch2 > 0) o.append(" channel2=").append(ch2);
        o.append(" bleach=").append(Ipcf.wholeNumber("bleach", gd.getNextNumber(), 0));
        o.append(" mean=").append(gd.getNextChoice());
        o.append(" threads=").append(Ipcf.threadsNumber(gd.getNextNumber()));
        o.append(" device=").append(gd.getNextChoice());
        j.pcf = Ipcf.params(o.toString(), false);
        j.memory = gd.getNextString().trim();
        j.engine = gd.getNextChoice();
        j.setTile(gd.getNextString());
        j.scratch = gd.getNextString().trim();
        j.crop = gd.getNextString().trim();
        j.frames = gd.getNextString().trim();
        j.mask = gd.getNextString().trim();
        j.format = gd.getNextChoice();
        j.setShape(gd.getNextString());
        j.dtype = gd.getNextChoice();
        j.byteOrder = gd.getNextChoice();
        double off = gd.getNextNumber();
        if (Double.isNaN(off) || off != Math.rint(off) || off < 0 || off > 9007199254740992.0)
            throw new IllegalArgumentException("offset=" + off + ": want a whole number of bytes >= 0");
        j.offset = (long) off;
        j.frameInterval = gd.getNextNumber();
        j.pixelSize = gd.getNextNumber();
        String errors = gd.getNextChoice();
        j.setErrors(errors, gd.getNextString());
        j.open = gd.getNextBoolean();
        j.copyInput = gd.getNextBoolean();
        if (gd.invalidNumber()) throw new IllegalArgumentException("invalid number in the dialog");
        return j;
    }

    static boolean contains(String[] a, String v) {
        for (String s : a) if (s.equals(v)) return true;
        return false;
    }

    static String tileText(FileJob d) {
        return d.tileRows == 0 && d.tileCols == 0 ? "" : d.tileRows + "," + d.tileCols;
    }

    static String shapeText(FileJob d) {
        return d.shape == null ? "" : d.shape[0] + "," + d.shape[1] + "," + d.shape[2];
    }
}
