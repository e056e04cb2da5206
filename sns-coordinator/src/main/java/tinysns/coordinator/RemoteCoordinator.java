package tinysns.coordinator;

import java.nio.charset.StandardCharsets;
import java.rmi.server.RemoteServer;
import java.rmi.server.ServerNotActiveException;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
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
 */
final class RemoteCoordinator implements CoordinatorService {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteCoordinator.class);
    /** Refused callers remembered for logging once each; beyond this many, refusals are no longer logged. */
    private static final int MAX_REFUSED_LOGGED = 1024;

    private final Coordinator core;
    private final LongSupplier clockMillis;
    /** The deployment's shared secret (UTF-8), or null: every heartbeat is accepted (in-process tests). */
    private final byte[] secret;
    private final ReentrantLock lock = new ReentrantLock();
    /** "host claimed-id" of every process refused so far, so that each is logged once and not once per beat. */
    private final Set<String> refused = ConcurrentHashMap.newKeySet();

    RemoteCoordinator(Coordinator core, LongSupplier clockMillis) {
        this(core, clockMillis, null);
    }

    RemoteCoordinator(Coordinator core, LongSupplier clockMillis, String secret) {
        this.core = core;
        this.clockMillis = clockMillis;
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public ServerAddress getServer(long userId) {
        lock.lock();
        try {
            return core.serverFor(userId, clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ServerAddress getClusterMaster(int cluster) {
        lock.lock();
        try {
            return core.clusterMaster(cluster, clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public HeartbeatReply heartbeat(String presented, Heartbeat heartbeat) {
        if (!authorized(presented)) {
            refuse(heartbeat);
        }
        lock.lock();
        try {
            return core.onHeartbeat(heartbeat, clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<ProcessStatus> status() {
        lock.lock();
        try {
            return core.status(clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<String> notices() {
        lock.lock();
        try {
            return List.copyOf(core.notices(clockMillis.getAsLong()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int clusterCount() {
        return core.clusterCount();
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
        lock.lock();
        try {
            core.onTick(clockMillis.getAsLong());
        } finally {
            lock.unlock();
        }
    }
}
