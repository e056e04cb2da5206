package tinysns.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SnsMainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine sns = SnsMain.commandLine();
        sns.setOut(new PrintWriter(out, true));
        sns.setErr(new PrintWriter(err, true));
        return sns.execute(args);
    }

    @Test
    void versionComesFromThePom() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("Tiny SNS 0."), out.toString());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String command : List.of("client", "status", "coordinator", "node", "sync", "registry")) {
            out.getBuffer().setLength(0);
            assertEquals(0, run(command, "--help"), command);
            assertTrue(out.toString().contains("Example"), command + ":\n" + out);
        }
    }

    @Test
    void helpWorksOnEveryCommandOfTheTree() {
        // Walks the whole tree, so a command whose -h (the coordinator host) swallowed --help cannot hide.
        List<List<String>> paths = new java.util.ArrayList<>();
        collect(SnsMain.commandLine(), new java.util.ArrayList<>(), paths);
        assertTrue(paths.size() >= 14, "the tree: " + paths);
        for (List<String> path : paths) {
            out.getBuffer().setLength(0);
            List<String> args = new java.util.ArrayList<>(path);
            args.add("--help");
            assertEquals(0, run(args.toArray(String[]::new)), String.join(" ", args) + ": " + err);
            assertTrue(out.toString().startsWith("Usage: sns"), String.join(" ", args) + ":\n" + out);
        }
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        for (var sub : command.getSubcommands().entrySet()) {
            if (sub.getKey().equals("help")) {
                continue;
            }
            List<String> next = new java.util.ArrayList<>(path);
            next.add(sub.getKey());
            paths.add(next);
            collect(sub.getValue(), next, paths);
        }
    }

    @Test
    void clientRefusesBadUserIdsBeforeConnecting() {
        for (String user : List.of("abc", "0", "-1", "9223372036854775808")) {
            assertEquals(2, run("client", "-u", user), user);
        }
        assertEquals(2, run("client"));
        assertTrue(err.toString().contains("-u"), err.toString());
    }

    @Test
    void rolesRefuseImpossibleSettingsWithOneClearLine() {
        assertEquals(2, run("sync"));
        assertEquals(1, run("node", "--cluster", "4", "--id", "1", "--clusters", "3", "--data-dir",
                System.getProperty("java.io.tmpdir") + "/sns-never-created"));
        assertTrue(err.toString().contains("cluster must be in 1..3"), err.toString());
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void coordinatorOptions() {
        CommandLine sns = SnsMain.commandLine();
        sns.parseArgs("coordinator", "--host", "10.0.0.1", "-k", "9100", "--export-port", "9101", "--clusters", "4",
                "--heartbeat", "5s", "--dead-after", "10s");
        CoordinatorCommand coordinator = sns.getSubcommands().get("coordinator").getCommand();
        assertEquals("10.0.0.1", coordinator.host());
        assertEquals(9100, coordinator.port());
        assertEquals(9101, coordinator.exportPort());
        assertEquals(4, coordinator.clusters());
        assertEquals(5000, coordinator.heartbeatIntervalMillis());
        assertEquals(10_000, coordinator.deadAfterMillis());

        CommandLine defaults = SnsMain.commandLine();
        defaults.parseArgs("coordinator");
        CoordinatorCommand plain = defaults.getSubcommands().get("coordinator").getCommand();
        assertEquals(9000, plain.port());
        assertEquals(3, plain.clusters());
        assertEquals(500, plain.heartbeatIntervalMillis());
        assertEquals(2000, plain.deadAfterMillis());

        assertEquals(2, run("coordinator", "--heartbeat", "5"));
        assertTrue(err.toString().contains("500ms"), err.toString());
    }

    @Test
    void nodePortsFollowTheCourseLayout() {
        CommandLine sns = SnsMain.commandLine();
        sns.parseArgs("node", "--cluster", "2", "--id", "2", "-h", "10.0.0.9", "-k", "9001");
        NodeCommand node = sns.getSubcommands().get("node").getCommand();
        assertEquals(20001, node.effectivePort());
        assertEquals(20101, node.effectiveRaftPort());
        assertEquals(Path.of("data", "cluster-2", "node-2"), node.effectiveDataDir());
        assertEquals(List.of("127.0.0.1:20100", "127.0.0.1:20101"), node.effectivePeers());
        assertEquals("10.0.0.9", node.coordinatorHost());
        assertEquals(9001, node.coordinatorPort());
    }

    @Test
    void syncTakesEitherClusterAndIdOrACourseNumber() {
        CommandLine sns = SnsMain.commandLine();
        sns.parseArgs("sync", "-i", "5");
        SyncCommand sync = sns.getSubcommands().get("sync").getCommand();
        assertEquals(2, sync.effectiveCluster());
        assertEquals(2, sync.effectiveId());
        assertEquals(20201, sync.effectivePort());

        CommandLine named = SnsMain.commandLine();
        named.parseArgs("sync", "--cluster", "3", "--id", "1");
        SyncCommand byName = named.getSubcommands().get("sync").getCommand();
        assertEquals(3, byName.effectiveCluster());
        assertEquals(1, byName.effectiveId());

        CommandLine both = SnsMain.commandLine();
        both.parseArgs("sync", "-i", "1", "--cluster", "1");
        SyncCommand conflicting = both.getSubcommands().get("sync").getCommand();
        assertThrows(CommandLine.ParameterException.class, conflicting::effectiveCluster);
    }

    @Test
    void durations() {
        DurationConverter converter = new DurationConverter();
        assertEquals(Duration.ofMillis(500), converter.convert("500ms"));
        assertEquals(Duration.ofSeconds(2), converter.convert("2s"));
        assertEquals(Duration.ofMinutes(1), converter.convert("1m"));
        assertEquals(Duration.ofSeconds(3), converter.convert("PT3S"));
        assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("5"));
        assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("fast"));
    }
}
