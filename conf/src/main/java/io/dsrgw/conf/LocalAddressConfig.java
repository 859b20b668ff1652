package io.dsrgw.conf;

import java.net.Inet4Address;
import java.net.Inet6Address;

/**
 * The agent's own tunnel endpoint addresses ({@code dsrgw.agent.local-address}): the {@code local} address its
 * kernel tunnel devices are bound to, i.e. the backend address the gateway sends tunnel packets to. Each is
 * optional; when one is missing, kernel mode derives it as the source address of the route to the first gateway
 * of that family ({@code ip route get GATEWAY}, its {@code prefsrc}).
 *
 * @param ipv4 local address of IPv4 outer kinds (ipip, sit, gre), or null (derived)
 * @param ipv6 local address of IPv6 outer kinds (ip6tnl, ip6gre), or null (derived)
 */
public record LocalAddressConfig(Inet4Address ipv4, Inet6Address ipv6) {

    /** Nothing configured: both are derived from the routes to the gateways. */
    public static final LocalAddressConfig DERIVED = new LocalAddressConfig(null, null);

    @Override
    public String toString() {
        return "LocalAddressConfig[ipv4=" + IpLiterals.format(ipv4) + ", ipv6=" + IpLiterals.format(ipv6) + "]";
    }
}
