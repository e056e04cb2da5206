package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.RemoteException;
import java.rmi.registry.LocateRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.alipay.sofa.jraft.option.CliOptions;
import com.alipay.sofa.jraft.rpc.RpcRequests.PingRequest;
import com.alipay.sofa.jraft.rpc.impl.cli.CliClientServiceImpl;
import com.alipay.sofa.jraft.util.Endpoint;
import com.google.protobuf.Message;

import tinysns.api.CoordinatorService;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;

/**
 * docs/security.md §3: a whole deployment with {@code --tls} (coordinator, two clusters of two servers and two
 * synchronizers, clients), every RMI hop over TLS with mutual authentication. Two users in different clusters log in
 * through the real client, one follows the other, and a post arrives in the follower's timeline: lookup, login,
 * cross-cluster synchronization and the timeline callback all worked over TLS. A plain RMI connection to the
 * coordinator's port, from this JVM and from a real {@code sns status} without {@code --tls}, is refused at once
 * with a one-line reason. The Raft ports speak TLS too (security.md §3, §7): each cluster elected its leader and
 * replicated over them, while a plain Bolt client (JRaft's own) and plain bytes at every server's Raft port get no
 * Raft answer, and each server says so in one log line.
 */
class TlsIT {
    private Deployment deployment;

    @AfterEach
    void stop() throws InterruptedException {
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void deploymentOverTlsServesClientsAndRefusesPlainConnections() throws Exception {
        deployment = Deployment.start("TlsIT", Deployment.Options.clusters(2).withTls());
        try {
            ClientProcess one = deployment.startClient(1); // cluster 1
            ClientProcess two = deployment.startClient(2); // cluster 2
            expectLoggedIn(one);
            expectLoggedIn(two);

            // User 1 reaches cluster 2 through the synchronizers: retried until it has.
            ScenarioDriver.sendUntil(two, "follow 1", List.of(LinePattern.of("Command completed successfully")));
            for (ClientProcess client : List.of(one, two)) {
                client.send("timeline");
                client.expect(LinePattern.of("Command completed successfully"), ScenarioDriver.LINE_TIMEOUT);
                client.expect(LinePattern.of("Now you are in the timeline"), ScenarioDriver.LINE_TIMEOUT);
            }
            one.send("sent over tls");
            // Cluster 1 → synchronizer → cluster 2 → push to client 2's callback: every hop over TLS.
            two.expect(LinePattern.of("1 (*) >> sent over tls"), ScenarioDriver.SYNC_TIMEOUT);

            // This JVM without the key: RMI's own plain client at the coordinator's registry port.
            RemoteException refused = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> assertThrows(
                    RemoteException.class, () -> LocateRegistry.getRegistry(Deployment.HOST,
                            deployment.registryPort()).lookup(CoordinatorService.REGISTRY_NAME)));
            System.out.println("TlsIT: plain lookup refused: " + refused.toString().lines().findFirst().orElse(""));

            // A real process without --tls: exit 1 and one line naming the cause.
            Path statusLog = deployment.logDir().resolve("plain-status.log");
            Process status = SnsJvm.start(new ProcessBuilder(SnsJvm.command("64m", Path.of(
                    System.getProperty("java.io.tmpdir")), List.of("status", "-h", Deployment.HOST,
                    "-k", String.valueOf(deployment.registryPort()))))
                    .redirectErrorStream(true)
                    .redirectOutput(statusLog.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))));
            boolean ended;
            try {
                ended = status.waitFor(30, TimeUnit.SECONDS);
            } finally {
                status.destroyForcibly();
            }
            String output = Files.readString(statusLog, StandardCharsets.UTF_8).strip();
            assertTrue(ended, "sns status without --tls did not end within 30 s: " + output);
            assertEquals(1, status.exitValue(), output);
            assertEquals(1, output.lines().count(), output);
            assertTrue(output.contains("requires TLS") && output.contains("--tls"), output);

            plainConnectionsGetNoRaftAnswer();
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + "\nstatus:\n" + deployment.statusText()
                    + deployment.logTails(25), failure);
        }
    }

    /**
     * At every server's Raft port: JRaft's own plain Bolt client sends a ping (served by every Raft port, the first
     * request of every peer) and gets no answer; plain bytes on a raw socket get the connection closed with nothing
     * sent back. Both within a bound, and the server logs one line saying the peer does not speak TLS.
     */
    private void plainConnectionsGetNoRaftAnswer() throws Exception {
        Map<String, String> raftAddresses = new TreeMap<>();
        for (ProcessStatus row : deployment.status()) {
            if (row.id().kind() == ProcessKind.SERVER && row.raft() != null) {
                raftAddresses.put(row.id().toString(), row.raft().raftAddress());
            }
        }
        assertEquals(4, raftAddresses.size(), "the Raft addresses of the four servers: " + raftAddresses);
        CliOptions options = new CliOptions();
        options.setTimeoutMs(2000);
        options.setMaxRetry(0);
        options.setRpcConnectTimeoutMs(1000);
        options.setRpcDefaultTimeout(2000);
        options.setRpcProcessorThreadPoolSize(3);
        CliClientServiceImpl plain = new CliClientServiceImpl();
        assertTrue(plain.init(options));
        try {
            for (Map.Entry<String, String> server : raftAddresses.entrySet()) {
                String address = server.getValue();
                int colon = address.lastIndexOf(':');
                Endpoint port = new Endpoint(address.substring(0, colon),
                        Integer.parseInt(address.substring(colon + 1)));
                Future<Message> ping = plain.invokeWithDone(port,
                        PingRequest.newBuilder().setSendTimestamp(System.currentTimeMillis()).build(), null, 2000);
                ExecutionException noAnswer = assertThrows(ExecutionException.class,
                        () -> ping.get(15, TimeUnit.SECONDS), "a plain ping to " + server + " was answered");
                System.out.println("TlsIT: plain ping to " + server + " refused: " + noAnswer.getCause());

                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(port.getIp(), port.getPort()), 2000);
                    socket.setSoTimeout(15_000);
                    byte[] bytes = new byte[64];
                    Arrays.fill(bytes, (byte) 1); // Bolt's protocol code and version
                    socket.getOutputStream().write(bytes);
                    int answer;
                    try {
                        answer = socket.getInputStream().read();
                    } catch (SocketException reset) {
                        answer = -1;
                    }
                    assertEquals(-1, answer, "plain bytes at " + server + " got an answer");
                }

                Path log = deployment.logDir().resolve(server.getKey() + ".log");
                String expected = "refused a connection from";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                List<String> lines = List.of();
                while (System.nanoTime() < deadline) {
                    lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                            .filter(line -> line.contains(expected)).toList();
                    if (!lines.isEmpty()) {
                        break;
                    }
                    TimeUnit.MILLISECONDS.sleep(100);
                }
                // Two plain connections, one line: the same peer and kind of failure is logged once a minute.
                assertEquals(1, lines.size(), server + " logged " + lines);
                assertTrue(lines.get(0).contains("it sent plain (not TLS) bytes")
                        && lines.get(0).contains("does not hold this deployment's key"), lines.get(0));
                System.out.println("TlsIT: " + server.getKey() + " logged: " + lines.get(0));
            }
        } finally {
            plain.shutdown();
        }
    }

    private static void expectLoggedIn(ClientProcess client) throws InterruptedException {
        for (String line : ScenarioDriver.TITLE_LINES) {
            if (!line.isBlank()) {
                client.expect(LinePattern.of(line), ScenarioDriver.LOGIN_TIMEOUT);
            }
        }
    }
}
