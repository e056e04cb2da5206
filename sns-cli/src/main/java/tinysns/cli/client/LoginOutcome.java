package tinysns.cli.client;

/**
 * Why a login failed, with the negative code the client prints as {@code connection failed: <code>} (the course client
 * printed a negative number there; these give each cause its own).
 */
public enum LoginOutcome {
    LOGGED_IN(0, "logged in"),
    COORDINATOR_UNREACHABLE(-1, "cannot reach the coordinator"),
    NO_SERVER(-2, "no live server for the user's cluster"),
    ALREADY_LOGGED_IN(-3, "the user is logged in from another client that is still alive"),
    REFUSED(-4, "the server refused the login");

    private final int code;
    private final String meaning;

    LoginOutcome(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
