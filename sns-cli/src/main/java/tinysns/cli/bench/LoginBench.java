package tinysns.cli.bench;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tinysns.api.ListReply;
import tinysns.api.Status;
import tinysns.cli.CoordinatorAddressOptions;
import tinysns.cli.CoordinatorQuery;
import tinysns.cli.client.RmiConnection;

/**
 * What a person waits for between starting a client and the answer to the first command: ask the coordinator for the
 * server, look it up, log in (a replicated write), run LIST (a ReadIndex read). The JVM's own start is not included.
 */
@Command(name = "login", sortOptions = false,
        description = {"Measures coordinator lookup + login + first command (LIST) latency for fresh users."},
        footer = {"", "Example:", "  sns bench login -k 9000 --count 500"})
public final class LoginBench implements Callable<Integer> {
    @Mixin
    tinysns.cli.HelpOption helpOption;

    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = "--count", defaultValue = "500", description = "Logins to measure (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--warmup", defaultValue = "50", description = "Logins first, not measured (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || warmup < 0) {
            throw new IllegalArgumentException("--count must be >= 1, --warmup >= 0");
        }
        int clusters = CoordinatorQuery.clusterCount(coordinator.host(), coordinator.port(), Duration.ofSeconds(10));
        Histogram toFirstReply = LatencyTable.newHistogram();
        Histogram loginOnly = LatencyTable.newHistogram();
        for (int i = 0; i < warmup + count; i++) {
            long id = BenchUser.freshId(1 + i % clusters, clusters);
            RmiConnection connection = new RmiConnection(coordinator.host(), coordinator.port(), "127.0.0.1");
            try {
                long start = System.nanoTime();
                connection.connect(id);
                long loginStart = System.nanoTime();
                var login = connection.login(id);
                long loggedIn = System.nanoTime();
                if (login.status() != Status.SUCCESS) {
                    throw new IllegalStateException("login of " + id + " failed: " + login.status());
                }
                ListReply list = connection.list(login.session());
                long replied = System.nanoTime();
                if (list.status() != Status.SUCCESS) {
                    throw new IllegalStateException("LIST of " + id + " failed: " + list.status());
                }
                if (i >= warmup) {
                    toFirstReply.recordValue((replied - start) / 1000);
                    loginOnly.recordValue((loggedIn - loginStart) / 1000);
                }
                connection.logout(login.session());
            } finally {
                connection.close();
            }
        }
        System.out.println(LatencyTable.header());
        System.out.println(LatencyTable.row("login (replicated write)", loginOnly));
        System.out.println(LatencyTable.row("lookup+login+LIST reply", toFirstReply));
        return 0;
    }
}
