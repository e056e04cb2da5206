package tinysns.cli.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;

import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineReply;

/**
 * The course semantics, minimally, in memory: enough of a cluster to test the client's own logic (users, follows,
 * posts, timelines with "only posts after the follow", sessions with request-number replay, timeline pushes). Not a
 * stand-in for the real state machine, which has its own tests.
 */
final class InMemoryCluster {
    private final Set<Long> users = new TreeSet<>();
    private final Map<Long, Set<Long>> followeesByUser = new HashMap<>();
    private final Map<Long, List<PostView>> timelineByUser = new HashMap<>();
    private final Map<Long, Long> postCountByAuthor = new HashMap<>();
    private final Map<String, SessionState> sessionsByToken = new HashMap<>();
    /** Tokens a later login of their user replaced: they answer SESSION_REPLACED, as the real state machine does. */
    private final Set<String> replacedTokens = new java.util.HashSet<>();
    private final Map<Long, List<Consumer<List<PostView>>>> subscribersByUser = new HashMap<>();
    private long clockMillis = 1_795_000_000_000L;

    private static final class SessionState {
        final long userId;
        long lastRequestNo;
        Reply lastReply;

        SessionState(long userId) {
            this.userId = userId;
        }
    }

    synchronized LoginReply login(long userId) {
        boolean loggedIn = sessionsByToken.values().stream().anyMatch(s -> s.userId == userId);
        if (loggedIn) {
            return new LoginReply(Status.ALREADY_LOGGED_IN, null, "user " + userId + " is logged in");
        }
        users.add(userId);
        Session session = new Session(userId, UUID.randomUUID().toString());
        sessionsByToken.put(session.token(), new SessionState(userId));
        return new LoginReply(Status.SUCCESS, session, null);
    }

    synchronized Status keepAlive(Session session) {
        return known(session) == null ? invalid(session) : Status.SUCCESS;
    }

    /** Another client of {@code userId} logs in and replaces its session (its old client was gone too long). */
    synchronized Session replaceSession(long userId) {
        List<String> old = sessionsByToken.entrySet().stream().filter(e -> e.getValue().userId == userId)
                .map(Map.Entry::getKey).toList();
        old.forEach(sessionsByToken::remove);
        replacedTokens.addAll(old);
        return login(userId).session();
    }

    /** {@code userId}'s session expires (it was idle past its time to live): unknown from now on. */
    synchronized void expireSession(long userId) {
        sessionsByToken.values().removeIf(s -> s.userId == userId);
    }

    private Status invalid(Session session) {
        return replacedTokens.contains(session.token()) ? Status.SESSION_REPLACED : Status.SESSION_INVALID;
    }

    synchronized Status logout(Session session) {
        return sessionsByToken.remove(session.token()) == null ? Status.SESSION_INVALID : Status.SUCCESS;
    }

    synchronized Reply follow(Session session, long requestNo, long targetId) {
        return write(session, requestNo, user -> {
            if (!users.contains(targetId)) {
                return Reply.of(Status.INVALID_USERNAME);
            }
            if (targetId == user || !followeesByUser.computeIfAbsent(user, u -> new LinkedHashSet<>()).add(targetId)) {
                return Reply.of(Status.ALREADY_EXISTS);
            }
            return Reply.of(Status.SUCCESS);
        });
    }

    synchronized Reply unfollow(Session session, long requestNo, long targetId) {
        return write(session, requestNo, user -> {
            if (!users.contains(targetId) || targetId == user) {
                return Reply.of(Status.INVALID_USERNAME);
            }
            if (!followeesByUser.getOrDefault(user, Set.of()).contains(targetId)) {
                return Reply.of(Status.NOT_A_FOLLOWER);
            }
            followeesByUser.get(user).remove(targetId);
            return Reply.of(Status.SUCCESS);
        });
    }

