package tinysns.raft;

import com.alipay.remoting.ExtendedNettyChannelHandler;
import com.alipay.remoting.config.BoltClientOption;
import com.alipay.remoting.config.BoltServerOption;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.impl.BoltRaftRpcFactory;
import com.alipay.sofa.jraft.rpc.impl.BoltRpcClient;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import com.alipay.sofa.jraft.util.SPI;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.rmi.RmiTransport;

/**
 * Bolt TLS with mutual authentication on a replica's Raft port and on its outgoing Raft connections, from the
 * deployment's key ({@code --tls DIR}: {@value RmiTransport#KEYSTORE_FILE}, a self-signed PKCS12 key pair that is
 * also the only trust anchor, and {@value RmiTransport#PASSWORD_FILE}), the same key RMI uses ({@link RmiTransport}).
 * A process without the key cannot complete a handshake with a Raft port, and a replica only replicates to, votes
 * with and reads from peers that hold it.
 *
 * <p>How (SOFABolt 1.6.12, read from its sources): Bolt builds a Netty {@code SslContext} for every new connection
 * from per-instance options, falling back to system properties ({@code bolt.server.ssl.*}, {@code
 * bolt.client.ssl.*}). This class sets the per-instance options, never system properties: the Raft port's own
 * {@code com.alipay.remoting.rpc.RpcServer} (made by {@link ClusterReplica#start}) and the one Bolt client JRaft
 * makes per node ({@code DefaultRaftClientService}, through the RPC factory: {@link Factory}) speak TLS; everything
 * else in the JVM stays as it was, and the password never becomes a property anyone could list. Bolt reads the
 * keystore file and takes the trust store from that same keystore (server: {@code TrustManagerFactory.init(ks)};
 * client: likewise), with {@code setNeedClientAuth(true)} on the server's engine: exactly the RMI setup.
 *
 * <p>A handshake that fails — a plain Bolt client at a TLS port, a TLS client at a plain port, a peer with another
 * key — ends the connection at once (no hang; JRaft's RPC timeouts bound the caller) and is logged here in one WARN
 * line per peer and kind of failure, at most once a minute, naming what the peer lacks. Bolt's own line for the same
 * connection ({@code ExceptionCaught in connection}, no stack trace) stays under Bolt's loggers.
 */
public final class RaftTls {
    private static final Logger LOG = LoggerFactory.getLogger(RaftTls.class);
    static final String KEYSTORE_TYPE = "PKCS12";
    /** At most one line per peer and kind of handshake failure in this long. */
    static final long REPEAT_MILLIS = TimeUnit.MINUTES.toMillis(1);
    private static final String LACKS = "it does not speak TLS or does not hold this deployment's key (--tls DIR)";

    private final Path keystore;
    /** Bolt takes the password as a String option; it stays in this object and Bolt's options, never a property. */
    private final String password;
    private final Map<String, long[]> lastLogged = new ConcurrentHashMap<>();
    private final AtomicLong failedHandshakes = new AtomicLong();
    private final AtomicLong lines = new AtomicLong();

    private RaftTls(Path keystore, String password) {
        this.keystore = keystore;
        this.password = password;
    }

    /**
     * The deployment's key in {@code dir}, checked as {@link RmiTransport#loadContext} checks it (both files present,
     * owner-only, the keystore opens with the password): the message of the exception says what is wrong in one line.
     */
    public static RaftTls load(Path dir) throws IOException {
        RmiTransport.loadContext(dir);
        String password = Files.readString(dir.resolve(RmiTransport.PASSWORD_FILE), StandardCharsets.UTF_8).strip();
        return new RaftTls(dir.resolve(RmiTransport.KEYSTORE_FILE).toAbsolutePath(), password);
    }

    /** Makes {@code server} (not yet started) accept only TLS connections whose client holds the key. */
    void configureServer(com.alipay.remoting.rpc.RpcServer server) {
        server.option(BoltServerOption.SRV_SSL_ENABLE, true);
        server.option(BoltServerOption.SRV_SSL_NEED_CLIENT_AUTH, true);
        server.option(BoltServerOption.SRV_SSL_KEYSTORE_TYPE, KEYSTORE_TYPE);
        server.option(BoltServerOption.SRV_SSL_KEYSTORE, keystore.toString());
        server.option(BoltServerOption.SRV_SSL_KEYSTORE_PASS, password);
        server.option(BoltServerOption.EXTENDED_NETTY_CHANNEL_HANDLER, watch(true));
    }

    /** Makes {@code client} (not yet started) open only TLS connections, showing the key, to peers that hold it. */
    void configureClient(com.alipay.remoting.rpc.RpcClient client) {
        client.option(BoltClientOption.CLI_SSL_ENABLE, true);
        client.option(BoltClientOption.CLI_SSL_KEYSTORE_TYPE, KEYSTORE_TYPE);
        client.option(BoltClientOption.CLI_SSL_KEYSTORE, keystore.toString());
        client.option(BoltClientOption.CLI_SSL_KEYSTORE_PASS, password);
        client.option(BoltClientOption.EXTENDED_NETTY_CHANNEL_HANDLER, watch(false));
    }

    /**
     * Options for a JRaft node whose Bolt client speaks TLS with this key: JRaft passes the node's options to the RPC
     * factory when it makes the node's client ({@code AbstractClientService.initRpcClient}), and {@link Factory}
     * recognises these.
     */
    NodeOptions nodeOptions() {
        return new TlsNodeOptions(this);
    }

