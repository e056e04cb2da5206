package tinysns.coordinator.failover;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
 *
 * <p>Disk loss (DESIGN.md §2, checked by {@code failover_model.py --wipe --guard hwm}): a node is reset to a single
 * voter only if it runs on the data directory the record names ({@link RaftReport#incarnation}) and its log reaches
 * the record's mark (the highest commit index ever reported for the cluster). A voter on a new directory counts as
 * gone: its partner is reset and it is added back, which copies the data to its new directory. When no node that
 * may lead alone is up, the cluster waits and {@link #waiting} says why: the honest CP choice, since promoting an
 * emptied node would drop every acknowledged write. The node checks the same two facts when a reset arrives.
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
    /** Highest commit index reported per cluster since this coordinator started (the record keeps a lagging copy). */
    private final Map<Integer, Long> markSeen = new HashMap<>();
    private final Map<Integer, Long> markSavedAtMillis = new HashMap<>();
    /** Why a cluster that needs a failover cannot have one now, and since when (for {@code sns status}). */
    private final Map<Integer, Waiting> waiting = new HashMap<>();

    private record Waiting(String why, long sinceMillis) {
    }

    /**
     * The mark is saved at most this often while it only rises (each save is an fsync); every record change saves it
     * too. It is a lower bound of the commit index whenever it is read, so a lagging copy is safe, only weaker.
     */
    static final long MARK_SAVE_EVERY_MILLIS = 1000;
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
        long mark = raiseMark(cluster, record, servers);
        if (record == null) {
            bootstrap(cluster, servers, mark);
            return;
        }
        record = learnIncarnations(record, servers, mark);
        for (ServerView v : servers) {
            if (v.alive() && v.raft() != null && v.raft().leader() && record.isVoter(v.raftAddress())) {
                lastLeader = nowMillis;
            }
        }
        lastLeaderSeenMillis.put(cluster, lastLeader);
        boolean leaderlessTooLong = nowMillis - lastLeader > deadAfterMillis;
        String blocked = null;
        if (record.voters().size() == 2) {
            blocked = decideReset(record, servers, leaderlessTooLong, nowMillis, mark);
        } else if (record.isSingle()) {
            blocked = decideSingle(record, servers, leaderlessTooLong, mark);
        }
        if (blocked == null) {
            waiting.remove(cluster);
        } else {
            Waiting before = waiting.get(cluster);
            if (before == null || !before.why().equals(blocked)) {
                LOG.warn("Cluster {} cannot fail over: {}", cluster, blocked);
                waiting.put(cluster, new Waiting(blocked, before == null ? nowMillis : before.sinceMillis()));
            }
        }
        saveMarkIfDue(cluster, nowMillis);
    }

    /**
     * Why {@code cluster} needs a failover that no rule allows right now, with how long it has waited; empty while it
     * needs none or can have one.
     */
    public Optional<String> waiting(int cluster, long nowMillis) {
        Waiting w = waiting.get(cluster);
        return w == null ? Optional.empty()
                : Optional.of(w.why() + " (waiting " + (nowMillis - w.sinceMillis()) / 1000 + " s)");
    }

    /** The cluster's mark as this coordinator knows it: the record's, or higher from reports since it started. */
    private long raiseMark(int cluster, ConfigRecord record, List<ServerView> servers) {
        long mark = Math.max(record == null ? 0 : record.mark(), markSeen.getOrDefault(cluster, 0L));
        for (ServerView v : servers) {
            if (v.raft() != null) {
                // Any report, even a dead node's last one: a commit index it saw is committed for good.
                mark = Math.max(mark, v.raft().commitIndex());
            }
        }
        markSeen.put(cluster, mark);
        return mark;
    }

    private void saveMarkIfDue(int cluster, long nowMillis) {
        ConfigRecord record = records.get(cluster);
        long seen = markSeen.getOrDefault(cluster, 0L);
        if (record != null && seen > record.mark()
                && nowMillis - markSavedAtMillis.getOrDefault(cluster, Long.MIN_VALUE / 2) >= MARK_SAVE_EVERY_MILLIS) {
            markSavedAtMillis.put(cluster, nowMillis);
            record(record.withMark(seen), null);
        }
    }

    /**
     * Why the node behind {@code v} may not be the only voter of its group, or null if it may: it must run on the
     * data directory the record names for it, and its log must reach the mark. Checked again by the node itself.
     */
    private static String whyNotAlone(ConfigRecord record, ServerView v, long mark) {
        RaftReport r = v.raft();
        Optional<String> recorded = record.incarnationOf(v.raftAddress());
        if (recorded.isEmpty()) {
            return v.id() + "'s data directory is not yet known to the failover record";
        }
        if (!recorded.get().equals(r.incarnation())) {
            return v.id() + " runs on a new data directory (incarnation " + r.incarnation() + ", recorded "
                    + recorded.get() + ") and may lack acknowledged writes";
        }
        if (r.lastLogIndex() < mark) {
            return v.id() + "'s log ends at index " + r.lastLogIndex() + ", below " + mark
                    + ", the highest commit index reported for the cluster";
        }
        return null;
    }

    /** Whether {@code v} is up but no longer on the data directory the record names for it (its copy is gone). */
    private static boolean onNewDisk(ConfigRecord record, ServerView v) {
        if (v == null || !v.alive() || v.raft() == null) {
            return false;
        }
        Optional<String> recorded = record.incarnationOf(v.raftAddress());
        return recorded.isPresent() && !recorded.get().equals(v.raft().incarnation());
    }

    /**
     * Fills in the incarnation of a voter the record does not know yet (a record from before incarnations, or adopted
     * before that voter reported) once its log reaches a nonzero mark: it then holds what the cluster is known to
     * have committed, so its current directory is one worth trusting.
     */
    private ConfigRecord learnIncarnations(ConfigRecord record, List<ServerView> servers, long mark) {
        Map<String, String> incarnations = new TreeMap<>(record.incarnations());
        List<String> learned = new ArrayList<>();
        for (String voter : record.voters()) {
            ServerView v = byAddress(servers, voter);
            if (!incarnations.containsKey(voter) && v != null && v.alive() && v.raft() != null
                    && v.raft().incarnation() != null && mark > 0 && v.raft().lastLogIndex() >= mark) {
                incarnations.put(voter, v.raft().incarnation());
                learned.add(v.id() + " on " + v.raft().incarnation());
            }
        }
        if (learned.isEmpty()) {
            return record;
        }
        record(new ConfigRecord(record.cluster(), record.epoch(), record.voters(), Math.max(mark, record.mark()),
                incarnations), "learned the data directories of " + String.join(", ", learned));
        return records.get(record.cluster());
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
            long mark = Math.max(record.mark(), markSeen.getOrDefault(record.cluster(), 0L));
            // Decided while N passed the guard; if N has lost its disk since, the reset is no longer sent (N would
            // refuse it anyway) and decideSingle puts the record back to the former pair.
            return whyNotAlone(record, self, mark) != null ? List.of()
                    : List.of(Order.resetToSelf(record.epoch(), record.incarnationOf(self.raftAddress()).orElseThrow(),
                            mark));
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

    /**
     * With no record yet, adopt the configuration a live leader of one or two voters reports, with the incarnations
     * of the voters whose logs reach the mark.
     */
    private void bootstrap(int cluster, List<ServerView> servers, long mark) {
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
        Map<String, String> incarnations = new TreeMap<>();
        for (String voter : leader.raft().voters()) {
            ServerView v = byAddress(servers, voter);
            if (v != null && v.alive() && v.raft() != null && v.raft().incarnation() != null && mark > 0
                    && v.raft().lastLogIndex() >= mark) {
                incarnations.put(voter, v.raft().incarnation());
            }
        }
        record(new ConfigRecord(cluster, maxReportedEpoch(servers), leader.raft().voters(), mark, incarnations),
                "adopted from leader " + leader.id());
    }

    /**
     * Record {A, B}: reset a live voter whose partner is believed dead or runs on a new data directory, or either
     * when leaderless too long, if that voter may lead alone. Returns why no voter may, when one was needed.
     */
    private String decideReset(ConfigRecord record, List<ServerView> servers, boolean leaderlessTooLong,
                               long nowMillis, long mark) {
        ServerView chosen = null;
        String why = null;
        List<String> refusals = new ArrayList<>();
        for (String n : record.voters()) {
            ServerView vn = byAddress(servers, n);
            if (vn == null || !vn.alive() || vn.raft() == null) {
                continue;
            }
            ServerView vo = byAddress(servers, record.otherThan(n));
            boolean otherDiskLost = onNewDisk(record, vo);
            boolean otherDead = otherDiskLost || believedDead(vo, vn, nowMillis);
            boolean otherAlive = vo != null && vo.alive();
            if (!otherDead && !(otherAlive && leaderlessTooLong)) {
                continue;
            }
            // R2': N holds everything the other may have acknowledged (its reported commit index). An uncommitted
            // tail of the other must not block N, so compare with the commit index, not the other's last index.
            if (vo != null && vo.raft() != null && vn.raft().lastLogIndex() < vo.raft().commitIndex()) {
                continue;
            }
            String refusal = whyNotAlone(record, vn, mark);
            if (refusal != null) {
                refusals.add(refusal);
                continue;
            }
            if (chosen == null || vn.raft().lastLogIndex() > chosen.raft().lastLogIndex()) {
                chosen = vn;
                why = otherDiskLost ? vo.id() + " runs on a new data directory: reset its partner, then add it back"
                        : otherDead ? (vo == null ? "the other voter has not been heard from"
                        : vo.alive() ? vo.id() + " silent for " + vo.silentMillis() + " ms and " + vn.id()
                                + " has heard no leader for " + vn.raft().leaderSilentMillis() + " ms"
                        : vo.id() + " is dead")
                        : "no leader for over " + deadAfterMillis + " ms";
            }
        }
        if (chosen != null) {
            long epoch = Math.max(record.epoch(), maxReportedEpoch(servers)) + 2;
            record(new ConfigRecord(record.cluster(), epoch, List.of(chosen.raftAddress()), mark,
                    record.incarnations()), "reset " + chosen.id() + " to a single voter: " + why);
            return null;
        }
        return refusals.isEmpty() ? null : String.join("; ", refusals)
                + "; no voter known to hold every acknowledged write is up, so the cluster waits for one";
    }

    /**
     * Record {N}: take a committed add-back into the record, repair a reset that an add-back undid, or put the record
     * back to the former pair when N has lost its disk. Returns why the cluster waits, if it does.
     */
    private String decideSingle(ConfigRecord record, List<ServerView> servers, boolean leaderlessTooLong, long mark) {
        String n = record.voters().get(0);
        ServerView vn = byAddress(servers, n);
        if (vn == null || !vn.alive() || vn.raft() == null) {
            // The only recorded voter is gone: wait for it, a stale node is never promoted.
            return leaderlessTooLong ? "its only voter " + (vn == null ? n : vn.id()) + " is down; the cluster waits"
                    + " for it, since no other node is known to hold every acknowledged write" : null;
        }
        RaftReport r = vn.raft();
        Set<String> conf = Set.copyOf(r.voters());
        if (r.epoch() > record.epoch() && conf.size() == 2 && conf.contains(n)) {
            // Only a committed add-back stamps an epoch above the record's (see the class comment). The added node's
            // directory is the one it runs on now; should it have lost the copy since, the mark (raised here by the
            // leader's commit of the new configuration) still refuses it.
            String m = conf.stream().filter(a -> !a.equals(n)).findFirst().orElseThrow();
            ServerView vm = byAddress(servers, m);
            Map<String, String> incarnations = new TreeMap<>();
            record.incarnationOf(n).ifPresent(i -> incarnations.put(n, i));
            if (vm != null && vm.raft() != null && vm.raft().incarnation() != null) {
                incarnations.put(m, vm.raft().incarnation());
            }
            record(new ConfigRecord(record.cluster(), r.epoch(), r.voters(), Math.max(mark, r.commitIndex()),
                    incarnations), "add-back committed on " + vn.id());
            return null;
        }
        if (onNewDisk(record, vn)) {
            return putBack(record, vn, servers, mark);
        }
        if (leaderlessTooLong && !r.leader() && r.epoch() >= record.epoch() && !conf.equals(Set.of(n))) {
            String refusal = whyNotAlone(record, vn, mark);
            if (refusal != null) {
                return refusal;
            }
            // R5': an add-back changed N's configuration and its partner is gone again: reset N once more.
            long epoch = Math.max(record.epoch(), maxReportedEpoch(servers)) + 2;
            record(new ConfigRecord(record.cluster(), epoch, List.of(n), mark, record.incarnations()),
                    "repair: " + vn.id() + " reports " + r.voters() + " and there has been no leader");
        }
        return null;
    }

    /**
     * Record {N} and N runs on a new data directory (it refuses the reset, or lost its disk after leading alone —
     * then what only it held is gone whatever we do). If N's former partner M is up on its recorded directory with a
     * log that reaches the mark, the record goes back to {N, M}: M is then reset and N added back (decideReset),
     * instead of the cluster waiting for ever for a disk that no longer exists (DESIGN.md §2, the model's finding).
     */
    private String putBack(ConfigRecord record, ServerView vn, List<ServerView> servers, long mark) {
        String n = vn.raftAddress();
        for (ServerView vm : servers) {
            String m = vm.raftAddress();
            if (m == null || m.equals(n) || !vm.alive() || vm.raft().incarnation() == null) {
                continue;
            }
            Optional<String> recorded = record.incarnationOf(m);
            // A former voter on its recorded directory; or one the record never learned (it was silent when the
            // pair was recorded) whose log reaches a nonzero mark, the rule learnIncarnations applies to voters.
            boolean holdsData = recorded.map(i -> i.equals(vm.raft().incarnation())).orElse(mark > 0)
                    && vm.raft().lastLogIndex() >= mark;
            if (holdsData) {
                Map<String, String> incarnations = new TreeMap<>(record.incarnations());
                incarnations.putIfAbsent(m, vm.raft().incarnation());
                long epoch = Math.max(record.epoch(), maxReportedEpoch(servers)) + 2;
                record(new ConfigRecord(record.cluster(), epoch, List.of(n, m), mark, incarnations),
                        "put back: " + vn.id() + ", the only voter, runs on a new data directory and " + vm.id()
                                + " holds the data");
                return null;
            }
        }
        return vn.id() + ", the only voter, runs on a new data directory (incarnation " + vn.raft().incarnation()
                + ", recorded " + record.incarnationOf(n).orElse("?") + ") and may lack acknowledged writes; no"
                + " other node known to hold them is up, so the cluster waits for one";
    }

    /**
     * Writes durably, then adopts. If the write fails, nothing changes and the decision is taken again later.
     * {@code why} null: only the mark rose (not logged above DEBUG).
     */
    private void record(ConfigRecord next, String why) {
        ConfigRecord before = records.get(next.cluster());
        if (before != null && next.epoch() < before.epoch()) {
            throw new IllegalStateException("epoch would go back: " + before + " -> " + next);
        }
        try {
            store.save(next);
        } catch (IOException e) {
            // Expected for a coordinator replica that was deposed and has not heard it yet (its save cannot commit),
            // or a local disk that failed: one line, no stack trace; the decision is taken again on a later beat.
            LOG.warn("Cannot write failover record {} ({}): {}; decision postponed", next,
                    why == null ? "mark" : why, e.getMessage());
            return;
        }
        records.put(next.cluster(), next);
        if (why == null) {
            LOG.debug("Failover record {}: mark saved", next);
        } else if (before == null) {
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
