package tinysns.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The scenario format and its line patterns, without processes (runs with the unit tests). */
class ScenarioTest {
    @Test
    void parsesDirectivesAndExpectedBlocks() {
        Scenario scenario = Scenario.parse("example", List.of(
                "# comment",
                "deploy clusters=3 only=1",
                "",
                "login 1",
                "1> FOLLOW ",
                "Invalid Input -- No Arguments Given",
                "1> list",
                "Command completed successfully",
                "All users: 1, ",
                "wait-line 4 1 (*) >> hello ",
                "expect 4",
                "x",
                "quiet 4 300",
                "quiet 1",
                "login-fails 1",
                "kill-client 1",
                "login-retry 1",
                "close 1",
                "sleep-until-dead"));
        List<Scenario.Step> steps = scenario.steps();
        assertEquals(new Scenario.Deploy(2, 3, Set.of(1)), steps.get(0));
        assertEquals(new Scenario.Login(4, 1), steps.get(1));
        Scenario.Send follow = (Scenario.Send) steps.get(2);
        assertEquals("FOLLOW ", follow.text(), "the trailing space is what is typed");
        assertEquals(List.of("Invalid Input -- No Arguments Given"), texts(follow.expected()));
        assertEquals(List.of("Command completed successfully", "All users: 1, "),
                texts(((Scenario.Send) steps.get(3)).expected()));
        Scenario.Expect waitLine = (Scenario.Expect) steps.get(4);
        assertEquals(4, waitLine.user());
        assertEquals(List.of("1 (*) >> hello "), texts(waitLine.expected()));
        assertEquals(List.of("x"), texts(((Scenario.Expect) steps.get(5)).expected()));
        assertEquals(new Scenario.Quiet(13, 4, Duration.ofMillis(300)), steps.get(6));
        assertEquals(new Scenario.Quiet(14, 1, Scenario.QUIET_DEFAULT), steps.get(7));
        assertEquals(new Scenario.LoginFails(15, 1), steps.get(8));
        assertEquals(new Scenario.KillClient(16, 1), steps.get(9));
        assertEquals(new Scenario.LoginRetry(17, 1), steps.get(10));
        assertEquals(new Scenario.Close(18, 1), steps.get(11));
        assertEquals(new Scenario.SleepUntilDead(19), steps.get(12));
    }

    @Test
    void parsesRetriedSendsAndUnorderedBlocks() {
        Scenario scenario = Scenario.parse("sync", List.of(
                "deploy clusters=3",
                "1>> list",
                "Command completed successfully",
                "All users: 1, 2, ",
                "expect-unordered 1",
                "2 (*) >> a",
                "3 (*) >> b"));
        Scenario.SendUntil until = (Scenario.SendUntil) scenario.steps().get(1);
        assertEquals(1, until.user());
        assertEquals("list", until.text());
        assertEquals(2, until.expected().size());
        Scenario.ExpectUnordered unordered = (Scenario.ExpectUnordered) scenario.steps().get(2);
        assertEquals(1, unordered.user());
        assertEquals(List.of("2 (*) >> a", "3 (*) >> b"),
                unordered.expected().stream().map(LinePattern::toString).toList());
    }

    @Test
    void rejectsMalformedScenariosNamingTheLine() {
        assertMessage("s:1: a scenario starts with 'deploy clusters=N'", List.of("login 1"));
        assertMessage("s:2: deploy must be the first directive", List.of("deploy clusters=1", "deploy clusters=1"));
        assertMessage("s:1: deploy needs clusters=N with N >= 1", List.of("deploy"));
        assertMessage("s:1: only=4 is not a cluster of 1..3", List.of("deploy clusters=3 only=4"));
        assertMessage("s:2: an expected line must follow 'N> …', 'expect N' or another expected line: «hello»",
                List.of("deploy clusters=1", "hello"));
        assertMessage("s:3: an expected line must follow 'N> …', 'expect N' or another expected line: «x»",
                List.of("deploy clusters=1", "login 1", "x"));
        assertMessage("s:2: a user id is a positive integer: '0'", List.of("deploy clusters=1", "login 0"));
        assertMessage("s:2: not a number: 'one'", List.of("deploy clusters=1", "login one"));
    }

    @Test
    void literalLinesMatchExactlyTrailingSpacesIncluded() {
        LinePattern followers = LinePattern.of("Followers: ");
        assertNull(followers.mismatch("Followers: "));
        assertEquals("", followers.mismatch("Followers:"));
        assertEquals("", LinePattern.of("a*b").mismatch("axb"), "only (*) is a wildcard");
    }

    @Test
    void timeWildcardMatchesACurrentCtimeStamp() {
        LinePattern post = LinePattern.of("4 (*) >> hi (there)");
        LocalDateTime now = LocalDateTime.of(2026, 11, 4, 3, 36, 50);
        assertNull(post.mismatch("4 (Wed Nov  4 03:36:48 2026) >> hi (there)", now));
        assertEquals("", post.mismatch("5 (Wed Nov  4 03:36:48 2026) >> hi (there)", now));
        assertEquals("", post.mismatch("4 (yesterday) >> hi (there)", now));
        assertTrue(post.mismatch("4 (Thu Jan  1 00:00:00 1970) >> hi (there)", now).contains("is not now"),
                "the 1970 epoch is refused");
        assertTrue(post.mismatch("4 (Wed Nov  4 05:36:48 2026) >> hi (there)", now).contains("is not now"),
                "a time two hours off (wrong zone) is refused");
        assertTrue(post.mismatch("4 (Tue Nov  4 03:36:48 2026) >> hi (there)", now).contains("not a ctime"),
                "a wrong day of the week is refused");
    }

    @Test
    void clientOutputIsComparedWithoutPrompts() {
        assertEquals("Command completed successfully",
                ClientProcess.withoutPrompts("Cmd> Command completed successfully"));
        assertEquals("", ClientProcess.withoutPrompts("Cmd> Cmd> "));
        assertEquals("x Cmd> y", ClientProcess.withoutPrompts("x Cmd> y"));
    }

    /** Every scenario shipped parses, and no editor has stripped the trailing spaces its LIST lines need. */
    @Test
    void shippedScenariosParse() throws Exception {
        for (Path file : ScenarioIT.scenarioFiles()) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            Scenario.parse(ScenarioIT.name(file), lines);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("All users:") || line.startsWith("Followers:")) {
                    assertTrue(line.endsWith(" "), file.getFileName() + ":" + (i + 1)
                            + ": a LIST line ends with a space (trailing whitespace stripped?): «" + line + "»");
                }
            }
        }
    }

    private static void assertMessage(String message, List<String> lines) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Scenario.parse("s", lines));
        assertEquals(message, error.getMessage());
    }

    private static List<String> texts(List<LinePattern> patterns) {
        return patterns.stream().map(LinePattern::toString).toList();
    }
}
