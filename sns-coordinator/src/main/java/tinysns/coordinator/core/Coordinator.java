package tinysns.coordinator.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.Order;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.Role;
import tinysns.api.ServerAddress;
import tinysns.coordinator.failover.ConfigRecord;
import tinysns.coordinator.failover.ConfigStore;
import tinysns.coordinator.failover.Failover;
import tinysns.coordinator.failover.MemoryConfigStore;
import tinysns.coordinator.failover.ServerView;

/**
 * The coordinator's decisions as a pure state machine: heartbeats and ticks go in with the time, replies and
 * answers come out. No threads, no RMI, no clock: the caller serializes calls and passes {@code nowMillis} from one
 * monotonic clock. A fresh instance knows nothing and rebuilds its table from the heartbeats that arrive (DESIGN.md
 * §7); only the failover records survive a restart, through the {@link Failover}'s store.
 */
public final class Coordinator {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

    private final RoutingTable table;
    private final FailureDetector detector;
    private final Failover failover;
    private final ConfigStore store;
    /** When this core first heard anything: a master it took over but has not heard yet is trusted until dead-after. */
    private Long startedMillis;

    /**
     * @param store where the failover records of DESIGN.md §2 are kept; read here, so a coordinator that restarts
     *              on the same store keeps its decisions
     */
    public Coordinator(int clusterCount, long deadAfterMillis, ConfigStore store) throws IOException {
        this(clusterCount, deadAfterMillis, deadAfterMillis, store);
    }

    /**
     * @param suspectAfterMillis a voter silent this long is taken for dead when its partner reports it has lost its
     *                           leader too (see {@link Failover}); at most {@code deadAfterMillis}
     */
    public Coordinator(int clusterCount, long deadAfterMillis, long suspectAfterMillis, ConfigStore store)
            throws IOException {
        this.table = new RoutingTable(clusterCount);
        this.detector = new FailureDetector(deadAfterMillis);
        this.store = Objects.requireNonNull(store, "store");
        this.failover = new Failover(deadAfterMillis, suspectAfterMillis, store);
        for (Map.Entry<Integer, Integer> e : store.loadSyncMasters().entrySet()) {
            if (e.getKey() >= 1 && e.getKey() <= clusterCount && e.getValue() >= 1) {
                table.preferSyncMaster(new ProcessId(ProcessKind.SYNC, e.getKey(), e.getValue()));
            }
        }
    }

    /** A coordinator whose failover records live in memory only (tests; a deployment without a data dir). */
    public static Coordinator inMemory(int clusterCount, long deadAfterMillis) {
        try {
            return new Coordinator(clusterCount, deadAfterMillis, new MemoryConfigStore());
        } catch (IOException e) {
            throw new UncheckedIOException("a memory store cannot fail to load", e);
        }
    }

    /** The failover record of a cluster, if it has one. */
    public Optional<ConfigRecord> failoverRecord(int cluster) {
        return failover.record(cluster);
    }

    public int clusterCount() {
        return table.clusterCount();
    }

    /** Registers or refreshes the sender, and answers with its role and, for a server, its failover orders. */
    public HeartbeatReply onHeartbeat(Heartbeat hb, long nowMillis) {
        ProcessId id = checkHeartbeat(hb);
        boolean isNew = table.member(id) == null;
        Member member = table.memberOrRegister(id);
        long ageMillis = detector.ageMillis(id, nowMillis);
        boolean moved = member.update(hb);
        boolean returned = detector.heard(id, nowMillis);
        if (isNew) {
            LOG.info("Registered {} at {}:{}", id, hb.host(), hb.port());
        } else if (moved) {
            LOG.info("{} moved to {}:{}", id, hb.host(), hb.port());
        }
        if (returned) {
            LOG.info("{} is back after {} ms without a heartbeat", id, ageMillis);
        }
        advance(nowMillis);
        List<Order> orders = List.of();
        if (id.kind() == ProcessKind.SERVER) {
            int c = id.cluster();
            failover.decide(c, serverViews(c, nowMillis), nowMillis);
            orders = failover.ordersFor(id, serverViews(c, nowMillis));
            for (Order o : orders) {
                LOG.debug("Order for {}: {}", id, o);
            }
        }
        return new HeartbeatReply(table.roleOf(id), table.clusterCount(), orders);
    }

    /** Periodic work: announces deaths, moves master roles off the dead, makes failover decisions. */
    public void onTick(long nowMillis) {
        advance(nowMillis);
        for (int c = 1; c <= table.clusterCount(); c++) {
            failover.decide(c, serverViews(c, nowMillis), nowMillis);
        }
    }

    /** The live master server of user {@code userId}'s cluster, or null if it has none. */
    public ServerAddress serverFor(long userId, long nowMillis) {
        return clusterMaster(RoutingTable.clusterOf(userId, table.clusterCount()), nowMillis);
    }

