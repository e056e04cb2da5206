package tinysns.raft;

import com.alipay.sofa.jraft.storage.io.ProtoBufFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WALRecoveryMode;
import tinysns.domain.DomainConfig;
import tinysns.domain.SnsStateMachine;
import tinysns.store.RocksKvStore;
import tinysns.store.StoreException;

/**
 * Looks at a replica's data directory before anything opens it for writing, and refuses one that is not this
 * replica's or cannot be trusted — never repairs or wipes it. Refused: a path that is not a readable, writable
 * directory; an identity file naming another cluster, deployment size or replica; a state database whose meta record
 * names another cluster; a state database or Raft log that RocksDB cannot open (garbage or truncated CURRENT, MANIFEST
 * or table file), or that has files but no CURRENT (RocksDB would quietly create an empty database over it); a Raft
 * meta or epoch file that does not parse. Every look is read-only: the directory's bytes are the same afterwards.
 *
 * <p>Not caught here: a bit flip inside a data block of a table RocksDB opened fine. Block checksums catch that when
 * the block is read, and the replica then halts its state machine (a storage failure, never a silent skip); checking
 * every block at start would cost a read of the whole database.
 */
final class DataDirCheck {
    /** Written at first start: which cluster and replica the directory belongs to. */
    static final String IDENTITY_FILE = "identity";
    private static final String RAFT_META_FILE = "raft/meta/raft_meta";

    private final Path dir;

    private DataDirCheck(Path dir) {
        this.dir = dir;
    }

    /** Throws {@link DataDirRefusedException} if {@code options.dataDir()} must not be used; a missing dir is fine. */
    static void verify(ReplicaOptions options, SnsStateMachine domain) {
        new DataDirCheck(options.dataDir()).run(options, domain);
    }

    private void run(ReplicaOptions options, SnsStateMachine domain) {
        if (!Files.exists(dir)) {
            if (Files.isSymbolicLink(dir)) {
                throw refuse("is a symbolic link to nothing", null);
            }
            return; // a new replica
        }
        checkAccess();
        checkIdentity(options);
        checkEpoch();
        checkIncarnation();
        Path state = dir.resolve("state");
        if (hasDatabase(state, "state db")) {
            try {
                RocksKvStore.readOnly(state, kv -> {
                    domain.verifyOwnership(kv);
                    return null;
                });
            } catch (StoreException e) {
                throw refuse("holds a state db that cannot be opened (corrupt or truncated?): " + oneLine(e), e);
            } catch (IllegalStateException e) {
                throw refuse("holds a state db of another cluster: " + e.getMessage(), e);
            }
        }
        Path log = dir.resolve("raft/log");
        if (hasDatabase(log, "Raft log")) {
            checkRaftLog(log);
        }
        Path meta = dir.resolve(RAFT_META_FILE);
        if (Files.exists(meta)) {
            try {
                if (new ProtoBufFile(meta.toString()).load() == null) {
                    throw refuse("has a Raft meta file " + meta + " that cannot be read", null);
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof DataDirRefusedException refused) {
                    throw refused;
                }
                throw refuse("has a corrupt Raft meta file " + meta + ": " + oneLine(e), e);
            }
        }
    }

    /** Writes the identity file if the directory has none yet (a new one, or one from before identity files). */
    static void stampIdentity(ReplicaOptions options) {
        Path file = options.dataDir().resolve(IDENTITY_FILE);
        if (Files.exists(file)) {
            return;
        }
        DomainConfig domain = options.domain();
        String text = "# Tiny SNS replica data directory: belongs to this cluster and replica only.\n"
                + "cluster=" + domain.clusterId() + "\nclusters=" + domain.clusterCount() + "\ngroup=" + options.groupId()
                + "\n" + (options.replicaId() > 0 ? "replica=" + options.replicaId() + "\n" : "");
        Path tmp = file.resolveSibling(IDENTITY_FILE + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(options.dataDir(), StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write identity file " + file, e);
        }
    }

    private void checkAccess() {
        if (!Files.isDirectory(dir)) {
            throw refuse("is not a directory", null);
        }
        if (!Files.isReadable(dir) || !Files.isWritable(dir) || !Files.isExecutable(dir)) {
            throw refuse("is not readable and writable by this user (permission denied)", null);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                boolean directory = Files.isDirectory(p);
                if (!Files.isReadable(p) || directory && !Files.isExecutable(p)) {
                    throw refuse("has " + dir.relativize(p) + ", which this user cannot read (permission denied)",
                            null);
                }
            }
        } catch (UncheckedIOException e) {
            String what = e.getCause() instanceof AccessDeniedException denied ? denied.getFile()
                    + ", which this user cannot read (permission denied)" : oneLine(e.getCause());
            throw refuse("has " + what, e);
        } catch (IOException e) {
            throw refuse("cannot be listed: " + oneLine(e), e);
        }
    }

