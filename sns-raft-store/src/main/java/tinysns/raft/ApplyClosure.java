package tinysns.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Status;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import tinysns.domain.Applied;
import tinysns.domain.Command;

/**
 * Carries a proposal from {@code node.apply} to the leader's apply thread and its result back to the proposer.
 *
 * <p>The leader applies the very {@link Command} object it proposed instead of decoding the log bytes again, as
 * JRaft's own examples do; the codec round-trip tests guarantee both give the same state. The proposer must not change
 * the command after proposing it.
 */
final class ApplyClosure implements Closure {
    private final Command command;
    private final CompletableFuture<Applied> result;
    private final Supplier<String> leaderAddress;
    private Applied applied;

    ApplyClosure(Command command, CompletableFuture<Applied> result, Supplier<String> leaderAddress) {
        this.command = command;
        this.result = result;
        this.leaderAddress = leaderAddress;
    }

    Command command() {
        return command;
    }

    /** Set by the apply thread before {@link #run}; JRaft calls run with an error instead when the entry failed. */
    void applied(Applied value) {
        this.applied = value;
    }

    @Override
    public void run(Status status) {
        if (status.isOk()) {
            result.complete(applied);
        } else {
            result.completeExceptionally(RaftFailures.toException(status, leaderAddress));
        }
    }
}
