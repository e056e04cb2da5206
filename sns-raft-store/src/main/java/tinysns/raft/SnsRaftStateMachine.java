package tinysns.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.LeaderChangeContext;
import com.alipay.sofa.jraft.entity.RaftOutter.SnapshotMeta;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RaftException;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tinysns.api.Reply;
import tinysns.codec.CodecException;
import tinysns.codec.CommandCodec;
import tinysns.domain.Applied;
import tinysns.domain.Command;
import tinysns.domain.SnsStateMachine;
import tinysns.store.ApplyBatch;
import tinysns.store.RocksKvStore;
import tinysns.store.StoreException;

/**
 * Adapts the pure {@link SnsStateMachine} to JRaft and RocksDB.
 *
 * <p>Apply: all data entries of one iterator pass go into one RocksDB write batch, each command between savepoints, and
 * the batch is written once together with the last applied index. Only then are closures completed and listeners told,
 * so whatever a caller learns is already in the store. Entries at or below the stored applied index are ones RocksDB
 * already holds (JRaft replays its log from the last snapshot after a restart) and are skipped.
 *
 * <p>Failures: a command the domain throws on is a bug, the same on every replica; its writes are rolled back and it is
 * answered UNKNOWN, and applying goes on. A storage failure is not deterministic: the batch is abandoned and JRaft is
 * told to halt this state machine (entries stay in the log; a restart re-applies them). Nothing is allowed to escape
 * {@link #onApply}: that would stall JRaft's apply pipeline for good.
 *
 * <p>Nothing here reads a clock: time comes stamped in each command by the leader.
 */
