package tinysns.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import tinysns.cli.DeploymentPorts;

/**
 * A whole deployment started and stopped through the operator's own scripts ({@code scripts/sns-up.sh},
 * {@code scripts/sns-down.sh}) in a temporary run dir, on a base port where every port it derives is free and below the
 * ephemeral range (see the sns-up.sh header). The scripts detach their processes, so this class stops them itself by
 * the pids in {@code <run dir>/pids/*.pid} — on {@link #close()}, and from a shutdown hook if the test JVM dies first —
 * and only pids whose command line still names this run dir (a recycled pid is left alone).
 */
final class ScriptDeployment implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    static final int CLUSTERS = 3;
    /** sns-up.sh's default number of coordinator replicas (each beside its own registry). */
    static final int COORDINATORS = 3;
    /** Fast failure detection, as the other e2e tests use, and heaps sized for 14 JVMs on 2 cores. */
    private static final Map<String, String> ENVIRONMENT = Map.of("SNS_HEARTBEAT", "200ms", "SNS_DEAD_AFTER", "1s",
            "SNS_NODE_HEAP", "192m", "SNS_SMALL_HEAP", "80m");

    private final Path root;
    private final Path runDir;
    private final Path logDir;
    private final int basePort;
    private final Thread killOnExit;

    private ScriptDeployment(Path root, Path runDir, Path logDir, int basePort) {
        this.root = root;
        this.runDir = runDir;
        this.logDir = logDir;
        this.basePort = basePort;
        this.killOnExit = new Thread(this::killAll, "e2e-kill-" + runDir.getFileName());
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** A run dir and a base port for a deployment; nothing runs yet ({@link #up()}). */
    static ScriptDeployment create(String testName) throws IOException {
        Path root = SnsJvm.jar().getParent().getParent().getParent(); // <root>/sns-cli/target/sns-cli.jar
        if (!Files.isExecutable(root.resolve("scripts/sns-up.sh"))) {
            throw new IllegalStateException("no scripts/sns-up.sh under " + root);
        }
        Path logDir = SnsJvm.logsRoot().resolve(testName.replaceAll("[^A-Za-z0-9._-]", "_"));
        Deployment.deleteRecursively(logDir);
        Files.createDirectories(logDir);
        return new ScriptDeployment(root, Files.createTempDirectory("sns-e2e-run-"), logDir, freeBasePort());
    }

    /**
     * A base port P in 1100..8800 (never the course's 9000/10000…) whose derived ports — P, P+1 and, per cluster c,
     * c*10000 + (P-9000) + {0, 1, 100, 101, 200, 201} — are all free now and all below 32768, where the kernel never
     * hands out ephemeral ports (net.ipv4.ip_local_port_range starts there).
     */
    static int freeBasePort() {
        Random random = new Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 1100 + random.nextInt(7700);
            if (DeploymentPorts.allFree(HOST, DeploymentPorts.of(base, CLUSTERS, 2, COORDINATORS))) {
                return base;
            }
        }
        throw new IllegalStateException("no base port with all its ports free after 200 tries");
    }

    int registryPort() {
        return basePort;
    }

    Path runDir() {
        return runDir;
    }

    Path logDir() {
        return logDir;
    }

    Path root() {
        return root;
    }

    Path dataDir(int cluster, int node) {
        return runDir.resolve("data/cluster-" + cluster + "/node-" + node);
    }

    /** {@code sns-up.sh}: starts every process and returns once every cluster has a master (bounded), else throws. */
    void up(String... more) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("--run-dir", runDir.toString(), "--base-port",
                String.valueOf(basePort), "--clusters", String.valueOf(CLUSTERS), "--wait", "75"));
        arguments.addAll(List.of(more));
        script("sns-up", 120, arguments.toArray(String[]::new));
    }

    /** {@code sns-down.sh}: SIGTERM each process, in the script's phases (bounded). */
    void down() throws IOException, InterruptedException {
        script("sns-down", 90, "--run-dir", runDir.toString(), "--wait", "15");
    }

    private void script(String name, int timeoutSeconds, String... arguments) throws IOException, InterruptedException {
        int exit = run(name, timeoutSeconds, arguments);
        if (exit != 0) {
            throw new AssertionError(name + ".sh exited with " + exit + tail(logDir.resolve(name + ".out")));
        }
    }

    /**
     * Runs {@code scripts/NAME.sh ARGUMENTS} with the deployment's environment, its output appended to
     * {@code <log dir>/NAME.out}; returns its exit code, or throws if it did not finish within the bound.
     */
    int run(String name, int timeoutSeconds, String... arguments) throws IOException, InterruptedException {
        return run(name, timeoutSeconds, Map.of(), arguments);
    }

    /** {@link #run(String, int, String...)} with {@code environment} over the deployment's own. */
    int run(String name, int timeoutSeconds, Map<String, String> environment, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("scripts/" + name + ".sh").toString());
        command.addAll(List.of(arguments));
        Path output = logDir.resolve(name + ".out");
        Files.writeString(output, "=== " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(ENVIRONMENT);
        builder.environment().putAll(environment);
        long start = System.nanoTime();
        Process process = SnsJvm.start(builder);
        boolean done = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        System.out.println("e2e: " + name + ".sh took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                + " ms");
        if (!done) {
            process.descendants().forEach(ProcessHandle::destroyForcibly); // e.g. chaos.sh's workload JVM
            process.destroyForcibly();
            throw new AssertionError(name + ".sh did not finish within " + timeoutSeconds + " s" + tail(output));
        }
        return process.exitValue();
    }

    /** The live processes of this deployment by name (pid files whose pid still runs with this run dir). */
    Map<String, ProcessHandle> processes() {
        Map<String, ProcessHandle> live = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(runDir.resolve("pids"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
                String name = file.getFileName().toString().replaceFirst("\\.pid$", "");
                ours(Files.readString(file).strip()).ifPresent(handle -> live.put(name, handle));
            }
        } catch (IOException e) {
            // no pids dir yet, or it went away: nothing of ours runs
        }
        return live;
    }

    private Optional<ProcessHandle> ours(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().commandLine().map(line -> line.contains(runDir + "/")).orElse(false));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * SIGKILL to every process of the deployment at once (coordinator, registry, every node and synchronizer): first
     * all the signals, then the bounded wait for each to be gone. Returns how many were killed.
     */
    int killAll() {
        List<ProcessHandle> killed = new ArrayList<>();
        for (ProcessHandle handle : processes().values()) {
            if (handle.destroyForcibly()) {
                killed.add(handle);
            }
        }
        for (ProcessHandle handle : killed) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("e2e: pid " + handle.pid() + " still there 10 s after SIGKILL: " + e);
            }
        }
        return killed.size();
    }

    /** Kills whatever still runs, keeps the processes' logs beside the test's, deletes the run dir. */
    @Override
    public void close() throws IOException {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs anyway
        }
        Path logs = runDir.resolve("logs");
        if (Files.isDirectory(logs)) {
            try (Stream<Path> files = Files.list(logs)) {
                for (Path file : files.toList()) {
                    Files.copy(file, logDir.resolve(file.getFileName()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Deployment.deleteRecursively(runDir);
    }

    /** The last lines of every process log, for failure messages. */
    String logTails(int lines) {
        StringBuilder text = new StringBuilder("\n--- log tails (run dir " + runDir + ") ---");
        try (Stream<Path> files = Files.list(runDir.resolve("logs"))) {
            for (Path file : files.sorted().toList()) {
                text.append("\n=== ").append(file.getFileName()).append(tail(file, lines));
            }
        } catch (IOException e) {
            text.append("\n(no logs: ").append(e).append(')');
        }
        return text.toString();
    }

    private static String tail(Path file) {
        return "\n" + tail(file, 40);
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return "\n  " + String.join("\n  ", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return " (cannot read " + file + ": " + e + ")";
        }
    }
}
