package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's acceptance points (b) and (c) on real partitions: the deployment runs across network namespaces
 * ({@link HostsDeployment}) and the faults are the kernel's (tc drops on the hosts' veths), not pauses.
 *
 * <p>Each test runs the same load through the fault: the course client on client hosts — user 1 (cluster 1) posts
 * every 200 ms and user 2 (cluster 2), who follows 1, sees it; user 2 posts every 200 ms and user 3 (cluster 1), who
 * follows 2, sees it — and beside it the chaos workload ({@code sns chaos workload}, users 101–104, both clusters) on
 * a third client host, whose record {@code sns chaos check} judges afterwards (acknowledged posts and follows lost,
 * duplicated, reordered). Measured from the moment the partition starts: when the first post of user 1 typed after it
 * reaches user 2 and the first of user 2 reaches user 3 (cross-cluster delivery in both directions), and the longest
 * time without an acknowledged post of a cluster-1 user of the workload (writes). All three must stay within 3 s.
 */
class PartitionIT {
    private static final Duration RESUME_WITHIN = Duration.ofSeconds(3);
    private static final Duration HOLD = Duration.ofSeconds(8);
    private static final Pattern POST_LINE = Pattern.compile("^(\\d+) \\(.*\\) >> (.*)$");
    private static final String NOTICE = "(reconnected to the master of cluster ";
    /** A node row of cluster 1 in {@code sns status}: name, role, alive, Raft state, term, voters. */
    private static final Pattern STATUS_ROW = Pattern.compile(
            "(?m)^1\\s+(node-1\\.\\d+)\\s+(\\S+)\\s+\\S+\\s+.*?\\s(yes|NO)\\s+(leader|follower)\\s+term\\s+(\\d+)"
                    + "\\s+commit\\s+\\S+\\s+voters\\s+(\\S+)");

    private HostsDeployment hosts;

    @AfterEach
    void stop() throws Exception {
        if (hosts != null) {
            hosts.close();
        }
    }

    /**
     * (b) The master of cluster 1 cut off from every other host by a partition (instead of a pause): the same clients
     * of cluster 1 write again and cross-cluster delivery in both directions resumes within 3 s; after heal the old
     * master rejoins as a follower and nothing was lost or doubled.
     */
    @Test
    void aMasterCutOffFromEveryHostIsReplacedAndRejoinsAsAFollower() throws Exception {
        Run run = new Run("PartitionIT-isolated-master");
        run.start();
        String master = run.master;
        run.fault("isolate " + master + " from every host", () -> hosts.isolate(master));
        run.finish();
        String row = run.awaitRow(master, r -> r.contains(" SLAVE ") && r.contains(" yes ") && r.contains("follower"),
                Duration.ofSeconds(30));
        System.out.println("PartitionIT(b): after heal " + master + ": " + row.strip());
        run.verdict();
    }

    /**
     * (c) The master of cluster 1 partitioned from its slave but not from the coordinator: at most one side accepts
     * writes (an acknowledged write of the losing side would be lost after heal, which the checker catches), writes
     * resume within 3 s, nothing acknowledged is lost.
     */
    @Test
    void aMasterCutOffFromItsSlaveButNotFromTheCoordinator() throws Exception {
        Run run = new Run("PartitionIT-master-slave");
        run.start();
        String master = run.master;
        String slave = run.slave;
        run.fault("partition " + master + " | " + slave, () -> hosts.partition(List.of(master), List.of(slave)));
        run.finish();
        run.verdict();
    }

    /**
     * (c, the reverse) The master of cluster 1 partitioned from the coordinator but not from its slave: the same
     * three promises.
     */
    @Test
    void aMasterCutOffFromTheCoordinatorButNotFromItsSlave() throws Exception {
        Run run = new Run("PartitionIT-master-coordinator");
        run.start();
        String master = run.master;
        run.fault("partition " + master + " | coordinator",
                () -> hosts.partition(List.of(master), List.of("coordinator")));
        run.finish();
        run.verdict();
    }

    interface Fault {
        void apply() throws Exception;
    }

