package tinysns.coordinator;

import java.nio.file.Path;

/**
 * How a {@link CoordinatorServer} runs. Build from {@link #defaults()} and the {@code with…} methods.
 *
 * @param host              address the registry (if created here) and the service listen on, and that the service's
 *                          stub names; also the host of an existing registry to bind into
 * @param registryPort      port of the RMI registry (the course's 9000)
 * @param exportPort        port the coordinator object is exported on; 0 = any free port
 * @param heartbeatMillis   how often processes send heartbeats; the coordinator ticks at least this often
 * @param deadAfterMillis   a process whose last heartbeat is older than this is dead
 * @param clusters          number of clusters users are spread over
 * @param dataDir           where failover records are kept durably, locked for one coordinator at a time
 *                          ({@code DataDirLock}); null = memory only (a restart forgets them), and nothing to lock
 * @param createRegistry    true: start an in-process registry on {@code host:registryPort}; false: bind into the
 *                          registry already running there (a standalone {@code rmiregistry} started by the scripts)
 * @param group             the coordinator replicas when this is one of several (their failover records are a Raft
 *                          group's replicated state); null for a single coordinator with records in {@code dataDir}
 */
public record CoordinatorOptions(String host, int registryPort, int exportPort, long heartbeatMillis,
                                 long deadAfterMillis, int clusters, Path dataDir, boolean createRegistry,
                                 CoordinatorGroup group) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_REGISTRY_PORT = 9000;
    public static final int DEFAULT_EXPORT_PORT = 9001;
    public static final long DEFAULT_HEARTBEAT_MILLIS = 500;
    public static final long DEFAULT_DEAD_AFTER_MILLIS = 2000;
    public static final int DEFAULT_CLUSTERS = 3;

    public CoordinatorOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is required");
        }
        checkPort("registryPort", registryPort, false);
        checkPort("exportPort", exportPort, true);
        if (heartbeatMillis <= 0) {
            throw new IllegalArgumentException("heartbeatMillis must be > 0: " + heartbeatMillis);
        }
        if (deadAfterMillis <= heartbeatMillis) {
            // A process would be declared dead between two of its own heartbeats.
            throw new IllegalArgumentException("deadAfterMillis (" + deadAfterMillis
                    + ") must be greater than heartbeatMillis (" + heartbeatMillis + ")");
        }
        if (clusters < 1) {
            throw new IllegalArgumentException("clusters must be >= 1: " + clusters);
        }
        if (group != null && dataDir == null) {
            throw new IllegalArgumentException("a replicated coordinator needs a data dir (its Raft log)");
        }
        if (group != null && (!group.me().host().equals(host) || group.me().registryPort() != registryPort)) {
            throw new IllegalArgumentException("--id " + group.self() + " names " + group.me() + " in --group, but this"
                    + " coordinator's registry is " + host + ":" + registryPort);
        }
    }

    /** One of several coordinator replicas (DESIGN.md §11): {@code group} lists them all; null = a single one. */
    public CoordinatorOptions withGroup(CoordinatorGroup group) {
        return new CoordinatorOptions(host, registryPort, exportPort, heartbeatMillis, deadAfterMillis, clusters,
                dataDir, createRegistry, group);
    }

    /** 127.0.0.1, registry 9000 (created in-process), export 9001, heartbeat 500 ms, dead after 2 s, 3 clusters. */
    public static CoordinatorOptions defaults() {
        return new CoordinatorOptions(DEFAULT_HOST, DEFAULT_REGISTRY_PORT, DEFAULT_EXPORT_PORT,
                DEFAULT_HEARTBEAT_MILLIS, DEFAULT_DEAD_AFTER_MILLIS, DEFAULT_CLUSTERS, null, true, null);
    }

    public CoordinatorOptions withHost(String host) {
        return new CoordinatorOptions(host, registryPort, exportPort, heartbeatMillis, deadAfterMillis, clusters,
                dataDir, createRegistry, group);
    }

    public CoordinatorOptions withRegistryPort(int registryPort) {
        return new CoordinatorOptions(host, registryPort, exportPort, heartbeatMillis, deadAfterMillis, clusters,
                dataDir, createRegistry, group);
    }

    public CoordinatorOptions withExportPort(int exportPort) {
        return new CoordinatorOptions(host, registryPort, exportPort, heartbeatMillis, deadAfterMillis, clusters,
                dataDir, createRegistry, group);
    }

    /** Sets both timings at once (they are validated together). */
    public CoordinatorOptions withTimings(long heartbeatMillis, long deadAfterMillis) {
        return new CoordinatorOptions(host, registryPort, exportPort, heartbeatMillis, deadAfterMillis, clusters,
                dataDir, createRegistry, group);
    }

    public CoordinatorOptions withClusters(int clusters) {
        return new CoordinatorOptions(host, registryPort, exportPort, heartbeatMillis, deadAfterMillis, clusters,
                dataDir, createRegistry, group);
    }

    public CoordinatorOptions withDataDir(Path dataDir) {
        return new CoordinatorOptions(host, registryPort, exportPort, heartbeatMillis, deadAfterMillis, clusters,
                dataDir, createRegistry, group);
    }

    public CoordinatorOptions withCreateRegistry(boolean createRegistry) {
        return new CoordinatorOptions(host, registryPort, exportPort, heartbeatMillis, deadAfterMillis, clusters,
                dataDir, createRegistry, group);
    }

    /**
     * How often the coordinator re-checks liveness on its own: a death is acted on at most one tick late, and a tick
     * costs microseconds, so a fifth of a heartbeat (100 ms by default) keeps that lag out of the failover time.
     */
    long tickMillis() {
        return Math.max(10, Math.min(heartbeatMillis / 5, deadAfterMillis / 4));
    }

    /**
     * Silence after which a voter is taken for dead when its Raft partner reports having lost it too: two missed
     * heartbeats (1 s by default), never more than dead-after. With {@code --heartbeat 5s --dead-after 10s} it equals
     * dead-after, so the course's timings are unchanged.
     */
    public long suspectAfterMillis() {
        return Math.min(deadAfterMillis, 2 * heartbeatMillis);
    }

    private static void checkPort(String name, int port, boolean zeroAllowed) {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new IllegalArgumentException(name + " out of range: " + port);
        }
    }
}
