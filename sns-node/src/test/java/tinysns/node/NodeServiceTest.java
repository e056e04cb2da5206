package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.rmi.RemoteException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.LoginReply;
import tinysns.api.NodeService;
import tinysns.api.PostView;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.SyncEvent;
import tinysns.api.SyncService;
import tinysns.api.TimelineListener;
import tinysns.api.rmi.RmiEndpoints;

/**
 * One real server — a single-voter JRaft group on RocksDB in a temp dir, its own RMI registry on a free loopback
 * port — driven through its RMI stub the way clients and synchronizers call it. No coordinator runs: the node keeps
 * serving and only retries its heartbeats.
 */
class NodeServiceTest {
    private static final String HOST = "127.0.0.1";

    @TempDir
    Path dir;

    private TestNode server;
    private NodeService node;
    private SyncService sync;

    @BeforeEach
    void start() throws Exception {
        server = new TestNode(dir, 1, null, ClientLimits.DEFAULTS);
        node = server.node;
        sync = (SyncService) node;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void oneLiveLoginPerUserAndClearRefusals() throws Exception {
        LoginReply first = node.login(1);
        assertEquals(Status.SUCCESS, first.status());
        assertNotNull(first.session());
        assertEquals(32, first.session().token().length(), "128 random bits, hex");
        assertEquals(Status.ALREADY_LOGGED_IN, node.login(1).status(), "its client is alive");
        assertEquals(Status.INVALID_COMMAND, node.login(0).status());
        assertEquals(Status.INVALID_COMMAND, node.login(-1).status());
        assertEquals(Status.SESSION_INVALID, node.keepAlive(new Session(1, "0".repeat(32))));
        assertEquals(Status.SUCCESS, node.logout(first.session()));
        LoginReply again = node.login(1);
        assertEquals(Status.SUCCESS, again.status(), "logged out: may log in at once");
        assertEquals(Status.SESSION_INVALID, node.post(first.session(), 1, "with the old session").status());
    }

    /**
     * The login rule through the real keep-alive path: keep-alives once a second (as the client sends them) keep the
     * user held for longer than the bound, because they touch the replicated session; once they stop, the user is
     * free within the bound, and the old session answers SESSION_REPLACED.
     */
    @Test
    void keepAlivesHoldTheUserPastTheBoundAndItIsFreeWithinTheBoundOnceTheyStop() throws Exception {
        Session first = node.login(1).session();
        long bound = tinysns.domain.DomainConfig.DEFAULT_LIVE_CLIENT_MILLIS;
        long until = System.nanoTime() + Duration.ofMillis(bound + 2_000).toNanos();
        while (System.nanoTime() < until) {
            Thread.sleep(1_000);
            assertEquals(Status.SUCCESS, node.keepAlive(first));
            assertEquals(Status.ALREADY_LOGGED_IN, node.login(1).status(), "its client keeps it alive");
        }
        long stopped = System.nanoTime();
        LoginReply second;
        int refused = 0;
        while ((second = node.login(1)).status() == Status.ALREADY_LOGGED_IN) {
            refused++;
            assertTrue(System.nanoTime() - stopped < Duration.ofMillis(bound + 500).toNanos(),
                    "still refused " + (System.nanoTime() - stopped) / 1_000_000 + " ms after the last keep-alive");
            Thread.sleep(50);
        }
        assertEquals(Status.SUCCESS, second.status());
        assertTrue(refused > 0, "held for a while after its last keep-alive");
        assertEquals(Status.SESSION_REPLACED, node.keepAlive(first));
        assertEquals(Status.SESSION_REPLACED, node.post(first, 1, "from the replaced client").status());
        assertEquals(Status.SUCCESS, node.post(second.session(), 1, "from the new one").status());
    }

    @Test
    void followPostListTimelineAndLivePush() throws Exception {
        Session author = node.login(1).session();
        Session reader = node.login(2).session();
        assertEquals(Status.SUCCESS, node.follow(reader, 1, 1).status());
        List<PostView> pushed = new CopyOnWriteArrayList<>();
        TimelineListener listener = pushed::addAll;
        TimelineListener stub = RmiEndpoints.export(listener, HOST, 0);
        try {
            assertEquals(Status.SUCCESS, node.subscribe(reader, stub, null));
            assertEquals(1, node.post(author, 1, "hello").postSeq());
            assertEquals(2, node.post(author, 2, "again").postSeq());
            assertEquals(2, node.post(author, 2, "again").postSeq(), "a retry answers the first reply");
            assertEquals(Status.STALE_REQUEST, node.post(author, 1, "hello").status(), "older than the last one");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (pushed.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of("hello", "again"), pushed.stream().map(PostView::text).toList());
            assertEquals(List.of(1L, 2L), node.list(reader).allUsers());
            assertEquals(List.of(2L), node.list(author).followers());
            assertEquals(List.of("hello", "again"),
                    node.timeline(reader, 20).posts().stream().map(PostView::text).toList());
            assertEquals(Status.SESSION_INVALID, node.timeline(new Session(2, author.token()), 20).status(),
                    "someone else's token reads nothing");
        } finally {
            RmiEndpoints.unexport(listener);
        }
    }

    @Test
    void foreignClassesAndOversizedArgumentsAreRefusedAndTheNodeKeepsServing() throws Exception {
        Session user = node.login(1).session();
        @SuppressWarnings({"unchecked", "rawtypes"})
        List<SyncEvent> foreign = (List) List.of(new java.util.Date());
        RemoteException refused = assertThrows(RemoteException.class, () -> sync.ingest(null, 2, foreign));
        assertTrue(String.valueOf(refused.getCause()).contains("REJECTED")
                || String.valueOf(refused.getCause()).contains("filter"), String.valueOf(refused.getCause()));
        // JEP 290's maxbytes is checked only when an object, class or array is read, so one huge string arrives
        // whole; the node answers it like any over-long post.
        var huge = node.post(user, 1, "x".repeat(9_000_000));
        assertEquals(Status.INVALID_COMMAND, huge.status());
        assertTrue(huge.detail().contains("at most 280 characters"), huge.detail());
        assertEquals(Status.INVALID_COMMAND, node.post(user, 1, "x".repeat(281)).status(), "over 280 characters");
        assertEquals(Status.INVALID_COMMAND, node.post(user, 1, null).status());
        assertEquals(Status.INVALID_COMMAND, node.follow(null, 1, 2).status());
        assertEquals(Status.SUCCESS, node.post(user, 1, "still serving").status());
        assertEquals(List.of(1L), node.list(user).allUsers());
    }

    @Test
    void synchronizationEndpointsRefuseGapsAndBadOrigins() throws Exception {
        assertEquals(0, sync.cursor(null, 2));
        var gap = sync.ingest(null, 2, List.of(new SyncEvent(5, SyncEvent.Type.USER, 2, 0, 0, 1_700_000_000_000L, null)));
        assertEquals(Status.INVALID_COMMAND, gap.status(), "cluster 2 does not exist in a 1-cluster deployment");
        assertEquals(Status.INVALID_COMMAND, sync.readOutbox(null, 0, 10, 0).status());
        Session user = node.login(1).session();
        var batch = sync.readOutbox(null, 1, 10, 0);
        assertEquals(Status.SUCCESS, batch.status());
        assertEquals(1, batch.head());
        assertEquals(SyncEvent.Type.USER, batch.events().get(0).type());
        long start = System.nanoTime();
        var empty = sync.readOutbox(null, 2, 10, 300);
        assertTrue(empty.events().isEmpty());
        assertTrue(System.nanoTime() - start >= 250_000_000L, "a long poll waits when nothing is new");
        Thread poster = new Thread(() -> {
            try {
                Thread.sleep(200);
                node.post(user, 1, "wakes the poll");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        poster.start();
        start = System.nanoTime();
        var woken = sync.readOutbox(null, 2, 10, 5_000);
        poster.join(5_000);
        assertEquals(1, woken.events().size());
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "returns as soon as the event is committed");
    }

}
