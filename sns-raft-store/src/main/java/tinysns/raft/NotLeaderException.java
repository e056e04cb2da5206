package tinysns.raft;

/**
 * This replica is not, or stopped being, the leader. If the command had already been appended when leadership was
 * lost, it may still commit: retry at the new leader with the same session request number, which the state machine
 * answers with the first reply instead of applying twice.
 */
public class NotLeaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String leaderAddress;

    public NotLeaderException(String leaderAddress, String detail) {
        super("not the leader" + (leaderAddress == null ? " (leader unknown)" : " (leader is " + leaderAddress + ")")
                + (detail == null ? "" : ": " + detail));
        this.leaderAddress = leaderAddress;
    }

    /** The leader's Raft address {@code host:port} as this replica last knew it, or null. */
    public String leaderAddress() {
        return leaderAddress;
    }
}
