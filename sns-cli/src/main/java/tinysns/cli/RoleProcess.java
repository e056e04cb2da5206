package tinysns.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a started role until the JVM is asked to stop (SIGTERM, Ctrl-C), then closes it cleanly. */
final class RoleProcess {
    private static final Logger log = LoggerFactory.getLogger(RoleProcess.class);

    private RoleProcess() {
    }

    static int runUntilStopped(String role, AutoCloseable started) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("{} stopping", role);
            try {
                started.close();
            } catch (Exception e) {
                log.warn("{} did not stop cleanly: {}", role, e.toString());
            }
            stopped.countDown();
        }, "shutdown-" + role));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The deployment's shared secret from a file (first line, trimmed), or null when no file is given. */
    static String readSecret(Path file) throws IOException {
        if (file == null) {
            return null;
        }
        String secret = Files.readString(file).strip();
        if (secret.isEmpty()) {
            throw new IOException("the secret file " + file + " is empty");
        }
        return secret;
    }
}
