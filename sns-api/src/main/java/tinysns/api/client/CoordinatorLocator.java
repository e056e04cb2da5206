package tinysns.api.client;

import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import tinysns.api.CoordinatorService;
import tinysns.api.rmi.RmiEndpoints;

/**
 * How a process finds the coordinator when there may be several replicas (DESIGN.md §11): a list of registry
 * addresses, tried in turn. The stub that answered is kept until a call through it fails ({@link #failed}); then the
 * next address is tried. After the first answer the list grows by what {@link CoordinatorService#coordinators()}
 * names, so a caller given only {@code -k 9000} still reaches the other replicas when 9000 is gone. Any replica
 * serves (followers forward to the leader), so no caller needs to know which one leads.
 *
 * <p>Thread-safe. Lookups are bounded by the JVM's RMI timeouts.
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
     * The coordinator: the stub that last answered, or the first address (in turn, from the one after the last
     * failure) whose registry names one. Throws the last failure when none does.
     */
    public synchronized CoordinatorService service() throws RemoteException, NotBoundException {
        if (current != null) {
            return current;
        }
        Exception last = null;
        for (int i = 0; i < order.size(); i++) {
            Address a = order.get((next + i) % order.size());
            try {
                CoordinatorService found = RmiEndpoints.lookup(a.host(), a.port(), CoordinatorService.REGISTRY_NAME,
                        CoordinatorService.class);
                current = found;
                currentAddress = a;
                next = (next + i) % order.size();
                learn(found);
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

    private void learn(CoordinatorService found) {
        try {
            boolean grew = false;
            for (String text : found.coordinators()) {
                grew |= addresses.add(Address.parse(text));
            }
            if (grew) {
                Address keep = currentAddress;
                order = List.copyOf(addresses);
                next = Math.max(0, order.indexOf(keep));
            }
        } catch (RemoteException | RuntimeException e) {
            // Learning is a bonus: the given addresses still work.
        }
    }
}
