package tinysns.cli.bench.load;

import java.rmi.RemoteException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import tinysns.api.LoginReply;
import tinysns.api.NodeService;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineReply;
import tinysns.api.client.ClusterMasters;
import tinysns.api.client.CoordinatorLocator;

/**
 * The deployment as a {@link LoadTarget}: graph user {@code i} is user id {@code idBase + i + 1}, which lives in
 * cluster {@code i mod clusters + 1} ({@code idBase} is a multiple of the cluster count). Calls go straight to each
 * cluster's master {@link NodeService} (one stub per cluster, shared by all threads, looked up again from the
 * coordinator through {@link ClusterMasters} after NOT_MASTER or a transport failure). Sessions and request numbers are kept per user.
 */
public final class RmiTarget implements LoadTarget {
    static final int TIMELINE_LIMIT = 20;

    private final int clusters;
    private final long idBase;
    private final Session[] sessions;
    private final AtomicLongArray requestNo;
    private final AtomicLongArray lastPostSeq;
    private final AtomicReferenceArray<NodeService> masters;
    private final AtomicReferenceArray<ClusterMasters.Master> current;
    private final ClusterMasters clusterMasters;
    private final AtomicLongArray lookedUpAt;
    private volatile VisibilityProbe probe;

    public RmiTarget(String coordinatorHost, int coordinatorPort, int clusters, long idBase, int users) {
        if (idBase < 0 || idBase % clusters != 0) {
            throw new IllegalArgumentException("the id base must be a non-negative multiple of the cluster count");
        }
        this.clusterMasters = new ClusterMasters(new CoordinatorLocator(coordinatorHost, coordinatorPort));
        this.clusters = clusters;
        this.idBase = idBase;
        this.sessions = new Session[users];
        this.requestNo = new AtomicLongArray(users);
        this.lastPostSeq = new AtomicLongArray(users);
        this.masters = new AtomicReferenceArray<>(clusters + 1);
        this.current = new AtomicReferenceArray<>(clusters + 1);
        this.lookedUpAt = new AtomicLongArray(clusters + 1);
    }

    public int clusters() {
        return clusters;
    }

    public int users() {
        return sessions.length;
    }

    public long id(int user) {
        return idBase + user + 1;
    }

    public int cluster(int user) {
        return tinysns.api.Clusters.homeOf(id(user), clusters);
    }

    public void observeWith(VisibilityProbe probe) {
        this.probe = probe;
    }

    /** The highest post number acknowledged for {@code user} (0 if none). */
    public long lastPostSeq(int user) {
        return lastPostSeq.get(user);
    }

