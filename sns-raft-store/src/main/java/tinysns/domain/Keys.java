package tinysns.domain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key layout. One ASCII letter names the table; numbers are big-endian so that byte order is numeric order
 * (all ids and sequence numbers are positive). Two reads are single seeks by construction:
 * <ul>
 *   <li>a timeline: {@code T user (MAX-stamp) author (MAX-seq)} is newest-first, so the newest 20 are the first 20
 *       keys after {@code T user};</li>
 *   <li>the outbox: {@code O seq} is in outbox order, so a batch is one range.</li>
 * </ul>
 * Keys starting with byte 0x00 are reserved for the storage adapter (applied index); the domain never uses them.
 */
final class Keys {
    static final byte CURSOR = 'C';
    static final byte FOLLOWING = 'F';
    static final byte USER_SESSION = 'L';
    static final byte META = 'M';
    static final byte OUTBOX = 'O';
    static final byte POST = 'P';
    static final byte FOLLOWERS = 'R';
    static final byte SESSION = 'S';
    static final byte TIMELINE = 'T';
    static final byte USER = 'U';

    /** Every domain key lies in [FIRST, LAST). */
    static final byte[] FIRST = {'A'};
    static final byte[] LAST = {'Z' + 1};

    static final byte[] CLOCK = meta("clock");
    static final byte[] OUTBOX_HEAD = meta("outbox-head");
    static final byte[] IDENTITY = meta("cluster");

    private Keys() {
    }

    static byte[] meta(String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(1 + n.length).put(META).put(n).array();
    }

    static byte[] user(long userId) {
        return ByteBuffer.allocate(9).put(USER).putLong(userId).array();
    }

    static byte[] following(long follower, long followee) {
        return ByteBuffer.allocate(17).put(FOLLOWING).putLong(follower).putLong(followee).array();
    }

    static byte[] follower(long followee, long follower) {
        return ByteBuffer.allocate(17).put(FOLLOWERS).putLong(followee).putLong(follower).array();
    }

    static byte[] post(long author, long seq) {
        return ByteBuffer.allocate(17).put(POST).putLong(author).putLong(seq).array();
    }

    static byte[] timeline(long user, long stampMillis, long author, long seq) {
        return ByteBuffer.allocate(33).put(TIMELINE).putLong(user).putLong(Long.MAX_VALUE - stampMillis)
                .putLong(author).putLong(Long.MAX_VALUE - seq).array();
    }

    static byte[] session(String token) {
        byte[] t = token.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + t.length).put(SESSION).put(t).array();
    }

    static byte[] userSession(long userId) {
        return ByteBuffer.allocate(9).put(USER_SESSION).putLong(userId).array();
    }

    static byte[] outbox(long seq) {
        return ByteBuffer.allocate(9).put(OUTBOX).putLong(seq).array();
    }

    static byte[] cursor(int origin) {
        return ByteBuffer.allocate(5).put(CURSOR).putInt(origin).array();
    }

    /** The smallest key with {@code table, id} as prefix, and the first key after all of them. */
    static byte[] prefix(byte table, long id) {
        return ByteBuffer.allocate(9).put(table).putLong(id).array();
    }

    static byte[] prefixEnd(byte table, long id) {
        return id == Long.MAX_VALUE ? new byte[]{(byte) (table + 1)} : prefix(table, id + 1);
    }

    static byte[] table(byte table) {
        return new byte[]{table};
    }

    static byte[] tableEnd(byte table) {
        return new byte[]{(byte) (table + 1)};
    }

    /** Reads the big-endian long at {@code offset} of {@code key}. */
    static long longAt(byte[] key, int offset) {
        return ByteBuffer.wrap(key, offset, 8).getLong();
    }
}
