package io.dsrgw.conf;

import io.dsrgw.encap.ip.Ipv6Addresses;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Strict IPv4 / IPv6 address literals, parsed without ever touching DNS ({@link InetAddress#getByName} would
 * resolve a typo such as "10.0.3.l1" as a host name, and block for seconds doing it).
 *
 * <p>Accepted: dotted-quad IPv4 ({@code 10.0.3.11}, no leading zeros because {@code 010} means 8 to some tools
 * and 10 to others); IPv6 in RFC 4291 §2.2 text form ({@code fd00:3::11}, {@code 64:ff9b::10.0.3.11}) without
 * brackets, zone ids or IPv4-mapped form ({@code ::ffff:a.b.c.d}: write the IPv4 address instead).
 */
public final class IpLiterals {

    private IpLiterals() {
    }

    /**
     * @param literal an IPv4 or IPv6 address literal
     * @return the address, an {@link Inet4Address} or an {@link Inet6Address}
     * @throws IllegalArgumentException with the reason (e.g. "300 is not an octet 0..255")
     */
    public static InetAddress parse(String literal) {
        if (literal.indexOf(':') >= 0) {
            return parseIpv6(literal);
        }
        return parseIpv4(literal);
    }

    /**
     * @param literal dotted-quad IPv4 literal
     * @return the address
     * @throws IllegalArgumentException with the reason
     */
    public static Inet4Address parseIpv4(String literal) {
        byte[] b = new byte[4];
        parseDotted(literal, b, 0);
        return (Inet4Address) fromBytes(b);
    }

    /**
     * @param literal IPv6 literal (RFC 4291 §2.2 text form)
     * @return the address
     * @throws IllegalArgumentException with the reason
     */
    public static Inet6Address parseIpv6(String literal) {
        String s = literal;
        if (s.startsWith("[") || s.endsWith("]")) {
            throw new IllegalArgumentException("write the address without brackets");
        }
        if (s.indexOf('%') >= 0) {
            throw new IllegalArgumentException("zone ids (%...) are not supported");
        }
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
            throw new IllegalArgumentException("'::' may appear only once");
        }
        byte[] b = new byte[16];
        if (doubleColon < 0) {
            int n = parseGroups(s, b, 0, true);
            if (n != 8) {
                throw new IllegalArgumentException("8 groups of 16 bits needed, found " + n);
            }
        } else {
            byte[] head = new byte[16];
            byte[] tail = new byte[16];
            int nh = parseGroups(s.substring(0, doubleColon), head, 0, false);
            int nt = parseGroups(s.substring(doubleColon + 2), tail, 0, true);
            if (nh + nt > 7) {
                throw new IllegalArgumentException("'::' must stand for at least one group; found " + (nh + nt)
                    + " groups besides it");
            }
            System.arraycopy(head, 0, b, 0, nh * 2);
            System.arraycopy(tail, 0, b, 16 - nt * 2, nt * 2);
        }
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= b[i] == 0;
        }
        if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            throw new IllegalArgumentException("IPv4-mapped IPv6 addresses are not supported; write the IPv4 "
                + "address");
        }
        return (Inet6Address) fromBytes(b);
    }

    /**
     * @param address an address, or null
     * @return the canonical text form (RFC 5952 for IPv6: lower case, longest zero run as "::"), "none" for null
     */
    public static String format(InetAddress address) {
        return address == null ? "none" : Ipv6Addresses.literal(address);
    }

    /**
     * @return true for addresses no packet should be tunnelled to or from: unspecified, loopback, multicast and
     *     the IPv4 limited broadcast
     */
    static boolean isSpecial(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        return b.length == 4 && (b[0] & b[1] & b[2] & b[3]) == (byte) 0xff;
    }

    private static void parseDotted(String s, byte[] out, int at) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("4 dot-separated octets needed, found " + parts.length);
        }
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !allDigits(p)) {
                throw new IllegalArgumentException("'" + p + "' is not an octet 0..255");
            }
            if (p.length() > 1 && p.charAt(0) == '0') {
                throw new IllegalArgumentException("'" + p + "' has a leading zero (octal or decimal?)");
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                throw new IllegalArgumentException(v + " is not an octet 0..255");
            }
            out[at + i] = (byte) v;
        }
    }

    /** Parses colon-separated hex groups (optionally ending in a dotted quad); returns the number of groups. */
    private static int parseGroups(String s, byte[] out, int at, boolean ipv4AllowedAtEnd) {
        if (s.isEmpty()) {
            return 0;
        }
        String[] parts = s.split(":", -1);
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (n >= 8) {
                throw new IllegalArgumentException("more than 8 groups");
            }
            if (i == parts.length - 1 && p.indexOf('.') >= 0) {
                if (!ipv4AllowedAtEnd || n > 6) {
                    throw new IllegalArgumentException("an embedded IPv4 address must be the last 32 bits");
                }
                parseDotted(p, out, at + 2 * n);
                return n + 2;
            }
            if (p.isEmpty()) {
                throw new IllegalArgumentException("empty group (use '::' once to skip zero groups)");
            }
            if (p.length() > 4) {
                throw new IllegalArgumentException("group '" + p + "' has more than 4 hex digits");
            }
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                int d = Character.digit(p.charAt(k), 16);
                if (d < 0) {
                    throw new IllegalArgumentException("'" + p + "' is not a hex group");
                }
                v = v << 4 | d;
            }
            out[at + 2 * n] = (byte) (v >>> 8);
            out[at + 2 * n + 1] = (byte) v;
            n++;
        }
        return n;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static InetAddress fromBytes(byte[] b) {
        try {
            return InetAddress.getByAddress(b); // no name service lookup for a raw address
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes always make an address", e);
        }
    }
}
