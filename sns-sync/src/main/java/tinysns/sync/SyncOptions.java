package tinysns.sync;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import tinysns.api.client.CoordinatorLocator;

/**
 * One synchronizer process.
 *
 * @param cluster      the cluster whose outbox it copies out, 1-based
 * @param id           its number within the cluster (1 = the first to register, usually master)
 * @param host         address it advertises
 * @param port         port it advertises with that address: its place in the deployment's port layout, shown by
 *                     {@code sns status}. A synchronizer only calls out; nothing listens there.
 * @param coordinators the coordinator replicas' registries (any one serves; the others are tried in turn)
 * @param heartbeat    interval of heartbeats to the coordinator
 * @param secret       the deployment's shared secret for the servers' sync endpoints, or null
 * @param batchMax     most events per ingest call
 * @param pollWait     how long one long poll of the outbox waits for a new event
 */
public record SyncOptions(int cluster, int id, String host, int port, List<CoordinatorLocator.Address> coordinators,
                          Duration heartbeat, String secret, int batchMax, Duration pollWait) {
    public SyncOptions {
        Objects.requireNonNull(host, "host");
        coordinators = List.copyOf(coordinators);
        if (coordinators.isEmpty()) {
            throw new IllegalArgumentException("at least one coordinator address is needed");
        }
        if (cluster < 1 || id < 1) {
            throw new IllegalArgumentException("cluster and id are 1-based, got cluster " + cluster + " id " + id);
        }
        if (batchMax < 1) {
            throw new IllegalArgumentException("batchMax must be >= 1");
        }
    }
}
