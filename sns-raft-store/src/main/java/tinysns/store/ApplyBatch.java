package tinysns.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import tinysns.kv.KvVisitor;
import tinysns.kv.KvWriter;

/**
 * The writes of one pass of the Raft apply loop: many commands, one atomic RocksDB write. Reads see the batch's own
 * writes on top of committed state. Each command runs between {@link #savepoint()} and either
 * {@link #releaseSavepoint()} or {@link #rollbackToSavepoint()}, so a command that fails half-way leaves no trace while
 * the commands around it still commit.
 *
 * <p>The pending writes live in a sorted map on the Java heap, not in a RocksDB {@code WriteBatchWithIndex}. Measured
 * (docs/performance.md): every put, get and savepoint of the indexed batch is a JNI call plus a skip-list operation in
 * C++, and the leader's apply thread is the bottleneck of the whole group. Here a read of a key the batch wrote is a map
 * lookup, a put is a map insert, a key written by many commands of one pass (the meta record, a session) reaches
 * RocksDB once, and the commit hands RocksDB the whole batch, sorted, in its serialized form: one JNI call.
 *
 * <p>Values returned by reads are copies; arrays handed to {@link #put} are kept until the commit and must not change.
 * A visitor must not write to the batch while a scan of it runs. Used by the apply thread only; not thread-safe.
 */
public final class ApplyBatch implements KvWriter, AutoCloseable {
    /** Marks a key deleted in this batch; compared by identity, never handed out. */
    private static final byte[] DELETED = new byte[0];
    // WriteBatch::rep_ = sequence (fixed64) | count (fixed32) | records; the sequence is assigned by the write.
    private static final int HEADER_BYTES = 12;
    private static final byte TYPE_DELETION = 0x0;
    private static final byte TYPE_VALUE = 0x1;

    private final RocksKvStore store;
    private final RocksDB db;
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions = new ReadOptions();
    private final TreeMap<byte[], byte[]> writes = new TreeMap<>(Arrays::compareUnsigned);
    /** What each write under an open savepoint replaced: key, then the previous pending value (null: none). */
    private final List<byte[]> undo = new ArrayList<>();
    private final List<Integer> savepoints = new ArrayList<>();
    private boolean committed;

    ApplyBatch(RocksKvStore store, RocksDB db, WriteOptions writeOptions) {
        this.store = store;
        this.db = db;
        this.writeOptions = writeOptions;
    }

    @Override
    public byte[] get(byte[] key) {
        byte[] pending = writes.get(key);
        if (pending != null) {
            return pending == DELETED ? null : pending.clone();
        }
        try {
            return db.get(readOptions, key);
        } catch (RocksDBException e) {
            throw new StoreException("get failed", e);
        }
    }

    /** Merges the batch's writes in {@code [from, to)} with committed state; a pending write hides the stored value. */
    @Override
    public void scan(byte[] from, byte[] to, KvVisitor visitor) {
        if (Arrays.compareUnsigned(from, to) >= 0) {
            return; // an empty range (and TreeMap.subMap would refuse from > to)
        }
        Iterator<Map.Entry<byte[], byte[]>> mine = writes.subMap(from, true, to, false).entrySet().iterator();
        Map.Entry<byte[], byte[]> pending = mine.hasNext() ? mine.next() : null;
        try (RocksIterator it = db.newIterator(readOptions)) {
            it.seek(from);
            byte[] stored = keyBefore(it, to);
            while (pending != null || stored != null) {
                int order = pending == null ? 1 : stored == null ? -1 : Arrays.compareUnsigned(pending.getKey(), stored);
                byte[] key;
                byte[] value;
                if (order <= 0) {
                    key = pending.getKey();
                    value = pending.getValue();
                    pending = mine.hasNext() ? mine.next() : null;
                    if (order == 0) { // the pending write replaces (or deletes) the stored value
                        it.next();
                        stored = keyBefore(it, to);
                    }
                    if (value == DELETED) {
                        continue;
                    }
                    key = key.clone();
                    value = value.clone();
                } else {
                    key = stored;
                    value = it.value();
                    it.next();
                    stored = keyBefore(it, to);
                }
                if (!visitor.visit(key, value)) {
                    return;
                }
            }
            RocksKvStore.checkIterator(it);
        }
    }

    /** The iterator's key if it is valid and below {@code to}, else null. */
    private static byte[] keyBefore(RocksIterator it, byte[] to) {
        if (!it.isValid()) {
            return null;
        }
        byte[] key = it.key();
        return Arrays.compareUnsigned(key, to) < 0 ? key : null;
    }

    @Override
    public void put(byte[] key, byte[] value) {
        checkDomainKey(key);
        if (value == null) {
            throw new IllegalArgumentException("null value; use delete");
        }
        record(key, writes.put(key, value));
    }

