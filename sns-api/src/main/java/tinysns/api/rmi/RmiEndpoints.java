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
            // Serializable superclasses of what the records hold (enums, Long/Integer map entries).
            "java.lang.Enum", "java.lang.Number", "java.lang.Long", "java.lang.Integer", "java.lang.String",
            // The only collections the API's values are built with: ArrayList, and List.of / Map.of / List.copyOf /
            // Map.copyOf / Stream.toList(), which serialize as CollSer holding an Object[]. An array is matched by
            // its element type ("[Ljava.lang.Object;" would never match), so java.lang.Object admits that array; no
            // object of class Object itself can be deserialized (it is not Serializable). No HashMap/HashSet/TreeMap:
            // records normalize their maps with Map.copyOf, and hash-collision bombs need a hashing collection.
            "java.util.ArrayList", "java.util.CollSer", "java.util.ImmutableCollections$*", "java.lang.Object",
            // A stub (the client's timeline callback, a service bound into a registry) is a dynamic proxy with
            // RMI's handler; its UnicastRef/LiveRef/ObjID are read by hand in RemoteObject.readObject and never
            // reach the filter as classes (only the client socket factory inside does, hence the TLS line below).
            "java.lang.reflect.Proxy", "jdk.proxy*", "java.rmi.server.RemoteObjectInvocationHandler",
            "java.rmi.server.RemoteObject",
            // With --tls every stub, callbacks included, carries the client half of RmiTransport.
            "javax.rmi.ssl.SslRMIClientSocketFactory",
            "!*");

    public static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter(FILTER_PATTERN);

    /**
     * The JDK registry's own filter (documented in the {@code java.rmi} module), read once when the registry class
     * loads. The JDK default admits any {@code Remote} or {@code Number} class and arrays of a million elements;
     * this class sets it to {@link #FILTER_PATTERN} before any registry can be created through it, so a bind is held
     * to the same allow-list and limits as every export. A standalone registry gets it by running
     * {@code sns registry}.
     */
    public static final String REGISTRY_FILTER_PROPERTY = "sun.rmi.registry.registryFilter";

    static {
        if (System.getProperty(REGISTRY_FILTER_PROPERTY) == null) {
            System.setProperty(REGISTRY_FILTER_PROPERTY, FILTER_PATTERN);
        }
    }

    private RmiEndpoints() {
    }

    /**
     * Exports {@code object} on {@code host:port} (port 0 = any free one), listening on that address only and
     * filtering every argument through {@link #FILTER}.
     */
    @SuppressWarnings("unchecked")
    public static <T extends Remote> T export(T object, String host, int port) throws RemoteException {
        return (T) UnicastRemoteObject.exportObject(object, port, RmiTransport.clientSockets(),
                RmiTransport.serverSockets(host), FILTER);
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
     * Starts an in-process registry listening on {@code host:port} only. Its JEP 290 filter is
     * {@link #FILTER_PATTERN} (via {@link #REGISTRY_FILTER_PROPERTY}, unless the launcher set that property); what
     * the pattern leaves undecided (primitive arrays within the limits) goes on to the JDK's stubs-only default.
     */
    public static Registry createRegistry(String host, int port) throws RemoteException {
        return LocateRegistry.createRegistry(port, RmiTransport.clientSockets(), RmiTransport.serverSockets(host));
    }

    public static Registry registry(String host, int port) throws RemoteException {
        return LocateRegistry.getRegistry(host, port, RmiTransport.clientSockets());
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
