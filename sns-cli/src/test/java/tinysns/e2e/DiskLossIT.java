package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tinysns.api.ListReply;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Status;

/**
 * Issue 12's data-loss incident, replayed with real processes (DESIGN.md §2, "Disk loss"): users 1 and 4 of cluster
 * 1 follow each other and post; both nodes of cluster 1 and the coordinator are killed (-9); node-1.2's data
 * directory is moved aside (the recovery step docs/security.md gives for a damaged replica); the coordinator and
 * node-1.2 alone come back. Before the guard, the restarted coordinator reset the empty node-1.2 to a one-voter group
 * and cluster 1 served again with no users, follows or posts. Now the cluster waits, says why in {@code sns status},
 * and when node-1.1 returns every acknowledged post is there and both replicas hold the same state.
 */
class DiskLossIT {
    private static final int POSTS = 12;
    private Deployment deployment;

    @AfterEach
    void stop() throws InterruptedException {
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void anEmptiedReplicaIsNeverPromotedAndNothingAcknowledgedIsLost() throws Exception {
        deployment = Deployment.start("DiskLossIT", Deployment.Options.clusters(1));
        int port = deployment.registryPort();
        try (WorkloadUser one = new WorkloadUser(port, 1, 30_000).login();
             WorkloadUser four = new WorkloadUser(port, 4, 30_000).login()) {
            assertEquals(Status.SUCCESS, one.follow(4).status());
            assertEquals(Status.SUCCESS, four.follow(1).status());
            List<String> acknowledged = new ArrayList<>();
            for (int i = 1; i <= POSTS; i++) {
                String text = (i % 2 == 0 ? "four " : "one ") + i;
                Reply reply = (i % 2 == 0 ? four : one).post(text);
                assertEquals(Status.SUCCESS, reply.status(), text);
                acknowledged.add(text);
            }
            deployment.awaitConverged(Duration.ofSeconds(20));

            deployment.role("node-1.1").kill();
            deployment.role("node-1.2").kill();
            deployment.coordinator().kill();
            Path emptied = deployment.dataDir(1, 2);
            Files.move(emptied, emptied.resolveSibling("node-2.moved-aside"));

            deployment.coordinator().start();
            deployment.awaitCoordinator(Duration.ofSeconds(30));
            deployment.role("node-1.2").start();
            // Far beyond dead-after (1 s): the old coordinator reset node-1.2 within about 2 s of hearing it.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < until) {
                assertNull(deployment.masterServerOrNull(1), "an emptied node-1.2 must never be made master:\n"
                        + deployment.statusText());
                TimeUnit.MILLISECONDS.sleep(200);
            }
            List<String> notices = deployment.notices();
            assertEquals(1, notices.size(), "one notice for cluster 1: " + notices);
            assertTrue(notices.get(0).startsWith("cluster 1: ") && notices.get(0).contains("node-1.2")
                    && notices.get(0).contains("new data directory") && notices.get(0).contains("waits"),
                    notices.get(0));
            String status = deployment.statusCommandOutput();
            assertTrue(status.lines().anyMatch(line -> line.startsWith("WAITING cluster 1: ")
                    && line.contains("new data directory")), "sns status says why cluster 1 waits:\n" + status);

            // node-1.1 returns with the data: the cluster serves again, with everything acknowledged before.
            deployment.role("node-1.1").start();
            deployment.awaitReady(Duration.ofSeconds(40));
            deployment.awaitConverged(Duration.ofSeconds(40));
            assertEquals(List.of(), deployment.notices());

            ListReply list = one.list();
            assertEquals(Status.SUCCESS, list.status());
            assertTrue(list.allUsers().containsAll(List.of(1L, 4L)), "users: " + list.allUsers());
            assertEquals(List.of(4L), list.followers(), "followers of 1");
            Set<String> shown = new TreeSet<>();
            for (PostView post : one.timeline(50)) {
                shown.add(post.text());
            }
            for (PostView post : four.timeline(50)) {
                shown.add(post.text());
            }
            assertEquals(new TreeSet<>(acknowledged), shown, "every acknowledged post, in the timelines of 1 and 4");
            // The same clients' sessions survived, and the cluster takes writes on both replicas again.
            assertEquals(Status.SUCCESS, four.post("after the disk loss").status());
            deployment.awaitConverged(Duration.ofSeconds(20));
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + "\nstatus:\n" + deployment.statusText()
                    + deployment.logTails(40), failure);
        }
    }
}
