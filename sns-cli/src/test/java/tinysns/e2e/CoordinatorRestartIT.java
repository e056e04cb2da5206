package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §7, "coordinator restarts": the coordinator is killed (-9) and started again on the same ports with the
 * same data dir; servers and synchronizers register again within a few heartbeats, and a new client is routed and
 * served.
 */
class CoordinatorRestartIT {
    private Deployment deployment;

    @AfterEach
    void stop() throws InterruptedException {
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void processesReRegisterAndNewClientsAreRoutedAfterACoordinatorRestart() throws Exception {
        deployment = Deployment.start("CoordinatorRestartIT", Deployment.Options.clusters(2));
        try {
            ClientProcess before = deployment.startClient(1);
            expectLoggedIn(before);
            before.send("list");
            before.expect(LinePattern.of("Command completed successfully"), ScenarioDriver.LINE_TIMEOUT);
            before.expect(LinePattern.of("All users: 1, "), ScenarioDriver.LINE_TIMEOUT);
            before.expect(LinePattern.of("Followers: "), ScenarioDriver.LINE_TIMEOUT);

            deployment.coordinator().kill();
            deployment.coordinator().start();
            deployment.awaitCoordinator(Duration.ofSeconds(20));
            long restarted = System.nanoTime();
            // A few heartbeats (200 ms) plus the restarted JVM's own warm-up on a loaded machine.
            deployment.awaitReady(Duration.ofSeconds(10));
            long reRegisteredMillis = (System.nanoTime() - restarted) / 1_000_000;
            System.out.println("CoordinatorRestartIT: every process alive again " + reRegisteredMillis
                    + " ms after the restarted coordinator answered");

            // User 2 lives in cluster 2: routing it needs the rebuilt table. Whether user 1 is already listed there
            // depends on the synchronizers, not on this test, so only user 2 itself is required.
            ClientProcess after = deployment.startClient(2);
            expectLoggedIn(after);
            after.send("list");
            after.expect(LinePattern.of("Command completed successfully"), ScenarioDriver.LINE_TIMEOUT);
            String users = after.nextLine(ScenarioDriver.LINE_TIMEOUT).orElse("(nothing)");
            assertTrue(users.startsWith("All users: ") && users.contains(" 2, "), "LIST of user 2: " + users);
            after.expect(LinePattern.of("Followers: "), ScenarioDriver.LINE_TIMEOUT);

            // The client from before the restart was never routed again, and still works.
            before.send("follow 1");
            before.expect(LinePattern.of("Input username already exists, command failed"),
                    ScenarioDriver.LINE_TIMEOUT);
            before.send("list");
            before.expect(LinePattern.of("Command completed successfully"), ScenarioDriver.LINE_TIMEOUT);
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
