package tinysns.api;

import java.io.Serializable;
import java.util.List;

/**
 * A server's view of its Raft group, sent with every heartbeat. The coordinator's failover decisions
 * (DESIGN.md §2) are made from these.
 *
 * @param raftAddress  this replica's Raft endpoint, {@code host:port}
 * @param leader       whether this replica is the leader right now
 * @param term         its current term
 * @param lastLogIndex index of the last entry in its log
 * @param commitIndex  highest index it knows committed
 * @param voters       its current configuration's voters ({@code host:port}), as it sees them
 * @param epoch        the newest reconfiguration epoch it has obeyed
 */
public record RaftReport(String raftAddress, boolean leader, long term, long lastLogIndex, long commitIndex,
                         List<String> voters, long epoch) implements Serializable {
}
