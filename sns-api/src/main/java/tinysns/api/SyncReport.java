package tinysns.api;

import java.io.Serializable;
import java.util.Map;

/**
 * A synchronizer's progress: its own cluster's outbox head, and for every other cluster the highest outbox number
 * of its cluster that target has applied (its cursor). Lag per target = {@code outboxHead - cursors.get(target)}.
 */
public record SyncReport(long outboxHead, Map<Integer, Long> cursors) implements Serializable {
    /** An immutable copy: what goes on the wire is always a JDK immutable map, the only map the RMI filter admits. */
    public SyncReport {
        cursors = cursors == null ? null : Map.copyOf(cursors);
    }
}
