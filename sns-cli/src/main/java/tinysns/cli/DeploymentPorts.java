package tinysns.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * The ports of a deployment started by {@code scripts/sns-up.sh --base-port P} (its header is the definition): the
 * registry P and the coordinator P+1, and every course port moved by P - 9000 — per cluster c, server n's service
 * c*10000+n-1 and Raft c*10000+100+n-1, synchronizer n (two per cluster) c*10000+200+n-1.
 */
public final class DeploymentPorts {
    private DeploymentPorts() {
    }

    public static List<Integer> of(int basePort, int clusters, int serversPerCluster) {
        return of(basePort, clusters, serversPerCluster, 1);
    }

    /**
     * The same with {@code coordinators} coordinator replicas ({@code sns-up.sh --coordinators}): replica i's registry
     * P+10(i-1), its object P+10(i-1)+1 and, with more than one, its Raft port P+10(i-1)+2.
     */
    public static List<Integer> of(int basePort, int clusters, int serversPerCluster, int coordinators) {
        int shift = basePort - 9000;
        List<Integer> ports = new ArrayList<>();
        for (int i = 1; i <= coordinators; i++) {
            int first = basePort + 10 * (i - 1);
            ports.addAll(coordinators == 1 ? List.of(first, first + 1) : List.of(first, first + 1, first + 2));
        }
        for (int c = 1; c <= clusters; c++) {
            for (int n = 1; n <= serversPerCluster; n++) {
                ports.add(tinysns.api.Clusters.nodePort(c, n) + shift);
                ports.add(tinysns.api.Clusters.raftPort(c, n) + shift);
            }
            for (int n = 1; n <= 2; n++) {
                ports.add(tinysns.api.Clusters.syncPort(c, n) + shift);
            }
        }
        return ports;
    }

    /** True if every port is a valid one that nothing listens on at {@code host} right now. */
    public static boolean allFree(String host, List<Integer> ports) {
        for (int port : ports) {
            if (port < 1 || port > 65_535) {
                return false;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new java.net.InetSocketAddress(InetAddress.getByName(host), port), 1);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
