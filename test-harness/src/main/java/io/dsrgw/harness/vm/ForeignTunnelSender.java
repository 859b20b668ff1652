package io.dsrgw.harness.vm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.linux.RawSocket;

/**
 * Sends well-formed tunnel packets from a source that is not a gateway (a spoofed outer source on the tap), to
 * prove that the backend drops and counts them. Each packet is IP-in-IP (protocol 4) over IPv4 or IPv6 carrying an
 * ICMP echo request to the VIP, so that a backend without the source filter would decapsulate and answer it.
 * <pre>
 *  outer IPv4 (20, proto 4) or IPv6 (40, next header 4) | inner IPv4 (20, proto 1, to the VIP) | ICMP echo (8)
 * </pre>
 * Sent with a raw {@code IPPROTO_RAW} socket created inside the namespace (our own outer header, so any source).
 */
final class ForeignTunnelSender {
    private static final int INNER_BYTES = 28;

    private ForeignTunnelSender() {
    }

    /**
     * Sends {@code count} packets from {@code outerSource} to {@code outerDestination} (same family) inside
     * namespace {@code ns}; inner: {@code innerSource} to {@code vip4}. Returns the packets sent.
     */
    static int send(String ns, InetAddress outerSource, InetAddress outerDestination, Inet4Address innerSource,
                    Inet4Address vip4, int count) throws IOException {
        return send(ns, outerSource, outerDestination, innerSource, vip4, count, 0);
    }

    /**
     * Like {@link #send(String, InetAddress, InetAddress, Inet4Address, Inet4Address, int)}, as GUE variant 1 to UDP
     * port {@code guePort} (0: IP-in-IP): outer header, UDP (source port 50000; checksum 0 over IPv4, computed over
     * IPv6), then the same inner packet.
     */
    static int send(String ns, InetAddress outerSource, InetAddress outerDestination, Inet4Address innerSource,
                    Inet4Address vip4, int count, int guePort) throws IOException {
        if ((outerSource instanceof Inet4Address) != (outerDestination instanceof Inet4Address)) {
            throw new IllegalArgumentException(outerSource + " -> " + outerDestination + " (expected: one family)");
        }
        byte[] packet = guePort == 0 ? packet(outerSource, outerDestination, innerSource, vip4)
                : guePacket(outerSource, outerDestination, innerSource, vip4, guePort);
        return NetnsSockets.callIn(ns, () -> {
            try (Arena arena = Arena.ofConfined();
                 RawSocket s = outerSource instanceof Inet4Address ? RawSocket.ipv4Raw() : RawSocket.ipv6Raw()) {
                MemorySegment seg = arena.allocate(packet.length);
                MemorySegment.copy(packet, 0, seg, ValueLayout.JAVA_BYTE, 0, packet.length);
                int sent = 0;
                byte[] d = outerDestination.getAddress();
                for (int i = 0; i < count; i++) {
                    if (outerDestination instanceof Inet4Address) {
                        s.sendIpv4(seg, 0, packet.length, ByteBuffer.wrap(d).getInt());
                    } else {
                        ByteBuffer b = ByteBuffer.wrap(d);
                        s.sendIpv6(seg, 0, packet.length, b.getLong(), b.getLong());
                    }
                    sent++;
                }
                return sent;
            }
        });
    }

    /** The whole packet, outer header first (checksums computed). */
    static byte[] packet(InetAddress outerSource, InetAddress outerDestination, Inet4Address innerSource,
                         Inet4Address vip4) {
        boolean v4 = outerSource instanceof Inet4Address;
        int outer = v4 ? 20 : 40;
        ByteBuffer b = ByteBuffer.allocate(outer + INNER_BYTES);
        if (v4) {
            ipv4Header(b, 0, outer + INNER_BYTES, 4, outerSource.getAddress(), outerDestination.getAddress());
        } else {
            b.putInt(0, 0x6000_0000);
            b.putShort(4, (short) INNER_BYTES);
            b.put(6, (byte) 4);
            b.put(7, (byte) 64);
            b.put(8, ((Inet6Address) outerSource).getAddress());
            b.put(24, outerDestination.getAddress());
        }
        ipv4Header(b, outer, INNER_BYTES, 1, innerSource.getAddress(), vip4.getAddress());
        int icmp = outer + 20;
        b.put(icmp, (byte) 8);                    // echo request, code 0
        b.putShort(icmp + 4, (short) 0x4453);     // identifier "DS"
        b.putShort(icmp + 6, (short) 1);          // sequence
        b.putShort(icmp + 2, (short) checksum(b.array(), icmp, 8));
        return b.array();
    }

    /** Outer IPv4/IPv6 + UDP to {@code port} + the inner packet of {@link #packet} (GUE variant 1). */
    static byte[] guePacket(InetAddress outerSource, InetAddress outerDestination, Inet4Address innerSource,
                            Inet4Address vip4, int port) {
        boolean v4 = outerSource instanceof Inet4Address;
        int outer = v4 ? 20 : 40;
        byte[] plain = packet(outerSource, outerDestination, innerSource, vip4);
        int udpLength = 8 + INNER_BYTES;
        ByteBuffer b = ByteBuffer.allocate(outer + udpLength);
        b.put(0, plain, 0, outer);
        b.put(outer + 8, plain, outer, INNER_BYTES);
        b.putShort(outer, (short) 50000);
        b.putShort(outer + 2, (short) port);
        b.putShort(outer + 4, (short) udpLength);
        if (v4) {
            ipv4Header(b, 0, outer + udpLength, 17, outerSource.getAddress(), outerDestination.getAddress());
        } else {
            b.putShort(4, (short) udpLength);
            b.put(6, (byte) 17);
            // RFC 8200 section 8.1: pseudo-header (source, destination, length, next header) + UDP; 0 becomes 0xffff
            ByteBuffer ph = ByteBuffer.allocate(40 + udpLength);
            ph.put(0, outerSource.getAddress());
            ph.put(16, outerDestination.getAddress());
            ph.putInt(32, udpLength);
            ph.putInt(36, 17);
            ph.put(40, b.array(), outer, udpLength);
            int sum = checksum(ph.array(), 0, ph.capacity());
            b.putShort(outer + 6, (short) (sum == 0 ? 0xffff : sum));
        }
        return b.array();
    }

    private static void ipv4Header(ByteBuffer b, int at, int totalLength, int protocol, byte[] src, byte[] dst) {
        b.put(at, (byte) 0x45);
        b.putShort(at + 2, (short) totalLength);
        b.putShort(at + 6, (short) 0x4000);       // DF
        b.put(at + 8, (byte) 64);
        b.put(at + 9, (byte) protocol);
        b.put(at + 12, src);
        b.put(at + 16, dst);
        b.putShort(at + 10, (short) checksum(b.array(), at, 20));
    }

    private static int checksum(byte[] data, int offset, int length) {
        return InternetChecksum.compute(MemorySegment.ofArray(data), offset, length);
    }
}
