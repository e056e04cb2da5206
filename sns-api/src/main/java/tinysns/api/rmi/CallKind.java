package tinysns.api.rmi;

/**
 * The kinds of remote call, each with the bound its caller waits for an answer (DESIGN.md §10). A call that passes
 * its bound fails with a {@code RemoteException}; every caller then treats the peer as suspect (see
 * {@link tinysns.api.client.ClusterMasters}). The bounds are chosen so that a paused or cut-off peer is given up in
 * time for a failover to finish within about three seconds of the fault (heartbeats every 500 ms, dead after 2 s),
 * while a healthy but busy peer answers well within them (a post commits in ~3 ms at the bench's rate; a slave's
 * death stalls a master's commits until its reset, ~2.3 s, and the caller's retry with the same request number then
 * finds the first reply).
 */
public enum CallKind {
    /** A registry lookup, bind or list: a map in the registry's memory. */
    LOOKUP(2_000),
    /** A routing question to the coordinator (a map lookup there, perhaps forwarded once to its leader). */
    ROUTING(2_000),
    /** A server's or synchronizer's heartbeat (the coordinator may save a failover record for it: a Raft commit). */
    HEARTBEAT(2_000),
    /** An operator's question to the coordinator ({@code sns status}): a table of every process. */
    ADMIN(5_000),
    /** A write: one Raft commit on the master (post, follow, keep-alive, an ingest batch); retried as is. */
    WRITE(2_000),
    /**
     * A login: one Raft commit too, but not repeatable as is — a login whose reply was lost holds the user's session,
     * and a retry would be refused as a second live login — so it waits longer before it gives up.
     */
    LOGIN(5_000),
    /**
     * A client's keep-alive, every second: the master answers it from its applied state (a touch, when due, is
     * proposed in the background). Its bound is how soon a timeline client notices a silent master: the keep-alive
     * is all such a client sends (PartitionIT: at 2 s, posts from another cluster reached it 3.03 s after the fault).
     */
    KEEP_ALIVE(1_000),
    /** A linearizable read on the master: one ReadIndex round and a few RocksDB reads. */
    READ(2_000),
    /** A long poll: the wait the caller asked for (see {@link Bound#waitArg}) plus this much for the answer. */
    LONG_POLL(1_000),
    /** A node's push of new timeline posts to a client's callback: the client only prints them. */
    CALLBACK(2_000),
    /** A replica's digest for checkers: it hashes the whole database. */
    PROBE(30_000);

    private final long millis;

    CallKind(long millis) {
        this.millis = millis;
    }

    /** How long a caller waits for the answer to a call of this kind (for a long poll: beyond the wait). */
    public long millis() {
        return millis;
    }
}