    /** The live master server of {@code cluster}, or null if it has none; never a dead one. */
    public ServerAddress clusterMaster(int cluster, long nowMillis) {
        table.checkCluster(cluster);
        advance(nowMillis);
        ProcessId master = table.master(cluster, ProcessKind.SERVER).orElse(null);
        if (master == null || !detector.isAlive(master, nowMillis)) {
            return null;
        }
        return table.member(master).address(detector.ageMillis(master, nowMillis));
    }

    /** Per cluster that cannot fail over although it needs to: "cluster C: why (waiting N s)". */
    public List<String> notices(long nowMillis) {
        List<String> out = new ArrayList<>();
        for (int c = 1; c <= table.clusterCount(); c++) {
            int cluster = c;
            failover.waiting(c, nowMillis).ifPresent(why -> out.add("cluster " + cluster + ": " + why));
        }
        return out;
    }

    /** Every known process, ordered by cluster, kind and member. */
    public List<ProcessStatus> status(long nowMillis) {
        advance(nowMillis);
        List<ProcessStatus> out = new ArrayList<>();
        for (Member m : table.all()) {
            out.add(new ProcessStatus(m.id, table.roleOf(m.id), m.host, m.port, detector.ageMillis(m.id, nowMillis),
                    detector.isAlive(m.id, nowMillis), m.raft, m.sync));
        }
        return out;
    }

    /**
     * Brings the table up to {@code nowMillis}: announces each death once and re-applies the role rules, so that
     * every answer reflects liveness at the moment it is asked, whether or not a tick has run since.
     */
    private void advance(long nowMillis) {
        if (startedMillis == null) {
            startedMillis = nowMillis;
        }
        for (ProcessId dead : detector.newlyDead(nowMillis)) {
            LOG.warn("{} is dead: no heartbeat for {} ms (dead after {} ms)", dead,
                    detector.ageMillis(dead, nowMillis), detector.deadAfterMillis());
        }
        for (int c = 1; c <= table.clusterCount(); c++) {
            // A process never heard from counts as alive for dead-after: the master synchronizer this core took over
            // keeps its role if it beats within that time (a new coordinator leader moves no role by itself).
            for (RoutingTable.RoleChange change : table.reassign(c, id -> detector.isAlive(id, nowMillis)
                    || !detector.known(id) && nowMillis - startedMillis <= detector.deadAfterMillis())) {
                logChange(change);
                if (change.kind() == ProcessKind.SYNC && change.after() != null) {
                    saveSyncMaster(change.after());
                }
            }
        }
    }

    private void saveSyncMaster(ProcessId sync) {
        try {
            store.saveSyncMaster(sync.cluster(), sync.member());
        } catch (IOException e) {
            // Advisory: a deposed coordinator replica cannot save; the role still holds in this core.
            LOG.warn("Cannot record {} as master synchronizer: {}", sync, e.getMessage());
        }
    }

    private static void logChange(RoutingTable.RoleChange ch) {
        String what = ch.kind() == ProcessKind.SERVER ? "master server" : "master synchronizer";
        if (ch.after() == null) {
            LOG.warn("Cluster {} has no {} ({}; was {})", ch.cluster(), what, ch.why(), ch.before());
        } else if (ch.before() == null) {
            LOG.info("Cluster {} {}: {} ({})", ch.cluster(), what, ch.after(), ch.why());
        } else {
            LOG.warn("Cluster {} {}: {} -> {} ({})", ch.cluster(), what, ch.before(), ch.after(), ch.why());
        }
    }

    private List<ServerView> serverViews(int cluster, long nowMillis) {
        List<ServerView> views = new ArrayList<>();
        for (Member m : table.inRegistrationOrder(cluster, ProcessKind.SERVER)) {
            views.add(new ServerView(m.id, detector.isAlive(m.id, nowMillis), detector.ageMillis(m.id, nowMillis),
                    m.raft));
        }
        return views;
    }

    private ProcessId checkHeartbeat(Heartbeat hb) {
        Objects.requireNonNull(hb, "heartbeat");
        ProcessId id = Objects.requireNonNull(hb.id(), "heartbeat id");
        Objects.requireNonNull(id.kind(), "heartbeat kind");
        table.checkCluster(id.cluster());
        if (id.member() < 1) {
            throw new IllegalArgumentException("member numbers start at 1: " + id);
        }
        if (hb.host() == null || hb.host().isBlank() || hb.port() < 1 || hb.port() > 65535) {
            throw new IllegalArgumentException("bad address " + hb.host() + ":" + hb.port() + " from " + id);
        }
        if (hb.raft() != null && (hb.raft().raftAddress() == null || hb.raft().voters() == null
                || hb.raft().voters().stream().anyMatch(Objects::isNull))) {
            throw new IllegalArgumentException("Raft report without its address or voters from " + id);
        }
        return id;
    }

    /** For tests: the role the table assigns right now. */
    Role roleOf(ProcessId id, long nowMillis) {
        advance(nowMillis);
        return table.roleOf(id);
    }
}
