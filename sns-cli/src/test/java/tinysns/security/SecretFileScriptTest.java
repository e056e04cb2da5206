package tinysns.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ensure_secret} of {@code scripts/lib.sh}, which {@code sns-up.sh} (and the end-to-end harness) run to make
 * {@code <run-dir>/secret}: 32 random bytes in base64, owner-only (600) from the moment it exists, and kept as it is
 * on a restart, so processes still running are not locked out.
 */
@Timeout(60)
class SecretFileScriptTest {
    private static final Path LIB = Path.of("..", "scripts", "lib.sh").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void makesAnOwnerOnlyRandomSecretAndKeepsItOnRestart() throws Exception {
        Path file = dir.resolve("secret");
        ensureSecret(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
        assertEquals(32, Base64.getDecoder().decode(secret).length, "32 random bytes in base64: " + secret);

        ensureSecret(file);
        assertEquals(secret, Files.readString(file, StandardCharsets.UTF_8).strip(), "a restart keeps the secret");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        Path other = dir.resolve("other");
        ensureSecret(other);
        assertNotEquals(secret, Files.readString(other, StandardCharsets.UTF_8).strip(), "each deployment its own");
        try (var left = Files.list(dir)) {
            assertEquals(2, left.count(), "no temporary file left behind");
        }
    }

    @Test
    void tightensTheModeOfAnExistingSecret() throws Exception {
        Path file = dir.resolve("secret");
        Files.writeString(file, "kept-as-it-is\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        ensureSecret(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("kept-as-it-is", Files.readString(file).strip());
    }

    private static void ensureSecret(Path file) throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(LIB), LIB + " is missing");
        // A permissive umask, so only the function's own umask can make the file owner-only.
        Process bash = new ProcessBuilder("bash", "-c", "umask 022; source \"$1\" && ensure_secret \"$2\"",
                "ensure_secret", LIB.toString(), file.toString()).redirectErrorStream(true).start();
        try {
            assertTrue(bash.waitFor(20, TimeUnit.SECONDS), "ensure_secret did not finish");
            String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, bash.exitValue(), output);
        } finally {
            bash.destroyForcibly();
        }
    }
}
