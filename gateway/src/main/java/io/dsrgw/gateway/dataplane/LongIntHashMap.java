package io.dsrgw.gateway.dataplane;

import java.util.Arrays;

/**
 * A fixed-capacity, open-addressing (linear probing) map from non-negative {@code long} keys to {@code int}
 * values, without boxing. Filled once on the control plane, then only read ({@link #get}) by any number of
 * threads; it is published safely as part of an immutable snapshot.
 *
 * <p>The capacity is a power of two at least twice the number of keys, so probes stay short; the key
 * {@code -1} marks an empty bucket (callers' keys are non-negative by construction).
 */
final class LongIntHashMap {
    static final long EMPTY = -1L;
    /** Returned by {@link #get} for a missing key. */
    static final int MISSING = -1;

    private final long[] keys;
    private final int[] values;
    private final int mask;
    private int size;

    LongIntHashMap(int expectedKeys) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedKeys * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    /** Stores key -> value; returns the previous value or {@link #MISSING}. Control plane only. */
    int put(long key, int value) {
        if (key < 0) {
            throw new IllegalArgumentException("negative key " + key + " (expected: >= 0)");
        }
        int i = bucket(key);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                int old = values[i];
                values[i] = value;
                return old;
            }
            i = (i + 1) & mask;
        }
        if (size + 1 > (mask + 1) / 2) {
            throw new IllegalStateException("map full: " + size + " keys (expected: at most " + (mask + 1) / 2 + ")");
        }
        keys[i] = key;
        values[i] = value;
        size++;
        return MISSING;
    }

    /** The value for key, or {@link #MISSING}. Allocation-free. */
    int get(long key) {
        int i = bucket(key);
        long k;
        while ((k = keys[i]) != EMPTY) {
            if (k == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return MISSING;
    }

    int size() {
        return size;
    }

    private int bucket(long key) {
        // Fibonacci hashing: the VIP keys differ mostly in their low bits (ports), the multiply spreads them.
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }
}
