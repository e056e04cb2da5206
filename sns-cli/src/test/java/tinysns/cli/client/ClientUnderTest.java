package tinysns.cli.client;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One course client running on its own thread against an {@link InMemoryConnection}, fed through a pipe the way scripts
 * drive it, with its stdout captured. Every wait is bounded.
 */
final class ClientUnderTest implements AutoCloseable {
    static final long WAIT_MILLIS_MAX = 10_000;

    final InMemoryConnection connection;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final PipedWriter stdin = new PipedWriter();
    private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();

    ClientUnderTest(InMemoryConnection connection, long userId, RetryPolicy retryPolicy) throws IOException {
        this.connection = connection;
        BufferedReader input = new BufferedReader(new PipedReader(stdin, 1 << 16));
        ConsoleOutput output = new ConsoleOutput(new PrintStream(stdout, true, StandardCharsets.UTF_8), false);
        ClientSession session = new ClientSession(connection, retryPolicy, 300, output::notice);
        Thread thread = new Thread(() -> {
            try {
                exitCode.complete(CourseClient.run(session, userId, input, output,
                        new PostLineFormatter(ZoneOffset.UTC)));
            } catch (Throwable t) {
                exitCode.completeExceptionally(t);
            }
        }, "client-" + userId);
        thread.setDaemon(true);
        thread.start();
    }

    ClientUnderTest(InMemoryConnection connection, long userId) throws IOException {
        this(connection, userId, new RetryPolicy(2000, 10, 100));
    }

    void type(String lines) throws IOException {
        stdin.write(lines);
        stdin.flush();
    }

    /** Closes stdin and returns the exit code. */
    int endInput() throws Exception {
        stdin.close();
        return exitCode.get(WAIT_MILLIS_MAX, TimeUnit.MILLISECONDS);
    }

    int awaitExit() throws Exception {
        return exitCode.get(WAIT_MILLIS_MAX, TimeUnit.MILLISECONDS);
    }

    String output() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    void awaitOutput(Predicate<String> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS_MAX);
        while (!condition.test(output())) {
            if (System.nanoTime() > deadline) {
                fail("output never matched; it is:\n" + output());
            }
            Thread.sleep(10);
        }
    }

    /** Waits until the client has printed {@code count} prompts, i.e. has handled everything typed before them. */
    void awaitPrompts(int count) throws InterruptedException {
        awaitOutput(out -> out.split(java.util.regex.Pattern.quote(ConsoleOutput.PROMPT), -1).length - 1 >= count);
    }

    @Override
    public void close() throws IOException {
        stdin.close();
    }
}
