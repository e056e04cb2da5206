package tinysns.cli.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineReply;

/**
 * One client's {@link Connection} to an {@link InMemoryCluster}, with the failures a test asks for: a write whose reply
 * is lost after it was applied, a NOT_MASTER answer, a dead link, a coordinator that cannot be reached. It records
 * every call ({@code "follow #1 4"}) so a test can check what the engine sent.
 */
final class InMemoryConnection implements Connection {
    /** What the next matching call should do instead of (or after) answering. */
    enum Fault {
        /** Apply the call, then lose the reply (the server died before answering). */
        LOSE_REPLY,
        /** Do not apply; answer NOT_MASTER (this server just lost leadership). */
        NOT_MASTER,
        /** Do not apply; the link is down. */
        LINK_DOWN
    }

    private final InMemoryCluster cluster;
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final Deque<Fault> writeFaults = new ArrayDeque<>();
    private final List<PostView> subscribeAfters = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean coordinatorReachable = true;
    private volatile boolean masterAvailable = true;
    private volatile boolean linkDown;
    private volatile Status forcedWriteStatus;
    private volatile Status forcedSubscribeStatus;
    private volatile int connects;
    private volatile long subscribedUser;

    InMemoryConnection(InMemoryCluster cluster) {
        this.cluster = cluster;
    }

    void failNextWrite(Fault fault) {
        synchronized (writeFaults) {
            writeFaults.add(fault);
        }
    }

    /** Every later subscribe is answered with {@code status} and subscribes nothing (e.g. CALLBACK_REFUSED). */
    void answerSubscribesWith(Status status) {
        forcedSubscribeStatus = status;
    }

    /** Every later write is answered with {@code status} without being applied (statuses the double never makes). */
    void answerWritesWith(Status status) {
        forcedWriteStatus = status;
    }

    void setCoordinatorReachable(boolean reachable) {
        coordinatorReachable = reachable;
    }

    /** Whether the coordinator knows a live master for the cluster. */
    void setMasterAvailable(boolean available) {
        masterAvailable = available;
    }

    /** The current server dies: its subscriptions go, every call fails until the next {@link #connect}. */
    void killServer() {
        linkDown = true;
        if (subscribedUser != 0) {
            cluster.dropSubscriptions(subscribedUser);
        }
    }

    List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    List<PostView> subscribeAfters() {
        synchronized (subscribeAfters) {
            return new ArrayList<>(subscribeAfters);
        }
    }

    int connects() {
        return connects;
    }

    @Override
    public ServerAddress connect(long userId) throws ConnectFailure {
        if (!coordinatorReachable) {
            throw new ConnectFailure(ConnectFailure.Reason.COORDINATOR_UNREACHABLE, "coordinator down (test)", null);
        }
        if (!masterAvailable) {
            throw new ConnectFailure(ConnectFailure.Reason.NO_SERVER, "no live master (test)", null);
        }
        connects++;
        linkDown = false;
        // Every connect after the first is a failover to the other node of the pair.
        int node = connects % 2 == 1 ? 1 : 2;
        calls.add("connect");
        return new ServerAddress(1, "127.0.0.1", 10000 + node - 1, "sns/cluster-1/node-" + node);
    }

    private void checkLink(String call) throws ConnectionLostException {
        calls.add(call);
        if (linkDown) {
            throw new ConnectionLostException(call + ": link down (test)");
        }
    }

    private Fault nextWriteFault() {
        synchronized (writeFaults) {
            return writeFaults.poll();
        }
    }

    @FunctionalInterface
    private interface Apply {
        Reply run();
    }

    private Reply write(String call, Apply apply) throws ConnectionLostException {
        checkLink(call);
        Fault fault = nextWriteFault();
        if (fault == Fault.LINK_DOWN) {
            throw new ConnectionLostException(call + ": link down (test)");
        }
        if (fault == Fault.NOT_MASTER) {
            return Reply.of(Status.NOT_MASTER);
        }
        if (forcedWriteStatus != null) {
            return Reply.of(forcedWriteStatus);
        }
        Reply reply = apply.run();
        if (fault == Fault.LOSE_REPLY) {
            linkDown = true;
            throw new ConnectionLostException(call + ": reply lost (test)");
        }
        return reply;
    }

    @Override
    public LoginReply login(long userId) throws ConnectionLostException {
        checkLink("login " + userId);
        return cluster.login(userId);
    }

    @Override
    public Status keepAlive(Session session) throws ConnectionLostException {
        if (linkDown) {
            throw new ConnectionLostException("keepAlive: link down (test)");
        }
        return cluster.keepAlive(session); // not recorded: it ticks every second
    }

    @Override
    public Status logout(Session session) throws ConnectionLostException {
        checkLink("logout");
        return cluster.logout(session);
    }

    @Override
    public Reply follow(Session session, long requestNo, long targetId) throws ConnectionLostException {
        return write("follow #" + requestNo + " " + targetId, () -> cluster.follow(session, requestNo, targetId));
    }

    @Override
    public Reply unfollow(Session session, long requestNo, long targetId) throws ConnectionLostException {
        return write("unfollow #" + requestNo + " " + targetId, () -> cluster.unfollow(session, requestNo, targetId));
    }

    @Override
    public Reply post(Session session, long requestNo, String text) throws ConnectionLostException {
        return write("post #" + requestNo + " " + text, () -> cluster.post(session, requestNo, text));
    }

    @Override
    public ListReply list(Session session) throws ConnectionLostException {
        checkLink("list");
        return cluster.list(session);
    }

    @Override
    public TimelineReply timeline(Session session, int limit) throws ConnectionLostException {
        checkLink("timeline " + limit);
        return cluster.timeline(session, limit);
    }

    @Override
    public Status subscribe(Session session, Consumer<List<PostView>> sink, PostView after)
            throws ConnectionLostException {
        checkLink("subscribe");
        Status forced = forcedSubscribeStatus;
        if (forced != null) {
            return forced;
        }
        subscribeAfters.add(after);
        subscribedUser = session.userId();
        return cluster.subscribe(session, sink, after);
    }

    @Override
    public void close() {
        calls.add("close");
    }
}
