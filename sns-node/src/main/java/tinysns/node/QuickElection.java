package tinysns.node;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.entity.PeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After {@code resetPeers({self})} JRaft still waits one election timeout plus a random delay (up to
 * {@code maxElectionDelayMs}, 1 s by default) before the lone voter elects itself: 1-2 s of a failover spent idle.
 * With one voter there is no vote to split, so the wait is shortened for that one election and restored once this
 * replica leads (or after a bound, if it never does).
 *
 * <p>It reaches the JRaft node through JRaft's own {@link NodeManager}, because {@code ClusterReplica} does not
 * expose it; the natural home of this is {@code ClusterReplica.resetToSelf} (asked of sns-raft-store's owner).
 */
final class QuickElection {
    private static final Logger log = LoggerFactory.getLogger(QuickElection.class);

    private final String groupId;
    private final String raftAddress;
    private final int electionTimeoutMillis;
    private final int quickTimeoutMillis;
    private Node node;
    private int savedMaxDelayMillis = -1;
    private long armedAtMillis;

    QuickElection(String groupId, String raftAddress, int electionTimeoutMillis, int quickTimeoutMillis) {
        this.groupId = groupId;
        this.raftAddress = raftAddress;
        this.electionTimeoutMillis = electionTimeoutMillis;
        this.quickTimeoutMillis = Math.max(1, Math.min(quickTimeoutMillis, electionTimeoutMillis));
    }

    /** Call right after a successful reset to a single voter. */
    synchronized void arm(long nowMillis) {
        Node n = node();
        if (n == null) {
            return;
        }
        if (savedMaxDelayMillis < 0) {
            savedMaxDelayMillis = n.getRaftOptions().getMaxElectionDelayMs();
        }
        // The timer draws its next timeout from [timeout, timeout + maxDelay): both must be small now.
        n.getRaftOptions().setMaxElectionDelayMs(Math.max(1, quickTimeoutMillis / 2));
        n.resetElectionTimeoutMs(quickTimeoutMillis);
        armedAtMillis = nowMillis;
        log.info("Election timeout {} ms until this single-voter replica leads", quickTimeoutMillis);
    }

    /** Restores the configured timeout once this replica leads, or {@code giveUpMillis} after arming. */
    synchronized void settle(boolean leader, long nowMillis, long giveUpMillis) {
        if (savedMaxDelayMillis < 0 || (!leader && nowMillis - armedAtMillis < giveUpMillis)) {
            return;
        }
        Node n = node();
        if (n != null) {
            n.getRaftOptions().setMaxElectionDelayMs(savedMaxDelayMillis);
            n.resetElectionTimeoutMs(electionTimeoutMillis);
            log.info("Election timeout back to {} ms ({})", electionTimeoutMillis, leader ? "leading" : "gave up");
        }
        savedMaxDelayMillis = -1;
    }

    private Node node() {
        if (node == null) {
            PeerId peer = new PeerId();
            if (!peer.parse(raftAddress)) {
                log.warn("Cannot parse Raft address {}: no quick election", raftAddress);
                return null;
            }
            node = NodeManager.getInstance().get(groupId, peer);
            if (node == null) {
                log.warn("No JRaft node {} in group {}: no quick election", raftAddress, groupId);
            }
        }
        return node;
    }
}
