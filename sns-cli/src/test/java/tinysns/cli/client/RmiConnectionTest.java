package tinysns.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.ObjectInputFilter;
import java.net.ServerSocket;
import java.rmi.NoSuchObjectException;
import java.rmi.RemoteException;
import java.rmi.registry.Registry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.NodeService;
import tinysns.api.PostView;
import tinysns.api.ProcessStatus;
import tinysns.api.Reply;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineListener;
import tinysns.api.TimelineReply;
import tinysns.api.rmi.RmiEndpoints;

/**
 * The real RMI path of the client, in one JVM: a filtered registry, a coordinator and a node exported through
 * {@link RmiEndpoints} (serving the in-memory cluster), and the client's exported timeline listener. Checks that the
 * API's filter admits everything the client sends and receives, that pushes arrive through the callback, and that
 * closing unexports the listener (else a client JVM never exits).
 */
@Timeout(60)
class RmiConnectionTest {
    private static final String NODE_NAME = "sns/cluster-1/node-1";

    private final InMemoryCluster cluster = new InMemoryCluster();
    private final List<Throwable> pushFailures = Collections.synchronizedList(new ArrayList<>());
    private Registry registry;
    private NodeDouble node;
    private CoordinatorDouble coordinator;
    private int registryPort;

    @BeforeAll
    static void advertiseLoopback() {
        // Stubs must name the address the objects listen on (RmiEndpoints binds them to 127.0.0.1 here).
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
    }

    @BeforeEach
    void startServices() throws Exception {
        registryPort = freePort();
        registry = RmiEndpoints.createRegistry("127.0.0.1", registryPort);
        node = new NodeDouble();
        coordinator = new CoordinatorDouble();
        registry.rebind(NODE_NAME, RmiEndpoints.export(node, "127.0.0.1", 0));
        registry.rebind(CoordinatorService.REGISTRY_NAME, RmiEndpoints.export(coordinator, "127.0.0.1", 0));
    }

    @AfterEach
    void stopServices() {
        RmiEndpoints.unexport(node);
        RmiEndpoints.unexport(coordinator);
        RmiEndpoints.unexport(registry);
    }

    @Test
    void loginAndCommandsThroughTheApiFilter() {
        cluster.createUsers(4, 9);
        try (ClientSession session = newSession()) {
            assertEquals(LoginOutcome.LOGGED_IN, session.login(1));
            assertEquals(Status.SUCCESS, session.follow(4).status());
            assertEquals(Status.NOT_A_FOLLOWER, session.unfollow(9).status());
            ListReply list = session.list();
            assertEquals(Status.SUCCESS, list.status());
            assertEquals(List.of(1L, 4L, 9L), list.allUsers().stream().sorted().toList());
            assertEquals(List.of(), list.followers());
        }
        assertEquals(Status.SUCCESS, cluster.login(1).status(), "close() logged the user out");
    }

    @Test
    void timelinePushesArriveThroughTheCallbackAndCloseUnexportsIt() throws Exception {
        assumeTrue(apiFilterAdmitsCallbackStubs(), "sns-api's RmiEndpoints.FILTER rejects callback stubs "
                + "(jdk.proxy*.* does not match jdk.proxy2.$ProxyN; the pattern must be jdk.proxy*)");
        cluster.createUsers(4);
        cluster.login(4);
        List<String> notices = Collections.synchronizedList(new ArrayList<>());
        ClientSession session = new ClientSession(new RmiConnection("127.0.0.1", registryPort, "127.0.0.1"),
                new RetryPolicy(2000, 10, 100), 2000, notices::add);
        assertEquals(LoginOutcome.LOGGED_IN, session.login(1));
        assertEquals(Status.SUCCESS, session.follow(4).status());

        cluster.postAs(4, "before timeline");
        List<String> shown = Collections.synchronizedList(new ArrayList<>());
        TimelineFeed feed = new TimelineFeed(post -> shown.add(post.text()));
        assertEquals(Status.SUCCESS, session.enterTimeline(feed, () -> shown.add("--entered--")));
        assertEquals(List.of("--entered--", "before timeline"), shown);

        cluster.postAs(4, "pushed through the callback");
        await(() -> shown.contains("pushed through the callback"));
        assertTrue(pushFailures.isEmpty(), pushFailures.toString());

        session.close();
        assertEquals(List.of(), notices);
        cluster.postAs(4, "after close");
        await(() -> !pushFailures.isEmpty());
        assertInstanceOf(NoSuchObjectException.class, pushFailures.get(0), pushFailures.toString());
        assertEquals(List.of("--entered--", "before timeline", "pushed through the callback"), shown);
    }

