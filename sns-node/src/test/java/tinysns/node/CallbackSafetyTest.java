package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.UnmarshalException;
import java.rmi.registry.Registry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.CoordinatorService;
import tinysns.api.Heartbeat;
import tinysns.api.HeartbeatReply;
import tinysns.api.NodeService;
import tinysns.api.Order;
import tinysns.api.PostView;
import tinysns.api.ProcessStatus;
import tinysns.api.Role;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineListener;
import tinysns.api.rmi.RmiEndpoints;

/**
 * Issue 12 item 6: what a node calls back, and what it reads back, when the other side is hostile — through the real
 * RMI API of a real node on 127.0.0.1, in a JVM with the process-wide serialization filter of {@code sns node}
 * ({@link TestNode}).
 * <ul>
 *   <li>A timeline callback that throws a gadget: the node's read of the exception is refused by the filter before the
 *   gadget exists, that subscriber is dropped, another keeps receiving, the node keeps serving. One that throws an
 *   admitted exception whose cause chain is a cycle is dropped the same way.</li>
 *   <li>A callback stub naming 127.0.0.2 (a real object listens there) while the client calls from 127.0.0.1: refused
 *   {@code CALLBACK_REFUSED} and never called; the same stub renamed {@code localhost} is accepted.</li>
 *   <li>A coordinator answering heartbeats with a gadget in the orders, then throwing one: refused, and the node obeys
 *   the next honest reply.</li>
 * </ul>
 * (Hanging callbacks: {@link SlowSubscriberTest}.)
 */
@Timeout(90)
class CallbackSafetyTest {
    private static final String HOST = TestNode.HOST;
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final List<Remote> exported = new ArrayList<>();

    @AfterEach
    void unexportEverything() {
        exported.forEach(RmiEndpoints::unexport);
        Gadgets.reset();
    }

    @Test
    void theGadgetsWouldFireWithoutAFilter() throws Exception {
        assertTrue(RmiEndpoints.installProcessFilter());
        assertTrue(Gadgets.fireWithoutAFilter(), "else the flags below prove nothing");
    }

    @Test
    void aCallbackThrowingAGadgetIsDroppedWithoutBuildingItAndOthersKeepReceiving() throws Exception {
        try (TestNode test = new TestNode(dir, ClientLimits.DEFAULTS)) {
            NodeService node = test.node;
            Session author = node.login(1).session();
            Session hostileReader = follower(node, 2, 1);
            Session promptReader = follower(node, 3, 1);
            AtomicInteger hostileCalls = new AtomicInteger();
            TimelineListener hostile = export(posts -> {
                hostileCalls.incrementAndGet();
                throw new Gadgets.GadgetException();
            }, HOST);
            // A second one throws an exception the filter admits but whose cause chain is a cycle (RemoteException's
            // public detail field): reading and logging it must not hold the push thread.
            Session loopingReader = follower(node, 4, 1);
            AtomicInteger loopingCalls = new AtomicInteger();
            TimelineListener looping = export(posts -> {
                loopingCalls.incrementAndGet();
                RemoteException first = new RemoteException("first");
                RemoteException second = new RemoteException("second", first);
                first.detail = second;
                throw first;
            }, HOST);
            List<PostView> prompt = new CopyOnWriteArrayList<>();
            assertEquals(Status.SUCCESS, node.subscribe(hostileReader, hostile, null));
            assertEquals(Status.SUCCESS, node.subscribe(loopingReader, looping, null));
            assertEquals(Status.SUCCESS, node.subscribe(promptReader, export(prompt::addAll, HOST), null));
            Gadgets.reset();

            assertEquals(Status.SUCCESS, node.post(author, 1, "one").status());
            TimelinePush push = test.server.push();
            awaitTrue(() -> prompt.size() == 1 && !push.isSubscribed(2) && !push.isSubscribed(4),
                    "the prompt reader got the post and both hostile ones were dropped");
            assertEquals(1, hostileCalls.get(), "the hostile callback was called once");
            assertEquals(1, loopingCalls.get(), "the looping callback was called once");
            assertFalse(Gadgets.anyDeserialized(), "the node built the gadget its callback threw");
            assertTrue(push.isSubscribed(3));

            // The refusal is the filter's, in the calling JVM: the same call made here fails the same way.
            UnmarshalException refused = assertThrows(UnmarshalException.class, () -> hostile.onPosts(List.of()));
            assertInstanceOf(InvalidClassException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().contains("REJECTED"), refused.getCause().getMessage());
            assertFalse(Gadgets.anyDeserialized());

            assertEquals(Status.SUCCESS, node.post(author, 2, "two").status());
            awaitTrue(() -> prompt.size() == 2, "the prompt reader got the next post");
            assertEquals(List.of("one", "two"), prompt.stream().map(PostView::text).toList());
            assertEquals(2, hostileCalls.get(), "only the direct call above reached the dropped callback again");
            assertEquals(1, loopingCalls.get());
            assertTrue(node.list(author).allUsers().containsAll(List.of(1L, 2L, 3L, 4L)), "the node keeps serving");
        }
    }

