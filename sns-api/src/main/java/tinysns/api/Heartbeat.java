package tinysns.api;

import java.io.Serializable;

/**
 * Registration and liveness in one message: the first heartbeat registers the process.
 *
 * @param id       who is speaking
 * @param host     host its RMI service is reachable at
 * @param port     port of the RMI registry it bound its service into
 * @param raft     for servers, the state of its Raft replica; null for synchronizers
 * @param sync     for synchronizers, their progress; null for servers
 */
public record Heartbeat(ProcessId id, String host, int port, RaftReport raft, SyncReport sync) implements Serializable {
}
