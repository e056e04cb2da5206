package tinysns.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tinysns.kv.KvReader;

class RocksKvStoreTest {
    private final Path tmp = TestDirs.newTempDir("store-test");

    @AfterEach
    void cleanUp() {
        TestDirs.deleteQuietly(tmp);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> keys(KvReader r, String from, String to) {
        List<String> out = new ArrayList<>();
        r.scan(b(from), b(to), (k, v) -> out.add(new String(k, StandardCharsets.UTF_8) + "="
                + new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void batchReadsItsOwnWritesAndCommitsAtomicallyWithTheIndex() {
        try (RocksKvStore store = RocksKvStore.open(tmp.resolve("db"), StoreOptions.defaults())) {
            assertEquals(0, store.appliedIndex());
            try (ApplyBatch batch = store.begin()) {
                batch.put(b("Ka"), b("1"));
                batch.put(b("Kc"), b("3"));
                batch.savepoint();
                batch.put(b("Kb"), b("2"));
                batch.delete(b("Ka"));
                assertNull(batch.get(b("Ka")));
                assertEquals(List.of("Kb=2", "Kc=3"), keys(batch, "K", "L"));
                batch.rollbackToSavepoint();
                assertArrayEquals(b("1"), batch.get(b("Ka")));
                assertEquals(List.of("Ka=1", "Kc=3"), keys(batch, "K", "L"));
                // Nothing is visible outside the batch before commit.
                assertNull(store.reader().get(b("Ka")));
                batch.commit(5);
            }
            assertEquals(5, store.appliedIndex());
            assertEquals(List.of("Ka=1", "Kc=3"), keys(store.reader(), "K", "L"));
            // The reserved index key lies outside every domain range.
            assertEquals(List.of("Ka=1", "Kc=3"), keys(store.reader(), "A", "[" ));

            try (ApplyBatch batch = store.begin()) {
                batch.put(b("Kd"), b("4"));
                // Merged scan: committed Ka, Kc plus the batch's Kd, in order.
                assertEquals(List.of("Ka=1", "Kc=3", "Kd=4"), keys(batch, "K", "L"));
                assertThrows(IllegalStateException.class, () -> batch.commit(5), "index must grow");
                assertThrows(IllegalArgumentException.class, () -> batch.put(new byte[] {0, 1}, b("x")));
            }
            assertNull(store.reader().get(b("Kd")), "an uncommitted batch leaves nothing behind");
        }
        try (RocksKvStore reopened = RocksKvStore.open(tmp.resolve("db"), StoreOptions.defaults())) {
            assertEquals(5, reopened.appliedIndex());
            assertEquals(List.of("Ka=1", "Kc=3"), reopened.read(r -> keys(r, "K", "L")));
        }
    }

    @Test
    void getAllAnswersEachKeyInOrderFromTheReadsOneView() {
        try (RocksKvStore store = RocksKvStore.open(tmp.resolve("db"), StoreOptions.defaults())) {
            try (ApplyBatch batch = store.begin()) {
                batch.put(b("Ka"), b("1"));
                batch.put(b("Kc"), b("3"));
                batch.commit(1);
            }
            List<byte[]> keys = List.of(b("Kc"), b("Kb"), b("Ka"), b("Kc"));
            for (KvReader reader : List.of(store.reader(), new tinysns.kv.MemoryKv())) {
                assertEquals(List.of(), reader.getAll(List.of()), "no keys: rocksdbjni would assert");
            }
            assertEquals(List.of("3", "-", "1", "3"), strings(store.reader().getAll(keys)));
            List<String> inRead = store.read(r -> {
                try (ApplyBatch batch = store.begin()) { // a commit in the middle of the read
                    batch.put(b("Kb"), b("2"));
                    batch.delete(b("Ka"));
                    batch.commit(2);
                }
                return strings(r.getAll(keys));
            });
            assertEquals(List.of("3", "-", "1", "3"), inRead, "the view the read began with");
            assertEquals(List.of("3", "2", "-", "3"), store.read(r -> strings(r.getAll(keys))));
            try (ApplyBatch batch = store.begin()) {
                batch.put(b("Ka"), b("pending"));
                assertEquals(List.of("3", "2", "pending", "3"), strings(batch.getAll(keys)), "the batch's own writes");
            }
        }
    }

    private static List<String> strings(List<byte[]> values) {
        return values.stream().map(v -> v == null ? "-" : new String(v, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void committedBatchHoldsDeletesOverwritesAndLongValuesAndDropsRolledBackWrites() {
        byte[] big = new byte[70_000]; // a three-byte varint length
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        byte[] medium = new byte[200]; // two bytes
        try (RocksKvStore store = RocksKvStore.open(tmp.resolve("db"), StoreOptions.defaults())) {
            try (ApplyBatch batch = store.begin()) {
                batch.put(b("Ka"), b("1"));
                batch.put(b("Kb"), b("2"));
                batch.put(b("Ke"), b(""));
                batch.commit(1);
            }
            try (ApplyBatch batch = store.begin()) {
                batch.savepoint();
                batch.put(b("Ka"), b("one"));
                batch.delete(b("Kb"));
                batch.put(b("Kc"), big);
                batch.releaseSavepoint();
                batch.savepoint();
                batch.put(b("Ka"), b("rolled back"));
                batch.delete(b("Kc"));
                batch.put(b("Kd"), medium);
                batch.savepoint();
                batch.put(b("Kd"), b("nested"));
                batch.releaseSavepoint();
                assertArrayEquals(b("nested"), batch.get(b("Kd")));
                batch.rollbackToSavepoint();
                assertArrayEquals(b("one"), batch.get(b("Ka")));
                assertArrayEquals(big, batch.get(b("Kc")));
                assertNull(batch.get(b("Kd")));
                batch.savepoint();
                batch.put(b("Kd"), medium);
                batch.releaseSavepoint();
                batch.commit(2);
            }
        }
        try (RocksKvStore reopened = RocksKvStore.open(tmp.resolve("db"), StoreOptions.defaults())) {
            assertEquals(2, reopened.appliedIndex());
            assertArrayEquals(b("one"), reopened.reader().get(b("Ka")));
            assertNull(reopened.reader().get(b("Kb")));
            assertArrayEquals(big, reopened.reader().get(b("Kc")));
            assertArrayEquals(medium, reopened.reader().get(b("Kd")));
            assertArrayEquals(b(""), reopened.reader().get(b("Ke")));
        }
    }

    /**
     * The state db skips its WAL (the Raft log is the source of truth): a crash loses the memtable, and with it the
     * applied index of what it held, so the database reopens as an earlier consistent state for the log to replay onto.
     */
    @Test
    void aCrashLosesUnflushedBatchesTogetherWithTheirAppliedIndex() {
        Path crashed = tmp.resolve("crashed");
        try (RocksKvStore store = RocksKvStore.open(tmp.resolve("db"), StoreOptions.defaults())) {
            try (ApplyBatch batch = store.begin()) {
                batch.put(b("Ka"), b("1"));
                batch.commit(1);
            }
            store.checkpointTo(tmp.resolve("cp")); // flushes the memtable: index 1 is on disk now
            for (int i = 2; i <= 5; i++) {
                try (ApplyBatch batch = store.begin()) {
                    batch.put(b("Ka"), b(Integer.toString(i)));
                    batch.put(b("Kb" + i), b("x"));
                    batch.commit(i);
                }
            }
            TestDirs.copyTree(tmp.resolve("db"), crashed); // the files a kill -9 would leave now
        }
        try (RocksKvStore reopened = RocksKvStore.open(crashed, StoreOptions.defaults())) {
            assertEquals(1, reopened.appliedIndex());
            assertEquals(List.of("Ka=1"), keys(reopened.reader(), "K", "L"));
        }
    }

    @Test
    void checkpointCanReplaceAnotherStore() {
        try (RocksKvStore source = RocksKvStore.open(tmp.resolve("a"), StoreOptions.defaults());
             RocksKvStore target = RocksKvStore.open(tmp.resolve("b"), StoreOptions.defaults())) {
            try (ApplyBatch batch = source.begin()) {
                batch.put(b("Ux"), b("x"));
                batch.commit(9);
            }
            try (ApplyBatch batch = target.begin()) {
                batch.put(b("Uy"), b("stale"));
                batch.commit(2);
            }
            source.checkpointTo(tmp.resolve("cp"));
            target.replaceWith(tmp.resolve("cp"));
            assertEquals(9, target.appliedIndex());
            assertEquals(List.of("Ux=x"), keys(target.reader(), "U", "V"));
            // The target now lives on its own: writing to it does not touch the checkpoint or the source.
            try (ApplyBatch batch = target.begin()) {
                batch.put(b("Uz"), b("z"));
                batch.commit(10);
            }
            assertNull(source.reader().get(b("Uz")));
        }
    }
}
