package tinysns.api;

/** A reply that carries a {@link Status}: what a caller checks first, and where {@link Status#NOT_MASTER} shows. */
public interface Outcome {
    Status status();
}
