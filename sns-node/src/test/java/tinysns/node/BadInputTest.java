package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.NodeService;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.SyncService;
import tinysns.api.TimelineListener;
import tinysns.api.rmi.RmiEndpoints;

/**
 * Issue 7 item 4, the API half: the bad-input corpus as a table through the real RMI API of a real node. Each row is a
 * call, the status it must get and a piece of the detail it must carry (docs/security.md §4 lists the same table).
 * After the whole table the state digest is unchanged and the node serves a normal call.
 */
class BadInputTest {
    private static final String MEGABYTE = "x".repeat(1 << 20);
    private static final String NO_SESSION = "no session";
    private static final String NOT_LOGGED_IN = "unknown or expired session";
    private static final String EMPTY = "a post cannot be empty";
    private static final String TOO_LONG = "a post is at most 280 characters";
    private static final String CONTROL = "a post cannot contain control characters";
    private static final String SURROGATE = "a post cannot contain invalid UTF-16 (an unpaired surrogate)";

    @TempDir
    Path dir;

    @FunctionalInterface
    interface Call {
        Object run(NodeService node, Session me) throws Exception;
    }

    record Row(String input, Call call, Status status, String detail) {
    }

    @Test
    void everyBadInputGetsItsDocumentedReplyAndChangesNothing() throws Exception {
        try (TestNode test = new TestNode(dir, ClientLimits.DEFAULTS)) {
            NodeService node = test.node;
            Session me = node.login(1).session();
            assertEquals(Status.SUCCESS, node.login(2).status());
            TimelineListener listener = posts -> { };
            TimelineListener stub = RmiEndpoints.export(listener, TestNode.HOST, 0);
            try {
                List<Row> table = corpus(stub);
                String before = test.digest();
                List<String> problems = new ArrayList<>();
                for (Row row : table) {
                    Object reply = row.call().run(node, me);
                    Status status = statusOf(reply);
                    String detail = reply instanceof Reply r ? r.detail() : null;
                    if (status != row.status()
                            || (row.detail() != null && (detail == null || !detail.contains(row.detail())))) {
                        problems.add(row.input() + ": expected " + row.status() + " «" + row.detail() + "», got "
                                + status + " «" + abbreviate(detail) + "»");
                    }
                }
                assertTrue(problems.isEmpty(), String.join("\n", problems));
                assertEquals(before, test.digest(), "no bad input changed the state");
                // The node keeps serving, and the boundary cases that are allowed are allowed.
                assertEquals(Status.SUCCESS, node.post(me, 1, "x".repeat(280)).status(), "exactly 280 characters");
                assertEquals(Status.SUCCESS, node.post(me, 2, "tab\tand emoji \uD83D\uDE00 and \u0661\u0662").status());
                assertEquals(List.of(1L, 2L), node.list(me).allUsers());
                assertEquals(Status.SUCCESS, node.follow(me, 3, 2).status());
            } finally {
                RmiEndpoints.unexport(listener);
            }
        }
    }

