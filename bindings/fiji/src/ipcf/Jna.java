package ipcf;

import ij.IJ;

/**
 * Whether JNA (Java Native Access, jna.jar) is there, found without loading any class that needs
 * it: the commands and {@link Ipcf}'s macro API check here first, so a missing jna.jar gives a
 * message saying how to install it instead of ImageJ's "Plugin or class not found".
 */
public final class Jna {
    private Jna() {}

    private static String problem;

    /** null when JNA loads (jna.jar and its native part); else what is wrong and how to fix it. */
    public static synchronized String problem() {
        if (problem == null) {
            try {
                Class.forName("com.sun.jna.Native", true, Jna.class.getClassLoader());
                problem = "";
            } catch (ClassNotFoundException | NoClassDefFoundError e) {
                problem = missing();
            } catch (LinkageError | RuntimeException e) { // UnsatisfiedLinkError: jna.jar without its native part
                String m = e.getMessage();
                problem = "ipcf needs JNA (Java Native Access): jna.jar was found but does not load:\n"
                        + (m == null ? e.getClass().getSimpleName() : m) + "\nDebian and Ubuntu: sudo apt-get install "
                        + "libjna-java libjna-jni; or use the jna.jar of a JNA release (it carries its native part).\n"
                        + "Then restart ImageJ.";
            }
        }
        return problem.isEmpty() ? null : problem;
    }

    /** The message for a missing jna.jar, naming this ImageJ's plugins/jars folder. */
    static String missing() {
        String plugins = null;
        try {
            plugins = IJ.getDirectory("plugins");
        } catch (RuntimeException e) {
            plugins = null;
        }
        String jars = plugins != null && !plugins.isEmpty() ? plugins + "jars" : "ImageJ's plugins/jars folder";
        return "ipcf needs JNA (Java Native Access), and ImageJ did not find jna.jar.\n"
                + "Copy jna.jar into " + jars + " and restart ImageJ.\n"
                + "Debian and Ubuntu: sudo apt-get install libjna-java, then copy /usr/share/java/jna.jar there.\n"
                + "Fiji ships JNA (jars/jna-*.jar): update Fiji if it is missing.";
    }

    /** Throws IllegalStateException with {@link #problem} when JNA does not load. */
    static void require() {
        String p = problem();
        if (p != null) throw new IllegalStateException(p);
    }

    /** For the commands: true when JNA loads; else shows the message (a dialog, or the Log in batch mode) and returns false. */
    static boolean check() {
        String p = problem();
        if (p == null) return true;
        Ipcf.error(p);
        return false;
    }
}
