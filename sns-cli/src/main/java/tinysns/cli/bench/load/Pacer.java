package tinysns.cli.bench.load;

/**
 * When a worker's next operation is meant to start. Closed loop: as soon as the previous one ended. Open loop: on a
 * fixed schedule shared by all workers (worker w of W takes slots w, w+W, w+2W, … of a {@code rate}-per-second
 * clock), whatever happened before; latency is then measured from that intended time, so when the system falls behind
 * the queueing shows in the numbers instead of silently lowering the offered load (coordinated omission).
 */
public abstract sealed class Pacer {
    /** The intended start of the next operation, never before {@code nowNanos} in a closed loop. */
    public abstract long next(long nowNanos);

    /** True if operations are measured from their intended time (open loop). */
    public abstract boolean open();

    public static Pacer closedLoop() {
        return new Closed();
    }

    public static Pacer openLoop(double opsPerSecond, int workers, int worker, long startNanos) {
        if (!(opsPerSecond > 0) || workers < 1 || worker < 0 || worker >= workers) {
            throw new IllegalArgumentException("open loop needs rate > 0 and 0 <= worker < workers; got "
                    + opsPerSecond + ", " + worker + ", " + workers);
        }
        return new Open(1e9 / opsPerSecond, workers, worker, startNanos);
    }

    static final class Closed extends Pacer {
        @Override
        public long next(long nowNanos) {
            return nowNanos;
        }

        @Override
        public boolean open() {
            return false;
        }
    }

    static final class Open extends Pacer {
        private final double periodNanos;
        private final int workers;
        private final int worker;
        private final long startNanos;
        private long slot;

        Open(double periodNanos, int workers, int worker, long startNanos) {
            this.periodNanos = periodNanos;
            this.workers = workers;
            this.worker = worker;
            this.startNanos = startNanos;
        }

        @Override
        public long next(long nowNanos) {
            long intended = startNanos + (long) ((slot * workers + worker) * periodNanos);
            slot++;
            return intended;
        }

        @Override
        public boolean open() {
            return true;
        }
    }
}
