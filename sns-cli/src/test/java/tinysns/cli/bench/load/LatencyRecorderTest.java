package tinysns.cli.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tinysns.cli.bench.load.OperationMix.Op;

class LatencyRecorderTest {
    @Test
    void everyRecordedOperationIsCountedOnceInTheIntervalsAndTheTotals() throws Exception {
        long origin = System.nanoTime();
        LatencyRecorder recorder = new LatencyRecorder(origin);
        recorder.record(Op.POST, 5_000_000); // warm-up: dropped
        recorder.error(Op.POST, "TIMEOUT");
        recorder.discard(System.nanoTime());
        int threads = 4;
        int perThread = 50_000;
        CountDownLatch go = new CountDownLatch(1);
        Thread[] writers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            writers[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    Op op = Op.values()[i % 3];
                    if (i % 100 == 99) {
                        recorder.error(op, "NOT_MASTER");
                    } else {
                        recorder.record(op, (1 + i % 1000) * 1_000L);
                    }
                }
            });
            writers[t].start();
        }
        go.countDown();
        // Cut while the writers run: nothing may fall between two intervals.
        long cutAt = System.nanoTime();
        while (anyAlive(writers)) {
            recorder.cut(cutAt = Math.max(cutAt + 1, System.nanoTime()));
            Thread.sleep(1);
        }
        recorder.cut(System.nanoTime());

        long expectedOk = 0;
        long expectedErrors = 0;
        for (int i = 0; i < perThread; i++) {
            if (i % 100 == 99) {
                expectedErrors++;
            } else {
                expectedOk++;
            }
        }
        long totalOk = 0;
        long totalErrors = 0;
        for (Op op : Op.values()) {
            long inIntervals = recorder.intervals().stream().mapToLong(i -> i.ops().get(op).count()).sum();
            long errorsInIntervals = recorder.intervals().stream().mapToLong(i -> i.ops().get(op).errors()).sum();
            assertEquals(recorder.total(op).getTotalCount(), inIntervals, op + ": totals = sum of intervals");
            assertEquals(recorder.errors(op), errorsInIntervals, op + ": errors = sum of intervals");
            totalOk += inIntervals;
            totalErrors += errorsInIntervals;
        }
        assertEquals(threads * expectedOk, totalOk, "every success once, the warm-up's none");
        assertEquals(threads * expectedErrors, totalErrors);
        long errorKinds = recorder.errorKinds().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(threads * expectedErrors, errorKinds, "kinds counted after the warm-up only");
        assertEquals(recorder.errors(Op.POST), recorder.errorKinds().get("post NOT_MASTER"));
    }

    @Test
    void percentilesAreInMicrosecondsWithThreeSignificantDigits() {
        LatencyRecorder recorder = new LatencyRecorder(0);
        recorder.discard(0);
        for (int i = 1; i <= 1000; i++) {
            recorder.record(Op.HOME_TIMELINE, TimeUnit.MICROSECONDS.toNanos(i * 10L)); // 10 µs .. 10 ms
        }
        LatencyRecorder.Interval interval = recorder.cut(TimeUnit.SECONDS.toNanos(1));
        assertEquals(1.0, interval.seconds(), 1e-9);
        assertEquals(1000, interval.opsPerSecond(), 1e-9);
        assertEquals(5_000, interval.ops().get(Op.HOME_TIMELINE).p50Micros(), 5);
        assertEquals(9_900, interval.ops().get(Op.HOME_TIMELINE).p99Micros(), 10);
        assertEquals(10_000, recorder.total(Op.HOME_TIMELINE).getMaxValue(), 10);
    }

    private static boolean anyAlive(Thread[] threads) {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }
}
