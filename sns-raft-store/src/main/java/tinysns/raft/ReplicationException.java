package tinysns.raft;

/**
 * Raft could not finish a proposal or a read for a reason other than leadership (busy, shutting down, timed out). For a
 * proposal the outcome is unknown: retry with the same request number.
 */
public class ReplicationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int raftCode;

    public ReplicationException(int raftCode, String message) {
        super(message);
        this.raftCode = raftCode;
    }

    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
        this.raftCode = -1;
    }

    /** JRaft's {@code RaftError} number, or -1 when the failure did not come from JRaft. */
    public int raftCode() {
        return raftCode;
    }
}
