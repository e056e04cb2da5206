package tinysns.codec;

import com.alipay.hessian.ClassNameFilter;
import com.alipay.hessian.ClassNameResolver;
import com.caucho.hessian.io.Hessian2Input;
import com.caucho.hessian.io.Hessian2Output;
import com.caucho.hessian.io.SerializerFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import tinysns.domain.Command;

/**
 * Encodes commands for the Raft log: one version byte, then the command in Hessian 2.
 *
 * <p>The version byte is there so that a later encoding can be introduced while old entries are still in logs and
 * snapshots: a replica refuses, loudly, an entry of a version it does not know instead of misreading it.
 *
 * <p>Runtime requirement: sofa-hessian 4.0.4 on Java 17 reflects into {@code java.lang}; the JVM needs
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} or the first use fails with an ExceptionInInitializerError
 * (PITFALLS.md).
 *
 * <p>Decoding admits only the domain's classes and the few JDK types they contain: log entries arrive from the network
 * (AppendEntries, snapshots), and Hessian would otherwise instantiate any class named in the bytes.
 *
 * <p>Thread-safe: every call uses its own streams; the serializer factory is shared (it caches per-class serializers).
 */
public final class CommandCodec {
    public static final byte VERSION_1 = 1;

    private static final SerializerFactory FACTORY = createFactory();

    private CommandCodec() {
    }

    private static SerializerFactory createFactory() {
        SerializerFactory factory = new SerializerFactory(CommandCodec.class.getClassLoader());
        ClassNameResolver resolver = new ClassNameResolver();
        resolver.addFilter(new AllowListFilter());
        factory.setClassNameResolver(resolver);
        return factory;
    }

    public static byte[] encode(Command command) {
        if (command == null) {
            throw new CodecException("cannot encode a null command");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        bytes.write(VERSION_1);
        Hessian2Output out = new Hessian2Output(bytes);
        out.setSerializerFactory(FACTORY);
        try {
            out.writeObject(command);
            out.close();
        } catch (IOException e) {
            throw new CodecException("cannot encode " + command, e);
        }
        return bytes.toByteArray();
    }

    /** Decodes the remaining bytes of {@code data} without moving its position. */
    public static Command decode(ByteBuffer data) {
        ByteBuffer view = data.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return decode(bytes);
    }

    public static Command decode(byte[] bytes) {
        if (bytes == null || bytes.length < 2) {
            throw new CodecException("log entry too short to be a command: " + (bytes == null ? 0 : bytes.length)
                    + " bytes");
        }
        if (bytes[0] != VERSION_1) {
            throw new CodecException("unknown command encoding version " + bytes[0] + " (this build reads version "
                    + VERSION_1 + "); a newer build wrote this entry");
        }
        Hessian2Input in = new Hessian2Input(new ByteArrayInputStream(bytes, 1, bytes.length - 1));
        in.setSerializerFactory(FACTORY);
        Object decoded;
        try {
            decoded = in.readObject();
            in.close();
        } catch (IOException | RuntimeException e) {
            throw new CodecException("cannot decode command (" + bytes.length + " bytes)", e);
        }
        if (!(decoded instanceof Command command)) {
            throw new CodecException("log entry holds "
                    + (decoded == null ? "null" : decoded.getClass().getName()) + ", not a Command");
        }
        return command;
    }

    /** Admits the domain's own classes and the JDK collections they hold; anything else is refused before loading. */
    private static final class AllowListFilter implements ClassNameFilter {
        private static final Set<String> JDK_TYPES = Set.of(
                "java.util.ArrayList", "java.util.List", "java.util.Collections$UnmodifiableRandomAccessList",
                "java.lang.String", "java.lang.Long", "java.lang.Integer");

        @Override
        public int order() {
            return 0;
        }

        @Override
        public String resolve(String className) throws IOException {
            if (className.startsWith("tinysns.domain.") || JDK_TYPES.contains(className)) {
                return className;
            }
            throw new IOException("class not allowed in the Raft log: " + className);
        }
    }
}
