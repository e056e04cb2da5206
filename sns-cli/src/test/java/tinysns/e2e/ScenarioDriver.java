package tinysns.e2e;

import java.time.Duration;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Runs one {@link Scenario} against a fresh {@link Deployment} of real processes, and stops it whatever happens. */
final class ScenarioDriver {
    /** How long one expected line may take: generous, a dozen JVMs share two cores. */
    static final Duration LINE_TIMEOUT = Duration.ofSeconds(10);
    static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(15);
    /** How long a "N>> …" step may wait for the synchronizers. */
    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(15);
    static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration LOGIN_RETRY_FOR = Duration.ofSeconds(15);
    static final Pattern CONNECTION_FAILED = Pattern.compile("connection failed: -\\d+");
    /** CLIENT.md's title block, written out here rather than taken from the client, so the client is checked. */
    static final List<String> TITLE_LINES = List.of(
            "",
            "========= TINY SNS CLIENT =========",
            " Command Lists and Format:",
            " FOLLOW <username>",
            " UNFOLLOW <username>",
            " LIST",
            " TIMELINE",
            "=====================================");

    private final Scenario scenario;
    private final Map<Long, ClientProcess> clients = new HashMap<>();
    private Deployment deployment;

    private ScenarioDriver(Scenario scenario) {
        this.scenario = scenario;
    }

    static void run(Scenario scenario) throws Exception {
        new ScenarioDriver(scenario).run();
    }

    private void run() throws Exception {
        Scenario.Deploy deploy = scenario.deploy();
        Deployment.Options options = Deployment.Options.clusters(deploy.clusters()).startingOnly(deploy.only());
        deployment = Deployment.start("scenario-" + scenario.name(), options);
        Scenario.Step current = deploy;
        try {
            for (Scenario.Step step : scenario.steps().subList(1, scenario.steps().size())) {
                current = step;
                execute(step);
            }
            current = null;
            finish();
        } catch (Throwable failure) {
            String where = current == null ? "at the end" : "at line " + current.line() + " (" + current + ")";
            AssertionError error = new AssertionError(scenario.name() + ".txt " + where + ": "
                    + failure.getMessage() + deployment.logTails(25), failure);
            throw error;
        } finally {
            deployment.close();
        }
    }

    private void execute(Scenario.Step step) throws Exception {
        if (step instanceof Scenario.Login login) {
            ClientProcess client = deployment.startClient(login.user()).ignoringNotices();
            expectTitle(client);
            replace(login.user(), client);
        } else if (step instanceof Scenario.LoginFails fails) {
            ClientProcess client = deployment.startClient(fails.user()).ignoringNotices();
            expectRefused(client);
        } else if (step instanceof Scenario.LoginRetry retry) {
            replace(retry.user(), loginWithRetry(retry.user()));
        } else if (step instanceof Scenario.Send send) {
            ClientProcess client = client(send.user());
            client.send(send.text());
            expectAll(client, send.expected());
        } else if (step instanceof Scenario.SendUntil until) {
            sendUntil(client(until.user()), until.text(), until.expected());
        } else if (step instanceof Scenario.ExpectUnordered unordered) {
            expectUnordered(client(unordered.user()), unordered.expected());
        } else if (step instanceof Scenario.Expect expect) {
            expectAll(client(expect.user()), expect.expected());
        } else if (step instanceof Scenario.Quiet quiet) {
            client(quiet.user()).expectQuiet(quiet.window());
        } else if (step instanceof Scenario.KillClient kill) {
            client(kill.user()).kill();
            clients.remove(kill.user());
        } else if (step instanceof Scenario.Close close) {
            closeAndCheck(client(close.user()));
            clients.remove(close.user());
        } else if (step instanceof Scenario.SleepUntilDead) {
            Deployment.Options options = deployment.options();
            TimeUnit.MILLISECONDS.sleep(options.deadAfter().plus(options.heartbeat().multipliedBy(2)).toMillis());
        } else if (step instanceof Scenario.KillMaster kill) {
            deployment.role(deployment.masterServer(kill.cluster())).kill();
        } else if (step instanceof Scenario.NodeFault fault) {
            RoleProcess node = deployment.role(fault.node());
            switch (fault.action()) {
                case "kill" -> node.kill();
                case "restart" -> node.start();
                case "pause" -> node.pause();
                case "resume" -> node.resume();
                default -> throw new IllegalStateException(fault.action());
            }
        } else {
            throw new IllegalStateException("unexpected step " + step);
        }
    }

    private void replace(long user, ClientProcess client) throws InterruptedException {
        ClientProcess previous = clients.put(user, client);
        if (previous != null && previous.alive()) {
            throw new AssertionError("user " + user + " already had a live client " + previous
                    + "; kill-client or close it first");
        }
    }

    private ClientProcess client(long user) {
        ClientProcess client = clients.get(user);
        if (client == null) {
            throw new AssertionError("no client for user " + user + " (log it in first)");
        }
        return client;
    }

    private static void expectAll(ClientProcess client, List<LinePattern> expected) throws InterruptedException {
        for (LinePattern line : expected) {
            client.expect(line, LINE_TIMEOUT);
        }
    }

