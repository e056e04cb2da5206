package tinysns.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import tinysns.api.rmi.RmiTransport;

/**
 * The TLS key of the TLS deployments of this test JVM, made by the code {@code scripts/sns-up.sh --tls} uses
 * (PKCS12, self-signed, SAN ip:127.0.0.1 and dns:localhost, owner-only files) with the {@code keytool} of the JDK
 * running the tests.
 *
 * <p>One key per JVM, not per deployment: the JDK's {@code SslRMIClientSocketFactory} takes the default SSL context
 * once, at its first connection, so this JVM can only ever hold one deployment's key.
 */
final class TestTls {
    private static Path keyDir;

    private TestTls() {
    }

    static synchronized Path keyDir() throws IOException {
        if (keyDir == null) {
            Path dir = Files.createTempDirectory("sns-e2e-tls-");
            generate(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Deployment.deleteRecursively(dir);
                } catch (IOException e) {
                    System.err.println("e2e: could not delete " + dir + ": " + e);
                }
            }, "e2e-delete-tls-key"));
            keyDir = dir.resolve("tls");
        }
        return keyDir;
    }

    /** This JVM's own RMI calls (status polls, lookups) speak TLS with the key until {@code usePlain()}. */
    static void useInThisJvm() throws IOException {
        RmiTransport.useTls(keyDir());
    }

    /**
     * {@code ensure_tls_key} of {@code scripts/lib.sh}, the very code {@code sns-up.sh --tls} runs, with the JDK
     * running this test (its keytool is beside its java); then checks the files are owner-only.
     */
    private static void generate(Path dir) throws IOException {
        Path lib = SnsJvm.jar().getParent().getParent().getParent().resolve("scripts/lib.sh");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", "source \"$1\" && ensure_tls_key \"$2\" e2e",
                "ensure_tls_key", lib.toString(), dir.resolve("tls").toString()).redirectErrorStream(true);
        builder.environment().put("JAVA", ProcessHandle.current().info().command().orElse(SnsJvm.javaBinary()));
        Process bash = builder.start();
        try {
            boolean exited = bash.waitFor(60, TimeUnit.SECONDS);
            String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!exited || bash.exitValue() != 0) {
                throw new IOException("ensure_tls_key " + dir + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making the TLS key in " + dir, e);
        } finally {
            bash.destroyForcibly();
        }
        for (String file : List.of(RmiTransport.KEYSTORE_FILE, RmiTransport.PASSWORD_FILE)) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir.resolve("tls").resolve(file));
            if (!mode.equals(PosixFilePermissions.fromString("rw-------"))) {
                throw new IllegalStateException(file + " has mode " + PosixFilePermissions.toString(mode)
                        + ", not rw------- (600)");
            }
        }
    }
}
