package tinysns.api;

import java.io.Serializable;

/** A server or synchronizer: cluster {@code cluster} (1-based), member {@code member} (1-based) of that kind. */
public record ProcessId(ProcessKind kind, int cluster, int member) implements Serializable {
    @Override
    public String toString() {
        return (kind == ProcessKind.SERVER ? "node-" : "sync-") + cluster + "." + member;
    }

    /** The RMI registry name this process binds its service under. */
    public String registryName() {
        return "sns/cluster-" + cluster + "/" + (kind == ProcessKind.SERVER ? "node-" : "sync-") + member;
    }
}
