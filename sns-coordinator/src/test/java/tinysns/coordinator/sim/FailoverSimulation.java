package tinysns.coordinator.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.Order;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.RaftReport;
import tinysns.api.ServerAddress;
import tinysns.coordinator.core.Coordinator;
import tinysns.coordinator.failover.ConfigRecord;
import tinysns.coordinator.failover.ConfigStore;
import tinysns.coordinator.failover.MemoryConfigStore;

/**
 * A deterministic simulation of the coordinator core driving two-voter Raft groups (DESIGN.md §2), in the manner of
 * TigerBeetle's simulator: one seed decides every fault, delay and timing, so a failing schedule replays exactly.
 *
 * <p>Real: the {@link Coordinator} core (routing, failure detector, {@code Failover}) over a durable store that outlives
 * coordinator restarts. Simulated: time, the network between nodes and the coordinator (loss, delay, reordering, late
 * delivery to paused processes), and each replica ({@link SimNode}) with the JRaft behaviour failover relies on —
 * pre-vote and vote, a conf entry on election, replication with truncation, commit by the voters of the leader's conf,
 * {@code resetPeers} (in-memory conf, term + 1, then an election), {@code addPeer} (catch-up, a conf entry applied on
 * append, a callback only once it commits), epochs held durably.
 *
 * <p>Faults while the schedule runs: crash and restart of a node, pause (SIGSTOP) and resume, a stalled heartbeat thread
 * (a wrong suspicion: Raft goes on, the coordinator hears nothing), a cut A–B link, lost and delayed heartbeats and
 * replies, and disk loss: a crashed node's data directory is
 * emptied (log, term, epoch gone; a new incarnation), unless it holds the only copy of a committed entry — that loss
 * would be the fault's, whatever the rules. The coordinator is a group of {@value #COORDINATORS} replicas (DESIGN.md
 * §11): the shared store stands for their Raft-committed records, only the leader can save, a new leader gets a fresh
 * core over the store, a follower forwards heartbeats to the leader, and a leader's orders leave only while it still
 * leads (RemoteCoordinator's quorum check). Its faults: a replica crashes and restarts, pauses (and later handles the
 * heartbeats queued for it with its stale core), or is cut off from the other replicas; each node talks to one replica
 * and moves to the next when that one is gone. Then every fault heals and liveness is checked.
 *
 * <p>Invariants, checked after every step: I0 no node can commit alone while the record names its partner (in
 * particular never two single-voter confs in one cluster); a RESET is only sent to, and only obeyed by, the sole voter
 * of the current durable record; I1 a node that is reset, and every newly elected leader, holds every acknowledged
 * write; I3 committed prefixes never diverge. Liveness: once faults stop, every cluster has a master that can commit
 * within {@link #LIVE_MASTER_BOUND_MILLIS}, and is a pair again, recorded with the directories both run on, within
 * {@link #LIVE_PAIR_BOUND_MILLIS}.
 */
final class FailoverSimulation {
    static final long HEARTBEAT_MILLIS = 500;
    static final long DEAD_AFTER_MILLIS = 2000;
    static final long SUSPECT_AFTER_MILLIS = 1000;
    /** CoordinatorLink's beat interval while its replica has no leader. */
    static final long FAST_BEAT_MILLIS = 100;
    static final long COORDINATOR_TICK_MILLIS = 100;
    static final long ELECTION_TIMEOUT_MILLIS = 1000;
    static final long MAX_ELECTION_DELAY_MILLIS = 500;
    /** Election timeout right after a reset to a single voter (nobody to split a vote with). */
    static final long RESET_ELECTION_MILLIS = 100;
    static final long RAFT_TICK_MILLIS = 50;
    static final long STEP_MILLIS = 100;
    static final long ADD_BACK_CATCHUP_LIMIT_MILLIS = 2 * ELECTION_TIMEOUT_MILLIS;
    /** Faults have stopped: a cluster has a master that can commit this soon (detector bound + elections + slack). */
    static final long LIVE_MASTER_BOUND_MILLIS = DEAD_AFTER_MILLIS + 4 * ELECTION_TIMEOUT_MILLIS + 2000;
    static final long LIVE_PAIR_BOUND_MILLIS = 20_000;

    static final int CLUSTERS = 2;
    static final int COORDINATORS = 3;
    /** The coordinator group's election: its timeout plus a random delay (CoordinatorServer's 600 ms). */
    static final long GROUP_ELECTION_MILLIS = 600;
    /** A leader cut off from the other replicas steps down after this long without a majority (JRaft). */
    static final long GROUP_STEP_DOWN_MILLIS = 600;

    private final long seed;
    private final Random rnd;
    private final int faultSteps;
    private final List<String> trace = new ArrayList<>();
    private final boolean verbose;

    /** The coordinator replicas' committed records (their ReplicatedMap): written only through the leader. */
    private final MemoryConfigStore disk = new MemoryConfigStore();
    private final SimCoordinator[] replicas = new SimCoordinator[COORDINATORS];
    /** The replica the group's Raft has elected, or -1 while it has none. */
    private int groupLeader = -1;
    private long groupElectionDueMillis;

    /** One coordinator replica: its process state and, while it believes it leads, its core. */
    private final class SimCoordinator {
        final int index;
        SimNode.Status status = SimNode.Status.UP;
        long pausedUntilMillis;
        /** Cut off from the other replicas (not from the nodes) until then. */
        long cutUntilMillis;
        long cutSinceMillis = -1;
        Coordinator core;

        SimCoordinator(int index) {
            this.index = index;
        }

