package tinysns.domain;

import java.util.List;
import tinysns.api.Reply;

/**
 * What applying one command produced: the reply for the client (or synchronizer), and the timeline deliveries the
 * serving node pushes to subscribed clients once the command is committed.
 */
public record Applied(Reply reply, List<Delivery> deliveries) {
    public static Applied of(Reply reply) {
        return new Applied(reply, List.of());
    }
}
