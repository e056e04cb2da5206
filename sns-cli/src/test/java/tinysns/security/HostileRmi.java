package tinysns.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.rmi.Remote;
import java.rmi.UnmarshalException;
import java.rmi.server.RemoteObject;
import java.rmi.server.RemoteRef;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a hostile RMI client sends, and how: any object in place of any reference argument of a remote method. A typed
 * stub would never let a test do that, so {@link #invoke} goes under it to the stub's {@link RemoteRef} with the real
 * method's RMI hash and a "carrier" method that has the same primitive parameters but {@code Object} for every
 * reference one. The server picks the method by hash and unmarshals by the real parameter types, so the payload meets
 * the endpoint's serialization filter exactly as an attacker's would.
 */
final class HostileRmi {
    /** Larger than the filter's {@code maxdepth=20}. */
    static final int DEEP = 50;
    /** One more than the filter's {@code maxarray=100000}. */
    static final int OVERSIZED = 100_001;

    private HostileRmi() {
    }

    /**
     * A class of nobody's API whose {@code readObject} would run on the receiving side, as a gadget's does. It is
     * {@link Remote} too, which the JDK's default registry filter admits, so it also proves the registry got ours.
     */
    static final class Gadget implements Serializable, Remote {
        @Serial
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    /** The four payloads, by name. */
    static Map<String, Object> payloads() {
        Map<String, Object> payloads = new LinkedHashMap<>();
        payloads.put("foreign class with readObject", new Gadget());
        payloads.put("HashSet bomb", hashSetBomb(100));
        payloads.put("graph deeper than maxdepth", deepList(DEEP));
        payloads.put("array longer than maxarray", new byte[OVERSIZED]);
        return payloads;
    }

    /**
     * The SerialDOS bomb (Wouter Coekaerts): nested sets sharing their members, a few hundred bytes on the wire, that
     * take 2^depth hashCode calls to rebuild.
     */
    static Set<Object> hashSetBomb(int depth) {
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < depth; i++) {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("foo"); // distinguishes t1 from t2
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        return root;
    }

    /** Lists in lists, {@code depth} deep: only allow-listed classes, so only the depth limit can refuse it. */
    static List<Object> deepList(int depth) {
        List<Object> outer = new ArrayList<>();
        List<Object> current = outer;
        for (int i = 1; i < depth; i++) {
            List<Object> inner = new ArrayList<>();
            current.add(inner);
            current = inner;
        }
        return outer;
    }

    /** Shapes of the remote methods attacked: primitives kept, every reference parameter an Object. */
    interface Carriers {
        void one(Object a);

        void two(Object a, Object b);

        void three(Object a, Object b, Object c);

        void objectIntObject(Object a, int b, Object c);

        void objectLongObject(Object a, long b, Object c);
    }

    /**
     * Calls {@code real} on {@code stub} with {@code arguments} of any type. Returns what the server answered (null:
     * the carrier's result type is void, so a result is not read) or throws what the call threw.
     */
    static Object invoke(Remote stub, Method real, Object... arguments) throws Exception {
        return ref(stub).invoke(tinysns.api.rmi.BoundedStubs.unwrap(stub), carrier(real), arguments, methodHash(real));
    }

    /** Calls {@code method} by hand through the stub's reference, typed as the stub itself would. */
    static Object invokeTyped(Remote stub, Method method, Object... arguments) throws Exception {
        return ref(stub).invoke(tinysns.api.rmi.BoundedStubs.unwrap(stub), method, arguments, methodHash(method));
    }

    private static RemoteRef ref(Remote bounded) {
        Remote stub = tinysns.api.rmi.BoundedStubs.unwrap(bounded); // the RMI stub inside the bounded wrapper
        if (stub instanceof RemoteObject remote) { // a registry stub (RegistryImpl_Stub)
            return remote.getRef();
        }
        if (Proxy.isProxyClass(stub.getClass())
                && Proxy.getInvocationHandler(stub) instanceof RemoteObject handler) { // every dynamic-proxy stub
            return handler.getRef();
        }
        throw new IllegalArgumentException("not an RMI stub: " + stub.getClass());
    }

    private static Method carrier(Method real) throws NoSuchMethodException {
        Class<?>[] shape = real.getParameterTypes().clone();
        for (int i = 0; i < shape.length; i++) {
            if (!shape[i].isPrimitive()) {
                shape[i] = Object.class;
            }
        }
        for (Method m : Carriers.class.getMethods()) {
            if (java.util.Arrays.equals(m.getParameterTypes(), shape)) {
                return m;
            }
        }
        throw new NoSuchMethodException("add a carrier of shape " + java.util.Arrays.toString(shape)
                + " to HostileRmi.Carriers for " + real);
    }

    /**
     * RMI's method hash (the Java RMI specification, section 8.3, "stub/skeleton protocol"; sun.rmi.server.Util
     * .computeMethodHash): the first 8 bytes, little-endian, of the SHA-1 of the method's name and descriptor as
     * written by {@link DataOutputStream#writeUTF}.
     */
    static long methodHash(Method method) {
        StringBuilder signature = new StringBuilder(method.getName()).append('(');
        for (Class<?> type : method.getParameterTypes()) {
            signature.append(descriptor(type));
        }
        signature.append(')').append(descriptor(method.getReturnType()));
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(signature.toString());
            }
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(bytes.toByteArray());
            long hash = 0;
            for (int i = 0; i < 8; i++) {
                hash += ((long) (sha[i] & 0xFF)) << (i * 8);
            }
            return hash;
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String descriptor(Class<?> type) {
        if (type.isArray()) {
            return type.getName().replace('.', '/');
        }
        if (!type.isPrimitive()) {
            return "L" + type.getName().replace('.', '/') + ";";
        }
        return switch (type.getName()) {
            case "void" -> "V";
            case "boolean" -> "Z";
            case "byte" -> "B";
            case "char" -> "C";
            case "short" -> "S";
            case "int" -> "I";
            case "long" -> "J";
            case "float" -> "F";
            case "double" -> "D";
            default -> throw new IllegalArgumentException(type.getName());
        };
    }

    /**
     * Sends {@code payload} as the {@code position}-th argument of {@code real} (the other arguments as given) and
     * asserts the endpoint refused it in its serialization filter: the call fails with an {@link UnmarshalException}
     * caused by {@code InvalidClassException: filter status: REJECTED}, and no {@link Gadget} was deserialized.
     */
    static void assertRefused(String what, Remote stub, Method real, Object[] arguments, int position,
                              Object payload) {
        Object[] sent = arguments.clone();
        sent[position] = payload;
        Gadget.deserialized = false;
        Throwable thrown = sendUntilJudged(stub, real, sent);
        if (thrown == null) {
            fail(what + ": the call succeeded");
        }
        assertFalse(Gadget.deserialized, what + ": the gadget's readObject ran");
        assertTrue(hasCause(thrown, UnmarshalException.class, null), what + ": not an unmarshalling failure: "
                + chain(thrown));
        assertTrue(hasCause(thrown, InvalidClassException.class, "REJECTED"),
                what + ": not refused by the filter: " + chain(thrown));
    }

    /**
     * Calls {@code real} with {@code arguments}; returns what it threw (null if it returned). A refused call leaves
     * the rest of its arguments unread, so the server drops that connection after its answer, and RMI's client may
     * take it from its pool for the next call and fail to even send (MarshalException: broken pipe). Such a call was
     * never judged by the server, so it is sent again; a short pause after each call lets the pool's liveness ping
     * find the dropped connection first. The same happens within one call when the server refuses a long array by
     * its header while the client is still writing its elements (then the reply is lost, see
     * {@link #connectionBrokeBeforeTheVerdict}): each attempt races afresh, so with ten of them a verdict is all but
     * certain even on a loaded machine (three failed about one full suite in ten).
     */
    static Throwable sendUntilJudged(Remote stub, Method real, Object... arguments) {
        Throwable thrown = null;
        for (int attempt = 1; attempt <= 10; attempt++) {
            try {
                invoke(stub, real, arguments);
                thrown = null;
            } catch (Throwable t) {
                thrown = t;
            }
            pause(20L * attempt);
            if (!connectionBrokeBeforeTheVerdict(thrown)) {
                break;
            }
        }
        return thrown;
    }

    /**
     * The call never got its answer because the connection broke: it could not be sent (MarshalException), or the
     * server refused the stream and closed the socket while the client was still writing, so the reply's header was
     * lost (UnmarshalException on the return header, caused by a SocketException, with no filter verdict in it).
     */
    private static boolean connectionBrokeBeforeTheVerdict(Throwable thrown) {
        if (thrown instanceof java.rmi.MarshalException) {
            return true;
        }
        return thrown instanceof UnmarshalException && hasCause(thrown, java.net.SocketException.class, null)
                && !hasCause(thrown, InvalidClassException.class, null);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** True if {@code thrown} or a cause is a {@code type} whose message contains {@code text} (any if null). */
    static boolean hasCause(Throwable thrown, Class<? extends Throwable> type, String text) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t) && (text == null || String.valueOf(t.getMessage()).contains(text))) {
                return true;
            }
        }
        return false;
    }

    static String chain(Throwable thrown) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            text.append(text.length() == 0 ? "" : " <- ").append(t.getClass().getName()).append(": ")
                    .append(t.getMessage());
        }
        return text.toString();
    }

    /** Proves the gadget is live: deserialized without a filter, its readObject does set the flag. */
    static boolean gadgetFiresWithoutAFilter() throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(new Gadget());
        }
        Gadget.deserialized = false;
        try (ObjectInputStream in = new ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            in.readObject();
        }
        boolean fired = Gadget.deserialized;
        Gadget.deserialized = false;
        return fired;
    }
}
