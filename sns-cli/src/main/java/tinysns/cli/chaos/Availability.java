package tinysns.cli.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import tinysns.domain.DomainConfig;

/**
 * How available the deployment stayed during a chaos run, from the workload's record alone (no I/O, no clock):
 * <ul>
 * <li><b>Write window</b>, per user: the longest time the user was trying to write without an acknowledgement. A
 * window opens when the user sends its first write after an acknowledged one (or its first write at all) and closes
 * with the next acknowledgement; refused and unknown writes in between keep it open. The workload's own pauses
 * between an acknowledgement and its next write are not in it, so a window is what the user waited. A window still
 * open when the user stopped writing ends at the last write's outcome and is marked "never acknowledged". A follow
 * that the workload retries while its target is not yet known in the follower's cluster counts from its first try:
 * the user could not follow for that long (the cause is then the delivery of the target's login from its cluster).
 * <li><b>Delivery gap</b>, per ordered pair of clusters (origin → target, origin ≠ target): the longest any
 * acknowledged post of a user homed in the origin waited, from its acknowledgement, until an acknowledged follower
 * homed in the target was shown it in timeline mode ({@link OpRecord.Seen}). This is "cross-cluster delivery
 * stalled": while origin → target delivery is stuck, the first post it holds back waits the whole stall, and one a
 * follower was never shown while the workload watched waits until the watching ended ({@code observed-until}). It
 * includes the follower noticing its own master's failover (its keep-alive, then re-subscribing).
 * </ul>
 * Each figure names the faults active while it lasted ({@link FaultLog#during}). With a bound, a figure above it is a
 * problem: the verdict fails.
 */
final class Availability {
    /** The longest write window of one user; {@code millis} is -1 if the user wrote nothing. */
    record UserWindow(long user, int cluster, long fromMillis, long toMillis, boolean neverAcknowledged,
                      int writes, String faults) {
        long millis() {
            return writes == 0 ? -1 : toMillis - fromMillis;
        }
    }

    /**
     * The longest wait for delivery from {@code origin} to {@code target}: {@code post} to {@code follower}, from its
     * acknowledgement ({@code fromMillis}) to when the follower was shown it, or the end of watching if never
     * ({@code notShown}). {@code deliveries} counts the (post, follower) pairs measured, {@code notShownCount} those
     * never shown; {@code millis} is -1 if none was measured.
     */
    record DeliveryGap(int origin, int target, long fromMillis, long toMillis, String post, long follower,
                       boolean notShown, int deliveries, int notShownCount, String faults) {
        long millis() {
            return deliveries == 0 ? -1 : toMillis - fromMillis;
        }
    }

    /**
     * The longest a user may wait for an acknowledged write, or a cross-cluster delivery may stall, while the
     * deployment survives one fault, from the failure detector's timings (sns coordinator {@code --heartbeat} and
     * {@code --dead-after}; sns-up.sh passes {@code SNS_HEARTBEAT} and {@code SNS_DEAD_AFTER}, 500 ms and 2 s by
     * default, CoordinatorOptions' defaults too):
     * <pre>
     *   dead-after   the coordinator takes the silent process for dead (sooner, after min(dead-after, 2 x heartbeat),
     *                when its Raft partner has lost it too); its tick, every heartbeat / 5, acts on that
     * + heartbeat    the survivor (slave node, slave synchronizer) gets its order in the reply to its next heartbeat
     * + 1 s          a node reset to a one-voter group elects itself: 100 ms election timeout plus up to 50 ms, well
     *                inside the nodes' default 1 s election timeout, which is what this allows
     * + 1.5 s        the client finds the new master and is answered: back-off of at most 200 ms, a coordinator
     *                lookup, a registry lookup, the keep-alive that proves the new master, the re-subscription in
     *                timeline mode and the resent write, five round trips (a follower in timeline mode notices the
     *                failure by its keep-alive, every 1 s); measured 0.5 s on quiet cores, up to 1.4 s on 2 cores at
     *                load average 40
     * = 5 s by default; 3.7 s with the end-to-end tests' 200 ms / 1 s.
     * </pre>
     * The wait of a call already sent to a process that stopped answering runs meanwhile: DESIGN.md §10 bounds it
     * ({@code CallKind}: a write gives up after 2 s), inside dead-after + heartbeat + 1 s at both timings above, so it
     * adds nothing. A caller whose call waits longer than its bound shows up here as a window above the bound.
     */
    static Duration defaultBound(Duration heartbeat, Duration deadAfter) {
        return deadAfter.plus(heartbeat).plusMillis(2_500);
    }

    private final List<UserWindow> users;
    private final List<DeliveryGap> pairs;
    private final boolean deliveryRecorded;
    private final Duration bound;
    private final long originMillis;

