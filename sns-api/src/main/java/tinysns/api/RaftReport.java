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
 * @param leaderSilentMillis how long this replica has been without a leader it can hear from (its Raft election
 *                     timer expired, or the leader's Raft port refuses connections); 0 while it has one or leads.
 *                     Evidence for the coordinator that the leader is dead, beside its own missing heartbeats.
 */
public record RaftReport(String raftAddress, boolean leader, long term, long lastLogIndex, long commitIndex,
                         List<String> voters, long epoch, long leaderSilentMillis) implements Serializable {
    /** A report without leader-silence evidence (older senders; replicas that do not track it). */
    public RaftReport(String raftAddress, boolean leader, long term, long lastLogIndex, long commitIndex,
                      List<String> voters, long epoch) {
        this(raftAddress, leader, term, lastLogIndex, commitIndex, voters, epoch, 0);
    }

    /** This report with {@code leaderSilentMillis} set (the node's coordinator link measures it). */
    public RaftReport withLeaderSilentMillis(long millis) {
        return new RaftReport(raftAddress, leader, term, lastLogIndex, commitIndex, voters, epoch, millis);
    }
}
