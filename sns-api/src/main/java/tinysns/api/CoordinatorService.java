package tinysns.api;

import java.rmi.Remote;
import java.rmi.RemoteException;

import tinysns.api.rmi.Bound;
import tinysns.api.rmi.CallKind;
import java.util.List;

/** The coordinator: routing table, failure detector and the only component that decides roles. */
public interface CoordinatorService extends Remote {
    String REGISTRY_NAME = "sns/coordinator";
    /**
     * Where a replicated coordinator's leader serves its followers' forwarded calls (DESIGN.md §11): answered only
     * while that replica leads, and never forwarded again, so a call cannot bounce between replicas.
     */
    String LEADER_REGISTRY_NAME = "sns/coordinator-leader";

    /**
     * The live master server of user {@code userId}'s cluster, {@code (userId - 1) mod clusters + 1}, or null when
     * that cluster has no live master right now.
     */
    @Bound(CallKind.ROUTING)
    ServerAddress getServer(long userId) throws RemoteException;

    /** The live master server of a cluster, or null. */
    @Bound(CallKind.ROUTING)
    ServerAddress getClusterMaster(int cluster) throws RemoteException;

    /**
     * Registration and liveness of servers and synchronizers (not for clients). {@code secret} is the deployment's
     * shared secret: a coordinator started with one refuses a heartbeat that does not present it with a
     * {@link SecurityException}, so no outsider can register a forged master and hijack routing.
     */
    @Bound(CallKind.HEARTBEAT)
    HeartbeatReply heartbeat(String secret, Heartbeat heartbeat) throws RemoteException;

    /** Every known process, ordered by cluster, kind and member. */
    @Bound(CallKind.ADMIN)
    List<ProcessStatus> status() throws RemoteException;

    @Bound(CallKind.ROUTING)
    int clusterCount() throws RemoteException;

    /**
     * One line per cluster that needs a failover no rule allows right now, saying why and for how long (for example:
     * its only surviving node runs on an emptied data directory and may lack acknowledged writes). Empty when every
     * cluster is fine or fails over by itself.
     */
    @Bound(CallKind.ADMIN)
    List<String> notices() throws RemoteException;

    /**
     * The registry address ({@code host:port}) of every coordinator replica, this one included; one entry for a single
     * coordinator. A caller given one address learns the others here and tries them when its coordinator is gone.
     */
    @Bound(CallKind.ROUTING)
    List<String> coordinators() throws RemoteException;
}
