package tinysns.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An end-to-end scenario read from a text file (STYLE.md, "data-driven tests"): directives, and under a directive
 * that makes a client talk, the lines that client must print next, in order.
 *
 * <pre>
 * # a comment; blank lines are ignored
 * deploy clusters=3 [only=1,2]   first directive: start a deployment (only= narrows which clusters get processes)
 * login N               start client -u N; it must print the title block
 * login-fails N         start another client -u N; it must print "connection failed: -&lt;code&gt;" and exit non-zero
 * login-retry N         start client -u N until it logs in (a refused attempt is retried; bounded, 15 s)
 * N&gt; text               type "text" into client N (everything after "N&gt; ", trailing spaces included);
 *                       the lines below are what client N must print next. In the typed text {{U+XXXX}} is that
 *                       UTF-16 code unit (NUL, controls) and {{N*text}} is text repeated N times (a 1 MB line)
 * N&gt;&gt; text              the same, but while the reply differs (it has as many lines as expected), type it again
 *                       (bounded, 15 s): for what becomes true once the synchronizers have copied events
 * expect-unordered N    the lines below are what client N must print next, in any order (posts from several
 *                       clusters reach a screen in no fixed order)
 * expect N              the lines below are what client N must print next (nothing typed)
 * wait-line N text      client N must print "text" next (a one-line expect)
 * quiet N [millis]      client N must print nothing for a while (default 700 ms)
 * kill-client N         SIGKILL client N (it cannot log out)
 * close N               end client N's input: it must exit 0 without printing anything more
 * sleep-until-dead      wait long enough for the coordinator to declare a silent process dead
 * kill-master C         SIGKILL the server the coordinator names as cluster C's live master (not restarted)
 * kill-node C.N         SIGKILL server N of cluster C
 * restart-node C.N      start server N of cluster C again (same arguments, same data)
 * pause-node C.N        SIGSTOP server N of cluster C (a zombie: alive, silent)
 * resume-node C.N       SIGCONT it
 * </pre>
 * In expected lines {@code (*)} matches a post's ctime timestamp, which must be the current time ({@link LinePattern}).
 * Prompts ({@code Cmd> }) and blank lines of the client's output are not compared. At the end every client still
 * running gets end of input and must exit 0 having printed nothing unexpected.
 */
record Scenario(String name, List<Step> steps) {
    static final Duration QUIET_DEFAULT = Duration.ofMillis(700);

    sealed interface Step permits Deploy, Login, LoginFails, LoginRetry, Send, Expect, Quiet, KillClient, Close,
            SleepUntilDead, SendUntil, ExpectUnordered, KillMaster, NodeFault {
        int line();
    }

    record Deploy(int line, int clusters, Set<Integer> only) implements Step {
    }

    record Login(int line, long user) implements Step {
    }

    record LoginFails(int line, long user) implements Step {
    }

    record LoginRetry(int line, long user) implements Step {
    }

    record Send(int line, long user, String text, List<LinePattern> expected) implements Step {
    }

    record Expect(int line, long user, List<LinePattern> expected) implements Step {
    }

    record SendUntil(int line, long user, String text, List<LinePattern> expected) implements Step {
    }

    record ExpectUnordered(int line, long user, List<LinePattern> expected) implements Step {
    }

    record Quiet(int line, long user, Duration window) implements Step {
    }

    record KillClient(int line, long user) implements Step {
    }

    record Close(int line, long user) implements Step {
    }

    record SleepUntilDead(int line) implements Step {
    }

    record KillMaster(int line, int cluster) implements Step {
    }

    /** {@code action} is kill, restart, pause or resume; {@code node} is "node-C.N". */
    record NodeFault(int line, String action, String node) implements Step {
    }

    private static final Pattern SEND = Pattern.compile("^(\\d+)> (.*)$", Pattern.DOTALL);
    private static final Pattern SEND_UNTIL = Pattern.compile("^(\\d+)>> (.*)$", Pattern.DOTALL);
    private static final Pattern DIRECTIVE = Pattern.compile(
            "^(deploy|login|login-fails|login-retry|expect-unordered|expect|wait-line|quiet|kill-client|close|sleep-until-dead"
                    + "|kill-master|kill-node|restart-node|pause-node|resume-node)"
                    + "(?:\\s+(.*))?$");

