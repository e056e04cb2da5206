package tinysns.domain;

public final class UnfollowCommand extends SessionCommand {
    private static final long serialVersionUID = 1L;

    private final long targetId;

    public UnfollowCommand(long userId, String token, long requestNo, long targetId) {
        super(userId, token, requestNo);
        this.targetId = targetId;
    }

    public long targetId() {
        return targetId;
    }
}
