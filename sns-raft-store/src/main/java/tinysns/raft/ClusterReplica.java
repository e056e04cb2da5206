package tinysns.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.ElectionPriority;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.rpc.RpcServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.RaftReport;
import tinysns.codec.CodecException;
import tinysns.codec.CommandCodec;
import tinysns.domain.Applied;
import tinysns.domain.Command;
import tinysns.domain.SnsStateMachine;
import tinysns.kv.KvReader;
import tinysns.store.RocksKvStore;

/**
 * One replica of a cluster: a JRaft peer whose state machine is the SNS domain over RocksDB. This is all the node
 * module needs: propose commands (leader), read linearizably or locally, watch commits and leadership, report the
 * Raft view for the coordinator, and obey the coordinator's reconfigurations (DESIGN.md §2).
 *
 * <p>Data directory layout: {@code raft/log} (JRaft's RocksDB log), {@code raft/meta}, {@code raft/snapshot},
 * {@code state} (our RocksDB), {@code epoch}, {@code identity} (cluster and replica; see {@link DataDirCheck}),
 * {@code incarnation} (this directory's identity, {@link IncarnationFile}).
 *
 * <p>Threads: futures of {@link #propose} complete on the Raft apply thread, so dependent stages added without an
 * executor run there and must be cheap; {@link #read} results complete on a small read pool. The JVM needs
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} (Hessian, see {@link CommandCodec}).
 */
