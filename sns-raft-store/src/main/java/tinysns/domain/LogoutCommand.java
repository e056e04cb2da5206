package tinysns.domain;

/** Ends a session. */
public final class LogoutCommand extends SessionCommand {
    private static final long serialVersionUID = 1L;

    public LogoutCommand(long userId, String token) {
        super(userId, token, 0);
    }
}
