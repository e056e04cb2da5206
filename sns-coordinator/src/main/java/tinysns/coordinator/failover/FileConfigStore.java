package tinysns.coordinator.failover;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One small text file per cluster, {@code <dir>/cluster-<c>.record}. A save writes a temp file, fsyncs it, renames it
 * over the old one atomically and fsyncs the directory: after a crash at any point the file holds either the old
 * record or the new one, never a torn mix, and a returned save survives power loss.
 */
public final class FileConfigStore implements ConfigStore {
    private static final Pattern NAME = Pattern.compile("cluster-(\\d+)\\.record");

    private final Path dir;

    public FileConfigStore(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    public Path dir() {
        return dir;
    }

    @Override
    public Map<Integer, ConfigRecord> loadAll() throws IOException {
        Map<Integer, ConfigRecord> out = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "cluster-*.record")) {
            for (Path file : files) {
                Matcher m = NAME.matcher(file.getFileName().toString());
                if (m.matches()) {
                    ConfigRecord record = read(file);
                    if (record.cluster() != Integer.parseInt(m.group(1))) {
                        throw new IOException(file + " holds the record of cluster " + record.cluster());
                    }
                    out.put(record.cluster(), record);
                }
            }
        }
        return out;
    }

    @Override
    public void save(ConfigRecord record) throws IOException {
        Path target = dir.resolve("cluster-" + record.cluster() + ".record");
        Path temp = dir.resolve("cluster-" + record.cluster() + ".record.tmp");
        String text = ConfigRecordText.format(record);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // The rename itself is durable only once the directory entry is on disk.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static ConfigRecord read(Path file) throws IOException {
        return ConfigRecordText.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }
}
