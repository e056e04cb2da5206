package tinysns.api;

/** The rules every process shares about clusters: which one is a user's home, and the course's port layout. */
public final class Clusters {
    private Clusters() {
    }

    /**
     * A user's home cluster, {@code (userId - 1) mod clusterCount + 1}: where the user logs in and what the user's posts
     * originate from.
     *
     * @throws IllegalArgumentException for an id below 1 or no clusters
     */
    public static int homeOf(long userId, int clusterCount) {
        if (userId < 1) {
            throw new IllegalArgumentException("user ids start at 1: " + userId);
        }
        if (clusterCount < 1) {
            throw new IllegalArgumentException("there must be at least one cluster: " + clusterCount);
        }
        return (int) ((userId - 1) % clusterCount) + 1;
    }

    /** The course's client port of server {@code member} of {@code cluster}: 10000, 10001, 20000, … */
    public static int nodePort(int cluster, int member) {
        return cluster * 10000 + member - 1;
    }

    /** The Raft port beside it: 10100, 10101, 20100, … */
    public static int raftPort(int cluster, int member) {
        return cluster * 10000 + 100 + member - 1;
    }

    /** Synchronizer {@code member} of {@code cluster}: 10200, 10201, 20200, … */
    public static int syncPort(int cluster, int member) {
        return cluster * 10000 + 200 + member - 1;
    }
}
