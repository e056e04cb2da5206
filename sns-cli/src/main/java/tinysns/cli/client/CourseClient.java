package tinysns.cli.client;

import java.io.BufferedReader;
import java.util.List;

/** The course client from start to end: log in, print the title block, run the console, log out. */
public final class CourseClient {
    /** The title block, line by line; the first line is empty (CLIENT.md). */
    public static final List<String> TITLE_LINES = List.of(
            "",
            "========= TINY SNS CLIENT =========",
            " Command Lists and Format:",
            " FOLLOW <username>",
            " UNFOLLOW <username>",
            " LIST",
            " TIMELINE",
            "=====================================");

    private CourseClient() {
    }

    /**
     * Runs the client for {@code userId} and closes {@code session} (logout, keep-alive stopped, connection closed).
     *
     * @return the exit code: 0 when input ended, 1 when the login failed (after printing
     *         {@code connection failed: <negative code>}) or input could not be read
     */
    public static int run(ClientSession session, long userId, BufferedReader input, ConsoleOutput output,
                          PostLineFormatter postLines) {
        try (session) {
            LoginOutcome outcome = session.login(userId);
            if (outcome != LoginOutcome.LOGGED_IN) {
                output.println("connection failed: " + outcome.code());
                return 1;
            }
            TITLE_LINES.forEach(output::println);
            return new ClientConsole(session, input, output, postLines).run();
        }
    }
}
