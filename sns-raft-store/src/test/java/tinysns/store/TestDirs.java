package tinysns.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporary directories for tests. The build points {@code java.io.tmpdir} at {@code target/tmp} (RocksDB unpacks its
 * native library there) but nothing creates that directory, so JUnit's {@code @TempDir} and RocksDB's loader fail on a
 * clean checkout; this creates it first.
 */
public final class TestDirs {
    private static final Logger LOG = LoggerFactory.getLogger(TestDirs.class);

    private TestDirs() {
    }

    public static Path newTempDir(String prefix) {
        try {
            Path base = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies {@code source} to {@code target} file by file while whatever owns it may still run: what a kill -9 at that
     * moment would leave on disk (the page cache holds every completed write, fsynced or not).
     */
    public static void copyTree(Path source, Path target) {
        try (java.util.stream.Stream<Path> walk = Files.walk(source)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source + " to " + target, e);
        }
    }

    public static void deleteQuietly(Path dir) {
        try {
            RocksKvStore.deleteRecursively(dir);
        } catch (IOException e) {
            // Leftovers under target/tmp are removed by the next clean; not worth failing a test over.
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }
}
