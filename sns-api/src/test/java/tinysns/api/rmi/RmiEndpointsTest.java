package tinysns.api.rmi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.net.InetAddress;
import java.rmi.AccessException;
import java.rmi.AlreadyBoundException;
import java.rmi.NoSuchObjectException;
import java.rmi.NotBoundException;
import java.rmi.Remote;
import java.rmi.ServerException;
import java.rmi.UnmarshalException;
import java.rmi.registry.LocateRegistry;
import java.rmi.server.UnicastRemoteObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;


import org.junit.jupiter.api.Test;

import tinysns.api.HeartbeatReply;
import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.Order;
import tinysns.api.OutboxBatch;
import tinysns.api.PostView;
import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.RaftReport;
import tinysns.api.ReplicaState;
import tinysns.api.Reply;
import tinysns.api.Role;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.SyncEvent;
import tinysns.api.SyncReport;
import tinysns.api.TimelineListener;
import tinysns.api.TimelineReply;

/**
 * The two allow-lists read stream by stream (nothing JVM-global here): {@link RmiEndpoints#PROCESS_FILTER} admits
 * every reply and exception a Tiny SNS process legitimately reads back and refuses the rest like the argument filter
 * does; and {@link RmiEndpoints#endpointHost} reads the host a stub points at.
 */
class RmiEndpointsTest {
    /** A class of nobody's API; its readObject would run if it were ever read. */
    static final class Gadget implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    @Test
    void theProcessFilterIsTheArgumentFilterPlusExceptions() {
        List<String> arguments = Arrays.asList(RmiEndpoints.FILTER_PATTERN.split(";"));
        List<String> process = Arrays.asList(RmiEndpoints.PROCESS_FILTER_PATTERN.split(";"));
        assertTrue(process.containsAll(arguments), "same values and limits");
        assertEquals("!*", process.get(process.size() - 1));
        assertTrue(process.stream().noneMatch(entry -> entry.endsWith("Error")), "no Errors");
        assertTrue(process.stream().filter(entry -> !arguments.contains(entry))
                .allMatch(entry -> entry.equals("java.util.Collections$EmptyList") || entry.endsWith("Exception")
                        || entry.equals("java.lang.Throwable") || entry.equals("java.lang.StackTraceElement")),
                "only exceptions and what a Throwable holds were added");
    }

    @Test
    void everyReplyARoleReadsBackIsAdmitted() throws Exception {
        RaftReport raft = new RaftReport("127.0.0.1:10100", true, 3, 40, 40, List.of("127.0.0.1:10100",
                "127.0.0.1:10101"), 2, 0, "abc");
        Map<Integer, Long> cursors = new TreeMap<>(Map.of(2, 7L, 3, 9L));
        List<Object> replies = List.of(
                // coordinator → node, synchronizer: roles and orders
                new HeartbeatReply(Role.MASTER, 3, List.of(Order.resetToSelf(4, "inc", 40),
                        new Order(Order.Type.ADD_PEER, "127.0.0.1:10101", 5),
                        new Order(Order.Type.OBSERVE_EPOCH, null, 6))),
                new HeartbeatReply(Role.SLAVE, 3, new ArrayList<>()),
                // coordinator → client, sns status
                new ServerAddress(1, "127.0.0.1", 10000, "sns/cluster-1/node-1"),
                new ArrayList<>(List.of(new ProcessStatus(new ProcessId(ProcessKind.SERVER, 1, 1), Role.MASTER,
                        "127.0.0.1", 10000, 120, true, raft, null), new ProcessStatus(new ProcessId(ProcessKind.SYNC, 1,
                        1), Role.MASTER, "127.0.0.1", 10200, 80, true, null, new SyncReport(12, cursors)))),
                List.of("a notice"),
                // node → client
                new LoginReply(Status.SUCCESS, new Session(1, "0".repeat(32)), null),
                new Reply(Status.SUCCESS, 4, null), Reply.of(Status.RATE_LIMITED, "slow down"),
                new ListReply(Status.SUCCESS, List.of(1L, 2L), new ArrayList<>(List.of(3L))),
                new TimelineReply(Status.SUCCESS, List.of(new PostView(1, 1, 1_700_000_000_000L, "hi"))),
                Status.CALLBACK_REFUSED,
                // node → synchronizer, checker
                new OutboxBatch(Status.SUCCESS, 1, new ArrayList<>(List.of(
                        new SyncEvent(1, SyncEvent.Type.POST, 1, 0, 1, 1_700_000_000_000L, "hi"))), 1),
                new ReplicaState(1, "127.0.0.1:10100", true, 40, "ab12", 12, cursors),
                // what the services and RMI throw back
                new SecurityException("heartbeat refused: wrong or missing deployment secret (--secret-file)"),
                new IllegalStateException("cannot read the cursor"),
                new NotBoundException("sns/coordinator"), new AlreadyBoundException("x"),
                new AccessException("Registry.rebind disallowed; origin /10.0.0.9 is non-local host"),
                new NoSuchObjectException("no such object in table"),
                new ServerException("RemoteException occurred in server thread", new UnmarshalException(
                        "error unmarshalling arguments", new InvalidClassException("filter status: REJECTED"))),
                withSuppressed(new IllegalArgumentException("bad"), new NullPointerException("npe")));
        for (Object reply : replies) {
            Object read = roundTrip(reply, RmiEndpoints.PROCESS_FILTER);
            assertEquals(reply.getClass(), read.getClass());
            if (!(reply instanceof Throwable)) {
                assertEquals(reply, read);
            }
        }
    }

