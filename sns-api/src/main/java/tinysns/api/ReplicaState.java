package tinysns.api;

import java.io.Serializable;
import java.util.Map;

/**
 * One replica's applied state, summarized (see {@link ReplicaProbe}).
 *
 * @param cluster      the replica's cluster
 * @param raftAddress  its Raft endpoint, {@code host:port}
 * @param leader       whether it leads its Raft group right now
 * @param appliedIndex the Raft index of the last entry applied to the state, or -1 if entries were being applied
 *                     while the digest was taken (ask again: the digest then belongs to no single index)
 * @param digest       SHA-256 (hex) over every domain key and value: two replicas with equal digests hold the same state
 * @param outboxHead   the highest outbox number of this cluster (0 if none)
 * @param cursors      for every other cluster, the highest outbox number of that cluster applied here
 */
public record ReplicaState(int cluster, String raftAddress, boolean leader, long appliedIndex, String digest,
                           long outboxHead, Map<Integer, Long> cursors) implements Serializable {
    /** An immutable copy: what goes on the wire is always a JDK immutable map, the only map the RMI filter admits. */
    public ReplicaState {
        cursors = cursors == null ? null : Map.copyOf(cursors);
    }
}
