package tinysns.coordinator.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tinysns.api.Heartbeat;
import tinysns.api.Order;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.RaftReport;
import tinysns.coordinator.core.Coordinator;

/** DESIGN.md §2 step by step: reset the survivor, add the dead node back, and what must never happen. */
class FailoverScenarioTest {
    private static final long DEAD_AFTER_MILLIS = 2000;
    private static final ProcessId A = new ProcessId(ProcessKind.SERVER, 1, 1);
    private static final ProcessId B = new ProcessId(ProcessKind.SERVER, 1, 2);
    private static final String ADDR_A = "127.0.0.1:10100";
    private static final String ADDR_B = "127.0.0.1:10101";
    private static final List<String> PAIR = List.of(ADDR_A, ADDR_B);
    /** The data directories A and B run on (RaftReport.incarnation); a new one means an emptied or replaced disk. */
    private static final String DISK_A = "a0a0";
    private static final String DISK_B = "b0b0";
    private static final Map<String, String> DISKS = Map.of(ADDR_A, DISK_A, ADDR_B, DISK_B);

    private final MemoryConfigStore disk = new MemoryConfigStore();

    private static Heartbeat report(ProcessId id, boolean leader, long term, long lastLogIndex, long commitIndex,
                                    List<String> voters, long epoch) {
        return new Heartbeat(id, "127.0.0.1", 10000 + id.member() - 1,
                new RaftReport(id == A ? ADDR_A : ADDR_B, leader, term, lastLogIndex, commitIndex, voters, epoch, 0,
                        id == A ? DISK_A : DISK_B), null);
    }

    /** A's or B's report from a data directory other than the recorded one (it was emptied or replaced). */
    private static Heartbeat onNewDisk(ProcessId id, boolean leader, long term, long lastLogIndex, long commitIndex,
                                       List<String> voters, long epoch, String disk) {
        return new Heartbeat(id, "127.0.0.1", 10000 + id.member() - 1,
                new RaftReport(id == A ? ADDR_A : ADDR_B, leader, term, lastLogIndex, commitIndex, voters, epoch, 0,
                        disk), null);
    }

    /** A record as a coordinator wrote it earlier: it knows both data directories; mark as given. */
    private static ConfigRecord saved(long epoch, List<String> voters, long mark) {
        return new ConfigRecord(1, epoch, voters, mark, DISKS);
    }

    private static ConfigRecord saved(long epoch, List<String> voters) {
        return saved(epoch, voters, 0);
    }

    private static void assertRecord(long epoch, List<String> voters, ConfigRecord actual) {
        assertEquals(epoch + " " + voters, actual.epoch() + " " + actual.voters(), "record " + actual);
    }

    /** The reset of {@code id}, guarded by its recorded data directory and the cluster's mark. */
    private static Order reset(ProcessId id, long epoch, long mark) {
        return Order.resetToSelf(epoch, id == A ? DISK_A : DISK_B, mark);
    }

    private Coordinator coordinator() throws IOException {
        return new Coordinator(3, DEAD_AFTER_MILLIS, disk);
    }

    private static ConfigRecord record(Coordinator c) {
        return c.failoverRecord(1).orElseThrow();
    }

