package io.dsrgw.encap.ip;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * IPv4 addresses as {@code int}s holding the big-endian value (10.0.0.1 is {@code 0x0a000001}), the
 * representation every flyweight uses. Control-plane helpers: they allocate and throw.
 */
public final class Ipv4Addresses {
    private Ipv4Addresses() {
    }

    /**
     * Parses strict dotted-quad notation: exactly four decimal parts 0..255, no leading zeros (which some
     * parsers read as octal), no whitespace.
     *
     * @throws IllegalArgumentException with the offending text and the expected form
     */
    public static int parse(String dotted) {
        if (dotted == null) {
            throw new IllegalArgumentException("null (expected: IPv4 address a.b.c.d)");
        }
        int addr = 0;
        int parts = 0;
        int i = 0;
        int n = dotted.length();
        while (true) {
            int start = i;
            int value = 0;
            while (i < n && dotted.charAt(i) >= '0' && dotted.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (dotted.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && dotted.charAt(start) == '0')) {
                throw bad(dotted);
            }
            addr = (addr << 8) | value;
            parts++;
            if (parts == 4) {
                if (i != n) {
                    throw bad(dotted);
                }
                return addr;
            }
            if (i >= n || dotted.charAt(i) != '.') {
                throw bad(dotted);
            }
            i++;
        }
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("'" + text + "' (expected: IPv4 address a.b.c.d, each part 0..255)");
    }

    /** Dotted-quad text of an address int. */
    public static String format(int addr) {
        return (addr >>> 24) + "." + ((addr >>> 16) & 0xff) + "." + ((addr >>> 8) & 0xff) + "." + (addr & 0xff);
    }

    /**
     * The int of an {@link Inet4Address}.
     *
     * @throws IllegalArgumentException for any other address family
     */
    public static int of(InetAddress a) {
        if (!(a instanceof Inet4Address)) {
            throw new IllegalArgumentException(a + " (expected: an IPv4 address)");
        }
        byte[] b = a.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    /** The {@link Inet4Address} of an address int (no name lookup). */
    public static Inet4Address toInetAddress(int addr) {
        byte[] b = {(byte) (addr >>> 24), (byte) (addr >>> 16), (byte) (addr >>> 8), (byte) addr};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("4-byte address rejected", e); // cannot happen for 4 bytes
        }
    }
}
