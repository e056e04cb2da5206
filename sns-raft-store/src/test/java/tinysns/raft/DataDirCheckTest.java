package tinysns.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tinysns.api.Reply;
import tinysns.domain.Command;
import tinysns.domain.DomainConfig;
import tinysns.domain.FollowCommand;
import tinysns.domain.LoginCommand;
import tinysns.domain.PostCommand;
import tinysns.store.TestDirs;

/**
 * Issue 7 item 5 (c): a data directory that belongs to another cluster or replica, or is corrupt or unreadable, makes
 * the replica refuse to start with one clear line naming the directory and what is wrong — and the directory's bytes
 * are the same afterwards (a hash of the whole tree before and after). One real replica (cluster 1 of 3, replica 1)
 * writes users, a follow and posts once; every test damages its own copy of that directory.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataDirCheckTest {
    private static final DomainConfig CLUSTER_1 = DomainConfig.of(1, 3);
    private static Path golden;
    private static String goldenDigest;

    private Path base;
    private Path dir;

    @BeforeAll
    static void writeOneReplicasData() {
        golden = TestDirs.newTempDir("datadir-golden").resolve("node-1");
        ClusterReplica replica = new ClusterReplica(options(CLUSTER_1, 1, golden));
        try {
            replica.start();
            TestGroup.awaitTrue("a leader", replica::isLeader);
            long stamp = 1_700_000_000_000L;
            commit(replica, new LoginCommand(1, "token-0000000001").stamp(++stamp));
            commit(replica, new LoginCommand(4, "token-0000000004").stamp(++stamp));
            commit(replica, new FollowCommand(1, "token-0000000001", 1, 4).stamp(++stamp));
            for (int i = 1; i <= 5; i++) {
                commit(replica, new PostCommand(4, "token-0000000004", i, "post " + i).stamp(++stamp));
            }
            goldenDigest = TestGroup.digest(replica);
        } finally {
            replica.close();
        }
    }

    @AfterAll
    static void deleteGolden() {
        TestDirs.deleteQuietly(golden.getParent());
    }

    @BeforeEach
    void copyGolden() {
        base = TestDirs.newTempDir("datadir-check");
        dir = base.resolve("node-1");
        TestDirs.copyTree(golden, dir);
    }

    @AfterEach
    void deleteCopy() throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.forEach(p -> p.toFile().setWritable(true));
            }
            setPermissions(dir, "rwx------");
        }
        TestDirs.deleteQuietly(base);
    }

    private static ReplicaOptions options(DomainConfig domain, int replicaId, Path dataDir) {
        String self = "127.0.0.1:" + TestGroup.freePort();
        return ReplicaOptions.of(domain, self, List.of(self), dataDir).withElectionTimeoutMillis(300)
                .withSnapshotIntervalSecs(0).withReplicaId(replicaId);
    }

    private static void commit(ClusterReplica replica, Command command) {
        try {
            Reply reply = replica.propose(command).get(20, TimeUnit.SECONDS).reply();
            assertTrue(reply.ok(), command + ": " + reply);
        } catch (Exception e) {
            throw new AssertionError(command + " failed", e);
        }
    }

    @Test
    void theUndamagedCopyStartsWithEverythingInIt() {
        ClusterReplica replica = new ClusterReplica(options(CLUSTER_1, 1, dir));
        try {
            replica.start();
            assertEquals(goldenDigest, TestGroup.digest(replica));
        } finally {
            replica.close();
        }
    }

    @Test
    void anotherClustersDirectoryIsRefusedByItsIdentityFile() {
        String message = assertRefused(options(DomainConfig.of(2, 3), 1, dir));
        assertTrue(message.contains("belongs to cluster 1 of 3"), message);
        assertTrue(message.contains("not cluster 2 of 3"), message);
    }

    @Test
    void anotherClustersDirectoryWithoutIdentityFileIsRefusedByItsState() throws IOException {
        Files.delete(dir.resolve(DataDirCheck.IDENTITY_FILE)); // as written before identity files existed
        String message = assertRefused(options(DomainConfig.of(2, 3), 1, dir));
        assertTrue(message.contains("state db of another cluster"), message);
        assertTrue(message.contains("belongs to cluster 1 of 3, not cluster 2 of 3"), message);
    }

    @Test
    void aDeploymentOfAnotherSizeIsRefused() {
        String message = assertRefused(options(DomainConfig.of(1, 2), 1, dir));
        assertTrue(message.contains("belongs to cluster 1 of 3"), message);
    }

    @Test
    void anotherReplicasDirectoryIsRefused() {
        String message = assertRefused(options(CLUSTER_1, 2, dir));
        assertTrue(message.contains("belongs to replica 1 of cluster 1"), message);
        assertTrue(message.contains("not replica 2"), message);
    }

    @Test
    void aDirectoryWithoutIdentityFileIsAdoptedAndStamped() throws IOException {
        Files.delete(dir.resolve(DataDirCheck.IDENTITY_FILE));
        ClusterReplica replica = new ClusterReplica(options(CLUSTER_1, 1, dir));
        try {
            replica.start();
            assertEquals(goldenDigest, TestGroup.digest(replica));
        } finally {
            replica.close();
        }
        String identity = Files.readString(dir.resolve(DataDirCheck.IDENTITY_FILE));
        assertTrue(identity.contains("cluster=1\nclusters=3\n") && identity.contains("replica=1\n"), identity);
    }

    @Test
    void garbageCurrentOfTheStateDbIsRefused() throws IOException {
        Files.writeString(dir.resolve("state/CURRENT"), "garbage\u0000\u0001 not a manifest name\n");
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("state db that cannot be opened"), message);
    }

    @Test
    void anOverwrittenTableFileOfTheStateDbIsRefused() throws IOException {
        overwriteWithGarbage(largest(dir.resolve("state"), ".sst"));
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("state db that cannot be opened"), message);
    }

    @Test
    void aTruncatedTableFileOfTheStateDbIsRefused() throws IOException {
        truncateToHalf(largest(dir.resolve("state"), ".sst"));
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("state db that cannot be opened"), message);
    }

    @Test
    void aStateDbWithoutCurrentIsRefusedNotRecreated() throws IOException {
        Files.delete(dir.resolve("state/CURRENT"));
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("with files but no CURRENT"), message);
    }

    @Test
    void garbageCurrentOfTheRaftLogIsRefused() throws IOException {
        Files.writeString(dir.resolve("raft/log/CURRENT"), "MANIFEST-999999\n");
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("Raft log"), message);
        assertTrue(message.contains("cannot be opened"), message);
    }

    @Test
    void anOverwrittenManifestOfTheRaftLogIsRefused() throws IOException {
        overwriteWithGarbage(largest(dir.resolve("raft/log"), "MANIFEST-"));
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("Raft log"), message);
    }

    @Test
    void anOverwrittenWriteAheadLogOfTheRaftLogIsRefused() throws IOException {
        // The Raft log's entries live in RocksDB's WAL until a flush: garbage there must not be read as "the log ends".
        overwriteWithGarbage(largest(dir.resolve("raft/log"), ".log"));
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("Raft log"), message);
    }

    @Test
    void aCorruptRaftMetaFileIsRefused() throws IOException {
        overwriteWithGarbage(dir.resolve("raft/meta/raft_meta"));
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("Raft meta file"), message);
    }

    @Test
    void aCorruptEpochFileIsRefused() throws IOException {
        Files.writeString(dir.resolve("epoch"), "not a number");
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("corrupt epoch file"), message);
    }

    @Test
    void aFileInPlaceOfTheDirectoryIsRefused() throws IOException {
        Path file = base.resolve("a-file");
        Files.writeString(file, "not a directory");
        DataDirRefusedException e = assertThrows(DataDirRefusedException.class,
                () -> new ClusterReplica(options(CLUSTER_1, 1, file)));
        assertTrue(e.getMessage().contains(file + ": it is not a directory"), e.getMessage());
        assertEquals("not a directory", Files.readString(file));
    }

    @Test
    void anUnreadableStateDbIsRefused() throws IOException {
        // root reads everything whatever the permission bits say; the process-level test covers a non-root user.
        assumeFalse("root".equals(System.getProperty("user.name")), "running as root: permission bits do not apply");
        setPermissions(dir.resolve("state"), "---------");
        String message = assertRefused(options(CLUSTER_1, 1, dir));
        assertTrue(message.contains("permission denied"), message);
    }

    @Test
    void anUnreadableDataDirIsRefused() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "running as root: permission bits do not apply");
        setPermissions(dir, "---------");
        DataDirRefusedException e = assertThrows(DataDirRefusedException.class,
                () -> new ClusterReplica(options(CLUSTER_1, 1, dir)));
        assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
    }

    /** The replica refuses {@code options}' directory in one line naming it, and leaves every byte of it as it was. */
    private String assertRefused(ReplicaOptions options) {
        String before = treeHash(options.dataDir());
        DataDirRefusedException e = assertThrows(DataDirRefusedException.class, () -> {
            ClusterReplica replica = new ClusterReplica(options);
            replica.close();
        });
        String message = e.getMessage();
        assertTrue(message.startsWith("refusing data directory " + options.dataDir() + ": it "), message);
        assertFalse(message.contains("\n"), "one line: " + message);
        assertEquals(before, treeHash(options.dataDir()), "the refused directory was changed");
        return message;
    }

    /** SHA-256 over every path under {@code root} (sorted) and every file's bytes. */
    static String treeHash(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path p : walk.sorted(Comparator.comparing(Path::toString)).toList()) {
                sha.update(root.relativize(p).toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                if (Files.isRegularFile(p)) {
                    sha.update(Files.readAllBytes(p));
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path largest(Path db, String nameSuffixOrPrefix) throws IOException {
        try (Stream<Path> files = Files.list(db)) {
            return files.filter(p -> p.getFileName().toString().endsWith(nameSuffixOrPrefix)
                            || p.getFileName().toString().startsWith(nameSuffixOrPrefix))
                    .max(Comparator.comparingLong(DataDirCheckTest::size))
                    .orElseThrow(() -> new AssertionError("no " + nameSuffixOrPrefix + " file in " + db));
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void overwriteWithGarbage(Path file) throws IOException {
        byte[] garbage = new byte[(int) Math.max(64, Files.size(file))];
        new java.util.Random(7).nextBytes(garbage);
        Files.write(file, garbage);
    }

    private static void truncateToHalf(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    }

    private static void setPermissions(Path p, String permissions) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(permissions));
    }
}
