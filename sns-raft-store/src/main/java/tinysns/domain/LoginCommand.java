package tinysns.domain;

/**
 * Opens a session for {@code userId} with a fresh random {@code token} chosen by the leader, creating the user on
 * its first login. A user has at most one session: a login is refused while a live client holds the user's session
 * ({@link SnsStateMachine#heldByLiveClient}, judged from the replicated stamps, so every replica and every later
 * leader decides alike), and otherwise replaces it.
 *
 * <p>{@link #exclusive()} is false only for entries written by builds before that rule, which replaced a session
 * whatever its age (the serving node judged liveness in its memory). Such entries are applied as they were then, so
 * a replica that replays or catches up on an old log ends in the same state as the one that first applied it. Hessian
 * builds a decoded command with the no-argument constructor and then sets the fields the entry holds: an old entry
 * has no {@code exclusive} field and so keeps that constructor's false.
 */
public final class LoginCommand extends Command {
    private static final long serialVersionUID = 1L;

    private final long userId;
    private final String token;
    private final boolean exclusive;

    public LoginCommand(long userId, String token) {
        this.userId = userId;
        this.token = token;
        this.exclusive = true;
    }

    /** For Hessian only (see the class comment): an entry without {@code exclusive} is an old, replacing login. */
    private LoginCommand() {
        this.userId = 0;
        this.token = null;
        this.exclusive = false;
    }

    public long userId() {
        return userId;
    }

    public String token() {
        return token;
    }

    /** True: refused while a live client holds the user. False: an entry of an older build, which always replaces. */
    public boolean exclusive() {
        return exclusive;
    }

    @Override
    public String toString() {
        return "Login{user=" + userId + (exclusive ? "" : ", replacing") + "}";
    }
}
