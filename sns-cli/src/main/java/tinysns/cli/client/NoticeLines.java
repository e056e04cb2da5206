package tinysns.cli.client;

import tinysns.api.ServerAddress;

/**
 * The lines the client prints beyond the course's reply lines (CLIENT.md, "Lines added since"): what happened to the
 * link or the session, each said once, on a line of its own. Scripts may match them; keep them stable.
 */
public final class NoticeLines {
    /** The session was replaced by a login of the same user from another client; the client exits (code 3). */
    public static String sessionReplaced(long userId) {
        return "Session ended: user " + userId + " logged in from another client";
    }

    /** The session expired (or is unknown to the cluster); the client logs in again, if it may. */
    public static final String SESSION_EXPIRED = "Session expired";

    /** After {@link #SESSION_EXPIRED}: the new login succeeded and the client carries on in the same mode. */
    public static String loggedInAgain(long userId) {
        return "(logged in again as user " + userId + ")";
    }

    /** Once per outage: no master of the user's cluster has answered for {@code millis}; the client keeps looking. */
    public static String noMaster(int cluster, long millis) {
        return "(no master for cluster " + (cluster > 0 ? String.valueOf(cluster) : "?") + " reachable for "
                + seconds(millis) + "; still trying)";
    }

    /** Once per failover (or after an outage): the calls go to this server now. */
    public static String reconnected(ServerAddress address) {
        return "(reconnected to the master of cluster " + address.cluster() + ": " + address.registryName() + " at "
                + address.host() + ":" + address.port() + ")";
    }

    /** {@code 0.4 s} below a second, else whole seconds: {@code 4 s}. */
    static String seconds(long millis) {
        if (millis < 1000) {
            return "0." + Math.max(0, millis) / 100 + " s";
        }
        return (millis + 500) / 1000 + " s";
    }

    private NoticeLines() {
    }
}
