package tinysns.cli.client;

import java.io.PrintStream;
import java.util.Objects;

/**
 * The client's stdout. Course lines, pushed timeline posts (from an RMI thread) and failover notices (from the
 * keep-alive thread) all go through here, one whole line at a time, so they never interleave mid-line.
 *
 * <p>The prompt {@code Cmd> } ends without a newline. Through a pipe nothing ends that line until the reply, so the
 * course's {@code Cmd> Command completed successfully} stays as it was; a notice, though, must sit on its own line,
 * so it starts a new line first when the cursor is not at the start of one. With a terminal the user's Enter already
 * ended the line.
 */
public final class ConsoleOutput {
    public static final String PROMPT = "Cmd> ";

    private final PrintStream out;
    private final boolean inputEchoed;
    private boolean atLineStart = true;
    private boolean waitingAtPrompt;
    /** Set by {@link #ending}: the client is about to exit, so it prompts no more. */
    private boolean ended;

    /**
     * @param inputEchoed whether typed input appears on this output (a terminal); false for a pipe
     */
    public ConsoleOutput(PrintStream out, boolean inputEchoed) {
        this.out = Objects.requireNonNull(out, "out");
        this.inputEchoed = inputEchoed;
    }

    public synchronized void prompt() {
        if (ended) {
            return;
        }
        out.print(PROMPT);
        out.flush();
        atLineStart = false;
        waitingAtPrompt = true;
    }

    /** The user finished typing a line (or input ended). */
    public synchronized void lineRead() {
        waitingAtPrompt = false;
        if (inputEchoed) {
            atLineStart = true;
        }
    }

    /** A course line: printed where the cursor is, as the course client did. */
    public synchronized void println(String line) {
        out.print(line);
        out.print('\n');
        out.flush();
        atLineStart = true;
    }

    /** An out-of-band line: always on a line of its own; a prompt it interrupted is shown again. */
    public synchronized void notice(String line) {
        boolean reprompt = waitingAtPrompt;
        if (!atLineStart) {
            out.print('\n');
        }
        println(line);
        if (reprompt) {
            prompt();
        }
    }

    /** The last lines of a session that ended for good: on lines of their own, and no prompt after them. */
    public synchronized void ending(java.util.List<String> lines) {
        if (!atLineStart) {
            out.print('\n');
        }
        for (String line : lines) {
            out.print(line);
            out.print('\n');
        }
        out.flush();
        atLineStart = true;
        waitingAtPrompt = false;
        ended = true;
    }

    /** Leaves the output ending in a newline (at end of input the last prompt has none). */
    public synchronized void finish() {
        if (!atLineStart) {
            out.print('\n');
            atLineStart = true;
        }
        waitingAtPrompt = false;
        out.flush();
    }
}
