package tinysns.cli.chaos;

import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tinysns.api.CoordinatorService;
import tinysns.api.client.CoordinatorLocator;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.ReplicaProbe;
import tinysns.api.ReplicaState;
import tinysns.api.Role;
import tinysns.api.rmi.RmiEndpoints;

/**
 * Reads a deployment's replicas for the checker: the coordinator's table says where every server is, and each server's
 * {@link ReplicaProbe} says what its replica holds. Convergence ({@link #lag}) means: every cluster's master has applied
 * every other cluster's whole outbox (cursor = that cluster's head), and the replicas of each cluster hold identical
 * state at the same applied index.
 */
public final class DeploymentProbe {
    /** One attempt to ask a coordinator replica: a paused one must not hold a convergence measurement. */
    private static final long COORDINATOR_CALL_MILLIS = 2000;
    private final CoordinatorLocator coordinators;

    public DeploymentProbe(String host, int port) {
        this.coordinators = new CoordinatorLocator(host, port);
    }

    int clusterCount() throws RemoteException, NotBoundException {
        return coordinators.call(COORDINATOR_CALL_MILLIS, CoordinatorService::clusterCount);
    }

    List<ProcessStatus> servers() throws RemoteException, NotBoundException {
        return coordinators.call(COORDINATOR_CALL_MILLIS, CoordinatorService::status).stream()
                .filter(row -> row.id().kind() == ProcessKind.SERVER).toList();
    }

    static ReplicaState state(ProcessStatus server) throws RemoteException, NotBoundException {
        return RmiEndpoints.lookup(server.host(), server.port(), server.id().registryName(), ReplicaProbe.class)
                .replicaState();
    }

    /** Every server the coordinator lists, with its replica's state or why it could not be read. */
    Map<ProcessStatus, Object> states() throws RemoteException, NotBoundException {
        Map<ProcessStatus, Object> states = new LinkedHashMap<>();
        for (ProcessStatus server : servers()) {
            try {
                states.put(server, state(server));
            } catch (RemoteException | NotBoundException e) {
                states.put(server, "unreachable: " + e.getClass().getSimpleName());
            }
        }
        return states;
    }

    /**
     * What keeps the deployment from having converged, or "" if it has.
     *
     * @param requirePairs every cluster must have two live replicas that agree (else: the live ones agree)
     */
    public String lag(boolean requirePairs) throws RemoteException, NotBoundException {
        int clusters = clusterCount();
        Map<ProcessStatus, Object> states = states();
        List<String> lag = new ArrayList<>();
        ReplicaState[] masters = new ReplicaState[clusters + 1];
        for (int cluster = 1; cluster <= clusters; cluster++) {
            List<ReplicaState> live = new ArrayList<>();
            for (Map.Entry<ProcessStatus, Object> entry : states.entrySet()) {
                ProcessStatus row = entry.getKey();
                if (row.id().cluster() != cluster || !row.alive()) {
                    continue;
                }
                if (!(entry.getValue() instanceof ReplicaState state)) {
                    lag.add(row.id() + " " + entry.getValue());
                    continue;
                }
                live.add(state);
                if (row.role() == Role.MASTER && state.leader()) {
                    masters[cluster] = state;
                }
            }
            if (masters[cluster] == null) {
                lag.add("cluster " + cluster + " has no live master leading its group");
            }
            if (requirePairs && live.size() < 2) {
                lag.add("cluster " + cluster + " has " + live.size() + " live replica(s)");
            }
            for (ReplicaState state : live) {
                ReplicaState first = live.get(0);
                if (state.appliedIndex() < 0 || state.appliedIndex() != first.appliedIndex()
                        || !state.digest().equals(first.digest())) {
                    lag.add("cluster " + cluster + " replicas differ: " + brief(first) + " vs " + brief(state));
                    break;
                }
            }
        }
        for (int target = 1; target <= clusters; target++) {
            if (masters[target] == null) {
                continue;
            }
            for (int origin = 1; origin <= clusters; origin++) {
                if (origin == target || masters[origin] == null) {
                    continue;
                }
                long cursor = masters[target].cursors().getOrDefault(origin, 0L);
                long head = masters[origin].outboxHead();
                if (cursor != head) {
                    lag.add("cluster " + target + " has applied " + cursor + " of cluster " + origin + "'s " + head
                            + " events");
                }
            }
        }
        return String.join("; ", lag);
    }

    /** One line per server: applied index and digest prefix, for reports. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        try {
            for (Map.Entry<ProcessStatus, Object> entry : states().entrySet()) {
                ProcessStatus row = entry.getKey();
                text.append("  ").append(row.id()).append(' ').append(row.role()).append(row.alive() ? "" : " (dead)")
                        .append(": ").append(entry.getValue() instanceof ReplicaState s ? brief(s)
                                + " outbox " + s.outboxHead() + " cursors " + s.cursors() : entry.getValue())
                        .append('\n');
            }
        } catch (RemoteException | NotBoundException e) {
            text.append("  (no status: ").append(e).append(")\n");
        }
        return text.toString();
    }

    private static String brief(ReplicaState state) {
        return state.raftAddress() + "@" + state.appliedIndex() + " " + state.digest().substring(0, 12);
    }
}
