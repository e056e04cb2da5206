package tinysns.coordinator.failover;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.Order;
import tinysns.api.ProcessId;
import tinysns.api.RaftReport;

/**
 * The failover decisions of DESIGN.md §2 for clusters of two Raft voters, as pure logic over the servers' reports:
 * reset a survivor to a single voter, add a returning node back, repair a lost add-back. Clusters of three or more
 * voters fail over by Raft's own election and get no orders.
 *
 * <p>The only state kept is each cluster's durable {@link ConfigRecord} and when a leader was last seen; every order
 * is derived afresh from the record and the latest reports, so a restarted coordinator re-sends exactly what its
 * record says (a reset is due while its voter reports an epoch below the record's).
 *
 * <p>Contract with the nodes (sns-node): a node obeys {@code RESET_TO_SELF} unless its epoch is higher than the
 * order's; it reports the newest epoch it obeyed; on {@code ADD_PEER(m, e)} the leader adds {@code m} and, only once
 * that configuration change has committed, stamps epoch {@code e} on itself and on {@code m} and reports it. That
 * committed stamp is what lets the record become two voters (never earlier: recording the pair before the add-back
 * committed loses acknowledged writes).
 *
 * <p>Epochs: a reset record takes {@code max(record, any reported) + 2}, an add-back stamps {@code record + 1}.
 * Skipping one keeps every reset above any add-back stamp that may still be in flight for the record it replaces,
 * so a late add-back can neither outrank the reset nor be taken for a committed pair.
 */
public final class Failover {
    private static final Logger LOG = LoggerFactory.getLogger(Failover.class);

    private final long deadAfterMillis;
    /**
     * A voter silent this long (no heartbeat) counts as dead when its partner also reports having lost it as leader
     * ({@link RaftReport#leaderSilentMillis}): two independent witnesses, so the bound can be shorter than
     * {@code deadAfterMillis}. Safety never rests on it (the model treats every belief as a guess); it only trades
     * failover time against false failovers.
     */
    private final long suspectAfterMillis;
    private final ConfigStore store;
    private final Map<Integer, ConfigRecord> records;
    private final Map<Integer, Long> lastLeaderSeenMillis = new HashMap<>();
    /** Started-at of this coordinator's knowledge: a server never heard from counts as dead only after dead-after. */
    private Long firstSeenMillis;

    public Failover(long deadAfterMillis, ConfigStore store) throws IOException {
        this(deadAfterMillis, deadAfterMillis, store);
    }

    public Failover(long deadAfterMillis, long suspectAfterMillis, ConfigStore store) throws IOException {
        if (suspectAfterMillis <= 0 || suspectAfterMillis > deadAfterMillis) {
            throw new IllegalArgumentException("suspectAfterMillis must be in 1.." + deadAfterMillis + ": "
                    + suspectAfterMillis);
        }
        this.deadAfterMillis = deadAfterMillis;
        this.suspectAfterMillis = suspectAfterMillis;
        this.store = store;
        this.records = new HashMap<>(store.loadAll());
        for (ConfigRecord r : records.values()) {
            LOG.info("Read failover record {}", r);
        }
    }

    public Optional<ConfigRecord> record(int cluster) {
        return Optional.ofNullable(records.get(cluster));
    }

    /**
     * Makes the cluster's decisions from its servers' latest reports, writing every new record durably before
     * anything derived from it can be sent. Call before {@link #ordersFor} and on every tick.
     */
    public void decide(int cluster, List<ServerView> servers, long nowMillis) {
        if (firstSeenMillis == null) {
            firstSeenMillis = nowMillis;
        }
        ConfigRecord record = records.get(cluster);
        long lastLeader = lastLeaderSeenMillis.computeIfAbsent(cluster, c -> nowMillis);
        if (record == null) {
            bootstrap(cluster, servers);
            return;
        }
        for (ServerView v : servers) {
            if (v.alive() && v.raft() != null && v.raft().leader() && record.isVoter(v.raftAddress())) {
                lastLeader = nowMillis;
            }
        }
        lastLeaderSeenMillis.put(cluster, lastLeader);
        boolean leaderlessTooLong = nowMillis - lastLeader > deadAfterMillis;
        if (record.voters().size() == 2) {
            decideReset(record, servers, leaderlessTooLong, nowMillis);
        } else if (record.isSingle()) {
            decideSingle(record, servers, leaderlessTooLong);
        }
    }

