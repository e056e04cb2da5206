package tinysns.api;

import java.rmi.Remote;
import java.rmi.RemoteException;

import tinysns.api.rmi.Bound;
import tinysns.api.rmi.CallKind;

/**
 * A read-only look at one server's local replica, master or slave, for checkers and operators: exported by every
 * server beside its {@link NodeService} under the same registry name. It answers from the replica's own applied state
 * without a leadership check, so a slave answers too; it reveals a digest and counters, never user data.
 */
public interface ReplicaProbe extends Remote {
    @Bound(CallKind.PROBE)
    ReplicaState replicaState() throws RemoteException;
}
