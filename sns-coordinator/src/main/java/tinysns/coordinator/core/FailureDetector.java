package tinysns.coordinator.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tinysns.api.ProcessId;

/**
 * Who is alive: a process is alive while its last heartbeat is at most {@code deadAfterMillis} old, dead once it is
 * older. Pure: the time is always passed in, so the boundary is testable to the millisecond.
 */
public final class FailureDetector {
    private final long deadAfterMillis;
    private final Map<ProcessId, Long> lastHeardMillis = new HashMap<>();
    /** Deaths already announced by {@link #newlyDead}, so each is reported once, not on every sweep. */
    private final Set<ProcessId> announcedDead = new HashSet<>();

    public FailureDetector(long deadAfterMillis) {
        if (deadAfterMillis <= 0) {
            throw new IllegalArgumentException("deadAfterMillis must be > 0: " + deadAfterMillis);
        }
        this.deadAfterMillis = deadAfterMillis;
    }

    public long deadAfterMillis() {
        return deadAfterMillis;
    }

    /**
     * Records a heartbeat. Time never runs backwards here (a late sample must not make a process look older).
     *
     * @return true if this process had been announced dead: it has come back
     */
    public boolean heard(ProcessId id, long nowMillis) {
        lastHeardMillis.merge(id, nowMillis, Math::max);
        return announcedDead.remove(id);
    }

    public boolean known(ProcessId id) {
        return lastHeardMillis.containsKey(id);
    }

    public boolean isAlive(ProcessId id, long nowMillis) {
        Long last = lastHeardMillis.get(id);
        return last != null && nowMillis - last <= deadAfterMillis;
    }

    /** Milliseconds since the last heartbeat (0 if the clock sample is older than it), or -1 if never heard. */
    public long ageMillis(ProcessId id, long nowMillis) {
        Long last = lastHeardMillis.get(id);
        return last == null ? -1 : Math.max(0, nowMillis - last);
    }

    /** The processes that are dead now and have not been announced dead before; each is returned once per death. */
    public List<ProcessId> newlyDead(long nowMillis) {
        List<ProcessId> dead = new ArrayList<>();
        for (ProcessId id : lastHeardMillis.keySet()) {
            if (!isAlive(id, nowMillis) && announcedDead.add(id)) {
                dead.add(id);
            }
        }
        dead.sort(RoutingTable.ORDER);
        return dead;
    }
}