    @Test
    void stubsInRepliesAreAdmittedPlainAndTls() throws Exception {
        TimelineListener listener = posts -> { };
        Remote plain = UnicastRemoteObject.exportObject(listener, 0);
        TimelineListener second = posts -> { };
        Remote tls = UnicastRemoteObject.exportObject(second, 0, new BoundedClientSockets(true), null);
        try {
            assertInstanceOf(TimelineListener.class, roundTrip(plain, RmiEndpoints.PROCESS_FILTER));
            assertInstanceOf(TimelineListener.class, roundTrip(tls, RmiEndpoints.PROCESS_FILTER));
        } finally {
            UnicastRemoteObject.unexportObject(listener, true);
            UnicastRemoteObject.unexportObject(second, true);
        }
    }

    @Test
    void gadgetsAndBombsAreRefusedInRepliesAndExceptionsInArguments() throws Exception {
        List<Object> hostile = List.of(new Gadget(), List.of(new Gadget()), new GadgetThrowable(),
                new IllegalStateException("cause", new GadgetThrowable()), hashSetBomb(), new byte[100_001],
                new java.util.Date(), new HashSet<>(List.of(1L)), new Error("no Errors"));
        for (Object payload : hostile) {
            Gadget.deserialized = false;
            InvalidClassException refused = assertThrows(InvalidClassException.class,
                    () -> roundTrip(payload, RmiEndpoints.PROCESS_FILTER), payload.getClass().getName());
            assertTrue(refused.getMessage().contains("REJECTED"), refused.getMessage());
            assertTrue(!Gadget.deserialized && !GadgetThrowable.deserialized, "a gadget was built");
        }
        for (Object exception : List.of(new SecurityException("x"), new NotBoundException("y"))) {
            assertThrows(InvalidClassException.class, () -> roundTrip(exception, RmiEndpoints.FILTER),
                    "arguments never carry exceptions: " + exception);
        }
    }

    /** A Throwable of nobody's API, as the cause of an admitted one: the whole chain is refused. */
    static final class GadgetThrowable extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    @Test
    void endpointHostIsTheHostAStubNames() throws Exception {
        String expected = System.getProperty("java.rmi.server.hostname",
                InetAddress.getLocalHost().getHostAddress());
        TimelineListener listener = posts -> { };
        TimelineListener second = posts -> { };
        Remote plain = UnicastRemoteObject.exportObject(listener, 0);
        Remote withFactories = RmiEndpoints.export(second, "127.0.0.1", 0);
        TimelineListener third = posts -> { };
        Remote tls = UnicastRemoteObject.exportObject(third, 0, new BoundedClientSockets(true), null);
        try {
            assertEquals(expected, RmiEndpoints.endpointHost(plain), "UnicastRef");
            assertEquals(expected, RmiEndpoints.endpointHost(withFactories), "UnicastRef2 without a client factory");
            assertEquals(expected, RmiEndpoints.endpointHost(tls), "UnicastRef2 with a client socket factory");
            assertEquals(expected, RmiEndpoints.endpointHost((Remote) roundTrip(plain, RmiEndpoints.PROCESS_FILTER)),
                    "a stub as received");
            assertEquals("10.9.8.7", RmiEndpoints.endpointHost(LocateRegistry.getRegistry("10.9.8.7", 1099)),
                    "a generated stub class (the registry's), not connected");
            assertNull(RmiEndpoints.endpointHost(listener), "an object that is not a stub");
            assertNull(RmiEndpoints.endpointHost(null));
        } finally {
            UnicastRemoteObject.unexportObject(listener, true);
            UnicastRemoteObject.unexportObject(second, true);
            UnicastRemoteObject.unexportObject(third, true);
        }
    }

    @Test
    void aCauseChainThatLoopsIsDescribedWithoutFollowingItForever() {
        java.rmi.RemoteException first = new java.rmi.RemoteException("first");
        java.rmi.RemoteException second = new java.rmi.RemoteException("second", first);
        first.detail = second; // possible in any stream: the field is public, and a stream can hold back-references
        String described = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
                () -> RmiTransport.describe(first));
        assertEquals("RemoteException (a cause chain that loops or runs deeper than 16)", described);
        assertEquals("UnmarshalException (InvalidClassException: filter status: REJECTED)",
                RmiTransport.describe(new UnmarshalException("error unmarshalling return",
                        new InvalidClassException("filter status: REJECTED"))));
    }

    private static Throwable withSuppressed(Throwable thrown, Throwable suppressed) {
        thrown.addSuppressed(suppressed);
        return thrown;
    }

    private static Object hashSetBomb() {
        java.util.Set<Object> root = new HashSet<>();
        java.util.Set<Object> s1 = root;
        java.util.Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            java.util.Set<Object> t1 = new HashSet<>();
            java.util.Set<Object> t2 = new HashSet<>();
            t1.add("foo");
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        return root;
    }

    private static Object roundTrip(Object value, ObjectInputFilter filter) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            in.setObjectInputFilter(filter);
            return in.readObject();
        }
    }
}
