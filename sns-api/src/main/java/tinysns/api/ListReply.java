package tinysns.api;

import java.io.Serializable;
import java.util.List;

/** Every user of the whole system and the users who follow the caller, both ascending. */
public record ListReply(Status status, List<Long> allUsers, List<Long> followers) implements Serializable, Outcome {
}
