package ipcf;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import java.awt.Rectangle;

/**
 * Plugins > ipcf > Show pCF Carpet: on a pCF result hyperstack, the carpet (circle points x
 * delay bins) at the selected point (point selection, or the centre of the selection).
 */
public class Show_Carpet implements PlugIn {
    public void run(String arg) {
        ImagePlus res = IJ.getImage();
        if (res == null) return;
        int np = res.getNSlices(), nb = res.getNFrames();
        if (res.getBitDepth() != 32 || np < 1 || nb < 2 || res.getProperty("ipcf.delays") == null && !res.getTitle().startsWith("pCF")) {
            Ipcf.error("select a pCF result (made by Pair Correlation (pCF)...) first");
            return;
        }
        Roi roi = res.getRoi();
        if (roi == null) {
            Ipcf.error("click a pixel with the point tool first");
            return;
        }
        Rectangle r = roi.getBounds();
        int x = r.x + r.width / 2, y = r.y + r.height / 2;
        if (x < 0 || y < 0 || x >= res.getWidth() || y >= res.getHeight()) {
            Ipcf.error("the selected point " + x + "," + y + " is outside the image");
            return;
        }
        ImagePlus carpet = carpet(res, x, y);
        carpet.show();
    }

    /** The carpet of a result hyperstack at pixel (x, y): width = bins, height = points. */
    public static ImagePlus carpet(ImagePlus res, int x, int y) {
        int np = res.getNSlices(), nb = res.getNFrames(), w = res.getWidth();
        float[] c = new float[np * nb];
        for (int i = 0; i < np; i++)
            for (int b = 0; b < nb; b++) {
                float[] plane = (float[]) res.getStack().getPixels(res.getStackIndex(1, i + 1, b + 1));
                c[i * nb + b] = plane[y * w + x];
            }
        return new ImagePlus("carpet at " + x + "," + y, new FloatProcessor(nb, np, c));
    }
}