    @Test
    void resetsTheSurvivorThenAddsTheDeadNodeBack() throws IOException {
        Coordinator c = coordinator();
        assertEquals(List.of(), c.onHeartbeat(report(A, true, 1, 10, 10, PAIR, 0), 0).orders());
        assertEquals(List.of(), reconfigurations(c.onHeartbeat(report(B, false, 1, 10, 10, PAIR, 0), 0).orders()));
        assertRecord(0, PAIR, record(c));

        // B falls silent. At exactly dead-after it is still alive: nothing happens.
        assertEquals(List.of(), c.onHeartbeat(report(A, true, 1, 12, 12, PAIR, 0), 2000).orders());
        // One millisecond later it is dead: record {A} written first, then the reset goes out with its epoch.
        List<Order> orders = c.onHeartbeat(report(A, false, 1, 12, 12, PAIR, 0), 2001).orders();
        assertEquals(List.of(reset(A, 2, 12)), orders);
        assertRecord(2, List.of(ADDR_A), disk.loadAll().get(1));
        // Re-sent until A reports having obeyed it.
        assertEquals(orders, c.onHeartbeat(report(A, false, 1, 12, 12, PAIR, 0), 2300).orders());
        assertEquals(List.of(), c.onHeartbeat(report(A, false, 2, 12, 12, List.of(ADDR_A), 2), 2600).orders());
        assertEquals(List.of(), c.onHeartbeat(report(A, true, 3, 13, 13, List.of(ADDR_A), 2), 3000).orders());

        // B returns with its old view; it is never reset (not a voter of the record). It is first told to hold the
        // epoch of the pair-to-be, so that no late copy of an older reset of B can split the pair (DESIGN.md §2) ...
        assertEquals(List.of(new Order(Order.Type.OBSERVE_EPOCH, null, 3)),
                c.onHeartbeat(report(B, false, 1, 12, 12, PAIR, 0), 5000).orders());
        // ... the leader is not asked to add B before B holds it ...
        assertEquals(List.of(), c.onHeartbeat(report(A, true, 3, 14, 14, List.of(ADDR_A), 2), 5050).orders());
        assertEquals(List.of(), c.onHeartbeat(report(B, false, 1, 12, 12, PAIR, 3), 5060).orders());
        // ... and then the leader is asked to add it back, stamping the next epoch.
        assertEquals(List.of(new Order(Order.Type.ADD_PEER, ADDR_B, 3)),
                c.onHeartbeat(report(A, true, 3, 14, 14, List.of(ADDR_A), 2), 5100).orders());
        // A pending add-back (conf applied, not yet committed: epoch not stamped) does not change the record. The
        // order is repeated (the node runs one add-back at a time; JRaft answers EBUSY until the conf commits).
        assertEquals(List.of(new Order(Order.Type.ADD_PEER, ADDR_B, 3)),
                c.onHeartbeat(report(A, true, 3, 15, 14, PAIR, 2), 5200).orders());
        assertRecord(2, List.of(ADDR_A), record(c));
        // Committed: the leader reports the stamped epoch, and the pair is recorded.
        assertEquals(List.of(), c.onHeartbeat(report(A, true, 3, 15, 15, PAIR, 3), 5300).orders());
        assertRecord(3, PAIR, record(c));
        assertEquals(List.of(), c.onHeartbeat(report(B, false, 3, 15, 15, PAIR, 3), 5300).orders());

        // A restarted coordinator reads the record back.
        assertRecord(3, PAIR, record(coordinator()));
    }

    @Test
    void neverResetsANodeThatMayLackAcknowledgedWrites() throws IOException {
        Coordinator c = coordinator();
        c.onHeartbeat(report(A, true, 1, 20, 20, PAIR, 0), 0);
        c.onHeartbeat(report(B, false, 1, 15, 15, PAIR, 0), 0);
        // A dies having reported commit index 20; B holds only 15 entries: resetting B would lose 16..20.
        for (long t = 500; t <= 10_000; t += 500) {
            assertEquals(List.of(), c.onHeartbeat(report(B, false, 1, 15, 15, PAIR, 0), t).orders());
        }
        assertRecord(0, PAIR, record(c));
        // An uncommitted tail on the dead node does not block a survivor that holds everything committed.
        Coordinator d = new Coordinator(3, DEAD_AFTER_MILLIS, new MemoryConfigStore());
        d.onHeartbeat(report(A, true, 1, 30, 20, PAIR, 0), 0);
        d.onHeartbeat(report(B, false, 1, 20, 20, PAIR, 0), 0);
        assertEquals(List.of(reset(B, 2, 20)),
                d.onHeartbeat(report(B, false, 1, 20, 20, PAIR, 0), 2500).orders());
    }

    @Test
    void theOnlyRecordedVoterDeadMeansWait() throws IOException {
        disk.save(saved(2, List.of(ADDR_A)));
        Coordinator c = coordinator();
        for (long t = 0; t <= 20_000; t += 500) {
            assertEquals(List.of(), reconfigurations(c.onHeartbeat(report(B, false, 1, 10, 10, PAIR, 0), t).orders()));
            c.onTick(t + 1);
        }
        assertRecord(2, List.of(ADDR_A), record(c));
    }

    @Test
    void restartedCoordinatorResendsWhatTheRecordSays() throws IOException {
        disk.save(saved(2, List.of(ADDR_A)));
        Coordinator c = coordinator();
        assertEquals(List.of(reset(A, 2, 10)),
                c.onHeartbeat(report(A, false, 1, 10, 10, PAIR, 0), 0).orders());
        assertEquals(List.of(), reconfigurations(c.onHeartbeat(report(B, false, 1, 10, 10, PAIR, 0), 0).orders()));
    }

