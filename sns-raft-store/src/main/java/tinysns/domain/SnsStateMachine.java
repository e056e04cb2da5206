package tinysns.domain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tinysns.api.ListReply;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineReply;
import tinysns.domain.Records.FollowRecord;
import tinysns.domain.Records.Followers;
import tinysns.domain.Records.LeaderStartRecord;
import tinysns.domain.Records.MetaRecord;
import tinysns.domain.Records.PostRecord;
import tinysns.domain.Records.SessionRecord;
import tinysns.domain.Records.UserRecord;
import tinysns.kv.KvReader;
import tinysns.kv.KvWriter;

/**
 * A cluster's whole domain: users, follows, posts, timelines, sessions, the outbox and the cursors of other
 * clusters (DESIGN.md §3-§5), as a deterministic function of the commands applied in order. It knows nothing of
 * Raft, RocksDB, RMI or clocks: state lives behind {@link KvWriter}, time comes stamped inside each command.
 *
 * <p>Every refused command changes nothing at all. Every accepted local change that other clusters must know is
 * appended to the outbox in the same command, so the event exists exactly when the change does.
 */
public final class SnsStateMachine {
    /** A timeline read returns at most this many posts, however many are asked for. */
    public static final int MAX_TIMELINE_READ = 1000;

    private final DomainConfig config;

