package tinysns.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandParserTest {
    private final CommandParser parser = new CommandParser();

    @ParameterizedTest
    @ValueSource(strings = {"LIST", "list", "List", "lIsT"})
    void listIsCaseInsensitive(String line) {
        assertEquals(new ParsedCommand.ListUsers(), parser.parse(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TIMELINE", "timeline", "TimeLine"})
    void timelineIsCaseInsensitive(String line) {
        assertEquals(new ParsedCommand.Timeline(), parser.parse(line));
    }

    @Test
    void followAndUnfollowWordsAreCaseInsensitiveAndArgumentsKeepTheirCase() {
        assertEquals(new ParsedCommand.Follow("4"), parser.parse("FOLLOW 4"));
        assertEquals(new ParsedCommand.Follow("4"), parser.parse("follow 4"));
        assertEquals(new ParsedCommand.Follow("Abc"), parser.parse("fOlLoW Abc"));
        assertEquals(new ParsedCommand.Unfollow("17"), parser.parse("unfollow 17"));
        assertEquals(new ParsedCommand.Unfollow("xY"), parser.parse("UNFOLLOW xY"));
    }

    @Test
    void spacesAroundTheArgumentDoNotMatter() {
        assertEquals(new ParsedCommand.Follow("4"), parser.parse("follow 4 "));
        assertEquals(new ParsedCommand.Follow("4"), parser.parse("follow   4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"FOLLOW ", "follow ", "UNFOLLOW ", "LIST ", "timeline ", "whatever ", "follow   "})
    void aWordWithATrailingSpaceAndNoArgument(String line) {
        assertEquals(new ParsedCommand.Refused("Invalid Input -- No Arguments Given"), parser.parse(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "FOLLOW", "unfollow", "lists", "post", "hello world", "foo 4", " list"})
    void unknownCommands(String line) {
        assertEquals(new ParsedCommand.Refused("Invalid Command"), parser.parse(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {"follow 1 2", "UNFOLLOW 4 5 6", "list all", "TIMELINE now"})
    void knownWordsWithTheWrongArgumentsAreMalformed(String line) {
        assertEquals(new ParsedCommand.Refused("Command failed with invalid command"), parser.parse(line));
    }
}
