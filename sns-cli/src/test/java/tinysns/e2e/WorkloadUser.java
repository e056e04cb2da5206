package tinysns.e2e;

import java.util.EnumSet;
import java.util.Set;
import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.cli.client.RmiConnection;

/**
 * A user driven straight through the RMI API, the way the course client behaves across failures: on a lost server
 * or NOT_MASTER/TIMEOUT it asks the coordinator again and resends the same request number, so every write it reports
 * as done was applied exactly once. Every wait is bounded.
 */
final class WorkloadUser implements AutoCloseable {
    private static final Set<Status> RETRY = EnumSet.of(Status.NOT_MASTER, Status.TIMEOUT, Status.NO_SERVER);

    final long id;
    private final RmiConnection connection;
    private final long retryForMillis;
    private Session session;
    private long requestNo;

    WorkloadUser(int registryPort, long id, long retryForMillis) {
        this(java.util.List.of(new tinysns.api.client.CoordinatorLocator.Address(Deployment.HOST, registryPort)), id,
                retryForMillis);
    }

    /** A user whose client knows every coordinator replica (the course client's {@code -k 9000,9010,9020}). */
    WorkloadUser(java.util.List<tinysns.api.client.CoordinatorLocator.Address> coordinators, long id,
                 long retryForMillis) {
        this.id = id;
        this.connection = new RmiConnection(coordinators, Deployment.HOST);
        this.retryForMillis = retryForMillis;
    }

    WorkloadUser login() throws Exception {
        LoginReply reply = call(() -> {
            connection.connect(id);
            return connection.login(id);
        }, LoginReply::status);
        if (reply.status() != Status.SUCCESS) {
            throw new AssertionError("login of " + id + ": " + reply);
        }
        session = reply.session();
        return this;
    }

    Reply follow(long target) throws Exception {
        long request = ++requestNo;
        return call(() -> connection.follow(session, request, target), Reply::status);
    }

    Reply unfollow(long target) throws Exception {
        long request = ++requestNo;
        return call(() -> connection.unfollow(session, request, target), Reply::status);
    }

    Reply post(String text) throws Exception {
        long request = ++requestNo;
        return call(() -> connection.post(session, request, text), Reply::status);
    }

    /** Follows {@code target}, waiting (bounded) until a remote target's creation has been synchronized here. */
    void followWhenKnown(long target) throws Exception {
        long deadline = System.currentTimeMillis() + retryForMillis;
        Reply r;
        while ((r = follow(target)).status() == Status.INVALID_USERNAME && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        if (r.status() != Status.SUCCESS && r.status() != Status.ALREADY_EXISTS) {
            throw new AssertionError(id + " follow " + target + ": " + r);
        }
    }

    ListReply list() throws Exception {
        return call(() -> connection.list(session), ListReply::status);
    }

    java.util.List<PostView> timeline(int limit) throws Exception {
        var reply = call(() -> connection.timeline(session, limit), t -> t.status());
        if (reply.status() != Status.SUCCESS) {
            throw new AssertionError("timeline of " + id + ": " + reply.status());
        }
        return reply.posts();
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    private <T> T call(Call<T> call, java.util.function.Function<T, Status> status) throws Exception {
        long deadline = System.currentTimeMillis() + retryForMillis;
        Exception last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                T result = call.run();
                if (!RETRY.contains(status.apply(result))) {
                    return result;
                }
                last = new IllegalStateException(String.valueOf(status.apply(result)));
            } catch (Exception e) {
                last = e; // server gone or not yet known: ask the coordinator again below
            }
            Thread.sleep(100);
            try {
                connection.connect(id);
            } catch (Exception e) {
                last = e;
            }
        }
        throw new AssertionError("user " + id + ": no definite answer within " + retryForMillis + " ms", last);
    }

    @Override
    public void close() {
        connection.close();
    }
}
