package tinysns.cli.bench.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import tinysns.cli.bench.load.OperationMix.Op;

/**
 * Every operation's latency, per operation kind, in HDR histograms (microseconds, 3 significant digits, up to an
 * hour): recording is lock-free from any thread; one sampling thread cuts the interval histograms once a second into
 * the per-second series (for the over-time charts) and adds them to the run's totals. Errors are counted by kind.
 *
 * <p>Accounting invariant, tested: for each operation, the totals' count equals the sum of the intervals' counts,
 * which equals the number of successful operations recorded after the last {@link #discard}.
 */
public final class LatencyRecorder {
    static final long HIGHEST_MICROS = 3_600_000_000L;

    private final Map<Op, Recorder> recorders = new EnumMap<>(Op.class);
    private final Map<Op, LongAdder> intervalErrors = new EnumMap<>(Op.class);
    private final Map<Op, Histogram> totals = new EnumMap<>(Op.class);
    private final Map<Op, Long> totalErrors = new EnumMap<>(Op.class);
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    private final List<Interval> intervals = new ArrayList<>();
    private final Map<Op, Histogram> recycled = new EnumMap<>(Op.class);
    private long lastCutNanos;
    private final long originNanos;
    private volatile boolean countErrorKinds;

    /** One second (or so) of the run: per operation, how many, how many failed, and the latency percentiles. */
    public record Interval(double startSeconds, double seconds, Map<Op, IntervalStat> ops) {
        public double opsPerSecond() {
            long count = 0;
            for (IntervalStat s : ops.values()) {
                count += s.count();
            }
            return seconds <= 0 ? 0 : count / seconds;
        }
    }

    /** Latencies in microseconds. */
    public record IntervalStat(long count, long errors, long p50Micros, long p99Micros, long maxMicros) {
    }

    public LatencyRecorder(long originNanos) {
        this.originNanos = originNanos;
        this.lastCutNanos = originNanos;
        for (Op op : Op.values()) {
            recorders.put(op, new Recorder(HIGHEST_MICROS, 3));
            intervalErrors.put(op, new LongAdder());
            totals.put(op, newHistogram());
            totalErrors.put(op, 0L);
        }
    }

    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_MICROS, 3);
    }

    /** A successful operation that took {@code nanos} (from its intended start in an open loop). */
    public void record(Op op, long nanos) {
        recorders.get(op).recordValue(Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1000)));
    }

    /** A failed operation; {@code kind} is a status or exception name. */
    public void error(Op op, String kind) {
        intervalErrors.get(op).increment();
        if (countErrorKinds) {
            errorKinds.computeIfAbsent(op.label() + " " + kind, k -> new LongAdder()).increment();
        }
    }

    /** Drops everything recorded so far (the warm-up) and starts counting error kinds. */
    public synchronized void discard(long nowNanos) {
        for (Op op : Op.values()) {
            recycled.put(op, recorders.get(op).getIntervalHistogram(recycled.get(op)));
            intervalErrors.get(op).sumThenReset();
        }
        errorKinds.clear();
        countErrorKinds = true;
        lastCutNanos = nowNanos;
    }

    /** Cuts the interval since the previous cut; called by one thread, about once a second. */
    public synchronized Interval cut(long nowNanos) {
        Map<Op, IntervalStat> stats = new EnumMap<>(Op.class);
        for (Op op : Op.values()) {
            Histogram h = recorders.get(op).getIntervalHistogram(recycled.get(op));
            recycled.put(op, h);
            long errors = intervalErrors.get(op).sumThenReset();
            totals.get(op).add(h);
            totalErrors.merge(op, errors, Long::sum);
            stats.put(op, new IntervalStat(h.getTotalCount(), errors, h.getValueAtPercentile(50),
                    h.getValueAtPercentile(99), h.getMaxValue()));
        }
        Interval interval = new Interval((lastCutNanos - originNanos) / 1e9, (nowNanos - lastCutNanos) / 1e9,
                Collections.unmodifiableMap(stats));
        intervals.add(interval);
        lastCutNanos = nowNanos;
        return interval;
    }

    public synchronized Histogram total(Op op) {
        return totals.get(op).copy();
    }

    public synchronized long errors(Op op) {
        return totalErrors.get(op);
    }

    public synchronized List<Interval> intervals() {
        return List.copyOf(intervals);
    }

    /** "post TIMEOUT" → count, sorted by name. */
    public Map<String, Long> errorKinds() {
        Map<String, Long> kinds = new TreeMap<>();
        errorKinds.forEach((k, v) -> kinds.put(k, v.sum()));
        return kinds;
    }
}