        boolean up() {
            return status == SimNode.Status.UP;
        }

        boolean inGroup() {
            return up() && nowMillis >= cutUntilMillis;
        }

        /** What RemoteCoordinator's quorum check answers: this replica is the group's leader and can reach it. */
        boolean stillLeads() {
            return groupLeader == index && inGroup();
        }

        /** ReplicatedConfigStore: a save goes through the group's leader only. */
        ConfigStore store() {
            return new ConfigStore() {
                @Override
                public Map<Integer, ConfigRecord> loadAll() {
                    return disk.loadAll();
                }

                @Override
                public void save(ConfigRecord record) throws IOException {
                    if (!stillLeads()) {
                        throw new IOException("coordinator replica " + index + " does not lead");
                    }
                    disk.save(record);
                }
            };
        }

        @Override
        public String toString() {
            return "coordinator-" + (index + 1);
        }
    }

    private final List<List<SimNode>> clusters = new ArrayList<>();
    private final Map<String, SimNode> byAddr = new HashMap<>();
    private final Map<Integer, Set<String>> initialConf = new HashMap<>();
    private final boolean[] linkCut = new boolean[CLUSTERS + 1];

    /** Acknowledged writes per cluster: id -> term it was committed in. Ghost: the longest committed prefix. */
    private final List<Map<Long, Long>> acked = new ArrayList<>();
    private final List<List<SimNode.Entry>> chosen = new ArrayList<>();
    private long nextWriteId = 1;
    private int nextIncarnation = 1;
    private int wipes;
    private int waitingClusters;
    private int coordinatorLeaderChanges;
    private int staleOrdersDropped;

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long eventSeq;
    private long nowMillis;

    // network conditions, changed by the schedule
    private double lossRate;
    private long maxDelayMillis = 20;

    private boolean healing;

