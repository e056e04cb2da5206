package tinysns.cli.client;

import java.util.List;
import java.util.function.Consumer;

import tinysns.api.ListReply;
import tinysns.api.LoginReply;
import tinysns.api.PostView;
import tinysns.api.Reply;
import tinysns.api.ServerAddress;
import tinysns.api.Session;
import tinysns.api.Status;
import tinysns.api.TimelineReply;

/**
 * The client's link to its cluster, as small as the engine needs it. {@link RmiConnection} is the real one (coordinator
 * lookup, then the master's {@code NodeService}); tests use an in-memory one. Every call except {@link #connect} fails
 * with {@link ConnectionLostException} when the current server cannot be reached; the engine then calls
 * {@link #connect} again and retries.
 */
public interface Connection extends AutoCloseable {
    /**
     * Asks the coordinator for the master of {@code userId}'s cluster and makes it the target of every later call.
     *
     * @return where the calls now go
     */
    ServerAddress connect(long userId) throws ConnectFailure;

    LoginReply login(long userId) throws ConnectionLostException;

    Status keepAlive(Session session) throws ConnectionLostException;

    Status logout(Session session) throws ConnectionLostException;

    Reply follow(Session session, long requestNo, long targetId) throws ConnectionLostException;

    Reply unfollow(Session session, long requestNo, long targetId) throws ConnectionLostException;

    Reply post(Session session, long requestNo, String text) throws ConnectionLostException;

    ListReply list(Session session) throws ConnectionLostException;

    TimelineReply timeline(Session session, int limit) throws ConnectionLostException;

    /**
     * Subscribes to the current server's pushes of the caller's timeline posts newer than {@code after} (null: from now
     * on). The same {@code sink} may be subscribed again after a reconnect; pushes may arrive on any thread.
     */
    Status subscribe(Session session, Consumer<List<PostView>> sink, PostView after) throws ConnectionLostException;

    /** Releases what the connection holds (an exported callback object keeps a JVM alive). Never throws. */
    @Override
    void close();
}
