package tinysns.cli.client;

import java.time.Duration;

/**
 * How long the client keeps trying to reach its cluster's master before it gives an operation up, and how it backs off
 * between tries. The budget covers a failover (dead-after 2 s plus a Raft election) with room to spare.
 *
 * @param budgetMillis         total time for one operation's retries
 * @param firstBackoffMillis   pause before the first retry
 * @param maxBackoffMillis     the pause doubles up to this
 * @param noticeAfterMillis    an outage (no master reached) this long is told to the user in one line; a command that
 *                             runs out of its budget first tells it then
 */
public record RetryPolicy(long budgetMillis, long firstBackoffMillis, long maxBackoffMillis, long noticeAfterMillis) {
    /**
     * 3 s: longer than a failover (kill → next acknowledged write, p99 1.3 s on a quiet machine and 2.1 s at load 30,
     * docs/performance.md), so a normal failover shows only its one reconnect line; short enough that a user is told
     * well before a command gives up (10 s).
     */
    public static final long DEFAULT_NOTICE_AFTER_MILLIS = 3_000;

    public RetryPolicy {
        if (budgetMillis < 0 || firstBackoffMillis < 1 || maxBackoffMillis < firstBackoffMillis
                || noticeAfterMillis < 0) {
            throw new IllegalArgumentException("bad retry policy " + budgetMillis + "/" + firstBackoffMillis + "/"
                    + maxBackoffMillis + "/" + noticeAfterMillis);
        }
    }

    public RetryPolicy(long budgetMillis, long firstBackoffMillis, long maxBackoffMillis) {
        this(budgetMillis, firstBackoffMillis, maxBackoffMillis, DEFAULT_NOTICE_AFTER_MILLIS);
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
