package tinysns.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import tinysns.api.rmi.RmiEndpoints;

/** The packed wire forms of {@link TimelineReply} and {@link ListReply}: exact round trips, smaller than records. */
class ReplyWireFormTest {
    private static final long NOW = 1_700_000_000_000L;

    @Test
    void timelineRepliesComeBackEqual() throws Exception {
        List<TimelineReply> replies = List.of(
                new TimelineReply(Status.SUCCESS, List.of()),
                new TimelineReply(Status.SESSION_INVALID, List.of()),
                new TimelineReply(null, List.of()),
                new TimelineReply(Status.SUCCESS, List.of(new PostView(1, 1, NOW, "hi"))),
                new TimelineReply(Status.SUCCESS, new ArrayList<>(List.of(
                        new PostView(4, 7, NOW, null),
                        new PostView(7, 1, NOW - 5, ""), // older than the one before it: a negative difference
                        new PostView(10, 2, NOW, "héllo wörld, 你好, 🎉 and a NUL \u0000 char"),
                        new PostView(13, 3, NOW, "lone surrogates \ud800 and \udc00 survive"),
                        new PostView(Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, "extremes"),
                        new PostView(-1, 0, Long.MAX_VALUE, "x")))),
                new TimelineReply(Status.SUCCESS, posts(1000, "🎉".repeat(140))), // the most a read returns
                new TimelineReply(Status.SUCCESS, List.of(new PostView(1, 1, NOW, "é".repeat(65535 / 3)))));
        for (TimelineReply reply : replies) {
            byte[] bytes = serialize(reply);
            assertTrue(packed(bytes), "packed: " + reply.status() + ", " + reply.posts().size() + " posts");
            assertEquals(reply, roundTrip(bytes));
        }
    }

    @Test
    void whatThePackedFormCannotCarryGoesAsTheRecord() throws Exception {
        List<TimelineReply> replies = new ArrayList<>();
        replies.add(new TimelineReply(Status.SUCCESS, null));
        replies.add(new TimelineReply(Status.SUCCESS, new ArrayList<>(Arrays.asList(new PostView(1, 1, NOW, "a"), null))));
        // writeUTF takes at most 65535 bytes
        replies.add(new TimelineReply(Status.SUCCESS, List.of(new PostView(1, 1, NOW, "é".repeat(65535 / 3 + 1)))));
        for (TimelineReply reply : replies) {
            byte[] bytes = serialize(reply);
            assertFalse(packed(bytes));
            assertEquals(reply, roundTrip(bytes));
        }
        ListReply nullList = new ListReply(Status.SUCCESS, null, List.of());
        assertFalse(packed(serialize(nullList)));
        assertEquals(nullList, roundTrip(serialize(nullList)));
    }

    @Test
    void anElementOfTheWrongClassIsStillForTheFilterToRefuse() throws Exception {
        List<Object> raw = new ArrayList<>();
        raw.add(new java.util.HashMap<>()); // not on the allow-list
        @SuppressWarnings("unchecked")
        ListReply list = new ListReply(Status.SUCCESS, (List<Long>) (List<?>) raw, List.of());
        @SuppressWarnings("unchecked")
        TimelineReply timeline = new TimelineReply(Status.SUCCESS, (List<PostView>) (List<?>) raw);
        for (Object reply : List.of(list, timeline)) {
            byte[] bytes = serialize(reply);
            assertFalse(packed(bytes));
            assertThrows(InvalidClassException.class, () -> roundTrip(bytes));
        }
    }

    @Test
    void listRepliesComeBackEqual() throws Exception {
        List<Long> many = new ArrayList<>();
        for (long id = 1; id <= 10_000; id++) {
            many.add(id);
        }
        for (ListReply reply : List.of(
                new ListReply(Status.SUCCESS, List.of(), List.of()),
                new ListReply(Status.NOT_MASTER, List.of(), List.of()),
                new ListReply(Status.SUCCESS, List.of(1L, 4L, 7L), new ArrayList<>(List.of(4L))),
                new ListReply(Status.SUCCESS, List.of(9L, 2L, Long.MAX_VALUE, Long.MIN_VALUE, -3L, 0L), List.of(5L)),
                new ListReply(Status.SUCCESS, many, many.subList(0, 500)))) {
            byte[] bytes = serialize(reply);
            assertTrue(packed(bytes));
            ListReply back = assertInstanceOf(ListReply.class, roundTrip(bytes));
            assertEquals(reply, back);
        }
    }

    @Test
    void theHotRepliesShrink() throws Exception {
        List<PostView> twenty = posts(20, "A post of about one hundred characters, like most posts people write on a "
                + "small network. ok");
        int packed = serialize(new TimelineReply(Status.SUCCESS, twenty)).length;
        int record = serialize(new RecordForm(Status.SUCCESS, twenty)).length;
        int text = twenty.stream().mapToInt(p -> p.text().getBytes(StandardCharsets.UTF_8).length).sum();
        System.out.printf("timeline reply of 20 posts, %d bytes of text: %d bytes packed, %d as records%n", text,
                packed, record);
        assertTrue(packed - text < (record - text) / 3, "overhead " + (packed - text) + " vs " + (record - text));

        List<Long> users = new ArrayList<>();
        for (long id = 1; id <= 1000; id++) {
            users.add(id * 3);
        }
        int packedList = serialize(new ListReply(Status.SUCCESS, users, users.subList(0, 20))).length;
        int recordList = serialize(new ListRecordForm(Status.SUCCESS, users, List.copyOf(users.subList(0, 20)))).length;
        System.out.printf("list reply of 1000 users and 20 followers: %d bytes packed, %d as records%n", packedList,
                recordList);
        assertTrue(packedList < recordList / 4, packedList + " vs " + recordList);
    }

    /** The record form as it went before the packed one: the same components, default serialization. */
    private record RecordForm(Status status, List<PostView> posts) implements Serializable {
    }

    private record ListRecordForm(Status status, List<Long> allUsers, List<Long> followers) implements Serializable {
    }

    private static List<PostView> posts(int n, String text) {
        List<PostView> posts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Distinct strings, as real posts are: Java serialization sends a repeated String once, then a reference.
            posts.add(new PostView(1 + 3L * (i % 17), 1000 + i, NOW + 10L * i, i + " " + text));
        }
        return posts;
    }

    /** Whether the stream names the packed class (and so not the record's components). */
    private static boolean packed(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        return s.contains("$Packed") && !s.contains("tinysns.api.PostView");
    }

    private static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /** Read back through the filter every export and every client use. */
    private static Object roundTrip(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            in.setObjectInputFilter(RmiEndpoints.PROCESS_FILTER);
            return in.readObject();
        }
    }
}
