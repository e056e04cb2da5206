package tinysns.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.kv.KvReader;
import tinysns.kv.KvVisitor;
import tinysns.kv.KvWriter;
import tinysns.kv.MemoryKv;

class SnsStateMachineTest {
    /** Cluster 1 of 3: users 1, 4, 7, … live here. */
    private final DomainCluster c1 = new DomainCluster(1, 3);

    @Test
    void firstLoginCreatesTheUserAndListShowsAllUsersAscending() {
        Session u7 = c1.login(7);
        Session u1 = c1.login(1);
        c1.login(4);
        var list = c1.list(u1);
        assertEquals(Status.SUCCESS, list.status());
        assertEquals(List.of(1L, 4L, 7L), list.allUsers());
        assertEquals(List.of(), list.followers());
        assertEquals(List.of(1L, 4L, 7L), c1.list(u7).allUsers());
    }

    @Test
    void followResultCodesAreTheCourses() {
        Session u1 = c1.login(1);
        c1.login(4);
        assertEquals(Status.ALREADY_EXISTS, c1.follow(u1, 1).status(), "follow self");
        assertEquals(Status.INVALID_USERNAME, c1.follow(u1, 10).status(), "unknown user");
        assertEquals(Status.INVALID_USERNAME, c1.follow(u1, 0).status(), "zero id");
        assertEquals(Status.INVALID_USERNAME, c1.follow(u1, -1).status(), "negative id");
        assertEquals(Status.SUCCESS, c1.follow(u1, 4).status());
        assertEquals(Status.ALREADY_EXISTS, c1.follow(u1, 4).status(), "follow twice");
        assertEquals(List.of(1L), c1.list(new Session(4, tokenOf(4))).followers());
    }

    @Test
    void unfollowResultCodesAreTheCourses() {
        Session u1 = c1.login(1);
        c1.login(4);
        c1.login(7);
        assertEquals(Status.INVALID_USERNAME, c1.unfollow(u1, 1).status(), "unfollow self");
        assertEquals(Status.INVALID_USERNAME, c1.unfollow(u1, 10).status(), "unknown user");
        assertEquals(Status.NOT_A_FOLLOWER, c1.unfollow(u1, 4).status(), "not followed");
        assertEquals(Status.SUCCESS, c1.follow(u1, 4).status());
        assertEquals(Status.SUCCESS, c1.unfollow(u1, 4).status());
        assertEquals(Status.NOT_A_FOLLOWER, c1.unfollow(u1, 4).status(), "unfollowed already");
        assertEquals(List.of(), c1.list(new Session(4, tokenOf(4))).followers());
    }

