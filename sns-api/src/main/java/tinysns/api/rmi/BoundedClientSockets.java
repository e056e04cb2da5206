package tinysns.api.rmi;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.rmi.server.RMIClientSocketFactory;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The client half of every endpoint this system exports (it travels inside each stub): TCP, or TLS layered over it,
 * whose connect is bounded and whose reads honour the calling thread's {@link CallDeadline}. RMI itself sets one read
 * timeout per connection, when it makes it ({@code sun.rmi.transport.tcp.responseTimeout}), and reuses connections
 * across calls of every kind; so the per-call bound is applied here, before each read, from the deadline of the thread
 * that reads (RMI reads a reply on the calling thread). Reads without a deadline (RMI's own DGC traffic, a caller that
 * set none) keep RMI's timeout.
 */
public final class BoundedClientSockets implements RMIClientSocketFactory, Serializable {
    private static final long serialVersionUID = 1L;

    /** A TLS handshake's bound (see {@link #createSocket}). */
    static final int TLS_HANDSHAKE_MILLIS = 10_000;

    private final boolean tls;

    BoundedClientSockets(boolean tls) {
        this.tls = tls;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        DeadlineSocket plain = new DeadlineSocket();
        int left = CallDeadline.remainingMillis();
        if (left == 0) {
            throw new SocketTimeoutException("call deadline passed before connecting to " + host + ":" + port);
        }
        try {
            // Making a connection has its own bounds (connect, then RMI's handshake with TLS's inside it), whatever
            // is left of the call's: a TLS handshake in a cold JVM on a loaded machine took over 2 s here, and a
            // connection is made once, then reused by many calls.
            plain.connect(new InetSocketAddress(host, port), RmiTimeouts.connectMillis());
        } catch (IOException e) {
            plain.close();
            throw e;
        }
        if (!tls) {
            return plain;
        }
        SSLSocket secure = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                .createSocket(plain, host, port, true);
        secure.setEnabledProtocols(RmiTransport.PROTOCOLS);
        secure.setUseClientMode(true);
        // The TLS handshake here, with its own bound: left to RMI it would happen inside the flush of RMI's header,
        // before RMI sets any timeout. It is CPU-heavy in a cold JVM (interpreted crypto): over 2 s at load 25 here.
        plain.tlsHandshake = true;
        try {
            secure.startHandshake();
        } catch (IOException e) {
            secure.close();
            throw e;
        } finally {
            plain.tlsHandshake = false;
        }
        return secure;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BoundedClientSockets other && other.tls == tls;
    }

    @Override
    public int hashCode() {
        return tls ? 1 : 0;
    }

    /**
     * A TCP socket whose every read, once the connection is made, is bounded by the reading thread's deadline, when
     * it has one; before, by the handshake bound. RMI sets its handshake timeout on a new connection, reads the
     * handshake, then sets its reply timeout: that second setting marks the connection as made.
     */
    private static final class DeadlineSocket extends Socket {
        /** What RMI (or TLS) asked for: used for reads outside any deadline. */
        private volatile int defaultTimeout;
        private int timeoutsSet; // guarded by this
        private volatile boolean established;
        /** Set while {@link #createSocket} runs the TLS handshake: its reads get {@link #TLS_HANDSHAKE_MILLIS}. */
        private volatile boolean tlsHandshake;
        private int applied = -1; // the timeout the socket has now; only the reading thread changes it
        private InputStream in;

        @Override
        public synchronized void setSoTimeout(int timeout) throws SocketException {
            defaultTimeout = timeout;
            if (++timeoutsSet >= 2) {
                established = true;
            }
            applied = timeout;
            super.setSoTimeout(timeout);
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new FilterInputStream(super.getInputStream()) {
                    @Override
                    public int read() throws IOException {
                        bound();
                        return super.read();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        bound();
                        return super.read(b, off, len);
                    }
                };
            }
            return in;
        }

        private void bound() throws IOException {
            int want;
            if (tlsHandshake) {
                want = TLS_HANDSHAKE_MILLIS;
            } else if (!established) {
                want = RmiTimeouts.handshakeMillis(); // this JVM's, set or not by RmiTimeouts.install
            } else {
                int left = CallDeadline.remainingMillis();
                if (left == 0) {
                    throw new SocketTimeoutException("no reply within the call's bound");
                }
                want = left > 0 ? left : defaultTimeout;
            }
            if (want != applied) {
                applied = want;
                super.setSoTimeout(want);
            }
        }

    }
}
