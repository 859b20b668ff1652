package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The source-address policy of packets to a VIP (issue 14), precomputed per {@link ForwardingSnapshot}: which
 * sources no client can have. Per packet {@link #check4} / {@link #check6} are allocation-free: a few bit tests
 * for the martians, then one hash lookup per distinct prefix length present (longest first) for the own addresses
 * (VIPs, backends, tunnel sources, all /32 or /128) and the configured deny prefixes.
 * <ul>
 *   <li>{@link CounterSet#DROP_SOURCE_MARTIAN}: martians as Linux defines them (net/ipv4/route.c,
 *       ip_route_input_slow; ipv6_addr_type): 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 (multicast), 240.0.0.0/4 (with
 *       255.255.255.255); ::, ::1, ff00::/8, and IPv4-mapped ::ffff:0:0/96 (ip6_rcv_core drops such sources:
 *       never on the wire; found by the XDP fuzz target, which the program forwarded);</li>
 *   <li>{@link CounterSet#DROP_SOURCE_OWN}: a VIP, a backend or a tunnel source of the gateway;</li>
 *   <li>{@link CounterSet#DROP_SOURCE_DENIED}: {@code security.deny-sources}.</li>
 * </ul>
 * An own address inside a deny prefix counts as own (the longest match wins). Immutable.
 */
public final class SourcePolicy {
    /** Entry kinds, also the values of the XDP program's source trie (dsrgw_xdp.h, dsrgw_src). */
    public static final int OWN = 1;
    public static final int DENIED = 2;

    private final LongIntHashMap v4;
    /** Distinct IPv4 prefix lengths present, longest first. */
    private final int[] lengths4;
    private final Ipv6VipMap v6;
    private final int[] lengths6;
    private final List<Entry> entries;

    /** One entry: family 4 or 6, address (IPv4 in the low 32 bits of lo, hi 0), prefix length, OWN or DENIED. */
    public record Entry(int family, long hi, long lo, int length, int kind) {
        @Override
        public String toString() {
            return (family == 4 ? Ipv4Addresses.format((int) lo) : Ipv6Addresses.format(hi, lo)) + "/" + length
                    + (kind == OWN ? " own" : " denied");
        }
    }

    SourcePolicy(List<Entry> own, List<Entry> denied) {
        List<Entry> all = new ArrayList<>();
        TreeSet<Integer> l4 = new TreeSet<>();
        TreeSet<Integer> l6 = new TreeSet<>();
        // own first, so that an own address listed in a deny prefix of the same length stays own
        for (Entry e : own) {
            all.add(e);
        }
        for (Entry e : denied) {
            all.add(e);
        }
        this.v4 = new LongIntHashMap(Math.max(1, all.size()));
        this.v6 = new Ipv6VipMap(Math.max(1, all.size()));
        List<Entry> kept = new ArrayList<>();
        for (Entry e : all) {
            int old;
            if (e.family == 4) {
                old = v4.get(key4((int) e.lo, e.length));
                if (old == LongIntHashMap.MISSING) {
                    v4.put(key4((int) e.lo, e.length), e.kind);
                    l4.add(e.length);
                    kept.add(e);
                }
            } else {
                long[] m = mask6(e.hi, e.lo, e.length);
                old = v6.get(m[0], m[1], e.length, 0);
                if (old == Ipv6VipMap.MISSING) {
                    v6.put(m[0], m[1], e.length, 0, e.kind);
                    l6.add(e.length);
                    kept.add(e);
                }
            }
        }
        this.lengths4 = l4.descendingSet().stream().mapToInt(Integer::intValue).toArray();
        this.lengths6 = l6.descendingSet().stream().mapToInt(Integer::intValue).toArray();
        this.entries = List.copyOf(kept);
    }

    /** Every own address and deny prefix, deduplicated: what the XDP program's trie holds. */
    public List<Entry> entries() {
        return entries;
    }

    private static long key4(int address, int length) {
        int masked = length == 0 ? 0 : address & (int) (0xffffffffL << (32 - length));
        return (long) length << 32 | (masked & 0xffffffffL);
    }

    private static long[] mask6(long hi, long lo, int length) {
        long mh = length >= 64 ? -1L : length == 0 ? 0 : -1L << (64 - length);
        long ml = length <= 64 ? 0 : length >= 128 ? -1L : -1L << (128 - length);
        return new long[] {hi & mh, lo & ml};
    }

    /** The drop verdict for IPv4 source {@code src}, or null when it may be a client. Allocation-free. */
    public CounterSet check4(int src) {
        int top = src >>> 24;
        if (top == 0 || top == 127 || top >= 224) {
            return CounterSet.DROP_SOURCE_MARTIAN;
        }
        for (int length : lengths4) {
            int kind = v4.get(key4(src, length));
            if (kind != LongIntHashMap.MISSING) {
                return kind == OWN ? CounterSet.DROP_SOURCE_OWN : CounterSet.DROP_SOURCE_DENIED;
            }
        }
        return null;
    }

    /** The drop verdict for IPv6 source (hi, lo), or null when it may be a client. Allocation-free. */
    public CounterSet check6(long hi, long lo) {
        if ((hi == 0 && (lo == 0 || lo == 1 || (lo >>> 32) == 0xffffL)) || (hi >>> 56) == 0xff) {
            return CounterSet.DROP_SOURCE_MARTIAN;
        }
        for (int length : lengths6) {
            long mh = length >= 64 ? -1L : -1L << (64 - length);
            long ml = length <= 64 ? 0 : length >= 128 ? -1L : -1L << (128 - length);
            int kind = v6.get(hi & mh, lo & ml, length, 0);
            if (kind != Ipv6VipMap.MISSING) {
                return kind == OWN ? CounterSet.DROP_SOURCE_OWN : CounterSet.DROP_SOURCE_DENIED;
            }
        }
        return null;
    }
}
