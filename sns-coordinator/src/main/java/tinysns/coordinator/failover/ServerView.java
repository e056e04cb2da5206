package tinysns.coordinator.failover;

import tinysns.api.ProcessId;
import tinysns.api.RaftReport;

/** What failover knows of one server: whether the detector holds it alive, and its last Raft report (may be null). */
public record ServerView(ProcessId id, boolean alive, RaftReport raft) {
    public String raftAddress() {
        return raft == null ? null : raft.raftAddress();
    }
}
