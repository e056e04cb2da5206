package tinysns.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.rmi.registry.Registry;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.RaftReport;
import tinysns.api.Role;
import tinysns.api.ServerAddress;
import tinysns.api.SyncReport;
import tinysns.api.rmi.RmiEndpoints;

/** The coordinator over real RMI on 127.0.0.1, with ports picked free for each test. */
@Timeout(60)
class CoordinatorServerTest {
    private static final String HOST = "127.0.0.1";

    /** Not on the allow-list: must be refused before it is deserialized on the coordinator. */
    static final class Foreign implements Serializable {
        private static final long serialVersionUID = 1L;
        final String payload = "not an API type";
    }

    private Path dir;

    /**
     * Not JUnit's @TempDir: the build points java.io.tmpdir at target/tmp, which may not exist yet, so the test makes
     * its own directory there.
     */
    @BeforeEach
    void makeDir() throws IOException {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory(tmp, "coordinator-test");
    }

    @AfterEach
    void removeDir() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    static Heartbeat server(int cluster, int member, int registryPort) {
        return new Heartbeat(new ProcessId(ProcessKind.SERVER, cluster, member), HOST, registryPort, null, null);
    }

    private static CoordinatorOptions options(int registryPort, Path dataDir) throws IOException {
        return CoordinatorOptions.defaults().withRegistryPort(registryPort).withExportPort(freePort())
                .withTimings(100, 400).withDataDir(dataDir);
    }