    public SnsStateMachine(DomainConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public DomainConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ writes

    /** Applies one command to the state in {@code tx}. Refused commands leave {@code tx} untouched. */
    public Applied apply(Command command, KvWriter tx) {
        if (command == null) {
            return refuse(Status.INVALID_COMMAND, "no command");
        }
        Step step = new Step(ownMeta(tx), command.stampMillis());
        Applied applied = dispatch(command, step, tx);
        if (step.changed) {
            // The one write of the cluster's meta record, however many outbox events the command appended.
            tx.put(Keys.META_STATE, step.encode(config));
        }
        return applied;
    }

    private Applied dispatch(Command command, Step step, KvWriter tx) {
        if (command instanceof LoginCommand login) {
            return login(login, step, tx);
        }
        if (command instanceof IngestCommand ingest) {
            return ingest(ingest, step, tx);
        }
        if (command instanceof SessionCommand write) {
            return sessionWrite(write, step, tx);
        }
        if (command instanceof LeaderStartCommand) {
            return leaderStart(step, tx);
        }
        return refuse(Status.INVALID_COMMAND, "unknown command " + command.getClass().getSimpleName());
    }

    /**
     * The cluster-wide values every command needs (clock, outbox head, and the identity behind them), read once per
     * command and written at most once, by the command's first state change ({@link Step#tick}).
     */
    private static final class Step {
        /** The cluster's clock never runs backwards, even across a leader change to a node whose clock is behind. */
        final long now;
        /** The cluster clock before this command: the stamp of the newest command applied before it. */
        final long clockBefore;
        long outboxHead;
        boolean changed;

        Step(MetaRecord meta, long stampMillis) {
            this.now = Math.max(stampMillis, meta == null ? 0 : meta.clockMillis());
            this.clockBefore = meta == null ? now : meta.clockMillis();
            this.outboxHead = meta == null ? 0 : meta.outboxHead();
        }

        /** Called once by every command that changes state, before its first other write. */
        void tick() {
            changed = true;
        }

        byte[] encode(DomainConfig config) {
            return new MetaRecord(config.clusterId(), config.clusterCount(), now, outboxHead).encode();
        }
    }

    private Applied login(LoginCommand c, Step step, KvWriter tx) {
        long now = step.now;
        long userId = c.userId();
        if (userId <= 0) {
            return refuse(Status.INVALID_COMMAND, "user id must be a positive integer, got " + userId);
        }
        if (!config.isLocal(userId)) {
            return refuse(Status.WRONG_CLUSTER, "user " + userId + " lives in cluster " + config.homeCluster(userId));
        }
        if (c.token() == null || c.token().length() < 16 || c.token().length() > 128) {
            return refuse(Status.INVALID_COMMAND, "a session token must be 16 to 128 characters");
        }
        if (tx.get(Keys.session(c.token())) != null) {
            return refuse(Status.INVALID_COMMAND, "session token already in use");
        }
        if (c.exclusive() && held(tx, userId, now)) {
            return refuse(Status.ALREADY_LOGGED_IN, "user " + userId + " is logged in on a client that is still alive");
        }
        step.tick();
        if (tx.get(Keys.user(userId)) == null) {
            tx.put(Keys.user(userId), new UserRecord(config.clusterId(), now, 0).encode());
            appendOutbox(new OutboxEvent(0, OutboxEvent.Type.USER, userId, 0, 0, now, null), step, tx);
        }
        // One session per user keeps the session table bounded by the number of users.
        byte[] previous = tx.get(Keys.userSession(userId));
        if (previous != null) {
            tx.delete(Keys.session(new String(previous, StandardCharsets.UTF_8)));
            if (c.exclusive()) {
                // So that the replaced client is told why (SESSION_REPLACED), not "unknown or expired"; one per user.
                tx.put(Keys.replacedSession(userId), previous);
            }
        }
        tx.put(Keys.session(c.token()), new SessionRecord(userId, 0, now, Status.SUCCESS, 0).encode());
        tx.put(Keys.userSession(userId), c.token().getBytes(StandardCharsets.UTF_8));
        return Applied.of(Reply.of(Status.SUCCESS));
    }

    private Applied sessionWrite(SessionCommand c, Step step, KvWriter tx) {
        long now = step.now;
        SessionRecord session = validSession(tx, c.userId(), c.token(), now);
        if (session == null) {
            Status status = invalidSessionStatus(tx, c.userId(), c.token());
            return refuse(status, status == Status.SESSION_REPLACED
                    ? "user " + c.userId() + " logged in from another client, which replaced this session"
                    : "not logged in as user " + c.userId() + " (unknown or expired session)");
        }
        if (c instanceof LogoutCommand) {
            step.tick();
            tx.delete(Keys.session(c.token()));
            tx.delete(Keys.userSession(c.userId()));
            return Applied.of(Reply.of(Status.SUCCESS));
        }
        if (c instanceof TouchCommand) {
            step.tick();
            tx.put(Keys.session(c.token()), new SessionRecord(session.userId(), session.lastRequestNo(), now,
                    session.lastStatus(), session.lastPostSeq()).encode());
            return Applied.of(Reply.of(Status.SUCCESS));
        }
        if (c.requestNo() <= 0) {
            return refuse(Status.INVALID_COMMAND, "request numbers start at 1");
        }
        if (c.requestNo() == session.lastRequestNo()) {
            return Applied.of(session.lastReply()); // a retry: the first reply, nothing applied again
        }
        if (c.requestNo() < session.lastRequestNo()) {
            return refuse(Status.STALE_REQUEST, "request " + c.requestNo() + " is older than the last one applied ("
                    + session.lastRequestNo() + ")");
        }
        Applied applied;
        if (c instanceof FollowCommand f) {
            applied = follow(c.userId(), f.targetId(), step, tx);
        } else if (c instanceof UnfollowCommand u) {
            applied = unfollow(c.userId(), u.targetId(), step, tx);
        } else if (c instanceof PostCommand p) {
            applied = post(c.userId(), p.text(), step, tx);
        } else {
            return refuse(Status.INVALID_COMMAND, "unknown command " + c.getClass().getSimpleName());
        }
        if (applied.reply().ok()) {
            // Only applied requests are remembered: a refused one changed nothing, so repeating it is harmless.
            tx.put(Keys.session(c.token()), new SessionRecord(session.userId(), c.requestNo(), now, Status.SUCCESS,
                    applied.reply().postSeq()).encode());
        }
        return applied;
    }

    /**
     * Records the new leader's start. It moves neither the cluster clock nor anything else, so "the clock before" a
     * start is always the stamp of the last other command, however many starts came in between (leadership changing
     * hands again before anything was written, or one start proposed twice), and a restart that only elects leaders
     * leaves the state's {@link #digest} as it was.
     */
    private Applied leaderStart(Step step, KvWriter tx) {
        tx.put(Keys.META_LEADER_START, new LeaderStartRecord(step.now, step.clockBefore).encode());
        return Applied.of(Reply.of(Status.SUCCESS));
    }

    /**
     * The login rule, in its one home (DESIGN.md §5 and §10): whether a live client holds {@code userId}'s session at
     * {@code now}. Judged only from replicated stamps, so the replicas and every later leader agree, and a failover
     * does not make a live client look gone:
     * <ul>
     *   <li>the session was stamped (by a write or a keep-alive's touch) less than {@code liveClientMillis} ago; or</li>
     *   <li>a leader started less than {@code liveClientMillis} ago and the session was live by the first rule when
     *       the cluster last committed before that start: its client gets that long to reach the new leader, however
     *       long the failover took ({@link LeaderStartCommand}).</li>
     * </ul>
     * A client that died is gone {@code liveClientMillis} after its last stamp, or after a leader start that came in
     * between. An expired session is held by no one.
     */
    private boolean held(KvReader state, long userId, long now) {
        byte[] token = state.get(Keys.userSession(userId));
        byte[] value = token == null ? null : state.get(Keys.session(new String(token, StandardCharsets.UTF_8)));
        if (value == null) {
            return false;
        }
        long stamped = SessionRecord.decode(value).lastActiveMillis();
        if (now - stamped > config.sessionTtlMillis()) {
            return false; // expired: no client can use it, live or not
        }
        long bound = config.liveClientMillis();
        if (now - stamped < bound) {
            return true;
        }
        byte[] raw = state.get(Keys.META_LEADER_START);
        if (raw == null) {
            return false;
        }
        LeaderStartRecord leader = LeaderStartRecord.decode(raw);
        return now - leader.startMillis() < bound && stamped > leader.clockBeforeMillis() - bound;
    }

    /** Why {@code token} is not a valid session of {@code userId}: replaced by a newer login, or anything else. */
    private static Status invalidSessionStatus(KvReader state, long userId, String token) {
        byte[] replaced = token == null || userId <= 0 ? null : state.get(Keys.replacedSession(userId));
        return replaced != null && new String(replaced, StandardCharsets.UTF_8).equals(token)
                ? Status.SESSION_REPLACED : Status.SESSION_INVALID;
    }

    private Applied follow(long userId, long targetId, Step step, KvWriter tx) {
        long now = step.now;
        if (targetId == userId) {
            return refuse(Status.ALREADY_EXISTS, "you cannot follow yourself");
        }
        UserRecord target = targetId > 0 ? user(tx, targetId) : null;
        if (target == null) {
            return refuse(Status.INVALID_USERNAME, "no user " + targetId);
        }
        if (tx.get(Keys.following(userId, targetId)) != null) {
            return refuse(Status.ALREADY_EXISTS, "you already follow " + targetId);
        }
        step.tick();
        putFollow(userId, targetId, now, target, tx);
        appendOutbox(new OutboxEvent(0, OutboxEvent.Type.FOLLOW, userId, targetId, 0, now, null), step, tx);
        return Applied.of(Reply.of(Status.SUCCESS));
    }

    private Applied unfollow(long userId, long targetId, Step step, KvWriter tx) {
        long now = step.now;
        UserRecord target = targetId > 0 && targetId != userId ? user(tx, targetId) : null;
        if (target == null) {
            return refuse(Status.INVALID_USERNAME, targetId == userId ? "you cannot unfollow yourself" : "no user " + targetId);
        }
        byte[] edge = tx.get(Keys.following(userId, targetId));
        if (edge == null) {
            return refuse(Status.NOT_A_FOLLOWER, "you do not follow " + targetId);
        }
        step.tick();
        removeFollow(userId, targetId, FollowRecord.decode(edge), target, tx);
        appendOutbox(new OutboxEvent(0, OutboxEvent.Type.UNFOLLOW, userId, targetId, 0, now, null), step, tx);
        return Applied.of(Reply.of(Status.SUCCESS));
    }

    private Applied post(long author, String text, Step step, KvWriter tx) {
        long now = step.now;
        String problem = PostText.problem(text, config.maxPostChars());
        if (problem != null) {
            return refuse(Status.INVALID_COMMAND, problem);
        }
        UserRecord user = user(tx, author);
        if (user == null) {
            return refuse(Status.INVALID_USERNAME, "no user " + author);
        }
        step.tick();
        long seq = user.lastPostSeq() + 1;
        List<Delivery> deliveries = storePost(author, seq, now, text, user, tx);
        appendOutbox(new OutboxEvent(0, OutboxEvent.Type.POST, author, 0, seq, now, text), step, tx);
        return new Applied(new Reply(Status.SUCCESS, seq, null), deliveries);
    }

    private Applied ingest(IngestCommand c, Step step, KvWriter tx) {
        int origin = c.originCluster();
        if (origin < 1 || origin > config.clusterCount() || origin == config.clusterId()) {
            return refuse(Status.INVALID_COMMAND, "unknown origin cluster " + origin + " (this is cluster "
                    + config.clusterId() + " of " + config.clusterCount() + ")");
        }
        List<OutboxEvent> events = c.events();
        if (events == null) {
            return refuse(Status.INVALID_COMMAND, "a batch needs a list of events");
        }
        for (int i = 0; i < events.size(); i++) {
            String problem = eventProblem(events.get(i), origin);
            if (problem == null && i > 0 && events.get(i).seq() != events.get(i - 1).seq() + 1) {
                problem = "events are not consecutive";
            }
            if (problem != null) {
                return refuse(Status.INVALID_COMMAND, "event " + i + " of the batch from cluster " + origin + ": " + problem);
            }
        }
        long cursor = cursor(tx, origin);
        if (events.isEmpty() || events.get(events.size() - 1).seq() <= cursor) {
            return Applied.of(new Reply(Status.SUCCESS, cursor, null)); // all seen before: exactly once
        }
        if (events.get(0).seq() > cursor + 1) {
            return refuse(Status.SYNC_GAP, "cluster " + config.clusterId() + " has applied cluster " + origin
                    + "'s events up to " + cursor + ", the batch starts at " + events.get(0).seq());
        }
        step.tick();
        List<Delivery> deliveries = new ArrayList<>();
        for (OutboxEvent e : events) {
            if (e.seq() > cursor) {
                applyRemote(e, origin, tx, deliveries);
            }
        }
        long last = events.get(events.size() - 1).seq();
        tx.put(Keys.cursor(origin), Records.encodeLong(last));
        return new Applied(new Reply(Status.SUCCESS, last, null), deliveries);
    }

    private String eventProblem(OutboxEvent e, int origin) {
        if (e == null || e.type() == null) {
            return "missing event or type";
        }
        if (e.seq() <= 0) {
            return "outbox numbers start at 1";
        }
        if (e.userId() <= 0 || DomainConfig.homeCluster(e.userId(), config.clusterCount()) != origin) {
            return "user " + e.userId() + " does not live in cluster " + origin;
        }
        return switch (e.type()) {
            case USER -> null;
            case FOLLOW, UNFOLLOW -> e.targetId() > 0 && e.targetId() != e.userId() ? null : "bad followee " + e.targetId();
            case POST -> e.postSeq() <= 0 ? "post numbers start at 1" : PostText.problem(e.text(), config.maxPostChars());
        };
    }

    private void applyRemote(OutboxEvent e, int origin, KvWriter tx, List<Delivery> deliveries) {
        switch (e.type()) {
            case USER -> {
                if (tx.get(Keys.user(e.userId())) == null) {
                    tx.put(Keys.user(e.userId()), new UserRecord(origin, e.stampMillis(), 0).encode());
                }
            }
            case FOLLOW -> {
                if (tx.get(Keys.following(e.userId(), e.targetId())) == null) {
                    putFollow(e.userId(), e.targetId(), e.stampMillis(), user(tx, e.targetId()), tx);
                }
            }
            case UNFOLLOW -> {
                byte[] edge = tx.get(Keys.following(e.userId(), e.targetId()));
                if (edge != null) {
                    removeFollow(e.userId(), e.targetId(), FollowRecord.decode(edge), user(tx, e.targetId()), tx);
                }
            }
            case POST -> {
                UserRecord author = user(tx, e.userId());
                if (author == null) { // its USER event precedes it in the origin's outbox; this is belt and braces
                    author = new UserRecord(origin, e.stampMillis(), 0);
                }
                deliveries.addAll(storePost(e.userId(), e.postSeq(), e.stampMillis(), e.text(), author, tx));
            }
        }
    }

    // ------------------------------------------------------------------ shared state changes

    private void putFollow(long follower, long followee, long stampMillis, UserRecord target, KvWriter tx) {
        long firstPostSeq = (target == null ? 0 : target.lastPostSeq()) + 1;
        tx.put(Keys.following(follower, followee), new FollowRecord(stampMillis, firstPostSeq).encode());
        byte[] key = Keys.followers(followee);
        tx.put(key, Followers.with(tx.get(key), follower, stampMillis));
    }

    /** Removes the edge and, for a local follower, the followee's posts from the follower's timeline. */
    private void removeFollow(long follower, long followee, FollowRecord edge, UserRecord target, KvWriter tx) {
        tx.delete(Keys.following(follower, followee));
        byte[] key = Keys.followers(followee);
        byte[] rest = Followers.without(tx.get(key), follower);
        if (rest == null) {
            tx.delete(key);
        } else {
            tx.put(key, rest);
        }
        if (!config.isLocal(follower) || target == null) {
            return;
        }
        for (long seq = edge.firstPostSeq(); seq <= target.lastPostSeq(); seq++) {
            byte[] post = tx.get(Keys.post(followee, seq));
            if (post != null) {
                tx.delete(Keys.timeline(follower, PostRecord.decode(post).stampMillis(), followee, seq));
            }
        }
    }

    /**
     * Stores a post and puts it into the timeline of every local follower who followed its author no later than the
     * post was made. Comparing the two stamps (not arrival order) makes every cluster decide alike.
     */
    private List<Delivery> storePost(long author, long seq, long stampMillis, String text, UserRecord user,
                                     KvWriter tx) {
        tx.put(Keys.post(author, seq), new PostRecord(stampMillis, text).encode());
        if (seq > user.lastPostSeq()) {
            tx.put(Keys.user(author), user.withLastPostSeq(seq).encode());
        }
        byte[] followers = tx.get(Keys.followers(author));
        int count = Followers.count(followers);
        if (count == 0) {
            return List.of();
        }
        PostView view = new PostView(author, seq, stampMillis, text);
        List<Delivery> deliveries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long follower = Followers.follower(followers, i);
            if (config.isLocal(follower) && Followers.stampMillis(followers, i) <= stampMillis) {
                deliveries.add(new Delivery(follower, view));
                tx.put(Keys.timeline(follower, stampMillis, author, seq), Records.EMPTY);
            }
        }
        return deliveries;
    }

