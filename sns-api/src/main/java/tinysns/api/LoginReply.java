package tinysns.api;

import java.io.Serializable;

/** Result of a login: the session to put on every later request, when the status is SUCCESS. */
public record LoginReply(Status status, Session session, String detail) implements Serializable, Outcome {
}
