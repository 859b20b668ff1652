package io.dsrgw.encap.ip;

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers") used by dsrgw. */
public final class IpProtocol {
    /** RFC 792. */
    public static final int ICMP = 1;
    /** IPv4 in IPv4, RFC 2003 (and RFC 2893 "IP-in-IP" naming). */
    public static final int IPIP = 4;
    /** RFC 9293. */
    public static final int TCP = 6;
    /** RFC 768. */
    public static final int UDP = 17;
    /** IPv6 encapsulation (6in4 / sit, RFC 4213). */
    public static final int IPV6 = 41;
    /** RFC 2784. */
    public static final int GRE = 47;
    /** RFC 4443. */
    public static final int ICMPV6 = 58;

    private IpProtocol() {
    }

    /** A short lower-case name for logs and diagnostics ("tcp", "udp", ... or the number). */
    public static String name(int protocol) {
        return switch (protocol) {
            case ICMP -> "icmp";
            case IPIP -> "ipip";
            case TCP -> "tcp";
            case UDP -> "udp";
            case IPV6 -> "ipv6";
            case GRE -> "gre";
            case ICMPV6 -> "icmpv6";
            default -> Integer.toString(protocol);
        };
    }
}