    private void appendOutbox(OutboxEvent e, Step step, KvWriter tx) {
        if (!step.changed) {
            throw new IllegalStateException("an outbox event before the command's tick");
        }
        step.outboxHead++;
        tx.put(Keys.outbox(step.outboxHead), Records.encodeEvent(e));
    }

    /**
     * The cluster's meta record, or null for an empty store. Refuses state that belongs to another cluster or another
     * deployment size: applying to it would silently mix two clusters' data. An empty store gets this cluster's
     * identity with its first change.
     */
    private MetaRecord ownMeta(KvReader tx) {
        byte[] raw = tx.get(Keys.META_STATE);
        if (raw == null) {
            return null;
        }
        MetaRecord meta = MetaRecord.decode(raw);
        if (meta.clusterId() != config.clusterId() || meta.clusterCount() != config.clusterCount()) {
            throw new IllegalStateException("this state belongs to cluster " + meta.clusterId() + " of "
                    + meta.clusterCount() + ", not cluster " + config.clusterId() + " of " + config.clusterCount());
        }
        return meta;
    }

    private static Applied refuse(Status status, String detail) {
        return Applied.of(Reply.of(status, detail));
    }

    // ------------------------------------------------------------------ reads

    /**
     * Throws {@link IllegalStateException} with a clear message if {@code state} belongs to another cluster; a node
     * calls this when it opens its data directory, before it serves anything.
     */
    public void verifyOwnership(KvReader state) {
        if (state.get(Keys.LEGACY_IDENTITY) != null) {
            throw new IllegalStateException("this state was written with an older key layout (before the meta record"
                    + " and packed followers); start from an empty data directory");
        }
        ownMeta(state);
    }

