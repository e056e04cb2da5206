package tinysns.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tinysns.store.TestDirs;

/** A real three-replica JRaft group of {@link ReplicatedMap}s on 127.0.0.1: what the coordinator replicas share. */
@Timeout(120)
class ReplicatedMapTest {
    private final Path base = TestDirs.newTempDir("replicated-map");
    private final List<String> voters = new ArrayList<>();
    private final List<ReplicatedMap> replicas = new ArrayList<>();

    @AfterEach
    void close() {
        for (ReplicatedMap r : replicas) {
            if (r != null) {
                r.close();
            }
        }
    }

    private ReplicatedMap start(int i) {
        ReplicatedMap r = new ReplicatedMap(new ReplicatedMap.Options("coordinator-test", voters.get(i), voters,
                base.resolve("r" + i), TestGroup.ELECTION_TIMEOUT_MILLIS, null));
        r.start();
        return r;
    }

    private ReplicatedMap awaitLeader() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (ReplicatedMap r : replicas) {
                if (r != null && r.isLeader()) {
                    return r;
                }
            }
            TestGroup.sleep(20);
        }
        throw new AssertionError("no leader within 20 s");
    }

    @Test
    void putsCommitOnAMajorityAndSurviveTheLossOfTheLeader() throws Exception {
        for (int i = 0; i < 3; i++) {
            voters.add("127.0.0.1:" + TestGroup.freePort());
        }
        for (int i = 0; i < 3; i++) {
            replicas.add(start(i));
        }
        ReplicatedMap leader = awaitLeader();
        leader.put("cluster-1", "epoch=2\nvoters=a:1\n").get(10, TimeUnit.SECONDS);
        assertEquals(Map.of("cluster-1", "epoch=2\nvoters=a:1\n"), leader.entries());
        assertTrue(leader.confirmLeadership().get(10, TimeUnit.SECONDS));
        for (ReplicatedMap r : replicas) {
            TestGroup.awaitTrue("every replica applies the put", () -> r.entries().containsKey("cluster-1"));
        }
        ReplicatedMap follower = replicas.stream().filter(r -> r != leader).findFirst().orElseThrow();
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> follower.put("cluster-1", "x").get(10, TimeUnit.SECONDS));
        assertInstanceOf(NotLeaderException.class, refused.getCause());
        assertFalse(follower.confirmLeadership().get(10, TimeUnit.SECONDS));
        assertEquals(leader.raftAddress(), follower.leaderAddress());

        // The leader dies: a new one holds what was committed and takes new puts.
        int dead = replicas.indexOf(leader);
        leader.close();
        replicas.set(dead, null);
        ReplicatedMap next = awaitLeader();
        assertEquals("epoch=2\nvoters=a:1\n", next.entries().get("cluster-1"));
        next.put("cluster-1", "epoch=4\nvoters=b:1\n").get(10, TimeUnit.SECONDS);
        next.put("cluster-2", "epoch=0\n").get(10, TimeUnit.SECONDS);

        // The old leader returns from its directory and catches up.
        ReplicatedMap back = start(dead);
        replicas.set(dead, back);
        TestGroup.awaitTrue("the returning replica catches up", () -> back.entries().equals(next.entries()));
        assertFalse(back.isLeader());
    }

    @Test
    void entriesRoundTripThroughTheLogEncoding() throws Exception {
        String text = "cluster=1\nepoch=7\nvoters=127.0.0.1:1,127.0.0.1:2\nmark=12\nincarnations=a@b\n";
        assertEquals(Map.entry("cluster-1", text), ReplicatedMap.decode(ReplicatedMap.encode("cluster-1", text)));
    }
}
