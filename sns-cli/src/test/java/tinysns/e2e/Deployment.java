package tinysns.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import tinysns.api.CoordinatorService;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.Role;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.api.rmi.RmiTransport;

/**
 * A whole Tiny SNS deployment as real processes from the packaged jar: the coordinator (with its own loopback
 * registry), and per cluster two nodes and two synchronizers, all on free ports (never the course's 9000/10000…, so
 * tests do not collide with a running deployment), data and tmp in a temporary run dir, output in
 * {@code target/e2e-logs/<test>/<process>.log}. {@link #close()} stops every process by its pid, even after a failure.
 */
final class Deployment implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    static final String NODE_HEAP = "192m";
    static final String SMALL_HEAP = "80m";

    static {
        // A paused or half-dead coordinator must not hang a status poll: RMI reads this once, when it loads.
        tinysns.api.rmi.RmiTimeouts.install(3000);
    }

    /**
     * What to start. {@code started} is the set of clusters whose processes run (all of them unless narrowed);
     * {@code tls}: every process, client and this JVM's own status calls speak RMI over TLS ({@link TestTls}).
     */
    record Options(int clusters, Set<Integer> started, Duration heartbeat, Duration deadAfter, boolean tls,
                   int coordinators) {
        Options {
            if (clusters < 1) {
                throw new IllegalArgumentException("clusters must be >= 1: " + clusters);
            }
            started = Set.copyOf(started.isEmpty() ? allClusters(clusters) : started);
            if (coordinators < 1) {
                throw new IllegalArgumentException("coordinators must be >= 1: " + coordinators);
            }
            for (int cluster : started) {
                if (cluster < 1 || cluster > clusters) {
                    throw new IllegalArgumentException("cluster " + cluster + " is not in 1.." + clusters);
                }
            }
        }

        /** The fast timings the tests use: heartbeat 200 ms, dead after 1 s. */
        static Options clusters(int clusters) {
            return new Options(clusters, Set.of(), Duration.ofMillis(200), Duration.ofSeconds(1), false, 1);
        }

        Options startingOnly(Set<Integer> started) {
            return new Options(clusters, started, heartbeat, deadAfter, tls, coordinators);
        }

        Options withTls() {
            return new Options(clusters, started, heartbeat, deadAfter, true, coordinators);
        }

        /** {@code n} coordinator replicas, each with its own registry (DESIGN.md §11). */
        Options withCoordinators(int n) {
            return new Options(clusters, started, heartbeat, deadAfter, tls, n);
        }

        private static Set<Integer> allClusters(int clusters) {
            Set<Integer> all = new TreeSet<>();
            for (int cluster = 1; cluster <= clusters; cluster++) {
                all.add(cluster);
            }
            return all;
        }
    }

    private final Options options;
    private final Path runDir;
    private final Path logDir;
    private final int registryPort;
    /** {@code --tls DIR} for every process of a TLS deployment, else nothing. */
    private final List<String> tlsArguments;
    private final List<RoleProcess> coordinators = new ArrayList<>();
    /** Every coordinator replica's registry port; the first is {@link #registryPort}. */
    private final List<Integer> registryPorts = new ArrayList<>();
    private final Map<String, RoleProcess> roles = new LinkedHashMap<>();
    private final List<ClientProcess> clients = new ArrayList<>();
    private final AtomicInteger clientsStarted = new AtomicInteger();

    private Deployment(Options options, Path logDir) throws IOException {
        this.options = options;
        this.logDir = logDir;
        this.runDir = Files.createTempDirectory("sns-e2e-");
        Files.createDirectories(runDir.resolve("tmp"));
        String secretFile = makeSecret(runDir).toString();
        int serversPerCluster = 2;
        int syncsPerCluster = 2;
        int[] ports = freePorts(3 * options.coordinators() + options.started().size()
                * (2 * serversPerCluster + syncsPerCluster));
        int next = 0;
        this.tlsArguments = options.tls() ? List.of("--tls", TestTls.keyDir().toString()) : List.of();
        List<String> group = new ArrayList<>();
        int[] exportPorts = new int[options.coordinators()];
        for (int i = 0; i < options.coordinators(); i++) {
            registryPorts.add(ports[next++]);
            exportPorts[i] = ports[next++];
            group.add(HOST + ":" + registryPorts.get(i) + ":" + ports[next++]);
        }
        this.registryPort = registryPorts.get(0);
        for (int i = 0; i < options.coordinators(); i++) {
            List<String> coordinatorArguments = new ArrayList<>(List.of("coordinator", "--host", HOST,
                    "-k", String.valueOf(registryPorts.get(i)), "--export-port", String.valueOf(exportPorts[i]),
                    "--clusters", String.valueOf(options.clusters()),
                    "--heartbeat", options.heartbeat().toMillis() + "ms",
                    "--dead-after", options.deadAfter().toMillis() + "ms",
                    "--data-dir", coordinatorDataDir(i + 1).toString()));
            if (options.coordinators() > 1) {
                coordinatorArguments.addAll(List.of("--group", String.join(",", group), "--id", String.valueOf(i + 1)));
            }
            if (SnsJvm.hasOption("coordinator", "--create-registry")) {
                coordinatorArguments.add("--create-registry");
            }
            if (SnsJvm.hasOption("coordinator", "--secret-file")) {
                coordinatorArguments.addAll(List.of("--secret-file", secretFile));
            }
            coordinatorArguments.addAll(tlsArguments);
            coordinators.add(new RoleProcess(options.coordinators() == 1 ? "coordinator" : "coordinator-" + (i + 1),
                    SMALL_HEAP, coordinatorArguments, runDir, logDir));
        }
        String coordinatorPorts = registryPortList();

        for (int cluster : new TreeSet<>(options.started())) {
            int[] servicePorts = new int[serversPerCluster + 1];
            int[] raftPorts = new int[serversPerCluster + 1];
            List<String> peers = new ArrayList<>();
            for (int id = 1; id <= serversPerCluster; id++) {
                servicePorts[id] = ports[next++];
                raftPorts[id] = ports[next++];
                peers.add(HOST + ":" + raftPorts[id]);
            }
            for (int id = 1; id <= serversPerCluster; id++) {
                List<String> arguments = new ArrayList<>(List.of("node", "--cluster", String.valueOf(cluster),
                        "--id", String.valueOf(id), "--host", HOST, "-h", HOST, "-k", coordinatorPorts,
                        "--port", String.valueOf(servicePorts[id]), "--raft-port", String.valueOf(raftPorts[id]),
                        "--peers", String.join(",", peers),
                        "--data-dir", runDir.resolve("data/cluster-" + cluster + "/node-" + id).toString(),
                        "--secret-file", secretFile));
                if (SnsJvm.hasOption("node", "--clusters")) {
                    arguments.addAll(List.of("--clusters", String.valueOf(options.clusters())));
                }
                if (SnsJvm.hasOption("node", "--heartbeat")) {
                    arguments.addAll(List.of("--heartbeat", options.heartbeat().toMillis() + "ms"));
                }
                arguments.addAll(tlsArguments);
                add(new RoleProcess("node-" + cluster + "." + id, NODE_HEAP, arguments, runDir, logDir));
            }
            for (int id = 1; id <= syncsPerCluster; id++) {
                List<String> arguments = new ArrayList<>(List.of("sync", "--cluster", String.valueOf(cluster),
                        "--id", String.valueOf(id), "--host", HOST, "-h", HOST, "-k", coordinatorPorts,
                        "--clusters", String.valueOf(options.clusters()), "--secret-file", secretFile));
                int syncPort = ports[next++];
                if (SnsJvm.hasOption("sync", "--port")) {
                    arguments.addAll(List.of("--port", String.valueOf(syncPort)));
                }
                if (SnsJvm.hasOption("sync", "--heartbeat")) {
                    arguments.addAll(List.of("--heartbeat", options.heartbeat().toMillis() + "ms"));
                }
                arguments.addAll(tlsArguments);
                add(new RoleProcess("sync-" + cluster + "." + id, SMALL_HEAP, arguments, runDir, logDir));
            }
        }
    }

    /**
     * Starts everything and waits (bounded) until every started cluster has a live master and every process has
     * registered alive with the coordinator. On failure nothing is left running.
     *
     * @param testName names the log directory, {@code target/e2e-logs/<testName>/} (emptied first)
     */
    static Deployment start(String testName, Options options) throws Exception {
        Path logDir = SnsJvm.logsRoot().resolve(testName.replaceAll("[^A-Za-z0-9._-]", "_"));
        deleteRecursively(logDir);
        Files.createDirectories(logDir);
        Deployment deployment = new Deployment(options, logDir);
        try {
            if (options.tls()) {
                TestTls.useInThisJvm();
            }
            for (RoleProcess c : deployment.coordinators) {
                c.start();
            }
            deployment.awaitCoordinator(Duration.ofSeconds(30));
            for (RoleProcess role : deployment.roles.values()) {
                role.start();
            }
            deployment.awaitReady(Duration.ofSeconds(60 + 10L * options.started().size()));
            return deployment;
        } catch (Throwable failure) {
            deployment.close();
            throw failure;
        }
    }

    private void add(RoleProcess role) {
        roles.put(role.name(), role);
    }

    int registryPort() {
        return registryPort;
    }

    Options options() {
        return options;
    }

    Path logDir() {
        return logDir;
    }

    /** The working directory of every process (data, tmp and the secret under it); deleted by {@link #close()}. */
    Path runDir() {
        return runDir;
    }

    /** The (first) coordinator's {@code --data-dir}. */
    Path coordinatorDataDir() {
        return coordinatorDataDir(1);
    }

    /** Coordinator replica {@code i}'s {@code --data-dir} (1-based; the only one is "coordinator"). */
    Path coordinatorDataDir(int i) {
        return runDir.resolve(options.coordinators() == 1 ? "coordinator" : "coordinator-" + i);
    }

    /** The (first) coordinator. */
    RoleProcess coordinator() {
        return coordinators.get(0);
    }

    /** Coordinator replica {@code i}, 1-based. */
    RoleProcess coordinator(int i) {
        return coordinators.get(i - 1);
    }

    /** {@code -k} for this deployment: every coordinator's registry port, comma-separated. */
    String registryPortList() {
        return String.join(",", registryPorts.stream().map(String::valueOf).toList());
    }

    /** Every coordinator registry, for a {@code RmiConnection} or a locator. */
    List<tinysns.api.client.CoordinatorLocator.Address> coordinatorAddresses() {
        return registryPorts.stream().map(p -> new tinysns.api.client.CoordinatorLocator.Address(HOST, p)).toList();
    }

    /**
     * The coordinator replica (1-based) that leads, by asking each live one's Raft-backed view: the leader is the one
     * whose {@code sns/coordinator-leader} answers. 0 when none does.
     */
    int coordinatorLeader() {
        for (int i = 1; i <= coordinators.size(); i++) {
            if (!coordinators.get(i - 1).alive()) {
                continue;
            }
            try {
                RmiEndpoints.lookup(HOST, registryPorts.get(i - 1), CoordinatorService.LEADER_REGISTRY_NAME,
                        CoordinatorService.class).notices();
                return i;
            } catch (RemoteException | NotBoundException e) {
                // not the leader (it refuses), or not reachable
            }
        }
        return 0;
    }

    /** Node {@code node} of cluster {@code cluster}'s data directory ({@code --data-dir}). */
    Path dataDir(int cluster, int node) {
        return runDir.resolve("data/cluster-" + cluster + "/node-" + node);
    }

    /** The coordinator's lines about clusters that wait for a failover it will not make. */
    List<String> notices() throws RemoteException, NotBoundException {
        return onAnyCoordinator(CoordinatorService::notices);
    }

    /** Runs {@code sns status} against this deployment as its own process; its output (bounded wait). */
    String statusCommandOutput() throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("status", "-h", HOST, "-k", registryPortList()));
        arguments.addAll(tlsArguments);
        Process process = SnsJvm.start(new ProcessBuilder(SnsJvm.command(SMALL_HEAP, runDir.resolve("tmp"),
                arguments)).redirectErrorStream(true));
        try {
            java.util.concurrent.CompletableFuture<byte[]> output = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return process.getInputStream().readAllBytes();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("sns status did not finish within 60 s");
            }
            return new String(output.join(), StandardCharsets.UTF_8);
        } finally {
            process.destroyForcibly();
        }
    }

    RoleProcess role(String name) {
        RoleProcess role = roles.get(name);
        if (role == null) {
            throw new IllegalArgumentException("no process " + name + " in " + roles.keySet());
        }
        return role;
    }

    /** Starts {@code sns client -h 127.0.0.1 -k <registry> -u <userId>}; it is stopped by {@link #close()}. */
    ClientProcess startClient(long userId) throws IOException {
        return startClient(userId, List.of());
    }

    /** {@link #startClient(long)} with {@code extraArguments} appended to the client's command line. */
    ClientProcess startClient(long userId, List<String> extraArguments) throws IOException {
        String name = "client-" + userId + "-" + clientsStarted.incrementAndGet();
        List<String> arguments = new ArrayList<>(tlsArguments);
        arguments.addAll(extraArguments);
        ClientProcess client = ClientProcess.start(name, userId, HOST, registryPort, runDir, logDir, arguments);
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    /** The coordinator's routing table, asked over RMI. */
    List<ProcessStatus> status() throws RemoteException, NotBoundException {
        return onAnyCoordinator(CoordinatorService::status);
    }

    private interface CoordinatorCall<T> {
        T run(CoordinatorService coordinator) throws RemoteException;
    }

    /** {@code call} on the first coordinator replica that answers it (any one serves: followers forward). */
    private <T> T onAnyCoordinator(CoordinatorCall<T> call) throws RemoteException, NotBoundException {
        Exception last = null;
        for (int port : registryPorts) {
            try {
                return call.run(RmiEndpoints.lookup(HOST, port, CoordinatorService.REGISTRY_NAME,
                        CoordinatorService.class));
            } catch (RemoteException | NotBoundException e) {
                last = e;
            }
        }
        if (last instanceof NotBoundException nb) {
            throw nb;
        }
        throw (RemoteException) last;
    }

    /** The name ("node-C.N") of the server the coordinator lists as cluster {@code cluster}'s live master. */
    String masterServer(int cluster) throws Exception {
        for (ProcessStatus row : status()) {
            if (row.id().kind() == ProcessKind.SERVER && row.id().cluster() == cluster && row.role() == Role.MASTER
                    && row.alive()) {
                return row.id().toString();
            }
        }
        throw new AssertionError("cluster " + cluster + " has no live master:\n" + statusText());
    }

    /** Like {@link #masterServer} but null when there is none (or the coordinator does not answer). */
    String masterServerOrNull(int cluster) {
        try {
            for (ProcessStatus row : status()) {
                if (row.id().kind() == ProcessKind.SERVER && row.id().cluster() == cluster
                        && row.role() == Role.MASTER && row.alive() && row.raft() != null && row.raft().leader()) {
                    return row.id().toString();
                }
            }
        } catch (RemoteException | NotBoundException e) {
            return null;
        }
        return null;
    }

    /** The name ("node-C.N") of the other server of the master's cluster. */
    String slaveServer(int cluster) throws Exception {
        String master = masterServer(cluster);
        return master.endsWith(".1") ? "node-" + cluster + ".2" : "node-" + cluster + ".1";
    }

    /**
     * Waits (bounded) until every started cluster has both replicas alive with the same applied index and whole-state
     * digest, and every cluster has applied every other's outbox (DeploymentProbe.lag).
     */
    void awaitConverged(Duration timeout) throws Exception {
        tinysns.cli.chaos.DeploymentProbe probe = new tinysns.cli.chaos.DeploymentProbe(HOST, registryPort);
        String lag = tinysns.cli.chaos.Checker.awaitConverged(probe, timeout);
        if (!lag.isEmpty()) {
            throw new AssertionError("not converged within " + timeout.toSeconds() + " s: " + lag + "\n"
                    + probe.describe());
        }
    }

    /** Waits until the coordinator answers a status call. */
    void awaitCoordinator(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (coordinators.stream().noneMatch(RoleProcess::alive)) {
                throw new AssertionError("the coordinator " + coordinator().exitDescription() + " while starting"
                        + logTails(30));
            }
            try {
                status();
                return;
            } catch (RemoteException | NotBoundException e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError("the coordinator did not answer on " + HOST + ":" + registryPort + " within "
                + timeout.toSeconds() + " s (last error: " + last + ")" + logTails(30));
    }

    /**
     * Waits until every started cluster has a live MASTER server that is its Raft leader, and every started node and
     * synchronizer is listed alive. Fails at once, with the log, if a process exits.
     */
    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String missing = "nothing asked yet";
        while (System.nanoTime() < deadline) {
            for (RoleProcess role : allRoles()) {
                if (!role.alive()) {
                    throw new AssertionError(role.name() + " " + role.exitDescription() + " while the deployment "
                            + "was starting" + logTails(40));
                }
            }
            try {
                missing = missing(status());
                if (missing.isEmpty()) {
                    return;
                }
            } catch (RemoteException | NotBoundException e) {
                missing = "the coordinator does not answer: " + e;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError("deployment not ready after " + timeout.toSeconds() + " s: " + missing
                + "\nlast status:\n" + statusText() + logTails(40));
    }

    /** What keeps the table from being ready, or "" when every cluster has a live master and everyone is alive. */
    String missing(List<ProcessStatus> rows) {
        List<String> missing = new ArrayList<>();
        for (int cluster : new TreeSet<>(options.started())) {
            int c = cluster;
            // MASTER is the coordinator's word; the Raft leadership behind it may come a moment later.
            boolean master = rows.stream().anyMatch(row -> row.id().kind() == ProcessKind.SERVER
                    && row.id().cluster() == c && row.role() == Role.MASTER && row.alive()
                    && row.raft() != null && row.raft().leader());
            if (!master) {
                missing.add("cluster " + cluster + " has no live master server that leads its Raft group");
            }
        }
        for (String name : roles.keySet()) {
            boolean alive = rows.stream().anyMatch(row -> row.id().toString().equals(name) && row.alive());
            if (!alive) {
                missing.add(name + " is not registered alive");
            }
        }
        return String.join("; ", missing);
    }

    String statusText() {
        try {
            StringBuilder text = new StringBuilder();
            for (ProcessStatus row : status()) {
                text.append("  ").append(row.id()).append(' ').append(row.role()).append(' ').append(row.host())
                        .append(':').append(row.port()).append(" alive=").append(row.alive()).append(" heartbeat ")
                        .append(row.lastHeartbeatAgeMillis()).append(" ms ago raft=").append(row.raft()).append('\n');
            }
            return text.length() == 0 ? "  (empty)\n" : text.toString();
        } catch (Exception e) {
            return "  (no status: " + e + ")\n";
        }
    }

    private List<RoleProcess> allRoles() {
        List<RoleProcess> all = new ArrayList<>();
        all.addAll(coordinators);
        all.addAll(roles.values());
        return all;
    }

    /** The last {@code lines} lines of every log of this deployment, for a failure message. */
    String logTails(int lines) {
        StringBuilder text = new StringBuilder("\n--- log tails (full logs in " + logDir + ") ---");
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path file : files.sorted(Comparator.comparing(Path::toString)).toList()) {
                List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
                text.append("\n=== ").append(file.getFileName()).append(" (last ")
                        .append(Math.min(lines, all.size())).append(" of ").append(all.size()).append(" lines)\n");
                all.subList(Math.max(0, all.size() - lines), all.size())
                        .forEach(line -> text.append("  ").append(line).append('\n'));
            }
        } catch (IOException | UncheckedIOException e) {
            text.append("\n(cannot read the logs: ").append(e).append(')');
        }
        return text.toString();
    }

    /**
     * Stops every client and process this deployment started (SIGTERM, then SIGKILL after a bounded wait) and deletes
     * the run dir; the logs stay. Safe to call twice.
     */
    @Override
    public void close() throws InterruptedException {
        List<ClientProcess> toStop;
        synchronized (clients) {
            toStop = new ArrayList<>(clients);
            clients.clear();
        }
        for (ClientProcess client : toStop) {
            client.kill();
        }
        List<RoleProcess> all = allRoles();
        all.forEach(RoleProcess::terminate);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (RoleProcess role : all) {
            role.awaitExitOrKill(deadline);
        }
        if (options.tls()) {
            RmiTransport.usePlain();
        }
        try {
            deleteRecursively(runDir);
        } catch (IOException e) {
            System.err.println("e2e: could not delete " + runDir + ": " + e);
        }
    }

    /**
     * The deployment's shared secret, {@code <runDir>/secret}, made by the same code as {@code sns-up.sh}'s
     * ({@code ensure_secret} in {@code scripts/lib.sh}), so every end-to-end test runs with a secret and checks
     * that the file is owner-only (mode 600).
     */
    static Path makeSecret(Path runDir) throws IOException {
        Path file = runDir.resolve("secret");
        Path lib = SnsJvm.jar().getParent().getParent().getParent().resolve("scripts/lib.sh");
        Process bash = new ProcessBuilder("bash", "-c", "source \"$1\" && ensure_secret \"$2\"", "ensure_secret",
                lib.toString(), file.toString()).redirectErrorStream(true).start();
        try {
            boolean exited = bash.waitFor(20, TimeUnit.SECONDS);
            String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!exited || bash.exitValue() != 0) {
                throw new IllegalStateException("ensure_secret " + file + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making " + file, e);
        } finally {
            bash.destroyForcibly();
        }
        Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (!mode.equals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))) {
            throw new IllegalStateException(file + " has mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(mode) + ", not rw------- (600)");
        }
        return file;
    }

    /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago (all held open together, then freed). */
    static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
