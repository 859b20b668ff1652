package io.dsrgw.gateway.dataplane;

import java.util.Arrays;

/**
 * The IPv6 counterpart of the VIP table's {@link LongIntHashMap}: a fixed-capacity open-addressing map from
 * (address hi, address lo, protocol, port) to a VIP index, without boxing. An IPv6 key (128 + 24 bits) does not
 * fit a long, so buckets hold the full key in three parallel arrays and a lookup compares all of it; the bucket
 * is chosen by a mix of the three parts. Filled once on the control plane, then only read by any number of
 * threads (published as part of an immutable snapshot).
 */
final class Ipv6VipMap {
    /** Returned by {@link #get} for a missing key. */
    static final int MISSING = -1;

    private final long[] his;
    private final long[] los;
    /** protocol << 16 | port; -1 marks an empty bucket (protocol and port are never negative). */
    private final int[] protoPorts;
    private final int[] values;
    private final int mask;
    private int size;

    Ipv6VipMap(int expectedKeys) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedKeys * 2 - 1)) << 1;
        his = new long[capacity];
        los = new long[capacity];
        protoPorts = new int[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(protoPorts, -1);
    }

    /** Stores key -> value; returns the previous value or {@link #MISSING}. Control plane only. */
    int put(long hi, long lo, int protocol, int port, int value) {
        int pp = protoPort(protocol, port);
        int i = bucket(hi, lo, pp);
        while (protoPorts[i] != -1) {
            if (protoPorts[i] == pp && his[i] == hi && los[i] == lo) {
                int old = values[i];
                values[i] = value;
                return old;
            }
            i = (i + 1) & mask;
        }
        if (size + 1 > (mask + 1) / 2) {
            throw new IllegalStateException("map full: " + size + " keys (expected: at most " + (mask + 1) / 2 + ")");
        }
        his[i] = hi;
        los[i] = lo;
        protoPorts[i] = pp;
        values[i] = value;
        size++;
        return MISSING;
    }

    /** The value for the key, or {@link #MISSING}. Allocation-free. */
    int get(long hi, long lo, int protocol, int port) {
        int pp = protoPort(protocol, port);
        int i = bucket(hi, lo, pp);
        int k;
        while ((k = protoPorts[i]) != -1) {
            if (k == pp && his[i] == hi && los[i] == lo) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return MISSING;
    }

    int size() {
        return size;
    }

    private static int protoPort(int protocol, int port) {
        return (protocol & 0xff) << 16 | (port & 0xffff);
    }

    private int bucket(long hi, long lo, int protoPort) {
        // VIPs often share the /64 (hi) and differ in the low bits of lo and in the port: mix everything, then
        // Fibonacci-hash the result.
        long h = hi * 0x9E3779B97F4A7C15L ^ lo ^ (long) protoPort << 40 ^ protoPort;
        h ^= h >>> 29;
        return (int) ((h * 0xBF58476D1CE4E5B9L) >>> 40) & mask;
    }
}
