package tinysns.raft;

import com.alipay.sofa.jraft.rpc.ProtobufMsgFactory;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.PingRequestProcessor;
import com.alipay.sofa.jraft.rpc.impl.core.AppendEntriesRequestProcessor;
import com.alipay.sofa.jraft.rpc.impl.core.GetFileRequestProcessor;
import com.alipay.sofa.jraft.rpc.impl.core.InstallSnapshotRequestProcessor;
import com.alipay.sofa.jraft.rpc.impl.core.ReadIndexRequestProcessor;
import com.alipay.sofa.jraft.rpc.impl.core.RequestVoteRequestProcessor;
import com.alipay.sofa.jraft.rpc.impl.core.TimeoutNowRequestProcessor;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * What a replica's Raft port serves: only the requests JRaft peers send each other, none of JRaft's administrative
 * (CLI) requests. JRaft's {@code RaftRpcServerFactory.addRaftRequestProcessors} registers both on the same port, so
 * anyone who reached the port could reset, add or remove peers, move leadership or force snapshots with
 * {@code CliServiceImpl} (measured: {@code resetPeer} against both replicas of a pair got {@code Status[OK]} twice and
 * broke the cluster). Replicas never need those requests: the node applies the coordinator's orders locally
 * ({@link ClusterReplica#resetToSelf}, {@link ClusterReplica#addPeer}, {@link ClusterReplica#snapshot} call the
 * {@code Node} in this JVM). A request nobody serves is answered by Bolt with "no user processor found", which the
 * caller sees as an error (never {@code OK}).
 *
 * <p>Served (the core half of JRaft 1.4.1's {@code addRaftRequestProcessors}, same executors):
 * <ul>
 *   <li>{@code PingRequest} ({@link PingRequestProcessor}, on Bolt's own thread as in JRaft): every peer's
 *       {@code connect} pings before it votes or replicates ({@code NodeImpl.preVote/electSelf},
 *       {@code Replicator}); without it no peer would ever talk to this one.</li>
 *   <li>{@code AppendEntriesRequest} ({@link AppendEntriesRequestProcessor}): replication and heartbeats; also
 *       registered as the connection-closed listener, which drops the per-connection ordering state
 *       (pipelining) when a leader's connection closes.</li>
 *   <li>{@code RequestVoteRequest} ({@link RequestVoteRequestProcessor}): elections, both pre-vote and vote (one
 *       message type with a {@code preVote} flag).</li>
 *   <li>{@code InstallSnapshotRequest} ({@link InstallSnapshotRequestProcessor}): a leader installs a snapshot on
 *       a follower whose log it has truncated (a returning or fresh replica).</li>
 *   <li>{@code GetFileRequest} ({@link GetFileRequestProcessor}): the follower being installed pulls the
 *       snapshot's files from the leader with it.</li>
 *   <li>{@code TimeoutNowRequest} ({@link TimeoutNowRequestProcessor}): sent by a leader to the peer it hands
 *       leadership to ({@code Node.transferLeadershipTo}, called locally) so that peer elects itself at once.</li>
 *   <li>{@code ReadIndexRequest} ({@link ReadIndexRequestProcessor}): a follower's linearizable read
 *       ({@link ClusterReplica#read}) asks the leader for its commit index.</li>
 * </ul>
 *
 * <p>Left out (JRaft's {@code rpc.impl.cli} processors, all of which act on whatever group and peer the request
 * names, with no authentication): {@code AddPeer}, {@code RemovePeer}, {@code ChangePeers}, {@code ResetPeer},
 * {@code AddLearners}, {@code RemoveLearners}, {@code ResetLearners}, {@code TransferLeader}, {@code Snapshot},
 * and the read-only {@code GetLeader} and {@code GetPeers} (no one in this project asks them over the wire; the
 * coordinator learns leaders and voters from the nodes' RMI reports). JRaft's {@code CliService} and
 * {@code RouteTable} therefore cannot be used against these ports, by outsiders or by us.
 *
 * <p>What stays: the served requests are unauthenticated too. A process that reaches the port can still speak Raft
 * (a forged vote or append with a higher term disturbs the group; see docs/security.md §7). Keep the
 * Raft ports reachable by the cluster's own servers only.
 */
public final class RaftPortProcessors {
    /** Request classes (Bolt's "interest") a replica's Raft port answers, in registration order. */
    public static final List<String> SERVED = List.of(
            "com.alipay.sofa.jraft.rpc.RpcRequests$PingRequest",
            "com.alipay.sofa.jraft.rpc.RpcRequests$AppendEntriesRequest",
            "com.alipay.sofa.jraft.rpc.RpcRequests$RequestVoteRequest",
            "com.alipay.sofa.jraft.rpc.RpcRequests$InstallSnapshotRequest",
            "com.alipay.sofa.jraft.rpc.RpcRequests$GetFileRequest",
            "com.alipay.sofa.jraft.rpc.RpcRequests$TimeoutNowRequest",
            "com.alipay.sofa.jraft.rpc.RpcRequests$ReadIndexRequest");

    private RaftPortProcessors() {
    }

    /**
     * Registers the core Raft processors on {@code server} (before it starts). {@code raftExecutor} runs them, as
     * JRaft's own factory does; ping is answered on Bolt's thread (it only replies OK).
     */
    public static void register(RpcServer server, Executor raftExecutor) {
        // RaftRpcServerFactory's static initializer does this; we no longer touch that class.
        ProtobufMsgFactory.load();
        AppendEntriesRequestProcessor appendEntries = new AppendEntriesRequestProcessor(raftExecutor);
        server.registerConnectionClosedEventListener(appendEntries);
        for (RpcProcessor<?> processor : List.<RpcProcessor<?>>of(
                new PingRequestProcessor(null),
                appendEntries,
                new RequestVoteRequestProcessor(raftExecutor),
                new InstallSnapshotRequestProcessor(raftExecutor),
                new GetFileRequestProcessor(raftExecutor),
                new TimeoutNowRequestProcessor(raftExecutor),
                new ReadIndexRequestProcessor(raftExecutor))) {
            server.registerProcessor(processor);
        }
    }
}
