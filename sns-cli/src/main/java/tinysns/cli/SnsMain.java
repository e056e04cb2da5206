package tinysns.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import tinysns.api.rmi.RmiEndpoints;

/** {@code sns}: one program for every Tiny SNS role, the status view and the course client. */
@Command(name = "sns",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Tiny SNS: a small fault-tolerant social network. Every process of a deployment is this "
                + "program with a role subcommand; 'sns <command> --help' explains each.",
                "Server roles need the JVM option --add-opens java.base/java.lang=ALL-UNNAMED (Hessian on Java 17)."},
        subcommands = {
                ClientCommand.class,
                StatusCommand.class,
                CoordinatorCommand.class,
                NodeCommand.class,
                SyncCommand.class,
                RegistryCommand.class,
                tinysns.cli.bench.BenchCommand.class,
                tinysns.cli.chaos.ChaosCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Examples:", "  sns coordinator -k 9000 --clusters 3",
                "  sns node --cluster 1 --id 1 -k 9000", "  sns sync -i 1 -k 9000",
                "  sns client -h 127.0.0.1 -k 9000 -u 1", "  sns status -k 9000"})
public final class SnsMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        if (tinysns.cli.client.ClientLogging.isClient(args)) {
            tinysns.cli.client.ClientLogging.configure(); // before any logger exists
        }
        installProcessFilter();
        System.exit(commandLine().execute(args));
    }

    /**
     * Every {@code sns} and {@code tsc} process reads what comes back from the calls it makes (replies, exceptions)
     * under the API's allow-list, as its exports read their arguments: first thing, before any RMI traffic. Only the
     * real entry points call it (it is JVM-global); tests that run commands in their own JVM stay unfiltered.
     */
    static void installProcessFilter() {
        if (!RmiEndpoints.installProcessFilter()) {
            org.slf4j.LoggerFactory.getLogger(SnsMain.class).warn("jdk.serialFilter was set by the launcher: what this "
                    + "process reads back from its calls is held to that filter, not to the API's allow-list");
        }
    }

    public static CommandLine commandLine() {
        CommandLine sns = TlsOption.install(new CommandLine(new SnsMain()));
        // A role that cannot start says why in one line; the stack trace goes to the log at DEBUG, not to the user.
        sns.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("sns " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e : e.getMessage()));
            org.slf4j.LoggerFactory.getLogger(SnsMain.class).debug("sns {} failed", cmd.getCommandName(), e);
            return 1;
        });
        return sns;
    }

    /** {@code sns} alone: no role was named. */
    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }
}