    /** One scenario: deployment, clients, workload, the fault, the measurements. */
    private final class Run {
        private final String name;
        private final Map<String, Long> typed = new ConcurrentHashMap<>(); // text -> wall-clock ms typed
        private final Map<String, List<Long>> seenBy2 = new ConcurrentHashMap<>(); // user 1's posts at user 2
        private final Map<String, List<Long>> seenBy3 = new ConcurrentHashMap<>(); // user 2's posts at user 3
        private final AtomicInteger failed1 = new AtomicInteger();
        private final AtomicInteger failed2 = new AtomicInteger();
        private final Map<String, AtomicInteger> notices = new ConcurrentHashMap<>();
        private final List<String> statusSamples = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean typing = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        private ClientProcess user1;
        private ClientProcess user2;
        private ClientProcess user3;
        private Process workload;
        private Path record;
        private String master;
        private String slave;
        private String faultName;
        private long faultStart;
        private long healed;
        private final Map<String, String> figures = new LinkedHashMap<>();

        Run(String name) {
            this.name = name;
        }

        void start() throws Exception {
            hosts = HostsDeployment.start(name, HostsDeployment.Options.clusters(2).withClientHosts(3));
            record = hosts.runDir().resolve("chaos.tsv");
            Path workloadOut = hosts.logDir().resolve("workload.out");
            workload = hosts.startOnHost("client-3", workloadOut, "env", "SNS_HEAP=128m", "sns", "chaos", "workload",
                    "-h", hosts.coordinatorHost(), "-k", "9000", "--clients", "4", "--first-user", "101",
                    "--duration", "60s", "--post-interval", "200ms", "--retry-for", "10s", "--record",
                    record.toString());
            user1 = hosts.login("client-1", 1);
            user3 = hosts.login("client-1", 3);
            user2 = hosts.login("client-2", 2);
            ClientSteps.sendUntilKnown(user2, "follow 1");
            ClientSteps.sendUntilKnown(user3, "follow 2");
            for (ClientProcess client : List.of(user1, user2, user3)) {
                ClientSteps.send(client, "timeline", "Command completed successfully",
                        "Now you are in the timeline");
            }
            read(user1, null, failed1);
            read(user2, seenBy2, failed2);
            read(user3, seenBy3, null);
            Thread writer = new Thread(this::type, name + "-typist");
            writer.setDaemon(true);
            writer.start();
            threads.add(writer);
            // Steady state: both directions deliver and the workload has acknowledged posts of cluster 1.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seenBy2.isEmpty() || seenBy3.isEmpty() || acknowledgedPosts(1).size() < 5) {
                assertTrue(System.nanoTime() < deadline, "no steady state within 60 s: user 2 saw " + seenBy2.size()
                        + ", user 3 saw " + seenBy3.size() + ", workload acknowledged " + acknowledgedPosts(1).size()
                        + " posts of cluster 1" + hosts.logTails(15));
                assertTrue(workload.isAlive() || acknowledgedPosts(1).size() >= 5, "the workload ended early: "
                        + Files.readString(workloadOut));
                Thread.sleep(200);
            }
            Thread.sleep(2000);
            master = hosts.awaitMaster(1, null, Duration.ofSeconds(30));
            slave = master.equals("node-1.1") ? "node-1.2" : "node-1.1";
        }

        void fault(String what, Fault fault) throws Exception {
            faultName = what;
            long called = System.currentTimeMillis();
            fault.apply();
            // Every figure counts from the moment the partition is wholly in place (the call has returned): a post
            // typed while the filters were still being installed may have passed.
            faultStart = System.currentTimeMillis();
            System.out.println(name + ": " + what + " in place after " + (faultStart - called) + " ms");
            long until = faultStart + HOLD.toMillis();
            while (System.currentTimeMillis() < until) {
                String status = hosts.status();
                long at = System.currentTimeMillis() - faultStart;
                StringBuilder sample = new StringBuilder("+" + at + " ms:");
                Matcher row = STATUS_ROW.matcher(status);
                while (row.find()) {
                    sample.append("  ").append(row.group(1)).append(' ').append(row.group(2)).append(" alive=")
                            .append(row.group(3)).append(' ').append(row.group(4)).append(" term ").append(row.group(5))
                            .append(" voters ").append(row.group(6));
                }
                statusSamples.add(sample.toString());
            }
            hosts.heal();
            healed = System.currentTimeMillis();
            System.out.println(name + ": healed at +" + (healed - faultStart) + " ms");
        }

