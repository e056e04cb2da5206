package tinysns.coordinator.failover;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The coordinator's durable belief about one cluster's Raft configuration (DESIGN.md §2): its voters (Raft
 * addresses, {@code host:port}, sorted) and an epoch that grows with every change. Resets carry the epoch, so a node
 * can refuse a late copy of an older one.
 *
 * <p>Against disk loss (DESIGN.md §2, "Disk loss"), two more facts: {@code mark}, the highest commit index any node of
 * the cluster has reported (a lower bound of what the cluster has acknowledged), and {@code incarnations}, the
 * data-directory identity each voter ran on when it was recorded — for the current voters and for those of the record
 * before, so that a record {@code {N}} still knows its former partner. A node may be reset to a single voter only if
 * it runs on its recorded incarnation and its log reaches the mark.
 */
public record ConfigRecord(int cluster, long epoch, List<String> voters, long mark, Map<String, String> incarnations) {
    public ConfigRecord {
        if (cluster < 1) {
            throw new IllegalArgumentException("cluster must be >= 1: " + cluster);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0: " + epoch);
        }
        if (mark < 0) {
            throw new IllegalArgumentException("mark must be >= 0: " + mark);
        }
        Objects.requireNonNull(voters, "voters");
        voters = List.copyOf(new TreeSet<>(voters));
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a record needs at least one voter");
        }
        for (String v : voters) {
            checkToken(v, "voter address");
        }
        Objects.requireNonNull(incarnations, "incarnations");
        for (Map.Entry<String, String> e : incarnations.entrySet()) {
            checkToken(e.getKey(), "voter address");
            checkToken(e.getValue(), "incarnation");
        }
        incarnations = java.util.Collections.unmodifiableMap(new TreeMap<>(incarnations));
    }

    /** A record that knows no mark and no incarnations yet (tests; records written before they existed). */
    public ConfigRecord(int cluster, long epoch, List<String> voters) {
        this(cluster, epoch, voters, 0, Map.of());
    }

    private static void checkToken(String v, String what) {
        if (v == null || v.isBlank() || v.contains(",") || v.contains("@") || v.contains("\n")) {
            throw new IllegalArgumentException("bad " + what + ": '" + v + "'");
        }
    }

    public boolean isVoter(String raftAddress) {
        return voters.contains(raftAddress);
    }

    /** Whether the record names exactly one voter (after a reset, before the add-back committed). */
    public boolean isSingle() {
        return voters.size() == 1;
    }

    /** For a two-voter record, the voter that is not {@code raftAddress}. */
    public String otherThan(String raftAddress) {
        if (voters.size() != 2 || !isVoter(raftAddress)) {
            throw new IllegalStateException(raftAddress + " has no single other voter in " + this);
        }
        return voters.get(0).equals(raftAddress) ? voters.get(1) : voters.get(0);
    }

    /** The data-directory incarnation recorded for {@code raftAddress}, if the record knows one. */
    public Optional<String> incarnationOf(String raftAddress) {
        return Optional.ofNullable(incarnations.get(raftAddress));
    }

    /** This record with the mark raised to {@code newMark} (never lowered). */
    public ConfigRecord withMark(long newMark) {
        return newMark <= mark ? this : new ConfigRecord(cluster, epoch, voters, newMark, incarnations);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("cluster " + cluster + " {" + String.join(",", voters) + "} epoch "
                + epoch);
        if (mark > 0) {
            text.append(" mark ").append(mark);
        }
        return text.toString();
    }
}
