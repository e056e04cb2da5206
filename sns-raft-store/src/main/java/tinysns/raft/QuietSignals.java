package tinysns.raft;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes SIGUSR2 back from JRaft. JRaft's NodeImpl installs a SIGUSR2 handler that describes every node into files in
 * the working directory (node_describe.log.*, node_metrics.log.*), holding the nodes' locks while it does. On Linux
 * HotSpot itself raises SIGUSR2 to suspend threads for sampling, so a JFR recording ran it dozens of times a second
 * and stalled the node for ~150 ms each time (measured). Nothing of ours relies on it: status comes from the
 * coordinator and the logs.
 */
final class QuietSignals {
    private static final Logger log = LoggerFactory.getLogger(QuietSignals.class);
    private static volatile boolean done;

    private QuietSignals() {
    }

    /** Call after JRaft's NodeImpl class has been initialized (it registers its handler then). */
    static void takeBackUsr2() {
        if (done) {
            return;
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR2"), signal -> { });
            done = true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No such signal here (another OS), or the JVM keeps it: then JRaft could not have taken it either.
            log.debug("SIGUSR2 left as it is: {}", e.toString());
            done = true;
        }
    }
}
