package tinysns.node;

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
import tinysns.api.Role;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.raft.ClusterReplica;

/**
 * The node's side of the coordinator protocol: a heartbeat every interval carrying the replica's Raft report, and the
 * reconfiguration orders that come back (DESIGN.md §2). A coordinator that restarts simply learns this node again
 * from its next heartbeat.
 */
final class CoordinatorLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorLink.class);

    private final ProcessId id;
    private final NodeOptions options;
    private final ClusterReplica replica;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean addPeerInFlight = new AtomicBoolean();
    private CoordinatorService coordinator;
    private boolean connected;
    private Role role;

    CoordinatorLink(ProcessId id, NodeOptions options, ClusterReplica replica) {
        this.id = id;
        this.options = options;
        this.replica = replica;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeat-" + id);
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        long every = options.heartbeat().toMillis();
        timer.scheduleWithFixedDelay(this::beat, 0, every, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try {
            if (coordinator == null) {
                coordinator = RmiEndpoints.lookup(options.coordinatorHost(), options.coordinatorPort(),
                        CoordinatorService.REGISTRY_NAME, CoordinatorService.class);
            }
            RaftReport report = replica.report();
            HeartbeatReply reply = coordinator.heartbeat(
                    new Heartbeat(id, options.host(), options.servicePort(), report, null));
            if (!connected) {
                connected = true;
                log.info("{} registered with the coordinator at {}:{}", id, options.coordinatorHost(),
                        options.coordinatorPort());
            }
            if (reply.role() != role) {
                log.info("{} is now {} (Raft leader: {}, term {})", id, reply.role(), report.leader(), report.term());
                role = reply.role();
            }
            for (Order order : reply.orders()) {
                carryOut(order);
            }
        } catch (RemoteException | NotBoundException e) {
            coordinator = null;
            if (connected) {
                connected = false;
                log.warn("{} lost the coordinator at {}:{}: {}; retrying every {} ms", id, options.coordinatorHost(),
                        options.coordinatorPort(), e.getClass().getSimpleName(), options.heartbeat().toMillis());
            }
        } catch (RuntimeException e) {
            // A bug must not kill the heartbeat thread (the coordinator would declare this node dead).
            log.error("{} heartbeat failed", id, e);
        }
    }

    private void carryOut(Order order) {
        switch (order.type()) {
            case RESET_TO_SELF -> {
                log.info("{} ordered to become the only voter of its group (epoch {})", id, order.epoch());
                replica.resetToSelf(order.epoch());
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