    /** Types {@code text} until the reply is {@code expected}, bounded by {@link #SYNC_TIMEOUT}. */
    static void sendUntil(ClientProcess client, String text, List<LinePattern> expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        List<String> last = List.of();
        while (true) {
            client.send(text);
            List<String> reply = new ArrayList<>();
            String problem = null;
            for (LinePattern pattern : expected) {
                String line = client.nextLine(LINE_TIMEOUT).orElseThrow(() -> new AssertionError(client.name()
                        + ": no reply to «" + text + "» (" + client.exitDescription() + ")"));
                reply.add(line);
                if (problem == null) {
                    problem = pattern.mismatch(line);
                }
            }
            if (problem == null) {
                return;
            }
            last = reply;
            if (System.nanoTime() > deadline) {
                throw new AssertionError(client.name() + ": «" + text + "» still answered " + last + " after "
                        + SYNC_TIMEOUT.toSeconds() + " s; expected " + expected);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /**
     * The next {@code expected.size()} lines, each matching one expected line: lines of different authors (what comes
     * before " (") in any order, but each author's lines in the order listed.
     */
    private static void expectUnordered(ClientProcess client, List<LinePattern> expected) throws InterruptedException {
        List<LinePattern> left = new ArrayList<>(expected);
        while (!left.isEmpty()) {
            String line = client.nextLine(LINE_TIMEOUT).orElseThrow(() -> new AssertionError(client.name()
                    + ": still waiting for " + left + " (" + client.exitDescription() + ")"));
            LinePattern next = left.stream().filter(p -> author(p.toString()).equals(author(line))).findFirst()
                    .orElseThrow(() -> new AssertionError(client.name() + ": «" + line + "» is none of " + left));
            String problem = next.mismatch(line);
            if (problem != null) {
                throw new AssertionError(client.name() + ": expected «" + next + "» next from this author but got «"
                        + line + "»" + (problem.isEmpty() ? "" : " (" + problem + ")"));
            }
            left.remove(next);
        }
    }

    private static String author(String line) {
        int paren = line.indexOf(" (");
        return paren < 0 ? line : line.substring(0, paren);
    }

    /** The title block of CLIENT.md, blank lines aside. */
    private static void expectTitle(ClientProcess client) throws InterruptedException {
        boolean first = true;
        for (String line : TITLE_LINES) {
            if (!line.isBlank()) {
                client.expect(LinePattern.of(line), first ? LOGIN_TIMEOUT : LINE_TIMEOUT);
                first = false;
            }
        }
    }

    private static void expectRefused(ClientProcess client) throws InterruptedException {
        String line = client.nextLine(LOGIN_TIMEOUT).orElseThrow(() -> new AssertionError(client.name()
                + ": expected 'connection failed: <negative code>' but got nothing (" + client.exitDescription()
                + ")"));
        if (!CONNECTION_FAILED.matcher(line).matches()) {
            throw new AssertionError(client.name() + ": expected 'connection failed: <negative code>' but got «"
                    + line + "»");
        }
        OptionalInt exit = client.awaitExit(EXIT_TIMEOUT);
        if (exit.isEmpty()) {
            throw new AssertionError(client.name() + " printed «" + line + "» but did not exit within "
                    + EXIT_TIMEOUT.toSeconds() + " s");
        }
        if (exit.getAsInt() == 0) {
            throw new AssertionError(client.name() + " printed «" + line + "» but exited 0");
        }
    }

    /**
     * Logs {@code user} in, starting a new client each time the previous attempt was refused, until one prints the
     * title block or {@link #LOGIN_RETRY_FOR} has passed. For a user whose last client died: the system may refuse
     * until it notices the death, but only for a few seconds.
     */
    private ClientProcess loginWithRetry(long user) throws Exception {
        long deadline = System.nanoTime() + LOGIN_RETRY_FOR.toNanos();
        int attempts = 0;
        String lastRefusal = "none";
        while (System.nanoTime() < deadline) {
            attempts++;
            ClientProcess client = deployment.startClient(user).ignoringNotices();
            String line = client.nextLine(LOGIN_TIMEOUT).orElse(null);
            if (line != null && CONNECTION_FAILED.matcher(line).matches()) {
                lastRefusal = line;
                if (client.awaitExit(EXIT_TIMEOUT).isEmpty()) {
                    throw new AssertionError(client.name() + " printed «" + line + "» but did not exit");
                }
                TimeUnit.MILLISECONDS.sleep(200);
                continue;
            }
            if (line == null) {
                throw new AssertionError(client.name() + ": no output within " + LOGIN_TIMEOUT.toSeconds() + " s ("
                        + client.exitDescription() + ")");
            }
            String firstTitleLine = TITLE_LINES.get(1);
            if (!line.equals(firstTitleLine)) {
                throw new AssertionError(client.name() + ": expected «" + firstTitleLine + "» or a refusal but got «"
                        + line + "»");
            }
            for (String title : TITLE_LINES.subList(2, TITLE_LINES.size())) {
                client.expect(LinePattern.of(title), LINE_TIMEOUT);
            }
            return client;
        }
        throw new AssertionError("user " + user + " could not log in again within " + LOGIN_RETRY_FOR.toSeconds()
                + " s (" + attempts + " attempts; last refusal: " + lastRefusal + ")");
    }

    /** End of input: the client must exit 0 and must not have printed anything the scenario did not expect. */
    private static void closeAndCheck(ClientProcess client) throws InterruptedException {
        client.closeInput();
        OptionalInt exit = client.awaitExit(EXIT_TIMEOUT);
        List<String> unread = client.unreadLines(Duration.ofSeconds(2));
        if (!unread.isEmpty()) {
            throw new AssertionError(client.name() + " printed lines the scenario did not expect: " + unread);
        }
        if (exit.isEmpty()) {
            throw new AssertionError(client.name() + " did not exit within " + EXIT_TIMEOUT.toSeconds()
                    + " s after its input ended");
        }
        if (exit.getAsInt() != 0) {
            throw new AssertionError(client.name() + " exited with " + exit.getAsInt() + " after its input ended");
        }
        client.closeTranscript();
    }

    private void finish() throws InterruptedException {
        for (ClientProcess client : clients.values()) {
            closeAndCheck(client);
        }
        clients.clear();
    }
}
