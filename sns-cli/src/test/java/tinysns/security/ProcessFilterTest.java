package tinysns.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.rmi.NotBoundException;
import java.rmi.Remote;
import java.rmi.registry.Registry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.NodeService;
import tinysns.api.PostView;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.SyncService;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.cli.SnsMain;
import tinysns.cli.client.ConnectFailure;
import tinysns.cli.client.ConnectionLostException;
import tinysns.cli.client.RmiConnection;
import tinysns.coordinator.CoordinatorOptions;
import tinysns.coordinator.CoordinatorServer;
import tinysns.node.NodeOptions;
import tinysns.node.NodeServer;

/**
 * Issue 12 item 6: a JVM filtered as every {@code sns} and {@code tsc} process is ({@link
 * RmiEndpoints#installProcessFilter}, called by their {@code main}). The filter is JVM-global, so this class runs
 * alone in a JVM of its own (the {@code process-filter} surefire execution of this module's pom); the other unit
 * tests run unfiltered.
 * <ul>
 *   <li>A real coordinator, node and client in one filtered JVM still do everything they do — login, follow, post,
 *   LIST, timeline push to the client's callback, {@code sns status} — and the exceptions that legitimately come back
 *   (a wrong deployment secret, a name not bound) arrive as themselves.</li>
 *   <li>A fake coordinator or node answering the client, or {@code sns status}, with a gadget (in a reply or thrown):
 *   the call fails, the gadget is never built.</li>
 * </ul>
 */
@Timeout(120)
class ProcessFilterTest {
    private static final String HOST = "127.0.0.1";
    private static final String SECRET = "dGhlIGRlcGxveW1lbnQncyBzaGFyZWQgc2VjcmV0";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<Remote> exported = new ArrayList<>();

    static final class Gadget implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    static final class GadgetException extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    @BeforeAll
    static void filterThisJvmAsSnsMainDoes() {
        // Only in the JVM made for it: a -Dtest=... selection would otherwise run it beside unfiltered tests.
        Assumptions.assumeTrue(Boolean.getBoolean("sns.test.processFilterJvm"),
                "runs only in the process-filter surefire execution (a JVM of its own)");
        assertTrue(RmiEndpoints.installProcessFilter(), "no other process-wide filter is set");
        // As scripts/sns does: the stubs this JVM exports (the client's callback) name the address they listen on.
        if (System.getProperty("java.rmi.server.hostname") == null) {
            System.setProperty("java.rmi.server.hostname", HOST);
        }
    }

    @AfterEach
    void unexportEverything() {
        exported.forEach(RmiEndpoints::unexport);
        Gadget.deserialized = false;
        GadgetException.deserialized = false;
    }

    @Test
    void aRealDeploymentWorksWhollyUnderTheFilter(@TempDir Path dir) throws Exception {
        int coordinatorPort = freePort();
        int nodePort = freePort();
        int raftPort = freePort();
        CoordinatorServer coordinatorServer = new CoordinatorServer(CoordinatorOptions.defaults()
                .withRegistryPort(coordinatorPort).withExportPort(0).withTimings(200, 1000).withClusters(1)
                .withDataDir(dir.resolve("coordinator")), SECRET);
        NodeServer nodeServer = null;
        try {
            coordinatorServer.start();
            nodeServer = new NodeServer(new NodeOptions(1, 1, 1, HOST, nodePort,
                    List.of(new tinysns.api.client.CoordinatorLocator.Address(HOST, coordinatorPort)), raftPort,
                    List.of(HOST + ":" + raftPort), dir.resolve("node"), Duration.ofMillis(200), Duration.ofMillis(500),
                    SECRET, Duration.ofSeconds(5))).start();
            CoordinatorService coordinator = RmiEndpoints.lookup(HOST, coordinatorPort,
                    CoordinatorService.REGISTRY_NAME, CoordinatorService.class);
            awaitTrue(() -> coordinator.getServer(1) != null, "the node registered as master");

            RmiConnection client = new RmiConnection(HOST, coordinatorPort, HOST);
            try {
                ServerAddress address = client.connect(1);
                assertEquals(nodePort, address.port());
                Session one = client.login(1).session();
                client.connect(2);
                Session two = client.login(2).session();
                assertEquals(Status.SUCCESS, client.follow(two, 1, 1).status());
                List<PostView> pushed = new CopyOnWriteArrayList<>();
                assertEquals(Status.SUCCESS, client.subscribe(two, pushed::addAll, null));
                assertEquals(Status.SUCCESS, client.post(one, 1, "under the filter").status());
                awaitTrue(() -> pushed.size() == 1, "the post reached user 2's callback");
                assertEquals("under the filter", pushed.get(0).text());
                ListReply list = client.list(two);
                assertEquals(List.of(1L, 2L), list.allUsers().stream().sorted().toList());
                assertEquals(1, client.timeline(two, 20).posts().size());
            } finally {
                client.close();
            }
            assertEquals(0, SnsMain.commandLine().execute("status", "-k", "" + coordinatorPort), "sns status");

            // Exceptions that legitimately come back arrive as themselves, not as a refused reply.
            Heartbeat beat = new Heartbeat(new ProcessId(ProcessKind.SYNC, 1, 1), HOST, 10200, null, null);
            SecurityException refused = assertThrows(SecurityException.class,
                    () -> coordinator.heartbeat("wrong", beat));
            assertTrue(refused.getMessage().contains("--secret-file"), refused.getMessage());
            SyncService sync = RmiEndpoints.lookup(HOST, nodePort, "sns/cluster-1/node-1", SyncService.class);
            assertThrows(SecurityException.class, () -> sync.cursor("wrong", 2));
            assertThrows(NotBoundException.class, () -> RmiEndpoints.lookup(HOST, nodePort, "sns/nothing",
                    NodeService.class));
        } finally {
            if (nodeServer != null) {
                nodeServer.close();
            }
            coordinatorServer.close();
        }
    }

