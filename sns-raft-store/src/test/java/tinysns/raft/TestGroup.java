package tinysns.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.domain.Applied;
import tinysns.domain.Command;
import tinysns.domain.DomainConfig;
import tinysns.domain.FollowCommand;
import tinysns.domain.LoginCommand;
import tinysns.domain.PostCommand;
import tinysns.store.TestDirs;

/**
 * Real JRaft replicas of one cluster on 127.0.0.1, each with its own data directory, for integration tests. Every wait
 * is bounded; {@link #close()} closes every replica still open and deletes the directories.
 */
final class TestGroup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TestGroup.class);
    // Short enough for quick tests, long enough that a loaded 2-core machine (other builds, other JVMs) does not
    // depose a fresh leader by missed heartbeats; a leader change mid-test is still retried (see commit/read).
    static final int ELECTION_TIMEOUT_MILLIS = 1000;
    static final long WAIT_MILLIS = 20_000;

    final Path base = TestDirs.newTempDir("raft-test");
    final DomainConfig domain = DomainConfig.of(1, 1);
    final List<String> addresses = new ArrayList<>();
    final List<ClusterReplica> replicas = new ArrayList<>();
    private long clock = 1_700_000_000_000L;
    /** Replica i's TLS key directory ({@link ReplicaOptions#tlsDir}); null: plain. */
    private final java.util.function.IntFunction<Path> tlsDir;

    private TestGroup(java.util.function.IntFunction<Path> tlsDir) {
        this.tlsDir = tlsDir;
    }

    /** Starts {@code voters} replicas forming one group. */
    static TestGroup start(int voters) {
        return start(voters, i -> null);
    }

    /**
     * Starts {@code voters} replicas forming one group, replica i with the TLS key {@code tlsDir.apply(i)} or plain.
     */
    static TestGroup start(int voters, java.util.function.IntFunction<Path> tlsDir) {
        TestGroup group = new TestGroup(tlsDir);
        try {
            for (int i = 0; i < voters; i++) {
                group.addresses.add("127.0.0.1:" + freePort());
            }
            for (int i = 0; i < voters; i++) {
                group.replicas.add(group.startReplica(i, group.addresses));
            }
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ReplicaOptions options(int i, List<String> voters) {
        return ReplicaOptions.of(domain, addresses.get(i), voters, base.resolve("node-" + i))
                .withElectionTimeoutMillis(ELECTION_TIMEOUT_MILLIS)
                // Snapshots only when a test asks for one.
                .withSnapshotIntervalSecs(0)
                .withTlsDir(tlsDir.apply(i));
    }

    ClusterReplica startReplica(int i, List<String> voters) {
        ClusterReplica replica = new ClusterReplica(options(i, voters));
        try {
            replica.start();
        } catch (RuntimeException e) {
            replica.close();
            throw e;
        }
        return replica;
    }

    /** Restarts replica {@code i} from its data directory (its Raft log holds its configuration). */
    ClusterReplica restart(int i) {
        replicas.get(i).close();
        ClusterReplica replica = startReplica(i, addresses);
        replicas.set(i, replica);
        return replica;
    }

    /** Adds a fresh, empty replica that waits to be added by the leader. Returns its index. */
    int addFresh() {
        addresses.add("127.0.0.1:" + freePort());
        int i = addresses.size() - 1;
        replicas.add(startReplica(i, List.of()));
        return i;
    }

    ClusterReplica awaitLeader() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (System.nanoTime() < deadline) {
            for (ClusterReplica r : replicas) {
                if (r != null && r.isLeader()) {
                    return r;
                }
            }
            sleep(20);
        }
        return fail("no leader within " + WAIT_MILLIS + " ms");
    }

    static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + WAIT_MILLIS + " ms waiting for " + what);
            }
            sleep(20);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Strictly increasing stamps, as a leader's clock would give. */
    long nextStamp() {
        return ++clock;
    }

    /**
     * Proposes on {@code leader}; if leadership moved (a loaded machine can miss heartbeats), retries on whoever leads
     * now. Safe for session commands: a retry with the same request number returns the first reply.
     */
    Applied commit(ClusterReplica leader, Command command) {
        return retryOnLeaderChange(leader, "proposal " + command, r -> r.propose(command));
    }

    /** A linearizable read on {@code replica}, retried on another replica if a leader change makes it fail. */
    <T> T read(ClusterReplica replica, java.util.function.Function<tinysns.kv.KvReader, T> reader) {
        return retryOnLeaderChange(replica, "read", r -> r.read(reader));
    }

    private <T> T retryOnLeaderChange(ClusterReplica first, String what,
                                      java.util.function.Function<ClusterReplica, java.util.concurrent.CompletableFuture<T>> call) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        ClusterReplica target = first;
        while (true) {
            try {
                return call.apply(target).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof NotLeaderException) || System.nanoTime() > deadline) {
                    throw new AssertionError(what + " failed", e);
                }
                LOG.warn("{} hit a leader change ({}); retrying on the current leader", what, e.getCause().getMessage());
                sleep(100);
                target = awaitLeader();
            } catch (Exception e) {
                throw new AssertionError(what + " failed", e);
            }
        }
    }

    Session login(ClusterReplica leader, long userId) {
        String token = String.format("token-%010d-%s", userId, Long.toHexString(nextStamp()));
        Reply reply = commit(leader, new LoginCommand(userId, token).stamp(nextStamp())).reply();
        assertTrue(reply.ok(), "login " + userId + ": " + reply);
        return new Session(userId, token);
    }

    Reply follow(ClusterReplica leader, Session s, long requestNo, long target) {
        return commit(leader, new FollowCommand(s.userId(), s.token(), requestNo, target).stamp(nextStamp())).reply();
    }

    Reply post(ClusterReplica leader, Session s, long requestNo, String text) {
        return commit(leader, new PostCommand(s.userId(), s.token(), requestNo, text).stamp(nextStamp())).reply();
    }

    static String digest(ClusterReplica r) {
        return HexFormat.of().formatHex(r.readLocal(kv -> r.domain().digest(kv)));
    }

    /** Waits until {@code follower} has applied what {@code leader} has, then requires equal state. */
    static void assertSameState(ClusterReplica leader, ClusterReplica follower) {
        awaitTrue(follower.raftAddress() + " to reach applied index " + leader.appliedIndex(),
                () -> follower.appliedIndex() >= leader.appliedIndex());
        assertEquals(leader.appliedIndex(), follower.appliedIndex());
        assertEquals(digest(leader), digest(follower), "digest of " + follower.raftAddress());
    }

    @Override
    public void close() {
        for (ClusterReplica r : replicas) {
            if (r != null) {
                try {
                    r.close();
                } catch (RuntimeException e) {
                    LOG.error("Closing replica {} failed", r.raftAddress(), e);
                }
            }
        }
        TestDirs.deleteQuietly(base);
    }
}
