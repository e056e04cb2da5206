package tinysns.e2e;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An expected output line of a scenario. Literal, except that {@code (*)} stands for a post's timestamp in ctime
 * layout, {@code (Tue Nov  4 03:36:48 2026)}, which must also be a real, current time: within {@link #CLOCK_SLACK}
 * of now in this machine's zone (never the 1970 epoch, never a wrong zone). Trailing spaces count.
 */
final class LinePattern {
    static final String TIME_WILDCARD = "(*)";
    static final Duration CLOCK_SLACK = Duration.ofMinutes(5);
    private static final String CTIME_REGEX = "[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4}";
    private static final DateTimeFormatter CTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);

    private final String text;
    private final Pattern regex;

    private LinePattern(String text) {
        this.text = text;
        if (text.contains(TIME_WILDCARD)) {
            StringBuilder regex = new StringBuilder();
            String[] parts = text.split(Pattern.quote(TIME_WILDCARD), -1);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    regex.append("\\((").append(CTIME_REGEX).append(")\\)");
                }
                regex.append(Pattern.quote(parts[i]));
            }
            this.regex = Pattern.compile(regex.toString());
        } else {
            this.regex = null;
        }
    }

    static LinePattern of(String text) {
        return new LinePattern(text);
    }

    /** Why {@code actual} does not match: null when it matches, "" when it simply differs. */
    String mismatch(String actual) {
        return mismatch(actual, LocalDateTime.now(ZoneId.systemDefault()));
    }

    String mismatch(String actual, LocalDateTime now) {
        if (regex == null) {
            return text.equals(actual) ? null : "";
        }
        Matcher matcher = regex.matcher(actual);
        if (!matcher.matches()) {
            return "";
        }
        for (int group = 1; group <= matcher.groupCount(); group++) {
            String stamp = matcher.group(group);
            LocalDateTime time;
            try {
                time = LocalDateTime.parse(stamp, CTIME);
            } catch (DateTimeParseException e) {
                return "'" + stamp + "' is not a ctime timestamp: " + e.getMessage();
            }
            if (Duration.between(time, now).abs().compareTo(CLOCK_SLACK) > 0) {
                return "the post time " + stamp + " is not now (" + now.format(CTIME) + ")";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}
