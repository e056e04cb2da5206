package tinysns.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.kv.KvReader;
import tinysns.kv.KvVisitor;

/**
 * A replica's state in one RocksDB: the domain's key space plus one reserved key holding the last applied Raft index,
 * written in the same atomic batch as the entries it covers. That index is what lets the replica skip entries it has
 * already applied when JRaft replays its log after a restart, and lets it keep its own database instead of installing
 * an older snapshot.
 *
 * <p>Threads: one writer (the Raft apply thread, through {@link #begin()}), any number of readers ({@link #reader()},
 * {@link #read(Function)}). Readers hold a shared lock so that {@link #replaceWith} and {@link #close} never pull the
 * database out from under them.
 *
 * <p>Durability: writes skip RocksDB's WAL entirely; they reach disk only when a memtable is flushed (when it fills, at
 * a snapshot's checkpoint and at {@link #close}). The Raft log is fsynced and is the source of truth, and the applied
 * index is written in the same atomic batch as the entries it covers, so a crash (process or machine) loses memtable
 * content and applied index together: the database reopens as the consistent state of some earlier applied index, and
 * JRaft's replay of its log from the last snapshot re-applies everything after it (entries at or below the applied
 * index are skipped). Measured: the WAL write cost ~7 % of throughput for nothing the Raft log does not already give.
 * {@code ClusterReplicaTest} checks recovery from a copy of a running replica's directory (what a kill -9 leaves).
 */