public final class SnsRaftStateMachine extends StateMachineAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SnsRaftStateMachine.class);

    static final String SNAPSHOT_DB_DIR = "db";
    /** The applied index inside the checkpoint, stored beside it so a load can compare without opening the copy. */
    static final String SNAPSHOT_APPLIED_FILE = "applied_index";

    private final SnsStateMachine domain;
    private final RocksKvStore store;
    private final List<CommitListener> commitListeners = new CopyOnWriteArrayList<>();
    private final List<LeadershipListener> leadershipListeners = new CopyOnWriteArrayList<>();

    /** Term in which this replica leads, or -1. */
    private volatile long leaderTerm = -1;
    /** The newest term in which this replica has seen a leader (itself or another). */
    private volatile long knownTerm;

    public SnsRaftStateMachine(SnsStateMachine domain, RocksKvStore store) {
        this.domain = domain;
        this.store = store;
    }

    public void addCommitListener(CommitListener listener) {
        commitListeners.add(listener);
    }

    public void addLeadershipListener(LeadershipListener listener) {
        leadershipListeners.add(listener);
    }

    public boolean isLeader() {
        return leaderTerm > 0;
    }

    public long leaderTerm() {
        return leaderTerm;
    }

    public long knownTerm() {
        return knownTerm;
    }

    /** One applied command waiting for its batch to be written. */
    private record Done(long index, Command command, Applied applied, ApplyClosure closure) {
    }

    @Override
    public void onApply(Iterator iter) {
        List<Done> done = new ArrayList<>();
        int consumed = 0;
        boolean inEntry = false;
        try (ApplyBatch batch = store.begin()) {
            long lastIndex = 0;
            while (iter.hasNext()) {
                inEntry = true;
                long index = iter.getIndex();
                if (index > store.appliedIndex()) {
                    Closure closure = iter.done();
                    ApplyClosure proposal = closure instanceof ApplyClosure c ? c : null;
                    Command command = proposal != null ? proposal.command() : decode(index, iter);
                    done.add(new Done(index, command, applyOne(index, command, batch), proposal));
                    lastIndex = index;
                } else if (iter.done() != null) {
                    // Cannot happen: a proposal of this run has a fresh index. Answer rather than leave a caller hanging.
                    LOG.error("Entry {} carries a closure but is already applied (applied index {})", index,
                            store.appliedIndex());
                    iter.done().run(new Status(RaftError.ESTATEMACHINE, "entry %d already applied", index));
                }
                iter.next();
                consumed++;
                inEntry = false;
            }
            if (lastIndex > 0) {
                batch.commit(lastIndex);
            }
        } catch (Throwable t) {
            // Storage failed (or a bug in this adapter): nothing of this pass was written. Halt, so that this replica
            // never acknowledges or reports state it does not hold; the entries are still in the Raft log.
            LOG.error("Applying a batch of {} entries failed; halting the state machine", done.size() + 1, t);
            iter.setErrorAndRollback(Math.max(1, consumed + (inEntry ? 1 : 0)),
                    new Status(RaftError.ESTATEMACHINE, "apply failed: %s", String.valueOf(t)));
            return;
        }
        for (Done d : done) {
            if (d.closure != null) {
                d.closure.applied(d.applied);
                d.closure.run(Status.OK());
            }
            notifyCommit(d);
        }
    }

    private static Command decode(long index, Iterator iter) {
        try {
            return CommandCodec.decode(iter.getData());
        } catch (CodecException e) {
            // Deterministic: every replica fails on the same bytes, so answering UNKNOWN keeps them identical.
            LOG.error("Entry {} cannot be decoded; it is applied as a no-op", index, e);
            return null;
        }
    }

    private Applied applyOne(long index, Command command, ApplyBatch batch) {
        if (command == null) {
            return Applied.of(Reply.of(tinysns.api.Status.UNKNOWN, "entry " + index + " cannot be decoded"));
        }
        batch.savepoint();
        try {
            Applied applied = domain.apply(command, batch);
            batch.releaseSavepoint();
            return applied;
        } catch (StoreException e) {
            batch.rollbackToSavepoint();
            throw e;
        } catch (RuntimeException e) {
            batch.rollbackToSavepoint();
            LOG.error("Domain failed on entry {} ({}); its writes are rolled back", index, command, e);
            return Applied.of(Reply.of(tinysns.api.Status.UNKNOWN, "internal error applying " + command + ": " + e));
        }
    }

    private void notifyCommit(Done d) {
        if (d.command == null) {
            return;
        }
        for (CommitListener listener : commitListeners) {
            try {
                listener.onCommit(d.index, d.command, d.applied);
            } catch (RuntimeException e) {
                LOG.error("Commit listener {} failed on entry {}", listener, d.index, e);
            }
        }
    }

    @Override
    public void onLeaderStart(long term) {
        knownTerm = term;
        leaderTerm = term;
        LOG.info("Became leader in term {}", term);
        notifyLeadership(true, term);
    }

    @Override
    public void onLeaderStop(Status status) {
        long term = leaderTerm;
        leaderTerm = -1;
        LOG.info("Stopped leading term {}: {}", term, status);
        notifyLeadership(false, term);
    }

    @Override
    public void onStartFollowing(LeaderChangeContext ctx) {
        knownTerm = ctx.getTerm();
    }

    private void notifyLeadership(boolean leader, long term) {
        for (LeadershipListener listener : leadershipListeners) {
            try {
                listener.onLeadershipChange(leader, term);
            } catch (RuntimeException e) {
                LOG.error("Leadership listener {} failed", listener, e);
            }
        }
    }

    /**
     * Runs on the apply thread, so the checkpoint matches the applied index exactly. A RocksDB checkpoint is a memtable
     * flush plus hard links to immutable files: short. The snapshot directory then holds {@code db/*} and the applied
     * index file.
     */
    @Override
    public void onSnapshotSave(SnapshotWriter writer, Closure done) {
        try {
            Path root = Path.of(writer.getPath());
            Path db = root.resolve(SNAPSHOT_DB_DIR);
            store.checkpointTo(db);
            Files.writeString(root.resolve(SNAPSHOT_APPLIED_FILE), Long.toString(store.appliedIndex()),
                    StandardCharsets.US_ASCII);
            boolean added = writer.addFile(SNAPSHOT_APPLIED_FILE);
            try (Stream<Path> files = Files.list(db)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    added &= writer.addFile(SNAPSHOT_DB_DIR + "/" + file.getFileName());
                }
            }
            if (!added) {
                done.run(new Status(RaftError.EIO, "cannot add checkpoint files to snapshot %s", root));
                return;
            }
            LOG.info("Snapshot saved at applied index {} in {}", store.appliedIndex(), root);
            done.run(Status.OK());
        } catch (IOException | RuntimeException e) {
            LOG.error("Snapshot save failed", e);
            done.run(new Status(RaftError.EIO, "snapshot save failed: %s", String.valueOf(e)));
        }
    }

    /**
     * Keeps the local database when it already holds at least what the snapshot holds (it is a prefix-superset of the
     * same committed log: the usual case at restart); otherwise replaces it with the snapshot's checkpoint (a replica
     * that was empty or too far behind and got the snapshot from the leader).
     */
    @Override
    public boolean onSnapshotLoad(SnapshotReader reader) {
        try {
            SnapshotMeta meta = reader.load();
            Path root = Path.of(reader.getPath());
            long snapshotApplied = Long.parseLong(
                    Files.readString(root.resolve(SNAPSHOT_APPLIED_FILE), StandardCharsets.US_ASCII).trim());
            long localApplied = store.appliedIndex();
            if (localApplied >= snapshotApplied) {
                LOG.info("Keeping local state at applied index {} over snapshot {} (applied index {})", localApplied,
                        meta == null ? "?" : meta.getLastIncludedIndex(), snapshotApplied);
                return true;
            }
            store.replaceWith(root.resolve(SNAPSHOT_DB_DIR));
            if (store.appliedIndex() != snapshotApplied) {
                LOG.error("Snapshot checkpoint holds applied index {}, its meta file says {}", store.appliedIndex(),
                        snapshotApplied);
                return false;
            }
            LOG.info("Installed snapshot with applied index {} (local state was at {})", snapshotApplied, localApplied);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.error("Snapshot load failed", e);
            return false;
        }
    }

    @Override
    public void onError(RaftException e) {
        LOG.error("Raft stopped this state machine: {}", e.getStatus(), e);
    }

    @Override
    public void onConfigurationCommitted(Configuration conf) {
        LOG.info("Configuration committed: {}", conf);
    }
}
