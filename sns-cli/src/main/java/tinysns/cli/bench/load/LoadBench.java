package tinysns.cli.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import tinysns.cli.CoordinatorQuery;
import tinysns.cli.DeploymentPorts;
import tinysns.cli.bench.load.OperationMix.Op;

/**
 * {@code sns bench}: populate (users, follow graph, preload), run the mixed workload, check that every post reached
 * every cluster, and report. Against a running deployment, or one it starts itself with {@code --start}.
 */
public final class LoadBench {
    private final LoadBenchOptions o;
    private final PrintStream out;

    public LoadBench(LoadBenchOptions options, PrintStream out) {
        this.o = options;
        this.out = out;
    }

    public int run() throws Exception {
        o.validate();
        if (!o.start) {
            return measure(o.host(), o.port(), o.runDir != null ? o.runDir : defaultRunDir());
        }
        boolean ownDir = o.runDir == null;
        Path runDir = ownDir ? Files.createTempDirectory("sns-bench-").toAbsolutePath() : o.runDir.toAbsolutePath();
        int basePort = freeBasePort(o.clusters, o.replicas);
        Path scripts = scriptsDir();
        Thread stopper = new Thread(() -> stop(scripts, runDir), "sns-bench-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            out.printf("starting %d clusters x %d replicas in %s (base port %d)...%n", o.clusters, o.replicas, runDir,
                    basePort);
            ProcessBuilder up = new ProcessBuilder(scripts.resolve("sns-up.sh").toString(), "--run-dir",
                    runDir.toString(), "--base-port", Integer.toString(basePort), "--clusters",
                    Integer.toString(o.clusters), "--replicas", Integer.toString(o.replicas)).inheritIO();
            // A capacity benchmark measures the system, not its anti-abuse limit: no per-user post rate unless asked.
            up.environment().putIfAbsent("SNS_POST_RATE", "0");
            int exit = up.start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("sns-up.sh failed (exit " + exit + "); see " + runDir + "/logs");
            }
            return measure("127.0.0.1", basePort, runDir);
        } finally {
            stop(scripts, runDir);
            if (ownDir) {
                // A temp deployment's data can be gigabytes (1M posts: ~0.7 GB per node); --run-dir keeps it.
                deleteTree(runDir);
                out.println("removed the deployment's temp dir " + runDir + " (--run-dir DIR keeps data and logs)");
            }
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or ran: it stops the deployment
            }
        }
    }

    private int measure(String host, int port, Path runDir) throws Exception {
        int clusters = CoordinatorQuery.clusterCount(host, port, Duration.ofSeconds(10));
        if (o.cluster > clusters) {
            throw new IllegalArgumentException("--cluster " + o.cluster + ": the deployment has " + clusters
                    + " clusters");
        }
        long seed = o.seed != null ? o.seed : ThreadLocalRandom.current().nextLong();
        long idBase = (o.idBase != null ? o.idBase : ThreadLocalRandom.current().nextLong(100_000L, 100_000_000L)
                * 10_000L) / clusters * clusters;
        SocialGraph graph = SocialGraph.powerLaw(o.users, o.meanFollows, o.followExponent, o.maxFollows, seed);
        int graphSlots = (o.users + clusters - 1) / clusters * clusters;
        RmiTarget target = new RmiTarget(host, port, clusters, idBase, graphSlots + clusters);
        int[] acting = acting(target);
        if (acting.length == 0) {
            throw new IllegalArgumentException("no user of cluster " + o.cluster + " among " + o.users
                    + " users; raise --users");
        }
        Map<String, String> settings = settings(host, port, clusters, seed, idBase, graph, acting.length);
        settings.forEach((k, v) -> out.printf("%-20s %s%n", k, v));

        List<Population.Phase> phases = new ArrayList<>();
        Population population = new Population(target, o.clients, out);
        int[] everyone = new int[o.users + (clusters > 1 ? clusters : 0)];
        for (int i = 0; i < o.users; i++) {
            everyone[i] = i;
        }
        for (int c = 0; clusters > 1 && c < clusters; c++) {
            everyone[o.users + c] = graphSlots + c; // one observer per cluster
        }
        out.println("setup:");
        phases.add(population.login(everyone));
        phases.add(population.follow(graph));
        if (o.preload > 0) {
            int[] all = new int[o.users];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            phases.add(population.preload(all, o.preload, o.postChars));
        }
        if (clusters > 1) {
            long since = System.nanoTime();
            Map<Integer, Long> seen = converge(target, graphSlots, clusters, allClusters(clusters),
                    TimeUnit.MINUTES.toMillis(15));
            if (seen.containsValue(-1L)) {
                throw new IllegalStateException("the clusters did not converge within 15 min after setup: " + seen);
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(seen.values().stream().mapToLong(Long::longValue).max()
                    .orElse(since) - since);
            out.printf("  every cluster has every other's writes (%,d ms)%n", ms);
        }

        VisibilityProbe probe = new VisibilityProbe();
        try {
            if (clusters > 1 && o.observedAuthors > 0) {
                watch(probe, target, graphSlots, clusters, acting, seed);
                target.observeWith(probe);
            }
            LoadRun.Settings run = new LoadRun.Settings(o.mix, o.clients, o.rate, o.warmup, o.duration,
                    o.postChars, seed);
            out.printf("running %s for %d s after %d s of warm-up...%n", o.rate > 0 ? "open loop at "
                    + (long) o.rate + " ops/s" : "closed loop", o.duration.toSeconds(), o.warmup.toSeconds());
            CpuAccounting.Snapshot[] cpuBefore = new CpuAccounting.Snapshot[1];
            LatencyRecorder recorder = new LoadRun(run, target, acting, graph).onMeasureStart(() -> {
                try {
                    cpuBefore[0] = CpuAccounting.take(runDir);
                } catch (IOException e) {
                    out.println("  (no CPU accounting: " + e.getMessage() + ")");
                }
            }).run(this::progress);
            long endNanos = System.nanoTime();
            CpuAccounting.Snapshot cpuAfter = CpuAccounting.take(runDir);
            target.observeWith(null);

            VisibilityProbe.Result visibility = probe.observers() > 0 ? probe.finish(10_000) : null;
            Map<Integer, Long> convergence = clusters > 1
                    ? convergeSince(target, graphSlots, clusters, actingClusters(target, acting), endNanos)
                    : Map.of();
            String spot = clusters > 1 ? spotCheck(target, graphSlots, clusters, acting, seed) : null;
            Map<Op, Histogram> totals = new EnumMap<>(Op.class);
            Map<Op, Long> errors = new EnumMap<>(Op.class);
            for (Op op : Op.values()) {
                totals.put(op, recorder.total(op));
                errors.put(op, recorder.errors(op));
            }
            double seconds = recorder.intervals().stream().mapToDouble(LatencyRecorder.Interval::seconds).sum();
            BenchResult result = new BenchResult(settings, phases, totals, errors, recorder.errorKinds(), seconds,
                    recorder.intervals(), visibility, convergence, spot,
                    runDir == null ? List.of() : ProcessMemory.of(runDir),
                    cpuBefore[0] == null ? null : CpuAccounting.between(cpuBefore[0], cpuAfter,
                            totals.values().stream().mapToLong(Histogram::getTotalCount).sum()));
            BenchReport.table(result, out);
            Path json = o.json != null ? o.json : Path.of("bench-results", "sns-bench-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
            if (json.getParent() != null) {
                Files.createDirectories(json.getParent());
            }
            Files.writeString(json, BenchReport.json(result));
            out.println("JSON: " + json.toAbsolutePath());
            if (o.report != null) {
                BenchReport.html(result, o.report);
                out.println("HTML: " + o.report.toAbsolutePath().resolve("index.html"));
            }
            boolean lost = visibility != null && (visibility.missing() > 0 || visibility.duplicates() > 0);
            boolean stuck = convergence.values().stream().anyMatch(ms -> ms < 0);
            boolean spotFailed = spot != null && !spot.startsWith("ok");
            if (lost || stuck || spotFailed) {
                out.println("FAILED: posts did not reach every cluster exactly once (see above)");
                return 1;
            }
            return 0;
        } finally {
            probe.close();
        }
    }

    private int[] acting(RmiTarget target) {
        List<Integer> users = new ArrayList<>();
        for (int i = 0; i < o.users; i++) {
            if (o.cluster == 0 || target.cluster(i) == o.cluster) {
                users.add(i);
            }
        }
        return users.stream().mapToInt(Integer::intValue).toArray();
    }

    private Map<String, String> settings(String host, int port, int clusters, long seed, long idBase,
                                         SocialGraph graph, int acting) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("deployment", host + ":" + port + ", " + clusters + " clusters");
        s.put("users", String.format(Locale.ROOT, "%d (ids %d..%d), %d acting%s", o.users, idBase + 1,
                idBase + o.users, acting, o.cluster == 0 ? "" : " (cluster " + o.cluster + " only)"));
        s.put("follow graph", String.format(Locale.ROOT, "%d edges, mean %.1f, max %d out; max %d followers "
                        + "(Pareto %.1f, seed %d)", graph.edges(), graph.edges() / (double) graph.users(),
                maxOf(outDegrees(graph)), maxOf(graph.inDegrees()), o.followExponent, seed));
        s.put("preload", o.preload + " posts");
        s.put("mix", o.mix + " (home-timeline:user-timeline:post)");
        s.put("load", o.rate > 0 ? String.format(Locale.ROOT, "open loop, %.0f ops/s over %d clients", o.rate,
                o.clients) : "closed loop, " + o.clients + " clients");
        s.put("duration", o.duration.toSeconds() + " s after " + o.warmup.toSeconds() + " s warm-up");
        s.put("post size", o.postChars + " chars");
        s.put("started", LocalDateTime.now().withNano(0).toString());
        return s;
    }

    private static int[] outDegrees(SocialGraph g) {
        int[] d = new int[g.users()];
        for (int i = 0; i < d.length; i++) {
            d[i] = g.outDegree(i);
        }
        return d;
    }

    private static int maxOf(int[] values) {
        int max = 0;
        for (int v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    private void progress(LatencyRecorder.Interval i) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %4.0fs %,9.0f ops/s",
                i.startSeconds() + i.seconds(), i.opsPerSecond()));
        long errors = 0;
        for (Op op : Op.values()) {
            LatencyRecorder.IntervalStat s = i.ops().get(op);
            errors += s.errors();
            if (s.count() > 0) {
                line.append(String.format(Locale.ROOT, "  %s p99 %.1f ms", op.label(), s.p99Micros() / 1000.0));
            }
        }
        if (errors > 0) {
            line.append("  errors ").append(errors);
        }
        out.println(line);
    }

    /** Observer c follows a few acting users of the other clusters, drawn with the run's seed. */
    private void watch(VisibilityProbe probe, RmiTarget target, int graphSlots, int clusters, int[] acting,
                       long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5EEDL);
        long deadline = System.currentTimeMillis() + 60_000;
        for (int c = 1; c <= clusters; c++) {
            List<Integer> candidates = new ArrayList<>();
            for (int user : acting) {
                if (target.cluster(user) != c) {
                    candidates.add(user);
                }
            }
            if (candidates.isEmpty()) {
                continue;
            }
            int n = Math.min(o.observedAuthors, candidates.size());
            int[] authors = new int[n];
            for (int i = 0; i < n; i++) {
                authors[i] = candidates.remove(random.nextInt(candidates.size()));
            }
            probe.watch(target, graphSlots + c - 1, authors, deadline);
        }
    }

    private static List<Integer> allClusters(int clusters) {
        List<Integer> all = new ArrayList<>();
        for (int c = 1; c <= clusters; c++) {
            all.add(c);
        }
        return all;
    }

    private static List<Integer> actingClusters(RmiTarget target, int[] acting) {
        return acting.length == 0 ? List.of() : new ArrayList<>(new java.util.TreeSet<>(
                java.util.Arrays.stream(acting).map(target::cluster).boxed().toList()));
    }

    private Map<Integer, Long> convergeSince(RmiTarget target, int graphSlots, int clusters, List<Integer> origins,
                                            long sinceNanos) throws Exception {
        Map<Integer, Long> done = converge(target, graphSlots, clusters, origins, 60_000);
        Map<Integer, Long> since = new TreeMap<>();
        done.forEach((c, atNanos) -> since.put(c, atNanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(atNanos
                - sinceNanos)));
        return since;
    }

    /**
     * Each origin cluster's observer posts a sentinel after everything else was acknowledged; synchronizers carry a
     * cluster's events in commit order, so once the sentinel shows in every other cluster, all before it do too.
     * Returns per origin the {@link System#nanoTime} when that was seen, or -1 if not within {@code patienceMillis}.
     */
    private Map<Integer, Long> converge(RmiTarget target, int graphSlots, int clusters, List<Integer> origins,
                                        long patienceMillis) throws Exception {
        long start = System.nanoTime();
        Map<Integer, Long> sentinelSeq = new TreeMap<>();
        for (int c : origins) {
            sentinelSeq.put(c, target.postNow(graphSlots + c - 1, "sentinel"));
        }
        Map<Integer, Long> seenAt = new TreeMap<>();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(patienceMillis);
        while (seenAt.size() < origins.size() && System.nanoTime() < deadline) {
            for (int c : origins) {
                if (seenAt.containsKey(c)) {
                    continue;
                }
                boolean everywhere = true;
                for (int other = 1; other <= clusters && everywhere; other++) {
                    everywhere = other == c || target.newestSeqSeenBy(graphSlots + other - 1,
                            target.id(graphSlots + c - 1)) >= sentinelSeq.get(c);
                }
                if (everywhere) {
                    seenAt.put(c, System.nanoTime());
                }
            }
            Thread.sleep(5);
        }
        Map<Integer, Long> result = new TreeMap<>();
        for (int c : origins) {
            Long at = seenAt.get(c);
            result.put(c, at == null ? -1 : at);
        }
        return result;
    }

    /** Up to 100 acting authors: each one's newest acknowledged post must show in every other cluster. */
    private String spotCheck(RmiTarget target, int graphSlots, int clusters, int[] acting, long seed)
            throws Exception {
        SplittableRandom random = new SplittableRandom(seed ^ 0xC0FFEEL);
        int checked = 0;
        int missing = 0;
        List<String> examples = new ArrayList<>();
        for (int i = 0; i < Math.min(100, acting.length); i++) {
            int author = acting[random.nextInt(acting.length)];
            long last = target.lastPostSeq(author);
            if (last == 0) {
                continue;
            }
            for (int other = 1; other <= clusters; other++) {
                if (other == target.cluster(author)) {
                    continue;
                }
                checked++;
                long seen = target.newestSeqSeenBy(graphSlots + other - 1, target.id(author));
                if (seen < last) {
                    missing++;
                    if (examples.size() < 3) {
                        examples.add("user " + target.id(author) + " post " + last + " not in cluster " + other
                                + " (newest there " + seen + ")");
                    }
                }
            }
        }
        return missing == 0 ? "ok: " + checked + " newest posts checked in the other clusters, all present"
                : missing + " of " + checked + " newest posts missing, e.g. " + examples;
    }

    private static Path defaultRunDir() {
        Path run = Path.of("run");
        return Files.isDirectory(run.resolve("pids")) ? run : null;
    }

    /** A base port whose whole port layout (see sns-up.sh) is free, away from the default 9000 deployment. */
    static int freeBasePort(int clusters, int replicas) throws IOException {
        for (int base = 11_000; base < 16_000; base += 37) {
            if (DeploymentPorts.allFree("127.0.0.1", DeploymentPorts.of(base, clusters, replicas))) {
                return base;
            }
        }
        throw new IOException("no free base port between 11000 and 16000 for " + clusters + " clusters");
    }

    /** The scripts directory: -Dsns.home (set by scripts/sns), else beside the jar's target directory. */
    static Path scriptsDir() throws IOException {
        String home = System.getProperty("sns.home");
        Path root;
        if (home != null) {
            root = Path.of(home);
        } else {
            try {
                Path jar = Path.of(LoadBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                root = jar.getParent().getParent().getParent();
            } catch (java.net.URISyntaxException | NullPointerException e) {
                throw new IOException("cannot tell where the scripts are; run through scripts/sns or scripts/bench.sh",
                        e);
            }
        }
        Path scripts = root.resolve("scripts");
        if (!Files.isExecutable(scripts.resolve("sns-up.sh"))) {
            throw new IOException("no scripts/sns-up.sh under " + root + "; run through scripts/sns or scripts/bench.sh");
        }
        return scripts;
    }

    private void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            out.println("could not remove " + dir + ": " + e.getMessage());
        }
    }

    private void stop(Path scripts, Path runDir) {
        try {
            new ProcessBuilder(scripts.resolve("sns-down.sh").toString(), "--run-dir", runDir.toString())
                    .inheritIO().start().waitFor(60, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            System.err.println("sns bench: could not stop the deployment in " + runDir + ": " + e
                    + "; run scripts/sns-down.sh --run-dir " + runDir);
        }
    }
}
