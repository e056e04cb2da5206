package tinysns.cli.client;

/** Finding the cluster's master failed; {@link #reason()} says at which step. */
public final class ConnectFailure extends Exception {
    public enum Reason {
        /** The coordinator's registry or service did not answer. */
        COORDINATOR_UNREACHABLE,
        /** The coordinator knows no live master for the cluster right now. */
        NO_SERVER,
        /** The coordinator named a server that could not be looked up. */
        SERVER_UNREACHABLE
    }

    private final Reason reason;

    public ConnectFailure(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
