package tinysns.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How the end-to-end tests start the packaged program: {@code java <flags> -jar sns-cli.jar <subcommand> …}, the same
 * flags as {@code scripts/sns}. Also the backstop that kills every process a test started if the test JVM exits
 * without having stopped them.
 */
final class SnsJvm {
    /** Hessian/JRaft need these on Java 17 (PITFALLS.md). */
    static final List<String> OPENS = List.of(
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED");

    /** Every process started and not yet seen dead: the shutdown hook kills what is left. */
    private static final Map<Long, Process> LIVE = new ConcurrentHashMap<>();
    private static final Map<String, String> HELP = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.values().forEach(Process::destroyForcibly),
                "e2e-kill-leftover-processes"));
    }

    private SnsJvm() {
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("sns.jar", "target/sns-cli.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the e2e tests run from `mvn verify` after `package`");
        }
        return jar;
    }

    static Path logsRoot() {
        return Path.of(System.getProperty("sns.e2e.logs", "target/e2e-logs")).toAbsolutePath();
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The command line for one JVM. Serial GC and C1 only: a dozen small JVMs share two cores, and these tests check
     * behaviour, not peak speed.
     */
    static List<String> command(String heap, Path tmpDir, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(OPENS);
        command.add("-Xmx" + heap);
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Djava.io.tmpdir=" + tmpDir);
        command.add("-Djava.rmi.server.hostname=127.0.0.1");
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(arguments);
        return command;
    }

    static Process start(ProcessBuilder builder) throws IOException {
        Process process = builder.start();
        LIVE.put(process.pid(), process);
        process.onExit().thenRun(() -> LIVE.remove(process.pid()));
        return process;
    }

    /**
     * Whether {@code sns <subcommand> --help} mentions {@code option}. The roles' options are still settling; the
     * harness passes an optional one only where the program has it.
     */
    static boolean hasOption(String subcommand, String option) {
        String help = HELP.computeIfAbsent(subcommand, SnsJvm::help);
        return help.contains(option);
    }

    private static String help(String subcommand) {
        try {
            Path tmp = Files.createTempDirectory("sns-help");
            ProcessBuilder builder = new ProcessBuilder(command("64m", tmp, List.of(subcommand, "--help")))
                    .redirectErrorStream(true);
            Process process = start(builder);
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(tmp);
            return new String(output);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run sns " + subcommand + " --help", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