    @Test
    void aCallbackNamingAnotherAddressIsRefusedAndNeverCalled() throws Exception {
        try (TestNode test = new TestNode(dir, ClientLimits.DEFAULTS)) {
            NodeService node = test.node;
            Session author = node.login(1).session();
            Session reader = follower(node, 2, 1);
            Session witness = follower(node, 3, 1);

            // A real listener on 127.0.0.2, and a stub naming it (this JVM's own stubs all name its one
            // java.rmi.server.hostname, so the stub is rewritten; the control call below proves it reaches it).
            List<PostView> elsewhere = new CopyOnWriteArrayList<>();
            TimelineListener atOtherAddress = renamed(export(elsewhere::addAll, "127.0.0.2"), "127.0.0.2");
            assertEquals("127.0.0.2", RmiEndpoints.endpointHost(atOtherAddress));
            PostView control = new PostView(9, 9, 1_700_000_000_000L, "control");
            atOtherAddress.onPosts(List.of(control));
            assertEquals(List.of(control), elsewhere, "the stub reaches the listener on 127.0.0.2");

            assertEquals(Status.CALLBACK_REFUSED, node.subscribe(reader, atOtherAddress, null));
            TimelinePush push = test.server.push();
            assertFalse(push.isSubscribed(2), "nothing was subscribed");
            List<PostView> witnessed = new CopyOnWriteArrayList<>();
            assertEquals(Status.SUCCESS, node.subscribe(witness, export(witnessed::addAll, HOST), null));
            assertEquals(Status.SUCCESS, node.post(author, 1, "one").status());
            awaitTrue(() -> witnessed.size() == 1, "the witness got the post");
            assertEquals(List.of(control), elsewhere, "the node never called 127.0.0.2");

            // Loopback equivalence: a stub naming "localhost" for a call from 127.0.0.1 is this machine's client.
            List<PostView> local = new CopyOnWriteArrayList<>();
            TimelineListener byName = renamed(export(local::addAll, HOST), "localhost");
            assertEquals("localhost", RmiEndpoints.endpointHost(byName));
            assertEquals(Status.SUCCESS, node.subscribe(reader, byName, null));
            awaitTrue(() -> local.size() == 1, "the backlog reached the listener named localhost");
            assertEquals(Status.SUCCESS, node.post(author, 2, "two").status());
            awaitTrue(() -> local.size() == 2 && witnessed.size() == 2, "both got the next post");
            assertEquals(List.of(control), elsewhere);
            assertTrue(node.list(author).allUsers().containsAll(List.of(1L, 2L, 3L)), "the node keeps serving");
        }
    }

    @Test
    void aCoordinatorAnsweringWithGadgetsIsRefusedAndTheNextHonestReplyIsObeyed() throws Exception {
        int registryPort = TestNode.freePort();
        Registry registry = RmiEndpoints.createRegistry(HOST, registryPort);
        exported.add(registry);
        HostileCoordinator hostile = new HostileCoordinator();
        registry.rebind(CoordinatorService.REGISTRY_NAME, RmiEndpoints.export(hostile, HOST, 0));
        exported.add(hostile);
        Gadgets.reset();
        try (TestNode test = new TestNode(dir, 1, null, ClientLimits.DEFAULTS, registryPort)) {
            awaitTrue(() -> test.server.replica().epoch() == HostileCoordinator.HONEST_EPOCH,
                    "the node obeyed the honest reply after " + hostile.beats.get() + " beats");
            assertTrue(hostile.beats.get() > 2 * HostileCoordinator.HOSTILE_BEATS, "every hostile reply was sent");
            assertFalse(Gadgets.anyDeserialized(), "the node built a gadget from a heartbeat reply");
            Session user = test.node.login(1).session();
            assertEquals(Status.SUCCESS, test.node.post(user, 1, "still serving").status());
        }
    }

    /**
     * Answers the first {@link #HOSTILE_BEATS} heartbeats with a gadget where the orders go, the next as many by
     * throwing one, then honestly with an order the node visibly obeys (observe epoch {@link #HONEST_EPOCH}).
     */
    private static final class HostileCoordinator implements CoordinatorService {
        static final int HOSTILE_BEATS = 3;
        static final long HONEST_EPOCH = 7;
        final AtomicInteger beats = new AtomicInteger();

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public HeartbeatReply heartbeat(String secret, Heartbeat heartbeat) {
            int beat = beats.incrementAndGet();
            if (beat <= HOSTILE_BEATS) {
                List orders = List.of(new Gadgets.Gadget()); // erased: the stream carries whatever the list holds
                return new HeartbeatReply(Role.MASTER, 1, orders);
            }
            if (beat <= 2 * HOSTILE_BEATS) {
                throw new Gadgets.GadgetException();
            }
            return new HeartbeatReply(Role.MASTER, 1, List.of(new Order(Order.Type.OBSERVE_EPOCH, null, HONEST_EPOCH)));
        }

        @Override
        public ServerAddress getServer(long userId) {
            return null;
        }

        @Override
        public ServerAddress getClusterMaster(int cluster) {
            return null;
        }

        @Override
        public List<ProcessStatus> status() {
            return List.of();
        }

        @Override
        public int clusterCount() {
            return 1;
        }

        @Override
        public List<String> notices() {
            return List.of();
        }

        @Override
        public List<String> coordinators() {
            return List.of();
        }
    }

    private TimelineListener export(TimelineListener listener, String host) throws Exception {
        TimelineListener stub = RmiEndpoints.export(listener, host, 0);
        exported.add(listener);
        return stub;
    }

    /**
     * {@code stub} with its endpoint host replaced by {@code host}: serialized by a stream that swaps the host string
     * as the reference writes it (RMI writes the host with {@code writeUTF}), and read back into a working stub.
     */
    @SuppressWarnings("unchecked")
    private static <T extends Remote> T renamed(T stub, String host) throws IOException, ClassNotFoundException {
        String original = RmiEndpoints.endpointHost(stub);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes) {
            @Override
            public void writeUTF(String text) throws IOException {
                super.writeUTF(text.equals(original) ? host : text);
            }
        }) {
            out.writeObject(stub);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    private static Session follower(NodeService node, long id, long followee) throws Exception {
        Session session = node.login(id).session();
        assertEquals(Status.SUCCESS, node.follow(session, 1, followee).status());
        return session;
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
