package tinysns.cli.chaos;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import tinysns.api.CoordinatorService;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Status;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.cli.client.ClientSession;
import tinysns.cli.client.LoginOutcome;
import tinysns.cli.client.RetryPolicy;
import tinysns.cli.client.RmiConnection;
import tinysns.cli.client.TimelineFeed;
import tinysns.domain.DomainConfig;

/**
 * The chaos workload: {@code clients} users (ids {@code firstUser…}, so spread over every cluster) each driven by the
 * course client's engine ({@link ClientSession}: on a failure it asks the coordinator again and resends the same
 * request number). Two phases, so the checker can decide who must see which post (DESIGN.md §3, "only posts made
 * after the follow"): first every user follows a seeded choice of others (at least one in another cluster), and only
 * when every user's follows have their final outcome do the posts start; then every user posts until the duration
 * ends. Every operation's outcome goes to the record file ({@link OpRecord}) the moment it is known.
 *
 * <p>Every user is in timeline mode from its login on, like a course client that typed TIMELINE: each post pushed to it
 * goes to the record with the moment it arrived ({@link OpRecord.Seen}), from which the checker measures how long
 * deliveries waited ({@link Availability}). The users stay in timeline mode after their last write until every
 * acknowledged post has been shown to every acknowledged follower (bounded; {@code # observed-until=MS}), then log
 * out ({@code # end=MS}: the last write, a logout, is over) — before the convergence watch, since an open session is
 * stamped in the replicated state by its keep-alives and would keep the replicas moving.
 */
public final class Workload {
    /** @param callbackHost the address the servers push timeline posts to: this machine's, as the servers see it */
    public record Config(String host, int port, int clients, long firstUser, Duration duration, Path record, long seed,
                  Duration postInterval, int followsPerUser, int maxPostsPerUser, Duration retryBudget,
                  String callbackHost) {
        /** The workload on the coordinator's machine (one machine, or 127.0.0.1): pushes come back to that host. */
        public Config(String host, int port, int clients, long firstUser, Duration duration, Path record, long seed,
                      Duration postInterval, int followsPerUser, int maxPostsPerUser, Duration retryBudget) {
            this(host, port, clients, firstUser, duration, record, seed, postInterval, followsPerUser, maxPostsPerUser,
                    retryBudget, host);
        }

        public Config {
            if (clients < 2) {
                throw new IllegalArgumentException("at least 2 clients");
            }
            if (followsPerUser < 1 || followsPerUser >= clients) {
                throw new IllegalArgumentException("follows per user must be in 1.." + (clients - 1));
            }
            // A follower's timeline can be read back only up to 1000 posts (SnsStateMachine.MAX_TIMELINE_READ).
            if ((long) followsPerUser * maxPostsPerUser > 950) {
                throw new IllegalArgumentException("follows per user x max posts per user must stay below 950 so "
                        + "every timeline can be read whole");
            }
        }
    }

    public record Summary(int ok, int failed, int unknown, int reconnects, int shown, List<String> fatal) {
        public String text() {
            return "workload: " + (ok + failed + unknown) + " ops: " + ok + " ok, " + failed + " failed, " + unknown
                    + " unknown; " + reconnects + " reconnects; " + shown + " posts shown in timeline mode"
                    + (fatal.isEmpty() ? "" : "; FATAL: " + fatal);
        }
    }

    /** After the last write, how long the users keep watching for deliveries still on their way, at most. */
    private static final long WATCH_AFTER_WRITES_MAX_MILLIS = 15_000;

    private final Config config;
    private final PrintStream out;
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger unknown = new AtomicInteger();
    private final AtomicInteger reconnects = new AtomicInteger();
    private final AtomicInteger shown = new AtomicInteger();
    /** What must be shown once all is delivered: followee -> its acknowledged followers, author -> its acked posts. */
    private final Map<Long, Set<Long>> ackedFollowers = new ConcurrentHashMap<>();
    private final Map<Long, List<String>> ackedPosts = new ConcurrentHashMap<>();
    /** What was shown: reader + " " + post text. */
    private final Set<String> shownPosts = ConcurrentHashMap.newKeySet();
    /** Every user's session, closed (logged out) by {@link #run} once the watching is over. */
    private final List<ClientSession> sessions = Collections.synchronizedList(new ArrayList<>());
    private final List<String> fatal = Collections.synchronizedList(new ArrayList<>());

