package tinysns.cli.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A whole record file as the workload wrote it: its operations ({@link OpRecord}), the posts its users were shown in
 * timeline mode ({@link OpRecord.Seen}) and what its comments say — the header
 * ({@code # chaos workload clients=N firstUser=F clusters=C seed=S start=MS}), {@code # end=MS} (the last write was
 * over), {@code # converged=MS} (the workload saw the deployment converged) and {@code # observed-until=MS} (the users
 * left timeline mode: nothing shown later is recorded). {@code users} are in id order: those the header names
 * and every acting one. A value the file does not hold is 0 (a record written by an
 * older workload, or by one that was killed), and the checker leaves out what needs it.
 */
record WorkloadRecord(List<OpRecord> ops, List<OpRecord.Seen> seen, Set<Long> users, int clusters, long startMillis,
                      long endMillis, long convergedMillis, long observedUntilMillis) {
    private static final Pattern HEADER = Pattern.compile("clients=(\\d+) firstUser=(\\d+)");
    private static final Pattern CLUSTERS = Pattern.compile("clusters=(\\d+)");
    private static final Pattern START = Pattern.compile("start=(\\d+)");

    static WorkloadRecord read(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    static WorkloadRecord parse(List<String> lines) {
        List<OpRecord> ops = new ArrayList<>();
        List<OpRecord.Seen> seen = new ArrayList<>();
        Set<Long> users = new TreeSet<>();
        int clusters = 0;
        long start = 0;
        long end = 0;
        long converged = 0;
        long observedUntil = 0;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                Matcher header = HEADER.matcher(line);
                if (header.find()) {
                    long first = Long.parseLong(header.group(2));
                    for (long u = first; u < first + Long.parseLong(header.group(1)); u++) {
                        users.add(u);
                    }
                    Matcher c = CLUSTERS.matcher(line);
                    clusters = c.find() ? Integer.parseInt(c.group(1)) : clusters;
                    Matcher s = START.matcher(line);
                    start = s.find() ? Long.parseLong(s.group(1)) : start;
                }
                end = comment(line, "end=", end);
                converged = comment(line, "converged=", converged);
                observedUntil = comment(line, "observed-until=", observedUntil);
            } else if (OpRecord.Seen.is(line)) {
                seen.add(OpRecord.Seen.parse(line));
            } else {
                ops.add(OpRecord.parse(line));
            }
        }
        ops.forEach(op -> users.add(op.user()));
        return new WorkloadRecord(List.copyOf(ops), List.copyOf(seen), Collections.unmodifiableSet(users), clusters, start, end,
                converged, observedUntil);
    }

    /** The value of {@code # KEY=MS}, or {@code otherwise} if the line is not that comment. */
    private static long comment(String line, String key, long otherwise) {
        String prefix = "# " + key;
        return line.startsWith(prefix) ? Long.parseLong(line.substring(prefix.length()).strip()) : otherwise;
    }
}
