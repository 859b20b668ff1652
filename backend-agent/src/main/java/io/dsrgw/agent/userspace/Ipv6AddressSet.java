package io.dsrgw.agent.userspace;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of IPv6 addresses as (hi, lo) pairs of big-endian 64-bit halves; {@link #contains}
 * allocates nothing (binary search over the pairs sorted as unsigned 128-bit numbers).
 */
public final class Ipv6AddressSet {
    private final long[] hi;
    private final long[] lo;

    private Ipv6AddressSet(long[][] pairs) {
        long[][] sorted = Arrays.stream(pairs).sorted(Ipv6AddressSet::compare).toArray(long[][]::new);
        int n = 0;
        long[] h = new long[sorted.length];
        long[] l = new long[sorted.length];
        for (long[] p : sorted) {
            if (n == 0 || h[n - 1] != p[0] || l[n - 1] != p[1]) {
                h[n] = p[0];
                l[n] = p[1];
                n++;
            }
        }
        this.hi = Arrays.copyOf(h, n);
        this.lo = Arrays.copyOf(l, n);
    }

    /** From the IPv6 members of {@code addresses}; others (IPv4) are ignored. */
    public static Ipv6AddressSet ofInet(List<? extends InetAddress> addresses) {
        return new Ipv6AddressSet(addresses.stream().filter(a -> a instanceof Inet6Address)
                .map(a -> new long[] {half(a, 0), half(a, 8)}).toArray(long[][]::new));
    }

    /** True when the address (hi, lo) is a member. */
    public boolean contains(long addressHi, long addressLo) {
        int low = 0;
        int high = hi.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = Long.compareUnsigned(hi[mid], addressHi);
            if (c == 0) {
                c = Long.compareUnsigned(lo[mid], addressLo);
            }
            if (c == 0) {
                return true;
            }
            if (c < 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return false;
    }

    /** Number of members. */
    public int size() {
        return hi.length;
    }

    /** Big-endian 8 bytes of {@code a} from {@code from}. */
    static long half(InetAddress a, int from) {
        byte[] b = a.getAddress();
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    private static int compare(long[] a, long[] b) {
        int c = Long.compareUnsigned(a[0], b[0]);
        return c != 0 ? c : Long.compareUnsigned(a[1], b[1]);
    }
}