public final class RocksKvStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RocksKvStore.class);

    /** Starts with 0x00: domain keys start with a printable ASCII letter, so the two can never collide. */
    static final byte[] APPLIED_INDEX_KEY = {0x00, 'a', 'p', 'p', 'l', 'i', 'e', 'd'};

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final LRUCache blockCache;
    private final BloomFilter bloomFilter;
    private final Options options;
    private final WriteOptions writeOptions;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final KvReader committedReader = new CommittedReader();

    /** Null once closed. Swapped only under the write lock. */
    private RocksDB db;
    private volatile long appliedIndex;

    private RocksKvStore(Path dir, StoreOptions storeOptions) {
        this.dir = dir;
        // Few shards: a cache entry larger than its shard is never kept, and a 32 MiB cache split into RocksDB's default
        // 64 shards would refuse anything over 512 KiB.
        this.blockCache = new LRUCache(storeOptions.blockCacheBytes(), 2, false, 0.5);
        this.bloomFilter = new BloomFilter(10, false);
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                // Index and filter blocks live in the bounded cache: otherwise their memory grows with the data.
                .setCacheIndexAndFilterBlocks(true)
                .setCacheIndexAndFilterBlocksWithHighPriority(true)
                // ...partitioned into small blocks. Measured: with one whole-file filter, an SST of a few million keys
                // had a filter of megabytes that no cache shard would keep, so every point read of an old key re-read it
                // from the file (apply cost went from 30 to 300+ us per post after ~80k posts).
                .setIndexType(IndexType.kTwoLevelIndexSearch)
                .setPartitionFilters(true)
                .setMetadataBlockSize(4 * 1024)
                .setPinTopLevelIndexAndFilter(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setFilterPolicy(bloomFilter)
                .setBlockSize(16 * 1024);
        this.options = new Options()
                .setCreateIfMissing(true)
                .setTableFormatConfig(table)
                .setWriteBufferSize(storeOptions.writeBufferBytes())
                .setMaxWriteBufferNumber(2)
                .setMaxBackgroundJobs(2)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setKeepLogFileNum(2)
                .setMaxLogFileSize(4L << 20);
        this.writeOptions = new WriteOptions().setSync(false).setDisableWAL(true);
    }

    /** Opens (creating if needed) the database in {@code dir}. */
    public static RocksKvStore open(Path dir, StoreOptions storeOptions) {
        RocksKvStore store = new RocksKvStore(dir, storeOptions);
        try {
            store.openDb();
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private void openDb() {
        try {
            Files.createDirectories(dir);
            db = RocksDB.open(options, dir.toString());
            byte[] raw = db.get(APPLIED_INDEX_KEY);
            appliedIndex = raw == null ? 0 : ByteBuffer.wrap(raw).getLong();
            LOG.info("Opened state db {} at applied index {}", dir, appliedIndex);
        } catch (RocksDBException | IOException e) {
            throw new StoreException("cannot open state db " + dir, e);
        }
    }

    /**
     * Opens the existing database in {@code dir} read-only, runs {@code fn} on it and closes it: for checks before a
     * replica starts and for offline reads. Writes nothing into {@code dir} (RocksDB's info log goes to
     * {@code java.io.tmpdir}); a missing, corrupt or unreadable database is a {@link StoreException} carrying RocksDB's
     * own reason.
     */
    public static <T> T readOnly(Path dir, Function<KvReader, T> fn) {
        Path infoLogDir = Path.of(System.getProperty("java.io.tmpdir"));
        try (Options readOnlyOptions = new Options().setCreateIfMissing(false)
                .setDbLogDir(infoLogDir.toString()).setKeepLogFileNum(1);
             RocksDB db = RocksDB.openReadOnly(readOnlyOptions, dir.toString());
             ReadOptions readOptions = new ReadOptions()) {
            return fn.apply(new SnapshotReader(db, readOptions));
        } catch (RocksDBException e) {
            throw new StoreException("cannot open state db " + dir + " read-only: " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Index of the last Raft entry whose effects are in this database; 0 for a fresh one. */
    public long appliedIndex() {
        return appliedIndex;
    }

    /**
     * A reader over committed state. Each get or scan sees the latest commit; consecutive calls may see different
     * commits. Use {@link #read(Function)} when a reply is made of several reads that must agree.
     */
    public KvReader reader() {
        return committedReader;
    }

    /**
     * Runs {@code fn} against one consistent point-in-time view of committed state. The view costs a snapshot and a
     * ReadOptions per call, five JNI crossings in all; measured (ReadBench, an empty {@code fn}) that is ~0.2 us, against
     * ~100 us for the reads of one timeline, so they are not pooled.
     */
    public <T> T read(Function<KvReader, T> fn) {
        lock.readLock().lock();
        try {
            RocksDB current = requireOpen();
            Snapshot snapshot = current.getSnapshot();
            try (ReadOptions readOptions = new ReadOptions().setSnapshot(snapshot)) {
                return fn.apply(new SnapshotReader(current, readOptions));
            } finally {
                current.releaseSnapshot(snapshot);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Starts a transaction on the apply thread. Only one may be open at a time, and {@link #replaceWith} and
     * {@link #close} must not run while it is open (both happen on the apply thread or after Raft has stopped).
     */
    public ApplyBatch begin() {
        return new ApplyBatch(this, requireOpen(), writeOptions);
    }

    static byte[] encodeAppliedIndex(long index) {
        return ByteBuffer.allocate(Long.BYTES).putLong(index).array();
    }

    /** Called by {@link ApplyBatch#commit} once its write is in the database. */
    void committed(long index) {
        if (index <= appliedIndex) {
            throw new IllegalStateException("applied index must grow: " + appliedIndex + " -> " + index);
        }
        appliedIndex = index;
    }

    /**
     * Writes a consistent copy of the database to {@code target}, which must not exist yet. On the same file system the
     * copy is hard links to the immutable SST files plus a memtable flush, so it is quick enough to run on the apply
     * thread (the snapshot then matches the applied index exactly).
     */
    public void checkpointTo(Path target) {
        lock.readLock().lock();
        try (Checkpoint checkpoint = Checkpoint.create(requireOpen())) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new StoreException("cannot checkpoint state db to " + target, e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Replaces the whole database with the checkpoint in {@code source} (a snapshot installed from the leader). The
     * files are hard-linked when possible, so the snapshot directory can be deleted later without affecting us.
     */
    public void replaceWith(Path source) {
        lock.writeLock().lock();
        try {
            closeDb();
            deleteRecursively(dir);
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(source)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Path target = dir.resolve(file.getFileName().toString());
                    linkOrCopy(file, target);
                }
            }
            openDb();
        } catch (IOException e) {
            throw new StoreException("cannot replace state db " + dir + " with " + source, e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static void linkOrCopy(Path source, Path target) throws IOException {
        // RocksDB rewrites only CURRENT, MANIFEST-* and OPTIONS-* files; a hard link to those could alter the snapshot
        // copy when the database writes to them, so they are copied. SST and WAL files are immutable once written.
        String name = source.getFileName().toString();
        boolean immutable = name.endsWith(".sst") || name.endsWith(".blob");
        if (immutable) {
            try {
                Files.createLink(target, source);
                return;
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("Hard link {} failed, copying instead: {}", source, e.toString());
            }
        }
        Files.copy(source, target);
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private RocksDB requireOpen() {
        RocksDB current = db;
        if (current == null) {
            throw new StoreException("state db " + dir + " is closed");
        }
        return current;
    }

    private void closeDb() {
        if (db != null) {
            // Our writes skip the WAL: flush, so that a clean restart need not replay the Raft log.
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                db.flush(flush);
            } catch (RocksDBException e) {
                LOG.warn("Flushing state db {} before close failed (the Raft log replays it): {}", dir, e.toString());
            }
            db.close();
            db = null;
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closeDb();
            writeOptions.close();
            options.close();
            bloomFilter.close();
            blockCache.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    static void scan(RocksIterator it, byte[] from, byte[] to, KvVisitor visitor) {
        for (it.seek(from); it.isValid(); it.next()) {
            byte[] key = it.key();
            if (Arrays.compareUnsigned(key, to) >= 0) {
                return;
            }
            if (!visitor.visit(key, it.value())) {
                return;
            }
        }
        checkIterator(it);
    }

    /**
     * One {@code MultiGet}: all keys against one view (the snapshot in {@code readOptions}, else the latest), one JNI
     * crossing. rocksdbjni asserts a non-empty key list, so an empty one is answered here.
     */
    static List<byte[]> multiGet(RocksDB db, ReadOptions readOptions, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        try {
            return readOptions == null ? db.multiGetAsList(keys) : db.multiGetAsList(readOptions, keys);
        } catch (RocksDBException e) {
            throw new StoreException("multiGet failed", e);
        }
    }

    static void checkIterator(RocksIterator it) {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw new StoreException("iterator failed", e);
        }
    }

    /** Reads through the shared lock, each call against the latest committed state. */
    private final class CommittedReader implements KvReader {
        @Override
        public byte[] get(byte[] key) {
            lock.readLock().lock();
            try {
                return requireOpen().get(key);
            } catch (RocksDBException e) {
                throw new StoreException("get failed", e);
            } finally {
                lock.readLock().unlock();
            }
        }

        @Override
        public List<byte[]> getAll(List<byte[]> keys) {
            lock.readLock().lock();
            try {
                return multiGet(requireOpen(), null, keys);
            } finally {
                lock.readLock().unlock();
            }
        }

        @Override
        public void scan(byte[] from, byte[] to, KvVisitor visitor) {
            lock.readLock().lock();
            try (RocksIterator it = requireOpen().newIterator()) {
                RocksKvStore.scan(it, from, to, visitor);
            } finally {
                lock.readLock().unlock();
            }
        }
    }

    /** Reads one RocksDB snapshot; valid only inside {@link #read(Function)}, which holds the shared lock. */
    private static final class SnapshotReader implements KvReader {
        private final RocksDB db;
        private final ReadOptions readOptions;

        SnapshotReader(RocksDB db, ReadOptions readOptions) {
            this.db = db;
            this.readOptions = readOptions;
        }

        @Override
        public byte[] get(byte[] key) {
            try {
                return db.get(readOptions, key);
            } catch (RocksDBException e) {
                throw new StoreException("get failed", e);
            }
        }

        @Override
        public List<byte[]> getAll(List<byte[]> keys) {
            return multiGet(db, readOptions, keys);
        }

        @Override
        public void scan(byte[] from, byte[] to, KvVisitor visitor) {
            try (RocksIterator it = db.newIterator(readOptions)) {
                RocksKvStore.scan(it, from, to, visitor);
            }
        }
    }
}
