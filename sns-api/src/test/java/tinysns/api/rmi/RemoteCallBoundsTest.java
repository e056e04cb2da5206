package tinysns.api.rmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.NotBoundException;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import tinysns.api.CoordinatorService;
import tinysns.api.NodeService;
import tinysns.api.ReplicaProbe;
import tinysns.api.SyncService;
import tinysns.api.TimelineListener;

/**
 * No remote call can wait without a bound (DESIGN.md §10). Every remote interface of the API is found by scanning the
 * compiled package, each of its methods must carry a {@link Bound}, and then each method is called, through the stub
 * a caller gets from {@link RmiEndpoints#lookup}, on a real exported object that never answers (as a paused process
 * does): every call must fail within its kind's bound. A registry whose process is paused (the kernel still accepts
 * the connection) and an address that drops the handshake must fail a lookup within the lookup bound.
 */
@Timeout(120)
class RemoteCallBoundsTest {
    private static final String HOST = "127.0.0.1";
    /** What a failing call may take beyond its bound on a loaded 2-core machine. */
    private static final long SLACK_MILLIS = 1_500;
    /** Kinds longer than this are checked through an enclosing, shorter deadline (the probe's 30 s). */
    private static final long LONGEST_WAITED_MILLIS = 5_000;

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Remote> exported = new ArrayList<>();
    private final List<Registry> registries = new ArrayList<>();

    @AfterEach
    void close() {
        release.countDown();
        exported.forEach(RmiEndpoints::unexport);
        registries.forEach(RmiEndpoints::unexport);
    }

