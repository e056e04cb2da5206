package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tinysns.api.CoordinatorService;
import tinysns.api.rmi.RmiEndpoints;

/**
 * Issue 12, item 2: a second {@code sns coordinator} started by mistake on the data directory of a running one refuses
 * in one line and exit code 1, before it reads a record or binds a name; the running one goes on. Once that one is
 * killed (-9), the OS has released its lock and the second starts.
 */
class CoordinatorDataDirLockIT {
    private static final String HOST = Deployment.HOST;
    private static final Duration REFUSAL_TIMEOUT = Duration.ofSeconds(30);

    private Deployment deployment;
    private RoleProcess second;

    @AfterEach
    void stop() throws InterruptedException {
        try {
            if (second != null) {
                second.terminate();
                second.awaitExitOrKill(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            }
        } finally {
            if (deployment != null) {
                deployment.close();
            }
        }
    }

    @Test
    void aSecondCoordinatorOnADataDirInUseRefusesInOneLineAndStartsOnceTheFirstIsKilled() throws Exception {
        deployment = Deployment.start("CoordinatorDataDirLockIT", Deployment.Options.clusters(1));
        try {
            Path dataDir = deployment.coordinatorDataDir();
            int[] ports = Deployment.freePorts(2);
            List<String> arguments = List.of("coordinator", "--host", HOST, "-k", String.valueOf(ports[0]),
                    "--export-port", String.valueOf(ports[1]), "--clusters", "1", "--heartbeat", "200ms",
                    "--dead-after", "1000ms", "--data-dir", dataDir.toString(), "--create-registry",
                    "--secret-file", deployment.runDir().resolve("secret").toString());

            Path output = deployment.logDir().resolve("refused-coordinator.out");
            ProcessBuilder builder = new ProcessBuilder(SnsJvm.command(Deployment.SMALL_HEAP,
                    deployment.runDir().resolve("tmp"), arguments))
                    .directory(deployment.runDir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            long startNanos = System.nanoTime();
            Process refused = SnsJvm.start(builder);
            if (!refused.waitFor(REFUSAL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                refused.destroyForcibly();
                refused.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("a second coordinator on " + dataDir + " still runs after "
                        + REFUSAL_TIMEOUT.toSeconds() + " s: " + Files.readString(output));
            }
            long refusedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            System.out.println("CoordinatorDataDirLockIT: second coordinator exited " + refused.exitValue() + " after "
                    + refusedMillis + " ms");
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            assertEquals(1, lines.size(), "stdout+stderr of the refused coordinator: " + lines);
            assertEquals("sns coordinator: the data directory " + dataDir + " is in use by another coordinator (pid "
                    + deployment.coordinator().pid() + "); stop it first or use another --data-dir", lines.get(0));
            assertTrue(lines.get(0).contains("in use"), lines.get(0));
            assertEquals(1, refused.exitValue(), "exit code of the refused coordinator");

            // The first one was not disturbed: it still answers, and everything is still registered with it.
            assertTrue(deployment.coordinator().alive(), "the first coordinator " + deployment.coordinator());
            deployment.awaitReady(Duration.ofSeconds(10));

            deployment.coordinator().kill();
            second = new RoleProcess("coordinator-2", Deployment.SMALL_HEAP, arguments, deployment.runDir(),
                    deployment.logDir());
            second.start();
            awaitStatus(second, ports[0], Duration.ofSeconds(30));
            assertEquals(String.valueOf(second.pid()),
                    Files.readString(dataDir.resolve("lock"), StandardCharsets.UTF_8).strip(),
                    "the lock file names its new holder");
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + "\nstatus:\n" + deployment.statusText()
                    + deployment.logTails(25), failure);
        }
    }

    /** Waits (bounded) until the coordinator behind {@code registryPort} answers a status call. */
    private static void awaitStatus(RoleProcess coordinator, int registryPort, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!coordinator.alive()) {
                throw new AssertionError(coordinator + " while starting on a data dir whose holder was killed");
            }
            try {
                RmiEndpoints.lookup(HOST, registryPort, CoordinatorService.REGISTRY_NAME, CoordinatorService.class)
                        .status();
                return;
            } catch (java.rmi.RemoteException | java.rmi.NotBoundException e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError(coordinator + " did not answer on " + HOST + ":" + registryPort + " within "
                + timeout.toSeconds() + " s (last error: " + last + ")");
    }
}
