package io.dsrgw.encap.pcap;

import static io.dsrgw.encap.testing.TestPackets.ip;
import static io.dsrgw.encap.testing.TestPackets.ip6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.icmp.IcmpBuilder;
import io.dsrgw.encap.icmp.Ipv4Fragmenter;
import io.dsrgw.encap.testing.TestPackets;
import io.dsrgw.encap.tunnel.TunnelEncapsulator;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.encap.tunnel.TunnelSpec;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wireshark's opinion of every tunnel kind and ICMP message this module writes: the packets are produced by
 * {@link TunnelEncapsulator}, {@link IcmpBuilder} and {@link Ipv4Fragmenter}, written to pcaps (link type RAW;
 * IPv6-outer packets also as LINKTYPE_IPV6) and decoded by tshark with checksum validation on: every IPv4,
 * GRE, TCP, UDP, ICMP and ICMPv6 checksum must be "Good", GRE flags/key as configured, the outer IPv6 flow
 * label as given. Skipped (reason printed) when tshark is not installed.
 */
class TsharkTunnelDecodeTest {
    private static final String GW4 = "10.0.2.2";
    private static final String BE4 = "10.0.3.10";
    private static final String GW6 = "fd00:2::2";
    private static final String BE6 = "fd00:3::11";

    private final TunnelEncapsulator encapsulator = new TunnelEncapsulator();

    @BeforeAll
    static void findTshark() {
        TsharkDecodeTest.findTshark();
    }

    private static TunnelSpec spec(TunnelKind kind, boolean keyed, int key, boolean checksum) {
        if (kind.outerFamily() == 4) {
            return TunnelSpec.ipv4Outer(kind, ip(GW4), ip(BE4), 64, keyed, key, checksum);
        }
        return TunnelSpec.ipv6Outer(kind, ip6(GW6)[0], ip6(GW6)[1], ip6(BE6)[0], ip6(BE6)[1], 64, keyed, key,
                checksum);
    }

    private byte[] encapsulate(byte[] inner, TunnelSpec spec) {
        byte[] buf = TestPackets.withHeadroom(inner, spec.overheadBytes());
        long outer = encapsulator.encapsulate(MemorySegment.ofArray(buf), spec.overheadBytes(), inner.length,
                inner[0] >> 4 & 0xf, spec, 0x1234, 0xabcde);
        assertEquals(0, outer, spec.toString());
        return buf;
    }

