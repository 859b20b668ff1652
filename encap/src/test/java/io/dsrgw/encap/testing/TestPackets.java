package io.dsrgw.encap.testing;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.Icmpv4Flyweight;
import io.dsrgw.encap.ip.Icmpv6Flyweight;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.ip.TcpFlyweight;
import io.dsrgw.encap.ip.UdpFlyweight;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

/**
 * Builders of valid IPv4 and IPv6 packets for tests (checksums correct), plus hex helpers. Golden-byte tests do not
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

    /** Mutable description of an IPv6 packet; {@link #build()} writes it (transport checksums by the helpers). */
    public static final class Ipv6 {
        public int trafficClass;
        public int flowLabel = 0x12345;
        public int hopLimit = 64;
        public String source = "fd00:1::2";
        public String destination = "fd00:100::1";
        /** Next header of the fixed header (the first extension header's type when {@link #extensions} is set). */
        public int nextHeader = IpProtocol.TCP;
        /** Extension header bytes between the fixed header and the payload (their own next-header chain). */
        public byte[] extensions = new byte[0];
        public byte[] payload = new byte[0];

        public byte[] build() {
            byte[] bytes = new byte[Ipv6Flyweight.HEADER_LENGTH + extensions.length + payload.length];
            MemorySegment seg = MemorySegment.ofArray(bytes);
            long[] src = Ipv6Addresses.parse(source);
            long[] dst = Ipv6Addresses.parse(destination);
            new Ipv6Flyweight().wrapForWrite(seg, 0).versionClassFlow(trafficClass, flowLabel)
                    .payloadLength(extensions.length + payload.length).nextHeader(nextHeader).hopLimit(hopLimit)
                    .source(src[0], src[1]).destination(dst[0], dst[1]);
            System.arraycopy(extensions, 0, bytes, 40, extensions.length);
            System.arraycopy(payload, 0, bytes, 40 + extensions.length, payload.length);
            return bytes;
        }
    }

    /** A complete TCP/IPv6 packet with its checksum (flow label 0x12345). */
    public static byte[] tcpPacket6(String src, String dst, int srcPort, int dstPort, int flags, int dataBytes) {
        Ipv6 p = new Ipv6();
        p.source = src;
        p.destination = dst;
        p.nextHeader = IpProtocol.TCP;
        byte[] segment = tcp(0, 0, srcPort, dstPort, flags, pattern(dataBytes));
        MemorySegment seg = MemorySegment.ofArray(segment);
        TcpFlyweight tcp = new TcpFlyweight().wrapForWrite(seg, 0).checksum(0);
        long[] s = Ipv6Addresses.parse(src);
        long[] d = Ipv6Addresses.parse(dst);
        tcp.checksum(InternetChecksum.tcpIpv6(seg, 0, segment.length, s[0], s[1], d[0], d[1]));
        p.payload = segment;
        return p.build();
    }

    /** A complete UDP/IPv6 packet with its checksum. */
    public static byte[] udpPacket6(String src, String dst, int srcPort, int dstPort, int dataBytes) {
        Ipv6 p = new Ipv6();
        p.source = src;
        p.destination = dst;
        p.nextHeader = IpProtocol.UDP;
        byte[] datagram = udp(0, 0, srcPort, dstPort, pattern(dataBytes));
        MemorySegment seg = MemorySegment.ofArray(datagram);
        UdpFlyweight udp = new UdpFlyweight().wrapForWrite(seg, 0).checksum(0);
        long[] s = Ipv6Addresses.parse(src);
        long[] d = Ipv6Addresses.parse(dst);
        udp.checksum(InternetChecksum.udpIpv6(seg, 0, datagram.length, s[0], s[1], d[0], d[1]));
        p.payload = datagram;
        return p.build();
    }

    /** A complete ICMPv6 echo request (or reply) with its checksum. */
    public static byte[] icmpv6EchoPacket(String src, String dst, boolean request, int identifier, int sequence,
                                          int dataBytes) {
        Ipv6 p = new Ipv6();
        p.source = src;
        p.destination = dst;
        p.nextHeader = IpProtocol.ICMPV6;
        byte[] message = new byte[8 + dataBytes];
        MemorySegment seg = MemorySegment.ofArray(message);
        Icmpv6Flyweight icmp = new Icmpv6Flyweight().wrapForWrite(seg, 0)
                .type(request ? Icmpv6Flyweight.TYPE_ECHO_REQUEST : Icmpv6Flyweight.TYPE_ECHO_REPLY).code(0)
                .identifier(identifier).sequence(sequence).checksum(0);
        System.arraycopy(pattern(dataBytes), 0, message, 8, dataBytes);
        long[] s = Ipv6Addresses.parse(src);
        long[] d = Ipv6Addresses.parse(dst);
        icmp.checksum(InternetChecksum.icmpv6(seg, 0, message.length, s[0], s[1], d[0], d[1]));
        p.payload = message;
        return p.build();
    }

    /** An IPv6 address as {hi, lo}. */
    public static long[] ip6(String text) {
        return Ipv6Addresses.parse(text);
    }
}