    public Workload(Config config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    public Summary run() throws Exception {
        CoordinatorService coordinator = RmiEndpoints.lookup(config.host(), config.port(),
                CoordinatorService.REGISTRY_NAME, CoordinatorService.class);
        int clusters = coordinator.clusterCount();
        long startMillis = System.currentTimeMillis();
        long postsEndMillis = startMillis + config.duration().toMillis();
        CountDownLatch followsDone = new CountDownLatch(config.clients());
        try (OpRecord.Writer record = new OpRecord.Writer(config.record())) {
            record.comment("chaos workload clients=" + config.clients() + " firstUser=" + config.firstUser()
                    + " clusters=" + clusters + " seed=" + config.seed() + " start=" + startMillis);
            try {
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < config.clients(); i++) {
                    long user = config.firstUser() + i;
                    Thread thread = new Thread(() -> runUser(user, clusters, record, followsDone, postsEndMillis),
                            "chaos-user-" + user);
                    thread.start();
                    threads.add(thread);
                }
                for (Thread thread : threads) {
                    thread.join();
                }
                awaitDeliveries();
                record.comment("observed-until=" + System.currentTimeMillis());
            } finally {
                synchronized (sessions) {
                    sessions.forEach(ClientSession::close); // logs out, so the checker can log in as each user at once
                }
            }
            record.comment("end=" + System.currentTimeMillis());
            // Watch for convergence from here, in this already running process: a checker started afterwards would
            // first see it seconds late (this JVM's exit plus the checker's start) and report that as convergence.
            String lag = Checker.awaitConverged(new DeploymentProbe(config.host(), config.port()),
                    Duration.ofSeconds(60));
            if (lag.isEmpty()) {
                record.comment("converged=" + System.currentTimeMillis());
            }
        }
        return new Summary(ok.get(), failed.get(), unknown.get(), reconnects.get(), shown.get(), List.copyOf(fatal));
    }

