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
 * @param incarnation  the identity of this replica's data directory, made when the directory was first used: a
 *                     directory that was emptied or replaced has a new one, so the coordinator can tell that this
 *                     replica may lack writes it once held (DESIGN.md §2, "Disk loss"); null from senders without one
 */
public record RaftReport(String raftAddress, boolean leader, long term, long lastLogIndex, long commitIndex,
                         List<String> voters, long epoch, long leaderSilentMillis, String incarnation)
        implements Serializable {
    /** A report without leader-silence evidence (older senders; replicas that do not track it). */
    public RaftReport(String raftAddress, boolean leader, long term, long lastLogIndex, long commitIndex,
                      List<String> voters, long epoch) {
        this(raftAddress, leader, term, lastLogIndex, commitIndex, voters, epoch, 0, null);
    }

    /** A report without a data-directory incarnation. */
    public RaftReport(String raftAddress, boolean leader, long term, long lastLogIndex, long commitIndex,
                      List<String> voters, long epoch, long leaderSilentMillis) {
        this(raftAddress, leader, term, lastLogIndex, commitIndex, voters, epoch, leaderSilentMillis, null);
    }

    /** This report with {@code leaderSilentMillis} set (the node's coordinator link measures it). */
    public RaftReport withLeaderSilentMillis(long millis) {
        return new RaftReport(raftAddress, leader, term, lastLogIndex, commitIndex, voters, epoch, millis,
                incarnation);
    }
}
