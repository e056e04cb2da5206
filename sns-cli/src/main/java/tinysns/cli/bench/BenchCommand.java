package tinysns.cli.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sns bench}: benchmarks that print numbers against a running deployment. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks against a running deployment (start one with scripts/sns-up.sh).",
                "Each creates fresh users with ids far above real ones; run them on a deployment meant for it."},
        subcommands = {VisibilityBench.class, LoginBench.class, SyncBench.class, FailoverBench.class})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }
}
