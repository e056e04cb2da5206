package tinysns.sync;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.OutboxBatch;
import tinysns.api.Reply;
import tinysns.api.Status;
import tinysns.api.SyncService;
import tinysns.api.client.ClusterMasters;

/**
 * Copies this cluster's outbox into one other cluster, in order, exactly once (DESIGN.md §4). Its only state is the
 * target's cursor, which it reads from the target itself on start and after every error: the target's replicated
 * cursor, not this process, decides what has been applied, so a crash or a promotion repeats nothing harmful and
 * loses nothing.
 */
final class TargetPump implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(TargetPump.class);
    private static final long BACKOFF_MIN_MILLIS = 50;
    /** A failover completes ~2.5 s after a master stops; a longer pause would only add to the time to resume. */
    private static final long BACKOFF_MAX_MILLIS = 250;

    private final int origin;
    private final int target;
    private final SyncOptions options;
    private final ClusterMasters masters;
    private final AtomicLong cursor = new AtomicLong(-1);
    private final AtomicLong head = new AtomicLong();
    private volatile boolean running = true;

    TargetPump(int origin, int target, SyncOptions options, ClusterMasters masters) {
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
            ClusterMasters.Master into = null;
            ClusterMasters.Master from = null;
            try {
                into = masters.master(target);
                from = masters.master(origin);
                if (into == null || from == null) {
                    throw new IllegalStateException("no live master for cluster " + (into == null ? target : origin));
                }
                long at;
                try {
                    at = into.as(SyncService.class).cursor(options.secret(), origin);
                } catch (java.rmi.RemoteException e) {
                    throw new TargetFailure(into, e);
                }
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
                // A call that failed or timed out blames its side (ClusterMasters may then wait for a failover);
                // anything else (a refusal, NOT_MASTER thrown by a cursor read) forgets both, to be asked again.
                if (e instanceof TargetFailure tf) {
                    masters.failed(tf.side, tf.getCause());
                } else {
                    if (into != null) {
                        masters.forget(into);
                    }
                    if (from != null) {
                        masters.forget(from);
                    }
                }
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

    /** A failed call, with the master it went to. */
    private static final class TargetFailure extends Exception {
        final ClusterMasters.Master side;

        TargetFailure(ClusterMasters.Master side, Exception cause) {
            super(side.address() + ": " + cause, cause);
            this.side = side;
        }
    }

    /**
     * Long-polls the origin and ingests into the target until something fails. Each call is bounded by its kind
     * (the long poll by its wait plus a second), so a paused or cut-off master is given up within about two seconds.
     */
    private void pump(ClusterMasters.Master fromMaster, ClusterMasters.Master intoMaster, long at) throws Exception {
        SyncService from = fromMaster.as(SyncService.class);
        SyncService into = intoMaster.as(SyncService.class);
        long next = at + 1;
        while (running) {
            OutboxBatch batch;
            try {
                batch = from.readOutbox(options.secret(), next, options.batchMax(), options.pollWait().toMillis());
            } catch (java.rmi.RemoteException e) {
                throw new TargetFailure(fromMaster, e);
            }
            if (batch.status() == Status.NOT_MASTER) {
                masters.notMaster(fromMaster);
                throw new IllegalStateException("cluster " + origin + "'s master " + fromMaster.address()
                        + " is no longer the master");
            }
            if (batch.status() != Status.SUCCESS) {
                throw new IllegalStateException("reading cluster " + origin + "'s outbox: " + batch.status());
            }
            head.set(batch.head());
            if (batch.events().isEmpty()) {
                continue;
            }
            Reply reply;
            try {
                reply = into.ingest(options.secret(), origin, batch.events());
            } catch (java.rmi.RemoteException e) {
                throw new TargetFailure(intoMaster, e);
            }
            if (reply.status() == Status.NOT_MASTER) {
                masters.notMaster(intoMaster);
                throw new IllegalStateException("cluster " + target + "'s master " + intoMaster.address()
                        + " is no longer the master");
            }
            if (reply.status() != Status.SUCCESS) {
                throw new IllegalStateException("cluster " + target + " refused events " + next + "..: "
                        + reply.status() + (reply.detail() == null ? "" : " (" + reply.detail() + ")"));
            }
            cursor.set(reply.postSeq());
            next = reply.postSeq() + 1;
        }
    }
}
