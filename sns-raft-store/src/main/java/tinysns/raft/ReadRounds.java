package tinysns.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.error.RaftError;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Coalesced ReadIndex rounds (DESIGN.md §2, "Reads"): one round serves every linearizable read that arrived while the
 * previous round was in flight. A read joins the round that starts <em>after</em> it arrived, so the index that
 * round confirms is at least the commit index at the read's start: linearizable, with no rule beyond ReadIndex's own.
 *
 * <p>Why: JRaft batches ReadIndex requests only when they are queued in its disruptor at the same instant, which with
 * ~10 concurrent readers per master happened for 1–3 reads per round (issue 13), so nearly every read paid a
 * leader → follower RPC and the thread hand-offs around it. Here the rounds follow one another back to back and each
 * carries everything queued meanwhile.
 *
 * <p>A round that takes longer than {@link #OVERLAP_AFTER_NANOS} does not hold the queue: the next read starts another
 * round beside it, so one lost answer cannot stall reads beyond the callers' own bounds.
 */
final class ReadRounds {
    private static final byte[] NO_READ_CONTEXT = new byte[0];
    /** Far above a round on loopback (≈ 1 ms; 5–20 ms at a load of 30), far below a caller's 2 s read bound. */
    static final long OVERLAP_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Supplier<Node> node;
    private final Supplier<String> leaderAddress;

    /** The round the next reads join; it starts when no round is in flight. Null when no read waits. */
    private CompletableFuture<Void> queued;
    private int inFlight;
    private long lastStartNanos;
    private long rounds;
    private long reads;

    ReadRounds(Supplier<Node> node, Supplier<String> leaderAddress) {
        this.node = node;
        this.leaderAddress = leaderAddress;
    }

    /**
     * Completes once this replica has applied everything committed before the call: normally, or with a
     * {@link NotLeaderException} / {@link ReplicationException} when leadership cannot be confirmed. Completes on a
     * JRaft thread: a dependent stage must be cheap or async.
     */
    CompletableFuture<Void> confirm() {
        CompletableFuture<Void> round;
        boolean start;
        synchronized (this) {
            reads++;
            if (queued == null) {
                queued = new CompletableFuture<>();
            }
            round = queued;
            start = mayStart(System.nanoTime());
            if (start) {
                take();
            }
        }
        if (start) {
            begin(round);
        }
        return round;
    }

    /** Rounds started and reads served since the replica started: {@code reads / rounds} is the coalescing. */
    synchronized long[] counts() {
        return new long[] {rounds, reads};
    }

    private boolean mayStart(long nowNanos) {
        return inFlight == 0 || nowNanos - lastStartNanos > OVERLAP_AFTER_NANOS;
    }

    /** Moves the queued round in flight; caller holds the lock and starts it after releasing it. */
    private void take() {
        queued = null;
        inFlight++;
        rounds++;
        lastStartNanos = System.nanoTime();
    }

    private void begin(CompletableFuture<Void> round) {
        Node current = node.get();
        if (current == null) {
            end(round, new Status(RaftError.ENODESHUTDOWN, "replica is not started"));
            return;
        }
        try {
            current.readIndex(NO_READ_CONTEXT, new ReadIndexClosure() {
                @Override
                public void run(Status status, long index, byte[] reqCtx) {
                    end(round, status);
                }
            });
        } catch (IllegalStateException e) {
            // readIndex throws once the node is shutting down (it also fails the closure; completing twice is a no-op).
            end(round, new Status(RaftError.ENODESHUTDOWN, "%s", e.getMessage()));
        }
    }

    private void end(CompletableFuture<Void> round, Status status) {
        boolean first = status.isOk() ? round.complete(null)
                : round.completeExceptionally(RaftFailures.toException(status, leaderAddress));
        if (!first) {
            return; // the closure and the shutdown path may both end a round: count it once
        }
        CompletableFuture<Void> next = null;
        synchronized (this) {
            inFlight--;
            if (queued != null && mayStart(System.nanoTime())) {
                next = queued;
                take();
            }
        }
        if (next != null) {
            begin(next);
        }
    }
}
