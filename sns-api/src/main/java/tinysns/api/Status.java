package tinysns.api;

/**
 * Outcome of every client-visible operation. The first seven mirror the course's result codes
 * (CLIENT.md maps each to the exact line the client prints); the rest are this system's additions. New values go
 * last: ordinals are stored (a session record keeps its last reply's status by ordinal).
 */
public enum Status {
    SUCCESS,
    /** Follow self, or follow someone already followed. */
    ALREADY_EXISTS,
    /** Reserved by the course; never produced today. */
    NOT_EXISTS,
    /** Unknown user, or unfollow self / unknown. */
    INVALID_USERNAME,
    /** Unfollow someone not followed. */
    NOT_A_FOLLOWER,
    /** Malformed command or argument (bad id, empty or over-long post, null field). */
    INVALID_COMMAND,
    UNKNOWN,

    /** This server is not its cluster's master; ask the coordinator again. */
    NOT_MASTER,
    /** No live master for the user's cluster (coordinator's answer). */
    NO_SERVER,
    /**
     * The session token is unknown, expired, or not bound to the acting user. (A token that a newer login of its user
     * replaced is {@link #SESSION_REPLACED} instead.)
     */
    SESSION_INVALID,
    /** The user is already logged in from a client that is still alive. */
    ALREADY_LOGGED_IN,
    /** A request number older than the session's last one: a stale retry, nothing applied. */
    STALE_REQUEST,
    /** The user belongs to another cluster. */
    WRONG_CLUSTER,
    /** Too many posts in too short a time for one session. */
    RATE_LIMITED,
    /** The caller did not present the deployment's shared secret. */
    UNAUTHORIZED,
    /** A synchronization batch does not continue the receiver's cursor (events are missing). */
    SYNC_GAP,
    /** The server could not finish the operation in time; its outcome is unknown, retry with the same request number. */
    TIMEOUT,
    /**
     * A timeline subscription whose callback stub names another host than the address the subscribe call came from:
     * a node calls back only the subscriber's own address (the client's callback host must be how the server sees
     * it). Nothing was subscribed.
     */
    CALLBACK_REFUSED,
    /**
     * The session was this user's, and a newer login of the same user replaced it: another client now holds the user
     * (a login replaces a session only once its client has stopped keeping it alive). Nothing was done.
     */
    SESSION_REPLACED,
    /**
     * A keep-alive of a timeline client whose subscription this master dropped when it stopped leading for a moment
     * (and then led again): the session is fine, but nothing is pushed to it until it subscribes again.
     */
    NOT_SUBSCRIBED
}
