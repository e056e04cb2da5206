package tinysns.node;

import java.time.Duration;
import java.util.Objects;
import tinysns.domain.DomainConfig;

/**
 * What one client may use of a server (docs/security.md §2 and §6).
 *
 * @param postsPerSecond posts per second one session may make, sustained, before it is refused
 *                       {@code RATE_LIMITED}; 0 turns the limit off. Judged on the master only, before proposing.
 * @param postBurst      posts one session may make at once after a quiet spell (the bucket's size)
 * @param sessionTtl     a session unused for this long (judged by command stamps, so every replica agrees) is
 *                       invalid; live clients' keep-alives keep theirs fresh. Must be equal on every replica of a
 *                       cluster, which is why no command-line option sets it.
 */
public record ClientLimits(int postsPerSecond, int postBurst, Duration sessionTtl) {
    /** A person never posts 50 times a second; a runaway script does within a second. */
    public static final int DEFAULT_POSTS_PER_SECOND = 50;
    public static final ClientLimits DEFAULTS = new ClientLimits(DEFAULT_POSTS_PER_SECOND,
            burstFor(DEFAULT_POSTS_PER_SECOND), Duration.ofMillis(DomainConfig.DEFAULT_SESSION_TTL_MILLIS));

    public ClientLimits {
        Objects.requireNonNull(sessionTtl, "sessionTtl");
        if (postsPerSecond < 0 || postBurst < 0 || (postsPerSecond > 0 && postBurst < 1)) {
            throw new IllegalArgumentException("posts per second must be >= 0 (0 = off) with a burst >= 1");
        }
        if (sessionTtl.toMillis() < 4) {
            throw new IllegalArgumentException("a session time to live is at least a few milliseconds");
        }
    }

    /** The default burst for a rate: two seconds' worth. */
    public static int burstFor(int postsPerSecond) {
        return postsPerSecond == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, 2L * postsPerSecond);
    }

    /** These limits with another post rate (and its default burst). */
    public ClientLimits withPostRate(int postsPerSecond) {
        return new ClientLimits(postsPerSecond, burstFor(postsPerSecond), sessionTtl);
    }

    public ClientLimits withSessionTtl(Duration ttl) {
        return new ClientLimits(postsPerSecond, postBurst, ttl);
    }
}
