package tinysns.domain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import tinysns.api.Reply;
import tinysns.api.Status;

/** The values stored under {@link Keys}, with their fixed binary encodings. */
final class Records {
    /** The value of keys whose presence is all they say (timeline entries). */
    static final byte[] EMPTY = new byte[0];

    private Records() {
    }

    /**
     * The cluster's own values that nearly every command reads and every state change writes, in one record so that
     * a command reads one key and writes it at most once: whose state this is (checked on every command, so state of
     * another cluster is never mixed in), the cluster clock (the newest command stamp applied, which never runs
     * backwards), and the number of the last outbox event.
     */
    record MetaRecord(int clusterId, int clusterCount, long clockMillis, long outboxHead) {
        byte[] encode() {
            return ByteBuffer.allocate(24).putInt(clusterId).putInt(clusterCount).putLong(clockMillis)
                    .putLong(outboxHead).array();
        }

        static MetaRecord decode(byte[] b) {
            ByteBuffer in = ByteBuffer.wrap(b);
            return new MetaRecord(in.getInt(), in.getInt(), in.getLong(), in.getLong());
        }
    }

    /**
     * The newest leader's start: the stamp of its {@link LeaderStartCommand} and the cluster clock just before it (the
     * stamp of the last command the cluster committed under an earlier leader). A session stamped no earlier than
     * {@code clockBeforeMillis - liveClientMillis} was live when that leader went; it stays held until
     * {@code startMillis + liveClientMillis}.
     */
    record LeaderStartRecord(long startMillis, long clockBeforeMillis) {
        byte[] encode() {
            return ByteBuffer.allocate(16).putLong(startMillis).putLong(clockBeforeMillis).array();
        }

        static LeaderStartRecord decode(byte[] b) {
            ByteBuffer in = ByteBuffer.wrap(b);
            return new LeaderStartRecord(in.getLong(), in.getLong());
        }
    }

    /**
     * All followers of one user in one value: (follower, follow stamp) pairs of two big-endian longs, ascending by
     * follower. A post's fan-out is then one point read instead of a range scan (an iterator per post costs several
     * times a get); a follow or unfollow rewrites the value, which is fine because follows are far rarer than posts.
     * An absent value means no followers; it is deleted rather than left empty.
     */
    static final class Followers {
        private static final int PAIR = 16;

        private Followers() {
        }

        static int count(byte[] packed) {
            return packed == null ? 0 : packed.length / PAIR;
        }

        static long follower(byte[] packed, int i) {
            return ByteBuffer.wrap(packed).getLong(i * PAIR);
        }

        static long stampMillis(byte[] packed, int i) {
            return ByteBuffer.wrap(packed).getLong(i * PAIR + 8);
        }

        /** {@code packed} with {@code follower} added (or its stamp replaced), still ascending. */
        static byte[] with(byte[] packed, long follower, long stampMillis) {
            int count = count(packed);
            int at = find(packed, follower);
            boolean present = at >= 0;
            int slot = present ? at : -at - 1;
            ByteBuffer out = ByteBuffer.allocate((present ? count : count + 1) * PAIR);
            if (slot > 0) {
                out.put(packed, 0, slot * PAIR);
            }
            out.putLong(follower).putLong(stampMillis);
            int after = present ? slot + 1 : slot;
            if (after < count) {
                out.put(packed, after * PAIR, (count - after) * PAIR);
            }
            return out.array();
        }

        /** {@code packed} without {@code follower}; null when none are left. */
        static byte[] without(byte[] packed, long follower) {
            int at = find(packed, follower);
            if (at < 0) {
                return packed;
            }
            int count = count(packed);
            if (count == 1) {
                return null;
            }
            byte[] out = new byte[(count - 1) * PAIR];
            System.arraycopy(packed, 0, out, 0, at * PAIR);
            System.arraycopy(packed, (at + 1) * PAIR, out, at * PAIR, (count - at - 1) * PAIR);
            return out;
        }

        /** Binary search: the index of {@code follower}, or {@code -(insertion point) - 1}. */
        private static int find(byte[] packed, long follower) {
            int low = 0;
            int high = count(packed) - 1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                long v = follower(packed, mid);
                if (v < follower) {
                    low = mid + 1;
                } else if (v > follower) {
                    high = mid - 1;
                } else {
                    return mid;
                }
            }
            return -(low + 1);
        }
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
