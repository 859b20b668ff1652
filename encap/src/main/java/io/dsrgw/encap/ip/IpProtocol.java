package io.dsrgw.encap.ip;

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers") used by dsrgw. */
public final class IpProtocol {
    /** IPv6 hop-by-hop options extension header (RFC 8200 section 4.3); only valid first. */
    public static final int HOP_BY_HOP = 0;
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
    /** IPv6 routing extension header (RFC 8200 section 4.4). */
    public static final int IPV6_ROUTING = 43;
    /** IPv6 fragment extension header (RFC 8200 section 4.5). */
    public static final int IPV6_FRAGMENT = 44;
    /** RFC 2784. */
    public static final int GRE = 47;
    /** Encapsulating Security Payload (RFC 4303): opaque, ends an extension header walk. */
    public static final int ESP = 50;
    /** Authentication Header (RFC 4302). */
    public static final int AH = 51;
    /** RFC 4443. */
    public static final int ICMPV6 = 58;
    /** IPv6 "no next header" (RFC 8200 section 4.7). */
    public static final int IPV6_NO_NEXT_HEADER = 59;
    /** IPv6 destination options extension header (RFC 8200 section 4.6). */
    public static final int IPV6_DESTINATION_OPTIONS = 60;
    /** Mobility header (RFC 6275). */
    public static final int MOBILITY = 135;
    /** Host Identity Protocol (RFC 7401). */
    public static final int HIP = 139;
    /** Shim6 (RFC 5533). */
    public static final int SHIM6 = 140;
    /** Reserved for experimentation and testing (RFC 3692, RFC 4727). */
    public static final int EXPERIMENTAL_253 = 253;
    public static final int EXPERIMENTAL_254 = 254;

    private IpProtocol() {
    }

    /**
     * True for the IANA "IPv6 Extension Header Types" (RFC 7045): 0, 43, 44, 50, 51, 60, 135, 139, 140, 253,
     * 254. Every other next-header value is an upper layer (where an extension-header walk ends).
     */
    public static boolean isIpv6ExtensionHeader(int nextHeader) {
        return switch (nextHeader) {
            case HOP_BY_HOP, IPV6_ROUTING, IPV6_FRAGMENT, ESP, AH, IPV6_DESTINATION_OPTIONS, MOBILITY, HIP, SHIM6,
                 EXPERIMENTAL_253, EXPERIMENTAL_254 -> true;
            default -> false;
        };
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
            case HOP_BY_HOP -> "hopopt";
            case IPV6_ROUTING -> "ipv6-route";
            case IPV6_FRAGMENT -> "ipv6-frag";
            case ESP -> "esp";
            case AH -> "ah";
            case IPV6_NO_NEXT_HEADER -> "ipv6-nonxt";
            case IPV6_DESTINATION_OPTIONS -> "ipv6-opts";
            default -> Integer.toString(protocol);
        };
    }
}
