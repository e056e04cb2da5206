package tinysns.domain;

import java.util.Objects;

/**
 * A write made by a logged-in user: it carries the session token and the client's request number, so that a retry
 * of the same request returns the first reply and applies nothing twice (DESIGN.md §5).
 */
public abstract class SessionCommand extends Command {
    private static final long serialVersionUID = 1L;

    private final long userId;
    private final String token;
    private final long requestNo;

    protected SessionCommand(long userId, String token, long requestNo) {
        this.userId = userId;
        this.token = token;
        this.requestNo = requestNo;
    }

    public long userId() {
        return userId;
    }

    public String token() {
        return token;
    }

    public long requestNo() {
        return requestNo;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{user=" + userId + ", req=" + requestNo + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionCommand c && c.getClass() == getClass() && c.userId == userId
                && c.requestNo == requestNo && Objects.equals(c.token, token) && c.stampMillis() == stampMillis();
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), userId, requestNo);
    }
}
