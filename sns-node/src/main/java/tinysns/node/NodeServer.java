package tinysns.node;

import java.rmi.Remote;
import java.rmi.registry.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.api.rmi.RmiTransport;
import tinysns.domain.DomainConfig;
import tinysns.raft.ClusterReplica;
import tinysns.raft.ReplicaOptions;

/**
 * One server process: a Raft replica of its cluster; its own RMI registry on the service port, holding the
 * client/sync service as {@code sns/cluster-<c>/node-<n>} (exported on that same port); timeline push; and the
 * heartbeat link to the coordinator.
 */
public final class NodeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeServer.class);
    /** A subscriber that falls this many posts behind is dropped (bounded memory per slow client). */
    static final int MAX_QUEUED_POSTS_PER_CLIENT = 10_000;
    /** Push calls in flight at once: a client that stops reading holds one (until the RMI response timeout). */
    static final int MAX_PUSH_THREADS = 256;

    private final NodeOptions options;
    private final ClientLimits limits;
    private final ProcessId id;
    private ClusterReplica replica;
    private TimelinePush push;
    private ClientGateway gateway;
    private Registry registry;
    private Remote stub;
    private CoordinatorLink link;

    public NodeServer(NodeOptions options) {
        this(options, ClientLimits.DEFAULTS);
    }

    public NodeServer(NodeOptions options, ClientLimits limits) {
        this.options = options;
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
        this.id = new ProcessId(ProcessKind.SERVER, options.cluster(), options.id());
    }

    /** Starts everything; on failure, stops what was started and rethrows. */
    public NodeServer start() throws Exception {
        try {
            DomainConfig domain = new DomainConfig(options.cluster(), options.clusterCount(),
                    DomainConfig.DEFAULT_MAX_POST_CHARS, limits.sessionTtl().toMillis());
            ReplicaOptions replicaOptions = ReplicaOptions.of(domain, options.raftAddress(), options.raftPeers(),
                    options.dataDir()).withElectionTimeoutMillis((int) options.electionTimeout().toMillis())
                    .withReplicaId(options.id())
                    // --tls covers every port of the process: the Raft port speaks Bolt TLS with the same key.
                    .withTlsDir(RmiTransport.tlsDir());
            replica = new ClusterReplica(replicaOptions);
            push = new TimelinePush(MAX_PUSH_THREADS, MAX_QUEUED_POSTS_PER_CLIENT);
            OutboxWatch outboxWatch = new OutboxWatch();
            replica.start();
            // Listeners see commits from here on; replay of the log before this point needs no push or wake-up.
            replica.addCommitListener((index, command, applied) -> {
                if (applied.reply().ok()) {
                    outboxWatch.advanced();
                    push.deliver(applied.deliveries());
                }
            });
            replica.addLeadershipListener((leader, term) -> {
                log.info("{} {} Raft leadership (term {})", id, leader ? "took" : "lost", term);
                if (!leader) {
                    push.dropAll("no longer the master");
                }
            });
            // Registered right after start, and told at once if the replica already leads (a lone voter elects itself
            // while starting): a leader that missed its start would serve nothing. A start proposed twice is harmless.
            LeaderStart leaderStart = new LeaderStart(replica);
            replica.addLeadershipListener(leaderStart);
            if (replica.isLeader()) {
                leaderStart.onLeadershipChange(true, replica.report().term());
            }
            gateway = new ClientGateway(replica, domain, leaderStart, push,
                    outboxWatch, options.secret(), options.proposeTimeout().toMillis(),
                    new PostRateLimit(limits.postsPerSecond(), limits.postBurst()),
                    CallbackHosts.resolve(options.host()));
            registry = RmiEndpoints.createRegistry(options.host(), options.servicePort());
            stub = RmiEndpoints.export(gateway, options.host(), options.servicePort());
            registry.rebind(id.registryName(), stub);
            // 100 ms: a lone voter's election is local (no RPC), so it need not wait longer.
            QuickElection quickElection = new QuickElection(replicaOptions.groupId(), options.raftAddress(),
                    (int) options.electionTimeout().toMillis(), 100);
            link = new CoordinatorLink(id, options, replica, quickElection);
            link.start();
            log.info("{} serving on {}:{} (Raft {}, peers {}, data {})", id, options.host(), options.servicePort(),
                    options.raftAddress(), options.raftPeers(), options.dataDir());
            return this;
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    public ProcessId id() {
        return id;
    }

    public ClusterReplica replica() {
        return replica;
    }

    TimelinePush push() {
        return push;
    }

    @Override
    public void close() {
        if (link != null) {
            link.close();
        }
        if (stub != null) {
            RmiEndpoints.unexport(gateway);
        }
        if (registry != null) {
            RmiEndpoints.unexport(registry);
        }
        if (push != null) {
            push.close();
        }
        if (replica != null) {
            replica.close();
            log.info("{} stopped", id);
        }
    }
}
