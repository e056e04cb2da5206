package tinysns.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.error.RaftError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tinysns.api.ListReply;
import tinysns.api.PostView;
import tinysns.api.RaftReport;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineReply;
import tinysns.domain.PostCommand;
import tinysns.store.RocksKvStore;
import tinysns.store.StoreOptions;
import tinysns.store.TestDirs;

/** Real JRaft groups on 127.0.0.1 around the SNS state machine. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterReplicaTest {
    private static final long WAIT = TestGroup.WAIT_MILLIS;

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        // Only for calls that are not redirected by a leader change (snapshot, addPeer): those use TestGroup.
        return f.get(WAIT, TimeUnit.MILLISECONDS);
    }

    /** Logs two users in, makes 1 follow 2, and has 2 post {@code posts} times. */
    private static Session[] populate(TestGroup g, ClusterReplica leader, int posts) {
        Session one = g.login(leader, 1);
        Session two = g.login(leader, 2);
        assertTrue(g.follow(leader, one, 1, 2).ok());
        for (int i = 1; i <= posts; i++) {
            assertTrue(g.post(leader, two, i, "post " + i).ok());
        }
        return new Session[] {one, two};
    }

    /**
     * Coalesced ReadIndex rounds (ReadRounds): many concurrent readers share rounds, and each read still sees every
     * write acknowledged before it began (the newest post of a timeline is at least the last one acknowledged).
     */
    @Test
    void concurrentReadsShareRoundsAndSeeEveryAcknowledgedWrite() throws Exception {
        try (TestGroup g = TestGroup.start(2)) {
            ClusterReplica leader = g.awaitLeader();
            Session[] s = populate(g, leader, 1);
            java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong(1);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<String> problems = new CopyOnWriteArrayList<>();
            long[] before = leader.readRoundCounts();
            Thread writer = new Thread(() -> {
                for (long i = 2; !stop.get(); i++) {
                    if (!g.post(leader, s[1], i, "post " + i).ok()) {
                        problems.add("post " + i + " refused");
                        return;
                    }
                    acked.set(i);
                }
            });
            List<Thread> readers = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
            for (int r = 0; r < 16; r++) {
                readers.add(new Thread(() -> {
                    while (!stop.get()) {
                        long mustSee = acked.get();
                        try {
                            TimelineReply t = leader.readNow(kv -> leader.domain().timeline(kv, s[0], 1), WAIT);
                            long newest = Long.parseLong(t.posts().get(0).text().substring("post ".length()));
                            if (newest < mustSee) {
                                problems.add("read saw post " + newest + " after post " + mustSee + " was acknowledged");
                            }
                            served.incrementAndGet();
                        } catch (Exception e) {
                            problems.add(e.toString());
                        }
                    }
                }));
            }
            writer.start();
            readers.forEach(Thread::start);
            TestGroup.sleep(2_000);
            stop.set(true);
            writer.join(WAIT);
            for (Thread t : readers) {
                t.join(WAIT);
            }
            long[] after = leader.readRoundCounts();
            long rounds = after[0] - before[0];
            long reads = after[1] - before[1];
            assertEquals(List.of(), problems);
            assertEquals(served.get(), reads);
            assertTrue(reads > 100, "only " + reads + " reads served");
            // 16 readers with one round in flight at a time: most reads wait behind one and share the next.
            assertTrue(reads >= 3 * rounds, reads + " reads took " + rounds + " rounds");
        }
    }

    @ParameterizedTest(name = "{0} voters")
    @ValueSource(ints = {2, 3})
    void electsCommitsReadsAndFollowersAgree(int voters) throws Exception {
        try (TestGroup g = TestGroup.start(voters)) {
            ClusterReplica leader = g.awaitLeader();
            List<Long> committed = new CopyOnWriteArrayList<>();
            leader.addCommitListener((index, command, applied) -> committed.add(index));

            Session[] s = populate(g, leader, 5);

            ListReply list = g.read(leader, kv -> leader.domain().list(kv, s[1]));
            assertEquals(Status.SUCCESS, list.status());
            assertEquals(List.of(1L, 2L), list.allUsers());
            assertEquals(List.of(1L), list.followers());
            TimelineReply timeline = g.read(leader, kv -> leader.domain().timeline(kv, s[0], 20));
            assertEquals(Status.SUCCESS, timeline.status());
            assertEquals(List.of("post 1", "post 2", "post 3", "post 4", "post 5"),
                    timeline.posts().stream().map(PostView::text).toList());
            // Listener saw every command, in log order, and only after it was in the store.
            assertEquals(8, committed.size());
            assertEquals(committed.stream().sorted().toList(), committed);
            assertEquals(leader.appliedIndex(), (long) committed.get(committed.size() - 1));

            for (ClusterReplica r : g.replicas) {
                if (r != leader) {
                    TestGroup.assertSameState(leader, r);
                    assertFalse(r.isLeader());
                    // A follower redirects writes to the leader.
                    ExecutionException e = assertThrows(ExecutionException.class, () -> r.propose(
                            new PostCommand(2, s[1].token(), 99, "nope").stamp(g.nextStamp())).get(WAIT,
                            TimeUnit.MILLISECONDS));
                    NotLeaderException notLeader = assertInstanceOf(NotLeaderException.class, e.getCause());
                    assertEquals(leader.raftAddress(), notLeader.leaderAddress());
                    // ReadIndex works from a follower too.
                    assertEquals(5, (int) g.read(r, kv -> r.domain().timeline(kv, s[0], 20).posts().size()));
                }
            }
            RaftReport report = leader.report();
            assertTrue(report.leader());
            assertEquals(voters, report.voters().size());
            assertTrue(report.voters().contains(leader.raftAddress()));
            assertTrue(report.term() > 0);
            assertTrue(report.commitIndex() >= leader.appliedIndex());
            assertTrue(report.lastLogIndex() >= report.commitIndex());
        }
    }

    @Test
    void unstampedCommandsAreRefused() {
        try (TestGroup g = TestGroup.start(2)) {
            ClusterReplica leader = g.awaitLeader();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> leader.propose(new PostCommand(1, "t", 1, "x")).get(WAIT, TimeUnit.MILLISECONDS));
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
        }
    }

    @Test
    void restartKeepsEveryCommittedEntryAndDoesNotApplyTwice() throws Exception {
        try (TestGroup g = TestGroup.start(2)) {
            ClusterReplica leader = g.awaitLeader();
            Session[] s = populate(g, leader, 10);
            int follower = g.replicas.indexOf(leader) == 0 ? 1 : 0;
            TestGroup.assertSameState(leader, g.replicas.get(follower));
            String before = TestGroup.digest(leader);
            long appliedBefore = leader.appliedIndex();

            // The whole group restarts: both replay their Raft logs over state that already holds every entry.
            g.restart(0);
            g.restart(1);
            ClusterReplica newLeader = g.awaitLeader();
            for (ClusterReplica r : g.replicas) {
                TestGroup.awaitTrue("replay on " + r.raftAddress(), () -> r.appliedIndex() >= appliedBefore);
                // A double apply would have added posts (and moved sequence numbers): the digest would differ.
                assertEquals(before, TestGroup.digest(r), "state of " + r.raftAddress() + " after restart");
            }
            // Sessions survived; writes go on where they left off.
            assertTrue(g.post(newLeader, s[1], 11, "after restart").ok());
            TimelineReply timeline = g.read(newLeader, kv -> newLeader.domain().timeline(kv, s[0], 50));
            assertEquals(11, timeline.posts().size());
            for (ClusterReplica r : g.replicas) {
                if (r != newLeader) {
                    TestGroup.assertSameState(newLeader, r);
                }
            }
        }
    }

    /**
     * The state db skips its WAL (RocksKvStore): a kill -9 loses what its memtables held, applied index included. Both
     * replicas are "killed" at once (their directories copied while they run, then restarted from the copies): the
     * Raft log replays every committed entry onto the older state, exactly once.
     */
    @Test
    void aGroupKilledWithoutCloseRecoversEverythingByReplayingTheLog() throws Exception {
        try (TestGroup g = TestGroup.start(2)) {
            ClusterReplica leader = g.awaitLeader();
            Session[] s = populate(g, leader, 10);
            for (ClusterReplica r : g.replicas) {
                TestGroup.assertSameState(leader, r);
            }
            String before = TestGroup.digest(leader);
            long appliedBefore = leader.appliedIndex();
            for (int i = 0; i < g.replicas.size(); i++) {
                TestDirs.copyTree(g.base.resolve("node-" + i), g.base.resolve("crashed-" + i));
            }
            for (int i = 0; i < g.replicas.size(); i++) {
                g.replicas.get(i).close();
                Path dir = g.base.resolve("node-" + i);
                TestDirs.deleteQuietly(dir);
                Files.move(g.base.resolve("crashed-" + i), dir);
                try (RocksKvStore state = RocksKvStore.open(dir.resolve("state"), StoreOptions.defaults())) {
                    assertTrue(state.appliedIndex() < appliedBefore, "the crash lost unflushed state (applied index "
                            + state.appliedIndex() + " of " + appliedBefore + "): this test checks the replay");
                }
                g.replicas.set(i, g.startReplica(i, g.addresses));
            }
            ClusterReplica newLeader = g.awaitLeader();
            for (ClusterReplica r : g.replicas) {
                TestGroup.awaitTrue("replay on " + r.raftAddress(), () -> r.appliedIndex() >= appliedBefore);
                assertEquals(before, TestGroup.digest(r), "state of " + r.raftAddress() + " after the crash");
            }
            assertTrue(g.post(newLeader, s[1], 11, "after the crash").ok());
            assertEquals(11, (int) g.read(newLeader, kv -> newLeader.domain().timeline(kv, s[0], 50).posts().size()));
            for (ClusterReplica r : g.replicas) {
                if (r != newLeader) {
                    TestGroup.assertSameState(newLeader, r);
                }
            }
        }
    }

    @Test
    void freshReplicaAddedLaterInstallsTheSnapshot() throws Exception {
        try (TestGroup g = TestGroup.start(2)) {
            ClusterReplica leader = g.awaitLeader();
            Session[] s = populate(g, leader, 20);
            // JRaft truncates its log only up to the snapshot *before* the newest one, so take two: afterwards the
            // log no longer starts at 1 and a newcomer can only be caught up by installing a snapshot.
            for (int round = 0; round < 2; round++) {
                for (ClusterReplica r : g.replicas) {
                    TestGroup.assertSameState(leader, r);
                    assertTrue(await(r.snapshot()).isOk(), "snapshot on " + r.raftAddress());
                }
                // More entries after each snapshot: the newcomer gets the last ones through the log.
                for (int i = 21 + round * 5; i <= 25 + round * 5; i++) {
                    assertTrue(g.post(leader, s[1], i, "post " + i).ok());
                }
            }

            int fresh = g.addFresh();
            ClusterReplica newcomer = g.replicas.get(fresh);
            com.alipay.sofa.jraft.Status added = await(leader.addPeer(newcomer.raftAddress(), 1));
            assertTrue(added.isOk(), "addPeer: " + added);
            assertEquals(1, leader.epoch());
            TestGroup.assertSameState(leader, newcomer);
            try (Stream<Path> snaps = Files.list(g.base.resolve("node-" + fresh).resolve("raft").resolve("snapshot"))) {
                assertTrue(snaps.anyMatch(p -> p.getFileName().toString().startsWith("snapshot_")),
                        "the newcomer holds an installed snapshot");
            }
            assertEquals(3, leader.report().voters().size());
            assertTrue(g.post(leader, s[1], 31, "with three").ok());
            TestGroup.assertSameState(leader, newcomer);
        }
    }

    /**
     * A follower that was down while the leader snapshotted and truncated its log comes back from its own data
     * directory and is caught up by InstallSnapshot + GetFile (the Raft port's snapshot requests), then by appends.
     * Three voters, so the other two keep committing while it is down.
     */
    @Test
    void aRestartedFollowerBehindTheLeadersLogIsCaughtUpBySnapshotInstall() throws Exception {
        try (TestGroup g = TestGroup.start(3)) {
            ClusterReplica leader = g.awaitLeader();
            Session[] s = populate(g, leader, 5);
            int away = g.replicas.indexOf(leader) == 0 ? 1 : 0;
            ClusterReplica goingAway = g.replicas.get(away);
            TestGroup.assertSameState(leader, goingAway);
            long appliedWhenStopped = goingAway.appliedIndex();
            goingAway.close();
            Path snapshots = g.base.resolve("node-" + away).resolve("raft").resolve("snapshot");
            try (Stream<Path> snaps = Files.list(snapshots)) {
                assertFalse(snaps.anyMatch(p -> p.getFileName().toString().startsWith("snapshot_")),
                        "the stopped follower holds no snapshot of its own");
            }

            // Entries it misses, then two snapshots with entries after each: the leader's log then starts after
            // everything the stopped follower has (JRaft truncates up to the snapshot before the newest).
            int post = 6;
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 5; i++, post++) {
                    assertTrue(g.post(leader, s[1], post, "post " + post).ok());
                }
                assertTrue(await(leader.snapshot()).isOk(), "snapshot on the leader");
            }
            for (int i = 0; i < 3; i++, post++) {
                assertTrue(g.post(leader, s[1], post, "post " + post).ok());
            }

            ClusterReplica returned = g.restart(away);
            TestGroup.assertSameState(leader, returned);
            try (Stream<Path> snaps = Files.list(snapshots)) {
                List<Long> installed = snaps.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("snapshot_"))
                        .map(n -> Long.parseLong(n.substring("snapshot_".length()))).toList();
                assertFalse(installed.isEmpty(), "the returned follower installed the leader's snapshot");
                assertTrue(installed.stream().allMatch(index -> index > appliedWhenStopped),
                        "installed snapshot " + installed + " is newer than what it had (" + appliedWhenStopped + ")");
            }
            assertTrue(g.post(leader, s[1], post, "with everyone back").ok());
            TestGroup.assertSameState(leader, returned);
            int expected = post;
            assertEquals(expected, (int) g.read(returned,
                    kv -> returned.domain().timeline(kv, s[0], 100).posts().size()));
        }
    }

    @Test
    void survivorOfTwoVotersTakesOverAfterResetAndTheOtherComesBack() throws Exception {
        try (TestGroup g = TestGroup.start(2)) {
            ClusterReplica leader = g.awaitLeader();
            int dead = g.replicas.indexOf(leader);
            int alive = 1 - dead;
            ClusterReplica survivor = g.replicas.get(alive);
            Session[] s = populate(g, leader, 10);
            TestGroup.assertSameState(leader, survivor);
            String committed = TestGroup.digest(leader);
            long mark = leader.report().commitIndex();

            // The master dies. A 2-voter group cannot elect on its own; the coordinator resets the survivor.
            leader.close();
            g.replicas.set(dead, null);
            assertTrue(survivor.resetToSelf(1, survivor.incarnation(), mark).isOk());
            TestGroup.awaitTrue("survivor to lead alone", survivor::isLeader);
            assertEquals(List.of(survivor.raftAddress()), survivor.report().voters());
            assertEquals(1, survivor.epoch());
            assertEquals(committed, TestGroup.digest(survivor), "every acknowledged write survived");
            assertEquals(10, (int) g.read(survivor, kv -> survivor.domain().timeline(kv, s[0], 50).posts().size()));
            // Sessions carried over: no re-login needed, writes resume.
            assertTrue(g.post(survivor, s[1], 11, "after failover").ok());

            // A delayed copy of an older reset is refused.
            com.alipay.sofa.jraft.Status stale = survivor.resetToSelf(0, survivor.incarnation(), 0);
            assertEquals(RaftError.ESTALE, stale.getRaftError());

            // The dead node returns from its data directory and is added back by the leader.
            ClusterReplica returned = g.startReplica(dead, g.addresses);
            g.replicas.set(dead, returned);
            com.alipay.sofa.jraft.Status added = await(survivor.addPeer(returned.raftAddress(), 2));
            assertTrue(added.isOk(), "addPeer: " + added);
            assertEquals(2, survivor.epoch());
            returned.observeEpoch(2);
            assertEquals(2, returned.epoch());
            TestGroup.assertSameState(survivor, returned);
            assertTrue(g.post(survivor, s[1], 12, "pair whole again").ok());
            TestGroup.assertSameState(survivor, returned);
            assertEquals(2, survivor.report().voters().size());
            assertNotEquals(committed, TestGroup.digest(returned));
        }
    }

    /**
     * DESIGN.md §2, "Disk loss", where the reset is executed: a replica whose data directory was emptied has a new
     * incarnation and an empty log, and refuses to become the only voter whatever the coordinator believes — both for
     * the recorded incarnation it no longer has and for a log below the cluster's commit mark — with nothing changed.
     * The replica that kept its directory keeps its incarnation across a restart.
     */
    @Test
    void anEmptiedReplicaRefusesToBecomeTheOnlyVoter() throws Exception {
        try (TestGroup g = TestGroup.start(2)) {
            ClusterReplica leader = g.awaitLeader();
            populate(g, leader, 5);
            int emptied = 1 - g.replicas.indexOf(leader);
            int kept = 1 - emptied;
            String recorded = g.replicas.get(emptied).incarnation();
            String keptIncarnation = leader.incarnation();
            assertNotEquals(recorded, keptIncarnation, "each directory has its own incarnation");
            TestGroup.awaitTrue("both replicas hold every commit",
                    () -> g.replicas.get(emptied).report().commitIndex() == leader.report().commitIndex());
            long mark = leader.report().commitIndex();
            for (int i = 0; i < 2; i++) {
                g.replicas.get(i).close();
                g.replicas.set(i, null);
            }
            Path dir = g.base.resolve("node-" + emptied);
            Files.move(dir, g.base.resolve("node-" + emptied + ".moved-aside"));

            ClusterReplica fresh = g.startReplica(emptied, g.addresses);
            g.replicas.set(emptied, fresh);
            assertNotEquals(recorded, fresh.incarnation(), "an emptied directory is a new incarnation");
            com.alipay.sofa.jraft.Status wrongDisk = fresh.resetToSelf(2, recorded, mark);
            assertEquals(RaftError.EPERM, wrongDisk.getRaftError(), wrongDisk.toString());
            com.alipay.sofa.jraft.Status belowMark = fresh.resetToSelf(2, fresh.incarnation(), mark);
            assertEquals(RaftError.EPERM, belowMark.getRaftError(), belowMark.toString());
            assertEquals(0, fresh.epoch(), "a refused reset stores no epoch");
            assertEquals(2, fresh.report().voters().size(), "a refused reset changes no configuration");
            TestGroup.sleep(2 * TestGroup.ELECTION_TIMEOUT_MILLIS);
            assertFalse(fresh.isLeader(), "the emptied replica never leads alone");

            ClusterReplica back = g.startReplica(kept, g.addresses);
            g.replicas.set(kept, back);
            assertEquals(keptIncarnation, back.incarnation(), "a restart keeps the directory's incarnation");
            ClusterReplica newLeader = g.awaitLeader();
            assertEquals(back, newLeader, "only the replica that kept the data can lead the pair");
            TestGroup.awaitTrue("the emptied replica is refilled by replication",
                    () -> fresh.report().lastLogIndex() >= mark);
            TestGroup.assertSameState(back, fresh);
        }
    }

    /**
     * The election fence: a replica that holds the one-voter configuration {self} without having executed a reset
     * to itself on this data directory (as a replica refilled on an emptied directory does, for a moment, while it
     * replays the leader's old entries) never elects itself; once it is ordered to lead alone, it does. The stale
     * configuration is put in place here with JRaft's own resetPeers, bypassing {@link ClusterReplica#resetToSelf}.
     */
    @Test
    void aReplicaNeverCampaignsAloneOnAOneVoterConfigurationItWasNotOrderedToHold() throws Exception {
        try (TestGroup g = TestGroup.start(2)) {
            ClusterReplica leader = g.awaitLeader();
            int dead = g.replicas.indexOf(leader);
            ClusterReplica survivor = g.replicas.get(1 - dead);
            populate(g, leader, 3);
            leader.close();
            g.replicas.set(dead, null);
            assertFalse(survivor.electionFenced(), "a two-voter configuration is never fenced");

            com.alipay.sofa.jraft.entity.PeerId self = new com.alipay.sofa.jraft.entity.PeerId();
            assertTrue(self.parse(survivor.raftAddress()));
            com.alipay.sofa.jraft.Node raw = com.alipay.sofa.jraft.NodeManager.getInstance()
                    .get(g.options(1 - dead, g.addresses).groupId(), self);
            com.alipay.sofa.jraft.conf.Configuration selfOnly = new com.alipay.sofa.jraft.conf.Configuration();
            selfOnly.addPeer(self);
            assertTrue(raw.resetPeers(selfOnly).isOk());
            TestGroup.awaitTrue("the fence to close", survivor::electionFenced);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4L * TestGroup.ELECTION_TIMEOUT_MILLIS);
            while (System.nanoTime() < until) {
                assertFalse(survivor.isLeader(), "a fenced replica elected itself alone");
                TestGroup.sleep(50);
            }

            assertTrue(survivor.resetToSelf(2, survivor.incarnation(), 0).isOk());
            assertFalse(survivor.electionFenced(), "an ordered reset opens the fence at once");
            TestGroup.awaitTrue("the ordered survivor to lead alone", survivor::isLeader);
        }
    }
}
