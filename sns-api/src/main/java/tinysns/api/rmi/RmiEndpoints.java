package tinysns.api.rmi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectOutput;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.rmi.NotBoundException;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.RemoteObject;
import java.rmi.server.RemoteRef;
import java.rmi.server.UnicastRemoteObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How every Tiny SNS object goes on the wire: exported on a given host and port with the JEP 290 allow-list
 * {@link #FILTER}, so that nothing but this API's records, boxed primitives, strings and the JDK collections they use
 * is ever deserialized (Java serialization of arbitrary classes is RMI's classic remote-code-execution hole).
 */
public final class RmiEndpoints {
    /** Graph depth, references, array length and stream size: checked before anything is built. */
    private static final List<String> LIMITS = List.of(
            "maxdepth=20", "maxrefs=100000", "maxarray=100000", "maxbytes=8000000");

    /** Everything the API's values and stubs consist of (see {@link #FILTER_PATTERN}). */
    private static final List<String> VALUES = List.of(
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
            // Every stub, callbacks included, carries the client half of RmiTransport (TCP or TLS, bounded reads).
            "tinysns.api.rmi.BoundedClientSockets");

    /**
     * Exceptions that legitimately come back from a call, and what a {@link Throwable} consists of on the wire (its
     * stack trace, and {@code Collections.emptyList()} as the "no suppressed exceptions" marker). The services throw
     * {@code SecurityException} on a wrong deployment secret (heartbeats, {@code SyncService.cursor}) and
     * {@code IllegalStateException}; the registry answers {@code NotBoundException}, {@code AlreadyBoundException},
     * {@code AccessException}; RMI sends {@code NoSuchObjectException} for an unexported object and wraps what failed
     * on the server ({@code ServerException} around {@code UnmarshalException} around {@code InvalidClassException}
     * when that side's filter refused what we sent). A few common unchecked exceptions keep a remote bug readable.
     * Any other exception class is refused like any other class: the call then fails with an
     * {@code UnmarshalException}, which every caller treats as a failed call. No {@code Error}s: a remote
     * {@code ServerError} arrives as that {@code UnmarshalException} too.
     */
    private static final List<String> EXCEPTIONS = List.of(
            "java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException", "java.lang.StackTraceElement",
            "java.util.Collections$EmptyList",
            "java.lang.SecurityException", "java.lang.IllegalStateException", "java.lang.IllegalArgumentException",
            "java.lang.UnsupportedOperationException", "java.lang.NullPointerException",
            "java.lang.ReflectiveOperationException", "java.lang.ClassNotFoundException",
            "java.io.IOException", "java.io.ObjectStreamException", "java.io.InvalidClassException",
            "java.io.InvalidObjectException", "java.io.StreamCorruptedException", "java.io.OptionalDataException",
            "java.io.EOFException",
            "java.rmi.RemoteException", "java.rmi.ServerException", "java.rmi.UnmarshalException",
            "java.rmi.MarshalException", "java.rmi.NoSuchObjectException", "java.rmi.AccessException",
            "java.rmi.NotBoundException", "java.rmi.AlreadyBoundException",
            // A coordinator follower that cannot reach its leader reports why (ServerException <- these).
            "java.rmi.ConnectException", "java.rmi.ConnectIOException", "java.rmi.UnknownHostException",
            "java.net.SocketException", "java.net.ConnectException", "java.net.SocketTimeoutException",
            "java.io.InterruptedIOException", "java.net.NoRouteToHostException");

    /**
     * The allow-list for what every export and registry deserializes: the arguments of calls made to this process.
     * Callback stubs arrive as dynamic proxies, hence {@code java.lang.reflect.Proxy}, {@code jdk.proxy*} and the RMI
     * handler classes (PITFALLS.md). Limits cap graph depth, references, array length and stream size before anything
     * is built; everything not named is rejected ({@code !*}). The stream size is checked only when an object, class
     * or array is read: a single long string still arrives whole, and the services refuse it by its length.
     */
    public static final String FILTER_PATTERN = pattern(LIMITS, VALUES);

    /**
     * The process-wide allow-list ({@code jdk.serialFilter}, set by {@link #installProcessFilter}): what this process
     * reads back from calls it makes — return values, and exceptions thrown by the other side, which a per-export
     * filter never sees. The same values and limits as {@link #FILTER_PATTERN}, plus {@link #EXCEPTIONS}. Streams
     * that carry their own filter replace it: every export's arguments ({@link #FILTER}), the registry's
     * ({@link #REGISTRY_FILTER_PROPERTY}) and RMI's distributed garbage collector (its built-in filters on both
     * sides: {@code sun.rmi.transport.dgcFilter} for calls to it, the {@code Lease}-only filter for its replies).
     */
    public static final String PROCESS_FILTER_PATTERN = pattern(LIMITS, VALUES, EXCEPTIONS);

    public static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter(FILTER_PATTERN);

    public static final ObjectInputFilter PROCESS_FILTER =
            ObjectInputFilter.Config.createFilter(PROCESS_FILTER_PATTERN);

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

    @SafeVarargs
    private static String pattern(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> part : parts) {
            all.addAll(part);
        }
        all.add("!*");
        return String.join(";", all);
    }

    /**
     * Makes {@link #PROCESS_FILTER} this JVM's process-wide serialization filter, so that replies and exceptions
     * coming back from calls this process makes are held to the same allow-list as the arguments it receives (a
     * fake or compromised coordinator, node, registry or client callback could otherwise answer with a gadget).
     * Every {@code sns} and {@code tsc} process calls it first thing in {@code main}, before any RMI traffic; it is
     * JVM-global and cannot be undone, so library code and tests that start roles in their own JVM call it only where
     * that JVM is meant to be filtered. JRaft's Bolt RPC (protobuf), Hessian (its own format) and RocksDB do not use
     * Java serialization, so they are unaffected.
     *
     * @return true if {@link #PROCESS_FILTER} is in force now; false if the launcher had already set another one
     *         ({@code -Djdk.serialFilter}), which then stays in force (the JDK allows only one)
     */
    public static synchronized boolean installProcessFilter() {
        ObjectInputFilter current = ObjectInputFilter.Config.getSerialFilter();
        if (current == PROCESS_FILTER) {
            return true;
        }
        if (current != null) {
            return false;
        }
        ObjectInputFilter.Config.setSerialFilter(PROCESS_FILTER);
        return true;
    }

    /**
     * The host a stub's calls go to, as the stub names it (the exporting JVM's {@code java.rmi.server.hostname}, or
     * whatever a hostile exporter wrote into it), or null when {@code stub} is not a unicast RMI stub (a local object,
     * an exported object itself, another kind of reference).
     *
     * <p>Read from the reference's serial form, which the Java RMI API specifies ({@code RemoteObject.writeObject},
     * "@serialData"): for ref class {@code "UnicastRef"} the host ({@code writeUTF}) and port come first; for
     * {@code "UnicastRef2"} a format byte, then the host and port (then the client socket factory, if any). The public
     * {@link RemoteRef#getRefClass} and {@link RemoteRef#writeExternal} write exactly that, so nothing of the JDK's
     * internals is touched: {@code UnicastRef.getLiveRef()} and the endpoint behind it live in {@code sun.rmi}, which
     * would need {@code --add-exports}/{@code --add-opens} on every launch, and {@link RemoteRef#remoteToString()} is
     * free text with no specified format. The bytes go to a plain {@link DataOutputStream}: nothing is serialized
     * (the socket factory object is skipped) and nothing is deserialized.
     */
    public static String endpointHost(Remote stub) {
        stub = BoundedStubs.unwrap(stub);
        RemoteRef ref = stubRef(stub);
        if (ref == null) {
            return null;
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            String refClass;
            try (RefFields out = new RefFields(bytes)) {
                refClass = ref.getRefClass(out);
                if (!"UnicastRef".equals(refClass) && !"UnicastRef2".equals(refClass)) {
                    return null;
                }
                ref.writeExternal(out);
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
            if ("UnicastRef2".equals(refClass)) {
                in.readByte(); // 0x00: no client socket factory, 0x01: one follows the port
            }
            return in.readUTF();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static RemoteRef stubRef(Remote stub) {
        if (stub == null) {
            return null;
        }
        if (Proxy.isProxyClass(stub.getClass())) { // every stub RMI makes today: a proxy with RMI's handler
            return Proxy.getInvocationHandler(stub) instanceof RemoteObject handler ? handler.getRef() : null;
        }
        // A generated stub class (the registry's); an exported object itself carries a server ref, refused by class.
        return stub instanceof RemoteObject remote ? remote.getRef() : null;
    }

    /** Collects the primitive fields of a ref's serial form; an object field (the socket factory) is not written. */
    private static final class RefFields extends DataOutputStream implements ObjectOutput {
        RefFields(ByteArrayOutputStream out) {
            super(out);
        }

        @Override
        public void writeObject(Object obj) {
            // Only the client socket factory is written as an object, after host and port: not needed here.
        }
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

    /** The registry at {@code host:port}; each of its calls is bounded as a {@link CallKind#LOOKUP}. */
    public static Registry registry(String host, int port) throws RemoteException {
        return BoundedStubs.registry(LocateRegistry.getRegistry(host, port, RmiTransport.clientSockets()));
    }

    /** Looks a name up in the registry at {@code host:port}: a stub whose calls are bounded by their {@link Bound}. */
    public static <T extends Remote> T lookup(String host, int port, String name, Class<T> type)
            throws RemoteException, NotBoundException {
        Remote stub = registry(host, port).lookup(name);
        if (!type.isInstance(stub)) {
            throw new NotBoundException(name + " at " + host + ":" + port + " is not a " + type.getSimpleName());
        }
        return BoundedStubs.wrap(type, stub);
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
