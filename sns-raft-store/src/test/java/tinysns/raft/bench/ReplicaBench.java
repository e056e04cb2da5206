package tinysns.raft.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tinysns.api.Reply;
import tinysns.codec.CommandCodec;
import tinysns.domain.Applied;
import tinysns.domain.Command;
import tinysns.domain.DomainConfig;
import tinysns.domain.FollowCommand;
import tinysns.domain.LoginCommand;
import tinysns.domain.PostCommand;
import tinysns.raft.ClusterReplica;
import tinysns.raft.ReplicaOptions;
import tinysns.domain.SnsStateMachine;
import tinysns.store.ApplyBatch;
import tinysns.store.RocksKvStore;
import tinysns.store.StoreOptions;

/**
 * Throughput and latency of one 2-voter cluster in one JVM on 127.0.0.1, fsync on (JRaft's default). Not a test: run
 * it by hand (docs/performance.md has the command).
 *
 * <pre>ReplicaBench [seconds=10] [inFlight=64] [sequentialPosts=5000] [users=64] [followersPerUser=5] [warmUpSeconds=10]</pre>
 *
 * <p>(a) posts committed per second with {@code inFlight} proposals outstanding, (b) latency of one post at a time
 * (propose → applied on the leader, which includes the follower's fsync).
 */
public final class ReplicaBench {
    private static final String TEXT = "A post of about one hundred characters, like most posts people write on a small network. ok";

    private final long[] requestNo;
    private final String[] tokens;
    private long clock = System.currentTimeMillis();

    private ReplicaBench(int users) {
        requestNo = new long[users + 1];
        tokens = new String[users + 1];
    }

    public static void main(String[] args) throws Exception {
        int seconds = arg(args, 0, 10);
        int inFlight = arg(args, 1, 64);
        int sequential = arg(args, 2, 5000);
        int users = arg(args, 3, 64);
        int followers = arg(args, 4, 5);
        // Until C2 has compiled JRaft's, Bolt's and our hot paths, throughput climbs for ~10 s on 2 cores that the
        // compiler shares with the load; a shorter warm-up measures the JIT, not the replica.
        int warmUpSeconds = arg(args, 5, 10);

        codecCost();
        applyCost(users, followers);

        Path base = Files.createTempDirectory("replica-bench");
        List<String> voters = List.of("127.0.0.1:" + freePort(), "127.0.0.1:" + freePort());
        DomainConfig domain = DomainConfig.of(1, 1);
        List<ClusterReplica> replicas = new ArrayList<>();
        try {
            for (int i = 0; i < voters.size(); i++) {
                ClusterReplica r = new ClusterReplica(ReplicaOptions.of(domain, voters.get(i), voters,
                        base.resolve("node-" + i)).withSnapshotIntervalSecs(0));
                replicas.add(r);
                r.start();
            }
            ClusterReplica leader = awaitLeader(replicas);
            ReplicaBench bench = new ReplicaBench(users);
            bench.setUp(leader, users, followers);
            System.out.printf("setup: %d users, each followed by %d, leader %s%n", users, followers,
                    leader.raftAddress());

            bench.throughput(leader, users, inFlight, warmUpSeconds);
            long cpu0 = processCpuNanos();
            long wall0 = System.nanoTime();
            double perSecond = bench.throughput(leader, users, inFlight, seconds);
            double cpuCores = (processCpuNanos() - cpu0) / (double) (System.nanoTime() - wall0);
            System.out.printf("(a) throughput: %.0f posts/s committed (%d in flight, %d s); this JVM used %.2f cores,"
                    + " %.0f us of CPU per post (both replicas, client, GC, JIT)%n", perSecond, inFlight, seconds,
                    cpuCores, cpuCores * 1e6 / perSecond);

            bench.latency(leader, users, 500); // warm-up
            long[] nanos = bench.latency(leader, users, sequential);
            Arrays.sort(nanos);
            System.out.printf("(b) sequential commit latency over %d posts: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
                    + "p99.9 %.3f ms, max %.3f ms%n", sequential, ms(pct(nanos, 50)), ms(pct(nanos, 90)),
                    ms(pct(nanos, 99)), ms(pct(nanos, 99.9)), ms(nanos[nanos.length - 1]));
            System.out.printf("JVM RSS (both replicas): %s%n", rss());
        } finally {
            for (ClusterReplica r : replicas) {
                r.close();
            }
            deleteRecursively(base);
        }
    }

    private void setUp(ClusterReplica leader, int users, int followers) throws Exception {
        for (int u = 1; u <= users; u++) {
            tokens[u] = String.format("bench-token-%08d-0123456789abcdef", u);
            check(commit(leader, new LoginCommand(u, tokens[u])), "login " + u);
        }
        for (int u = 1; u <= users; u++) {
            for (int k = 1; k <= followers; k++) {
                long target = (u + k - 1) % users + 1;
                if (target != u) {
                    check(commit(leader, new FollowCommand(u, tokens[u], ++requestNo[u], target)), "follow");
                }
            }
        }
    }

    private Applied commit(ClusterReplica leader, Command command) throws Exception {
        return leader.propose(command.stamp(++clock)).get(10, TimeUnit.SECONDS);
    }

    private static void check(Applied applied, String what) {
        Reply reply = applied.reply();
        if (!reply.ok()) {
            throw new IllegalStateException(what + " failed: " + reply);
        }
    }

