package tinysns.domain;

import tinysns.api.PostView;

/** A post that entered local user {@code followerId}'s timeline. */
public record Delivery(long followerId, PostView post) {
}
