package tinysns.api;

import java.io.Serializable;

/**
 * A reconfiguration the coordinator asks a server to carry out (DESIGN.md §2), delivered in a heartbeat reply.
 *
 * @param type   what to do
 * @param peer   for ADD_PEER, the Raft address ({@code host:port}) of the returning node; otherwise null
 * @param epoch  the configuration epoch the order belongs to; a node ignores a RESET older than the newest it holds
 * @param incarnation for RESET_TO_SELF, the data-directory incarnation the coordinator recorded for the node; the node
 *               refuses the reset when its own differs (its directory was emptied or replaced: it may lack
 *               acknowledged writes, DESIGN.md §2 "Disk loss"); otherwise null
 * @param minLastLogIndex for RESET_TO_SELF, the highest commit index the coordinator has seen reported for the
 *               cluster; the node refuses the reset when its log ends below it; otherwise 0
 */
public record Order(Type type, String peer, long epoch, String incarnation, long minLastLogIndex)
        implements Serializable {
    /** An order without a data guard (ADD_PEER, OBSERVE_EPOCH). */
    public Order(Type type, String peer, long epoch) {
        this(type, peer, epoch, null, 0);
    }

    /** A reset of the node to the only voter of its group, guarded by what it must still hold. */
    public static Order resetToSelf(long epoch, String incarnation, long minLastLogIndex) {
        return new Order(Type.RESET_TO_SELF, null, epoch, incarnation, minLastLogIndex);
    }

    public enum Type {
        /** Become the only voter of the group (the other voter is dead). */
        RESET_TO_SELF,
        /** As leader of a one-voter group, add this peer back as a voter. */
        ADD_PEER,
        /**
         * Hold at least {@code epoch} from now on (ClusterReplica.observeEpoch): sent to a node that is about to be
         * added back, and to a voter of a two-voter record that holds an older epoch, so that a late copy of an older
         * reset cannot split the pair again (DESIGN.md §2). Changes no configuration.
         */
        OBSERVE_EPOCH
    }
}
