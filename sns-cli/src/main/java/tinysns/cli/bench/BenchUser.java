package tinysns.cli.bench;

import java.util.concurrent.ThreadLocalRandom;
import tinysns.api.LoginReply;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.cli.client.RmiConnection;

/** One logged-in user driven by a benchmark, talking straight to its cluster's master. */
final class BenchUser implements AutoCloseable {
    final long id;
    final RmiConnection connection;
    final Session session;
    private long requestNo;

    private BenchUser(long id, RmiConnection connection, Session session) {
        this.id = id;
        this.connection = connection;
        this.session = session;
    }

    static BenchUser login(String coordinatorHost, int coordinatorPort, long id) throws Exception {
        RmiConnection connection = new RmiConnection(coordinatorHost, coordinatorPort, "127.0.0.1");
        connection.connect(id);
        LoginReply reply = connection.login(id);
        if (reply.status() != Status.SUCCESS) {
            connection.close();
            throw new IllegalStateException("login of bench user " + id + " failed: " + reply.status()
                    + (reply.detail() == null ? "" : " (" + reply.detail() + ")"));
        }
        return new BenchUser(id, connection, reply.session());
    }

    /**
     * A fresh user id of {@code cluster} far above the ids people use, so a benchmark never collides with real users
     * or with an earlier run.
     */
    static long freshId(int cluster, int clusterCount) {
        long base = ThreadLocalRandom.current().nextLong(100_000_000L, 1_000_000_000_000L);
        return base * clusterCount + cluster;
    }

    synchronized long nextRequest() {
        return ++requestNo;
    }

    Reply follow(long target) throws Exception {
        return connection.follow(session, nextRequest(), target);
    }

    Reply post(String text) throws Exception {
        return connection.post(session, nextRequest(), text);
    }

    /** Follows {@code target}, waiting (bounded) for a remote target's creation to be synchronized here first. */
    void followWhenKnown(long target, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            Reply r = follow(target);
            if (r.status() == Status.SUCCESS || r.status() == Status.ALREADY_EXISTS) {
                return;
            }
            if (r.status() != Status.INVALID_USERNAME || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("user " + id + " cannot follow " + target + ": " + r.status());
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        try {
            connection.logout(session);
        } catch (Exception e) {
            // Best effort: the bench is ending anyway, and the session expires by itself.
        }
        connection.close();
    }
}
