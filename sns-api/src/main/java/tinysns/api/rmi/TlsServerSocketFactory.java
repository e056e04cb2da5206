package tinysns.api.rmi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.rmi.server.RMIServerSocketFactory;
import java.util.Objects;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * The server half of RMI over TLS: what the JDK's {@code SslRMIServerSocketFactory} does (TLS, client certificate
 * required), but listening on one address like {@link RmiEndpoints.BoundServerSocketFactory} (the JDK's binds to all
 * of them). The handshake runs on RMI's connection thread at the first read, never in the accept loop, so a peer that
 * connects and stays silent holds up no one else.
 *
 * <p>Two factories are equal when they bind the same host with the same context: RMI then lets a registry and the
 * objects exported beside it share one port, as the plain factory does.
 */
final class TlsServerSocketFactory implements RMIServerSocketFactory {
    private final String host;
    private final SSLContext context;

    TlsServerSocketFactory(String host, SSLContext context) {
        this.host = Objects.requireNonNull(host, "host");
        this.context = Objects.requireNonNull(context, "context");
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        try {
            socket.setNeedClientAuth(true);
            socket.setEnabledProtocols(RmiTransport.PROTOCOLS);
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 128);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsServerSocketFactory other && other.host.equals(host) && other.context == context;
    }

    @Override
    public int hashCode() {
        return host.hashCode() * 31 + System.identityHashCode(context);
    }
}
