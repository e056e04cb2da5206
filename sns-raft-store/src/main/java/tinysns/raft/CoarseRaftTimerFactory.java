package tinysns.raft;

import com.alipay.sofa.jraft.util.NamedThreadFactory;
import com.alipay.sofa.jraft.util.SPI;
import com.alipay.sofa.jraft.util.timer.DefaultRaftTimerFactory;
import com.alipay.sofa.jraft.util.timer.HashedWheelTimer;
import com.alipay.sofa.jraft.util.timer.Timer;
import java.util.concurrent.TimeUnit;

/**
 * JRaft's timers, ticking every 10 ms instead of every 1 ms. Each node has four (election, vote, step-down,
 * snapshot) plus a few more, and JRaft's default wheel wakes each of them a thousand times a second: with six nodes
 * on two cores that was 24,000 idle wake-ups a second, about 0.15 of a core with nothing to do, and run-queue noise
 * under load. The shortest thing they time is a 1 s election timeout (heartbeats every 100 ms), for which 10 ms is
 * fine resolution. Found by JRaft through its service loader; the higher priority wins over the default.
 */
@SPI(priority = 100)
public class CoarseRaftTimerFactory extends DefaultRaftTimerFactory {
    static final long TICK_MILLIS = 10;

    @Override
    public Timer createTimer(String name) {
        return new HashedWheelTimer(new NamedThreadFactory(name, true), TICK_MILLIS, TimeUnit.MILLISECONDS, 512);
    }
}
