package io.dsrgw.conf;

/**
 * The gateway's per-VIP (or per-backend) choice of tunnel family. The outer header follows from the backend's
 * address family: {@link #IPIP} is ipip (4in4), sit (6in4) or ip6tnl (4in6, 6in6); {@link #GRE} is gre or
 * ip6gre; {@link #GUE} (GUE variant 1, direct IP in UDP) is gue (IPv4 outer) or gue6 (IPv6 outer).
 */
public enum TunnelFamily {
    IPIP, GRE, GUE;

    /** @return the configuration spelling ("ipip", "gre", "gue") */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