public final class ClusterReplica implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterReplica.class);

    private final ReplicaOptions options;
    private final PeerId self;
    private final SnsStateMachine domain;
    private final EpochFile epochFile;
    /** This data directory's identity ({@link IncarnationFile}), reported to the coordinator and checked on reset. */
    private final String incarnation;
    /**
     * The newest epoch at which this data directory executed a reset to itself (0: never). Only such a directory, or
     * one configured as a single replica, may campaign as the only voter: see {@link #updateElectionFence}.
     */
    private final EpochFile resetEpochFile;
    private final boolean aloneByConfiguration;
    /** Whether JRaft is kept from campaigning right now (the election fence); guarded by {@code this.fenceLock}. */
    private boolean electionFenced;
    private final Object fenceLock = new Object();
    private ScheduledExecutorService fenceTimer;
    private final Object reconfigLock = new Object();
    private final ReadRounds readRounds = new ReadRounds(() -> this.node, this::leaderAddress);

    private RocksKvStore store;
    private SnsRaftStateMachine stateMachine;
    private RaftGroupService groupService;
    private ExecutorService raftRpcExecutor;
    private ExecutorService readExecutor;
    private volatile Node node;
    private boolean closed;
    /** The Raft port's TLS (null: plain). */
    private RaftTls tls;

    public ClusterReplica(ReplicaOptions options) {
        this.options = options;
        this.self = parsePeer(options.raftAddress());
        this.domain = new SnsStateMachine(options.domain());
        // Before anything writes into the directory: another cluster's or replica's data, or a damaged or unreadable
        // database, is refused as it is (DataDirRefusedException), never repaired or wiped.
        DataDirCheck.verify(options, domain);
        try {
            Files.createDirectories(options.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data dir " + options.dataDir(), e);
        }
        DataDirCheck.stampIdentity(options);
        this.epochFile = new EpochFile(options.dataDir().resolve("epoch"));
        boolean fromBeforeIncarnations = !Files.exists(options.dataDir().resolve(IncarnationFile.NAME))
                && Files.isDirectory(options.dataDir().resolve("raft/log"));
        this.incarnation = IncarnationFile.readOrCreate(options.dataDir());
        this.resetEpochFile = new EpochFile(options.dataDir().resolve(RESET_EPOCH_FILE));
        if (fromBeforeIncarnations && epochFile.get() > 0) {
            // A directory that ran before reset epochs were kept may have led alone by an order: its own log, so
            // let it campaign alone again. (A directory that lost its data has no Raft log: it is never taken here.)
            resetEpochFile.advanceTo(epochFile.get());
        }
        this.aloneByConfiguration = options.initialVoters().equals(List.of(options.raftAddress()));
    }

    /** The file that holds {@link #resetEpochFile}. */
    static final String RESET_EPOCH_FILE = "reset-epoch";
    /** How often the election fence looks at the configuration: far below the 1 s election timeout. */
    private static final long FENCE_CHECK_MILLIS = 20;

    private static PeerId parsePeer(String address) {
        PeerId peer = new PeerId();
        if (address == null || !peer.parse(address)) {
            throw new IllegalArgumentException("not a Raft address host:port: " + address);
        }
        return peer;
    }

    /**
     * Opens the state database and starts the Raft peer and its RPC server (bound to this replica's host only, serving
     * peer-to-peer Raft requests only: {@link RaftPortProcessors}). With {@link ReplicaOptions#tlsDir}, the RPC server
     * and the peer's outgoing Raft connections speak TLS with mutual authentication ({@link RaftTls}).
     */
    public synchronized void start() {
        if (node != null || closed) {
            throw new IllegalStateException(closed ? "replica closed" : "replica already started");
        }
        // Before anything opens: a key that cannot be used stops the start with nothing to undo.
        tls = RaftPeerSetup.loadTls(options.tlsDir());
        Path raftDir = options.dataDir().resolve("raft");
        RaftPeerSetup.createDirectories(raftDir);
        RaftLogStorageTuning.ensureRegistered();
        store = RocksKvStore.open(options.dataDir().resolve("state"), options.store());
        stateMachine = new SnsRaftStateMachine(domain, store);

        // With TLS, the node's options carry the key to the Bolt client JRaft makes for this node (RaftTls.Factory).
        NodeOptions nodeOptions = tls == null ? new NodeOptions() : tls.nodeOptions();
        nodeOptions.setFsm(stateMachine);
        nodeOptions.setLogUri(raftDir.resolve("log").toString());
        nodeOptions.setRaftMetaUri(raftDir.resolve("meta").toString());
        nodeOptions.setSnapshotUri(raftDir.resolve("snapshot").toString());
        nodeOptions.setElectionTimeoutMs(options.electionTimeoutMillis());
        nodeOptions.setSnapshotIntervalSecs(options.snapshotIntervalSecs());
        Configuration initial = new Configuration();
        for (String voter : options.initialVoters()) {
            initial.addPeer(parsePeer(voter));
        }
        nodeOptions.setInitialConf(initial);
        nodeOptions.setRaftOptions(raftOptions());
        // Several replicas can share a machine: keep JRaft's thread pools small.
        nodeOptions.setTimerPoolSize(2);
        nodeOptions.setRaftRpcThreadPoolSize(4);

        raftRpcExecutor = Executors.newFixedThreadPool(nodeOptions.getRaftRpcThreadPoolSize(),
                daemonThreads("raft-rpc-" + self.getPort()));
        readExecutor = Executors.newFixedThreadPool(2, daemonThreads("raft-read-" + self.getPort()));
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
        updateElectionFence();
        fenceTimer = Executors.newSingleThreadScheduledExecutor(daemonThreads("raft-fence-" + self.getPort()));
        fenceTimer.scheduleWithFixedDelay(this::updateElectionFence, FENCE_CHECK_MILLIS, FENCE_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        LOG.info("Replica {} of {} started (state at applied index {}, epoch {}, data directory {}, Raft port {})",
                self, options.groupId(), store.appliedIndex(), epochFile.get(), incarnation,
                tls == null ? "plain" : "TLS with mutual authentication");
    }

    /** The Raft port's TLS, null when plain (tests: its count of refused handshakes). */
    RaftTls tls() {
        return tls;
    }

    /** Raft tuning measured with {@code ReplicaBench} (docs/performance.md). */
    private static RaftOptions raftOptions() {
        RaftOptions raft = new RaftOptions();
        raft.setSync(true); // the Raft log is the source of truth; the state db skips fsync because of it
        raft.setOpenStatistics(false); // RocksDB statistics on the log cost CPU on every write
        raft.setApplyBatch(128); // more entries per apply pass = fewer state-db writes
        raft.setMaxEntriesSize(1024);
        raft.setMaxBodySize(1024 * 1024);
        raft.setDisruptorBufferSize(16384);
        return raft;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private Node requireNode() {
        Node current = node;
        if (current == null) {
            throw new IllegalStateException("replica " + self + " is not started");
        }
        return current;
    }

    /**
     * Replicates {@code command} and applies it. Leader only: elsewhere the future fails with
     * {@link NotLeaderException}. The caller stamps the command ({@link Command#stamp}) with the leader's wall clock
     * first and must not change it afterwards. The future completes on the apply thread, after the command's effects
     * are in the store.
     */
    public CompletableFuture<Applied> propose(Command command) {
        CompletableFuture<Applied> result = new CompletableFuture<>();
        if (command == null || command.stampMillis() <= 0) {
            result.completeExceptionally(new IllegalArgumentException("command must be stamped before proposing"));
            return result;
        }
        Node current = node;
        long term = stateMachine == null ? -1 : stateMachine.leaderTerm();
        if (current == null || term <= 0) {
            result.completeExceptionally(new NotLeaderException(leaderAddress(), null));
            return result;
        }
        byte[] data;
        try {
            data = CommandCodec.encode(command);
        } catch (CodecException e) {
            result.completeExceptionally(e);
            return result;
        }
        // expectedTerm: if leadership moved on since we looked, JRaft refuses the task instead of appending it
        // in a term this caller did not see.
        current.apply(new Task(ByteBuffer.wrap(data), new ApplyClosure(command, result, this::leaderAddress), term));
        return result;
    }

    /**
     * Reads committed state linearizably: a ReadIndex round (ReadOnlySafe: leadership confirmed with a quorum, then this
     * replica waits until it has applied everything committed before the read began), shared with every read that
     * arrived while the previous round was in flight ({@link ReadRounds}); {@code reader} then runs on one consistent
     * view of the store, on the read pool. Works on a follower too (it asks the leader for the index).
     */
    public <T> CompletableFuture<T> read(Function<KvReader, T> reader) {
        return readRounds.confirm().thenApplyAsync(confirmed -> store.read(reader), readExecutor);
    }

    /**
     * {@link #read}, run on the calling thread once its round is confirmed: for callers that block anyway (an RMI
     * thread), it saves the hand-off to the read pool and back. Throws {@link TimeoutException} when the round is not
     * confirmed within {@code timeoutMillis}, and {@link ExecutionException} with a {@link NotLeaderException} or
     * {@link ReplicationException} when it fails.
     */
    public <T> T readNow(Function<KvReader, T> reader, long timeoutMillis)
            throws TimeoutException, ExecutionException, InterruptedException {
        readRounds.confirm().get(timeoutMillis, TimeUnit.MILLISECONDS);
        return store.read(reader);
    }

    /** ReadIndex rounds started and linearizable reads served so far (tests, metrics): their ratio is the coalescing. */
    public long[] readRoundCounts() {
        return readRounds.counts();
    }

    /** Reads this replica's committed state as it is now: no leadership check, may lag the leader. */
    public <T> T readLocal(Function<KvReader, T> reader) {
        if (store == null) {
            throw new IllegalStateException("replica " + self + " is not started");
        }
        return store.read(reader);
    }

    /** The domain logic, for its read helpers: {@code replica.read(kv -> replica.domain().list(kv, session))}. */
    public SnsStateMachine domain() {
        return domain;
    }

    /** Whether this replica leads and has applied every entry of earlier terms. */
    public boolean isLeader() {
        return stateMachine != null && stateMachine.isLeader();
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

    /** The newest reconfiguration epoch this replica has obeyed. */
    public long epoch() {
        return epochFile.get();
    }

    /** Index of the last entry applied to the state database. */
    public long appliedIndex() {
        return store == null ? 0 : store.appliedIndex();
    }

    public RaftReport report() {
        Node current = requireNode();
        List<String> voters = new ArrayList<>();
        Configuration conf = ((NodeImpl) current).getCurrentConf();
        if (conf != null) {
            for (PeerId peer : conf.getPeers()) {
                voters.add(peer.getEndpoint().toString());
            }
        }
        return new RaftReport(raftAddress(), isLeader(), stateMachine.knownTerm(), current.getLastLogIndex(),
                current.getLastCommittedIndex(), List.copyOf(voters), epochFile.get(), 0, incarnation);
    }

    /** The identity of this replica's data directory (new when the directory was emptied or replaced). */
    public String incarnation() {
        return incarnation;
    }

    public void addCommitListener(CommitListener listener) {
        requireStateMachine().addCommitListener(listener);
    }

    public void addLeadershipListener(LeadershipListener listener) {
        requireStateMachine().addLeadershipListener(listener);
    }

    private SnsRaftStateMachine requireStateMachine() {
        if (stateMachine == null) {
            throw new IllegalStateException("start the replica before adding listeners");
        }
        return stateMachine;
    }

    /**
     * Makes this replica the only voter of its group (the coordinator's failover, DESIGN.md §2). It then elects itself
     * after about one election timeout. Refused, with nothing changed, when {@code epoch} is older than the newest
     * epoch this replica holds (ESTALE), or when this replica may lack acknowledged writes (EPERM): its data directory
     * is not the {@code expectedIncarnation} the coordinator recorded (it was emptied or replaced), or its log ends
     * below {@code minLastLogIndex}, the highest commit index the coordinator has seen (DESIGN.md §2, "Disk loss":
     * checked here as well as where the coordinator decides, since only this node knows its disk as the reset
     * arrives). The epoch is stored durably before the reset so a restart cannot forget it.
     */
    public Status resetToSelf(long epoch, String expectedIncarnation, long minLastLogIndex) {
        synchronized (reconfigLock) {
            long held = epochFile.get();
            if (epoch < held) {
                LOG.warn("Ignoring reset to self with epoch {} older than held epoch {}", epoch, held);
                return new Status(RaftError.ESTALE, "epoch %d is older than held epoch %d", epoch, held);
            }
            if (!incarnation.equals(expectedIncarnation)) {
                LOG.warn("Refusing reset to self at epoch {}: this data directory is incarnation {}, the coordinator"
                        + " recorded {}; it may lack acknowledged writes", epoch, incarnation, expectedIncarnation);
                return new Status(RaftError.EPERM, "data directory incarnation %s is not the recorded %s",
                        incarnation, expectedIncarnation);
            }
            long lastLogIndex = requireNode().getLastLogIndex();
            if (lastLogIndex < minLastLogIndex) {
                LOG.warn("Refusing reset to self at epoch {}: the log ends at {}, below {}, the highest commit index"
                        + " reported for the cluster", epoch, lastLogIndex, minLastLogIndex);
                return new Status(RaftError.EPERM, "log ends at %d, below the cluster's commit mark %d", lastLogIndex,
                        minLastLogIndex);
            }
            epochFile.advanceTo(epoch);
            resetEpochFile.advanceTo(epoch);
            Configuration selfOnly = new Configuration();
            selfOnly.addPeer(self);
            Status status = requireNode().resetPeers(selfOnly);
            updateElectionFence();
            LOG.info("Reset to self {} at epoch {}: {}", self, epoch, status);
            return status;
        }
    }

    /**
     * The election fence (DESIGN.md §2, "Disk loss"). A follower's configuration is the newest one in its log, even an
     * uncommitted one, and a replica refilled on an emptied directory replays the leader's log from the start —
     * through the one-voter configuration {@code {self}} this address held when it once led alone after a reset. If
     * the leader falls silent in that window, JRaft would let it elect itself alone on a partial log; its higher term
     * would then win against the replica holding the data, whose log Raft would truncate to match. So while the
     * configuration is {@code {self}} and this directory never executed a reset to itself (and is not configured as
     * a single replica), JRaft's election priority of this node is "never elected"; otherwise elections are as usual.
     * Found by the coordinator's seeded simulation (a wiped node caught up in part); JRaft consults the priority
     * only when an election timer fires, which this check, every {@value #FENCE_CHECK_MILLIS} ms, precedes by far.
     */
    private void updateElectionFence() {
        synchronized (fenceLock) {
            Node current = node;
            if (current == null) {
                return;
            }
            try {
                Configuration conf = ((NodeImpl) current).getCurrentConf();
                boolean alone = conf != null && conf.getPeers().size() == 1 && conf.contains(self);
                boolean fence = alone && !aloneByConfiguration && resetEpochFile.get() == 0;
                if (fence != electionFenced) {
                    // NodeImpl's id holds the very PeerId its election checks (JRaft 1.4.1, NodeImpl#allowLaunchElection).
                    current.getNodeId().getPeerId().setPriority(fence ? ElectionPriority.NotElected
                            : ElectionPriority.Disabled);
                    electionFenced = fence;
                    if (fence) {
                        LOG.warn("Replica {} holds the one-voter configuration {} from its log but never led alone on"
                                + " this data directory ({}): it will not campaign until its configuration includes"
                                + " another voter", self, conf, incarnation);
                    } else {
                        LOG.info("Replica {} may campaign again (configuration {})", self, conf);
                    }
                }
            } catch (RuntimeException e) {
                LOG.error("Replica {}: cannot update the election fence", self, e);
            }
        }
    }

    /** Whether the election fence keeps JRaft from campaigning right now (tests). */
    boolean electionFenced() {
        synchronized (fenceLock) {
            return electionFenced;
        }
    }

    /**
     * Adds {@code raftAddress} as a voter (leader only; JRaft replicates the log or installs a snapshot to it before the
     * new configuration commits). The future completes with JRaft's status, never exceptionally; on success this
     * replica stores {@code epoch}. An epoch older than the held one is refused (ESTALE).
     */
    public CompletableFuture<Status> addPeer(String raftAddress, long epoch) {
        CompletableFuture<Status> result = new CompletableFuture<>();
        long held = epochFile.get();
        if (epoch < held) {
            result.complete(new Status(RaftError.ESTALE, "epoch %d is older than held epoch %d", epoch, held));
            return result;
        }
        PeerId peer;
        try {
            peer = parsePeer(raftAddress);
        } catch (IllegalArgumentException e) {
            result.complete(new Status(RaftError.EINVAL, "%s", e.getMessage()));
            return result;
        }
        requireNode().addPeer(peer, status -> {
            if (status.isOk()) {
                try {
                    observeEpoch(epoch);
                } catch (UncheckedIOException e) {
                    LOG.error("Peer {} added but epoch {} not stored", raftAddress, epoch, e);
                    result.complete(new Status(RaftError.EIO, "peer added, epoch not stored: %s", e.getMessage()));
                    return;
                }
            }
            LOG.info("Add peer {} at epoch {}: {}", raftAddress, epoch, status);
            result.complete(status);
        });
        return result;
    }

    /** Stores {@code epoch} if newer than the held one (a replica told it was added back at that epoch). */
    public void observeEpoch(long epoch) {
        synchronized (reconfigLock) {
            epochFile.advanceTo(epoch);
        }
    }

    /** Takes a snapshot now (tests and operations); completes with JRaft's status, never exceptionally. */
    public CompletableFuture<Status> snapshot() {
        CompletableFuture<Status> result = new CompletableFuture<>();
        requireNode().snapshot(result::complete);
        return result;
    }

    /** Stops the Raft peer and its RPC server, waits for them, then closes the state database. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (fenceTimer != null) {
            fenceTimer.shutdownNow();
        }
        Node current = node;
        synchronized (fenceLock) {
            node = null;
        }
        if (groupService != null) {
            groupService.shutdown();
            try {
                groupService.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("Interrupted while waiting for Raft node {} to stop", self);
            }
        } else if (current != null) {
            current.shutdown();
        }
        for (ExecutorService pool : new ExecutorService[] {readExecutor, raftRpcExecutor}) {
            if (pool != null) {
                pool.shutdown();
            }
        }
        try {
            if (readExecutor != null && !readExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Reads of replica {} still running after 5 s", self);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (store != null) {
            store.close();
        }
        LOG.info("Replica {} of {} closed", self, options.groupId());
    }
}
