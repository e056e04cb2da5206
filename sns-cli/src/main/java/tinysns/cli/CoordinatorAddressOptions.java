package tinysns.cli;

import picocli.CommandLine.Option;

/** Where the coordinator's RMI registry is: the course's {@code -h HOST -k PORT}. Mixed into every role that asks it. */
public final class CoordinatorAddressOptions {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9000;

    @Option(names = {"-h", "--coordinator-host"}, paramLabel = "HOST", defaultValue = DEFAULT_HOST,
            description = "Host of the coordinator's RMI registry (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-k", "--coordinator-port"}, paramLabel = "PORT", defaultValue = "" + DEFAULT_PORT,
            description = "Port of the coordinator's RMI registry (default: ${DEFAULT-VALUE}).")
    int port;

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }
}
