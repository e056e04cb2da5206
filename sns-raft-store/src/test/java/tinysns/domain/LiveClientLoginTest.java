package tinysns.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.codec.CommandCodec;

/**
 * The login rule (issue 11, item 3): a second login of a user is refused while a live client holds the user's
 * session, judged from the replicated stamps alone, so a new leader after a failover decides as the old one would
 * have; a session that a login did replace answers SESSION_REPLACED, not "unknown".
 */
class LiveClientLoginTest {
    private static final long BOUND = DomainConfig.DEFAULT_LIVE_CLIENT_MILLIS;
    private final DomainCluster c1 = new DomainCluster(1, 3);

    private Status login(long user, String token) {
        return c1.apply(new LoginCommand(user, token)).reply().status();
    }

    /** DomainCluster.apply adds 10 ms before stamping: set the clock so the next command is stamped {@code at}. */
    private void nextStampAt(long at) {
        c1.clock.millis = at - 10;
    }

    @Test
    void aSecondLoginIsRefusedUntilTheFirstSessionWentUnstampedForTheBound() {
        Session first = c1.login(1);
        long loggedIn = c1.clock.millis;
        String before = c1.digest();
        nextStampAt(loggedIn + BOUND - 1);
        assertEquals(Status.ALREADY_LOGGED_IN, login(1, "second-token-00000001"));
        assertEquals(before, c1.digest(), "a refused login changes nothing, not even the clock");
        assertTrue(c1.machine.heldByLiveClient(c1.kv, 1, loggedIn + BOUND - 1));
        assertFalse(c1.machine.heldByLiveClient(c1.kv, 1, loggedIn + BOUND));

        nextStampAt(loggedIn + BOUND);
        assertEquals(Status.SUCCESS, login(1, "second-token-00000002"));
        Session second = new Session(1, "second-token-00000002");
        assertEquals(Status.SESSION_REPLACED, c1.post(first, "from the replaced client").reply().status());
        assertEquals(Status.SESSION_REPLACED, c1.machine.checkSession(c1.kv, first));
        assertEquals(Status.SESSION_REPLACED, c1.list(first).status());
        assertEquals(Status.SESSION_REPLACED, c1.apply(new TouchCommand(1, first.token())).reply().status());
        assertEquals(Status.SUCCESS, c1.post(second, "from the new one").reply().status());
        assertEquals(Status.SESSION_INVALID, c1.machine.checkSession(c1.kv, new Session(1, "forged-token-000000001")),
                "a token no login of user 1 issued is not 'replaced'");
        assertEquals(Status.SESSION_INVALID, c1.machine.checkSession(c1.kv, new Session(4, first.token())),
                "nor is user 1's old token presented for user 4");
    }

    @Test
    void writesAndTouchesKeepTheSessionHeldAndTheBoundRunsFromTheLastOfThem() {
        Session u1 = c1.login(1);
        long start = c1.clock.millis;
        long touchAfter = c1.machine.config().touchAfterMillis();
        assertEquals(1_500, touchAfter, "with the defaults, every second keep-alive (one a second) of an idle client");
        long last = start;
        for (long t = start + 2_000; t <= start + 20_000; t += 2_000) {
            nextStampAt(t);
            Command touchOrPost = t % 4_000 == 0 ? new TouchCommand(1, u1.token())
                    : new PostCommand(1, u1.token(), c1.nextRequest(u1), "at " + t);
            assertEquals(Status.SUCCESS, c1.apply(touchOrPost).reply().status());
            last = t;
            nextStampAt(t + 1_999);
            assertEquals(Status.ALREADY_LOGGED_IN, login(1, "other-token-" + t), "at " + (t - start) + " ms");
        }
        nextStampAt(last + BOUND - 1);
        assertEquals(Status.ALREADY_LOGGED_IN, login(1, "other-token-late-0001"));
        nextStampAt(last + BOUND);
        assertEquals(Status.SUCCESS, login(1, "other-token-late-0002"), "the client is gone: the user may log in");
    }

    @Test
    void aLeaderStartGivesSessionsThatWereLiveTheBoundAgainHoweverLongTheFailoverTook() {
        Session live = c1.login(1);
        long liveStamp = c1.clock.millis;
        c1.clock.millis += 3 * BOUND;
        Session gone = c1.login(4); // idle since: its client died before the failover
        long goneStamp = c1.clock.millis;
        nextStampAt(goneStamp + BOUND + 500);
        c1.login(7); // the last command the old leader committed
        long lastCommit = c1.clock.millis;
        assertTrue(lastCommit - liveStamp > BOUND, "the live one is already past the bound by its own stamp");
        c1.post(live, "keeps it live"); // (so it is live at the last commit after all)
        long liveAgain = c1.clock.millis;

        // A failover of 30 s (the course's timings, or a coordinator that was down too): no stamps meanwhile.
        long leaderStart = liveAgain + 30_000;
        nextStampAt(leaderStart);
        assertEquals(Status.SUCCESS, c1.apply(new LeaderStartCommand()).reply().status());

        nextStampAt(leaderStart + BOUND - 1);
        assertEquals(Status.ALREADY_LOGGED_IN, login(1, "second-token-of-user1"),
                "30 s without a stamp, but live when the old leader went: its client gets the bound to come back");
        nextStampAt(leaderStart + BOUND - 1 + 10);
        assertEquals(Status.SUCCESS, login(4, "second-token-of-user4"),
                "user 4's client was gone before the old leader went: no grace");
        nextStampAt(leaderStart + BOUND);
        assertEquals(Status.SUCCESS, login(1, "third-token-of-user1"), "the client never came back");
        assertEquals(Status.SESSION_REPLACED, c1.post(live, "too late").reply().status());
        assertEquals(Status.SESSION_REPLACED, c1.post(gone, "too late").reply().status());
    }

