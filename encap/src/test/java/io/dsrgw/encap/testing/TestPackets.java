package io.dsrgw.encap.testing;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.Icmpv4Flyweight;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.TcpFlyweight;
import io.dsrgw.encap.ip.UdpFlyweight;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

/**
 * Builders of valid IPv4 packets for tests (checksums correct), plus hex helpers. Golden-byte tests do not
 * use these for their expectations; they build inputs for the behaviour tests.
 */
public final class TestPackets {
    private TestPackets() {
    }

    /** Bytes from hex text; spaces, newlines and '|' are ignored. */
    public static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("[\\s|]", ""));
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    public static int ip(String dotted) {
        return Ipv4Addresses.parse(dotted);
    }

    /** Mutable description of an IPv4 packet; {@link #build()} writes it with valid checksums. */
    public static final class Ipv4 {
        public int tos;
        public int identification = 0x1c46;
        public boolean dontFragment = true;
        public boolean moreFragments;
        public int fragmentOffsetBytes;
        public int ttl = 64;
        public int protocol = IpProtocol.TCP;
        public int source = ip("10.0.1.2");
        public int destination = ip("10.100.0.1");
        /** Option bytes (multiple of 4). */
        public byte[] options = new byte[0];
        /** Transport header + data, written after the IP header; checksummed by the helpers below. */
        public byte[] payload = new byte[0];

        public byte[] build() {
            int headerLength = Ipv4Flyweight.MIN_HEADER_LENGTH + options.length;
            byte[] bytes = new byte[headerLength + payload.length];
            MemorySegment seg = MemorySegment.ofArray(bytes);
            Ipv4Flyweight ip = new Ipv4Flyweight().wrapForWrite(seg, 0);
            ip.versionAndHeaderLength(4, headerLength).tos(tos).totalLength(bytes.length)
                    .identification(identification).dontFragment(dontFragment).moreFragments(moreFragments)
                    .fragmentOffsetBytes(fragmentOffsetBytes).ttl(ttl).protocol(protocol).source(source)
                    .destination(destination);
            MemorySegment.copy(options, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 20, options.length);
            MemorySegment.copy(payload, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, headerLength,
                    payload.length);
            ip.updateChecksum();
            return bytes;
        }
    }

    /** A TCP segment (20-byte header + data) with its checksum for the given addresses. */
    public static byte[] tcp(int src, int dst, int srcPort, int dstPort, int flags, byte[] data) {
        byte[] bytes = new byte[TcpFlyweight.MIN_HEADER_LENGTH + data.length];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        new TcpFlyweight().wrapForWrite(seg, 0).sourcePort(srcPort).destinationPort(dstPort).sequence(0x12345678L)
                .acknowledgment((flags & TcpFlyweight.FLAG_ACK) != 0 ? 1 : 0).headerLength(20).flags(flags)
                .window(64240).checksum(0);
        System.arraycopy(data, 0, bytes, 20, data.length);
        new TcpFlyweight().wrapForWrite(seg, 0)
                .checksum(InternetChecksum.tcpIpv4(seg, 0, bytes.length, src, dst));
        return bytes;
    }

    /** A UDP datagram (8-byte header + data) with its checksum. */
    public static byte[] udp(int src, int dst, int srcPort, int dstPort, byte[] data) {
        byte[] bytes = new byte[UdpFlyweight.HEADER_LENGTH + data.length];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        UdpFlyweight udp = new UdpFlyweight().wrapForWrite(seg, 0).sourcePort(srcPort).destinationPort(dstPort)
                .length(bytes.length).checksum(0);
        System.arraycopy(data, 0, bytes, 8, data.length);
        udp.checksum(InternetChecksum.udpIpv4(seg, 0, bytes.length, src, dst));
        return bytes;
    }

    /** An ICMP echo request or reply with its checksum. */
    public static byte[] icmpEcho(boolean request, int identifier, int sequence, byte[] data) {
        byte[] bytes = new byte[Icmpv4Flyweight.HEADER_LENGTH + data.length];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        Icmpv4Flyweight icmp = new Icmpv4Flyweight().wrapForWrite(seg, 0)
                .type(request ? Icmpv4Flyweight.TYPE_ECHO_REQUEST : Icmpv4Flyweight.TYPE_ECHO_REPLY).code(0)
                .identifier(identifier).sequence(sequence).checksum(0);
        System.arraycopy(data, 0, bytes, 8, data.length);
        icmp.checksum(InternetChecksum.icmpv4(seg, 0, bytes.length));
        return bytes;
    }

    /** A complete TCP/IPv4 packet. */
    public static byte[] tcpPacket(String src, String dst, int srcPort, int dstPort, int flags, int dataBytes) {
        Ipv4 p = new Ipv4();
        p.source = ip(src);
        p.destination = ip(dst);
        p.protocol = IpProtocol.TCP;
        p.payload = tcp(p.source, p.destination, srcPort, dstPort, flags, pattern(dataBytes));
        return p.build();
    }

    /** A complete UDP/IPv4 packet. */
    public static byte[] udpPacket(String src, String dst, int srcPort, int dstPort, int dataBytes) {
        Ipv4 p = new Ipv4();
        p.source = ip(src);
        p.destination = ip(dst);
        p.protocol = IpProtocol.UDP;
        p.dontFragment = false;
        p.payload = udp(p.source, p.destination, srcPort, dstPort, pattern(dataBytes));
        return p.build();
    }

    /** A complete ICMP echo request/IPv4 packet. */
    public static byte[] icmpEchoPacket(String src, String dst, int identifier, int sequence, int dataBytes) {
        Ipv4 p = new Ipv4();
        p.source = ip(src);
        p.destination = ip(dst);
        p.protocol = IpProtocol.ICMP;
        p.payload = icmpEcho(true, identifier, sequence, pattern(dataBytes));
        return p.build();
    }

    /** Deterministic data bytes 0, 1, 2, ... */
    public static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** Copies {@code packet} into a new array at {@code headroom}, as the gateway's receive buffers hold it. */
    public static byte[] withHeadroom(byte[] packet, int headroom) {
        byte[] b = new byte[headroom + packet.length];
        System.arraycopy(packet, 0, b, headroom, packet.length);
        return b;
    }
}
