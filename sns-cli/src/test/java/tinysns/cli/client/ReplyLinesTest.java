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
        EnumSet<Status> others = EnumSet.range(Status.NOT_MASTER, Status.TIMEOUT);
        others.remove(Status.RATE_LIMITED);
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
    void aPostOverTheRateSaysSo() {
        assertEquals("Command failed with too many posts, wait a moment", ReplyLines.lineFor(Status.RATE_LIMITED));
    }
}
