package tinysns.api.client;

import java.rmi.NotBoundException;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import tinysns.api.Clusters;
import tinysns.api.CoordinatorService;
import tinysns.api.Outcome;
import tinysns.api.ServerAddress;
import tinysns.api.Status;
import tinysns.api.rmi.BoundedStubs;
import tinysns.api.rmi.CallKind;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.api.rmi.RmiTransport;

/**
 * The one way to reach a cluster (DESIGN.md §10), for every caller: the course client, the synchronizers, status,
 * the bench and the checkers. It asks the coordinator ({@link CoordinatorLocator}) for a cluster's master, keeps the
 * answer with its term, and forgets it when a call through it times out or fails, when it answers
 * {@link Status#NOT_MASTER}, or when the coordinator names a newer term.
 *
 * <p>A master whose call timed out is <em>suspect</em>: while the coordinator still names it with no newer term and
 * has not heard from it for {@value #SILENT_MILLIS} ms either, it is paused or cut off, and the coordinator will
 * replace it within its dead-after; so callers wait for the new master (polling the coordinator with jittered
 * back-off) instead of sending it more calls that would each time out. A master the coordinator still hears from is
 * busy, not gone, and is tried again at once (a retried write carries the same request number). A suspicion lasts at
 * most {@value #SUSPECT_MILLIS} ms: if the coordinator keeps naming the same master that long, it is tried again.
 *
 * <p>Every remote call made through here is bounded by its kind ({@link tinysns.api.rmi.Bound}), and
 * {@link #call} bounds its retries by one overall deadline.
 */
public final class ClusterMasters {
    /** Silence (at the coordinator) that makes a timed-out master suspect: two missed heartbeats of 500 ms. */
    static final long SILENT_MILLIS = 1_000;
    /** The longest a suspect is avoided: dead-after (2 s) + a reset and election (~0.5 s), with room. */
    static final long SUSPECT_MILLIS = 4_000;
    private static final long FIRST_BACKOFF_MILLIS = 25;
    private static final long MAX_BACKOFF_MILLIS = 200;

    /** A cluster's master as the coordinator named it, and its stub. */
    public record Master(ServerAddress address, Remote stub) {
        /** The stub as {@code type}, every call bounded by its kind. */
        public <T extends Remote> T as(Class<T> type) {
            return BoundedStubs.wrap(type, stub);
        }

        public int cluster() {
            return address.cluster();
        }
    }

    /** A call on a cluster's master. */
    @FunctionalInterface
    public interface Call<S, T> {
        T run(S service) throws RemoteException;
    }

    private record Suspect(ServerAddress address, long sinceNanos) {
    }

    private final CoordinatorLocator coordinators;
    private final Map<Integer, Master> cache = new ConcurrentHashMap<>();
    private final Map<Integer, Suspect> suspects = new ConcurrentHashMap<>();
    private volatile int clusterCount;

    public ClusterMasters(CoordinatorLocator coordinators) {
        this.coordinators = coordinators;
    }

    public CoordinatorLocator coordinators() {
        return coordinators;
    }

    /** How many clusters the deployment has (asked once). */
    public int clusterCount() throws RemoteException, NotBoundException {
        int n = clusterCount;
        if (n == 0) {
            n = coordinators.call(CallKind.ROUTING.millis(), CoordinatorService::clusterCount);
            clusterCount = n;
        }
        return n;
    }

    /** The home cluster of {@code userId} ({@link Clusters#homeOf}). */
    public int homeOf(long userId) throws RemoteException, NotBoundException {
        return Clusters.homeOf(userId, clusterCount());
    }

    /**
     * The master of {@code cluster}: the one cached, else the coordinator's answer, looked up. Null when there is none
     * to call right now: the coordinator names none, or names a suspect it has not heard from either (a failover is
     * coming). One routing question and one registry lookup at most, each bounded by its kind.
     */
    public Master master(int cluster) throws RemoteException, NotBoundException {
        Master cached = cache.get(cluster);
        if (cached != null) {
            return cached;
        }
        ServerAddress named = route(cluster);
        return named == null ? null : open(named);
    }

    /**
     * The coordinator's answer for {@code cluster}'s master, or null when it names none, or names a suspect it has
     * not heard from either (a failover is coming). One routing question, bounded by its kind.
     */
    public ServerAddress route(int cluster) throws RemoteException, NotBoundException {
        ServerAddress named = coordinators.call(CallKind.ROUTING.millis(), c -> c.getClusterMaster(cluster));
        observe(named);
        return named == null || avoid(cluster, named) ? null : named;
    }

