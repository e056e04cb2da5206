package tinysns.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class FaultLogTest {
    @Test
    void startAndEndLinesOfEachKindMakeOneFaultAndEverythingElseIsIgnored() {
        FaultLog log = FaultLog.parse(List.of(
                "1000 kill -9 node-1.1 (pid 11, master)",
                "1200 note: not every cluster has two live servers; injecting anyway",
                "4000 restarted node-1.1 (pid 12)",
                "5000 skip: sync-2.1 (pid ?) is not running",
                "6000 kill -STOP coordinator-2 (pid 13, coordinator replica) for 4000 ms",
                "10000 kill -CONT coordinator-2 (pid 13)",
                "11000 partition --one-way node-2.2 (master) | the rest for 4000 ms",
                "15000 heal",
                "16000 restarted sync-3.1 (pid 14)",
                "not a fault line",
                "17000 kill -9 rmiregistry-2 (pid 15)"));
        assertEquals(List.of(
                new FaultLog.Fault(1000, 4000, "kill -9 node-1.1 (master)"),
                new FaultLog.Fault(6000, 10000, "kill -STOP coordinator-2 (coordinator replica) for 4000 ms"),
                new FaultLog.Fault(11000, 15000, "partition --one-way node-2.2 (master) | the rest for 4000 ms"),
                new FaultLog.Fault(17000, Long.MAX_VALUE, "kill -9 rmiregistry-2")), log.faults());
    }

    @Test
    void aWindowNamesEveryFaultItOverlapsOrElseTheLastOneBefore() {
        FaultLog log = FaultLog.parse(List.of("1000 kill -9 node-1.1 (pid 11)", "4000 restarted node-1.1 (pid 12)",
                "3000 kill -STOP sync-1.1 (pid 13, master sync) for 1000 ms", "4000 kill -CONT sync-1.1 (pid 13)"));
        assertEquals("kill -9 node-1.1", log.during(500, 1500));
        assertEquals("kill -9 node-1.1 + kill -STOP sync-1.1 (master sync) for 1000 ms", log.during(3500, 3600));
        assertEquals("none (2.5 s after kill -9 node-1.1 ended)", log.during(6500, 7000));
        assertEquals("none", log.during(0, 999));
        assertEquals("none", FaultLog.NONE.during(0, 10));
    }
}
