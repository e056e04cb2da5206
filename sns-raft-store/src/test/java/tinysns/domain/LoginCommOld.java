package tinysns.domain;

/**
 * The shape of {@link LoginCommand} as builds before the live-client rule wrote it into the Raft log (no
 * {@code exclusive} field). Its name has as many characters as the real one, so a test can rename an encoded entry
 * and hand the real decoder exactly what an old log holds.
 */
final class LoginCommOld extends Command {
    private static final long serialVersionUID = 1L;

    private final long userId;
    private final String token;

    LoginCommOld(long userId, String token) {
        this.userId = userId;
        this.token = token;
    }

    /** This command encoded, then renamed to {@link LoginCommand}: an old build's login entry. */
    byte[] asOldLoginEntry() {
        byte[] bytes = tinysns.codec.CommandCodec.encode(this);
        byte[] from = LoginCommOld.class.getName().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] to = LoginCommand.class.getName().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (from.length != to.length) {
            throw new AssertionError("the stand-in's name must be as long as " + LoginCommand.class.getName());
        }
        for (int at = 0; at + from.length <= bytes.length; at++) {
            if (java.util.Arrays.equals(bytes, at, at + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, bytes, at, to.length);
                return bytes;
            }
        }
        throw new AssertionError("class name not found in the encoded entry");
    }
}