    synchronized Reply post(Session session, long requestNo, String text) {
        return write(session, requestNo, author -> {
            if (text.isEmpty() || text.codePointCount(0, text.length()) > 280) {
                return Reply.of(Status.INVALID_COMMAND);
            }
            long seq = postCountByAuthor.merge(author, 1L, Long::sum);
            PostView post = new PostView(author, seq, clockMillis += 1000, text);
            for (Map.Entry<Long, Set<Long>> follower : followeesByUser.entrySet()) {
                if (follower.getValue().contains(author)) {
                    timelineByUser.computeIfAbsent(follower.getKey(), u -> new ArrayList<>()).add(post);
                    for (Consumer<List<PostView>> subscriber : subscribersByUser.getOrDefault(follower.getKey(),
                            List.of())) {
                        subscriber.accept(List.of(post));
                    }
                }
            }
            return new Reply(Status.SUCCESS, seq, null);
        });
    }

    /** A post by someone else, as another client would make it. */
    synchronized void postAs(long author, String text) {
        Session session = sessionsByToken.entrySet().stream().filter(e -> e.getValue().userId == author)
                .map(e -> new Session(author, e.getKey())).findFirst()
                .orElseThrow(() -> new IllegalStateException("user " + author + " not logged in"));
        SessionState state = sessionsByToken.get(session.token());
        Reply reply = post(session, state.lastRequestNo + 1, text);
        if (!reply.ok()) {
            throw new IllegalStateException("post failed: " + reply);
        }
    }

    /** Creates users as their first login would (and logs them out again). */
    synchronized void createUsers(long... ids) {
        for (long id : ids) {
            logout(login(id).session());
        }
    }

    synchronized ListReply list(Session session) {
        SessionState state = known(session);
        if (state == null) {
            return new ListReply(invalid(session), List.of(), List.of());
        }
        List<Long> followers = new ArrayList<>();
        followeesByUser.forEach((follower, followees) -> {
            if (followees.contains(state.userId)) {
                followers.add(follower);
            }
        });
        // Deliberately unsorted: the client must sort.
        List<Long> all = new ArrayList<>(users);
        java.util.Collections.reverse(all);
        java.util.Collections.reverse(followers);
        return new ListReply(Status.SUCCESS, all, followers);
    }

    synchronized TimelineReply timeline(Session session, int limit) {
        SessionState state = known(session);
        if (state == null) {
            return new TimelineReply(invalid(session), List.of());
        }
        List<PostView> posts = timelineByUser.getOrDefault(state.userId, List.of());
        return new TimelineReply(Status.SUCCESS,
                List.copyOf(posts.subList(Math.max(0, posts.size() - limit), posts.size())));
    }

    synchronized Status subscribe(Session session, Consumer<List<PostView>> sink, PostView after) {
        SessionState state = known(session);
        if (state == null) {
            return invalid(session);
        }
        subscribersByUser.computeIfAbsent(state.userId, u -> new ArrayList<>()).add(sink);
        if (after != null) {
            List<PostView> posts = timelineByUser.getOrDefault(state.userId, List.of());
            int shown = posts.indexOf(after);
            if (shown + 1 < posts.size()) {
                sink.accept(List.copyOf(posts.subList(shown + 1, posts.size())));
            }
        }
        return Status.SUCCESS;
    }

    /** The subscribing server died: its pushes stop. */
    synchronized void dropSubscriptions(long userId) {
        subscribersByUser.remove(userId);
    }

    private SessionState known(Session session) {
        SessionState state = sessionsByToken.get(session.token());
        return state != null && state.userId == session.userId() ? state : null;
    }

    @FunctionalInterface
    private interface Write {
        Reply apply(long userId);
    }

    /** Exactly once per request number, as DESIGN.md §5 asks of the real state machine. */
    private Reply write(Session session, long requestNo, Write write) {
        SessionState state = known(session);
        if (state == null) {
            return Reply.of(invalid(session));
        }
        if (requestNo == state.lastRequestNo) {
            return state.lastReply;
        }
        if (requestNo < state.lastRequestNo) {
            return Reply.of(Status.STALE_REQUEST);
        }
        Reply reply = write.apply(state.userId);
        state.lastRequestNo = requestNo;
        state.lastReply = reply;
        return reply;
    }
}
