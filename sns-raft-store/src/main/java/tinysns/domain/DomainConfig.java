package tinysns.domain;

/**
 * The fixed facts a cluster's state machine needs. Identical on every replica of a cluster.
 *
 * @param clusterId        this cluster, 1..clusterCount
 * @param clusterCount     clusters in the deployment; user u lives in cluster {@code (u - 1) mod clusterCount + 1}
 * @param maxPostChars     longest post accepted, in characters (code points)
 * @param sessionTtlMillis a session unused for longer than this (by command stamps) is no longer valid; must be the
 *                         same on every replica of the cluster
 * @param liveClientMillis a session stamped (by a write or a keep-alive's touch) less than this long ago is held by a
 *                         live client, and a second login of its user is refused ({@link SnsStateMachine}'s login
 *                         rule); must be the same on every replica of the cluster
 */
public record DomainConfig(int clusterId, int clusterCount, int maxPostChars, long sessionTtlMillis,
                           long liveClientMillis) {
    public static final int DEFAULT_MAX_POST_CHARS = 280;
    /**
     * A day: a live client never reaches it (its keep-alives touch the session every quarter of it), and the token of
     * a client that died stops working a day later at the latest.
     */
    public static final long DEFAULT_SESSION_TTL_MILLIS = 24L * 3600 * 1000;
    /**
     * 4 s: how recently a session must have been stamped for its client to count as alive. Two bounds meet here.
     * <ul>
     *   <li>Safe: a live client's stamp is never older. A client calls keepAlive every second
     *       ({@code ClientSession}); a keep-alive finds the session idle for {@link #touchAfterMillis()} (1.5 s) at
     *       its second tick and proposes a touch, so an idle live client's stamp is at most about 2 s old (a posting
     *       client's, the age of its last post). That leaves 2 s for a keep-alive or its commit to be late under
     *       load. A failover adds no stamps for its whole length (measured kill → next acknowledged write: p99 1.3 s
     *       on a quiet machine, 2.1 s at load 30, 4.2 s with the coordinator leader paused too; 10 s and more with the
     *       course's timings), so a failover is not covered by this bound but by the new leader's grace
     *       ({@link LeaderStartCommand}): a session that was live when the previous leader last committed stays
     *       held for this long after the new leader starts, whatever the failover took.</li>
     *   <li>Short: a user whose client died may log in again at most this long after that client's last stamp (or
     *       after a leader change that came in between): "a few seconds at most" (CLIENT.md).</li>
     * </ul>
     */
    public static final long DEFAULT_LIVE_CLIENT_MILLIS = 4_000;

    /** As the canonical constructor, with {@link #DEFAULT_LIVE_CLIENT_MILLIS}. */
    public DomainConfig(int clusterId, int clusterCount, int maxPostChars, long sessionTtlMillis) {
        this(clusterId, clusterCount, maxPostChars, sessionTtlMillis, DEFAULT_LIVE_CLIENT_MILLIS);
    }

    public DomainConfig {
        if (clusterCount < 1) {
            throw new IllegalArgumentException("clusterCount must be >= 1, got " + clusterCount);
        }
        if (clusterId < 1 || clusterId > clusterCount) {
            throw new IllegalArgumentException("clusterId must be in 1.." + clusterCount + ", got " + clusterId);
        }
        if (maxPostChars < 1) {
            throw new IllegalArgumentException("maxPostChars must be >= 1");
        }
        if (liveClientMillis < 1) {
            throw new IllegalArgumentException("liveClientMillis must be >= 1, got " + liveClientMillis);
        }
    }

    /**
     * A keep-alive that finds its session idle this long proposes a touch: the sooner of a quarter of the time to
     * live (so a reading client never expires) and 3/8 of {@link #liveClientMillis} (1.5 s by default: with a
     * keep-alive every second, every second keep-alive of an idle client touches, so its stamp stays within about
     * 2 s, half the live-client bound). Costs one Raft entry per idle client every 2 s; a client that writes needs
     * none, its writes stamp the session.
     */
    public long touchAfterMillis() {
        return Math.max(1, Math.min(sessionTtlMillis / 4, liveClientMillis * 3 / 8));
    }

    public static DomainConfig of(int clusterId, int clusterCount) {
        return new DomainConfig(clusterId, clusterCount, DEFAULT_MAX_POST_CHARS, DEFAULT_SESSION_TTL_MILLIS);
    }

    /** The cluster user {@code userId} lives in. */
    public int homeCluster(long userId) {
        return homeCluster(userId, clusterCount);
    }

    /** {@link tinysns.api.Clusters#homeOf}, or 0 for what is no user id: the state machine never throws on input. */
    public static int homeCluster(long userId, int clusterCount) {
        return userId < 1 ? 0 : tinysns.api.Clusters.homeOf(userId, clusterCount);
    }

    public boolean isLocal(long userId) {
        return userId > 0 && homeCluster(userId) == clusterId;
    }
}
