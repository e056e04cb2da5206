package tinysns.api.rmi;

/**
 * The JVM-wide bounds of Java RMI, set in one place by every role before its first remote call (the JDK reads them
 * once). Without them a call to a paused or cut-off peer waits for ever (PITFALLS.md): the kernel of a SIGSTOPped
 * process still accepts the TCP connection, so only read timeouts end the wait.
 * <ul>
 *   <li>{@code sun.rmi.transport.tcp.handshakeTimeout}: a new connection's JRMP handshake (default 60 s — measured
 *       here: a node's heartbeat to a paused coordinator failed after 70 s).</li>
 *   <li>{@code sun.rmi.transport.proxy.connectTimeout}: the TCP connect.</li>
 *   <li>{@code sun.rmi.transport.tcp.responseTimeout}: the reply to a call on an open connection; per role, since the
 *       longest legitimate call differs (a long poll, a Raft commit during a failover, a callback).</li>
 * </ul>
 * Calls that need a shorter bound than the role's (a heartbeat) get it from
 * {@link tinysns.api.client.CoordinatorLocator#call}. A value set on the command line wins.
 */
public final class RmiTimeouts {
    static final String HANDSHAKE_MILLIS = "2000";
    static final String CONNECT_MILLIS = "2000";

    private RmiTimeouts() {
    }

    /** Sets the handshake and connect bounds and {@code responseMillis} as the reply bound, unless already set. */
    public static void install(long responseMillis) {
        setIfAbsent("sun.rmi.transport.tcp.handshakeTimeout", HANDSHAKE_MILLIS);
        setIfAbsent("sun.rmi.transport.proxy.connectTimeout", CONNECT_MILLIS);
        setIfAbsent("sun.rmi.transport.tcp.responseTimeout", Long.toString(responseMillis));
    }

    /** The bound on a new connection's handshakes (RMI's, with TLS's inside): {@code sun.rmi.transport.tcp.handshakeTimeout}. */
    static int handshakeMillis() {
        return Integer.getInteger("sun.rmi.transport.tcp.handshakeTimeout", Integer.parseInt(HANDSHAKE_MILLIS));
    }

    /** The TCP connect bound of {@link BoundedClientSockets}: {@code sun.rmi.transport.proxy.connectTimeout}. */
    static int connectMillis() {
        return Integer.getInteger("sun.rmi.transport.proxy.connectTimeout", Integer.parseInt(CONNECT_MILLIS));
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
