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
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The identity of one data directory, {@code <data dir>/incarnation}: 128 random bits made the first time the
 * directory is used and never changed. A directory that was emptied, moved aside or replaced gets a new one, which is
 * how the coordinator tells that a replica may lack writes it once acknowledged (DESIGN.md §2, "Disk loss"): such a
 * replica is never reset to a one-voter group, only added back as a follower of one that holds the data.
 */
final class IncarnationFile {
    static final String NAME = "incarnation";
    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{32}");

    private IncarnationFile() {
    }

    /** The directory's incarnation, made (durably: temp file, fsync, rename, fsync of the directory) if it has none. */
    static String readOrCreate(Path dataDir) {
        Path file = dataDir.resolve(NAME);
        try {
            if (Files.exists(file)) {
                return parse(file);
            }
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            String incarnation = HexFormat.of().formatHex(random);
            Path tmp = dataDir.resolve(NAME + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap((incarnation + "\n").getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(dataDir, StandardOpenOption.READ)) {
                dir.force(true);
            }
            return incarnation;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    /** The incarnation in {@code file}; an IOException if it is not 32 lower-case hex digits. */
    static String parse(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (!FORMAT.matcher(text).matches()) {
            throw new IOException("not an incarnation (32 hex digits): '" + (text.length() > 40
                    ? text.substring(0, 40) + "…" : text) + "'");
        }
        return text;
    }
}
