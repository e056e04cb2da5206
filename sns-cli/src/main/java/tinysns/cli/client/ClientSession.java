package tinysns.cli.client;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>What the user is told, once each ({@link NoticeLines}): a reconnect to another master; an outage longer than
 * {@link RetryPolicy#noticeAfterMillis()} (and, after it, the reconnect); a session that another login replaced (the
 * session {@linkplain #ending() ends}, exit code {@link #EXIT_REPLACED}); a session that expired (the engine logs in
 * again and carries on in the same mode, or ends with the login's {@code connection failed: <code>}). A write refused
 * because the session expired was applied nowhere, so it is sent again under the new session.
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
    /** Exit code of a client whose session a login of the same user from another client replaced. */
    public static final int EXIT_REPLACED = 3;
    /** Exit code of a client that cannot log in (first, or again after its session expired). */
    public static final int EXIT_NO_LOGIN = 1;

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    /**
     * The node's login rule counts on this: with a keep-alive every second, an idle client's session is touched at
     * least every 2 s (DomainConfig.touchAfterMillis), well inside the 4 s that make a client count as alive.
     */
    private static final long KEEP_ALIVE_INTERVAL_MILLIS = 1000;
    private static final long NO_OUTAGE = Long.MIN_VALUE;

    /**
     * How a session ended for good: the lines that say so (printed once) and the exit code for the process.
     *
     * @param lines    what to show the user, in order
     * @param exitCode {@link #EXIT_REPLACED} or {@link #EXIT_NO_LOGIN}
     */
    public record Ending(List<String> lines, int exitCode) {
        public Ending {
            lines = List.copyOf(lines);
        }
    }

    private final Connection connection;
    private final RetryPolicy retryPolicy;
    private final long loginBudgetMillis;
    private final Consumer<String> notices;
    private final AtomicLong lastRequestNo = new AtomicLong();
    private final Object reconnectLock = new Object();
    /** Guards the outage's start, whether it was told, and the reconnect line that ends it. */
    private final Object outageLock = new Object();

    private volatile long userId;
    private volatile Session session;
    /** Bumped by every successful reconnect; a thread reconnects only if nobody did since it saw its failure. */
    private volatile long generation;
    /** The server the user was last told about (set by a login, and by a reconnect under outageLock). */
    private volatile ServerAddress announcedServer;
    /** Non-null once in timeline mode; re-subscribed on every reconnect (guarded by reconnectLock for writes). */
    private volatile TimelineFeed feed;
    private volatile ScheduledExecutorService keepAliveExecutor;
    /** When the current outage began (System.nanoTime), or NO_OUTAGE (guarded by outageLock). */
    private long outageSinceNanos = NO_OUTAGE;
    /** Whether the current outage has been told (guarded by outageLock). */
    private boolean outageTold;
    /** Non-null once the session has ended for good. */
    private volatile Ending ending;
    private volatile Consumer<Ending> endingListener;
    private final AtomicBoolean endingDelivered = new AtomicBoolean();

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
        LoginOutcome outcome = logIn();
        if (outcome == LoginOutcome.LOGGED_IN) {
            startKeepAlive();
        }
        return outcome;
    }

    /** The login loop of {@link #login} and of a login after an expiry; on success the session is in place. */
    private LoginOutcome logIn() {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(loginBudgetMillis);
        long backoffMillis = retryPolicy.firstBackoffMillis();
        // A login whose reply was lost may have created our own session; then "already logged in" is ourselves,
        // and that ghost session stops counting as live once it gets no keep-alives, so waiting for it is right.
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
                    log.debug("login of user {}: {}", userId, e.getMessage());
                    return LoginOutcome.COORDINATOR_UNREACHABLE;
                }
                outcomeIfGivingUp = LoginOutcome.NO_SERVER;
                problem = e.getMessage();
            } catch (ConnectionLostException e) {
                outcomeIfGivingUp = LoginOutcome.NO_SERVER;
                problem = e.getMessage();
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                log.debug("login of user {} gave up: {}", userId, problem);
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

    /** Non-null once the session has ended for good (replaced, or expired with no login possible). */
    public Ending ending() {
        return ending;
    }

    /**
     * {@code listener} is told, once, when the session ends for good, on the thread that found out; it shows the
     * ending's lines. Without a listener they go to the notices.
     */
    public void onEnding(Consumer<Ending> listener) {
        endingListener = listener;
        if (ending != null) {
            deliver(ending);
        }
    }

    /** The request number the last write used (0 before the first write). */
    public long lastRequestNo() {
        return lastRequestNo.get();
    }

    public Reply follow(long targetId) {
        long requestNo = lastRequestNo.incrementAndGet();
        return retrying("follow " + targetId, (c, s) -> c.follow(s, requestNo, targetId), Reply::status, Reply::of);
    }

    public Reply unfollow(long targetId) {
        long requestNo = lastRequestNo.incrementAndGet();
        return retrying("unfollow " + targetId, (c, s) -> c.unfollow(s, requestNo, targetId), Reply::status,
                Reply::of);
    }

    /** Posts {@code text}; a post over {@link #POST_CHARS_MAX} is refused here and takes no request number. */
    public Reply post(String text) {
        if (isTooLong(text)) {
            return Reply.of(Status.INVALID_COMMAND, "longer than " + POST_CHARS_MAX + " characters");
        }
        long requestNo = lastRequestNo.incrementAndGet();
        return retrying("post", (c, s) -> c.post(s, requestNo, text), Reply::status, Reply::of);
    }

    public static boolean isTooLong(String text) {
        return text.codePointCount(0, text.length()) > POST_CHARS_MAX;
    }

    public ListReply list() {
        return retrying("list", Connection::list, ListReply::status,
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
        Status status = retrying("timeline", (c, s) -> {
            synchronized (reconnectLock) {
                // Under the lock: a concurrent reconnect must see either no feed or a subscribed one.
                readFirst.clear();
                Status subscribed = subscribeHolding(feed, readFirst, s);
                if (subscribed == Status.SUCCESS) {
                    this.feed = feed;
                }
                return subscribed;
            }
        }, x -> x, x -> x);
        if (status == Status.SUCCESS) {
            onEntered.run();
            feed.release(readFirst.isEmpty() ? List.of() : readFirst.get(0));
        } else {
            feed.close(); // a subscription that half-succeeded must not pile up pushes nobody shows
        }
        return status;
    }

    /**
     * Ends the session so the user can log in again at once (unless it already ended: then it is not ours to end);
     * best effort, one try. Stops the keep-alives.
     */
    @Override
    public void close() {
        stopKeepAlive();
        Session current = session;
        if (current != null && ending == null) {
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
        T on(Connection connection, Session session) throws ConnectionLostException;
    }

    private static boolean needsAnotherServer(Status status) {
        return status == Status.NOT_MASTER || status == Status.TIMEOUT;
    }

    /** The master answers, but the session is no longer valid there: no retry on another server helps. */
    private static boolean endsSession(Status status) {
        return status == Status.SESSION_REPLACED || status == Status.SESSION_INVALID;
    }

    /**
     * Runs {@code call} until it reaches a server that answers it, reconnecting in between; when the budget runs out,
     * returns {@code gaveUp} with NO_SERVER (after the outage was told). A session found expired is logged in again
     * and the call sent once more under it (it was applied nowhere); a session that ended answers as it was refused.
     */
    private <T> T retrying(String what, Call<T> call, Function<T, Status> statusOf, Function<Status, T> gaveUp) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryPolicy.budgetMillis());
        long backoffMillis = retryPolicy.firstBackoffMillis();
        long seenGeneration = generation;
        boolean mustReconnect = false;
        boolean renewed = false;
        while (true) {
            if (ending != null) {
                return gaveUp.apply(Status.SESSION_INVALID);
            }
            String problem = null;
            if (mustReconnect) {
                problem = reconnectOrProblem(seenGeneration);
                mustReconnect = problem != null;
            }
            if (!mustReconnect) {
                seenGeneration = generation;
                Session used = requiredSession();
                try {
                    T reply = call.on(connection, used);
                    Status status = statusOf.apply(reply);
                    if (endsSession(status)) {
                        if (!renewed && sessionLost(used, status)) {
                            renewed = true;
                            continue;
                        }
                        return reply;
                    }
                    if (!needsAnotherServer(status)) {
                        reached(announcedServer, true);
                        return reply;
                    }
                    problem = "server answered " + status;
                } catch (ConnectionLostException e) {
                    problem = e.getMessage();
                }
                outageBegins();
                mustReconnect = true;
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                tellOutage(true);
                log.debug("{} gave up after {} ms without a master: {}", what, retryPolicy.budgetMillis(), problem);
                return gaveUp.apply(Status.NO_SERVER);
            }
            tellOutage(false);
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
            if (ending != null) {
                throw new ConnectionLostException("the session has ended");
            }
            Session current = requiredSession();
            ServerAddress address = connection.connect(userId);
            // A keep-alive proves the new server is the master and knows the session before anything is resent.
            Status alive = connection.keepAlive(current);
            if (needsAnotherServer(alive)) {
                throw new ConnectionLostException(address + " answered " + alive);
            }
            if (endsSession(alive)) {
                // The master answers; what is gone is the session. A login again (if it may) does the rest.
                if (!sessionLost(current, alive)) {
                    throw new ConnectionLostException(address + " answered " + alive);
                }
                return;
            }
            TimelineFeed subscribedFeed = feed;
            if (subscribedFeed != null) {
                List<List<PostView>> readFirst = new java.util.ArrayList<>(1);
                Status subscribed;
                try {
                    subscribed = subscribeHolding(subscribedFeed, readFirst, current);
                } finally {
                    subscribedFeed.release(readFirst.isEmpty() ? List.of() : readFirst.get(0));
                }
                if (subscribed != Status.SUCCESS) {
                    throw new ConnectionLostException(address + " refused the timeline subscription: " + subscribed);
                }
            }
            generation = seenGeneration + 1;
            reached(address, true);
            log.debug("user {} reconnected to {}", userId, address);
        }
    }

    /**
     * The session {@code lost} was refused with {@code why}. Replaced: the session ends ({@link #EXIT_REPLACED}); a
     * login again would only be refused while the other client lives, and taking the user back from it is not this
     * client's call. Expired (or unknown): says so, logs in again and re-subscribes the timeline; if no login is
     * possible the session ends ({@link #EXIT_NO_LOGIN}).
     *
     * @return true when a new session is in place and the refused call may be sent again
     */
    private boolean sessionLost(Session lost, Status why) {
        synchronized (reconnectLock) {
            if (ending != null) {
                return false;
            }
            if (session != lost) {
                return true; // another thread has logged in again meanwhile
            }
            if (why == Status.SESSION_REPLACED) {
                end(new Ending(List.of(NoticeLines.sessionReplaced(userId)), EXIT_REPLACED));
                return false;
            }
            notices.accept(NoticeLines.SESSION_EXPIRED);
            LoginOutcome outcome = logIn();
            if (outcome != LoginOutcome.LOGGED_IN) {
                end(new Ending(List.of("connection failed: " + outcome.code()), EXIT_NO_LOGIN));
                return false;
            }
            TimelineFeed subscribedFeed = feed;
            boolean subscribed = true;
            if (subscribedFeed != null) {
                List<List<PostView>> readFirst = new java.util.ArrayList<>(1);
                try {
                    subscribed = subscribeHolding(subscribedFeed, readFirst, session) == Status.SUCCESS;
                } catch (ConnectionLostException e) {
                    subscribed = false;
                } finally {
                    subscribedFeed.release(readFirst.isEmpty() ? List.of() : readFirst.get(0));
                }
            }
            if (subscribed) {
                generation++; // connected and subscribed: nobody needs to reconnect for an older failure
            } // else the next keep-alive or call finds the link down and reconnects, subscribing again
            reached(announcedServer, false);
            notices.accept(NoticeLines.loggedInAgain(userId));
            return true;
        }
    }

    private void end(Ending end) {
        ending = end;
        ScheduledExecutorService executor = keepAliveExecutor;
        if (executor != null) {
            executor.shutdown(); // no waiting: this may be the keep-alive thread itself
        }
        deliver(end);
    }

    private void deliver(Ending end) {
        Consumer<Ending> listener = endingListener;
        if (listener == null) {
            if (endingDelivered.compareAndSet(false, true)) {
                end.lines().forEach(notices);
            }
            return;
        }
        if (endingDelivered.compareAndSet(false, true)) {
            listener.accept(end);
        }
    }

    // ---- what the user is told about the link ---------------------------------------------------------------------

    /** A call or keep-alive found no master: the outage starts now, unless it already runs. */
    private void outageBegins() {
        synchronized (outageLock) {
            if (outageSinceNanos == NO_OUTAGE) {
                outageSinceNanos = System.nanoTime();
            }
        }
    }

    /** Tells the outage once, when it has lasted the policy's notice time (or now, when a command gives up). */
    private void tellOutage(boolean givingUp) {
        synchronized (outageLock) {
            if (outageSinceNanos == NO_OUTAGE || outageTold) {
                return;
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageSinceNanos);
            if (givingUp || millis >= retryPolicy.noticeAfterMillis()) {
                outageTold = true;
                ServerAddress server = announcedServer;
                notices.accept(NoticeLines.noMaster(server == null ? 0 : server.cluster(), millis));
            }
        }
    }

    /**
     * A master answered at {@code address}: the outage is over. The user hears of it if the server changed or the
     * outage was told ({@code announce}; after a login again, its own line says it).
     */
    private void reached(ServerAddress address, boolean announce) {
        synchronized (outageLock) {
            if (outageSinceNanos == NO_OUTAGE && Objects.equals(address, announcedServer)) {
                return; // the usual case, a call answered with nothing to tell
            }
            boolean told = outageTold;
            outageSinceNanos = NO_OUTAGE;
            outageTold = false;
            if (address == null) {
                return;
            }
            if (announce && (told || !address.equals(announcedServer))) {
                notices.accept(NoticeLines.reconnected(address));
            }
            announcedServer = address;
        }
    }

    /**
     * Subscribes {@code timeline} after its last shown post, leaving it holding pushes; if it has shown nothing yet,
     * also reads the newest posts into {@code readFirst} (on entry these are the 20 to show; after a failover they are
     * the posts committed while no subscription was in place). The caller releases the feed.
     */
    private Status subscribeHolding(TimelineFeed timeline, List<List<PostView>> readFirst, Session current)
            throws ConnectionLostException {
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
        if (ending != null) {
            return;
        }
        long seenGeneration = generation;
        String problem;
        try {
            Session current = requiredSession();
            Status status = connection.keepAlive(current);
            if (endsSession(status)) {
                sessionLost(current, status);
                return;
            }
            if (status == Status.NOT_SUBSCRIBED) {
                // The master dropped the timeline subscription when it stepped down a moment, then led again: the
                // reconnect subscribes again, after the last post shown, so nothing is missed.
                problem = "the master dropped the timeline subscription";
            } else if (!needsAnotherServer(status)) {
                if (status != Status.SUCCESS) {
                    log.debug("keep-alive of user {} answered {}", userId, status);
                }
                reached(announcedServer, true);
                return;
            } else {
                problem = "keep-alive answered " + status;
            }
        } catch (ConnectionLostException e) {
            problem = e.getMessage();
        } catch (RuntimeException e) {
            // An exception escaping a scheduled task cancels all later runs: log it and keep ticking.
            log.warn("keep-alive of user {} failed", userId, e);
            return;
        }
        log.debug("keep-alive of user {} failed, reconnecting: {}", userId, problem);
        outageBegins();
        recoverInBackground(seenGeneration);
    }

    /** Reconnects for at most the retry budget; the next keep-alive starts again if the master is still not back. */
    private void recoverInBackground(long seenGeneration) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryPolicy.budgetMillis());
        long backoffMillis = retryPolicy.firstBackoffMillis();
        while (!Thread.currentThread().isInterrupted() && ending == null) {
            String problem = reconnectOrProblem(seenGeneration);
            if (problem == null) {
                return;
            }
            tellOutage(false);
            if (System.nanoTime() - deadlineNanos >= 0) {
                log.debug("user {} found no master within {} ms (the next keep-alive tries again): {}", userId,
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
