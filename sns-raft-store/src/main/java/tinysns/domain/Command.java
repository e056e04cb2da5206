package tinysns.domain;

import java.io.Serializable;

/**
 * A change to a cluster's state, as it travels through the Raft log. Plain classes, not records: Hessian, which
 * encodes the log, cannot construct records (PITFALLS.md).
 *
 * <p>{@link #stampMillis} is the leader's wall-clock time when it proposed the command; the state machine never
 * reads a clock, so every replica applying the same log ends in the same state.
 */
public abstract class Command implements Serializable {
    private static final long serialVersionUID = 1L;

    private long stampMillis;

    public long stampMillis() {
        return stampMillis;
    }

    /** Set once, by the leader, just before it proposes the command. */
    public Command stamp(long millis) {
        this.stampMillis = millis;
        return this;
    }
}
