package tinysns.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.option.CliOptions;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcRequests.ErrorResponse;
import com.alipay.sofa.jraft.rpc.RpcRequests.PingRequest;
import com.alipay.sofa.jraft.rpc.impl.BoltRpcClient;
import com.alipay.sofa.jraft.rpc.impl.cli.CliClientServiceImpl;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.Session;
import tinysns.api.rmi.RmiTransport;
import tinysns.store.TestDirs;

/**
 * With {@link ReplicaOptions#tlsDir} a replica's Raft port and its outgoing Raft connections speak Bolt TLS with
 * mutual authentication on the deployment's key ({@link RaftTls}). Real JRaft replicas on 127.0.0.1; keys made by the
 * JDK's keytool as {@code sns-up.sh --tls} makes them. Bolt's TLS switches are set per server and per client, never
 * as system properties, so TLS and plain replicas and clients share this JVM: each refusal is shown next to a
 * control that the same client does get its answer where it should.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaftTlsTest {
    private static final Logger LOG = LoggerFactory.getLogger(RaftTlsTest.class);
    /** Every refused attempt must end within this (it ends in milliseconds: the connection is closed at once). */
    private static final long BOUND_MILLIS = 10_000;
    private static final long WAIT = TestGroup.WAIT_MILLIS;

    private static Path keys;
    private static Path deploymentKey;
    private static Path strangerKey;

    private final List<TestGroup> groups = new ArrayList<>();
    private final List<CliClientServiceImpl> clients = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    static void makeKeys() throws Exception {
        keys = TestDirs.newTempDir("raft-tls-keys");
        deploymentKey = TestTlsKeys.generate(keys.resolve("deployment"), "deployment");
        strangerKey = TestTlsKeys.generate(keys.resolve("stranger"), "stranger");
    }

    @AfterAll
    static void deleteKeys() {
        if (keys != null) {
            TestDirs.deleteQuietly(keys);
        }
    }

    @AfterEach
    void stopEverything() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        for (CliClientServiceImpl client : clients) {
            client.shutdown();
        }
        for (TestGroup group : groups) {
            group.close();
        }
    }

    private TestGroup group(int voters, java.util.function.IntFunction<Path> tlsDir) {
        TestGroup group = TestGroup.start(voters, tlsDir);
        groups.add(group);
        return group;
    }

    private static Endpoint endpoint(ClusterReplica replica) {
        PeerId peer = new PeerId();
        assertTrue(peer.parse(replica.raftAddress()));
        return peer.getEndpoint();
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void theRpcFactoryIsOursAndLeavesClientsWithoutTheKeyPlain() {
        assertInstanceOf(RaftTls.Factory.class, RpcFactoryHelper.rpcFactory(), "found by JRaft's service loader");
        assertNull(RpcFactoryHelper.rpcFactory().defaultJRaftClientConfigHelper(new CliOptions()));
        assertNull(RpcFactoryHelper.rpcFactory().defaultJRaftClientConfigHelper(
                new com.alipay.sofa.jraft.option.NodeOptions()));
    }

    /**
     * Two TLS replicas: election, replication and a follower's ReadIndex all run over TLS. Then the follower goes
     * away, the leader carries on alone (the coordinator's reset), snapshots twice with writes in between, and the
     * follower, restarted from its directory and added back, is caught up by InstallSnapshot + GetFile and appends,
     * over TLS too.
     */
    @Test
    void aTlsGroupElectsCommitsServesAFollowersReadIndexAndCatchesUpAFollowerThatWasAway() throws Exception {
        TestGroup g = group(2, i -> deploymentKey);
        ClusterReplica leader = g.awaitLeader();
        int away = 1 - g.replicas.indexOf(leader);
        ClusterReplica follower = g.replicas.get(away);
        assertNotNull(leader.tls());
        assertNotNull(follower.tls());
        Session one = g.login(leader, 1);
        Session two = g.login(leader, 2);
        assertTrue(g.follow(leader, one, 1, 2).ok());
        int post = 1;
        for (; post <= 3; post++) {
            assertTrue(g.post(leader, two, post, "post " + post).ok());
        }
        TestGroup.assertSameState(leader, follower);
        assertEquals(3, (int) g.read(follower, kv -> follower.domain().timeline(kv, one, 20).posts().size()),
                "a follower's ReadIndex read (it asks the leader over the TLS port)");

        long mark = leader.report().commitIndex();
        long appliedWhenStopped = follower.appliedIndex();
        follower.close();
        assertTrue(leader.resetToSelf(1, leader.incarnation(), mark).isOk());
        TestGroup.awaitTrue("the leader to lead alone", leader::isLeader);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 3; i++, post++) {
                assertTrue(g.post(leader, two, post, "post " + post).ok());
            }
            assertTrue(leader.snapshot().get(WAIT, TimeUnit.MILLISECONDS).isOk(), "snapshot on the leader");
        }
        for (int i = 0; i < 2; i++, post++) {
            assertTrue(g.post(leader, two, post, "post " + post).ok());
        }

        ClusterReplica returned = g.startReplica(away, g.addresses);
        g.replicas.set(away, returned);
        com.alipay.sofa.jraft.Status added = leader.addPeer(returned.raftAddress(), 2).get(WAIT,
                TimeUnit.MILLISECONDS);
        assertTrue(added.isOk(), "addPeer: " + added);
        TestGroup.assertSameState(leader, returned);
        Path snapshots = g.base.resolve("node-" + away).resolve("raft").resolve("snapshot");
        try (Stream<Path> snaps = Files.list(snapshots)) {
            List<Long> installed = snaps.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("snapshot_"))
                    .map(n -> Long.parseLong(n.substring("snapshot_".length()))).toList();
            assertTrue(!installed.isEmpty() && installed.stream().allMatch(index -> index > appliedWhenStopped),
                    "the returned follower installed the leader's snapshot: " + installed);
        }
        assertTrue(g.post(leader, two, post, "with both back").ok());
        TestGroup.assertSameState(leader, returned);
        int expected = post;
        assertEquals(expected, (int) g.read(returned, kv -> returned.domain().timeline(kv, one, 100).posts().size()));
        assertEquals(2, leader.report().voters().size());

        // Bolt's switches were set per server and client: no bolt.*.ssl property, and the password in none.
        String password = Files.readString(deploymentKey.resolve(RmiTransport.PASSWORD_FILE)).strip();
        System.getProperties().forEach((key, value) -> {
            assertFalse(String.valueOf(key).matches("bolt\\.(server|client)\\.ssl.*"), "system property " + key);
            assertFalse(String.valueOf(value).contains(password), "the password is in system property " + key);
        });
    }

    /**
     * One TLS replica and one plain replica (controls). A plain Bolt client (JRaft's own CLI client service), raw
     * sockets with plain bytes, TLS without a certificate and TLS with another self-signed key get no Raft answer from
     * the TLS port, each within the bound; a TLS client at the plain port gets none either. The deployment's key gets
     * its answer from the TLS port, a plain client from the plain port. A bare connect and close (a follower's leader
     * probe) is not reported as a refusal; a connection that stays silent is closed by the handshake timeout.
     */
    @Test
    void aTlsRaftPortAnswersOnlyHoldersOfTheDeploymentsKey() throws Exception {
        ClusterReplica tlsReplica = group(1, i -> deploymentKey).replicas.get(0);
        ClusterReplica plainReplica = group(1, i -> null).replicas.get(0);
        Endpoint tlsPort = endpoint(tlsReplica);
        Endpoint plainPort = endpoint(plainReplica);
        assertNull(plainReplica.tls());
        RaftTls serverTls = tlsReplica.tls();

        // A port probe: connect, close. Not a peer, so not a refusal.
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(tlsPort.getIp(), tlsPort.getPort()), 2000);
        }
        TestGroup.sleep(300);
        assertEquals(0, serverTls.failedHandshakes(), "a bare connect and close is no refused handshake");

        // A connection that never says a word is closed by Netty's 10 s TLS handshake timeout: watched meanwhile.
        Socket silent = new Socket();
        sockets.add(silent);
        silent.connect(new InetSocketAddress(tlsPort.getIp(), tlsPort.getPort()), 2000);
        silent.setSoTimeout(20_000);
        long silentSince = System.nanoTime();
        java.util.concurrent.CompletableFuture<String> silentEnd = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return "read " + silent.getInputStream().read();
                    } catch (SocketTimeoutException e) {
                        return "held open";
                    } catch (IOException e) {
                        return "read " + e;
                    }
                });

        RaftTls withKey = RaftTls.load(deploymentKey);
        RaftTls stranger = RaftTls.load(strangerKey);
        CliClientServiceImpl plainClient = client(null);
        CliClientServiceImpl keyClient = client(withKey);
        CliClientServiceImpl strangerClient = client(stranger);

        assertPingAnswered(plainClient, plainPort, "plain client at the plain port");
        assertPingAnswered(keyClient, tlsPort, "the deployment's key at the TLS port");
        assertEquals(0, serverTls.failedHandshakes());

        assertNoAnswer(plainClient, tlsPort, "plain Bolt client at the TLS port");
        assertNoAnswer(strangerClient, tlsPort, "TLS client with another key at the TLS port");
        assertNoAnswer(keyClient, plainPort, "TLS client at the plain port");
        // The TLS client says why, on its side: the plain port hung up during the handshake.
        TestGroup.awaitTrue("the TLS client to report the plain port", () -> withKey.failedHandshakes() >= 1);
        // The stranger's own client does not trust the port's certificate either.
        TestGroup.awaitTrue("the stranger's client to report the TLS port", () -> stranger.failedHandshakes() >= 1);

        String plainBytes = rawPlain(tlsPort);
        assertTrue(plainBytes.startsWith("closed"), "plain bytes at the TLS port: " + plainBytes);
        String noCertificate = rawTls(tlsPort, null, true);
        assertTrue(noCertificate.startsWith("refused"), "TLS without a certificate: " + noCertificate);
        String otherKey = rawTls(tlsPort, strangerKey, true);
        assertTrue(otherKey.startsWith("refused"), "TLS with another self-signed key: " + otherKey);
        String theKey = rawTls(tlsPort, deploymentKey, false);
        LOG.info("Raw sockets at the TLS port: plain bytes {}; TLS without a certificate {}; another key {}; the"
                + " deployment's key {}", plainBytes, noCertificate, otherKey, theKey);
        // What SOFABolt 1.6.12's Netty offers on Java 17 with an EC key: TLS 1.2, ECDHE-ECDSA with AES-GCM.
        assertTrue(theKey.matches("accepted (TLSv1\\.2 TLS_ECDHE_ECDSA_WITH_AES_(128|256)_GCM_SHA(256|384)"
                + "|TLSv1\\.3 TLS_.*)"), "TLS with the deployment's key: " + theKey);

        // Server side: the plain client, the stranger's client, plain bytes, no certificate, another certificate.
        TestGroup.awaitTrue("the TLS port to count 5 refusals (has " + serverTls.failedHandshakes() + ")",
                () -> serverTls.failedHandshakes() >= 5);
        assertTrue(serverTls.lines() >= 1 && serverTls.lines() <= serverTls.failedHandshakes(),
                serverTls.lines() + " lines for " + serverTls.failedHandshakes() + " refusals");
        String silentOutcome = silentEnd.get(30, TimeUnit.SECONDS);
        long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - silentSince);
        LOG.info("A silent connection to the TLS port: {} after {} ms", silentOutcome, silentMillis);
        assertTrue(!silentOutcome.equals("held open") && silentMillis < 15_000,
                "a silent connection: " + silentOutcome + " after " + silentMillis + " ms");
        // Both replicas still serve their own kind.
        assertPingAnswered(keyClient, tlsPort, "the deployment's key at the TLS port, afterwards");
        assertPingAnswered(plainClient, plainPort, "plain client at the plain port, afterwards");
    }

    /**
     * A group whose replicas disagree (one with --tls, one without) never forms: neither leads, a read fails at once
     * instead of hanging, and the TLS replica says in one WARN line per direction — not once per attempt — that the
     * peer does not speak TLS or lacks the key.
     */
    @Test
    void aTlsReplicaAndAPlainReplicaOfOneGroupNeverFormItAndTheTlsSideSaysWhyOnce() throws Exception {
        TestGroup g = group(2, i -> i == 0 ? deploymentKey : null);
        ClusterReplica tlsSide = g.replicas.get(0);
        ClusterReplica plainSide = g.replicas.get(1);
        RaftTls tls = tlsSide.tls();
        // Each side's pre-votes reach the other once per election timeout or so: wait for several.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT);
        while (tls.failedHandshakes() < 6) {
            assertFalse(tlsSide.isLeader() || plainSide.isLeader(), "a leader was elected across TLS and plain");
            if (System.nanoTime() > deadline) {
                fail("only " + tls.failedHandshakes() + " refused handshakes within " + WAIT + " ms");
            }
            TestGroup.sleep(50);
        }
        assertFalse(tlsSide.isLeader() || plainSide.isLeader());
        assertTrue(tls.lines() >= 1 && tls.lines() <= 2,
                tls.lines() + " log lines for " + tls.failedHandshakes()
                        + " refused handshakes (at most one per direction)");
        for (ClusterReplica r : g.replicas) {
            long start = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> r.read(kv -> r.domain().digest(kv)).get(BOUND_MILLIS, TimeUnit.MILLISECONDS));
            LOG.info("Read on {} without a leader: {} in {} ms", r.raftAddress(), e.getCause(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** JRaft's own Bolt client for CLI requests: plain, or TLS with {@code tls} (our client configuration). */
    private CliClientServiceImpl client(RaftTls tls) {
        CliClientServiceImpl client = tls == null ? new CliClientServiceImpl() : new CliClientServiceImpl() {
            @Override
            protected void configRpcClient(RpcClient rpcClient) {
                tls.configureClient(((BoltRpcClient) rpcClient).getRpcClient());
            }
        };
        CliOptions options = new CliOptions();
        options.setTimeoutMs(2000);
        options.setMaxRetry(0);
        options.setRpcConnectTimeoutMs(1000);
        options.setRpcDefaultTimeout(2000);
        options.setRpcProcessorThreadPoolSize(3);
        assertTrue(client.init(options));
        clients.add(client);
        return client;
    }

    /**
     * The coordinators' group (DESIGN.md §11) with the deployment's key: it elects, commits and applies on every
     * replica over TLS, and its Raft ports answer only holders of the key.
     */
    @Test
    void aTlsCoordinatorGroupCommitsAndAnswersOnlyHoldersOfTheKey() throws Exception {
        Path base = TestDirs.newTempDir("coordinator-group-tls");
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            voters.add("127.0.0.1:" + TestGroup.freePort());
        }
        List<ReplicatedMap> maps = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                ReplicatedMap map = new ReplicatedMap(new ReplicatedMap.Options("coordinator-tls", voters.get(i), voters,
                        base.resolve("r" + i), TestGroup.ELECTION_TIMEOUT_MILLIS, deploymentKey));
                maps.add(map);
                map.start();
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT);
            ReplicatedMap leader = null;
            while (leader == null && System.nanoTime() < deadline) {
                leader = maps.stream().filter(ReplicatedMap::isLeader).findFirst().orElse(null);
                TestGroup.sleep(20);
            }
            assertTrue(leader != null, "a TLS coordinator group elects a leader");
            leader.put("cluster-1", "epoch=2").get(10, TimeUnit.SECONDS);
            for (ReplicatedMap map : maps) {
                TestGroup.awaitTrue("every replica applies the put over TLS",
                        () -> "epoch=2".equals(map.entries().get("cluster-1")));
            }
            CliClientServiceImpl plainClient = client(null);
            CliClientServiceImpl keyClient = client(RaftTls.load(deploymentKey));
            for (String voter : voters) {
                PeerId peer = new PeerId();
                assertTrue(peer.parse(voter));
                assertNoAnswer(plainClient, peer.getEndpoint(), "a plain client at coordinator Raft port " + voter);
                assertPingAnswered(keyClient, peer.getEndpoint(), "a key holder at coordinator Raft port " + voter);
            }
        } finally {
            maps.forEach(ReplicatedMap::close);
            TestDirs.deleteQuietly(base);
        }
    }

    /** A ping, the first request every peer sends: served by every Raft port, so an answer is a Raft answer. */
    private static Message ping(CliClientServiceImpl client, Endpoint port) throws Exception {
        Future<Message> answer = client.invokeWithDone(port,
                PingRequest.newBuilder().setSendTimestamp(System.currentTimeMillis()).build(), null, 2000);
        return answer.get(BOUND_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static void assertPingAnswered(CliClientServiceImpl client, Endpoint port, String what) throws Exception {
        Message answer = ping(client, port);
        ErrorResponse response = assertInstanceOf(ErrorResponse.class, answer, what);
        assertEquals(0, response.getErrorCode(), what + ": " + response);
    }

    private static void assertNoAnswer(CliClientServiceImpl client, Endpoint port, String what) {
        long start = System.nanoTime();
        ExecutionException e = assertThrows(ExecutionException.class, () -> ping(client, port),
                what + " got a Raft answer");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            chain.append(" <- ").append(t);
        }
        LOG.info("{}: no answer, after {} ms:{}", what, millis, chain);
        assertTrue(millis < BOUND_MILLIS, what + " took " + millis + " ms");
    }

    /**
     * Sends plain bytes shaped like a Bolt request header to {@code port} and reads. "closed …" when the port hung up
     * (end of stream or reset) without a byte of Bolt, "answered …" otherwise.
     */
    private static String rawPlain(Endpoint port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(port.getIp(), port.getPort()), 2000);
            socket.setSoTimeout((int) BOUND_MILLIS);
            byte[] request = new byte[64];
            Arrays.fill(request, (byte) 1); // Bolt's protocol code and version are 1
            long start = System.nanoTime();
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            byte[] answer = new byte[256];
            int n;
            try {
                n = socket.getInputStream().readNBytes(answer, 0, answer.length);
            } catch (SocketException reset) {
                n = -1;
            } catch (SocketTimeoutException held) {
                return "held open for " + BOUND_MILLIS + " ms";
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (n <= 0) {
                return "closed after " + millis + " ms, nothing sent back";
            }
            // A TLS alert record (content type 21) is TLS speaking, not Bolt answering.
            return (answer[0] == 21 ? "closed after " + millis + " ms, a TLS alert only" : "answered")
                    + ": " + n + " bytes " + java.util.HexFormat.of().formatHex(answer, 0, Math.min(n, 16));
        }
    }

    /**
     * A JDK TLS 1.3 client at {@code port}, showing the key in {@code keyDir} (none if null) and trusting any server
     * ({@code trustAny}, so that only the server can refuse) or only the deployment's key. "accepted PROTOCOL" when the
     * port keeps the connection open after the handshake (it waits for a Bolt request), "refused …" when it ends it.
     */
    private static String rawTls(Endpoint port, Path keyDir, boolean trustAny) throws Exception {
        SSLContext context;
        if (!trustAny) {
            context = RmiTransport.loadContext(keyDir);
        } else {
            context = SSLContext.getInstance("TLSv1.3");
            context.init(keyDir == null ? null : keyManagers(keyDir), new TrustManager[] {new TrustAny()}, null);
        }
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(port.getIp(), port.getPort()), 2000);
            socket.setSoTimeout(2000);
            long start = System.nanoTime();
            try {
                socket.startHandshake();
                String protocol = socket.getSession().getProtocol();
                InputStream in = socket.getInputStream();
                int b = in.read();
                return "refused after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                        + " ms: the port closed the connection (" + protocol + ", read " + b + ")";
            } catch (SocketTimeoutException held) {
                return "accepted " + socket.getSession().getProtocol() + " " + socket.getSession().getCipherSuite();
            } catch (SSLException | SocketException e) {
                return "refused after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms: " + e;
            }
        }
    }

    private static KeyManager[] keyManagers(Path keyDir) throws Exception {
        char[] password = Files.readString(keyDir.resolve(RmiTransport.PASSWORD_FILE), StandardCharsets.UTF_8)
                .strip().toCharArray();
        KeyStore keystore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyDir.resolve(RmiTransport.KEYSTORE_FILE))) {
            keystore.load(in, password);
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keystore, password);
        return factory.getKeyManagers();
    }

    /** Trusts any server: the test's TLS outsiders must be refused by the port, not by their own doubts. */
    private static final class TrustAny implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
