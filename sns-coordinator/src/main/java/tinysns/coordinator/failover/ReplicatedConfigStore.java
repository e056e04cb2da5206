package tinysns.coordinator.failover;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tinysns.raft.ReplicatedMap;

/**
 * The failover records of a replicated coordinator (DESIGN.md §11): each cluster's record is one key of the
 * coordinators' {@link ReplicatedMap}, in {@link ConfigRecordText} form. A save returns once a majority of coordinator
 * replicas holds the record and this leader applied it, so an order sent after it survives any minority of
 * coordinators; on a replica that does not lead, or one deposed meanwhile, it fails and the decision is not taken.
 */
public final class ReplicatedConfigStore implements ConfigStore {
    /**
     * How long a save may wait for its commit. A healthy group commits in milliseconds; a leader that cannot reach a
     * majority must give up well within a heartbeat round, so that it decides nothing on a stale view.
     */
    static final long SAVE_TIMEOUT_MILLIS = 2000;
    private static final String KEY_PREFIX = "cluster-";

    private final ReplicatedMap map;

    public ReplicatedConfigStore(ReplicatedMap map) {
        this.map = map;
    }

    @Override
    public Map<Integer, ConfigRecord> loadAll() throws IOException {
        Map<Integer, ConfigRecord> out = new TreeMap<>();
        for (Map.Entry<String, String> e : map.entries().entrySet()) {
            if (!e.getKey().startsWith(KEY_PREFIX)) {
                continue;
            }
            ConfigRecord record = ConfigRecordText.parse(e.getValue(), "replicated " + e.getKey());
            if (!e.getKey().equals(KEY_PREFIX + record.cluster())) {
                throw new IOException("replicated " + e.getKey() + " holds the record of cluster " + record.cluster());
            }
            out.put(record.cluster(), record);
        }
        return out;
    }

    private static final String SYNC_MASTER_PREFIX = "sync-master-";

    @Override
    public Map<Integer, Integer> loadSyncMasters() throws IOException {
        Map<Integer, Integer> out = new TreeMap<>();
        for (Map.Entry<String, String> e : map.entries().entrySet()) {
            if (e.getKey().startsWith(SYNC_MASTER_PREFIX)) {
                try {
                    out.put(Integer.parseInt(e.getKey().substring(SYNC_MASTER_PREFIX.length())),
                            Integer.parseInt(e.getValue().trim()));
                } catch (NumberFormatException bad) {
                    throw new IOException("replicated " + e.getKey() + " is not a member number: " + e.getValue());
                }
            }
        }
        return out;
    }

    @Override
    public void saveSyncMaster(int cluster, int member) throws IOException {
        commit(SYNC_MASTER_PREFIX + cluster, Integer.toString(member), "master synchronizer " + cluster + "." + member);
    }

    @Override
    public void save(ConfigRecord record) throws IOException {
        commit(KEY_PREFIX + record.cluster(), ConfigRecordText.format(record), record.toString());
    }

    private void commit(String key, String value, String what) throws IOException {
        try {
            map.put(key, value).get(SAVE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("the coordinators did not commit " + what + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("the coordinators did not commit " + what + " within " + SAVE_TIMEOUT_MILLIS
                    + " ms (no majority?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while saving " + what, e);
        }
    }
}
