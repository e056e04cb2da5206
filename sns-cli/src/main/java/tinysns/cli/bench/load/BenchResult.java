package tinysns.cli.bench.load;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import tinysns.cli.bench.load.OperationMix.Op;

/**
 * Everything one run measured, for the terminal table, the JSON file and the HTML page.
 *
 * @param settings    what was asked, as printable name → value pairs, in order
 * @param phases      setup phases (login, follow, preload) and their rates
 * @param totals      per operation, the measured latencies (µs) of successful operations
 * @param errors      per operation, failed operations
 * @param seconds     the measured duration
 * @param intervals   the per-second series
 * @param visibility  cross-cluster visibility sample, or null
 * @param convergence per cluster, ms from the run's end until its last post showed in every other cluster (-1: not
 *                    within the wait)
 * @param spotCheck   what the post-run spot check of authors' newest posts found
 * @param memory      each deployment process's peak and current RSS
 * @param cpu         CPU time per process group over the measured run, or null
 */
public record BenchResult(Map<String, String> settings, List<Population.Phase> phases, Map<Op, Histogram> totals,
                          Map<Op, Long> errors, Map<String, Long> errorKinds, double seconds,
                          List<LatencyRecorder.Interval> intervals, VisibilityProbe.Result visibility,
                          Map<Integer, Long> convergence, String spotCheck, List<ProcessMemory.Usage> memory,
                          CpuAccounting.Usage cpu) {

    public long operations() {
        long n = 0;
        for (Histogram h : totals.values()) {
            n += h.getTotalCount();
        }
        return n;
    }

    public double opsPerSecond() {
        return seconds <= 0 ? 0 : operations() / seconds;
    }

    public double perSecond(Op op) {
        return seconds <= 0 ? 0 : totals.get(op).getTotalCount() / seconds;
    }
}
