package tinysns.coordinator.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    private final MemoryConfigStore disk = new MemoryConfigStore();

    private static Heartbeat report(ProcessId id, boolean leader, long term, long lastLogIndex, long commitIndex,
                                    List<String> voters, long epoch) {
        return new Heartbeat(id, "127.0.0.1", 10000 + id.member() - 1,
                new RaftReport(id == A ? ADDR_A : ADDR_B, leader, term, lastLogIndex, commitIndex, voters, epoch),
                null);
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
        assertEquals(new ConfigRecord(1, 0, PAIR), record(c));

        // B falls silent. At exactly dead-after it is still alive: nothing happens.
        assertEquals(List.of(), c.onHeartbeat(report(A, true, 1, 12, 12, PAIR, 0), 2000).orders());
        // One millisecond later it is dead: record {A} written first, then the reset goes out with its epoch.
        List<Order> orders = c.onHeartbeat(report(A, false, 1, 12, 12, PAIR, 0), 2001).orders();
        assertEquals(List.of(new Order(Order.Type.RESET_TO_SELF, null, 2)), orders);
        assertEquals(new ConfigRecord(1, 2, List.of(ADDR_A)), disk.loadAll().get(1));
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
        assertEquals(new ConfigRecord(1, 2, List.of(ADDR_A)), record(c));
        // Committed: the leader reports the stamped epoch, and the pair is recorded.
        assertEquals(List.of(), c.onHeartbeat(report(A, true, 3, 15, 15, PAIR, 3), 5300).orders());
        assertEquals(new ConfigRecord(1, 3, PAIR), record(c));
        assertEquals(List.of(), c.onHeartbeat(report(B, false, 3, 15, 15, PAIR, 3), 5300).orders());

        // A restarted coordinator reads the record back.
        assertEquals(new ConfigRecord(1, 3, PAIR), record(coordinator()));
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
        assertEquals(new ConfigRecord(1, 0, PAIR), record(c));
        // An uncommitted tail on the dead node does not block a survivor that holds everything committed.
        Coordinator d = new Coordinator(3, DEAD_AFTER_MILLIS, new MemoryConfigStore());
        d.onHeartbeat(report(A, true, 1, 30, 20, PAIR, 0), 0);
        d.onHeartbeat(report(B, false, 1, 20, 20, PAIR, 0), 0);
        assertEquals(List.of(new Order(Order.Type.RESET_TO_SELF, null, 2)),
                d.onHeartbeat(report(B, false, 1, 20, 20, PAIR, 0), 2500).orders());
    }

    @Test
    void theOnlyRecordedVoterDeadMeansWait() throws IOException {
        disk.save(new ConfigRecord(1, 2, List.of(ADDR_A)));
        Coordinator c = coordinator();
        for (long t = 0; t <= 20_000; t += 500) {
            assertEquals(List.of(), reconfigurations(c.onHeartbeat(report(B, false, 1, 10, 10, PAIR, 0), t).orders()));
            c.onTick(t + 1);
        }
        assertEquals(new ConfigRecord(1, 2, List.of(ADDR_A)), record(c));
    }

    @Test
    void restartedCoordinatorResendsWhatTheRecordSays() throws IOException {
        disk.save(new ConfigRecord(1, 2, List.of(ADDR_A)));
        Coordinator c = coordinator();
        assertEquals(List.of(new Order(Order.Type.RESET_TO_SELF, null, 2)),
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
        assertEquals(new ConfigRecord(1, 2, List.of(ADDR_A)), record(c));
        assertEquals(List.of(), reconfigurations(c.onHeartbeat(report(B, false, 2, 10, 10, PAIR, 0), 2700).orders()));
        assertEquals(1, c.onHeartbeat(report(A, false, 2, 11, 10, PAIR, 0), 2700).orders().size());
    }

    @Test
    void repairsAnAddBackWhosePartnerDiedAgain() throws IOException {
        disk.save(new ConfigRecord(1, 2, List.of(ADDR_A)));
        Coordinator c = coordinator();
        // The add-back committed (A stamped epoch 3) but its report was never seen; then B died. A lost its
        // majority and reports {A, B}, epoch 3, no leader... which by the epoch proves the pair was committed.
        c.onHeartbeat(report(A, false, 4, 20, 20, PAIR, 3), 0);
        assertEquals(new ConfigRecord(1, 3, PAIR), record(c));
        // ... so B, never heard from, counts dead after dead-after, and A is reset above every stamp.
        List<Order> orders = c.onHeartbeat(report(A, false, 4, 20, 20, PAIR, 3), 2001).orders();
        assertEquals(List.of(new Order(Order.Type.RESET_TO_SELF, null, 5)), orders);
        // Without the stamp (add-back applied but never committed) the repair rule resets A as well.
        MemoryConfigStore other = new MemoryConfigStore();
        other.save(new ConfigRecord(1, 2, List.of(ADDR_A)));
        Coordinator d = new Coordinator(3, DEAD_AFTER_MILLIS, other);
        assertEquals(List.of(), d.onHeartbeat(report(A, false, 4, 21, 20, PAIR, 2), 0).orders());
        assertEquals(List.of(new Order(Order.Type.RESET_TO_SELF, null, 4)),
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
        store.save(new ConfigRecord(1, 2, List.of(ADDR_A)));
        assertEquals(Map.of(1, new ConfigRecord(1, 2, List.of(ADDR_A)), 2, new ConfigRecord(2, 7, List.of(ADDR_B))),
                new FileConfigStore(dir).loadAll());
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
        assertEquals(List.of(new Order(Order.Type.RESET_TO_SELF, null, 2)),
                c.onHeartbeat(silent(B, 600), 1250).orders());
        assertEquals(new ConfigRecord(1, 2, List.of(ADDR_B)), record(c));
    }

    @Test
    void aPairWhoseAddBackOutlivedItsLeaderIsRecordedAfterItsConfCommits() throws IOException {
        Coordinator c = coordinator();
        disk.save(new ConfigRecord(1, 2, List.of(ADDR_A)));
        c = coordinator();
        // A crashed after appending conf {A,B} for an add-back, before the commit callback stamped epoch 3;
        // restarted with {A,B} from its log and was elected by B. The pair works; nobody stamped it.
        assertEquals(List.of(), c.onHeartbeat(report(B, false, 4, 30, 30, PAIR, 3), 0).orders());
        // ADD_PEER of a peer already in the conf: JRaft answers OK only once that conf has committed.
        assertEquals(List.of(new Order(Order.Type.ADD_PEER, ADDR_B, 3)),
                c.onHeartbeat(report(A, true, 4, 30, 30, PAIR, 2), 100).orders());
        assertEquals(new ConfigRecord(1, 2, List.of(ADDR_A)), record(c));
        c.onHeartbeat(report(A, true, 4, 31, 31, PAIR, 3), 200);
        assertEquals(new ConfigRecord(1, 3, PAIR), record(c));
    }

    @Test
    void aVoterOfThePairHoldingAnOlderEpochIsToldThePairsEpoch() throws IOException {
        disk.save(new ConfigRecord(1, 3, PAIR));
        Coordinator c = coordinator();
        c.onHeartbeat(report(A, true, 4, 30, 30, PAIR, 3), 0);
        assertEquals(List.of(new Order(Order.Type.OBSERVE_EPOCH, null, 3)),
                c.onHeartbeat(report(B, false, 4, 30, 30, PAIR, 0), 0).orders());
        assertEquals(List.of(), c.onHeartbeat(report(B, false, 4, 30, 30, PAIR, 3), 100).orders());
    }

    /** Orders that change a configuration (an OBSERVE_EPOCH changes none). */
    private static List<Order> reconfigurations(List<Order> orders) {
        return orders.stream().filter(o -> o.type() != Order.Type.OBSERVE_EPOCH).toList();
    }

    private static Heartbeat silent(ProcessId id, long leaderSilentMillis) {
        return new Heartbeat(id, "127.0.0.1", 10000 + id.member() - 1,
                new RaftReport(id == A ? ADDR_A : ADDR_B, false, 1, 10, 10, PAIR, 0, leaderSilentMillis), null);
    }
}
