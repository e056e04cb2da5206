package tinysns.sync;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.OutboxBatch;
import tinysns.api.Reply;
import tinysns.api.Status;
import tinysns.api.SyncService;

/**
 * Copies this cluster's outbox into one other cluster, in order, exactly once (DESIGN.md §4). Its only state is the
 * target's cursor, which it reads from the target itself on start and after every error: the target's replicated
 * cursor, not this process, decides what has been applied, so a crash or a promotion repeats nothing harmful and
 * loses nothing.
 */
final class TargetPump implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(TargetPump.class);
    private static final long BACKOFF_MIN_MILLIS = 50;
    private static final long BACKOFF_MAX_MILLIS = 2_000;

    /** Finds the current master server of a cluster, or null. */
    interface Masters {
        SyncService master(int cluster) throws Exception;

        /** Forget what is cached for the cluster after a failure. */
        void forget(int cluster);
    }

    private final int origin;
    private final int target;
    private final SyncOptions options;
    private final Masters masters;
    private final AtomicLong cursor = new AtomicLong(-1);
    private final AtomicLong head = new AtomicLong();
    private volatile boolean running = true;

    TargetPump(int origin, int target, SyncOptions options, Masters masters) {
        this.origin = origin;
        this.target = target;
        this.options = options;
        this.masters = masters;
    }

    int target() {
        return target;
    }

    long cursor() {
        return cursor.get();
    }

    long originHead() {
        return head.get();
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        long backoff = BACKOFF_MIN_MILLIS;
        boolean failing = false;
        while (running && !Thread.currentThread().isInterrupted()) {
            try {
                SyncService into = masters.master(target);
                SyncService from = masters.master(origin);
                if (into == null || from == null) {
                    throw new IllegalStateException("no live master for cluster " + (into == null ? target : origin));
                }
                long at = into.cursor(options.secret(), origin);
                cursor.set(at);
                if (failing) {
                    log.info("sync {}->{} resumed at cursor {}", origin, target, at);
                    failing = false;
                }
                backoff = BACKOFF_MIN_MILLIS;
                pump(from, into, at);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    log.warn("sync {}->{} interrupted: {}; retrying from the target's cursor", origin, target,
                            e.toString());
                    failing = true;
                }
                masters.forget(target);
                masters.forget(origin);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(BACKOFF_MAX_MILLIS, backoff * 2);
            }
        }
    }

    /** Long-polls the origin and ingests into the target until something fails. */
    private void pump(SyncService from, SyncService into, long at) throws Exception {
        long next = at + 1;
        while (running) {
            OutboxBatch batch = from.readOutbox(options.secret(), next, options.batchMax(),
                    options.pollWait().toMillis());
            if (batch.status() != Status.SUCCESS) {
                throw new IllegalStateException("reading cluster " + origin + "'s outbox: " + batch.status());
            }
            head.set(batch.head());
            if (batch.events().isEmpty()) {
                continue;
            }
            Reply reply = into.ingest(options.secret(), origin, batch.events());
            if (reply.status() != Status.SUCCESS) {
                throw new IllegalStateException("cluster " + target + " refused events " + next + "..: "
                        + reply.status() + (reply.detail() == null ? "" : " (" + reply.detail() + ")"));
            }
            cursor.set(reply.postSeq());
            next = reply.postSeq() + 1;
        }
    }
}
