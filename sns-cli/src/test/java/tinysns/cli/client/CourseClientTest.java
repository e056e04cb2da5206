package tinysns.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import tinysns.api.PostView;
import tinysns.api.Status;

/**
 * The client's own behaviour, whole: login, title, prompts, every reply line of CLIENT.md, LIST, timeline mode, end of
 * input, and retries, against an in-memory cluster with the course's semantics. (The end-to-end test with real
 * processes lives with the scenarios.)
 */
@Timeout(60)
class CourseClientTest {
    static final String TITLE = String.join("\n", CourseClient.TITLE_LINES) + "\n";
    static final String OK = "Command completed successfully\n";

    private final InMemoryCluster cluster = new InMemoryCluster();

    private ClientUnderTest client(long userId) throws Exception {
        return new ClientUnderTest(new InMemoryConnection(cluster), userId);
    }

    @Test
    void everyCommandModeReplyLine() throws Exception {
        cluster.createUsers(4, 2, 10);
        try (ClientUnderTest client = client(1)) {
            client.type(String.join("\n", "follow 4", "FOLLOW 4", "follow 1", "follow 99", "follow abc", "follow -4",
                    "unfollow 99", "unfollow 1", "unfollow 2", "unfollow 4", "list ", "frobnicate", "follow 1 2",
                    "", "Follow") + "\n");
            assertEquals(0, client.endInput());
            assertEquals(TITLE
                    + "Cmd> " + OK
                    + "Cmd> Input username already exists, command failed\n"
                    + "Cmd> Input username already exists, command failed\n"
                    + "Cmd> Command failed with invalid username\n"
                    + "Cmd> Command failed with invalid username\n"
                    + "Cmd> Command failed with invalid username\n"
                    + "Cmd> Command failed with invalid username\n"
                    + "Cmd> Command failed with invalid username\n"
                    + "Cmd> Command failed with not a follower\n"
                    + "Cmd> " + OK
                    + "Cmd> Invalid Input -- No Arguments Given\n"
                    + "Cmd> Invalid Command\n"
                    + "Cmd> Command failed with invalid command\n"
                    + "Cmd> Invalid Command\n"
                    + "Cmd> Invalid Command\n"
                    + "Cmd> \n", client.output());
            // Client-side refusals ("abc", "-4", malformed) use no request number.
            assertEquals(List.of("connect", "login 1", "follow #1 4", "follow #2 4", "follow #3 1", "follow #4 99",
                    "unfollow #5 99", "unfollow #6 1", "unfollow #7 2", "unfollow #8 4", "logout", "close"),
                    client.connection.calls());
        }
    }

    @Test
    void statusesTheCourseServerNeverSentStillGetTheirLines() throws Exception {
        cluster.createUsers(4);
        try (ClientUnderTest client = client(1)) {
            List<String> lines = new ArrayList<>();
            for (Status status : List.of(Status.NOT_EXISTS, Status.INVALID_COMMAND, Status.UNKNOWN,
                    Status.STALE_REQUEST, Status.RATE_LIMITED)) {
                client.connection.answerWritesWith(status);
                client.type("follow 4\n");
                client.awaitPrompts(lines.size() + 2);
                lines.add(ReplyLines.lineFor(status));
            }
            assertEquals(0, client.endInput());
            assertEquals(TITLE + "Cmd> Input username does not exists, command failed\n"
                    + "Cmd> Command failed with invalid command\n"
                    + "Cmd> Command failed with unknown reason\n"
                    + "Cmd> Command failed with unknown reason\n"
                    + "Cmd> Command failed with too many posts, wait a moment\n"
                    + "Cmd> \n", client.output());
        }
    }

    @Test
    void listShowsEveryUserAndTheFollowersAscending() throws Exception {
        cluster.createUsers(10, 3, 33, 2);
        try (ClientUnderTest ten = client(10); ClientUnderTest three = client(3); ClientUnderTest two = client(2)) {
            ten.type("follow 2\n");
            three.type("follow 2\n");
            ten.awaitPrompts(2);
            three.awaitPrompts(2);
            two.type("LIST\n");
            assertEquals(0, two.endInput());
            assertEquals(TITLE + "Cmd> " + OK + "All users: 2, 3, 10, 33, \nFollowers: 3, 10, \nCmd> \n",
                    two.output());
            three.type("list\n");
            assertEquals(0, three.endInput());
            assertTrue(three.output().endsWith("Cmd> " + OK + "All users: 2, 3, 10, 33, \nFollowers: \nCmd> \n"),
                    three.output());
            assertEquals(0, ten.endInput());
        }
    }

