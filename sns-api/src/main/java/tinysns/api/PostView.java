package tinysns.api;

import java.io.Serializable;

/**
 * One post as a reader sees it. {@code (authorId, seq)} is its global id; {@code createdMillis} is the wall-clock
 * time its author's cluster leader stamped when the post was proposed.
 */
public record PostView(long authorId, long seq, long createdMillis, String text) implements Serializable {
}
