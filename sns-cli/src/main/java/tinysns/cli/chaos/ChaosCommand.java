package tinysns.cli.chaos;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sns chaos}: the fault-test workload and the checker that judges what it left behind (scripts/chaos.sh). */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Fault testing against a running deployment: 'workload' drives users through failures and "
                + "records every operation's outcome; 'check' reads the final state of every cluster and judges it "
                + "against that record.",
                "scripts/chaos.sh runs both around a seeded schedule of kills and pauses."},
        subcommands = {WorkloadCommand.class, CheckCommand.class})
public final class ChaosCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }
}
