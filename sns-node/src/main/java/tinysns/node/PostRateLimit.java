package tinysns.node;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per user (a user has one session, so per session): {@code postsPerSecond} sustained, bursts of up to
 * {@code burst}. The master asks it before proposing a post, so a runaway script costs no Raft entry once it is over
 * its rate. In memory on the master only: a limit, not data, and a new master starting with full buckets is harmless.
 *
 * <p>Memory: a bucket that has refilled completely is the same as no bucket, so such buckets are swept out whenever
 * the map has doubled since the last sweep; what remains is bounded by the users posting within the last
 * {@code burst / postsPerSecond} seconds.
 */
final class PostRateLimit {
    /** No limit at all. */
    static final PostRateLimit OFF = new PostRateLimit(0, 0);
    private static final int SWEEP_AT_LEAST = 4096;

    private final double postsPerNano;
    private final double burst;
    private final ConcurrentHashMap<Long, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile int sweepAtSize = SWEEP_AT_LEAST;

    /**
     * @param postsPerSecond sustained posts per second per user; 0 turns the limit off
     * @param burst          posts a user may make at once after being quiet (at least 1 when the limit is on)
     */
    PostRateLimit(int postsPerSecond, int burst) {
        if (postsPerSecond < 0 || burst < 0 || (postsPerSecond > 0 && burst < 1)) {
            throw new IllegalArgumentException("a post rate is >= 0 (0 = off) with a burst >= 1, got "
                    + postsPerSecond + "/s burst " + burst);
        }
        this.postsPerNano = postsPerSecond / 1e9;
        this.burst = burst;
    }

    boolean enabled() {
        return postsPerNano > 0;
    }

    /** Takes one post from {@code userId}'s bucket; false if the bucket is empty (the post must be refused). */
    boolean tryAcquire(long userId, long nowNanos) {
        if (!enabled()) {
            return true;
        }
        Bucket bucket = buckets.computeIfAbsent(userId, id -> new Bucket(burst, nowNanos));
        boolean granted = bucket.take(nowNanos, postsPerNano, burst);
        if (buckets.size() >= sweepAtSize) {
            sweep(nowNanos);
        }
        return granted;
    }

    /** Users with a bucket that is not full (what the sweep keeps). */
    int trackedUsers() {
        return buckets.size();
    }

    private synchronized void sweep(long nowNanos) {
        if (buckets.size() < sweepAtSize) {
            return; // another thread swept meanwhile
        }
        buckets.values().removeIf(b -> b.fullAt(nowNanos, postsPerNano, burst));
        sweepAtSize = Math.max(SWEEP_AT_LEAST, 2 * buckets.size());
    }

    private static final class Bucket {
        private double tokens;
        private long updatedNanos;

        Bucket(double tokens, long nowNanos) {
            this.tokens = tokens;
            this.updatedNanos = nowNanos;
        }

        synchronized boolean take(long nowNanos, double perNano, double burst) {
            refill(nowNanos, perNano, burst);
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }

        synchronized boolean fullAt(long nowNanos, double perNano, double burst) {
            refill(nowNanos, perNano, burst);
            return tokens >= burst;
        }

        private void refill(long nowNanos, double perNano, double burst) {
            long elapsed = nowNanos - updatedNanos;
            if (elapsed > 0) {
                tokens = Math.min(burst, tokens + elapsed * perNano);
                updatedNanos = nowNanos;
            }
        }
    }
}
