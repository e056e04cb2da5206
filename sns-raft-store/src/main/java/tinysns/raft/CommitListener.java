package tinysns.raft;

import tinysns.domain.Applied;
import tinysns.domain.Command;

/**
 * Told of every command applied on this replica (leader and follower alike), in log order.
 *
 * <p>Called on the Raft apply thread after the command's batch is durable in RocksDB, so what it sees can be read back
 * from the store. It must be cheap and must not block: the next batch of entries waits for it. Hand real work (RMI
 * pushes, long-poll wake-ups) to another thread. An exception is logged and otherwise ignored.
 */
@FunctionalInterface
public interface CommitListener {
    void onCommit(long index, Command command, Applied applied);
}
