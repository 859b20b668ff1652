package io.dsrgw.gateway.lb;

import io.dsrgw.encap.ip.Ipv6Addresses;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The canonical text form of a backend address, used as the backend's Maglev identity. Two gateways must derive
 * the same identity from the same backend however its address was written in the config ("010.0.3.10" is not
 * valid HOCON-address syntax, but "FD00:3::0:11" and "fd00:3::11" both are), so the identity is computed from
 * the parsed address, never taken from the config text.
 *
 * <ul>
 *   <li>IPv4: dotted decimal without leading zeros ("10.0.3.10").</li>
 *   <li>IPv6: RFC 5952 section 4: lower case, no leading zeros in a group, the longest run (first one on a tie)
 *       of two or more zero groups compressed to "::", no scope id.</li>
 * </ul>
 * Both forms are {@link Ipv6Addresses#literal(InetAddress)}, the text iproute2, nft and the config use too.
 */
public final class BackendIdentity {
    private BackendIdentity() {
    }

    /** Canonical text of {@code address} (see class comment). */
    public static String of(InetAddress address) {
        if (address instanceof Inet4Address || address instanceof Inet6Address) {
            return Ipv6Addresses.literal(address);
        }
        throw new IllegalArgumentException("unsupported address " + address + " (expected: IPv4 or IPv6)");
    }
}
