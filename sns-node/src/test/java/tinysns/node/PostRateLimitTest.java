package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.NodeService;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;

/** Issue 7 item 6: the per-session post rate, as a token bucket alone and enforced by a real node before proposing. */
class PostRateLimitTest {
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aBurstThenTheSustainedRatePerUser() {
        PostRateLimit limit = new PostRateLimit(10, 20);
        long t = 5 * SECOND;
        for (int i = 0; i < 20; i++) {
            assertTrue(limit.tryAcquire(1, t), "burst post " + i);
        }
        assertFalse(limit.tryAcquire(1, t), "the 21st at once");
        assertTrue(limit.tryAcquire(2, t), "another user has a bucket of its own");
        assertFalse(limit.tryAcquire(1, t + SECOND / 20), "half a token later");
        assertTrue(limit.tryAcquire(1, t + SECOND / 10), "one token later");
        int granted = 0;
        for (long at = t + SECOND / 10; at < t + 10 * SECOND; at += SECOND / 1000) { // a script posting 1000/s
            granted += limit.tryAcquire(1, at) ? 1 : 0;
        }
        assertTrue(granted >= 98 && granted <= 100, "about 10/s for ~10 s, got " + granted);
    }

    @Test
    void offLimitsNothingAndFullBucketsAreForgotten() {
        for (int i = 0; i < 100_000; i++) {
            assertTrue(PostRateLimit.OFF.tryAcquire(1, 0));
        }
        PostRateLimit limit = new PostRateLimit(50, 100);
        for (long user = 1; user <= 100_000; user++) {
            limit.tryAcquire(user, user * SECOND); // each user's bucket is full again by the next user's post
        }
        assertTrue(limit.trackedUsers() < 10_000, "swept: " + limit.trackedUsers());
    }

    @Test
    void aRealNodeRefusesPostsOverTheRateWithoutProposingThem() throws Exception {
        try (TestNode test = new TestNode(dir, ClientLimits.DEFAULTS.withPostRate(5))) { // burst 10
            NodeService node = test.node;
            Session runaway = node.login(1).session();
            Session other = node.login(2).session();
            long requestNo = 0;
            int accepted = 0;
            Reply refused = null;
            long startedNanos = System.nanoTime();
            for (int i = 0; i < 40 && refused == null; i++) {
                Reply reply = node.post(runaway, ++requestNo, "post " + i);
                if (reply.ok()) {
                    accepted++;
                } else {
                    refused = reply;
                }
            }
            // The bucket refills at 5/s while the burst is posted: at a load of 40 ten commits took 0.6 s (13 accepted).
            double seconds = (System.nanoTime() - startedNanos) / 1e9;
            int refilled = (int) Math.ceil(seconds * 5);
            assertTrue(accepted >= 10 && accepted <= 10 + refilled + 1,
                    "the burst of 10 plus what refilled in " + seconds + " s: " + accepted);
            assertEquals(Status.RATE_LIMITED, refused.status());
            assertEquals("more posts than this server allows one session per second; nothing was posted, wait a moment",
                    refused.detail());
            String before = test.digest();
            for (int i = 0; i < 5; i++) {
                assertEquals(Status.RATE_LIMITED, node.post(runaway, ++requestNo, "still too fast").status());
            }
            assertEquals(before, test.digest(), "a refused post is never proposed");
            assertEquals(Status.SUCCESS, node.post(other, 1, "someone else posts").status());
            assertEquals(Status.SUCCESS, node.follow(runaway, ++requestNo, 2).status(), "follows are not limited");
            Thread.sleep(400); // two tokens at 5/s
            assertEquals(Status.SUCCESS, node.post(runaway, ++requestNo, "after a pause").status());
        }
    }
}
