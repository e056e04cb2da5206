package tinysns.cli.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuAccountingTest {
    @Test
    void readsProcessTimesEvenWhenTheCommandNameHasSpacesAndParens() {
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 40 0 100";
        assertEquals(3.0, CpuAccounting.parseStatSeconds(stat), 1e-9, "(250 + 50) ticks of 10 ms");
    }

    @Test
    void machineBusyIsEverythingButIdleAndIowait() {
        assertArrayEquals(new long[]{60, 100},
                CpuAccounting.parseMachineTicks("cpu  30 5 20 30 10 3 2 0 0 0"));
    }

    @Test
    void groupsProcessesAndDividesByOperations(@TempDir Path runDir) throws Exception {
        Files.createDirectories(runDir.resolve("pids"));
        Files.writeString(runDir.resolve("pids/node-1.1.pid"), ProcessHandle.current().pid() + "\n");
        CpuAccounting.Snapshot before = CpuAccounting.take(runDir);
        // Spin for 0.2 s of this thread's CPU, not of the wall clock: on a loaded machine the thread may get a fifth
        // of a core (measured: 0.04 s of CPU in 0.2 s), and the assertions below are about CPU.
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long spin = threads.getCurrentThreadCpuTime() + 200_000_000L;
        long x = 0;
        while (threads.getCurrentThreadCpuTime() < spin) {
            x += System.nanoTime() % 7;
        }
        CpuAccounting.Snapshot after = CpuAccounting.take(runDir);
        CpuAccounting.Usage usage = CpuAccounting.between(before, after, 1000);
        assertTrue(x > 0);
        assertEquals("nodes", usage.shares().get(0).name());
        assertTrue(usage.shares().get(0).seconds() > 0.05, "this JVM, seen as a node, spun ~0.2 s: " + usage);
        assertEquals(usage.shares().get(0).seconds() * 1e3, usage.shares().get(0).microsPerOp(), 1e-6);
        assertTrue(usage.machineBusyFraction() > 0 && usage.machineBusyFraction() <= 1.0, usage.toString());
        assertEquals(Map.of(), CpuAccounting.take(null).processSeconds());
        assertTrue(usage.threadKinds().stream().anyMatch(k -> k.name().equals("other") && k.seconds() > 0.05),
                "the spinning test thread counts as other: " + usage.threadKinds());
    }

    /** A thread that burns CPU and ends between the snapshots: its time is counted, and no kind goes negative. */
    @Test
    void threadsThatEndDuringTheRunKeepTheirTime(@TempDir Path runDir) throws Exception {
        Files.createDirectories(runDir.resolve("pids"));
        Files.writeString(runDir.resolve("pids/node-1.1.pid"), ProcessHandle.current().pid() + "\n");
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long[] sink = new long[1];
        Runnable spin = () -> {
            long until = mx.getCurrentThreadCpuTime() + 200_000_000L;
            while (mx.getCurrentThreadCpuTime() < until) {
                sink[0] += System.nanoTime() % 7;
            }
        };
        Thread early = new Thread(spin, "RMI TCP Connection(1)");
        early.start(); // alive at the first snapshot, gone at the second
        CpuAccounting.Snapshot before = CpuAccounting.take(runDir);
        early.join(10_000);
        CpuAccounting.Snapshot after = CpuAccounting.take(runDir);
        CpuAccounting.Usage usage = CpuAccounting.between(before, after, 1000);
        assertTrue(usage.threadKinds().stream().allMatch(k -> k.seconds() >= 0), usage.threadKinds().toString());
        double ended = usage.threadKinds().stream().filter(k -> k.name().equals(CpuAccounting.ENDED_THREADS))
                .mapToDouble(CpuAccounting.Share::seconds).sum();
        assertTrue(ended > 0.05, "the ended thread's ~0.2 s is kept: " + usage.threadKinds());
    }

    @Test
    void threadKindsFollowJavaThreadNames() {
        assertEquals("store reads on the read pool", CpuAccounting.threadKind("raft-read-12100"));
        assertEquals("JIT compiler", CpuAccounting.threadKind("C2 CompilerThre"));
        assertEquals("GC + VM", CpuAccounting.threadKind("G1 Conc#0"));
        assertEquals("RMI calls (incl. service code)", CpuAccounting.threadKind("RMI TCP Connect"));
        assertEquals("JRaft + its RPC (incl. state machine apply)", CpuAccounting.threadKind("JRaft-FSMCaller"));
        assertEquals("RocksDB background", CpuAccounting.threadKind("rocksdb:low"));
        assertEquals("other", CpuAccounting.threadKind("main"));
    }
}