    @Test
    void timelineHoldsOnlyPostsMadeAfterTheFollowAndNeverOwnPosts() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        c1.post(u4, "before the follow");
        c1.follow(u1, 4);
        c1.follow(u4, 1);
        c1.post(u4, "after the follow");
        c1.post(u1, "my own");
        assertEquals(List.of("after the follow"), c1.timelineTexts(u1));
        assertEquals(List.of("my own"), c1.timelineTexts(u4));
    }

    @Test
    void timelineShowsTheNewestTwentyOldestFirstWithRealStamps() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        c1.follow(u1, 4);
        for (int i = 1; i <= 30; i++) {
            c1.post(u4, "post " + i);
        }
        List<PostView> timeline = c1.timeline(u1);
        assertEquals(20, timeline.size());
        assertEquals("post 11", timeline.get(0).text());
        assertEquals("post 30", timeline.get(19).text());
        for (int i = 1; i < timeline.size(); i++) {
            assertTrue(timeline.get(i - 1).createdMillis() < timeline.get(i).createdMillis());
        }
        assertTrue(timeline.get(0).createdMillis() > 1_600_000_000_000L, "a real time, not the epoch");
    }

    @Test
    void postsWithinTheSameMillisecondKeepTheirOrder() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        c1.follow(u1, 4);
        for (int i = 1; i <= 3; i++) {
            Command c = new PostCommand(4, u4.token(), c1.nextRequest(u4), "same ms " + i).stamp(c1.clock.millis);
            c1.machine.apply(c, c1.kv);
        }
        assertEquals(List.of("same ms 1", "same ms 2", "same ms 3"), c1.timelineTexts(u1));
    }

    @Test
    void unfollowRemovesTheAuthorsPostsAndARefollowShowsOnlyNewOnes() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        Session u7 = c1.login(7);
        c1.follow(u1, 4);
        c1.follow(u1, 7);
        c1.post(u4, "a");
        c1.post(u7, "b");
        c1.unfollow(u1, 4);
        assertEquals(List.of("b"), c1.timelineTexts(u1));
        c1.post(u4, "while not followed");
        c1.follow(u1, 4);
        c1.post(u4, "c");
        assertEquals(List.of("b", "c"), c1.timelineTexts(u1));
    }

    @Test
    void postsAreValidatedAndNeverTruncated() {
        Session u1 = c1.login(1);
        String before = c1.digest();
        for (String bad : new String[]{null, "", "   ", "x".repeat(281), "nul\u0000inside", "bell\u0007",
                "half \uD83D surrogate", "\uDE00 low first", "y".repeat(1_000_000)}) {
            Applied a = c1.post(u1, bad);
            assertEquals(Status.INVALID_COMMAND, a.reply().status(), "post " + (bad == null ? null : bad.length()));
            assertTrue(a.reply().detail() != null && !a.reply().detail().isBlank());
        }
        assertEquals(before, c1.digest(), "refused posts change nothing");
        assertEquals(Status.SUCCESS, c1.post(u1, "x".repeat(280)).reply().status());
        String emoji = "\uD83D\uDE00".repeat(280); // 280 characters, 560 UTF-16 units
        assertEquals(Status.SUCCESS, c1.post(u1, emoji).reply().status());
        assertEquals(Status.SUCCESS, c1.post(u1, "tab\tis fine").reply().status());
    }

    @Test
    void badInputYieldsItsCodeAndLeavesStateUntouched() {
        Session u1 = c1.login(1);
        c1.login(4);
        String before = c1.digest();
        assertEquals(Status.INVALID_COMMAND, c1.apply(new LoginCommand(0, "t".repeat(20))).reply().status());
        assertEquals(Status.INVALID_COMMAND, c1.apply(new LoginCommand(-1, "t".repeat(20))).reply().status());
        assertEquals(Status.WRONG_CLUSTER, c1.apply(new LoginCommand(2, "t".repeat(20))).reply().status());
        assertEquals(Status.INVALID_COMMAND, c1.apply(new LoginCommand(10, "short")).reply().status());
        assertEquals(Status.INVALID_COMMAND, c1.apply(new LoginCommand(10, null)).reply().status());
        assertEquals(Status.INVALID_COMMAND, c1.apply(new LoginCommand(10, u1.token())).reply().status(), "token reuse");
        assertEquals(Status.INVALID_USERNAME, c1.follow(u1, 99).status());
        assertEquals(Status.INVALID_COMMAND, c1.post(u1, "").reply().status());
        assertEquals(Status.SESSION_INVALID,
                c1.apply(new PostCommand(1, "forged-token-0000000", 1, "hi")).reply().status(), "unknown session");
        assertEquals(Status.SESSION_INVALID,
                c1.apply(new PostCommand(4, u1.token(), 1, "as someone else")).reply().status(), "someone else's token");
        assertEquals(Status.SESSION_INVALID,
                c1.apply(new FollowCommand(4, u1.token(), 1, 1)).reply().status(), "follow as someone else");
        assertEquals(Status.SESSION_INVALID,
                c1.apply(new PostCommand(1, null, 1, "no token")).reply().status());
        assertEquals(Status.INVALID_COMMAND, c1.apply(new PostCommand(1, u1.token(), 0, "req 0")).reply().status());
        assertEquals(Status.INVALID_COMMAND, c1.machine.apply(null, c1.kv).reply().status());
        assertEquals(before, c1.digest());
    }

    @Test
    void aRetriedRequestReturnsTheFirstReplyAndAppliesNothingTwice() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        c1.follow(u4, 1);
        Command first = new PostCommand(1, u1.token(), 1, "once");
        Reply r1 = c1.apply(first).reply();
        String after = c1.digest();
        Applied retry = c1.apply(new PostCommand(1, u1.token(), 1, "once"));
        assertEquals(r1, retry.reply());
        assertEquals(List.of(), retry.deliveries(), "a retry delivers nothing again");
        assertEquals(after, c1.digest(), "a retry changes nothing");
        assertEquals(List.of("once"), c1.timelineTexts(u4));
        Reply follow2 = c1.apply(new FollowCommand(1, u1.token(), 2, 4)).reply();
        assertEquals(Status.SUCCESS, follow2.status());
        assertEquals(Status.SUCCESS, c1.apply(new FollowCommand(1, u1.token(), 2, 4)).reply().status(),
                "the retry of a successful follow is a success, not 'already exists'");
        assertEquals(Status.STALE_REQUEST, c1.apply(new PostCommand(1, u1.token(), 1, "late")).reply().status());
        assertEquals(List.of("once"), c1.timelineTexts(u4));
    }

    @Test
    void aNewLoginReplacesTheOldSessionOfAGoneClientAndLogoutEndsIt() {
        Session old = c1.login(1);
        c1.clock.millis += DomainConfig.DEFAULT_LIVE_CLIENT_MILLIS; // its client stopped keeping it alive
        Session current = c1.login(1);
        assertEquals(Status.SESSION_REPLACED, c1.post(old, "with the old token").reply().status());
        assertEquals(Status.SUCCESS, c1.post(current, "with the new one").reply().status());
        assertEquals(Status.SUCCESS, c1.apply(new LogoutCommand(1, current.token())).reply().status());
        assertEquals(Status.SESSION_INVALID, c1.post(current, "after logout").reply().status());
        assertEquals(Status.SESSION_INVALID, c1.list(current).status());
    }

    @Test
    void sessionsExpireByCommandStampsNotByTheClock() {
        Session u1 = c1.login(1);
        c1.clock.millis += DomainConfig.DEFAULT_SESSION_TTL_MILLIS + 1;
        assertEquals(Status.SESSION_INVALID, c1.post(u1, "too late").reply().status());
    }

    @Test
    void anExpiredSessionReadsNothingAndAWallClockPastItsTimeEndsItWithoutAWrite() {
        Session u1 = c1.login(1);
        long ttl = DomainConfig.DEFAULT_SESSION_TTL_MILLIS;
        long loggedIn = c1.clock.millis;
        assertEquals(Status.SUCCESS, c1.machine.checkSession(c1.kv, u1, loggedIn + ttl));
        assertEquals(Status.SESSION_INVALID, c1.machine.checkSession(c1.kv, u1, loggedIn + ttl + 1),
                "the master's wall clock past the time to live: refused although nothing was written since");
        assertEquals(Status.SUCCESS, c1.machine.checkSession(c1.kv, u1), "by the cluster's own clock it still lives");
        c1.clock.millis += ttl + 1;
        c1.login(4); // any write moves the cluster's clock
        assertEquals(Status.SESSION_INVALID, c1.machine.checkSession(c1.kv, u1));
        assertEquals(Status.SESSION_INVALID, c1.list(u1).status());
        assertEquals(Status.SESSION_INVALID, c1.machine.timeline(c1.kv, u1, 20).status());
        assertEquals(Status.SESSION_INVALID, c1.apply(new TouchCommand(1, u1.token())).reply().status(),
                "an expired session cannot be revived");
        assertEquals(Status.SESSION_INVALID, c1.apply(new LogoutCommand(1, u1.token())).reply().status());
    }

    @Test
    void aTouchKeepsAReadingClientsSessionAliveAndChangesNothingElse() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        c1.follow(u1, 4);
        long ttl = DomainConfig.DEFAULT_SESSION_TTL_MILLIS;
        long touchAfter = c1.machine.config().touchAfterMillis();
        assertFalse(c1.machine.sessionNeedsTouch(c1.kv, u1, c1.clock.millis + touchAfter - 1));
        assertTrue(c1.machine.sessionNeedsTouch(c1.kv, u1, c1.clock.millis + touchAfter));
        assertFalse(c1.machine.sessionNeedsTouch(c1.kv, new Session(1, u4.token()), c1.clock.millis + touchAfter),
                "another user's token is never touched");
        for (int day = 0; day < 3; day++) {
            c1.clock.millis += ttl / 2;
            assertEquals(Status.SUCCESS, c1.apply(new TouchCommand(1, u1.token())).reply().status());
        }
        assertEquals(Status.SESSION_INVALID, c1.post(u4, "u4 never touched").reply().status());
        assertEquals(Status.ALREADY_EXISTS, c1.follow(u1, 4).status(),
                "touched through a day and a half: still a valid session (which already follows 4)");
        assertEquals(Status.SESSION_INVALID,
                c1.apply(new TouchCommand(4, u1.token())).reply().status(), "a touch must name the token's user");
        assertEquals(List.of(4L), c1.machine.following(c1.kv, 1));
    }

    @Test
    void everyLocalChangeIsInTheOutboxDenselyNumbered() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        c1.follow(u1, 4);
        c1.post(u4, "hello");
        c1.unfollow(u1, 4);
        c1.follow(u1, 99); // refused: no event
        List<OutboxEvent> out = c1.machine.readOutbox(c1.kv, 1, 100);
        assertEquals(List.of(OutboxEvent.Type.USER, OutboxEvent.Type.USER, OutboxEvent.Type.FOLLOW,
                OutboxEvent.Type.POST, OutboxEvent.Type.UNFOLLOW), out.stream().map(OutboxEvent::type).toList());
        for (int i = 0; i < out.size(); i++) {
            assertEquals(i + 1, out.get(i).seq());
        }
        assertEquals(5, c1.machine.outboxHead(c1.kv));
        assertEquals(List.of(3L, 4L), c1.machine.readOutbox(c1.kv, 3, 2).stream().map(OutboxEvent::seq).toList());
        assertEquals("hello", out.get(3).text());
        assertEquals(1, out.get(3).postSeq());
    }

    @Test
    void clockNeverRunsBackwardsAcrossALeaderWithASlowerClock() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        c1.follow(u1, 4);
        long followStamp = c1.clock.millis;
        Command late = new PostCommand(4, u4.token(), c1.nextRequest(u4), "from a leader whose clock is behind")
                .stamp(followStamp - 5_000);
        c1.machine.apply(late, c1.kv);
        List<PostView> timeline = c1.timeline(u1);
        assertEquals(1, timeline.size(), "a post proposed after the follow is after it, whatever the leader's clock");
        assertTrue(timeline.get(0).createdMillis() >= followStamp);
    }

    @Test
    void replicasFedTheSameCommandsEndInIdenticalState() {
        DomainCluster a = new DomainCluster(1, 3);
        Random random = new Random(42);
        List<Session> sessions = new ArrayList<>();
        for (long u = 1; u <= 40; u += 3) {
            sessions.add(a.login(u));
        }
        for (int i = 0; i < 2_000; i++) {
            Session s = sessions.get(random.nextInt(sessions.size()));
            long target = 1 + 3L * random.nextInt(16);
            switch (random.nextInt(4)) {
                case 0 -> a.follow(s, target);
                case 1 -> a.unfollow(s, target);
                default -> a.post(s, "post " + i);
            }
        }
        MemoryKv replica = new MemoryKv();
        SnsStateMachine other = new SnsStateMachine(DomainConfig.of(1, 3));
        for (Command c : a.log) {
            other.apply(c, replica);
        }
        assertEquals(a.digest(), java.util.HexFormat.of().formatHex(other.digest(replica)));
        assertNotEquals(a.digest(), new DomainCluster(1, 3).digest());
    }

    @Test
    void stateOfAnotherClusterIsRefused() {
        c1.login(1);
        SnsStateMachine cluster2 = new SnsStateMachine(DomainConfig.of(2, 3));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cluster2.verifyOwnership(c1.kv));
        assertTrue(e.getMessage().contains("cluster 1 of 3"), e.getMessage());
        SnsStateMachine fourClusters = new SnsStateMachine(DomainConfig.of(1, 4));
        assertThrows(IllegalStateException.class,
                () -> fourClusters.apply(new LoginCommand(5, "t".repeat(20)).stamp(1), c1.kv));
    }

    @Test
    void timelineReadCostDoesNotDependOnHowManyPostsExist() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        c1.follow(u1, 4);
        for (int posts : new int[]{100, 2_000}) {
            while (c1.machine.readOutbox(c1.kv, 1, Integer.MAX_VALUE).size() < posts) {
                c1.post(u4, "p");
            }
            CountingReader counting = new CountingReader(c1.kv);
            assertEquals(20, c1.machine.timeline(counting, u1, 20).posts().size());
            assertEquals(1, counting.scans, "one seek");
            assertTrue(counting.visited <= 20, "visited " + counting.visited + " timeline keys");
            // Over RocksDB each store call is one JNI crossing (a scan: one per step), whatever the number of keys.
            assertEquals(0, counting.gets, "no single gets");
            assertEquals(2, counting.getAlls, "one for the session and the cluster clock, one for the 20 posts");
            assertEquals(2 + 20, counting.keysRead);
            assertEquals(3, counting.calls());

            // As the node reads it: the session checked by the master's clock, then the unchecked read.
            CountingReader gateway = new CountingReader(c1.kv);
            assertEquals(Status.SUCCESS, c1.machine.checkSession(gateway, u1, c1.clock.millis));
            assertEquals(c1.machine.timeline(c1.kv, u1, 20), c1.machine.homeTimeline(gateway, 1, 20));
            assertEquals(3, gateway.calls(), "session, timeline keys, posts");

            CountingReader own = new CountingReader(c1.kv);
            assertEquals(20, c1.machine.userTimeline(own, u1, 4, 20).posts().size());
            assertEquals(1, own.getAlls, "the session and the cluster clock");
            assertEquals(1, own.gets, "the author's record");
            assertEquals(1, own.scans, "the author's newest 20 posts are adjacent keys");
            assertEquals(20, own.visited);
            assertEquals(3, own.calls());
        }
    }

    @Test
    void aSessionCheckIsOneStoreCallAndDecidesAsBefore() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        long ttl = c1.machine.config().sessionTtlMillis();
        long now = c1.clock.millis;
        for (Session s : List.of(u1, u4, new Session(1, u4.token()), new Session(1, "no-such-token-000000"),
                new Session(0, u1.token()), new Session(1, null))) {
            for (long at : new long[]{Long.MIN_VALUE, now, now + ttl - 20, now + ttl, now + ttl + 1, Long.MAX_VALUE}) {
                CountingReader counting = new CountingReader(c1.kv);
                Status status = c1.machine.checkSession(counting, s, at);
                assertEquals(referenceCheckSession(s, at), status, s + " at " + at);
                if (status == Status.SUCCESS) {
                    assertEquals(1, counting.calls(), "the meta record and the session in one getAll");
                } else {
                    assertTrue(counting.calls() <= 2, "a refusal also reads the replaced-session key");
                }
            }
        }
        assertEquals(Status.SESSION_INVALID, c1.machine.checkSession(c1.kv, null, now));
    }

    /** The session rule as it read before issue 13: the cluster clock and the session by two gets. */
    private Status referenceCheckSession(Session s, long nowMillis) {
        if (s.token() == null || s.userId() <= 0) {
            return Status.SESSION_INVALID;
        }
        byte[] meta = c1.kv.get(Keys.META_STATE);
        long now = Math.max(nowMillis, meta == null ? Long.MIN_VALUE : Records.MetaRecord.decode(meta).clockMillis());
        byte[] value = c1.kv.get(Keys.session(s.token()));
        if (value != null) {
            Records.SessionRecord r = Records.SessionRecord.decode(value);
            if (r.userId() == s.userId() && now - r.lastActiveMillis() <= c1.machine.config().sessionTtlMillis()) {
                return Status.SUCCESS;
            }
        }
        byte[] replaced = c1.kv.get(Keys.replacedSession(s.userId()));
        return replaced != null && new String(replaced, java.nio.charset.StandardCharsets.UTF_8).equals(s.token())
                ? Status.SESSION_REPLACED : Status.SESSION_INVALID;
    }

    @Test
    void aUserTimelineWithGapsReadsWhatOnePostAtATimeWouldAndOneMoreScanPerGap() {
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        for (int i = 1; i <= 60; i++) {
            c1.post(u4, "post " + i);
        }
        c1.kv.delete(Keys.post(4, 60));
        c1.kv.delete(Keys.post(4, 58));
        CountingReader counting = new CountingReader(c1.kv);
        var reply = c1.machine.userTimeline(counting, u1, 4, 20);
        assertEquals(referenceUserTimeline(4, 20), reply.posts());
        assertEquals("post 39", reply.posts().get(0).text());
        assertEquals("post 59", reply.posts().get(19).text());
        assertEquals(2, counting.scans, "20 post numbers (18 found), then the 2 still missing");

        Random random = new Random(13);
        for (int round = 0; round < 200; round++) {
            long seq = 1 + random.nextInt(60);
            c1.kv.delete(Keys.post(4, seq));
            int limit = 1 + random.nextInt(30);
            assertEquals(referenceUserTimeline(4, limit), c1.machine.userTimeline(c1.kv, u1, 4, limit).posts(),
                    "round " + round + ", limit " + limit);
        }
        for (long seq = 1; seq <= 60; seq++) {
            c1.kv.delete(Keys.post(4, seq));
        }
        assertEquals(List.of(), c1.machine.userTimeline(c1.kv, u1, 4, 20).posts(), "every post gone");
    }

    /** The user timeline as it read before issue 13: one get per post number down from the last. */
    private List<PostView> referenceUserTimeline(long author, int limit) {
        long last = Records.UserRecord.decode(c1.kv.get(Keys.user(author))).lastPostSeq();
        List<PostView> posts = new ArrayList<>();
        for (long seq = last; seq >= Math.max(1, last - 2L * limit) && posts.size() < limit; seq--) {
            PostView p = c1.machine.post(c1.kv, author, seq);
            if (p != null) {
                posts.add(p);
            }
        }
        java.util.Collections.reverse(posts);
        return posts;
    }

    @Test
    void userTimelineShowsAnAuthorsNewestPostsWhereverTheAuthorLives() {
        DomainCluster c2 = new DomainCluster(2, 3, c1.clock);
        Session u1 = c1.login(1);
        Session u4 = c1.login(4);
        Session u2 = c2.login(2);
        for (int i = 1; i <= 25; i++) {
            c1.post(u4, "local " + i);
        }
        c2.post(u2, "remote 1");
        assertEquals(Status.SUCCESS, c2.syncTo(c1).status());

        var local = c1.machine.userTimeline(c1.kv, u1, 4, 20);
        assertEquals(Status.SUCCESS, local.status());
        assertEquals(20, local.posts().size());
        assertEquals("local 6", local.posts().get(0).text(), "oldest of the newest 20 first");
        assertEquals("local 25", local.posts().get(19).text());
        assertEquals(List.of("remote 1"),
                c1.machine.userTimeline(c1.kv, u1, 2, 20).posts().stream().map(PostView::text).toList(),
                "an author of another cluster, no follow needed");
        assertEquals(List.of(), c1.machine.userTimeline(c1.kv, u4, 1, 20).posts(), "an author with no posts");
        assertEquals(Status.INVALID_USERNAME, c1.machine.userTimeline(c1.kv, u1, 99, 20).status());
        assertEquals(Status.INVALID_USERNAME, c1.machine.userTimeline(c1.kv, u1, -1, 20).status());
        assertEquals(Status.INVALID_COMMAND, c1.machine.userTimeline(c1.kv, u1, 4, 0).status());
        assertEquals(Status.SESSION_INVALID,
                c1.machine.userTimeline(c1.kv, new Session(1, "forged-token-000000"), 4, 20).status());
    }

    @Test
    void followersStayAscendingThroughFollowsAndUnfollowsInAnyOrder() {
        Session u1 = c1.login(1);
        List<Session> fans = new ArrayList<>();
        for (long id : new long[]{13, 4, 22, 7, 10}) {
            fans.add(c1.login(id));
        }
        for (Session fan : fans) {
            assertEquals(Status.SUCCESS, c1.follow(fan, 1).status());
        }
        assertEquals(List.of(4L, 7L, 10L, 13L, 22L), c1.list(u1).followers());
        assertEquals(Status.SUCCESS, c1.unfollow(fans.get(3), 1).status()); // 7, in the middle
        assertEquals(Status.SUCCESS, c1.unfollow(fans.get(1), 1).status()); // 4, the first
        assertEquals(List.of(10L, 13L, 22L), c1.list(u1).followers());
        c1.post(u1, "to 10, 13 and 22");
        for (Session fan : fans) {
            boolean follows = fan.userId() >= 10;
            assertEquals(follows ? List.of("to 10, 13 and 22") : List.of(), c1.timelineTexts(fan), "user " + fan.userId());
        }
        for (int i : new int[]{4, 0, 2}) {
            assertEquals(Status.SUCCESS, c1.unfollow(fans.get(i), 1).status());
        }
        assertEquals(List.of(), c1.list(u1).followers());
        assertEquals(Status.SUCCESS, c1.follow(fans.get(1), 1).status(), "follow again after all left");
        assertEquals(List.of(4L), c1.list(u1).followers());
    }

    @Test
    void aPostReadsFourKeysScansNothingAndWritesTheMetaRecordOnce() {
        Session author = c1.login(1);
        for (long id : new long[]{4, 7, 10}) {
            c1.follow(c1.login(id), 1);
        }
        CountingReader counting = new CountingReader(c1.kv);
        Command post = new PostCommand(1, author.token(), c1.nextRequest(author), "hello").stamp(c1.clock.millis += 10);
        Applied applied = c1.machine.apply(post, counting);
        assertTrue(applied.reply().ok(), applied.reply().toString());
        assertEquals(3, applied.deliveries().size());
        assertEquals(0, counting.scans, "fan-out must not scan");
        assertEquals(4, counting.gets, "meta, session, user, followers");
        assertEquals(1, counting.metaPuts, "one meta write per command");
        // meta, session, user, post, outbox event, one timeline entry per follower
        assertEquals(5 + 3, counting.puts);
    }

    @Test
    void refusedCommandsWriteNothingEvenOnAnEmptyStore() {
        CountingReader counting = new CountingReader(new MemoryKv());
        Applied refused = c1.machine.apply(new PostCommand(1, "t".repeat(20), 1, "x").stamp(5), counting);
        assertEquals(Status.SESSION_INVALID, refused.reply().status());
        assertEquals(0, counting.puts + counting.deletes);
        assertEquals(0, c1.machine.outboxHead(counting));
        c1.login(1);
        int keys = c1.kv.size();
        c1.post(new Session(1, "no-such-token-000000"), "x");
        assertEquals(keys, c1.kv.size());
    }

    @Test
    void stateInTheOlderKeyLayoutIsRefusedClearly() {
        c1.login(1);
        c1.kv.put(Keys.LEGACY_IDENTITY, new byte[8]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c1.machine.verifyOwnership(c1.kv));
        assertTrue(e.getMessage().contains("older key layout"), e.getMessage());
    }

    private String tokenOf(long userId) {
        byte[] t = c1.kv.get(Keys.userSession(userId));
        return new String(t, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Counts what a read (or a command, over a {@link MemoryKv}) touches. */
    private static final class CountingReader implements KvWriter {
        final KvReader inner;
        int scans;
        int visited;
        int gets;
        int getAlls;
        int keysRead;
        int puts;
        int deletes;
        int metaPuts;

        CountingReader(KvReader inner) {
            this.inner = inner;
        }

        @Override
        public byte[] get(byte[] key) {
            gets++;
            keysRead++;
            return inner.get(key);
        }

        @Override
        public List<byte[]> getAll(List<byte[]> keys) {
            getAlls++;
            keysRead += keys.size();
            return inner.getAll(keys);
        }

        /** Calls to the store: over RocksDB, a get or a getAll is one JNI crossing, a scan one per step. */
        int calls() {
            return gets + getAlls + scans;
        }

        @Override
        public void scan(byte[] from, byte[] to, KvVisitor visitor) {
            scans++;
            inner.scan(from, to, (k, v) -> {
                visited++;
                return visitor.visit(k, v);
            });
        }

        @Override
        public void put(byte[] key, byte[] value) {
            puts++;
            if (java.util.Arrays.equals(key, Keys.META_STATE)) {
                metaPuts++;
            }
            ((KvWriter) inner).put(key, value);
        }

        @Override
        public void delete(byte[] key) {
            deletes++;
            ((KvWriter) inner).delete(key);
        }
    }
}
