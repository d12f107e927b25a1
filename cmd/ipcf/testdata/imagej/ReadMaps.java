// ReadMaps opens the parameter maps of ipcf fit -o MAPS.tif with ImageJ
// 1.x (headless) and prints what ImageJ makes of them: dimensions,
// calibration, the label and value of one pixel of a slice, the Info
// property's first line. Run by TestFitMapsTIFFReadByImageJ
// (cmd/ipcf/fitmaps_test.go):
//   java -Djava.awt.headless=true -cp /usr/share/java/ij.jar ReadMaps.java FILE C Z Y X
// (C and Z from 1, Y and X from 0).
import ij.ImagePlus;
import ij.io.Opener;
import ij.measure.Calibration;

public class ReadMaps {
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
        System.out.println("pixel " + c.pixelWidth + " " + c.pixelHeight + " " + c.getUnit());
        int ch = Integer.parseInt(args[1]), z = Integer.parseInt(args[2]);
        int y = Integer.parseInt(args[3]), x = Integer.parseInt(args[4]);
        int idx = imp.getStackIndex(ch, z, 1);
        System.out.println("label " + imp.getStack().getSliceLabel(idx));
        float v = imp.getStack().getProcessor(idx).getf(x, y);
        System.out.println("bits " + Integer.toUnsignedString(Float.floatToRawIntBits(v)));
        Object info = imp.getProperty("Info");
        System.out.println("info " + (info == null ? "none" : info.toString().split("\n")[0]));
    }
}
