package tinysns.domain;

/**
 * The first command a replica proposes when it becomes its cluster's leader. Its stamp opens the new leader's grace:
 * a session that was live when the cluster last committed before this command stays held by its client for
 * {@link DomainConfig#liveClientMillis()} after it, however long the failover took, so the client has that long to
 * reach the new leader and touch its session before a second login of its user may replace it
 * ({@link SnsStateMachine#heldByLiveClient}). Without it, a failover longer than the bound would let a second login
 * replace the session of a client that is alive and only waiting for the new master (issue 11).
 *
 * <p>Changes nothing else, not even the cluster clock, and is left out of the state's digest. The node proposes
 * nothing on a new leader before its own start is applied.
 */
public final class LeaderStartCommand extends Command {
    private static final long serialVersionUID = 1L;

    @Override
    public String toString() {
        return "LeaderStart{stamp=" + stampMillis() + "}";
    }
}
