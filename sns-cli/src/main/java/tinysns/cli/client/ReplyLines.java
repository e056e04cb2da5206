package tinysns.cli.client;

import tinysns.api.Status;

/** The one line the course client prints for each outcome (CLIENT.md's reply table). */
public final class ReplyLines {
    public static final String SUCCESS = "Command completed successfully";
    public static final String ALREADY_EXISTS = "Input username already exists, command failed";
    public static final String NOT_EXISTS = "Input username does not exists, command failed";
    public static final String INVALID_USERNAME = "Command failed with invalid username";
    public static final String NOT_A_FOLLOWER = "Command failed with not a follower";
    public static final String INVALID_COMMAND = "Command failed with invalid command";
    public static final String UNKNOWN = "Command failed with unknown reason";
    /** Beyond the course: the server refused a post over its per-session rate (sns node --post-rate). */
    public static final String RATE_LIMITED = "Command failed with too many posts, wait a moment";

    private ReplyLines() {
    }

    /**
     * Every status beyond the course's own (NOT_MASTER after retries ran out, SESSION_INVALID, …) is "unknown", except
     * RATE_LIMITED: a script that posts too fast must be told to slow down, not left guessing.
     */
    public static String lineFor(Status status) {
        if (status == null) {
            return UNKNOWN;
        }
        return switch (status) {
            case SUCCESS -> SUCCESS;
            case ALREADY_EXISTS -> ALREADY_EXISTS;
            case NOT_EXISTS -> NOT_EXISTS;
            case INVALID_USERNAME -> INVALID_USERNAME;
            case NOT_A_FOLLOWER -> NOT_A_FOLLOWER;
            case INVALID_COMMAND -> INVALID_COMMAND;
            case RATE_LIMITED -> RATE_LIMITED;
            default -> UNKNOWN;
        };
    }
}
