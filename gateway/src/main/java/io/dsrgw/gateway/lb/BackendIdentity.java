package io.dsrgw.gateway.lb;

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
 */
public final class BackendIdentity {
    private BackendIdentity() {
    }

    /** Canonical text of {@code address} (see class comment). */
    public static String of(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        if (address instanceof Inet6Address v6) {
            return ipv6(v6.getAddress());
        }
        throw new IllegalArgumentException("unsupported address " + address + " (expected: IPv4 or IPv6)");
    }

    static String ipv6(byte[] a) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        // RFC 5952 4.2.2/4.2.3: compress the longest run of >= 2 zero groups, the first on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