    @Test
    void endOfInputEndsCommandModeCleanly() throws Exception {
        try (ClientUnderTest client = client(1)) {
            assertEquals(0, client.endInput());
            assertEquals(TITLE + "Cmd> \n", client.output());
        }
        try (ClientUnderTest client = client(2)) {
            client.type("list"); // a last line without a newline still counts
            assertEquals(0, client.endInput());
            assertEquals(TITLE + "Cmd> " + OK + "All users: 1, 2, \nFollowers: \nCmd> \n", client.output());
        }
    }

    @Test
    void aRefusedCallbackAddressIsSaidInOneLineAndTheClientStaysInCommandMode() throws Exception {
        cluster.createUsers(2);
        try (ClientUnderTest client = client(1)) {
            client.connection.answerSubscribesWith(Status.CALLBACK_REFUSED);
            client.type("timeline\n");
            client.awaitPrompts(2);
            client.connection.answerSubscribesWith(null);
            client.type("list\n");
            assertEquals(0, client.endInput());
            assertEquals(TITLE + "Cmd> " + ReplyLines.CALLBACK_REFUSED + "\n"
                    + "Cmd> " + OK + "All users: 1, 2, \nFollowers: \nCmd> \n", client.output());
        }
    }

    @Test
    void endOfInputEndsTimelineModeCleanly() throws Exception {
        try (ClientUnderTest client = client(1)) {
            client.type("timeline\n");
            assertEquals(0, client.endInput());
            assertEquals(TITLE + "Cmd> " + OK + "Now you are in the timeline\n", client.output());
            assertEquals("close", last(client.connection.calls()));
            assertTrue(client.connection.calls().contains("logout"));
        }
    }

    @Test
    void timelineShowsTheNewest20OldestFirstThenLivePostsAndSendsEveryOtherLineAsAPost() throws Exception {
        cluster.createUsers(4, 5);
        cluster.login(4);
        cluster.login(5);
        try (ClientUnderTest client = client(1)) {
            client.type("follow 4\n");
            client.awaitPrompts(2);
            for (int i = 1; i <= 25; i++) {
                cluster.postAs(4, "p" + i);
            }
            cluster.postAs(5, "not followed");
            client.type("timeline\n");
            client.awaitOutput(out -> out.contains(">> p25\n"));
            cluster.postAs(4, "live one");
            client.awaitOutput(out -> out.contains(">> live one\n"));

            String tooLong = "x".repeat(281);
            client.type("my own post\n\n   \n" + tooLong + "\n" + "y".repeat(280) + "\n");
            client.awaitOutput(out -> out.contains("Post refused"));
            assertEquals(0, client.endInput());

            List<String> lines = Arrays.asList(client.output().split("\n", -1));
            int entered = lines.indexOf("Now you are in the timeline");
            assertEquals("Cmd> " + OK.strip(), lines.get(entered - 1));
            List<String> shown = lines.subList(entered + 1, entered + 22);
            for (int i = 0; i < 20; i++) {
                assertTrue(shown.get(i).matches("4 \\(\\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}\\) >> p"
                        + (i + 6)), shown.get(i));
            }
            assertTrue(shown.get(20).matches("4 \\(.*\\) >> live one"), shown.get(20));
            assertEquals("Post refused: it has 281 characters, the limit is 280; nothing was posted",
                    lines.get(entered + 22));
            assertEquals("", lines.get(entered + 23));
            assertEquals(entered + 24, lines.size());

            List<String> calls = client.connection.calls();
            assertTrue(calls.contains("post #2 my own post"), calls.toString());
            assertTrue(calls.contains("post #3 " + "y".repeat(280)), calls.toString());
            assertTrue(calls.stream().noneMatch(c -> c.startsWith("post #") && c.contains(tooLong)),
                    calls.toString());
            assertEquals(2, calls.stream().filter(c -> c.startsWith("post #")).count(), calls.toString());
        }
    }