    /** Parses a scenario; errors name the file and line. */
    static Scenario parse(String name, List<String> lines) {
        List<Step> steps = new ArrayList<>();
        List<LinePattern> block = null; // where expected lines go, if the last directive takes them
        for (int index = 0; index < lines.size(); index++) {
            int number = index + 1;
            String raw = lines.get(index);
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher send = SEND.matcher(line);
            Matcher sendUntil = SEND_UNTIL.matcher(line);
            Matcher directive = DIRECTIVE.matcher(line.stripTrailing());
            if (steps.isEmpty() && !(directive.matches() && directive.group(1).equals("deploy"))) {
                throw error(name, number, "a scenario starts with 'deploy clusters=N'");
            }
            if (sendUntil.matches()) {
                List<LinePattern> expected = new ArrayList<>();
                steps.add(new SendUntil(number, user(name, number, sendUntil.group(1)), sendUntil.group(2), expected));
                block = expected;
            } else if (send.matches()) {
                List<LinePattern> expected = new ArrayList<>();
                steps.add(new Send(number, user(name, number, send.group(1)), expand(send.group(2)), expected));
                block = expected;
            } else if (directive.matches()) {
                String word = directive.group(1);
                String argument = directive.group(2) == null ? "" : directive.group(2).strip();
                block = null;
                switch (word) {
                    case "deploy" -> {
                        if (!steps.isEmpty()) { // (the first line was checked above)
                            throw error(name, number, "deploy must be the first directive");
                        }
                        steps.add(deploy(name, number, argument));
                    }
                    case "login" -> steps.add(new Login(number, user(name, number, argument)));
                    case "login-fails" -> steps.add(new LoginFails(number, user(name, number, argument)));
                    case "login-retry" -> steps.add(new LoginRetry(number, user(name, number, argument)));
                    case "expect" -> {
                        List<LinePattern> expected = new ArrayList<>();
                        steps.add(new Expect(number, user(name, number, argument), expected));
                        block = expected;
                    }
                    case "expect-unordered" -> {
                        List<LinePattern> expected = new ArrayList<>();
                        steps.add(new ExpectUnordered(number, user(name, number, argument), expected));
                        block = expected;
                    }
                    case "wait-line" -> {
                        // Everything after "wait-line N " is the line, trailing spaces included.
                        Matcher parts = Pattern.compile("^wait-line\\s+(\\d+) (.*)$").matcher(line);
                        if (!parts.matches()) {
                            throw error(name, number, "expected 'wait-line N <text>'");
                        }
                        steps.add(new Expect(number, user(name, number, parts.group(1)),
                                List.of(LinePattern.of(parts.group(2)))));
                    }
                    case "quiet" -> {
                        String[] words = argument.split("\\s+");
                        if (words.length > 2 || words[0].isEmpty()) {
                            throw error(name, number, "expected 'quiet N [millis]'");
                        }
                        Duration window = words.length == 2
                                ? Duration.ofMillis(number(name, number, words[1])) : QUIET_DEFAULT;
                        steps.add(new Quiet(number, user(name, number, words[0]), window));
                    }
                    case "kill-client" -> steps.add(new KillClient(number, user(name, number, argument)));
                    case "close" -> steps.add(new Close(number, user(name, number, argument)));
                    case "sleep-until-dead" -> {
                        if (!argument.isEmpty()) {
                            throw error(name, number, "sleep-until-dead takes no argument");
                        }
                        steps.add(new SleepUntilDead(number));
                    }
                    case "kill-master" -> steps.add(new KillMaster(number, (int) number(name, number, argument)));
                    case "kill-node", "restart-node", "pause-node", "resume-node" -> {
                        if (!argument.matches("\\d+\\.\\d+")) {
                            throw error(name, number, "expected '" + word + " C.N' (cluster.member)");
                        }
                        steps.add(new NodeFault(number, word.substring(0, word.indexOf('-')), "node-" + argument));
                    }
                    default -> throw new AssertionError(word);
                }
            } else if (block != null) {
                block.add(LinePattern.of(line));
            } else {
                throw error(name, number, "an expected line must follow 'N> …', 'expect N' or another expected "
                        + "line: «" + line + "»");
            }
        }
        if (steps.isEmpty()) {
            throw error(name, lines.size(), "empty scenario");
        }
        return new Scenario(name, List.copyOf(steps));
    }

    private static final Pattern EXPANSION = Pattern.compile("\\{\\{(?:U\\+([0-9A-Fa-f]{4})|(\\d+)\\*(.*?))}}");

    /** The typed text with {{U+XXXX}} and {{N*text}} expanded (see the class comment). */
    static String expand(String text) {
        Matcher m = EXPANSION.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(1) != null ? String.valueOf((char) Integer.parseInt(m.group(1), 16))
                    : m.group(3).repeat(Integer.parseInt(m.group(2)));
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(out).toString();
    }

    Deploy deploy() {
        return (Deploy) steps.get(0);
    }

    private static Deploy deploy(String name, int number, String arguments) {
        Integer clusters = null;
        Set<Integer> only = new TreeSet<>();
        for (String argument : arguments.split("\\s+")) {
            if (argument.isEmpty()) {
                continue;
            }
            if (argument.startsWith("clusters=")) {
                clusters = (int) number(name, number, argument.substring("clusters=".length()));
            } else if (argument.startsWith("only=")) {
                for (String cluster : argument.substring("only=".length()).split(",")) {
                    only.add((int) number(name, number, cluster));
                }
            } else {
                throw error(name, number, "unknown deploy option '" + argument + "' (clusters=N, only=C,C)");
            }
        }
        if (clusters == null || clusters < 1) {
            throw error(name, number, "deploy needs clusters=N with N >= 1");
        }
        for (int cluster : only) {
            if (cluster < 1 || cluster > clusters) {
                throw error(name, number, "only=" + cluster + " is not a cluster of 1.." + clusters);
            }
        }
        return new Deploy(number, clusters, Set.copyOf(only));
    }

    private static long user(String name, int number, String text) {
        long user = number(name, number, text.strip());
        if (user < 1) {
            throw error(name, number, "a user id is a positive integer: '" + text + "'");
        }
        return user;
    }

    private static long number(String name, int number, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw error(name, number, "not a number: '" + text + "'");
        }
    }

    private static IllegalArgumentException error(String name, int number, String message) {
        return new IllegalArgumentException(name + ":" + number + ": " + message);
    }
}