    /**
     * One submitting thread keeps {@code inFlight} proposals outstanding. Submission order is log order, so each
     * session's request numbers still reach the state machine in increasing order.
     */
    private double throughput(ClusterReplica leader, int users, int inFlight, int seconds) throws Exception {
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        int u = 0;
        boolean verbose = Boolean.getBoolean("bench.progress");
        long nextReport = start + TimeUnit.SECONDS.toNanos(1);
        long reported = 0;
        while (System.nanoTime() < end) {
            if (verbose && System.nanoTime() >= nextReport) {
                System.out.printf("  %d posts/s%n", ok.get() - reported);
                reported = ok.get();
                nextReport += TimeUnit.SECONDS.toNanos(1);
            }
            slots.acquire();
            u = u % users + 1;
            CompletableFuture<Applied> f = leader.propose(
                    new PostCommand(u, tokens[u], ++requestNo[u], TEXT).stamp(++clock));
            f.whenComplete((applied, error) -> {
                if (error == null && applied.reply().ok()) {
                    ok.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                }
                slots.release();
            });
        }
        slots.acquire(inFlight); // drain
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (failed.get() > 0) {
            System.out.printf("  %d proposals failed%n", failed.get());
        }
        return ok.get() / elapsed;
    }

    private long[] latency(ClusterReplica leader, int users, int count) throws Exception {
        long[] nanos = new long[count];
        int u = 0;
        for (int i = 0; i < count; i++) {
            u = u % users + 1;
            Command post = new PostCommand(u, tokens[u], ++requestNo[u], TEXT).stamp(++clock);
            long t0 = System.nanoTime();
            Applied applied = leader.propose(post).get(10, TimeUnit.SECONDS);
            nanos[i] = System.nanoTime() - t0;
            check(applied, "post");
        }
        return nanos;
    }

    /**
     * The state machine over RocksDB without Raft, in batches of 128 as the apply loop does: the ceiling one replica's
     * apply thread can reach.
     */
    private static void applyCost(int users, int followers) throws Exception {
        Path dir = Files.createTempDirectory("apply-bench");
        try (RocksKvStore store = RocksKvStore.open(dir, StoreOptions.defaults())) {
            SnsStateMachine domain = new SnsStateMachine(DomainConfig.of(1, 1));
            ReplicaBench bench = new ReplicaBench(users);
            long[] index = {0};
            java.util.function.Consumer<List<Command>> applyAll = commands -> {
                try (ApplyBatch batch = store.begin()) {
                    for (Command c : commands) {
                        batch.savepoint();
                        Applied applied = domain.apply(c.stamp(++bench.clock), batch);
                        batch.releaseSavepoint();
                        check(applied, "apply");
                    }
                    batch.commit(++index[0]);
                }
            };
            List<Command> setup = new ArrayList<>();
            for (int u = 1; u <= users; u++) {
                bench.tokens[u] = String.format("bench-token-%08d-0123456789abcdef", u);
                setup.add(new LoginCommand(u, bench.tokens[u]));
            }
            for (int u = 1; u <= users; u++) {
                for (int k = 1; k <= followers; k++) {
                    long target = (u + k - 1) % users + 1;
                    if (target != u) {
                        setup.add(new FollowCommand(u, bench.tokens[u], ++bench.requestNo[u], target));
                    }
                }
            }
            applyAll.accept(setup);
            for (int round = 0; round < 2; round++) {
                int n = 100_000;
                long t0 = System.nanoTime();
                int u = 0;
                for (int done = 0; done < n; done += 128) {
                    List<Command> posts = new ArrayList<>(128);
                    for (int i = 0; i < 128; i++) {
                        u = u % users + 1;
                        posts.add(new PostCommand(u, bench.tokens[u], ++bench.requestNo[u], TEXT));
                    }
                    applyAll.accept(posts);
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                if (round == 1) {
                    System.out.printf("apply only (domain + RocksDB, batches of 128): %.0f posts/s, %.1f us/post%n",
                            n / secs, secs * 1e6 / n);
                }
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    /** Cost of the Hessian codec alone, to tell whether it could limit the 20k posts/s goal. */
    private static void codecCost() {
        Command post = new PostCommand(7, "bench-token-00000007-0123456789abcdef", 1, TEXT).stamp(1);
        byte[] bytes = CommandCodec.encode(post);
        int n = 200_000;
        for (int warm = 0; warm < 2; warm++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                bytes = CommandCodec.encode(post);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                post = CommandCodec.decode(bytes);
            }
            long t2 = System.nanoTime();
            if (warm == 1) {
                System.out.printf("codec: post entry %d bytes, encode %.2f us, decode %.2f us%n", bytes.length,
                        (t1 - t0) / 1e3 / n, (t2 - t1) / 1e3 / n);
            }
        }
    }

    private static ClusterReplica awaitLeader(List<ClusterReplica> replicas) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (ClusterReplica r : replicas) {
                if (r.isLeader()) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no leader within 20 s");
    }

    private static long pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** This JVM's resident set size as /proc reports it (also used by ReadBench). */
    static String rss() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                    .map(l -> l.substring(6).trim()).findFirst().orElse("?");
        } catch (IOException e) {
            return "? (" + e + ")";
        }
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
