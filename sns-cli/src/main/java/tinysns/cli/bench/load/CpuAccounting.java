package tinysns.cli.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the CPU went during a run, measured rather than guessed: each deployment process's user+system time from
 * {@code /proc/<pid>/stat}, the bench's own, and the whole machine's busy share from {@code /proc/stat}, taken before
 * and after. Divided by the operations done, it says which process class a throughput limit lives in.
 */
public final class CpuAccounting {
    /** Linux reports process times in clock ticks of 1/100 s on every architecture this runs on (USER_HZ). */
    private static final double TICK_SECONDS = 0.01;

    /**
     * CPU seconds so far per process name, per live thread of the deployment's processes (keyed
     * {@code process/tid}, with its kind, see {@link #threadKind}), the bench's own, and the machine's busy and total
     * ticks.
     */
    public record Snapshot(Map<String, Double> processSeconds, Map<String, ThreadTime> threadSeconds,
                           double benchSeconds, long machineBusy, long machineTotal, long atNanos) {
    }

    /** One thread's kind and CPU seconds so far. */
    public record ThreadTime(String process, String kind, double seconds) {
    }

    /**
     * The kind under which the CPU of threads that ended during the run is counted: a process's own time still holds
     * it, its thread list no longer does (RMI ends idle connection threads; without this their time went missing
     * and a kind could come out negative).
     */
    static final String ENDED_THREADS = "threads that ended during the run";

    /** A process class's CPU over the run: seconds, and microseconds per operation. */
    public record Share(String name, double seconds, double microsPerOp) {
    }

    /**
     * The run's CPU: per process group, per thread kind (in the deployment's processes), and the machine's busy
     * fraction (of all its cores) and core count.
     */
    public record Usage(List<Share> shares, List<Share> threadKinds, double machineBusyFraction, int cores,
                        double seconds) {
    }

    private CpuAccounting() {
    }

    public static Snapshot take(Path runDir) throws IOException {
        Map<String, Double> seconds = new LinkedHashMap<>();
        Map<String, ThreadTime> threads = new LinkedHashMap<>();
        for (Map.Entry<String, Long> process : DeploymentPids.of(runDir).entrySet()) {
            double s = processSeconds(process.getValue());
            if (s >= 0) {
                seconds.put(process.getKey(), s);
                addThreads(process.getKey(), process.getValue(), threads);
            }
        }
        double bench = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        long[] machine = machineTicks();
        return new Snapshot(seconds, threads, bench, machine[0], machine[1], System.nanoTime());
    }

