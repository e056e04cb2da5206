package tinysns.cli;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.CoordinatorService;
import tinysns.api.rmi.RmiEndpoints;

/** Facts a role asks the coordinator for before it starts. */
public final class CoordinatorQuery {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorQuery.class);

    private CoordinatorQuery() {
    }

    /** The deployment's cluster count, waiting up to {@code patience} for the coordinator to come up. */
    public static int clusterCount(String host, int port, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        boolean told = false;
        while (true) {
            try {
                return RmiEndpoints.lookup(host, port, CoordinatorService.REGISTRY_NAME, CoordinatorService.class)
                        .clusterCount();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no coordinator at " + host + ":" + port + " after "
                            + patience.toSeconds() + " s (" + e + "); start it first or pass --clusters", e);
                }
                if (!told) {
                    log.info("waiting for the coordinator at {}:{} to learn the cluster count", host, port);
                    told = true;
                }
                Thread.sleep(250);
            }
        }
    }
}
