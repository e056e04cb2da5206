package tinysns.cli.bench.load;

/**
 * What a workload drives: the deployment through RMI, or a fake in the tool's own tests. Users are graph indexes.
 * Each method returns null on success or a short name of what went wrong (a status); it may also throw, which counts
 * as an error named by the exception. A user is only ever driven by one thread at a time.
 */
public interface LoadTarget {
    String homeTimeline(int user) throws Exception;

    String userTimeline(int user, int author) throws Exception;

    /** {@code intendedNanos}: when the post was meant to be sent, for visibility sampling. */
    String post(int user, String text, long intendedNanos) throws Exception;
}
