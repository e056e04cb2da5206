package tinysns.api.rmi;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.rmi.Remote;
import java.rmi.registry.Registry;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stubs whose every call runs under its method's {@link Bound} ({@link CallDeadline}): the one place where a remote
 * call gets its bound, so no caller can forget it. {@link RmiEndpoints#lookup} and {@link RmiEndpoints#registry}
 * hand out only wrapped stubs; a stub that arrives as an argument (a client's timeline callback) is wrapped by its
 * receiver.
 */
public final class BoundedStubs {
    /** The longest wait a long poll may ask for (the node caps it there too). */
    public static final long MAX_WAIT_MILLIS = 30_000;

    private static final Map<Class<?>, Map<Method, Bound>> BOUNDS = new ConcurrentHashMap<>();

    private BoundedStubs() {
    }

    /**
     * {@code stub} as a {@code type} whose calls are bounded.
     *
     * @throws IllegalArgumentException if a method of {@code type} has no {@link Bound}
     */
    public static <T extends Remote> T wrap(Class<T> type, Remote stub) {
        Objects.requireNonNull(stub, "stub");
        if (Proxy.isProxyClass(stub.getClass()) && Proxy.getInvocationHandler(stub) instanceof Handler
                && type.isInstance(stub)) {
            return type.cast(stub); // already bounded
        }
        // The wrapper is every remote interface the stub is (a node's one object serves NodeService, SyncService and
        // ReplicaProbe), so a caller may cast it as it could the stub; each must be bounded.
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        interfaces.add(type);
        for (Class<?> i : stub.getClass().getInterfaces()) {
            if (Remote.class.isAssignableFrom(i) && i != Remote.class) {
                interfaces.add(i);
            }
        }
        Map<Method, Bound> bounds = new HashMap<>();
        for (Class<?> i : interfaces) {
            bounds.putAll(boundsOf(i));
        }
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), interfaces.toArray(new Class<?>[0]),
                new Handler(type.cast(stub), bounds, null)));
    }

    /**
     * {@code stub} bounded as every remote interface it implements, or {@code stub} itself when one of them has no
     * {@link Bound} (not one of this system's: the API's are all bounded, {@code RemoteCallBoundsTest} checks).
     */
    static Remote wrapAny(Remote stub) {
        for (Class<?> i : stub.getClass().getInterfaces()) {
            if (Remote.class.isAssignableFrom(i) && i != Remote.class) {
                @SuppressWarnings("unchecked")
                Class<Remote> type = (Class<Remote>) i;
                try {
                    return wrap(type, stub); // bounds every remote interface of the stub, or refuses
                } catch (IllegalArgumentException unbounded) {
                    return stub;
                }
            }
        }
        return stub;
    }

    /**
     * A registry whose every call is a {@link CallKind#LOOKUP}, and whose lookups answer bounded stubs: what a caller
     * finds in a registry cannot be called without a bound.
     */
    static Registry registry(Registry registry) {
        return (Registry) Proxy.newProxyInstance(Registry.class.getClassLoader(), new Class<?>[] {Registry.class},
                new Handler(registry, Map.of(), CallKind.LOOKUP));
    }

    /** The stub inside {@code maybeWrapped}, for code that must look at the RMI stub itself. */
    public static Remote unwrap(Remote maybeWrapped) {
        if (maybeWrapped != null && Proxy.isProxyClass(maybeWrapped.getClass())
                && Proxy.getInvocationHandler(maybeWrapped) instanceof Handler h) {
            return (Remote) h.target;
        }
        return maybeWrapped;
    }

    /**
     * Every method of {@code type} with its bound.
     *
     * @throws IllegalArgumentException naming the first method without one
     */
    public static Map<Method, Bound> boundsOf(Class<?> type) {
        return BOUNDS.computeIfAbsent(type, t -> {
            Map<Method, Bound> out = new HashMap<>();
            for (Method m : t.getMethods()) {
                if (m.getDeclaringClass() == Object.class) {
                    continue;
                }
                Bound b = m.getAnnotation(Bound.class);
                if (b == null) {
                    throw new IllegalArgumentException("remote method " + t.getSimpleName() + "." + m.getName()
                            + " has no @Bound: every remote call needs one (DESIGN.md §10)");
                }
                if (b.value() == CallKind.LONG_POLL) {
                    Class<?>[] p = m.getParameterTypes();
                    if (b.waitArg() < 0 || b.waitArg() >= p.length || p[b.waitArg()] != long.class) {
                        throw new IllegalArgumentException(t.getSimpleName() + "." + m.getName()
                                + " is a long poll whose waitArg does not name a long argument");
                    }
                }
                out.put(m, b);
            }
            return Map.copyOf(out);
        });
    }

    /** The bound of one call of {@code method} with {@code args}, in milliseconds. */
    static long millisOf(Bound bound, Object[] args) {
        long millis = bound.value().millis();
        if (bound.waitArg() >= 0) {
            long wait = (Long) args[bound.waitArg()];
            millis += Math.max(0, Math.min(wait, MAX_WAIT_MILLIS));
        }
        return millis;
    }

    private static final class Handler implements InvocationHandler {
        private final Object target;
        private final Map<Method, Bound> bounds;
        private final CallKind every; // for a JDK interface without annotations (the registry)

        Handler(Object target, Map<Method, Bound> bounds, CallKind every) {
            this.target = target;
            this.bounds = bounds;
            this.every = every;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> args[0] instanceof Remote r && target.equals(unwrap(r));
                    case "hashCode" -> target.hashCode();
                    case "toString" -> "bounded " + target;
                    default -> method.invoke(target, args);
                };
            }
            Bound bound = bounds.get(method);
            long millis = bound != null ? millisOf(bound, args) : every.millis();
            Object result;
            try {
                result = CallDeadline.within(millis, () -> method.invoke(target, args));
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return every != null && result instanceof Remote found ? wrapAny(found) : result;
        }
    }
}
