package tinysns.cli.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resident memory of a deployment's processes, from {@code <run-dir>/pids/<name>.pid} and Linux's
 * {@code /proc/<pid>/status}: VmHWM is the peak resident set since the process started, VmRSS the current one.
 */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** One process: its name (the pid file's), pid, and peak and current RSS in KiB. */
    public record Usage(String name, long pid, long peakKib, long currentKib) {
    }

    /** Every live process of the run dir, by name; empty if there is no pids dir or no /proc. */
    public static List<Usage> of(Path runDir) throws IOException {
        List<Usage> usage = new ArrayList<>();
        for (Map.Entry<String, Long> process : DeploymentPids.of(runDir).entrySet()) {
            Usage u = read(process.getKey(), process.getValue());
            if (u != null) {
                usage.add(u);
            }
        }
        return usage;
    }

    /** The process's memory, or null if it is gone. */
    static Usage read(String name, long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        List<String> lines;
        try {
            lines = Files.readAllLines(status);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        return new Usage(name, pid, field(lines, "VmHWM:"), field(lines, "VmRSS:"));
    }

    static long field(List<String> statusLines, String field) {
        for (String line : statusLines) {
            if (line.startsWith(field)) {
                String[] parts = line.substring(field.length()).trim().split("\\s+");
                return Long.parseLong(parts[0]); // always kB in /proc/<pid>/status
            }
        }
        return -1;
    }
}
