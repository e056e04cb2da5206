package tinysns.node;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import tinysns.api.client.CoordinatorLocator;

/**
 * Everything one server process needs. Ports follow the course by default (DESIGN.md §6): cluster c, server n
 * serves clients on {@code c*10000 + n - 1} and speaks Raft on {@code c*10000 + 100 + n - 1}.
 *
 * @param cluster          this server's cluster, 1-based
 * @param id               this server's number within the cluster, 1-based
 * @param clusterCount     clusters in the deployment (the coordinator's count)
 * @param host             address every socket of this process binds to and advertises
 * @param servicePort      port of this server's own RMI registry, which the client/sync object shares (so one port
 *                         per server, as in the course; a registry accepts binds only from its own host, so every
 *                         server keeps its own)
 * @param coordinatorHost  host of the registry the coordinator is bound in
 * @param coordinatorPort  port of that registry
 * @param raftPort         this replica's Raft port
 * @param raftPeers        every replica's Raft address of the cluster ({@code host:port}), this one included
 * @param dataDir          where the Raft log, meta, snapshots and RocksDB live
 * @param heartbeat        interval of heartbeats to the coordinator
 * @param electionTimeout  Raft election timeout
 * @param secret           the deployment's shared secret for sync endpoints, or null to accept any caller
 * @param proposeTimeout   how long a client write may wait for its commit before it is answered TIMEOUT
 */
public record NodeOptions(int cluster, int id, int clusterCount, String host, int servicePort,
                          List<CoordinatorLocator.Address> coordinators, int raftPort, List<String> raftPeers, Path dataDir, Duration heartbeat,
                          Duration electionTimeout, String secret,
                          Duration proposeTimeout) {
    public NodeOptions {
        Objects.requireNonNull(host, "host");
        coordinators = List.copyOf(coordinators);
        if (coordinators.isEmpty()) {
            throw new IllegalArgumentException("at least one coordinator address is needed");
        }
        Objects.requireNonNull(dataDir, "dataDir");
        raftPeers = List.copyOf(raftPeers);
        if (cluster < 1 || cluster > clusterCount) {
            throw new IllegalArgumentException("cluster must be in 1.." + clusterCount + ", got " + cluster);
        }
        if (id < 1) {
            throw new IllegalArgumentException("server id must be >= 1, got " + id);
        }
        if (!raftPeers.contains(raftAddress(host, raftPort))) {
            throw new IllegalArgumentException("the Raft peers " + raftPeers + " must include this server, "
                    + raftAddress(host, raftPort));
        }
    }

    public static int defaultServicePort(int cluster, int id) {
        return tinysns.api.Clusters.nodePort(cluster, id);
    }

    public static int defaultRaftPort(int cluster, int id) {
        return tinysns.api.Clusters.raftPort(cluster, id);
    }

    public String raftAddress() {
        return raftAddress(host, raftPort);
    }

    static String raftAddress(String host, int port) {
        return host + ":" + port;
    }
}
