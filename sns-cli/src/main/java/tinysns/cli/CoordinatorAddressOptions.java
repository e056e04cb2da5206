package tinysns.cli;

import java.util.List;
import picocli.CommandLine.Option;
import tinysns.api.client.CoordinatorLocator;

/**
 * Where the coordinator's RMI registry is: the course's {@code -h HOST -k PORT}, where {@code -k} may also list several
 * coordinator replicas ({@code 9000,9010,9020} or {@code host:9000,host2:9010}). Mixed into every role that asks it.
 */
public final class CoordinatorAddressOptions {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9000;

    @Option(names = {"-h", "--coordinator-host"}, paramLabel = "HOST", defaultValue = DEFAULT_HOST,
            description = "Host of the coordinator's RMI registry (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-k", "--coordinator-port"}, paramLabel = "PORT[,PORT…]", defaultValue = "" + DEFAULT_PORT,
            description = "Port of the coordinator's RMI registry (default: ${DEFAULT-VALUE}); with several "
                    + "coordinator replicas, a list (9000,9010,9020 or HOST:PORT,…), tried in turn. One is enough: "
                    + "the others are learned from its first answer.")
    String ports;

    /** The first coordinator's host (callers that talk to one coordinator; any replica serves). */
    public String host() {
        return addresses().get(0).host();
    }

    /** The first coordinator's registry port. */
    public int port() {
        return addresses().get(0).port();
    }

    /** Every coordinator address given, in order. */
    public List<CoordinatorLocator.Address> addresses() {
        try {
            return CoordinatorLocator.parse(host, ports);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "-k: " + e.getMessage());
        }
    }
}
