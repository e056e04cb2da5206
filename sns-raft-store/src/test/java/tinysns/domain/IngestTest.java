package tinysns.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;

/** Cross-cluster synchronization through outbox and cursor (DESIGN.md §4), on the pure state machines. */
class IngestTest {
    private final DomainCluster.WallClock clock = new DomainCluster.WallClock();
    private final DomainCluster c1 = new DomainCluster(1, 3, clock);
    private final DomainCluster c2 = new DomainCluster(2, 3, clock);
    private final DomainCluster c3 = new DomainCluster(3, 3, clock);
    private final List<DomainCluster> all = List.of(c1, c2, c3);

    private void syncAll() {
        for (DomainCluster from : all) {
            for (DomainCluster to : all) {
                if (from != to) {
                    Reply r = from.syncTo(to);
                    assertEquals(Status.SUCCESS, r.status(), r.toString());
                }
            }
        }
    }

    @Test
    void usersFollowsAndPostsCrossClusters() {
        Session u1 = c1.login(1);
        Session u2 = c2.login(2);
        Session u3 = c3.login(3);
        syncAll();
        for (DomainCluster c : all) {
            assertEquals(List.of(1L, 2L, 3L), c.machine.users(c.kv));
        }
        assertEquals(Status.SUCCESS, c1.follow(u1, 2).status());
        assertEquals(Status.SUCCESS, c1.follow(u1, 3).status());
        assertEquals(Status.SUCCESS, c2.follow(u2, 1).status());
        assertEquals(Status.SUCCESS, c3.follow(u3, 1).status());
        syncAll();
        assertEquals(List.of(2L, 3L), c1.list(u1).followers());
        assertEquals(List.of(1L), c2.list(u2).followers());
        c2.post(u2, "from 2");
        c3.post(u3, "from 3");
        c1.post(u1, "from 1");
        syncAll();
        assertEquals(List.of("from 2", "from 3"), c1.timelineTexts(u1));
        assertEquals(List.of("from 1"), c2.timelineTexts(u2));
        assertEquals(List.of("from 1"), c3.timelineTexts(u3));
    }

    @Test
    void theSameBatchTwiceAppliesOnce() {
        Session u1 = c1.login(1);
        Session u2 = c2.login(2);
        syncAll();
        c1.follow(u1, 2);
        syncAll();
        c2.post(u2, "once");
        List<OutboxEvent> batch = c2.machine.readOutbox(c2.kv, 1, 100);
        Applied first = c1.apply(new IngestCommand(2, batch));
        String after = c1.digest();
        Applied second = c1.apply(new IngestCommand(2, batch));
        assertEquals(first.reply(), second.reply());
        assertEquals(List.of(), second.deliveries());
        assertEquals(after, c1.digest(), "a repeated batch changes nothing");
        // An overlapping batch applies only its new tail.
        c2.post(u2, "twice?");
        Applied overlap = c1.apply(new IngestCommand(2, c2.machine.readOutbox(c2.kv, 1, 100)));
        assertEquals(1, overlap.deliveries().size());
        assertEquals(List.of("once", "twice?"), c1.timelineTexts(u1));
        assertEquals(c2.machine.outboxHead(c2.kv), c1.machine.cursor(c1.kv, 2));
    }

    @Test
    void aBatchWithAGapIsRefusedAndChangesNothing() {
        Session u2 = c2.login(2);
        c2.post(u2, "a");
        c2.post(u2, "b");
        List<OutboxEvent> events = c2.machine.readOutbox(c2.kv, 2, 100);
        String before = c1.digest();
        Reply r = c1.apply(new IngestCommand(2, events)).reply();
        assertEquals(Status.SYNC_GAP, r.status());
        assertTrue(r.detail().contains("up to 0"), r.detail());
        assertEquals(before, c1.digest());
    }

