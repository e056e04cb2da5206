package tinysns.raft;

import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import com.alipay.sofa.jraft.util.StorageOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;

/**
 * Caps the memtables of JRaft's own RocksDB (the Raft log). Its default is 64 MiB × 3 per column family, far more than
 * a node's 512 MiB budget allows when it shares the machine with five others. JRaft reads these options from a
 * JVM-wide registry keyed by class, so they are registered once per JVM, before the first node starts.
 */
final class RaftLogStorageTuning {
    static final long LOG_WRITE_BUFFER_BYTES = 16L << 20;

    private static boolean registered;

    private RaftLogStorageTuning() {
    }

    static synchronized void ensureRegistered() {
        if (registered) {
            return;
        }
        ColumnFamilyOptions options = StorageOptionsFactory.getDefaultRocksDBColumnFamilyOptions()
                .setWriteBufferSize(LOG_WRITE_BUFFER_BYTES)
                .setMaxWriteBufferNumber(2);
        try {
            StorageOptionsFactory.registerRocksDBColumnFamilyOptions(RocksDBLogStorage.class, options);
        } catch (IllegalStateException alreadyRegistered) {
            // Someone else in this JVM registered options for the log storage first; theirs stand.
            options.close();
        }
        registered = true;
    }
}