    @Override
    public void delete(byte[] key) {
        checkDomainKey(key);
        record(key, writes.put(key, DELETED));
    }

    private void record(byte[] key, byte[] previous) {
        if (!savepoints.isEmpty()) {
            undo.add(key);
            undo.add(previous);
        }
    }

    private static void checkDomainKey(byte[] key) {
        if (key.length == 0 || key[0] == 0) {
            // Keys starting with 0x00 are the store's own (applied index); a domain write there would corrupt replay.
            throw new IllegalArgumentException("domain keys must be non-empty and must not start with 0x00");
        }
    }

    public void savepoint() {
        savepoints.add(undo.size());
    }

    /** Keeps the writes made since the last savepoint. */
    public void releaseSavepoint() {
        requireSavepoint();
        savepoints.remove(savepoints.size() - 1);
        if (savepoints.isEmpty()) {
            undo.clear(); // nothing left that could roll these writes back
        }
    }

    /** Drops the writes made since the last savepoint. */
    public void rollbackToSavepoint() {
        requireSavepoint();
        int mark = savepoints.remove(savepoints.size() - 1);
        for (int i = undo.size() - 2; i >= mark; i -= 2) {
            byte[] key = undo.get(i);
            byte[] previous = undo.get(i + 1);
            if (previous == null) {
                writes.remove(key);
            } else {
                writes.put(key, previous);
            }
        }
        undo.subList(mark, undo.size()).clear();
    }

    private void requireSavepoint() {
        if (savepoints.isEmpty()) {
            throw new IllegalStateException("no open savepoint");
        }
    }

    /** Writes everything, together with {@code appliedIndex} as the new last applied Raft index, in one atomic write. */
    public void commit(long appliedIndex) {
        if (committed) {
            throw new IllegalStateException("batch already committed");
        }
        if (!savepoints.isEmpty()) {
            throw new IllegalStateException(savepoints.size() + " savepoint(s) still open at commit");
        }
        if (appliedIndex <= store.appliedIndex()) {
            throw new IllegalStateException("applied index must grow: " + store.appliedIndex() + " -> " + appliedIndex);
        }
        try (WriteBatch batch = new WriteBatch(serialize(appliedIndex))) {
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new StoreException("commit of batch up to index " + appliedIndex + " failed", e);
        }
        committed = true;
        store.committed(appliedIndex);
    }

    /**
     * RocksDB's serialized write batch (the format of {@code WriteBatch::Data()}, stable since LevelDB): a 12-byte
     * header (sequence, assigned by the write, and record count, both little-endian), then per record a type byte and
     * the key (and, for a put, the value), each prefixed with its varint32 length. The applied index goes first.
     */
    private byte[] serialize(long appliedIndex) {
        byte[] index = RocksKvStore.encodeAppliedIndex(appliedIndex);
        int size = HEADER_BYTES + recordBytes(RocksKvStore.APPLIED_INDEX_KEY, index);
        for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
            size += recordBytes(e.getKey(), e.getValue());
        }
        byte[] out = new byte[size];
        int count = writes.size() + 1;
        out[8] = (byte) count;
        out[9] = (byte) (count >>> 8);
        out[10] = (byte) (count >>> 16);
        out[11] = (byte) (count >>> 24);
        int at = writeRecord(out, HEADER_BYTES, RocksKvStore.APPLIED_INDEX_KEY, index);
        for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
            at = writeRecord(out, at, e.getKey(), e.getValue());
        }
        if (at != size) {
            throw new IllegalStateException("serialized " + at + " of " + size + " bytes");
        }
        return out;
    }

    private static int recordBytes(byte[] key, byte[] value) {
        int n = 1 + varintBytes(key.length) + key.length;
        return value == DELETED ? n : n + varintBytes(value.length) + value.length;
    }

    private static int writeRecord(byte[] out, int at, byte[] key, byte[] value) {
        out[at++] = value == DELETED ? TYPE_DELETION : TYPE_VALUE;
        at = writeBytes(out, at, key);
        return value == DELETED ? at : writeBytes(out, at, value);
    }

    private static int writeBytes(byte[] out, int at, byte[] bytes) {
        int n = bytes.length;
        while (n >= 0x80) {
            out[at++] = (byte) (n | 0x80);
            n >>>= 7;
        }
        out[at++] = (byte) n;
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return at + bytes.length;
    }

    private static int varintBytes(int n) {
        int bytes = 1;
        while (n >= 0x80) {
            n >>>= 7;
            bytes++;
        }
        return bytes;
    }

    @Override
    public void close() {
        readOptions.close();
    }
}
