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
import java.util.Properties;
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

    static final String SYNC_MASTERS_FILE = "sync-masters";
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
        writeAtomically("cluster-" + record.cluster() + ".record", ConfigRecordText.format(record));
    }

    /** {@code <dir>/sync-masters}: {@code <cluster>=<member>} lines. */
    @Override
    public synchronized Map<Integer, Integer> loadSyncMasters() throws IOException {
        Path file = dir.resolve(SYNC_MASTERS_FILE);
        Map<Integer, Integer> out = new TreeMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        try {
            for (String cluster : p.stringPropertyNames()) {
                out.put(Integer.parseInt(cluster.trim()), Integer.parseInt(p.getProperty(cluster).trim()));
            }
        } catch (NumberFormatException e) {
            throw new IOException("malformed " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public synchronized void saveSyncMaster(int cluster, int member) throws IOException {
        Map<Integer, Integer> all = loadSyncMasters();
        all.put(cluster, member);
        StringBuilder text = new StringBuilder();
        all.forEach((c, m) -> text.append(c).append('=').append(m).append('\n'));
        writeAtomically(SYNC_MASTERS_FILE, text.toString());
    }

    /** Temp file, fsync, atomic rename, fsync of the directory: the old content or the new, never a torn mix. */
    private void writeAtomically(String name, String text) throws IOException {
        Path target = dir.resolve(name);
        Path temp = dir.resolve(name + ".tmp");
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
