package tinysns.raft;

import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.BoltRpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * What every JRaft peer of ours — a cluster's {@link ClusterReplica}, a coordinator's {@link ReplicatedMap} — sets up
 * the same way: its Raft directories, its TLS key, and its Raft port (this host only, peer-to-peer requests only,
 * TLS with the key).
 */
final class RaftPeerSetup {
    private RaftPeerSetup() {
    }

    /**
     * The deployment's key for the Raft port, or null without {@code tlsDir}. Called before anything opens: a key
     * that cannot be used stops the start with nothing to undo, with a one-line reason.
     */
    static RaftTls loadTls(Path tlsDir) {
        if (tlsDir == null) {
            return null;
        }
        RaftTls tls;
        try {
            tls = RaftTls.load(tlsDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot use TLS on the Raft port: " + e.getMessage(), e);
        }
        RaftTls.requireFactory();
        return tls;
    }

    /** {@code raftDir}'s log, meta and snapshot directories: JRaft does not create the parent of its log dir. */
    static void createDirectories(Path raftDir) {
        try {
            Files.createDirectories(raftDir.resolve("log"));
            Files.createDirectories(raftDir.resolve("meta"));
            Files.createDirectories(raftDir.resolve("snapshot"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Raft directories under " + raftDir, e);
        }
    }

    /**
     * The Raft port of {@code self}: bound to its host (JRaft's default listens on every interface), serving the
     * peer-to-peer requests only ({@link RaftPortProcessors}: JRaft's CLI processors would let anyone who reaches the
     * port reconfigure the group; our reconfigurations are local calls), and with {@code tls} only to holders of the
     * key ({@link RaftTls}).
     */
    static RpcServer raftPort(PeerId self, RaftTls tls, Executor raftRpcExecutor) {
        Endpoint endpoint = self.getEndpoint();
        com.alipay.remoting.rpc.RpcServer boltServer =
                new com.alipay.remoting.rpc.RpcServer(endpoint.getIp(), endpoint.getPort(), true);
        if (tls != null) {
            tls.configureServer(boltServer);
        }
        RpcServer rpcServer = new BoltRpcServer(boltServer);
        RaftPortProcessors.register(rpcServer, raftRpcExecutor);
        return rpcServer;
    }
}
