package tinysns.cli.client;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import tinysns.api.PostView;

/**
 * What timeline mode has shown: it hands every post to the display exactly once, in arrival order, and remembers the
 * last one so that a re-subscription after a failover can ask for "everything after it".
 *
 * <p>Subscribing and reading the newest posts are two calls, and a post committed between them can come back from both.
 * So while a (re)subscription is in progress the feed holds pushed posts back ({@link #hold()}); {@link #release}
 * shows the posts read by the call first, then the held ones, skipping any already shown. A server that pushes a
 * post twice (an old master still alive after a failover) is harmless for the same reason.
 */
public final class TimelineFeed {
    /** Duplicates only come from the overlap around a (re)subscription, so remembering the recent ids suffices. */
    private static final int REMEMBERED_IDS_MAX = 4096;

    private final Consumer<PostView> display;
    private final LinkedHashSet<PostId> shownIds = new LinkedHashSet<>();
    private final List<PostView> held = new ArrayList<>();
    private boolean holding;
    private boolean closed;
    private PostView lastShown;

    public TimelineFeed(Consumer<PostView> display) {
        this.display = Objects.requireNonNull(display, "display");
    }

    /** Pushed posts are kept back until {@link #release}. */
    public synchronized void hold() {
        holding = true;
    }

    /** Shows {@code readFirst} (posts fetched by the subscriber itself), then everything held; stops holding. */
    public synchronized void release(List<PostView> readFirst) {
        if (closed) {
            return;
        }
        showUnseen(readFirst);
        List<PostView> pending = new ArrayList<>(held);
        held.clear();
        holding = false;
        showUnseen(pending);
    }

    /** Posts pushed by the server, in commit order. */
    public synchronized void accept(List<PostView> pushed) {
        if (closed) {
            return;
        }
        if (holding) {
            held.addAll(pushed);
        } else {
            showUnseen(pushed);
        }
    }

    /** Drops what is held and ignores every later push. */
    public synchronized void close() {
        closed = true;
        held.clear();
    }

    /** The last post shown, or null if none yet. */
    public synchronized PostView lastShown() {
        return lastShown;
    }

    private void showUnseen(List<PostView> posts) {
        for (PostView post : posts) {
            if (post != null && shownIds.add(new PostId(post.authorId(), post.seq()))) {
                forgetOldestIdsBeyondLimit();
                lastShown = post;
                display.accept(post);
            }
        }
    }

    private void forgetOldestIdsBeyondLimit() {
        Iterator<PostId> oldest = shownIds.iterator();
        while (shownIds.size() > REMEMBERED_IDS_MAX) {
            oldest.next();
            oldest.remove();
        }
    }

    private record PostId(long authorId, long seq) {
    }
}
