package tinysns.cli.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import tinysns.cli.bench.load.OperationMix.Op;

/** A {@link BenchResult} as a terminal table, a JSON document with every figure, and a self-contained HTML page. */
public final class BenchReport {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};

    private BenchReport() {
    }

    public static void table(BenchResult r, PrintStream out) {
        out.println();
        r.settings().forEach((k, v) -> out.printf("%-20s %s%n", k, v));
        for (Population.Phase p : r.phases()) {
            out.printf("%-20s %,d in %.1f s (%,.0f/s)%n", "setup " + p.name(), p.operations(), p.seconds(),
                    p.perSecond());
        }
        out.println();
        out.printf("%-26s %10s %10s %8s %8s %8s %8s %8s %8s%n", "operation", "count", "ops/s", "errors",
                "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
        for (Op op : Op.values()) {
            Histogram h = r.totals().get(op);
            if (h.getTotalCount() == 0 && r.errors().get(op) == 0) {
                continue;
            }
            out.println(row(op.label(), h, r.perSecond(op), r.errors().get(op)));
        }
        out.printf("%-26s %,10d %,10.0f%n", "all", r.operations(), r.opsPerSecond());
        if (r.visibility() != null) {
            VisibilityProbe.Result v = r.visibility();
            out.println(row("cross-cluster sent->shown", v.sentToShown(), -1, v.missing()));
            out.println(row("cross-cluster commit->shown", v.committedToShown(), -1, v.missing()));
            out.printf("  visibility sample: %,d deliveries expected, %,d missing, %,d pushed twice%n",
                    v.expected(), v.missing(), v.duplicates());
        }
        if (!r.errorKinds().isEmpty()) {
            out.println("errors: " + r.errorKinds());
        }
        r.convergence().forEach((cluster, ms) -> out.printf(
                "cluster %d's last post visible in every other cluster %s%n", cluster,
                ms < 0 ? "NOT within the wait" : String.format(Locale.ROOT, "%d ms after the run's end", ms)));
        if (r.spotCheck() != null) {
            out.println("spot check: " + r.spotCheck());
        }
        if (r.cpu() != null) {
            CpuAccounting.Usage cpu = r.cpu();
            out.printf(Locale.ROOT, "%nCPU over the measured run: the machine was %.0f %% busy (%d cores); per operation:%n",
                    cpu.machineBusyFraction() * 100, cpu.cores());
            for (CpuAccounting.Share share : cpu.shares()) {
                out.printf(Locale.ROOT, "  %-24s %8.1f µs  (%.1f cores)%n", share.name(), share.microsPerOp(),
                        cpu.seconds() <= 0 ? 0 : share.seconds() / cpu.seconds());
            }
            out.println("  by thread kind, in the deployment's processes:");
            for (CpuAccounting.Share share : cpu.threadKinds()) {
                out.printf(Locale.ROOT, "    %-44s %8.1f µs  (%.2f cores)%n", share.name(), share.microsPerOp(),
                        cpu.seconds() <= 0 ? 0 : share.seconds() / cpu.seconds());
            }
        }
        if (!r.memory().isEmpty()) {
            out.println();
            out.printf("%-16s %8s %12s %12s%n", "process", "pid", "peak RSS MiB", "RSS MiB");
            for (ProcessMemory.Usage u : r.memory()) {
                out.printf("%-16s %8d %12.1f %12.1f%n", u.name(), u.pid(), u.peakKib() / 1024.0,
                        u.currentKib() / 1024.0);
            }
        }
    }

    private static String row(String name, Histogram h, double perSecond, long errors) {
        return String.format(Locale.ROOT, "%-26s %,10d %10s %,8d %8.2f %8.2f %8.2f %8.2f %8.2f", name,
                h.getTotalCount(), perSecond < 0 ? "" : String.format(Locale.ROOT, "%,.0f", perSecond), errors,
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    public static String json(BenchResult r) {
        Json j = new Json().open('{');
        j.key("settings").open('{');
        r.settings().forEach(j::field);
        j.close('}');
        j.key("setup").open('[');
        for (Population.Phase p : r.phases()) {
            j.open('{').field("phase", p.name()).field("operations", p.operations()).field("seconds", p.seconds())
                    .field("perSecond", p.perSecond()).close('}');
        }
        j.close(']');
        j.field("seconds", r.seconds()).field("operations", r.operations()).field("opsPerSecond", r.opsPerSecond());
        j.key("operationsByKind").open('{');
        for (Op op : Op.values()) {
            j.key(op.label()).open('{').field("perSecond", r.perSecond(op)).field("errors", r.errors().get(op));
            latency(j, r.totals().get(op));
            j.close('}');
        }
        j.close('}');
        j.key("errorKinds").open('{');
        r.errorKinds().forEach((k, v) -> j.field(k, v));
        j.close('}');
        if (r.visibility() != null) {
            VisibilityProbe.Result v = r.visibility();
            j.key("crossClusterVisibility").open('{').field("expected", v.expected()).field("missing", v.missing())
                    .field("duplicates", v.duplicates());
            j.key("sentToShown").open('{');
            latency(j, v.sentToShown());
            j.close('}').key("committedToShown").open('{');
            latency(j, v.committedToShown());
            j.close('}').close('}');
        }
        j.key("convergenceMillis").open('{');
        r.convergence().forEach((c, ms) -> j.field("cluster" + c, ms));
        j.close('}');
        j.field("spotCheck", r.spotCheck());
        if (r.cpu() != null) {
            j.key("cpu").open('{').field("machineBusyFraction", r.cpu().machineBusyFraction())
                    .field("cores", r.cpu().cores()).field("seconds", r.cpu().seconds());
            j.key("perGroup").open('[');
            for (CpuAccounting.Share share : r.cpu().shares()) {
                j.open('{').field("group", share.name()).field("cpuSeconds", share.seconds())
                        .field("microsPerOperation", share.microsPerOp()).close('}');
            }
            j.close(']');
            j.key("perThreadKind").open('[');
            for (CpuAccounting.Share share : r.cpu().threadKinds()) {
                j.open('{').field("kind", share.name()).field("cpuSeconds", share.seconds())
                        .field("microsPerOperation", share.microsPerOp()).close('}');
            }
            j.close(']').close('}');
        }
        j.key("memory").open('[');
        for (ProcessMemory.Usage u : r.memory()) {
            j.open('{').field("process", u.name()).field("pid", u.pid()).field("peakRssKib", u.peakKib())
                    .field("rssKib", u.currentKib()).close('}');
        }
        j.close(']');
        j.key("intervals").open('[');
        for (LatencyRecorder.Interval i : r.intervals()) {
            j.open('{').field("start", i.startSeconds()).field("seconds", i.seconds());
            for (Map.Entry<Op, LatencyRecorder.IntervalStat> e : i.ops().entrySet()) {
                LatencyRecorder.IntervalStat s = e.getValue();
                j.key(e.getKey().label()).open('{').field("count", s.count()).field("errors", s.errors())
                        .field("p50Ms", ms(s.p50Micros())).field("p99Ms", ms(s.p99Micros()))
                        .field("maxMs", ms(s.maxMicros())).close('}');
            }
            j.close('}');
        }
        j.close(']');
        return j.close('}').toString();
    }

    private static void latency(Json j, Histogram h) {
        j.field("count", h.getTotalCount());
        for (double p : PERCENTILES) {
            j.field("p" + (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)) + "Ms",
                    ms(h.getValueAtPercentile(p)));
        }
        j.field("maxMs", ms(h.getMaxValue())).field("meanMs", h.getMean() / 1000.0);
    }

    /** Writes {@code report.json} and {@code index.html} (charts as inline SVG: no script, no network) into dir. */
    public static void html(BenchResult r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"), json(r));
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>sns bench</title><style>")
                .append("body{font:14px system-ui,sans-serif;margin:2em;max-width:980px}")
                .append("table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}tr:nth-child(even){background:#f4f4f4}")
                .append("svg{border:1px solid #ccc;margin:6px 0}</style></head><body>")
                .append("<h1>sns bench</h1><table>");
        r.settings().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(v))
                .append("</td></tr>"));
        h.append("</table><h2>Latency (ms)</h2><table><tr><th>operation</th><th>count</th><th>ops/s</th>")
                .append("<th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
        for (Op op : Op.values()) {
            Histogram t = r.totals().get(op);
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.0f</td><td>%d</td>"
                            + "<td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>",
                    op.label(), t.getTotalCount(), r.perSecond(op), r.errors().get(op),
                    ms(t.getValueAtPercentile(50)), ms(t.getValueAtPercentile(90)), ms(t.getValueAtPercentile(99)),
                    ms(t.getValueAtPercentile(99.9)), ms(t.getMaxValue())));
        }
        h.append("</table>");
        List<LatencyRecorder.Interval> iv = r.intervals();
        String[] colors = {"#1f77b4", "#2ca02c", "#d62728", "#555"};
        h.append("<h2>Throughput over time (ops/s)</h2>");
        double[][] tput = new double[Op.values().length + 1][iv.size()];
        for (int i = 0; i < iv.size(); i++) {
            LatencyRecorder.Interval x = iv.get(i);
            for (Op op : Op.values()) {
                tput[op.ordinal()][i] = x.seconds() <= 0 ? 0 : x.ops().get(op).count() / x.seconds();
            }
            tput[Op.values().length][i] = x.opsPerSecond();
        }
        h.append(chart(iv, tput, labels("all"), colors));
        h.append("<h2>Latency over time: p99 per second (ms)</h2>");
        double[][] p99 = new double[Op.values().length][iv.size()];
        double[][] p50 = new double[Op.values().length][iv.size()];
        for (int i = 0; i < iv.size(); i++) {
            for (Op op : Op.values()) {
                p99[op.ordinal()][i] = ms(iv.get(i).ops().get(op).p99Micros());
                p50[op.ordinal()][i] = ms(iv.get(i).ops().get(op).p50Micros());
            }
        }
        h.append(chart(iv, p99, labels(null), colors));
        h.append("<h2>Latency over time: p50 per second (ms)</h2>");
        h.append(chart(iv, p50, labels(null), colors));
        h.append("<h2>Everything else</h2><pre>").append(esc(json(r).replace(",\"", ",\n\""))).append("</pre>");
        h.append("</body></html>\n");
        Files.writeString(dir.resolve("index.html"), h.toString());
    }

    private static String[] labels(String extra) {
        Op[] ops = Op.values();
        String[] labels = new String[ops.length + (extra == null ? 0 : 1)];
        for (int i = 0; i < ops.length; i++) {
            labels[i] = ops[i].label();
        }
        if (extra != null) {
            labels[ops.length] = extra;
        }
        return labels;
    }

    /** Lines over time as an inline SVG, y from 0 to the series' maximum. */
    static String chart(List<LatencyRecorder.Interval> intervals, double[][] series, String[] labels,
                        String[] colors) {
        int w = 900;
        int hgt = 260;
        int left = 60;
        int bottom = 30;
        double maxY = 0;
        for (double[] s : series) {
            for (double v : s) {
                maxY = Math.max(maxY, v);
            }
        }
        maxY = maxY <= 0 ? 1 : maxY * 1.05;
        double maxX = intervals.isEmpty() ? 1 : intervals.get(intervals.size() - 1).startSeconds()
                + intervals.get(intervals.size() - 1).seconds();
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", w, hgt + 20));
        for (int g = 0; g <= 4; g++) {
            double y = hgt - bottom - g * (hgt - bottom - 10) / 4.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<text x=\"4\" y=\"%.1f\" font-size=\"11\">%s</text>", left, y, w - 10, y, y + 4,
                    compact(maxY * g / 4)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">0 s</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.0f s</text>", left, hgt - 10, w - 50, hgt - 10, maxX));
        for (int s = 0; s < series.length; s++) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < intervals.size(); i++) {
                LatencyRecorder.Interval x = intervals.get(i);
                double px = left + (x.startSeconds() + x.seconds()) / maxX * (w - left - 10);
                double py = hgt - bottom - series[s][i] / maxY * (hgt - bottom - 10);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            svg.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(colors[s % colors.length])
                    .append("\" points=\"").append(pts).append("\"/>");
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">%s</text>",
                    left + 10 + s * 140, hgt + 14, colors[s % colors.length], esc(labels[s])));
        }
        return svg.append("</svg>").toString();
    }

    private static String compact(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.1fk", v / 1000) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
