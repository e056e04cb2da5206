package tinysns.cli;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import tinysns.cli.client.ClientSession;
import tinysns.cli.client.ConsoleOutput;
import tinysns.cli.client.CourseClient;
import tinysns.cli.client.PostLineFormatter;
import tinysns.cli.client.RetryPolicy;
import tinysns.cli.client.RmiConnection;
import tinysns.cli.client.UserIdArgument;

/**
 * {@code sns client} / {@code tsc}: the course client (CLIENT.md). No {@code -h} for help here: the course uses it
 * for the coordinator's host, so help is {@code --help}.
 */
@Command(name = "client",
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {
                "The interactive client, compatible with the course's tsc.",
                "Asks the coordinator for the master of the user's cluster, logs in (the first login creates the "
                        + "user) and reads commands from stdin: FOLLOW <id>, UNFOLLOW <id>, LIST, TIMELINE. "
                        + "In timeline mode every line typed is a post (at most 280 characters). "
                        + "Survives a failover of its server without re-login. Ends at end of input (exit 0).",
                "Exit codes: 0 input ended; 1 login impossible (prints 'connection failed: <code>': -1 coordinator "
                        + "unreachable, -2 no live server, -3 user logged in elsewhere, -4 refused), also after "
                        + "'Session expired' when logging in again fails; 2 bad arguments; 3 the session was replaced "
                        + "(prints 'Session ended: user N logged in from another client')."},
        footer = {"", "Example:", "  sns client -h 127.0.0.1 -k 9000 -u 1",
                "  printf 'follow 4\\nlist\\n' | tsc -u 1"})
public final class ClientCommand implements Callable<Integer> {
    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean helpRequested;

    @Option(names = "--version", versionHelp = true, description = "Show the version and exit.")
    boolean versionRequested;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = {"-u", "--user"}, paramLabel = "USERID", required = true,
            description = "The user to log in as: a positive integer. Its cluster is (USERID - 1) mod clusters + 1.")
    String userId;

    @Option(names = "--callback-host", paramLabel = "HOST",
            description = "Address servers reach this client at to push timeline posts (default: 127.0.0.1 when "
                    + "the coordinator is on this machine, else this machine's address).")
    String callbackHost;

    @Option(names = "--retry-for", paramLabel = "DURATION", defaultValue = "10s",
            converter = DurationConverter.class,
            description = "How long one command keeps looking for a new master after its server failed "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration retryFor;

    @Option(names = "--login-retry-for", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationConverter.class,
            description = "How long the login waits for its cluster to have a master (default: ${DEFAULT-VALUE}).")
    Duration loginRetryFor;

    /** RMI calls to a paused (not dead) server would otherwise block forever. */
    static final String RMI_RESPONSE_TIMEOUT_MILLIS = "5000";

    @Override
    public Integer call() throws UnknownHostException {
        OptionalLong user = UserIdArgument.parse(userId);
        if (user.isEmpty()) {
            System.err.println("invalid user id '" + userId + "': it must be a positive integer from 1 to "
                    + Long.MAX_VALUE);
            return 2;
        }
        if (coordinator.port() < 1 || coordinator.port() > 65535) {
            System.err.println("invalid coordinator port " + coordinator.port() + ": it must be 1..65535");
            return 2;
        }
        String listenerHost = callbackHost != null ? callbackHost : defaultCallbackHost(coordinator.host());
        // Both are read once, when RMI's transport classes load: set them before the first RMI call.
        setIfAbsent("java.rmi.server.hostname", listenerHost);
        tinysns.api.rmi.RmiTimeouts.install(Long.parseLong(RMI_RESPONSE_TIMEOUT_MILLIS));

        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        BufferedReader stdin = new BufferedReader(
                new InputStreamReader(new FileInputStream(FileDescriptor.in), StandardCharsets.UTF_8));
        ConsoleOutput output = new ConsoleOutput(stdout, System.console() != null);
        ClientSession session = new ClientSession(
                new RmiConnection(coordinator.addresses(), listenerHost),
                RetryPolicy.failover(retryFor), loginRetryFor.toMillis(), output::notice);
        return CourseClient.run(session, user.getAsLong(), stdin, output, PostLineFormatter.localZone());
    }

    /** The coordinator on this machine means the servers are too, so loopback reaches us; otherwise our address. */
    static String defaultCallbackHost(String coordinatorHost) throws UnknownHostException {
        InetAddress coordinatorAddress = InetAddress.getByName(coordinatorHost);
        if (coordinatorAddress.isLoopbackAddress()) {
            return "127.0.0.1";
        }
        return InetAddress.getLocalHost().getHostAddress();
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
