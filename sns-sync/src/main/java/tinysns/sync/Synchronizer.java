package tinysns.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.Role;
import tinysns.api.client.ClusterMasters;
import tinysns.api.client.CoordinatorLocator;
import tinysns.api.SyncReport;
import tinysns.api.rmi.RmiTransport;

/**
 * A synchronizer process: heartbeats to the coordinator, and while the coordinator says it is its cluster's MASTER
 * synchronizer, one {@link TargetPump} per other cluster. It stores nothing: all progress is in the clusters' cursors.
 */
public final class Synchronizer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Synchronizer.class);

    private final SyncOptions options;
    private final ProcessId id;
    private final ScheduledExecutorService timer;
    private final List<TargetPump> pumps = new ArrayList<>();
    private final List<Thread> pumpThreads = new ArrayList<>();
    private final CoordinatorLocator coordinators;
    private final ClusterMasters masters;
    private Role role;
    private boolean connected;
    /** Set once the coordinator has refused our secret, so the refusal is logged once, not on every beat. */
    private boolean refusedLogged;
    /** True once the "cannot reach" line was logged since the last success: a wrong port or TLS mismatch says why. */
    private boolean unreachableLogged;

    public Synchronizer(SyncOptions options) {
        this.options = options;
        this.coordinators = new CoordinatorLocator(options.coordinators());
        this.masters = new ClusterMasters(coordinators);
        this.id = new ProcessId(ProcessKind.SYNC, options.cluster(), options.id());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeat-" + id);
            t.setDaemon(true);
            return t;
        });
    }

    public Synchronizer start() {
        timer.scheduleWithFixedDelay(this::beat, 0, options.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        log.info("{} started; waiting for the coordinator at {}", id, options.coordinators());
        return this;
    }

    public ProcessId id() {
        return id;
    }

    /** True while this synchronizer copies events (it is its cluster's master synchronizer). */
    public synchronized boolean isMaster() {
        return role == Role.MASTER;
    }

    private void beat() {
        try {
            Heartbeat heartbeat = new Heartbeat(id, options.host(), options.port(), null, report());
            HeartbeatReply reply = coordinators.call(Math.max(1000, 2 * options.heartbeat().toMillis()),
                    c -> c.heartbeat(options.secret(), heartbeat));
            refusedLogged = false;
            unreachableLogged = false;
            if (!connected) {
                connected = true;
                log.info("{} registered with the coordinator", id);
            }
            onRole(reply.role(), reply.clusterCount());
        } catch (SecurityException e) {
            connected = false;
            if (!refusedLogged) {
                refusedLogged = true;
                log.error("{}: the coordinator refused our heartbeat ({}); check --secret-file", id, e.getMessage());
            }
        } catch (Exception e) {
            if (connected) {
                connected = false;
                unreachableLogged = true;
                log.warn("{} lost the coordinator: {}", id, e.toString());
            } else if (!unreachableLogged) {
                unreachableLogged = true;
                log.warn("{} cannot reach the coordinator yet: {}; retrying", id, RmiTransport.describe(e));
            }
        }
    }

    private synchronized void onRole(Role newRole, int clusterCount) {
        if (newRole == role) {
            return;
        }
        log.info("{} is now {}", id, newRole);
        role = newRole;
        stopPumps();
        if (newRole == Role.MASTER) {
            for (int target = 1; target <= clusterCount; target++) {
                if (target != options.cluster()) {
                    TargetPump pump = new TargetPump(options.cluster(), target, options, masters);
                    Thread t = new Thread(pump, "sync-" + options.cluster() + "-to-" + target);
                    t.setDaemon(true);
                    pumps.add(pump);
                    pumpThreads.add(t);
                    t.start();
                }
            }
        }
    }

    private SyncReport report() {
        Map<Integer, Long> cursors = new TreeMap<>();
        long head = 0;
        synchronized (this) {
            for (TargetPump pump : pumps) {
                if (pump.cursor() >= 0) { // unknown until the target answered once: no lag to report yet
                    cursors.put(pump.target(), pump.cursor());
                }
                head = Math.max(head, pump.originHead());
            }
        }
        return new SyncReport(head, cursors);
    }


    private void stopPumps() {
        pumps.forEach(TargetPump::stop);
        pumpThreads.forEach(Thread::interrupt);
        pumps.clear();
        pumpThreads.clear();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        synchronized (this) {
            stopPumps();
        }
        log.info("{} stopped", id);
    }
}
