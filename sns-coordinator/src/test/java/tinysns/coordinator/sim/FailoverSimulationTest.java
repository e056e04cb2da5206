package tinysns.coordinator.sim;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

/**
 * Runs {@link FailoverSimulation} over many seeds. {@code -Dsns.sim.seed=N} replays one seed with its full trace;
 * {@code -Dsns.sim.seeds=COUNT} and {@code -Dsns.sim.steps=STEPS} change the sweep.
 */
class FailoverSimulationTest {
    private static final int DEFAULT_SEEDS = 2000;
    private static final int DEFAULT_FAULT_STEPS = 300;

    @Test
    void failoverKeepsAcknowledgedWritesAndRecovers() {
        int steps = Integer.getInteger("sns.sim.steps", DEFAULT_FAULT_STEPS);
        String one = System.getProperty("sns.sim.seed");
        if (one != null && !one.isBlank()) {
            new FailoverSimulation(Long.parseLong(one.trim()), steps, true).run();
            return;
        }
        int seeds = Integer.getInteger("sns.sim.seeds", DEFAULT_SEEDS);
        long first = Long.getLong("sns.sim.firstSeed", 1);
        long started = System.nanoTime();
        long events = 0;
        long wipes = 0;
        long waited = 0;
        long leaderChanges = 0;
        long staleDropped = 0;
        for (long seed = first; seed < first + seeds; seed++) {
            FailoverSimulation sim = new FailoverSimulation(seed, steps, false);
            try {
                sim.run();
            } catch (FailoverSimulation.Violation v) {
                fail(v.getMessage(), v);
            }
            events += sim.traceLength();
            wipes += sim.wipes();
            waited += sim.waitingClusters();
            leaderChanges += sim.coordinatorLeaderChanges();
            staleDropped += sim.staleOrdersDropped();
        }
        System.out.printf("failover simulation: %d seeds x %d fault steps (%d ms simulated each), %d traced events,"
                + " %d disk losses, %d clusters left waiting with every recorded copy lost, %d coordinator leader"
                + " changes, %d order replies of deposed coordinators dropped, %.1f s%n", seeds, steps,
                steps * FailoverSimulation.STEP_MILLIS, events, wipes, waited, leaderChanges, staleDropped,
                (System.nanoTime() - started) / 1e9);
        org.junit.jupiter.api.Assertions.assertTrue(seeds < 100 || leaderChanges > seeds,
                "only " + leaderChanges + " coordinator leader changes in " + seeds + " seeds");
        // The disk-loss rules are only tested if the schedules lose disks.
        org.junit.jupiter.api.Assertions.assertTrue(seeds < 100 || wipes > seeds / 10,
                "only " + wipes + " disk losses in " + seeds + " seeds");
    }
}
