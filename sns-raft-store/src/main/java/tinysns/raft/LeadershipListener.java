package tinysns.raft;

/**
 * Told when this replica becomes leader (after every entry of earlier terms is applied, so reads are current) or stops
 * being leader. Called on the Raft apply thread: keep it cheap. An exception is logged and otherwise ignored.
 */
@FunctionalInterface
public interface LeadershipListener {
    /**
     * @param leader whether this replica is now the leader
     * @param term   the term that started, or the term that ended
     */
    void onLeadershipChange(boolean leader, long term);
}
