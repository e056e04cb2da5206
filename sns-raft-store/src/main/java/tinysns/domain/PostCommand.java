package tinysns.domain;

public final class PostCommand extends SessionCommand {
    private static final long serialVersionUID = 1L;

    private final String text;

    public PostCommand(long userId, String token, long requestNo, String text) {
        super(userId, token, requestNo);
        this.text = text;
    }

    public String text() {
        return text;
    }
}
