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
                + "every LIST shows every user; and that no user waited longer than --max-unavailable for an "
                + "acknowledged write, nor a post that long to reach a follower in another cluster. Prints PASS or "
                + "FAIL, the figures and an availability table (each window with the fault active then).",
                "Exit codes: 0 PASS; 1 FAIL."},
        footer = {"", "Example:", "  sns chaos check -k 9000 --record run/chaos.tsv --since 1764000000000 "
                + "--max-convergence 5s --faults run/chaos/faults.log"})
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

    @Option(names = "--faults", paramLabel = "FILE",
            description = "chaos.sh's faults log (lines '<epoch-ms> <text>'): each availability figure names the "
                    + "fault active while it lasted (default: none).")
    Path faults;

    @Option(names = "--max-unavailable", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "FAIL if a user went longer than this without an acknowledged write while writing, or a "
                    + "post waited longer to reach a follower in another cluster (default: --dead-after + "
                    + "--heartbeat + 2.5s, the time the failure detector needs to fail over plus election and client "
                    + "allowances; 0s = report only).")
    Duration maxUnavailable;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "500ms", converter = DurationConverter.class,
            description = "The deployment's heartbeat interval, for the default --max-unavailable "
                    + "(default: ${DEFAULT-VALUE}, as sns coordinator).")
    Duration heartbeat;

    @Option(names = "--dead-after", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "The deployment's dead-after, for the default --max-unavailable "
                    + "(default: ${DEFAULT-VALUE}, as sns coordinator).")
    Duration deadAfter;

    @Override
    public Integer call() throws Exception {
        WorkloadCommand.rmiTimeouts();
        Duration bound = maxUnavailable == null ? Availability.defaultBound(heartbeat, deadAfter)
                : maxUnavailable.isZero() ? null : maxUnavailable;
        Checker.Config config = new Checker.Config(coordinator.host(), coordinator.port(), record, since,
                convergeTimeout, maxConvergence, true, retryFor, faults, bound);
        return new Checker(config, System.out).run().pass() ? 0 : 1;
    }
}