    /** How many TLS handshakes failed on connections configured by this object (tests). */
    long failedHandshakes() {
        return failedHandshakes.get();
    }

    /** How many lines {@link #failedHandshakes} have cost in the log (tests). */
    long lines() {
        return lines.get();
    }

    /** Fails unless JRaft's RPC factory is {@link Factory}: without it, outgoing Raft connections would stay plain. */
    static void requireFactory() {
        Object factory = RpcFactoryHelper.rpcFactory();
        if (!(factory instanceof Factory)) {
            throw new IllegalStateException("JRaft's RPC factory is " + factory.getClass().getName() + ", not "
                    + Factory.class.getName() + " (META-INF/services/com.alipay.sofa.jraft.rpc.RaftRpcFactory of "
                    + "sns-raft-store is missing from the classpath): outgoing Raft connections cannot use TLS");
        }
    }

    /** A JRaft node's options that carry the key for the node's own Bolt client. */
    private static final class TlsNodeOptions extends NodeOptions {
        private final RaftTls tls;

        TlsNodeOptions(RaftTls tls) {
            this.tls = tls;
        }
    }

    /**
     * JRaft's Bolt RPC factory, found through JRaft's service loader (the higher priority wins over JRaft's own): the
     * same, except that the Bolt client of a node started with {@link #nodeOptions} speaks TLS. Every other client
     * (JRaft's CLI service, for instance) is JRaft's plain default.
     */
    @SPI(priority = 100)
    public static class Factory extends BoltRaftRpcFactory {
        @Override
        public ConfigHelper<RpcClient> defaultJRaftClientConfigHelper(RpcOptions opts) {
            if (!(opts instanceof TlsNodeOptions tlsOptions)) {
                return null;
            }
            return client -> tlsOptions.tls.configureClient(((BoltRpcClient) client).getRpcClient());
        }
    }

    private ExtendedNettyChannelHandler watch(boolean server) {
        List<ChannelHandler> back = List.of(new HandshakeWatch(server));
        return new ExtendedNettyChannelHandler() {
            @Override
            public List<ChannelHandler> frontChannelHandlers() {
                return List.of();
            }

            @Override
            public List<ChannelHandler> backChannelHandlers() {
                return back;
            }
        };
    }

    /** Sees each connection's handshake outcome (Netty fires it down the whole pipeline) and reports failures. */
    @ChannelHandler.Sharable
    private final class HandshakeWatch extends ChannelInboundHandlerAdapter {
        private final boolean server;

        HandshakeWatch(boolean server) {
            this.server = server;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
                failed(ctx.channel(), done.cause(), server);
            }
            super.userEventTriggered(ctx, event);
        }
    }

    private void failed(Channel channel, Throwable cause, boolean server) {
        boolean closedUnread = cause instanceof ClosedChannelException;
        if (server && closedUnread) {
            // Connected and hung up without a word: a port probe (a follower's leader probe is one), not a peer.
            LOG.debug("Raft port {}: {} closed the connection before any TLS handshake",
                    address(channel.localAddress()), address(channel.remoteAddress()));
            return;
        }
        failedHandshakes.incrementAndGet();
        String what;
        String why = LACKS;
        String kind = cause.getClass().getName();
        if (cause instanceof NotSslRecordException) {
            what = "it sent plain (not TLS) bytes";
        } else if (closedUnread) {
            what = "it closed the connection during the TLS handshake";
        } else if (String.valueOf(cause.getMessage()).contains("handshake timed out")) {
            // Netty's own handshake timeout (10 s): no verdict on the key.
            what = "the TLS handshake timed out";
            why = "the peer is paused or overloaded, or it does not speak TLS";
            kind = "timeout";
        } else {
            what = "TLS handshake failed (" + oneLine(cause) + ")";
        }
        String line;
        String key;
        if (server) {
            key = "in " + address(channel.localAddress()) + " " + host(channel.remoteAddress()) + " " + kind;
            line = "Raft port " + address(channel.localAddress()) + " refused a connection from "
                    + address(channel.remoteAddress()) + ": " + what + "; " + why;
        } else {
            key = "out " + address(channel.remoteAddress()) + " " + kind;
            line = "Raft connection to " + address(channel.remoteAddress()) + " failed: " + what + "; " + why;
        }
        long now = System.nanoTime();
        long[] entry = lastLogged.computeIfAbsent(key, k -> new long[] {now - TimeUnit.MILLISECONDS.toNanos(
                REPEAT_MILLIS) - 1, 0});
        String repeat;
        synchronized (entry) {
            if (now - entry[0] <= TimeUnit.MILLISECONDS.toNanos(REPEAT_MILLIS)) {
                entry[1]++;
                return;
            }
            repeat = entry[1] == 0 ? "" : " (" + entry[1] + " more like it in the last minute)";
            entry[0] = now;
            entry[1] = 0;
        }
        if (lastLogged.size() > 1000) {
            lastLogged.clear(); // bounded: many distinct peers only cost more lines
        }
        lines.incrementAndGet();
        LOG.warn("{}{}", line, repeat);
    }

    private static String oneLine(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? ""
                : ": " + message.lines().findFirst().orElse(""));
    }

    private static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() + ":" + inet.getPort()
                    : inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    private static String host(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(address);
    }
}
