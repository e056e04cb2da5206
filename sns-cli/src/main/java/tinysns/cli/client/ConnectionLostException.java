package tinysns.cli.client;

/** The current server could not be reached or did not answer; the outcome of the call is unknown. */
public final class ConnectionLostException extends Exception {
    public ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }

    public ConnectionLostException(String message) {
        super(message);
    }
}
