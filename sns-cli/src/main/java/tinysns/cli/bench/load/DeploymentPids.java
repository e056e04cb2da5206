package tinysns.cli.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** The processes sns-up.sh started in a run dir: {@code <run>/pids/<name>.pid}, by name in name order. */
final class DeploymentPids {
    private DeploymentPids() {
    }

    /** Name → pid; empty without a run dir or pids dir. A pid file being written (not a number yet) is skipped. */
    static Map<String, Long> of(Path runDir) throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        if (runDir == null || !Files.isDirectory(runDir.resolve("pids"))) {
            return pids;
        }
        try (Stream<Path> files = Files.list(runDir.resolve("pids"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".pid")).sorted().toList()) {
                try {
                    pids.put(file.getFileName().toString().replaceFirst("\\.pid$", ""),
                            Long.parseLong(Files.readString(file).trim()));
                } catch (NumberFormatException e) {
                    // being written: skip it this time
                }
            }
        }
        return pids;
    }
}