    @Test
    void bothAliveButLeaderlessTooLongResetsTheMoreCompleteOne() throws IOException {
        Coordinator c = coordinator();
        c.onHeartbeat(report(A, true, 1, 10, 10, PAIR, 0), 0);
        // The A-B link breaks: both keep beating, neither leads.
        for (long t = 500; t <= 2000; t += 500) {
            assertEquals(List.of(), c.onHeartbeat(report(A, false, 2, 11, 10, PAIR, 0), t).orders());
            assertEquals(List.of(), c.onHeartbeat(report(B, false, 2, 10, 10, PAIR, 0), t).orders());
        }
        c.onTick(2600);
        assertRecord(2, List.of(ADDR_A), record(c));
        assertEquals(List.of(), reconfigurations(c.onHeartbeat(report(B, false, 2, 10, 10, PAIR, 0), 2700).orders()));
        assertEquals(1, c.onHeartbeat(report(A, false, 2, 11, 10, PAIR, 0), 2700).orders().size());
    }

    @Test
    void repairsAnAddBackWhosePartnerDiedAgain() throws IOException {
        disk.save(saved(2, List.of(ADDR_A)));
        Coordinator c = coordinator();
        // The add-back committed (A stamped epoch 3) but its report was never seen; then B died. A lost its
        // majority and reports {A, B}, epoch 3, no leader... which by the epoch proves the pair was committed.
        c.onHeartbeat(report(A, false, 4, 20, 20, PAIR, 3), 0);
        assertRecord(3, PAIR, record(c));
        // ... so B, never heard from, counts dead after dead-after, and A is reset above every stamp.
        List<Order> orders = c.onHeartbeat(report(A, false, 4, 20, 20, PAIR, 3), 2001).orders();
        assertEquals(List.of(reset(A, 5, 20)), orders);
        // Without the stamp (add-back applied but never committed) the repair rule resets A as well.
        MemoryConfigStore other = new MemoryConfigStore();
        other.save(saved(2, List.of(ADDR_A)));
        Coordinator d = new Coordinator(3, DEAD_AFTER_MILLIS, other);
        assertEquals(List.of(), d.onHeartbeat(report(A, false, 4, 21, 20, PAIR, 2), 0).orders());
        assertEquals(List.of(reset(A, 4, 20)),
                d.onHeartbeat(report(A, false, 4, 21, 20, PAIR, 2), 2001).orders());
    }

    @Test
    void threeVoterClustersAreLeftToRaft() throws IOException {
        Coordinator c = coordinator();
        List<String> three = List.of(ADDR_A, ADDR_B, "127.0.0.1:10102");
        c.onHeartbeat(report(A, true, 1, 10, 10, three, 0), 0);
        assertEquals(List.of(), c.onHeartbeat(report(A, false, 2, 10, 10, three, 0), 5000).orders());
        assertFalse(c.failoverRecord(1).isPresent());
    }

    @Test
    void fileStoreRoundTripsAndReplacesAtomically() throws IOException {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Path dir = Files.createTempDirectory(tmp, "records").resolve("data");
        FileConfigStore store = new FileConfigStore(dir);
        assertEquals(Map.of(), store.loadAll());
        store.save(new ConfigRecord(1, 0, PAIR));
        store.save(new ConfigRecord(2, 7, List.of(ADDR_B)));
        store.save(saved(2, List.of(ADDR_A), 41));
        assertEquals(Map.of(1, saved(2, List.of(ADDR_A), 41), 2, new ConfigRecord(2, 7, List.of(ADDR_B))),
                new FileConfigStore(dir).loadAll());
        // A record written before marks and incarnations existed still loads; it learns them from reports.
        Files.writeString(dir.resolve("cluster-4.record"), "cluster=4\nepoch=3\nvoters=" + ADDR_A + "\n");
        assertEquals(new ConfigRecord(4, 3, List.of(ADDR_A)), new FileConfigStore(dir).loadAll().get(4));
        Files.delete(dir.resolve("cluster-4.record"));
        // The master synchronizers survive a restart too.
        store.saveSyncMaster(2, 2);
        store.saveSyncMaster(1, 1);
        assertEquals(Map.of(1, 1, 2, 2), new FileConfigStore(dir).loadSyncMasters());
        Files.delete(dir.resolve(FileConfigStore.SYNC_MASTERS_FILE));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("cluster-1.record", "cluster-2.record"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temp file left behind");
        }
        Files.writeString(dir.resolve("cluster-3.record"), "cluster=3\nepoch=x\nvoters=a:1\n");
        assertThrows(IOException.class, store::loadAll);
    }

