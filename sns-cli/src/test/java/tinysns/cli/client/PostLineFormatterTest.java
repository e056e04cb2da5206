package tinysns.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import tinysns.api.PostView;

class PostLineFormatterTest {
    private static long millis(ZonedDateTime time) {
        return time.toInstant().toEpochMilli();
    }

    @Test
    void ctimeStyleInTheReadersZone() {
        long created = millis(ZonedDateTime.of(2026, 11, 24, 3, 36, 48, 0, ZoneOffset.UTC));
        PostView post = new PostView(4, 1, created, "hello, world");
        assertEquals("4 (Tue Nov 24 03:36:48 2026) >> hello, world",
                new PostLineFormatter(ZoneOffset.UTC).format(post));
        assertEquals("4 (Mon Nov 23 21:36:48 2026) >> hello, world",
                new PostLineFormatter(ZoneId.of("America/Chicago")).format(post));
    }

    @Test
    void singleDigitDaysArePaddedWithASpaceLikeCtime() {
        long created = millis(ZonedDateTime.of(2026, 11, 4, 9, 5, 7, 0, ZoneOffset.UTC));
        assertEquals("12 (Wed Nov  4 09:05:07 2026) >> x",
                new PostLineFormatter(ZoneOffset.UTC).format(new PostView(12, 3, created, "x")));
    }

    @Test
    void namesStayEnglishWhateverTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            long created = millis(ZonedDateTime.of(2026, 3, 1, 0, 0, 0, 0, ZoneOffset.UTC));
            assertEquals("1 (Sun Mar  1 00:00:00 2026) >> hallo",
                    new PostLineFormatter(ZoneOffset.UTC).format(new PostView(1, 1, created, "hallo")));
        } finally {
            Locale.setDefault(saved);
        }
    }
}
