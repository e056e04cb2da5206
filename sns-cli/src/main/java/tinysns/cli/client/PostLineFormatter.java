package tinysns.cli.client;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import tinysns.api.PostView;

/**
 * Formats a timeline post as the course client printed it: {@code <author> (<ctime>) >> <text>}, where ctime is C's
 * {@code ctime(3)} layout ({@code Tue Nov  4 03:36:48 2026}: English names, day of month padded with a space) in the
 * reader's local zone.
 */
public final class PostLineFormatter {
    private final DateTimeFormatter ctime;

    public PostLineFormatter(ZoneId zone) {
        // ctime(3) is not localized: always English day and month names.
        this.ctime = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(zone);
    }

    public static PostLineFormatter localZone() {
        return new PostLineFormatter(ZoneId.systemDefault());
    }

    public String format(PostView post) {
        return post.authorId() + " (" + ctime.format(Instant.ofEpochMilli(post.createdMillis())) + ") >> " + post.text();
    }
}
