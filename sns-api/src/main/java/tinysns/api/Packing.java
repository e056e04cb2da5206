package tinysns.api;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.InvalidObjectException;

/**
 * The primitives of the packed wire forms of the hot replies ({@link TimelineReply}, {@link ListReply}): zig-zag
 * variable-length longs and statuses by name. Package-private: nothing outside the replies' own serialization uses it.
 */
final class Packing {
    /** A count read from a stream never pre-sizes a collection beyond this: a lying count must not allocate. */
    static final int MAX_PRESIZE = 1024;

    private Packing() {
    }

    /** Zig-zag, then 7 bits a byte: small magnitudes of either sign take one or two bytes, any long at most ten. */
    static void writeVarLong(DataOutput out, long value) throws IOException {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static long readVarLong(DataInput in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (v >>> 1) ^ -(v & 1);
            }
        }
        throw new InvalidObjectException("variable-length long longer than ten bytes");
    }

    /** A count: a non-negative int. */
    static int readCount(DataInput in) throws IOException {
        long n = readVarLong(in);
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new InvalidObjectException("bad count " + n);
        }
        return (int) n;
    }

    /** By name, as Java serialization sends an enum: adding or reordering statuses keeps old peers readable. */
    static void writeStatus(DataOutput out, Status status) throws IOException {
        out.writeUTF(status == null ? "" : status.name());
    }

    static Status readStatus(DataInput in) throws IOException {
        String name = in.readUTF();
        if (name.isEmpty()) {
            return null;
        }
        try {
            return Status.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidObjectException("unknown status " + name);
        }
    }
}
