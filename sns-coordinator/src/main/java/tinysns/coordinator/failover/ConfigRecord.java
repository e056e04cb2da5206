package tinysns.coordinator.failover;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The coordinator's durable belief about one cluster's Raft configuration (DESIGN.md §2): its voters (Raft
 * addresses, {@code host:port}, sorted) and an epoch that grows with every change. Resets carry the epoch, so a node
 * can refuse a late copy of an older one.
 */
public record ConfigRecord(int cluster, long epoch, List<String> voters) {
    public ConfigRecord {
        if (cluster < 1) {
            throw new IllegalArgumentException("cluster must be >= 1: " + cluster);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0: " + epoch);
        }
        Objects.requireNonNull(voters, "voters");
        voters = List.copyOf(new TreeSet<>(voters));
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a record needs at least one voter");
        }
        for (String v : voters) {
            if (v.isBlank() || v.contains(",") || v.contains("\n")) {
                throw new IllegalArgumentException("bad voter address: '" + v + "'");
            }
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

    @Override
    public String toString() {
        return "cluster " + cluster + " {" + String.join(",", voters) + "} epoch " + epoch;
    }
}
