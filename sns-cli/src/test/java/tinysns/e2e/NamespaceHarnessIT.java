package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tinysns.e2e.ClientSteps.send;
import static tinysns.e2e.ClientSteps.sendUntilKnown;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

/**
 * The multi-host harness itself (issue 11, item 4): a deployment across network namespaces ({@link HostsDeployment},
 * {@code scripts/hosts.sh}) works end to end with the course client on client hosts, every nemesis has exactly the
 * effect it claims — measured between namespaces with TCP connects and datagrams, before and after — and nothing of
 * the run is left once it is closed.
 */
class NamespaceHarnessIT {
    private static final Duration SHORT = Duration.ofSeconds(10);

    @Test
    void aDeploymentAcrossNamespacesDeliversAndEveryNemesisDoesWhatItSays() throws Exception {
        long started = System.nanoTime();
        HostsDeployment hosts = HostsDeployment.start("NamespaceHarnessIT",
                HostsDeployment.Options.clusters(2).withClientHosts(4));
        String prefix = hosts.namespacePrefix();
        String runDir = hosts.runDir().toString();
        try {
            layoutFollowsTheRules(hosts);
            ClientProcess author = hosts.login("client-1", 1);
            ClientProcess follower = hosts.login("client-2", 2);
            sendUntilKnown(follower, "follow 1");
            send(follower, "timeline", "Command completed successfully", "Now you are in the timeline");
            send(author, "timeline", "Command completed successfully", "Now you are in the timeline");
            long sent = System.nanoTime();
            author.send("hello from cluster 1 across namespaces");
            follower.expect(LinePattern.of("1 (*) >> hello from cluster 1 across namespaces"), Duration.ofSeconds(15));
            System.out.println("NamespaceHarnessIT: post of user 1 (client-1, cluster 1) on user 2's screen (client-2, "
                    + "cluster 2) after " + millisSince(sent) + " ms");

            partitionsCutWhatTheySayAndHealRestores(hosts);
            netemDelaysAndDropsWhatTheHostSends(hosts);
            pauseResumeKillRestart(hosts);

            author.send("after every nemesis");
            follower.expect(LinePattern.of("1 (*) >> after every nemesis"), Duration.ofSeconds(20));
        } catch (Throwable failure) {
            throw new AssertionError(failure.getMessage() + "\nstatus:\n" + hosts.status() + hosts.logTails(20),
                    failure);
        } finally {
            hosts.close();
        }
        // Nothing of the run is left: no namespace with its prefix (asked of `ip netns` directly), no process.
        List<String> left = ipNetnsList().stream().filter(ns -> ns.startsWith(prefix)).toList();
        assertEquals(List.of(), left, "namespaces left after close");
        assertEquals(List.of(), hosts.namespaces(), "namespaces the script still sees");
        assertEquals(List.of(), hosts.liveProcesses().stream().map(ProcessHandle::pid).toList(),
                "processes naming " + runDir + " after close");
        System.out.println("NamespaceHarnessIT: " + millisSince(started) + " ms in all");
    }

