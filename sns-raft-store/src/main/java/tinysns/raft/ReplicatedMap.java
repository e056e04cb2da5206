package tinysns.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small map of strings kept by a JRaft group of its own: what the coordinator replicas must never lose or fork,
 * each cluster's failover record (DESIGN.md §11). A {@link #put} returns once the entry is committed and applied on
 * this leader; every replica applies the same puts in the same order. The whole map is the snapshot (a few hundred
 * bytes per cluster), so there is no database: the log and a snapshot file are the state.
 *
 * <p>Leadership: {@link #isLeader()} turns true in JRaft's {@code onLeaderStart}, which runs once the new leader's
 * configuration entry is committed and every earlier entry applied — so {@link #entries()} then holds everything any
 * earlier leader committed. Listeners hear the change on the apply thread.
 *
 * <p>The Raft port serves peer-to-peer requests only ({@link RaftPortProcessors}), bound to this replica's host, and
 * with a TLS key only to peers that hold it ({@link RaftTls}).
 */
public final class ReplicatedMap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedMap.class);
    private static final String SNAPSHOT_FILE = "map";
    private static final byte[] NO_READ_CONTEXT = new byte[0];

    /**
     * @param groupId               the JRaft group, e.g. {@code coordinator}
     * @param raftAddress           this replica's Raft endpoint {@code host:port}
     * @param voters                every replica's Raft endpoint, this one included
     * @param dataDir               where the log, meta and snapshots live (created if missing)
     * @param electionTimeoutMillis JRaft's election timeout
     * @param tlsDir                the deployment's TLS key ({@code --tls DIR}): the Raft port and this replica's own
     *                              Raft connections speak TLS with mutual authentication ({@link RaftTls}); null =
     *                              plain
     */
    public record Options(String groupId, String raftAddress, List<String> voters, Path dataDir,
                          int electionTimeoutMillis, Path tlsDir) {
        public Options {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(dataDir, "dataDir");
            voters = List.copyOf(voters);
            if (!voters.contains(raftAddress)) {
                throw new IllegalArgumentException(raftAddress + " is not one of the voters " + voters);
            }
            if (electionTimeoutMillis < 100) {
                throw new IllegalArgumentException("electionTimeoutMillis must be >= 100: " + electionTimeoutMillis);
            }
        }
    }

    private final Options options;
    private final PeerId self;
    private final Map<String, String> map = new TreeMap<>();
    private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
    private volatile long leaderTerm = -1;
    private RaftGroupService groupService;
    private ExecutorService raftRpcExecutor;
    private volatile Node node;
    private boolean closed;

    public ReplicatedMap(Options options) {
        this.options = options;
        this.self = parsePeer(options.raftAddress());
    }

    private static PeerId parsePeer(String address) {
        PeerId peer = new PeerId();
        if (address == null || !peer.parse(address)) {
            throw new IllegalArgumentException("not a Raft address host:port: " + address);
        }
        return peer;
    }

    /** Starts the replica; it campaigns, replicates and serves its Raft port from now on. */
    public synchronized void start() {
        if (node != null || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        RaftTls tls = RaftPeerSetup.loadTls(options.tlsDir());
        Path raftDir = options.dataDir().resolve("raft");
        RaftPeerSetup.createDirectories(raftDir);
        RaftLogStorageTuning.ensureRegistered();
        // With TLS, the node's options carry the key to the Bolt client JRaft makes for this node (RaftTls.Factory).
        NodeOptions nodeOptions = tls == null ? new NodeOptions() : tls.nodeOptions();
        nodeOptions.setFsm(new MapStateMachine());
        nodeOptions.setLogUri(raftDir.resolve("log").toString());
        nodeOptions.setRaftMetaUri(raftDir.resolve("meta").toString());
        nodeOptions.setSnapshotUri(raftDir.resolve("snapshot").toString());
        nodeOptions.setElectionTimeoutMs(options.electionTimeoutMillis());
        // The map is tiny and changes only on failover decisions: a snapshot an hour keeps the log short.
        nodeOptions.setSnapshotIntervalSecs(3600);
        Configuration initial = new Configuration();
        for (String voter : options.voters()) {
            initial.addPeer(parsePeer(voter));
        }
        nodeOptions.setInitialConf(initial);
        RaftOptions raft = new RaftOptions();
        raft.setSync(true); // a record the coordinator acts on must survive power loss on a majority
        raft.setOpenStatistics(false);
        nodeOptions.setRaftOptions(raft);
        nodeOptions.setTimerPoolSize(1);
        nodeOptions.setRaftRpcThreadPoolSize(2);
        raftRpcExecutor = Executors.newFixedThreadPool(2, daemonThreads("coordinator-raft-rpc-" + self.getPort()));
        RpcServer rpcServer = RaftPeerSetup.raftPort(self, tls, raftRpcExecutor);
        groupService = new RaftGroupService(options.groupId(), self, nodeOptions, rpcServer);
        Node started;
        try {
            started = groupService.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        QuietSignals.takeBackUsr2();
        if (started == null) {
            close();
            throw new IllegalStateException("JRaft node " + self + " of " + options.groupId() + " failed to start");
        }
        node = started;
        LOG.info("Replica {} of {} started (voters {})", self, options.groupId(), options.voters());
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Sets {@code key} to {@code value} through the log. Completes once the entry is applied here, or exceptionally
     * with {@link NotLeaderException} (this replica does not lead; the entry was not appended, or may still commit
     * under a new leader, which then holds it) or {@link ReplicationException}.
     */
    public CompletableFuture<Void> put(String key, String value) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Node current = node;
        long term = leaderTerm;
        if (current == null || term <= 0) {
            result.completeExceptionally(new NotLeaderException(leaderAddress(), null));
            return result;
        }
        byte[] data;
        try {
            data = encode(key, value);
        } catch (IOException e) {
            result.completeExceptionally(e);
            return result;
        }
        current.apply(new Task(ByteBuffer.wrap(data), new PutClosure(result), term));
        return result;
    }

    /**
     * Completes with true once a quorum has confirmed, after this call, that this replica still leads (JRaft's
     * ReadIndex): a leader that was paused or cut off and has been replaced learns it here instead of acting on its
     * belief. False if it does not lead; never completes exceptionally.
     */
    public CompletableFuture<Boolean> confirmLeadership() {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Node current = node;
        if (current == null || leaderTerm <= 0) {
            result.complete(false);
            return result;
        }
        try {
            current.readIndex(NO_READ_CONTEXT, new ReadIndexClosure() {
                @Override
                public void run(Status status, long index, byte[] reqCtx) {
                    result.complete(status.isOk() && leaderTerm > 0);
                }
            });
        } catch (IllegalStateException e) {
            result.complete(false);
        }
        return result;
    }

    /**
     * Asks this leader to hand leadership to the most up-to-date other replica (JRaft's transferLeadershipTo with
     * ANY_PEER, through TimeoutNow). Returns whether the transfer started; false when this replica does not lead or
     * no other replica can take over now.
     */
    public boolean handOffLeadership() {
        Node current = node;
        if (current == null || leaderTerm <= 0) {
            return false;
        }
        Status status = current.transferLeadershipTo(PeerId.ANY_PEER);
        LOG.info("{} hands leadership of {} to another replica: {}", self, options.groupId(), status);
        return status.isOk();
    }

    /** The applied map (a copy). */
    public Map<String, String> entries() {
        synchronized (map) {
            return new TreeMap<>(map);
        }
    }

    /** Whether this replica leads and has applied every entry of earlier terms. */
    public boolean isLeader() {
        return leaderTerm > 0;
    }

    /** The leader's Raft address {@code host:port} as this replica knows it, or null. */
    public String leaderAddress() {
        Node current = node;
        if (current == null) {
            return null;
        }
        PeerId leader = current.getLeaderId();
        return leader == null || leader.isEmpty() ? null : leader.getEndpoint().toString();
    }

    public String raftAddress() {
        return self.getEndpoint().toString();
    }

    public void addLeadershipListener(LeadershipListener listener) {
        listeners.add(listener);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        node = null;
        if (groupService != null) {
            groupService.shutdown();
            try {
                groupService.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (raftRpcExecutor != null) {
            raftRpcExecutor.shutdown();
        }
        LOG.info("Replica {} of {} closed", self, options.groupId());
    }

    static byte[] encode(String key, String value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1); // format version
            out.writeUTF(key);
            out.writeUTF(value);
        }
        return bytes.toByteArray();
    }

    static Map.Entry<String, String> decode(byte[] data) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int version = in.readByte();
            if (version != 1) {
                throw new IOException("unknown entry format " + version);
            }
            return Map.entry(in.readUTF(), in.readUTF());
        }
    }

    private static final class PutClosure implements Closure {
        private final CompletableFuture<Void> result;

        PutClosure(CompletableFuture<Void> result) {
            this.result = result;
        }

        @Override
        public void run(Status status) {
            if (status.isOk()) {
                result.complete(null);
            } else if (status.getRaftError() == RaftError.EPERM || status.getRaftError() == RaftError.ELEADERREMOVED) {
                result.completeExceptionally(new NotLeaderException(null, status.getErrorMsg()));
            } else {
                result.completeExceptionally(new ReplicationException(status.getCode(), status.getErrorMsg()));
            }
        }
    }

    private final class MapStateMachine extends StateMachineAdapter {
        @Override
        public void onApply(Iterator it) {
            while (it.hasNext()) {
                ByteBuffer data = it.getData();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                Closure done = it.done();
                try {
                    Map.Entry<String, String> entry = decode(bytes);
                    synchronized (map) {
                        map.put(entry.getKey(), entry.getValue());
                    }
                } catch (IOException e) {
                    // Never stall the state machine on one entry: every replica skips it alike.
                    LOG.error("Entry {} of {} cannot be decoded; skipped", it.getIndex(), options.groupId(), e);
                }
                if (done != null) {
                    done.run(Status.OK());
                }
                it.next();
            }
        }

        @Override
        public void onSnapshotSave(SnapshotWriter writer, Closure done) {
            try {
                Map<String, String> copy = entries();
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (DataOutputStream out = new DataOutputStream(bytes)) {
                    out.writeInt(copy.size());
                    for (Map.Entry<String, String> e : copy.entrySet()) {
                        out.writeUTF(e.getKey());
                        out.writeUTF(e.getValue());
                    }
                }
                Files.write(Path.of(writer.getPath()).resolve(SNAPSHOT_FILE), bytes.toByteArray());
                done.run(writer.addFile(SNAPSHOT_FILE) ? Status.OK()
                        : new Status(RaftError.EIO, "cannot add %s to the snapshot", SNAPSHOT_FILE));
            } catch (IOException | RuntimeException e) {
                LOG.error("Snapshot of {} failed", options.groupId(), e);
                done.run(new Status(RaftError.EIO, "snapshot failed: %s", String.valueOf(e)));
            }
        }

        @Override
        public boolean onSnapshotLoad(SnapshotReader reader) {
            Path file = Path.of(reader.getPath()).resolve(SNAPSHOT_FILE);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
                int count = in.readInt();
                Map<String, String> loaded = new TreeMap<>();
                for (int i = 0; i < count; i++) {
                    loaded.put(in.readUTF(), in.readUTF());
                }
                synchronized (map) {
                    map.clear();
                    map.putAll(loaded);
                }
                return true;
            } catch (IOException | RuntimeException e) {
                LOG.error("Snapshot {} of {} cannot be loaded", file, options.groupId(), e);
                return false;
            }
        }

        @Override
        public void onLeaderStart(long term) {
            leaderTerm = term;
            LOG.info("{} leads {} in term {}", self, options.groupId(), term);
            notifyListeners(true, term);
        }

        @Override
        public void onLeaderStop(Status status) {
            long term = leaderTerm;
            leaderTerm = -1;
            LOG.info("{} stopped leading {} (term {}): {}", self, options.groupId(), term, status);
            notifyListeners(false, term);
        }

        private void notifyListeners(boolean leader, long term) {
            for (LeadershipListener listener : listeners) {
                try {
                    listener.onLeadershipChange(leader, term);
                } catch (RuntimeException e) {
                    LOG.error("Leadership listener {} failed", listener, e);
                }
            }
        }
    }
}
