package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.NodeService;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineListener;
import tinysns.api.rmi.RmiEndpoints;

/**
 * Issue 7 item 2: a caller who knows a user's id but not that user's current token acts as nobody. Through the real
 * RMI API of a real node, every operation a session allows — post, follow, unfollow, list, timeline, subscribe,
 * keep-alive, logout — is refused {@code SESSION_INVALID} for a forged token, another user's valid token, an expired
 * session, a logged-out token and a token replaced by a newer login; the state digest does not move, and the real
 * sessions keep working.
 */
class ActingAsSomeoneElseTest {
    private static final String REFUSAL_DETAIL = "not logged in as user 2 (unknown or expired session)";

    @TempDir
    Path dir;

    /** Victim is user 2 (follows 3, so an unfollow would change something); the attacker is user 1. */
    @Test
    void noTokenButTheVictimsCurrentOneActsAsTheVictim() throws Exception {
        try (TestNode test = new TestNode(dir, ClientLimits.DEFAULTS)) {
            NodeService node = test.node;
            Session attacker = node.login(1).session();
            Session victimFirst = node.login(2).session();
            Session author = node.login(3).session();
            assertEquals(Status.SUCCESS, node.follow(victimFirst, 1, 3).status());
            assertEquals(Status.SUCCESS, node.post(author, 1, "for the victim's eyes").status());

            // A token after logout, then a token replaced by a re-login (one session per user).
            assertEquals(Status.SUCCESS, node.logout(victimFirst));
            Session victimSecond = node.login(2).session();
            node.logout(victimSecond); // logout frees the user at once: the next login is not "already logged in"
            Session victim = node.login(2).session();
            assertEquals(Status.SUCCESS, node.keepAlive(victim));

            Map<String, Session> forgeries = new LinkedHashMap<>();
            forgeries.put("random token", new Session(2, HexFormat.of().formatHex(new SecureRandom().generateSeed(16))));
            forgeries.put("user 1's valid token with user 2's id", new Session(2, attacker.token()));
            forgeries.put("user 2's token after logout", victimFirst);
            forgeries.put("user 2's token replaced by a re-login", new Session(2, victimSecond.token()));
            forgeries.put("the victim's token with one character changed", new Session(2, flipLast(victim.token())));
            forgeries.put("the victim's token upper-cased", new Session(2, victim.token().toUpperCase()));

            String before = test.digest();
            for (Map.Entry<String, Session> forgery : forgeries.entrySet()) {
                assertActsAsNobody(node, forgery.getKey(), forgery.getValue(), 3);
            }
            assertEquals(before, test.digest(), "no refused call changed anything");

            // The real sessions are untouched by all of that.
            assertEquals(List.of("for the victim's eyes"), texts(node.timeline(victim, 20).posts()));
            assertEquals(Status.SUCCESS, node.post(victim, 1, "really me").status());
            assertEquals(Status.SUCCESS, node.post(attacker, 1, "really user 1").status());
        }
    }

    /**
     * Sessions expire after their time to live without use, judged by command stamps for writes and by the master's
     * wall clock for reads; a live client's keep-alives touch its session so it never expires while the client runs.
     */
    @Test
    void anExpiredSessionActsAsNobodyButKeepAlivesKeepALiveClientsSession() throws Exception {
        Duration ttl = Duration.ofMillis(1200);
        try (TestNode test = new TestNode(dir, ClientLimits.DEFAULTS.withSessionTtl(ttl))) {
            NodeService node = test.node;
            Session idle = node.login(2).session();
            Session author = node.login(3).session();
            assertEquals(Status.SUCCESS, node.follow(idle, 1, 3).status());
            Session reader = node.login(4).session();
            assertEquals(Status.SUCCESS, node.follow(reader, 1, 3).status());

            // The reader only reads (a client in timeline mode) but keeps calling keepAlive, as every client does.
            long until = System.nanoTime() + ttl.multipliedBy(3).toNanos();
            while (System.nanoTime() < until) {
                assertEquals(Status.SUCCESS, node.keepAlive(reader));
                Thread.sleep(100);
            }
            assertEquals(Status.SUCCESS, node.timeline(reader, 20).status(), "kept alive by its keep-alives");
            assertEquals(Status.SUCCESS, node.post(reader, 2, "still me after 3 lifetimes").status());

            // The author's session expired too (it was quiet); nothing moved the cluster clock during the last
            // lifetime except the reader's writes.
            String before = test.digest();
            assertActsAsNobody(node, "an expired session", idle, 3);
            assertEquals(before, test.digest(), "no refused call changed anything");
            assertEquals(Status.SESSION_INVALID, node.post(author, 2, "expired").status());

            // An expired user logs in again (its client is gone) and goes on.
            Session again = node.login(2).session();
            assertEquals(Status.SUCCESS, node.post(again, 1, "back").status());
        }
    }

    /** Every operation of {@code forged} (acting for user 2) is refused SESSION_INVALID with the documented detail. */
    private static void assertActsAsNobody(NodeService node, String what, Session forged, long followed)
            throws Exception {
        List<String> problems = new ArrayList<>();
        check(problems, what + ": post", node.post(forged, 1_000, "as someone else"));
        check(problems, what + ": follow", node.follow(forged, 1_001, 1));
        check(problems, what + ": unfollow", node.unfollow(forged, 1_002, followed));
        check(problems, what + ": list", node.list(forged).status());
        check(problems, what + ": timeline", node.timeline(forged, 20).status());
        check(problems, what + ": keepAlive", node.keepAlive(forged));
        check(problems, what + ": logout", node.logout(forged));
        List<PostView> stolen = new CopyOnWriteArrayList<>();
        TimelineListener listener = stolen::addAll;
        TimelineListener stub = RmiEndpoints.export(listener, TestNode.HOST, 0);
        try {
            check(problems, what + ": subscribe", node.subscribe(forged, stub, null));
            Thread.sleep(100);
            if (!stolen.isEmpty()) {
                problems.add(what + ": subscribe pushed " + stolen);
            }
        } finally {
            RmiEndpoints.unexport(listener);
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static void check(List<String> problems, String what, Reply reply) {
        if (reply.status() != Status.SESSION_INVALID || !REFUSAL_DETAIL.equals(reply.detail())) {
            problems.add(what + " answered " + reply);
        }
    }

    private static void check(List<String> problems, String what, Status status) {
        if (status != Status.SESSION_INVALID) {
            problems.add(what + " answered " + status);
        }
    }

    private static String flipLast(String token) {
        char last = token.charAt(token.length() - 1);
        return token.substring(0, token.length() - 1) + (last == '0' ? '1' : '0');
    }

    private static List<String> texts(List<PostView> posts) {
        return posts.stream().map(PostView::text).toList();
    }
}
