package tinysns.raft;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import tinysns.domain.DomainConfig;
import tinysns.store.StoreOptions;

/**
 * Everything one replica of a cluster needs to start.
 *
 * @param groupId               the Raft group, {@code cluster-<c>}
 * @param raftAddress           this replica's Raft endpoint {@code host:port}; the RPC server binds exactly this host
 * @param initialVoters         the voters ({@code host:port}) a brand-new group starts with; ignored once the Raft log
 *                              holds a configuration. Empty for a fresh replica that joins an existing group: it
 *                              never campaigns and waits for the leader to add it ({@link ClusterReplica#addPeer})
 * @param dataDir               holds the Raft log and meta, snapshots, the state database and the epoch file
 * @param electionTimeoutMillis follower → candidate timeout
 * @param snapshotIntervalSecs  how often JRaft snapshots (and then truncates its log); {@code <= 0} disables it
 * @param domain                the cluster's domain configuration
 * @param store                 memory budget of the state database
 * @param replicaId             this replica's number within its cluster (the node's {@code --id}), stamped into the
 *                              data directory so another replica's directory is refused; 0 = not known, not checked
 * @param tlsDir                the deployment's TLS key ({@code --tls DIR}): the Raft port and this replica's
 *                              outgoing Raft connections then speak TLS with mutual authentication ({@link RaftTls});
 *                              null = plain
 */
public record ReplicaOptions(String groupId, String raftAddress, List<String> initialVoters, Path dataDir,
                             int electionTimeoutMillis, int snapshotIntervalSecs, DomainConfig domain,
                             StoreOptions store, int replicaId, Path tlsDir) {
    public static final int DEFAULT_ELECTION_TIMEOUT_MILLIS = 1000;
    public static final int DEFAULT_SNAPSHOT_INTERVAL_SECS = 600;

    public ReplicaOptions {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(raftAddress, "raftAddress");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(store, "store");
        initialVoters = List.copyOf(initialVoters);
        if (electionTimeoutMillis < 100) {
            throw new IllegalArgumentException("electionTimeoutMillis must be >= 100, got " + electionTimeoutMillis);
        }
        if (replicaId < 0) {
            throw new IllegalArgumentException("replicaId must be >= 0, got " + replicaId);
        }
    }

    /** Defaults: group {@code cluster-<c>}, 1 s election timeout, snapshots every 10 minutes, default store memory. */
    public static ReplicaOptions of(DomainConfig domain, String raftAddress, List<String> initialVoters, Path dataDir) {
        return new ReplicaOptions("cluster-" + domain.clusterId(), raftAddress, initialVoters, dataDir,
                DEFAULT_ELECTION_TIMEOUT_MILLIS, DEFAULT_SNAPSHOT_INTERVAL_SECS, domain, StoreOptions.defaults(), 0, null);
    }

    public ReplicaOptions withElectionTimeoutMillis(int millis) {
        return new ReplicaOptions(groupId, raftAddress, initialVoters, dataDir, millis, snapshotIntervalSecs, domain,
                store, replicaId, tlsDir);
    }

    public ReplicaOptions withSnapshotIntervalSecs(int secs) {
        return new ReplicaOptions(groupId, raftAddress, initialVoters, dataDir, electionTimeoutMillis, secs, domain,
                store, replicaId, tlsDir);
    }

    public ReplicaOptions withStore(StoreOptions storeOptions) {
        return new ReplicaOptions(groupId, raftAddress, initialVoters, dataDir, electionTimeoutMillis,
                snapshotIntervalSecs, domain, storeOptions, replicaId, tlsDir);
    }

    public ReplicaOptions withInitialVoters(List<String> voters) {
        return new ReplicaOptions(groupId, raftAddress, voters, dataDir, electionTimeoutMillis, snapshotIntervalSecs,
                domain, store, replicaId, tlsDir);
    }

    public ReplicaOptions withReplicaId(int id) {
        return new ReplicaOptions(groupId, raftAddress, initialVoters, dataDir, electionTimeoutMillis,
                snapshotIntervalSecs, domain, store, id, tlsDir);
    }

    /** With the deployment's TLS key in {@code dir} (null: plain), as {@code --tls DIR} gives it. */
    public ReplicaOptions withTlsDir(Path dir) {
        return new ReplicaOptions(groupId, raftAddress, initialVoters, dataDir, electionTimeoutMillis,
                snapshotIntervalSecs, domain, store, replicaId, dir);
    }
}
