package tinysns.cli.bench.load;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tinysns.cli.CoordinatorAddressOptions;
import tinysns.cli.DurationConverter;

/** The options of {@code sns bench} (the load generator), with DeathStarBench-like defaults. */
public final class LoadBenchOptions {
    @Mixin
    CoordinatorAddressOptions coordinator;

    @Option(names = "--start", description = "Start a deployment of its own (scripts/sns-up.sh on free ports, in "
            + "--run-dir, or a temp dir removed at the end), run against it, and stop it at the end. Its nodes have no per-user post "
            + "rate limit unless SNS_POST_RATE is set.")
    boolean start;

    @Option(names = "--clusters", paramLabel = "N", defaultValue = "3",
            description = "With --start: clusters to start (default: ${DEFAULT-VALUE}).")
    int clusters;

    @Option(names = "--replicas", paramLabel = "R", defaultValue = "2",
            description = "With --start: servers per cluster (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "The deployment's run dir: where --start puts it, "
            + "and where each process's pid is found to report its peak RSS (default: ./run if it has pids).")
    Path runDir;

    @Option(names = "--users", paramLabel = "U", defaultValue = "1000",
            description = "Users to create, spread over the clusters by id (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--mean-follows", paramLabel = "F", defaultValue = "20",
            description = "Mean number of users each user follows (default: ${DEFAULT-VALUE}).")
    double meanFollows;

    @Option(names = "--follow-exponent", paramLabel = "A", defaultValue = "2.0",
            description = "Pareto exponent of out-degrees; whom to follow is drawn by Zipf popularity "
                    + "(default: ${DEFAULT-VALUE}).")
    double followExponent;

    @Option(names = "--max-follows", paramLabel = "M", defaultValue = "500",
            description = "Cap on one user's follows (default: ${DEFAULT-VALUE}).")
    int maxFollows;

    @Option(names = "--preload", paramLabel = "P", defaultValue = "0",
            description = "Posts written before the run, spread evenly over the users (default: ${DEFAULT-VALUE}).")
    long preload;

    @Option(names = "--mix", paramLabel = "H:U:P", defaultValue = "60:30:10", converter = MixConverter.class,
            description = "Weights of home-timeline reads, user-timeline reads and posts (default: ${DEFAULT-VALUE}, "
                    + "DeathStarBench's); 0:0:1 is write-only.")
    OperationMix mix;

    @Option(names = "--cluster", paramLabel = "C", defaultValue = "0",
            description = "Only users of cluster C act in the run (all users still exist and follow); 0 = all "
                    + "(default: ${DEFAULT-VALUE}).")
    int cluster;

    @Option(names = {"-c", "--clients"}, paramLabel = "C", defaultValue = "32",
            description = "Concurrent clients (threads); each owns a share of the acting users "
                    + "(default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rate", paramLabel = "OPS", defaultValue = "0",
            description = "Open loop at OPS operations/s in total, latency measured from each operation's intended "
                    + "send time; 0 = closed loop, each client back to back (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = {"-d", "--duration"}, paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class, description = "Measured run time (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "Run time before measuring, for the JIT (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--post-chars", paramLabel = "N", defaultValue = "64",
            description = "Length of each post (default: ${DEFAULT-VALUE}).")
    int postChars;

    @Option(names = "--observed-authors", paramLabel = "N", defaultValue = "10",
            description = "Per cluster, one observer user follows N acting users of other clusters and records when "
                    + "their posts arrive: cross-cluster visibility (default: ${DEFAULT-VALUE}; 0 = off).")
    int observedAuthors;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the graph and the workload (default: random, "
            + "printed).")
    Long seed;

    @Option(names = "--id-base", paramLabel = "B", description = "User ids are B+1..B+U (default: random, far above "
            + "real users, so runs never collide).")
    Long idBase;

    @Option(names = "--json", paramLabel = "FILE", description = "Where to write every figure as JSON "
            + "(default: bench-results/sns-bench-<time>.json).")
    Path json;

    @Option(names = "--report", paramLabel = "DIR", description = "Also write DIR/index.html (throughput and latency "
            + "over time, self-contained) and DIR/report.json.")
    Path report;

    String host() {
        return coordinator.host();
    }

    int port() {
        return coordinator.port();
    }

    void validate() {
        StringBuilder problems = new StringBuilder();
        if (users < 2) {
            problems.append(" --users must be at least 2;");
        }
        if (clients < 1) {
            problems.append(" --clients must be at least 1;");
        }
        if (rate < 0) {
            problems.append(" --rate must be >= 0;");
        }
        if (preload < 0) {
            problems.append(" --preload must be >= 0;");
        }
        if (postChars < 1 || postChars > 280) {
            problems.append(" --post-chars must be 1..280 (a post's limit);");
        }
        if (duration.isZero() || duration.isNegative() || warmup.isNegative()) {
            problems.append(" --duration must be > 0 and --warmup >= 0;");
        }
        if (cluster < 0) {
            problems.append(" --cluster must be >= 0;");
        }
        if (meanFollows < 1 || followExponent <= 1 || maxFollows < 1) {
            problems.append(" need --mean-follows >= 1, --follow-exponent > 1, --max-follows >= 1;");
        }
        if (start && (clusters < 1 || replicas < 2)) {
            problems.append(" --start needs --clusters >= 1 and --replicas >= 2;");
        }
        if (observedAuthors < 0) {
            problems.append(" --observed-authors must be >= 0;");
        }
        if (problems.length() > 0) {
            throw new IllegalArgumentException(problems.substring(1, problems.length() - 1));
        }
    }

    /** "60:30:10" → a mix, with the parse error as picocli's message. */
    public static final class MixConverter implements ITypeConverter<OperationMix> {
        @Override
        public OperationMix convert(String value) {
            return OperationMix.parse(value);
        }
    }
}
