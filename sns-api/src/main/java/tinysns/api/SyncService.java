package tinysns.api;

import java.rmi.Remote;
import java.rmi.RemoteException;

import tinysns.api.rmi.Bound;
import tinysns.api.rmi.CallKind;

/**
 * The synchronization endpoints of a cluster's master server (DESIGN.md §4). Every call presents the deployment's
 * shared secret; a slave answers {@link Status#NOT_MASTER}.
 */
public interface SyncService extends Remote {
    /**
     * Events of this cluster's outbox from {@code fromSeq} on, at most {@code max}. If none is committed yet, waits up
     * to {@code waitMillis} for one (long poll) and returns soon after one is: a long poll that finds fewer than
     * {@code max} lingers a few milliseconds once for more, so that one batch carries several.
     */
    @Bound(value = CallKind.LONG_POLL, waitArg = 3)
    OutboxBatch readOutbox(String secret, long fromSeq, int max, long waitMillis) throws RemoteException;

    /**
     * Applies a batch of another cluster's events as one replicated command: events at or below this cluster's cursor
     * for {@code originCluster} are skipped, the rest applied in order, and the cursor advanced. A batch that does not
     * reach back to the cursor (a gap) is refused with {@link Status#SYNC_GAP} and changes nothing.
     *
     * @return the cursor for {@code originCluster} after the call, in {@link Reply#postSeq()}
     */
    @Bound(CallKind.WRITE)
    Reply ingest(String secret, int originCluster, java.util.List<SyncEvent> events) throws RemoteException;

    /** The highest outbox number of {@code originCluster} applied here (0 if none). */
    @Bound(CallKind.READ)
    long cursor(String secret, int originCluster) throws RemoteException;
}
