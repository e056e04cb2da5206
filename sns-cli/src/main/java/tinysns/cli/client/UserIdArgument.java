package tinysns.cli.client;

import java.util.OptionalLong;

/** A user id as typed: a positive decimal integer that fits a Java long (1 .. 9223372036854775807). */
public final class UserIdArgument {
    private UserIdArgument() {
    }

    /** The id, or empty when {@code text} is not a positive integer in range ({@code abc}, {@code 0}, {@code -1}, 2^63). */
    public static OptionalLong parse(String text) {
        if (text == null || text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty(); // also refuses "+5", " 5" and non-ASCII digits that Long.parseLong accepts
        }
        try {
            long id = Long.parseLong(text);
            return id > 0 ? OptionalLong.of(id) : OptionalLong.empty();
        } catch (NumberFormatException tooLarge) {
            return OptionalLong.empty();
        }
    }
}
