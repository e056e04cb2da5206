package tinysns.cli.client;

import java.util.Locale;

import tinysns.api.Status;

/**
 * Turns a command-mode line into a {@link ParsedCommand}, the way the course client does (CLIENT.md):
 * <ul>
 *   <li>the command word is case-insensitive, the argument keeps its case;</li>
 *   <li>a word followed by a space and nothing else: {@code Invalid Input -- No Arguments Given};</li>
 *   <li>an unknown word (with or without arguments), or {@code FOLLOW}/{@code UNFOLLOW} without any space,
 *       or an empty line: {@code Invalid Command};</li>
 *   <li>a known word with the wrong arguments ({@code FOLLOW 1 2}, {@code LIST x}): the malformed-command reply
 *       {@code Command failed with invalid command}, as the course server would have answered it.</li>
 * </ul>
 */
public final class CommandParser {
    public static final String NO_ARGUMENTS = "Invalid Input -- No Arguments Given";
    public static final String INVALID_COMMAND = "Invalid Command";

    private static final ParsedCommand.Refused MALFORMED =
            new ParsedCommand.Refused(ReplyLines.lineFor(Status.INVALID_COMMAND));

    public ParsedCommand parse(String line) {
        int space = line.indexOf(' ');
        if (space < 0) {
            return switch (line.toUpperCase(Locale.ROOT)) {
                case "LIST" -> new ParsedCommand.ListUsers();
                case "TIMELINE" -> new ParsedCommand.Timeline();
                default -> new ParsedCommand.Refused(INVALID_COMMAND);
            };
        }
        String word = line.substring(0, space).toUpperCase(Locale.ROOT);
        String rest = line.substring(space + 1);
        // The course checks "the first space is the last character"; blank after it is the same mistake.
        if (rest.isBlank()) {
            return new ParsedCommand.Refused(NO_ARGUMENTS);
        }
        String[] arguments = rest.trim().split("\\s+");
        return switch (word) {
            case "FOLLOW" -> arguments.length == 1 ? new ParsedCommand.Follow(arguments[0]) : MALFORMED;
            case "UNFOLLOW" -> arguments.length == 1 ? new ParsedCommand.Unfollow(arguments[0]) : MALFORMED;
            case "LIST", "TIMELINE" -> MALFORMED;
            default -> new ParsedCommand.Refused(INVALID_COMMAND);
        };
    }
}
