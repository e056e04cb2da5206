package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tinysns.api.NodeService;
import tinysns.api.OutboxBatch;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.SyncEvent;
import tinysns.api.SyncService;

/**
 * A real server started with the deployment's shared secret (cluster 1 of 2, single voter, own loopback registry):
 * its synchronization endpoints refuse every caller that does not present the secret and change nothing, while the
 * client-facing calls need no secret at all.
 */
@Timeout(60)
class SyncSecretTest {
    private static final String SECRET = "Zm9yIHRoaXMgZGVwbG95bWVudCBvbmx5IQ==";
    private static final long STAMP = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private TestNode server;
    private NodeService node;
    private SyncService sync;

    @BeforeEach
    void start() throws Exception {
        server = new TestNode(dir, 2, SECRET, ClientLimits.DEFAULTS);
        node = server.node;
        sync = (SyncService) node;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Missing, empty, truncated, padded and case-changed secrets. */
    private static List<String> wrongSecrets() {
        return Arrays.asList(null, "", SECRET.substring(0, SECRET.length() - 1), SECRET + "\n", SECRET.toUpperCase());
    }

    @Test
    void wrongOrMissingSecretIsRefusedAtEverySyncEndpointAndChangesNothing() throws Exception {
        Session user = node.login(1).session(); // client calls need no secret
        assertEquals(Status.SUCCESS, node.post(user, 1, "local post").status());
        OutboxBatch before = sync.readOutbox(SECRET, 1, 100, 0);
        assertEquals(Status.SUCCESS, before.status());
        assertEquals(2, before.head(), "the new user and the post");
        List<SyncEvent> remoteUser = List.of(new SyncEvent(1, SyncEvent.Type.USER, 2, 0, 0, STAMP, null));

        for (String wrong : wrongSecrets()) {
            String presented = String.valueOf(wrong);
            OutboxBatch outbox = sync.readOutbox(wrong, 1, 100, 0);
            assertEquals(Status.UNAUTHORIZED, outbox.status(), presented);
            assertEquals(List.of(), outbox.events(), "no event leaks to " + presented);
            assertEquals(0, outbox.head(), "not even the outbox head");

            assertEquals(Status.UNAUTHORIZED, sync.ingest(wrong, 2, remoteUser).status(), presented);

            SecurityException refused = assertThrows(SecurityException.class, () -> sync.cursor(wrong, 2), presented);
            assertTrue(refused.getMessage().contains("deployment secret"), refused.getMessage());
        }
        // Nothing was ingested: no cursor moved, no remote user appeared, the outbox is as it was.
        assertEquals(0, sync.cursor(SECRET, 2));
        assertEquals(List.of(1L), node.list(user).allUsers());
        assertEquals(before, sync.readOutbox(SECRET, 1, 100, 0));

        // The holder of the secret is served.
        assertEquals(Status.SUCCESS, sync.ingest(SECRET, 2, remoteUser).status());
        assertEquals(1, sync.cursor(SECRET, 2));
        assertEquals(List.of(1L, 2L), node.list(user).allUsers());
    }

}
