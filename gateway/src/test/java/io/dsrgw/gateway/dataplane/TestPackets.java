package io.dsrgw.gateway.dataplane;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/**
 * Builds test packets byte by byte, independently of the encap module (its own RFC 791 checksum), so that
 * golden-packet tests check the pipeline against a second implementation.
 */
public final class TestPackets {
    public static final int DF = 0x4000;
    public static final int MF = 0x2000;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMP = 1;

    private TestPackets() {
    }

    public static int addr(String dotted) {
        String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8
                | Integer.parseInt(p[3]);
    }

    /**
     * An IPv4 header (IHL 5) followed by {@code payload}; total length = 20 + payload; valid checksum.
     *
     * @param flagsAndOffset DF/MF bits | fragment offset in 8-byte units
     */
    public static byte[] ipv4(int tos, int id, int flagsAndOffset, int ttl, int protocol, String src, String dst,
                              byte[] payload) {
        byte[] p = new byte[20 + payload.length];
        p[0] = 0x45;
        p[1] = (byte) tos;
        put16(p, 2, p.length);
        put16(p, 4, id);
        put16(p, 6, flagsAndOffset);
        p[8] = (byte) ttl;
        p[9] = (byte) protocol;
        put32(p, 12, addr(src));
        put32(p, 16, addr(dst));
        put16(p, 10, checksum(p, 0, 20));
        System.arraycopy(payload, 0, p, 20, payload.length);
        return p;
    }

    /** The 16 bytes of an IPv6 (or IPv4-mapped) literal, via the JDK's parser (no DNS for literals). */
    public static byte[] addr6(String literal) {
        try {
            byte[] a = java.net.InetAddress.getByName(literal).getAddress();
            if (a.length == 4 && literal.contains(":")) {
                // ::ffff:a.b.c.d, which InetAddress turns into the IPv4 address a.b.c.d
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(a, 0, mapped, 12, 4);
                return mapped;
            }
            if (a.length != 16) {
                throw new IllegalArgumentException(literal + " (expected: an IPv6 literal)");
            }
            return a;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /**
     * An IPv6 header followed by {@code payload} (extension headers included by the caller); payload length =
     * payload.length. RFC 8200 section 3, written byte by byte.
     */
    public static byte[] ipv6(int trafficClass, int flowLabel, int nextHeader, int hopLimit, String src, String dst,
                              byte[] payload) {
        byte[] p = new byte[40 + payload.length];
        put32(p, 0, 6 << 28 | (trafficClass & 0xff) << 20 | (flowLabel & 0xfffff));
        put16(p, 4, payload.length);
        p[6] = (byte) nextHeader;
        p[7] = (byte) hopLimit;
        System.arraycopy(addr6(src), 0, p, 8, 16);
        System.arraycopy(addr6(dst), 0, p, 24, 16);
        System.arraycopy(payload, 0, p, 40, payload.length);
        return p;
    }

    /** An IPv6 fragment header (RFC 8200 4.5): next header, offset in bytes (multiple of 8), M flag, id. */
    public static byte[] fragmentHeader(int nextHeader, int offsetBytes, boolean more, int id) {
        byte[] f = new byte[8];
        f[0] = (byte) nextHeader;
        put16(f, 2, offsetBytes | (more ? 1 : 0));
        put32(f, 4, id);
        return f;
    }

    /** ICMPv6 echo request (type 128), identifier, sequence 1, 8 data bytes, checksum over the pseudo-header. */
    public static byte[] icmpv6Echo(String src, String dst, int identifier) {
        byte[] i = new byte[16];
        i[0] = (byte) 128;
        put16(i, 4, identifier);
        put16(i, 6, 1);
        put16(i, 2, checksum6(src, dst, 58, i));
        return i;
    }

    /** The RFC 8200 8.1 upper-layer checksum of {@code upper} between src and dst. */
    public static int checksum6(String src, String dst, int nextHeader, byte[] upper) {
        byte[] pseudo = new byte[40 + upper.length];
        System.arraycopy(addr6(src), 0, pseudo, 0, 16);
        System.arraycopy(addr6(dst), 0, pseudo, 16, 16);
        put32(pseudo, 32, upper.length);
        pseudo[39] = (byte) nextHeader;
        System.arraycopy(upper, 0, pseudo, 40, upper.length);
        return checksum(pseudo, 0, pseudo.length);
    }

    /** A 20-byte TCP header (data offset 5, SYN) plus {@code dataBytes} zero bytes; checksum left 0. */
    public static byte[] tcp(int srcPort, int dstPort, int dataBytes) {
        byte[] t = new byte[20 + dataBytes];
        put16(t, 0, srcPort);
        put16(t, 2, dstPort);
        put32(t, 4, 1000);
        t[12] = 0x50;
        t[13] = 0x02;
        put16(t, 14, 65535);
        return t;
    }

    /** An 8-byte UDP header plus {@code dataBytes} bytes of 0xab; checksum 0 (none, RFC 768). */
    public static byte[] udp(int srcPort, int dstPort, int dataBytes) {
        byte[] u = new byte[8 + dataBytes];
        put16(u, 0, srcPort);
        put16(u, 2, dstPort);
        put16(u, 4, u.length);
        for (int i = 8; i < u.length; i++) {
            u[i] = (byte) 0xab;
        }
        return u;
    }

    /** ICMP echo request, identifier 7, sequence 1, with a valid checksum. */
    public static byte[] icmpEcho() {
        byte[] i = new byte[16];
        i[0] = 8;
        put16(i, 4, 7);
        put16(i, 6, 1);
        put16(i, 2, checksum(i, 0, i.length));
        return i;
    }

    /**
     * The expected RFC 2003 outer header for {@code inner}: version 4, IHL 5, TOS copied, total length, the given
     * id, DF copied, TTL, protocol 4, src, dst, checksum.
     */
    public static byte[] ipip(byte[] inner, int id, int ttl, String src, String dst) {
        int df = (inner[6] & 0x40) != 0 ? DF : 0;
        byte[] outer = ipv4(inner[1] & 0xff, id, df, ttl, 4, src, dst, inner);
        return outer;
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static int checksum(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            int hi = b[off + i] & 0xff;
            int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
            sum += hi << 8 | lo;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        put16(b, off, v >>> 16);
        put16(b, off + 2, v);
    }
}
