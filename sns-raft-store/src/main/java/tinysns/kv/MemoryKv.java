package tinysns.kv;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** The whole key space in a sorted map: the domain's state for tests, simulations and reference runs. */
public final class MemoryKv implements KvWriter {
    private final TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);

    @Override
    public byte[] get(byte[] key) {
        byte[] v = map.get(key);
        return v == null ? null : v.clone();
    }

    @Override
    public void scan(byte[] from, byte[] to, KvVisitor visitor) {
        for (Map.Entry<byte[], byte[]> e : map.subMap(from, true, to, false).entrySet()) {
            if (!visitor.visit(e.getKey().clone(), e.getValue().clone())) {
                return;
            }
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        map.put(key.clone(), value.clone());
    }

    @Override
    public void delete(byte[] key) {
        map.remove(key);
    }

    public int size() {
        return map.size();
    }
}
