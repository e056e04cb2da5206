package tinysns.raft;

/**
 * A replica's data directory is not one it may start on: it belongs to another cluster or replica, or it is corrupt or
 * unreadable. The message names the directory and what is wrong, in one line; nothing in the directory was changed.
 */
public final class DataDirRefusedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DataDirRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
