package tinysns.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.caucho.hessian.io.Hessian2Output;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tinysns.domain.Command;
import tinysns.domain.FollowCommand;
import tinysns.domain.IngestCommand;
import tinysns.domain.LoginCommand;
import tinysns.domain.LogoutCommand;
import tinysns.domain.OutboxEvent;
import tinysns.domain.PostCommand;
import tinysns.domain.UnfollowCommand;

class CommandCodecTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    private static <T extends Command> T roundTrip(T command) {
        byte[] bytes = CommandCodec.encode(command);
        assertEquals(CommandCodec.VERSION_1, bytes[0], "first byte is the encoding version");
        @SuppressWarnings("unchecked")
        T decoded = (T) CommandCodec.decode(bytes);
        assertEquals(command.getClass(), decoded.getClass());
        assertEquals(command.stampMillis(), decoded.stampMillis());
        // Encoding the decoded copy again must give the same bytes: nothing was lost or changed.
        assertArrayEquals(bytes, CommandCodec.encode(decoded));
        return decoded;
    }

    @Test
    void login() {
        LoginCommand c = roundTrip((LoginCommand) new LoginCommand(7, TOKEN).stamp(1_700_000_000_123L));
        assertEquals(7, c.userId());
        assertEquals(TOKEN, c.token());
    }

    @Test
    void logout() {
        LogoutCommand c = roundTrip((LogoutCommand) new LogoutCommand(7, TOKEN).stamp(5));
        assertEquals(7, c.userId());
        assertEquals(TOKEN, c.token());
    }

    @Test
    void followAndUnfollow() {
        FollowCommand f = roundTrip((FollowCommand) new FollowCommand(1, TOKEN, 3, 4).stamp(9));
        assertEquals(4, f.targetId());
        assertEquals(3, f.requestNo());
        UnfollowCommand u = roundTrip((UnfollowCommand) new UnfollowCommand(1, TOKEN, 4, 4).stamp(10));
        assertEquals(4, u.targetId());
        assertEquals(4, u.requestNo());
    }

    @Test
    void postKeepsUnicodeText() {
        String text = "héllo 🌍 wörld, \u0000 and a long tail " + "x".repeat(250);
        PostCommand p = roundTrip((PostCommand) new PostCommand(2, TOKEN, 1, text).stamp(11));
        assertEquals(text, p.text());
        assertEquals(2, p.userId());
    }

    @Test
    void ingestWithEveryEventType() {
        List<OutboxEvent> events = new ArrayList<>();
        events.add(new OutboxEvent(1, OutboxEvent.Type.USER, 2, 0, 0, 100, null));
        events.add(new OutboxEvent(2, OutboxEvent.Type.FOLLOW, 2, 5, 0, 101, null));
        events.add(new OutboxEvent(3, OutboxEvent.Type.UNFOLLOW, 2, 5, 0, 102, null));
        events.add(new OutboxEvent(4, OutboxEvent.Type.POST, 2, 0, 1, 103, "hi 👋"));
        IngestCommand c = roundTrip((IngestCommand) new IngestCommand(3, events).stamp(12));
        assertEquals(3, c.originCluster());
        assertEquals(events, c.events());
        IngestCommand empty = roundTrip((IngestCommand) new IngestCommand(2, List.of()).stamp(13));
        assertTrue(empty.events().isEmpty());
    }

    @Test
    void decodeDoesNotMoveTheBufferPosition() {
        ByteBuffer buf = ByteBuffer.wrap(CommandCodec.encode(new LoginCommand(1, TOKEN).stamp(1)));
        assertInstanceOf(LoginCommand.class, CommandCodec.decode(buf));
        assertEquals(0, buf.position());
    }

    @Test
    void unknownVersionIsRefusedClearly() {
        byte[] bytes = CommandCodec.encode(new LoginCommand(1, TOKEN).stamp(1));
        bytes[0] = 2;
        CodecException e = assertThrows(CodecException.class, () -> CommandCodec.decode(bytes));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }

    @Test
    void garbageAndEmptyAreRefused() {
        assertThrows(CodecException.class, () -> CommandCodec.decode(new byte[0]));
        assertThrows(CodecException.class, () -> CommandCodec.decode(new byte[] {1, (byte) 0xff, 0x13, 0x7}));
    }

    @Test
    void classesOutsideTheDomainAreRefused() throws Exception {
        // A log entry naming a class outside the allow-list must not be instantiated.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(CommandCodec.VERSION_1);
        Hessian2Output out = new Hessian2Output(bytes);
        out.writeObject(new java.util.Date(0));
        out.close();
        assertThrows(CodecException.class, () -> CommandCodec.decode(bytes.toByteArray()));
    }
}
