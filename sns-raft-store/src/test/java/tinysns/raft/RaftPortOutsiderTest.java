package tinysns.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.CliServiceImpl;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.option.CliOptions;
import com.alipay.sofa.jraft.rpc.CliClientService;
import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests.ErrorResponse;
import com.alipay.sofa.jraft.util.Endpoint;
import com.google.protobuf.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.Session;

/**
 * A replica's Raft port refuses JRaft's administrative (CLI) requests ({@link RaftPortProcessors}). An outsider — a
 * process that reaches the port and holds nothing else, using JRaft's own {@link CliServiceImpl} — tries every
 * reconfiguration, a leadership transfer and a snapshot against each replica of a real 2-voter group; each call is
 * refused within a bound, and the group is left exactly as it was: same leader, term and voters, no learners, no
 * snapshot; it still commits, and a follower's ReadIndex read still works. The peer-to-peer requests the group needs
 * (ping, appends, votes, ReadIndex, TimeoutNow) keep working.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaftPortOutsiderTest {
    private static final Logger LOG = LoggerFactory.getLogger(RaftPortOutsiderTest.class);
    /** The outsider's RPC timeouts (below) are 1-2 s per request; this is the bound on one whole CLI call. */
    private static final long CALL_BOUND_MILLIS = 10_000;

    private TestGroup group;
    private CliServiceImpl cli;
    private final ExecutorService caller = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "outsider");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stopEverything() {
        caller.shutdownNow();
        if (cli != null) {
            cli.shutdown();
        }
        if (group != null) {
            group.close();
        }
    }

    private static CliOptions outsiderOptions() {
        CliOptions options = new CliOptions();
        options.setTimeoutMs(2000);
        options.setMaxRetry(0);
        options.setRpcConnectTimeoutMs(1000);
        options.setRpcDefaultTimeout(2000);
        options.setRpcProcessorThreadPoolSize(3);
        return options;
    }

    private static PeerId peer(String address) {
        PeerId peer = new PeerId();
        assertTrue(peer.parse(address), address);
        return peer;
    }

    private static Configuration conf(PeerId... peers) {
        Configuration conf = new Configuration();
        for (PeerId p : peers) {
            conf.addPeer(p);
        }
        return conf;
    }

    private String groupId() {
        return group.options(0, group.addresses).groupId();
    }

    private ClusterReplica other(ClusterReplica replica) {
        return group.replicas.get(1 - group.replicas.indexOf(replica));
    }

    private Node node(ClusterReplica replica) {
        Node node = NodeManager.getInstance().get(groupId(), peer(replica.raftAddress()));
        assertNotNull(node, "JRaft node of " + replica.raftAddress());
        return node;
    }

    /** Leader, term and voters as every replica sees them, plus learners: what the outsider must not change. */
    private Map<String, String> view() {
        Map<String, String> view = new LinkedHashMap<>();
        for (ClusterReplica r : group.replicas) {
            Configuration conf = ((NodeImpl) node(r)).getCurrentConf();
            view.put(r.raftAddress(), "leader=" + r.leaderAddress() + " isLeader=" + r.isLeader() + " term="
                    + r.report().term() + " voters=" + r.report().voters().stream().sorted().toList() + " learners="
                    + (conf == null ? "?" : conf.getLearners()));
        }
        return view;
    }

    /**
     * What the outsider sees when the port serves no processor for its request: Bolt answers "No user processor found
     * for request: &lt;class&gt;" as a server exception. {@code CliServiceImpl} turns that into a status that keeps
     * only the outer exception, so for its calls the test can only require {@code InvokeServerException} (a port that
     * could not be reached, or a timeout, reads differently); a raw request's exception carries the server's text.
     */
    private static final String CLI_SERVICE_REFUSAL = "com.alipay.remoting.rpc.exception.InvokeServerException";

    private static String noProcessorFor(Message request) {
        return "No user processor found for request: " + request.getClass().getName();
    }

    /**
     * Runs one outsider call with a bound and requires that it was refused: a non-OK status or an exception whose
     * text holds {@code expected}, i.e. refused because the port serves no such request, not because it could not be
     * reached.
     */
    private String refused(String what, String expected, Callable<?> call) throws InterruptedException {
        long start = System.nanoTime();
        Future<?> future = caller.submit(call);
        String outcome;
        try {
            Object result = future.get(CALL_BOUND_MILLIS, TimeUnit.MILLISECONDS);
            if (result instanceof Status status) {
                assertFalse(status.isOk(), what + " was accepted: " + status);
                outcome = status.toString();
            } else if (result instanceof ErrorResponse error) {
                assertTrue(error.getErrorCode() != 0, what + " was answered OK: " + error);
                outcome = "ErrorResponse " + error.getErrorCode() + " " + error.getErrorMsg();
            } else {
                return fail(what + " was served: " + result);
            }
        } catch (ExecutionException e) {
            StringBuilder chain = new StringBuilder("threw");
            for (Throwable t = e.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
                chain.append(" <- ").append(t);
            }
            outcome = chain.toString();
        } catch (TimeoutException e) {
            future.cancel(true);
            return fail(what + " did not return within " + CALL_BOUND_MILLIS + " ms");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        LOG.info("Outsider {}: refused in {} ms: {}", what, millis, outcome);
        assertTrue(outcome.contains(expected), what + " was not refused as an unserved request (expected \""
                + expected + "\"; was the port reached?): " + outcome);
        return outcome;
    }

    /** Sends {@code request} as is to {@code endpoint}, expecting Bolt's refusal of an unserved request. */
    private String rawRefused(Endpoint endpoint, Message request) throws InterruptedException {
        CliClientService client = cli.getCliClientService();
        return refused("raw " + request.getClass().getSimpleName() + " to " + endpoint, noProcessorFor(request),
                () -> client.invokeWithDone(endpoint, request, null, 2000)
                        .get(CALL_BOUND_MILLIS, TimeUnit.MILLISECONDS));
    }

    private void awaitGroupSettled() {
        ClusterReplica leader = group.awaitLeader();
        TestGroup.awaitTrue("the follower to know the leader",
                () -> leader.raftAddress().equals(other(leader).leaderAddress()));
    }

    private static boolean holdsSnapshot(Path dataDir) throws Exception {
        try (Stream<Path> snaps = Files.list(dataDir.resolve("raft").resolve("snapshot"))) {
            return snaps.anyMatch(p -> p.getFileName().toString().startsWith("snapshot_"));
        }
    }

    @Test
    void anOutsidersCliCallsAreRefusedByBothRaftPortsAndChangeNothing() throws Exception {
        group = TestGroup.start(2);
        ClusterReplica leader = group.awaitLeader();
        ClusterReplica follower = other(leader);
        Session one = group.login(leader, 1);
        Session two = group.login(leader, 2);
        assertTrue(group.follow(leader, one, 1, 2).ok());
        assertTrue(group.post(leader, two, 1, "before the outsider").ok());
        TestGroup.assertSameState(leader, follower);
        awaitGroupSettled();
        Map<String, String> before = view();

        cli = new CliServiceImpl();
        assertTrue(cli.init(outsiderOptions()));
        String groupId = groupId();
        PeerId stranger = peer("127.0.0.1:" + TestGroup.freePort()); // an address the outsider would like to add
        List<String> outcomes = new ArrayList<>();
        for (ClusterReplica target : group.replicas) {
            PeerId t = peer(target.raftAddress());
            PeerId o = peer(other(target).raftAddress());
            // The port is reachable and answers JRaft's ping: every refusal below is the port's, not the network's.
            assertTrue(cli.getCliClientService().connect(t.getEndpoint()), "outsider reaches " + t);

            // What JRaft's CliService offers, aimed at this replica (conf {t}: it asks only t who leads).
            String r = CLI_SERVICE_REFUSAL;
            outcomes.add(refused("resetPeer(" + t + ", {" + t + "})", r, () -> cli.resetPeer(groupId, t, conf(t))));
            outcomes.add(refused("resetPeer(" + t + ", {" + stranger + "})", r,
                    () -> cli.resetPeer(groupId, t, conf(stranger))));
            outcomes.add(refused("addPeer via " + t, r, () -> cli.addPeer(groupId, conf(t), stranger)));
            outcomes.add(refused("removePeer " + o + " via " + t, r, () -> cli.removePeer(groupId, conf(t), o)));
            outcomes.add(refused("changePeers to {" + t + "} via " + t, r,
                    () -> cli.changePeers(groupId, conf(t), conf(t))));
            outcomes.add(refused("transferLeader to " + o + " via " + t, r,
                    () -> cli.transferLeader(groupId, conf(t), o)));
            outcomes.add(refused("snapshot of " + t, r, () -> cli.snapshot(groupId, t)));
            outcomes.add(refused("addLearners via " + t, r,
                    () -> cli.addLearners(groupId, conf(t), List.of(stranger))));
            outcomes.add(refused("resetLearners via " + t, r,
                    () -> cli.resetLearners(groupId, conf(t), List.of(stranger))));
            outcomes.add(refused("getLeader of " + t, r, () -> cli.getLeader(groupId, conf(t), new PeerId())));
            outcomes.add(refused("getPeers of " + t, r, () -> cli.getPeers(groupId, conf(t))));

            // CliService asks for the leader first, so most of the above stop at GetLeader. Send every CLI request
            // straight to the port as well, filled in with the real leader, as a caller that knows it would.
            String leaderId = leader.raftAddress();
            Endpoint e = t.getEndpoint();
            outcomes.add(rawRefused(e, CliRequests.ResetPeerRequest.newBuilder()
                    .setGroupId(groupId).setPeerId(t.toString()).addNewPeers(t.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.AddPeerRequest.newBuilder()
                    .setGroupId(groupId).setLeaderId(leaderId).setPeerId(stranger.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.RemovePeerRequest.newBuilder()
                    .setGroupId(groupId).setLeaderId(leaderId).setPeerId(o.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.ChangePeersRequest.newBuilder()
                    .setGroupId(groupId).setLeaderId(leaderId).addNewPeers(t.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.TransferLeaderRequest.newBuilder()
                    .setGroupId(groupId).setLeaderId(leaderId).setPeerId(follower.raftAddress()).build()));
            outcomes.add(rawRefused(e, CliRequests.SnapshotRequest.newBuilder()
                    .setGroupId(groupId).setPeerId(t.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.AddLearnersRequest.newBuilder()
                    .setGroupId(groupId).setLeaderId(leaderId).addLearners(stranger.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.RemoveLearnersRequest.newBuilder()
                    .setGroupId(groupId).setLeaderId(leaderId).addLearners(stranger.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.ResetLearnersRequest.newBuilder()
                    .setGroupId(groupId).setLeaderId(leaderId).addLearners(stranger.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.GetLeaderRequest.newBuilder()
                    .setGroupId(groupId).setPeerId(t.toString()).build()));
            outcomes.add(rawRefused(e, CliRequests.GetPeersRequest.newBuilder()
                    .setGroupId(groupId).setLeaderId(leaderId).build()));
        }
        assertEquals(2 * 22, outcomes.size());

        // A reset would have shown by now (a lone voter elects itself within about one election timeout).
        TestGroup.sleep(2L * TestGroup.ELECTION_TIMEOUT_MILLIS);
        assertEquals(before, view(), "leader, term, voters and learners of both replicas");
        for (ClusterReplica r : group.replicas) {
            assertFalse(holdsSnapshot(group.base.resolve("node-" + group.replicas.indexOf(r))),
                    "no snapshot was taken on " + r.raftAddress());
        }
        // The group still commits, the follower still applies, and a follower's ReadIndex (a peer-to-peer request
        // to the leader) still answers.
        assertTrue(leader.isLeader());
        assertTrue(group.post(leader, two, 2, "after the outsider").ok());
        TestGroup.assertSameState(leader, follower);
        int seen = follower.read(kv -> follower.domain().timeline(kv, one, 20).posts().size())
                .get(TestGroup.WAIT_MILLIS, TimeUnit.MILLISECONDS);
        assertEquals(2, seen);
    }

    @Test
    void theGroupsOwnLeadershipTransferStillWorksThroughTimeoutNow() throws Exception {
        group = TestGroup.start(2);
        ClusterReplica leader = group.awaitLeader();
        ClusterReplica follower = other(leader);
        Session one = group.login(leader, 1);
        Session two = group.login(leader, 2);
        assertTrue(group.follow(leader, two, 1, 1).ok());
        assertTrue(group.post(leader, one, 1, "first").ok());
        TestGroup.assertSameState(leader, follower);
        long term = leader.report().term();

        // Called in the leader's JVM, as an operator's tool would; the leader then sends TimeoutNow over the Raft
        // port to the follower, which elects itself at once (with the old leader's vote).
        Status transfer = node(leader).transferLeadershipTo(peer(follower.raftAddress()));
        assertTrue(transfer.isOk(), "transferLeadershipTo: " + transfer);
        TestGroup.awaitTrue("the follower to lead", follower::isLeader);
        assertTrue(follower.report().term() > term);
        TestGroup.awaitTrue("the old leader to follow the new one",
                () -> follower.raftAddress().equals(leader.leaderAddress()));
        assertTrue(group.post(follower, one, 2, "second").ok());
        TestGroup.assertSameState(follower, leader);
        // ReadIndex from the old leader, now a follower, to the new one.
        int seen = leader.read(kv -> leader.domain().timeline(kv, two, 20).posts().size())
                .get(TestGroup.WAIT_MILLIS, TimeUnit.MILLISECONDS);
        assertEquals(2, seen);
    }
}
