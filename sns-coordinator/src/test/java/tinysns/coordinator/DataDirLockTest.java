package tinysns.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DataDirLock} against a holder in this JVM and in another process ({@link Holder}, a JVM of its own: the lock
 * is per process, and only another process shows what a second coordinator sees).
 */
@Timeout(60)
class DataDirLockTest {
    private Path dir;
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void makeDir() throws IOException {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory(tmp, "data-dir-lock-test").resolve("coordinator");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process child : children) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        try (var files = Files.walk(dir.getParent())) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void aLockHeldByAChannelInThisJvmIsRefusedAndIsFreeOnceReleased() throws Exception {
        Files.createDirectories(dir);
        try (FileChannel other = FileChannel.open(dir.resolve(DataDirLock.FILE_NAME), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock held = other.tryLock();
            other.write(ByteBuffer.wrap("4242\n".getBytes(StandardCharsets.UTF_8)));
            DataDirLock.InUseException refused = assertThrows(DataDirLock.InUseException.class,
                    () -> DataDirLock.acquire(dir));
            assertEquals(inUse("pid 4242"), refused.getMessage());
            held.release();
        }
        try (DataDirLock lock = DataDirLock.acquire(dir)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(DataDirLock.FILE_NAME)));
        }
    }

    @Test
    void aHolderWhosePidCannotBeReadIsNamedUnknown() throws Exception {
        Files.createDirectories(dir);
        try (FileChannel other = FileChannel.open(dir.resolve(DataDirLock.FILE_NAME), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            other.tryLock(); // and nothing written: a holder that has locked but not yet written its pid
            DataDirLock.InUseException refused = assertThrows(DataDirLock.InUseException.class,
                    () -> DataDirLock.acquire(dir));
            assertEquals(inUse("pid unknown"), refused.getMessage());
        }
    }

    @Test
    void anotherProcessHoldingItIsRefusedByPidAndItsKillFreesTheLock() throws Exception {
        Process holder = startHolder("hold");
        assertEquals("held", firstLine(holder));
        DataDirLock.InUseException refused = assertThrows(DataDirLock.InUseException.class,
                () -> DataDirLock.acquire(dir));
        assertEquals(inUse("pid " + holder.pid()), refused.getMessage());

        holder.destroyForcibly(); // kill -9: the process releases nothing itself
        assertTrue(holder.waitFor(10, TimeUnit.SECONDS), "the holder survived SIGKILL");
        try (DataDirLock lock = DataDirLock.acquire(dir)) {
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(DataDirLock.FILE_NAME)));
        }
    }

    @Test
    void aSecondLockInThisJvmIsRefusedWithoutFreeingTheFirstAndCloseKeepsTheFile() throws Exception {
        DataDirLock first = DataDirLock.acquire(dir);
        try {
            DataDirLock.InUseException refused = assertThrows(DataDirLock.InUseException.class,
                    () -> DataDirLock.acquire(dir.resolve("..").resolve(dir.getFileName())));
            assertEquals(inUse("pid " + ProcessHandle.current().pid()), refused.getMessage());
            // Had the refusal opened and closed the file, POSIX would have dropped the first lock with it.
            assertEquals("busy", probe());
        } finally {
            first.close();
        }
        first.close();
        // Not deleted on close: a delete would race with a process that has just opened the old file.
        assertTrue(Files.isRegularFile(dir.resolve(DataDirLock.FILE_NAME)));
        assertEquals("free", probe());
        DataDirLock.acquire(dir).close();
    }

    private String inUse(String holder) {
        return "the data directory " + dir.toAbsolutePath().normalize() + " is in use by another coordinator ("
                + holder + "); stop it first or use another --data-dir";
    }

    private Process startHolder(String mode) throws Exception {
        Path classes = Path.of(Holder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classes.toString(),
                Holder.class.getName(), mode, dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(child);
        return child;
    }

    /** What a probe in another process finds, once it has exited (a probe that found the lock free holds it). */
    private String probe() throws Exception {
        Process child = startHolder("probe");
        String line = firstLine(child);
        assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the probe did not exit");
        return line;
    }

    /** The child's first line of output, waited for at most 20 s. */
    private static String firstLine(Process child) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return String.valueOf(out.readLine());
            } catch (IOException e) {
                return e.toString();
            }
        }).get(20, TimeUnit.SECONDS);
    }

    /**
     * The other process. {@code hold DIR}: lock {@code DIR/lock} the way a coordinator does, write the pid, print
     * "held" and keep it until killed. {@code probe DIR}: try the lock once, print "free" or "busy", exit.
     */
    static final class Holder {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[1]).resolve(DataDirLock.FILE_NAME);
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.tryLock();
                if (args[0].equals("probe")) {
                    System.out.println(lock == null ? "busy" : "free");
                    return;
                }
                if (lock == null) {
                    System.out.println("busy");
                    return;
                }
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
                System.out.println("held");
                Thread.sleep(TimeUnit.MINUTES.toMillis(2)); // killed long before: the @AfterEach kills it in any case
            }
        }
    }
}
