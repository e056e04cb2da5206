package tinysns.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code sns client -u N} with piped stdin/stdout: a test types lines and waits (bounded) for the lines the
 * client prints. Its stderr (logs) goes to {@code <name>.log}; everything typed and printed goes to
 * {@code <name>.transcript} ({@code >} typed, {@code <} printed).
 *
 * <p>Printed lines are compared without the {@code Cmd> } prompts in front of them (through a pipe the prompt and the
 * reply share a line) and blank lines are skipped: the comparisons are about what the client says.
 */
final class ClientProcess {
    static final String PROMPT = "Cmd> ";
    private static final String END = new String("end of output"); // identity marks the end of the stream

    private final String name;
    private final long userId;
    private final Process process;
    private final Writer stdin;
    private final Writer transcript;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private boolean ended;
    private volatile boolean ignoringNotices;

    private ClientProcess(String name, long userId, Process process, Writer transcript) {
        this.name = name;
        this.userId = userId;
        this.process = process;
        this.transcript = transcript;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::pump, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** @param runDir the working directory; {@code runDir/tmp} is java.io.tmpdir */
    static ClientProcess start(String name, long userId, String host, int registryPort, Path runDir, Path logDir)
            throws IOException {
        return start(name, userId, host, registryPort, runDir, logDir, List.of());
    }

    /** @param extraArguments appended to the client's command line, e.g. {@code --tls DIR} */
    static ClientProcess start(String name, long userId, String host, int registryPort, Path runDir, Path logDir,
            List<String> extraArguments) throws IOException {
        List<String> arguments = new ArrayList<>(List.of("client", "-h", host, "-k", String.valueOf(registryPort),
                "-u", String.valueOf(userId)));
        arguments.addAll(extraArguments);
        ProcessBuilder builder = new ProcessBuilder(SnsJvm.command("64m", runDir.resolve("tmp"), arguments))
                .directory(runDir.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
        Writer transcript = Files.newBufferedWriter(logDir.resolve(name + ".transcript"), StandardCharsets.UTF_8);
        return new ClientProcess(name, userId, SnsJvm.start(builder), transcript);
    }

    /**
     * A client that {@code builder} starts some other way (e.g. {@code scripts/hosts.sh tsc} inside a network
     * namespace): its stdin and stdout must stay pipes; its stderr goes to {@code <name>.log} in {@code logDir}.
     */
    static ClientProcess start(String name, long userId, ProcessBuilder builder, Path logDir) throws IOException {
        builder.redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
        Writer transcript = Files.newBufferedWriter(logDir.resolve(name + ".transcript"), StandardCharsets.UTF_8);
        return new ClientProcess(name, userId, SnsJvm.start(builder), transcript);
    }

    String name() {
        return name;
    }

    /**
     * From now on {@link #nextLine} passes over the client's notices about its link, which may come between any two
     * lines when the machine is slow or a master fails ({@code (reconnected to the master of cluster …)},
     * {@code (no master for cluster … reachable …)}): for checks about what the client answers, not about its link.
     * They stay in the transcript.
     */
    ClientProcess ignoringNotices() {
        ignoringNotices = true;
        return this;
    }

    static boolean isLinkNotice(String line) {
        return line.startsWith("(reconnected to the master of cluster ") || line.startsWith("(no master for cluster ");
    }

    long userId() {
        return userId;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    private void pump() {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                record("< " + line);
                lines.add(withoutPrompts(line));
            }
        } catch (IOException e) {
            record("! stdout read failed: " + e);
        } finally {
            lines.add(END);
        }
    }

    static String withoutPrompts(String line) {
        String text = line;
        while (text.startsWith(PROMPT)) {
            text = text.substring(PROMPT.length());
        }
        return text;
    }

    private void record(String line) {
        synchronized (transcript) {
            try {
                transcript.write(line);
                transcript.write('\n');
                transcript.flush();
            } catch (IOException e) {
                // The transcript is a debugging aid; losing it must not fail the test.
            }
        }
    }

    /** Types one line (a newline is added). */
    void send(String line) {
        record("> " + line);
        try {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new AssertionError(name + ": cannot type '" + line + "': the client is gone ("
                    + exitDescription() + ")" + recent(), e);
        }
    }

    /** Ends the input, as Ctrl-D or the end of a piped script. */
    void closeInput() {
        record("> (end of input)");
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone: nothing to close
        }
    }

    /**
     * The next non-blank line the client prints, prompts removed; empty if none came within {@code timeout} or the
     * output ended.
     */
    Optional<String> nextLine(Duration timeout) throws InterruptedException {
        if (ended) {
            return Optional.empty();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? lines.poll() : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                return Optional.empty();
            }
            if (line == END) {
                ended = true;
                return Optional.empty();
            }
            if (!line.isBlank() && !(ignoringNotices && isLinkNotice(line))) {
                seen.add(line);
                return Optional.of(line);
            }
        }
    }

    /** The next non-blank line must match {@code expected}; fails with what the client printed so far otherwise. */
    String expect(LinePattern expected, Duration timeout) throws InterruptedException {
        Optional<String> line = nextLine(timeout);
        if (line.isEmpty()) {
            throw new AssertionError(name + ": expected «" + expected + "» but "
                    + (ended ? "the output ended (" + exitDescription() + ")" : "nothing came within "
                    + timeout.toMillis() + " ms") + recent());
        }
        String problem = expected.mismatch(line.get());
        if (problem != null) {
            throw new AssertionError(name + ": expected «" + expected + "» but got «" + line.get() + "»"
                    + (problem.isEmpty() ? "" : " (" + problem + ")") + recent());
        }
        return line.get();
    }

    /** Fails if the client prints any non-blank line within {@code window}. */
    void expectQuiet(Duration window) throws InterruptedException {
        Optional<String> line = nextLine(window);
        if (line.isPresent()) {
            throw new AssertionError(name + ": expected no output for " + window.toMillis() + " ms but got «"
                    + line.get() + "»" + recent());
        }
    }

    /** Waits (bounded) for the process to end; empty if it still runs. */
    OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return OptionalInt.of(process.exitValue());
        }
        return OptionalInt.empty();
    }

    /** Lines printed but not yet read by the test (bounded wait for the output to end first). */
    List<String> unreadLines(Duration timeout) throws InterruptedException {
        List<String> unread = new ArrayList<>();
        Optional<String> line;
        while ((line = nextLine(timeout)).isPresent()) {
            unread.add(line.get());
        }
        return unread;
    }

    /** SIGKILL: the client dies without logging out, as when its machine crashes. Bounded wait until it is gone. */
    void kill() throws InterruptedException {
        record("! SIGKILL");
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
        }
        closeTranscript();
    }

    void closeTranscript() {
        synchronized (transcript) {
            try {
                transcript.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    String exitDescription() {
        return process.isAlive() ? "still running" : "exit code " + process.exitValue();
    }

    /** The last lines this client printed, for failure messages. */
    private String recent() {
        int from = Math.max(0, seen.size() - 8);
        return "\n  last lines read from " + name + ": " + (seen.isEmpty() ? "(none)" : String.join(" | ",
                seen.subList(from, seen.size())));
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", " + exitDescription() + ")";
    }
}