    private record Event(long atMillis, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return atMillis != o.atMillis ? Long.compare(atMillis, o.atMillis) : Long.compare(seq, o.seq);
        }
    }

    /** A violated invariant; carries the seed and the trace. */
    static final class Violation extends AssertionError {
        Violation(String message) {
            super(message);
        }
    }

    FailoverSimulation(long seed, int faultSteps, boolean verbose) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.faultSteps = faultSteps;
        this.verbose = verbose;
        for (int i = 0; i < COORDINATORS; i++) {
            replicas[i] = new SimCoordinator(i);
        }
        groupLeader = 0;
        replicas[0].core = newCore(replicas[0]);
        clusters.add(List.of());
        acked.add(Map.of());
        chosen.add(List.of());
        for (int c = 1; c <= CLUSTERS; c++) {
            List<SimNode> pair = new ArrayList<>();
            Set<String> conf = Set.of("10.0.0.1:" + (c * 100), "10.0.0.2:" + (c * 100 + 1));
            initialConf.put(c, conf);
            for (int n = 1; n <= 2; n++) {
                SimNode node = new SimNode(new ProcessId(ProcessKind.SERVER, c, n), "10.0.0." + n + ":" + (c * 100 + n - 1),
                        c * 10000 + n - 1, "disk" + nextIncarnation++);
                node.coordinatorIndex = rnd.nextInt(COORDINATORS);
                node.conf = conf;
                node.lastHeardLeaderMillis = 0;
                node.electionDueMillis = electionDelay(node);
                pair.add(node);
                byAddr.put(node.addr, node);
                scheduleBeat(node, rnd.nextInt((int) HEARTBEAT_MILLIS));
            }
            clusters.add(pair);
            acked.add(new HashMap<>());
            chosen.add(new ArrayList<>());
            final int cluster = c;
            at(0, () -> raftTick(cluster));
        }
        at(COORDINATOR_TICK_MILLIS, this::coordinatorTick);
    }

    // ------------------------------------------------------------------------------------------------ the schedule

    /** Runs the whole schedule; throws {@link Violation} (message: seed, reason, trace) on the first broken rule. */
    void run() {
        try {
            for (int step = 0; step < faultSteps; step++) {
                maybeInjectFault(step);
                advanceTo(nowMillis + STEP_MILLIS);
                checkSafety();
            }
            heal();
            long healedAt = nowMillis;
            boolean[] mastered = new boolean[CLUSTERS + 1];
            boolean[] paired = new boolean[CLUSTERS + 1];
            boolean[] waits = new boolean[CLUSTERS + 1];
            while (true) {
                advanceTo(nowMillis + STEP_MILLIS);
                checkSafety();
                boolean all = true;
                for (int c = 1; c <= CLUSTERS; c++) {
                    if (!mastered[c] && hasWorkingMaster(c)) {
                        mastered[c] = true;
                        note("cluster " + c + " has a working master " + (nowMillis - healedAt) + " ms after healing");
                    }
                    if (mastered[c] && !paired[c] && isPair(c) && hasWorkingMaster(c)) {
                        paired[c] = true;
                        note("cluster " + c + " is a pair again " + (nowMillis - healedAt) + " ms after healing");
                    }
                    boolean late = !mastered[c] && nowMillis - healedAt > LIVE_MASTER_BOUND_MILLIS
                            || !paired[c] && nowMillis - healedAt > LIVE_PAIR_BOUND_MILLIS;
                    if (late && !waits[c] && everyRecordedCopyLost(c)) {
                        // Outside the design's premise (DESIGN.md §2, "Disk loss"; the model's "outside the premise"
                        // states): no node runs on a directory the record vouches for, so the coordinator cannot tell
                        // that any node holds every acknowledged write. It must wait, and say so.
                        waits[c] = true;
                        waitingClusters++;
                        String prefix = "cluster " + c + ":";
                        Coordinator leader = leaderCore();
                        if (leader == null || leader.notices(nowMillis).stream().noneMatch(l -> l.startsWith(prefix))) {
                            fail("cluster " + c + " waits (every recorded copy is lost) but the coordinator gives no"
                                    + " notice: " + (leader == null ? "no leader" : leader.notices(nowMillis)));
                        }
                        note("cluster " + c + " waits: every copy the record vouches for is lost; "
                                + leader.notices(nowMillis));
                    }
                    if (!waits[c] && !mastered[c] && nowMillis - healedAt > LIVE_MASTER_BOUND_MILLIS) {
                        fail("liveness: cluster " + c + " has no working master " + (nowMillis - healedAt)
                                + " ms after the faults stopped");
                    }
                    if (!waits[c] && !paired[c] && nowMillis - healedAt > LIVE_PAIR_BOUND_MILLIS) {
                        fail("liveness: cluster " + c + " is not two voters again " + (nowMillis - healedAt)
                                + " ms after the faults stopped");
                    }
                    all &= waits[c] || mastered[c] && paired[c];
                }
                if (all) {
                    return;
                }
            }
        } catch (Violation v) {
            throw v;
        } catch (RuntimeException e) {
            Violation v = new Violation(describe("unexpected exception: " + e));
            v.initCause(e);
            throw v;
        }
    }

    private void maybeInjectFault(int step) {
        if (rnd.nextInt(100) >= 12) {
            return;
        }
        int c = 1 + rnd.nextInt(CLUSTERS);
        SimNode n = clusters.get(c).get(rnd.nextInt(2));
        int kind = rnd.nextInt(100);
        if (kind < 22) {
            if (n.up()) {
                crash(n);
            } else if (n.status == SimNode.Status.CRASHED) {
                restart(n);
            }
        } else if (kind < 34) {
            if (n.up()) {
                long forMillis = 200 + rnd.nextInt(rnd.nextBoolean() ? 1500 : 6000);
                n.status = SimNode.Status.PAUSED;
                n.pausedUntilMillis = nowMillis + forMillis;
                note("pause " + n.id + " for " + forMillis + " ms" + (n.leader ? " (a leader)" : ""));
                at(nowMillis + forMillis, () -> resume(n));
            }
        } else if (kind < 46) {
            long forMillis = 500 + rnd.nextInt(4000);
            n.mutedUntilMillis = Math.max(n.mutedUntilMillis, nowMillis + forMillis);
            note("heartbeat thread of " + n.id + " stalls for " + forMillis + " ms (Raft runs on)");
        } else if (kind < 56) {
            linkCut[c] = !linkCut[c];
            note((linkCut[c] ? "cut" : "heal") + " the link between the nodes of cluster " + c);
        } else if (kind < 66) {
            // Half the time the leader, else any replica.
            SimCoordinator r = groupLeader >= 0 && rnd.nextBoolean() ? replicas[groupLeader]
                    : replicas[rnd.nextInt(COORDINATORS)];
            long forMillis = 100 + rnd.nextInt(rnd.nextBoolean() ? 4000 : 20_000);
            int what = rnd.nextInt(3);
            if (r.up() && what == 0) {
                r.status = SimNode.Status.CRASHED;
                r.core = null;
                note("crash " + r + " for " + forMillis + " ms" + (r.index == groupLeader ? " (the leader)" : ""));
                at(nowMillis + forMillis, () -> restartReplica(r));
            } else if (r.up() && what == 1) {
                r.status = SimNode.Status.PAUSED;
                r.pausedUntilMillis = nowMillis + forMillis;
                note("pause " + r + " for " + forMillis + " ms" + (r.index == groupLeader ? " (the leader)" : ""));
                at(r.pausedUntilMillis, () -> resumeReplica(r));
            } else if (r.up()) {
                r.cutUntilMillis = Math.max(r.cutUntilMillis, nowMillis + forMillis);
                note("cut " + r + " off from the other coordinators for " + forMillis + " ms"
                        + (r.index == groupLeader ? " (the leader)" : ""));
            }
        } else if (kind < 77) {
            if (n.status == SimNode.Status.CRASHED) {
                wipe(n);
            }
        } else if (kind < 83) {
            lossRate = rnd.nextInt(3) == 0 ? 0 : rnd.nextDouble() * 0.5;
            maxDelayMillis = rnd.nextBoolean() ? 20 : 200 + rnd.nextInt(2500);
            note(String.format("network to the coordinator: loss %.0f%%, delay up to %d ms", lossRate * 100,
                    maxDelayMillis));
        } else {
            // A write burst on whoever leads.
            for (SimNode x : clusters.get(c)) {
                if (x.up() && x.leader) {
                    int k = 1 + rnd.nextInt(5);
                    for (int i = 0; i < k; i++) {
                        clientWrite(x);
                    }
                }
            }
        }
    }

    private void heal() {
        note("=== faults stop: everything restarts, resumes, heals ===");
        healing = true;
        lossRate = 0;
        maxDelayMillis = 20;
        for (SimCoordinator r : replicas) {
            r.cutUntilMillis = 0;
            if (r.status == SimNode.Status.CRASHED) {
                restartReplica(r);
            } else if (r.status == SimNode.Status.PAUSED) {
                resumeReplica(r);
            }
        }
        for (int c = 1; c <= CLUSTERS; c++) {
            linkCut[c] = false;
            for (SimNode n : clusters.get(c)) {
                n.mutedUntilMillis = 0;
                if (n.status == SimNode.Status.CRASHED) {
                    restart(n);
                } else if (n.status == SimNode.Status.PAUSED) {
                    resume(n);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ events

    private void at(long atMillis, Runnable action) {
        events.add(new Event(Math.max(atMillis, nowMillis), eventSeq++, action));
    }

    private void advanceTo(long untilMillis) {
        while (!events.isEmpty() && events.peek().atMillis() <= untilMillis) {
            Event e = events.poll();
            nowMillis = e.atMillis();
            e.action().run();
        }
        nowMillis = untilMillis;
    }

    private long delay() {
        return rnd.nextInt((int) maxDelayMillis + 1);
    }

    private boolean lost() {
        return !healing && rnd.nextDouble() < lossRate;
    }

    // ------------------------------------------------------------------------------------------------ coordinator

    private Coordinator newCore(SimCoordinator r) {
        try {
            return new Coordinator(CLUSTERS, DEAD_AFTER_MILLIS, SUSPECT_AFTER_MILLIS, r.store());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The group leader's core, or null while the group has no leader that can act. */
    private Coordinator leaderCore() {
        return groupLeader >= 0 && replicas[groupLeader].stillLeads() ? replicas[groupLeader].core : null;
    }

    private void restartReplica(SimCoordinator r) {
        if (r.status != SimNode.Status.CRASHED) {
            return;
        }
        r.status = SimNode.Status.UP;
        r.core = null;
        note("restart " + r + " (a follower until elected)");
    }

    private void resumeReplica(SimCoordinator r) {
        if (r.status != SimNode.Status.PAUSED) {
            return;
        }
        r.status = SimNode.Status.UP;
        note("resume " + r + (r.core != null && r.index != groupLeader ? " (it still believes it leads)" : ""));
    }

    /**
     * The group's Raft: a leader that is gone (crashed, paused, cut off) is replaced after an election among the
     * replicas that form a majority; the new leader gets a fresh core over the committed records (CoordinatorServer
     * on onLeaderStart). A deposed replica that can hear the group again drops its core; one cut off keeps it until
     * JRaft steps it down.
     */
    private void groupTick() {
        if (groupLeader >= 0 && !replicas[groupLeader].inGroup()) {
            note(replicas[groupLeader] + " is no longer the coordinator leader");
            groupLeader = -1;
            groupElectionDueMillis = nowMillis + GROUP_ELECTION_MILLIS + rnd.nextInt((int) GROUP_ELECTION_MILLIS);
        }
        if (groupLeader < 0 && nowMillis >= groupElectionDueMillis) {
            List<SimCoordinator> electable = new ArrayList<>();
            for (SimCoordinator r : replicas) {
                if (r.inGroup()) {
                    electable.add(r);
                }
            }
            if (electable.size() > COORDINATORS / 2) {
                SimCoordinator next = electable.get(rnd.nextInt(electable.size()));
                groupLeader = next.index;
                next.core = newCore(next);
                coordinatorLeaderChanges++;
                note(next + " leads the coordinators, with a fresh core over " + disk.loadAll().values());
            } else {
                groupElectionDueMillis = nowMillis + GROUP_ELECTION_MILLIS;
            }
        }
        for (SimCoordinator r : replicas) {
            if (r.index == groupLeader || r.core == null || !r.up()) {
                continue;
            }
            if (r.inGroup()) {
                r.core = null; // it heard the new term
                r.cutSinceMillis = -1;
            } else if (r.cutSinceMillis < 0) {
                r.cutSinceMillis = nowMillis;
            } else if (nowMillis - r.cutSinceMillis >= GROUP_STEP_DOWN_MILLIS) {
                r.core = null; // JRaft: no majority for an election timeout, steps down
                r.cutSinceMillis = -1;
            }
        }
    }

    private void coordinatorTick() {
        groupTick();
        for (SimCoordinator r : replicas) {
            if (r.up() && r.core != null) {
                Map<Integer, ConfigRecord> before = disk.loadAll();
                r.core.onTick(nowMillis);
                noteRecordChanges(before);
            }
        }
        at(nowMillis + COORDINATOR_TICK_MILLIS, this::coordinatorTick);
    }

    private void scheduleBeat(SimNode n, long inMillis) {
        at(nowMillis + inMillis, () -> beat(n));
    }

    /** CoordinatorLink: a heartbeat with the replica's report; sooner while the replica has no leader. */
    private void beat(SimNode n) {
        boolean silent = !n.leader && (n.knownLeader == null || leaderUnreachable(n));
        if (n.up() && nowMillis >= n.mutedUntilMillis) {
            RaftReport report = n.report(nowMillis, leaderUnreachable(n));
            n.beatLeader = n.leader;
            n.beatSilent = silent;
            Heartbeat hb = new Heartbeat(n.id, "10.0.0." + n.id.member(), n.servicePort, report, null);
            // CoordinatorLocator: the replica that answered last, the next one when it is gone or did not answer.
            SimCoordinator r = replicas[n.coordinatorIndex];
            if (r.status == SimNode.Status.CRASHED) {
                n.coordinatorIndex = (n.coordinatorIndex + 1) % COORDINATORS; // connection refused
                r = replicas[n.coordinatorIndex];
            }
            if (r.status == SimNode.Status.PAUSED) {
                // No answer within the attempt's bound: next beat goes to the next replica. The request itself sits
                // in the paused process's socket and is handled, late, when it resumes.
                n.coordinatorIndex = (n.coordinatorIndex + 1) % COORDINATORS;
            }
            SimCoordinator target = r;
            if (!lost()) {
                at(nowMillis + delay(), () -> coordinatorReceives(n, hb, target));
            }
        }
        scheduleBeat(n, silent ? FAST_BEAT_MILLIS : HEARTBEAT_MILLIS + rnd.nextInt(20));
    }

    private void coordinatorReceives(SimNode n, Heartbeat hb, SimCoordinator r) {
        if (r.status == SimNode.Status.CRASHED) {
            return;
        }
        if (r.status == SimNode.Status.PAUSED) {
            at(r.pausedUntilMillis, () -> coordinatorReceives(n, hb, r));
            return;
        }
        if (r.core == null) {
            // A follower forwards to the leader (LeaderLink); cut off from the group, or with none, it fails.
            SimCoordinator leader = groupLeader >= 0 ? replicas[groupLeader] : null;
            if (leader != null && r.inGroup() && leader.inGroup() && leader.core != null && !lost()) {
                at(nowMillis + delay(), () -> coordinatorReceives(n, hb, leader));
            }
            return;
        }
        Coordinator core = r.core;
        Map<Integer, ConfigRecord> before = disk.loadAll();
        HeartbeatReply reply = core.onHeartbeat(hb, nowMillis);
        noteRecordChanges(before);
        if (!reply.orders().isEmpty() && !r.stillLeads()) {
            staleOrdersDropped++;
            note(r + " (deposed, stale core) drops orders " + reply.orders() + " for " + n.id);
            return;
        }
        ConfigRecord record = disk.loadAll().get(n.id.cluster());
        for (Order o : reply.orders()) {
            if (o.type() == Order.Type.RESET_TO_SELF && (record == null || !record.isSingle()
                    || !record.isVoter(n.addr) || record.epoch() != o.epoch())) {
                fail("RESET sent to " + n.id + " (" + n.addr + ") epoch " + o.epoch()
                        + " but the durable record is " + record);
            }
        }
        if (!reply.orders().isEmpty() && !lost()) {
            at(nowMillis + delay(), () -> deliver(n, reply.orders()));
        }
    }

    /** Orders reach the node; a paused process handles them when it resumes (late delivery), a crashed one never. */
    private void deliver(SimNode n, List<Order> orders) {
        if (n.status == SimNode.Status.CRASHED) {
            return;
        }
        if (n.status == SimNode.Status.PAUSED) {
            at(n.pausedUntilMillis, () -> deliver(n, orders));
            return;
        }
        for (Order o : orders) {
            switch (o.type()) {
                case RESET_TO_SELF -> resetToSelf(n, o);
                case ADD_PEER -> addPeer(n, o.peer(), o.epoch());
                case OBSERVE_EPOCH -> {
                    if (o.epoch() > n.epoch) {
                        note(n.id + " observes epoch " + o.epoch());
                        n.epoch = o.epoch();
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ replicas

    private SimNode other(SimNode n) {
        List<SimNode> pair = clusters.get(n.id.cluster());
        return pair.get(0) == n ? pair.get(1) : pair.get(0);
    }

    private boolean reachable(SimNode from, SimNode to) {
        return to.up() && from.up() && !linkCut[from.id.cluster()];
    }

    /** CoordinatorLink's probe: the known leader's Raft port refuses connections (its process is gone). */
    private boolean leaderUnreachable(SimNode n) {
        if (n.knownLeader == null || n.leader) {
            return false;
        }
        SimNode l = byAddr.get(n.knownLeader);
        return l.status == SimNode.Status.CRASHED;
    }

    private long electionDelay(SimNode n) {
        return ELECTION_TIMEOUT_MILLIS + rnd.nextInt((int) MAX_ELECTION_DELAY_MILLIS);
    }

    private void loseLeader(SimNode n) {
        if (n.knownLeader != null || n.leader) {
            n.leaderLostAtMillis = nowMillis;
        }
        n.knownLeader = null;
    }

    private void stepDown(SimNode n, long newTerm, String why) {
        if (n.leader) {
            note(n.id + " steps down (" + why + ")");
            if (n.addBack != null) {
                note(n.id + ": add-back of " + n.addBack.peer + " fails (no longer leader)");
                n.addBack = null;
            }
        }
        n.leader = false;
        if (newTerm > n.term) {
            n.term = newTerm;
            loseLeader(n);
        }
        if (n.knownLeader == null && n.leaderLostAtMillis < 0) {
            n.leaderLostAtMillis = nowMillis;
        }
        n.electionDueMillis = nowMillis + electionDelay(n);
    }

    private void raftTick(int c) {
        for (SimNode n : clusters.get(c)) {
            if (!n.up()) {
                continue;
            }
            if (n.leader) {
                leaderTick(n);
            } else if (nowMillis >= n.electionDueMillis) {
                election(n);
            }
            if (n.up() && (n.leader != n.beatLeader
                    || (!n.leader && (n.knownLeader == null || leaderUnreachable(n)) != n.beatSilent))) {
                scheduleBeat(n, 0); // CoordinatorLink beats at once when leadership changes
                n.beatLeader = n.leader;
                n.beatSilent = !n.leader && (n.knownLeader == null || leaderUnreachable(n));
            }
        }
        if (!healing && rnd.nextInt(100) < 15) {
            for (SimNode n : clusters.get(c)) {
                if (n.up() && n.leader) {
                    clientWrite(n);
                }
            }
        }
        at(nowMillis + RAFT_TICK_MILLIS, () -> raftTick(c));
    }

    private void clientWrite(SimNode l) {
        l.log.add(new SimNode.Entry(l.term, nextWriteId++, null));
    }

    private void leaderTick(SimNode l) {
        SimNode o = other(l);
        boolean oVoter = l.conf.contains(o.addr);
        boolean oAdding = l.addBack != null && l.addBack.peer.equals(o.addr);
        if ((oVoter || oAdding) && reachable(l, o)) {
            replicate(l, o);
            if (!l.leader) {
                return;
            }
        }
        if (oVoter && !reachable(l, o) && nowMillis - l.lastAckOtherMillis >= ELECTION_TIMEOUT_MILLIS) {
            stepDown(l, l.term, "lost " + o.id + ": majority of the group dies");
            return;
        }
        if (l.addBack != null && l.addBack.confIndex == 0) {
            if (oAdding && reachable(l, o) && o.lastIndex() == l.lastIndex()) {
                Set<String> pair = Set.of(l.addr, o.addr);
                l.log.add(new SimNode.Entry(l.term, 0, pair));
                l.conf = pair; // JRaft uses a new conf from the moment it is appended
                l.addBack.confIndex = l.lastIndex();
                l.lastAckOtherMillis = nowMillis;
                note(l.id + " appends conf " + pair + " at " + l.lastIndex() + " (add-back of " + o.id + ")");
            } else if (nowMillis - l.addBack.startedMillis > ADD_BACK_CATCHUP_LIMIT_MILLIS) {
                note(l.id + ": add-back of " + l.addBack.peer + " fails (catch-up timed out)");
                l.addBack = null;
            }
        }
        commit(l);
    }

    /** AppendEntries from leader l to follower f (some or all missing entries), or l learns a higher term. */
    private void replicate(SimNode l, SimNode f) {
        if (f.term > l.term) {
            stepDown(l, f.term, "hears term " + f.term + " from " + f.id);
            return;
        }
        if (f.term < l.term || f.knownLeader == null || !f.knownLeader.equals(l.addr)) {
            f.term = l.term;
            if (f.leader) {
                stepDown(f, l.term, "hears leader " + l.id);
            }
            f.knownLeader = l.addr;
        }
        f.leader = false;
        f.lastHeardLeaderMillis = nowMillis;
        f.electionDueMillis = nowMillis + electionDelay(f);
        f.leaderLostAtMillis = -1;
        l.lastAckOtherMillis = nowMillis;
        int k = 0;
        while (k < l.log.size() && k < f.log.size() && l.log.get(k).equals(f.log.get(k))) {
            k++;
        }
        boolean confChanged = false;
        if (k < f.log.size()) {
            for (int i = k; i < f.log.size(); i++) {
                confChanged |= f.log.get(i).conf() != null;
            }
            f.log.subList(k, f.log.size()).clear();
        }
        int send = k < l.log.size() ? 1 + rnd.nextInt(l.log.size() - k) : 0;
        for (int i = k; i < k + send; i++) {
            SimNode.Entry e = l.log.get(i);
            confChanged |= e.conf() != null;
            f.log.add(e);
        }
        if (confChanged) {
            f.conf = f.logConf(initialConf.get(f.id.cluster()));
        }
        l.matchIndexOther = f.lastIndex();
        f.commitIndex = Math.max(f.commitIndex, Math.min(l.commitIndex, f.lastIndex()));
    }

    private void commit(SimNode l) {
        SimNode o = other(l);
        long k = l.lastIndex();
        if (l.conf.contains(o.addr)) {
            k = Math.min(k, l.matchIndexOther);
        }
        while (k > l.commitIndex && l.log.get((int) k - 1).term() != l.term) {
            k--;
        }
        if (k <= l.commitIndex) {
            return;
        }
        int c = l.id.cluster();
        List<SimNode.Entry> prefix = l.log.subList(0, (int) k);
        List<SimNode.Entry> ghost = chosen.get(c);
        int m = Math.min(ghost.size(), prefix.size());
        if (!ghost.subList(0, m).equals(prefix.subList(0, m))) {
            fail("I3: " + l.id + " commits " + prefix + " which diverges from the committed " + ghost);
        }
        if (prefix.size() > ghost.size()) {
            chosen.set(c, new ArrayList<>(prefix));
        }
        for (SimNode.Entry e : prefix) {
            if (e.writeId() > 0) {
                acked.get(c).putIfAbsent(e.writeId(), l.term);
            }
        }
        l.commitIndex = k;
        if (l.addBack != null && l.addBack.confIndex > 0 && l.commitIndex >= l.addBack.confIndex) {
            // ClusterReplica.addPeer: the callback runs once the conf change committed; only then the epoch is stored.
            note(l.id + ": add-back of " + l.addBack.peer + " committed, stores epoch " + l.addBack.epoch);
            l.epoch = Math.max(l.epoch, l.addBack.epoch);
            l.addBack = null;
        }
    }

    private void election(SimNode n) {
        loseLeader(n);
        n.electionDueMillis = nowMillis + electionDelay(n);
        if (!n.conf.contains(n.addr)) {
            return; // JRaft: a node outside its conf never campaigns
        }
        if (n.conf.equals(Set.of(n.addr)) && !n.resetOnThisDisk) {
            return; // ClusterReplica's election fence: a conf {self} it was never ordered to hold
        }
        SimNode o = other(n);
        boolean needsOther = n.conf.contains(o.addr);
        long t = n.term + 1;
        if (needsOther) {
            boolean upToDate = n.lastTerm() > o.lastTerm()
                    || (n.lastTerm() == o.lastTerm() && n.lastIndex() >= o.lastIndex());
            boolean oHasLeader = o.leader || (o.knownLeader != null
                    && nowMillis - o.lastHeardLeaderMillis < ELECTION_TIMEOUT_MILLIS);
            boolean grant = reachable(n, o) && o.conf.contains(n.addr) && !oHasLeader && upToDate && o.term < t;
            if (!grant) {
                return; // pre-vote fails: no term change
            }
            if (rnd.nextInt(10) == 0) {
                n.term = t; // pre-vote passed, the vote itself timed out
                return;
            }
            o.term = t;
            o.leader = false;
            loseLeader(o);
            o.electionDueMillis = nowMillis + electionDelay(o);
        }
        n.term = t;
        n.leader = true;
        n.knownLeader = n.addr;
        n.leaderLostAtMillis = -1;
        n.matchIndexOther = 0;
        n.lastAckOtherMillis = nowMillis;
        n.log.add(new SimNode.Entry(t, 0, n.conf));
        note(n.id + " elected leader of term " + t + " with conf " + n.conf);
        for (Map.Entry<Long, Long> w : acked.get(n.id.cluster()).entrySet()) {
            if (w.getValue() <= t && !n.holdsWrite(w.getKey())) {
                fail("I1: " + n.id + " leads term " + t + " without acknowledged write w" + w.getKey());
            }
        }
    }

    /**
     * ClusterReplica.resetToSelf: refuse an older epoch, refuse when running on another directory than the recorded
     * one or with a log below the mark, store the epoch, JRaft resetPeers({self}).
     */
    private void resetToSelf(SimNode n, Order order) {
        long epoch = order.epoch();
        if (epoch < n.epoch) {
            note(n.id + " ignores RESET epoch " + epoch + " (holds " + n.epoch + ")");
            return;
        }
        if (!n.incarnation.equals(order.incarnation()) || n.lastIndex() < order.minLastLogIndex()) {
            note(n.id + " refuses RESET epoch " + epoch + ": recorded disk " + order.incarnation() + ", mark "
                    + order.minLastLogIndex() + "; it runs on " + n.incarnation + " with last index " + n.lastIndex());
            return;
        }
        n.epoch = epoch;
        n.resetOnThisDisk = true; // stored before resetPeers, as ClusterReplica does
        Set<String> self = Set.of(n.addr);
        if (n.conf.equals(self)) {
            return; // resetPeers to the same conf: OK, nothing happens
        }
        ConfigRecord record = disk.loadAll().get(n.id.cluster());
        if (record == null || !record.isSingle() || !record.isVoter(n.addr)) {
            fail("a RESET of " + n.id + " (epoch " + epoch + ") is obeyed while the durable record is " + record);
        }
        for (Long w : acked.get(n.id.cluster()).keySet()) {
            if (!n.holdsWrite(w)) {
                fail("I1: " + n.id + " is reset to a single voter without acknowledged write w" + w);
            }
        }
        note(n.id + " resets to " + self + " at epoch " + epoch + " (term " + (n.term + 1) + ")");
        n.conf = self;
        if (n.addBack != null) {
            n.addBack = null;
        }
        n.leader = false;
        n.term++;
        loseLeader(n);
        if (n.leaderLostAtMillis < 0) {
            n.leaderLostAtMillis = nowMillis;
        }
        n.electionDueMillis = nowMillis + RESET_ELECTION_MILLIS;
    }

    /** ClusterReplica.addPeer via CoordinatorLink (one add-back at a time). */
    private void addPeer(SimNode l, String peer, long epoch) {
        if (epoch < l.epoch || !l.leader || l.addBack != null) {
            return;
        }
        if (l.conf.contains(peer)) {
            if (l.commitIndex >= l.lastConfIndex()) {
                l.epoch = Math.max(l.epoch, epoch); // already there and committed: JRaft answers OK at once
            }
            return;
        }
        note(l.id + " starts adding " + peer + " back (epoch " + epoch + ")");
        l.addBack = new SimNode.AddBack(peer, epoch, nowMillis);
    }

    private void crash(SimNode n) {
        note("crash " + n.id + (n.leader ? " (a leader)" : ""));
        n.status = SimNode.Status.CRASHED;
        n.leader = false;
        n.addBack = null;
        n.commitIndex = 0;
        n.knownLeader = null;
        // resetPeers is not persisted by JRaft: a restart recovers the conf from the log.
        n.conf = n.logConf(initialConf.get(n.id.cluster()));
    }

    /**
     * Disk loss of a crashed node: log, term, epoch and commit index are gone, the conf is JRaft's initial one again,
     * and the directory is a new incarnation. Not taken when the node holds the only copy of a committed entry.
     */
    private void wipe(SimNode n) {
        List<SimNode.Entry> committed = chosen.get(n.id.cluster());
        SimNode o = other(n);
        if (o.log.size() < committed.size() || !o.log.subList(0, committed.size()).equals(committed)) {
            return;
        }
        wipes++;
        n.log.clear();
        n.term = 0;
        n.epoch = 0;
        n.commitIndex = 0;
        n.conf = initialConf.get(n.id.cluster());
        n.resetOnThisDisk = false;
        n.incarnation = "disk" + nextIncarnation++;
        note("wipe " + n.id + ": its data directory is emptied, it will run on " + n.incarnation);
    }

    private void restart(SimNode n) {
        note("restart " + n.id);
        n.status = SimNode.Status.UP;
        n.leaderLostAtMillis = nowMillis;
        n.lastHeardLeaderMillis = nowMillis;
        n.electionDueMillis = nowMillis + electionDelay(n);
    }

    private void resume(SimNode n) {
        if (n.status != SimNode.Status.PAUSED) {
            return;
        }
        n.status = SimNode.Status.UP;
        note("resume " + n.id + (n.leader ? " (still thinks it leads term " + n.term + ")" : ""));
    }

    // ------------------------------------------------------------------------------------------------ checks

    private void checkSafety() {
        for (int c = 1; c <= CLUSTERS; c++) {
            ConfigRecord record = disk.loadAll().get(c);
            List<SimNode> pair = clusters.get(c);
            int singles = 0;
            for (SimNode n : pair) {
                SimNode o = other(n);
                if (n.canLeadAlone()) {
                    singles++;
                    if (record != null && record.isVoter(o.addr)) {
                        fail("I0: " + n.id + " can commit alone (conf " + n.conf + ") while the record " + record
                                + " names " + o.id);
                    }
                }
            }
            if (singles == 2) {
                fail("split brain: both nodes of cluster " + c + " hold single-voter configurations");
            }
        }
    }

    private boolean hasWorkingMaster(int c) {
        ConfigRecord record = disk.loadAll().get(c);
        Coordinator leader = leaderCore();
        if (record == null || leader == null) {
            return false;
        }
        ServerAddress master = leader.clusterMaster(c, nowMillis);
        for (SimNode n : clusters.get(c)) {
            if (n.up() && n.leader && record.isVoter(n.addr) && n.commitIndex >= n.lastConfIndex()
                    && (n.conf.size() == 1 || reachable(n, other(n)))) {
                return master != null && master.port() == n.servicePort;
            }
        }
        return false;
    }

    /** Two voters recorded, each with the directory it runs on now (so a later failover can use either). */
    private boolean isPair(int c) {
        ConfigRecord record = disk.loadAll().get(c);
        if (record == null || record.voters().size() != 2) {
            return false;
        }
        for (SimNode n : clusters.get(c)) {
            if (!record.incarnationOf(n.addr).map(n.incarnation::equals).orElse(false)) {
                return false;
            }
        }
        return true;
    }

    private void noteRecordChanges(Map<Integer, ConfigRecord> before) {
        Map<Integer, ConfigRecord> after = disk.loadAll();
        for (Map.Entry<Integer, ConfigRecord> e : after.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey()))) {
                note("coordinator records " + e.getValue());
            }
        }
    }

    private void note(String what) {
        String line = String.format("%7d ms  %s", nowMillis, what);
        trace.add(line);
        if (verbose) {
            System.out.println(line);
        }
    }

    private void fail(String why) {
        throw new Violation(describe(why));
    }

    private String describe(String why) {
        StringBuilder sb = new StringBuilder();
        sb.append("seed ").append(seed).append(": ").append(why).append('\n');
        sb.append("replay: mvn -B -o -pl sns-coordinator test -Dtest=FailoverSimulationTest -Dsns.sim.seed=")
                .append(seed).append('\n');
        int from = Math.max(0, trace.size() - 150);
        if (from > 0) {
            sb.append("  ... ").append(from).append(" earlier events\n");
        }
        for (String line : trace.subList(from, trace.size())) {
            sb.append("  ").append(line).append('\n');
        }
        sb.append("state at ").append(nowMillis).append(" ms:\n");
        for (int c = 1; c <= CLUSTERS; c++) {
            sb.append("  record ").append(disk.loadAll().get(c)).append('\n');
            for (SimNode n : clusters.get(c)) {
                sb.append("  ").append(n).append('\n');
            }
            sb.append("  acked ").append(acked.get(c).keySet()).append('\n');
        }
        return sb.toString();
    }

    int traceLength() {
        return trace.size();
    }

    /** How many times the coordinator group elected a new leader after the first. */
    int coordinatorLeaderChanges() {
        return coordinatorLeaderChanges;
    }

    /** How many replies with orders a deposed replica's stale core produced and did not send. */
    int staleOrdersDropped() {
        return staleOrdersDropped;
    }

    /** How many clusters ended waiting because every copy the record vouches for was lost. */
    int waitingClusters() {
        return waitingClusters;
    }

    /**
     * Whether no node runs on a directory the record vouches for: no recorded voter on its recorded incarnation, no
     * voter whose incarnation the record has yet to learn, and (record {N}) no former partner on its recorded one.
     */
    private boolean everyRecordedCopyLost(int c) {
        ConfigRecord record = disk.loadAll().get(c);
        if (record == null) {
            return false;
        }
        for (SimNode n : clusters.get(c)) {
            boolean vouched = record.incarnationOf(n.addr).map(n.incarnation::equals)
                    .orElse(record.isVoter(n.addr));
            if (vouched && (record.isVoter(n.addr) || record.isSingle())) {
                return false;
            }
        }
        return true;
    }

    /** How many disk losses the schedule took. */
    int wipes() {
        return wipes;
    }

    /** Unused helper kept small: names the set of clusters still to check (for readability of callers). */
    static Set<Integer> allClusters() {
        Set<Integer> s = new HashSet<>();
        for (int c = 1; c <= CLUSTERS; c++) {
            s.add(c);
        }
        return s;
    }

    static ArrayDeque<Long> seeds(long first, int count) {
        ArrayDeque<Long> out = new ArrayDeque<>();
        for (int i = 0; i < count; i++) {
            out.add(first + i);
        }
        return out;
    }
}
