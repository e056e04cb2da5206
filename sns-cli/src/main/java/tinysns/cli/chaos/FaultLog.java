package tinysns.cli.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The faults chaos.sh injected, read from its faults log ({@code <run>/chaos/faults.log}), whose lines are
 * {@code <epoch-ms> <text>} (chaos.sh's {@code log_fault}). A fault is active from its start line to its end line:
 * <ul>
 * <li>{@code kill -9 NAME (pid P, ROLE)} … {@code restarted NAME (pid P)};
 * <li>{@code kill -STOP NAME (pid P, ROLE) for …} … {@code kill -CONT NAME (pid P)};
 * <li>{@code partition …} … {@code heal} (the network-namespace harness, scripts/hosts.sh).
 * </ul>
 * A fault whose end line is missing (the run broke) stays active to the end. Every other line ({@code skip: …},
 * {@code note: …}) is no fault.
 */
record FaultLog(List<Fault> faults) {
    /** A fault, active from {@code startMillis} to {@code endMillis} ({@link Long#MAX_VALUE}: never ended). */
    record Fault(long startMillis, long endMillis, String text) {
        boolean overlaps(long fromMillis, long toMillis) {
            return startMillis <= toMillis && endMillis >= fromMillis;
        }
    }

    static final FaultLog NONE = new FaultLog(List.of());

    private static final Pattern LINE = Pattern.compile("(\\d+) (.*)");
    private static final Pattern KILL = Pattern.compile("kill -9 (\\S+).*");
    private static final Pattern RESTARTED = Pattern.compile("restarted (\\S+).*");
    private static final Pattern STOP = Pattern.compile("kill -STOP (\\S+).*");
    private static final Pattern CONT = Pattern.compile("kill -CONT (\\S+).*");
    private static final Pattern PARTITION = Pattern.compile("partition .*");
    private static final Pattern HEAL = Pattern.compile("heal.*");
    private static final String NETWORK = " network";
    /** " (pid 42)" goes, " (pid 42, master)" keeps what the process was: " (master)". */
    private static final Pattern PID = Pattern.compile(" \\(pid \\d+(, ([^)]*))?\\)");

    static FaultLog read(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    static FaultLog parse(List<String> lines) {
        List<Fault> faults = new ArrayList<>();
        Map<String, Integer> open = new HashMap<>(); // what a fault acts on -> its index in faults
        for (String line : lines) {
            Matcher m = LINE.matcher(line.strip());
            if (!m.matches()) {
                continue;
            }
            long at = Long.parseLong(m.group(1));
            String text = m.group(2);
            String starts = firstGroup(text, KILL, STOP);
            String ends = firstGroup(text, RESTARTED, CONT);
            if (PARTITION.matcher(text).matches()) {
                starts = NETWORK;
            } else if (HEAL.matcher(text).matches()) {
                ends = NETWORK;
            }
            if (starts != null) {
                open.put(starts, faults.size());
                faults.add(new Fault(at, Long.MAX_VALUE, withoutPid(text)));
            } else if (ends != null && open.containsKey(ends)) {
                int index = open.remove(ends);
                Fault fault = faults.get(index);
                faults.set(index, new Fault(fault.startMillis(), at, fault.text()));
            }
        }
        return new FaultLog(List.copyOf(faults));
    }

    private static String withoutPid(String text) {
        Matcher m = PID.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, m.group(2) == null ? "" : " (" + Matcher.quoteReplacement(m.group(2)) + ")");
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String firstGroup(String text, Pattern... patterns) {
        for (Pattern pattern : patterns) {
            Matcher m = pattern.matcher(text);
            if (m.matches()) {
                return m.group(1);
            }
        }
        return null;
    }

    /**
     * The faults active at some moment of {@code [fromMillis, toMillis]}, joined with " + "; if none was, "none", and
     * the last fault that had ended before, with how long before.
     */
    String during(long fromMillis, long toMillis) {
        List<String> active = new ArrayList<>();
        Fault before = null;
        for (Fault fault : faults) {
            if (fault.overlaps(fromMillis, toMillis)) {
                active.add(fault.text());
            } else if (fault.endMillis() < fromMillis && (before == null || fault.endMillis() > before.endMillis())) {
                before = fault;
            }
        }
        if (!active.isEmpty()) {
            return String.join(" + ", active);
        }
        return before == null ? "none" : String.format("none (%.1f s after %s ended)",
                (fromMillis - before.endMillis()) / 1000.0, before.text());
    }
}
