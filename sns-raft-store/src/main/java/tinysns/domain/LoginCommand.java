package tinysns.domain;

/**
 * Opens a session for {@code userId} with a fresh random {@code token} chosen by the leader, creating the user on
 * its first login. A user has at most one session: a new login replaces the previous one. Whether the previous
 * client is still alive is the serving node's judgement, made before it proposes this.
 */
public final class LoginCommand extends Command {
    private static final long serialVersionUID = 1L;

    private final long userId;
    private final String token;

    public LoginCommand(long userId, String token) {
        this.userId = userId;
        this.token = token;
    }

    public long userId() {
        return userId;
    }

    public String token() {
        return token;
    }

    @Override
    public String toString() {
        return "Login{user=" + userId + "}";
    }
}
