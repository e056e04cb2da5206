package tinysns.store;

/** The state database failed (I/O, corruption, closed). The replica cannot go on applying when this is thrown. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
