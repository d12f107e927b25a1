package ipcf;

/**
 * Plugins > ipcf > Autocorrelation (ACF)...: the per-pixel autocorrelation G(a -> a) of the
 * current stack (imaging FCS), the offset (0, 0) alone; with a second channel (another image, or
 * channel2 / cross of a hyperstack) the per-pixel cross-correlation. The keys are those of
 * call("ipcf.Ipcf.acf", options), i.e. those of the pCF without offsets and preset.
 */
public class Autocorrelation extends Pair_Correlation {
    @Override
    boolean acf() {
        return true;
    }
}
