package tinysns.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tinysns.api.CoordinatorService;
import tinysns.api.Status;
import tinysns.api.SyncService;
import tinysns.api.client.ClusterMasters;
import tinysns.api.client.CoordinatorLocator;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.cli.CoordinatorAddressOptions;
import tinysns.cli.CoordinatorQuery;

/**
 * How many events one synchronizer carries: many writers post into cluster 1 as fast as it commits, while the other
 * clusters' cursors for cluster 1 are watched until they reach cluster 1's outbox head.
 */
@Command(name = "sync", sortOptions = false,
        description = {"Measures the events/s cluster 1's synchronizer copies into every other cluster.",
                "Posts --events posts into cluster 1 from --writers users at once, then waits until every other "
                        + "cluster's cursor for cluster 1 reaches cluster 1's outbox head."},
        footer = {"", "Example:", "  sns bench sync -k 9000 --events 20000 --secret-file run/secret"})
public final class SyncBench implements Callable<Integer> {
    @Mixin
    tinysns.cli.HelpOption helpOption;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = "--events", defaultValue = "20000", description = "Posts to make (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--writers", defaultValue = "64", description = "Users posting at once (default: ${DEFAULT-VALUE}).")
    int writers;

    @Option(names = "--post-only", description = "Post and report, without waiting for the other clusters (to build a "
            + "backlog while cluster 1's synchronizers are stopped; see scripts/bench-sync.sh).")
    boolean postOnly;

    @Option(names = "--drain-only", description = "Post nothing: measure how fast the other clusters' cursors reach "
            + "cluster 1's outbox head from where they are now (start cluster 1's synchronizer right after).")
    boolean drainOnly;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "The deployment's shared secret, needed to read cursors (default: none).")
    Path secretFile;

    private ClusterMasters masters;

    @Override
    public Integer call() throws Exception {
        masters = new ClusterMasters(new CoordinatorLocator(coordinator.addresses()));
        if (events < 1 || writers < 1) {
            throw new IllegalArgumentException("--events and --writers must be >= 1");
        }
        String secret = secretFile == null ? null : Files.readString(secretFile).strip();
        int clusters = CoordinatorQuery.clusterCount(coordinator.host(), coordinator.port(), Duration.ofSeconds(10));
        if (clusters < 2) {
            throw new IllegalArgumentException("synchronization needs at least 2 clusters; the deployment has " + clusters);
        }
        CoordinatorService coord = RmiEndpoints.lookup(coordinator.host(), coordinator.port(),
                CoordinatorService.REGISTRY_NAME, CoordinatorService.class);
        if (drainOnly) {
            return drain(coord, secret, clusters);
        }
        List<BenchUser> users = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            for (int w = 0; w < writers; w++) {
                users.add(BenchUser.login(coordinator.host(), coordinator.port(), BenchUser.freshId(1, clusters)));
            }
            SyncService origin = sync(coord, 1);
            long startHead = origin.readOutbox(secret, Long.MAX_VALUE / 2, 1, 0).head();
            long start = System.nanoTime();
            List<Future<Integer>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                BenchUser user = users.get(w);
                int share = events / writers + (w < events % writers ? 1 : 0);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < share; i++) {
                        Status s = user.post("sync bench " + i).status();
                        if (s != Status.SUCCESS) {
                            throw new IllegalStateException("post failed: " + s);
                        }
                    }
                    return share;
                }));
            }
            for (Future<Integer> f : done) {
                f.get(10, TimeUnit.MINUTES);
            }
            long posted = System.nanoTime();
            if (postOnly) {
                double seconds = (posted - start) / 1e9;
                System.out.printf("posts committed in cluster 1: %d in %.2f s = %.0f posts/s (%d writers)%n", events,
                        seconds, events / seconds, writers);
                return 0;
            }
            long head = origin.readOutbox(secret, Long.MAX_VALUE / 2, 1, 0).head();
            long lagAtPosted = 0;
            for (int target = 2; target <= clusters; target++) {
                lagAtPosted = Math.max(lagAtPosted, head - sync(coord, target).cursor(secret, 1));
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            for (int target = 2; target <= clusters; target++) {
                SyncService into = sync(coord, target);
                while (into.cursor(secret, 1) < head) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("cluster " + target + " did not catch up within 5 minutes");
                    }
                    Thread.sleep(5);
                }
            }
            long synced = System.nanoTime();
            long carried = head - startHead;
            double postSeconds = (posted - start) / 1e9;
            double syncSeconds = (synced - start) / 1e9;
            System.out.printf("posts committed in cluster 1: %d in %.2f s = %.0f posts/s (%d writers)%n", events,
                    postSeconds, events / postSeconds, writers);
            System.out.printf("events carried to each of %d clusters: %d in %.2f s = %.0f events/s%n", clusters - 1,
                    carried, syncSeconds, carried / syncSeconds);
            System.out.printf("lag when posting ended: %d events; caught up %.0f ms later%n", lagAtPosted,
                    (synced - posted) / 1e6);
            return 0;
        } finally {
            pool.shutdownNow();
            users.forEach(BenchUser::close);
        }
    }

    /** Times the other clusters' catch-up on cluster 1's outbox from their current cursors (a backlog). */
    private int drain(CoordinatorService coord, String secret, int clusters) throws Exception {
        long head = sync(coord, 1).readOutbox(secret, Long.MAX_VALUE / 2, 1, 0).head();
        // The clock starts when the synchronizer starts carrying (its JVM start and promotion are not its speed).
        SyncService first = sync(coord, 2);
        long idle = first.cursor(secret, 1);
        long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long moved;
        while ((moved = first.cursor(secret, 1)) == idle) {
            if (System.nanoTime() > wait) {
                throw new IllegalStateException("cluster 2's cursor for cluster 1 did not move within 60 s; is cluster "
                        + "1's synchronizer running?");
            }
            Thread.sleep(1);
        }
        long start = System.nanoTime();
        long[] from = new long[clusters + 1];
        from[2] = moved;
        long deadline = start + TimeUnit.MINUTES.toNanos(5);
        for (int target = 2; target <= clusters; target++) {
            SyncService into = sync(coord, target);
            while (into.cursor(secret, 1) < head) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cluster " + target + " did not catch up within 5 minutes");
                }
                Thread.sleep(2);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long backlog = head - from[2]; // measured from the first movement on
        System.out.printf("backlog of %d events drained into each of %d clusters in %.2f s = %.0f events/s per target"
                + " (%.0f events/s carried in all)%n", backlog, clusters - 1, seconds, backlog / seconds,
                backlog * (clusters - 1) / seconds);
        return 0;
    }

    private SyncService sync(CoordinatorService coord, int cluster) throws Exception {
        ClusterMasters.Master m = masters.master(cluster);
        if (m == null) {
            throw new IllegalStateException("cluster " + cluster + " has no live master");
        }
        return m.as(SyncService.class);
    }
}
