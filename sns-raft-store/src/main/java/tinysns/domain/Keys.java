package tinysns.domain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key layout. One ASCII letter names the table; numbers are big-endian so that byte order is numeric order
 * (all ids and sequence numbers are positive).
 * <pre>
 *   M "state"                      cluster id, cluster count, clock, outbox head   ({@link Records.MetaRecord})
 *   M "leader"                     the newest leader's start and the clock before  ({@link Records.LeaderStartRecord})
 *   U user                         home cluster, created, last post number        ({@link Records.UserRecord})
 *   F follower followee            follow stamp, followee's first post number     ({@link Records.FollowRecord})
 *   R followee                     all (follower, follow stamp), ascending        ({@link Records.Followers})
 *   P author seq                   stamp, text                                    ({@link Records.PostRecord})
 *   T user (MAX-stamp) author (MAX-seq)   empty: the user's timeline, newest first
 *   S token                        session and its last reply                     ({@link Records.SessionRecord})
 *   L user                         the user's session token
 *   X user                         the user's last session token a newer login replaced
 *   O seq                          outbox event                                   ({@link Records#encodeEvent})
 *   C origin                       highest outbox number of cluster origin applied here
 * </pre>
 * Chosen for the cost of a post, the command that dominates: it reads M, S, U and R (four point reads, no scan) and
 * writes M, S, U, P, O and one T per local follower. Two reads are single seeks by construction:
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
    static final byte REPLACED_SESSION = 'X';

    /** Every domain key lies in [FIRST, LAST). */
    static final byte[] FIRST = {'A'};
    static final byte[] LAST = {'Z' + 1};

    /** The cluster's meta record: identity, clock and outbox head ({@link Records.MetaRecord}). */
    static final byte[] META_STATE = meta("state");
    /** When the newest leader started, for the login rule's grace ({@link Records.LeaderStartRecord}). */
    static final byte[] META_LEADER_START = meta("leader");
    /**
     * Where the identity lived before the meta record (with the clock and the outbox head under keys of their own, and
     * one follower edge per key). Only looked for when a node opens its state, to refuse that layout clearly.
     */
    static final byte[] LEGACY_IDENTITY = meta("cluster");

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

    static byte[] followers(long followee) {
        return ByteBuffer.allocate(9).put(FOLLOWERS).putLong(followee).array();
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

    static byte[] replacedSession(long userId) {
        return ByteBuffer.allocate(9).put(REPLACED_SESSION).putLong(userId).array();
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
