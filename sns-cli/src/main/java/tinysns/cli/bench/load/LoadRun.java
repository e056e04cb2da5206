package tinysns.cli.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import tinysns.cli.bench.load.OperationMix.Op;

/**
 * A timed mixed workload: {@code workers} threads, each owning a fixed share of the acting users (so a user's
 * requests stay in order), each step an operation drawn from the mix for one of its users; user-timeline reads go to
 * authors drawn by popularity. Warm-up first (recorded, then discarded), then the measured duration, cut into
 * one-second intervals that {@code onInterval} sees as they happen (progress).
 */
public final class LoadRun {
    /**
     * @param rate      total operations per second for an open loop; 0 for a closed loop (each worker back to back)
     * @param postChars length of each post's text
     */
    public record Settings(OperationMix mix, int workers, double rate, Duration warmup, Duration duration,
                           int postChars, long seed) {
        public Settings {
            if (workers < 1 || rate < 0 || warmup.isNegative() || duration.isZero() || duration.isNegative()
                    || postChars < 1) {
                throw new IllegalArgumentException("need workers >= 1, rate >= 0, warm-up >= 0, duration > 0 and "
                        + "post chars >= 1");
            }
        }
    }

    private final Settings settings;
    private final LoadTarget target;
    private final int[] actingUsers;
    private final SocialGraph graph;
    private Runnable atMeasureStart = () -> { };

    /**
     * @param actingUsers the users that act (e.g. only one cluster's), each owned by worker {@code index % workers}
     * @param graph       whose users' posts are read (popularity); null reads uniformly among all acting users
     */
    public LoadRun(Settings settings, LoadTarget target, int[] actingUsers, SocialGraph graph) {
        if (actingUsers.length == 0) {
            throw new IllegalArgumentException("no acting users");
        }
        this.settings = settings;
        this.target = target;
        this.actingUsers = actingUsers.clone();
        this.graph = graph;
    }

    /** Runs {@code action} on the driving thread when the warm-up ends (e.g. to snapshot CPU counters). */
    public LoadRun onMeasureStart(Runnable action) {
        this.atMeasureStart = action;
        return this;
    }

    /** Runs warm-up and measurement; returns the recorder holding the measured part. */
    public LatencyRecorder run(Consumer<LatencyRecorder.Interval> onInterval) throws InterruptedException {
        int workers = Math.min(settings.workers(), actingUsers.length);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long measureFrom = start + settings.warmup().toNanos();
        long end = measureFrom + settings.duration().toNanos();
        LatencyRecorder recorder = new LatencyRecorder(measureFrom);
        CountDownLatch done = new CountDownLatch(workers);
        List<Thread> threads = new ArrayList<>();
        SplittableRandom seeds = new SplittableRandom(settings.seed());
        for (int w = 0; w < workers; w++) {
            int[] mine = share(w, workers);
            Pacer pacer = settings.rate() > 0 ? Pacer.openLoop(settings.rate(), workers, w, start) : Pacer.closedLoop();
            SplittableRandom random = seeds.split();
            Thread t = new Thread(() -> {
                try {
                    work(mine, pacer, random, recorder, end);
                } finally {
                    done.countDown();
                }
            }, "bench-worker-" + w);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        sleepUntil(measureFrom);
        recorder.discard(System.nanoTime());
        atMeasureStart.run();
        long nextCut = measureFrom + TimeUnit.SECONDS.toNanos(1);
        while (nextCut < end) {
            sleepUntil(nextCut);
            onInterval.accept(recorder.cut(nextCut));
            nextCut += TimeUnit.SECONDS.toNanos(1);
        }
        // Operations in flight at the end still count: wait for them (bounded), then cut the last interval.
        boolean finished = done.await(Math.max(10, settings.duration().toSeconds()), TimeUnit.SECONDS);
        onInterval.accept(recorder.cut(System.nanoTime()));
        if (!finished) {
            threads.forEach(Thread::interrupt);
            throw new IllegalStateException("workers still busy 10 s after the end; the target is stuck");
        }
        return recorder;
    }

    private int[] share(int worker, int workers) {
        int n = (actingUsers.length - worker + workers - 1) / workers;
        int[] mine = new int[n];
        for (int i = 0; i < n; i++) {
            mine[i] = actingUsers[worker + i * workers];
        }
        return mine;
    }

    private void work(int[] users, Pacer pacer, SplittableRandom random, LatencyRecorder recorder, long end) {
        StringBuilder text = new StringBuilder(settings.postChars());
        while (true) {
            long now = System.nanoTime();
            long intended = pacer.next(now);
            if (intended >= end || now >= end) {
                return;
            }
            sleepUntil(intended);
            int user = users[random.nextInt(users.length)];
            Op op = settings.mix().pick(random.nextDouble());
            long began = pacer.open() ? intended : System.nanoTime();
            String error;
            try {
                error = switch (op) {
                    case HOME_TIMELINE -> target.homeTimeline(user);
                    case USER_TIMELINE -> target.userTimeline(user, author(random));
                    case POST -> target.post(user, text(text, random), intended);
                };
            } catch (Exception e) {
                error = e.getClass().getSimpleName();
            }
            long took = System.nanoTime() - began;
            if (error == null) {
                recorder.record(op, took);
            } else {
                recorder.error(op, error);
            }
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    private int author(SplittableRandom random) {
        return graph != null ? graph.popularUser(random) : actingUsers[random.nextInt(actingUsers.length)];
    }

    /** Printable ASCII words of the configured length: the size is what matters, and it is the same every run. */
    private String text(StringBuilder sb, SplittableRandom random) {
        sb.setLength(0);
        while (sb.length() < settings.postChars()) {
            int word = 2 + random.nextInt(8);
            for (int i = 0; i < word && sb.length() < settings.postChars(); i++) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            if (sb.length() < settings.postChars()) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    static void sleepUntil(long deadlineNanos) {
        long wait;
        while ((wait = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }
}
