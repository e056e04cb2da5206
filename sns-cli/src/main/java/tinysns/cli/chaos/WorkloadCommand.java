package tinysns.cli.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import tinysns.cli.CoordinatorAddressOptions;
import tinysns.cli.DurationConverter;

/** {@code sns chaos workload}: see {@link Workload}. */
@Command(name = "workload", sortOptions = false,
        description = {"Drives N users (ids --first-user..) through whatever faults happen meanwhile, retrying like "
                + "the course client (same request number after a failure), and records every operation's outcome "
                + "(ok / failed / unknown) and reply to --record, one tab-separated line each.",
                "Phase 1: every user follows --follows others (at least one in another cluster). Phase 2, once every "
                + "follow has its outcome: every user posts until --duration has passed since the start.",
                "Exit codes: 0 done (unknown outcomes included); 1 a user could not log in or a thread failed."},
        footer = {"", "Example:", "  sns chaos workload -k 9000 --clients 6 --duration 60s --record run/chaos.tsv"})
public final class WorkloadCommand implements Callable<Integer> {
    @Mixin
    tinysns.cli.HelpOption helpOption;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = "--clients", defaultValue = "6", description = "Users, one thread each (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--first-user", defaultValue = "1", description = "The first user id (default: ${DEFAULT-VALUE}).")
    long firstUser;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long from the start the users keep posting (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--record", required = true, description = "The record file to write.")
    Path record;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds who follows whom and the posting pauses.")
    long seed;

    @Option(names = "--post-interval", defaultValue = "300ms", converter = DurationConverter.class,
            description = "Mean pause between one user's posts (default: ${DEFAULT-VALUE}).")
    Duration postInterval;

    @Option(names = "--follows", defaultValue = "3", description = "Follows per user (default: ${DEFAULT-VALUE}).")
    int follows;

    @Option(names = "--max-posts", defaultValue = "300",
            description = "Posts per user at most; follows x max posts must stay below 950 (default: ${DEFAULT-VALUE}).")
    int maxPosts;

    @Option(names = "--retry-for", defaultValue = "20s", converter = DurationConverter.class,
            description = "How long one operation keeps retrying before its outcome is unknown "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration retryFor;

    @Option(names = "--callback-host", paramLabel = "HOST",
            description = "Address the servers push timeline posts to, as they see this machine (default: this "
                    + "JVM's java.rmi.server.hostname, which scripts/sns sets from SNS_RMI_HOSTNAME, else the "
                    + "coordinator's host).")
    String callbackHost;

    @Override
    public Integer call() throws Exception {
        rmiTimeouts();
        Workload.Config config = new Workload.Config(coordinator.host(), coordinator.port(), clients, firstUser,
                duration, record, seed, postInterval, follows, maxPosts, retryFor,
                callbackHost != null ? callbackHost
                        : System.getProperty("java.rmi.server.hostname", coordinator.host()));
        Workload.Summary summary = new Workload(config, System.out).run();
        System.out.println(summary.text());
        return summary.fatal().isEmpty() ? 0 : 1;
    }

    /** A paused (SIGSTOP) server must not hang a call forever; read once, when RMI's transport loads. */
    static void rmiTimeouts() {
        tinysns.api.rmi.RmiTimeouts.install(5000);
    }
}
