package tinysns.cli.bench.load;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds the network a workload runs on, through the real API: every user logs in (which creates it), follows its
 * followees from the graph, then optionally writes its share of the preloaded posts. Work is split by user over
 * {@code threads} threads so that one user's requests stay in order; progress is printed every few seconds.
 */
public final class Population {
    private final RmiTarget target;
    private final int threads;
    private final PrintStream out;

    public Population(RmiTarget target, int threads, PrintStream out) {
        this.target = target;
        this.threads = Math.max(1, threads);
        this.out = out;
    }

    /** A phase's figures: how many operations and how long they took. */
    public record Phase(String name, long operations, double seconds) {
        public double perSecond() {
            return seconds <= 0 ? 0 : operations / seconds;
        }
    }

    private interface PerUser {
        void run(int index, int user, AtomicLong done) throws Exception;
    }

    public Phase login(int[] users) throws Exception {
        return phase("login", users, users.length, (index, user, done) -> {
            target.login(user, 60_000);
            done.incrementAndGet();
        });
    }

    /** Every graph edge as a follow; a followee of another cluster is waited for (bounded) until it is known. */
    public Phase follow(SocialGraph graph) throws Exception {
        int[] users = new int[graph.users()];
        for (int i = 0; i < users.length; i++) {
            users[i] = i;
        }
        long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(10);
        return phase("follow", users, graph.edges(), (index, user, done) -> {
            for (int followee : graph.followees(user)) {
                target.follow(user, followee, deadline);
                done.incrementAndGet();
            }
        });
    }

    /**
     * {@code posts} posts spread evenly over {@code users}, each {@code chars} long. Each thread goes round its users
     * one post at a time, so no user posts in a burst (a node's per-user rate limit would refuse that).
     */
    public Phase preload(int[] users, long posts, int chars) throws Exception {
        String text = "p".repeat(Math.max(1, chars));
        long rounds = (posts + users.length - 1) / users.length;
        return perThread("preload", users, posts, (mine, done) -> {
            for (long round = 0; round < rounds; round++) {
                for (int i = 0; i < mine.length; i++) {
                    int index = mine[i];
                    // User at position p writes posts / n posts, the first (posts mod n) one more.
                    long share = posts / users.length + (index < posts % users.length ? 1 : 0);
                    if (round < share) {
                        target.postNow(users[index], text);
                        done.incrementAndGet();
                    }
                }
            }
        });
    }

    private Phase phase(String name, int[] users, long expected, PerUser work) throws Exception {
        return perThread(name, users, expected, (mine, done) -> {
            for (int index : mine) {
                work.run(index, users[index], done);
            }
        });
    }

    private interface PerThread {
        /** {@code mine}: this thread's positions in the user list. */
        void run(int[] mine, AtomicLong done) throws Exception;
    }

    private Phase perThread(String name, int[] users, long expected, PerThread work) throws Exception {
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bench-" + name);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int[] mine = new int[(users.length - t + threads - 1) / threads];
                for (int i = 0; i < mine.length; i++) {
                    mine[i] = t + i * threads;
                }
                futures.add(pool.submit(() -> {
                    work.run(mine, done);
                    return null;
                }));
            }
            long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (Future<?> f : futures) {
                while (true) {
                    try {
                        f.get(200, TimeUnit.MILLISECONDS);
                        break;
                    } catch (java.util.concurrent.TimeoutException e) {
                        if (System.nanoTime() > nextReport) {
                            double s = (System.nanoTime() - start) / 1e9;
                            out.printf("  %s: %,d / %,d (%,.0f/s)%n", name, done.get(), expected, done.get() / s);
                            nextReport += TimeUnit.SECONDS.toNanos(5);
                        }
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof Exception cause ? cause : e;
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Phase phase = new Phase(name, done.get(), seconds);
        out.printf("  %s: %,d in %.1f s (%,.0f/s)%n", name, phase.operations(), seconds, phase.perSecond());
        return phase;
    }
}
