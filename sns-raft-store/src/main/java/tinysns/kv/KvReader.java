package tinysns.kv;

import java.util.ArrayList;
import java.util.List;

/** Read access to a sorted key-value space; keys compare as unsigned bytes. */
public interface KvReader {
    /** The value of {@code key}, or null. */
    byte[] get(byte[] key);

    /**
     * The values of {@code keys}, in their order, null where a key is absent: what {@link #get} of each would return,
     * in one call to the store. A store over RocksDB answers it with one {@code MultiGet} (one JNI crossing and one
     * lookup pass instead of one per key); this default is for stores where a get costs no more than a map lookup.
     */
    default List<byte[]> getAll(List<byte[]> keys) {
        List<byte[]> values = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            values.add(get(key));
        }
        return values;
    }

    /**
     * Visits the entries with {@code from <= key < to} in ascending key order until the visitor returns false.
     * Keys and values handed to the visitor may be reused by the store after it returns: copy what you keep.
     */
    void scan(byte[] from, byte[] to, KvVisitor visitor);
}
