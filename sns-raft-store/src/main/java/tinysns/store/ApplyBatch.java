package tinysns.store;

import java.nio.ByteBuffer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;
import tinysns.kv.KvVisitor;
import tinysns.kv.KvWriter;

/**
 * The writes of one pass of the Raft apply loop: many commands, one atomic RocksDB write. Reads see the batch's own
 * writes on top of committed state. Each command runs between {@link #savepoint()} and either
 * {@link #releaseSavepoint()} or {@link #rollbackToSavepoint()}, so a command that fails half-way leaves no trace while
 * the commands around it still commit.
 *
 * <p>Used by the apply thread only; not thread-safe.
 */
public final class ApplyBatch implements KvWriter, AutoCloseable {
    private final RocksKvStore store;
    private final RocksDB db;
    private final WriteOptions writeOptions;
    // overwriteKey=true: the index keeps only the newest write per key, which getFromBatchAndDB and the merged
    // iterator need to give read-your-writes answers.
    private final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
    private final ReadOptions readOptions = new ReadOptions();
    private int openSavepoints;
    private boolean committed;

    ApplyBatch(RocksKvStore store, RocksDB db, WriteOptions writeOptions) {
        this.store = store;
        this.db = db;
        this.writeOptions = writeOptions;
    }

    @Override
    public byte[] get(byte[] key) {
        try {
            return batch.getFromBatchAndDB(db, readOptions, key);
        } catch (RocksDBException e) {
            throw new StoreException("get failed", e);
        }
    }

    @Override
    public void scan(byte[] from, byte[] to, KvVisitor visitor) {
        // The merged iterator owns (and closes) the base iterator.
        try (RocksIterator it = batch.newIteratorWithBase(db.newIterator(readOptions))) {
            RocksKvStore.scan(it, from, to, visitor);
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        checkDomainKey(key);
        try {
            batch.put(key, value);
        } catch (RocksDBException e) {
            throw new StoreException("put failed", e);
        }
    }

    @Override
    public void delete(byte[] key) {
        checkDomainKey(key);
        try {
            batch.delete(key);
        } catch (RocksDBException e) {
            throw new StoreException("delete failed", e);
        }
    }

    private static void checkDomainKey(byte[] key) {
        if (key.length == 0 || key[0] == 0) {
            // Keys starting with 0x00 are the store's own (applied index); a domain write there would corrupt replay.
            throw new IllegalArgumentException("domain keys must be non-empty and must not start with 0x00");
        }
    }

    public void savepoint() {
        batch.setSavePoint();
        openSavepoints++;
    }

    /** Keeps the writes made since the last savepoint. */
    public void releaseSavepoint() {
        requireSavepoint();
        try {
            batch.popSavePoint();
        } catch (RocksDBException e) {
            throw new StoreException("popSavePoint failed", e);
        }
        openSavepoints--;
    }

    /** Drops the writes made since the last savepoint. */
    public void rollbackToSavepoint() {
        requireSavepoint();
        try {
            batch.rollbackToSavePoint();
        } catch (RocksDBException e) {
            throw new StoreException("rollbackToSavePoint failed", e);
        }
        openSavepoints--;
    }

    private void requireSavepoint() {
        if (openSavepoints <= 0) {
            throw new IllegalStateException("no open savepoint");
        }
    }

    /** Writes everything, together with {@code appliedIndex} as the new last applied Raft index, in one atomic write. */
    public void commit(long appliedIndex) {
        if (committed) {
            throw new IllegalStateException("batch already committed");
        }
        if (openSavepoints != 0) {
            throw new IllegalStateException(openSavepoints + " savepoint(s) still open at commit");
        }
        if (appliedIndex <= store.appliedIndex()) {
            throw new IllegalStateException("applied index must grow: " + store.appliedIndex() + " -> " + appliedIndex);
        }
        try {
            batch.put(RocksKvStore.APPLIED_INDEX_KEY, ByteBuffer.allocate(Long.BYTES).putLong(appliedIndex).array());
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new StoreException("commit of batch up to index " + appliedIndex + " failed", e);
        }
        committed = true;
        store.committed(appliedIndex);
    }

    @Override
    public void close() {
        readOptions.close();
        batch.close();
    }
}
