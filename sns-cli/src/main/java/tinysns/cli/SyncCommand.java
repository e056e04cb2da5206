package tinysns.cli;

import tinysns.sync.SyncOptions;
import tinysns.sync.Synchronizer;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sns sync}: runs one synchronizer of one cluster. */
@Command(name = "sync",
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Runs one synchronizer (cross-cluster copier) of a cluster.",
                "The coordinator makes one of a cluster's synchronizers "
                + "master: it copies the cluster's committed events (new users, follows, posts) to every other "
                + "cluster, resuming from the cursors those clusters hold, so a promotion loses and repeats nothing. "
                + "The other stands by.",
                "Name it with --cluster C --id N, or course-style with -i I (1..2*clusters): "
                        + "cluster = (I - 1) mod clusters + 1, id = (I - 1) / clusters + 1; "
                        + "with 3 clusters -i 1,2,3 are the first synchronizers of clusters 1,2,3 and -i 4,5,6 the "
                        + "second ones."},
        footer = {"", "Examples:", "  sns sync --cluster 2 --id 1 -h 127.0.0.1 -k 9000",
                "  sns sync -i 5 -k 9000        (cluster 2, id 2)"})
public final class SyncCommand implements Callable<Integer> {
    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean helpRequested;

    @Option(names = "--version", versionHelp = true, description = "Show the version and exit.")
    boolean versionRequested;

    @Option(names = "--cluster", paramLabel = "C", description = "The cluster, 1-based.")
    Integer cluster;

    @Option(names = "--id", paramLabel = "N", description = "This synchronizer within the cluster, 1-based.")
    Integer id;

    @Option(names = "-i", paramLabel = "I", description = "Course-style synchronizer number instead of --cluster/--id.")
    Integer courseId;

    @Option(names = "--clusters", paramLabel = "N", defaultValue = "3",
            description = "Number of clusters, used only to read -i (default: ${DEFAULT-VALUE}).")
    int clusters;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address this synchronizer reports to the coordinator (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT",
            description = "This synchronizer's port in the deployment's layout, reported to the coordinator and shown "
                    + "by `sns status` (default: C*10000 + 200 + N - 1). A synchronizer only calls out: nothing "
                    + "listens on it.")
    Integer port;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Spec
    CommandSpec spec;

    /** The cluster, from --cluster or -i. */
    public int effectiveCluster() {
        resolve();
        return courseId != null ? tinysns.api.Clusters.homeOf(courseId, clusters) : cluster;
    }

    /** The synchronizer's number within its cluster, from --id or -i. */
    public int effectiveId() {
        resolve();
        return courseId != null ? (courseId - 1) / clusters + 1 : id;
    }

    public String host() {
        return host;
    }

    public int effectivePort() {
        return port != null ? port : tinysns.api.Clusters.syncPort(effectiveCluster(), effectiveId());
    }

    public String coordinatorHost() {
        return coordinator.host();
    }

    public int coordinatorPort() {
        return coordinator.port();
    }

    private void resolve() {
        boolean named = cluster != null || id != null;
        if (courseId != null && named) {
            throw new ParameterException(spec.commandLine(), "give either -i or --cluster/--id, not both");
        }
        if (courseId == null && (cluster == null || id == null)) {
            throw new ParameterException(spec.commandLine(), "give --cluster and --id, or -i");
        }
        if (courseId != null && (courseId < 1 || clusters < 1)) {
            throw new ParameterException(spec.commandLine(), "-i must be 1 or more, --clusters 1 or more");
        }
        if (courseId == null && (cluster < 1 || id < 1)) {
            throw new ParameterException(spec.commandLine(), "--cluster and --id are 1-based");
        }
    }

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "File holding the deployment's shared secret, presented to the servers and in heartbeats "
                    + "to the coordinator (default: none).")
    java.nio.file.Path secretFile;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "500ms", converter = DurationConverter.class,
            description = "Interval of heartbeats to the coordinator (default: ${DEFAULT-VALUE}).")
    java.time.Duration heartbeat;

    @Option(names = "--batch", paramLabel = "EVENTS", defaultValue = "2000",
            description = "Most events copied per call (default: ${DEFAULT-VALUE}).")
    int batchMax;

    @Override
    public Integer call() throws Exception {
        // A long poll waits pollWait (1 s) for events; an ingest is one Raft commit on the target: 10 s bounds both
        // with room for a failover, and a paused master can no longer stall the pumps for ever.
        tinysns.api.rmi.RmiTimeouts.install(10_000);
        SyncOptions options = new SyncOptions(effectiveCluster(), effectiveId(), host, effectivePort(),
                coordinator.addresses(), heartbeat, RoleProcess.readSecret(secretFile), batchMax,
                java.time.Duration.ofSeconds(1));
        Synchronizer synchronizer = new Synchronizer(options).start();
        return RoleProcess.runUntilStopped("sync " + effectiveCluster() + "." + effectiveId(), synchronizer);
    }
}
