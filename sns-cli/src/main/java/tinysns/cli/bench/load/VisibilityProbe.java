package tinysns.cli.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import tinysns.api.PostView;
import tinysns.api.Status;
import tinysns.api.TimelineListener;
import tinysns.api.rmi.RmiEndpoints;

/**
 * Cross-cluster visibility, sampled: a few observer users, one per cluster, each following some acting users of the
 * other clusters and subscribed like a client in timeline mode. When one of those authors' posts is acknowledged the
 * target tells the probe; when it shows up on an observer, the probe has both ends: sent (intended time) → shown and
 * committed (acknowledged) → shown, the post having crossed the synchronizers.
 */
public final class VisibilityProbe implements AutoCloseable {
    private record PostId(long author, long seq) {
    }

    private record Sent(long intendedNanos, long ackNanos) {
    }

    private final Map<PostId, Sent> sent = new ConcurrentHashMap<>();
    private final Map<Long, Set<Integer>> watchersOf = new ConcurrentHashMap<>();
    private final List<Observer> observers = new ArrayList<>();
    private final AtomicLong duplicates = new AtomicLong();

    /** One observer: its arrivals by post, and its exported listener. */
    private final class Observer implements TimelineListener {
        final int index;
        final Map<PostId, Long> arrived = new ConcurrentHashMap<>();
        TimelineListener stub;

        Observer(int index) {
            this.index = index;
        }

        @Override
        public void onPosts(List<PostView> posts) {
            long now = System.nanoTime();
            for (PostView p : posts) {
                Set<Integer> watchers = watchersOf.get(p.authorId());
                if (watchers != null && watchers.contains(index)
                        && arrived.putIfAbsent(new PostId(p.authorId(), p.seq()), now) != null) {
                    duplicates.incrementAndGet();
                }
            }
        }
    }

    /** What the probe saw: latencies in microseconds. */
    public record Result(Histogram sentToShown, Histogram committedToShown, long expected, long missing,
                         long duplicates) {
    }

    /**
     * Makes {@code observer} (a logged-in user of the target) follow {@code authors} and subscribe.
     *
     * @param observerIndex the observer's user index in the target
     */
    public void watch(RmiTarget target, int observerIndex, int[] authors, long deadlineMillis) throws Exception {
        Observer observer = new Observer(observers.size());
        for (int author : authors) {
            target.follow(observerIndex, author, deadlineMillis);
            watchersOf.computeIfAbsent(target.id(author), a -> ConcurrentHashMap.newKeySet()).add(observer.index);
        }
        observer.stub = RmiEndpoints.export(observer, "127.0.0.1", 0);
        observers.add(observer);
        Status status = target.master(target.cluster(observerIndex))
                .subscribe(target.session(observerIndex), observer.stub, null);
        if (status != Status.SUCCESS) {
            throw new IllegalStateException("observer " + target.id(observerIndex) + " could not subscribe: " + status);
        }
    }

    public int observers() {
        return observers.size();
    }

    /** Called by the target when a post is acknowledged; ignores authors nobody watches. */
    void acknowledged(long authorId, long seq, long intendedNanos, long ackNanos) {
        if (watchersOf.containsKey(authorId)) {
            sent.put(new PostId(authorId, seq), new Sent(intendedNanos, ackNanos));
        }
    }

    /** Waits (up to {@code patience}) for every watched post to reach every observer watching it, then reports. */
    public Result finish(long patienceMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(patienceMillis);
        while (missing() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Histogram fromSent = LatencyRecorder.newHistogram();
        Histogram fromAck = LatencyRecorder.newHistogram();
        long expected = 0;
        long missing = 0;
        for (Map.Entry<PostId, Sent> e : sent.entrySet()) {
            for (int watcher : watchersOf.get(e.getKey().author())) {
                expected++;
                Long arrived = observers.get(watcher).arrived.get(e.getKey());
                if (arrived == null) {
                    missing++;
                    continue;
                }
                fromSent.recordValue(clamp((arrived - e.getValue().intendedNanos()) / 1000));
                fromAck.recordValue(clamp((arrived - e.getValue().ackNanos()) / 1000));
            }
        }
        return new Result(fromSent, fromAck, expected, missing, duplicates.get());
    }

    private long missing() {
        long missing = 0;
        for (PostId id : sent.keySet()) {
            for (int watcher : watchersOf.get(id.author())) {
                if (!observers.get(watcher).arrived.containsKey(id)) {
                    missing++;
                }
            }
        }
        return missing;
    }

    private static long clamp(long micros) {
        return Math.min(LatencyRecorder.HIGHEST_MICROS, Math.max(0, micros));
    }

    @Override
    public void close() {
        for (Observer o : observers) {
            if (o.stub != null) {
                RmiEndpoints.unexport(o);
            }
        }
    }
}
