package tinysns.coordinator;

import java.nio.charset.StandardCharsets;
import java.rmi.RemoteException;
import java.rmi.server.RemoteServer;
import java.rmi.server.ServerNotActiveException;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.ProcessStatus;
import tinysns.api.ServerAddress;
import tinysns.coordinator.core.Coordinator;

/**
 * The exported object: each remote call takes the lock, reads the clock and hands over to the pure core. RMI runs
 * calls on many threads and the tick runs on another; the lock makes them one sequence, and reading the clock
 * inside it keeps the core's time non-decreasing.
 *
 * <p>Replicated (DESIGN.md §11): only the leader replica has a core; it gets a fresh one each time it becomes leader
 * ({@link #lead}), built over the replicated records, so its soft state (heartbeat ages, reports) starts empty and
 * it decides nothing about a server before it has had the time to hear it. A replica without a core forwards every
 * call to the leader ({@link LeaderLink}), so a caller may talk to any live replica. Orders leave a leader only after
 * a quorum confirmed it still leads: a paused or cut-off leader that was replaced and wakes up sends none.
 */
final class RemoteCoordinator implements CoordinatorService {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteCoordinator.class);
    /** Refused callers remembered for logging once each; beyond this many, refusals are no longer logged. */
    private static final int MAX_REFUSED_LOGGED = 1024;

    private volatile Coordinator core;
    private final int clusterCount;
    private final LongSupplier clockMillis;
    /** The deployment's shared secret (UTF-8), or null: every heartbeat is accepted (in-process tests). */
    private final byte[] secret;
    /** Where calls go while this replica does not lead; null for a single coordinator. */
    private final LeaderLink leader;
    private final List<String> coordinators;
    private final BooleanSupplier stillLeads;
    private final ReentrantLock lock = new ReentrantLock();
    /** "host claimed-id" of every process refused so far, so that each is logged once and not once per beat. */
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final LeaderOnly leaderOnly = new LeaderOnly();

    RemoteCoordinator(Coordinator core, LongSupplier clockMillis) {
        this(core, clockMillis, null);
    }

    /** A single coordinator: always has its core, never forwards. */
    RemoteCoordinator(Coordinator core, LongSupplier clockMillis, String secret) {
        this(core, core.clusterCount(), clockMillis, secret, null, List.of(), () -> true);
    }

    /**
     * @param leader       forwards calls while this replica has no core (null: a single coordinator)
     * @param coordinators every replica's registry {@code host:port}, for {@link #coordinators()}
     * @param stillLeads   asks a quorum whether this replica still leads (bounded); true for a single coordinator
     */
    RemoteCoordinator(Coordinator core, int clusterCount, LongSupplier clockMillis, String secret, LeaderLink leader,
                      List<String> coordinators, BooleanSupplier stillLeads) {
        this.core = core;
        this.clusterCount = clusterCount;
        this.clockMillis = clockMillis;
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
        this.leader = leader;
        this.coordinators = List.copyOf(coordinators);
        this.stillLeads = stillLeads;
    }

    /** This replica leads from now on, with {@code fresh} (built over the replicated records). */
    void lead(Coordinator fresh) {
        core = fresh;
    }

    /** This replica no longer leads: its core and soft state are dropped. */
    void follow() {
        core = null;
    }

    boolean leading() {
        return core != null;
    }

    /**
     * A view that never forwards: what followers forward to, so a call cannot bounce between two replicas. One
     * instance, held here: RMI keeps an exported object only weakly, so an unreferenced one would be collected.
     */
    CoordinatorService leaderOnly() {
        return leaderOnly;
    }

    @Override
    public ServerAddress getServer(long userId) throws RemoteException {
        Coordinator c = core;
        if (c == null) {
            return forward().forward(s -> s.getServer(userId));
        }
        lock.lock();
        try {
            return c.serverFor(userId, clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ServerAddress getClusterMaster(int cluster) throws RemoteException {
        Coordinator c = core;
        if (c == null) {
            return forward().forward(s -> s.getClusterMaster(cluster));
        }
        lock.lock();
        try {
            return c.clusterMaster(cluster, clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public HeartbeatReply heartbeat(String presented, Heartbeat heartbeat) throws RemoteException {
        if (!authorized(presented)) {
            refuse(heartbeat);
        }
        Coordinator c = core;
        if (c == null) {
            return forward().forward(s -> s.heartbeat(presented, heartbeat));
        }
        HeartbeatReply reply;
        lock.lock();
        try {
            reply = c.onHeartbeat(heartbeat, clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
        if (!reply.orders().isEmpty() && (core != c || !stillLeads.getAsBoolean())) {
            // Deposed meanwhile (or paused and replaced): the new leader decides; send nothing.
            LOG.warn("Not sending {} to {}: this coordinator replica no longer leads", reply.orders(), heartbeat.id());
            return new HeartbeatReply(reply.role(), reply.clusterCount(), List.of());
        }
        return reply;
    }

    @Override
    public List<ProcessStatus> status() throws RemoteException {
        Coordinator c = core;
        if (c == null) {
            return forward().forward(CoordinatorService::status);
        }
        lock.lock();
        try {
            return c.status(clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<String> notices() throws RemoteException {
        Coordinator c = core;
        if (c == null) {
            return forward().forward(CoordinatorService::notices);
        }
        lock.lock();
        try {
            return List.copyOf(c.notices(clockMillis.getAsLong()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int clusterCount() {
        return clusterCount;
    }

    @Override
    public List<String> coordinators() {
        return coordinators;
    }

    private LeaderLink forward() throws RemoteException {
        if (leader == null) {
            throw new RemoteException("the coordinator is not serving yet");
        }
        return leader;
    }

    /** Constant-time comparison, so the time of a refusal does not tell how much of a guess was right. */
    private boolean authorized(String presented) {
        return secret == null
                || presented != null && MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
    }

    /** Logs the first refusal of each (caller host, claimed id) at WARN, then throws; the core never sees it. */
    private void refuse(Heartbeat heartbeat) {
        String host;
        try {
            host = RemoteServer.getClientHost();
        } catch (ServerNotActiveException e) {
            host = "in-process";
        }
        String claimed = heartbeat == null || heartbeat.id() == null ? "(no id)" : heartbeat.id().toString();
        String who = host + " " + claimed;
        if (refused.size() < MAX_REFUSED_LOGGED && refused.add(who)) {
            LOG.warn("Refused a heartbeat from {} claiming to be {}: wrong or missing deployment secret (further"
                    + " refusals of it are not logged)", host, claimed);
        }
        throw new SecurityException("heartbeat refused: wrong or missing deployment secret (--secret-file)");
    }

    void tick() {
        Coordinator c = core;
        if (c == null) {
            return;
        }
        lock.lock();
        try {
            c.onTick(clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /** The leader's face to its followers: serves only while leading. */
    private final class LeaderOnly implements CoordinatorService {
        private void requireLeading() throws RemoteException {
            if (core == null) {
                throw new RemoteException("this coordinator replica does not lead (any more)");
            }
        }

        @Override
        public ServerAddress getServer(long userId) throws RemoteException {
            requireLeading();
            return RemoteCoordinator.this.getServer(userId);
        }

        @Override
        public ServerAddress getClusterMaster(int cluster) throws RemoteException {
            requireLeading();
            return RemoteCoordinator.this.getClusterMaster(cluster);
        }

        @Override
        public HeartbeatReply heartbeat(String presented, Heartbeat heartbeat) throws RemoteException {
            requireLeading();
            return RemoteCoordinator.this.heartbeat(presented, heartbeat);
        }

        @Override
        public List<ProcessStatus> status() throws RemoteException {
            requireLeading();
            return RemoteCoordinator.this.status();
        }

        @Override
        public List<String> notices() throws RemoteException {
            requireLeading();
            return RemoteCoordinator.this.notices();
        }

        @Override
        public int clusterCount() {
            return clusterCount;
        }

        @Override
        public List<String> coordinators() {
            return coordinators;
        }
    }
}
