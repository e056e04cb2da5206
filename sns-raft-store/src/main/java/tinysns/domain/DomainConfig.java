package tinysns.domain;

/**
 * The fixed facts a cluster's state machine needs. Identical on every replica of a cluster.
 *
 * @param clusterId        this cluster, 1..clusterCount
 * @param clusterCount     clusters in the deployment; user u lives in cluster {@code (u - 1) mod clusterCount + 1}
 * @param maxPostChars     longest post accepted, in characters (code points)
 * @param sessionTtlMillis a session unused for longer than this (by command stamps) is no longer valid; must be the
 *                         same on every replica of the cluster
 */
public record DomainConfig(int clusterId, int clusterCount, int maxPostChars, long sessionTtlMillis) {
    public static final int DEFAULT_MAX_POST_CHARS = 280;
    /**
     * A day: a live client never reaches it (its keep-alives touch the session every quarter of it), and the token of
     * a client that died stops working a day later at the latest.
     */
    public static final long DEFAULT_SESSION_TTL_MILLIS = 24L * 3600 * 1000;

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
