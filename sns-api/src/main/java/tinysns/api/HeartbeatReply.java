package tinysns.api;

import java.io.Serializable;
import java.util.List;

/**
 * The coordinator's answer to a heartbeat: the role it assigns, the deployment's size, and any reconfiguration
 * orders for a server.
 */
public record HeartbeatReply(Role role, int clusterCount, List<Order> orders) implements Serializable {
}
