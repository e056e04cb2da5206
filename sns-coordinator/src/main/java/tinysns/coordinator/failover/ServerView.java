package tinysns.coordinator.failover;

import tinysns.api.ProcessId;
import tinysns.api.RaftReport;

/**
 * What failover knows of one server: whether the detector holds it alive, how long it has been silent (milliseconds
 * since its last heartbeat, -1 if never heard), and its last Raft report (may be null).
 */
public record ServerView(ProcessId id, boolean alive, long silentMillis, RaftReport raft) {
    /** A view without a silence measure: a live server counts as just heard, a dead one as silent for ever. */
    public ServerView(ProcessId id, boolean alive, RaftReport raft) {
        this(id, alive, alive ? 0 : Long.MAX_VALUE, raft);
    }

    public String raftAddress() {
        return raft == null ? null : raft.raftAddress();
    }
}