    /**
     * SUCCESS if {@code session} is a live session of its user; SESSION_REPLACED if it was and a newer login of the user
     * replaced it; else SESSION_INVALID (unknown, expired, logged out, or another user's). Expiry is judged by the
     * cluster's clock (the newest command stamp applied), the same on every replica.
     */
    public Status checkSession(KvReader state, Session session) {
        return checkSession(state, session, Long.MIN_VALUE);
    }

    /**
     * As {@link #checkSession(KvReader, Session)}, judging expiry at {@code nowMillis} if that is later than the
     * cluster's clock: the master passes its wall clock, so a session expires for reads even while nothing is written.
     */
    public Status checkSession(KvReader state, Session session, long nowMillis) {
        if (session == null) {
            return Status.SESSION_INVALID;
        }
        return liveSession(state, session, nowMillis) != null
                ? Status.SUCCESS : invalidSessionStatus(state, session.userId(), session.token());
    }

    /**
     * {@link #validSession} at {@code nowMillis} or the cluster's clock, whichever is later, with the meta record and
     * the session read in one {@link KvReader#getAll} (every read of a client checks its session: one store call, not
     * two).
     */
    private SessionRecord liveSession(KvReader state, Session session, long nowMillis) {
        if (session.token() == null || session.userId() <= 0) {
            return null;
        }
        List<byte[]> values = state.getAll(List.of(Keys.META_STATE, Keys.session(session.token())));
        long now = Math.max(nowMillis, clusterClockMillis(values.get(0)));
        return validSession(values.get(1), session.userId(), now);
    }

