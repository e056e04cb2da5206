package tinysns.api.rmi;

import java.rmi.RemoteException;

/**
 * The deadline of the remote call the current thread is making. Java RMI reads a call's reply on the calling thread,
 * through the socket of {@link BoundedClientSockets}, which sets that socket's read timeout to what is left of this
 * deadline before every read. So a bound chosen per call (a post, a long poll, a callback) holds on a shared, reused
 * connection, where RMI itself knows only one JVM-wide {@code responseTimeout} fixed when the connection was made.
 *
 * <p>Deadlines nest: an inner call never outlives the outer one (a coordinator follower forwarding a client's call
 * to its leader gets what is left of the client's bound, not a fresh one).
 */
public final class CallDeadline {
    private static final ThreadLocal<long[]> DEADLINE = new ThreadLocal<>();

    /** A remote call, as {@link #within} runs it. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws Exception;
    }

    private CallDeadline() {
    }

    /**
     * Runs {@code call} with its remote traffic bounded by {@code millis} from now (or by the enclosing deadline, if
     * that is sooner). A read that would pass the deadline fails with a {@code SocketTimeoutException}, which RMI
     * reports as a {@link RemoteException}.
     */
    public static <T> T within(long millis, Call<T> call) throws Exception {
        long[] outer = DEADLINE.get();
        long deadline = System.nanoTime() + Math.max(1, millis) * 1_000_000;
        if (outer != null && outer[0] - deadline < 0) {
            return call.run();
        }
        DEADLINE.set(new long[] {deadline});
        try {
            return call.run();
        } finally {
            if (outer == null) {
                DEADLINE.remove();
            } else {
                DEADLINE.set(outer);
            }
        }
    }

    /**
     * Milliseconds left before the current thread's deadline (at least 1 while one is set, since 0 means "no timeout"
     * to a socket); -1 when the thread has none, and 0 once it has passed.
     */
    static int remainingMillis() {
        long[] d = DEADLINE.get();
        if (d == null) {
            return -1;
        }
        long left = (d[0] - System.nanoTime()) / 1_000_000;
        return left <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, left);
    }
}
