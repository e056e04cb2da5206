package tinysns.api;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** Newest posts of the users someone follows, oldest of them first. */
public record TimelineReply(Status status, List<PostView> posts) implements Serializable, Outcome {
    /**
     * The reply of every timeline read, so it goes on the wire packed ({@link Packed}): RMI writes each reply into a
     * fresh object stream, and the record form repeats three class descriptors and an object header with every post.
     * Measured (ReadBench, 20 posts of ~100 characters, a fresh stream each as RMI does): 3023 bytes as records, 2278
     * packed; writing and reading back took 28-79 us of CPU as records, 9-15 us packed (alternating runs). Anything
     * the packed form cannot carry exactly (a null list, an element that is not a {@link PostView}, a text too long
     * for {@code writeUTF}) goes as the record, so the receiver's filter still sees what was sent.
     */
    @Serial
    private Object writeReplace() {
        return Packed.fits(this) ? new Packed(this) : this;
    }

    /**
     * status, count, then per post: author, seq, created as the difference from the previous post's (zig-zag
     * variable-length longs: ids and a few-ms difference take a byte or two), and the text (modified UTF-8, as
     * {@code writeUTF}, which keeps every {@code String} exactly, lone surrogates included) after a null flag.
     */
    private static final class Packed implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        /** {@code writeUTF} takes at most 65535 bytes, and a char takes at most three. */
        private static final int MAX_UTF_CHARS = 65535 / 3;

        private transient TimelineReply reply;

        Packed(TimelineReply reply) {
            this.reply = reply;
        }

        static boolean fits(TimelineReply reply) {
            if (reply.posts() == null) {
                return false;
            }
            for (Object p : reply.posts()) {
                if (!(p instanceof PostView post) || (post.text() != null && post.text().length() > MAX_UTF_CHARS)) {
                    return false;
                }
            }
            return true;
        }

        @Serial
        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject(); // no fields; keeps the form open to some later
            Packing.writeStatus(out, reply.status());
            List<PostView> posts = reply.posts();
            Packing.writeVarLong(out, posts.size());
            long created = 0;
            for (PostView p : posts) {
                Packing.writeVarLong(out, p.authorId());
                Packing.writeVarLong(out, p.seq());
                Packing.writeVarLong(out, p.createdMillis() - created);
                created = p.createdMillis();
                out.writeBoolean(p.text() != null);
                if (p.text() != null) {
                    out.writeUTF(p.text());
                }
            }
        }

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            Status status = Packing.readStatus(in);
            int count = Packing.readCount(in);
            List<PostView> posts = new ArrayList<>(Math.min(count, Packing.MAX_PRESIZE));
            long created = 0;
            for (int i = 0; i < count; i++) {
                long author = Packing.readVarLong(in);
                long seq = Packing.readVarLong(in);
                created += Packing.readVarLong(in);
                String text = in.readBoolean() ? in.readUTF() : null;
                posts.add(new PostView(author, seq, created, text));
            }
            reply = new TimelineReply(status, posts);
        }

        @Serial
        private Object readResolve() {
            return reply;
        }
    }
}
