package tinysns.coordinator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The coordinator replicas of a deployment (DESIGN.md §11) and which of them this process is. Each member has a
 * registry ({@code host:registryPort}, where clients, nodes and synchronizers find {@code sns/coordinator}) and a Raft
 * port for the group that replicates the failover records.
 *
 * @param members every replica, in the order operators list them (the same list on every replica)
 * @param self    this process's position in {@code members}, 1-based
 */
public record CoordinatorGroup(List<Member> members, int self) {
    /** One replica: its registry and its Raft endpoint. */
    public record Member(String host, int registryPort, int raftPort) {
        public Member {
            Objects.requireNonNull(host, "host");
            if (host.isBlank() || registryPort < 1 || registryPort > 65535 || raftPort < 1 || raftPort > 65535) {
                throw new IllegalArgumentException("bad coordinator replica " + host + ":" + registryPort + ":"
                        + raftPort);
            }
        }

        public String raftAddress() {
            return host + ":" + raftPort;
        }

        public String registryAddress() {
            return host + ":" + registryPort;
        }

        @Override
        public String toString() {
            return host + ":" + registryPort + ":" + raftPort;
        }
    }

    public CoordinatorGroup {
        members = List.copyOf(members);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a coordinator group needs at least one replica");
        }
        if (self < 1 || self > members.size()) {
            throw new IllegalArgumentException("--id " + self + " is not in 1.." + members.size() + " (" + members
                    + ")");
        }
        if (members.stream().map(Member::raftAddress).distinct().count() != members.size()
                || members.stream().map(Member::registryAddress).distinct().count() != members.size()) {
            throw new IllegalArgumentException("coordinator replicas must have distinct addresses: " + members);
        }
    }

    /**
     * Parses {@code HOST:REGISTRY_PORT:RAFT_PORT,…}, e.g. {@code 127.0.0.1:9000:9100,127.0.0.1:9010:9110}.
     *
     * @throws IllegalArgumentException with a message naming the bad entry
     */
    public static CoordinatorGroup parse(String spec, int self) {
        List<Member> members = new ArrayList<>();
        for (String entry : spec.split(",")) {
            String[] parts = entry.trim().split(":");
            if (parts.length != 3) {
                throw new IllegalArgumentException("'" + entry.trim() + "' is not HOST:REGISTRY_PORT:RAFT_PORT");
            }
            try {
                members.add(new Member(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + entry.trim() + "' has a port that is not a number");
            }
        }
        return new CoordinatorGroup(members, self);
    }

    public Member me() {
        return members.get(self - 1);
    }

    /** The member whose Raft endpoint is {@code raftAddress}, or null. */
    public Member byRaftAddress(String raftAddress) {
        for (Member m : members) {
            if (m.raftAddress().equals(raftAddress)) {
                return m;
            }
        }
        return null;
    }

    public List<String> raftAddresses() {
        return members.stream().map(Member::raftAddress).toList();
    }

    public List<String> registryAddresses() {
        return members.stream().map(Member::registryAddress).toList();
    }
}
