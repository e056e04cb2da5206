package tinysns.node;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Which users have a client that is still alive, judged by keepAlive calls. Kept in memory on the master only: it is
 * about processes, not data, so it is not replicated; after a failover clients keep their sessions and simply go on
 * calling keepAlive on the new master.
 */
final class LiveClients {
    private final ConcurrentHashMap<Long, Long> lastSeenMillis = new ConcurrentHashMap<>();
    private final long windowMillis;

    LiveClients(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    /** True if another client of {@code userId} was seen within the window. */
    boolean isHeld(long userId, long nowMillis) {
        Long seen = lastSeenMillis.get(userId);
        return seen != null && nowMillis - seen < windowMillis;
    }

    void seen(long userId, long nowMillis) {
        lastSeenMillis.put(userId, nowMillis);
    }

    void gone(long userId) {
        lastSeenMillis.remove(userId);
    }
}
