package io.dsrgw.agent.plan;

import io.dsrgw.encap.ip.Ipv6Addresses;

import java.net.InetAddress;

/** Address literals as iproute2 and nft print them (IPv6 compressed per RFC 5952), so comparisons agree. */
public final class Addresses {
    private Addresses() {
    }

    /** {@code 10.100.0.1}, {@code fd00:100::1}. */
    public static String literal(InetAddress a) {
        return Ipv6Addresses.literal(a);
    }

    /** The canonical literal of any IP literal (throws IllegalArgumentException for a non-literal). */
    public static String canonical(String literal) {
        return literal(InetAddress.ofLiteral(literal));
    }
}
