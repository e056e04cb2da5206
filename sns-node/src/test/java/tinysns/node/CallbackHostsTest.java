package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which callback hosts a node accepts for a subscription from which address ({@link CallbackHosts}). */
class CallbackHostsTest {
    private static final String LOOPBACK = "127.0.0.1";

    @Test
    void aLiteralAddressMustBeTheCallersOwn() {
        CallbackHosts hosts = new CallbackHosts(Map.of());
        assertNull(hosts.refusal(LOOPBACK, LOOPBACK));
        assertNull(hosts.refusal("10.1.2.3", "10.1.2.3"));
        assertRefused(hosts, LOOPBACK, "127.0.0.2", "names '127.0.0.2' but the call came from 127.0.0.1");
        assertRefused(hosts, "10.1.2.3", LOOPBACK, "names '127.0.0.1' but the call came from 10.1.2.3");
        assertRefused(hosts, LOOPBACK, "10.1.2.3", "came from 127.0.0.1");
    }

    @Test
    void ipv6LiteralsCompareAsAddresses() {
        CallbackHosts hosts = new CallbackHosts(Map.of());
        assertNull(hosts.refusal("0:0:0:0:0:0:0:1", "::1"));
        assertNull(hosts.refusal("0:0:0:0:0:0:0:1", "[::1]"));
        assertNull(hosts.refusal(LOOPBACK, "::ffff:127.0.0.1"), "an IPv4-mapped address is the IPv4 address");
        assertRefused(hosts, "0:0:0:0:0:0:0:1", LOOPBACK, "came from");
        assertRefused(hosts, LOOPBACK, "fe80::1%eth0", "neither an IP address");
    }

    @Test
    void namesAreThisMachinesOwnOnlyAndResolvedOnceNotOnEachSubscription() throws Exception {
        // A name of another machine, as resolved at start: accepted only from an address it resolved to.
        CallbackHosts hosts = new CallbackHosts(Map.of("Node-A.test", Set.of(InetAddress.getByName("10.1.2.3"))));
        assertNull(hosts.refusal("10.1.2.3", "node-a.test"), "names compare ignoring case");
        assertRefused(hosts, LOOPBACK, "node-a.test", "names 'node-a.test' ([/10.1.2.3]) but the call came from");
        // "localhost" resolves on every machine, but it is not among this instance's names: never looked up.
        assertRefused(hosts, LOOPBACK, "localhost", "neither an IP address nor one of this machine's names");
        assertRefused(hosts, LOOPBACK, "attacker.example", "(not looked up)");
    }

    @Test
    void theNodesNamesAreLocalhostItsHostAndThisMachinesName() throws Exception {
        CallbackHosts hosts = CallbackHosts.resolve(LOOPBACK);
        assertNull(hosts.refusal(LOOPBACK, "localhost"));
        assertNull(hosts.refusal(LOOPBACK, "LOCALHOST"));
        String machine = InetAddress.getLocalHost().getHostName();
        for (InetAddress address : InetAddress.getAllByName(machine)) {
            assertNull(hosts.refusal(address.getHostAddress(), machine), machine + " from " + address);
        }
        assertNull(CallbackHosts.resolve("localhost").refusal(LOOPBACK, "localhost"));
    }

    @Test
    void anythingElseIsRefusedWithoutALookup() {
        CallbackHosts hosts = new CallbackHosts(Map.of());
        for (String junk : new String[] {"", "1.2.3", "127.1", "127.0.0.01", "256.0.0.1", "1.2.3.4:80", ".:",
                "::g", "[127.0.0.1", "x".repeat(70), "evil\nline"}) {
            assertNotNull(hosts.refusal(LOOPBACK, junk), junk);
        }
        assertRefused(hosts, LOOPBACK, null, "not an RMI stub");
        assertRefused(hosts, "not-an-address", LOOPBACK, "is not an IP address");
        assertRefused(hosts, LOOPBACK, "evil\nline", "'evil?line'");
        assertNull(CallbackHosts.literal("1.2.3"));
        assertNull(CallbackHosts.literal("::g"));
        assertEquals(InetAddress.getLoopbackAddress(), CallbackHosts.literal("127.0.0.1"));
    }

    private static void assertRefused(CallbackHosts hosts, String client, String stub, String because) {
        String refusal = hosts.refusal(client, stub);
        assertNotNull(refusal, stub + " from " + client + " was accepted");
        assertTrue(refusal.contains(because), refusal);
    }
}
