package tinysns.api;

import java.io.Serializable;
import java.util.List;

/** Consecutive events of one cluster's outbox, and the outbox's head when it was read. */
public record OutboxBatch(Status status, int originCluster, List<SyncEvent> events, long head) implements Serializable, Outcome {
}
