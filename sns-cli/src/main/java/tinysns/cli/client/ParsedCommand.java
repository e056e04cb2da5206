package tinysns.cli.client;

/**
 * One command-mode line after parsing: a command to run, or a line to print instead (the course client answers some
 * mistakes itself, without asking the server).
 */
public sealed interface ParsedCommand {
    /** {@code FOLLOW <id>}. The argument is kept as typed; the engine decides whether it is a valid user id. */
    record Follow(String argument) implements ParsedCommand {
    }

    /** {@code UNFOLLOW <id>}. */
    record Unfollow(String argument) implements ParsedCommand {
    }

    /** {@code LIST}. */
    record ListUsers() implements ParsedCommand {
    }

    /** {@code TIMELINE}. */
    record Timeline() implements ParsedCommand {
    }

    /** The line was not a command; print {@code line} and prompt again. */
    record Refused(String line) implements ParsedCommand {
    }
}