    @Test
    void aSilentLeaderIsSuspectedSoonerWhenItsFollowerLostItToo() throws IOException {
        Coordinator c = new Coordinator(3, DEAD_AFTER_MILLIS, 1000, disk);
        c.onHeartbeat(report(A, true, 1, 10, 10, PAIR, 0), 0);
        c.onHeartbeat(report(B, false, 1, 10, 10, PAIR, 0), 0);
        // A falls silent. B has lost it, but the coordinator heard A 900 ms ago: not yet.
        assertEquals(List.of(), c.onHeartbeat(silent(B, 300), 900).orders());
        // B still hears its leader (no Raft evidence): A silent 1.2 s is no reason yet.
        assertEquals(List.of(), c.onHeartbeat(report(B, false, 1, 10, 10, PAIR, 0), 1200).orders());
        // Both witnesses agree: reset B at 1.2 s instead of 2 s.
        assertEquals(List.of(reset(B, 2, 10)),
                c.onHeartbeat(silent(B, 600), 1250).orders());
        assertRecord(2, List.of(ADDR_B), record(c));
    }

    @Test
    void aPairWhoseAddBackOutlivedItsLeaderIsRecordedAfterItsConfCommits() throws IOException {
        Coordinator c = coordinator();
        disk.save(saved(2, List.of(ADDR_A)));
        c = coordinator();
        // A crashed after appending conf {A,B} for an add-back, before the commit callback stamped epoch 3;
        // restarted with {A,B} from its log and was elected by B. The pair works; nobody stamped it.
        assertEquals(List.of(), c.onHeartbeat(report(B, false, 4, 30, 30, PAIR, 3), 0).orders());
        // ADD_PEER of a peer already in the conf: JRaft answers OK only once that conf has committed.
        assertEquals(List.of(new Order(Order.Type.ADD_PEER, ADDR_B, 3)),
                c.onHeartbeat(report(A, true, 4, 30, 30, PAIR, 2), 100).orders());
        assertRecord(2, List.of(ADDR_A), record(c));
        c.onHeartbeat(report(A, true, 4, 31, 31, PAIR, 3), 200);
        assertRecord(3, PAIR, record(c));
    }

    @Test
    void aVoterOfThePairHoldingAnOlderEpochIsToldThePairsEpoch() throws IOException {
        disk.save(saved(3, PAIR));
        Coordinator c = coordinator();
        c.onHeartbeat(report(A, true, 4, 30, 30, PAIR, 3), 0);
        assertEquals(List.of(new Order(Order.Type.OBSERVE_EPOCH, null, 3)),
                c.onHeartbeat(report(B, false, 4, 30, 30, PAIR, 0), 0).orders());
        assertEquals(List.of(), c.onHeartbeat(report(B, false, 4, 30, 30, PAIR, 3), 100).orders());
    }

