package tinysns.node;

/**
 * Lets a synchronizer's long poll sleep until this cluster's outbox grows: the commit listener calls
 * {@link #advanced()} whenever a committed command may have appended events.
 */
final class OutboxWatch {
    private long generation;

    synchronized void advanced() {
        generation++;
        notifyAll();
    }

    synchronized long generation() {
        return generation;
    }

    /** Waits until the outbox advanced past {@code seenGeneration} or {@code waitMillis} passed. */
    synchronized void awaitAfter(long seenGeneration, long waitMillis) throws InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        while (generation == seenGeneration) {
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                return;
            }
            wait(leftMillis);
        }
    }
}
