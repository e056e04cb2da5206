package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tinysns.api.LoginReply;
import tinysns.api.NodeService;
import tinysns.api.PostView;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.cli.chaos.Checker;
import tinysns.cli.chaos.DeploymentProbe;

/**
 * Issue 5 (b, c): a master dies under live clients, and a paused master comes back as a zombie.
 */
class FailoverIT {
    private static final String NOTICE = "(reconnected to the master of cluster ";
    /** On a slow day a failover takes longer than the client's notice time (3 s): that line may come too. */
    private static final String OUTAGE = "(no master for cluster ";
    private Deployment deployment;

    @AfterEach
    void stop() throws InterruptedException {
        if (deployment != null) {
            deployment.close();
        }
    }

    /**
     * (b) Users 1 and 3 live in cluster 1, user 2 in cluster 2. Client 3 is in timeline mode and client 1 in command
     * mode when cluster 1's master is killed (-9). Both carry on without logging in again, each printing at most one
     * reconnect line; a follow sent after the kill is done once, a post typed after the kill reaches its follower once,
     * and a post from cluster 2 reaches timeline client 3 once.
     */
    @Test
    void liveClientsInBothModesCarryOnWhenTheirMasterIsKilled() throws Exception {
        deployment = Deployment.start("FailoverIT-live", Deployment.Options.clusters(2));
        try {
            ClientProcess c1 = login(1);
            ClientProcess c2 = login(2);
            ClientProcess c3 = login(3);
            send(c1, "follow 3", "Command completed successfully");
            send(c3, "follow 1", "Command completed successfully");
            sendUntilKnown(c3, "follow 2");
            sendUntilKnown(c2, "follow 3");
            send(c3, "timeline", "Command completed successfully", "Now you are in the timeline");
            send(c2, "timeline", "Command completed successfully", "Now you are in the timeline");
            c3.send("before from 3");
            c2.expect(LinePattern.of("3 (*) >> before from 3"), ScenarioDriver.LINE_TIMEOUT);

            String master = deployment.masterServer(1);
            deployment.role(master).kill();

            // Command mode: the next command finds the new master by itself.
            int notices1 = sendAllowingNotice(c1, "follow 2", "Command completed successfully");
            // Timeline mode: what client 3 types after the kill is posted once; what others post reaches it once.
            c3.send("after from 3");
            c2.expect(LinePattern.of("3 (*) >> after from 3"), Duration.ofSeconds(20));
            c2.send("after from 2");
            int notices3 = expectAllowingNotice(c3, "2 (*) >> after from 2", Duration.ofSeconds(20));
            int listNotices = sendAllowingNotice(c1, "list", "Command completed successfully", "All users: 1, 2, 3, ",
                    "Followers: 3, ");
            assertTrue(notices1 + listNotices <= 1, "client 1 printed " + (notices1 + listNotices) + " reconnect lines");
            // Nothing twice: no more lines from either timeline, and (below) no unread line at the end.
            notices3 += quietAllowingNotice(c3, Duration.ofSeconds(2));
            assertTrue(notices3 <= 1, "client 3 printed " + notices3 + " reconnect lines");
            c2.expectQuiet(Duration.ofMillis(500));
            for (ClientProcess client : List.of(c1, c2, c3)) {
                client.closeInput();
                assertEquals(0, client.awaitExit(ScenarioDriver.EXIT_TIMEOUT).orElse(-1), client + " exit code");
            }
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + "\nstatus:\n" + deployment.statusText()
                    + deployment.logTails(30), failure);
        }
    }

    /**
     * (c) A master paused (SIGSTOP) for longer than dead-after is replaced by its slave; when it resumes it is a zombie
     * that still believes it leads for a moment. A writer that keeps talking to it directly (its stub, not the
     * coordinator) through the pause and after: every write the zombie acknowledges is present afterwards, exactly
     * once, in the follower's timeline and on both replicas; writes it does not acknowledge are at most once.
     */
    @Test
    void aResumedZombieMasterNeverAcknowledgesAWriteThatIsLost() throws Exception {
        deployment = Deployment.start("FailoverIT-zombie", Deployment.Options.clusters(1));
        int port = deployment.registryPort();
        try (WorkloadUser follower = new WorkloadUser(port, 2, 30_000).login()) {
            String master = deployment.masterServer(1);
            ProcessStatus row = deployment.status().stream()
                    .filter(r -> r.id().kind() == ProcessKind.SERVER && r.id().toString().equals(master))
                    .findFirst().orElseThrow();
            NodeService zombie = RmiEndpoints.lookup(row.host(), row.port(), row.id().registryName(),
                    NodeService.class);
            LoginReply login = zombie.login(1);
            assertEquals(Status.SUCCESS, login.status(), "login of 1 at " + master);
            Session session = login.session();
            follower.followWhenKnown(1);
            // user 1 follows nobody; user 2 follows 1, so 2's timeline shows every post of 1 that committed.
            Map<String, Status> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            long[] requestNo = {0};
            Thread writer = new Thread(() -> {
                while (!stop.get()) {
                    String text = "z" + (++requestNo[0]);
                    Status status;
                    try {
                        Reply reply = zombie.post(session, requestNo[0], text);
                        status = reply.status();
                    } catch (Exception e) {
                        status = Status.UNKNOWN; // no answer: it may or may not have happened
                    }
                    outcomes.put(text, status);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "zombie-writer");
            writer.start();
            Thread.sleep(500);
            RoleProcess paused = deployment.role(master);
            paused.pause();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (deployment.masterServerOrNull(1) == null || master.equals(deployment.masterServerOrNull(1))) {
                    assertTrue(System.nanoTime() < deadline, "no new master while " + master + " is paused");
                    Thread.sleep(100);
                }
                // The new master serves: a write through the coordinator succeeds meanwhile.
                try (WorkloadUser other = new WorkloadUser(port, 3, 30_000).login()) {
                    assertEquals(Status.SUCCESS, other.post("while the old master sleeps").status());
                }
            } finally {
                paused.resume();
            }
            Thread.sleep(3_000); // the zombie wakes up, still thinking it leads, and the writer keeps at it
            stop.set(true);
            writer.join(15_000);

            DeploymentProbe probe = new DeploymentProbe(Deployment.HOST, port);
            String lag = Checker.awaitConverged(probe, Duration.ofSeconds(30));
            assertEquals("", lag, "replicas after the zombie resumed\n" + probe.describe());
            Map<String, Integer> seen = new HashMap<>();
            for (PostView post : follower.timeline(1000)) {
                if (post.authorId() == 1) {
                    seen.merge(post.text(), 1, Integer::sum);
                }
            }
            List<String> lost = new ArrayList<>();
            int acked = 0;
            for (Map.Entry<String, Status> outcome : outcomes.entrySet()) {
                int count = seen.getOrDefault(outcome.getKey(), 0);
                assertTrue(count <= 1, outcome.getKey() + " appears " + count + " times");
                if (outcome.getValue() == Status.SUCCESS) {
                    acked++;
                    if (count != 1) {
                        lost.add(outcome.getKey());
                    }
                }
            }
            for (String text : seen.keySet()) {
                assertTrue(outcomes.containsKey(text), text + " was never sent");
            }
            System.out.println("FailoverIT zombie: " + outcomes.size() + " writes to the paused master, " + acked
                    + " acknowledged, outcomes " + outcomes.values().stream()
                    .collect(java.util.stream.Collectors.groupingBy(s -> s, java.util.stream.Collectors.counting())));
            assertTrue(lost.isEmpty(), "acknowledged by the zombie but lost: " + lost);
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + "\nstatus:\n" + deployment.statusText()
                    + deployment.logTails(30), failure);
        }
    }

    private ClientProcess login(long user) throws Exception {
        ClientProcess client = deployment.startClient(user);
        for (String line : ScenarioDriver.TITLE_LINES) {
            if (!line.isBlank()) {
                client.expect(LinePattern.of(line), ScenarioDriver.LOGIN_TIMEOUT);
            }
        }
        return client;
    }

    private static void send(ClientProcess client, String text, String... expected) throws InterruptedException {
        client.send(text);
        for (String line : expected) {
            client.expect(LinePattern.of(line), ScenarioDriver.LINE_TIMEOUT);
        }
    }

    /** "follow N" of a user in another cluster, again until the synchronizers have made N known here. */
    private static void sendUntilKnown(ClientProcess client, String text) throws InterruptedException {
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
    private static int sendAllowingNotice(ClientProcess client, String text, String... expected)
            throws InterruptedException {
        client.send(text);
        int notices = 0;
        for (String line : expected) {
            notices += expectAllowingNotice(client, line, Duration.ofSeconds(20));
        }
        return notices;
    }

    private static int expectAllowingNotice(ClientProcess client, String expected, Duration timeout)
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

    private static int quietAllowingNotice(ClientProcess client, Duration window) throws InterruptedException {
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
