package tinysns.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The availability figures from hand-built records: three clusters, users 1..6 (user u homed in (u - 1) mod 3 + 1),
 * the workload starting at T.
 */
class AvailabilityTest {
    private static final long T = 1_000_000L;

    private final List<String> lines = new ArrayList<>();

    AvailabilityTest() {
        lines.add("# chaos workload clients=6 firstUser=1 clusters=3 seed=1 start=" + T);
    }

    private void op(long start, long end, long user, String op, String argument, String outcome) {
        lines.add(new OpRecord(T + start, T + end, user, lines.size(), op, argument,
                OpRecord.Outcome.valueOf(outcome.toUpperCase()), outcome.equals("ok") ? "SUCCESS" : "UNKNOWN",
                op.equals(OpRecord.POST) ? lines.size() : 0).line());
    }

    private void post(long start, long end, long user, String text, String outcome) {
        op(start, end, user, OpRecord.POST, text, outcome);
    }

    private void follow(long at, long user, long followee) {
        op(at, at + 5, user, OpRecord.FOLLOW, String.valueOf(followee), "ok");
    }

    private void seen(long at, long reader, long author, String text) {
        lines.add(new OpRecord.Seen(T + at, reader, author, 1, text).line());
    }

    private Availability availability(FaultLog faults, Duration bound) {
        return Availability.of(WorkloadRecord.parse(lines), faults, bound);
    }

    private static Availability.UserWindow user(Availability a, long user) {
        return a.users().stream().filter(w -> w.user() == user).findFirst().orElseThrow();
    }

    private static Availability.DeliveryGap pair(Availability a, int origin, int target) {
        return a.pairs().stream().filter(g -> g.origin() == origin && g.target() == target).findFirst().orElseThrow();
    }

    @Test
    void aWriteWindowRunsFromTheFirstUnacknowledgedTryToTheNextAcknowledgementAndLeavesOutThePausesBetween() {
        post(0, 10, 1, "u1-1", "ok");
        post(300, 320, 1, "u1-2", "ok");        // 300 ms after the last ack, but the user only waited 20 ms
        post(600, 2_600, 1, "u1-3", "unknown"); // gave up
        post(2_900, 4_100, 1, "u1-4", "ok");    // the window: 600 .. 4100
        post(4_400, 4_410, 1, "u1-5", "ok");

        Availability.UserWindow window = user(availability(FaultLog.NONE, null), 1);
        assertEquals(3_500, window.millis());
        assertEquals(T + 600, window.fromMillis());
        assertEquals(T + 4_100, window.toMillis());
        assertFalse(window.neverAcknowledged());
        assertEquals(5, window.writes());
    }

    @Test
    void aUserWhoseLastWritesWereNeverAcknowledgedHasItsWindowEndWithTheLastOutcome() {
        post(0, 10, 2, "u2-1", "ok");
        post(300, 5_300, 2, "u2-2", "unknown");
        post(5_600, 10_600, 2, "u2-3", "failed");

        Availability.UserWindow window = user(availability(FaultLog.NONE, null), 2);
        assertEquals(10_300, window.millis());
        assertTrue(window.neverAcknowledged());
    }

    @Test
    void aUserWithoutWritesHasNoWindowAndBreaksNothing() {
        post(0, 10, 1, "u1-1", "ok");
        Availability a = availability(FaultLog.NONE, Duration.ofSeconds(1));
        assertEquals(-1, user(a, 6).millis());
        assertEquals(List.of(), a.problems());
        assertTrue(a.table().contains("no writes"), a.table());
    }

    @Test
    void aDeliveryGapIsTheLongestWaitFromAcknowledgementToAFollowerInTheOtherClusterBeingShownThePost() {
        follow(0, 2, 1);   // 2 (cluster 2) follows 1 (cluster 1)
        follow(0, 4, 1);   // 4 (cluster 1) follows 1: same cluster, not a cross-cluster delivery
        follow(0, 3, 2);   // 3 (cluster 3) follows 2 (cluster 2)
        post(100, 110, 1, "u1-1", "ok");
        post(400, 420, 1, "u1-2", "ok");
        post(700, 710, 1, "u1-3", "failed");
        post(900, 950, 2, "u2-1", "ok");
        seen(130, 2, 1, "u1-1");   // 20 ms
        seen(2_420, 2, 1, "u1-2"); // 2000 ms: the longest 1 -> 2
        seen(5_000, 4, 1, "u1-2"); // same cluster: left out
        seen(1_000, 3, 2, "u2-1"); // 50 ms
        seen(1_200, 3, 2, "u2-1"); // shown again later (a re-subscription): the first time counts
        lines.add("# observed-until=" + (T + 6_000));

        Availability a = availability(FaultLog.NONE, null);
        assertTrue(a.deliveryRecorded());
        Availability.DeliveryGap oneToTwo = pair(a, 1, 2);
        assertEquals(2_000, oneToTwo.millis());
        assertEquals("u1-2", oneToTwo.post());
        assertEquals(2, oneToTwo.follower());
        assertEquals(2, oneToTwo.deliveries());
        assertFalse(oneToTwo.notShown());
        assertEquals(50, pair(a, 2, 3).millis());
        assertEquals(1, pair(a, 2, 3).deliveries());
        assertEquals(-1, pair(a, 1, 3).millis(), "nobody in cluster 3 follows a user of cluster 1");
        assertEquals(6, a.pairs().size(), "every ordered pair of distinct clusters");
    }

