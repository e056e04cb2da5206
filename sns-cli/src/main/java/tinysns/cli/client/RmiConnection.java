package tinysns.cli.client;

import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tinysns.api.CoordinatorService;
import tinysns.api.client.ClusterMasters;
import tinysns.api.client.CoordinatorLocator;
import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.NodeService;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineListener;
import tinysns.api.TimelineReply;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.api.rmi.RmiTransport;

/**
 * The real {@link Connection}: the coordinator's registry at {@code -h/-k}, then the master's {@link NodeService}
 * that the coordinator names. In timeline mode it exports one {@link TimelineListener} (on the callback host, any
 * port, behind the API's serialization filter) and hands that same stub to every server it subscribes to; closing
 * unexports it, without which the JVM would never exit.
 */
public final class RmiConnection implements Connection {
    private static final Logger log = LoggerFactory.getLogger(RmiConnection.class);

    private final ClusterMasters masters;
    private final String callbackHost;

    private volatile ClusterMasters.Master master;
    private volatile NodeService node;
    private SinkListener exportedListener; // guarded by this
    private TimelineListener exportedStub; // guarded by this

    public RmiConnection(String coordinatorHost, int coordinatorPort, String callbackHost) {
        this(List.of(new CoordinatorLocator.Address(coordinatorHost, coordinatorPort)), callbackHost);
    }

    /** @param coordinators the coordinator replicas' registries; any one serves, the others are tried in turn */
    public RmiConnection(List<CoordinatorLocator.Address> coordinators, String callbackHost) {
        this.masters = new ClusterMasters(new CoordinatorLocator(coordinators));
        this.callbackHost = Objects.requireNonNull(callbackHost, "callbackHost");
    }

    @Override
    public ServerAddress connect(long userId) throws ConnectFailure {
        ServerAddress address = askCoordinator(userId);
        try {
            ClusterMasters.Master found = masters.open(address);
            node = found.as(NodeService.class);
            master = found;
            return address;
        } catch (RemoteException | NotBoundException e) {
            throw new ConnectFailure(ConnectFailure.Reason.SERVER_UNREACHABLE,
                    "cannot look up " + address.registryName() + " at " + address.host() + ":" + address.port()
                            + ": " + RmiTransport.describe(e), e);
        }
    }

    /**
     * Asks a coordinator for the master of the user's cluster ({@link ClusterMasters#route}): each known replica in
     * turn, twice round the list (a stub may predate a coordinator restart: the first try fails, the lookup is fresh).
     */
    private ServerAddress askCoordinator(long userId) throws ConnectFailure {
        Exception last = null;
        for (int round = 0; round < 2; round++) {
            try {
                int cluster = masters.homeOf(userId);
                ServerAddress address = masters.route(cluster);
                if (address == null) {
                    throw new ConnectFailure(ConnectFailure.Reason.NO_SERVER,
                            "the coordinator knows no live master for cluster " + cluster, null);
                }
                return address;
            } catch (RemoteException | NotBoundException e) {
                log.debug("coordinator call failed, trying again: {}", e.toString());
                last = e;
            }
        }
        List<CoordinatorLocator.Address> known = masters.coordinators().addresses();
        String what = last instanceof NotBoundException ? "no " + CoordinatorService.REGISTRY_NAME + " in the registry at "
                : "cannot reach the coordinator at ";
        throw new ConnectFailure(ConnectFailure.Reason.COORDINATOR_UNREACHABLE,
                what + describe(known) + ": " + RmiTransport.describe(last), last);
    }

    private static String describe(List<CoordinatorLocator.Address> addresses) {
        return addresses.size() == 1 ? addresses.get(0).toString() : addresses.toString();
    }

    @FunctionalInterface
    private interface NodeCall<T> {
        T on(NodeService node) throws RemoteException;
    }

    /**
     * One call on the current master, bounded by its kind. A failure or a {@code NOT_MASTER} answer tells
     * {@link ClusterMasters}, so the engine's next {@link #connect} waits for the new master rather than calling a
     * silent one again.
     */
    private <T> T call(String what, NodeCall<T> call) throws ConnectionLostException {
        NodeService current = node;
        ClusterMasters.Master target = master;
        if (current == null || target == null) {
            throw new ConnectionLostException("not connected to a server");
        }
        T result;
        try {
            result = call.on(current);
        } catch (RemoteException e) {
            masters.failed(target, e);
            throw new ConnectionLostException(what + " at " + target.address() + " failed: "
                    + RmiTransport.describe(e), e);
        }
        if (ClusterMasters.statusOf(result) == Status.NOT_MASTER) {
            masters.notMaster(target);
        }
        return result;
    }

    @Override
    public LoginReply login(long userId) throws ConnectionLostException {
        return call("login", n -> n.login(userId));
    }

    @Override
    public Status keepAlive(Session session) throws ConnectionLostException {
        return call("keepAlive", n -> n.keepAlive(session));
    }

    @Override
    public Status logout(Session session) throws ConnectionLostException {
        return call("logout", n -> n.logout(session));
    }

    @Override
    public Reply follow(Session session, long requestNo, long targetId) throws ConnectionLostException {
        return call("follow", n -> n.follow(session, requestNo, targetId));
    }

    @Override
    public Reply unfollow(Session session, long requestNo, long targetId) throws ConnectionLostException {
        return call("unfollow", n -> n.unfollow(session, requestNo, targetId));
    }

    @Override
    public Reply post(Session session, long requestNo, String text) throws ConnectionLostException {
        return call("post", n -> n.post(session, requestNo, text));
    }

    @Override
    public ListReply list(Session session) throws ConnectionLostException {
        return call("list", n -> n.list(session));
    }

    @Override
    public TimelineReply timeline(Session session, int limit) throws ConnectionLostException {
        return call("timeline", n -> n.timeline(session, limit));
    }

    @Override
    public Status subscribe(Session session, Consumer<List<PostView>> sink, PostView after)
            throws ConnectionLostException {
        TimelineListener stub;
        try {
            stub = exportedListenerFor(sink);
        } catch (RemoteException e) {
            throw new ConnectionLostException("cannot export the timeline listener on " + callbackHost + ": " + e, e);
        }
        return call("subscribe", n -> n.subscribe(session, stub, after));
    }

    private synchronized TimelineListener exportedListenerFor(Consumer<List<PostView>> sink) throws RemoteException {
        if (exportedListener == null) {
            SinkListener listener = new SinkListener(sink);
            exportedStub = RmiEndpoints.export(listener, callbackHost, 0);
            exportedListener = listener;
            log.debug("timeline listener exported on {}", callbackHost);
        } else if (exportedListener.sink != sink) {
            exportedListener.sink = sink;
        }
        return exportedStub;
    }

    @Override
    public synchronized void close() {
        if (exportedListener != null) {
            RmiEndpoints.unexport(exportedListener);
            exportedListener = null;
            exportedStub = null;
        }
        node = null;
        master = null;
    }

    /** The exported callback: hands pushed posts to whatever the engine subscribed. */
    private static final class SinkListener implements TimelineListener {
        private volatile Consumer<List<PostView>> sink;

        SinkListener(Consumer<List<PostView>> sink) {
            this.sink = sink;
        }

        @Override
        public void onPosts(List<PostView> posts) {
            if (posts != null && !posts.isEmpty()) {
                sink.accept(posts);
            }
        }
    }
}
