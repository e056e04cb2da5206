package tinysns.node;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which timeline callbacks a node agrees to call: only a stub whose endpoint host is the address the subscribe call
 * came from (docs/security.md §1). A stub names any host and port its maker wrote into it, so without this check a
 * subscriber would decide where the node connects (an internal service, another client) and what it reads back.
 *
 * <p>Hosts are compared as IP addresses. The caller's address is the literal its socket reports. The stub's host
 * must be a literal IPv4 or IPv6 address, or one of this machine's own names — {@code localhost}, the node's
 * {@code --host} and this machine's host name — which are resolved once, when the node starts, so that a client on
 * this machine whose stubs say {@code localhost} (or the host's name) is accepted from 127.0.0.1. Any other name is
 * refused without being looked up: resolving names a stranger chose would make the node query DNS on their behalf,
 * and a name can resolve to another address when RMI connects later than this check.
 */
final class CallbackHosts {
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    /**
     * Hex digits, colons and dots (an embedded IPv4 tail), no zone ids, starting with a hex digit or a colon: the
     * JDK parses such a string as a literal (or refuses it) and never looks it up.
     */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}");

    /** Lower-cased own names and the addresses each resolved to at start. */
    private final Map<String, Set<InetAddress>> ownNames;

    CallbackHosts(Map<String, Set<InetAddress>> ownNames) {
        Map<String, Set<InetAddress>> names = new LinkedHashMap<>();
        ownNames.forEach((name, addresses) -> names.put(name.toLowerCase(Locale.ROOT), Set.copyOf(addresses)));
        this.ownNames = Map.copyOf(names);
    }

    /** This machine's names, resolved now: {@code localhost}, {@code configuredHost} and the local host name. */
    static CallbackHosts resolve(String configuredHost) {
        Map<String, Set<InetAddress>> names = new LinkedHashMap<>();
        for (String name : List.of("localhost", configuredHost, localHostName())) {
            if (name.isEmpty() || literal(name) != null || names.containsKey(name.toLowerCase(Locale.ROOT))) {
                continue;
            }
            try {
                names.put(name, Set.of(InetAddress.getAllByName(name)));
            } catch (UnknownHostException | SecurityException e) {
                // A name that does not resolve is simply not one of ours.
            }
        }
        return new CallbackHosts(names);
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException | SecurityException e) {
            return "";
        }
    }

    /**
     * Null when a callback whose stub names {@code stubHost} may be called for a subscription that came from
     * {@code clientHost}; otherwise why not, as one line for the log.
     */
    String refusal(String clientHost, String stubHost) {
        if (stubHost == null) {
            return "its listener is not an RMI stub whose address can be read";
        }
        InetAddress client = literal(clientHost);
        if (client == null) {
            return "the address it called from (" + clientHost + ") is not an IP address";
        }
        InetAddress stub = literal(stubHost);
        if (stub != null) {
            return stub.equals(client) ? null
                    : "its callback names " + printable(stubHost) + " but the call came from " + clientHost;
        }
        Set<InetAddress> own = ownNames.get(stubHost.toLowerCase(Locale.ROOT));
        if (own == null) {
            return "its callback names " + printable(stubHost) + ", which is neither an IP address nor one of this "
                    + "machine's names (not looked up); the call came from " + clientHost;
        }
        return own.contains(client) ? null : "its callback names " + printable(stubHost) + " (" + own
                + ") but the call came from " + clientHost;
    }

    /**
     * The address a literal IPv4 or IPv6 host (IPv6 possibly in brackets) denotes, or null for anything else. Only
     * strings that {@link InetAddress#getByName} parses as literals get there, so this never queries DNS.
     */
    static InetAddress literal(String host) {
        if (host == null || host.length() > 64) {
            return null;
        }
        String bare = host.length() > 2 && host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1) : host;
        boolean v4 = IPV4.matcher(bare).matches();
        boolean v6 = !v4 && bare.indexOf(':') >= 0 && IPV6.matcher(bare).matches();
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(bare);
        } catch (UnknownHostException e) {
            return null; // a malformed IPv6 literal: refused without a lookup (it contains a colon)
        }
    }

    /** A stub's host for a log line: at most 80 characters, control characters replaced. */
    private static String printable(String host) {
        String cut = host.length() > 80 ? host.substring(0, 80) + "…" : host;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
