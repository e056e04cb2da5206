package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.NodeService;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineListener;
import tinysns.api.rmi.RmiEndpoints;

/**
 * Issue 7 item 6, bounded push: clients whose timeline callback never returns (more of them than the node has push
 * threads) while authors post far more than a subscriber's queue holds. The node holds at most its bound per slow
 * subscriber and then drops it, the prompt subscribers receive every post without waiting for the stuck ones, and the
 * node keeps serving.
 */
class SlowSubscriberTest {
    private static final int AUTHORS = 8;
    private static final int POSTS_PER_AUTHOR = 1_600; // 12,800 posts: more than the 10,000 a subscriber may lag
    private static final int STUCK = 6; // more than TimelinePush's sender threads
    private static final int PROMPT = 2;

    @TempDir
    Path dir;

    @Test
    void stuckClientsAreDroppedAtTheBoundAndOthersKeepReceivingPromptly() throws Exception {
        int total = AUTHORS * POSTS_PER_AUTHOR;
        assertTrue(total > NodeServer.MAX_QUEUED_POSTS_PER_CLIENT, "the test must overflow a queue");
        CountDownLatch never = new CountDownLatch(1);
        List<TimelineListener> exported = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(AUTHORS);
        try (TestNode test = new TestNode(dir, ClientLimits.DEFAULTS.withPostRate(0))) {
            NodeService node = test.node;
            List<Session> authors = new ArrayList<>();
            for (int a = 1; a <= AUTHORS; a++) {
                authors.add(node.login(a).session());
            }
            AtomicInteger stuckCalls = new AtomicInteger();
            for (int s = 0; s < STUCK; s++) {
                Session reader = follower(node, 100 + s, AUTHORS);
                TimelineListener stuck = posts -> {
                    stuckCalls.incrementAndGet();
                    try {
                        never.await(); // stops reading: this call never returns while the test runs
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                exported.add(stuck);
                assertEquals(Status.SUCCESS, node.subscribe(reader, RmiEndpoints.export(stuck, TestNode.HOST, 0), null));
            }
            List<AtomicInteger> received = new ArrayList<>();
            List<AtomicLong> lastArrivalNanos = new ArrayList<>();
            for (int p = 0; p < PROMPT; p++) {
                Session reader = follower(node, 200 + p, AUTHORS);
                AtomicInteger count = new AtomicInteger();
                AtomicLong last = new AtomicLong();
                TimelineListener prompt = posts -> {
                    count.addAndGet(posts.size());
                    last.set(System.nanoTime());
                };
                exported.add(prompt);
                received.add(count);
                lastArrivalNanos.add(last);
                assertEquals(Status.SUCCESS, node.subscribe(reader, RmiEndpoints.export(prompt, TestNode.HOST, 0), null));
            }

            TimelinePush push = test.server.push();
            AtomicInteger queuedMax = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (Session author : authors) {
                done.add(writers.submit(() -> {
                    for (int i = 1; i <= POSTS_PER_AUTHOR; i++) {
                        Status status = node.post(author, i, "post " + i + " of " + author.userId()).status();
                        if (status != Status.SUCCESS) {
                            throw new AssertionError("post " + i + " of " + author.userId() + ": " + status);
                        }
                        if (i % 100 == 0) {
                            queuedMax.accumulateAndGet(push.queuedPosts(), Math::max);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            long postedNanos = System.nanoTime();

            // Prompt subscribers have everything within a few seconds of the last commit.
            long deadline = postedNanos + Duration.ofSeconds(10).toNanos();
            while (received.stream().anyMatch(c -> c.get() < total) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            for (int p = 0; p < PROMPT; p++) {
                assertEquals(total, received.get(p).get(), "prompt subscriber " + p + " received every post");
                long lagMillis = (lastArrivalNanos.get(p).get() - postedNanos) / 1_000_000;
                assertTrue(lagMillis < 5_000, "prompt subscriber " + p + " got the last post " + lagMillis
                        + " ms after it was committed");
            }

            // Each stuck subscriber held at most its bound and was then dropped.
            int perSubscriberBound = NodeServer.MAX_QUEUED_POSTS_PER_CLIENT;
            assertTrue(queuedMax.get() <= STUCK * perSubscriberBound + PROMPT * 256 + 1_000,
                    "queued at most " + queuedMax.get());
            for (int s = 0; s < STUCK; s++) {
                assertFalse(push.isSubscribed(100 + s), "stuck subscriber " + s + " dropped");
            }
            assertTrue(push.queuedPosts() <= PROMPT * 256, "nothing left queued for the dropped: "
                    + push.queuedPosts());
            assertTrue(stuckCalls.get() >= 1, "the stuck clients were called (and never returned)");

            // The node keeps serving.
            Session late = node.login(300).session();
            assertEquals(Status.SUCCESS, node.post(late, 1, "still serving").status());
            assertEquals(AUTHORS + STUCK + PROMPT + 1, node.list(late).allUsers().size());
        } finally {
            never.countDown();
            writers.shutdownNow();
            exported.forEach(RmiEndpoints::unexport);
        }
    }

    private static Session follower(NodeService node, long id, int authors) throws Exception {
        Session reader = node.login(id).session();
        for (long a = 1; a <= authors; a++) {
            assertEquals(Status.SUCCESS, node.follow(reader, a, a).status());
        }
        return reader;
    }
}