    /** Whether a node exported with the API's filter would accept the client's listener stub (a dynamic proxy). */
    private static boolean apiFilterAdmitsCallbackStubs() {
        Class<?> stubClass = java.lang.reflect.Proxy.newProxyInstance(RmiConnectionTest.class.getClassLoader(),
                new Class<?>[] {TimelineListener.class}, (proxy, method, args) -> null).getClass();
        ObjectInputFilter.FilterInfo stub = new ObjectInputFilter.FilterInfo() {
            @Override
            public Class<?> serialClass() {
                return stubClass;
            }

            @Override
            public long arrayLength() {
                return -1;
            }

            @Override
            public long depth() {
                return 1;
            }

            @Override
            public long references() {
                return 1;
            }

            @Override
            public long streamBytes() {
                return 100;
            }
        };
        return RmiEndpoints.FILTER.checkInput(stub) == ObjectInputFilter.Status.ALLOWED;
    }

    private ClientSession newSession() {
        return new ClientSession(new RmiConnection("127.0.0.1", registryPort, "127.0.0.1"),
                new RetryPolicy(2000, 10, 100), 2000, notice -> { });
    }

    @Test
    void noCoordinatorIsACodeMinusOne() {
        ClientSession session = new ClientSession(new RmiConnection("127.0.0.1", freePortOrFail(), "127.0.0.1"),
                new RetryPolicy(500, 10, 100), 500, notice -> { });
        try (session) {
            assertEquals(LoginOutcome.COORDINATOR_UNREACHABLE, session.login(1));
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static int freePortOrFail() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new AssertionError("no free port", e);
        }
    }

    private final class CoordinatorDouble implements CoordinatorService {
        @Override
        public ServerAddress getServer(long userId) {
            return new ServerAddress(1, "127.0.0.1", registryPort, NODE_NAME);
        }

        @Override
        public ServerAddress getClusterMaster(int clusterId) {
            return getServer(1);
        }

        @Override
        public HeartbeatReply heartbeat(String secret, Heartbeat heartbeat) {
            throw new UnsupportedOperationException("not part of this test");
        }

        @Override
        public List<ProcessStatus> status() {
            return List.of();
        }

        @Override
        public int clusterCount() {
            return 1;
        }

        @Override
        public List<String> notices() {
            return List.of();
        }

        @Override
        public List<String> coordinators() {
            return List.of("127.0.0.1:" + registryPort);
        }
    }

    /** A node serving the in-memory cluster over RMI; pushes go back through the client's listener stub. */
    private final class NodeDouble implements NodeService {
        @Override
        public LoginReply login(long userId) {
            return cluster.login(userId);
        }

        @Override
        public Status keepAlive(Session session) {
            return cluster.keepAlive(session);
        }

        @Override
        public Status logout(Session session) {
            return cluster.logout(session);
        }

        @Override
        public Reply follow(Session session, long requestNo, long targetId) {
            return cluster.follow(session, requestNo, targetId);
        }

        @Override
        public Reply unfollow(Session session, long requestNo, long targetId) {
            return cluster.unfollow(session, requestNo, targetId);
        }

        @Override
        public Reply post(Session session, long requestNo, String text) {
            return cluster.post(session, requestNo, text);
        }

        @Override
        public ListReply list(Session session) {
            return cluster.list(session);
        }

        @Override
        public TimelineReply timeline(Session session, int limit) {
            return cluster.timeline(session, limit);
        }

        @Override
        public TimelineReply userTimeline(Session session, long authorId, int limit) {
            throw new UnsupportedOperationException("the course client never reads another user's posts");
        }

        @Override
        public Status subscribe(Session session, TimelineListener listener, PostView after) {
            return cluster.subscribe(session, posts -> {
                try {
                    listener.onPosts(new ArrayList<>(posts));
                } catch (RemoteException e) {
                    pushFailures.add(e);
                }
            }, after);
        }
    }
}
