package tinysns.domain;

/**
 * Keeps a live client's session from expiring: sets the session's last-active stamp to the command's stamp and changes
 * nothing else. The master proposes one when a keep-alive finds the session idle for a quarter of its time to live,
 * so a client that only reads (timeline mode) keeps its session as long as it keeps calling, and every replica judges
 * expiry from the same stamps.
 */
public final class TouchCommand extends SessionCommand {
    private static final long serialVersionUID = 1L;

    public TouchCommand(long userId, String token) {
        super(userId, token, 0);
    }
}
