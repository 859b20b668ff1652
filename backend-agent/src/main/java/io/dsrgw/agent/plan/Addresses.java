package io.dsrgw.agent.plan;

import java.net.Inet6Address;
import java.net.InetAddress;

/** Address literals as iproute2 and nft print them (IPv6 compressed per RFC 5952), so comparisons agree. */
public final class Addresses {
    private Addresses() {
    }

    /** {@code 10.100.0.1}, {@code fd00:100::1}. */
    public static String literal(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        // RFC 5952 4.2: the longest run (first if tied) of two or more zero words becomes "::".
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }

    /** The canonical literal of any IP literal (throws IllegalArgumentException for a non-literal). */
    public static String canonical(String literal) {
        return literal(InetAddress.ofLiteral(literal));
    }
}
