package tinysns.kv;

@FunctionalInterface
public interface KvVisitor {
    /** @return false to stop the scan */
    boolean visit(byte[] key, byte[] value);
}
