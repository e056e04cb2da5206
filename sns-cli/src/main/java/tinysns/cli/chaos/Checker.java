package tinysns.cli.chaos;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tinysns.api.ListReply;
import tinysns.api.PostView;
import tinysns.api.Status;
import tinysns.api.TimelineReply;
import tinysns.cli.client.ClientSession;
import tinysns.cli.client.ConnectFailure;
import tinysns.cli.client.ConnectionLostException;
import tinysns.cli.client.LoginOutcome;
import tinysns.cli.client.RetryPolicy;
import tinysns.cli.client.RmiConnection;

/**
 * Judges a deployment after a chaos run against the workload's record ({@link OpRecord}). First it waits (bounded)
 * for convergence — every cluster has applied every other cluster's whole outbox and each cluster's two replicas hold
 * identical state — and measures how long after {@code since} (the last fault) that happened. Then it logs in as
 * every user of the record and reads LIST and the whole timeline from the user's home cluster, and checks:
 * <ul>
 * <li>every acknowledged post is in the timeline of every acknowledged follower of its author exactly once (the
 * workload follows before it posts, so every acknowledged follow precedes every post) — else it is <em>lost</em>;
 * <li>no post appears twice (<em>duplicated</em>), each author's posts keep their order (<em>reordered</em>), and
 * nothing appears that was never sent, was refused, or comes from an author the reader never followed
 * (<em>never sent</em>); an acknowledged post carries the sequence number its author was told;
 * <li>every acknowledged follow is in the followee's follower list at its home cluster, and nothing else is;
 * <li>every user's LIST shows every user of the workload;
 * <li>after the reads, each cluster's replicas agree (digest at the same applied index);
 * <li>availability ({@link Availability}): no user went longer than {@code maxUnavailable} without an acknowledged
 * write while writing, and no cross-cluster delivery waited longer, each figure with the fault active then (from
 * chaos.sh's faults log).
 * </ul>
 * Operations whose outcome is unknown may or may not have happened; they are allowed either way, exactly once.
 */
public final class Checker {
    /**
     * @param faults         chaos.sh's faults log, to name the fault behind each availability figure (null: none)
     * @param maxUnavailable FAIL if a user's write window or a delivery gap ({@link Availability}) is longer (null:
     *                       report them only)
     */
    public record Config(String host, int port, Path record, long sinceMillis, Duration convergeTimeout,
                  Duration maxConvergence, boolean requirePairs, Duration retryBudget, Path faults,
                  Duration maxUnavailable) {
        /** No faults log and no availability bound: availability is reported, never judged. */
        public Config(String host, int port, Path record, long sinceMillis, Duration convergeTimeout,
                      Duration maxConvergence, boolean requirePairs, Duration retryBudget) {
            this(host, port, record, sinceMillis, convergeTimeout, maxConvergence, requirePairs, retryBudget, null,
                    null);
        }
    }

    /**
     * @param longestWriteWindowMillis  the longest any user went without an acknowledged write while writing
     * @param longestDeliveryGapMillis  the longest cross-cluster delivery wait, -1 if the record cannot tell
     */
    public record Result(boolean pass, long convergenceMillis, int lost, int duplicated, int reordered, int neverSent,
                  int deliveriesChecked, long longestWriteWindowMillis, long longestDeliveryGapMillis,
                  List<String> problems, String report) {
    }

    private static final Pattern POST_TEXT = Pattern.compile("u(\\d+)-(\\d+)");
    private static final int PROBLEMS_SHOWN = 20;

    private final Config config;
    private final PrintStream out;
    private final List<String> problems = new ArrayList<>();
    private int lost;
    private int duplicated;
    private int reordered;
    private int neverSent;
    private int deliveries;

