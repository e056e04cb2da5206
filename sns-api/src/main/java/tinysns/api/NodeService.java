package tinysns.api;

import java.rmi.Remote;
import java.rmi.RemoteException;

import tinysns.api.rmi.Bound;
import tinysns.api.rmi.CallKind;

/**
 * The client-facing service of one server. Only the cluster's master serves; any other answers
 * {@link Status#NOT_MASTER}, and the client asks the coordinator again.
 *
 * <p>Writes carry the session and a request number that the client increments per write: a retry with the same
 * number (after a timeout or a failover) returns the first reply and applies nothing twice.
 */
public interface NodeService extends Remote {
    /** Logs in, creating the user on first login. Refused while another live client holds the user. */
    @Bound(CallKind.LOGIN)
    LoginReply login(long userId) throws RemoteException;

    /** Tells the master this client is alive; a client that stops calling is considered gone. */
    @Bound(CallKind.KEEP_ALIVE)
    Status keepAlive(Session session) throws RemoteException;

    /** Ends the session so the user may log in again at once. */
    @Bound(CallKind.WRITE)
    Status logout(Session session) throws RemoteException;

    @Bound(CallKind.WRITE)
    Reply follow(Session session, long requestNo, long targetId) throws RemoteException;

    @Bound(CallKind.WRITE)
    Reply unfollow(Session session, long requestNo, long targetId) throws RemoteException;

    @Bound(CallKind.WRITE)
    Reply post(Session session, long requestNo, String text) throws RemoteException;

    @Bound(CallKind.READ)
    ListReply list(Session session) throws RemoteException;

    /** The newest {@code limit} timeline posts (at most 20 are kept meaningful by the client), oldest first. */
    @Bound(CallKind.READ)
    TimelineReply timeline(Session session, int limit) throws RemoteException;

    /**
     * The newest {@code limit} posts written by {@code authorId} (any cluster's user), oldest first: the "user
     * timeline" of the social-network benchmark, beside the caller's home {@link #timeline}. An unknown author is
     * {@link Status#INVALID_USERNAME}.
     */
    @Bound(CallKind.READ)
    TimelineReply userTimeline(Session session, long authorId, int limit) throws RemoteException;

    /**
     * Subscribes the listener to the caller's timeline (replacing an earlier subscription of the same user). First
     * the backlog is pushed: with {@code after == null} the newest 20 posts (what a client shows on entering timeline
     * mode — subscribing first means no post can slip in between a read and the subscription); with the last post the
     * client showed (re-subscribing after a failover), every timeline post stamped up to a minute before it or later.
     * Then every newly committed timeline post, oldest first. A post may thus arrive twice around a re-subscription:
     * clients drop posts whose {@code (authorId, seq)} they already showed.
     */
    @Bound(CallKind.WRITE)
    Status subscribe(Session session, TimelineListener listener, PostView after) throws RemoteException;
}
