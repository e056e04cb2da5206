package tinysns.cli.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tinysns.cli.bench.load.OperationMix.Op;

class BenchReportTest {
    private static BenchResult result() {
        LatencyRecorder recorder = new LatencyRecorder(0);
        recorder.discard(0);
        for (int second = 1; second <= 3; second++) {
            for (int i = 0; i < 100 * second; i++) {
                recorder.record(Op.HOME_TIMELINE, 1_000_000L * second);
                recorder.record(Op.POST, 2_000_000L);
            }
            recorder.error(Op.POST, "TIMEOUT");
            recorder.cut(second * 1_000_000_000L);
        }
        Map<Op, Histogram> totals = new EnumMap<>(Op.class);
        Map<Op, Long> errors = new EnumMap<>(Op.class);
        for (Op op : Op.values()) {
            totals.put(op, recorder.total(op));
            errors.put(op, recorder.errors(op));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("mix", "60:30:10 \"quoted\" <b>");
        Histogram visible = LatencyRecorder.newHistogram();
        visible.recordValue(40_000);
        return new BenchResult(settings, List.of(new Population.Phase("login", 10, 2)), totals, errors,
                recorder.errorKinds(), 3.0, recorder.intervals(),
                new VisibilityProbe.Result(visible, visible, 1, 0, 0), Map.of(2, 120L), "ok: 3 checked",
                List.of(new ProcessMemory.Usage("node-1.1", 42, 300_000, 250_000)),
                new CpuAccounting.Usage(List.of(new CpuAccounting.Share("nodes", 1.5, 1250)),
                        List.of(new CpuAccounting.Share("JIT compiler", 0.3, 250)), 0.9, 2, 3));
    }

    @Test
    void theTableShowsThroughputPercentilesAndErrors() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BenchReport.table(result(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("home-timeline"), table);
        assertTrue(table.matches("(?s).*post\\s+600\\s+200\\s+3\\s+2\\.00.*"), "600 posts in 3 s, 3 errors:\n" + table);
        assertTrue(table.contains("post TIMEOUT=3"), table);
        assertTrue(table.contains("120 ms after the run's end"), table);
        assertTrue(table.contains("293.0"), "peak RSS in MiB:\n" + table);
    }

    @Test
    void theJsonIsWellFormedAndCarriesEveryFigure() {
        String json = BenchReport.json(result());
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"' && json.charAt(i - 1) != '\\') {
                inString = !inString;
            } else if (!inString && (c == '{' || c == '[')) {
                depth++;
            } else if (!inString && (c == '}' || c == ']')) {
                depth--;
            }
            assertTrue(depth >= 0);
        }
        assertEquals(0, depth);
        assertTrue(json.contains("\"post\":{\"perSecond\":200,\"errors\":3,\"count\":600,\"p50Ms\":2,"), json);
        assertTrue(json.contains("\\\"quoted\\\" \\u003cb\\u003e"), "escaped: " + json);
        assertTrue(json.contains("\"intervals\":[{\"start\":0,\"seconds\":1,"), json);
        assertTrue(json.contains("\"cluster2\":120"), json);
        assertTrue(json.contains("\"microsPerOperation\":1250"), json);
    }

    @Test
    void theHtmlPageIsSelfContainedWithCharts(@TempDir Path dir) throws Exception {
        BenchReport.html(result(), dir.resolve("report"));
        String html = Files.readString(dir.resolve("report/index.html"));
        assertTrue(html.contains("<svg"), "inline charts");
        assertTrue(html.contains("<polyline"), "series");
        assertTrue(!html.contains("<script") && !html.contains("http://cdn") && !html.contains("https://"),
                "no script, nothing fetched");
        assertTrue(html.contains("&lt;b&gt;"), "settings escaped");
        assertTrue(Files.size(dir.resolve("report/report.json")) > 100);
    }

    @Test
    void memoryIsReadFromProcForALiveProcessAndNullForAGoneOne() throws Exception {
        ProcessMemory.Usage self = ProcessMemory.read("me", ProcessHandle.current().pid());
        assertTrue(self.peakKib() >= self.currentKib() && self.currentKib() > 10_000, self.toString());
        assertEquals(null, ProcessMemory.read("gone", Integer.MAX_VALUE));
    }
}