    public Checker(Config config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    public Result run() throws Exception {
        WorkloadRecord record = WorkloadRecord.read(config.record());
        List<OpRecord> ops = record.ops();
        Set<Long> users = record.users();
        DeploymentProbe probe = new DeploymentProbe(config.host(), config.port());

        // 1. Convergence, measured from the last fault.
        long checkStart = System.currentTimeMillis();
        long since = config.sinceMillis() > 0 ? config.sinceMillis() : checkStart;
        String lag = awaitConverged(probe, config.convergeTimeout());
        // The workload watches from its last write on and notes when it first saw convergence; this check only
        // confirms it still holds (it started later, so it would see the moment late).
        long observedAt = System.currentTimeMillis();
        long noted = record.convergedMillis();
        // A note from before the last fault says nothing about recovering from it.
        long convergedAt = noted >= since && noted <= observedAt ? noted : observedAt;
        long convergenceMillis = lag.isEmpty() ? Math.max(0, convergedAt - since) : -1;
        if (!lag.isEmpty()) {
            problems.add("not converged within " + config.convergeTimeout().toSeconds() + " s: " + lag);
        } else if (config.maxConvergence() != null && convergenceMillis > config.maxConvergence().toMillis()) {
            problems.add("converged " + convergenceMillis + " ms after the last fault, more than the "
                    + config.maxConvergence().toMillis() + " ms allowed");
        }

        // 2. What every user sees.
        Map<Long, List<PostView>> timelines = new TreeMap<>();
        Map<Long, ListReply> lists = new TreeMap<>();
        for (long user : users) {
            read(user, timelines, lists);
        }

        // 3. The replicas, once more: the reads above logged in and out through Raft.
        String replicas = awaitConverged(probe, Duration.ofSeconds(30));
        if (!replicas.isEmpty()) {
            problems.add("after the reads: " + replicas);
        }

        verify(ops, users, timelines, lists);

        // 4. Availability, from the record and the faults log alone.
        Availability availability = Availability.of(record,
                config.faults() == null ? FaultLog.NONE : FaultLog.read(config.faults()), config.maxUnavailable());
        problems.addAll(availability.problems());

        boolean pass = problems.isEmpty() && lost == 0 && duplicated == 0 && reordered == 0 && neverSent == 0;
        String report = report(pass, ops, users, convergenceMillis, since == checkStart, probe, availability);
        out.print(report);
        out.flush();
        long longestWrite = availability.users().stream().mapToLong(Availability.UserWindow::millis).max()
                .orElse(-1);
        long longestDelivery = availability.deliveryRecorded() ? availability.pairs().stream()
                .mapToLong(Availability.DeliveryGap::millis).max().orElse(-1) : -1;
        return new Result(pass, convergenceMillis, lost, duplicated, reordered, neverSent, deliveries, longestWrite,
                longestDelivery, List.copyOf(problems), report);
    }

    public static String awaitConverged(DeploymentProbe probe, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lag;
        while (true) {
            try {
                lag = probe.lag(true);
            } catch (Exception e) {
                lag = "the coordinator does not answer: " + e;
            }
            if (lag.isEmpty() || System.nanoTime() > deadline) {
                return lag;
            }
            Thread.sleep(50);
        }
    }

    private void read(long user, Map<Long, List<PostView>> timelines, Map<Long, ListReply> lists) throws Exception {
        long deadline = System.currentTimeMillis() + config.retryBudget().toMillis();
        while (true) {
            RmiConnection connection = new RmiConnection(config.host(), config.port(), config.host());
            ClientSession session = new ClientSession(connection, RetryPolicy.failover(config.retryBudget()),
                    config.retryBudget().toMillis(), notice -> { });
            try {
                LoginOutcome login = session.login(user);
                if (login == LoginOutcome.LOGGED_IN) {
                    ListReply list = session.list();
                    TimelineReply timeline = timeline(connection, session, user);
                    if (list.status() == Status.SUCCESS && timeline.status() == Status.SUCCESS) {
                        lists.put(user, list);
                        timelines.put(user, timeline.posts());
                        return;
                    }
                    if (System.currentTimeMillis() > deadline) {
                        problems.add("user " + user + ": LIST " + list.status() + ", timeline " + timeline.status());
                        return;
                    }
                } else if (System.currentTimeMillis() > deadline) {
                    problems.add("user " + user + ": cannot log in to read the state: " + login.meaning());
                    return;
                }
            } finally {
                session.close();
            }
            Thread.sleep(300); // e.g. the workload's client of this user still counts as alive
        }
    }

    private static TimelineReply timeline(RmiConnection connection, ClientSession session, long user)
            throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                TimelineReply reply = connection.timeline(session.session(), 1000);
                if (reply.status() != Status.NOT_MASTER && reply.status() != Status.TIMEOUT || attempt >= 20) {
                    return reply;
                }
            } catch (ConnectionLostException e) {
                if (attempt >= 20) {
                    return new TimelineReply(Status.UNKNOWN, List.of());
                }
            }
            Thread.sleep(250);
            try {
                connection.connect(user);
            } catch (ConnectFailure e) {
                // try again
            }
        }
    }

    private record Sent(long author, long requestNo, String text, OpRecord.Outcome outcome, long seq) {
    }

    private void verify(List<OpRecord> ops, Set<Long> users, Map<Long, List<PostView>> timelines,
                        Map<Long, ListReply> lists) {
        Map<Long, Set<Long>> ackedFollowers = new HashMap<>();   // followee -> followers (acknowledged)
        Map<Long, Set<Long>> maybeFollowers = new HashMap<>();   // followee -> followers (unknown outcome)
        Map<String, Sent> sentByText = new HashMap<>();
        Map<Long, List<Sent>> ackedPostsByAuthor = new HashMap<>();
        for (OpRecord op : ops) {
            if (op.op().equals(OpRecord.FOLLOW)) {
                if (op.outcome() == OpRecord.Outcome.OK) {
                    ackedFollowers.computeIfAbsent(op.target(), k -> new TreeSet<>()).add(op.user());
                } else if (op.outcome() == OpRecord.Outcome.UNKNOWN) {
                    maybeFollowers.computeIfAbsent(op.target(), k -> new TreeSet<>()).add(op.user());
                }
            } else {
                Sent sent = new Sent(op.user(), op.requestNo(), op.argument(), op.outcome(), op.postSeq());
                sentByText.put(op.argument(), sent);
                if (op.outcome() == OpRecord.Outcome.OK) {
                    ackedPostsByAuthor.computeIfAbsent(op.user(), k -> new ArrayList<>()).add(sent);
                }
            }
        }
        // The acknowledged sequence numbers of one author grow with its requests.
        for (List<Sent> posts : ackedPostsByAuthor.values()) {
            for (int i = 1; i < posts.size(); i++) {
                if (posts.get(i).seq() <= posts.get(i - 1).seq()) {
                    reordered++;
                    problem("author " + posts.get(i).author() + " was told seq " + posts.get(i).seq() + " for «"
                            + posts.get(i).text() + "» after seq " + posts.get(i - 1).seq());
                }
            }
        }

        for (long reader : users) {
            List<PostView> timeline = timelines.get(reader);
            if (timeline == null) {
                continue; // already a problem: could not be read
            }
            if (timeline.size() >= 1000) {
                problem("the timeline of " + reader + " holds 1000 posts: it may be cut off (lower the workload)");
            }
            Map<Long, Integer> count = new HashMap<>();
            Map<Long, PostView> lastByAuthor = new HashMap<>();
            Set<String> seen = new HashSet<>();
            for (PostView post : timeline) {
                String id = post.authorId() + "/" + post.seq();
                if (!seen.add(id) | !seen.add("text:" + post.text())) {
                    duplicated++;
                    problem("user " + reader + " sees post " + id + " «" + post.text() + "» more than once");
                    continue;
                }
                Sent sent = sentByText.get(post.text());
                boolean follows = ackedFollowers.getOrDefault(post.authorId(), Set.of()).contains(reader)
                        || maybeFollowers.getOrDefault(post.authorId(), Set.of()).contains(reader);
                if (sent == null || sent.author() != post.authorId() || sent.outcome() == OpRecord.Outcome.FAILED
                        || !follows || (sent.outcome() == OpRecord.Outcome.OK && sent.seq() != post.seq())) {
                    neverSent++;
                    problem("user " + reader + " sees " + id + " «" + post.text() + "», which "
                            + (sent == null || sent.author() != post.authorId() ? "was never sent"
                            : sent.outcome() == OpRecord.Outcome.FAILED ? "was refused"
                            : !follows ? "comes from an author " + reader + " never followed"
                            : "was acknowledged as seq " + sent.seq()));
                    continue;
                }
                PostView previous = lastByAuthor.put(post.authorId(), post);
                if (previous != null && (post.seq() <= previous.seq()
                        || textNumber(post.text()) <= textNumber(previous.text()))) {
                    reordered++;
                    problem("user " + reader + " sees " + post.authorId() + "/" + post.seq() + " «" + post.text()
                            + "» after " + previous.authorId() + "/" + previous.seq() + " «" + previous.text() + "»");
                }
                count.merge(post.authorId(), 1, Integer::sum);
            }
            Set<String> texts = new HashSet<>();
            timeline.forEach(p -> texts.add(p.text()));
            for (Map.Entry<Long, List<Sent>> entry : ackedPostsByAuthor.entrySet()) {
                if (!ackedFollowers.getOrDefault(entry.getKey(), Set.of()).contains(reader)) {
                    continue;
                }
                for (Sent sent : entry.getValue()) {
                    deliveries++;
                    if (!texts.contains(sent.text())) {
                        lost++;
                        problem("user " + reader + " follows " + sent.author() + " but does not see its acknowledged"
                                + " post " + sent.author() + "/" + sent.seq() + " «" + sent.text() + "»");
                    }
                }
            }
        }

        for (long user : users) {
            ListReply list = lists.get(user);
            if (list == null) {
                continue;
            }
            if (!list.allUsers().containsAll(users)) {
                Set<Long> missing = new TreeSet<>(users);
                missing.removeAll(list.allUsers());
                problem("LIST of user " + user + " lacks users " + missing);
            }
            Set<Long> followers = new TreeSet<>(list.followers());
            Set<Long> acked = ackedFollowers.getOrDefault(user, Set.of());
            Set<Long> maybe = maybeFollowers.getOrDefault(user, Set.of());
            if (!followers.containsAll(acked)) {
                Set<Long> missing = new TreeSet<>(acked);
                missing.removeAll(followers);
                problem("followers of " + user + " lack acknowledged followers " + missing);
            }
            for (long follower : followers) {
                if (!acked.contains(follower) && !maybe.contains(follower) && users.contains(follower)) {
                    problem("followers of " + user + " list " + follower + ", who never asked to follow");
                }
            }
        }
    }

    private static long textNumber(String text) {
        Matcher m = POST_TEXT.matcher(text);
        return m.matches() ? Long.parseLong(m.group(2)) : -1;
    }

    private void problem(String text) {
        problems.add(text);
    }

    private String report(boolean pass, List<OpRecord> ops, Set<Long> users, long convergenceMillis,
                          boolean sinceCheckStart, DeploymentProbe probe, Availability availability) {
        int[][] counts = new int[2][3];
        for (OpRecord op : ops) {
            counts[op.op().equals(OpRecord.FOLLOW) ? 0 : 1][op.outcome().ordinal()]++;
        }
        int ok = counts[0][0] + counts[1][0];
        int failed = counts[0][1] + counts[1][1];
        int unknown = counts[0][2] + counts[1][2];
        StringBuilder text = new StringBuilder();
        text.append("chaos check: ").append(pass ? "PASS" : "FAIL").append('\n');
        text.append(String.format("  ops: %d (%d ok, %d failed, %d unknown) by %d users; follows %d/%d/%d, posts "
                        + "%d/%d/%d (ok/failed/unknown)%n", ops.size(), ok, failed, unknown, users.size(),
                counts[0][0], counts[0][1], counts[0][2], counts[1][0], counts[1][1], counts[1][2]));
        text.append(String.format("  posts checked: %d deliveries (acknowledged post x acknowledged follower); "
                + "lost %d, duplicated %d, reordered %d, never sent %d%n", deliveries, lost, duplicated, reordered,
                neverSent));
        text.append("  convergence: ").append(convergenceMillis < 0 ? "NOT reached" : convergenceMillis + " ms")
                .append(sinceCheckStart ? " (from the start of the check)" : " after the last fault").append('\n');
        text.append(availability.table());
        text.append("  replicas:\n").append(probe.describe());
        if (!problems.isEmpty()) {
            text.append("  problems (").append(problems.size()).append("):\n");
            problems.stream().limit(PROBLEMS_SHOWN).forEach(p -> text.append("    ").append(p).append('\n'));
            if (problems.size() > PROBLEMS_SHOWN) {
                text.append("    … and ").append(problems.size() - PROBLEMS_SHOWN).append(" more\n");
            }
        }
        return text.toString();
    }
}
