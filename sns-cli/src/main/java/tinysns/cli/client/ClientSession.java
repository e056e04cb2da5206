package tinysns.cli.client;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineReply;

/**
 * The client's engine: one logged-in user talking to its cluster's master through a {@link Connection}, surviving a
 * failover (DESIGN.md §5).
 *
 * <p>Every write takes the next request number (the first write is 1) and keeps it for all its retries, so a write
 * whose reply was lost in a failover is answered from the session table instead of being applied twice. A retry
 * happens when the link breaks or the server answers {@link Status#NOT_MASTER} / {@link Status#TIMEOUT}: the engine
 * asks the coordinator again ({@link Connection#connect}), checks the new server with a keep-alive, re-subscribes the
 * timeline if it is in timeline mode, and resends — with backoff, for at most the {@link RetryPolicy}'s budget.
 *
 * <p>Threads: the caller's thread runs commands; a daemon thread sends keep-alives every second and, when they fail,
 * reconnects by itself (in timeline mode nothing else would notice a dead master). Reconnection is serialized and
 * counted by {@link #generation}, so two threads that see the same failure reconnect once.
 */
public final class ClientSession implements AutoCloseable {
    /** Timeline mode shows the newest this many posts on entry (CLIENT.md). */
    public static final int TIMELINE_SHOWN_MAX = 20;
    /** Longest post, in characters (Unicode code points, as the server counts). */
    public static final int POST_CHARS_MAX = 280;

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final long KEEP_ALIVE_INTERVAL_MILLIS = 1000;

    private final Connection connection;
    private final RetryPolicy retryPolicy;
    private final long loginBudgetMillis;
    private final Consumer<String> notices;
    private final AtomicLong lastRequestNo = new AtomicLong();
    private final Object reconnectLock = new Object();

    private volatile long userId;
    private volatile Session session;
    /** Bumped by every successful reconnect; a thread reconnects only if nobody did since it saw its failure. */
    private volatile long generation;
    /** The server the user was last told about (guarded by reconnectLock). */
    private ServerAddress announcedServer;
    /** Non-null once in timeline mode; re-subscribed on every reconnect (guarded by reconnectLock for writes). */
    private volatile TimelineFeed feed;
    private ScheduledExecutorService keepAliveExecutor;