    /** One namespace per host plus the bridge's; lo up, one veth, no default route, no link to the root namespace. */
    private static void layoutFollowsTheRules(HostsDeployment hosts) throws Exception {
        String prefix = hosts.namespacePrefix();
        Set<String> namespaces = new HashSet<>(hosts.namespaces());
        Set<String> expected = new HashSet<>();
        expected.add(prefix + "net");
        Set<String> addresses = new HashSet<>();
        for (HostsDeployment.Host host : hosts.hosts().values()) {
            expected.add(host.namespace());
            assertTrue(host.namespace().startsWith(prefix), host + " is not named by the run");
            assertTrue(host.address().matches("10\\.213\\.\\d+\\.\\d+"), host + ": not in 10.213.X.0/24");
            assertTrue(addresses.add(host.address()), host + ": address used twice");
        }
        assertEquals(expected, namespaces, "namespaces of the run");
        assertEquals(1, addresses.stream().map(a -> a.substring(0, a.lastIndexOf('.'))).distinct().count(),
                "one /24 for the run: " + addresses);
        for (String host : List.of("coordinator", "node-1.1", "sync-2.2", "client-1")) {
            assertEquals("", hosts.exec(host, SHORT, "ip", "-4", "route", "show", "default").ok("route").out().strip(),
                    host + " has a default route");
            List<String> links = hosts.exec(host, SHORT, "ip", "-o", "link", "show").ok("link").out().lines().toList();
            assertEquals(2, links.size(), host + ": only lo and eth0 " + links);
            assertTrue(links.get(0).contains(" lo: ") && links.get(0).contains(",UP"), host + ": lo is up " + links);
            assertTrue(links.get(1).contains("link-netns " + prefix + "net"), host + ": eth0's peer is in the bridge's"
                    + " namespace " + links);
        }
        Process rootLinks = new ProcessBuilder("ip", "-o", "link", "show").redirectErrorStream(true).start();
        String root = new String(rootLinks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(rootLinks.waitFor(10, TimeUnit.SECONDS));
        assertFalse(root.contains(prefix), "the root namespace has a link into the run:\n" + root);
        // Each JVM names its host's address as the stubs' host (SNS_RMI_HOSTNAME) and listens there (--host).
        for (String name : List.of("coordinator", "node-1.1", "sync-2.1")) {
            HostsDeployment.Proc proc = hosts.process(name);
            String cmdline = Files.readString(Path.of("/proc/" + proc.pid() + "/cmdline")).replace('\0', ' ');
            assertTrue(cmdline.contains("-Djava.rmi.server.hostname=" + proc.address() + " "), name + ": " + cmdline);
            assertTrue(cmdline.contains("--host " + proc.address() + " "), name + ": " + cmdline);
        }
        String status = hosts.status();
        assertTrue(status.contains(hosts.process("node-2.2").address() + ":20001"), "status names addresses:\n"
                + status);
    }

    private static void partitionsCutWhatTheySayAndHealRestores(HostsDeployment hosts) throws Exception {
        // node-2.1's registry listens on 20000: "open" is a real service; port 9 has none: "refused" = both ways pass.
        assertEquals("open", hosts.tcp("client-1", "node-2.1", 20000));
        assertEquals("refused", hosts.tcp("node-2.1", "client-1", 9));
        assertTrue(hosts.udpDelivered("client-1", "node-2.1"));

        hosts.partition(List.of("client-1"), List.of("node-2.1"));
        assertEquals("timeout", hosts.tcp("client-1", "node-2.1", 20000), "client-1 -> node-2.1 while cut");
        assertEquals("timeout", hosts.tcp("node-2.1", "client-1", 9), "node-2.1 -> client-1 while cut");
        assertFalse(hosts.udpDelivered("client-1", "node-2.1"), "a datagram client-1 -> node-2.1 while cut");
        assertFalse(hosts.udpDelivered("node-2.1", "client-1"), "a datagram node-2.1 -> client-1 while cut");
        assertEquals("open", hosts.tcp("client-2", "node-2.1", 20000), "a host outside the partition");
        assertEquals("open", hosts.tcp("client-1", "node-2.2", 20001), "a host outside the partition");
        hosts.heal();
        assertEquals("open", hosts.tcp("client-1", "node-2.1", 20000), "after heal");
        assertEquals("refused", hosts.tcp("node-2.1", "client-1", 9), "after heal");

        // One way: client-1 cannot send to node-2.1, node-2.1's packets still reach client-1. TCP needs both ways.
        hosts.partitionOneWay(List.of("client-1"), List.of("node-2.1"));
        assertFalse(hosts.udpDelivered("client-1", "node-2.1"), "client-1 -> node-2.1 with the one-way cut");
        assertTrue(hosts.udpDelivered("node-2.1", "client-1"), "node-2.1 -> client-1 with the one-way cut");
        assertEquals("timeout", hosts.tcp("client-1", "node-2.1", 20000), "the SYN is dropped");
        assertEquals("timeout", hosts.tcp("node-2.1", "client-1", 9), "the RST back is dropped");
        hosts.heal();
        assertTrue(hosts.udpDelivered("client-1", "node-2.1"), "after heal");

        // A set with several hosts, and "others" (everything else): each pair is cut. client-3 and client-4 run
        // nothing, so cutting them disturbs no process of the deployment.
        hosts.partition(List.of("client-3", "client-4"), List.of("node-1.1", "sync-1.1"));
        for (String a : List.of("client-3", "client-4")) {
            for (String b : List.of("node-1.1", "sync-1.1")) {
                assertFalse(hosts.udpDelivered(a, b), a + " -> " + b);
            }
        }
        assertFalse(hosts.udpDelivered("sync-1.1", "client-4"), "sync-1.1 -> client-4");
        assertTrue(hosts.udpDelivered("client-3", "client-4"), "inside one side");
        assertTrue(hosts.udpDelivered("node-1.1", "sync-1.1"), "inside the other side");
        hosts.heal();
        hosts.isolate("client-4");
        assertFalse(hosts.udpDelivered("client-4", "coordinator"));
        assertFalse(hosts.udpDelivered("node-2.2", "client-4"));
        assertTrue(hosts.udpDelivered("client-3", "coordinator"));
        hosts.heal();
        assertTrue(hosts.udpDelivered("client-4", "coordinator"), "after heal");
    }

    /** On client-3, which runs nothing: the delay and loss disturb no process. */
    private static void netemDelaysAndDropsWhatTheHostSends(HostsDeployment hosts) throws Exception {
        long before = hosts.rttMillis("client-3", "node-2.1");
        assertTrue(before < 50, "connect time without netem: " + before + " ms");
        hosts.netem("client-3", "delay 200ms");
        long out = hosts.rttMillis("client-3", "node-2.1");
        long in = hosts.rttMillis("node-2.1", "client-3");
        long other = hosts.rttMillis("client-2", "node-2.1");
        System.out.println("NamespaceHarnessIT: TCP connect client-3 -> node-2.1 " + before + " ms; with netem delay "
                + "200ms on client-3: " + out + " ms out, " + in + " ms in (its reply waits), client-2 -> node-2.1 "
                + other + " ms");
        assertTrue(out >= 190 && out < 1000, "connect from the delayed host: " + out + " ms");
        assertTrue(in >= 190 && in < 1000, "connect to the delayed host: " + in + " ms");
        assertTrue(other < 50, "another host is not delayed: " + other + " ms");
        hosts.netem("client-3", "loss 100%");
        assertFalse(hosts.udpDelivered("client-3", "node-2.1"), "everything client-3 sends is lost");
        assertTrue(hosts.udpDelivered("node-2.1", "client-3"), "what client-3 receives is not");
        hosts.netemClear("client-3");
        long after = hosts.rttMillis("client-3", "node-2.1");
        assertTrue(after < 50, "after netem clear: " + after + " ms");
        assertTrue(hosts.udpDelivered("client-3", "node-2.1"), "after netem clear");
    }

    private static void pauseResumeKillRestart(HostsDeployment hosts) throws Exception {
        for (String name : List.of("sync-1.1", "coordinator")) {
            hosts.pause(name);
            assertEquals('T', hosts.processState(name), name + " is stopped");
            if (name.startsWith("sync")) {
                awaitRow(hosts, name, row -> row.contains(" NO "), "not alive while paused");
            }
            hosts.resume(name);
            assertNotEquals('T', hosts.processState(name), name + " runs again");
        }
        awaitRow(hosts, "sync-1.1", row -> row.contains(" yes "), "alive after resume");

        // A standby synchronizer: killing a node would also make its master step down and retake leadership, which
        // is a failover test of its own (PartitionIT), not a test of the harness.
        String status = hosts.status();
        String standby = HostsDeployment.rowOf(status, "sync-2.1").contains(" SLAVE ") ? "sync-2.1" : "sync-2.2";
        long pid = hosts.process(standby).pid();
        hosts.kill(standby);
        assertEquals('-', hosts.processState(standby), standby + " is gone");
        hosts.restart(standby);
        assertNotEquals(pid, hosts.process(standby).pid(), "a new process");
        assertNotEquals('-', hosts.processState(standby), standby + " runs again");
        // The new process (not the old one's last heartbeat) registered: its log says so after the restart line.
        Path log = hosts.runDir().resolve("logs/" + standby + ".log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            int restarted = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains("hosts: starting " + standby)) {
                    restarted = i;
                }
            }
            if (lines.subList(restarted + 1, lines.size()).stream()
                    .anyMatch(l -> l.contains("registered with the coordinator"))) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, standby + " did not register again within 30 s");
            Thread.sleep(200);
        }
        awaitRow(hosts, standby, row -> row.contains(" yes "), "alive again after restart");
    }

    private static void awaitRow(HostsDeployment hosts, String name, Predicate<String> condition, String what)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String status = "";
        while (System.nanoTime() < deadline) {
            status = hosts.status();
            String row = HostsDeployment.rowOf(status, name);
            if (row != null && condition.test(row + " ")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(name + ": not " + what + " within 30 s; status:\n" + status);
    }

    static List<String> ipNetnsList() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "ip netns list");
        return output.lines().map(line -> line.strip().split("\\s+")[0]).filter(s -> !s.isEmpty()).toList();
    }

    static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
