package tinysns.coordinator.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.Role;

/**
 * Per cluster: its servers and synchronizers, and which of each is the master. The role rules live here; liveness
 * comes in as a predicate (from the {@link FailureDetector}), so the rules are pure.
 *
 * <p>Server master: while no server of the cluster has ever reported being Raft leader, the first live server to
 * have registered (kept while it lives). Once one has, the Raft leader is the truth: the live server reporting
 * {@code leader} with the highest term, or nobody while no live server reports leading (an election is running).
 *
 * <p>Synchronizer master: the first live one to register; kept while it lives; when it is dead the first live other
 * one is promoted; a returning old master stays slave while the promoted one lives.
 */
public final class RoutingTable {
    /** Cluster, then kind (servers first), then member: the order of {@code status}. */
    public static final Comparator<ProcessId> ORDER = Comparator.comparingInt(ProcessId::cluster)
            .thenComparing(ProcessId::kind)
            .thenComparingInt(ProcessId::member);

    /** A change of master, for the caller to log; {@code before} or {@code after} may be null (none). */
    public record RoleChange(int cluster, ProcessKind kind, ProcessId before, ProcessId after, String why) {
    }

    private final int clusterCount;
    private final Map<ProcessId, Member> members = new TreeMap<>(ORDER);
    private final ProcessId[] masterServer;
    private final ProcessId[] masterSync;
    /** Whether a server of the cluster has reported being Raft leader since this table was built. */
    private final boolean[] raftLeaderKnown;
    private long nextRegistrationSeq = 1;

    public RoutingTable(int clusterCount) {
        if (clusterCount < 1) {
            throw new IllegalArgumentException("clusterCount must be >= 1: " + clusterCount);
        }
        this.clusterCount = clusterCount;
        this.masterServer = new ProcessId[clusterCount + 1];
        this.masterSync = new ProcessId[clusterCount + 1];
        this.raftLeaderKnown = new boolean[clusterCount + 1];
    }

    public int clusterCount() {
        return clusterCount;
    }

    /** {@code (userId - 1) mod clusters + 1}: the course's placement of users on clusters. */
    public static int clusterOf(long userId, int clusterCount) {
        return tinysns.api.Clusters.homeOf(userId, clusterCount);
    }

    public void checkCluster(int cluster) {
        if (cluster < 1 || cluster > clusterCount) {
            throw new IllegalArgumentException("cluster " + cluster + " is not in 1.." + clusterCount);
        }
    }

    Member member(ProcessId id) {
        return members.get(id);
    }

    /** The member for {@code id}, registering it (last in registration order) if it is new. */
    Member memberOrRegister(ProcessId id) {
        return members.computeIfAbsent(id, k -> new Member(k, nextRegistrationSeq++));
    }

    List<Member> all() {
        return new ArrayList<>(members.values());
    }

    /** The cluster's members of one kind, in registration order. */
    List<Member> inRegistrationOrder(int cluster, ProcessKind kind) {
        List<Member> out = new ArrayList<>();
        for (Member m : members.values()) {
            if (m.id.cluster() == cluster && m.id.kind() == kind) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparingLong(m -> m.registrationSeq));
        return out;
    }

    /** Starts with {@code sync} as its cluster's master synchronizer (the role as a previous coordinator left it). */
    public void preferSyncMaster(ProcessId sync) {
        checkCluster(sync.cluster());
        if (sync.kind() != ProcessKind.SYNC) {
            throw new IllegalArgumentException("not a synchronizer: " + sync);
        }
        if (masterSync[sync.cluster()] == null) {
            masterSync[sync.cluster()] = sync;
        }
    }

    public Optional<ProcessId> master(int cluster, ProcessKind kind) {
        checkCluster(cluster);
        return Optional.ofNullable(kind == ProcessKind.SERVER ? masterServer[cluster] : masterSync[cluster]);
    }

    public Role roleOf(ProcessId id) {
        return id.equals(master(id.cluster(), id.kind()).orElse(null)) ? Role.MASTER : Role.SLAVE;
    }

    /** Applies the role rules to one cluster; returns what changed (at most one change per kind). */
    public List<RoleChange> reassign(int cluster, Predicate<ProcessId> alive) {
        checkCluster(cluster);
        List<RoleChange> changes = new ArrayList<>(2);
        reassignServer(cluster, alive, changes);
        reassignSync(cluster, alive, changes);
        return changes;
    }

    private void reassignServer(int cluster, Predicate<ProcessId> alive, List<RoleChange> changes) {
        ProcessId before = masterServer[cluster];
        List<Member> live = inRegistrationOrder(cluster, ProcessKind.SERVER).stream()
                .filter(m -> alive.test(m.id)).toList();
        Member leader = null;
        for (Member m : live) {
            if (m.raft != null && m.raft.leader() && (leader == null || isBetterLeader(m, leader, before))) {
                leader = m;
            }
        }
        ProcessId after;
        String why;
        if (leader != null) {
            raftLeaderKnown[cluster] = true;
            after = leader.id;
            why = "Raft leader of term " + leader.raft.term();
        } else if (raftLeaderKnown[cluster]) {
            // Raft decides who leads; until some live server says it does, nobody is master.
            after = null;
            why = "no live server reports being Raft leader";
        } else if (before != null && alive.test(before)) {
            after = before;
            why = "";
        } else if (!live.isEmpty()) {
            after = live.get(0).id;
            why = before == null ? "first live server to register" : "master " + before + " is dead";
        } else {
            after = before; // nobody alive: keep the pointer, so a returning master is master again
            why = "";
        }
        if (!Objects.equals(before, after)) {
            masterServer[cluster] = after;
            changes.add(new RoleChange(cluster, ProcessKind.SERVER, before, after, why));
        }
    }

    /** Higher term wins; on equal terms the current master stays, then the lower member number. */
    private static boolean isBetterLeader(Member candidate, Member best, ProcessId current) {
        if (candidate.raft.term() != best.raft.term()) {
            return candidate.raft.term() > best.raft.term();
        }
        if (best.id.equals(current)) {
            return false;
        }
        return candidate.id.equals(current) || candidate.id.member() < best.id.member();
    }

    private void reassignSync(int cluster, Predicate<ProcessId> alive, List<RoleChange> changes) {
        ProcessId before = masterSync[cluster];
        if (before != null && alive.test(before)) {
            return;
        }
        for (Member m : inRegistrationOrder(cluster, ProcessKind.SYNC)) {
            if (alive.test(m.id)) {
                masterSync[cluster] = m.id;
                changes.add(new RoleChange(cluster, ProcessKind.SYNC, before, m.id,
                        before == null ? "first live synchronizer to register" : "master " + before + " is dead"));
                return;
            }
        }
        // Nobody alive: keep the pointer, so a returning master is master again.
    }
}