    /** Looks up the master {@code named} by the coordinator and makes it the cached one (unless a newer one is). */
    public Master open(ServerAddress named) throws RemoteException, NotBoundException {
        int cluster = named.cluster();
        Remote stub;
        try {
            stub = RmiEndpoints.registry(named.host(), named.port()).lookup(named.registryName());
        } catch (RemoteException e) {
            if (RmiTransport.timedOut(e)) {
                suspects.put(cluster, new Suspect(named, System.nanoTime()));
            }
            throw e;
        }
        Master found = new Master(named, stub);
        return cache.merge(cluster, found,
                (old, fresh) -> fresh.address().term() >= old.address().term() ? fresh : old);
    }

    /**
     * Takes a routing answer seen elsewhere (the coordinator's reply to another question): a newer term than the
     * cached master's replaces it at once, without waiting for a call to the old one to time out.
     */
    public void observe(ServerAddress named) {
        if (named == null) {
            return;
        }
        Master cached = cache.get(named.cluster());
        if (cached != null && named.term() > cached.address().term() && !named.sameServer(cached.address())) {
            cache.remove(named.cluster(), cached);
        }
    }

    /**
     * A call through {@code master} failed: it is forgotten, and if the call timed out (the peer is silent, not gone)
     * it becomes suspect.
     */
    public void failed(Master master, Throwable why) {
        forget(master);
        if (why != null && RmiTransport.timedOut(why)) {
            suspects.put(master.cluster(), new Suspect(master.address(), System.nanoTime()));
        }
    }

    /** {@code master} answered {@link Status#NOT_MASTER}: forgotten, and avoided while the coordinator catches up. */
    public void notMaster(Master master) {
        forget(master);
        suspects.put(master.cluster(), new Suspect(master.address(), System.nanoTime()));
    }

    /** Forgets {@code master} (if it is still the cached one). */
    public void forget(Master master) {
        cache.remove(master.cluster(), master);
    }

    /**
     * Runs {@code call} on {@code cluster}'s master as a {@code type}, asking the coordinator again and retrying with
     * jittered back-off whenever there is no master to call, the call fails, or the master answers
     * {@link Status#NOT_MASTER}, until {@code budgetMillis} have passed. Only use it for calls that are safe to repeat
     * (reads, and writes that carry a request number or cursor).
     *
     * @return the first answer other than {@code NOT_MASTER}
     * @throws NoMasterException when the budget ran out, naming the cluster and the last reason
     */
    public <S extends Remote, T> T call(int cluster, Class<S> type, long budgetMillis, Call<S, T> call)
            throws NoMasterException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        long backoff = FIRST_BACKOFF_MILLIS;
        Exception last = null;
        String why = null;
        while (true) {
            Master m = null;
            try {
                m = master(cluster);
                if (m == null) {
                    why = "the coordinator names no master it has heard from";
                } else {
                    T result = call.run(m.as(type));
                    if (statusOf(result) != Status.NOT_MASTER) {
                        return result;
                    }
                    notMaster(m);
                    why = m.address() + " is no longer the master";
                }
            } catch (RemoteException | NotBoundException | RuntimeException e) {
                if (m != null) {
                    failed(m, e);
                    why = m.address() + ": " + RmiTransport.describe(e);
                } else {
                    why = "the coordinator: " + RmiTransport.describe(e);
                }
                last = e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new NoMasterException(cluster, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), why,
                        last);
            }
            long pause = Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, jitter(backoff));
            Thread.sleep(pause);
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
    }

    /** Whether to wait for a failover rather than call {@code named} (see the class comment). */
    private boolean avoid(int cluster, ServerAddress named) {
        Suspect s = suspects.get(cluster);
        if (s == null) {
            return false;
        }
        boolean same = s.address().sameServer(named) && named.term() <= s.address().term();
        boolean fresh = System.nanoTime() - s.sinceNanos() < TimeUnit.MILLISECONDS.toNanos(SUSPECT_MILLIS);
        if (same && fresh && named.silentMillis() >= SILENT_MILLIS) {
            return true;
        }
        if (!same || !fresh) {
            suspects.remove(cluster, s);
        }
        return false;
    }

    /** The status of an answer, or null for answers without one. */
    public static Status statusOf(Object answer) {
        if (answer instanceof Outcome o) {
            return o.status();
        }
        return answer instanceof Status s ? s : null;
    }

    /** Half to all of {@code millis}, at random: callers that failed together do not retry together. */
    static long jitter(long millis) {
        return millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
    }
}
