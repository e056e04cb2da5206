package tinysns.store;

/**
 * How much memory one replica's state database may take. About six nodes share one machine and a node holding a
 * million posts must stay under 512 MiB RSS, so both caches are small and explicit rather than RocksDB's defaults.
 *
 * @param blockCacheBytes  LRU cache for data, index and filter blocks (index and filters are charged to it too, so
 *                         their memory does not grow unbounded with the number of posts)
 * @param writeBufferBytes size of one memtable; at most two exist at a time
 */
public record StoreOptions(long blockCacheBytes, long writeBufferBytes) {
    public static final long DEFAULT_BLOCK_CACHE_BYTES = 32L << 20;
    public static final long DEFAULT_WRITE_BUFFER_BYTES = 16L << 20;

    public StoreOptions {
        if (blockCacheBytes < (1L << 20)) {
            throw new IllegalArgumentException("blockCacheBytes must be >= 1 MiB, got " + blockCacheBytes);
        }
        if (writeBufferBytes < (1L << 20)) {
            throw new IllegalArgumentException("writeBufferBytes must be >= 1 MiB, got " + writeBufferBytes);
        }
    }

    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_BLOCK_CACHE_BYTES, DEFAULT_WRITE_BUFFER_BYTES);
    }
}
