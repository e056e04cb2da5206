package tinysns.api.rmi;

import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.rmi.NotBoundException;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.Objects;

/**
 * How every Tiny SNS object goes on the wire: exported on a given host and port with the JEP 290 allow-list
 * {@link #FILTER}, so that nothing but this API's records, boxed primitives, strings and the JDK collections they use
 * is ever deserialized (Java serialization of arbitrary classes is RMI's classic remote-code-execution hole).
 */
public final class RmiEndpoints {
    /**
     * The allow-list. Callback stubs arrive as dynamic proxies, hence {@code java.lang.reflect.Proxy},
     * {@code jdk.proxy*} and the RMI handler classes (PITFALLS.md). Limits cap graph depth, references, array
     * length and stream size before anything is built; everything not named is rejected ({@code !*}). The stream size
     * is checked only when an object, class or array is read: a single long string still arrives whole, and the
     * services refuse it by its length.
     */
    public static final String FILTER_PATTERN = String.join(";",
            "maxdepth=20", "maxrefs=100000", "maxarray=100000", "maxbytes=8000000",
            "tinysns.api.*",
            "java.lang.Enum", "java.lang.Number", "java.lang.Long", "java.lang.Integer", "java.lang.Boolean",
            "java.lang.String", "java.lang.Record",
            "java.util.ArrayList", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableCollection",
            "java.util.Collections$EmptyList", "java.util.Collections$EmptyMap", "java.util.Collections$SingletonList",
            "java.util.CollSer", "java.util.ImmutableCollections$*", "java.util.HashMap", "java.util.TreeMap",
            // An array is matched by its element type ("[Ljava.lang.Object;" would never match): java.lang.Object
            // admits the Object[] inside CollSer, i.e. every List.of / Map.of / Set.of / Stream.toList() value.
            "java.util.Map$Entry", "java.lang.Object",
            "java.lang.reflect.Proxy", "jdk.proxy*", "java.rmi.server.RemoteObjectInvocationHandler",
            "java.rmi.server.RemoteObject", "java.rmi.server.RemoteRef", "java.rmi.server.UnicastRemoteObject",
            "java.rmi.server.ObjID", "java.rmi.server.UID", "sun.rmi.server.UnicastRef", "sun.rmi.server.UnicastRef2",
            "sun.rmi.transport.LiveRef", "sun.rmi.transport.tcp.TCPEndpoint",
            "!*");

    public static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter(FILTER_PATTERN);

    private RmiEndpoints() {
    }

    /**
     * Exports {@code object} on {@code host:port} (port 0 = any free one), listening on that address only and
     * filtering every argument through {@link #FILTER}.
     */
    @SuppressWarnings("unchecked")
    public static <T extends Remote> T export(T object, String host, int port) throws RemoteException {
        return (T) UnicastRemoteObject.exportObject(object, port, null, new BoundServerSocketFactory(host), FILTER);
    }

    /** Unexports, even while calls are in progress; false if it was not exported. */
    public static boolean unexport(Remote object) {
        try {
            return UnicastRemoteObject.unexportObject(object, true);
        } catch (java.rmi.NoSuchObjectException e) {
            return false;
        }
    }

    /**
     * Starts an in-process registry listening on {@code host:port} only. Its own JEP 290 filter is the JDK's
     * {@code sun.rmi.registry.registryFilter} default, which admits stubs only.
     */
    public static Registry createRegistry(String host, int port) throws RemoteException {
        return LocateRegistry.createRegistry(port, null, new BoundServerSocketFactory(host));
    }

    public static Registry registry(String host, int port) throws RemoteException {
        return LocateRegistry.getRegistry(host, port);
    }

    /** Looks a name up in the registry at {@code host:port}. */
    public static <T extends Remote> T lookup(String host, int port, String name, Class<T> type)
            throws RemoteException, NotBoundException {
        return type.cast(registry(host, port).lookup(name));
    }

    /** A server socket factory that binds to one address (RMI's default binds to all of them). */
    public static final class BoundServerSocketFactory implements RMIServerSocketFactory, Serializable {
        private final String host;

        public BoundServerSocketFactory(String host) {
            this.host = Objects.requireNonNull(host, "host");
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(address(), port), 128);
            return socket;
        }

        private InetAddress address() throws UnknownHostException {
            return InetAddress.getByName(host);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BoundServerSocketFactory other && other.host.equals(host);
        }

        @Override
        public int hashCode() {
            return host.hashCode();
        }
    }
}