    /**
     * The login rule ({@link #held}) at {@code nowMillis} or the cluster's clock, whichever is later: a node asks it
     * before proposing a login, so that a refused one costs no Raft entry. The login command applies the same rule
     * again; that is the decision.
     */
    public boolean heldByLiveClient(KvReader state, long userId, long nowMillis) {
        return userId > 0 && held(state, userId, Math.max(nowMillis, clusterClockMillis(state.get(Keys.META_STATE))));
    }

    /**
     * True if {@code session} is valid at {@code nowMillis} and has been idle (by its last-active stamp) for at least
     * {@link DomainConfig#touchAfterMillis()}: a keep-alive of its client should then propose a {@link TouchCommand}.
     */
    public boolean sessionNeedsTouch(KvReader state, Session session, long nowMillis) {
        if (session == null) {
            return false;
        }
        long now = Math.max(nowMillis, clusterClockMillis(state.get(Keys.META_STATE)));
        SessionRecord s = validSession(state, session.userId(), session.token(), now);
        return s != null && now - s.lastActiveMillis() >= config.touchAfterMillis();
    }

    private static long clusterClockMillis(byte[] meta) {
        return meta == null ? Long.MIN_VALUE : MetaRecord.decode(meta).clockMillis();
    }

    /** Every user of the whole system and the caller's followers, both ascending. */
    public ListReply list(KvReader state, Session session) {
        Status status = checkSession(state, session);
        if (status != Status.SUCCESS) {
            return new ListReply(status, List.of(), List.of());
        }
        return new ListReply(Status.SUCCESS, users(state), followers(state, session.userId()));
    }

