package tinysns.cli.chaos;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One operation of the chaos workload and its outcome, one tab-separated line of the record file:
 * {@code startMillis endMillis user requestNo op argument outcome status postSeq}. {@code startMillis} is when the
 * user first sent the operation (every retry of it included), {@code endMillis} when its outcome came back — for an
 * acknowledged one, the acknowledgement. {@code op} is {@code follow} (argument: the followee) or {@code post}
 * (argument: the text, which never holds a tab). {@code outcome} is {@code ok} (acknowledged), {@code failed} (a
 * definite refusal: nothing changed) or {@code unknown} (no definite answer within the retry budget: it may or may not
 * have taken effect). Lines starting with {@code #} are comments; lines starting with {@code seen} are {@link Seen}
 * records (six fields, so readers that want nine-field operation lines skip them).
 */
record OpRecord(long startMillis, long endMillis, long user, long requestNo, String op, String argument,
                Outcome outcome, String status, long postSeq) {
    enum Outcome { OK, FAILED, UNKNOWN }

    static final String FOLLOW = "follow";
    static final String POST = "post";

    String line() {
        return startMillis + "\t" + endMillis + "\t" + user + "\t" + requestNo + "\t" + op + "\t" + argument + "\t"
                + outcome.name().toLowerCase() + "\t" + status + "\t" + postSeq;
    }

    static OpRecord parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 9) {
            throw new IllegalArgumentException("a record line has 9 tab-separated fields: «" + line + "»");
        }
        return new OpRecord(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                f[4], f[5], Outcome.valueOf(f[6].toUpperCase()), f[7], Long.parseLong(f[8]));
    }

    long target() {
        return Long.parseLong(argument);
    }

    /**
     * A post shown to a follower in timeline mode, the moment it arrived ({@code seen millis reader author seq text}):
     * the workload's users sit in timeline mode while they post, so this is when the post became visible to them.
     */
    record Seen(long millis, long reader, long author, long seq, String text) {
        static final String TAG = "seen";

        static boolean is(String line) {
            return line.startsWith(TAG + "\t");
        }

        String line() {
            return TAG + "\t" + millis + "\t" + reader + "\t" + author + "\t" + seq + "\t" + text;
        }

        static Seen parse(String line) {
            String[] f = line.split("\t", -1);
            if (f.length != 6 || !f[0].equals(TAG)) {
                throw new IllegalArgumentException("a seen line has 6 tab-separated fields: «" + line + "»");
            }
            return new Seen(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
                    f[5]);
        }
    }

    /** Appends lines to the record file, flushed one by one, from any thread: a killed workload loses nothing written. */
    static final class Writer implements AutoCloseable {
        private final BufferedWriter out;

        Writer(Path file) throws IOException {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        }

        synchronized void comment(String text) {
            write("# " + text);
        }

        synchronized void add(OpRecord record) {
            write(record.line());
        }

        synchronized void add(Seen seen) {
            write(seen.line());
        }

        private void write(String line) {
            try {
                out.write(line);
                out.newLine();
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized void close() throws IOException {
            out.close();
        }
    }
}
