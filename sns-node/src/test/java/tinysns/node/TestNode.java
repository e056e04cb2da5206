package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import tinysns.api.NodeService;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.domain.DomainConfig;
import tinysns.domain.SnsStateMachine;

/**
 * One real server in this JVM — a single-voter JRaft group on RocksDB under {@code dir}, its own RMI registry on a free
 * loopback port, no coordinator (it only retries its heartbeats) — and its stub as a client sees it.
 *
 * <p>Like {@code sns node}, the JVM reads everything under the API's process-wide serialization filter
 * ({@link RmiEndpoints#installProcessFilter}), installed before the first node starts: every test of this module
 * that talks to a node — as its client and as the node's callbacks — runs with the filter a deployment has, so a reply
 * type the filter would refuse fails here. (It is JVM-global; the module's tests that start no node need none.)
 */
final class TestNode implements AutoCloseable {
    static final String HOST = "127.0.0.1";

    final NodeServer server;
    final NodeService node;

    private final int clusterCount;

    TestNode(Path dir, ClientLimits limits) throws Exception {
        this(dir, 1, null, limits);
    }

    /** Server 1 of cluster 1 of {@code clusterCount}, accepting sync calls only with {@code secret} (null: any). */
    TestNode(Path dir, int clusterCount, String secret, ClientLimits limits) throws Exception {
        this(dir, clusterCount, secret, limits, freePort()); // nothing listens there: the node only retries its beats
    }

    /** Heartbeats go to a coordinator registry on {@code coordinatorPort} of this host. */
    TestNode(Path dir, int clusterCount, String secret, ClientLimits limits, int coordinatorPort) throws Exception {
        assertTrue(RmiEndpoints.installProcessFilter(), "no other process-wide filter is set");
        this.clusterCount = clusterCount;
        int servicePort = freePort();
        int raftPort = freePort();
        NodeOptions options = new NodeOptions(1, 1, clusterCount, HOST, servicePort,
                List.of(new tinysns.api.client.CoordinatorLocator.Address(HOST, coordinatorPort)), raftPort,
                List.of(HOST + ":" + raftPort), dir.resolve("node"), Duration.ofMillis(200), Duration.ofMillis(500),
                secret, Duration.ofSeconds(5));
        server = new NodeServer(options, limits).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!server.replica().isLeader() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(server.replica().isLeader(), "a single voter elects itself");
            node = RmiEndpoints.lookup(HOST, servicePort, "sns/cluster-1/node-1", NodeService.class);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    /** SHA-256 of the whole applied state: equal digests mean nothing changed. */
    String digest() {
        SnsStateMachine machine = new SnsStateMachine(DomainConfig.of(1, clusterCount));
        return server.replica().readLocal(kv -> HexFormat.of().formatHex(machine.digest(kv)));
    }

    @Override
    public void close() {
        server.close();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
