package tinysns.api.rmi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A deployment key made the way {@code scripts/sns-up.sh --tls} makes it: keytool of the running JDK. */
final class TlsKeys {
    private TlsKeys() {
    }

    static Path generate(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path password = dir.resolve(RmiTransport.PASSWORD_FILE);
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        Files.writeString(password, HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "sns",
                "-keyalg", "EC", "-keysize", "256", "-validity", "3650", "-dname", "CN=Tiny SNS test deployment",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", dir.resolve(RmiTransport.KEYSTORE_FILE).toString(),
                "-storepass:file", password.toString(), "-keypass:file", password.toString(), "-noprompt"))
                .redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("keytool failed: " + new String(output, StandardCharsets.UTF_8));
        }
        Files.setPosixFilePermissions(dir.resolve(RmiTransport.KEYSTORE_FILE),
                PosixFilePermissions.fromString("rw-------"));
        return dir;
    }
}
