package tinysns.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.OutboxBatch;
import tinysns.api.ProcessStatus;
import tinysns.api.Reply;
import tinysns.api.ServerAddress;
import tinysns.api.Status;
import tinysns.api.SyncEvent;
import tinysns.api.SyncService;
import tinysns.api.rmi.CallKind;
import tinysns.api.rmi.RmiEndpoints;

/**
 * The one way to reach a cluster, against real RMI on 127.0.0.1: a coordinator whose answers the test sets, and
 * masters that answer, answer NOT_MASTER, or never answer (as a paused process).
 */
@Timeout(60)
class ClusterMastersTest {
    private static final String HOST = "127.0.0.1";
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<java.rmi.Remote> exported = new ArrayList<>();
    private final List<Registry> registries = new ArrayList<>();
    private final AtomicReference<ServerAddress> named = new AtomicReference<>();
    private final AtomicInteger routingCalls = new AtomicInteger();

    @AfterEach
    void close() {
        release.countDown();
        exported.forEach(RmiEndpoints::unexport);
        registries.forEach(RmiEndpoints::unexport);
    }

    @Test
    void aSilentMasterIsGivenUpOnceAndTheNewOneServesAsSoonAsTheCoordinatorNamesIt() throws Exception {
        Master silent = start(new Master(42, Mode.SILENT));
        Master good = start(new Master(7, Mode.ANSWER));
        ClusterMasters masters = new ClusterMasters(coordinator());
        named.set(silent.address(5, 0));
        Thread failover = new Thread(() -> {
            try {
                // Paused at 0: a second later the coordinator has missed two heartbeats; after its dead-after and a
                // reset, it names the partner with a newer term.
                Thread.sleep(1_000);
                named.set(silent.address(5, 1_000));
                Thread.sleep(CallKind.READ.millis());
                named.set(good.address(6, 0));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        failover.start();
        long started = System.nanoTime();
        long cursor = masters.call(1, SyncService.class, 10_000, s -> s.cursor("secret", 2));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        failover.join();
        assertEquals(7, cursor);
        assertEquals(1, silent.calls.get(), "the silent master was called once, then avoided");
        assertTrue(took < 1_000 + CallKind.READ.millis() + 1_000, "took " + took + " ms");
        assertEquals(6, masters.master(1).address().term(), "the new master is cached");
    }

    @Test
    void aBusyMasterTheCoordinatorStillHearsIsRetriedAtOnce() throws Exception {
        Master busy = start(new Master(9, Mode.SLOW_ONCE));
        ClusterMasters masters = new ClusterMasters(coordinator());
        named.set(busy.address(3, 0));
        long started = System.nanoTime();
        assertEquals(9, (long) masters.call(1, SyncService.class, 10_000, s -> s.cursor("secret", 2)));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(2, busy.calls.get());
        assertTrue(took < CallKind.READ.millis() + 1_000, "took " + took + " ms");
    }

    @Test
    void notMasterAndANewerTermMoveToTheNamedMaster() throws Exception {
        Master deposed = start(new Master(1, Mode.NOT_MASTER));
        Master current = start(new Master(2, Mode.ANSWER));
        ClusterMasters masters = new ClusterMasters(coordinator());
        named.set(deposed.address(4, 0));
        assertEquals(deposed.address(4, 0).port(), masters.master(1).address().port());
        named.set(current.address(5, 0));
        OutboxBatch batch = masters.call(1, SyncService.class, 5_000, s -> s.readOutbox("secret", 1, 1, 0));
        assertEquals(Status.SUCCESS, batch.status());
        assertEquals(2, batch.head());
        // A routing answer with a newer term replaces the cached master at once.
        named.set(deposed.address(6, 0));
        masters.route(1);
        assertEquals(6, masters.master(1).address().term());
    }

    @Test
    void noMasterWithinTheBudgetSaysWhichClusterAndWhy() throws Exception {
        ClusterMasters masters = new ClusterMasters(coordinator());
        named.set(null);
        NoMasterException e = assertThrows(NoMasterException.class,
                () -> masters.call(3, SyncService.class, 400, s -> s.cursor("secret", 1)));
        assertEquals(3, e.cluster());
        assertTrue(e.getMessage().startsWith("no master of cluster 3 reachable for "), e.getMessage());
        assertTrue(e.getMessage().contains("names no master"), e.getMessage());
        assertTrue(routingCalls.get() >= 2, "it kept asking: " + routingCalls.get());
    }

    private CoordinatorLocator coordinator() throws Exception {
        CoordinatorService fake = new CoordinatorService() {
            @Override
            public ServerAddress getServer(long userId) {
                return named.get();
            }

            @Override
            public ServerAddress getClusterMaster(int cluster) {
                routingCalls.incrementAndGet();
                return named.get();
            }

            @Override
            public HeartbeatReply heartbeat(String secret, Heartbeat heartbeat) {
                return null;
            }

            @Override
            public List<ProcessStatus> status() {
                return List.of();
            }

            @Override
            public int clusterCount() {
                return 3;
            }

            @Override
            public List<String> notices() {
                return List.of();
            }

            @Override
            public List<String> coordinators() {
                return List.of();
            }
        };
        int port = freePort();
        Registry registry = RmiEndpoints.createRegistry(HOST, port);
        registries.add(registry);
        exported.add(fake);
        registry.rebind(CoordinatorService.REGISTRY_NAME, RmiEndpoints.export(fake, HOST, 0));
        return new CoordinatorLocator(HOST, port);
    }

    private Master start(Master master) throws Exception {
        master.port = freePort();
        Registry registry = RmiEndpoints.createRegistry(HOST, master.port);
        registries.add(registry);
        exported.add(master);
        registry.rebind("sns/cluster-1/node-" + master.port, RmiEndpoints.export(master, HOST, 0));
        return master;
    }

    private enum Mode { ANSWER, SILENT, SLOW_ONCE, NOT_MASTER }

    /** A cluster master whose cursor answer is its number. */
    private final class Master implements SyncService {
        final long number;
        final Mode mode;
        final AtomicInteger calls = new AtomicInteger();
        int port;

        Master(long number, Mode mode) {
            this.number = number;
            this.mode = mode;
        }

        ServerAddress address(long term, long silentMillis) {
            return new ServerAddress(1, HOST, port, "sns/cluster-1/node-" + port, term, silentMillis);
        }

        private void behave() {
            int n = calls.incrementAndGet();
            if (mode == Mode.SILENT || mode == Mode.SLOW_ONCE && n == 1) {
                try {
                    release.await(mode == Mode.SILENT ? 30 : CallKind.READ.millis() / 1000 + 1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public OutboxBatch readOutbox(String secret, long fromSeq, int max, long waitMillis) {
            behave();
            return new OutboxBatch(mode == Mode.NOT_MASTER ? Status.NOT_MASTER : Status.SUCCESS, 1, List.of(),
                    number);
        }

        @Override
        public Reply ingest(String secret, int originCluster, List<SyncEvent> events) {
            behave();
            return null;
        }

        @Override
        public long cursor(String secret, int originCluster) {
            behave();
            return number;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }
}