    @Test
    void aPostAFollowerWasNeverShownWaitsUntilTheWatchingEnded() {
        follow(0, 2, 1);
        post(100, 110, 1, "u1-1", "ok");
        post(400, 420, 1, "u1-2", "ok");
        seen(130, 2, 1, "u1-1");
        lines.add("# observed-until=" + (T + 9_420));

        Availability.DeliveryGap gap = pair(availability(FaultLog.NONE, null), 1, 2);
        assertEquals(9_000, gap.millis());
        assertTrue(gap.notShown());
        assertEquals(1, gap.notShownCount());
    }

    @Test
    void aPostShownBeforeItsAuthorHeardTheAcknowledgementWaitedNothing() {
        follow(0, 2, 1);
        post(100, 400, 1, "u1-1", "ok");
        seen(300, 2, 1, "u1-1");
        assertEquals(0, pair(availability(FaultLog.NONE, null), 1, 2).millis());
    }

    @Test
    void aRecordWithoutSightingsMeasuresNoDeliveryAndFailsNothingForIt() {
        follow(0, 2, 1);
        post(100, 110, 1, "u1-1", "ok");
        Availability a = availability(FaultLog.NONE, Duration.ofSeconds(1));
        assertFalse(a.deliveryRecorded());
        assertEquals(-1, pair(a, 1, 2).millis());
        assertEquals(List.of(), a.problems());
        assertTrue(a.table().contains("delivery: not recorded"), a.table());
    }

    @Test
    void windowsAndGapsAboveTheBoundFailTheVerdictAndNameTheFaultActiveThen() {
        follow(0, 2, 1);
        post(1_000, 1_010, 1, "u1-1", "ok");
        post(1_300, 6_300, 1, "u1-2", "ok");   // 5 s without an ack, during the pause
        post(6_600, 6_610, 2, "u2-1", "ok");
        seen(6_400, 2, 1, "u1-1");              // 5390 ms, during the pause too
        seen(6_400, 2, 1, "u1-2");              // 100 ms
        lines.add("# observed-until=" + (T + 8_000));
        FaultLog faults = FaultLog.parse(List.of(
                (T + 1_200) + " kill -STOP node-1.1 (pid 42, master) for 4000 ms",
                (T + 5_200) + " kill -CONT node-1.1 (pid 42)"));

        Availability a = availability(faults, Duration.ofSeconds(3));
        List<String> problems = a.problems();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("user 1 (cluster 1) went 5000 ms without an acknowledged write"),
                problems.get(0));
        assertTrue(problems.get(0).contains("during kill -STOP node-1.1 (master) for 4000 ms"), problems.get(0));
        assertTrue(problems.get(0).endsWith("more than the 3000 ms allowed"), problems.get(0));
        assertTrue(problems.get(1).startsWith("delivery from cluster 1 to cluster 2 stalled 5390 ms: u1-1 reached "
                + "follower 2"), problems.get(1));
        assertTrue(problems.get(1).contains("during kill -STOP node-1.1 (master) for 4000 ms"), problems.get(1));
        assertEquals("none (1.4 s after kill -STOP node-1.1 (master) for 4000 ms ended)", user(a, 2).faults());
        String table = a.table();
        assertTrue(table.contains("bound 3000 ms"), table);
        assertTrue(table.contains("5000 ms >BOUND"), table);
        assertTrue(table.contains("+1.3..+6.3"), table);

        assertEquals(List.of(), availability(faults, Duration.ofSeconds(6)).problems(), "within a 6 s bound");
        assertEquals(List.of(), availability(faults, null).problems(), "no bound: figures only");
    }

    @Test
    void theDefaultBoundIsDetectionPlusTheSurvivorsNextHeartbeatPlusElectionAndClientAllowances() {
        assertEquals(Duration.ofSeconds(5), Availability.defaultBound(Duration.ofMillis(500), Duration.ofSeconds(2)));
        assertEquals(Duration.ofMillis(3_700), Availability.defaultBound(Duration.ofMillis(200), Duration.ofSeconds(1)));
        assertEquals(Duration.ofMillis(17_500), Availability.defaultBound(Duration.ofSeconds(5), Duration.ofSeconds(10)));
    }
}
