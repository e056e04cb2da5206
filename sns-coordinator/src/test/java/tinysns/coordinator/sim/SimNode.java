package tinysns.coordinator.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tinysns.api.ProcessId;
import tinysns.api.RaftReport;

/**
 * One JRaft replica as the simulation sees it: just enough state to produce realistic {@link RaftReport}s and to
 * obey the coordinator's orders the way {@code ClusterReplica} and JRaft do. Durable: term, log, epoch (and the conf
 * the log implies). Volatile: leadership, commit index, a conf set by {@code resetPeers} (JRaft does not persist it).
 */
final class SimNode {
    enum Status { UP, CRASHED, PAUSED }

    /** A log entry: a leader's no-op/conf entry (conf != null) or a client write (writeId > 0). */
    record Entry(long term, long writeId, Set<String> conf) {
        @Override
        public String toString() {
            return conf != null ? "c" + term + conf : "w" + writeId + "@" + term;
        }
    }

    final ProcessId id;
    final String addr;
    final int servicePort;
    Status status = Status.UP;
    long pausedUntilMillis;
    /** Heartbeat thread stalled (the process and its Raft run on): the coordinator's wrong suspicion. */
    long mutedUntilMillis;

    /** The data directory this replica runs on (RaftReport.incarnation); a new one after its disk is lost. */
    String incarnation;
    /**
     * Whether this data directory executed a reset to itself (ClusterReplica's reset epoch). Without one, a conf
     * {self} from the log (replayed onto an emptied directory) does not let the node campaign: the election fence.
     */
    boolean resetOnThisDisk;
    long term;
    final List<Entry> log = new ArrayList<>();
    long epoch;
    Set<String> conf;
    boolean leader;
    long commitIndex;
    String knownLeader;
    long lastHeardLeaderMillis;
    long electionDueMillis;
    /** When this replica last had no known leader start (for {@link RaftReport#leaderSilentMillis}). */
    long leaderLostAtMillis = -1;
    /** Leader only: the other voter's match index and when it last answered. */
    long matchIndexOther;
    long lastAckOtherMillis;
    /** Leader only: an add-back in progress (JRaft addPeer), or null. */
    AddBack addBack;
    /** The coordinator replica this node's CoordinatorLocator talks to now. */
    int coordinatorIndex;
    /** What the last heartbeat reported, to beat at once when leadership changes (CoordinatorLink's trigger). */
    boolean beatLeader;
    boolean beatSilent;

    static final class AddBack {
        final String peer;
        final long epoch;
        final long startedMillis;
        long confIndex; // 0 while catching up; the index of the appended conf entry after

        AddBack(String peer, long epoch, long startedMillis) {
            this.peer = peer;
            this.epoch = epoch;
            this.startedMillis = startedMillis;
        }
    }

    SimNode(ProcessId id, String addr, int servicePort, String incarnation) {
        this.id = id;
        this.addr = addr;
        this.servicePort = servicePort;
        this.incarnation = incarnation;
    }

    boolean up() {
        return status == Status.UP;
    }

    long lastIndex() {
        return log.size();
    }

    long lastTerm() {
        return log.isEmpty() ? 0 : log.get(log.size() - 1).term();
    }

    /** The configuration the log implies: its last conf entry (what a restarted JRaft node recovers). */
    Set<String> logConf(Set<String> initial) {
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).conf() != null) {
                return log.get(i).conf();
            }
        }
        return initial;
    }

    /** Index (1-based) of the last conf entry, 0 if none. */
    long lastConfIndex() {
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).conf() != null) {
                return i + 1;
            }
        }
        return 0;
    }

    /** Whether this node may win an election with its own vote alone (conf {self}, not fenced). */
    boolean canLeadAlone() {
        return conf.equals(Set.of(addr)) && resetOnThisDisk;
    }

    boolean holdsWrite(long writeId) {
        for (Entry e : log) {
            if (e.writeId() == writeId) {
                return true;
            }
        }
        return false;
    }

    RaftReport report(long nowMillis, boolean leaderUnreachable) {
        boolean silent = !leader && (knownLeader == null || leaderUnreachable);
        long silentMillis = silent ? Math.max(1, nowMillis - leaderLostAtMillis) : 0;
        return new RaftReport(addr, leader, term, lastIndex(), commitIndex, List.copyOf(conf), epoch, silentMillis,
                incarnation);
    }

    @Override
    public String toString() {
        return id + "[" + status + (leader ? " LEADER" : "") + " disk " + incarnation + " t" + term + " conf" + conf + " e" + epoch + " ci"
                + commitIndex + " log" + log + "]";
    }
}
