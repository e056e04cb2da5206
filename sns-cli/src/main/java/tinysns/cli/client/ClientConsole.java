package tinysns.cli.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tinysns.api.ListReply;
import tinysns.api.Reply;
import tinysns.api.Status;

/**
 * The course client's two modes over a logged-in {@link ClientSession}: command mode ({@code Cmd> } prompt, one reply
 * line per command) and timeline mode (every line typed is a post; followed users' posts appear as they are
 * committed). Ends when input ends.
 */
public final class ClientConsole {
    public static final String TIMELINE_ENTERED = "Now you are in the timeline";

    private static final Logger log = LoggerFactory.getLogger(ClientConsole.class);

    private final ClientSession session;
    private final BufferedReader input;
    private final ConsoleOutput output;
    private final PostLineFormatter postLines;
    private final CommandParser parser = new CommandParser();

    public ClientConsole(ClientSession session, BufferedReader input, ConsoleOutput output,
                         PostLineFormatter postLines) {
        this.session = Objects.requireNonNull(session, "session");
        this.input = Objects.requireNonNull(input, "input");
        this.output = Objects.requireNonNull(output, "output");
        this.postLines = Objects.requireNonNull(postLines, "postLines");
    }

    /** Runs until end of input; returns the process exit code (0: input ended). */
    public int run() {
        try {
            boolean inTimeline = commandMode();
            if (inTimeline) {
                timelineMode();
            }
            return 0;
        } catch (IOException e) {
            log.error("reading input failed", e);
            return 1;
        } finally {
            output.finish();
        }
    }

    /** @return true when the user entered timeline mode, false when input ended */
    private boolean commandMode() throws IOException {
        while (true) {
            output.prompt();
            String line = readLine();
            output.lineRead();
            if (line == null) {
                return false;
            }
            ParsedCommand command = parser.parse(line);
            // Java 17: no pattern matching in switch yet, hence the instanceof chain.
            if (command instanceof ParsedCommand.Refused refused) {
                output.println(refused.line());
            } else if (command instanceof ParsedCommand.Follow follow) {
                output.println(follow(follow.argument()));
            } else if (command instanceof ParsedCommand.Unfollow unfollow) {
                output.println(unfollow(unfollow.argument()));
            } else if (command instanceof ParsedCommand.ListUsers) {
                list();
            } else if (command instanceof ParsedCommand.Timeline && enterTimeline()) {
                return true;
            }
        }
    }

    /**
     * A FOLLOW/UNFOLLOW argument that is not a positive integer names no user, so it gets the invalid-username line
     * without a round trip (and without using up a request number).
     */
    private String follow(String argument) {
        OptionalLong target = UserIdArgument.parse(argument);
        if (target.isEmpty()) {
            return ReplyLines.INVALID_USERNAME;
        }
        return ReplyLines.lineFor(session.follow(target.getAsLong()).status());
    }

    private String unfollow(String argument) {
        OptionalLong target = UserIdArgument.parse(argument);
        if (target.isEmpty()) {
            return ReplyLines.INVALID_USERNAME;
        }
        return ReplyLines.lineFor(session.unfollow(target.getAsLong()).status());
    }

    private void list() {
        ListReply reply = session.list();
        output.println(ReplyLines.lineFor(reply.status()));
        if (reply.status() == Status.SUCCESS) {
            output.println("All users: " + idList(reply.allUsers()));
            output.println("Followers: " + idList(reply.followers()));
        }
    }

    /** {@code 1, 4, } — every id followed by a comma and a space, ascending, as the course printed it. */
    static String idList(List<Long> ids) {
        StringBuilder line = new StringBuilder();
        for (long id : new TreeSet<>(ids == null ? List.of() : ids)) {
            line.append(id).append(", ");
        }
        return line.toString();
    }

    private boolean enterTimeline() {
        TimelineFeed feed = new TimelineFeed(post -> output.println(postLines.format(post)));
        Status status = session.enterTimeline(feed, () -> {
            output.println(ReplyLines.SUCCESS);
            output.println(TIMELINE_ENTERED);
        });
        if (status != Status.SUCCESS) {
            output.println(ReplyLines.lineFor(status));
            return false;
        }
        return true;
    }

    private void timelineMode() throws IOException {
        String line;
        while ((line = readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            if (ClientSession.isTooLong(line)) {
                output.println("Post refused: it has " + line.codePointCount(0, line.length())
                        + " characters, the limit is " + ClientSession.POST_CHARS_MAX + "; nothing was posted");
                continue;
            }
            Reply reply = session.post(line);
            if (!reply.ok()) {
                output.println("Post failed: " + ReplyLines.lineFor(reply.status()));
            }
        }
    }

    /** A line without its terminator; a CR left by a Windows-edited script is not part of the line. */
    private String readLine() throws IOException {
        String line = input.readLine();
        if (line != null && line.endsWith("\r")) {
            return line.substring(0, line.length() - 1);
        }
        return line;
    }
}
