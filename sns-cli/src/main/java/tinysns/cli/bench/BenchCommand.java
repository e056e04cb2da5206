package tinysns.cli.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tinysns.cli.bench.load.LoadBench;
import tinysns.cli.bench.load.LoadBenchOptions;

/**
 * {@code sns bench}: the load generator (a follow graph, then DeathStarBench's mix of timeline reads and posts) and,
 * as subcommands, the focused benchmarks.
 */
@Command(name = "bench", sortOptions = false,
        description = {"Load generator: creates --users users with a power-law follow graph, optionally preloads "
                + "posts, then runs a mix of home-timeline reads, user-timeline reads and posts for --duration, "
                + "with latency per operation (HDR histograms), cross-cluster visibility, every cluster's "
                + "convergence after the run, and each process's peak RSS.",
                "Against a running deployment (-h/-k; user ids far above real ones), or --start one of its own.",
                "Prints a table and progress; writes every figure as JSON, and with --report an HTML page."},
        subcommands = {VisibilityBench.class, LoginBench.class, SyncBench.class, FailoverBench.class},
        footer = {"", "Examples:",
                "  sns bench --start --duration 30s                         default mix on its own 3x2 deployment",
                "  sns bench -k 9000 --users 10000 --preload 1000000        scale run against ./run",
                "  sns bench -k 9000 --mix 0:0:1 --cluster 1 --users 3000   write-only, users of cluster 1",
                "  sns bench -k 9000 --rate 5000 --report target/bench      open loop, HTML report"})
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    tinysns.cli.HelpOption helpOption;

    @Mixin
    LoadBenchOptions options;

    @Override
    public Integer call() throws Exception {
        return new LoadBench(options, System.out).run();
    }
}
