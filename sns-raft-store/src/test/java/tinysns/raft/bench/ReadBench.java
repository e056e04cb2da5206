package tinysns.raft.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineReply;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.domain.Applied;
import tinysns.domain.Command;
import tinysns.domain.DomainConfig;
import tinysns.domain.FollowCommand;
import tinysns.domain.LoginCommand;
import tinysns.domain.PostCommand;
import tinysns.domain.SnsStateMachine;
import tinysns.kv.KvReader;
import tinysns.store.ApplyBatch;
import tinysns.store.RocksKvStore;
import tinysns.store.StoreOptions;

/**
 * Cost of the reads a master serves most (issue 13): a home timeline and a user timeline of 20 posts, through
 * {@link RocksKvStore#read} and the domain as the node's {@code ClientGateway.readAs} runs them (the session checked by
 * the master's clock, then the read), and the Java serialization of the reply that RMI sends. No Raft, no RMI: the
 * store and the domain alone. Not a test: run it by hand ({@code scripts/bench-reads.sh}).
 *
 * <pre>ReadBench [dbDir|-] [users=1000] [follows=20] [posts=100000] [seconds=5]</pre>
 *
 * <p>The state is made through the state machine (logins, {@code follows} follows per user, {@code posts} posts round
 * robin, in apply batches of 128) and the store is reopened before reading, so the reads find flushed SST files as a
 * restarted node would. With a {@code dbDir} the filled database is kept and reused by the next run with the same
 * sizes (the key layout is the same before and after issue 13, so an older build reads it too).
 */
public final class ReadBench {
    private static final long CLOCK_START_MILLIS = 1_700_000_000_000L;
    private static final int LIMIT = 20;
    private static final int MAX_SAMPLES_PER_THREAD = 1_000_000;
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private final RocksKvStore store;
    private final SnsStateMachine machine;
    private final Session[] sessions;
    private final long nowMillis;
    private final Query home;
    private final Query own;
    private String homeName;
    private String ownName;

    /** One read as the gateway makes it: {@code (view, session, random author) -> reply}. */
    private interface Query {
        TimelineReply run(KvReader kv, Session session, long authorId);
    }

    private ReadBench(RocksKvStore store, SnsStateMachine machine, Session[] sessions, long nowMillis) {
        this.store = store;
        this.machine = machine;
        this.sessions = sessions;
        this.nowMillis = nowMillis;
        this.home = gatewayQuery("homeTimeline", true);
        this.own = gatewayQuery("authorTimeline", false);
    }

    public static void main(String[] args) throws Exception {
        String dbArg = args.length > 0 ? args[0] : "-";
        int users = arg(args, 1, 1000);
        int follows = arg(args, 2, 20);
        int posts = arg(args, 3, 100_000);
        int seconds = arg(args, 4, 5);
        DomainConfig config = DomainConfig.of(1, 1);
        SnsStateMachine machine = new SnsStateMachine(config);
        boolean temporary = dbArg.equals("-");
        Path dir = temporary ? Files.createTempDirectory("read-bench") : Path.of(dbArg);
        String sizes = users + " users x " + follows + " follows, " + posts + " posts";
        Path marker = dir.resolve("bench-sizes");
        try {
            long clock;
            if (Files.exists(marker) && Files.readString(marker).startsWith(sizes + "\n")) {
                clock = Long.parseLong(Files.readString(marker).split("\n")[1].trim());
                System.out.printf("state: %s (reused %s)%n", sizes, dir);
            } else {
                if (Files.exists(dir)) {
                    deleteRecursively(dir);
                }
                long t0 = System.nanoTime();
                clock = fill(dir, machine, users, follows, posts);
                Files.writeString(marker, sizes + "\n" + clock + "\n");
                System.out.printf("state: %s, filled in %.1f s%n", sizes, (System.nanoTime() - t0) / 1e9);
            }
            Session[] sessions = new Session[users + 1];
            for (int u = 1; u <= users; u++) {
                sessions[u] = new Session(u, token(u));
            }
            // -Dbench.blockCacheMiB=N: to tell the cost of the code from the cost of block cache misses.
            StoreOptions storeOptions = new StoreOptions(
                    Long.getLong("bench.blockCacheMiB", StoreOptions.DEFAULT_BLOCK_CACHE_BYTES >> 20) << 20,
                    StoreOptions.DEFAULT_WRITE_BUFFER_BYTES);
            System.out.printf("block cache: %d MiB%n", storeOptions.blockCacheBytes() >> 20);
            try (RocksKvStore store = RocksKvStore.open(dir, storeOptions)) {
                ReadBench bench = new ReadBench(store, machine, sessions, clock);
                bench.run(seconds);
            }
            System.out.printf("JVM RSS: %s, load average: %s%n", ReplicaBench.rss(), loadAverage());
        } finally {
            if (temporary) {
                deleteRecursively(dir);
            }
        }
    }

