package tinysns.cli.client;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogManager;

/**
 * What the client's own logging may put on the user's terminal: only warnings and errors of its own code, without
 * thread names, and nothing from the libraries (JRaft, Bolt, the JDK's RMI). The course lines and the client's
 * notices ({@link NoticeLines}) go to stdout; what goes wrong is said there, in the user's terms.
 *
 * <p>Must run before the first logger is made: slf4j-simple reads its configuration once, when the first logger is
 * created, preferring system properties to {@code simplelogger.properties}. A property given on the command line
 * ({@code -Dorg.slf4j.simpleLogger.log.tinysns.cli.client=debug}, for one) is left as it is.
 */
public final class ClientLogging {
    private static final String PREFIX = "org.slf4j.simpleLogger.";
    private static final List<String[]> SETTINGS = List.of(
            new String[]{"showThreadName", "false"},
            new String[]{"defaultLogLevel", "warn"},
            new String[]{"log.tinysns", "warn"},
            new String[]{"log.com.alipay", "off"});

    private ClientLogging() {
    }

    /** Whether {@code args} run the client ({@code sns client …}, possibly after {@code --tls DIR}). */
    public static boolean isClient(String[] args) {
        int i = 0;
        while (i < args.length && args[i].startsWith("--tls")) {
            i += args[i].contains("=") ? 1 : 2;
        }
        return i < args.length && args[i].equals("client");
    }

    /** Applies the client's logging settings; call first thing in {@code main}. */
    public static void configure() {
        for (String[] setting : SETTINGS) {
            if (System.getProperty(PREFIX + setting[0]) == null) {
                System.setProperty(PREFIX + setting[0], setting[1]);
            }
        }
        // The JDK's own logging (RMI's among it) prints to stderr with its own two-line format: none of it for the user.
        LogManager.getLogManager().reset();
        java.util.logging.Logger.getLogger("").setLevel(Level.OFF);
        // The JVM's default would print "Exception in thread <name>" and a stack trace on the terminal.
        Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> org.slf4j.LoggerFactory
                .getLogger(ClientLogging.class).error("unexpected failure: {}", failure.toString()));
    }
}
