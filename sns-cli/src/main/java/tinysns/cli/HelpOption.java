package tinysns.cli;

import picocli.CommandLine.Option;

/**
 * {@code --help} alone, for commands whose {@code -h} is the coordinator's host (the course's {@code -h HOST -k PORT}).
 * picocli's standard help options claim {@code -h} too, and when a command already has it they silently go missing,
 * {@code --help} included.
 */
public final class HelpOption {
    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
