package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tinysns.cli.chaos.Checker;
import tinysns.cli.chaos.Workload;

/**
 * Issue 5 (d): a short chaos run through the same workload and checker as {@code scripts/chaos.sh}: six users over
 * three clusters follow and post for 30 s while, on a seeded schedule, a master is killed (-9) and restarted, a slave
 * is killed and restarted, and a master is paused past dead-after and resumed. The checker must say PASS: no
 * acknowledged post lost or doubled, order kept, follows everywhere, each cluster's replicas identical, and
 * convergence within 5 s of the later of the last fault and the last write. The seed is printed ({@code -Dsns.chaos.seed}
 * replays it).
 */
class ChaosIT {
    private static final Duration WORKLOAD = Duration.ofSeconds(30);
    private Deployment deployment;

    @AfterEach
    void stop() throws InterruptedException {
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void aShortChaosRunPassesTheChecker() throws Exception {
        long seed = Long.getLong("sns.chaos.seed", System.currentTimeMillis() % 100_000);
        System.out.println("ChaosIT seed " + seed + " (replay with -Dsns.chaos.seed=" + seed + ")");
        deployment = Deployment.start("ChaosIT", Deployment.Options.clusters(3));
        Path record = deployment.logDir().resolve("record.tsv");
        int port = deployment.registryPort();
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Workload.Config config = new Workload.Config(Deployment.HOST, port, 6, 1, WORKLOAD, record, seed,
                    Duration.ofMillis(250), 3, 300, Duration.ofSeconds(20));
            Future<Workload.Summary> workload = background.submit(() -> new Workload(config, System.out).run());
            long lastFault = faults(new Random(seed));
            Workload.Summary summary = workload.get(WORKLOAD.toSeconds() + 90, TimeUnit.SECONDS);
            System.out.println("ChaosIT " + summary.text());
            assertTrue(summary.fatal().isEmpty(), summary.text());
            long lastWrite = System.currentTimeMillis();
            Checker.Result result = new Checker(new Checker.Config(Deployment.HOST, port, record,
                    Math.max(lastFault, lastWrite), Duration.ofSeconds(30), Duration.ofSeconds(5), true,
                    Duration.ofSeconds(20)), System.out).run();
            assertEquals(0, result.lost(), "lost posts\n" + result.report());
            assertEquals(0, result.duplicated(), "duplicated posts\n" + result.report());
            assertTrue(result.pass(), result.report());
        } catch (Throwable failure) {
            throw new AssertionError("seed " + seed + ": " + failure.getMessage() + "\nstatus:\n"
                    + deployment.statusText() + deployment.logTails(20), failure);
        } finally {
            background.shutdownNow();
        }
    }

    /** Three faults, seeded: which cluster each hits and in which order. Returns when the last one is over. */
    private long faults(Random random) throws Exception {
        List<String> kinds = new ArrayList<>(List.of("kill-master", "kill-slave", "pause-master"));
        java.util.Collections.shuffle(kinds, random);
        Thread.sleep(6_000); // the follow phase, then posts
        for (String kind : kinds) {
            int cluster = 1 + random.nextInt(3);
            awaitPairs();
            switch (kind) {
                case "kill-master", "kill-slave" -> {
                    RoleProcess node = deployment.role(kind.equals("kill-master")
                            ? deployment.masterServer(cluster) : deployment.slaveServer(cluster));
                    System.out.println("ChaosIT: kill -9 " + node.name());
                    node.kill();
                    Thread.sleep(2_500);
                    node.start();
                }
                case "pause-master" -> {
                    RoleProcess node = deployment.role(deployment.masterServer(cluster));
                    System.out.println("ChaosIT: kill -STOP " + node.name());
                    node.pause();
                    Thread.sleep(deployment.options().deadAfter().toMillis() + 1_500);
                    node.resume();
                }
                default -> throw new AssertionError(kind);
            }
            Thread.sleep(3_000);
        }
        return System.currentTimeMillis();
    }

    /** Before the next fault, every cluster has two live servers again (bounded). */
    private void awaitPairs() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            var rows = deployment.status();
            long live = rows.stream().filter(r -> r.id().kind() == tinysns.api.ProcessKind.SERVER && r.alive()).count();
            if (live == 2L * deployment.options().clusters() && deployment.missing(rows).isEmpty()) {
                return;
            }
            Thread.sleep(200);
        }
    }
}
