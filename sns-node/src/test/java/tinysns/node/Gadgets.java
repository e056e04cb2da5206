package tinysns.node;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;

/**
 * Stand-ins for deserialization gadgets: classes of nobody's API whose {@code readObject} runs in whichever JVM reads
 * them, and says so in a static flag. A hostile client or coordinator sends them back as a reply or as an exception.
 */
final class Gadgets {
    private Gadgets() {
    }

    /** Sent inside a reply (e.g. in a list the reply holds). */
    static final class Gadget implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    /** Thrown by a hostile remote method: RMI sends it back to the caller, who reads it. */
    static final class GadgetException extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        GadgetException() {
            super("a gadget");
        }

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    static void reset() {
        Gadget.deserialized = false;
        GadgetException.deserialized = false;
    }

    static boolean anyDeserialized() {
        return Gadget.deserialized || GadgetException.deserialized;
    }

    /**
     * Proves the gadgets are live: read with a stream filter that admits everything (it replaces the process-wide
     * one for that stream), each one's readObject does set its flag. Leaves the flags reset.
     */
    static boolean fireWithoutAFilter() throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new Gadget());
            out.writeObject(new GadgetException());
        }
        reset();
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            in.setObjectInputFilter(info -> ObjectInputFilter.Status.ALLOWED);
            in.readObject();
            in.readObject();
        }
        boolean fired = Gadget.deserialized && GadgetException.deserialized;
        reset();
        return fired;
    }
}
