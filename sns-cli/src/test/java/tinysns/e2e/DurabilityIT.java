package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tinysns.api.CoordinatorService;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.ReplicaProbe;
import tinysns.api.ReplicaState;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.cli.chaos.Checker;
import tinysns.cli.chaos.DeploymentProbe;
import tinysns.cli.chaos.Workload;

/**
 * Issue 7 item 5: restarts lose nothing. Each test runs a real deployment through the operator's scripts
 * ({@link ScriptDeployment}: {@code sns-up.sh} / {@code sns-down.sh}, 3 clusters of 2 nodes and 2 synchronizers).
 * <ul>
 * <li>a clean {@code sns-down.sh} then {@code sns-up.sh} brings back the exact state of every cluster (whole-state
 * digest of every replica, before and after) and the checker finds every user, follow, post and timeline again; while
 * it is down, a node pointed at another cluster's or replica's data directory refuses to start with one clear line and
 * changes nothing in it;
 * <li>kill -9 of every process at once in the middle of a write workload, then {@code sns-up.sh}: every acknowledged
 * follow and post is there, in its home cluster and (once synchronization caught up, within a bound) in every other
 * cluster, and none twice.
 * </ul>
 */
class DurabilityIT {
    private static final String HOST = ScriptDeployment.HOST;

    static {
        // A half-started coordinator must not hang a status poll: RMI reads this once, when it loads.
        if (System.getProperty("sun.rmi.transport.tcp.responseTimeout") == null) {
            System.setProperty("sun.rmi.transport.tcp.responseTimeout", "3000");
        }
    }

    private ScriptDeployment deployment;
    private ExecutorService background;