        /** Keeps typing 3 s after heal, then ends the clients and the workload and runs the checker. */
        void finish() throws Exception {
            Thread.sleep(3000);
            typing.set(false);
            Thread.sleep(5000); // what is still in flight arrives
            for (ClientProcess client : List.of(user1, user2, user3)) {
                client.closeInput();
            }
            for (ClientProcess client : List.of(user1, user2, user3)) {
                client.awaitExit(Duration.ofSeconds(30));
            }
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }

        String awaitRow(String process, java.util.function.Predicate<String> condition, Duration timeout)
                throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            String status = "";
            while (System.nanoTime() < deadline) {
                status = hosts.status();
                String row = HostsDeployment.rowOf(status, process);
                if (row != null && condition.test(row + " ")) {
                    return row;
                }
                Thread.sleep(300);
            }
            throw new AssertionError(process + ": not as expected within " + timeout.toSeconds() + " s" + report()
                    + "\nlast status:\n" + status);
        }

        void verdict() throws Exception {
            assertTrue(workload.waitFor(150, TimeUnit.SECONDS), "the workload did not end within 150 s");
            HostsDeployment.Result check = hosts.exec("client-3", Duration.ofSeconds(180), "env", "SNS_HEAP=128m",
                    "sns", "chaos", "check", "-h", hosts.coordinatorHost(), "-k", "9000", "--record",
                    record.toString(), "--retry-for", "30s");
            Files.writeString(hosts.logDir().resolve("check.out"), check.out() + check.err());

            long resume12 = firstArrivalAfter(seenBy2, "w1-", faultStart);
            long resume21 = firstArrivalAfter(seenBy3, "w2-", faultStart);
            long writeGap1 = longestAcknowledgedGap(1);
            long writeGap2 = longestAcknowledgedGap(2);
            figures.put("fault", faultName + ", held " + (healed - faultStart) + " ms (from when it was wholly in "
                    + "place)");
            figures.put("first post of user 1 typed after the fault start, on user 2's screen (1 -> 2)",
                    resume12 < 0 ? "never" : "+" + resume12 + " ms");
            figures.put("first post of user 2 typed after the fault start, on user 3's screen (2 -> 1)",
                    resume21 < 0 ? "never" : "+" + resume21 + " ms");
            figures.put("longest time without an acknowledged workload post, cluster 1", writeGap1 + " ms");
            figures.put("longest time without an acknowledged workload post, cluster 2", writeGap2 + " ms");
            figures.put("tsc posts typed by 1 / distinct seen by 2 / 'Post failed' lines of 1",
                    count("w1-") + " / " + seenBy2.size() + " / " + failed1.get());
            figures.put("tsc posts typed by 2 / distinct seen by 3 / 'Post failed' lines of 2",
                    count("w2-") + " / " + seenBy3.size() + " / " + failed2.get());
            figures.put("reconnect notices", notices.toString());
            String verdictLine = check.out().lines().filter(l -> l.startsWith("chaos check:")).findFirst()
                    .orElse("(no verdict line; exit " + check.exit() + ")");
            figures.put("sns chaos check", verdictLine + " " + check.out().lines()
                    .filter(l -> l.contains("lost") || l.contains("convergence")).toList());
            System.out.println(report());

            List<String> problems = new ArrayList<>();
            if (check.exit() != 0) {
                problems.add("sns chaos check: exit " + check.exit() + "\n" + check.out() + check.err());
            }
            duplicates(seenBy2, "user 2").ifPresent(problems::add);
            duplicates(seenBy3, "user 3").ifPresent(problems::add);
            int lost12 = count("w1-") - failed1.get() - seenBy2.size();
            int lost21 = count("w2-") - failed2.get() - seenBy3.size();
            if (lost12 > 0) {
                problems.add(lost12 + " posts of user 1 neither failed nor reached user 2");
            }
            if (lost21 > 0) {
                problems.add(lost21 + " posts of user 2 neither failed nor reached user 3");
            }
            if (resume12 < 0 || resume12 > RESUME_WITHIN.toMillis()) {
                problems.add("delivery 1 -> 2 resumed after " + resume12 + " ms (limit " + RESUME_WITHIN.toMillis()
                        + ")");
            }
            if (resume21 < 0 || resume21 > RESUME_WITHIN.toMillis()) {
                problems.add("delivery 2 -> 1 resumed after " + resume21 + " ms (limit " + RESUME_WITHIN.toMillis()
                        + ")");
            }
            if (writeGap1 > RESUME_WITHIN.toMillis()) {
                problems.add("cluster 1 acknowledged no workload post for " + writeGap1 + " ms (limit "
                        + RESUME_WITHIN.toMillis() + ")");
            }
            assertTrue(problems.isEmpty(), String.join("\n", problems) + report());
        }

        String report() {
            StringBuilder text = new StringBuilder("\n" + name + ":");
            figures.forEach((k, v) -> text.append("\n  ").append(k).append(": ").append(v));
            text.append("\n  cluster 1 during the fault (sns status):");
            for (String sample : statusSamples) {
                text.append("\n    ").append(sample);
            }
            return text.toString();
        }

        private void type() {
            int n = 0;
            while (typing.get()) {
                n++;
                long now = System.currentTimeMillis();
                typed.put("w1-" + n, now);
                typed.put("w2-" + n, now);
                try {
                    user1.send("w1-" + n);
                    user2.send("w2-" + n);
                    Thread.sleep(200);
                } catch (Throwable e) {
                    return;
                }
            }
        }

        private void read(ClientProcess client, Map<String, List<Long>> posts, AtomicInteger failures) {
            Thread thread = new Thread(() -> {
                try {
                    while (true) {
                        Optional<String> line = client.nextLine(Duration.ofSeconds(1));
                        if (line.isEmpty()) {
                            if (!client.alive()) {
                                return;
                            }
                            continue;
                        }
                        long now = System.currentTimeMillis();
                        String text = line.get();
                        Matcher m = POST_LINE.matcher(text);
                        if (m.matches() && posts != null) {
                            posts.computeIfAbsent(m.group(2), k -> Collections.synchronizedList(new ArrayList<>()))
                                    .add(now);
                        } else if (text.startsWith("Post failed") && failures != null) {
                            failures.incrementAndGet();
                        } else if (text.startsWith(NOTICE)) {
                            notices.computeIfAbsent(client.name(), k -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, client.name() + "-reader");
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }

        private int count(String prefix) {
            return (int) typed.keySet().stream().filter(k -> k.startsWith(prefix)).count();
        }

        /** ms from the fault's start to the first arrival of a post (with this prefix) typed at or after it; -1 none. */
        private long firstArrivalAfter(Map<String, List<Long>> seen, String prefix, long from) {
            long first = Long.MAX_VALUE;
            for (Map.Entry<String, List<Long>> post : seen.entrySet()) {
                Long at = typed.get(post.getKey());
                if (post.getKey().startsWith(prefix) && at != null && at >= from) {
                    first = Math.min(first, Collections.min(post.getValue()));
                }
            }
            return first == Long.MAX_VALUE ? -1 : first - from;
        }

        private Optional<String> duplicates(Map<String, List<Long>> seen, String who) {
            List<String> twice = seen.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey)
                    .sorted().toList();
            return twice.isEmpty() ? Optional.empty() : Optional.of(who + " saw twice: " + twice);
        }

        /** End times (wall-clock ms) of the workload's acknowledged posts by users of {@code cluster}, sorted. */
        private List<Long> acknowledgedPosts(int cluster) {
            List<Long> ends = new ArrayList<>();
            try {
                if (!Files.exists(record)) {
                    return ends;
                }
                for (String line : Files.readAllLines(record, StandardCharsets.UTF_8)) {
                    String[] f = line.split("\t", -1);
                    if (line.startsWith("#") || f.length != 9) {
                        continue;
                    }
                    long user = Long.parseLong(f[2]);
                    if (f[4].equals("post") && f[6].equals("ok") && (user - 1) % 2 + 1 == cluster) {
                        ends.add(Long.parseLong(f[1]));
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // the record is being written: read it again later
            }
            Collections.sort(ends);
            return ends;
        }

        /**
         * The longest time in which no workload post of {@code cluster} was acknowledged, over the fault and 3 s
         * after the heal: from the last acknowledgement before the fault started (or the start) to the next one, and so
         * on.
         */
        private long longestAcknowledgedGap(int cluster) {
            List<Long> ends = acknowledgedPosts(cluster);
            long windowEnd = healed + 3000;
            long previous = faultStart;
            for (long end : ends) {
                if (end <= faultStart) {
                    previous = end;
                }
            }
            long longest = -1;
            for (long end : ends) {
                if (end > faultStart && end <= windowEnd) {
                    longest = Math.max(longest, end - previous);
                    previous = end;
                }
            }
            return longest < 0 ? windowEnd - previous : longest; // none at all: the whole window
        }
    }
}