    @Test
    void aMegabyteLineIsAnsweredLikeAnyOtherBadLineInBothModes() throws Exception {
        String megabyte = "z".repeat(1 << 20);
        try (ClientUnderTest client = client(1)) {
            client.type(megabyte + "\n" + "follow " + megabyte + "\n" + "timeline\n" + megabyte + "\n");
            client.awaitOutput(out -> out.contains("Post refused"));
            assertEquals(0, client.endInput());
            String out = client.output();
            assertTrue(out.contains("Cmd> Invalid Command\n"), "an unknown command word");
            assertTrue(out.contains("Cmd> Command failed with invalid username\n"), "an id that is no number");
            assertTrue(out.contains("Post refused: it has " + (1 << 20) + " characters, the limit is 280"),
                    "a post is refused, never truncated");
            assertTrue(client.connection.calls().stream().noneMatch(c -> c.startsWith("post #")),
                    client.connection.calls().toString());
        }
    }

    @Test
    void aWriteWhoseReplyWasLostIsResentWithTheSameRequestNumber() throws Exception {
        cluster.createUsers(4, 5);
        try (ClientUnderTest client = client(1)) {
            client.connection.failNextWrite(InMemoryConnection.Fault.LOSE_REPLY);
            client.type("follow 4\n");
            client.awaitPrompts(2);
            client.type("follow 5\n");
            assertEquals(0, client.endInput());
            // The retry is answered from the session table: success, not "already exists".
            assertEquals(TITLE + "Cmd> \n"
                    + "(reconnected to the master of cluster 1: sns/cluster-1/node-2 at 127.0.0.1:10001)\n" + OK
                    + "Cmd> " + OK + "Cmd> \n", client.output());
            assertEquals(List.of("connect", "login 1", "follow #1 4", "connect", "follow #1 4", "follow #2 5",
                    "logout", "close"), client.connection.calls());
        }
    }

    @Test
    void notMasterAndADeadLinkAreRetriedWithTheSameRequestNumber() throws Exception {
        cluster.createUsers(4);
        try (ClientUnderTest client = client(1)) {
            client.connection.failNextWrite(InMemoryConnection.Fault.NOT_MASTER);
            client.connection.failNextWrite(InMemoryConnection.Fault.LINK_DOWN);
            client.type("follow 4\nunfollow 4\n");
            assertEquals(0, client.endInput());
            assertTrue(client.output().endsWith("Cmd> \n"
                    + "(reconnected to the master of cluster 1: sns/cluster-1/node-2 at 127.0.0.1:10001)\n"
                    + "(reconnected to the master of cluster 1: sns/cluster-1/node-1 at 127.0.0.1:10000)\n"
                    + OK + "Cmd> " + OK + "Cmd> \n"), client.output());
            List<String> writes = client.connection.calls().stream().filter(c -> c.contains("follow #")).toList();
            assertEquals(List.of("follow #1 4", "follow #1 4", "follow #1 4", "unfollow #2 4"), writes);
        }
    }

    @Test
    void aWriteThatFindsNoMasterWithinTheBudgetFailsAndTheNextWriteTakesANewNumber() throws Exception {
        cluster.createUsers(4, 5);
        try (ClientUnderTest client = new ClientUnderTest(new InMemoryConnection(cluster), 1,
                new RetryPolicy(200, 10, 50))) {
            client.type("list\n");
            client.awaitPrompts(2);
            client.connection.setMasterAvailable(false);
            client.connection.failNextWrite(InMemoryConnection.Fault.LINK_DOWN);
            client.type("follow 4\n");
            client.awaitPrompts(3);
            client.connection.setMasterAvailable(true);
            client.type("follow 5\n");
            assertEquals(0, client.endInput());
            // The budget (200 ms) ran out before the notice time (3 s): the outage is told as the command gives up.
            assertTrue(client.output().matches("(?s).*Cmd> \n\\(no master for cluster 1 reachable for 0\\.\\d s; "
                    + "still trying\\)\nCommand failed with no master reachable\nCmd> .*"), client.output());
            assertEquals(1, count(client.output(), "(no master for cluster 1"), client.output());
            assertEquals(1, count(client.output(), "(reconnected to the master of cluster 1"), client.output());
            List<String> writes = client.connection.calls().stream().filter(c -> c.contains("follow #")).toList();
            assertEquals(List.of("follow #1 4", "follow #2 5"), writes);
        }
    }

