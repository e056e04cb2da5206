package tinysns.cli.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tinysns.cli.bench.load.OperationMix.Op;

class LoadRunTest {
    /** A target whose every operation takes a fixed time and which counts what it was asked. */
    private static final class SlowTarget implements LoadTarget {
        final long sleepMillis;
        final AtomicLong calls = new AtomicLong();
        final Map<Integer, String> threadOfUser = new ConcurrentHashMap<>();
        final Set<Integer> usersSeen = ConcurrentHashMap.newKeySet();
        final AtomicInteger sharedUsers = new AtomicInteger();

        SlowTarget(long sleepMillis) {
            this.sleepMillis = sleepMillis;
        }

        private String act(int user) throws InterruptedException {
            usersSeen.add(user);
            String previous = threadOfUser.putIfAbsent(user, Thread.currentThread().getName());
            if (previous != null && !previous.equals(Thread.currentThread().getName())) {
                sharedUsers.incrementAndGet();
            }
            calls.incrementAndGet();
            Thread.sleep(sleepMillis);
            return null;
        }

        @Override
        public String homeTimeline(int user) throws Exception {
            return act(user);
        }

        @Override
        public String userTimeline(int user, int author) throws Exception {
            return act(user);
        }

        @Override
        public String post(int user, String text, long intendedNanos) throws Exception {
            if (text.length() != 40) {
                return "BAD_TEXT";
            }
            return act(user);
        }
    }

    @Test
    void anOpenLoopMeasuresFromTheIntendedTimeSoQueueingShows() throws Exception {
        // One client, 100 ops/s offered, each op takes 30 ms: the system can do ~33/s, so the queue grows and the
        // latency of the k-th op is about k * 20 ms. A closed loop would report ~30 ms throughout.
        SlowTarget target = new SlowTarget(30);
        LoadRun.Settings settings = new LoadRun.Settings(OperationMix.DEFAULT, 1, 100, Duration.ZERO,
                Duration.ofSeconds(2), 40, 1);
        LatencyRecorder recorder = new LoadRun(settings, target, new int[]{0, 1, 2}, null).run(i -> { });
        long count = 0;
        long maxMicros = 0;
        for (Op op : Op.values()) {
            count += recorder.total(op).getTotalCount();
            maxMicros = Math.max(maxMicros, recorder.total(op).getMaxValue());
        }
        assertTrue(count >= 20 && count <= 75, "about 2 s / 30 ms operations ran: " + count);
        assertTrue(maxMicros > TimeUnit.MILLISECONDS.toMicros(800),
                "the last operations waited ~1 s behind their schedule: max " + maxMicros + " µs");
        assertEquals(0, target.sharedUsers.get());
    }

    @Test
    void aClosedLoopMeasuresServiceTimeAndEveryUserStaysOnOneThread() throws Exception {
        SlowTarget target = new SlowTarget(5);
        int[] users = new int[40];
        for (int i = 0; i < users.length; i++) {
            users[i] = i * 3; // e.g. the users of one cluster
        }
        LoadRun.Settings settings = new LoadRun.Settings(OperationMix.DEFAULT, 8, 0, Duration.ofMillis(300),
                Duration.ofSeconds(2), 40, 2);
        AtomicInteger intervals = new AtomicInteger();
        LatencyRecorder recorder = new LoadRun(settings, target, users, null).run(i -> intervals.incrementAndGet());
        long count = 0;
        for (Op op : Op.values()) {
            count += recorder.total(op).getTotalCount();
            assertTrue(recorder.total(op).getValueAtPercentile(50) >= 4_500
                            && recorder.total(op).getValueAtPercentile(50) < 30_000,
                    op + " p50 near the 5 ms service time: " + recorder.total(op).getValueAtPercentile(50));
            assertEquals(0, recorder.errors(op), "texts have the asked length");
        }
        assertTrue(count > 8 * 2_000 / 5 / 3, "eight clients kept busy: " + count);
        assertTrue(target.calls.get() > count, "warm-up operations ran but are not counted");
        assertEquals(0, target.sharedUsers.get(), "a user's requests stay in order on one thread");
        assertTrue(intervals.get() >= 2 && intervals.get() <= 3, "one interval a second: " + intervals.get());
        for (int user : target.usersSeen) {
            assertEquals(0, user % 3, "only acting users act");
        }
    }

    @Test
    void theOpenLoopScheduleInterleavesWorkersOnOneClock() {
        long start = 1_000_000_000L;
        Pacer a = Pacer.openLoop(1000, 2, 0, start);
        Pacer b = Pacer.openLoop(1000, 2, 1, start);
        assertEquals(start, a.next(0));
        assertEquals(start + 1_000_000, b.next(0));
        assertEquals(start + 2_000_000, a.next(Long.MAX_VALUE), "the schedule ignores how late the worker is");
        assertEquals(start + 3_000_000, b.next(0));
        assertEquals(123, Pacer.closedLoop().next(123));
    }
}
