package tinysns.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import tinysns.api.ProcessStatus;
import tinysns.api.RaftReport;
import tinysns.api.SyncReport;

/** Renders the coordinator's routing table ({@code status()}) as the aligned text table {@code sns status} prints. */
public final class StatusTable {
    static final List<String> HEADER = List.of("CLUSTER", "PROCESS", "ROLE", "ADDRESS", "HEARTBEAT", "ALIVE", "RAFT",
            "SYNC");

    private StatusTable() {
    }

    public static String render(List<ProcessStatus> rows) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(HEADER);
        for (ProcessStatus row : rows) {
            cells.add(List.of(
                    String.valueOf(row.id().cluster()),
                    row.id().toString(),
                    row.role() == null ? "-" : row.role().name(),
                    row.host() + ":" + row.port(),
                    age(row.lastHeartbeatAgeMillis()),
                    row.alive() ? "yes" : "NO",
                    raft(row.raft()),
                    sync(row.sync())));
        }
        int[] widths = new int[HEADER.size()];
        for (List<String> line : cells) {
            for (int i = 0; i < line.size(); i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        StringBuilder table = new StringBuilder();
        for (List<String> line : cells) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.size(); i++) {
                text.append(String.format(Locale.ROOT, "%-" + widths[i] + "s", line.get(i)));
                if (i + 1 < line.size()) {
                    text.append("  ");
                }
            }
            table.append(text.toString().stripTrailing()).append('\n');
        }
        if (rows.isEmpty()) {
            table.append("(no process has registered with the coordinator yet)\n");
        }
        return table.toString();
    }

    static String age(long ageMillis) {
        if (ageMillis < 0) {
            return "never";
        }
        return String.format(Locale.ROOT, "%.1fs ago", ageMillis / 1000.0);
    }

    static String raft(RaftReport raft) {
        if (raft == null) {
            return "-";
        }
        return (raft.leader() ? "leader" : "follower") + " term " + raft.term() + " commit " + raft.commitIndex()
                + "/" + raft.lastLogIndex() + " voters " + (raft.voters() == null ? "?" : String.join(",",
                raft.voters())) + " epoch " + raft.epoch();
    }

    /** Lag per target cluster: how many of this cluster's outbox events that target has not applied yet. */
    static String sync(SyncReport sync) {
        if (sync == null) {
            return "-";
        }
        StringBuilder text = new StringBuilder("outbox " + sync.outboxHead() + " lag");
        Map<Integer, Long> cursors = sync.cursors() == null ? Map.of() : new TreeMap<>(sync.cursors());
        if (cursors.isEmpty()) {
            text.append(" -");
        }
        cursors.forEach((target, cursor) -> text.append(" c").append(target).append('=')
                .append(sync.outboxHead() - (cursor == null ? 0 : cursor)));
        return text.toString();
    }
}