    @Test
    void unknownOriginsAndMalformedEventsAreRefused() {
        Session u2 = c2.login(2);
        c2.post(u2, "a");
        List<OutboxEvent> good = c2.machine.readOutbox(c2.kv, 1, 100);
        String before = c1.digest();
        for (int origin : new int[]{0, -1, 1, 4, Integer.MAX_VALUE}) {
            assertEquals(Status.INVALID_COMMAND, c1.apply(new IngestCommand(origin, good)).reply().status(),
                    "origin " + origin);
        }
        assertEquals(Status.INVALID_COMMAND, c1.apply(new IngestCommand(2, null)).reply().status());
        List<List<OutboxEvent>> bad = new ArrayList<>();
        bad.add(java.util.Arrays.asList(good.get(0), null));
        bad.add(List.of(new OutboxEvent(1, null, 2, 0, 0, 1, null)));
        bad.add(List.of(new OutboxEvent(1, OutboxEvent.Type.USER, 3, 0, 0, 1, null))); // user 3 is not cluster 2's
        bad.add(List.of(new OutboxEvent(0, OutboxEvent.Type.USER, 2, 0, 0, 1, null)));
        bad.add(List.of(new OutboxEvent(1, OutboxEvent.Type.FOLLOW, 2, 0, 0, 1, null)));
        bad.add(List.of(new OutboxEvent(1, OutboxEvent.Type.FOLLOW, 2, 2, 0, 1, null)));
        bad.add(List.of(new OutboxEvent(1, OutboxEvent.Type.POST, 2, 0, 0, 1, "no post number")));
        bad.add(List.of(new OutboxEvent(1, OutboxEvent.Type.POST, 2, 0, 1, 1, "x".repeat(281))));
        bad.add(List.of(new OutboxEvent(1, OutboxEvent.Type.POST, 2, 0, 1, 1, null)));
        bad.add(List.of(good.get(0), new OutboxEvent(3, OutboxEvent.Type.USER, 5, 0, 0, 1, null))); // not consecutive
        for (List<OutboxEvent> events : bad) {
            Reply r = c1.apply(new IngestCommand(2, events)).reply();
            assertEquals(Status.INVALID_COMMAND, r.status(), events.toString());
            assertTrue(r.detail() != null && !r.detail().isBlank());
        }
        assertEquals(before, c1.digest());
    }

    @Test
    void aPostMadeBeforeTheFollowNeverShowsEvenWhenItArrivesAfter() {
        Session u1 = c1.login(1);
        Session u2 = c2.login(2);
        syncAll();
        c2.post(u2, "made before the follow"); // not yet synchronized
        c1.follow(u1, 2);
        syncAll();
        c2.post(u2, "made after");
        syncAll();
        assertEquals(List.of("made after"), c1.timelineTexts(u1));
    }

    @Test
    void remoteUnfollowRemovesTheFollowerEverywhere() {
        Session u1 = c1.login(1);
        c2.login(2);
        syncAll();
        c1.follow(u1, 2);
        syncAll();
        assertEquals(List.of(1L), c2.machine.followers(c2.kv, 2));
        c1.unfollow(u1, 2);
        syncAll();
        assertEquals(List.of(), c2.machine.followers(c2.kv, 2));
        assertEquals(List.of(), c3.machine.followers(c3.kv, 2));
    }

    /**
     * Three clusters synchronized in an arbitrary interleaving (some batches repeated, some split) end with the
     * timelines and follower lists of one cluster holding everyone.
     */
    @Test
    void clustersAgreeWithASingleClusterReference() {
        DomainCluster reference = new DomainCluster(1, 1, new DomainCluster.WallClock());
        java.util.Random random = new java.util.Random(7);
        List<Session> sessions = new ArrayList<>();
        List<Session> refSessions = new ArrayList<>();
        for (long u = 1; u <= 9; u++) {
            sessions.add(all.get((int) ((u - 1) % 3)).login(u));
            refSessions.add(reference.login(u));
        }
        syncAll();
        for (int step = 0; step < 600; step++) {
            int i = random.nextInt(sessions.size());
            DomainCluster home = all.get(i % 3);
            long target = 1 + random.nextInt(9);
            int op = random.nextInt(5);
            Reply got;
            Reply want;
            // Keep the clocks in step so that "made after the follow" means the same in both worlds.
            long stamp = 1_800_000_000_000L + step * 10L;
            clock.millis = stamp - 10;
            reference.clock.millis = stamp - 10;
            if (op == 0) {
                got = home.follow(sessions.get(i), target);
                want = reference.follow(refSessions.get(i), target);
            } else if (op == 1) {
                got = home.unfollow(sessions.get(i), target);
                want = reference.unfollow(refSessions.get(i), target);
            } else {
                got = home.post(sessions.get(i), "p" + step).reply();
                want = reference.post(refSessions.get(i), "p" + step).reply();
            }
            assertEquals(want.status(), got.status(), "step " + step);
            // Synchronize partially and out of order: the pairs in random order, sometimes twice.
            if (random.nextInt(3) == 0) {
                syncAll();
                syncAll();
            }
        }
        syncAll();
        for (long u = 1; u <= 9; u++) {
            DomainCluster home = all.get((int) ((u - 1) % 3));
            Session s = sessions.get((int) u - 1);
            assertEquals(reference.timelineTexts(refSessions.get((int) u - 1)), home.timelineTexts(s), "timeline of " + u);
            for (DomainCluster c : all) {
                assertEquals(reference.machine.followers(reference.kv, u), c.machine.followers(c.kv, u),
                        "followers of " + u);
            }
        }
    }
}
