package tinysns.raft;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.alipay.sofa.jraft.core.NodeImpl;
import org.junit.jupiter.api.Test;

class CoarseRaftTimerFactoryTest {
    @Test
    void jraftPicksTheCoarseTimersOverItsDefault() {
        assertInstanceOf(CoarseRaftTimerFactory.class, NodeImpl.TIMER_FACTORY,
                "META-INF/services and @SPI(priority) must make JRaft load our factory");
    }
}
