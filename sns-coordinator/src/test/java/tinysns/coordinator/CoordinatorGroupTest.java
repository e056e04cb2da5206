package tinysns.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --group} and {@code --id}: what a replica knows of the others, and the mistakes it refuses. */
class CoordinatorGroupTest {
    private static final String SPEC = "127.0.0.1:9000:9002,127.0.0.1:9010:9012,127.0.0.1:9020:9022";

    @Test
    void parsesEveryReplicaAndFindsItself() {
        CoordinatorGroup group = CoordinatorGroup.parse(SPEC, 2);
        assertEquals(new CoordinatorGroup.Member("127.0.0.1", 9010, 9012), group.me());
        assertEquals(List.of("127.0.0.1:9002", "127.0.0.1:9012", "127.0.0.1:9022"), group.raftAddresses());
        assertEquals(List.of("127.0.0.1:9000", "127.0.0.1:9010", "127.0.0.1:9020"), group.registryAddresses());
        assertEquals(9020, group.byRaftAddress("127.0.0.1:9022").registryPort());
        CoordinatorOptions options = CoordinatorOptions.defaults().withRegistryPort(9010)
                .withDataDir(Path.of("d")).withGroup(group);
        assertEquals(group, options.group());
    }

    @Test
    void refusesBadSpecificationsWithAMessage() {
        for (String bad : List.of("127.0.0.1:9000", "h:x:1", "127.0.0.1:9000:9002,127.0.0.1:9000:9002")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CoordinatorGroup.parse(bad, 1), bad);
            assertTrue(!e.getMessage().isBlank(), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> CoordinatorGroup.parse(SPEC, 4));
        // --id names another replica's registry than this process's -k, or no data dir for the Raft log.
        IllegalArgumentException wrongId = assertThrows(IllegalArgumentException.class,
                () -> CoordinatorOptions.defaults().withDataDir(Path.of("d")).withGroup(CoordinatorGroup.parse(SPEC, 2)));
        assertTrue(wrongId.getMessage().contains("--id 2"), wrongId.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CoordinatorOptions.defaults().withGroup(CoordinatorGroup.parse(SPEC, 1)));
    }
}
