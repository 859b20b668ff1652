package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.linux.NextHopLookup.NextHop;

import java.util.List;

/**
 * An immutable answer to "out of which interface, to which MAC" for a set of destinations (the backends' tunnel
 * addresses), as the kernel's route and neighbour tables said at {@link #resolvedAtNs()}. Built by the
 * {@link NextHopResolver} off the packet path and published whole; a worker reads the current one once per batch
 * and looks destinations up without locks or allocation (open addressing, linear probing).
 *
 * <p>A destination is {@link #UNKNOWN} (not asked about: an ICMP reply to a client, a backend added a moment ago),
 * {@link #UNUSABLE} (asked about, but the kernel had no usable next hop: send through the kernel, which resolves
 * it) or an entry index whose {@link #ifindex} and {@link #mac} a link-layer sender may use. The next hop of an
 * on-link destination is the destination itself, so the same cache answers "send to the backend's own MAC" (L2
 * DSR) as well as "send to the router's MAC".
 */
public final class NextHopCache {
    /** The destination was not asked about. */
    public static final int UNKNOWN = -1;
    /** The kernel had no usable next hop for the destination. */
    public static final int UNUSABLE = -2;
    /** A cache older than this is not used (its resolver stopped or fell behind): every packet goes raw. */
    public static final long MAX_AGE_NS = 2_000_000_000L;
    /** The cache of nothing: every lookup {@link #UNKNOWN}, never fresh. */
    public static final NextHopCache EMPTY = new NextHopCache(List.of(), 0, false);

    private final long resolvedAtNs;
    private final boolean resolved;
    private final int mask4;
    private final int[] keys4;
    /** Entry index or UNUSABLE, plus 3 (0 marks an empty slot). */
    private final int[] values4;
    private final int mask6;
    private final long[] keys6Hi;
    private final long[] keys6Lo;
    private final int[] values6;
    private final int[] ifindex;
    private final long[] mac;
    /** MTU of entry e's output interface (0: not known). */
    private final int[] mtu;
    private final List<NextHop> hops;

    /**
     * @param hops         one answer per destination (4- or 16-byte destinations; duplicates: the first counts)
     * @param resolvedAtNs {@link System#nanoTime()} when the answers were taken
     */
    public NextHopCache(List<NextHop> hops, long resolvedAtNs) {
        this(hops, resolvedAtNs, true, ifindex -> 0);
    }

    /** As {@link #NextHopCache(List, long)}, with the MTU of each output interface (0: unknown). */
    public NextHopCache(List<NextHop> hops, long resolvedAtNs, java.util.function.IntUnaryOperator mtuByIfindex) {
        this(hops, resolvedAtNs, true, mtuByIfindex);
    }

    private NextHopCache(List<NextHop> hops, long resolvedAtNs, boolean resolved) {
        this(hops, resolvedAtNs, resolved, ifindex -> 0);
    }

    private NextHopCache(List<NextHop> hops, long resolvedAtNs, boolean resolved,
                         java.util.function.IntUnaryOperator mtuByIfindex) {
        this.hops = List.copyOf(hops);
        this.resolvedAtNs = resolvedAtNs;
        this.resolved = resolved;
        int n4 = 0;
        int n6 = 0;
        for (NextHop h : this.hops) {
            if (h.destination().length == 4) {
                n4++;
            } else {
                n6++;
            }
        }
        int size4 = tableSize(n4);
        int size6 = tableSize(n6);
        this.mask4 = size4 - 1;
        this.keys4 = new int[size4];
        this.values4 = new int[size4];
        this.mask6 = size6 - 1;
        this.keys6Hi = new long[size6];
        this.keys6Lo = new long[size6];
        this.values6 = new int[size6];
        this.ifindex = new int[this.hops.size()];
        this.mac = new long[this.hops.size()];
        this.mtu = new int[this.hops.size()];
        for (int e = 0; e < this.hops.size(); e++) {
            NextHop h = this.hops.get(e);
            ifindex[e] = h.ifindex();
            mac[e] = h.mac();
            mtu[e] = h.usable() ? mtuByIfindex.applyAsInt(h.ifindex()) : 0;
            int stored = (h.usable() ? e : UNUSABLE) + 3;
            byte[] d = h.destination();
            if (d.length == 4) {
                int key = toInt(d, 0);
                int i = hash(key) & mask4;
                while (values4[i] != 0 && keys4[i] != key) {
                    i = (i + 1) & mask4;
                }
                if (values4[i] == 0) {
                    keys4[i] = key;
                    values4[i] = stored;
                }
            } else {
                long hi = toLong(d, 0);
                long lo = toLong(d, 8);
                int i = hash(hi ^ lo) & mask6;
                while (values6[i] != 0 && (keys6Hi[i] != hi || keys6Lo[i] != lo)) {
                    i = (i + 1) & mask6;
                }
                if (values6[i] == 0) {
                    keys6Hi[i] = hi;
                    keys6Lo[i] = lo;
                    values6[i] = stored;
                }
            }
        }
    }

    private static int tableSize(int entries) {
        return Math.max(4, Integer.highestOneBit(Math.max(1, entries) * 2 - 1) << 1);
    }

    private static int hash(int key) {
        int h = key * 0x9E3779B1;
        return h ^ (h >>> 16);
    }

    private static int hash(long key) {
        return hash((int) (key ^ (key >>> 32)));
    }

    private static int toInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static long toLong(byte[] b, int at) {
        return (long) toInt(b, at) << 32 | (toInt(b, at + 4) & 0xffffffffL);
    }

    /** The entry for IPv4 {@code destination} (most significant byte first), or UNKNOWN / UNUSABLE. */
    public int lookup4(int destination) {
        int[] keys = keys4;
        int[] values = values4;
        int i = hash(destination) & mask4;
        while (true) {
            int v = values[i];
            if (v == 0) {
                return UNKNOWN;
            }
            if (keys[i] == destination) {
                return v - 3;
            }
            i = (i + 1) & mask4;
        }
    }

    /** The entry for the IPv6 destination {@code hi:lo}, or UNKNOWN / UNUSABLE. */
    public int lookup6(long hi, long lo) {
        int i = hash(hi ^ lo) & mask6;
        while (true) {
            int v = values6[i];
            if (v == 0) {
                return UNKNOWN;
            }
            if (keys6Hi[i] == hi && keys6Lo[i] == lo) {
                return v - 3;
            }
            i = (i + 1) & mask6;
        }
    }

    /** Output interface of entry {@code e}. */
    public int ifindex(int e) {
        return ifindex[e];
    }

    /** Next-hop MAC of entry {@code e} (low 48 bits). */
    public long mac(int e) {
        return mac[e];
    }

    /** MTU of entry {@code e}'s output interface, 0 when not known (L2 DSR's too-big limit). */
    public int mtu(int e) {
        return mtu[e];
    }

    /** When the answers were taken ({@link System#nanoTime()}). */
    public long resolvedAtNs() {
        return resolvedAtNs;
    }

    /** True when the answers are at most {@link #MAX_AGE_NS} old at {@code nowNs} ({@link #EMPTY}: never). */
    public boolean fresh(long nowNs) {
        return resolved && nowNs - resolvedAtNs <= MAX_AGE_NS;
    }

    /** The answers this cache was built from. */
    public List<NextHop> hops() {
        return hops;
    }
}
