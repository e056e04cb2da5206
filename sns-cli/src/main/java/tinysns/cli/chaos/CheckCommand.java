package tinysns.cli.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import tinysns.cli.CoordinatorAddressOptions;
import tinysns.cli.DurationConverter;

/** {@code sns chaos check}: see {@link Checker}. */
@Command(name = "check", sortOptions = false,
        description = {"Judges the deployment against a workload record: waits for convergence (every cursor at its "
                + "origin's head, each cluster's replicas identical) and measures it from --since; then reads every "
                + "user's LIST and whole timeline and checks that every acknowledged post reached every acknowledged "
                + "follower exactly once and in order, nothing unsent appears, every acknowledged follow exists, and "
                + "every LIST shows every user. Prints PASS or FAIL and the figures.",
                "Exit codes: 0 PASS; 1 FAIL."},
        footer = {"", "Example:", "  sns chaos check -k 9000 --record run/chaos.tsv --since 1764000000000 "
                + "--max-convergence 5s"})
public final class CheckCommand implements Callable<Integer> {
    @Mixin
    tinysns.cli.HelpOption helpOption;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = "--record", required = true, description = "The workload's record file.")
    Path record;

    @Option(names = "--since", defaultValue = "0", paramLabel = "EPOCH_MILLIS",
            description = "When the last fault happened (ms since the epoch); convergence time is measured from it "
                    + "(default: from the start of the check).")
    long since;

    @Option(names = "--converge-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait for convergence (default: ${DEFAULT-VALUE}).")
    Duration convergeTimeout;

    @Option(names = "--max-convergence", converter = DurationConverter.class,
            description = "FAIL if convergence took longer than this after --since (default: no limit).")
    Duration maxConvergence;

    @Option(names = "--retry-for", defaultValue = "20s", converter = DurationConverter.class,
            description = "How long reading one user's state may keep retrying (default: ${DEFAULT-VALUE}).")
    Duration retryFor;

    @Override
    public Integer call() throws Exception {
        WorkloadCommand.rmiTimeouts();
        Checker.Config config = new Checker.Config(coordinator.host(), coordinator.port(), record, since,
                convergeTimeout, maxConvergence, true, retryFor);
        return new Checker(config, System.out).run().pass() ? 0 : 1;
    }
}