    @Test
    void afterAFailoverTheTimelineResumesAfterTheLastShownPostWithoutRepeatsOrGaps() throws Exception {
        cluster.createUsers(4);
        cluster.login(4);
        try (ClientUnderTest client = client(1)) {
            client.type("follow 4\n");
            client.awaitPrompts(2);
            cluster.postAs(4, "before");
            client.type("timeline\n");
            client.awaitOutput(out -> out.contains(">> before\n"));

            client.connection.killServer();
            cluster.postAs(4, "during the outage");
            // Nobody types: the keep-alive thread must notice the dead server and re-subscribe.
            client.awaitOutput(out -> out.contains(">> during the outage\n"));
            cluster.postAs(4, "after");
            client.awaitOutput(out -> out.contains(">> after\n"));
            assertEquals(0, client.endInput());

            String out = client.output();
            assertEquals(1, count(out, ">> before\n"), out);
            assertEquals(1, count(out, ">> during the outage\n"), out);
            assertEquals(1, count(out, "(reconnected to the master of cluster 1"), out);
            List<PostView> afters = client.connection.subscribeAfters();
            assertEquals(2, afters.size(), afters.toString());
            assertEquals(null, afters.get(0));
            assertEquals("before", afters.get(1).text());
        }
    }

    @Test
    void afterAFailoverBeforeAnyPostWasShownTheMissedPostsAreReadBack() throws Exception {
        cluster.createUsers(4);
        cluster.login(4);
        try (ClientUnderTest client = client(1)) {
            client.type("follow 4\ntimeline\n");
            client.awaitOutput(out -> out.contains("Now you are in the timeline\n"));
            client.connection.killServer();
            cluster.postAs(4, "missed while down");
            client.awaitOutput(out -> out.contains(">> missed while down\n"));
            assertEquals(0, client.endInput());
            assertEquals(1, count(client.output(), ">> missed while down\n"), client.output());
        }
    }

    @Test
    void loginFailuresPrintANegativeCodeAndExitNonZero() throws Exception {
        InMemoryConnection noCoordinator = new InMemoryConnection(cluster);
        noCoordinator.setCoordinatorReachable(false);
        try (ClientUnderTest client = new ClientUnderTest(noCoordinator, 1)) {
            assertEquals(1, client.awaitExit());
            assertEquals("connection failed: -1\n", client.output());
        }
        InMemoryConnection noMaster = new InMemoryConnection(cluster);
        noMaster.setMasterAvailable(false);
        try (ClientUnderTest client = new ClientUnderTest(noMaster, 1)) {
            assertEquals(1, client.awaitExit());
            assertEquals("connection failed: -2\n", client.output());
        }
        cluster.login(7);
        try (ClientUnderTest client = client(7)) {
            assertEquals(1, client.awaitExit());
            assertEquals("connection failed: -3\n", client.output());
        }
    }

    @Test
    void aLongOutageIsToldOnceWithItsClusterAndTheReconnectOnceAndACommandThatGivesUpSaysNoMaster()
            throws Exception {
        cluster.createUsers(4);
        try (ClientUnderTest client = new ClientUnderTest(new InMemoryConnection(cluster), 1,
                new RetryPolicy(1500, 10, 50, 400))) {
            client.type("list\n");
            client.awaitPrompts(2);
            client.connection.setMasterAvailable(false);
            client.connection.killServer();
            // Nobody types: the keep-alive thread finds the outage and tells it once it has lasted 0.4 s.
            client.awaitOutput(out -> out.contains("(no master for cluster 1 reachable for "));
            client.type("follow 4\n");
            client.awaitOutput(out -> out.contains(ReplyLines.NO_MASTER));
            Thread.sleep(1_000); // the outage goes on: no second notice
            client.connection.setMasterAvailable(true);
            client.awaitOutput(out -> out.contains("(reconnected to the master of cluster 1"));
            client.type("follow 4\n");
            assertEquals(0, client.endInput());
            String out = client.output();
            assertEquals(1, count(out, "(no master for cluster 1 reachable for 0.4 s; still trying)\n"), out);
            assertEquals(1, count(out, "(reconnected to the master of cluster 1: sns/cluster-1/node-2"), out);
            assertEquals(1, count(out, "Command failed with no master reachable\n"), out);
            assertEquals(0, count(out, "unknown reason"), out);
            assertTrue(out.endsWith("Cmd> " + OK + "Cmd> \n"), out);
        }
    }

