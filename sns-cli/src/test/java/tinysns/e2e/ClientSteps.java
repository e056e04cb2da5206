package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

/** Steps of the e2e tests that drive course clients: log in, send and expect, allowing reconnect notices. */
final class ClientSteps {
    /** The line a client prints when it found the new master after a failover. */
    static final String NOTICE = "(reconnected to the master of cluster ";
    /** On a slow day a failover takes longer than the client's notice time (3 s): that line may come too. */
    static final String OUTAGE = "(no master for cluster ";

    private ClientSteps() {
    }

    /** Starts user {@code user}'s client and waits for its title lines. */
    static ClientProcess login(Deployment deployment, long user) throws Exception {
        ClientProcess client = deployment.startClient(user);
        for (String line : ScenarioDriver.TITLE_LINES) {
            if (!line.isBlank()) {
                client.expect(LinePattern.of(line), ScenarioDriver.LOGIN_TIMEOUT);
            }
        }
        return client;
    }

    static void send(ClientProcess client, String text, String... expected) throws InterruptedException {
        client.send(text);
        for (String line : expected) {
            client.expect(LinePattern.of(line), ScenarioDriver.LINE_TIMEOUT);
        }
    }

    /** "follow N" of a user in another cluster, again until the synchronizers have made N known here. */
    static void sendUntilKnown(ClientProcess client, String text) throws InterruptedException {
        long deadline = System.nanoTime() + ScenarioDriver.SYNC_TIMEOUT.toNanos();
        while (true) {
            client.send(text);
            String line = client.nextLine(ScenarioDriver.LINE_TIMEOUT).orElse("(nothing)");
            if (line.equals("Command completed successfully")) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, client.name() + ": «" + text + "» answered «" + line + "»");
            Thread.sleep(200);
        }
    }

    /** Sends and expects the lines; a reconnect notice may come first. Returns how many notices came. */
    static int sendAllowingNotice(ClientProcess client, String text, String... expected)
            throws InterruptedException {
        client.send(text);
        int notices = 0;
        for (String line : expected) {
            notices += expectAllowingNotice(client, line, Duration.ofSeconds(20));
        }
        return notices;
    }

    static int expectAllowingNotice(ClientProcess client, String expected, Duration timeout)
            throws InterruptedException {
        int notices = 0;
        while (true) {
            String line = client.nextLine(timeout).orElseThrow(() -> new AssertionError(client.name()
                    + ": expected «" + expected + "» but nothing came (" + client.exitDescription() + ")"));
            if (line.startsWith(NOTICE)) {
                notices++;
                continue;
            }
            if (line.startsWith(OUTAGE)) {
                continue;
            }
            String problem = LinePattern.of(expected).mismatch(line);
            if (problem != null) {
                throw new AssertionError(client.name() + ": expected «" + expected + "» but got «" + line + "»");
            }
            return notices;
        }
    }

    static int quietAllowingNotice(ClientProcess client, Duration window) throws InterruptedException {
        int notices = 0;
        long deadline = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < deadline) {
            var line = client.nextLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (line.isEmpty()) {
                break;
            }
            if (line.get().startsWith(OUTAGE)) {
                continue;
            }
            if (!line.get().startsWith(NOTICE)) {
                throw new AssertionError(client.name() + ": unexpected «" + line.get() + "»");
            }
            notices++;
        }
        return notices;
    }
}
