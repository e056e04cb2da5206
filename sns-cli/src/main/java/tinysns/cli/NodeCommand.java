package tinysns.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tinysns.node.ClientLimits;
import tinysns.node.NodeOptions;
import tinysns.node.NodeServer;

/** {@code sns node}: runs one server (a Raft replica plus the client-facing RMI service) of one cluster. */
@Command(name = "node",
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Runs one server (Raft replica + client service) of a cluster.",
                "Runs one server of a cluster: a JRaft replica of the cluster's state (RocksDB under "
                + "--data-dir) and the RMI services clients and synchronizers call, bound as sns/cluster-C/node-N in "
                + "a registry on --host:--port. It registers with the coordinator through heartbeats; the Raft "
                + "leader is the cluster's master.",
                "Needs the JVM option --add-opens java.base/java.lang=ALL-UNNAMED (Hessian on Java 17).",
                "Ports default to the course's layout: --port C*10000+N-1, --raft-port C*10000+100+N-1."},
        footer = {"", "Example (cluster 1, both replicas):",
                "  sns node --cluster 1 --id 1 -h 127.0.0.1 -k 9000",
                "  sns node --cluster 1 --id 2 -h 127.0.0.1 -k 9000",
                "  (ports 10000/10100 and 10001/10101, peers 127.0.0.1:10100,127.0.0.1:10101)",
                "Each server runs its own RMI registry on --port and exports its service on that same port."})
public final class NodeCommand implements Callable<Integer> {
    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean helpRequested;

    @Option(names = "--version", versionHelp = true, description = "Show the version and exit.")
    boolean versionRequested;

    @Option(names = "--cluster", paramLabel = "C", required = true, description = "The cluster, 1-based.")
    int cluster;

    @Option(names = "--id", paramLabel = "N", required = true, description = "This server within the cluster, 1-based.")
    int id;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address this server's registry, RMI objects and Raft endpoint listen on "
                    + "(default: ${DEFAULT-VALUE}).")
    String host;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Port of this server's RMI registry (default: C*10000 + N - 1, e.g. 10000).")
    Integer port;

    @Option(names = "--raft-port", paramLabel = "PORT",
            description = "Port of this replica's Raft endpoint (default: C*10000 + 100 + N - 1, e.g. 10100).")
    Integer raftPort;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Raft log, metadata, snapshots and RocksDB state (default: data/cluster-C/node-N).")
    Path dataDir;

    @Option(names = "--replicas", paramLabel = "R", defaultValue = "2",
            description = "Replicas per cluster, used only for the default --peers (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--peers", paramLabel = "HOST:PORT,...", split = ",",
            description = "Raft endpoints of the cluster's initial voters, this one included (default: --host at the "
                    + "default Raft ports of replicas 1..R).")
    List<String> peers;

    @Option(names = "--clusters", paramLabel = "N",
            description = "Clusters in the deployment (default: asked from the coordinator).")
    Integer clusters;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "File holding the deployment's shared secret (sns-up.sh writes <run-dir>/secret): "
                    + "synchronizers must present it, and this node presents it in its heartbeats to the coordinator "
                    + "(default: none, any caller may synchronize).")
    Path secretFile;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "500ms", converter = DurationConverter.class,
            description = "Interval of heartbeats to the coordinator (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--election-timeout", paramLabel = "DURATION", defaultValue = "1s",
            converter = DurationConverter.class,
            description = "Raft election timeout (default: ${DEFAULT-VALUE}).")
    Duration electionTimeout;

    @Option(names = "--post-rate", paramLabel = "POSTS_PER_SECOND", defaultValue = "50",
            description = "Posts per second one session may make, in bursts of up to twice that; a post over it is "
                    + "refused (RATE_LIMITED, the client prints a line saying so) before it costs a Raft entry. A person "
                    + "never reaches the default; a runaway script does. 0 turns the limit off (benchmarks posting "
                    + "faster from one user need that, e.g. SNS_POST_RATE=0 scripts/sns-up.sh). "
                    + "(default: ${DEFAULT-VALUE})")
    int postRate;

    public int cluster() {
        return cluster;
    }

    public int id() {
        return id;
    }

    public String host() {
        return host;
    }

    public String coordinatorHost() {
        return coordinator.host();
    }

    public int coordinatorPort() {
        return coordinator.port();
    }

    public int effectivePort() {
        return port != null ? port : NodeOptions.defaultServicePort(cluster, id);
    }

    public int effectiveRaftPort() {
        return raftPort != null ? raftPort : NodeOptions.defaultRaftPort(cluster, id);
    }

    public Path effectiveDataDir() {
        return dataDir != null ? dataDir : Path.of("data", "cluster-" + cluster, "node-" + id);
    }

    public List<String> effectivePeers() {
        if (peers != null && !peers.isEmpty()) {
            return List.copyOf(peers);
        }
        List<String> defaults = new ArrayList<>();
        for (int member = 1; member <= replicas; member++) {
            defaults.add(host + ":" + NodeOptions.defaultRaftPort(cluster, member));
        }
        return List.copyOf(defaults);
    }

    @Override
    public Integer call() throws Exception {
        // Bounds every outgoing RMI call of this process (timeline pushes, heartbeats): a client whose callback stops
        // reading must not hold a push thread for good. The JDK reads it once, at the first outgoing call: set it first.
        tinysns.api.rmi.RmiTimeouts.install(10_000);
        int clusterCount = clusters != null ? clusters : CoordinatorQuery.clusterCount(coordinatorHost(),
                coordinatorPort(), Duration.ofSeconds(60));
        NodeOptions options = new NodeOptions(cluster, id, clusterCount, host, effectivePort(),
                coordinator.addresses(), effectiveRaftPort(), effectivePeers(), effectiveDataDir(), heartbeat,
                electionTimeout, RoleProcess.readSecret(secretFile), Duration.ofSeconds(5));
        if (postRate < 0) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--post-rate must be >= 0 (0 = no limit), got " + postRate);
        }
        NodeServer server = new NodeServer(options, ClientLimits.DEFAULTS.withPostRate(postRate)).start();
        return RoleProcess.runUntilStopped("node " + cluster + "." + id, server);
    }
}