    private Availability(List<UserWindow> users, List<DeliveryGap> pairs, boolean deliveryRecorded, Duration bound,
                         long originMillis) {
        this.users = users;
        this.pairs = pairs;
        this.deliveryRecorded = deliveryRecorded;
        this.bound = bound;
        this.originMillis = originMillis;
    }

    /** @param bound the longest window or gap allowed, or null for none (figures only) */
    static Availability of(WorkloadRecord record, FaultLog faults, Duration bound) {
        int clusters = Math.max(1, record.clusters());
        List<OpRecord> ops = new ArrayList<>(record.ops());
        ops.sort(Comparator.comparingLong(OpRecord::startMillis));
        long origin = record.startMillis() > 0 ? record.startMillis()
                : ops.stream().mapToLong(OpRecord::startMillis).min().orElse(0);
        return new Availability(userWindows(record, ops, clusters, faults), deliveryGaps(record, ops, clusters, faults),
                !record.seen().isEmpty() || record.observedUntilMillis() > 0, bound, origin);
    }

    private static List<UserWindow> userWindows(WorkloadRecord record, List<OpRecord> ops, int clusters,
                                                FaultLog faults) {
        Map<Long, List<OpRecord>> byUser = new TreeMap<>();
        record.users().forEach(u -> byUser.put(u, new ArrayList<>()));
        ops.forEach(op -> byUser.computeIfAbsent(op.user(), u -> new ArrayList<>()).add(op));
        List<UserWindow> windows = new ArrayList<>();
        for (Map.Entry<Long, List<OpRecord>> entry : byUser.entrySet()) {
            long user = entry.getKey();
            int cluster = DomainConfig.homeCluster(user, clusters);
            List<OpRecord> writes = entry.getValue();
            long bestFrom = 0;
            long bestTo = 0;
            boolean bestOpen = false;
            long openedAt = -1;
            for (OpRecord op : writes) {
                if (openedAt < 0) {
                    openedAt = op.startMillis();
                }
                if (op.outcome() == OpRecord.Outcome.OK) {
                    if (op.endMillis() - openedAt > bestTo - bestFrom) {
                        bestFrom = openedAt;
                        bestTo = op.endMillis();
                        bestOpen = false;
                    }
                    openedAt = -1;
                }
            }
            if (openedAt >= 0) {
                long lastEnd = writes.get(writes.size() - 1).endMillis();
                if (lastEnd - openedAt > bestTo - bestFrom) {
                    bestFrom = openedAt;
                    bestTo = lastEnd;
                    bestOpen = true;
                }
            }
            windows.add(new UserWindow(user, cluster, bestFrom, bestTo, bestOpen, writes.size(),
                    writes.isEmpty() ? "" : faults.during(bestFrom, bestTo)));
        }
        return windows;
    }

    private static List<DeliveryGap> deliveryGaps(WorkloadRecord record, List<OpRecord> ops, int clusters,
                                                  FaultLog faults) {
        Map<Long, Set<Long>> followers = new HashMap<>(); // followee -> acknowledged followers
        for (OpRecord op : ops) {
            if (op.op().equals(OpRecord.FOLLOW) && op.outcome() == OpRecord.Outcome.OK) {
                followers.computeIfAbsent(op.target(), k -> new HashSet<>()).add(op.user());
            }
        }
        Map<String, Long> shownAt = new HashMap<>(); // reader + " " + text -> first time shown
        for (OpRecord.Seen seen : record.seen()) {
            shownAt.merge(seen.reader() + " " + seen.text(), seen.millis(), Math::min);
        }
        long watchedUntil = record.observedUntilMillis();
        Map<String, Pair> pairs = new TreeMap<>();
        for (int origin = 1; origin <= clusters; origin++) {
            for (int target = 1; target <= clusters; target++) {
                if (origin != target) {
                    pairs.put(key(origin, target), new Pair(origin, target));
                }
            }
        }
        for (OpRecord post : ops) {
            if (!post.op().equals(OpRecord.POST) || post.outcome() != OpRecord.Outcome.OK) {
                continue;
            }
            int origin = DomainConfig.homeCluster(post.user(), clusters);
            for (long follower : followers.getOrDefault(post.user(), Set.of())) {
                int target = DomainConfig.homeCluster(follower, clusters);
                Long shown = shownAt.get(follower + " " + post.argument());
                if (target == origin || shown == null && watchedUntil <= 0) {
                    continue; // same cluster, or not measurable: the record does not say until when its users watched
                }
                pairs.get(key(origin, target)).add(post, follower, shown == null ? watchedUntil : shown, shown == null);
            }
        }
        return pairs.values().stream().map(pair -> pair.gap(faults)).toList();
    }

    /** The longest wait seen so far for one pair of clusters. */
    private static final class Pair {
        private final int origin;
        private final int target;
        private long fromMillis;
        private long toMillis;
        private String post = "";
        private long follower;
        private boolean notShown;
        private int deliveries;
        private int notShownCount;

