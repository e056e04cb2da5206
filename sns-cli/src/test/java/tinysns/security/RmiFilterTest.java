package tinysns.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tinysns.security.HostileRmi.assertRefused;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.rmi.Remote;
import java.rmi.UnmarshalException;
import java.rmi.registry.Registry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.LoginReply;
import tinysns.api.NodeService;
import tinysns.api.PostView;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.ReplicaProbe;
import tinysns.api.Role;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.SyncEvent;
import tinysns.api.SyncService;
import tinysns.api.TimelineListener;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.cli.client.RmiConnection;
import tinysns.coordinator.CoordinatorOptions;
import tinysns.coordinator.CoordinatorServer;
import tinysns.node.NodeOptions;
import tinysns.node.NodeServer;

/**
 * Issue 7, item 1: every kind of RMI endpoint of Tiny SNS, each the real thing in this JVM on 127.0.0.1 — the
 * registries the coordinator and a node create, the coordinator, a node's NodeService / SyncService / ReplicaProbe
 * export, and the timeline callback the real client ({@link RmiConnection}) exports — is sent a foreign class whose
 * readObject would set a flag, a HashSet bomb, a graph deeper than maxdepth and an array longer than maxarray. Each is
 * refused by the endpoint's serialization filter before it is built (the flag stays false), and the endpoint answers
 * its next ordinary call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class RmiFilterTest {
    private static final String HOST = "127.0.0.1";
    private static final String SECRET = "dGhlIGRlcGxveW1lbnQncyBzaGFyZWQgc2VjcmV0";
    private static final PostView POST = new PostView(1, 1, 1_700_000_000_000L, "hello");

    private CoordinatorServer coordinatorServer;
    private NodeServer nodeServer;
    private Registry clientSideRegistry;
    private Remote fakeCoordinator;
    private Remote fakeNode;
    private RmiConnection client;

    private int coordinatorRegistryPort;
    private int nodeRegistryPort;
    private CoordinatorService coordinator;
    private NodeService node;
    private final AtomicReference<TimelineListener> clientCallback = new AtomicReference<>();
    private final List<PostView> pushedToClient = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        coordinatorRegistryPort = freePort();
        coordinatorServer = new CoordinatorServer(CoordinatorOptions.defaults().withRegistryPort(coordinatorRegistryPort)
                .withExportPort(0).withTimings(200, 1000).withClusters(2).withDataDir(dir.resolve("coordinator")),
                SECRET);
        coordinatorServer.start();
        coordinator = RmiEndpoints.lookup(HOST, coordinatorRegistryPort, CoordinatorService.REGISTRY_NAME,
                CoordinatorService.class);

        nodeRegistryPort = freePort();
        int raftPort = freePort();
        nodeServer = new NodeServer(new NodeOptions(1, 1, 2, HOST, nodeRegistryPort,
                List.of(new tinysns.api.client.CoordinatorLocator.Address(HOST, coordinatorRegistryPort)),
                raftPort, List.of(HOST + ":" + raftPort), dir.resolve("node"), Duration.ofMillis(200),
                Duration.ofMillis(500), SECRET, Duration.ofSeconds(5))).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!nodeServer.replica().isLeader() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(nodeServer.replica().isLeader(), "a single voter elects itself");
        node = RmiEndpoints.lookup(HOST, nodeRegistryPort, "sns/cluster-1/node-1", NodeService.class);

        startClientCallback();
    }

    /**
     * The real client's callback: {@link RmiConnection} talks to a stand-in coordinator and node (in a registry of
     * their own) whose subscribe hands the test the listener stub the client exported.
     */
    private void startClientCallback() throws Exception {
        int port = freePort();
        clientSideRegistry = RmiEndpoints.createRegistry(HOST, port);
        ServerAddress address = new ServerAddress(1, HOST, port, "test/node");
        fakeCoordinator = stand(CoordinatorService.class, (proxy, method, args) -> switch (method.getName()) {
            case "getServer", "getClusterMaster" -> address;
            case "clusterCount" -> 1;
            default -> throw new UnsupportedOperationException(method.getName());
        });
        fakeNode = stand(NodeService.class, (proxy, method, args) -> switch (method.getName()) {
            case "subscribe" -> {
                clientCallback.set((TimelineListener) args[1]);
                yield Status.SUCCESS;
            }
            case "login" -> new LoginReply(Status.SUCCESS, new Session(1, "0".repeat(32)), null);
            case "keepAlive", "logout" -> Status.SUCCESS;
            default -> throw new UnsupportedOperationException(method.getName());
        });
        clientSideRegistry.rebind(CoordinatorService.REGISTRY_NAME, RmiEndpoints.export(fakeCoordinator, HOST, 0));
        clientSideRegistry.rebind(address.registryName(), RmiEndpoints.export(fakeNode, HOST, 0));

        client = new RmiConnection(HOST, port, HOST);
        client.connect(1);
        assertEquals(Status.SUCCESS, client.subscribe(new Session(1, "0".repeat(32)), pushedToClient::addAll, null));
        assertNotNull(clientCallback.get(), "the client handed its exported callback over");
    }

    @SuppressWarnings("unchecked")
    private static <T extends Remote> T stand(Class<T> type, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> type.getSimpleName() + " stand-in";
                };
            }
            return handler.invoke(proxy, method, args);
        });
    }

    @AfterAll
    void stop() {
        if (client != null) {
            client.close();
        }
        for (Remote exported : Arrays.asList(fakeCoordinator, fakeNode, clientSideRegistry)) {
            if (exported != null) {
                RmiEndpoints.unexport(exported);
            }
        }
        if (nodeServer != null) {
            nodeServer.close();
        }
        if (coordinatorServer != null) {
            coordinatorServer.close();
        }
    }

    @Test
    void theGadgetWouldFireWithoutAFilter() throws Exception {
        assertTrue(HostileRmi.gadgetFiresWithoutAFilter(), "else the flag below proves nothing");
    }

    @Test
    void theComputedMethodHashIsRmis() throws Exception {
        // Ordinary calls made by hand with the computed hash are served: the hostile calls reach the real method.
        assertEquals(2, HostileRmi.invokeTyped(coordinator, CoordinatorService.class.getMethod("clusterCount")));
        ServerAddress byHand = (ServerAddress) HostileRmi.invokeTyped(coordinator,
                CoordinatorService.class.getMethod("getServer", long.class), 1L);
        assertTrue(coordinator.getServer(1).sameServer(byHand), byHand.toString());
    }

    @Test
    void registriesRefuseHostileBindsAndLookupsAndKeepServing() throws Exception {
        Method bind = Registry.class.getMethod("bind", String.class, Remote.class);
        Method lookup = Registry.class.getMethod("lookup", String.class);
        for (int port : new int[] {coordinatorRegistryPort, nodeRegistryPort}) {
            Registry registry = RmiEndpoints.registry(HOST, port);
            for (Map.Entry<String, Object> payload : HostileRmi.payloads().entrySet()) {
                assertRefused("registry " + port + " bind: " + payload.getKey(), registry, bind,
                        new Object[] {"attack", null}, 1, payload.getValue());
                // lookup's one argument is read as a String only: nothing else is ever deserialized there.
                HostileRmi.Gadget.deserialized = false;
                Throwable refused = HostileRmi.sendUntilJudged(registry, lookup, payload.getValue());
                assertNotNull(refused, "registry lookup answered a " + payload.getKey());
                assertTrue(HostileRmi.hasCause(refused, UnmarshalException.class, null), HostileRmi.chain(refused));
                assertFalse(HostileRmi.Gadget.deserialized, "registry lookup: " + payload.getKey());
            }
            assertFalse(Arrays.asList(registry.list()).contains("attack"));
        }
        assertEquals(2, RmiEndpoints.lookup(HOST, coordinatorRegistryPort, CoordinatorService.REGISTRY_NAME,
                CoordinatorService.class).clusterCount());
        assertNotNull(RmiEndpoints.lookup(HOST, nodeRegistryPort, "sns/cluster-1/node-1", NodeService.class));
    }

    @Test
    void coordinatorRefusesHostileHeartbeatsAndKeepsServing() throws Exception {
        Method heartbeat = CoordinatorService.class.getMethod("heartbeat", String.class, Heartbeat.class);
        for (Map.Entry<String, Object> payload : HostileRmi.payloads().entrySet()) {
            assertRefused("coordinator heartbeat: " + payload.getKey(), coordinator, heartbeat,
                    new Object[] {SECRET, null}, 1, payload.getValue());
        }
        Heartbeat beat = new Heartbeat(new ProcessId(ProcessKind.SYNC, 2, 1), HOST, 20200, null, null);
        assertEquals(Role.MASTER, coordinator.heartbeat(SECRET, beat).role());
        assertTrue(coordinator.status().stream().anyMatch(row -> row.id().equals(beat.id())));
    }

    @Test
    void nodeRefusesHostileClientArgumentsAndKeepsServing() throws Exception {
        Session session = node.login(7).session();
        Method subscribe = NodeService.class.getMethod("subscribe", Session.class, TimelineListener.class,
                PostView.class);
        Method post = NodeService.class.getMethod("post", Session.class, long.class, String.class);
        for (Map.Entry<String, Object> payload : HostileRmi.payloads().entrySet()) {
            assertRefused("node subscribe listener: " + payload.getKey(), node, subscribe,
                    new Object[] {session, null, null}, 1, payload.getValue());
            assertRefused("node subscribe after: " + payload.getKey(), node, subscribe,
                    new Object[] {session, null, null}, 2, payload.getValue());
            assertRefused("node post session: " + payload.getKey(), node, post,
                    new Object[] {null, 1L, "text"}, 0, payload.getValue());
        }
        assertEquals(Status.SUCCESS, node.post(session, 1, "still serving").status());
        assertTrue(node.list(session).allUsers().contains(7L));
        // ReplicaProbe shares this export (and so its filter); it takes no arguments, so nothing is deserialized
        // for it: it only has to keep answering.
        assertEquals(1, ((ReplicaProbe) node).replicaState().cluster());
    }

    @Test
    void syncEndpointsRefuseHostileBatchesAndKeepServing() throws Exception {
        SyncService sync = (SyncService) node;
        Method ingest = SyncService.class.getMethod("ingest", String.class, int.class, List.class);
        for (Map.Entry<String, Object> payload : HostileRmi.payloads().entrySet()) {
            assertRefused("sync ingest: " + payload.getKey(), sync, ingest, new Object[] {SECRET, 2, null}, 2,
                    payload.getValue());
        }
        assertEquals(0, sync.cursor(SECRET, 2), "nothing was ingested");
        var event = new SyncEvent(1, SyncEvent.Type.USER, 2, 0, 0, 1_700_000_000_000L, null);
        assertEquals(Status.SUCCESS, sync.ingest(SECRET, 2, List.of(event)).status());
        assertEquals(1, sync.cursor(SECRET, 2));
    }

    @Test
    void clientTimelineCallbackRefusesHostilePushesAndKeepsServing() throws Exception {
        TimelineListener callback = clientCallback.get();
        Method onPosts = TimelineListener.class.getMethod("onPosts", List.class);
        for (Map.Entry<String, Object> payload : HostileRmi.payloads().entrySet()) {
            assertRefused("client callback: " + payload.getKey(), callback, onPosts, new Object[] {null}, 0,
                    payload.getValue());
        }
        assertEquals(List.of(), pushedToClient, "nothing hostile reached the client");
        callback.onPosts(List.of(POST));
        assertEquals(List.of(POST), pushedToClient);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
