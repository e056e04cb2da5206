package tinysns.cli.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tinysns.api.ListReply;
import tinysns.api.Reply;
import tinysns.api.Status;

/**
 * The course client's two modes over a logged-in {@link ClientSession}: command mode ({@code Cmd> } prompt, one reply
 * line per command) and timeline mode (every line typed is a post; followed users' posts appear as they are
 * committed). Ends when input ends, or when the session ends for good (replaced by another login, or expired with no
 * login possible): its lines are shown once and no command after them is answered.
 *
 * <p>Input is read on a thread of its own, a few lines ahead at most, so that a session ending while the console
 * waits for input (in timeline mode that may be forever) ends the client at once.
 */
public final class ClientConsole {
    public static final String TIMELINE_ENTERED = "Now you are in the timeline";

    private static final Logger log = LoggerFactory.getLogger(ClientConsole.class);
    /** Lines read ahead of the console at most. */
    private static final int READ_AHEAD_LINES = 16;
    /** How often a console waiting for input looks whether the session has ended. */
    private static final long ENDING_CHECK_MILLIS = 50;
    private static final Object END_OF_INPUT = new Object();

    private final ClientSession session;
    private final BufferedReader input;
    private final ConsoleOutput output;
    private final PostLineFormatter postLines;
    private final CommandParser parser = new CommandParser();
    /** Lines read (String), then END_OF_INPUT or the IOException that ended the reading. */
    private final BlockingQueue<Object> inputs = new ArrayBlockingQueue<>(READ_AHEAD_LINES);

    public ClientConsole(ClientSession session, BufferedReader input, ConsoleOutput output,
                         PostLineFormatter postLines) {
        this.session = Objects.requireNonNull(session, "session");
        this.input = Objects.requireNonNull(input, "input");
        this.output = Objects.requireNonNull(output, "output");
        this.postLines = Objects.requireNonNull(postLines, "postLines");
    }

    /**
     * Runs until end of input or the end of the session; returns the process exit code (0: input ended; else the
     * session's {@link ClientSession.Ending#exitCode()}).
     */
    public int run() {
        session.onEnding(ending -> output.ending(ending.lines()));
        startReading();
        try {
            boolean inTimeline = commandMode();
            if (inTimeline) {
                timelineMode();
            }
            ClientSession.Ending ending = session.ending();
            return ending == null ? 0 : ending.exitCode();
        } catch (IOException e) {
            log.error("reading input failed: {}", e.toString());
            return 1;
        } finally {
            output.finish();
        }
    }

    private void startReading() {
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = input.readLine()) != null) {
                    inputs.put(line);
                }
                inputs.put(END_OF_INPUT);
            } catch (IOException e) {
                inputs.offer(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tsc-input");
        reader.setDaemon(true); // blocked in a read of stdin when the client exits
        reader.start();
    }

    private boolean ended() {
        return session.ending() != null;
    }

    /** @return true when the user entered timeline mode, false when input ended */
    private boolean commandMode() throws IOException {
        while (!ended()) {
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
                println(follow(follow.argument()));
            } else if (command instanceof ParsedCommand.Unfollow unfollow) {
                println(unfollow(unfollow.argument()));
            } else if (command instanceof ParsedCommand.ListUsers) {
                list();
            } else if (command instanceof ParsedCommand.Timeline && enterTimeline()) {
                return true;
            }
        }
        return false;
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
        return replyLine(session.follow(target.getAsLong()).status());
    }

    private String unfollow(String argument) {
        OptionalLong target = UserIdArgument.parse(argument);
        if (target.isEmpty()) {
            return ReplyLines.INVALID_USERNAME;
        }
        return replyLine(session.unfollow(target.getAsLong()).status());
    }

    /** The reply line, or null when the session ended meanwhile (its own lines said so; nothing more is said). */
    private String replyLine(Status status) {
        return ended() ? null : ReplyLines.lineFor(status);
    }

    private void println(String line) {
        if (line != null) {
            output.println(line);
        }
    }

    private void list() {
        ListReply reply = session.list();
        if (ended()) {
            return;
        }
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
            println(replyLine(status));
            return false;
        }
        return true;
    }

    private void timelineMode() throws IOException {
        String line;
        while (!ended() && (line = readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            if (ClientSession.isTooLong(line)) {
                output.println("Post refused: it has " + line.codePointCount(0, line.length())
                        + " characters, the limit is " + ClientSession.POST_CHARS_MAX + "; nothing was posted");
                continue;
            }
            Reply reply = session.post(line);
            String failed = reply.ok() ? null : replyLine(reply.status());
            if (failed != null) {
                output.println("Post failed: " + failed);
            }
        }
    }

    /**
     * The next line without its terminator (a CR left by a Windows-edited script is not part of the line); null at end
     * of input or once the session has ended.
     */
    private String readLine() throws IOException {
        Object next;
        try {
            do {
                if (ended()) {
                    return null;
                }
                next = inputs.poll(ENDING_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } while (next == null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        if (next == END_OF_INPUT) {
            inputs.offer(END_OF_INPUT); // end of input stays the end for any later read
            return null;
        }
        if (next instanceof IOException failure) {
            throw failure;
        }
        String line = (String) next;
        if (line.endsWith("\r")) {
            return line.substring(0, line.length() - 1);
        }
        return line;
    }
}
