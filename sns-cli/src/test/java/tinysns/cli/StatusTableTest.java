package tinysns.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import tinysns.api.ProcessId;
import tinysns.api.ProcessKind;
import tinysns.api.ProcessStatus;
import tinysns.api.RaftReport;
import tinysns.api.Role;
import tinysns.api.SyncReport;

class StatusTableTest {
    @Test
    void oneAlignedRowPerProcess() {
        ProcessStatus master = new ProcessStatus(new ProcessId(ProcessKind.SERVER, 1, 1), Role.MASTER, "127.0.0.1",
                10000, 320, true, new RaftReport("127.0.0.1:10100", true, 3, 120, 120,
                List.of("127.0.0.1:10100", "127.0.0.1:10101"), 2), null);
        ProcessStatus deadSlave = new ProcessStatus(new ProcessId(ProcessKind.SERVER, 1, 2), Role.SLAVE, "127.0.0.1",
                10001, 4500, false, null, null);
        ProcessStatus sync = new ProcessStatus(new ProcessId(ProcessKind.SYNC, 1, 1), Role.MASTER, "127.0.0.1",
                10200, 100, true, null, new SyncReport(40, Map.of(3, 39L, 2, 40L)));
        String[] lines = StatusTable.render(List.of(master, deadSlave, sync)).split("\n");
        assertEquals(4, lines.length);
        assertEquals("CLUSTER  PROCESS   ROLE    ADDRESS          HEARTBEAT  ALIVE  RAFT", lines[0].substring(0, 66));
        assertEquals("1        node-1.1  MASTER  127.0.0.1:10000  0.3s ago   yes    leader term 3 commit 120/120 "
                + "voters 127.0.0.1:10100,127.0.0.1:10101 epoch 2  -", lines[1]);
        assertTrue(lines[2].startsWith("1        node-1.2  SLAVE   127.0.0.1:10001  4.5s ago   NO     -  "), lines[2]);
        assertTrue(lines[3].startsWith("1        sync-1.1  MASTER  127.0.0.1:10200  0.1s ago   yes    -  "), lines[3]);
        // Columns line up: SYNC starts where each row's sync cell starts.
        int syncColumn = lines[0].indexOf("SYNC");
        assertEquals(syncColumn, lines[1].lastIndexOf('-'));
        assertEquals(syncColumn, lines[2].lastIndexOf('-'));
        assertEquals("outbox 40 lag c2=0 c3=1", lines[3].substring(syncColumn));
    }

    @Test
    void anEmptyTableSaysWhy() {
        assertEquals(String.join("  ", StatusTable.HEADER) + "\n"
                + "(no process has registered with the coordinator yet)\n", StatusTable.render(List.of()));
    }
}