    @Test
    void fakeServersCannotSendTheClientGadgets() throws Exception {
        int port = freePort();
        Registry registry = RmiEndpoints.createRegistry(HOST, port);
        exported.add(registry);
        ServerAddress address = new ServerAddress(1, HOST, port, "fake/node");
        boolean[] honestCoordinator = {false};
        Remote fakeCoordinator = stand(CoordinatorService.class, (proxy, method, args) -> switch (method.getName()) {
            case "getServer", "getClusterMaster" -> {
                if (!honestCoordinator[0]) {
                    throw new GadgetException();
                }
                yield address;
            }
            case "clusterCount" -> 1;
            case "status" -> listHolding(new Gadget());
            case "notices" -> List.of();
            default -> throw new UnsupportedOperationException(method.getName());
        });
        Remote fakeNode = stand(NodeService.class, (proxy, method, args) -> switch (method.getName()) {
            case "login" -> new LoginReply(Status.SUCCESS, new Session(1, "0".repeat(32)), null);
            case "list" -> new ListReply(Status.SUCCESS, listHolding(new Gadget()), List.of());
            case "timeline" -> throw new GadgetException();
            case "keepAlive", "logout" -> Status.SUCCESS;
            default -> throw new UnsupportedOperationException(method.getName());
        });
        registry.rebind(CoordinatorService.REGISTRY_NAME, RmiEndpoints.export(fakeCoordinator, HOST, 0));
        exported.add(fakeCoordinator);
        registry.rebind(address.registryName(), RmiEndpoints.export(fakeNode, HOST, 0));
        exported.add(fakeNode);

        RmiConnection client = new RmiConnection(HOST, port, HOST);
        try {
            ConnectFailure failure = assertThrows(ConnectFailure.class, () -> client.connect(1));
            assertEquals(ConnectFailure.Reason.COORDINATOR_UNREACHABLE, failure.reason());
            assertRefusedByTheFilter(failure);

            honestCoordinator[0] = true;
            assertEquals(address, client.connect(1));
            Session session = client.login(1).session();
            assertRefusedByTheFilter(assertThrows(ConnectionLostException.class, () -> client.list(session)));
            assertRefusedByTheFilter(assertThrows(ConnectionLostException.class, () -> client.timeline(session, 20)));
        } finally {
            client.close();
        }
        assertEquals(1, SnsMain.commandLine().execute("status", "-k", "" + port), "sns status gives up");
        assertFalse(Gadget.deserialized || GadgetException.deserialized, "the client built a gadget");
    }

    private static void assertRefusedByTheFilter(Exception failure) {
        assertTrue(HostileRmi.hasCause(failure, InvalidClassException.class, "REJECTED"), HostileRmi.chain(failure));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<Long> listHolding(Object element) {
        List raw = new ArrayList<>();
        raw.add(element);
        return raw;
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

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Check condition, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
