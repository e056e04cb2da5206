package tinysns.api;

import java.io.Serializable;

/**
 * Where a client finds a server: the RMI registry at {@code host:port} and the name bound in it; as a routing answer
 * of the coordinator, also what it knew of that server when it answered.
 *
 * @param term         the master's Raft term: it grows with every change of master of a cluster, so of two answers
 *                     for one cluster the one with the higher term is the newer, and a caller that holds an older
 *                     master notices (0 when not a routing answer)
 * @param silentMillis how long the coordinator had not heard from the server when it answered: a caller whose call
 *                     to it timed out tells a paused or cut-off master (silent here too, soon replaced) from a busy
 *                     one (heard from, worth retrying)
 */
public record ServerAddress(int cluster, String host, int port, String registryName, long term, long silentMillis)
        implements Serializable {
    /** An address alone, not a routing answer. */
    public ServerAddress(int cluster, String host, int port, String registryName) {
        this(cluster, host, port, registryName, 0, 0);
    }

    /** Whether both name the same server, whatever the coordinator knew of it. */
    public boolean sameServer(ServerAddress other) {
        return other != null && cluster == other.cluster && port == other.port && host.equals(other.host)
                && registryName.equals(other.registryName);
    }

    @Override
    public String toString() {
        return registryName + " at " + host + ":" + port + (term > 0 ? " (term " + term + ")" : "");
    }
}
