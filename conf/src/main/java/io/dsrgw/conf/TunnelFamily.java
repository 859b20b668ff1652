package io.dsrgw.conf;

/**
 * The gateway's per-VIP (or per-backend) choice of tunnel family. The outer header follows from the backend's
 * address family: {@link #IPIP} is ipip (4in4), sit (6in4) or ip6tnl (4in6, 6in6); {@link #GRE} is gre or
 * ip6gre; {@link #GUE} (GUE variant 1, direct IP in UDP) is gue (IPv4 outer) or gue6 (IPv6 outer). {@link #NONE} is
 * no tunnel at all (L2 DSR, the classic MAC-rewrite direct routing): the unchanged IP packet goes in an Ethernet
 * frame to the backend's own MAC, so the backend must be on a network the gateway is connected to and of the VIP's
 * address family.
 */
public enum TunnelFamily {
    IPIP, GRE, GUE,
    /** No tunnel: L2 DSR (MAC rewrite) to an on-link backend of the VIP's family. */
    NONE;

    /** @return the configuration spelling ("ipip", "gre", "gue", "none") */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
