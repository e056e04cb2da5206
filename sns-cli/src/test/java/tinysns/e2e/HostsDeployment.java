package tinysns.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * A whole deployment on network namespaces, one "host" per process, driven through {@code scripts/hosts.sh} — the
 * one implementation of the rules in DEVELOPERS.md ("Multi-host tests"): the namespaces, the bridge, the addresses,
 * the partitions (tc), the delay line (netem), the process faults. This class only calls the script and reads what it
 * writes ({@code <run dir>/hosts.txt}, {@code run.env}).
 *
 * <p>Needs root: {@link #start} skips the test (JUnit assumption) with the script's one-line reason otherwise.
 * {@link #close()} removes every namespace and process of the run, also after a failure; a JVM shutdown hook does the
 * same if the test JVM dies first. Every call to the script has a bound.
 */
final class HostsDeployment implements AutoCloseable {
    /** hosts.sh's exit code for "this machine cannot run it" (root, ip netns). */
    static final int SKIP = 77;
    private static final Duration UP_TIMEOUT = Duration.ofSeconds(150);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    /** Fast failure detection as the other e2e tests use; small heaps; C1 and serial GC for ~14 JVMs on 2 cores. */
    private static final Map<String, String> ENVIRONMENT = Map.of(
            "SNS_HEARTBEAT", "200ms", "SNS_DEAD_AFTER", "1s", "SNS_NODE_HEAP", "192m", "SNS_SMALL_HEAP", "80m",
            "SNS_JAVA_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1");

    /** What to start: clusters (2 nodes and 2 synchronizers each), coordinator replicas, hosts for clients. */
    record Options(int clusters, int coordinators, int clientHosts) {
        static Options clusters(int clusters) {
            return new Options(clusters, 1, clusters);
        }

        Options withCoordinators(int n) {
            return new Options(clusters, n, clientHosts);
        }

        Options withClientHosts(int n) {
            return new Options(clusters, coordinators, n);
        }
    }

    /** A host: its namespace and its address on the run's bridge. */
    record Host(String name, String namespace, String address) {
    }

    /** A process of the deployment as hosts.txt records it (the pid changes on {@link #restart}). */
    record Proc(String name, String host, String namespace, String address, long pid, String command) {
    }

    /** What a call to hosts.sh printed and how it ended. */
    record Result(int exit, String out, String err) {
        Result ok(String what) {
            if (exit != 0) {
                throw new AssertionError("hosts.sh " + what + " exited with " + exit + ":\n" + out + err);
            }
            return this;
        }
    }

    private final Path root;
    private final Path script;
    private final Path runDir;
    private final Path logDir;
    private final String runId;
    private final Options options;
    private final Thread cleanupOnExit;
    private final List<ClientProcess> clients = new CopyOnWriteArrayList<>();
    private final List<Process> background = new CopyOnWriteArrayList<>();
    private volatile Map<String, Host> hosts = Map.of();
    private volatile Map<String, Proc> processes = Map.of();
    private volatile Map<String, String> runEnv = Map.of();
    private boolean closed;

    private HostsDeployment(Path root, Path runDir, Path logDir, String runId, Options options) {
        this.root = root;
        this.script = root.resolve("scripts/hosts.sh");
        this.runDir = runDir;
        this.logDir = logDir;
        this.runId = runId;
        this.options = options;
        this.cleanupOnExit = new Thread(this::cleanupQuietly, "hosts-cleanup-" + runId);
    }

    /**
     * Starts the deployment ({@code hosts.sh up}) and returns once every cluster has a master (bounded). Skips the
     * test if the machine cannot run namespaces; on any other failure removes everything and throws.
     *
     * @param testName names the log directory {@code target/e2e-logs/<testName>/} (emptied first)
     */
    static HostsDeployment start(String testName, Options options) throws Exception {
        Path root = SnsJvm.jar().getParent().getParent().getParent(); // <root>/sns-cli/target/sns-cli.jar
        Path logDir = SnsJvm.logsRoot().resolve(testName.replaceAll("[^A-Za-z0-9._-]", "_"));
        Deployment.deleteRecursively(logDir);
        Files.createDirectories(logDir);
        String runId = String.format("%06x", new Random().nextInt(1 << 24));
        HostsDeployment deployment = new HostsDeployment(root, Files.createTempDirectory("sns-hosts-"), logDir, runId,
                options);
        Result check = deployment.call(Duration.ofSeconds(30), "check");
        if (check.exit() == SKIP) {
            Deployment.deleteRecursively(deployment.runDir);
        }
        Assumptions.assumeTrue(check.exit() != SKIP, (check.out() + check.err()).strip());
        check.ok("check");
        Runtime.getRuntime().addShutdownHook(deployment.cleanupOnExit);
        try {
            long start = System.nanoTime();
            deployment.call(UP_TIMEOUT, "up", "--run-dir", deployment.runDir.toString(), "--run-id", runId,
                    "--clusters", String.valueOf(options.clusters()),
                    "--coordinators", String.valueOf(options.coordinators()),
                    "--client-hosts", String.valueOf(options.clientHosts()), "--wait", "90").ok("up");
            System.out.println("hosts: up took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                    + " ms (run " + runId + ", " + deployment.runDir + ")");
            deployment.reload();
            return deployment;
        } catch (Throwable failure) {
            try {
                deployment.close();
            } catch (Throwable closing) {
                failure.addSuppressed(closing);
            }
            throw failure;
        }
    }

    String runId() {
        return runId;
    }

    Path runDir() {
        return runDir;
    }

    Path logDir() {
        return logDir;
    }

    Options options() {
        return options;
    }

    /** The namespace prefix of this run: every namespace it makes starts with it. */
    String namespacePrefix() {
        return "snsh-" + runId + "-";
    }

    Map<String, Host> hosts() {
        return hosts;
    }

    Host host(String name) {
        Host host = hosts.get(name);
        if (host == null) {
            Proc proc = process(name);
            host = hosts.get(proc.host());
        }
        return host;
    }

    Map<String, Proc> processes() {
        return processes;
    }

    Proc process(String name) {
        Proc proc = processes.get(name);
        if (proc == null) {
            throw new IllegalArgumentException("no process " + name + " in " + processes.keySet());
        }
        return proc;
    }

    /** The coordinators' registries as every role's {@code -k} names them (address:port,…). */
    String coordinatorList() {
        return runEnv.get("COORDINATORS");
    }

    /** The first coordinator host's address ({@code -h}). */
    String coordinatorHost() {
        return runEnv.get("COORDINATOR_HOST");
    }

    /** Rereads hosts.txt and run.env (pids change on restart). */
    void reload() throws IOException {
        Map<String, Host> hostMap = new LinkedHashMap<>();
        Map<String, Proc> procMap = new LinkedHashMap<>();
        for (String line : Files.readAllLines(runDir.resolve("hosts.txt"), StandardCharsets.UTF_8)) {
            String[] f = line.strip().split("\\s+", 7);
            if (f[0].equals("host") && f.length >= 5) {
                hostMap.put(f[1], new Host(f[1], f[3], f[4]));
            } else if (f[0].equals("proc") && f.length == 7) {
                procMap.put(f[1], new Proc(f[1], f[2], f[3], f[4], f[5].equals("-") ? -1 : Long.parseLong(f[5]),
                        f[6]));
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(runDir.resolve("run.env"), StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        hosts = Map.copyOf(hostMap);
        processes = Map.copyOf(procMap);
        runEnv = Map.copyOf(env);
    }

    // --- the deployment as the coordinator sees it ------------------------------------------------------------------

    /** {@code sns status} run on a client host. */
    String status() throws IOException, InterruptedException {
        Result result = call(CALL_TIMEOUT, "status", "--run-dir", runDir.toString());
        return result.exit() == 0 ? result.out() : "(sns status exited with " + result.exit() + ": "
                + (result.out() + result.err()).strip() + ")";
    }

    /** The live MASTER of {@code cluster} that leads its Raft group, from {@code sns status}; null if none. */
    String masterServer(int cluster) throws IOException, InterruptedException {
        return masterIn(status(), cluster);
    }

    static String masterIn(String status, int cluster) {
        Matcher m = Pattern.compile("(?m)^" + cluster + "\\s+(node-" + cluster
                + "\\.\\d+)\\s+MASTER\\s.*\\syes\\s+leader\\s").matcher(status);
        return m.find() ? m.group(1) : null;
    }

    /** One status row of process {@code name}, or null. */
    static String rowOf(String status, String name) {
        for (String line : status.split("\n")) {
            String[] cells = line.strip().split("\\s+");
            if (cells.length > 1 && cells[1].equals(name)) {
                return line;
            }
        }
        return null;
    }

    /** Waits (bounded) until {@code cluster} has a live leading master other than {@code not} (may be null). */
    String awaitMaster(int cluster, String not, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            status = status();
            String master = masterIn(status, cluster);
            if (master != null && !master.equals(not)) {
                return master;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("cluster " + cluster + " has no live master" + (not == null ? "" : " besides " + not)
                + " after " + timeout.toSeconds() + " s; last status:\n" + status);
    }

    // --- nemeses -------------------------------------------------------------------------------------------------------

    /** Cuts every packet between the two sets, both ways (names are hosts or processes; "others" = the rest). */
    void partition(Collection<String> one, Collection<String> other) throws IOException, InterruptedException {
        call(CALL_TIMEOUT, "partition", "--run-dir", runDir.toString(), String.join(",", one),
                String.join(",", other)).ok("partition");
    }

    /** {@code from} cannot send to {@code to}; what {@code to} sends still reaches {@code from}. */
    void partitionOneWay(Collection<String> from, Collection<String> to) throws IOException, InterruptedException {
        call(CALL_TIMEOUT, "partition", "--run-dir", runDir.toString(), "--one-way", String.join(",", from),
                String.join(",", to)).ok("partition --one-way");
    }

    /** Cuts {@code name}'s host from every other host of the run, both ways. */
    void isolate(String name) throws IOException, InterruptedException {
        partition(List.of(name), List.of("others"));
    }

    /** Removes every partition (netem stays). */
    void heal() throws IOException, InterruptedException {
        call(CALL_TIMEOUT, "heal", "--run-dir", runDir.toString()).ok("heal");
    }

    /** Delay/loss on everything {@code host} sends, e.g. {@code "delay 200ms loss 20%"}. */
    void netem(String host, String spec) throws IOException, InterruptedException {
        call(CALL_TIMEOUT, "netem", "--run-dir", runDir.toString(), host, spec).ok("netem " + spec);
    }

    void netemClear(String host) throws IOException, InterruptedException {
        netem(host, "clear");
    }

    /** SIGSTOP by the recorded pid. */
    void pause(String process) throws IOException, InterruptedException {
        call(CALL_TIMEOUT, "pause", "--run-dir", runDir.toString(), process).ok("pause " + process);
    }

    /** SIGCONT by the recorded pid. */
    void resume(String process) throws IOException, InterruptedException {
        call(CALL_TIMEOUT, "resume", "--run-dir", runDir.toString(), process).ok("resume " + process);
    }

    /** SIGKILL; returns once the process is gone. */
    void kill(String process) throws IOException, InterruptedException {
        call(CALL_TIMEOUT, "kill", "--run-dir", runDir.toString(), process).ok("kill " + process);
    }

    /** SIGKILL if it runs, then the same command line again on the same host. */
    void restart(String process) throws IOException, InterruptedException {
        call(CALL_TIMEOUT, "restart", "--run-dir", runDir.toString(), process).ok("restart " + process);
        reload();
    }

    /**
     * The scheduler state of a process by its recorded pid ({@code /proc/PID/stat}: R, S, T = stopped, …), or
     * {@code '-'} if it is gone.
     */
    char processState(String process) {
        long pid = process(process).pid();
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X' ? '-' : state;
        } catch (IOException e) {
            return '-';
        }
    }

    // --- probes --------------------------------------------------------------------------------------------------------

    /** TCP connect from {@code from} to {@code to}:{@code port}: "open", "refused" (both ways pass) or "timeout". */
    String tcp(String from, String to, int port) throws IOException, InterruptedException {
        return probe("tcp", from, to, String.valueOf(port));
    }

    /** Whether a datagram {@code from} sends reaches {@code to} (judged by {@code to}'s own counters). */
    boolean udpDelivered(String from, String to) throws IOException, InterruptedException {
        return probe("udp", from, to).equals("delivered");
    }

    /** Milliseconds of one TCP connect (SYN to a closed port, RST back). */
    long rttMillis(String from, String to) throws IOException, InterruptedException {
        return Long.parseLong(probe("rtt", from, to));
    }

    private String probe(String kind, String from, String to, String... more) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("probe", "--run-dir", runDir.toString(), kind, from, to));
        arguments.addAll(List.of(more));
        Result result = call(CALL_TIMEOUT, arguments.toArray(String[]::new)).ok("probe " + kind);
        String[] lines = result.out().strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    /** The live namespaces of this run ({@code ip netns list} by the run's prefix). */
    List<String> namespaces() throws IOException, InterruptedException {
        Result result = call(CALL_TIMEOUT, "namespaces", "--run-id", runId).ok("namespaces");
        return result.out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Processes of this machine whose command line names the run dir (every process of the run does). */
    List<ProcessHandle> liveProcesses() {
        String marker = runDir.toString();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false)).toList();
        }
    }

    // --- running things on hosts ---------------------------------------------------------------------------------------

    /** Runs {@code command} on {@code host} ({@code hosts.sh exec}) and waits for it (bounded). */
    Result exec(String host, Duration timeout, String... command) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("exec", "--run-dir", runDir.toString(), host, "--"));
        arguments.addAll(List.of(command));
        return call(timeout, arguments.toArray(String[]::new));
    }

    /**
     * Starts {@code command} on {@code host} in the background, its output (both streams) into {@code output};
     * stopped by {@link #close()} if it still runs.
     */
    Process startOnHost(String host, Path output, String... command) throws IOException {
        List<String> arguments = new ArrayList<>(List.of(script.toString(), "exec", "--run-dir", runDir.toString(),
                host, "--"));
        arguments.addAll(List.of(command));
        ProcessBuilder builder = builder(arguments).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = SnsJvm.start(builder);
        background.add(process);
        return process;
    }

    /** The course client {@code tsc -u user} on {@code host}, with -h/-k/--callback-host for it. */
    ClientProcess startClient(String host, long user, String... more) throws IOException {
        List<String> arguments = new ArrayList<>(List.of(script.toString(), "tsc", "--run-dir", runDir.toString(),
                host, "--", "-u", String.valueOf(user)));
        arguments.addAll(List.of(more));
        ClientProcess client = ClientProcess.start("client-u" + user + "@" + host, user, builder(arguments), logDir);
        clients.add(client);
        return client;
    }

    /**
     * {@link #startClient} and the title block, bounded: 60 s for the first line (a JVM starting in a namespace on a
     * busy 2-core machine), then the course's per-line bound.
     */
    ClientProcess login(String host, long user) throws Exception {
        ClientProcess client = startClient(host, user, "--login-retry-for", "15s");
        Duration timeout = Duration.ofSeconds(60);
        for (String line : ScenarioDriver.TITLE_LINES) {
            if (!line.isBlank()) {
                client.expect(LinePattern.of(line), timeout);
                timeout = ScenarioDriver.LOGIN_TIMEOUT;
            }
        }
        return client;
    }

    // --- the script ----------------------------------------------------------------------------------------------------

    private ProcessBuilder builder(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
        builder.environment().putAll(ENVIRONMENT);
        String path = builder.environment().getOrDefault("PATH", "/usr/bin:/bin");
        builder.environment().put("PATH", path + ":/usr/sbin:/sbin");
        return builder;
    }

    /** Runs {@code hosts.sh ARGS…}; its output is also appended to {@code <log dir>/hosts.out}. */
    Result call(Duration timeout, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(arguments));
        Path out = Files.createTempFile(logDir, "hosts-", ".out");
        Path err = Files.createTempFile(logDir, "hosts-", ".err");
        try {
            ProcessBuilder builder = builder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            long start = System.nanoTime();
            Process process = SnsJvm.start(builder);
            boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            Result result = new Result(done ? process.exitValue() : -1, Files.readString(out), Files.readString(err));
            Files.writeString(logDir.resolve("hosts.out"), "=== " + LocalTime.now() + " " + String.join(" ", arguments)
                    + " -> " + (done ? "exit " + result.exit() : "TIMEOUT") + " in " + millis + " ms\n"
                    + result.out() + result.err(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            if (!done) {
                throw new AssertionError("hosts.sh " + String.join(" ", arguments) + " did not finish within "
                        + timeout.toSeconds() + " s:\n" + result.out() + result.err());
            }
            return result;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The last lines of every process log, for failure messages. */
    String logTails(int lines) {
        StringBuilder text = new StringBuilder("\n--- log tails (run dir " + runDir + ") ---");
        try (Stream<Path> files = Files.list(runDir.resolve("logs"))) {
            for (Path file : files.sorted().toList()) {
                List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
                text.append("\n=== ").append(file.getFileName()).append("\n  ")
                        .append(String.join("\n  ", all.subList(Math.max(0, all.size() - lines), all.size())));
            }
        } catch (IOException e) {
            text.append("\n(no logs: ").append(e).append(')');
        }
        return text.toString();
    }

    private void cleanupQuietly() {
        try {
            for (ClientProcess client : clients) {
                client.kill();
            }
        } catch (Exception e) {
            // the namespace sweep below kills them anyway
        }
        try {
            new ProcessBuilder(script.toString(), "cleanup", "--run-id", runId).inheritIO().start()
                    .waitFor(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("hosts: cleanup of run " + runId + " failed: " + e);
        }
    }

    /**
     * Stops every client and process, deletes every namespace of the run ({@code down}, then {@code cleanup} by the
     * run's prefix for anything left), keeps the logs beside the test's, deletes the run dir. Throws at the end if a
     * step failed, after trying all of them.
     */
    @Override
    public synchronized void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        List<Throwable> failures = new ArrayList<>();
        for (ClientProcess client : clients) {
            try {
                client.kill();
            } catch (Throwable e) {
                failures.add(e);
            }
        }
        for (Process process : background) {
            process.destroyForcibly();
        }
        try {
            if (Files.exists(runDir.resolve("run.env"))) {
                call(Duration.ofSeconds(120), "down", "--run-dir", runDir.toString(), "--wait", "5").ok("down");
            }
        } catch (Throwable e) {
            failures.add(e);
        }
        try {
            call(Duration.ofSeconds(60), "cleanup", "--run-id", runId).ok("cleanup");
        } catch (Throwable e) {
            failures.add(e);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException e) {
            // already shutting down, or never added (skipped): the hook runs or is not needed
        }
        for (String kept : List.of("logs", "hosts.txt", "run.env", "partitions.txt", "status.txt")) {
            Path source = runDir.resolve(kept);
            if (Files.isDirectory(source)) {
                try (Stream<Path> files = Files.list(source)) {
                    for (Path file : files.toList()) {
                        Files.copy(file, logDir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } else if (Files.isRegularFile(source)) {
                Files.copy(source, logDir.resolve(kept), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Deployment.deleteRecursively(runDir);
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("closing the namespace deployment of run " + runId + " failed");
            failures.forEach(error::addSuppressed);
            throw error;
        }
    }
}
