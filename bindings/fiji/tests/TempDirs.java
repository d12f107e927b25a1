import java.nio.file.Files;
import java.nio.file.Path;

/** Temporary folders of the tests, removed when the JVM exits. */
final class TempDirs {
    private TempDirs() {}

    /** A new temporary folder that is removed with what it holds when the JVM exits (System.exit
     *  too): each run left its folder in /tmp. */
    static Path create(String prefix) throws java.io.IOException {
        Path dir = Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException e) {
                System.err.println("could not remove " + dir + ": " + e);
            }
        }));
        return dir;
    }
}
