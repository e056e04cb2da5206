package tinysns.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.RaftReport;
import tinysns.api.Role;
import tinysns.api.ServerAddress;
import tinysns.api.SyncReport;

class CoordinatorTest {
    private static final long DEAD_AFTER_MILLIS = 2000;

    private final Coordinator coordinator = Coordinator.inMemory(3, DEAD_AFTER_MILLIS);

    static ProcessId node(int cluster, int member) {
        return new ProcessId(ProcessKind.SERVER, cluster, member);
    }

    static ProcessId sync(int cluster, int member) {
        return new ProcessId(ProcessKind.SYNC, cluster, member);
    }

    static int port(ProcessId id) {
        return id.cluster() * 10000 + id.member() - 1 + (id.kind() == ProcessKind.SYNC ? 500 : 0);
    }

    static Heartbeat plain(ProcessId id) {
        return new Heartbeat(id, "127.0.0.1", port(id), null,
                id.kind() == ProcessKind.SYNC ? new SyncReport(0, Map.of()) : null);
    }

    static String raftAddress(ProcessId server) {
        return "127.0.0.1:" + (port(server) + 100);
    }

    /** A server of a two-voter cluster (members 1 and 2) reporting its Raft state. */
    static Heartbeat raft(ProcessId id, boolean leader, long term) {
        List<String> pair = List.of(raftAddress(node(id.cluster(), 1)), raftAddress(node(id.cluster(), 2)));
        return new Heartbeat(id, "127.0.0.1", port(id),
                new RaftReport(raftAddress(id), leader, term, 10, 10, pair, 0), null);
    }

    private Role beat(Heartbeat hb, long nowMillis) {
        HeartbeatReply reply = coordinator.onHeartbeat(hb, nowMillis);
        assertEquals(3, reply.clusterCount());
        return reply.role();
    }

    @Test
    void routesUsersOneToSevenOverThreeClusters() {
        int[] expected = {0, 1, 2, 3, 1, 2, 3, 1};
        for (long user = 1; user <= 7; user++) {
            assertEquals(expected[(int) user], RoutingTable.clusterOf(user, 3), "user " + user);
        }
        for (int c = 1; c <= 3; c++) {
            beat(plain(node(c, 1)), 0);
        }
        for (long user = 1; user <= 7; user++) {
            ServerAddress a = coordinator.serverFor(user, 10);
            assertEquals(expected[(int) user], a.cluster());
            assertEquals("sns/cluster-" + a.cluster() + "/node-1", a.registryName());
            assertEquals(a.cluster() * 10000, a.port());
            assertEquals("127.0.0.1", a.host());
        }
        assertThrows(IllegalArgumentException.class, () -> coordinator.serverFor(0, 10));
    }

    @Test
    void noServerMeansNull() {
        assertNull(coordinator.serverFor(1, 0));
        beat(plain(node(2, 1)), 0);
        assertNull(coordinator.serverFor(1, 1));
        assertNotNull(coordinator.serverFor(2, 1));
    }

    @Test
    void deadExactlyAfterTheBoundary() {
        beat(plain(node(1, 1)), 1000);
        assertNotNull(coordinator.serverFor(1, 1000 + DEAD_AFTER_MILLIS), "alive at exactly dead-after");
        assertNull(coordinator.serverFor(1, 1000 + DEAD_AFTER_MILLIS + 1), "dead one ms later");
        ProcessStatus row = coordinator.status(1000 + DEAD_AFTER_MILLIS + 1).get(0);
        assertFalse(row.alive());
        assertEquals(DEAD_AFTER_MILLIS + 1, row.lastHeartbeatAgeMillis());
        beat(plain(node(1, 1)), 5000);
        assertNotNull(coordinator.serverFor(1, 5000), "a returning sole server is master again");
    }

    @Test
    void firstServerToRegisterIsMasterThenNextLiveOneOnDeath() {
        assertEquals(Role.MASTER, beat(plain(node(1, 2)), 0));
        assertEquals(Role.SLAVE, beat(plain(node(1, 1)), 1));
        assertEquals(port(node(1, 2)), coordinator.serverFor(1, 2).port());
        // Only node 1.1 keeps beating: 1.2 dies, 1.1 takes over, and 1.2 returns as slave.
        for (long t = 500; t <= 3000; t += 500) {
            beat(plain(node(1, 1)), t);
        }
        assertEquals(port(node(1, 1)), coordinator.serverFor(1, 3000).port());
        assertEquals(Role.MASTER, beat(plain(node(1, 1)), 3000));
        assertEquals(Role.SLAVE, beat(plain(node(1, 2)), 3100));
    }

