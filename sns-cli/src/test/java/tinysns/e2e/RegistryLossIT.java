package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import tinysns.api.CoordinatorService;
import tinysns.api.Status;
import tinysns.api.client.CoordinatorLocator;
import tinysns.api.rmi.RmiEndpoints;

/**
 * Issue 12, acceptance (b), through the operator's own scripts: {@code sns-up.sh --coordinators 3} (three coordinator
 * replicas, each beside a standalone {@code sns registry}). The registry on the first port and the coordinator leader
 * are killed (-9): a new client given the address list still logs in, and clients that were running never notice.
 * A registry started again on that port is bound again by its coordinator on its own (when that one still runs).
 */
class RegistryLossIT {
    @Test
    void losingTheFirstRegistryAndTheCoordinatorLeaderStopsNoLoginAndNoRunningClient() throws Exception {
        try (ScriptDeployment deployment = ScriptDeployment.create("RegistryLossIT")) {
            deployment.up("--coordinators", "3");
            int base = deployment.registryPort();
            List<CoordinatorLocator.Address> all = List.of(new CoordinatorLocator.Address(ScriptDeployment.HOST, base),
                    new CoordinatorLocator.Address(ScriptDeployment.HOST, base + 10),
                    new CoordinatorLocator.Address(ScriptDeployment.HOST, base + 20));
            try (WorkloadUser running1 = new WorkloadUser(base, 1, 30_000).login();
                 WorkloadUser running2 = new WorkloadUser(base, 2, 30_000).login()) {
                assertEquals(Status.SUCCESS, running2.post("before").status());
                int leader = leaderReplica(base);
                Map<String, ProcessHandle> processes = deployment.processes();
                String leaderName = leader == 1 ? "coordinator" : "coordinator-" + leader;
                for (String name : List.of("rmiregistry", leaderName)) {
                    ProcessHandle victim = processes.get(name);
                    victim.destroyForcibly();
                    victim.onExit().get(10, TimeUnit.SECONDS);
                }
                long killedAt = System.nanoTime();

                // Running clients: their posts go to their masters; the coordinators are not asked at all.
                for (int i = 0; i < 5; i++) {
                    assertEquals(Status.SUCCESS, running1.post("running " + i).status());
                    assertEquals(Status.SUCCESS, running2.post("running " + i).status());
                }
                // A new client, given the whole list, logs in (the first registry is gone, its leader too).
                try (WorkloadUser fresh = new WorkloadUser(all, 3, 30_000).login()) {
                    assertEquals(Status.SUCCESS, fresh.post("a new client").status());
                }
                System.out.println("RegistryLossIT: registry " + base + " and coordinator leader " + leaderName
                        + " killed; a new client logged in and posted "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) + " ms later");
                if (leader != 1) {
                    // The first coordinator still runs: a registry started again on its port is bound again by it.
                    Process registry = SnsJvm.start(new ProcessBuilder(SnsJvm.command("64m",
                            deployment.runDir().resolve("tmp"), List.of("registry", "--host", ScriptDeployment.HOST,
                                    "--port", String.valueOf(base))))
                            .redirectErrorStream(true)
                            .redirectOutput(deployment.logDir().resolve("registry-again.log").toFile()));
                    try {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        Exception last = null;
                        boolean bound = false;
                        while (!bound && System.nanoTime() < deadline) {
                            try {
                                RmiEndpoints.lookup(ScriptDeployment.HOST, base, CoordinatorService.REGISTRY_NAME,
                                        CoordinatorService.class).clusterCount();
                                bound = true;
                            } catch (RemoteException | NotBoundException e) {
                                last = e;
                                TimeUnit.MILLISECONDS.sleep(200);
                            }
                        }
                        assertTrue(bound, "the restarted registry is bound again: " + last);
                    } finally {
                        registry.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
            } catch (Throwable failure) {
                throw new AssertionError(failure.getMessage() + deployment.logTails(25), failure);
            }
        }
    }

    /**
     * The registry of the coordinator leader dies, the leader itself lives: followers reach the leader through that
     * registry, so it hands leadership to another replica, and a new client given the list logs in.
     */
    @Test
    void aLeaderWhoseRegistryDiesHandsLeadershipOn() throws Exception {
        try (ScriptDeployment deployment = ScriptDeployment.create("RegistryLossIT-leader")) {
            deployment.up("--coordinators", "3");
            int base = deployment.registryPort();
            List<CoordinatorLocator.Address> all = List.of(new CoordinatorLocator.Address(ScriptDeployment.HOST, base),
                    new CoordinatorLocator.Address(ScriptDeployment.HOST, base + 10),
                    new CoordinatorLocator.Address(ScriptDeployment.HOST, base + 20));
            try {
                int leader = leaderReplica(base);
                ProcessHandle registry = deployment.processes().get(leader == 1 ? "rmiregistry" : "rmiregistry-" + leader);
                registry.destroyForcibly();
                registry.onExit().get(10, TimeUnit.SECONDS);
                long killedAt = System.nanoTime();
                try (WorkloadUser fresh = new WorkloadUser(all, 5, 30_000).login()) {
                    assertEquals(Status.SUCCESS, fresh.post("after the leader's registry died").status());
                }
                int next = leaderReplica(base);
                // Not only found elsewhere: the old leader gave leadership up itself (a follower's cached stub of it
                // could otherwise hide a leader nobody new can find).
                java.nio.file.Path log = deployment.runDir().resolve("logs/"
                        + (leader == 1 ? "coordinator" : "coordinator-" + leader) + ".log");
                assertTrue(java.nio.file.Files.readString(log).contains("hands leadership of coordinator"),
                        "replica " + leader + " handed leadership on (" + log + ")");
                assertTrue(next != leader, "leadership moved off replica " + leader + " (now " + next + ")");
                System.out.println("RegistryLossIT: the registry of leader " + leader + " killed; replica " + next
                        + " leads, a new client posted " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt)
                        + " ms later");
            } catch (Throwable failure) {
                throw new AssertionError(failure.getMessage() + deployment.logTails(25), failure);
            }
        }
    }

    /** 1, 2 or 3: the replica whose registry holds a leader-only object that answers. */
    private static int leaderReplica(int base) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (int i = 1; i <= 3; i++) {
                try {
                    RmiEndpoints.lookup(ScriptDeployment.HOST, base + 10 * (i - 1),
                            CoordinatorService.LEADER_REGISTRY_NAME, CoordinatorService.class).notices();
                    return i;
                } catch (RemoteException | NotBoundException e) {
                    // a follower refuses; try the next
                }
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError("no coordinator leader within 20 s");
    }
}
