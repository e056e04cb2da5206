package tinysns.api;

import java.io.Serializable;

/**
 * A reconfiguration the coordinator asks a server to carry out (DESIGN.md §2), delivered in a heartbeat reply.
 *
 * @param type   what to do
 * @param peer   for ADD_PEER, the Raft address ({@code host:port}) of the returning node; otherwise null
 * @param epoch  the configuration epoch the order belongs to; a node ignores a RESET older than the newest it holds
 */
public record Order(Type type, String peer, long epoch) implements Serializable {
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
