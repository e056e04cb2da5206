package tinysns.api.rmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.registry.Registry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.rmi.ssl.SslRMIClientSocketFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tinysns.api.TimelineListener;

/**
 * RMI over TLS with mutual authentication, through {@link RmiEndpoints} as every role uses it: a TLS client calls a
 * TLS object (callbacks included); a plain client, a TLS client at a plain server, and a TLS client holding another
 * deployment's key are all refused quickly, and {@link RmiTransport#describe} names the mismatch in one line.
 */
class RmiTransportTest {
    private static final String HOST = "127.0.0.1";
    private static final Duration BOUND = Duration.ofSeconds(20);

    /** One key for the whole class: {@code SslRMIClientSocketFactory} takes the JVM's default context only once. */
    @TempDir
    static Path keys;
    private static Path deploymentKey;
    private static Path strangerKey;

    private final List<Remote> exported = new ArrayList<>();

    interface Echo extends Remote {
        @Bound(CallKind.READ)
        String echo(String text) throws RemoteException;

        /** Calls {@code listener} back: a stub as an argument (through the allow-list), as timeline mode does. */
        @Bound(CallKind.READ)
        String relay(TimelineListener listener) throws RemoteException;

        /** Answers after {@code millis}: as a paused peer, when that is longer than the bound. */
        @Bound(CallKind.READ)
        String slow(long millis) throws RemoteException;
    }

    static final class EchoImpl implements Echo {
        @Override
        public String echo(String text) {
            return "echo " + text;
        }

        @Override
        public String relay(TimelineListener listener) throws RemoteException {
            listener.onPosts(List.of());
            return "relayed";
        }

        @Override
        public String slow(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "slow";
        }
    }

    @BeforeAll
    static void generateKeys() throws Exception {
        deploymentKey = TlsKeys.generate(keys.resolve("deployment"));
        strangerKey = TlsKeys.generate(keys.resolve("stranger"));
    }

    @AfterAll
    static void plainAgain() {
        RmiTransport.usePlain();
    }

    @AfterEach
    void unexportAll() {
        exported.forEach(RmiEndpoints::unexport);
        RmiTransport.usePlain();
    }

    private Echo serve(int port) throws Exception {
        Registry registry = RmiEndpoints.createRegistry(HOST, port);
        exported.add(registry);
        EchoImpl echo = new EchoImpl();
        Echo stub = RmiEndpoints.export(echo, HOST, port);
        exported.add(echo);
        registry.rebind("echo", stub);
        return stub;
    }

    @Test
    void tlsClientCallsTlsObjectAndItsCallback() throws Exception {
        RmiTransport.useTls(deploymentKey);
        int port = freePort();
        serve(port);
        assertTimeoutPreemptively(BOUND, () -> {
            Echo echo = RmiEndpoints.lookup(HOST, port, "echo", Echo.class);
            assertEquals("echo hi", echo.echo("hi"));
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            TimelineListener callback = posts -> calls.incrementAndGet();
            TimelineListener callbackStub = RmiEndpoints.export(callback, HOST, 0);
            exported.add(callback);
            assertEquals("relayed", echo.relay(callbackStub));
            assertEquals(1, calls.get());
            // Over TLS too, a call is bounded by its kind (the TLS socket is layered on the bounded one).
            long started = System.nanoTime();
            RemoteException timedOut = assertThrows(RemoteException.class, () -> echo.slow(15_000));
            long took = (System.nanoTime() - started) / 1_000_000;
            assertTrue(RmiTransport.timedOut(timedOut), timedOut.toString());
            assertTrue(took >= CallKind.READ.millis() - 100 && took < CallKind.READ.millis() + 1_500,
                    "took " + took + " ms");
            assertEquals("echo again", echo.echo("again"), "the next call on a fresh connection");
        });
    }

    @Test
    void plainClientIsRefusedByTlsEndpointWithAClearError() throws Exception {
        RmiTransport.useTls(deploymentKey);
        int port = freePort();
        serve(port);
        RmiTransport.usePlain(); // this JVM is now a client without --tls
        RemoteException refused = assertTimeoutPreemptively(BOUND, () -> assertThrows(RemoteException.class,
                () -> RmiEndpoints.lookup(HOST, port, "echo", Echo.class)));
        String message = RmiTransport.describe(refused);
        assertTrue(message.contains("requires TLS") && message.contains("--tls"), message);
        assertEquals(1, message.lines().count(), message);
    }

    @Test
    void tlsClientIsRefusedByPlainEndpointWithAClearError() throws Exception {
        int port = freePort();
        serve(port); // plain
        RmiTransport.useTls(deploymentKey);
        RemoteException refused = assertTimeoutPreemptively(BOUND, () -> assertThrows(RemoteException.class,
                () -> RmiEndpoints.lookup(HOST, port, "echo", Echo.class)));
        String message = RmiTransport.describe(refused);
        assertTrue(message.startsWith("TLS handshake failed"), message);
        assertEquals(1, message.lines().count(), message);
    }

    /** Mutual authentication: a TLS peer with its own self-signed key gets no handshake, in either direction. */
    @Test
    void holderOfAnotherKeyCannotHandshake() throws Exception {
        RmiTransport.useTls(deploymentKey);
        int port = freePort();
        serve(port);
        SSLContext stranger = RmiTransport.loadContext(strangerKey);
        assertTimeoutPreemptively(BOUND, () -> {
            try (SSLSocket socket = (SSLSocket) stranger.getSocketFactory().createSocket(HOST, port)) {
                socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(10));
                // TLS 1.3 may finish the client's side before the server judges its certificate: the refusal then
                // arrives on the first read.
                assertThrows(SSLException.class, () -> {
                    socket.startHandshake();
                    socket.getOutputStream().write("JRMI".getBytes());
                    socket.getOutputStream().flush();
                    socket.getInputStream().read();
                });
            }
        });
        // The other way round: our client does not trust a server with the stranger's key.
        SslRMIClientSocketFactory ours = new SslRMIClientSocketFactory();
        try (ServerSocket strangerServer = new TlsServerSocketFactory(HOST, stranger).createServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                try (var accepted = strangerServer.accept()) {
                    accepted.getInputStream().read();
                } catch (IOException ignored) {
                    // the handshake fails on this side too
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            assertTimeoutPreemptively(BOUND, () -> {
                try (SSLSocket socket = (SSLSocket) ours.createSocket(HOST, strangerServer.getLocalPort())) {
                    socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(10));
                    assertThrows(SSLException.class, socket::startHandshake);
                }
            });
        }
    }

    @Test
    void keyReadableByOthersIsRefused() throws Exception {
        Path dir = TlsKeys.generate(keys.resolve("careless"));
        Files.setPosixFilePermissions(dir.resolve(RmiTransport.PASSWORD_FILE),
                PosixFilePermissions.fromString("rw-r--r--"));
        IOException refused = assertThrows(IOException.class, () -> RmiTransport.loadContext(dir));
        assertTrue(refused.getMessage().contains("chmod 600"), refused.getMessage());
        IOException missing = assertThrows(IOException.class, () -> RmiTransport.loadContext(keys.resolve("none")));
        assertTrue(missing.getMessage().contains("sns-up.sh --tls"), missing.getMessage());
    }

    /** The plain factory and the TLS one both listen on the given address only. */
    @Test
    void tlsServerSocketListensOnTheGivenHostOnly() throws Exception {
        try (ServerSocket socket = new TlsServerSocketFactory(HOST, RmiTransport.loadContext(deploymentKey))
                .createServerSocket(0)) {
            assertEquals(InetAddress.getByName(HOST), socket.getInetAddress());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}