    public List<Long> users(KvReader state) {
        List<Long> users = new ArrayList<>();
        state.scan(Keys.table(Keys.USER), Keys.tableEnd(Keys.USER), (k, v) -> users.add(Keys.longAt(k, 1)));
        return users;
    }

    public List<Long> followers(KvReader state, long userId) {
        byte[] packed = state.get(Keys.followers(userId));
        int count = Followers.count(packed);
        List<Long> followers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            followers.add(Followers.follower(packed, i));
        }
        return followers;
    }

    public List<Long> following(KvReader state, long userId) {
        List<Long> following = new ArrayList<>();
        state.scan(Keys.prefix(Keys.FOLLOWING, userId), Keys.prefixEnd(Keys.FOLLOWING, userId),
                (k, v) -> following.add(Keys.longAt(k, 9)));
        return following;
    }

    /** The newest {@code limit} posts of the caller's timeline, oldest of them first. */
    public TimelineReply timeline(KvReader state, Session session, int limit) {
        Status status = checkSession(state, session);
        if (status != Status.SUCCESS) {
            return new TimelineReply(status, List.of());
        }
        return homeTimeline(state, session.userId(), limit);
    }

    /**
     * {@link #timeline} without the session check, for a caller that has just checked the session in the same view
     * (the node checks it by its own wall clock or the cluster clock, whichever is later: checking again by the cluster
     * clock alone cannot refuse what that check admitted, and costs a store call).
     */
    public TimelineReply homeTimeline(KvReader state, long userId, int limit) {
        if (limit < 1) {
            return new TimelineReply(Status.INVALID_COMMAND, List.of());
        }
        return new TimelineReply(Status.SUCCESS, timelineNewerThan(state, userId, Long.MIN_VALUE, limit));
    }

    /**
     * The newest {@code limit} posts written by {@code authorId} (a "user timeline", as opposed to the caller's home
     * timeline), oldest of them first. The author may live in any cluster: every post is synchronized everywhere.
     */
    public TimelineReply userTimeline(KvReader state, Session session, long authorId, int limit) {
        Status status = checkSession(state, session);
        if (status != Status.SUCCESS) {
            return new TimelineReply(status, List.of());
        }
        return authorTimeline(state, authorId, limit);
    }

    /**
     * {@link #userTimeline} without the session check (see {@link #homeTimeline}). One point read of the author, then
     * one scan of the {@code limit} post numbers below and at the author's last: the cost does not grow with the
     * number of posts. An author's posts are adjacent keys, so the scan reads one or two data blocks where point reads
     * look each key up from the top (measured on RocksDB, 20 posts of one author: scan 11-17 us of CPU, 20 gets or
     * one multiGet 59-76 us). A post can be missing only while an earlier one is still being synchronized; each gap
     * costs one more scan of as many numbers as are still missing, down to {@code 2 * limit} below the last.
     */
    public TimelineReply authorTimeline(KvReader state, long authorId, int limit) {
        if (limit < 1) {
            return new TimelineReply(Status.INVALID_COMMAND, List.of());
        }
        UserRecord author = authorId > 0 ? user(state, authorId) : null;
        if (author == null) {
            return new TimelineReply(Status.INVALID_USERNAME, List.of());
        }
        int max = Math.min(limit, MAX_TIMELINE_READ);
        List<List<PostView>> scans = new ArrayList<>(1); // each ascending, each older than the one before
        int found = 0;
        long lowest = Math.max(1, author.lastPostSeq() - 2L * max); // bounded even if posts were missing
        long next = author.lastPostSeq();
        while (next >= lowest && found < max) {
            long from = next - Math.min(max - found, next - lowest + 1) + 1;
            List<PostView> scanned = new ArrayList<>((int) (next - from + 1));
            state.scan(Keys.post(authorId, from), Keys.post(authorId, next + 1),
                    (k, v) -> scanned.add(view(authorId, Keys.longAt(k, 9), v)));
            scans.add(scanned);
            found += scanned.size();
            next = from - 1;
        }
        List<PostView> posts = new ArrayList<>(found);
        for (int i = scans.size() - 1; i >= 0; i--) {
            posts.addAll(scans.get(i));
        }
        return new TimelineReply(Status.SUCCESS, posts);
    }

    /**
     * The newest {@code limit} timeline posts of {@code userId} stamped at or after {@code minStampMillis}, oldest
     * first. One seek and at most {@code limit} keys, then one {@link KvReader#getAll} of their posts: independent of
     * how many posts exist.
     */
    public List<PostView> timelineNewerThan(KvReader state, long userId, long minStampMillis, int limit) {
        int max = Math.min(limit, MAX_TIMELINE_READ);
        List<long[]> refs = new ArrayList<>(Math.min(max, 64));
        List<byte[]> keys = new ArrayList<>(Math.min(max, 64));
        state.scan(Keys.prefix(Keys.TIMELINE, userId), Keys.prefixEnd(Keys.TIMELINE, userId), (k, v) -> {
            long stamp = Long.MAX_VALUE - Keys.longAt(k, 9);
            if (stamp < minStampMillis) {
                return false;
            }
            long author = Keys.longAt(k, 17);
            long seq = Long.MAX_VALUE - Keys.longAt(k, 25);
            refs.add(new long[]{author, seq});
            keys.add(Keys.post(author, seq));
            return refs.size() < max;
        });
        List<byte[]> values = state.getAll(keys);
        List<PostView> posts = new ArrayList<>(refs.size());
        for (int i = refs.size() - 1; i >= 0; i--) { // oldest first
            if (values.get(i) != null) {
                posts.add(view(refs.get(i)[0], refs.get(i)[1], values.get(i)));
            }
        }
        return posts;
    }

    /** A post by its global id, or null. */
    public PostView post(KvReader state, long author, long seq) {
        byte[] p = state.get(Keys.post(author, seq));
        return p == null ? null : view(author, seq, p);
    }

    private static PostView view(long author, long seq, byte[] postRecord) {
        PostRecord post = PostRecord.decode(postRecord);
        return new PostView(author, seq, post.stampMillis(), post.text());
    }

    public boolean userExists(KvReader state, long userId) {
        return userId > 0 && state.get(Keys.user(userId)) != null;
    }

    /** Outbox events from {@code fromSeq} on, at most {@code max}, in order. */
    public List<OutboxEvent> readOutbox(KvReader state, long fromSeq, int max) {
        List<OutboxEvent> events = new ArrayList<>();
        if (max <= 0) {
            return events;
        }
        state.scan(Keys.outbox(Math.max(1, fromSeq)), Keys.tableEnd(Keys.OUTBOX), (k, v) -> {
            events.add(Records.decodeEvent(Keys.longAt(k, 1), v));
            return events.size() < max;
        });
        return events;
    }

    /** The number of the last event in this cluster's outbox (0 if none). */
    public long outboxHead(KvReader state) {
        byte[] meta = state.get(Keys.META_STATE);
        return meta == null ? 0 : MetaRecord.decode(meta).outboxHead();
    }

    /** The highest outbox number of {@code origin} applied here (0 if none). */
    public long cursor(KvReader state, int origin) {
        return Records.decodeLong(state.get(Keys.cursor(origin)), 0);
    }

    /**
     * SHA-256 over every domain key and value but the newest leader's start: equal digests mean identical state. The
     * leader start is leadership bookkeeping that matters for a few seconds and that every restart rewrites; a digest
     * taken before a restart and after it must agree when nothing else was written.
     */
    public byte[] digest(KvReader state) {
        MessageDigest sha = sha256();
        state.scan(Keys.FIRST, Keys.LAST, (k, v) -> {
            if (java.util.Arrays.equals(k, Keys.META_LEADER_START)) {
                return true;
            }
            sha.update(ByteBuffer.allocate(8).putInt(k.length).putInt(v.length).array());
            sha.update(k);
            sha.update(v);
            return true;
        });
        return sha.digest();
    }

    private static UserRecord user(KvReader state, long userId) {
        byte[] u = state.get(Keys.user(userId));
        return u == null ? null : UserRecord.decode(u);
    }

    private SessionRecord validSession(KvReader state, long userId, String token, long now) {
        if (token == null || userId <= 0) {
            return null;
        }
        return validSession(state.get(Keys.session(token)), userId, now);
    }

    /** The session rule on the stored session record {@code value} (null: no such session). */
    private SessionRecord validSession(byte[] value, long userId, long now) {
        if (value == null) {
            return null;
        }
        SessionRecord s = SessionRecord.decode(value);
        if (s.userId() != userId || now - s.lastActiveMillis() > config.sessionTtlMillis()) {
            return null;
        }
        return s;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

}
