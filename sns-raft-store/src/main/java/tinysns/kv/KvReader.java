package tinysns.kv;

/** Read access to a sorted key-value space; keys compare as unsigned bytes. */
public interface KvReader {
    /** The value of {@code key}, or null. */
    byte[] get(byte[] key);

    /**
     * Visits the entries with {@code from <= key < to} in ascending key order until the visitor returns false.
     * Keys and values handed to the visitor may be reused by the store after it returns: copy what you keep.
     */
    void scan(byte[] from, byte[] to, KvVisitor visitor);
}
