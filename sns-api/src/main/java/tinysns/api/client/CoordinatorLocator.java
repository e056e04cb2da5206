package tinysns.api.client;

import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import tinysns.api.CoordinatorService;
import tinysns.api.rmi.CallDeadline;
import tinysns.api.rmi.RmiEndpoints;
import tinysns.api.rmi.RmiTransport;

/**
 * How a process reaches the coordinator when there may be several replicas (DESIGN.md §11): a list of registry
 * addresses, tried in turn. The stub that answered is kept until a call through it fails; then the next address is
 * tried. After the first answer the list grows by what {@link CoordinatorService#coordinators()} names, so a caller
 * given only {@code -k 9000} still reaches the other replicas when 9000 is gone. Any replica serves (followers
 * forward to the leader), so no caller needs to know which one leads.
 *
 * <p>{@link #call} bounds every attempt (lookup and call) by its own {@link CallDeadline}, shorter than the call kind's
 * when the caller needs it (a heartbeat): a coordinator that is paused or cut off accepts the TCP connection and then
 * answers nothing, and a heartbeat thread that waited for it would stop the node's failover evidence for as long.
 */
public final class CoordinatorLocator {
    /** One registry address. */
    public record Address(String host, int port) {
        public Address {
            Objects.requireNonNull(host, "host");
            if (host.isBlank() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("bad coordinator address " + host + ":" + port);
            }
        }

        /** {@code host:port}. */
        public static Address parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("'" + text + "' is not HOST:PORT");
            }
            try {
                return new Address(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has a port that is not a number");
            }
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** A call on the coordinator. */
    @FunctionalInterface
    public interface Call<T> {
        T run(CoordinatorService coordinator) throws RemoteException;
    }

    private final Set<Address> addresses = new LinkedHashSet<>();
    private List<Address> order;
    private int next;
    private CoordinatorService current;
    private Address currentAddress;

    public CoordinatorLocator(List<Address> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no coordinator address");
        }
        this.addresses.addAll(addresses);
        this.order = List.copyOf(this.addresses);
    }

    public CoordinatorLocator(String host, int port) {
        this(List.of(new Address(host, port)));
    }

    /**
     * Parses the course's {@code -k} value, widened to a list: {@code 9000}, {@code 9000,9010,9020} (ports on
     * {@code defaultHost}) or {@code host:9000,host2:9010}.
     *
     * @throws IllegalArgumentException naming the bad entry
     */
    public static List<Address> parse(String defaultHost, String ports) {
        List<Address> out = new ArrayList<>();
        for (String entry : ports.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                throw new IllegalArgumentException("empty entry in coordinator list '" + ports + "'");
            }
            if (e.contains(":")) {
                out.add(Address.parse(e));
            } else {
                try {
                    out.add(new Address(defaultHost, Integer.parseInt(e)));
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("'" + e + "' is not a port number");
                }
            }
        }
        return out;
    }

    /**
     * Runs {@code call} on a coordinator: the one that answered last, else each known address in turn, every attempt
     * (lookup included) bounded by {@code attemptMillis}. Throws the last failure when every address failed.
     */
    public <T> T call(long attemptMillis, Call<T> call) throws RemoteException, NotBoundException {
        Exception last = null;
        int attempts = addresses().size();
        for (int attempt = 0; attempt < attempts; attempt++) {
            CoordinatorService stub = null;
            try {
                stub = bounded(attemptMillis, this::service);
                CoordinatorService target = stub;
                return bounded(attemptMillis, () -> call.run(target));
            } catch (RemoteException | NotBoundException e) {
                failed(stub);
                last = e;
            }
        }
        if (last instanceof NotBoundException nb) {
            throw nb;
        }
        throw (RemoteException) last;
    }

    /**
     * The coordinator: the stub that last answered, or the first address (from the one after the last failure) whose
     * registry names one, bounded only by the JVM's RMI timeouts (use {@link #call} for a bound of your own).
     */
    public CoordinatorService service() throws RemoteException, NotBoundException {
        List<Address> candidates;
        int start;
        synchronized (this) {
            if (current != null) {
                return current;
            }
            candidates = order;
            start = next;
        }
        Exception last = null;
        for (int i = 0; i < candidates.size(); i++) {
            Address a = candidates.get((start + i) % candidates.size());
            try {
                // No lock held while the network is asked: a paused registry must not stall other callers.
                CoordinatorService found = RmiEndpoints.lookup(a.host(), a.port(), CoordinatorService.REGISTRY_NAME,
                        CoordinatorService.class);
                synchronized (this) {
                    current = found;
                    currentAddress = a;
                    next = Math.max(0, order.indexOf(a));
                }
                learn(found, a);
                return found;
            } catch (RemoteException | NotBoundException e) {
                last = e;
            }
        }
        if (last instanceof NotBoundException nb) {
            throw nb;
        }
        throw (RemoteException) last;
    }

    /** The call through {@code stub} failed: forget it and start with the next address next time. */
    public synchronized void failed(CoordinatorService stub) {
        if (stub == null || stub == current) {
            current = null;
            currentAddress = null;
            next = (next + 1) % order.size();
        }
    }

    /** The address that answered last, or the one to be tried next. */
    public synchronized Address current() {
        return currentAddress != null ? currentAddress : order.get(next);
    }

    /** Every address known: given, then learned. */
    public synchronized List<Address> addresses() {
        return List.copyOf(addresses);
    }

    private void learn(CoordinatorService found, Address at) {
        List<String> named;
        try {
            named = found.coordinators();
        } catch (RemoteException | RuntimeException e) {
            return; // learning is a bonus: the given addresses still work
        }
        synchronized (this) {
            boolean grew = false;
            for (String text : named) {
                try {
                    grew |= addresses.add(Address.parse(text));
                } catch (IllegalArgumentException e) {
                    // a replica that names itself oddly: ignore that entry
                }
            }
            if (grew) {
                order = List.copyOf(addresses);
                next = Math.max(0, order.indexOf(at));
            }
        }
    }

    private interface Attempt<T> {
        T run() throws RemoteException, NotBoundException;
    }

    /** Runs {@code attempt} under a {@link CallDeadline} of {@code millis}: lookup and call, in this thread. */
    private <T> T bounded(long millis, Attempt<T> attempt) throws RemoteException, NotBoundException {
        try {
            return CallDeadline.within(millis, attempt::run);
        } catch (RemoteException e) {
            if (RmiTransport.timedOut(e)) {
                throw new RemoteException("the coordinator at " + current() + " did not answer within " + millis
                        + " ms", e);
            }
            throw e;
        } catch (NotBoundException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new RemoteException("coordinator call failed: " + e, e);
        }
    }
}
