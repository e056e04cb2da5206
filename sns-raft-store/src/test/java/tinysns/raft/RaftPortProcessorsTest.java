package tinysns.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.ConnectionClosedEventListener;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** What {@link RaftPortProcessors} registers, compared with JRaft's own {@code addRaftRequestProcessors}. */
class RaftPortProcessorsTest {
    private static final String CLI = "com.alipay.sofa.jraft.rpc.CliRequests$";

    /** Records registrations; never listens. */
    private static final class RecordingServer implements RpcServer {
        final List<String> interests = new ArrayList<>();
        final List<ConnectionClosedEventListener> closeListeners = new ArrayList<>();

        @Override
        public void registerConnectionClosedEventListener(ConnectionClosedEventListener listener) {
            closeListeners.add(listener);
        }

        @Override
        public void registerProcessor(RpcProcessor<?> processor) {
            interests.add(processor.interest());
        }

        @Override
        public int boundPort() {
            return 0;
        }

        @Override
        public boolean isStarted() {
            return false;
        }

        @Override
        public boolean init(Void opts) {
            return true;
        }

        @Override
        public void shutdown() {
        }
    }

    @Test
    void servesJRaftsPeerToPeerRequestsAndNoneOfItsCliRequests() {
        Executor direct = Runnable::run;
        RecordingServer ours = new RecordingServer();
        RaftPortProcessors.register(ours, direct);
        assertEquals(RaftPortProcessors.SERVED, ours.interests);
        assertEquals(1, ours.closeListeners.size(), "AppendEntries' connection-closed listener");

        // JRaft 1.4.1's full registration = ours + exactly the CLI requests. A JRaft upgrade that adds a processor
        // shows up here and has to be sorted into one of the two lists on purpose.
        RecordingServer jraft = new RecordingServer();
        RaftRpcServerFactory.addRaftRequestProcessors(jraft, direct, direct);
        Set<String> leftOut = new LinkedHashSet<>(jraft.interests);
        assertEquals(Set.copyOf(jraft.interests).size(), jraft.interests.size(), "JRaft registers each once");
        assertTrue(jraft.interests.containsAll(RaftPortProcessors.SERVED), "every served processor is one of JRaft's");
        leftOut.removeAll(RaftPortProcessors.SERVED);
        assertEquals(Set.of(CLI + "AddPeerRequest", CLI + "RemovePeerRequest", CLI + "ResetPeerRequest",
                CLI + "ChangePeersRequest", CLI + "GetLeaderRequest", CLI + "SnapshotRequest",
                CLI + "TransferLeaderRequest", CLI + "GetPeersRequest", CLI + "AddLearnersRequest",
                CLI + "RemoveLearnersRequest", CLI + "ResetLearnersRequest"), leftOut);
        assertEquals(jraft.closeListeners.size(), ours.closeListeners.size());
    }
}
