package tinysns.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserIdArgumentTest {
    @ParameterizedTest
    @ValueSource(strings = {"abc", "0", "-1", "9223372036854775808", "+5", "", " 5", "5 ", "1.0", "٣"})
    void notAPositiveLong(String text) {
        assertTrue(UserIdArgument.parse(text).isEmpty(), text);
    }

    @Test
    void positiveLongs() {
        assertEquals(OptionalLong.of(1), UserIdArgument.parse("1"));
        assertEquals(OptionalLong.of(42), UserIdArgument.parse("0042"));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), UserIdArgument.parse("9223372036854775807"));
    }
}
