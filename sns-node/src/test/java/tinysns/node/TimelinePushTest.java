package tinysns.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import tinysns.api.PostView;
import tinysns.api.TimelineListener;

/** A subscription dropped by a step-down is remembered until its client subscribes again (issue 11). */
class TimelinePushTest {
    @Test
    void aDroppedSubscriberIsToldToSubscribeAgainUntilItDoes() {
        try (TimelinePush push = new TimelinePush(2, 10)) {
            List<List<PostView>> received = new CopyOnWriteArrayList<>();
            TimelineListener listener = received::add;
            push.subscribe(5, listener, List::of);
            assertFalse(push.wasDropped(5));
            push.dropAll("no longer the master");
            assertTrue(push.wasDropped(5), "a keep-alive of user 5 now answers NOT_SUBSCRIBED");
            assertFalse(push.wasDropped(6), "a user that never subscribed is not told to");
            assertEquals(0, push.subscriberCount());
            push.subscribe(5, listener, List::of);
            assertFalse(push.wasDropped(5), "subscribed again");
            assertEquals(1, push.subscriberCount());
        }
    }
}