    /** The corpus. User 1 ({@code me}) and user 2 exist; nobody follows anybody. */
    static List<Row> corpus(TimelineListener stub) {
        List<Row> t = new ArrayList<>();
        // ids
        t.add(new Row("login 0", (n, me) -> n.login(0), Status.INVALID_COMMAND, null));
        t.add(new Row("login -1", (n, me) -> n.login(-1), Status.INVALID_COMMAND, null));
        t.add(new Row("login Long.MIN_VALUE", (n, me) -> n.login(Long.MIN_VALUE), Status.INVALID_COMMAND, null));
        for (long id : new long[]{0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 99}) {
            t.add(new Row("follow " + id, (n, me) -> n.follow(me, 1, id), Status.INVALID_USERNAME, "no user " + id));
            t.add(new Row("unfollow " + id, (n, me) -> n.unfollow(me, 1, id), Status.INVALID_USERNAME, "no user " + id));
        }
        t.add(new Row("follow self", (n, me) -> n.follow(me, 1, 1), Status.ALREADY_EXISTS, "yourself"));
        t.add(new Row("unfollow self", (n, me) -> n.unfollow(me, 1, 1), Status.INVALID_USERNAME, "yourself"));
        t.add(new Row("unfollow not followed", (n, me) -> n.unfollow(me, 1, 2), Status.NOT_A_FOLLOWER, "do not follow"));
        // request numbers
        t.add(new Row("request number 0", (n, me) -> n.post(me, 0, "hi"), Status.INVALID_COMMAND, "start at 1"));
        t.add(new Row("request number -1", (n, me) -> n.follow(me, -1, 2), Status.INVALID_COMMAND, "start at 1"));
        // post texts
        t.add(new Row("post empty", (n, me) -> n.post(me, 1, ""), Status.INVALID_COMMAND, EMPTY));
        t.add(new Row("post blanks", (n, me) -> n.post(me, 1, " \t "), Status.INVALID_COMMAND, EMPTY));
        t.add(new Row("post null text", (n, me) -> n.post(me, 1, null), Status.INVALID_COMMAND, EMPTY));
        t.add(new Row("post 281 chars", (n, me) -> n.post(me, 1, "x".repeat(281)), Status.INVALID_COMMAND, TOO_LONG));
        t.add(new Row("post 281 emoji (562 UTF-16 units)", (n, me) -> n.post(me, 1, "\uD83D\uDE00".repeat(281)),
                Status.INVALID_COMMAND, TOO_LONG));
        t.add(new Row("post 1 MB", (n, me) -> n.post(me, 1, MEGABYTE), Status.INVALID_COMMAND, TOO_LONG));
        t.add(new Row("post BEL", (n, me) -> n.post(me, 1, "ring\u0007"), Status.INVALID_COMMAND, CONTROL));
        t.add(new Row("post NUL", (n, me) -> n.post(me, 1, "a\u0000b"), Status.INVALID_COMMAND, CONTROL));
        t.add(new Row("post newline", (n, me) -> n.post(me, 1, "two\nlines"), Status.INVALID_COMMAND, CONTROL));
        t.add(new Row("post ESC (terminal escape)", (n, me) -> n.post(me, 1, "\u001b[2J"), Status.INVALID_COMMAND, CONTROL));
        t.add(new Row("post DEL", (n, me) -> n.post(me, 1, "a\u007f"), Status.INVALID_COMMAND, CONTROL));
        t.add(new Row("post C1 control NEL", (n, me) -> n.post(me, 1, "a\u0085"), Status.INVALID_COMMAND, CONTROL));
        t.add(new Row("post lone high surrogate", (n, me) -> n.post(me, 1, "a\uD800"), Status.INVALID_COMMAND, SURROGATE));
        t.add(new Row("post lone low surrogate", (n, me) -> n.post(me, 1, "\uDC00a"), Status.INVALID_COMMAND, SURROGATE));
        t.add(new Row("post reversed pair", (n, me) -> n.post(me, 1, "\uDE00\uD83D"), Status.INVALID_COMMAND, SURROGATE));
        // null and malformed fields
        t.add(new Row("post null session", (n, me) -> n.post(null, 1, "hi"), Status.INVALID_COMMAND, NO_SESSION));
        t.add(new Row("follow null session", (n, me) -> n.follow(null, 1, 2), Status.INVALID_COMMAND, NO_SESSION));
        t.add(new Row("unfollow null session", (n, me) -> n.unfollow(null, 1, 2), Status.INVALID_COMMAND, NO_SESSION));
        t.add(new Row("logout null session", (n, me) -> n.logout(null), Status.INVALID_COMMAND, null));
        t.add(new Row("keepAlive null session", (n, me) -> n.keepAlive(null), Status.SESSION_INVALID, null));
        t.add(new Row("list null session", (n, me) -> n.list(null), Status.SESSION_INVALID, null));
        t.add(new Row("timeline null session", (n, me) -> n.timeline(null, 20), Status.SESSION_INVALID, null));
        t.add(new Row("subscribe null session", (n, me) -> n.subscribe(null, stub, null), Status.SESSION_INVALID, null));
        t.add(new Row("subscribe null listener", (n, me) -> n.subscribe(me, null, null), Status.INVALID_COMMAND, null));
        Session nullToken = new Session(1, null);
        t.add(new Row("post, token null", (n, me) -> n.post(nullToken, 1, "hi"), Status.SESSION_INVALID, NOT_LOGGED_IN));
        t.add(new Row("follow, token null", (n, me) -> n.follow(nullToken, 1, 2), Status.SESSION_INVALID, NOT_LOGGED_IN));
        t.add(new Row("logout, token null", (n, me) -> n.logout(nullToken), Status.SESSION_INVALID, null));
        t.add(new Row("keepAlive, token null", (n, me) -> n.keepAlive(nullToken), Status.SESSION_INVALID, null));
        t.add(new Row("list, token null", (n, me) -> n.list(nullToken), Status.SESSION_INVALID, null));
        t.add(new Row("timeline, token null", (n, me) -> n.timeline(nullToken, 20), Status.SESSION_INVALID, null));
        t.add(new Row("subscribe, token null", (n, me) -> n.subscribe(nullToken, stub, null), Status.SESSION_INVALID, null));
        t.add(new Row("post, token empty", (n, me) -> n.post(new Session(1, ""), 1, "hi"), Status.SESSION_INVALID,
                NOT_LOGGED_IN));
        t.add(new Row("post, token 1 MB", (n, me) -> n.post(new Session(1, MEGABYTE), 1, "hi"), Status.SESSION_INVALID,
                NOT_LOGGED_IN));
        t.add(new Row("list, token 1 MB", (n, me) -> n.list(new Session(1, MEGABYTE)), Status.SESSION_INVALID, null));
        t.add(new Row("post, user id 0 with my token", (n, me) -> n.post(new Session(0, me.token()), 1, "hi"),
                Status.SESSION_INVALID, NOT_LOGGED_IN));
        t.add(new Row("post, user id -1 with my token", (n, me) -> n.post(new Session(-1, me.token()), 1, "hi"),
                Status.SESSION_INVALID, NOT_LOGGED_IN));
        t.add(new Row("timeline limit 0", (n, me) -> n.timeline(me, 0), Status.INVALID_COMMAND, null));
        t.add(new Row("timeline limit -1", (n, me) -> n.timeline(me, -1), Status.INVALID_COMMAND, null));
        t.add(new Row("subscribe after a post stamped Long.MIN_VALUE",
                (n, me) -> n.subscribe(me, stub, new PostView(2, 1, Long.MIN_VALUE, null)), Status.SUCCESS, null));
        // the synchronization endpoints' null fields (no secret configured on this node)
        t.add(new Row("ingest null list", (n, me) -> ((SyncService) n).ingest(null, 2, null), Status.INVALID_COMMAND,
                "a batch holds"));
        t.add(new Row("ingest list with a null event",
                (n, me) -> ((SyncService) n).ingest(null, 2, listOfOneNull()),
                Status.INVALID_COMMAND, "null event"));
        t.add(new Row("readOutbox from 0", (n, me) -> ((SyncService) n).readOutbox(null, 0, 10, 0),
                Status.INVALID_COMMAND, null));
        t.add(new Row("readOutbox max -1", (n, me) -> ((SyncService) n).readOutbox(null, 1, -1, 0),
                Status.INVALID_COMMAND, null));
        return t;
    }

    private static List<tinysns.api.SyncEvent> listOfOneNull() {
        List<tinysns.api.SyncEvent> events = new ArrayList<>(); // an ArrayList passes the filter, Arrays$ArrayList not
        events.add(null);
        return events;
    }

    private static Status statusOf(Object reply) {
        if (reply instanceof Status s) {
            return s;
        }
        if (reply instanceof Reply r) {
            return r.status();
        }
        if (reply instanceof tinysns.api.LoginReply r) {
            return r.status();
        }
        if (reply instanceof tinysns.api.ListReply r) {
            return r.status();
        }
        if (reply instanceof tinysns.api.TimelineReply r) {
            return r.status();
        }
        if (reply instanceof tinysns.api.OutboxBatch r) {
            return r.status();
        }
        throw new IllegalArgumentException("not a reply: " + reply);
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }
}
