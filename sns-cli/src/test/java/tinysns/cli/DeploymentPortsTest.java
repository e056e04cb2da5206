package tinysns.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentPortsTest {
    @Test
    void theLayoutIsSnsUpsMovedByTheBasePort() {
        assertEquals(List.of(9000, 9001, 10000, 10100, 10001, 10101, 10200, 10201,
                20000, 20100, 20001, 20101, 20200, 20201), DeploymentPorts.of(9000, 2, 2));
        assertEquals(List.of(11000, 11001, 12000, 12100, 12001, 12101, 12002, 12102, 12200, 12201),
                DeploymentPorts.of(11000, 1, 3));
        assertEquals(List.of(9000, 9001, 9002, 9010, 9011, 9012, 9020, 9021, 9022, 10000, 10100, 10001, 10101, 10200,
                10201), DeploymentPorts.of(9000, 1, 2, 3));
    }

    @Test
    void aPortInUseOrOutOfRangeIsNotFree() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertFalse(DeploymentPorts.allFree("127.0.0.1", List.of(taken.getLocalPort())));
        }
        assertFalse(DeploymentPorts.allFree("127.0.0.1", List.of(70_000)));
        int free;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            free = probe.getLocalPort();
        }
        assertTrue(DeploymentPorts.allFree("127.0.0.1", List.of(free)));
    }
}
