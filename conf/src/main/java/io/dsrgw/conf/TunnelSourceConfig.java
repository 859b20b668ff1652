package io.dsrgw.conf;

import java.net.Inet4Address;
import java.net.Inet6Address;

/**
 * Outer source addresses of the tunnels the gateway builds ({@code dsrgw.gateway.tunnel-source}); the backend
 * agents accept tunnel packets only from these. Each is needed only when a backend of that family exists.
 *
 * @param ipv4 source of IPv4 outer headers (ipip, sit, gre), or null
 * @param ipv6 source of IPv6 outer headers (ip6tnl, ip6gre), or null
 */
public record TunnelSourceConfig(Inet4Address ipv4, Inet6Address ipv6) {

    @Override
    public String toString() {
        return "TunnelSourceConfig[ipv4=" + IpLiterals.format(ipv4) + ", ipv6=" + IpLiterals.format(ipv6) + "]";
    }
}
