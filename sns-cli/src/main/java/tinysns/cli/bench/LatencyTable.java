package tinysns.cli.bench;

import java.io.PrintStream;
import org.HdrHistogram.Histogram;

/** Latencies in microseconds, printed as milliseconds at the percentiles everyone quotes. */
final class LatencyTable {
    private LatencyTable() {
    }

    static Histogram newHistogram() {
        return new Histogram(3_600_000_000L, 3); // up to an hour, 3 significant digits, in µs
    }

    static String header() {
        return String.format("%-34s %8s %9s %9s %9s %9s %9s", "measure", "count", "p50 ms", "p90 ms", "p99 ms",
                "p99.9 ms", "max ms");
    }

    static String row(String name, Histogram h) {
        return String.format("%-34s %8d %9.2f %9.2f %9.2f %9.2f %9.2f", name, h.getTotalCount(),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    }

    static void print(PrintStream out, String name, Histogram h) {
        out.println(header());
        out.println(row(name, h));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}