    /**
     * The incident of 2026-12-01 (DESIGN.md §2, "Disk loss"): both nodes and the coordinator die, B's data directory
     * is moved aside, and the coordinator comes back with B alone. B is empty and on a new directory: it is never
     * reset, however long A stays away, and the coordinator says why. When A returns with the data, A is reset and
     * B added back, and only then does the record take B's new directory.
     */
    @Test
    void anEmptiedReplicaIsNeverPromotedAndTheClusterWaitsForTheOneWithTheData() throws IOException {
        disk.save(saved(0, PAIR, 20));
        Coordinator c = coordinator();
        for (long t = 0; t <= 20_000; t += 250) {
            assertEquals(List.of(), reconfigurations(c.onHeartbeat(
                    onNewDisk(B, false, 0, 0, 0, PAIR, 0, "b1b1"), t).orders()), "at " + t + " ms");
            c.onTick(t + 100);
        }
        assertRecord(0, PAIR, record(c));
        List<String> notices = c.notices(20_000);
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).startsWith("cluster 1: ") && notices.get(0).contains("new data directory")
                && notices.get(0).contains("waits"), notices.get(0));

        // A returns with its data and leads the pair (B's empty log votes for it); B is refilled by Raft. B's
        // directory is still not the recorded one, so A is reset and B added back through the add-back's copy.
        List<Order> orders = c.onHeartbeat(report(A, true, 2, 22, 22, PAIR, 0), 20_200).orders();
        assertEquals(List.of(reset(A, 2, 22)), orders);
        assertRecord(2, List.of(ADDR_A), record(c));
        assertEquals(List.of(), c.notices(20_200));
        assertEquals(List.of(), c.onHeartbeat(report(A, true, 3, 23, 23, List.of(ADDR_A), 2), 20_600).orders());
        assertEquals(List.of(new Order(Order.Type.OBSERVE_EPOCH, null, 3)),
                c.onHeartbeat(onNewDisk(B, false, 2, 22, 22, PAIR, 0, "b1b1"), 20_700).orders());
        c.onHeartbeat(onNewDisk(B, false, 2, 22, 22, PAIR, 3, "b1b1"), 20_750);
        assertEquals(List.of(new Order(Order.Type.ADD_PEER, ADDR_B, 3)),
                c.onHeartbeat(report(A, true, 3, 23, 23, List.of(ADDR_A), 2), 20_800).orders());
        c.onHeartbeat(onNewDisk(B, false, 3, 24, 24, PAIR, 3, "b1b1"), 20_900);
        c.onHeartbeat(report(A, true, 3, 24, 24, PAIR, 3), 21_000);
        ConfigRecord pair = record(c);
        assertRecord(3, PAIR, pair);
        assertEquals(Map.of(ADDR_A, DISK_A, ADDR_B, "b1b1"), pair.incarnations());
        assertTrue(pair.mark() >= 24, pair.toString());
    }

    /** A directory restored from an old copy keeps its incarnation but its log ends below the mark: not reset. */
    @Test
    void aReplicaWhoseLogEndsBelowTheMarkIsNotReset() throws IOException {
        disk.save(saved(0, PAIR, 50));
        Coordinator c = coordinator();
        for (long t = 0; t <= 10_000; t += 500) {
            assertEquals(List.of(), reconfigurations(c.onHeartbeat(report(B, false, 1, 30, 30, PAIR, 0), t).orders()));
        }
        assertRecord(0, PAIR, record(c));
        assertTrue(c.notices(10_000).get(0).contains("below 50"), c.notices(10_000).toString());
        // The node enforces the same bound: the order carries it.
        Coordinator d = new Coordinator(3, DEAD_AFTER_MILLIS, new MemoryConfigStore());
        d.onHeartbeat(report(A, true, 1, 50, 50, PAIR, 0), 0);
        d.onHeartbeat(report(B, false, 1, 50, 50, PAIR, 0), 0);
        assertEquals(List.of(reset(B, 2, 50)), d.onHeartbeat(report(B, false, 1, 50, 50, PAIR, 0), 2500).orders());
    }

    /**
     * Record {A} and A comes back on a new directory (it had not led alone, or what it alone held is gone anyway):
     * A refuses the reset, so the record goes back to the former pair, B (with the data) is reset and A added back —
     * rather than waiting for ever for a disk that no longer exists.
     */
    @Test
    void aSoleVoterOnANewDiskPutsTheRecordBackToItsFormerPartner() throws IOException {
        disk.save(saved(2, List.of(ADDR_A), 10));
        Coordinator c = coordinator();
        assertEquals(List.of(), reconfigurations(c.onHeartbeat(onNewDisk(A, false, 0, 0, 0, PAIR, 0, "a1a1"), 0)
                .orders()), "no reset for a node on a new directory");
        c.onHeartbeat(report(B, true, 1, 12, 12, PAIR, 0), 100);
        assertRecord(4, PAIR, record(c));
        assertEquals(List.of(reset(B, 6, 12)), c.onHeartbeat(report(B, true, 1, 12, 12, PAIR, 0), 200).orders());
        assertRecord(6, List.of(ADDR_B), record(c));
    }

    /**
     * A record from before incarnations (no mark, no directories) learns them only from a log that reaches a nonzero
     * mark: an empty node alone teaches it nothing and is not reset.
     */
    @Test
    void aRecordWithoutIncarnationsLearnsThemOnlyFromNodesThatHoldTheData() throws IOException {
        disk.save(new ConfigRecord(1, 0, PAIR));
        Coordinator c = coordinator();
        for (long t = 0; t <= 10_000; t += 500) {
            assertEquals(List.of(), reconfigurations(c.onHeartbeat(report(B, false, 0, 0, 0, PAIR, 0), t).orders()));
        }
        assertEquals(Map.of(), record(c).incarnations());
        c.onHeartbeat(report(A, true, 2, 30, 30, PAIR, 0), 10_100);
        assertEquals(Map.of(ADDR_A, DISK_A), record(c).incarnations());
        assertEquals(30, record(c).mark());
    }

    /** Orders that change a configuration (an OBSERVE_EPOCH changes none). */
    private static List<Order> reconfigurations(List<Order> orders) {
        return orders.stream().filter(o -> o.type() != Order.Type.OBSERVE_EPOCH).toList();
    }

    private static Heartbeat silent(ProcessId id, long leaderSilentMillis) {
        return new Heartbeat(id, "127.0.0.1", 10000 + id.member() - 1,
                new RaftReport(id == A ? ADDR_A : ADDR_B, false, 1, 10, 10, PAIR, 0, leaderSilentMillis,
                        id == A ? DISK_A : DISK_B), null);
    }
}
