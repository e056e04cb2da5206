package tinysns.coordinator.failover;

import java.io.IOException;
import java.util.Map;

/** Where {@link ConfigRecord}s live. {@link #save} must be durable when it returns: decisions are sent after it. */
public interface ConfigStore {
    /** Every cluster's record, by cluster number (clusters never recorded are absent). */
    Map<Integer, ConfigRecord> loadAll() throws IOException;

    void save(ConfigRecord record) throws IOException;

    /**
     * Each cluster's master synchronizer (its member number), as last decided: a coordinator that takes over keeps the
     * role where it was instead of handing it to whichever synchronizer it happens to hear first (DESIGN.md §11).
     * A store that keeps no roles returns none; roles are advisory (exactly-once rests on the clusters' cursors).
     */
    default Map<Integer, Integer> loadSyncMasters() throws IOException {
        return Map.of();
    }

    /** Records cluster {@code cluster}'s master synchronizer; a store that keeps no roles ignores it. */
    default void saveSyncMaster(int cluster, int member) throws IOException {
    }
}
