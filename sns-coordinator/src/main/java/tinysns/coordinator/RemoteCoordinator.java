package tinysns.coordinator;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
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
    private final Coordinator core;
    private final LongSupplier clockMillis;
    private final ReentrantLock lock = new ReentrantLock();

    RemoteCoordinator(Coordinator core, LongSupplier clockMillis) {
        this.core = core;
        this.clockMillis = clockMillis;
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
    public HeartbeatReply heartbeat(Heartbeat heartbeat) {
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
    public int clusterCount() {
        return core.clusterCount();
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