    /** Until every acknowledged post has been shown to every acknowledged follower of its author (bounded). */
    private void awaitDeliveries() throws InterruptedException {
        long deadline = System.currentTimeMillis() + WATCH_AFTER_WRITES_MAX_MILLIS;
        while (!allShown() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
    }

    private boolean allShown() {
        for (Map.Entry<Long, List<String>> posts : ackedPosts.entrySet()) {
            for (long follower : ackedFollowers.getOrDefault(posts.getKey(), Set.of())) {
                for (String text : posts.getValue()) {
                    if (!shownPosts.contains(follower + " " + text)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private void runUser(long user, int clusters, OpRecord.Writer record, CountDownLatch followsDone,
                         long postsEndMillis) {
        Random random = new Random(config.seed() * 1_000_003L + user);
        ClientSession session = new ClientSession(new RmiConnection(config.host(), config.port(), config.callbackHost()),
                RetryPolicy.failover(config.retryBudget()), config.retryBudget().toMillis(),
                notice -> reconnects.incrementAndGet());
        sessions.add(session);
        boolean countedDown = false;
        try {
            if (!login(session, user)) {
                return;
            }
            Status watching = session.enterTimeline(new TimelineFeed(post -> shown(record, user, post)), () -> { });
            if (watching != Status.SUCCESS) {
                fatal.add("user " + user + " cannot enter timeline mode: " + watching);
                return;
            }
            for (long target : followTargets(user, clusters, random)) {
                follow(session, user, target, record);
            }
            followsDone.countDown();
            countedDown = true;
            if (!followsDone.await(config.retryBudget().toMillis() * 4 + 60_000, TimeUnit.MILLISECONDS)) {
                fatal.add("user " + user + ": the follow phase of the others did not end");
                return;
            }
            for (int n = 1; n <= config.maxPostsPerUser() && System.currentTimeMillis() < postsEndMillis; n++) {
                String text = "u" + user + "-" + n;
                long start = System.currentTimeMillis();
                Reply reply = session.post(text);
                record(record, new OpRecord(start, System.currentTimeMillis(), user, session.lastRequestNo(),
                        OpRecord.POST, text, outcome(reply.status()), reply.status().name(), reply.postSeq()));
                long pause = config.postInterval().toMillis() / 2 + random.nextLong(config.postInterval().toMillis() + 1);
                Thread.sleep(Math.max(0, Math.min(pause, postsEndMillis - System.currentTimeMillis())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fatal.add("user " + user + " interrupted");
        } catch (RuntimeException e) {
            fatal.add("user " + user + ": " + e);
        } finally {
            if (!countedDown) {
                followsDone.countDown();
            }
        }
    }

    private void shown(OpRecord.Writer record, long reader, PostView post) {
        long now = System.currentTimeMillis();
        record.add(new OpRecord.Seen(now, reader, post.authorId(), post.seq(), post.text()));
        shown.incrementAndGet();
        shownPosts.add(reader + " " + post.text());
    }

    private boolean login(ClientSession session, long user) throws InterruptedException {
        long deadline = System.currentTimeMillis() + config.retryBudget().toMillis();
        while (true) {
            LoginOutcome outcome = session.login(user);
            if (outcome == LoginOutcome.LOGGED_IN) {
                return true;
            }
            // An earlier client of this user may still count as alive for a few seconds.
            if (outcome != LoginOutcome.ALREADY_LOGGED_IN || System.currentTimeMillis() > deadline) {
                fatal.add("user " + user + " cannot log in: " + outcome.meaning());
                return false;
            }
            Thread.sleep(500);
        }
    }

    /** Follows {@code target}; while a remote target is not yet known here, asks again (each try a new request). */
    private void follow(ClientSession session, long user, long target, OpRecord.Writer record)
            throws InterruptedException {
        long start = System.currentTimeMillis(); // the first try: a retry is the same attempt to follow
        long deadline = start + config.retryBudget().toMillis();
        while (true) {
            Reply reply = session.follow(target);
            if (reply.status() == Status.INVALID_USERNAME && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
                continue;
            }
            record(record, new OpRecord(start, System.currentTimeMillis(), user, session.lastRequestNo(),
                    OpRecord.FOLLOW, String.valueOf(target), outcome(reply.status()), reply.status().name(), 0));
            return;
        }
    }

    private List<Long> followTargets(long user, int clusters, Random random) {
        List<Long> others = new ArrayList<>();
        for (int i = 0; i < config.clients(); i++) {
            long other = config.firstUser() + i;
            if (other != user) {
                others.add(other);
            }
        }
        Collections.shuffle(others, random);
        List<Long> targets = new ArrayList<>(others.subList(0, config.followsPerUser()));
        int home = DomainConfig.homeCluster(user, clusters);
        boolean remote = targets.stream().anyMatch(t -> DomainConfig.homeCluster(t, clusters) != home);
        if (!remote) {
            others.stream().filter(t -> DomainConfig.homeCluster(t, clusters) != home).findFirst()
                    .ifPresent(t -> targets.set(targets.size() - 1, t));
        }
        return targets;
    }

    private void record(OpRecord.Writer record, OpRecord op) {
        if (op.outcome() == OpRecord.Outcome.OK && op.op().equals(OpRecord.FOLLOW)) {
            ackedFollowers.computeIfAbsent(op.target(), k -> ConcurrentHashMap.newKeySet()).add(op.user());
        } else if (op.outcome() == OpRecord.Outcome.OK) {
            ackedPosts.computeIfAbsent(op.user(), k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(op.argument());
        }
        switch (op.outcome()) {
            case OK -> ok.incrementAndGet();
            case FAILED -> failed.incrementAndGet();
            case UNKNOWN -> unknown.incrementAndGet();
            default -> throw new AssertionError(op);
        }
        record.add(op);
    }

    static OpRecord.Outcome outcome(Status status) {
        return switch (status) {
            case SUCCESS -> OpRecord.Outcome.OK;
            // The client's engine gives up with UNKNOWN; NOT_MASTER/TIMEOUT never came through a retry budget here,
            // but if they did they would say the same: the write may or may not have been applied.
            case UNKNOWN, TIMEOUT, NOT_MASTER, NO_SERVER -> OpRecord.Outcome.UNKNOWN;
            default -> OpRecord.Outcome.FAILED;
        };
    }

}
