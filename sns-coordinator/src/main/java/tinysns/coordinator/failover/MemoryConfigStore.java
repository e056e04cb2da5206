package tinysns.coordinator.failover;

import java.util.Map;
import java.util.TreeMap;

/**
 * Records in memory. For tests (one instance outlives several coordinators, standing in for a disk), and for a
 * coordinator run without a data dir, where a restart forgets its decisions (DESIGN.md §2 says why that is unsafe).
 */
public final class MemoryConfigStore implements ConfigStore {
    private final Map<Integer, ConfigRecord> records = new TreeMap<>();
    private final Map<Integer, Integer> syncMasters = new TreeMap<>();

    @Override
    public synchronized Map<Integer, ConfigRecord> loadAll() {
        return new TreeMap<>(records);
    }

    @Override
    public synchronized void save(ConfigRecord record) {
        records.put(record.cluster(), record);
    }

    @Override
    public synchronized Map<Integer, Integer> loadSyncMasters() {
        return new TreeMap<>(syncMasters);
    }

    @Override
    public synchronized void saveSyncMaster(int cluster, int member) {
        syncMasters.put(cluster, member);
    }
}
