package tinysns.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import tinysns.api.Status;

class ReplyLinesTest {
    @Test
    void courseStatusesHaveTheirOwnLines() {
        assertEquals("Command completed successfully", ReplyLines.lineFor(Status.SUCCESS));
        assertEquals("Input username already exists, command failed", ReplyLines.lineFor(Status.ALREADY_EXISTS));
        assertEquals("Input username does not exists, command failed", ReplyLines.lineFor(Status.NOT_EXISTS));
        assertEquals("Command failed with invalid username", ReplyLines.lineFor(Status.INVALID_USERNAME));
        assertEquals("Command failed with not a follower", ReplyLines.lineFor(Status.NOT_A_FOLLOWER));
        assertEquals("Command failed with invalid command", ReplyLines.lineFor(Status.INVALID_COMMAND));
        assertEquals("Command failed with unknown reason", ReplyLines.lineFor(Status.UNKNOWN));
    }

    @Test
    void everyOtherStatusIsAnUnknownReason() {
        EnumSet<Status> others = EnumSet.range(Status.NOT_MASTER, Status.SESSION_REPLACED);
        others.removeAll(EnumSet.of(Status.RATE_LIMITED, Status.CALLBACK_REFUSED, Status.NO_SERVER));
        for (Status status : others) {
            assertEquals("Command failed with unknown reason", ReplyLines.lineFor(status), status.name());
        }
        assertEquals("Command failed with unknown reason", ReplyLines.lineFor(null));
    }

    @Test
    void aRefusedCallbackAddressPointsAtTheCallbackHost() {
        assertEquals("Command failed with a callback address the server does not accept: it calls back only the "
                + "address this client connects from (see --callback-host)",
                ReplyLines.lineFor(Status.CALLBACK_REFUSED));
    }

    @Test
    void aCommandThatFoundNoMasterSaysSo() {
        assertEquals("Command failed with no master reachable", ReplyLines.lineFor(Status.NO_SERVER));
    }

    @Test
    void theNoticesKeepTheirWords() {
        assertEquals("Session ended: user 2 logged in from another client", NoticeLines.sessionReplaced(2));
        assertEquals("Session expired", NoticeLines.SESSION_EXPIRED);
        assertEquals("(logged in again as user 2)", NoticeLines.loggedInAgain(2));
        assertEquals("(no master for cluster 1 reachable for 4 s; still trying)", NoticeLines.noMaster(1, 4_200));
        assertEquals("(no master for cluster 3 reachable for 0.3 s; still trying)", NoticeLines.noMaster(3, 380));
        assertEquals("(reconnected to the master of cluster 2: sns/cluster-2/node-1 at 10.0.0.5:20000)",
                NoticeLines.reconnected(new tinysns.api.ServerAddress(2, "10.0.0.5", 20000, "sns/cluster-2/node-1")));
    }

    @Test
    void aPostOverTheRateSaysSo() {
        assertEquals("Command failed with too many posts, wait a moment", ReplyLines.lineFor(Status.RATE_LIMITED));
    }
}
