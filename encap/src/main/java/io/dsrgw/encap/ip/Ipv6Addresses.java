package io.dsrgw.encap.ip;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IPv6 addresses as two longs, {@code hi} (bytes 0..7) and {@code lo} (bytes 8..15), each holding the
 * big-endian value: the representation {@link Ipv6Flyweight} and {@link io.dsrgw.encap.flow.FlowKey} use.
 * Control-plane helpers: they allocate and throw.
 */
public final class Ipv6Addresses {
    private Ipv6Addresses() {
    }

    /**
     * The first 8 bytes of an {@link Inet6Address}.
     *
     * @throws IllegalArgumentException for any other address family
     */
    public static long hi(InetAddress a) {
        return load(bytes(a), 0);
    }

    /** The last 8 bytes of an {@link Inet6Address}. */
    public static long lo(InetAddress a) {
        return load(bytes(a), 8);
    }

    /**
     * Parses an IPv6 literal (any RFC 4291 section 2.2 form, no brackets, no zone, no host name lookup).
     *
     * @return {hi, lo}
     * @throws IllegalArgumentException with the offending text and the expected form
     */
    public static long[] parse(String text) {
        if (text == null || text.indexOf(':') < 0 || text.indexOf('%') >= 0) {
            throw bad(text);
        }
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw bad(text);
        }
        if (!(a instanceof Inet6Address)) {
            // an IPv4-mapped literal (::ffff:a.b.c.d) comes back as Inet4Address: keep its IPv6 form
            byte[] b = a.getAddress();
            return new long[] {0, 0xffff_0000_0000L | load4(b)};
        }
        return new long[] {hi(a), lo(a)};
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("'" + text + "' (expected: IPv6 address such as fd00:2::2)");
    }

    /**
     * The literal of any IP address as iproute2, nft and the configuration print it: RFC 5952 text for IPv6
     * ({@link #format(long, long)}), the dotted quad for IPv4. Control plane only (allocates).
     */
    public static String literal(InetAddress a) {
        return a instanceof java.net.Inet6Address ? format(hi(a), lo(a)) : a.getHostAddress();
    }

    /** RFC 5952 text: lower case, leading zeros dropped, the longest run (2+) of zero groups as "::". */
    public static String format(long hi, long lo) {
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            groups[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** The {@link Inet6Address} of hi/lo (no name lookup; IPv4-mapped addresses stay IPv6). */
    public static Inet6Address toInetAddress(long hi, long lo) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[i + 8] = (byte) (lo >>> (56 - 8 * i));
        }
        try {
            return Inet6Address.getByAddress(null, b, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("16-byte address rejected", e); // cannot happen for 16 bytes
        }
    }

    private static byte[] bytes(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            throw new IllegalArgumentException(a + " (expected: an IPv6 address)");
        }
        return a.getAddress();
    }

    private static long load(byte[] b, int from) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[from + i] & 0xff);
        }
        return v;
    }

    private static long load4(byte[] b) {
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }
}
