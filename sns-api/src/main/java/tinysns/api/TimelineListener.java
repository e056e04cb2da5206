package tinysns.api;

import java.rmi.Remote;
import java.rmi.RemoteException;

import tinysns.api.rmi.Bound;
import tinysns.api.rmi.CallKind;
import java.util.List;

/** Exported by a client in timeline mode; the master pushes newly committed posts of followed users to it. */
public interface TimelineListener extends Remote {
    /** Posts in commit order. A client that fails or blocks here is dropped by the server. */
    @Bound(CallKind.CALLBACK)
    void onPosts(List<PostView> posts) throws RemoteException;
}