    /** The difference between two snapshots, grouped as node / sync / coordinator+registry / bench. */
    public static Usage between(Snapshot before, Snapshot after, long operations) {
        Map<String, Double> groups = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : after.processSeconds().entrySet()) {
            Double was = before.processSeconds().get(e.getKey());
            if (was == null) {
                continue; // started during the run: no baseline
            }
            groups.merge(group(e.getKey()), e.getValue() - was, Double::sum);
        }
        groups.put("bench (this JVM)", after.benchSeconds() - before.benchSeconds());
        List<Share> shares = new ArrayList<>();
        groups.forEach((name, s) -> shares.add(new Share(name, s, operations == 0 ? 0 : s * 1e6 / operations)));
        // Per thread: its time since the first snapshot (all of it if it started since). Per process, whatever its own
        // time grew by beyond its live threads' is the time of threads that ended meanwhile.
        Map<String, Double> byKind = new java.util.TreeMap<>();
        Map<String, Double> liveByProcess = new java.util.HashMap<>();
        after.threadSeconds().forEach((key, t) -> {
            ThreadTime was = before.threadSeconds().get(key);
            double d = t.seconds() - (was == null ? 0 : was.seconds());
            byKind.merge(t.kind(), d, Double::sum);
            liveByProcess.merge(t.process(), d, Double::sum);
        });
        double ended = 0;
        for (Map.Entry<String, Double> e : after.processSeconds().entrySet()) {
            Double was = before.processSeconds().get(e.getKey());
            if (was != null) {
                ended += Math.max(0, e.getValue() - was - liveByProcess.getOrDefault(e.getKey(), 0.0));
            }
        }
        if (ended > 0) {
            byKind.put(ENDED_THREADS, ended);
        }
        List<Share> kinds = new ArrayList<>();
        byKind.forEach((kind, d) -> kinds.add(new Share(kind, d, operations == 0 ? 0 : d * 1e6 / operations)));
        kinds.sort((a, b) -> Double.compare(b.seconds(), a.seconds()));
        long total = after.machineTotal() - before.machineTotal();
        double busy = total <= 0 ? 0 : (after.machineBusy() - before.machineBusy()) / (double) total;
        return new Usage(shares, kinds, busy, Runtime.getRuntime().availableProcessors(),
                (after.atNanos() - before.atNanos()) / 1e9);
    }

    static String group(String processName) {
        if (processName.startsWith("node-")) {
            return "nodes";
        }
        if (processName.startsWith("sync-")) {
            return "synchronizers";
        }
        return "coordinator + registry";
    }

    /** Adds each live thread of process {@code pid} ({@code name}) with its kind and CPU seconds. */
    private static void addThreads(String name, long pid, Map<String, ThreadTime> threads) throws IOException {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : list.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    threads.put(name + "/" + task.getFileName(),
                            new ThreadTime(name, threadKind(comm), parseStatSeconds(stat)));
                } catch (java.nio.file.NoSuchFileException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // the process ended
        }
    }

    /**
     * What a thread does, from its name as Linux keeps it (Java's thread name, cut to 15 characters): the JIT, the
     * garbage collector and VM, RMI's connection threads (serialization and the service code they run), the store's
     * read pool, JRaft and its RPC, RocksDB's background work, or other.
     */
    static String threadKind(String comm) {
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler") || comm.startsWith("Sweeper")) {
            return "JIT compiler";
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM ")) {
            return "GC + VM";
        }
        if (comm.startsWith("RMI ")) {
            return "RMI calls (incl. service code)";
        }
        if (comm.startsWith("raft-read-")) {
            return "store reads on the read pool"; // ClusterReplica's own pool, not JRaft
        }
        if (comm.startsWith("JRaft") || comm.startsWith("Append-Entries") || comm.startsWith("bolt-")
                || comm.startsWith("Bolt-") || comm.startsWith("Rpc-netty") || comm.startsWith("raft-")
                || comm.startsWith("read-index")) {
            return "JRaft + its RPC (incl. state machine apply)";
        }
        if (comm.startsWith("rocksdb:")) {
            return "RocksDB background";
        }
        return "other";
    }

    /** utime + stime of a process in seconds, or -1 if it is gone. */
    static double processSeconds(long pid) throws IOException {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (java.nio.file.NoSuchFileException e) {
            return -1;
        }
        return parseStatSeconds(stat);
    }

    /** Fields 14 and 15 of /proc/pid/stat, counted after the command name, which may contain spaces. */
    static double parseStatSeconds(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // f[0] is field 3 (state): utime is field 14 -> f[11], stime field 15 -> f[12].
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_SECONDS;
    }

    /** {busy, total} jiffies of all cores from the first line of /proc/stat; zeros where there is none. */
    static long[] machineTicks() throws IOException {
        Path stat = Path.of("/proc/stat");
        if (!Files.exists(stat)) {
            return new long[]{0, 0};
        }
        return parseMachineTicks(Files.readAllLines(stat).get(0));
    }

    static long[] parseMachineTicks(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        long total = 0;
        long idle = 0;
        for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
            long v = Long.parseLong(f[i]);
            total += v;
            if (i == 4 || i == 5) {
                idle += v;
            }
        }
        return new long[]{total - idle, total};
    }
}
