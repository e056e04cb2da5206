package tinysns.api.client;

/** No master of a cluster could be reached within a caller's deadline: says which cluster, for how long, and why. */
public final class NoMasterException extends Exception {
    private final int cluster;
    private final long searchedMillis;

    NoMasterException(int cluster, long searchedMillis, String why, Throwable cause) {
        super("no master of cluster " + cluster + " reachable for " + seconds(searchedMillis) + (why == null ? ""
                : ": " + why), cause);
        this.cluster = cluster;
        this.searchedMillis = searchedMillis;
    }

    public int cluster() {
        return cluster;
    }

    public long searchedMillis() {
        return searchedMillis;
    }

    private static String seconds(long millis) {
        return millis < 1000 ? millis + " ms" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
