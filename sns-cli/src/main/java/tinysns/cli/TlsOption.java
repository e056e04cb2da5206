package tinysns.cli;

import java.io.IOException;
import java.nio.file.Path;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

import tinysns.api.rmi.RmiTransport;

/**
 * {@code --tls DIR} on every command of {@code sns} (and on {@code tsc}): one inherited option, applied once before
 * the command runs, by switching this JVM's RMI transport ({@link RmiTransport}) to TLS with the deployment's key in
 * DIR. Kept out of each role's options because it is a property of the process's wire, not of the role: a node's
 * Raft port takes the same key from {@link RmiTransport#tlsDir()} ({@code NodeServer}).
 */
final class TlsOption {
    static final String NAME = "--tls";
    static final String ENVIRONMENT = "SNS_TLS_DIR";

    private TlsOption() {
    }

    /** Adds {@code --tls} to {@code root} and all its subcommands, and applies it before whichever command runs. */
    static CommandLine install(CommandLine root) {
        root.getCommandSpec().addOption(OptionSpec.builder(NAME)
                .paramLabel("DIR")
                .type(Path.class)
                .scopeType(ScopeType.INHERIT)
                .defaultValue("${env:" + ENVIRONMENT + "}")
                .description("Speak RMI (and, for sns node, Raft) over TLS with mutual authentication, using the "
                        + "deployment's key in DIR ("
                        + RmiTransport.KEYSTORE_FILE + " and " + RmiTransport.PASSWORD_FILE + ", made by "
                        + "scripts/sns-up.sh --tls). Every process of a deployment must agree (default: $"
                        + ENVIRONMENT + ", else plain TCP).")
                .build());
        CommandLine.IExecutionStrategy run = root.getExecutionStrategy();
        root.setExecutionStrategy(parsed -> {
            if (helpRequested(parsed)) {
                return run.execute(parsed);
            }
            Path dir = tlsDir(parsed);
            if (dir != null) {
                try {
                    RmiTransport.useTls(dir);
                } catch (IOException e) {
                    CommandLine command = last(parsed).commandSpec().commandLine();
                    command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                    return 1;
                }
            }
            return run.execute(parsed);
        });
        return root;
    }

    /** The value given on the command line at any level, else the environment default. */
    private static Path tlsDir(ParseResult parsed) {
        Path given = null;
        for (ParseResult level = parsed; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption(NAME)) {
                given = level.matchedOptionValue(NAME, null);
            }
        }
        if (given != null) {
            return given;
        }
        String environment = System.getenv(ENVIRONMENT);
        return environment == null || environment.isBlank() ? null : Path.of(environment);
    }

    private static boolean helpRequested(ParseResult parsed) {
        for (ParseResult level = parsed; level != null; level = level.subcommand()) {
            if (level.isUsageHelpRequested() || level.isVersionHelpRequested()) {
                return true;
            }
        }
        return false;
    }

    private static ParseResult last(ParseResult parsed) {
        ParseResult level = parsed;
        while (level.subcommand() != null) {
            level = level.subcommand();
        }
        return level;
    }
}
