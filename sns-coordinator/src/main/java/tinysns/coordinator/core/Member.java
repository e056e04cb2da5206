package tinysns.coordinator.core;

import tinysns.api.Heartbeat;
import tinysns.api.ProcessId;
import tinysns.api.RaftReport;
import tinysns.api.ServerAddress;
import tinysns.api.SyncReport;

/** One registered process as the routing table knows it: where it is and what it last reported. */
final class Member {
    final ProcessId id;
    /** Order of first registration with this coordinator; "the first to register" rules compare it. */
    final long registrationSeq;
    String host;
    int port;
    RaftReport raft;
    SyncReport sync;

    Member(ProcessId id, long registrationSeq) {
        this.id = id;
        this.registrationSeq = registrationSeq;
    }

    /** Takes the address and reports of a heartbeat; true if the address changed (the process moved). */
    boolean update(Heartbeat hb) {
        boolean moved = host != null && (!host.equals(hb.host()) || port != hb.port());
        host = hb.host();
        port = hb.port();
        raft = hb.raft();
        sync = hb.sync();
        return moved;
    }

    /** Where it is, with its Raft term and how long it has been silent: a routing answer. */
    ServerAddress address(long silentMillis) {
        return new ServerAddress(id.cluster(), host, port, id.registryName(), raft == null ? 0 : raft.term(),
                silentMillis);
    }
}
