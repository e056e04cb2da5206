package tinysns.domain;

import java.io.Serializable;
import java.util.Objects;

/**
 * A committed change other clusters must learn, numbered densely within its origin cluster. The log's twin of
 * {@code tinysns.api.SyncEvent} (a plain class because Hessian cannot construct records).
 */
public final class OutboxEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Type {
        USER, FOLLOW, UNFOLLOW, POST
    }

    private final long seq;
    private final Type type;
    private final long userId;
    private final long targetId;
    private final long postSeq;
    private final long stampMillis;
    private final String text;

    public OutboxEvent(long seq, Type type, long userId, long targetId, long postSeq, long stampMillis, String text) {
        this.seq = seq;
        this.type = type;
        this.userId = userId;
        this.targetId = targetId;
        this.postSeq = postSeq;
        this.stampMillis = stampMillis;
        this.text = text;
    }

    public long seq() {
        return seq;
    }

    public Type type() {
        return type;
    }

    /** The user created, the follower, or the author. */
    public long userId() {
        return userId;
    }

    /** For FOLLOW/UNFOLLOW, the followee; otherwise 0. */
    public long targetId() {
        return targetId;
    }

    /** For POST, the post's number within its author; otherwise 0. */
    public long postSeq() {
        return postSeq;
    }

    public long stampMillis() {
        return stampMillis;
    }

    /** For POST, its text; otherwise null. */
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboxEvent e && e.seq == seq && e.type == type && e.userId == userId
                && e.targetId == targetId && e.postSeq == postSeq && e.stampMillis == stampMillis
                && Objects.equals(e.text, text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, type, userId, targetId, postSeq, stampMillis);
    }

    @Override
    public String toString() {
        return "#" + seq + " " + type + " " + userId + (targetId != 0 ? "->" + targetId : "")
                + (type == Type.POST ? " post " + postSeq : "") + " @" + stampMillis;
    }
}