    /** Logs the user in (creating it), retrying through a failover for up to {@code patienceMillis}. */
    public void login(int user, long patienceMillis) throws Exception {
        long deadline = System.currentTimeMillis() + patienceMillis;
        int cluster = cluster(user);
        while (true) {
            String problem;
            try {
                LoginReply reply = master(cluster).login(id(user));
                if (reply.status() == Status.SUCCESS) {
                    synchronized (sessions) {
                        sessions[user] = reply.session();
                    }
                    return;
                }
                problem = reply.status() + (reply.detail() == null ? "" : " (" + reply.detail() + ")");
                failed(cluster, reply.status());
            } catch (RemoteException e) {
                problem = e.toString();
                forget(cluster, e);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("login of user " + id(user) + " failed: " + problem);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Makes {@code user} follow {@code target}; a target of another cluster may not be known here yet (its creation
     * is still being synchronized), so INVALID_USERNAME is retried until {@code deadlineMillis}.
     */
    public void follow(int user, int target, long deadlineMillis) throws Exception {
        int cluster = cluster(user);
        while (true) {
            String problem;
            try {
                Reply r = master(cluster).follow(session(user), requestNo.incrementAndGet(user), id(target));
                if (r.status() == Status.SUCCESS || r.status() == Status.ALREADY_EXISTS) {
                    return;
                }
                problem = r.status() + (r.detail() == null ? "" : " (" + r.detail() + ")");
                failed(cluster, r.status());
            } catch (RemoteException e) {
                problem = e.toString();
                forget(cluster, e);
            }
            if (System.currentTimeMillis() > deadlineMillis) {
                throw new IllegalStateException("user " + id(user) + " cannot follow " + id(target) + ": " + problem);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public String homeTimeline(int user) throws Exception {
        int cluster = cluster(user);
        return outcome(cluster, () -> master(cluster).timeline(session(user), TIMELINE_LIMIT).status());
    }

    @Override
    public String userTimeline(int user, int author) throws Exception {
        int cluster = cluster(user);
        return outcome(cluster, () -> master(cluster).userTimeline(session(user), id(author), TIMELINE_LIMIT).status());
    }

    /** The newest post number of {@code author} that {@code reader}'s cluster shows (0 if none). */
    public long newestSeqSeenBy(int reader, long authorId) throws Exception {
        TimelineReply reply = master(cluster(reader)).userTimeline(session(reader), authorId, 1);
        if (reply.status() == Status.INVALID_USERNAME) {
            return 0;
        }
        if (reply.status() != Status.SUCCESS) {
            throw new IllegalStateException("user-timeline read failed: " + reply.status());
        }
        return reply.posts().isEmpty() ? 0 : reply.posts().get(reply.posts().size() - 1).seq();
    }

    @Override
    public String post(int user, String text, long intendedNanos) throws Exception {
        Reply r = send(user, text);
        if (r.status() != Status.SUCCESS) {
            return r.status().name();
        }
        long ackNanos = System.nanoTime();
        VisibilityProbe p = probe;
        if (p != null) {
            p.acknowledged(id(user), r.postSeq(), intendedNanos, ackNanos);
        }
        return null;
    }

    /** Posts as {@code user} and returns the post number (for sentinels and preload). */
    public long postNow(int user, String text) throws Exception {
        Reply r = send(user, text);
        if (r.status() != Status.SUCCESS) {
            throw new IllegalStateException("post by " + id(user) + " failed: " + r.status()
                    + (r.detail() == null ? "" : " (" + r.detail() + ")"));
        }
        return r.postSeq();
    }

    /** One post with the user's next request number; the master is forgotten when it failed or stepped down. */
    private Reply send(int user, String text) throws RemoteException {
        int cluster = cluster(user);
        Reply r;
        try {
            r = master(cluster).post(session(user), requestNo.incrementAndGet(user), text);
        } catch (RemoteException e) {
            forget(cluster, e);
            throw e;
        }
        if (r.status() == Status.SUCCESS) {
            lastPostSeq.accumulateAndGet(user, r.postSeq(), Math::max);
        } else {
            failed(cluster, r.status());
        }
        return r;
    }

    public Session session(int user) {
        Session s;
        synchronized (sessions) {
            s = sessions[user];
        }
        if (s == null) {
            throw new IllegalStateException("user " + id(user) + " is not logged in");
        }
        return s;
    }

    /** The cluster's master, looked up through the coordinator when unknown. */
    public NodeService master(int cluster) throws RemoteException {
        NodeService node = masters.get(cluster);
        if (node != null) {
            return node;
        }
        synchronized (masters) {
            node = masters.get(cluster);
            if (node != null) {
                return node;
            }
            // After a failover many threads arrive here at once: one lookup per 100 ms is plenty.
            long wait = lookedUpAt.get(cluster) + TimeUnit.MILLISECONDS.toNanos(100) - System.nanoTime();
            if (wait > 0) {
                LoadRun.sleepUntil(System.nanoTime() + wait);
            }
            lookedUpAt.set(cluster, System.nanoTime());
            ClusterMasters.Master m;
            try {
                m = clusterMasters.master(cluster);
            } catch (java.rmi.NotBoundException e) {
                throw new RemoteException("no coordinator or master bound: " + e.getMessage(), e);
            }
            if (m == null) {
                throw new RemoteException("cluster " + cluster + " has no master right now");
            }
            node = m.as(NodeService.class);
            current.set(cluster, m);
            masters.set(cluster, node);
            return node;
        }
    }

    private interface Call {
        Status call() throws RemoteException;
    }

    private String outcome(int cluster, Call call) throws RemoteException {
        Status status;
        try {
            status = call.call();
        } catch (RemoteException e) {
            forget(cluster, e);
            throw e;
        }
        if (status == Status.SUCCESS) {
            return null;
        }
        failed(cluster, status);
        return status.name();
    }

    private void failed(int cluster, Status status) {
        if (status == Status.NOT_MASTER) {
            ClusterMasters.Master m = current.get(cluster);
            if (m != null) {
                clusterMasters.notMaster(m);
            }
            masters.set(cluster, null);
        }
    }

    private void forget(int cluster, Throwable why) {
        ClusterMasters.Master m = current.get(cluster);
        if (m != null) {
            clusterMasters.failed(m, why);
        }
        masters.set(cluster, null);
    }
}
