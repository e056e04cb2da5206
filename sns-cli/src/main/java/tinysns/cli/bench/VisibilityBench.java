package tinysns.cli.bench;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Status;
import tinysns.cli.CoordinatorAddressOptions;
import tinysns.cli.CoordinatorQuery;

/**
 * How long a post takes to reach a follower's screen: an author posts at a fixed rate, a subscribed follower (same
 * cluster, or with --cross-cluster another one, so the post travels through the synchronizers) records when each
 * arrives. Latency is measured from the post's intended send time (open loop: a slow server cannot hide its queueing
 * by slowing the sender down), and also from its acknowledgement (committed in the author's cluster → shown).
 */
@Command(name = "visibility", sortOptions = false,
        description = {"Measures post -> follower's screen latency, in one cluster or across clusters.",
                "Needs a running deployment. Creates two fresh users (ids far above real ones), the follower "
                        + "subscribes like a client in timeline mode, the author posts at --rate."},
        footer = {"", "Examples:", "  sns bench visibility -k 9000 --posts 1000",
                "  sns bench visibility -k 9000 --posts 1000 --cross-cluster"})
public final class VisibilityBench implements Callable<Integer> {
    @Mixin
    tinysns.cli.HelpOption helpOption;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = "--posts", defaultValue = "1000", description = "Posts to measure (default: ${DEFAULT-VALUE}).")
    int posts;

    @Option(names = "--warmup", defaultValue = "100", description = "Posts sent first and not measured (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--rate", defaultValue = "200", description = "Posts per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--cross-cluster", description = "Put the follower in another cluster than the author.")
    boolean crossCluster;

    @Override
    public Integer call() throws Exception {
        if (posts < 1 || rate < 1 || warmup < 0) {
            throw new IllegalArgumentException("--posts and --rate must be >= 1, --warmup >= 0");
        }
        int clusters = CoordinatorQuery.clusterCount(coordinator.host(), coordinator.port(), Duration.ofSeconds(10));
        if (crossCluster && clusters < 2) {
            throw new IllegalArgumentException("--cross-cluster needs at least 2 clusters; the deployment has " + clusters);
        }
        int authorCluster = 1;
        int followerCluster = crossCluster ? 2 : 1;
        long authorId = BenchUser.freshId(authorCluster, clusters);
        long followerId = BenchUser.freshId(followerCluster, clusters);
        int total = warmup + posts;
        long[] intendedNanos = new long[total + 1];
        long[] ackNanos = new long[total + 1];
        ConcurrentHashMap<Long, Long> arrivedNanos = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        try (BenchUser author = BenchUser.login(coordinator.host(), coordinator.port(), authorId);
             BenchUser follower = BenchUser.login(coordinator.host(), coordinator.port(), followerId)) {
            follower.followWhenKnown(authorId, 30_000);
            Status subscribed = follower.connection.subscribe(follower.session, batch -> {
                long now = System.nanoTime();
                for (PostView p : batch) {
                    if (p.authorId() == authorId && arrivedNanos.putIfAbsent(p.seq(), now) != null) {
                        duplicates.incrementAndGet();
                    }
                }
            }, null);
            if (subscribed != Status.SUCCESS) {
                throw new IllegalStateException("subscribe failed: " + subscribed);
            }
            System.out.printf("author %d (cluster %d) -> follower %d (cluster %d): %d posts at %d/s after %d warm-up%n",
                    authorId, authorCluster, followerId, followerCluster, posts, rate, warmup);
            long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            for (int i = 1; i <= total; i++) {
                long intended = start + (i - 1) * periodNanos;
                long wait = intended - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                intendedNanos[i] = intended;
                Reply r = author.post("bench post " + i);
                ackNanos[i] = System.nanoTime();
                if (r.status() != Status.SUCCESS || r.postSeq() != i) {
                    throw new IllegalStateException("post " + i + " failed: " + r);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (arrivedNanos.size() < total && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Histogram fromSend = LatencyTable.newHistogram();
            Histogram fromAck = LatencyTable.newHistogram();
            Histogram ack = LatencyTable.newHistogram();
            int missing = 0;
            for (int i = warmup + 1; i <= total; i++) {
                Long arrived = arrivedNanos.get((long) i);
                ack.recordValue(Math.max(0, (ackNanos[i] - intendedNanos[i]) / 1000));
                if (arrived == null) {
                    missing++;
                    continue;
                }
                fromSend.recordValue(Math.max(0, (arrived - intendedNanos[i]) / 1000));
                fromAck.recordValue(Math.max(0, (arrived - ackNanos[i]) / 1000));
            }
            String where = crossCluster ? "cross-cluster" : "same-cluster";
            System.out.println(LatencyTable.header());
            System.out.println(LatencyTable.row("post acknowledged", ack));
            System.out.println(LatencyTable.row(where + " sent -> shown", fromSend));
            System.out.println(LatencyTable.row(where + " committed -> shown", fromAck));
            System.out.printf("missing after 30 s: %d of %d; pushed twice: %d%n", missing, posts, duplicates.get());
            return missing == 0 && duplicates.get() == 0 ? 0 : 1;
        }
    }
}
