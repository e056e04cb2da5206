package tinysns.coordinator.failover;

import java.io.IOException;
import java.util.Map;

/** Where {@link ConfigRecord}s live. {@link #save} must be durable when it returns: decisions are sent after it. */
public interface ConfigStore {
    /** Every cluster's record, by cluster number (clusters never recorded are absent). */
    Map<Integer, ConfigRecord> loadAll() throws IOException;

    void save(ConfigRecord record) throws IOException;
}
