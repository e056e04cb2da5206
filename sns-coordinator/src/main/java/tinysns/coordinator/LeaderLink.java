package tinysns.coordinator;

import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.util.function.Supplier;
import tinysns.api.CoordinatorService;
import tinysns.api.rmi.RmiEndpoints;

/**
 * A follower replica's way to the coordinator leader (DESIGN.md §11): the leader's Raft address, as this replica's
 * Raft knows it, names a member of the group, whose registry holds {@value CoordinatorService#LEADER_REGISTRY_NAME}.
 * The stub is cached until a call through it fails. Bounded by this JVM's RMI timeouts (CoordinatorCommand sets
 * them): a leader that is paused or cut off fails the call instead of holding the caller.
 */
final class LeaderLink {
    interface Call<T> {
        T run(CoordinatorService leader) throws RemoteException;
    }

    private final CoordinatorGroup group;
    private final Supplier<String> leaderRaftAddress;
    private CoordinatorGroup.Member cachedMember;
    private CoordinatorService cachedStub;

    LeaderLink(CoordinatorGroup group, Supplier<String> leaderRaftAddress) {
        this.group = group;
        this.leaderRaftAddress = leaderRaftAddress;
    }

    <T> T forward(Call<T> call) throws RemoteException {
        CoordinatorService stub = leader();
        try {
            return call.run(stub);
        } catch (RemoteException e) {
            forget(stub);
            throw e;
        }
    }

    private synchronized CoordinatorService leader() throws RemoteException {
        String raft = leaderRaftAddress.get();
        CoordinatorGroup.Member member = raft == null ? null : group.byRaftAddress(raft);
        if (member == null || member.equals(group.me())) {
            throw new RemoteException("no coordinator leader is known right now (election in progress?); try again"
                    + " or another coordinator of " + group.registryAddresses());
        }
        if (member.equals(cachedMember) && cachedStub != null) {
            return cachedStub;
        }
        try {
            cachedStub = RmiEndpoints.lookup(member.host(), member.registryPort(),
                    CoordinatorService.LEADER_REGISTRY_NAME, CoordinatorService.class);
            cachedMember = member;
            return cachedStub;
        } catch (NotBoundException e) {
            throw new RemoteException("the coordinator leader " + member.registryAddress() + " is not bound yet", e);
        }
    }

    private synchronized void forget(CoordinatorService stub) {
        if (cachedStub == stub) {
            cachedStub = null;
            cachedMember = null;
        }
    }
}
