package tinysns.api;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** Every user of the whole system and the users who follow the caller, both ascending. */
public record ListReply(Status status, List<Long> allUsers, List<Long> followers) implements Serializable, Outcome {
    /**
     * On the wire packed ({@link Packed}): as records, every id is a {@code Long} object of ~10 bytes and "all users"
     * grows with the deployment. Lists that are null or hold anything but {@code Long}s go as the record, so the
     * receiver's filter still sees what was sent.
     */
    @Serial
    private Object writeReplace() {
        return Packed.fits(allUsers) && Packed.fits(followers) ? new Packed(this) : this;
    }

    /** status, then each list as a count and the differences of consecutive ids (zig-zag variable-length longs). */
    private static final class Packed implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        private transient ListReply reply;

        Packed(ListReply reply) {
            this.reply = reply;
        }

        static boolean fits(List<Long> ids) {
            if (ids == null) {
                return false;
            }
            for (Object id : ids) {
                if (!(id instanceof Long)) {
                    return false;
                }
            }
            return true;
        }

        @Serial
        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject(); // no fields; keeps the form open to some later
            Packing.writeStatus(out, reply.status());
            write(out, reply.allUsers());
            write(out, reply.followers());
        }

        private static void write(ObjectOutputStream out, List<Long> ids) throws IOException {
            Packing.writeVarLong(out, ids.size());
            long previous = 0;
            for (long id : ids) {
                Packing.writeVarLong(out, id - previous);
                previous = id;
            }
        }

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            Status status = Packing.readStatus(in);
            List<Long> allUsers = read(in);
            reply = new ListReply(status, allUsers, read(in));
        }

        private static List<Long> read(ObjectInputStream in) throws IOException {
            int count = Packing.readCount(in);
            List<Long> ids = new ArrayList<>(Math.min(count, Packing.MAX_PRESIZE));
            long id = 0;
            for (int i = 0; i < count; i++) {
                id += Packing.readVarLong(in);
                ids.add(id);
            }
            return ids;
        }

        @Serial
        private Object readResolve() {
            return reply;
        }
    }
}
