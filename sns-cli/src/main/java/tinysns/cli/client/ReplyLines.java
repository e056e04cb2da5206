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
    /**
     * Beyond the course: a server refused the timeline callback because the address in it is not the one this client
     * connects from (a wrong {@code --callback-host}, or an address translated on the way).
     */
    public static final String CALLBACK_REFUSED = "Command failed with a callback address the server does not accept: "
            + "it calls back only the address this client connects from (see --callback-host)";
    /**
     * Beyond the course: the command found no master of the user's cluster within the retry budget (the client printed
     * {@link NoticeLines#noMaster} first, naming the cluster, and keeps looking in the background).
     */
    public static final String NO_MASTER = "Command failed with no master reachable";

    private ReplyLines() {
    }

    /**
     * Every status beyond the course's own is "unknown", except RATE_LIMITED (a script that posts too fast must be told
     * to slow down, not left guessing), CALLBACK_REFUSED (only the user can fix the client's callback address) and
     * NO_SERVER (what a command that ran out of retries without a master answers). A session that ended
     * (SESSION_INVALID, SESSION_REPLACED) gets no reply line: the client says so once ({@link NoticeLines}).
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
            case CALLBACK_REFUSED -> CALLBACK_REFUSED;
            case NO_SERVER -> NO_MASTER;
            default -> UNKNOWN;
        };
    }
}
