package io.dsrgw.agent.userspace;

import java.net.InetAddress;

/**
 * Hand-built tunnel packets of every kind for the decapsulator tests, independent of the encap module's
 * encapsulators (so a shared bug cannot hide): inner IPv4/UDP and IPv6/UDP, RFC 2784/2890 GRE headers,
 * outer IPv4 headers with valid checksums, and IPv6 raw-socket payloads (everything after the IPv6 header).
 */
final class TunnelPackets {
    static final int GRE_KEY_FLAG = 0x2000;
    static final int GRE_CHECKSUM_FLAG = 0x8000;

    private TunnelPackets() {
    }

    /** Inner IPv6/UDP fd00:1::2:40000 -> dst:80, 4 payload bytes, hop limit 63. */
    static byte[] inner6(InetAddress dst) {
        byte[] p = new byte[40 + 12];
        p[0] = 0x60;
        p[5] = 12;                        // payload length
        p[6] = 17;                        // next header UDP
        p[7] = 63;
        System.arraycopy(InetAddress.ofLiteral("fd00:1::2").getAddress(), 0, p, 8, 16);
        System.arraycopy(dst.getAddress(), 0, p, 24, 16);
        p[40] = (byte) 0x9c;
        p[41] = 0x40;
        p[43] = 80;
        p[45] = 12;
        p[48] = 'p';
        p[49] = 'o';
        p[50] = 'n';
        p[51] = 'g';
        return p;
    }

    /**
     * A GRE header (RFC 2784 §2, RFC 2890 §2) + payload:
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |C| |K|S| Reserved0       | Ver |         Protocol Type         |
     * |      Checksum (optional)      |       Reserved1 (Optional)    |
     * |                         Key (optional)                        |
     * </pre>
     *
     * @param key      null for no key
     * @param checksum whether to add a (valid) checksum
     */
    static byte[] gre(byte[] inner, Long key, boolean checksum) {
        int length = 4 + (checksum ? 4 : 0) + (key != null ? 4 : 0);
        byte[] p = new byte[length + inner.length];
        int flags = (checksum ? GRE_CHECKSUM_FLAG : 0) | (key != null ? GRE_KEY_FLAG : 0);
        p[0] = (byte) (flags >> 8);
        p[1] = (byte) flags;
        int type = (inner[0] >> 4) == 4 ? 0x0800 : 0x86dd;
        p[2] = (byte) (type >> 8);
        p[3] = (byte) type;
        int at = 4 + (checksum ? 4 : 0);
        if (key != null) {
            UserspaceDecapsulatorTest.putInt(p, at, (int) (long) key);
        }
        System.arraycopy(inner, 0, p, length, inner.length);
        if (checksum) {
            int sum = onesComplementSum(p);
            p[4] = (byte) (sum >> 8);
            p[5] = (byte) sum;
        }
        return p;
    }

    /** An outer IPv4 header (protocol, DF, TTL 64, valid checksum) from src to 10.0.3.10 + payload. */
    static byte[] outer4(int protocol, int src, byte[] payload) {
        byte[] p = UserspaceDecapsulatorTest.tunnel(src, payload);
        p[9] = (byte) protocol;
        UserspaceDecapsulatorTest.checksum(p, 0);
        return p;
    }

    /** RFC 1071 checksum over all of p (odd length padded). */
    static int onesComplementSum(byte[] p) {
        int sum = 0;
        for (int i = 0; i < p.length; i += 2) {
            sum += (p[i] & 0xff) << 8 | (i + 1 < p.length ? p[i + 1] & 0xff : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

    static long hi(InetAddress a) {
        return Ipv6AddressSet.half(a, 0);
    }

    static long lo(InetAddress a) {
        return Ipv6AddressSet.half(a, 8);
    }
}