    private void run(int seconds) throws Exception {
        System.out.printf("gateway path: home %s, user %s%n", homeName, ownName);
        TimelineReply sample = store.read(kv -> home.run(kv, sessions[1], 2));
        if (sample.status() != Status.SUCCESS || sample.posts().size() != LIMIT) {
            throw new IllegalStateException("home timeline of user 1: " + sample.status() + ", "
                    + sample.posts().size() + " posts");
        }
        // Warm-up: C2 compiles the read path of all three; what is timed afterwards is the code, not the JIT.
        for (int threads = 1; threads <= 2; threads++) {
            measure("warm-up", threads, Math.max(1, seconds / 2), (kv, s, a) -> null, false);
            measure("warm-up", threads, Math.max(1, seconds / 2), home, false);
            measure("warm-up", threads, Math.max(1, seconds / 2), own, false);
        }
        for (int threads = 1; threads <= 2; threads++) {
            measure("empty read(fn)", threads, seconds, (kv, s, a) -> null, true);
            measure("home timeline ", threads, seconds, home, true);
            measure("user timeline ", threads, seconds, own, true);
        }
        serialization(sample, seconds);
    }

    /**
     * The domain call the gateway of this build makes after its own session check: the unchecked read where the
     * domain has one (issue 13), else the checked one (before issue 13, the session was checked twice). Looked up
     * reflectively so that the same bench runs against both builds.
     */
    private Query gatewayQuery(String unchecked, boolean homeTimeline) {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        try {
            MethodHandle h = lookup.findVirtual(SnsStateMachine.class, unchecked,
                    MethodType.methodType(TimelineReply.class, KvReader.class, long.class, int.class)).bindTo(machine);
            if (homeTimeline) {
                homeName = "checkSession + " + unchecked;
            } else {
                ownName = "checkSession + " + unchecked;
            }
            return (kv, s, a) -> {
                if (machine.checkSession(kv, s, nowMillis) != Status.SUCCESS) {
                    throw new IllegalStateException("session of " + s.userId());
                }
                try {
                    return (TimelineReply) h.invokeExact(kv, homeTimeline ? s.userId() : a, LIMIT);
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
            };
        } catch (NoSuchMethodException | IllegalAccessException e) {
            if (homeTimeline) {
                homeName = "checkSession + timeline";
            } else {
                ownName = "checkSession + userTimeline";
            }
            return (kv, s, a) -> {
                if (machine.checkSession(kv, s, nowMillis) != Status.SUCCESS) {
                    throw new IllegalStateException("session of " + s.userId());
                }
                return homeTimeline ? machine.timeline(kv, s, LIMIT) : machine.userTimeline(kv, s, a, LIMIT);
            };
        }
    }

    private void measure(String name, int threads, int seconds, Query query, boolean print) throws Exception {
        long[][] samples = new long[threads][];
        int[] counts = new int[threads];
        long[] cpuNanos = new long[threads];
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        long endNanos = System.nanoTime() + seconds * 1_000_000_000L + 50_000_000L;
        for (int t = 0; t < threads; t++) {
            int id = t;
            samples[id] = new long[MAX_SAMPLES_PER_THREAD];
            Thread w = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(42 + id);
                int users = sessions.length - 1;
                long[] mine = samples[id];
                int n = 0;
                long sink = 0;
                awaitQuietly(start);
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                while (n < mine.length) {
                    Session s = sessions[1 + random.nextInt(users)];
                    long author = 1 + random.nextInt(users);
                    long t0 = System.nanoTime();
                    TimelineReply reply = store.read(kv -> query.run(kv, s, author));
                    long t1 = System.nanoTime();
                    mine[n++] = t1 - t0;
                    sink += reply == null ? 0 : reply.posts().size();
                    if (t1 >= endNanos) {
                        break;
                    }
                }
                cpuNanos[id] = THREADS.getCurrentThreadCpuTime() - cpu0;
                counts[id] = n;
                if (sink == 42) {
                    System.out.print("");
                }
            }, "reader-" + t);
            workers.add(w);
            w.start();
        }
        long wall0 = System.nanoTime();
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        double wallSeconds = (System.nanoTime() - wall0) / 1e9;
        if (!print) {
            return;
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(samples[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        double mean = Arrays.stream(all).average().orElse(0) / 1e3;
        // CPU time per read is what a loaded machine (others' processes on the same 2 cores) distorts least.
        double cpuMicros = Arrays.stream(cpuNanos).sum() / 1e3 / total;
        System.out.printf("%s %d thread%s: %7.0f reads/s, cpu %6.2f us/read, p50 %6.2f us, mean %7.2f us, p99 %8.2f us%n",
                name, threads, threads == 1 ? " " : "s", total / wallSeconds, cpuMicros, pct(all, 50) / 1e3, mean,
                pct(all, 99) / 1e3);
    }

    /** What RMI does with a reply: a fresh object stream per call (class descriptors included), read back filtered. */
    private static void serialization(TimelineReply reply, int seconds) {
        byte[] bytes = serialize(reply);
        if (!deserialize(bytes).equals(reply)) {
            throw new IllegalStateException("round trip changed the reply");
        }
        int n = 0;
        long writeNanos = 0;
        long readNanos = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long cpuNanos = 0;
        for (int round = 0; round < 2; round++) {
            n = 0;
            writeNanos = 0;
            readNanos = 0;
            cpuNanos = THREADS.getCurrentThreadCpuTime();
            while (System.nanoTime() < end + (round == 0 ? -seconds * 500_000_000L : 0)) {
                long t0 = System.nanoTime();
                byte[] b = serialize(reply);
                long t1 = System.nanoTime();
                deserialize(b);
                long t2 = System.nanoTime();
                writeNanos += t1 - t0;
                readNanos += t2 - t1;
                n++;
            }
            cpuNanos = THREADS.getCurrentThreadCpuTime() - cpuNanos;
        }
        System.out.printf("timeline reply of %d posts (%d text chars): %d bytes serialized, write %.2f us, "
                        + "read %.2f us (wall), write + read %.2f us cpu%n", reply.posts().size(),
                reply.posts().stream().mapToInt(p -> p.text().length()).sum(), bytes.length,
                writeNanos / 1e3 / n, readNanos / 1e3 / n, cpuNanos / 1e3 / n);
    }

    private static byte[] serialize(Object value) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
        try (ObjectOutputStream out = new ObjectOutputStream(buffer)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    private static Object deserialize(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            in.setObjectInputFilter(RmiEndpoints.FILTER);
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fills {@code dir} through the state machine; returns the last command stamp (the cluster clock). */
    private static long fill(Path dir, SnsStateMachine machine, int users, int follows, int posts) {
        long[] clock = {CLOCK_START_MILLIS};
        long[] index = {0};
        long[] requestNo = new long[users + 1];
        try (RocksKvStore store = RocksKvStore.open(dir, StoreOptions.defaults())) {
            Function<List<Command>, Void> applyAll = commands -> {
                try (ApplyBatch batch = store.begin()) {
                    for (Command c : commands) {
                        batch.savepoint();
                        Applied applied = machine.apply(c.stamp(++clock[0]), batch);
                        batch.releaseSavepoint();
                        if (!applied.reply().ok()) {
                            throw new IllegalStateException(c + ": " + applied.reply());
                        }
                    }
                    batch.commit(++index[0]);
                }
                return null;
            };
            List<Command> batch = new ArrayList<>();
            for (int u = 1; u <= users; u++) {
                batch.add(new LoginCommand(u, token(u)));
                if (batch.size() == 128) {
                    applyAll.apply(batch);
                    batch.clear();
                }
            }
            for (int u = 1; u <= users; u++) {
                for (int k = 1; k <= follows; k++) {
                    long target = (u + 37L * k - 1) % users + 1; // distinct for k <= users / 37, never u itself
                    batch.add(new FollowCommand(u, token(u), ++requestNo[u], target));
                    if (batch.size() == 128) {
                        applyAll.apply(batch);
                        batch.clear();
                    }
                }
            }
            int u = 0;
            for (int p = 1; p <= posts; p++) {
                u = u % users + 1;
                String text = "Post " + p + " of user " + u + ": about a hundred characters, as most posts people "
                        + "write on a small network are.";
                batch.add(new PostCommand(u, token(u), ++requestNo[u], text));
                if (batch.size() == 128) {
                    applyAll.apply(batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                applyAll.apply(batch);
            }
        }
        return clock[0];
    }

    private static String token(int user) {
        return String.format("bench-token-%08d-0123456789abcdef", user);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "? (" + e + ")";
        }
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
