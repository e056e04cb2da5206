package tinysns.raft;

import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.error.RaftError;
import java.util.function.Supplier;

/** Turns a failed JRaft status into the exception callers handle: not-leader (redirect) or anything else. */
final class RaftFailures {
    private RaftFailures() {
    }

    static RuntimeException toException(Status status, Supplier<String> leaderAddress) {
        RaftError error = status.getRaftError();
        if (error == RaftError.EPERM || error == RaftError.ENEWLEADER || error == RaftError.ELEADERREMOVED
                || error == RaftError.ELEADERCONFLICT) {
            return new NotLeaderException(leaderAddress.get(), status.getErrorMsg());
        }
        return new ReplicationException(status.getCode(), "raft: " + status);
    }
}