        Pair(int origin, int target) {
            this.origin = origin;
            this.target = target;
        }

        void add(OpRecord post, long follower, long shownMillis, boolean notShown) {
            long to = Math.max(post.endMillis(), shownMillis); // shown before its author heard the ack: no wait
            deliveries++;
            notShownCount += notShown ? 1 : 0;
            if (deliveries == 1 || to - post.endMillis() > toMillis - fromMillis) {
                this.fromMillis = post.endMillis();
                this.toMillis = to;
                this.post = post.argument();
                this.follower = follower;
                this.notShown = notShown;
            }
        }

        DeliveryGap gap(FaultLog faults) {
            return new DeliveryGap(origin, target, fromMillis, toMillis, post, follower, notShown, deliveries,
                    notShownCount, deliveries == 0 ? "" : faults.during(fromMillis, toMillis));
        }
    }

    private static String key(int origin, int target) {
        return String.format("%06d>%06d", origin, target);
    }

    List<UserWindow> users() {
        return users;
    }

    List<DeliveryGap> pairs() {
        return pairs;
    }

    /** True if the record holds what delivery gaps need (the users were in timeline mode). */
    boolean deliveryRecorded() {
        return deliveryRecorded;
    }

    /** One line per window or gap above the bound (none without a bound). */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (bound == null) {
            return problems;
        }
        for (UserWindow w : users) {
            if (w.millis() > bound.toMillis()) {
                problems.add("user " + w.user() + " (cluster " + w.cluster() + ") went " + w.millis()
                        + " ms without an acknowledged write (" + when(w.fromMillis(), w.toMillis())
                        + (w.neverAcknowledged() ? ", never acknowledged again" : "") + "; during " + w.faults()
                        + "), more than the " + bound.toMillis() + " ms allowed");
            }
        }
        for (DeliveryGap g : pairs) {
            if (g.millis() > bound.toMillis()) {
                problems.add("delivery from cluster " + g.origin() + " to cluster " + g.target() + " stalled "
                        + g.millis() + " ms: " + g.post() + " reached follower " + g.follower()
                        + (g.notShown() ? " never (not shown by the end)" : "") + " (" + when(g.fromMillis(),
                        g.toMillis()) + "; during " + g.faults() + "), more than the " + bound.toMillis()
                        + " ms allowed");
            }
        }
        return problems;
    }

    /** The compact table for the checker's report. */
    String table() {
        StringBuilder text = new StringBuilder();
        text.append("  availability (").append(bound == null ? "no bound" : "bound " + bound.toMillis() + " ms")
                .append("; times in s from the workload's start):\n");
        text.append(String.format("    %-6s %-7s %-22s %-15s %s%n", "user", "cluster", "longest without ack",
                "when", "faults then"));
        for (UserWindow w : users) {
            if (w.writes() == 0) {
                text.append(String.format("    %-6d %-7d %-22s%n", w.user(), w.cluster(), "no writes"));
                continue;
            }
            text.append(String.format("    %-6d %-7d %-22s %-15s %s%n", w.user(), w.cluster(),
                    w.millis() + " ms" + (w.neverAcknowledged() ? " (never)" : "") + over(w.millis()),
                    when(w.fromMillis(), w.toMillis()), w.faults()));
        }
        if (!deliveryRecorded) {
            text.append("    delivery: not recorded (the record holds no timeline-mode sightings)\n");
            return text.toString();
        }
        text.append(String.format("    %-14s %-22s %-15s %-15s %s%n", "origin->target", "longest delivery",
                "post>follower", "when", "faults then"));
        int deliveries = 0;
        int notShown = 0;
        for (DeliveryGap g : pairs) {
            deliveries += g.deliveries();
            notShown += g.notShownCount();
            if (g.deliveries() == 0) {
                text.append(String.format("    %-14s %-22s%n", g.origin() + "->" + g.target(), "no deliveries"));
                continue;
            }
            text.append(String.format("    %-14s %-22s %-15s %-15s %s%n", g.origin() + "->" + g.target(),
                    g.millis() + " ms" + (g.notShown() ? " (not shown)" : "") + over(g.millis()),
                    g.post() + ">" + g.follower(), when(g.fromMillis(), g.toMillis()), g.faults()));
        }
        text.append("    cross-cluster deliveries measured: ").append(deliveries).append(", never shown in timeline mode: ")
                .append(notShown).append('\n');
        return text.toString();
    }

    private String over(long millis) {
        return bound != null && millis > bound.toMillis() ? " >BOUND" : "";
    }

    private String when(long fromMillis, long toMillis) {
        return String.format("+%.1f..+%.1f", (fromMillis - originMillis) / 1000.0, (toMillis - originMillis) / 1000.0);
    }
}
