package tinysns.api;

import java.io.Serializable;

/** Where a client finds a server: the RMI registry at {@code host:port} and the name bound in it. */
public record ServerAddress(int cluster, String host, int port, String registryName) implements Serializable {
}
