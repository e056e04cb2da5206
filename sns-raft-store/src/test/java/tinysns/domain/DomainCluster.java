package tinysns.domain;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import tinysns.api.ListReply;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.kv.MemoryKv;

/** One cluster's state machine over an in-memory store, driven like a leader would: stamps, tokens, request numbers. */
final class DomainCluster {
    final SnsStateMachine machine;
    final MemoryKv kv = new MemoryKv();
    final List<Command> log = new ArrayList<>();
    /** Wall time shared by every cluster of one test, as on one machine. */
    final WallClock clock;
    private long nextToken = 1;
    private final java.util.Map<Long, Long> requestNo = new java.util.HashMap<>();

    DomainCluster(int clusterId, int clusterCount) {
        this(clusterId, clusterCount, new WallClock());
    }

    DomainCluster(int clusterId, int clusterCount, WallClock clock) {
        this.machine = new SnsStateMachine(DomainConfig.of(clusterId, clusterCount));
        this.clock = clock;
    }

    static final class WallClock {
        long millis = 1_700_000_000_000L;
    }

    Applied apply(Command c) {
        clock.millis += 10;
        c.stamp(clock.millis);
        log.add(c);
        return machine.apply(c, kv);
    }

    Session login(long userId) {
        String token = String.format("token-%012d-%d", nextToken++, userId);
        Reply r = apply(new LoginCommand(userId, token)).reply();
        if (!r.ok()) {
            throw new AssertionError("login of " + userId + " failed: " + r);
        }
        return new Session(userId, token);
    }

    long nextRequest(Session s) {
        return requestNo.merge(s.userId(), 1L, Long::sum);
    }

    Reply follow(Session s, long target) {
        return apply(new FollowCommand(s.userId(), s.token(), nextRequest(s), target)).reply();
    }

    Reply unfollow(Session s, long target) {
        return apply(new UnfollowCommand(s.userId(), s.token(), nextRequest(s), target)).reply();
    }

    Applied post(Session s, String text) {
        return apply(new PostCommand(s.userId(), s.token(), nextRequest(s), text));
    }

    ListReply list(Session s) {
        return machine.list(kv, s);
    }

    List<PostView> timeline(Session s) {
        var reply = machine.timeline(kv, s, 20);
        if (reply.status() != Status.SUCCESS) {
            throw new AssertionError("timeline failed: " + reply.status());
        }
        return reply.posts();
    }

    List<String> timelineTexts(Session s) {
        return timeline(s).stream().map(PostView::text).toList();
    }

    String digest() {
        return HexFormat.of().formatHex(machine.digest(kv));
    }

    /** Delivers this cluster's outbox from the target's cursor on, as a synchronizer would. */
    Reply syncTo(DomainCluster target) {
        int origin = machine.config().clusterId();
        long cursor = target.machine.cursor(target.kv, origin);
        List<OutboxEvent> events = machine.readOutbox(kv, cursor + 1, 1000);
        return target.apply(new IngestCommand(origin, events)).reply();
    }
}
