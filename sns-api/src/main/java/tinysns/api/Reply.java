package tinysns.api;

import java.io.Serializable;

/** Reply to a write (follow, unfollow, post): a status and, for a post, the post's id within its author. */
public record Reply(Status status, long postSeq, String detail) implements Serializable, Outcome {
    public static Reply of(Status status) {
        return new Reply(status, 0, null);
    }

    public static Reply of(Status status, String detail) {
        return new Reply(status, 0, detail);
    }

    public boolean ok() {
        return status == Status.SUCCESS;
    }
}