    /**
     * @param notices receives out-of-band lines for the user, such as the one-line notice after a failover
     */
    public ClientSession(Connection connection, RetryPolicy retryPolicy, long loginBudgetMillis,
                         Consumer<String> notices) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        this.loginBudgetMillis = loginBudgetMillis;
        this.notices = Objects.requireNonNull(notices, "notices");
    }

    /**
     * Finds the master and logs in. Retries while the cluster has no master (a failover in progress) for up to the
     * login budget; a coordinator that cannot be reached at all or a user already logged in elsewhere fails at once.
     */
    public LoginOutcome login(long userId) {
        if (session != null) {
            throw new IllegalStateException("already logged in as " + session.userId());
        }
        this.userId = userId;
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(loginBudgetMillis);
        long backoffMillis = retryPolicy.firstBackoffMillis();
        // A login whose reply was lost may have created our own session; then "already logged in" is ourselves,
        // and that ghost session expires once it gets no keep-alives, so waiting for it is right.
        boolean earlierLoginMayHaveLanded = false;
        LoginOutcome outcomeIfGivingUp = LoginOutcome.NO_SERVER;
        while (true) {
            String problem;
            try {
                ServerAddress address = connection.connect(userId);
                LoginReply reply;
                try {
                    reply = connection.login(userId);
                } catch (ConnectionLostException e) {
                    earlierLoginMayHaveLanded = true;
                    throw e;
                }
                Status status = reply.status();
                if (status == Status.SUCCESS) {
                    session = reply.session();
                    announcedServer = address;
                    log.debug("user {} logged in at {}", userId, address);
                    startKeepAlive();
                    return LoginOutcome.LOGGED_IN;
                }
                if (status == Status.ALREADY_LOGGED_IN) {
                    if (!earlierLoginMayHaveLanded) {
                        return LoginOutcome.ALREADY_LOGGED_IN;
                    }
                    outcomeIfGivingUp = LoginOutcome.ALREADY_LOGGED_IN;
                } else if (needsAnotherServer(status) || status == Status.NO_SERVER) {
                    outcomeIfGivingUp = LoginOutcome.NO_SERVER;
                } else {
                    log.warn("login of user {} refused: {} {}", userId, status, reply.detail());
                    return LoginOutcome.REFUSED;
                }
                problem = address + " answered " + status;
            } catch (ConnectFailure e) {
                if (e.reason() == ConnectFailure.Reason.COORDINATOR_UNREACHABLE) {
                    log.warn("login of user {}: {}", userId, e.getMessage());
                    return LoginOutcome.COORDINATOR_UNREACHABLE;
                }
                outcomeIfGivingUp = LoginOutcome.NO_SERVER;
                problem = e.getMessage();
            } catch (ConnectionLostException e) {
                outcomeIfGivingUp = LoginOutcome.NO_SERVER;
                problem = e.getMessage();
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                log.warn("login of user {} gave up: {}", userId, problem);
                return outcomeIfGivingUp;
            }
            log.debug("login of user {} will retry: {}", userId, problem);
            if (!pause(backoffMillis)) {
                return outcomeIfGivingUp;
            }
            backoffMillis = retryPolicy.nextBackoffMillis(backoffMillis);
        }
    }

    public Session session() {
        return session;
    }

    /** The request number the last write used (0 before the first write). */
    public long lastRequestNo() {
        return lastRequestNo.get();
    }

    public Reply follow(long targetId) {
        long requestNo = lastRequestNo.incrementAndGet();
        return retrying("follow " + targetId, c -> c.follow(requiredSession(), requestNo, targetId),
                Reply::status, Reply::of);
    }

    public Reply unfollow(long targetId) {
        long requestNo = lastRequestNo.incrementAndGet();
        return retrying("unfollow " + targetId, c -> c.unfollow(requiredSession(), requestNo, targetId),
                Reply::status, Reply::of);
    }

    /** Posts {@code text}; a post over {@link #POST_CHARS_MAX} is refused here and takes no request number. */
    public Reply post(String text) {
        if (isTooLong(text)) {
            return Reply.of(Status.INVALID_COMMAND, "longer than " + POST_CHARS_MAX + " characters");
        }
        long requestNo = lastRequestNo.incrementAndGet();
        return retrying("post", c -> c.post(requiredSession(), requestNo, text), Reply::status, Reply::of);
    }

    public static boolean isTooLong(String text) {
        return text.codePointCount(0, text.length()) > POST_CHARS_MAX;
    }

    public ListReply list() {
        return retrying("list", c -> c.list(requiredSession()), ListReply::status,
                status -> new ListReply(status, List.of(), List.of()));
    }

    /**
     * Enters timeline mode: subscribes {@code feed} and reads the newest {@link #TIMELINE_SHOWN_MAX} posts. On success
     * {@code onEntered} runs before the feed shows its first post (the course prints two lines first); from then on
     * every reconnect re-subscribes the feed after the last post it showed.
     */
    public Status enterTimeline(TimelineFeed feed, Runnable onEntered) {
        if (this.feed != null) {
            throw new IllegalStateException("already in timeline mode");
        }
        List<List<PostView>> readFirst = new java.util.ArrayList<>(1);
        Status status = retrying("timeline", c -> {
            synchronized (reconnectLock) {
                // Under the lock: a concurrent reconnect must see either no feed or a subscribed one.
                readFirst.clear();
                Status subscribed = subscribeHolding(feed, readFirst);
                if (subscribed == Status.SUCCESS) {
                    this.feed = feed;
                }
                return subscribed;
            }
        }, s -> s, s -> s);
        if (status == Status.SUCCESS) {
            onEntered.run();
            feed.release(readFirst.isEmpty() ? List.of() : readFirst.get(0));
        } else {
            feed.close(); // a subscription that half-succeeded must not pile up pushes nobody shows
        }
        return status;
    }

    /** Ends the session so the user can log in again at once; best effort, one try. Stops the keep-alives. */
    @Override
    public void close() {
        stopKeepAlive();
        Session current = session;
        if (current != null) {
            try {
                Status status = connection.logout(current);
                log.debug("logout of user {}: {}", current.userId(), status);
            } catch (ConnectionLostException e) {
                log.debug("logout of user {} not delivered (the session will expire): {}", current.userId(),
                        e.getMessage());
            }
        }
        connection.close();
    }

    // ---- retries and reconnection -------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Call<T> {
        T on(Connection connection) throws ConnectionLostException;
    }

    private static boolean needsAnotherServer(Status status) {
        return status == Status.NOT_MASTER || status == Status.TIMEOUT;
    }

    /**
     * Runs {@code call} until it reaches a server that answers it, reconnecting in between; when the budget runs out,
     * returns {@code gaveUp} with the last status seen (UNKNOWN if the link was down).
     */
    private <T> T retrying(String what, Call<T> call, Function<T, Status> statusOf, Function<Status, T> gaveUp) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryPolicy.budgetMillis());
        long backoffMillis = retryPolicy.firstBackoffMillis();
        long seenGeneration = generation;
        boolean mustReconnect = false;
        Status lastStatus = Status.UNKNOWN;
        while (true) {
            String problem;
            if (mustReconnect) {
                problem = reconnectOrProblem(seenGeneration);
                mustReconnect = problem != null;
            } else {
                problem = null;
            }
            if (!mustReconnect) {
                seenGeneration = generation;
                try {
                    T reply = call.on(connection);
                    Status status = statusOf.apply(reply);
                    if (!needsAnotherServer(status)) {
                        return reply;
                    }
                    lastStatus = status;
                    problem = "server answered " + status;
                } catch (ConnectionLostException e) {
                    lastStatus = Status.UNKNOWN;
                    problem = e.getMessage();
                }
                mustReconnect = true;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                log.warn("{} gave up after {} ms without a master: {}", what, retryPolicy.budgetMillis(), problem);
                return gaveUp.apply(lastStatus == Status.TIMEOUT || lastStatus == Status.NOT_MASTER
                        ? Status.UNKNOWN : lastStatus);
            }
            log.debug("{} will retry: {}", what, problem);
            if (!pause(backoffMillis)) {
                return gaveUp.apply(Status.UNKNOWN);
            }
            backoffMillis = retryPolicy.nextBackoffMillis(backoffMillis);
        }
    }

    /** Reconnects unless another thread already did since {@code seenGeneration}; null on success, else why not. */
    private String reconnectOrProblem(long seenGeneration) {
        try {
            reconnect(seenGeneration);
            return null;
        } catch (ConnectFailure | ConnectionLostException e) {
            return e.getMessage();
        }
    }

    private void reconnect(long seenGeneration) throws ConnectFailure, ConnectionLostException {
        synchronized (reconnectLock) {
            if (generation != seenGeneration) {
                return;
            }
            Session current = requiredSession();
            ServerAddress address = connection.connect(userId);
            // A keep-alive proves the new server is the master and knows the session before anything is resent.
            Status alive = connection.keepAlive(current);
            if (needsAnotherServer(alive)) {
                throw new ConnectionLostException(address + " answered " + alive);
            }
            if (alive != Status.SUCCESS) {
                log.warn("session of user {} not accepted by {}: {}", userId, address, alive);
            }
            TimelineFeed subscribedFeed = feed;
            if (subscribedFeed != null) {
                List<List<PostView>> readFirst = new java.util.ArrayList<>(1);
                Status subscribed;
                try {
                    subscribed = subscribeHolding(subscribedFeed, readFirst);
                } finally {
                    subscribedFeed.release(readFirst.isEmpty() ? List.of() : readFirst.get(0));
                }
                if (subscribed != Status.SUCCESS) {
                    throw new ConnectionLostException(address + " refused the timeline subscription: " + subscribed);
                }
            }
            generation = seenGeneration + 1;
            if (!address.equals(announcedServer)) {
                announcedServer = address;
                notices.accept(reconnectedNotice(address));
            }
            log.info("user {} reconnected to {}", userId, address);
        }
    }

    /** The one line the user sees per failover. */
    static String reconnectedNotice(ServerAddress address) {
        return "(reconnected to the master of cluster " + address.cluster() + ": " + address.registryName() + " at "
                + address.host() + ":" + address.port() + ")";
    }

    /**
     * Subscribes {@code timeline} after its last shown post, leaving it holding pushes; if it has shown nothing yet,
     * also reads the newest posts into {@code readFirst} (on entry these are the 20 to show; after a failover they are
     * the posts committed while no subscription was in place). The caller releases the feed.
     */
    private Status subscribeHolding(TimelineFeed timeline, List<List<PostView>> readFirst)
            throws ConnectionLostException {
        Session current = requiredSession();
        timeline.hold();
        PostView after = timeline.lastShown();
        Status subscribed = connection.subscribe(current, timeline::accept, after);
        if (subscribed != Status.SUCCESS || after != null) {
            return subscribed;
        }
        TimelineReply newest = connection.timeline(current, TIMELINE_SHOWN_MAX);
        if (newest.status() == Status.SUCCESS && newest.posts() != null) {
            readFirst.add(newest.posts());
        }
        return newest.status();
    }

    // ---- keep-alive ---------------------------------------------------------------------------------------------

    private synchronized void startKeepAlive() {
        keepAliveExecutor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "tsc-keepalive");
            thread.setDaemon(true); // never what keeps the client's JVM alive
            return thread;
        });
        keepAliveExecutor.scheduleWithFixedDelay(this::keepAliveOnce, KEEP_ALIVE_INTERVAL_MILLIS,
                KEEP_ALIVE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private synchronized void stopKeepAlive() {
        if (keepAliveExecutor != null) {
            keepAliveExecutor.shutdownNow();
            try {
                if (!keepAliveExecutor.awaitTermination(2, TimeUnit.SECONDS)) {
                    log.debug("keep-alive thread still busy at exit (it is a daemon)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            keepAliveExecutor = null;
        }
    }

    /** One keep-alive; on failure, reconnects from this thread (timeline mode has no other trigger). */
    void keepAliveOnce() {
        long seenGeneration = generation;
        String problem;
        try {
            Status status = connection.keepAlive(requiredSession());
            if (!needsAnotherServer(status)) {
                if (status != Status.SUCCESS) {
                    log.warn("keep-alive of user {} answered {}", userId, status);
                }
                return;
            }
            problem = "keep-alive answered " + status;
        } catch (ConnectionLostException e) {
            problem = e.getMessage();
        } catch (RuntimeException e) {
            // An exception escaping a scheduled task cancels all later runs: log it and keep ticking.
            log.warn("keep-alive of user {} failed", userId, e);
            return;
        }
        log.debug("keep-alive of user {} failed, reconnecting: {}", userId, problem);
        recoverInBackground(seenGeneration);
    }

    private void recoverInBackground(long seenGeneration) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryPolicy.budgetMillis());
        long backoffMillis = retryPolicy.firstBackoffMillis();
        while (!Thread.currentThread().isInterrupted()) {
            String problem = reconnectOrProblem(seenGeneration);
            if (problem == null) {
                return;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                log.warn("user {} found no master within {} ms (will keep trying): {}", userId,
                        retryPolicy.budgetMillis(), problem);
                return;
            }
            if (!pause(backoffMillis)) {
                return;
            }
            backoffMillis = retryPolicy.nextBackoffMillis(backoffMillis);
        }
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Session requiredSession() {
        Session current = session;
        if (current == null) {
            throw new IllegalStateException("not logged in");
        }
        return current;
    }
}
