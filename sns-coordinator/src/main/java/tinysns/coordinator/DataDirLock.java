package tinysns.coordinator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator per data directory. Two coordinators on one directory read the same failover records and bind the
 * same registry name; each can then order a reset of a different voter of one cluster with the same epoch, and the
 * pair splits (DESIGN.md §2 never resets two nodes of a group to disjoint configurations, which holds only with one
 * decider per record). So the coordinator takes this lock before it reads a record or touches the registry, and holds
 * it for the life of the process.
 *
 * <p>It is the operating system's lock ({@link FileChannel#tryLock()}, fcntl on Linux) on {@code <dir>/lock}. The
 * kernel drops it when the process ends, kill -9 included: nothing is left to clean up, and no pid has to be checked
 * for liveness (a pid file would be left behind by a crash, and a reused pid looks alive). The holder writes its pid
 * into the file only so that a refusal can name it.
 *
 * <p>The file is never deleted. Deleting it on release would let one process lock the old file while another creates
 * and locks a new one at the same path: both would hold "the" lock.
 *
 * <p>Inside one JVM only this class may lock the file: POSIX drops all of a process's locks on a file when the process
 * closes any descriptor of it, so a second channel opened and closed in this JVM would quietly free the first one's
 * lock. A directory this JVM already holds is therefore refused without opening the file again.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE_NAME = "lock";
    private static final Logger LOG = LoggerFactory.getLogger(DataDirLock.class);
    /** Real paths of the directories this JVM holds (see the class comment for why they are never opened twice). */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean released;

    private DataDirLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if missing) for this process, or refuses.
     *
     * @throws InUseException if another coordinator holds it; its message is the one line to show
     * @throws IOException    if the directory or its lock file cannot be created or opened
     */
    static DataDirLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path real = dir.toRealPath();
        Path shown = dir.toAbsolutePath().normalize();
        if (!HELD.add(real)) {
            throw new InUseException(shown, Long.toString(ProcessHandle.current().pid()));
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(real.resolve(FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held in this JVM by a channel of someone else's (see the class comment)
            }
            if (lock == null) {
                throw new InUseException(shown, holderPid(channel));
            }
            channel.truncate(0);
            ByteBuffer pid = ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8));
            while (pid.hasRemaining()) {
                channel.write(pid);
            }
            return new DataDirLock(real, channel, lock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            HELD.remove(real);
            throw e;
        }
    }

    /** Releases the lock (the file stays). Safe to call more than once. */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The process is on its way out: the kernel drops the lock at exit whatever happened here.
            LOG.warn("Could not release the lock on {}: {}", dir, e.toString());
        } finally {
            HELD.remove(dir);
        }
    }

    /** The pid the holder wrote, read through the refused channel (no second descriptor), or null if unreadable. */
    private static String holderPid(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(32);
            channel.read(buf, 0);
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
            return Long.toString(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return null; // the holder has not written it yet, or the file is not ours
        }
    }

    /** Another coordinator holds the data directory; the message is the one line for the operator. */
    static final class InUseException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        InUseException(Path dir, String holderPid) {
            super("the data directory " + dir + " is in use by another coordinator ("
                    + (holderPid == null ? "pid unknown" : "pid " + holderPid)
                    + "); stop it first or use another --data-dir");
        }
    }
}
