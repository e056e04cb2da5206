package tinysns.cli;

import tinysns.coordinator.CoordinatorGroup;
import tinysns.coordinator.CoordinatorOptions;
import tinysns.coordinator.CoordinatorServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sns coordinator}: runs the coordinator (routing table, failure detector, failover decisions). */
@Command(name = "coordinator",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Runs the coordinator (routing, failure detection, failover).",
                "Runs the coordinator: the RMI service " + "sns/coordinator"
                + " that clients ask for their cluster's master, that servers and synchronizers send heartbeats to, "
                + "and the only component that decides roles and failovers. It binds itself into the RMI registry at "
                + "--host:--port: a running rmiregistry, or with --create-registry one it starts itself.",
                "--heartbeat 5s --dead-after 10s reproduces the course's timings.",
                "With --group and --id it is one of several coordinator replicas: they keep the failover records "
                + "in a Raft group of their own, the leader decides, and the others forward every call to it, so "
                + "callers may use any of them and a dead or paused replica stops nothing (DESIGN.md §11)."},
        footer = {"", "Examples:", "  sns coordinator --create-registry --host 127.0.0.1 -k 9000 --clusters 3 "
                + "--heartbeat 500ms --dead-after 2s",
                "  sns coordinator --create-registry -k 9010 --id 2 --data-dir run/coordinator-2 "
                + "--group 127.0.0.1:9000:9100,127.0.0.1:9010:9110,127.0.0.1:9020:9120"})
public final class CoordinatorCommand implements Callable<Integer> {
    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address the registry and the service listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-k", "--port"}, paramLabel = "PORT", defaultValue = "9000",
            description = "Port of the RMI registry (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--export-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port the coordinator's RMI object is exported on; 0 picks a free one "
                    + "(default: ${DEFAULT-VALUE}).")
    int exportPort;

    @Option(names = "--clusters", paramLabel = "N", defaultValue = "3",
            description = "Number of clusters; user u belongs to cluster (u - 1) mod N + 1 (default: ${DEFAULT-VALUE}).")
    int clusters;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "500ms",
            converter = DurationConverter.class,
            description = "Interval at which servers and synchronizers are told to send heartbeats "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--dead-after", paramLabel = "DURATION", defaultValue = "2s",
            converter = DurationConverter.class,
            description = "A process not heard from for this long is dead (default: ${DEFAULT-VALUE}).")
    Duration deadAfter;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data/coordinator",
            description = "Where the coordinator keeps its durable records (each cluster's voters and epoch). One "
                    + "coordinator at a time: a second one on a directory in use exits 1 (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--group", paramLabel = "HOST:PORT:RAFT_PORT,...",
            description = "Every coordinator replica: its registry (HOST:PORT, where callers find it) and its Raft "
                    + "port; the same list for every replica. Without it this is the only coordinator.")
    String group;

    @Option(names = "--id", paramLabel = "N", defaultValue = "1",
            description = "Which entry of --group this replica is, 1-based; its HOST:PORT must be --host:-k "
                    + "(default: ${DEFAULT-VALUE}).")
    int id;

    @Option(names = "--create-registry",
            description = "Start an RMI registry on --host:--port inside this process (bound to --host only) instead "
                    + "of binding into a running rmiregistry there.")
    boolean createRegistry;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "File holding the deployment's shared secret (sns-up.sh writes <run-dir>/secret, mode 600); "
                    + "heartbeats of servers and synchronizers that do not present it are refused. Without it any "
                    + "process may register (default: none).")
    Path secretFile;

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int exportPort() {
        return exportPort;
    }

    public int clusters() {
        return clusters;
    }

    public long heartbeatIntervalMillis() {
        return heartbeat.toMillis();
    }

    public long deadAfterMillis() {
        return deadAfter.toMillis();
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public Integer call() throws Exception {
        // Bounds this process's own remote calls (a follower forwarding to the leader, registry binds): a paused or
        // cut-off leader must fail the call, not hold the caller's heartbeat. The JDK reads these once.
        tinysns.api.rmi.RmiTimeouts.install(3000);
        CoordinatorOptions options;
        try {
            options = CoordinatorOptions.defaults().withHost(host).withRegistryPort(port)
                    .withExportPort(exportPort).withTimings(heartbeatIntervalMillis(), deadAfterMillis())
                    .withClusters(clusters).withDataDir(dataDir).withCreateRegistry(createRegistry)
                    .withGroup(group == null ? null : CoordinatorGroup.parse(group, id));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
        CoordinatorServer server = new CoordinatorServer(options, RoleProcess.readSecret(secretFile));
        server.start();
        return RoleProcess.runUntilStopped("coordinator", server);
    }
}