    @Test
    void everyMethodOfEveryRemoteInterfaceHasABound() throws Exception {
        List<Class<?>> remotes = remoteInterfaces();
        List<String> names = remotes.stream().map(Class::getSimpleName).sorted().toList();
        assertTrue(names.containsAll(List.of("CoordinatorService", "NodeService", "ReplicaProbe", "SyncService",
                "TimelineListener")), "the scan found " + names);
        for (Class<?> type : remotes) {
            Map<Method, Bound> bounds = BoundedStubs.boundsOf(type); // throws naming an unbounded method
            assertEquals(type.getMethods().length, bounds.size(), type.getSimpleName());
        }
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> BoundedStubs.wrap(Unbounded.class, (Unbounded) () -> { }));
        assertTrue(refused.getMessage().contains("Unbounded.hangs has no @Bound"), refused.getMessage());
    }

    @Test
    void everyCallToASilentPeerFailsWithinItsBound() throws Exception {
        List<Class<?>> remotes = remoteInterfaces();
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            List<Future<String>> results = new ArrayList<>();
            for (Class<?> type : remotes) {
                Remote stub = lookUpSilent(type);
                for (Method m : type.getMethods()) {
                    results.add(pool.submit(() -> callAndTime(stub, m)));
                }
            }
            List<String> problems = new ArrayList<>();
            for (Future<String> f : results) {
                String problem = f.get(60, TimeUnit.SECONDS);
                if (problem != null) {
                    problems.add(problem);
                }
            }
            assertTrue(problems.isEmpty(), String.join("\n", problems));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLookupInAPausedRegistryFailsWithinTheLookupBound() throws Exception {
        // A SIGSTOPped process's kernel completes the TCP handshake and then nothing reads: a listening socket that
        // is never accepted from behaves the same.
        try (ServerSocket paused = new ServerSocket(0, 50, InetAddress.getByName(HOST))) {
            long started = System.nanoTime();
            assertThrows(RemoteException.class,
                    () -> RmiEndpoints.lookup(HOST, paused.getLocalPort(), "sns/anything", NodeService.class));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(took < CallKind.LOOKUP.millis() + SLACK_MILLIS, "took " + took + " ms");
        }
    }

    @Test
    void anEnclosingDeadlineShortensTheCallsInsideIt() throws Exception {
        Remote stub = lookUpSilent(SyncService.class);
        SyncService sync = (SyncService) stub;
        long started = System.nanoTime();
        Exception e = assertThrows(RemoteException.class,
                () -> CallDeadline.within(300, () -> sync.readOutbox("s", 1, 1, 10_000)));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(took < 300 + SLACK_MILLIS, "took " + took + " ms");
        assertTrue(RmiTransport.timedOut(e), e.toString());
    }

    @Test
    void aHealthyPeerAnswersThroughAReusedConnectionAfterATimeout() throws Exception {
        int registryPort = freePort();
        Registry registry = RmiEndpoints.createRegistry(HOST, registryPort);
        registries.add(registry);
        SyncService answering = new SyncService() {
            @Override
            public tinysns.api.OutboxBatch readOutbox(String secret, long fromSeq, int max, long waitMillis) {
                if (waitMillis > 0) {
                    await();
                }
                return new tinysns.api.OutboxBatch(tinysns.api.Status.SUCCESS, 1, List.of(), 7);
            }

            @Override
            public tinysns.api.Reply ingest(String secret, int originCluster, List<tinysns.api.SyncEvent> events) {
                return null;
            }

            @Override
            public long cursor(String secret, int originCluster) {
                return 42;
            }
        };
        exported.add(answering);
        registry.rebind("sync", RmiEndpoints.export(answering, HOST, 0));
        SyncService stub = RmiEndpoints.lookup(HOST, registryPort, "sync", SyncService.class);
        assertThrows(RemoteException.class, () -> CallDeadline.within(200, () -> stub.readOutbox("s", 1, 1, 5)));
        assertEquals(42, stub.cursor("s", 1), "the next call, without a deadline of its own but its kind's");
        assertEquals(7, stub.readOutbox("s", 1, 1, 0).head());
    }

    interface Unbounded extends Remote {
        void hangs() throws RemoteException;
    }

    /** Null when the call failed within its bound; else what went wrong. */
    private String callAndTime(Remote stub, Method m) {
        Bound bound = m.getAnnotation(Bound.class);
        Object[] args = arguments(m);
        long expected = BoundedStubs.millisOf(bound, args);
        long started = System.nanoTime();
        try {
            if (expected > LONGEST_WAITED_MILLIS) {
                expected = LONGEST_WAITED_MILLIS;
                CallDeadline.within(expected, () -> m.invoke(stub, args));
            } else {
                m.invoke(stub, args);
            }
            return m + " answered";
        } catch (java.lang.reflect.InvocationTargetException e) {
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (!(e.getCause() instanceof RemoteException) || !RmiTransport.timedOut(e.getCause())) {
                return m.getName() + " failed with " + e.getCause() + " instead of a timeout";
            }
            if (took > expected + SLACK_MILLIS || took < expected - 100) {
                return m.getDeclaringClass().getSimpleName() + "." + m.getName() + " took " + took
                        + " ms, its bound is " + expected + " ms";
            }
            return null;
        } catch (Exception e) {
            return m.getName() + ": " + e;
        }
    }

    /** Exports an object of {@code type} whose every method waits until the test ends, and looks it up. */
    private Remote lookUpSilent(Class<?> type) throws Exception {
        Remote silent = (Remote) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            default -> "silent " + type.getSimpleName();
                        };
                    }
                    await();
                    throw new IllegalStateException("released");
                });
        int registryPort = freePort();
        Registry registry = RmiEndpoints.createRegistry(HOST, registryPort);
        registries.add(registry);
        exported.add(silent);
        registry.rebind("silent", RmiEndpoints.export(silent, HOST, 0));
        @SuppressWarnings("unchecked")
        Class<Remote> remoteType = (Class<Remote>) type;
        return RmiEndpoints.lookup(HOST, registryPort, "silent", remoteType);
    }

    private void await() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Object[] arguments(Method m) {
        Class<?>[] types = m.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            args[i] = t == long.class ? (Object) 1L : t == int.class ? (Object) 1 : t == boolean.class ? false : null;
        }
        return args;
    }

    /** Every interface in package tinysns.api that extends Remote, found in the compiled classes. */
    static List<Class<?>> remoteInterfaces() throws IOException, ClassNotFoundException, URISyntaxException {
        Path dir = Path.of(NodeService.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("tinysns/api");
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class") && !n.contains("$"))
                    .forEach(n -> names.add("tinysns.api." + n.substring(0, n.length() - ".class".length())));
        }
        List<Class<?>> out = new ArrayList<>();
        for (String name : names) {
            Class<?> c = Class.forName(name);
            if (c.isInterface() && Remote.class.isAssignableFrom(c)) {
                out.add(c);
            }
        }
        if (out.isEmpty()) {
            fail("no remote interface found in " + dir);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    static {
        // Keep the unused imports honest: these are the interfaces the scan must find.
        List.of(CoordinatorService.class, ReplicaProbe.class, TimelineListener.class, Socket.class,
                NotBoundException.class);
    }
}
