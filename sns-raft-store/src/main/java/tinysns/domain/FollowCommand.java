package tinysns.domain;

public final class FollowCommand extends SessionCommand {
    private static final long serialVersionUID = 1L;

    private final long targetId;

    public FollowCommand(long userId, String token, long requestNo, long targetId) {
        super(userId, token, requestNo);
        this.targetId = targetId;
    }

    public long targetId() {
        return targetId;
    }
}
