package tinysns.api;

import java.io.Serializable;

/**
 * One committed change other clusters must know, numbered densely per origin cluster ({@code seq} = 1, 2, 3, …).
 *
 * @param seq          position in the origin cluster's outbox
 * @param type         what happened
 * @param userId       the user created, the follower, or the author
 * @param targetId     for FOLLOW/UNFOLLOW the followee; otherwise 0
 * @param postSeq      for POST the post's sequence number within its author; otherwise 0
 * @param stampMillis  the origin leader's wall-clock stamp of the change
 * @param text         for POST its text; otherwise null
 */
public record SyncEvent(long seq, Type type, long userId, long targetId, long postSeq, long stampMillis, String text)
        implements Serializable {
    public enum Type {
        USER, FOLLOW, UNFOLLOW, POST
    }
}
