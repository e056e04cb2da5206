package tinysns.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.RemoteException;
import java.rmi.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.ProcessStatus;
import tinysns.api.ServerAddress;
import tinysns.api.rmi.RmiEndpoints;

/**
 * The one way to reach the coordinator: address lists, rotation, learning, and a bound on every attempt — checked
 * against real registries on 127.0.0.1, one of which holds a coordinator that answers nothing (as a paused one).
 */
@Timeout(60)
class CoordinatorLocatorTest {
    private static final String HOST = "127.0.0.1";
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Object> exported = new ArrayList<>();
    private final List<Registry> registries = new ArrayList<>();

    @AfterEach
    void close() {
        release.countDown();
        exported.forEach(o -> RmiEndpoints.unexport((java.rmi.Remote) o));
        registries.forEach(RmiEndpoints::unexport);
    }

    @Test
    void parsesTheCoursePortAndLists() {
        assertEquals(List.of(new CoordinatorLocator.Address(HOST, 9000)), CoordinatorLocator.parse(HOST, "9000"));
        assertEquals(List.of(new CoordinatorLocator.Address(HOST, 9000), new CoordinatorLocator.Address(HOST, 9010)),
                CoordinatorLocator.parse(HOST, "9000, 9010"));
        assertEquals(List.of(new CoordinatorLocator.Address("a", 1), new CoordinatorLocator.Address("b", 2)),
                CoordinatorLocator.parse(HOST, "a:1,b:2"));
        for (String bad : List.of("abc", "", "9000,,9010", "0", "70000", "h:x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CoordinatorLocator.parse(HOST, bad), bad);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), bad);
        }
    }

    @Test
    void aSilentCoordinatorCostsOneBoundedAttemptAndTheNextAnswers() throws Exception {
        int silent = start(new Fake(3, List.of(), true));
        int working = start(new Fake(7, List.of(), false));
        CoordinatorLocator locator = new CoordinatorLocator(List.of(new CoordinatorLocator.Address(HOST, silent),
                new CoordinatorLocator.Address(HOST, working)));
        long started = System.nanoTime();
        assertEquals(7, (int) locator.call(500, CoordinatorService::clusterCount));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(tookMillis < 3000, "took " + tookMillis + " ms");
        assertEquals(new CoordinatorLocator.Address(HOST, working), locator.current());
        started = System.nanoTime();
        assertEquals(7, (int) locator.call(500, CoordinatorService::clusterCount));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) < 400, "the one that answered is kept");
    }

    @Test
    void onlySilentCoordinatorsFailWithinTheBoundEveryTime() throws Exception {
        int silent = start(new Fake(3, List.of(), true));
        CoordinatorLocator locator = new CoordinatorLocator(HOST, silent);
        for (int i = 0; i < 6; i++) {
            long started = System.nanoTime();
            RemoteException e = assertThrows(RemoteException.class,
                    () -> locator.call(300, CoordinatorService::clusterCount));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) < 2000, e.getMessage());
            assertTrue(e.getMessage().contains("did not answer within 300 ms"), e.getMessage());
        }
    }

    @Test
    void learnsTheOtherReplicasFromTheFirstAnswer() throws Exception {
        int second = freePort();
        int first = start(new Fake(1, List.of(HOST + ":" + 1, HOST + ":" + second), false));
        CoordinatorLocator locator = new CoordinatorLocator(HOST, first);
        locator.call(2000, CoordinatorService::clusterCount);
        assertEquals(List.of(new CoordinatorLocator.Address(HOST, first), new CoordinatorLocator.Address(HOST, 1),
                new CoordinatorLocator.Address(HOST, second)), locator.addresses());
    }

    private int start(Fake fake) throws Exception {
        int port = freePort();
        Registry registry = RmiEndpoints.createRegistry(HOST, port);
        registries.add(registry);
        exported.add(fake);
        registry.rebind(CoordinatorService.REGISTRY_NAME, RmiEndpoints.export(fake, HOST, 0));
        return port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    /** A coordinator that answers clusterCount with its number, or (silent) holds every call until the test ends. */
    private final class Fake implements CoordinatorService {
        private final int clusters;
        private final List<String> replicas;
        private final boolean silent;

        Fake(int clusters, List<String> replicas, boolean silent) {
            this.clusters = clusters;
            this.replicas = replicas;
            this.silent = silent;
        }

        private void maybeHang() {
            if (silent) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public ServerAddress getServer(long userId) {
            maybeHang();
            return null;
        }

        @Override
        public ServerAddress getClusterMaster(int cluster) {
            maybeHang();
            return null;
        }

        @Override
        public HeartbeatReply heartbeat(String secret, Heartbeat heartbeat) {
            maybeHang();
            return null;
        }

        @Override
        public List<ProcessStatus> status() {
            maybeHang();
            return List.of();
        }

        @Override
        public int clusterCount() {
            maybeHang();
            return clusters;
        }

        @Override
        public List<String> notices() {
            return List.of();
        }

        @Override
        public List<String> coordinators() {
            maybeHang();
            return replicas;
        }
    }
}
