package tinysns.codec;

/** A log entry that cannot be encoded or decoded: unknown version, corrupt bytes, or a class not allowed in the log. */
public class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