    @Test
    void aClientThatReachesTheNewLeaderAndTouchesKeepsItsUser() {
        Session u1 = c1.login(1);
        long stamp = c1.clock.millis;
        nextStampAt(stamp + 10_000);
        c1.apply(new LeaderStartCommand());
        nextStampAt(stamp + 10_500);
        assertEquals(Status.SUCCESS, c1.apply(new TouchCommand(1, u1.token())).reply().status(), "it reconnected");
        nextStampAt(stamp + 10_500 + BOUND - 1);
        assertEquals(Status.ALREADY_LOGGED_IN, login(1, "second-token-00000003"),
                "past the grace, held by its touch on the new leader");
    }

    @Test
    void leaderStartsInARowKeepTheGraceOfTheClientsLiveBeforeTheFirst() {
        Session u1 = c1.login(1);
        long stamp = c1.clock.millis;
        nextStampAt(stamp + 20_000);
        c1.apply(new LeaderStartCommand());
        nextStampAt(stamp + 20_005);
        c1.apply(new LeaderStartCommand()); // proposed twice, or a second leader change before any other command
        nextStampAt(stamp + 20_005 + BOUND - 1);
        assertEquals(Status.ALREADY_LOGGED_IN, login(1, "second-token-00000004"),
                "the second start's clock-before is the first start, not a client's stamp: the grace holds");
        nextStampAt(stamp + 20_005 + BOUND);
        assertEquals(Status.SUCCESS, login(1, "second-token-00000005"));
        assertEquals(Status.SESSION_REPLACED, c1.machine.checkSession(c1.kv, u1));
    }

    @Test
    void aLeaderStartMovesNeitherTheClockNorTheDigest() {
        Session u1 = c1.login(1);
        long clock = c1.clock.millis;
        String before = c1.digest();
        nextStampAt(clock + 60_000);
        assertEquals(Status.SUCCESS, c1.apply(new LeaderStartCommand()).reply().status());
        assertEquals(before, c1.digest(), "a restart that only elects leaders leaves the digest as it was");
        assertEquals(Status.SUCCESS, c1.machine.checkSession(c1.kv, u1));
        assertTrue(c1.machine.sessionNeedsTouch(c1.kv, u1, clock + c1.machine.config().touchAfterMillis()),
                "judged by the cluster clock, which the start did not move");
        assertFalse(c1.machine.sessionNeedsTouch(c1.kv, u1, clock + c1.machine.config().touchAfterMillis() - 1));
    }

    @Test
    void replayingTheSameLogGivesTheSameDecisions() {
        DomainCluster other = new DomainCluster(1, 3, c1.clock);
        aLeaderStartGivesSessionsThatWereLiveTheBoundAgainHoweverLongTheFailoverTook();
        for (Command command : c1.log) {
            other.machine.apply(command, other.kv);
        }
        assertEquals(c1.digest(), other.digest());
    }

    @Test
    void aLoginEntryOfAnOlderBuildReplacesALiveSessionAsItDidThen() {
        Session u1 = c1.login(1);
        LoginCommOld old = new LoginCommOld(1, "old-build-token-000001");
        old.stamp(c1.clock.millis + 10);
        LoginCommand decoded = (LoginCommand) CommandCodec.decode(old.asOldLoginEntry());
        assertFalse(decoded.exclusive(), "an entry without the field is an old, replacing login");
        assertEquals("old-build-token-000001", decoded.token());
        assertTrue(new LoginCommand(1, "x".repeat(20)).exclusive(), "this build's logins are exclusive");
        assertTrue(((LoginCommand) CommandCodec.decode(CommandCodec.encode(new LoginCommand(1, "x".repeat(20)).stamp(1))))
                .exclusive(), "and stay so through the log");

        assertEquals(Status.SUCCESS, c1.machine.apply(decoded, c1.kv).reply().status(),
                "applied as the build that wrote it did: the live session is replaced");
        assertEquals(Status.SESSION_INVALID, c1.machine.checkSession(c1.kv, u1),
                "and, as then, no record says by whom");
    }
}
