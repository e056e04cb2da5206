package tinysns.node;

import java.rmi.RemoteException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.PostView;
import tinysns.api.TimelineListener;
import tinysns.domain.Delivery;

/**
 * Pushes committed timeline posts to subscribed clients. The apply thread only appends to a subscriber's bounded
 * queue (never blocks on a client); a pool sends each subscriber's queue in order, one call at a time. A client
 * whose call fails, or who falls {@code maxQueued} posts behind, is dropped so that one slow or vanished client
 * cannot hold the node's memory. A call fails when the client is gone, when it throws, when it does not answer
 * within the response timeout, and when what it answers is refused by the process-wide serialization filter
 * ({@code RmiEndpoints.installProcessFilter}: an exception of a class outside the allow-list, e.g. a gadget); in
 * every case that subscriber is dropped, its queue freed, and no other subscriber waits for it.
 *
 * <p>Threads: a call to a client that stops reading does not return (RMI has no per-call timeout; the node process
 * bounds every outgoing call with {@code sun.rmi.transport.tcp.responseTimeout}, see {@code sns node}). So the pool
 * grows on demand up to {@code maxSenders}: a stuck call holds its own thread, never one the prompt clients need. When
 * every thread is busy, a queue simply waits for the next post to schedule it again.
 */
final class TimelinePush implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TimelinePush.class);
    private static final int MAX_POSTS_PER_CALL = 256;
    /** How far a failed call's cause chain is followed (a deserialized one can be a cycle). */
    private static final int MAX_CAUSES = 16;

    private final ConcurrentHashMap<Long, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final ExecutorService senders;
    private static final long DROPPED_KEPT_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Users whose subscription {@link #dropAll} ended, and when (a node's step-down; see {@link #wasDropped}). */
    private final java.util.concurrent.ConcurrentHashMap<Long, Long> droppedAt =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final int maxQueued;

    TimelinePush(int maxSenders, int maxQueued) {
        this.maxQueued = maxQueued;
        this.senders = new ThreadPoolExecutor(0, maxSenders, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "timeline-push");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Registers {@code listener} for {@code userId}, replacing any earlier subscription. Posts committed from now on
     * queue up behind {@code backlog()}, which is read after registration so that nothing falls in between.
     */
    void subscribe(long userId, TimelineListener listener, java.util.function.Supplier<List<PostView>> backlog) {
        droppedAt.remove(userId);
        Subscriber s = new Subscriber(userId, listener);
        Subscriber old = subscribers.put(userId, s);
        if (old != null) {
            old.closed = true;
        }
        List<PostView> first = backlog.get();
        synchronized (s) {
            ArrayDeque<PostView> live = s.queue;
            s.queue = new ArrayDeque<>(first);
            s.queue.addAll(live);
        }
        s.schedule();
    }

    void unsubscribe(long userId) {
        Subscriber s = subscribers.remove(userId);
        if (s != null) {
            s.closed = true;
        }
    }

    /** Called on the apply thread with a committed command's deliveries: cheap, never blocks. */
    void deliver(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            Subscriber s = subscribers.get(d.followerId());
            if (s != null) {
                s.offer(d.post());
            }
        }
    }

    /** Drops every subscriber, e.g. when this node stops being master: its clients re-subscribe on the new one. */
    void dropAll(String why) {
        if (!subscribers.isEmpty()) {
            log.info("dropping {} timeline subscriber(s): {}", subscribers.size(), why);
        }
        long now = System.nanoTime();
        droppedAt.values().removeIf(at -> now - at > DROPPED_KEPT_NANOS);
        subscribers.values().forEach(s -> {
            s.closed = true;
            droppedAt.put(s.userId, now);
        });
        subscribers.clear();
    }

    /**
     * Whether {@link #dropAll} dropped this user's subscription within the last minute and it has not subscribed since:
     * its client, still keeping its session alive here (this node led again), must subscribe again, or it would never
     * be pushed anything. A minute covers any client that keeps alive every second; older entries are forgotten.
     */
    boolean wasDropped(long userId) {
        Long at = droppedAt.get(userId);
        return at != null && System.nanoTime() - at <= DROPPED_KEPT_NANOS;
    }

    int subscriberCount() {
        return subscribers.size();
    }

    /** Posts waiting in all subscribers' queues (what a slow client can hold of this node's heap). */
    int queuedPosts() {
        int queued = 0;
        for (Subscriber s : subscribers.values()) {
            synchronized (s) {
                queued += s.queue.size();
            }
        }
        return queued;
    }

    boolean isSubscribed(long userId) {
        return subscribers.containsKey(userId);
    }

    @Override
    public void close() {
        dropAll("node stopping");
        senders.shutdownNow();
        try {
            senders.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Subscriber {
        final long userId;
        final TimelineListener listener;
        ArrayDeque<PostView> queue = new ArrayDeque<>();
        boolean sending;
        volatile boolean closed;

        Subscriber(long userId, TimelineListener listener) {
            this.userId = userId;
            this.listener = listener;
        }

        void offer(PostView post) {
            synchronized (this) {
                if (queue.size() >= maxQueued) {
                    drop("it fell " + maxQueued + " posts behind");
                    return;
                }
                queue.add(post);
            }
            schedule();
        }

        void schedule() {
            synchronized (this) {
                if (sending || queue.isEmpty() || closed) {
                    return;
                }
                sending = true;
            }
            try {
                senders.execute(this::drain);
            } catch (RejectedExecutionException allBusy) {
                synchronized (this) {
                    sending = false; // the next post offered schedules it again; the queue bound still holds
                }
            }
        }

        private void drain() {
            while (!closed) {
                List<PostView> batch = new ArrayList<>();
                synchronized (this) {
                    while (!queue.isEmpty() && batch.size() < MAX_POSTS_PER_CALL) {
                        batch.add(queue.poll());
                    }
                    if (batch.isEmpty()) {
                        sending = false;
                        return;
                    }
                }
                try {
                    listener.onPosts(batch);
                } catch (RemoteException | RuntimeException e) {
                    drop(failure(e));
                    return;
                } catch (Error e) {
                    drop("its listener failed (" + e.getClass().getSimpleName() + ")"); // not left "sending" for good
                    throw e;
                }
            }
        }

        /**
         * Why a call failed, for the log: the class names only, never the other side's message (a client writes it,
         * and a {@code RemoteException}'s message recurses through its {@code detail}, which a hostile client can make
         * a cycle). A reply the process-wide serialization filter refused (a gadget thrown back) fails the call like
         * any other failure, before anything of it is built. The cause chain is walked a bounded number of steps: a
         * deserialized chain can loop.
         */
        private static String failure(Exception e) {
            Throwable t = e;
            for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause()) {
                if (t.getClass() == java.io.InvalidClassException.class
                        && String.valueOf(t.getMessage()).contains("REJECTED")) {
                    return "its callback answered with a class the serialization filter refuses ("
                            + e.getClass().getSimpleName() + ")";
                }
            }
            return "its client is unreachable or its callback failed (" + e.getClass().getSimpleName() + ")";
        }

        private void drop(String why) {
            closed = true;
            if (subscribers.remove(userId, this)) {
                log.info("dropped timeline subscriber of user {}: {}", userId, why);
            }
        }
    }
}