    @Test
    void raftLeaderIsTheTruth() {
        assertEquals(Role.MASTER, beat(raft(node(1, 1), false, 1), 0));
        assertEquals(Role.SLAVE, beat(raft(node(1, 2), false, 1), 0));
        // The first to register is master only until a leader is known.
        assertEquals(Role.MASTER, beat(raft(node(1, 2), true, 2), 100));
        assertEquals(Role.SLAVE, beat(raft(node(1, 1), false, 2), 100));
        assertEquals(port(node(1, 2)), coordinator.serverFor(1, 100).port());
        // A stale leader report (lower term) loses to the current one.
        assertEquals(Role.SLAVE, beat(raft(node(1, 1), true, 1), 200));
        assertEquals(port(node(1, 2)), coordinator.serverFor(1, 200).port());
        // A higher term wins.
        assertEquals(Role.MASTER, beat(raft(node(1, 1), true, 3), 300));
        assertEquals(Role.SLAVE, beat(raft(node(1, 2), false, 3), 300));
        // Leader known, none reporting now: no master (the election decides, not registration order).
        assertEquals(Role.SLAVE, beat(raft(node(1, 1), false, 4), 400));
        assertNull(coordinator.serverFor(1, 400));
        // The leader dies while reporting: its report no longer counts.
        beat(raft(node(1, 1), true, 4), 500);
        beat(raft(node(1, 2), false, 4), 2600);
        assertNull(coordinator.serverFor(1, 2600));
        assertEquals(Role.MASTER, beat(raft(node(1, 2), true, 5), 2700));
    }

    @Test
    void syncPromotedWhenMasterDiesAndOldMasterReturnsAsSlave() {
        assertEquals(Role.MASTER, beat(plain(sync(1, 1)), 0));
        assertEquals(Role.SLAVE, beat(plain(sync(1, 2)), 0));
        assertEquals(Role.SLAVE, beat(plain(sync(1, 2)), 2000), "master sync still alive at the boundary");
        assertEquals(Role.MASTER, beat(plain(sync(1, 2)), 2001), "promoted once the master is dead");
        assertEquals(Role.SLAVE, beat(plain(sync(1, 1)), 2500), "old master returns as slave");
        assertEquals(Role.MASTER, beat(plain(sync(1, 2)), 2600));
        // Synchronizers never affect server routing.
        assertNull(coordinator.serverFor(1, 2600));
    }

    /**
     * DESIGN.md §11: the master synchronizer is kept in the store, so a coordinator that takes over (a new leader of the
     * replicas, or a restart) keeps the role where it was, even if it hears the other synchronizer first; a master that
     * never comes back is replaced after dead-after, and the new choice is stored.
     */
    @Test
    void aCoordinatorThatTakesOverKeepsTheMasterSynchronizerItWasGiven() throws Exception {
        tinysns.coordinator.failover.MemoryConfigStore store = new tinysns.coordinator.failover.MemoryConfigStore();
        Coordinator first = new Coordinator(3, DEAD_AFTER_MILLIS, store);
        first.onHeartbeat(plain(sync(1, 1)), 0);
        first.onHeartbeat(plain(sync(1, 2)), 0);
        assertEquals(Role.MASTER, first.onHeartbeat(plain(sync(1, 1)), 100).role());
        assertEquals(java.util.Map.of(1, 1), store.loadSyncMasters());

        Coordinator next = new Coordinator(3, DEAD_AFTER_MILLIS, store);
        assertEquals(Role.SLAVE, next.onHeartbeat(plain(sync(1, 2)), 5000).role(), "heard first, still the slave");
        assertEquals(Role.MASTER, next.onHeartbeat(plain(sync(1, 1)), 5100).role());

        // The stored master never beats to this one: after dead-after the other takes over, and that is stored.
        Coordinator third = new Coordinator(3, DEAD_AFTER_MILLIS, store);
        assertEquals(Role.SLAVE, third.onHeartbeat(plain(sync(1, 2)), 9000).role());
        assertEquals(Role.SLAVE, third.onHeartbeat(plain(sync(1, 2)), 9000 + DEAD_AFTER_MILLIS).role());
        assertEquals(Role.MASTER, third.onHeartbeat(plain(sync(1, 2)), 9001 + DEAD_AFTER_MILLIS).role());
        assertEquals(java.util.Map.of(1, 2), store.loadSyncMasters());
    }

