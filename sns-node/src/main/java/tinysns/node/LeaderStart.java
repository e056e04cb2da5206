package tinysns.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.domain.LeaderStartCommand;
import tinysns.raft.ClusterReplica;
import tinysns.raft.LeadershipListener;

/**
 * Proposes a {@link LeaderStartCommand} as soon as this replica becomes leader, and holds back every client and
 * synchronizer proposal of the new leader until it is applied ({@link #await}). So the command's record of "the
 * clock before this leader" is the stamp of the last command an earlier leader committed, which the login rule's
 * grace needs: a command of the new leader that slipped in first would move that clock to now and end the grace of
 * every client that is still on its way to the new master.
 */
final class LeaderStart implements LeadershipListener {
    private static final Logger log = LoggerFactory.getLogger(LeaderStart.class);
    /** Pause before proposing again after a failed attempt in the same term. */
    private static final long RETRY_MILLIS = 50;

    private final ClusterReplica replica;
    /** The term this replica leads, -1 when it does not. */
    private volatile long leadingTerm = -1;
    /** Completes when the start of {@link #leadingTerm} is applied; never completes while not leading. */
    private volatile CompletableFuture<Void> applied = new CompletableFuture<>();

    LeaderStart(ClusterReplica replica) {
        this.replica = replica;
    }

    @Override
    public void onLeadershipChange(boolean leader, long term) {
        if (leader) {
            CompletableFuture<Void> started = new CompletableFuture<>();
            applied = started;
            leadingTerm = term;
            propose(term, started);
        } else {
            leadingTerm = -1;
            applied = new CompletableFuture<>();
        }
    }

    private void propose(long term, CompletableFuture<Void> started) {
        if (leadingTerm != term) {
            return;
        }
        replica.propose(new LeaderStartCommand().stamp(System.currentTimeMillis())).whenComplete((done, failure) -> {
            if (failure == null && done.reply().ok()) {
                started.complete(null);
            } else if (leadingTerm == term) {
                log.warn("the start of leader term {} was not applied ({}); proposing it again", term,
                        failure != null ? failure.toString() : done.reply());
                CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS)
                        .execute(() -> propose(term, started));
            }
        });
    }

    /**
     * Waits (at most {@code timeoutMillis}) until this replica leads and its leader start is applied.
     *
     * @return true when proposals may go ahead; false when this replica does not lead or its start is not applied yet
     */
    boolean await(long timeoutMillis) {
        if (leadingTerm < 0) {
            return false;
        }
        try {
            applied.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether proposals may go ahead now, without waiting. */
    boolean done() {
        return leadingTerm >= 0 && applied.isDone();
    }
}