    @AfterEach
    void stop() throws IOException {
        if (background != null) {
            background.shutdownNow();
        }
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void downThenUpBringsBackEveryUserFollowPostAndTimeline() throws Exception {
        deployment = ScriptDeployment.create("DurabilityIT.downThenUp");
        background = Executors.newSingleThreadExecutor();
        try {
            deployment.up();
            int port = deployment.registryPort();
            Path record = deployment.logDir().resolve("record.tsv");
            // 8 s from the start, follows first (6 users x 3), then posts.
            Workload.Summary summary = new Workload(new Workload.Config(HOST, port, 6, 1, Duration.ofSeconds(8), record,
                    7, Duration.ofMillis(200), 3, 300, Duration.ofSeconds(20)), System.out).run();
            assertTrue(summary.fatal().isEmpty() && summary.ok() > 6 * 3 + 10, "follows and posts: " + summary.text());
            Checker.Result first = check(port, record, 0);
            assertTrue(first.pass(), "before the restart\n" + first.report());
            Map<Integer, String> before = clusterDigests(port);

            deployment.down();
            assertTrue(deployment.processes().isEmpty(), "still running after sns-down: " + deployment.processes());
            long refusalStart = System.nanoTime();
            nodesRefuseDataDirectoriesThatAreNotTheirs();
            System.out.println("DurabilityIT: refusals checked in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - refusalStart) + " ms");

            deployment.up();
            Map<Integer, String> after = clusterDigests(port);
            assertEquals(before, after, "whole-state digest of each cluster before sns-down and after sns-up");
            Checker.Result second = check(port, record, 0);
            assertTrue(second.pass(), "after the restart\n" + second.report());
            assertEquals(first.deliveriesChecked(), second.deliveriesChecked());
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + deployment.logTails(15), failure);
        }
    }

    /**
     * With the deployment down: {@code sns node} on cluster 1's data as cluster 2, and on node 1's data as node 2,
     * exits non-zero within a bound, says so in one line on stderr naming the directory, and leaves its bytes alone.
     */
    private void nodesRefuseDataDirectoriesThatAreNotTheirs() throws Exception {
        Path data = deployment.dataDir(1, 1);
        String hash = treeHash(data);
        // Both at once: each is a JVM start, and they only read.
        Future<String> asCluster2 = background.submit(() -> refusedNode(data, 2, 1));
        String asNode2 = refusedNode(data, 1, 2);
        assertTrue(asNode2.contains("belongs to replica 1 of cluster 1"), asNode2);
        String line = asCluster2.get(60, TimeUnit.SECONDS);
        assertTrue(line.contains("belongs to cluster 1 of 3"), line);
        assertTrue(line.contains("not cluster 2 of 3"), line);
        assertEquals(hash, treeHash(data), "a refused data directory was changed");
    }

    /** Runs {@code scripts/sns node} on {@code data}; returns the one stderr line that refuses it. */
    private String refusedNode(Path data, int cluster, int id) throws Exception {
        int[] ports = Deployment.freePorts(2);
        Path out = deployment.logDir().resolve("refused-node-" + cluster + "." + id + ".out");
        Path err = deployment.logDir().resolve("refused-node-" + cluster + "." + id + ".err");
        ProcessBuilder builder = new ProcessBuilder(deployment.root().resolve("scripts/sns").toString(), "node",
                "--cluster", String.valueOf(cluster), "--id", String.valueOf(id), "--clusters", "3",
                "--host", HOST, "-h", HOST, "-k", String.valueOf(deployment.registryPort()),
                "--port", String.valueOf(ports[0]), "--raft-port", String.valueOf(ports[1]),
                "--peers", HOST + ":" + ports[1], "--data-dir", data.toString())
                .directory(deployment.runDir().toFile()) // JRaft drops metrics files into the working directory
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("SNS_HEAP", "128m");
        builder.environment().put("SNS_TMPDIR", deployment.runDir().resolve("tmp").toString());
        long start = System.nanoTime();
        Process node = SnsJvm.start(builder);
        if (!node.waitFor(45, TimeUnit.SECONDS)) {
            node.destroyForcibly();
            throw new AssertionError("sns node on another's data dir still runs after 45 s");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("DurabilityIT: refused node " + cluster + "." + id + " exited " + node.exitValue()
                + " after " + millis + " ms");
        assertNotEquals(0, node.exitValue(), "exit code of sns node on another's data dir");
        List<String> refusals = Files.readAllLines(err, StandardCharsets.UTF_8).stream()
                .filter(line -> line.contains("refusing data directory")).toList();
        assertEquals(1, refusals.size(), "one refusing line on stderr: " + Files.readString(err));
        String line = refusals.get(0);
        assertTrue(line.startsWith("sns node: refusing data directory " + data + ": it "), line);
        return line;
    }

    @Test
    void killingEveryProcessAtOnceMidWorkloadLosesNoAcknowledgedWrite() throws Exception {
        deployment = ScriptDeployment.create("DurabilityIT.killAll");
        background = Executors.newSingleThreadExecutor();
        try {
            deployment.up();
            int port = deployment.registryPort();
            Path record = deployment.logDir().resolve("record.tsv");
            // Retries outlast the restart: the clients' unanswered writes are resent (same request number) after it.
            Workload.Config config = new Workload.Config(HOST, port, 6, 1, Duration.ofSeconds(35), record, 11,
                    Duration.ofMillis(150), 3, 300, Duration.ofSeconds(60));
            Future<Workload.Summary> workload = background.submit(() -> new Workload(config, System.out).run());

            awaitAcknowledgedPosts(record, 15, Duration.ofSeconds(40));
            long killedAt = System.currentTimeMillis();
            int killed = deployment.killAll();
            assertEquals(2 * ScriptDeployment.COORDINATORS + ScriptDeployment.CLUSTERS * 4, killed, "processes killed"
                    + " (a registry and a coordinator per coordinator replica, 2 nodes and 2 synchronizers per cluster)");
            assertTrue(deployment.processes().isEmpty(), "alive after kill -9: " + deployment.processes());
            System.out.println("DurabilityIT: kill -9 of all " + killed + " processes");

            deployment.up();
            long upAt = System.currentTimeMillis();
            System.out.println("DurabilityIT: up again " + (upAt - killedAt) + " ms after the kill");
            Workload.Summary summary = workload.get(180, TimeUnit.SECONDS);
            System.out.println("DurabilityIT " + summary.text());
            assertTrue(summary.fatal().isEmpty(), summary.text());

            List<String[]> acked = acknowledged(record);
            long ackedBeforeKill = acked.stream().filter(f -> Long.parseLong(f[1]) < killedAt).count();
            // Writes in flight at the kill were resent and answered by the restarted processes: every process was
            // dead from killedAt on, so anything acknowledged after it was served after the restart. (Counting from
            // sns-up.sh's return instead missed them when the restart outlasted the workload's duration under load.)
            long ackedAfterRestart = acked.stream().filter(f -> Long.parseLong(f[1]) > killedAt).count();
            System.out.println("DurabilityIT: " + ackedBeforeKill + " writes acknowledged before the kill, "
                    + ackedAfterRestart + " after the restart");
            assertTrue(ackedBeforeKill >= 15, "acknowledged before the kill: " + ackedBeforeKill);
            assertTrue(ackedAfterRestart > 0, "the workload went on after the restart: " + ackedAfterRestart);

            // Every acknowledged follow and post, everywhere, exactly once; all clusters caught up within 30 s.
            Checker.Result result = check(port, record, upAt);
            assertEquals(0, result.lost(), "lost acknowledged posts\n" + result.report());
            assertEquals(0, result.duplicated(), "duplicated posts\n" + result.report());
            assertTrue(result.pass(), result.report());
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + deployment.logTails(15), failure);
        }
    }

    private static Checker.Result check(int port, Path record, long sinceMillis) throws Exception {
        return new Checker(new Checker.Config(HOST, port, record, sinceMillis, Duration.ofSeconds(30), null, true,
                Duration.ofSeconds(20)), System.out).run();
    }

    /** The record's acknowledged operations, as their tab-separated fields (start, end, user, ..., op, ..., outcome). */
    private static List<String[]> acknowledged(Path record) throws IOException {
        List<String[]> acked = new ArrayList<>();
        for (String line : Files.readAllLines(record, StandardCharsets.UTF_8)) {
            String[] fields = line.split("\t", -1);
            if (!line.startsWith("#") && fields.length == 9 && fields[6].equals("ok")) {
                acked.add(fields);
            }
        }
        return acked;
    }

    private static void awaitAcknowledgedPosts(Path record, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long posts = Files.exists(record)
                    ? acknowledged(record).stream().filter(f -> f[4].equals("post")).count() : 0;
            if (posts >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + posts + " acknowledged posts after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * For every cluster, the whole-state digest its replicas agree on, once the deployment has converged (every
     * cluster has applied every other's whole outbox, both replicas of each cluster hold the same state).
     */
    private static Map<Integer, String> clusterDigests(int port) throws Exception {
        DeploymentProbe probe = new DeploymentProbe(HOST, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String lag = Checker.awaitConverged(probe, Duration.ofSeconds(60));
            assertEquals("", lag, "the deployment did not converge");
            Map<Integer, String> digests = new TreeMap<>();
            boolean agree = true;
            CoordinatorService coordinator = RmiEndpoints.lookup(HOST, port, CoordinatorService.REGISTRY_NAME,
                    CoordinatorService.class);
            for (ProcessStatus row : coordinator.status()) {
                if (row.id().kind() != ProcessKind.SERVER) {
                    continue;
                }
                ReplicaState state = RmiEndpoints.lookup(row.host(), row.port(), row.id().registryName(),
                        ReplicaProbe.class).replicaState();
                String earlier = digests.putIfAbsent(state.cluster(), state.digest());
                agree &= state.appliedIndex() >= 0 && (earlier == null || earlier.equals(state.digest()));
            }
            if (agree && digests.size() == ScriptDeployment.CLUSTERS) {
                return digests;
            }
            assertTrue(System.nanoTime() < deadline, "replicas do not agree on a digest: " + probe.describe());
            Thread.sleep(100);
        }
    }

    /** SHA-256 over every path under {@code root} (sorted) and every file's bytes. */
    static String treeHash(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path p : walk.sorted(Comparator.comparing(Path::toString)).toList()) {
                sha.update(root.relativize(p).toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                if (Files.isRegularFile(p)) {
                    sha.update(Files.readAllBytes(p));
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
