package tinysns.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.Order;
import tinysns.api.ProcessId;
import tinysns.api.RaftReport;
import tinysns.api.client.CoordinatorLocator;
import tinysns.api.Role;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.api.rmi.RmiTransport;
import tinysns.raft.ClusterReplica;

/**
 * The node's side of the coordinator protocol: a heartbeat every interval carrying the replica's Raft report, and the
 * reconfiguration orders that come back (DESIGN.md §2). A coordinator that restarts simply learns this node again
 * from its next heartbeat.
 *
 * <p>Failover speed: every {@value #WATCH_MILLIS} ms the link looks at its replica. It beats at once when the replica
 * takes or loses leadership or loses its leader, and every {@value #FAST_BEAT_MILLIS} ms while it has no leader (so
 * the coordinator hears the evidence, and the replica hears its orders, without waiting a heartbeat interval). A
 * follower also probes its leader's Raft port: a refused connection means the leader process is gone, long before
 * JRaft's election timer (1-3 s) would say so. The report carries how long the replica has been without a leader
 * ({@link RaftReport#leaderSilentMillis}); the coordinator combines it with its own missing heartbeats.
 */
final class CoordinatorLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorLink.class);
    static final long WATCH_MILLIS = 50;
    static final long FAST_BEAT_MILLIS = 100;
    private static final int PROBE_TIMEOUT_MILLIS = 200;
    /** A TCP connect to the leader's Raft port at most this often (10/s: cheap for the leader's RPC server). */
    private static final long PROBE_EVERY_MILLIS = 100;

    private final ProcessId id;
    private final NodeOptions options;
    private final ClusterReplica replica;
    private final QuickElection quickElection;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean addPeerInFlight = new AtomicBoolean();
    private final CoordinatorLocator coordinators;
    private boolean connected;
    /** Set once the coordinator has refused our secret, so the refusal is logged once, not on every beat. */
    private boolean refusedLogged;
    /** True once the "cannot reach" line was logged since the last success: a wrong port or TLS mismatch says why. */
    private boolean unreachableLogged;
    private Role role;
    // Watch state, touched by the timer thread only.
    private long lastBeatMillis = Long.MIN_VALUE / 2;
    private boolean beatLeader;
    private boolean beatSilent;
    private long silentSinceMillis = -1;
    private long lastProbeMillis = Long.MIN_VALUE / 2;
    private boolean lastProbeRefused;

    CoordinatorLink(ProcessId id, NodeOptions options, ClusterReplica replica, QuickElection quickElection) {
        this.id = id;
        this.options = options;
        this.replica = replica;
        this.quickElection = quickElection;
        this.coordinators = new CoordinatorLocator(options.coordinators());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeat-" + id);
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        timer.scheduleWithFixedDelay(this::watch, 0, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static long monotonicMillis() {
        return System.nanoTime() / 1_000_000;
    }

    /** Decides whether to beat now: on the interval, faster while leaderless, at once on a change. */
    private void watch() {
        try {
            long now = monotonicMillis();
            boolean leader = replica.isLeader();
            boolean silent = !leader && leaderLost();
            if (silent && silentSinceMillis < 0) {
                silentSinceMillis = now;
            } else if (!silent) {
                silentSinceMillis = -1;
            }
            quickElection.settle(leader, now, 5 * options.electionTimeout().toMillis());
            long interval = silent ? Math.min(FAST_BEAT_MILLIS, options.heartbeat().toMillis())
                    : options.heartbeat().toMillis();
            if (leader != beatLeader || silent != beatSilent || now - lastBeatMillis >= interval) {
                beatLeader = leader;
                beatSilent = silent;
                lastBeatMillis = now;
                beat(silent ? Math.max(1, now - silentSinceMillis) : 0);
            }
        } catch (RuntimeException e) {
            // A bug must not kill the heartbeat thread (the coordinator would declare this node dead).
            log.error("{} heartbeat failed", id, e);
        }
    }

    /** No leader known to Raft, or the known leader's Raft port refuses connections (its process is gone). */
    private boolean leaderLost() {
        String leader = replica.leaderAddress();
        if (leader == null) {
            return true;
        }
        if (leader.equals(replica.raftAddress())) {
            return false;
        }
        long now = monotonicMillis();
        if (now - lastProbeMillis < PROBE_EVERY_MILLIS) {
            return lastProbeRefused;
        }
        lastProbeMillis = now;
        lastProbeRefused = probeRefused(leader);
        return lastProbeRefused;
    }

    private boolean probeRefused(String leader) {
        int colon = leader.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(leader.substring(0, colon), Integer.parseInt(leader.substring(colon + 1))),
                    PROBE_TIMEOUT_MILLIS);
            return false;
        } catch (IOException e) {
            // Refused or timed out. A timeout alone (a paused or cut-off leader) is weak evidence, but the
            // coordinator also needs its own missing heartbeats, and safety never rests on this.
            return true;
        } catch (RuntimeException e) {
            log.warn("{} cannot probe leader address {}: {}", id, leader, e.toString());
            return false;
        }
    }

    private void beat(long leaderSilentMillis) {
        try {
            RaftReport report = replica.report().withLeaderSilentMillis(leaderSilentMillis);
            Heartbeat heartbeat = new Heartbeat(id, options.host(), options.servicePort(), report, null);
            // Bounded per attempt: a paused coordinator replica must not hold this thread (the failover evidence).
            HeartbeatReply reply = coordinators.call(heartbeatCallMillis(),
                    c -> c.heartbeat(options.secret(), heartbeat));
            refusedLogged = false;
            unreachableLogged = false;
            if (!connected) {
                connected = true;
                log.info("{} registered with the coordinator at {}", id, coordinators.current());
            }
            if (reply.role() != role) {
                log.info("{} is now {} (Raft leader: {}, term {})", id, reply.role(), report.leader(), report.term());
                role = reply.role();
            }
            for (Order order : reply.orders()) {
                carryOut(order);
            }
        } catch (SecurityException e) {
            // A misconfigured deployment, not a crash: say so once and keep trying (the file may be fixed).
            connected = false;
            if (!refusedLogged) {
                refusedLogged = true;
                log.error("{}: the coordinator at {} refused our heartbeat ({}); check --secret-file", id,
                        coordinators.current(), e.getMessage());
            }
        } catch (RemoteException | NotBoundException e) {
            if (connected) {
                connected = false;
                unreachableLogged = true;
                log.warn("{} lost the coordinator: {}; trying {} every {} ms", id, e.getClass().getSimpleName(),
                        coordinators.addresses(), options.heartbeat().toMillis());
            } else if (!unreachableLogged) {
                unreachableLogged = true;
                log.warn("{} cannot reach the coordinator at {} yet: {}; retrying every {} ms", id,
                        coordinators.addresses(), RmiTransport.describe(e), options.heartbeat().toMillis());
            }
        }
    }

    /** One heartbeat attempt's bound: two intervals, at least a second (a loaded machine is slow, not dead). */
    private long heartbeatCallMillis() {
        return Math.max(1000, 2 * options.heartbeat().toMillis());
    }

    private void carryOut(Order order) {
        switch (order.type()) {
            case RESET_TO_SELF -> {
                log.info("{} ordered to become the only voter of its group (epoch {})", id, order.epoch());
                var status = replica.resetToSelf(order.epoch(), order.incarnation(), order.minLastLogIndex());
                if (status.isOk() && !replica.isLeader()) {
                    quickElection.arm(monotonicMillis());
                }
            }
            case ADD_PEER -> {
                if (!addPeerInFlight.compareAndSet(false, true)) {
                    return; // the previous add-back is still in progress; the coordinator repeats until it sees it
                }
                log.info("{} ordered to add {} back as a voter (epoch {})", id, order.peer(), order.epoch());
                replica.addPeer(order.peer(), order.epoch()).whenComplete((status, error) -> {
                    addPeerInFlight.set(false);
                    if (error != null) {
                        log.warn("{} could not add {} back: {}", id, order.peer(), error.toString());
                    } else {
                        log.info("{} added {} back: {}", id, order.peer(), status);
                    }
                });
            }
            case OBSERVE_EPOCH -> {
                if (order.epoch() > replica.epoch()) {
                    // DESIGN.md §2: the add-back stamps both nodes; the leader stamps itself, this is the other one.
                    log.info("{} holds epoch {} from now on (was {})", id, order.epoch(), replica.epoch());
                    replica.observeEpoch(order.epoch());
                }
            }
            // An order this node does not know (a newer coordinator) must not vanish silently: the coordinator would
            // wait for its effect forever.
            default -> log.warn("{} cannot carry out unknown order {}", id, order);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
