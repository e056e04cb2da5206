package tinysns.coordinator.failover;

import java.io.IOException;
import java.io.StringReader;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The one text form of a {@link ConfigRecord}, {@code key=value} lines: what {@link FileConfigStore} writes to a file
 * and what the replicated store puts in the coordinators' Raft log. Readable by an operator ({@code cat}), and
 * records written before {@code mark} and {@code incarnations} existed still parse (they learn them again from the
 * nodes' reports, see {@link Failover}).
 */
public final class ConfigRecordText {
    private ConfigRecordText() {
    }

    public static String format(ConfigRecord record) {
        StringBuilder incarnations = new StringBuilder();
        record.incarnations().forEach((voter, incarnation) -> incarnations.append(incarnations.length() == 0 ? "" : ",")
                .append(voter).append('@').append(incarnation));
        return "cluster=" + record.cluster() + "\nepoch=" + record.epoch() + "\nvoters="
                + String.join(",", record.voters()) + "\nmark=" + record.mark() + "\nincarnations=" + incarnations + "\n";
    }

    /** Parses {@link #format}'s text; {@code source} names where it came from in the error message. */
    public static ConfigRecord parse(String text, String source) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        try {
            int cluster = Integer.parseInt(required(p, "cluster", source));
            long epoch = Long.parseLong(required(p, "epoch", source));
            List<String> voters = Arrays.asList(required(p, "voters", source).split(","));
            long mark = Long.parseLong(p.getProperty("mark", "0").trim());
            Map<String, String> incarnations = new TreeMap<>();
            String listed = p.getProperty("incarnations", "").trim();
            for (String pair : listed.isEmpty() ? new String[0] : listed.split(",")) {
                int at = pair.lastIndexOf('@');
                if (at <= 0 || at == pair.length() - 1) {
                    throw new IllegalArgumentException("bad incarnation entry '" + pair + "'");
                }
                incarnations.put(pair.substring(0, at), pair.substring(at + 1));
            }
            return new ConfigRecord(cluster, epoch, voters, mark, incarnations);
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed record " + source + ": " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key, String source) throws IOException {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IOException("record " + source + " has no " + key);
        }
        return v.trim();
    }
}