    @Test
    void servesHeartbeatsRoutingAndStatusThroughItsOwnRegistry() throws Exception {
        int registryPort = freePort();
        CoordinatorServer server = new CoordinatorServer(options(registryPort, dir.resolve("data")));
        try {
            server.start();
            CoordinatorService coordinator =
                    RmiEndpoints.lookup(HOST, registryPort, CoordinatorService.REGISTRY_NAME, CoordinatorService.class);
            assertEquals(3, coordinator.clusterCount());
            assertNull(coordinator.getServer(1));

            HeartbeatReply reply = coordinator.heartbeat(null, server(1, 1, 10000));
            assertEquals(Role.MASTER, reply.role());
            assertEquals(3, reply.clusterCount());
            assertEquals(List.of(), reply.orders());
            assertEquals(Role.SLAVE, coordinator.heartbeat(null, server(1, 2, 10001)).role());
            HeartbeatReply syncReply = coordinator.heartbeat(null, new Heartbeat(new ProcessId(ProcessKind.SYNC, 2, 1), HOST,
                    20500, null, new SyncReport(0, Map.of(1, 0L, 3, 0L))));
            assertEquals(Role.MASTER, syncReply.role());
            // Immutable JDK collections (List.of, Map.of, toList()) are what records are naturally built with.
            RaftReport raft = new RaftReport("127.0.0.1:30100", true, 1, 5, 5,
                    List.of("127.0.0.1:30100", "127.0.0.1:30101"), 0);
            assertEquals(Role.MASTER, coordinator.heartbeat(null, new Heartbeat(new ProcessId(ProcessKind.SERVER, 3, 1), HOST,
                    30000, raft, null)).role());

            assertTrue(new ServerAddress(1, HOST, 10000, "sns/cluster-1/node-1").sameServer(coordinator.getServer(4)));
            assertTrue(new ServerAddress(1, HOST, 10000, "sns/cluster-1/node-1").sameServer(coordinator.getClusterMaster(1)));
            assertNull(coordinator.getServer(2));
            List<ProcessStatus> status = coordinator.status();
            assertEquals(4, status.size());
            assertEquals(raft, status.get(3).raft());
            assertTrue(status.stream().allMatch(ProcessStatus::alive));

            // A bad argument is an exception for the caller, not the end of the coordinator.
            assertThrows(IllegalArgumentException.class, () -> coordinator.heartbeat(null, server(7, 1, 70000 % 65536)));

            // Nothing beats any more: within a bounded wait everything is dead and no server is routed to.
            long deadline = System.nanoTime() + 5_000_000_000L;
            // Wait for all of them: the later registrations die a little later than node-1.1.
            while ((coordinator.getServer(1) != null || coordinator.status().stream().anyMatch(ProcessStatus::alive))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertNull(coordinator.getServer(1));
            assertTrue(coordinator.status().stream().noneMatch(ProcessStatus::alive));
        } finally {
            server.close();
        }
        assertThrows(RemoteException.class, () -> RmiEndpoints.registry(HOST, registryPort).list(),
                "its own registry is gone after close");
    }

    @Test
    void refusesForeignClassesAndKeepsServing() throws Exception {
        int registryPort = freePort();
        CoordinatorServer server = new CoordinatorServer(options(registryPort, dir));
        try {
            server.start();
            CoordinatorService coordinator =
                    RmiEndpoints.lookup(HOST, registryPort, CoordinatorService.REGISTRY_NAME, CoordinatorService.class);

            @SuppressWarnings({"rawtypes", "unchecked"})
            Map<Integer, Long> withDate = (Map) new HashMap<Object, Object>(Map.of(1, new Date()));
            Heartbeat dateInside = new Heartbeat(new ProcessId(ProcessKind.SYNC, 1, 1), HOST, 10500, null,
                    new SyncReport(0, withDate));
            RemoteException e1 = assertThrows(RemoteException.class, () -> coordinator.heartbeat(null, dateInside));
            assertTrue(e1.toString().contains("REJECTED") || String.valueOf(e1.getCause()).contains("REJECTED"),
                    "refused by the filter: " + e1);

            @SuppressWarnings({"rawtypes", "unchecked"})
            List<String> withForeign = (List) new ArrayList<Object>(List.of(new Foreign()));
            Heartbeat foreignInside = new Heartbeat(new ProcessId(ProcessKind.SERVER, 1, 1), HOST, 10000,
                    new RaftReport("127.0.0.1:10100", true, 1, 0, 0, withForeign, 0), null);
            assertThrows(RemoteException.class, () -> coordinator.heartbeat(null, foreignInside));

            // Neither reached the core, and the coordinator still serves.
            assertEquals(List.of(), coordinator.status());
            assertEquals(Role.MASTER, coordinator.heartbeat(null, server(1, 1, 10000)).role());
            assertNotNull(coordinator.getServer(1));
        } finally {
            server.close();
        }
    }

    /**
     * With a deployment secret, a heartbeat that does not present it is refused before it reaches the routing table:
     * no one without the secret can register a forged master and hijack a cluster's clients. Client calls need none.
     */
    @Test
    void refusesHeartbeatsWithoutTheDeploymentSecretAndKeepsTheTableUnchanged() throws Exception {
        int registryPort = freePort();
        String secret = "c2VjcmV0LW9mLXRoaXMtZGVwbG95bWVudA==";
        CoordinatorServer server = new CoordinatorServer(options(registryPort, dir), secret);
        try {
            server.start();
            CoordinatorService coordinator =
                    RmiEndpoints.lookup(HOST, registryPort, CoordinatorService.REGISTRY_NAME, CoordinatorService.class);
            for (String wrong : java.util.Arrays.asList(null, "", secret.substring(1), secret + " ",
                    secret.toLowerCase())) {
                SecurityException refused = assertThrows(SecurityException.class,
                        () -> coordinator.heartbeat(wrong, server(1, 1, 10000)), "presented: " + wrong);
                assertTrue(refused.getMessage().contains("deployment secret"), refused.getMessage());
            }
            assertEquals(List.of(), coordinator.status(), "no refused heartbeat registered anyone");
            assertNull(coordinator.getServer(1));

            assertEquals(Role.MASTER, coordinator.heartbeat(secret, server(1, 1, 10000)).role());
            ServerAddress routed = coordinator.getServer(1);
            // A forger claiming to be the master at another address, or its slave, changes nothing.
            assertThrows(SecurityException.class, () -> coordinator.heartbeat("guess", server(1, 1, 6666)));
            assertThrows(SecurityException.class, () -> coordinator.heartbeat(null, server(1, 2, 6667)));
            assertTrue(routed.sameServer(coordinator.getServer(1)), "the forged heartbeats moved nothing");
            assertTrue(new ServerAddress(1, HOST, 10000, "sns/cluster-1/node-1").sameServer(coordinator.getClusterMaster(1)));
            assertEquals(1, coordinator.status().size());
            assertEquals(10000, coordinator.status().get(0).port());
            // Client-facing calls never need the secret.
            assertEquals(3, coordinator.clusterCount());
        } finally {
            server.close();
        }
        assertThrows(IllegalArgumentException.class, () -> new CoordinatorServer(CoordinatorOptions.defaults(), " "));
    }

    @Test
    void bindsIntoAnExistingRegistryAndUnbindsOnClose() throws Exception {
        int registryPort = freePort();
        Registry registry = RmiEndpoints.createRegistry(HOST, registryPort);
        try {
            CoordinatorServer server = new CoordinatorServer(options(registryPort, dir).withCreateRegistry(false));
            try {
                server.start();
                CoordinatorService coordinator = RmiEndpoints.lookup(HOST, registryPort,
                        CoordinatorService.REGISTRY_NAME, CoordinatorService.class);
                assertEquals(3, coordinator.clusterCount());
                assertThrows(IllegalStateException.class, server::start);
            } finally {
                server.close();
            }
            assertThrows(NotBoundException.class, () -> registry.lookup(CoordinatorService.REGISTRY_NAME));
            assertEquals(0, registry.list().length, "the registry itself keeps running");
        } finally {
            RmiEndpoints.unexport(registry);
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirIsRefusedBeforeItTouchesTheRegistry() throws Exception {
        int registryPort = freePort();
        CoordinatorServer first = new CoordinatorServer(options(registryPort, dir.resolve("data")));
        try {
            first.start();
            // Binding into the first one's registry, it would rebind the name over the live coordinator if it got
            // that far; 5 clusters tell the two apart.
            CoordinatorServer second = new CoordinatorServer(options(registryPort, dir.resolve("data"))
                    .withClusters(5).withCreateRegistry(false));
            IllegalStateException refused = assertThrows(IllegalStateException.class, second::start);
            assertEquals("the data directory " + dir.resolve("data").toAbsolutePath() + " is in use by another"
                    + " coordinator (pid " + ProcessHandle.current().pid() + "); stop it first or use another"
                    + " --data-dir", refused.getMessage());
            second.close();
            assertEquals(3, RmiEndpoints.lookup(HOST, registryPort, CoordinatorService.REGISTRY_NAME,
                    CoordinatorService.class).clusterCount(), "the first coordinator is still the one bound");

            // Without a data dir the records are in memory and there is nothing to lock.
            int memoryPort = freePort();
            CoordinatorServer inMemory = new CoordinatorServer(options(memoryPort, null));
            try {
                inMemory.start();
            } finally {
                inMemory.close();
            }
        } finally {
            first.close();
        }
        // Released on close: the same directory serves again.
        CoordinatorServer again = new CoordinatorServer(options(freePort(), dir.resolve("data")));
        try {
            again.start();
        } finally {
            again.close();
        }
    }

    @Test
    void failedStartCleansUp() throws Exception {
        int registryPort = freePort(); // nothing listens there
        CoordinatorServer server = new CoordinatorServer(options(registryPort, dir).withCreateRegistry(false));
        assertThrows(RemoteException.class, server::start);
        server.close();

        Path notADir = Files.writeString(dir.resolve("file"), "x");
        CoordinatorServer badDir = new CoordinatorServer(options(freePort(), notADir));
        assertThrows(IOException.class, badDir::start);
        badDir.close();
    }

    @Test
    void optionsAreValidated() {
        CoordinatorOptions d = CoordinatorOptions.defaults();
        assertEquals("127.0.0.1", d.host());
        assertEquals(9000, d.registryPort());
        assertEquals(9001, d.exportPort());
        assertEquals(500, d.heartbeatMillis());
        assertEquals(2000, d.deadAfterMillis());
        assertEquals(3, d.clusters());
        assertNull(d.dataDir());
        assertTrue(d.createRegistry());
        assertThrows(IllegalArgumentException.class, () -> d.withTimings(500, 500));
        assertThrows(IllegalArgumentException.class, () -> d.withClusters(0));
        assertThrows(IllegalArgumentException.class, () -> d.withRegistryPort(0));
        assertFalse(d.withExportPort(0).exportPort() != 0);
    }
}