    private void checkIdentity(ReplicaOptions options) {
        Path file = dir.resolve(IDENTITY_FILE);
        if (!Files.exists(file)) {
            return;
        }
        Map<String, String> fields = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                int eq = trimmed.indexOf('=');
                if (eq <= 0) {
                    throw refuse("has a corrupt identity file " + file + " (line '" + trimmed + "')", null);
                }
                fields.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
            }
        } catch (IOException e) {
            throw refuse("has an identity file " + file + " that cannot be read: " + oneLine(e), e);
        }
        DomainConfig domain = options.domain();
        int cluster = intField(fields, "cluster", file);
        int clusters = intField(fields, "clusters", file);
        int replica = fields.containsKey("replica") ? intField(fields, "replica", file) : 0;
        if (cluster != domain.clusterId() || clusters != domain.clusterCount()) {
            throw refuse("belongs to cluster " + cluster + " of " + clusters + " (" + file + "), not cluster "
                    + domain.clusterId() + " of " + domain.clusterCount(), null);
        }
        if (replica > 0 && options.replicaId() > 0 && replica != options.replicaId()) {
            throw refuse("belongs to replica " + replica + " of cluster " + cluster + " (" + file + "), not replica "
                    + options.replicaId() + ": each replica keeps its own Raft log and vote", null);
        }
    }

    private int intField(Map<String, String> fields, String name, Path file) {
        try {
            return Integer.parseInt(fields.get(name));
        } catch (NumberFormatException e) {
            throw refuse("has a corrupt identity file " + file + " (" + name + "=" + fields.get(name) + ")", e);
        }
    }

    private void checkEpoch() {
        checkEpochFile(dir.resolve("epoch"));
        checkEpochFile(dir.resolve(ClusterReplica.RESET_EPOCH_FILE));
    }

    private void checkEpochFile(Path file) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            if (Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()) < 0) {
                throw new NumberFormatException("negative");
            }
        } catch (IOException | NumberFormatException e) {
            throw refuse("has a corrupt epoch file " + file + ": " + oneLine(e), e);
        }
    }

    private void checkIncarnation() {
        Path file = dir.resolve(IncarnationFile.NAME);
        if (!Files.exists(file)) {
            return; // a directory from before incarnations: it gets one at start (and the coordinator learns it)
        }
        try {
            IncarnationFile.parse(file);
        } catch (IOException e) {
            throw refuse("has a corrupt incarnation file " + file + ": " + oneLine(e), e);
        }
    }

    /** Whether {@code db} holds a database to check; refuses files without a CURRENT (RocksDB would start afresh). */
    private boolean hasDatabase(Path db, String what) {
        if (!Files.isDirectory(db)) {
            return false;
        }
        boolean empty;
        try (Stream<Path> files = Files.list(db)) {
            empty = files.findAny().isEmpty();
        } catch (IOException e) {
            throw refuse("has a " + what + " " + db + " that cannot be listed: " + oneLine(e), e);
        }
        if (empty) {
            return false;
        }
        if (!Files.exists(db.resolve("CURRENT"))) {
            throw refuse("has a " + what + " " + db + " with files but no CURRENT file (damaged?)", null);
        }
        return true;
    }

    private void checkRaftLog(Path log) {
        String infoLogDir = System.getProperty("java.io.tmpdir");
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (Options listOptions = new Options().setCreateIfMissing(false).setDbLogDir(infoLogDir);
             // JRaft opens its log with RocksDB's default WAL recovery (point in time), which reads garbage in the
             // write-ahead log as "the log ends here" and silently drops the entries after it. Checked strictly instead:
             // every entry is fsynced whole (sync writes), so a kill -9 leaves no partial record; after a machine crash
             // a torn last record is refused too, and the operator decides (measured: RocksDB's "tolerate corrupted
             // tail" mode accepts a WAL overwritten with garbage from its first byte, so it is no middle way).
             DBOptions dbOptions = new DBOptions().setCreateIfMissing(false).setDbLogDir(infoLogDir)
                     .setKeepLogFileNum(1).setWalRecoveryMode(WALRecoveryMode.AbsoluteConsistency)) {
            List<ColumnFamilyDescriptor> families = new ArrayList<>();
            for (byte[] name : RocksDB.listColumnFamilies(listOptions, log.toString())) {
                families.add(new ColumnFamilyDescriptor(name));
            }
            try (RocksDB db = RocksDB.openReadOnly(dbOptions, log.toString(), families, handles)) {
                handles.forEach(ColumnFamilyHandle::close);
                handles.clear();
            }
        } catch (RocksDBException e) {
            throw refuse("holds a Raft log " + log + " that cannot be opened (corrupt or truncated?): "
                    + oneLine(e), e);
        } finally {
            handles.forEach(ColumnFamilyHandle::close);
        }
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.replaceAll("\\s+", " ").strip();
    }

    private DataDirRefusedException refuse(String what, Throwable cause) {
        return new DataDirRefusedException("refusing data directory " + dir + ": it " + what
                + "; nothing in it was changed (fix it, move it aside, or point --data-dir elsewhere)", cause);
    }
}