    @Test
    void tickPromotesSyncWithoutWaitingForItsHeartbeat() {
        beat(plain(sync(2, 1)), 0);
        beat(plain(sync(2, 2)), 1000);
        coordinator.onTick(2500);
        ProcessStatus master = coordinator.status(2500).stream()
                .filter(s -> s.role() == Role.MASTER).findFirst().orElseThrow();
        assertEquals(sync(2, 2), master.id());
    }

    @Test
    void statusIsOrderedAndComplete() {
        beat(plain(sync(2, 1)), 0);
        beat(raft(node(2, 2), true, 1), 0);
        beat(plain(node(1, 1)), 0);
        beat(plain(sync(1, 1)), 0);
        List<ProcessStatus> rows = coordinator.status(40);
        assertEquals(List.of(node(1, 1), sync(1, 1), node(2, 2), sync(2, 1)),
                rows.stream().map(ProcessStatus::id).toList());
        for (ProcessStatus row : rows) {
            assertEquals(Role.MASTER, row.role());
            assertTrue(row.alive());
            assertEquals(40, row.lastHeartbeatAgeMillis());
            assertEquals(port(row.id()), row.port());
        }
        assertTrue(rows.get(2).raft().leader());
        assertNotNull(rows.get(3).sync());
    }

    @Test
    void restartedCoordinatorRebuildsItsTableFromHeartbeats() {
        beat(raft(node(1, 1), false, 1), 0);
        beat(raft(node(1, 2), true, 1), 0);
        beat(plain(sync(1, 1)), 0);
        beat(plain(sync(1, 2)), 0);

        Coordinator restarted = Coordinator.inMemory(3, DEAD_AFTER_MILLIS);
        assertEquals(List.of(), restarted.status(100));
        assertNull(restarted.serverFor(1, 100));
        // Heartbeats arrive in whatever order: the first is master only until the Raft leader reports.
        assertEquals(Role.MASTER, restarted.onHeartbeat(raft(node(1, 1), false, 1), 200).role());
        assertEquals(Role.MASTER, restarted.onHeartbeat(raft(node(1, 2), true, 1), 210).role());
        assertEquals(Role.SLAVE, restarted.onHeartbeat(raft(node(1, 1), false, 1), 215).role());
        assertEquals(Role.MASTER, restarted.onHeartbeat(plain(sync(1, 2)), 220).role());
        assertEquals(Role.SLAVE, restarted.onHeartbeat(plain(sync(1, 1)), 230).role());
        assertEquals(port(node(1, 2)), restarted.serverFor(1, 240).port());
        assertEquals(4, restarted.status(240).size());
        assertEquals(List.of(), restarted.onHeartbeat(raft(node(1, 1), false, 1), 250).orders(),
                "a healthy pair gets no orders");
    }

    @Test
    void rejectsMalformedHeartbeats() {
        assertThrows(IllegalArgumentException.class, () -> coordinator.onHeartbeat(plain(node(4, 1)), 0));
        assertThrows(IllegalArgumentException.class, () -> coordinator.onHeartbeat(plain(node(0, 1)), 0));
        assertThrows(IllegalArgumentException.class, () -> coordinator.onHeartbeat(plain(node(1, 0)), 0));
        assertThrows(IllegalArgumentException.class,
                () -> coordinator.onHeartbeat(new Heartbeat(node(1, 1), "", 1, null, null), 0));
        assertThrows(NullPointerException.class,
                () -> coordinator.onHeartbeat(new Heartbeat(null, "h", 1, null, null), 0));
        assertEquals(List.of(), coordinator.status(0));
    }

    @Test
    void detectorAnnouncesEachDeathOnce() {
        FailureDetector d = new FailureDetector(100);
        ProcessId a = node(1, 1);
        assertFalse(d.heard(a, 0));
        assertEquals(List.of(), d.newlyDead(100));
        assertEquals(List.of(a), d.newlyDead(101));
        assertEquals(List.of(), d.newlyDead(500));
        assertTrue(d.heard(a, 600), "came back");
        assertTrue(d.isAlive(a, 700));
        d.heard(a, 650); // a late sample does not age it
        assertTrue(d.isAlive(a, 700));
        assertEquals(-1, d.ageMillis(node(2, 1), 0));
    }
}
