package tinysns.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A batch of another cluster's outbox events (DESIGN.md §4). Applied as one command: events at or below the cursor
 * for {@code originCluster} are skipped, the rest applied in order, and the cursor advanced; a batch that would leave
 * a gap is refused whole.
 */
public final class IngestCommand extends Command {
    private static final long serialVersionUID = 1L;

    private final int originCluster;
    private final ArrayList<OutboxEvent> events;

    public IngestCommand(int originCluster, List<OutboxEvent> events) {
        this.originCluster = originCluster;
        this.events = events == null ? null : new ArrayList<>(events);
    }

    public int originCluster() {
        return originCluster;
    }

    public List<OutboxEvent> events() {
        return events;
    }

    @Override
    public String toString() {
        return "Ingest{origin=" + originCluster + ", events=" + (events == null ? "null" : events.size()) + "}";
    }
}
