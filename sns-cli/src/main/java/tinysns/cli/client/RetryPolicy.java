package tinysns.cli.client;

import java.time.Duration;

/**
 * How long the client keeps trying to reach its cluster's master before it gives an operation up, and how it backs off
 * between tries. The budget covers a failover (dead-after 2 s plus a Raft election) with room to spare.
 *
 * @param budgetMillis         total time for one operation's retries
 * @param firstBackoffMillis   pause before the first retry
 * @param maxBackoffMillis     the pause doubles up to this
 */
public record RetryPolicy(long budgetMillis, long firstBackoffMillis, long maxBackoffMillis) {
    public RetryPolicy {
        if (budgetMillis < 0 || firstBackoffMillis < 1 || maxBackoffMillis < firstBackoffMillis) {
            throw new IllegalArgumentException("bad retry policy " + budgetMillis + "/" + firstBackoffMillis + "/"
                    + maxBackoffMillis);
        }
    }

    /**
     * Retries start at 50 ms and back off to at most 200 ms: a failover completes in about a second and a half, and
     * a longer pause would only add to what the user waits after it (measured: a 1 s cap added up to 1 s to the
     * kill-to-next-write time). Asking the coordinator five times a second is no load.
     */
    public static RetryPolicy failover(Duration budget) {
        return new RetryPolicy(budget.toMillis(), 50, 200);
    }

    long nextBackoffMillis(long currentBackoffMillis) {
        return Math.min(maxBackoffMillis, currentBackoffMillis * 2);
    }
}
