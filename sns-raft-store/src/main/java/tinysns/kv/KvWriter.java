package tinysns.kv;

/**
 * A transaction the domain writes into while it applies one command. Reads see the transaction's own writes.
 * The adapter decides when the writes become durable (RocksDB write batch) or are rolled back.
 */
public interface KvWriter extends KvReader {
    void put(byte[] key, byte[] value);

    void delete(byte[] key);
}
