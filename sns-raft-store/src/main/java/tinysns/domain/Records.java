package tinysns.domain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import tinysns.api.Reply;
import tinysns.api.Status;

/** The values stored under {@link Keys}, with their fixed binary encodings. */
final class Records {
    private Records() {
    }

    /** A user known to this cluster, local or remote. */
    record UserRecord(int homeCluster, long createdMillis, long lastPostSeq) {
        byte[] encode() {
            return ByteBuffer.allocate(20).putInt(homeCluster).putLong(createdMillis).putLong(lastPostSeq).array();
        }

        static UserRecord decode(byte[] b) {
            ByteBuffer in = ByteBuffer.wrap(b);
            return new UserRecord(in.getInt(), in.getLong(), in.getLong());
        }

        UserRecord withLastPostSeq(long seq) {
            return new UserRecord(homeCluster, createdMillis, seq);
        }
    }

    /**
     * A follow edge. {@code firstPostSeq} is the followee's next post number when the follow was made: only posts
     * from there on can be in the follower's timeline, which bounds what an unfollow must remove.
     */
    record FollowRecord(long stampMillis, long firstPostSeq) {
        byte[] encode() {
            return ByteBuffer.allocate(16).putLong(stampMillis).putLong(firstPostSeq).array();
        }

        static FollowRecord decode(byte[] b) {
            ByteBuffer in = ByteBuffer.wrap(b);
            return new FollowRecord(in.getLong(), in.getLong());
        }
    }

    /** A session and the reply to its last applied request (for retries). */
    record SessionRecord(long userId, long lastRequestNo, long lastActiveMillis, Status lastStatus,
                         long lastPostSeq) {
        byte[] encode() {
            return ByteBuffer.allocate(33).putLong(userId).putLong(lastRequestNo).putLong(lastActiveMillis)
                    .put((byte) lastStatus.ordinal()).putLong(lastPostSeq).array();
        }

        static SessionRecord decode(byte[] b) {
            ByteBuffer in = ByteBuffer.wrap(b);
            return new SessionRecord(in.getLong(), in.getLong(), in.getLong(), Status.values()[in.get()],
                    in.getLong());
        }

        Reply lastReply() {
            return new Reply(lastStatus, lastPostSeq, null);
        }
    }

    record PostRecord(long stampMillis, String text) {
        byte[] encode() {
            byte[] t = text.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(8 + t.length).putLong(stampMillis).put(t).array();
        }

        static PostRecord decode(byte[] b) {
            return new PostRecord(ByteBuffer.wrap(b).getLong(), new String(b, 8, b.length - 8, StandardCharsets.UTF_8));
        }
    }

    static byte[] encodeEvent(OutboxEvent e) {
        byte[] t = e.text() == null ? new byte[0] : e.text().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 8 * 4 + 1 + t.length).put((byte) e.type().ordinal()).putLong(e.userId())
                .putLong(e.targetId()).putLong(e.postSeq()).putLong(e.stampMillis())
                .put((byte) (e.text() == null ? 0 : 1)).put(t).array();
    }

    static OutboxEvent decodeEvent(long seq, byte[] b) {
        ByteBuffer in = ByteBuffer.wrap(b);
        OutboxEvent.Type type = OutboxEvent.Type.values()[in.get()];
        long user = in.getLong();
        long target = in.getLong();
        long postSeq = in.getLong();
        long stamp = in.getLong();
        boolean hasText = in.get() == 1;
        String text = hasText ? new String(b, in.position(), in.remaining(), StandardCharsets.UTF_8) : null;
        return new OutboxEvent(seq, type, user, target, postSeq, stamp, text);
    }

    static byte[] encodeLong(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long decodeLong(byte[] b, long absent) {
        return b == null ? absent : ByteBuffer.wrap(b).getLong();
    }
}
