// ReadTiff opens a TIFF with ImageJ 1.x (headless, no menus) and prints
// what ImageJ makes of it: dimensions, calibration, display range, the
// label and value of one pixel, the Info property's first line.
// Run by TestOutputTIFFReadByImageJ (cmd/ipcf/output_test.go):
//   java -Djava.awt.headless=true -cp /usr/share/java/ij.jar ReadTiff.java FILE C T Y X
// (C and T from 1, Y and X from 0).
import ij.ImagePlus;
import ij.io.Opener;
import ij.measure.Calibration;
import ij.process.ImageProcessor;

public class ReadTiff {
    public static void main(String[] args) {
        ImagePlus imp = new Opener().openImage(args[0]);
        if (imp == null) {
            System.out.println("FAIL: ImageJ could not open " + args[0]);
            System.exit(1);
        }
        int[] d = imp.getDimensions();
        Calibration c = imp.getCalibration();
        System.out.println("dims " + d[0] + " " + d[1] + " " + d[2] + " " + d[3] + " " + d[4]);
        System.out.println("bitdepth " + imp.getBitDepth());
        System.out.println("hyperstack " + imp.isHyperStack());
        System.out.println("pixel " + c.pixelWidth + " " + c.pixelHeight + " " + c.getUnit());
        System.out.println("finterval " + c.frameInterval);
        ImageProcessor ip = imp.getProcessor();
        System.out.println("range " + ip.getMin() + " " + ip.getMax());
        int ch = Integer.parseInt(args[1]), t = Integer.parseInt(args[2]);
        int y = Integer.parseInt(args[3]), x = Integer.parseInt(args[4]);
        int idx = imp.getStackIndex(ch, 1, t);
        System.out.println("label " + imp.getStack().getSliceLabel(idx));
        float v = imp.getStack().getProcessor(idx).getf(x, y);
        System.out.println("bits " + Integer.toUnsignedString(Float.floatToRawIntBits(v)));
        Object info = imp.getProperty("Info");
        System.out.println("info " + (info == null ? "none" : info.toString().split("\n")[0]));
    }
}