    @Test
    void shouldDecodeEveryTunnelKindWithGoodChecksumsAndTheConfiguredGreFields() throws Exception {
        TsharkDecodeTest.requireTshark();
        byte[] tcp4 = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 2, 100);
        byte[] udp4 = TestPackets.udpPacket("10.0.1.2", "10.100.0.1", 40001, 30000, 33);
        byte[] tcp6 = TestPackets.tcpPacket6("fd00:1::2", "fd00:100::1", 40002, 80, 2, 100);
        byte[] udp6 = TestPackets.udpPacket6("fd00:1::2", "fd00:100::1", 40003, 30000, 33);
        List<byte[]> packets = List.of(
                encapsulate(tcp4, spec(TunnelKind.IPIP, false, 0, false)),
                encapsulate(tcp6, spec(TunnelKind.SIT, false, 0, false)),
                encapsulate(tcp4, spec(TunnelKind.GRE, false, 0, false)),
                encapsulate(udp6, spec(TunnelKind.GRE, true, 42, true)),
                encapsulate(udp4, spec(TunnelKind.GRE, true, (int) 4294967295L, false)),
                encapsulate(udp4, spec(TunnelKind.IP6TNL, false, 0, false)),
                encapsulate(tcp6, spec(TunnelKind.IP6TNL, false, 0, false)),
                encapsulate(tcp4, spec(TunnelKind.IP6GRE, false, 0, true)),
                encapsulate(udp6, spec(TunnelKind.IP6GRE, true, 42, false)),
                encapsulate(udp4, spec(TunnelKind.IP6GRE, true, 7, true)));
        Path raw = write("tshark-tunnels-raw.pcap", LinkType.RAW, packets);
        String good = TsharkDecodeTest.goodStatus(raw);
        List<String> lines = TsharkDecodeTest.fields(raw, "ip.src", "ip.proto", "ip.flags.df", "ip.checksum.status",
                "ipv6.src", "ipv6.nxt", "ipv6.flow", "gre.flags.checksum", "gre.flags.key", "gre.key",
                "gre.checksum.status", "gre.proto", "tcp.checksum.status", "udp.checksum.status");
        // tshark prints flow labels with 6 hex digits and booleans as 0/1
        List<String> expected = List.of(
                "10.0.2.2,10.0.1.2|4,6|1,1|G,G|||||||||G|",
                "10.0.2.2|41|1|G|fd00:1::2|6|0x012345||||||G|",
                "10.0.2.2,10.0.1.2|47,6|1,1|G,G||||0|0|||0x0800|G|",
                "10.0.2.2|47|1|G|fd00:1::2|17|0x012345|1|1|0x0000002a|G|0x86dd||G",
                "10.0.2.2,10.0.1.2|47,17|0,0|G,G||||0|1|0xffffffff||0x0800||G",
                "10.0.1.2|17|0|G|fd00:2::2|4|0x0abcde|||||||G",
                "||||fd00:2::2,fd00:1::2|41,6|0x0abcde,0x012345||||||G|",
                "10.0.1.2|6|1|G|fd00:2::2|47|0x0abcde|1|0||G|0x0800|G|",
                "||||fd00:2::2,fd00:1::2|47,17|0x0abcde,0x012345|0|1|0x0000002a||0x86dd||G",
                "10.0.1.2|17|0|G|fd00:2::2|47|0x0abcde|1|1|0x00000007|G|0x0800||G");
        assertEquals(expected.size(), lines.size(), String.join("\n", lines));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).replace("G", good), lines.get(i), "packet " + (i + 1) + ": " + lines);
        }
        // the IPv6-outer ones again as LINKTYPE_IPV6: same decoding
        Path v6 = write("tshark-tunnels-ipv6.pcap", LinkType.IPV6, packets.subList(5, 10));
        List<String> v6lines = TsharkDecodeTest.fields(v6, "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hlim");
        assertEquals(List.of("fd00:2::2|fd00:3::11|4|64", "fd00:2::2,fd00:1::2|fd00:3::11,fd00:100::1|41,6|64,64",
                "fd00:2::2|fd00:3::11|47|64", "fd00:2::2,fd00:1::2|fd00:3::11,fd00:100::1|47,17|64,64",
                "fd00:2::2|fd00:3::11|47|64"), v6lines);
        String verbose = TsharkDecodeTest.run(raw, "-V");
        assertTrue(!verbose.contains("Bad]") && !verbose.contains("Malformed"), verbose);
    }

    /**
     * GUE: Wireshark 4.0 has no GUE dissector (UDP 6080 shows as plain UDP data), so the test tells it what
     * the port carries: {@code -d udp.port==6080,ip}, the IP dissector, which hands version 6 on to IPv6 - the
     * same version-nibble dispatch GUE variant 1 defines. The outer UDP checksum: absent (0) under IPv4, "Good"
     * under IPv6; the inner TCP/UDP checksums "Good"; the source ports as given.
     */
    @Test
    void shouldDecodeGueVariantOneAsUdpCarryingTheInnerPacket() throws Exception {
        TsharkDecodeTest.requireTshark();
        byte[] tcp4 = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 2, 100);
        byte[] udp6 = TestPackets.udpPacket6("fd00:1::2", "fd00:100::1", 40003, 30000, 33);
        List<byte[]> packets = List.of(
                gue(tcp4, spec(TunnelKind.GUE, false, 0, false), 50000),
                gue(udp6, spec(TunnelKind.GUE, false, 0, false), 50001),
                gue(tcp4, spec(TunnelKind.GUE6, false, 0, false), 65535),
                gue(udp6, spec(TunnelKind.GUE6, false, 0, false), 49152));
        Path raw = write("tshark-gue-raw.pcap", LinkType.RAW, packets);
        String good = TsharkDecodeTest.goodStatus(raw);
        List<String> args = new ArrayList<>(List.of("-d", "udp.port==6080,ip", "-T", "fields", "-E", "separator=|",
                "-E", "occurrence=a", "-E", "aggregator=,"));
        for (String field : List.of("ip.src", "ipv6.src", "udp.srcport", "udp.dstport", "udp.checksum",
                "udp.checksum.status", "tcp.checksum.status", "ip.checksum.status")) {
            args.add("-e");
            args.add(field);
        }
        List<String> lines = TsharkDecodeTest.run(raw, args.toArray(String[]::new)).lines().toList();
        // N: checksum status "Not present" (field 0, RFC 768), printed as 3 by Wireshark 4.0; G: Good
        List<String> expected = List.of(
                "10.0.2.2,10.0.1.2||50000|6080|0x0000|N|G|G,G",
                "10.0.2.2|fd00:1::2|50001,40003|6080,30000|0x0000,0xe221|N,G||G",
                "10.0.1.2|fd00:2::2|65535|6080|0x02d2|G|G|G",
                "|fd00:2::2,fd00:1::2|49152,40003|6080,30000|0x98ec,0xe221|G,G||");
        assertEquals(expected.size(), lines.size(), String.join("\n", lines));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).replace("G", good).replace("N", "3"), lines.get(i), "packet " + (i + 1));
        }
        String verbose = TsharkDecodeTest.run(raw, "-d", "udp.port==6080,ip", "-V");
        assertTrue(!verbose.contains("Bad]") && !verbose.contains("Malformed"), verbose);
        assertTrue(verbose.contains("[Checksum Status: Not present]"), "what status 3 means: " + verbose);
    }

    private byte[] gue(byte[] inner, TunnelSpec spec, int sourcePort) {
        byte[] buf = TestPackets.withHeadroom(inner, spec.overheadBytes());
        long outer = encapsulator.encapsulate(MemorySegment.ofArray(buf), spec.overheadBytes(), inner.length,
                inner[0] >> 4 & 0xf, spec, 0x1234, 0xabcde, sourcePort);
        assertEquals(0, outer, spec.toString());
        return buf;
    }

    @Test
    void shouldDecodeTooBigEchoRepliesAndOuterFragments() throws Exception {
        TsharkDecodeTest.requireTshark();
        List<byte[]> packets = new ArrayList<>();
        byte[] big4 = TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x18, 1460);
        byte[] out = new byte[1500];
        int n = IcmpBuilder.fragmentationNeeded(MemorySegment.ofArray(big4), 0, big4.length, 1476, 64,
                MemorySegment.ofArray(out), 0);
        packets.add(Arrays.copyOf(out, n));
        byte[] big6 = TestPackets.tcpPacket6("fd00:1::2", "fd00:100::1", 40000, 80, 0x18, 1440);
        n = IcmpBuilder.packetTooBig(MemorySegment.ofArray(big6), 0, big6.length, 1456, 64,
                MemorySegment.ofArray(out), 0);
        packets.add(Arrays.copyOf(out, n));
        byte[] echo4 = TestPackets.icmpEchoPacket("10.0.1.2", "10.100.0.1", 0x1234, 1, 56);
        n = IcmpBuilder.echoReplyIpv4InPlace(MemorySegment.ofArray(echo4), 0, echo4.length, 64);
        packets.add(Arrays.copyOf(echo4, n));
        byte[] echo6 = TestPackets.icmpv6EchoPacket("fd00:1::2", "fd00:100::1", true, 0x4321, 2, 56);
        n = IcmpBuilder.echoReplyIpv6InPlace(MemorySegment.ofArray(echo6), 0, echo6.length, 64);
        packets.add(Arrays.copyOf(echo6, n));
        // a 1500-byte UDP datagram without DF in GRE (keyed, checksum): outer 1532 bytes, fragmented for MTU 1500
        byte[] udp = TestPackets.udpPacket("10.0.1.2", "10.100.0.1", 40001, 30000, 1472);
        byte[] outer = encapsulate(udp, spec(TunnelKind.GRE, true, 42, true));
        MemorySegment[] dst = {MemorySegment.ofArray(new byte[1500]), MemorySegment.ofArray(new byte[1500])};
        int[] lengths = new int[2];
        assertEquals(2, Ipv4Fragmenter.fragment(MemorySegment.ofArray(outer), 0, outer.length, 1500, dst, 0, lengths));
        packets.add(dst[0].asSlice(0, lengths[0]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        packets.add(dst[1].asSlice(0, lengths[1]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        Path p = write("tshark-icmp-fragments.pcap", LinkType.RAW, packets);
        String good = TsharkDecodeTest.goodStatus(p);
        List<String> lines = TsharkDecodeTest.fields(p, "ip.src", "ip.dst", "ip.checksum.status", "icmp.type",
                "icmp.code", "icmp.mtu", "icmp.checksum.status", "icmpv6.type", "icmpv6.mtu", "icmpv6.checksum.status",
                "ip.flags.mf", "ip.frag_offset", "gre.key", "gre.checksum.status", "udp.checksum.status");
        // fragment offsets in 8-byte units (185 = 1480 bytes); the last fragment shows the reassembled datagram
        List<String> expected = List.of(
                "10.100.0.1,10.0.1.2|10.0.1.2,10.100.0.1|G,G|3|4|1476|G||||0,0|0,0|||",
                "|||||||2|1456|G|||||",
                "10.100.0.1|10.0.1.2|G|0|0||G||||0|0|||",
                "|||||||129||G|||||",
                "10.0.2.2|10.0.3.10|G||||||||1|0|||",
                "10.0.2.2,10.0.1.2|10.0.3.10,10.100.0.1|G,G||||||||0,0|185,0|0x0000002a|G|G");
        assertEquals(expected.size(), lines.size(), String.join("\n", lines));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).replace("G", good), lines.get(i), "packet " + (i + 1) + ": " + lines);
        }
        // The only bad checksums: the TCP segments quoted (cut short) by the two too-big messages, which tshark
        // checks over the partial segment. Everything we computed (IP, ICMP, ICMPv6, GRE, UDP) is good.
        String verbose = TsharkDecodeTest.run(p, "-V");
        assertEquals(2, verbose.split("\\[Checksum Status: Bad\\]", -1).length - 1, verbose);
        assertEquals(2, verbose.split("Checksum: 0x[0-9a-f]{4} incorrect, should be 0x[0-9a-f]{4}\\(maybe caused by "
                + "\"TCP checksum offload\"\\?\\)", -1).length - 1, verbose);
        assertTrue(!verbose.contains("Malformed"), verbose);
    }

    private static Path write(String name, int linkType, List<byte[]> packets) throws Exception {
        Path p = PcapTest.file(name);
        try (PcapWriter w = PcapWriter.create(p, linkType, true)) {
            long t = 1_700_000_000_000_000_000L;
            for (byte[] packet : packets) {
                w.write(t++, MemorySegment.ofArray(packet), 0, packet.length);
            }
        }
        return p;
    }
}
