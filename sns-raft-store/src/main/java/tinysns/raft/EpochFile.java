package tinysns.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The newest reconfiguration epoch this replica has obeyed (DESIGN.md §2), kept durably so that a delayed copy of an
 * older reset is still refused after a restart. Written atomically: temp file, fsync, rename, fsync of the directory.
 */
final class EpochFile {
    private final Path file;
    private long epoch;

    EpochFile(Path file) {
        this.file = file;
        try {
            this.epoch = Files.exists(file) ? Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read epoch file " + file, e);
        }
    }

    synchronized long get() {
        return epoch;
    }

    /** Raises the stored epoch to {@code newEpoch}; a lower value changes nothing. */
    synchronized void advanceTo(long newEpoch) {
        if (newEpoch <= epoch) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(Long.toString(newEpoch).getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write epoch file " + file, e);
        }
        epoch = newEpoch;
    }
}
