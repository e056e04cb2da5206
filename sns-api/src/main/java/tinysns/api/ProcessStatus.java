package tinysns.api;

import java.io.Serializable;

/** One row of the coordinator's routing table, as {@code sns status} prints it. */
public record ProcessStatus(ProcessId id, Role role, String host, int port, long lastHeartbeatAgeMillis,
                            boolean alive, RaftReport raft, SyncReport sync) implements Serializable {
}
