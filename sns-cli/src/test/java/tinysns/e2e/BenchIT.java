package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load generator works end to end against real processes: a tiny run (users, follow graph, preload, a few
 * seconds of the mix, visibility sample, convergence, spot check) exits 0 and writes its JSON and HTML. The numbers
 * are not checked: benchmarks are not tests; that the tool runs from a fresh clone is.
 */
class BenchIT {
    private Deployment deployment;

    @AfterEach
    void stop() throws InterruptedException {
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void aShortMixedRunConvergesAndWritesItsReports(@TempDir Path out) throws Exception {
        deployment = Deployment.start("BenchIT", Deployment.Options.clusters(2));
        List<String> args = new ArrayList<>(List.of("bench", "-k", Integer.toString(deployment.registryPort()),
                "--users", "40", "--mean-follows", "4", "--preload", "80", "--clients", "4", "--duration", "3s",
                "--warmup", "1s", "--seed", "7", "--observed-authors", "3",
                "--json", out.resolve("run.json").toString(), "--report", out.resolve("html").toString()));
        Path log = SnsJvm.logsRoot().resolve("BenchIT").resolve("bench.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(SnsJvm.command("256m", out, args))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process bench = SnsJvm.start(builder);
        try {
            assertTrue(bench.waitFor(150, TimeUnit.SECONDS), "the bench did not finish within 150 s; see " + log);
        } finally {
            bench.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, bench.exitValue(), "bench exit status; output:\n" + output);
        assertTrue(output.contains("home-timeline") && output.contains("spot check: ok"), output);
        assertTrue(output.contains("0 missing, 0 pushed twice"), output);
        String json = Files.readString(out.resolve("run.json"));
        assertTrue(json.contains("\"operationsByKind\"") && json.contains("\"convergenceMillis\""), json);
        assertTrue(Files.readString(out.resolve("html/index.html")).contains("<svg"));
    }
}
