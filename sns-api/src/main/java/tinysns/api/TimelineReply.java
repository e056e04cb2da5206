package tinysns.api;

import java.io.Serializable;
import java.util.List;

/** Newest posts of the users someone follows, oldest of them first. */
public record TimelineReply(Status status, List<PostView> posts) implements Serializable, Outcome {
}
