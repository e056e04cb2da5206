package tinysns.raft;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tinysns.api.rmi.RmiTransport;

/**
 * A deployment key made the way {@code ensure_tls_key} of {@code scripts/lib.sh} ({@code sns-up.sh --tls}) makes it:
 * the running JDK's {@code keytool}, PKCS12, one self-signed EC P-256 key pair, the password in a file, both files
 * owner-only. keytool's output goes to a file, so the wait for it is bounded.
 */
final class TestTlsKeys {
    private TestTlsKeys() {
    }

    static Path generate(Path dir, String name) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path password = dir.resolve(RmiTransport.PASSWORD_FILE);
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        Files.writeString(password, HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path output = dir.resolve("keytool.out");
        Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "sns",
                "-keyalg", "EC", "-keysize", "256", "-validity", "3650", "-dname", "CN=Tiny SNS test " + name,
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", dir.resolve(RmiTransport.KEYSTORE_FILE).toString(),
                "-storepass:file", password.toString(), "-keypass:file", password.toString(), "-noprompt"))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool failed: " + Files.readString(output, StandardCharsets.UTF_8));
            }
        } finally {
            process.destroyForcibly();
        }
        Files.delete(output);
        Files.setPosixFilePermissions(dir.resolve(RmiTransport.KEYSTORE_FILE),
                PosixFilePermissions.fromString("rw-------"));
        return dir;
    }
}