    /** The orders for {@code server} right now (it has just sent a heartbeat). */
    public List<Order> ordersFor(ProcessId server, List<ServerView> servers) {
        ConfigRecord record = records.get(server.cluster());
        ServerView self = find(servers, server);
        if (record == null || self == null || self.raft() == null) {
            return List.of();
        }
        RaftReport r = self.raft();
        boolean voter = record.isVoter(self.raftAddress());
        if (!record.isSingle()) {
            // A voter of the pair holding an older epoch (the added node: the leader stamps only itself) is told the
            // pair's epoch, so that no late reset older than the pair can split it (DESIGN.md §2).
            return voter && r.epoch() < record.epoch()
                    ? List.of(new Order(Order.Type.OBSERVE_EPOCH, null, record.epoch())) : List.of();
        }
        long addBackEpoch = record.epoch() + 1;
        if (!voter) {
            // About to be added back: stamp it with the epoch of the pair-to-be before it receives a single entry,
            // so a late copy of an older reset of it is refused (the model's --epochs addback). Safe at any time:
            // every reset that can still be legitimate has an epoch of at least record.epoch() + 2.
            return self.alive() && r.epoch() < addBackEpoch
                    ? List.of(new Order(Order.Type.OBSERVE_EPOCH, null, addBackEpoch)) : List.of();
        }
        if (r.epoch() < record.epoch()) {
            return List.of(new Order(Order.Type.RESET_TO_SELF, null, record.epoch()));
        }
        if (r.leader()) {
            Set<String> conf = Set.copyOf(r.voters());
            for (ServerView m : servers) {
                if (m.alive() && m.raft() != null && !record.isVoter(m.raftAddress())
                        && m.raft().epoch() >= addBackEpoch
                        && (conf.equals(Set.of(self.raftAddress()))
                        || conf.equals(Set.of(self.raftAddress(), m.raftAddress())))) {
                    // The second case: an add-back's conf entry outlived its leader (it crashed before the commit
                    // callback, restarted with {N, M} from its log and was elected by M). The pair works but nobody
                    // stamped it. JRaft answers ADD_PEER of a peer already in the conf with OK only once that conf is
                    // committed (EBUSY before), so the stamp - and with it the record - still follows the commit (R6).
                    return List.of(new Order(Order.Type.ADD_PEER, m.raftAddress(), addBackEpoch));
                }
            }
        }
        return List.of();
    }

    /** With no record yet, adopt the configuration a live leader of one or two voters reports. */
    private void bootstrap(int cluster, List<ServerView> servers) {
        ServerView leader = null;
        for (ServerView v : servers) {
            if (v.alive() && v.raft() != null && v.raft().leader()
                    && (leader == null || v.raft().term() > leader.raft().term())) {
                leader = v;
            }
        }
        if (leader == null || leader.raft().voters().isEmpty() || leader.raft().voters().size() > 2) {
            return; // no leader to learn from, or a cluster that Raft's own election fails over
        }
        record(new ConfigRecord(cluster, maxReportedEpoch(servers), leader.raft().voters()),
                "adopted from leader " + leader.id());
    }

    /** Record {A, B}: reset a live voter whose partner is believed dead, or either when leaderless too long. */
    private void decideReset(ConfigRecord record, List<ServerView> servers, boolean leaderlessTooLong,
                             long nowMillis) {
        ServerView chosen = null;
        String why = null;
        for (String n : record.voters()) {
            ServerView vn = byAddress(servers, n);
            if (vn == null || !vn.alive() || vn.raft() == null) {
                continue;
            }
            ServerView vo = byAddress(servers, record.otherThan(n));
            boolean otherDead = believedDead(vo, vn, nowMillis);
            boolean otherAlive = vo != null && vo.alive();
            if (!otherDead && !(otherAlive && leaderlessTooLong)) {
                continue;
            }
            // R2': N holds everything the other may have acknowledged (its reported commit index). An uncommitted
            // tail of the other must not block N, so compare with the commit index, not the other's last index.
            if (vo != null && vo.raft() != null && vn.raft().lastLogIndex() < vo.raft().commitIndex()) {
                continue;
            }
            if (chosen == null || vn.raft().lastLogIndex() > chosen.raft().lastLogIndex()) {
                chosen = vn;
                why = otherDead ? (vo == null ? "the other voter has not been heard from"
                        : vo.alive() ? vo.id() + " silent for " + vo.silentMillis() + " ms and " + vn.id()
                                + " has heard no leader for " + vn.raft().leaderSilentMillis() + " ms"
                        : vo.id() + " is dead")
                        : "no leader for over " + deadAfterMillis + " ms";
            }
        }
        if (chosen != null) {
            long epoch = Math.max(record.epoch(), maxReportedEpoch(servers)) + 2;
            record(new ConfigRecord(record.cluster(), epoch, List.of(chosen.raftAddress())),
                    "reset " + chosen.id() + " to a single voter: " + why);
        }
    }