    @Test
    void aSessionReplacedByAnotherLoginEndsTheClientWithOneLineAndExitCode3() throws Exception {
        cluster.createUsers(4);
        try (ClientUnderTest client = client(1)) {
            client.type("follow 4\n");
            client.awaitPrompts(2);
            cluster.replaceSession(1);
            client.type("unfollow 4\nlist\nfollow 4\n");
            assertEquals(ClientSession.EXIT_REPLACED, client.awaitExit());
            assertEquals(TITLE + "Cmd> " + OK + "Cmd> \nSession ended: user 1 logged in from another client\n",
                    client.output());
            List<String> calls = client.connection.calls();
            assertEquals(List.of("connect", "login 1", "follow #1 4", "unfollow #2 4", "close"), calls,
                    "nothing after the refused call, no login again, no logout of a session that is not ours");
        }
    }

    @Test
    void aSessionReplacedWhileTheTimelineIsQuietIsNoticedByTheKeepAliveAndEndsTheClient() throws Exception {
        cluster.createUsers(4);
        cluster.login(4);
        try (ClientUnderTest client = client(1)) {
            client.type("follow 4\ntimeline\n");
            client.awaitOutput(out -> out.contains(ClientConsole.TIMELINE_ENTERED));
            cluster.replaceSession(1);
            assertEquals(ClientSession.EXIT_REPLACED, client.awaitExit(), "without any input");
            assertTrue(client.output().endsWith(ClientConsole.TIMELINE_ENTERED
                    + "\nSession ended: user 1 logged in from another client\n"), client.output());
        }
    }

    @Test
    void anExpiredSessionIsToldOnceThenTheClientLogsInAgainAndSendsThePostOnce() throws Exception {
        cluster.createUsers(4, 5);
        cluster.login(4);
        try (ClientUnderTest reader = client(5); ClientUnderTest client = client(1)) {
            reader.type("follow 1\n");
            reader.awaitPrompts(2);
            client.type("follow 4\ntimeline\n");
            client.awaitOutput(out -> out.contains(ClientConsole.TIMELINE_ENTERED));
            cluster.expireSession(1);
            client.type("after the expiry\n");
            client.awaitOutput(out -> out.contains("(logged in again as user 1)\n"));
            cluster.postAs(4, "pushed to the new session");
            client.awaitOutput(out -> out.contains(">> pushed to the new session\n"));
            assertEquals(0, client.endInput());
            String out = client.output();
            assertTrue(out.endsWith(ClientConsole.TIMELINE_ENTERED + "\nSession expired\n(logged in again as user 1)\n"
                    + "4 (" + out.substring(out.lastIndexOf("4 (") + 3)), out);
            assertEquals(1, count(out, "Session expired"), out);
            assertEquals(0, count(out, "failed"), out);
            List<String> posts = client.connection.calls().stream().filter(c -> c.startsWith("post #")).toList();
            assertEquals(2, posts.size(), "refused under the expired session, sent again under the new: " + posts);
            assertEquals(2, count(String.join("\n", client.connection.calls()), "login 1"));
            reader.type("timeline\n");
            reader.awaitOutput(out2 -> out2.contains(">> after the expiry\n"));
            assertEquals(0, reader.endInput());
            assertEquals(1, count(reader.output(), ">> after the expiry\n"), "posted exactly once");
        }
    }

    @Test
    void anExpiredSessionWhoseUserIsNowLoggedInElsewhereEndsWithTheLoginsCode() throws Exception {
        cluster.createUsers(4);
        try (ClientUnderTest client = client(1)) {
            client.type("list\n");
            client.awaitPrompts(2);
            cluster.expireSession(1);
            cluster.login(1); // another client took the user meanwhile
            client.type("follow 4\n");
            assertEquals(ClientSession.EXIT_NO_LOGIN, client.awaitExit());
            assertTrue(client.output().endsWith("Cmd> \nSession expired\nconnection failed: -3\n"), client.output());
            assertEquals(0, count(client.output(), "Command failed"), client.output());
        }
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    private static String last(List<String> list) {
        return list.get(list.size() - 1);
    }
}
