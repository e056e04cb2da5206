package tinysns.cli.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tinysns.api.CoordinatorService;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.Reply;
import tinysns.api.Role;
import tinysns.api.Status;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.cli.CoordinatorAddressOptions;
import tinysns.cli.CoordinatorQuery;

/**
 * Failover time as a user sees it (issue 5): kill -9 a cluster's master, then measure until the next acknowledged
 * write of a user of that cluster, whose client asks the coordinator again and retries (same request number, so
 * exactly once) every {@code --retry-pause}. Then restart the killed node with its own command line and wait until the
 * cluster is two voters again before the next kill. Needs the deployment's run dir (pid files, logs).
 */
@Command(name = "failover", sortOptions = false,
        description = {"Measures kill -9 of a master -> next acknowledged write of a user of its cluster.",
                "Kills real processes named by <run-dir>/pids/node-C.N.pid and restarts them: use a deployment "
                        + "started for it (scripts/bench-failover.sh does)."},
        footer = {"", "Example:", "  sns bench failover -k 30000 --run-dir /tmp/fo-run --kills 20"})
public final class FailoverBench implements Callable<Integer> {
    @Mixin
    tinysns.cli.HelpOption helpOption;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = "--run-dir", required = true, description = "The deployment's run dir (pids/, logs/).")
    Path runDir;

    @Option(names = "--kills", defaultValue = "20", description = "Masters to kill (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--retry-pause", defaultValue = "50", description = "Client pause between tries, ms "
            + "(default: ${DEFAULT-VALUE}).")
    long retryPauseMillis;

    @Option(names = "--settle", defaultValue = "90", description = "Seconds to wait for a cluster to be a pair "
            + "again after the restart (default: ${DEFAULT-VALUE}).")
    long settleSeconds;

    @Override
    public Integer call() throws Exception {
        if (kills < 1 || retryPauseMillis < 1) {
            throw new IllegalArgumentException("--kills and --retry-pause must be >= 1");
        }
        runDir = runDir.toAbsolutePath();
        CoordinatorService coord = RmiEndpoints.lookup(coordinator.host(), coordinator.port(),
                CoordinatorService.REGISTRY_NAME, CoordinatorService.class);
        int clusters = CoordinatorQuery.clusterCount(coordinator.host(), coordinator.port(), Duration.ofSeconds(10));
        Histogram failover = LatencyTable.newHistogram();
        List<String> samples = new ArrayList<>();
        for (int round = 0; round < kills; round++) {
            int c = 1 + round % clusters;
            awaitPair(coord, c);
            BenchUser user = loginWithRetry(c, clusters);
            try {
                requireOk(user.post("before kill " + round));
                ProcessStatus master = master(coord, c).orElseThrow(
                        () -> new IllegalStateException("cluster " + c + " has no master"));
                String name = "node-" + c + "." + master.id().member();
                ProcessHandle victim = ProcessHandle.of(readPid(name)).orElseThrow(
                        () -> new IllegalStateException(name + " is not running"));
                List<String> command = commandLine(victim);
                long killedAt = System.nanoTime();
                victim.destroyForcibly(); // SIGKILL
                long requestNo = user.nextRequest();
                int tries = writeUntilAcknowledged(user, requestNo, "after kill " + round);
                long micros = (System.nanoTime() - killedAt) / 1000;
                failover.recordValue(micros);
                String line = String.format("kill %2d: cluster %d, %s killed -> write acknowledged after %7.1f ms"
                        + " (%d tries)", round + 1, c, name, micros / 1000.0, tries);
                samples.add(line);
                System.out.println(line);
                victim.onExit().get(10, TimeUnit.SECONDS);
                restart(name, command);
            } finally {
                user.close();
            }
        }
        awaitPair(coord, 1 + kills % clusters);
        System.out.println();
        System.out.println(LatencyTable.header());
        System.out.println(LatencyTable.row("kill -9 master -> next acked write", failover));
        return 0;
    }

    /** Retries as the course client does: ask the coordinator again, same request number, until it is applied. */
    private int writeUntilAcknowledged(BenchUser user, long requestNo, String text) throws InterruptedException {
        int tries = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            tries++;
            try {
                Reply r = user.connection.post(user.session, requestNo, text);
                if (r.status() == Status.SUCCESS) {
                    return tries;
                }
                if (r.status() != Status.NOT_MASTER && r.status() != Status.TIMEOUT) {
                    throw new IllegalStateException("write failed: " + r.status());
                }
            } catch (Exception e) {
                if (e instanceof IllegalStateException) {
                    throw (IllegalStateException) e;
                }
                // Connection lost / no server: ask the coordinator again below.
            }
            Thread.sleep(retryPauseMillis);
            try {
                user.connection.connect(user.id);
            } catch (Exception e) {
                // The cluster has no master yet (NO_SERVER) or it is unreachable: keep trying.
            }
        }
        throw new IllegalStateException("no acknowledged write within 60 s of the kill");
    }

    /** A false failover may leave the cluster without a master for a moment: log in when it has one again. */
    private BenchUser loginWithRetry(int c, int clusters) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settleSeconds);
        while (true) {
            try {
                return BenchUser.login(coordinator.host(), coordinator.port(), BenchUser.freshId(c, clusters));
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                System.out.println("  (login in cluster " + c + " failed, retrying: " + e.getMessage() + ")");
                Thread.sleep(500);
            }
        }
    }

    private static void requireOk(Reply r) {
        if (r.status() != Status.SUCCESS) {
            throw new IllegalStateException("write failed: " + r.status());
        }
    }

    private static Optional<ProcessStatus> master(CoordinatorService coord, int c) throws Exception {
        for (ProcessStatus s : coord.status()) {
            if (s.id().kind() == ProcessKind.SERVER && s.id().cluster() == c && s.role() == Role.MASTER
                    && s.alive() && s.raft() != null && s.raft().leader()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Both servers alive, the leader reports two voters with everything committed, the other follows it. */
    private void awaitPair(CoordinatorService coord, int c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settleSeconds);
        while (true) {
            int alive = 0;
            boolean pairLeader = false;
            boolean pairFollower = false;
            for (ProcessStatus s : coord.status()) {
                if (s.id().kind() != ProcessKind.SERVER || s.id().cluster() != c || !s.alive() || s.raft() == null) {
                    continue;
                }
                alive++;
                if (s.raft().voters().size() == 2) {
                    if (s.raft().leader() && s.role() == Role.MASTER) {
                        pairLeader = true;
                    } else if (!s.raft().leader()) {
                        pairFollower = true;
                    }
                }
            }
            if (alive == 2 && pairLeader && pairFollower) {
                Thread.sleep(1000); // let the add-back's record and both epochs settle
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cluster " + c + " is not two voters again after " + settleSeconds
                        + " s");
            }
            Thread.sleep(200);
        }
    }

    private long readPid(String name) throws Exception {
        return Long.parseLong(Files.readString(runDir.resolve("pids").resolve(name + ".pid")).trim());
    }

    private static List<String> commandLine(ProcessHandle p) {
        ProcessHandle.Info info = p.info();
        String cmd = info.command().orElseThrow(() -> new IllegalStateException("no command of pid " + p.pid()));
        String[] args = info.arguments().orElseThrow(() -> new IllegalStateException("no arguments of pid "
                + p.pid()));
        List<String> out = new ArrayList<>();
        out.add(cmd);
        out.addAll(List.of(args));
        return out;
    }

    /** Starts the node again as sns-up.sh did (same command, run dir as cwd, its log appended), updates its pid. */
    private void restart(String name, List<String> command) throws Exception {
        File logFile = runDir.resolve("logs").resolve(name + ".log").toFile();
        Files.writeString(logFile.toPath(), "=== restarted by sns bench failover\n",
                java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.CREATE);
        Process p = new ProcessBuilder(command).directory(runDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        Files.writeString(runDir.resolve("pids").resolve(name + ".pid"), p.pid() + "\n");
    }
}
