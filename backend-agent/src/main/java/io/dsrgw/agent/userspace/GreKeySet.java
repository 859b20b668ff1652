package io.dsrgw.agent.userspace;

import java.util.Arrays;
import java.util.List;

/**
 * The GRE keys (RFC 2890 section 2.1, 32 bits) the agent accepts besides unkeyed GRE; immutable,
 * {@link #contains} allocates nothing. Keys are held as the int with the key's bits.
 */
public final class GreKeySet {
    private final int[] sorted;

    private GreKeySet(int[] keys) {
        this.sorted = Arrays.stream(keys).distinct().sorted().toArray();
    }

    /**
     * From configured keys (0..4294967295).
     *
     * @throws IllegalArgumentException for a key outside 32 bits
     */
    public static GreKeySet of(List<Long> keys) {
        int[] k = new int[keys.size()];
        for (int i = 0; i < k.length; i++) {
            long v = keys.get(i);
            if (v < 0 || v > 0xffff_ffffL) {
                throw new IllegalArgumentException("gre key " + v + " (expected: 0..4294967295)");
            }
            k[i] = (int) v;
        }
        return new GreKeySet(k);
    }

    /** True when the key (its 32 bits as an int) is accepted. */
    public boolean contains(int key) {
        return Arrays.binarySearch(sorted, key) >= 0;
    }

    /** Number of keys. */
    public int size() {
        return sorted.length;
    }
}
