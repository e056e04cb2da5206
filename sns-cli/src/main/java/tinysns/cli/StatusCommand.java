package tinysns.cli;

import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import tinysns.api.ProcessStatus;
import tinysns.api.client.CoordinatorLocator;
import tinysns.api.rmi.RmiTransport;

/** {@code sns status}: the coordinator's view of the deployment. */
@Command(name = "status",
        sortOptions = false,
        description = {"Shows the deployment as the coordinator sees it.",
                "Asks the coordinator for every process it knows and prints one row each: cluster, process, "
                + "role, address, age of its last heartbeat, whether it counts as alive, its Raft state "
                + "(leader/follower, term, commit/last index, voters, epoch) and, for synchronizers, the outbox head "
                + "and how far each other cluster lags behind it.",
                "Below the table, one WAITING line per cluster that needs a failover the coordinator will not make, "
                + "with the reason (for example: its only surviving node runs on an emptied data directory and "
                + "may lack acknowledged writes, so the cluster waits for the node that holds them).",
                "Exit codes: 0 printed; 1 the coordinator could not be reached."},
        footer = {"", "Example:", "  sns status -h 127.0.0.1 -k 9000"})
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean helpRequested;

    @Mixin
    CoordinatorAddressOptions coordinator;

    /** One attempt at one coordinator replica (the whole table, from the leader). */
    private static final long STATUS_CALL_MILLIS = 5000;

    /** What one coordinator answered. */
    private record View(int clusters, List<ProcessStatus> rows, List<String> notices, List<String> replicas) {
    }

    @Override
    public Integer call() {
        tinysns.api.rmi.RmiTimeouts.install(5000);
        CoordinatorLocator locator = new CoordinatorLocator(coordinator.addresses());
        View view;
        try {
            // Any replica answers (followers forward to the leader): each given or learned one is tried in turn.
            view = locator.call(STATUS_CALL_MILLIS, c -> new View(c.clusterCount(), c.status(), c.notices(),
                    c.coordinators()));
        } catch (RemoteException | NotBoundException e) {
            System.err.println("cannot reach the coordinator at " + String.join(",",
                    locator.addresses().stream().map(Object::toString).toList()) + ": " + RmiTransport.describe(e));
            return 1;
        }
        int clusters = view.clusters();
        List<ProcessStatus> rows = view.rows();
        List<String> notices = view.notices();
        List<String> replicas = view.replicas();
        System.out.println("Coordinator " + locator.current() + ", " + clusters + " clusters"
                + (replicas.size() > 1 ? "; coordinator replicas " + String.join(",", replicas) : ""));
        System.out.print(StatusTable.render(rows));
        for (String notice : notices) {
            System.out.println("WAITING " + notice);
        }
        System.out.flush();
        return 0;
    }
}
