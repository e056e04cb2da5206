package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.RemoteException;
import java.rmi.registry.LocateRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tinysns.api.CoordinatorService;

/**
 * docs/security.md §3: a whole deployment with {@code --tls} (coordinator, two clusters of two servers and two
 * synchronizers, clients), every RMI hop over TLS with mutual authentication. Two users in different clusters log in
 * through the real client, one follows the other, and a post arrives in the follower's timeline: lookup, login,
 * cross-cluster synchronization and the timeline callback all worked over TLS. A plain RMI connection to the
 * coordinator's port, from this JVM and from a real {@code sns status} without {@code --tls}, is refused at once
 * with a one-line reason.
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
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + "\nstatus:\n" + deployment.statusText()
                    + deployment.logTails(25), failure);
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
