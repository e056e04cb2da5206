package tinysns.api;

import java.io.Serializable;

/** Proof of a login: the user and the random 128-bit token the cluster bound to that user. */
public record Session(long userId, String token) implements Serializable {
}