    /** Record {N}: take a committed add-back into the record, or repair a reset that an add-back undid. */
    private void decideSingle(ConfigRecord record, List<ServerView> servers, boolean leaderlessTooLong) {
        String n = record.voters().get(0);
        ServerView vn = byAddress(servers, n);
        if (vn == null || !vn.alive() || vn.raft() == null) {
            return; // the only recorded voter is gone: wait for it, a stale node is never promoted
        }
        RaftReport r = vn.raft();
        Set<String> conf = Set.copyOf(r.voters());
        if (r.epoch() > record.epoch() && conf.size() == 2 && conf.contains(n)) {
            // Only a committed add-back stamps an epoch above the record's (see the class comment).
            record(new ConfigRecord(record.cluster(), r.epoch(), r.voters()), "add-back committed on " + vn.id());
        } else if (leaderlessTooLong && !r.leader() && r.epoch() >= record.epoch() && !conf.equals(Set.of(n))) {
            // R5': an add-back changed N's configuration and its partner is gone again: reset N once more.
            long epoch = Math.max(record.epoch(), maxReportedEpoch(servers)) + 2;
            record(new ConfigRecord(record.cluster(), epoch, List.of(n)),
                    "repair: " + vn.id() + " reports " + r.voters() + " and there has been no leader");
        }
    }

    /** Writes durably, then adopts. If the write fails, nothing changes and the decision is taken again later. */
    private void record(ConfigRecord next, String why) {
        ConfigRecord before = records.get(next.cluster());
        if (before != null && next.epoch() < before.epoch()) {
            throw new IllegalStateException("epoch would go back: " + before + " -> " + next);
        }
        try {
            store.save(next);
        } catch (IOException e) {
            LOG.error("Cannot write failover record {} ({}); decision postponed", next, why, e);
            return;
        }
        records.put(next.cluster(), next);
        if (before == null) {
            LOG.info("Failover record {}: {}", next, why);
        } else {
            LOG.warn("Failover record {} -> {}: {}", before, next, why);
        }
    }

    /** Whether voter {@code v} is believed dead, with {@code witness} (the other voter) as a second source. */
    private boolean believedDead(ServerView v, ServerView witness, long nowMillis) {
        if (v == null) {
            // Never heard from since this coordinator started: dead once it has had the time to speak.
            return nowMillis - firstSeenMillis > deadAfterMillis;
        }
        if (!v.alive()) {
            return true;
        }
        // Suspected: the coordinator has missed its heartbeats for a while AND its partner's Raft has lost it too.
        return v.silentMillis() >= suspectAfterMillis && witness.raft().leaderSilentMillis() > 0
                && !witness.raft().leader();
    }

    private static long maxReportedEpoch(List<ServerView> servers) {
        long max = 0;
        for (ServerView v : servers) {
            if (v.raft() != null) {
                max = Math.max(max, v.raft().epoch());
            }
        }
        return max;
    }

    private static ServerView byAddress(List<ServerView> servers, String raftAddress) {
        List<ServerView> found = new ArrayList<>(1);
        for (ServerView v : servers) {
            if (raftAddress.equals(v.raftAddress())) {
                found.add(v);
            }
        }
        // Two processes claiming one Raft address: trust the live one.
        return found.stream().filter(ServerView::alive).findFirst().orElse(found.isEmpty() ? null : found.get(0));
    }

    private static ServerView find(List<ServerView> servers, ProcessId id) {
        for (ServerView v : servers) {
            if (v.id().equals(id)) {
                return v;
            }
        }
        return null;
    }
}
