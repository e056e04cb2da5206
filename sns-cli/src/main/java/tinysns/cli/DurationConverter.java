package tinysns.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations as people write them: {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h} (or ISO-8601 {@code PT2S}).
 * A bare number is refused rather than guessed: {@code --heartbeat 5} could mean 5 ms or 5 s.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern AMOUNT_AND_UNIT = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        Matcher matcher = AMOUNT_AND_UNIT.matcher(text);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        if (text.startsWith("pt")) {
            try {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            } catch (java.time.format.DateTimeParseException e) {
                throw new TypeConversionException("'" + value + "' is not an ISO-8601 duration: " + e.getMessage());
            }
        }
        throw new TypeConversionException("'" + value + "' is not a duration; write it with a unit, e.g. 500ms, 2s, 1m");
    }
}
